package linux_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
)

// uid16 are the platforms whose id calls without the 32 suffix take
// 16-bit ids (old_uid_t; CONFIG_UID16: arch/x86 32-bit and arch/arm).
var uid16 = map[string]bool{"i386": true, "armel": true, "armhf": true}

// idCall is one credentials call and what it must return.
type idCall struct {
	name string
	args []uint64
	want int64
}

// A set-id process: effective ids differ from the real ones. Each call
// that would change nothing succeeds; any change is EPERM.
func TestCredentials(t *testing.T) {
	const ruid, euid, rgid, egid = 1000, 1001, 100, 101
	forEach(t, func(e *fakeenv.Env) { e.Proc.UID, e.Proc.EUID, e.Proc.GID, e.Proc.EGID = ruid, euid, rgid, egid }, func(r *rig) {
		for _, fam := range []struct {
			kind      string
			real, eff uint64
		}{{"uid", ruid, euid}, {"gid", rgid, egid}} {
			for _, suffix := range []string{"", "32"} {
				if !r.has("getres" + fam.kind + suffix) {
					continue
				}
				w := 4
				if suffix == "" && uid16[r.p.Name] {
					w = 2
				}
				keep := uint64(1)<<(8*w) - 1 // -1 of the width: leave the id as it is
				n := func(base string) string { return base + fam.kind + suffix }
				buf := uint64(memBase + 0x100)
				r.put(buf, bytes.Repeat([]byte{0xee}, 24))
				r.want(r.call(n("getres"), buf, buf+8, buf+16), 0, n("getres"))
				if got := [3]uint64{r.uint(buf, w), r.uint(buf+8, w), r.uint(buf+16, w)}; got != [3]uint64{fam.real, fam.eff, fam.eff} {
					r.t.Errorf("%s wrote %v, want real %d, effective and saved %d", n("getres"), got, fam.real, fam.eff)
				}
				if w == 2 && r.uint(buf+2, 2) != 0xeeee {
					r.t.Errorf("%s wrote past its 16-bit id", n("getres"))
				}
				r.want(r.call(n("getres"), buf, 0x1000, buf+16), -linux.EFAULT, n("getres")+"(unmapped)")
				for _, c := range []idCall{
					{n("set"), []uint64{fam.eff}, 0},
					{n("set"), []uint64{fam.real}, -linux.EPERM},
					{n("set"), []uint64{keep}, -linux.EINVAL},
					{n("setre"), []uint64{keep, keep}, 0},
					{n("setre"), []uint64{fam.real, fam.eff}, 0},
					{n("setre"), []uint64{fam.eff, keep}, -linux.EPERM},
					{n("setre"), []uint64{keep, fam.real}, -linux.EPERM},
					{n("setres"), []uint64{fam.real, fam.eff, fam.eff}, 0},
					{n("setres"), []uint64{keep, keep, keep}, 0},
					{n("setres"), []uint64{keep, keep, fam.real}, -linux.EPERM},
					{n("setres"), []uint64{fam.eff, keep, keep}, -linux.EPERM},
					{n("setfs"), []uint64{fam.real}, int64(fam.eff)},
					{n("setfs"), []uint64{keep}, int64(fam.eff)},
				} {
					r.want(r.call(c.name, c.args...), c.want, c.name+"("+fmtArgs(c.args)+")")
				}
			}
		}
		for _, g := range []string{"getgroups", "getgroups32"} {
			if r.has(g) {
				r.want(r.call(g, 0, 0), 0, g+"(0)")
				r.want(r.call(g, 16, memBase), 0, g+"(16)")
				r.want(r.call(g, ^uint64(0), memBase), -linux.EINVAL, g+"(-1)")
			}
		}
	})
	// Root: setuid(x) would set every id, so only x equal to all of them
	// changes nothing.
	forEach(t, func(e *fakeenv.Env) { e.Proc.UID, e.Proc.EUID = 1000, 0 }, func(r *rig) {
		set := r.first("setuid32", "setuid")
		r.want(r.call(set, 0), -linux.EPERM, set+"(0) as root with real uid 1000")
		r.want(r.call(set, 1000), -linux.EPERM, set+"(1000) as root")
	})
	// An id too wide for 16 bits reads as the overflow id 65534 through
	// the 16-bit calls.
	forEach(t, func(e *fakeenv.Env) { e.Proc.UID, e.Proc.EUID = 70000, 70000 }, func(r *rig) {
		want := int64(70000)
		if uid16[r.p.Name] {
			want = 65534
		}
		w := 4
		if uid16[r.p.Name] {
			w = 2
		}
		r.want(r.call("getresuid", memBase, memBase+8, memBase+16), 0, "getresuid")
		r.want(int64(r.uint(memBase, w)), want, "getresuid's ruid")
		r.want(r.call("setfsuid", ^uint64(0)), want, "setfsuid(-1)")
		if r.has("getresuid32") {
			r.want(r.call("getresuid32", memBase, memBase+8, memBase+16), 0, "getresuid32")
			r.want(int64(r.uint(memBase, 4)), 70000, "getresuid32's ruid")
			r.want(r.call("setuid32", 70000), 0, "setuid32(70000)")
		}
	})
}

