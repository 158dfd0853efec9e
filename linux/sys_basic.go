package linux

import (
	"crypto/rand"
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

func sysExit(k *Kernel, a Args) (int64, error) {
	k.Env.Exit(int(a[0] & 0xff))
	return 0, nil
}

// Identity: the core's process and thread ids (Env.Process).
func sysGetpid(k *Kernel, a Args) (int64, error)  { return int64(k.proc.PID), nil }
func sysGettid(k *Kernel, a Args) (int64, error)  { return int64(k.proc.TID), nil }
func sysGetppid(k *Kernel, a Args) (int64, error) { return int64(k.proc.PPID), nil }
func sysGetuid(k *Kernel, a Args) (int64, error)  { return int64(k.proc.UID), nil }
func sysGeteuid(k *Kernel, a Args) (int64, error) { return int64(k.proc.EUID), nil }
func sysGetgid(k *Kernel, a Args) (int64, error)  { return int64(k.proc.GID), nil }
func sysGetegid(k *Kernel, a Args) (int64, error) { return int64(k.proc.EGID), nil }

// Utsname is what uname reports: fixed, so a run does not depend on the
// host; Machine is the platform's (Utsname.Machine[platform]).
var Utsname = struct {
	Sysname, Nodename, Release, Version, Domainname string
	Machine                                         map[string]string
}{
	Sysname: "Linux", Nodename: "smallworld", Release: "6.1.0-smallworld",
	Version: "#1 SMP PREEMPT_DYNAMIC smallworld", Domainname: "(none)",
	Machine: map[string]string{
		"amd64": "x86_64", "i386": "i686", "aarch64": "aarch64", "armel": "armv5tel", "armhf": "armv7l",
		"mips": "mips", "mipsel": "mips", "mips64": "mips64", "mips64el": "mips64",
		"ppc": "ppc", "ppc64": "ppc64", "ppc64le": "ppc64le",
	},
}

// sysUname: uname(struct new_utsname *): six fields of 65 bytes.
func sysUname(k *Kernel, a Args) (int64, error) {
	b := make([]byte, 6*65)
	for i, s := range []string{Utsname.Sysname, Utsname.Nodename, Utsname.Release, Utsname.Version,
		Utsname.Machine[k.p.Name], Utsname.Domainname} {
		copy(b[i*65:i*65+64], s)
	}
	return -k.write(a[0], b), nil
}

// hostClock reads the host's clock of the same id: the guest's clocks
// are the host's (CLOCK_REALTIME, CLOCK_MONOTONIC...).
func hostClock(clk uint64) (sec, nsec int64, errno int64) {
	if clk > 11 { // CLOCK_TAI is the last; CPU-time clocks of other processes do not exist
		return 0, 0, EINVAL
	}
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(clk), uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, 0, int64(e)
	}
	return ts.Sec, ts.Nsec, 0
}

// putTimespec writes {sec, nsec} with fields of size bytes.
func (k *Kernel) putTimespec(addr uint64, size int, sec, nsec int64) int64 {
	return k.putWords(addr, size, uint64(sec), uint64(nsec))
}

func (k *Kernel) clockGettime(clk, addr uint64, size int) int64 {
	sec, nsec, e := hostClock(clk)
	if e != 0 {
		return -e
	}
	if size == 4 && (sec > 0x7fffffff || sec < -0x80000000) {
		return -EOVERFLOW
	}
	return -k.putTimespec(addr, size, sec, nsec)
}

// sysClockGettime: clock_gettime(clk, struct timespec *) with the ABI's
// long fields; clock_gettime64 always has 64-bit fields.
func sysClockGettime(k *Kernel, a Args) (int64, error) {
	return k.clockGettime(a[0], a[1], k.word()), nil
}
func sysClockGettime64(k *Kernel, a Args) (int64, error) { return k.clockGettime(a[0], a[1], 8), nil }

func (k *Kernel) clockGetres(clk, addr uint64, size int) int64 {
	if _, _, e := hostClock(clk); e != 0 {
		return -e
	}
	if addr == 0 {
		return 0
	}
	return -k.putTimespec(addr, size, 0, 1)
}

func sysClockGetres(k *Kernel, a Args) (int64, error) {
	return k.clockGetres(a[0], a[1], k.word()), nil
}
func sysClockGetres64(k *Kernel, a Args) (int64, error) { return k.clockGetres(a[0], a[1], 8), nil }

// sysGettimeofday: gettimeofday(struct timeval *, struct timezone *).
func sysGettimeofday(k *Kernel, a Args) (int64, error) {
	sec, nsec, _ := hostClock(0)
	if a[0] != 0 {
		if e := k.putWords(a[0], k.word(), uint64(sec), uint64(nsec/1000)); e != 0 {
			return -e, nil
		}
	}
	if a[1] != 0 {
		if e := k.putWords(a[1], 4, 0, 0); e != 0 {
			return -e, nil
		}
	}
	return 0, nil
}

// sysTime: time(time_t *).
func sysTime(k *Kernel, a Args) (int64, error) {
	sec := time.Now().Unix()
	if a[0] != 0 {
		if e := k.putWords(a[0], k.word(), uint64(sec)); e != 0 {
			return -e, nil
		}
	}
	return sec, nil
}

