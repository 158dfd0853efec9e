package linux

import (
	"errors"

	"github.com/smallworld-go/smallworld/memory"
)

// The process's credentials, resource limits, priority, scheduling and
// prctl. The guest is one process of one thread whose identity comes
// from the core (Process): the calls that would change it succeed only
// when they ask for what already is. What the guest may set and read
// back (limits, niceness, its name, the dumpable flag, the parent-death
// signal) is recorded in the Kernel; nothing is enforced.

// Credentials. Linux keeps a real, an effective and a saved id (and a
// file-system id); here the saved and the file-system ids are the
// effective one, as exec leaves them.

// An idSet is a real, an effective and a saved id.
type idSet [3]int64

func (k *Kernel) uids() idSet {
	return idSet{int64(k.proc.UID), int64(k.proc.EUID), int64(k.proc.EUID)}
}

func (k *Kernel) gids() idSet {
	return idSet{int64(k.proc.GID), int64(k.proc.EGID), int64(k.proc.EGID)}
}

// legacyIDs is the width in bytes of the ids the calls without a "32"
// suffix take: 2 (old_uid_t) on the platforms that also have getuid32
// (i386, ARM), else 4.
func (k *Kernel) legacyIDs() int {
	if k.Table.uid16 {
		return 2
	}
	return 4
}

// idArg decodes an id argument of size bytes; -1 ("leave it") is the
// all-ones id of that width (the kernel's low2highuid).
func idArg(v uint64, size int) int64 {
	mask := uint64(1)<<(8*size) - 1
	if v&mask == mask {
		return -1
	}
	return int64(v & mask)
}

// overflowID is what an id too wide for 16 bits reads as through the
// 16-bit calls (the kernel's overflowuid and overflowgid default).
const overflowID = 65534

// idOut is an id as a call of size-byte ids reports it.
func idOut(id int64, size int) uint64 {
	if size == 2 && id > 0xffff {
		return overflowID
	}
	return uint64(id)
}

// getresid writes the real, effective and saved ids at a[0], a[1], a[2].
func (k *Kernel) getresid(a Args, ids idSet, size int) int64 {
	for i, id := range ids {
		if e := k.putWords(a[i], size, idOut(id, size)); e != 0 {
			return -e
		}
	}
	return 0
}

// setid is setuid and setgid: Linux makes the effective id x (and, for a
// privileged process, the real and saved ids too); that changes nothing
// only when x is the effective id (and, privileged, every id).
func (k *Kernel) setid(v uint64, ids idSet, size int) int64 {
	x := idArg(v, size)
	switch {
	case x < 0:
		return -EINVAL
	case x != ids[1], k.proc.EUID == 0 && (x != ids[0] || x != ids[2]):
		return -EPERM
	}
	return 0
}

// setresid is setresuid and setresgid, and setreuid and setregid with
// the saved id left (-1; the saved id Linux would set is the effective
// one, which it is already): each id asked for must be the current one.
func (k *Kernel) setresid(a Args, n int, ids idSet, size int) int64 {
	for i := 0; i < n; i++ {
		if x := idArg(a[i], size); x >= 0 && x != ids[i] {
			return -EPERM
		}
	}
	return 0
}

// sysGetresuid...: getresuid(ruid *, euid *, suid *) and the others, in
// the platform's legacy width; the 32 forms in 32 bits.
func sysGetresuid(k *Kernel, a Args) (int64, error) {
	return k.getresid(a, k.uids(), k.legacyIDs()), nil
}
func sysGetresgid(k *Kernel, a Args) (int64, error) {
	return k.getresid(a, k.gids(), k.legacyIDs()), nil
}
func sysGetresuid32(k *Kernel, a Args) (int64, error) { return k.getresid(a, k.uids(), 4), nil }
func sysGetresgid32(k *Kernel, a Args) (int64, error) { return k.getresid(a, k.gids(), 4), nil }