// fmtArgs shows a call's arguments in a failure.
func fmtArgs(a []uint64) string { return strings.Trim(fmt.Sprintf("%#x", a), "[]") }

// PRIO_PROCESS, PRIO_PGRP, PRIO_USER: 0, 1, 2 (<linux/resource.h>, every
// platform).
func TestPriority(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		pid, uid := uint64(r.env.Proc.PID), uint64(r.env.Proc.UID)
		for _, c := range []idCall{
			{"getpriority", []uint64{0, 0}, 20},
			{"getpriority", []uint64{0, pid}, 20},
			{"getpriority", []uint64{1, 0}, 20},
			{"getpriority", []uint64{1, pid}, 20}, // its own group: it leads it
			{"getpriority", []uint64{2, uid}, 20},
			{"getpriority", []uint64{0, 99}, -linux.ESRCH},
			{"getpriority", []uint64{2, 5}, -linux.ESRCH},
			{"getpriority", []uint64{7, 0}, -linux.EINVAL},
			{"setpriority", []uint64{0, 0, 5}, 0},
			{"getpriority", []uint64{0, 0}, 15},
			{"setpriority", []uint64{0, 0, 2}, -linux.EACCES}, // lower: RLIMIT_NICE is 0
			{"getpriority", []uint64{0, 0}, 15},
			{"setpriority", []uint64{2, 0, 100}, 0}, // clamped to 19
			{"getpriority", []uint64{0, 0}, 1},
			{"setpriority", []uint64{0, 99, 19}, -linux.ESRCH},
			{"setpriority", []uint64{3, 0, 19}, -linux.EINVAL},
		} {
			r.want(r.call(c.name, c.args...), c.want, c.name+"("+fmtArgs(c.args)+")")
		}
	})
	forEach(t, func(e *fakeenv.Env) { e.Proc.EUID = 0 }, func(r *rig) {
		r.want(r.call("setpriority", 0, 0, ^uint64(4)), 0, "setpriority(-5) as root")
		r.want(r.call("getpriority", 0, 0), 25, "getpriority after -5")
	})
}

// SCHED_NORMAL 0, FIFO 1, RR 2, BATCH 3, IDLE 5, DEADLINE 6 (<linux/sched.h>).
func TestScheduling(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		pid := uint64(r.env.Proc.PID)
		neg := ^uint64(0)
		param, zero, five := uint64(memBase+0x200), uint64(memBase+0x210), uint64(memBase+0x220)
		r.putWords(zero, 4, 0)
		r.putWords(five, 4, 5)
		r.putWords(memBase+0x230, 4, 10)
		r.putWords(memBase+0x240, 4, 100)
		ten, hundred := uint64(memBase+0x230), uint64(memBase+0x240)
		for _, c := range []idCall{
			{"sched_getscheduler", []uint64{0}, 0},
			{"sched_getscheduler", []uint64{pid}, 0},
			{"sched_getscheduler", []uint64{99}, -linux.ESRCH},
			{"sched_getscheduler", []uint64{neg}, -linux.EINVAL},
			{"sched_getparam", []uint64{0, 0}, -linux.EINVAL},
			{"sched_getparam", []uint64{0, 0x1000}, -linux.EFAULT},
			{"sched_getparam", []uint64{99, param}, -linux.ESRCH},
			{"sched_get_priority_max", []uint64{0}, 0},
			{"sched_get_priority_max", []uint64{1}, 99},
			{"sched_get_priority_max", []uint64{2}, 99},
			{"sched_get_priority_max", []uint64{3}, 0},
			{"sched_get_priority_max", []uint64{5}, 0},
			{"sched_get_priority_max", []uint64{4}, -linux.EINVAL},
			{"sched_get_priority_max", []uint64{neg}, -linux.EINVAL},
			{"sched_get_priority_min", []uint64{0}, 0},
			{"sched_get_priority_min", []uint64{1}, 1},
			{"sched_get_priority_min", []uint64{2}, 1},
			{"sched_get_priority_min", []uint64{6}, 0},
			{"sched_get_priority_min", []uint64{7}, -linux.EINVAL},
			{"sched_setscheduler", []uint64{0, 0, zero}, 0},
			{"sched_setscheduler", []uint64{pid, 0, zero}, 0},
			{"sched_setscheduler", []uint64{0, 0, five}, -linux.EINVAL},
			{"sched_setscheduler", []uint64{0, 1, ten}, -linux.EPERM},
			{"sched_setscheduler", []uint64{0, 2, zero}, -linux.EINVAL},
			{"sched_setscheduler", []uint64{0, 1, hundred}, -linux.EINVAL},
			{"sched_setscheduler", []uint64{0, 3, zero}, -linux.EPERM},
			{"sched_setscheduler", []uint64{0, 6, zero}, -linux.EINVAL},
			{"sched_setscheduler", []uint64{0, 4, zero}, -linux.EINVAL},
			{"sched_setscheduler", []uint64{99, 0, zero}, -linux.ESRCH},
			{"sched_setscheduler", []uint64{0, 0, 0}, -linux.EINVAL},
			{"sched_setscheduler", []uint64{0, 0, 0x1000}, -linux.EFAULT},
			{"sched_setparam", []uint64{0, zero}, 0},
			{"sched_setparam", []uint64{0, five}, -linux.EINVAL},
			{"sched_setparam", []uint64{neg, zero}, -linux.EINVAL},
			{"sched_setparam", []uint64{99, zero}, -linux.ESRCH},
			{"getcpu", []uint64{0, 0, 0}, 0},
			{"getcpu", []uint64{0x1000, 0, 0}, -linux.EFAULT},
			{"getcpu", []uint64{param, 0x1000, 0}, -linux.EFAULT},
		} {
			r.want(r.call(c.name, c.args...), c.want, c.name+"("+fmtArgs(c.args)+")")
		}
		r.put(param, []byte{0xff, 0xff, 0xff, 0xff})
		r.want(r.call("sched_getparam", 0, param), 0, "sched_getparam")
		r.want(int64(r.uint(param, 4)), 0, "sched_priority")
		r.put(param, bytes.Repeat([]byte{0xff}, 8))
		r.want(r.call("getcpu", param, param+4, 0), 0, "getcpu")
		if r.uint(param, 4) != 0 || r.uint(param+4, 4) != 0 {
			r.t.Errorf("getcpu: cpu %#x node %#x, want 0 and 0", r.uint(param, 4), r.uint(param+4, 4))
		}
	})
}