// sleep checks a request {sec, nsec} of size-byte fields and returns at
// once: the guest's clocks are the host's, and waiting would only make
// the run slower.
func (k *Kernel) sleep(req, rem uint64, size int) int64 {
	b, e := k.read(req, 2*size)
	if e != 0 {
		return -e
	}
	sec, nsec := int64(decode(k, b, size)), int64(decode(k, b[size:], size))
	if size == 4 {
		sec, nsec = int64(int32(sec)), int64(int32(nsec))
	}
	if sec < 0 || nsec < 0 || nsec >= 1e9 {
		return -EINVAL
	}
	return 0
}

func sysNanosleep(k *Kernel, a Args) (int64, error) { return k.sleep(a[0], a[1], k.word()), nil }

// clock_nanosleep(clk, flags, req, rem) returns the error number itself.
func sysClockNanosleep(k *Kernel, a Args) (int64, error) {
	if _, _, e := hostClock(a[0]); e != 0 {
		return -e, nil
	}
	return k.sleep(a[2], a[3], k.word()), nil
}
func sysClockNanosleep64(k *Kernel, a Args) (int64, error) {
	if _, _, e := hostClock(a[0]); e != 0 {
		return -e, nil
	}
	return k.sleep(a[2], a[3], 8), nil
}

func sysSchedYield(k *Kernel, a Args) (int64, error) { return 0, nil }

// sysGetrandom: getrandom(buf, len, flags) from the host's CSPRNG.
func sysGetrandom(k *Kernel, a Args) (int64, error) {
	n := int(min(a[1], 1<<25))
	b := make([]byte, n)
	rand.Read(b)
	if e := k.write(a[0], b); e != 0 {
		return -e, nil
	}
	return int64(n), nil
}

// sysSetTidAddress: set_tid_address(int *) is recorded; the thread's id
// is the result.
func sysSetTidAddress(k *Kernel, a Args) (int64, error) {
	k.tidAddress = a[0]
	return int64(k.proc.TID), nil
}

// sysSetRobustList: set_robust_list(head, len) is recorded.
func sysSetRobustList(k *Kernel, a Args) (int64, error) {
	if a[1] != uint64(3*k.word()) {
		return -EINVAL, nil
	}
	k.robustList = [2]uint64{a[0], a[1]}
	return 0, nil
}

func sysENOSYS(k *Kernel, a Args) (int64, error) { return -ENOSYS, nil }

// BlockedError stops a run whose only thread would wait forever.
type BlockedError struct {
	Call string
	Addr uint64
}

func (e *BlockedError) Error() string {
	at := ""
	if e.Addr != 0 {
		at = fmt.Sprintf(" at %#x", e.Addr)
	}
	return fmt.Sprintf("%s%s would block forever: the guest runs one thread, and no other can wake it", e.Call, at)
}

// Futex operations (linux/futex.h, the same on every platform).
const (
	futexWait       = 0
	futexWake       = 1
	futexRequeue    = 3
	futexCmpRequeue = 4
	futexWakeOp     = 5
	futexWaitBitset = 9
	futexWakeBitset = 10
	futexCmdMask    = 0x7f // without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
)

// sysFutex: futex(uaddr, op, val, timeout, uaddr2, val3) with one thread:
// a WAIT whose value differs is EAGAIN; a WAIT with a timeout times out
// at once; a WAIT that would block forever stops the run (BlockedError);
// WAKE and REQUEUE find no waiter (0); WAKE_OP does its operation on
// uaddr2. PI futexes are ENOSYS.
func sysFutex(k *Kernel, a Args) (int64, error) {
	uaddr, op, val, timeout := a[0], a[1]&futexCmdMask, uint32(a[2]), a[3]
	switch op {
	case futexWait, futexWaitBitset:
		cur, e := k.uint(uaddr, 4)
		if e != 0 {
			return -e, nil
		}
		if uint32(cur) != val {
			return -EAGAIN, nil
		}
		if timeout != 0 {
			return -ETIMEDOUT, nil
		}
		return 0, &BlockedError{Call: "futex wait", Addr: uaddr}
	case futexWake, futexWakeBitset:
		return 0, nil
	case futexRequeue:
		return 0, nil
	case futexCmpRequeue:
		cur, e := k.uint(uaddr, 4)
		if e != 0 {
			return -e, nil
		}
		if uint32(cur) != uint32(a[5]) {
			return -EAGAIN, nil
		}
		return 0, nil
	case futexWakeOp:
		v3 := uint32(a[5])
		wop, oparg := (v3>>28)&7, (v3>>12)&0xfff
		if (v3>>28)&8 != 0 {
			oparg = 1 << oparg
		}
		old, e := k.uint(a[4], 4)
		if e != 0 {
			return -e, nil
		}
		nv := uint32(old)
		switch wop {
		case 0:
			nv = oparg
		case 1:
			nv += oparg
		case 2:
			nv |= oparg
		case 3:
			nv &^= oparg
		case 4:
			nv ^= oparg
		default:
			return -ENOSYS, nil
		}
		if e := k.putWords(a[4], 4, uint64(nv)); e != 0 {
			return -e, nil
		}
		return 0, nil
	}
	return -ENOSYS, nil
}