func sysSetuid(k *Kernel, a Args) (int64, error) {
	return k.setid(a[0], k.uids(), k.legacyIDs()), nil
}
func sysSetgid(k *Kernel, a Args) (int64, error) {
	return k.setid(a[0], k.gids(), k.legacyIDs()), nil
}
func sysSetuid32(k *Kernel, a Args) (int64, error) { return k.setid(a[0], k.uids(), 4), nil }
func sysSetgid32(k *Kernel, a Args) (int64, error) { return k.setid(a[0], k.gids(), 4), nil }

func sysSetreuid(k *Kernel, a Args) (int64, error) {
	return k.setresid(a, 2, k.uids(), k.legacyIDs()), nil
}
func sysSetregid(k *Kernel, a Args) (int64, error) {
	return k.setresid(a, 2, k.gids(), k.legacyIDs()), nil
}
func sysSetreuid32(k *Kernel, a Args) (int64, error) { return k.setresid(a, 2, k.uids(), 4), nil }
func sysSetregid32(k *Kernel, a Args) (int64, error) { return k.setresid(a, 2, k.gids(), 4), nil }

func sysSetresuid(k *Kernel, a Args) (int64, error) {
	return k.setresid(a, 3, k.uids(), k.legacyIDs()), nil
}
func sysSetresgid(k *Kernel, a Args) (int64, error) {
	return k.setresid(a, 3, k.gids(), k.legacyIDs()), nil
}
func sysSetresuid32(k *Kernel, a Args) (int64, error) { return k.setresid(a, 3, k.uids(), 4), nil }
func sysSetresgid32(k *Kernel, a Args) (int64, error) { return k.setresid(a, 3, k.gids(), 4), nil }

// setfsuid(id) and setfsgid(id) return the file-system id as it was
// (the effective one), and never fail; it is left as it is.
func sysSetfsuid(k *Kernel, a Args) (int64, error) {
	return int64(idOut(k.uids()[1], k.legacyIDs())), nil
}
func sysSetfsgid(k *Kernel, a Args) (int64, error) {
	return int64(idOut(k.gids()[1], k.legacyIDs())), nil
}
func sysSetfsuid32(k *Kernel, a Args) (int64, error) { return k.uids()[1], nil }
func sysSetfsgid32(k *Kernel, a Args) (int64, error) { return k.gids()[1], nil }

// sysGetgroups: getgroups(size, list): the guest has no supplementary
// groups (the core does not record them), whatever the id width.
func sysGetgroups(k *Kernel, a Args) (int64, error) {
	if k.sfd(a[0]) < 0 {
		return -EINVAL, nil
	}
	return 0, nil
}

// Priority. The guest's niceness starts at 0 and is recorded.

// prioSelf checks getpriority's and setpriority's (which, who) name the
// guest: itself, its group, or its user (every process of them is the
// guest alone).
func (k *Kernel) prioSelf(which, who uint64) int64 {
	c := k.c
	w := k.sfd(who)
	var own bool
	switch uint64(uint32(which)) {
	case c.PRIO_PROCESS:
		own = w == 0 || w == int64(k.proc.PID) || w == int64(k.proc.TID)
	case c.PRIO_PGRP:
		own = w == 0 || w == k.pgid()
	case c.PRIO_USER:
		own = w == 0 || w == int64(k.proc.UID)
	default:
		return EINVAL
	}
	if !own {
		return ESRCH
	}
	return 0
}

// sysGetpriority: getpriority(which, who) returns 20 - nice (1 to 40),
// as the system call does; the C library turns it back.
func sysGetpriority(k *Kernel, a Args) (int64, error) {
	if e := k.prioSelf(a[0], a[1]); e != 0 {
		return -e, nil
	}
	return 20 - k.nice, nil
}

