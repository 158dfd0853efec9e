package linux

import (
	"debug/elf"
	"fmt"
)

// Signals. Actions, the mask and the alternate stack are recorded as the
// guest gave them (raw kernel structs, returned unchanged); no signal is
// ever delivered to a handler. A signal the guest sends itself ends the
// run the way the signal's default action would (emu.StopSignal through
// Env.Kill), is dropped if ignored, default-ignored or blocked, and stops
// the run with an error if the guest installed a handler for it.

func (k *Kernel) isMIPS() bool { return k.p.Machine == elf.EM_MIPS }

// sigsetSize is the kernel's sizeof(sigset_t): _NSIG/8 (128 signals on
// MIPS, 64 elsewhere).
func (k *Kernel) sigsetSize() int {
	if k.isMIPS() {
		return 16
	}
	return 8
}

// nsig is _NSIG.
func (k *Kernel) nsig() int { return 8 * k.sigsetSize() }

// sigactionSize and sigHandlerOff describe the kernel's struct sigaction:
// {handler, flags, restorer, mask} on x86, ARM, AArch64 and PPC (all
// define SA_RESTORER); {unsigned int flags, handler, mask} on MIPS
// (arch/mips/include/uapi/asm/signal.h).
func (k *Kernel) sigactionSize() int {
	if k.isMIPS() {
		return 2*k.word() + k.sigsetSize()
	}
	return 3*k.word() + k.sigsetSize()
}

func (k *Kernel) sigHandlerOff() int {
	if k.isMIPS() {
		return k.word()
	}
	return 0
}

// stack_t: {sp, int flags, size} generically, {sp, size, int flags} on
// MIPS; ssDisable is SS_DISABLE.
const ssDisable = 2

func (k *Kernel) altstackFlagsOff() int {
	if k.isMIPS() {
		return 2 * k.word()
	}
	return k.word()
}

func (k *Kernel) initialAltstack() []byte {
	b := make([]byte, 3*k.word())
	putUint(b[k.altstackFlagsOff():], k.p.ByteOrder, 4, ssDisable)
	return b
}

// sysRtSigaction: rt_sigaction(sig, act, oldact, sigsetsize).
func sysRtSigaction(k *Kernel, a Args) (int64, error) {
	sig := int(k.sarg(a[0]))
	if sig < 1 || sig > k.nsig() || int(a[3]) != k.sigsetSize() {
		return -EINVAL, nil
	}
	n := k.sigactionSize()
	if a[2] != 0 {
		old := k.sigactions[sig]
		if old == nil {
			old = make([]byte, n)
		}
		if e := k.write(a[2], old); e != 0 {
			return -e, nil
		}
	}
	if a[1] != 0 {
		if name := SignalName(k.p, sig); name == "SIGKILL" || name == "SIGSTOP" {
			return -EINVAL, nil
		}
		b, e := k.read(a[1], n)
		if e != 0 {
			return -e, nil
		}
		k.sigactions[sig] = b
	}
	return 0, nil
}

// sysRtSigprocmask: rt_sigprocmask(how, set, oldset, sigsetsize).
func sysRtSigprocmask(k *Kernel, a Args) (int64, error) {
	n := k.sigsetSize()
	if int(a[3]) != n {
		return -EINVAL, nil
	}
	if a[2] != 0 {
		if e := k.write(a[2], k.sigmask); e != 0 {
			return -e, nil
		}
	}
	if a[1] == 0 {
		return 0, nil
	}
	set, e := k.read(a[1], n)
	if e != 0 {
		return -e, nil
	}
	mask := append([]byte(nil), k.sigmask...)
	c := k.c
	for i := range mask {
		switch a[0] {
		case c.SIG_BLOCK:
			mask[i] |= set[i]
		case c.SIG_UNBLOCK:
			mask[i] &^= set[i]
		case c.SIG_SETMASK:
			mask[i] = set[i]
		default:
			return -EINVAL, nil
		}
	}
	k.sigmask = mask
	return 0, nil
}

// blocked reports whether sig is in the guest's signal mask.
func (k *Kernel) blocked(sig int) bool {
	bit := sig - 1
	w := k.word()
	// sigset_t is an array of unsigned longs in the guest's byte order.
	word := bit / (8 * w)
	v := decode(k, k.sigmask[word*w:], w)
	return v&(1<<(bit%(8*w))) != 0
}

// sysSigaltstack: sigaltstack(ss, old_ss), recorded.
func sysSigaltstack(k *Kernel, a Args) (int64, error) {
	n := 3 * k.word()
	if a[1] != 0 {
		if e := k.write(a[1], k.altstack); e != 0 {
			return -e, nil
		}
	}
	if a[0] != 0 {
		b, e := k.read(a[0], n)
		if e != 0 {
			return -e, nil
		}
		k.altstack = b
	}
	return 0, nil
}

// defaultIgnored are the signals whose default action is to do nothing.
var defaultIgnored = map[string]bool{"SIGCHLD": true, "SIGURG": true, "SIGWINCH": true, "SIGCONT": true}

// stopSignals stop a process by default; with no one to continue it,
// the layer lets the guest go on.
var stopSignals = map[string]bool{"SIGSTOP": true, "SIGTSTP": true, "SIGTTIN": true, "SIGTTOU": true}

// raise acts on a signal the guest sent itself.
func (k *Kernel) raise(sig int) (int64, error) {
	if sig == 0 {
		return 0, nil
	}
	if sig < 0 || sig > k.nsig() {
		return -EINVAL, nil
	}
	name := SignalName(k.p, sig)
	if name != "SIGKILL" && name != "SIGSTOP" {
		if k.blocked(sig) {
			return 0, nil // stays pending: never delivered
		}
		if act := k.sigactions[sig]; act != nil {
			h := decode(k, act[k.sigHandlerOff():], k.word())
			switch h {
			case 0: // SIG_DFL
			case 1: // SIG_IGN
				return 0, nil
			default:
				return 0, fmt.Errorf("the guest raised %s, which has a handler at %#x: delivering signals to handlers is not supported", name, h)
			}
		}
	}
	if defaultIgnored[name] || stopSignals[name] {
		return 0, nil
	}
	k.Env.Kill(sig)
	return 0, nil
}

// isSelf reports whether pid names the guest process (kill(0) and
// kill(-1) include it).
func (k *Kernel) isSelf(pid int64) bool {
	return pid == 0 || pid == -1 || pid == int64(k.proc.PID) || pid == -int64(k.proc.PID)
}

// sysKill: kill(pid, sig); other processes do not exist (ESRCH).
func sysKill(k *Kernel, a Args) (int64, error) {
	if !k.isSelf(k.sfd(a[0])) {
		return -ESRCH, nil
	}
	return k.raise(int(k.sfd(a[1])))
}

// sysTkill: tkill(tid, sig); only the running thread exists.
func sysTkill(k *Kernel, a Args) (int64, error) {
	if k.sfd(a[0]) != int64(k.proc.TID) {
		return -ESRCH, nil
	}
	return k.raise(int(k.sfd(a[1])))
}

// sysTgkill: tgkill(tgid, tid, sig).
func sysTgkill(k *Kernel, a Args) (int64, error) {
	if k.sfd(a[0]) != int64(k.proc.PID) || k.sfd(a[1]) != int64(k.proc.TID) {
		return -ESRCH, nil
	}
	return k.raise(int(k.sfd(a[2])))
}