// rlimInf is the ABI's RLIM_INFINITY: all ones in a long, but MIPS o32's
// 0x7fffffff (arch/mips/include/uapi/asm/resource.h).
func rlimInf(r *rig) uint64 {
	switch {
	case r.p.Name == "mips" || r.p.Name == "mipsel":
		return 0x7fffffff
	case r.p.WordSize == 4:
		return 0xffffffff
	}
	return ^uint64(0)
}

// RLIMIT_STACK is 3 on every platform.
func TestRlimits(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		w := r.p.WordSize
		get := r.first("ugetrlimit", "getrlimit") // the new one, where i386 has both
		inf := rlimInf(r)
		buf := uint64(memBase + 0x300)
		r.want(r.call(get, 3, buf), 0, get+"(RLIMIT_STACK)")
		if cur, max := r.uint(buf, w), r.uint(buf+uint64(w), w); cur != 8<<20 || max != inf {
			r.t.Errorf("%s(RLIMIT_STACK) = %#x %#x, want %#x %#x", get, cur, max, 8<<20, inf)
		}
		// setrlimit with the ABI's infinity: prlimit64 reads RLIM64_INFINITY.
		r.putWords(buf, w, 1<<20, inf)
		r.want(r.call("setrlimit", 3, buf), 0, "setrlimit(RLIMIT_STACK, 1 MiB, infinity)")
		r.want(r.call("prlimit64", 0, 3, 0, buf+0x40), 0, "prlimit64(get)")
		if cur, max := r.uint(buf+0x40, 8), r.uint(buf+0x48, 8); cur != 1<<20 || max != ^uint64(0) {
			r.t.Errorf("prlimit64 after setrlimit = %#x %#x, want %#x and all ones", cur, max, 1<<20)
		}
		// Limits wider than the ABI's long (or MIPS o32's infinity) read
		// as its infinity; i386's old getrlimit clamps at 0x7fffffff.
		r.putWords(buf+0x40, 8, 0x90000000, 0x100000000)
		r.want(r.call("prlimit64", 0, 3, buf+0x40, 0), 0, "prlimit64(set 0x90000000, 0x100000000)")
		for _, name := range []string{"getrlimit", "ugetrlimit"} {
			if !r.has(name) {
				continue
			}
			most := inf
			if r.p.Name == "i386" && name == "getrlimit" {
				most = 0x7fffffff
			}
			r.want(r.call(name, 3, buf), 0, name)
			if cur, max := r.uint(buf, w), r.uint(buf+uint64(w), w); cur != min(0x90000000, most) || max != min(0x100000000, most) {
				r.t.Errorf("%s = %#x %#x, want %#x %#x", name, cur, max, min(0x90000000, most), min(0x100000000, most))
			}
		}
		// Errors: cur above max, raising the hard limit (not root),
		// unknown resources, bad pointers.
		r.putWords(buf, w, 2<<20, 1<<20)
		r.want(r.call("setrlimit", 3, buf), -linux.EINVAL, "setrlimit(cur > max)")
		r.putWords(buf, w, 1<<20, 0x7ffffff0)
		r.want(r.call("setrlimit", 3, buf), 0, "setrlimit(lower the hard limit)")
		r.putWords(buf, w, 1<<20, 0x7ffffff1)
		r.want(r.call("setrlimit", 3, buf), -linux.EPERM, "setrlimit(raise the hard limit)")
		r.putWords(buf+0x40, 8, 1<<20, ^uint64(0))
		r.want(r.call("prlimit64", 0, 3, buf+0x40, 0), -linux.EPERM, "prlimit64(raise the hard limit)")
		r.want(r.call(get, 99, buf), -linux.EINVAL, get+"(99)")
		r.want(r.call("setrlimit", 99, buf), -linux.EINVAL, "setrlimit(99)")
		r.want(r.call(get, 3, 0x1000), -linux.EFAULT, get+"(unmapped)")
		r.want(r.call("setrlimit", 3, 0x1000), -linux.EFAULT, "setrlimit(unmapped)")
	})
	forEach(t, func(e *fakeenv.Env) { e.Proc.EUID = 0 }, func(r *rig) {
		w := r.p.WordSize
		r.putWords(memBase, w, 1<<20, 2<<20)
		r.want(r.call("setrlimit", 3, memBase), 0, "setrlimit(lower)")
		r.putWords(memBase, w, 1<<20, rlimInf(r))
		r.want(r.call("setrlimit", 3, memBase), 0, "setrlimit(raise the hard limit) as root")
	})
}