// sysSetpriority: setpriority(which, who, nice) records the niceness,
// clamped to [-20, 19]. Lowering it is EACCES unless RLIMIT_NICE allows
// it (20 - nice at most the soft limit; 0 by default) or the guest is
// root, as Linux's can_nice.
func sysSetpriority(k *Kernel, a Args) (int64, error) {
	if e := k.prioSelf(a[0], a[1]); e != 0 {
		return -e, nil
	}
	nice := min(max(k.sfd(a[2]), -20), 19)
	if nice < k.nice && k.proc.EUID != 0 {
		_, lim, _ := k.rlimit(k.rlimitNo("RLIMIT_NICE"))
		if uint64(20-nice) > lim[0] {
			return -EACCES, nil
		}
	}
	k.nice = nice
	return 0, nil
}

// Scheduling: the guest runs SCHED_NORMAL (SCHED_OTHER) at priority 0,
// on CPU 0 of node 0.

// schedSelf checks a pid argument of the sched_* calls: negative is
// EINVAL, another process ESRCH.
func (k *Kernel) schedSelf(pid uint64) int64 {
	p := k.sfd(pid)
	switch {
	case p < 0:
		return EINVAL
	case p != 0 && p != int64(k.proc.PID) && p != int64(k.proc.TID):
		return ESRCH
	}
	return 0
}

func sysSchedGetscheduler(k *Kernel, a Args) (int64, error) {
	if e := k.schedSelf(a[0]); e != 0 {
		return -e, nil
	}
	return int64(k.c.SCHED_NORMAL), nil
}

// sysSchedGetparam: sched_getparam(pid, struct sched_param *): priority 0.
func sysSchedGetparam(k *Kernel, a Args) (int64, error) {
	if a[1] == 0 {
		return -EINVAL, nil
	}
	if e := k.schedSelf(a[0]); e != 0 {
		return -e, nil
	}
	return -k.putWords(a[1], 4, 0), nil
}

// priorityRange is what sched_get_priority_min and _max say of a
// policy: 1 to 99 for the real-time ones, 0 for the others; ok is false
// for a policy Linux does not have.
func (k *Kernel) priorityRange(policy uint64) (lo, hi int64, ok bool) {
	c := k.c
	switch policy {
	case c.SCHED_FIFO, c.SCHED_RR:
		return 1, 99, true
	case c.SCHED_NORMAL, c.SCHED_BATCH, c.SCHED_IDLE, c.SCHED_DEADLINE:
		return 0, 0, true
	}
	return 0, 0, false
}

func sysSchedGetPriorityMax(k *Kernel, a Args) (int64, error) {
	_, hi, ok := k.priorityRange(uint64(uint32(a[0])))
	if !ok {
		return -EINVAL, nil
	}
	return hi, nil
}

func sysSchedGetPriorityMin(k *Kernel, a Args) (int64, error) {
	lo, _, ok := k.priorityRange(uint64(uint32(a[0])))
	if !ok {
		return -EINVAL, nil
	}
	return lo, nil
}

// setScheduler checks a request for policy at the priority *param, in
// Linux's order (EINVAL, EFAULT, ESRCH, EINVAL, EPERM): SCHED_NORMAL at
// priority 0, what the guest has, succeeds; a priority the policy does
// not take is EINVAL (and SCHED_DEADLINE, which needs sched_setattr);
// any other change EPERM.
func (k *Kernel) setScheduler(pid, policy, param uint64) int64 {
	if param == 0 || k.sfd(pid) < 0 {
		return -EINVAL
	}
	prio, e := k.uint(param, 4)
	if e != 0 {
		return -e
	}
	if e := k.schedSelf(pid); e != 0 {
		return -e
	}
	lo, hi, ok := k.priorityRange(policy)
	p := int64(int32(prio))
	switch {
	case !ok, policy == k.c.SCHED_DEADLINE, p != 0 && (p < lo || p > hi), p == 0 && lo != 0:
		return -EINVAL
	case policy != k.c.SCHED_NORMAL:
		return -EPERM
	}
	return 0
}

