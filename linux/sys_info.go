package linux

// What the system and the process look like to sysinfo, getrusage,
// times and sched_getaffinity: fixed values, so a run does not depend on
// the host or on how long it took; and the process's group and session.

// Sysinfo is what sysinfo reports (and times' clock): a machine of one
// CPU, up for Uptime seconds, with TotalRAM bytes of memory of which
// FreeRAM are free, no swap, no load, and Procs processes.
var Sysinfo = struct {
	Uptime, TotalRAM, FreeRAM, Procs uint64
}{Uptime: 3600, TotalRAM: 1 << 30, FreeRAM: 512 << 20, Procs: 1}

// userHZ is the unit of clock_t (USER_HZ: 100 on every platform).
const userHZ = 100

// putStruct writes a struct of the platform's layout with the given
// field values; other fields, and fields wider than a word (arrays,
// struct timeval), are zero.
func (k *Kernel) putStruct(addr uint64, layout string, vals map[string]uint64) int64 {
	l := layoutsOf(k.p.Name)[layout]
	b := make([]byte, l.Size)
	for name, v := range vals {
		if f, ok := l.Fields[name]; ok && f[1] <= 8 {
			putUint(b[f[0]:], k.p.ByteOrder, int(f[1]), v)
		}
	}
	return k.write(addr, b)
}

// sysSysinfo: sysinfo(struct sysinfo *), from Sysinfo (mem_unit 1).
func sysSysinfo(k *Kernel, a Args) (int64, error) {
	return -k.putStruct(a[0], "sysinfo", map[string]uint64{
		"uptime": Sysinfo.Uptime, "totalram": Sysinfo.TotalRAM, "freeram": Sysinfo.FreeRAM,
		"procs": Sysinfo.Procs, "mem_unit": 1,
	}), nil
}

// residentKiB is the guest's memory, all of it counted as resident.
func (k *Kernel) residentKiB() uint64 {
	var n uint64
	for _, r := range k.Env.Memory().Regions() {
		n += r.Size()
	}
	return n / 1024
}

// sysGetrusage: getrusage(who, struct rusage *): no time used, no
// faults, no switches; ru_maxrss is the guest's mapped memory in KiB
// (children: nothing at all).
func sysGetrusage(k *Kernel, a Args) (int64, error) {
	vals := map[string]uint64{}
	switch k.sfd(a[0]) {
	case 0, 1: // RUSAGE_SELF, RUSAGE_THREAD
		vals["ru_maxrss"] = k.residentKiB()
	case -1: // RUSAGE_CHILDREN
	default:
		return -EINVAL, nil
	}
	return -k.putStruct(a[1], "rusage", vals), nil
}

// sysTimes: times(struct tms *): no CPU time used; the result is the
// uptime in clock ticks.
func sysTimes(k *Kernel, a Args) (int64, error) {
	if a[0] != 0 {
		if e := k.putStruct(a[0], "tms", nil); e != 0 {
			return -e, nil
		}
	}
	return int64(Sysinfo.Uptime * userHZ), nil
}

// sysSchedGetaffinity: sched_getaffinity(pid, len, mask): the guest has
// one CPU, CPU 0; the kernel's mask is one long.
func sysSchedGetaffinity(k *Kernel, a Args) (int64, error) {
	if pid := k.sfd(a[0]); pid != 0 && pid != int64(k.proc.PID) && pid != int64(k.proc.TID) {
		return -ESRCH, nil
	}
	w := uint64(k.word())
	if a[1] == 0 || a[1]&(w-1) != 0 {
		return -EINVAL, nil
	}
	if e := k.putWords(a[2], int(w), 1); e != 0 {
		return -e, nil
	}
	return int64(w), nil
}

// pgid and sid are the guest's process group and session.
func (k *Kernel) pgid() int64 {
	if k.proc.PGID != 0 || k.proc.GroupKnown {
		return int64(k.proc.PGID)
	}
	return int64(k.proc.PID)
}

func (k *Kernel) sid() int64 {
	if k.proc.SID != 0 || k.proc.GroupKnown {
		return int64(k.proc.SID)
	}
	return int64(k.proc.PID)
}

func sysGetpgrp(k *Kernel, a Args) (int64, error) { return k.pgid(), nil }

// getpgid(pid) and getsid(pid) of the guest itself (0 or its pid);
// other processes do not exist.
func sysGetpgid(k *Kernel, a Args) (int64, error) {
	if !k.isProc(a[0]) {
		return -ESRCH, nil
	}
	return k.pgid(), nil
}

func sysGetsid(k *Kernel, a Args) (int64, error) {
	if !k.isProc(a[0]) {
		return -ESRCH, nil
	}
	return k.sid(), nil
}

func (k *Kernel) isProc(pid uint64) bool {
	p := k.sfd(pid)
	return p == 0 || p == int64(k.proc.PID)
}

// sysSetpgid: setpgid(pid, pgid) succeeds, changing nothing, when it
// asks for what already is: the guest in its own group (pgid 0 or its
// group). Another process is ESRCH; another group EPERM.
func sysSetpgid(k *Kernel, a Args) (int64, error) {
	if !k.isProc(a[0]) {
		return -ESRCH, nil
	}
	switch g := k.sfd(a[1]); {
	case g < 0:
		return -EINVAL, nil
	case g != 0 && g != k.pgid():
		return -EPERM, nil
	}
	return 0, nil
}