// PR_SET_PDEATHSIG 1, PR_GET_PDEATHSIG 2, PR_GET_DUMPABLE 3,
// PR_SET_DUMPABLE 4, PR_SET_NAME 15, PR_GET_NAME 16 (<linux/prctl.h>).
func TestPrctl(t *testing.T) {
	forEach(t, func(e *fakeenv.Env) { e.Proc.Comm = "core-name" }, func(r *rig) {
		buf := uint64(memBase + 0x400)
		name := func() string {
			r.t.Helper()
			r.put(buf, bytes.Repeat([]byte{0xee}, 20))
			r.want(r.call("prctl", 16, buf), 0, "PR_GET_NAME")
			b := r.get(buf, 17)
			if b[15] != 0 || b[16] != 0xee {
				r.t.Errorf("PR_GET_NAME wrote %q, want 16 bytes ending in NUL", b)
			}
			return string(b[:bytes.IndexByte(b, 0)])
		}
		if got := name(); got != "core-name" {
			r.t.Errorf("name %q, want the core's", got)
		}
		if b := r.get(buf, 16); !bytes.Equal(b[9:], make([]byte, 7)) {
			r.t.Errorf("PR_GET_NAME left %q after the name", b[9:])
		}
		r.want(r.call("prctl", 15, r.str(memBase+0x500, "a-very-long-thread-name")), 0, "PR_SET_NAME")
		if got := name(); got != "a-very-long-thr" {
			r.t.Errorf("name %q, want the first 15 bytes", got)
		}
		r.want(r.call("prctl", 15, r.str(memBase+0x500, "w")), 0, "PR_SET_NAME(w)")
		if got := name(); got != "w" {
			r.t.Errorf("name %q, want w", got)
		}
		for _, c := range []idCall{
			{"prctl", []uint64{15, 0x1000}, -linux.EFAULT},
			{"prctl", []uint64{16, 0x1000}, -linux.EFAULT},
			{"prctl", []uint64{3}, 1},
			{"prctl", []uint64{4, 0}, 0},
			{"prctl", []uint64{3}, 0},
			{"prctl", []uint64{4, 2}, -linux.EINVAL},
			{"prctl", []uint64{4, 1}, 0},
			{"prctl", []uint64{3}, 1},
			{"prctl", []uint64{1, 9}, 0},
			{"prctl", []uint64{1, 200}, -linux.EINVAL},
			{"prctl", []uint64{2, 0x1000}, -linux.EFAULT},
			{"prctl", []uint64{9999}, -linux.EINVAL},
		} {
			r.want(r.call(c.name, c.args...), c.want, c.name+"("+fmtArgs(c.args)+")")
		}
		r.want(r.call("prctl", 2, buf), 0, "PR_GET_PDEATHSIG")
		r.want(int64(r.uint(buf, 4)), 9, "the parent-death signal")
	})
}