// sched_setscheduler(pid, policy, param) and sched_setparam(pid, param)
// (the guest's own policy, SCHED_NORMAL).
func sysSchedSetscheduler(k *Kernel, a Args) (int64, error) {
	return k.setScheduler(a[0], uint64(uint32(a[1])), a[2]), nil
}
func sysSchedSetparam(k *Kernel, a Args) (int64, error) {
	return k.setScheduler(a[0], k.c.SCHED_NORMAL, a[1]), nil
}

// sysGetcpu: getcpu(unsigned *cpu, unsigned *node, cache): CPU 0, node 0.
func sysGetcpu(k *Kernel, a Args) (int64, error) {
	for _, p := range a[:2] {
		if p == 0 {
			continue
		}
		if e := k.putWords(p, 4, 0); e != 0 {
			return -e, nil
		}
	}
	return 0, nil
}

// Resource limits: one record for prlimit64, getrlimit, ugetrlimit and
// setrlimit, in 64 bits with RLIM64_INFINITY (all ones), as Linux keeps
// them; what the guest sets is reported back, not enforced.

// Resource limits as they are until the guest sets its own (Linux's
// INIT_RLIMITS for RLIMIT_NICE and RLIMIT_RTPRIO; a resource not listed
// is unlimited).
var defaultRlimits = map[string][2]uint64{
	"RLIMIT_STACK":  {8 << 20, rlimInfinity},
	"RLIMIT_NOFILE": {maxFDs, maxFDs},
	"RLIMIT_CORE":   {0, rlimInfinity},
	"RLIMIT_NICE":   {0, 0},
	"RLIMIT_RTPRIO": {0, 0},
}

// rlimInfinity is RLIM64_INFINITY.
const rlimInfinity = ^uint64(0)

// oldRlimInfinity is the most i386's old getrlimit reports (the
// kernel's old_getrlimit clamps every limit to 0x7fffffff).
const oldRlimInfinity = 0x7fffffff

// rlimitNo is the platform's number of a resource.
func (k *Kernel) rlimitNo(name string) uint64 { return rlimitsOf(k.p.Name)[name] }

// rlimit returns a resource's name and current limits; ok is false for
// a number that is no resource (EINVAL).
func (k *Kernel) rlimit(resource uint64) (name string, lim [2]uint64, ok bool) {
	for n, v := range rlimitsOf(k.p.Name) {
		if v == resource && n != "RLIM_NLIMITS" && n != "RLIMIT_OFILE" {
			name = n
		}
	}
	if name == "" {
		return "", lim, false
	}
	if lim, ok = k.rlimits[name]; ok {
		return name, lim, true
	}
	if lim, ok = defaultRlimits[name]; ok {
		return name, lim, true
	}
	return name, [2]uint64{rlimInfinity, rlimInfinity}, true
}

// setRlimit records new limits of a resource whose limits are old: a
// soft limit above the hard one is EINVAL; raising the hard limit needs
// root (EPERM), as Linux's do_prlimit.
func (k *Kernel) setRlimit(name string, old, lim [2]uint64) int64 {
	switch {
	case lim[0] > lim[1]:
		return EINVAL
	case lim[1] > old[1] && k.proc.EUID != 0:
		return EPERM
	}
	if k.rlimits == nil {
		k.rlimits = map[string][2]uint64{}
	}
	k.rlimits[name] = lim
	return 0
}

// sysPrlimit64: prlimit64(pid, resource, new, old) of the guest itself,
// with struct rlimit64 (two u64) on every platform.
func sysPrlimit64(k *Kernel, a Args) (int64, error) {
	if pid := k.sfd(a[0]); pid != 0 && pid != int64(k.proc.PID) {
		return -ESRCH, nil
	}
	name, cur, ok := k.rlimit(uint64(uint32(a[1])))
	if !ok {
		return -EINVAL, nil
	}
	if a[2] != 0 {
		b, e := k.read(a[2], 16)
		if e != 0 {
			return -e, nil
		}
		if e := k.setRlimit(name, cur, [2]uint64{decode(k, b, 8), decode(k, b[8:], 8)}); e != 0 {
			return -e, nil
		}
	}
	if a[3] != 0 {
		return -k.putWords(a[3], 8, cur[0], cur[1]), nil
	}
	return 0, nil
}

