package linux_test

import (
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
)

// Offsets below are the C layouts of <linux/sysinfo.h>, <linux/resource.h>
// and <linux/times.h> worked out by hand in words of the platform's
// long (w): every field a long but sysinfo's procs (u16, padded to a
// long) and mem_unit (u32), and rusage's two struct timevals.
func TestSysinfoAndTimes(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		w := uint64(r.p.WordSize)
		buf := uint64(memBase + 0x100)
		word := func(i uint64) uint64 { return r.uint(buf+i*w, int(w)) }
		r.put(buf, make([]byte, 256))
		r.want(r.call("sysinfo", buf), 0, "sysinfo")
		if word(0) != linux.Sysinfo.Uptime || word(4) != 1<<30 || word(5) != 512<<20 || word(8) != 0 ||
			r.uint(buf+10*w, 2) != 1 || r.uint(buf+13*w, 4) != 1 {
			r.t.Errorf("sysinfo: uptime %d totalram %d freeram %d swap %d procs %d mem_unit %d",
				word(0), word(4), word(5), word(8), r.uint(buf+10*w, 2), r.uint(buf+13*w, 4))
		}
		size, _, _ := linux.StructLayout(r.p.Name, "sysinfo")
		if size != 64 && size != 112 {
			r.t.Errorf("struct sysinfo is %d bytes", size)
		}
		r.want(r.call("sysinfo", 0x1000), -linux.EFAULT, "sysinfo(unmapped)")
		// getrusage: ru_maxrss after the two timevals.
		r.put(buf, []byte{0xff, 0xff})
		r.want(r.call("getrusage", 0, buf), 0, "getrusage(RUSAGE_SELF)")
		if word(0) != 0 || word(4) != memSize/1024 {
			r.t.Errorf("getrusage: utime %d maxrss %d", word(0), word(4))
		}
		r.want(r.call("getrusage", ^uint64(0), buf), 0, "getrusage(RUSAGE_CHILDREN)")
		if word(4) != 0 {
			r.t.Errorf("children's maxrss %d", word(4))
		}
		r.want(r.call("getrusage", 7, buf), -linux.EINVAL, "getrusage(7)")
		r.want(r.call("getrusage", 0, 0x1000), -linux.EFAULT, "getrusage(unmapped)")
		// times: no CPU time; the uptime in ticks.
		if r.has("times") {
			r.put(buf, []byte{0xff, 0xff, 0xff, 0xff})
			r.want(r.call("times", buf), int64(linux.Sysinfo.Uptime*100), "times")
			if word(0) != 0 || word(3) != 0 {
				r.t.Errorf("times wrote %d %d", word(0), word(3))
			}
			r.want(r.call("times", 0), int64(linux.Sysinfo.Uptime*100), "times(NULL)")
			r.want(r.call("times", 0x1000), -linux.EFAULT, "times(unmapped)")
		}
		// sched_getaffinity: one long with CPU 0.
		r.want(r.call("sched_getaffinity", 0, 128, buf), int64(w), "sched_getaffinity")
		if word(0) != 1 {
			r.t.Errorf("affinity mask %#x", word(0))
		}
		r.want(r.call("sched_getaffinity", uint64(r.env.Proc.PID), 128, buf), int64(w), "sched_getaffinity(own pid)")
		r.want(r.call("sched_getaffinity", 0, 3, buf), -linux.EINVAL, "sched_getaffinity(len 3)")
		r.want(r.call("sched_getaffinity", 99, 128, buf), -linux.ESRCH, "sched_getaffinity(99)")
		r.want(r.call("sched_getaffinity", 0, 128, 0x1000), -linux.EFAULT, "sched_getaffinity(unmapped)")
	})
}

func TestProcessGroups(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		pid := int64(r.env.Proc.PID)
		if r.has("getpgrp") {
			r.want(r.call("getpgrp"), pid, "getpgrp")
		}
		r.want(r.call("getpgid", 0), pid, "getpgid(0)")
		r.want(r.call("getpgid", uint64(pid)), pid, "getpgid(pid)")
		r.want(r.call("getpgid", 99), -linux.ESRCH, "getpgid(99)")
		r.want(r.call("getsid", 0), pid, "getsid(0)")
		r.want(r.call("getsid", 99), -linux.ESRCH, "getsid(99)")
		r.want(r.call("setpgid", 0, 0), 0, "setpgid(0, 0)")
		r.want(r.call("setpgid", uint64(pid), uint64(pid)), 0, "setpgid(pid, pid)")
		r.want(r.call("setpgid", 0, 77), -linux.EPERM, "setpgid(0, 77)")
		r.want(r.call("setpgid", 99, 0), -linux.ESRCH, "setpgid(99, 0)")
		r.want(r.call("setpgid", 0, ^uint64(0)), -linux.EINVAL, "setpgid(0, -1)")
	})
	// The core's group and session, when the machine knows them.
	// A core made in a container whose session leader is outside the
	// pid namespace records session 0: the guest sees 0, as it did.
	forEach(t, func(e *fakeenv.Env) { e.Proc.PGID, e.Proc.SID, e.Proc.GroupKnown = 4000, 0, true }, func(r *rig) {
		r.want(r.call("getsid", 0), 0, "getsid with a known session 0")
		r.want(r.call("getpgid", 0), 4000, "getpgid with a known group")
	})
	forEach(t, func(e *fakeenv.Env) { e.Proc.PGID, e.Proc.SID = 4000, 3000 }, func(r *rig) {
		r.want(r.call("getpgid", 0), 4000, "getpgid with PGID")
		r.want(r.call("getsid", 0), 3000, "getsid with SID")
		r.want(r.call("setpgid", 0, 4000), 0, "setpgid(0, own group)")
	})
}