// getrlimit writes a resource's limits as struct rlimit (two unsigned
// longs), each at most most: the ABI's RLIM_INFINITY (all ones but on
// MIPS o32, 0x7fffffff), to which a wider limit reads as infinite.
func (k *Kernel) getrlimit(a Args, most uint64) int64 {
	_, lim, ok := k.rlimit(uint64(uint32(a[0])))
	if !ok {
		return -EINVAL
	}
	return -k.putWords(a[1], k.word(), min(lim[0], most), min(lim[1], most))
}

// getrlimit(resource, struct rlimit *) and ugetrlimit, the same call
// where both exist; i386's getrlimit is the old one.
func sysGetrlimit(k *Kernel, a Args) (int64, error) { return k.getrlimit(a, k.c.RLIM_INFINITY), nil }
func sysOldGetrlimit(k *Kernel, a Args) (int64, error) {
	return k.getrlimit(a, min(k.c.RLIM_INFINITY, oldRlimInfinity)), nil
}

// sysSetrlimit: setrlimit(resource, const struct rlimit *); the ABI's
// RLIM_INFINITY means unlimited.
func sysSetrlimit(k *Kernel, a Args) (int64, error) {
	name, cur, ok := k.rlimit(uint64(uint32(a[0])))
	w := k.word()
	b, e := k.read(a[1], 2*w)
	if e != 0 {
		return -e, nil
	}
	if !ok {
		return -EINVAL, nil
	}
	var lim [2]uint64
	for i := range lim {
		if lim[i] = decode(k, b[i*w:], w); lim[i] == k.c.RLIM_INFINITY {
			lim[i] = rlimInfinity
		}
	}
	return -k.setRlimit(name, cur, lim), nil
}

// prctl: the name, the dumpable flag and the parent-death signal.

// commLen is TASK_COMM_LEN: a name of 15 bytes and its NUL.
const commLen = 16

// sysPrctl: prctl(option, arg2, ...): PR_SET_NAME and PR_GET_NAME (the
// name starts as the core's, Process.Comm), PR_GET_DUMPABLE and
// PR_SET_DUMPABLE (0 or 1), PR_SET_PDEATHSIG and PR_GET_PDEATHSIG (no
// parent dies in a run); every other option is EINVAL.
func sysPrctl(k *Kernel, a Args) (int64, error) {
	c := k.c
	switch uint64(uint32(a[0])) {
	case c.PR_SET_NAME:
		s, err := k.Env.Memory().CString(a[1], commLen-1)
		if errors.Is(err, memory.ErrUnmapped) {
			return -EFAULT, nil
		}
		k.comm = []byte(s)
		return 0, nil
	case c.PR_GET_NAME:
		b := make([]byte, commLen)
		copy(b[:commLen-1], k.name())
		return -k.write(a[1], b), nil
	case c.PR_GET_DUMPABLE:
		if k.undumpable {
			return 0, nil
		}
		return 1, nil
	case c.PR_SET_DUMPABLE:
		if a[1] > 1 {
			return -EINVAL, nil
		}
		k.undumpable = a[1] == 0
		return 0, nil
	case c.PR_SET_PDEATHSIG:
		if a[1] > uint64(k.nsig()) {
			return -EINVAL, nil
		}
		k.pdeathsig = a[1]
		return 0, nil
	case c.PR_GET_PDEATHSIG:
		return -k.putWords(a[1], 4, k.pdeathsig), nil
	}
	return -EINVAL, nil
}

// name is the guest's name (comm): what PR_SET_NAME set, else the core's.
func (k *Kernel) name() []byte {
	if k.comm != nil {
		return k.comm
	}
	return []byte(k.proc.Comm)
}
