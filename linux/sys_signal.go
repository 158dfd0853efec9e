package linux

import (
	"debug/elf"
	"fmt"
)

// Signals. Actions, the mask and the alternate stack are recorded as the
// guest gave them (raw kernel structs, returned unchanged); no signal is
// ever delivered to a handler. A signal the guest sends itself ends the
// run the way the signal's default action would (emu.StopSignal through
// Env.Kill), is dropped if ignored or default-ignored, and stops the run
// with an error if the guest installed a handler for it. A blocked one
// stays pending (rt_sigpending shows it) until the guest unblocks it,
// with rt_sigprocmask or for the length of a ppoll, pselect6 or
// rt_sigsuspend, and is then delivered so, or until rt_sigtimedwait
// takes it.

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

// sysRtSigaction: rt_sigaction(sig, act, oldact, sigsetsize). Setting
// an action that ignores a pending signal discards it, as POSIX says.
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
		if k.ignored(sig) {
			k.setSig(k.pending, sig, false)
		}
	}
	return 0, nil
}

// sysRtSigprocmask: rt_sigprocmask(how, set, oldset, sigsetsize). A
// pending signal the new mask unblocks is delivered.
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
	k.sigmask = k.unblockable(mask)
	if !k.anyDeliverable() {
		return 0, nil
	}
	_, err := k.deliverPendingNow()
	return 0, err
}

// sysRtSigpending: rt_sigpending(set, sigsetsize): the signals raised
// while blocked and not yet delivered.
func sysRtSigpending(k *Kernel, a Args) (int64, error) {
	if a[1] > uint64(k.sigsetSize()) {
		return -EINVAL, nil
	}
	return -k.write(a[0], k.pending[:a[1]]), nil
}

// sysRtSigsuspend: rt_sigsuspend(mask, sigsetsize) waits, under mask,
// for a signal: a pending one mask unblocks is delivered (and the run
// ends, or stops at its handler); with none, only another process could
// end the wait, so the run stops.
func sysRtSigsuspend(k *Kernel, a Args) (int64, error) {
	if a[1] != uint64(k.sigsetSize()) {
		return -EINVAL, nil
	}
	_, err := k.withMask(a[0], func() (int64, error) {
		return 0, &BlockedError{Call: "rt_sigsuspend with no pending signal its mask lets through"}
	})
	if k.killed {
		return -EINTR, err
	}
	return 0, err
}

// rt_sigtimedwait(set, info, timeout, sigsetsize) takes the lowest
// pending signal of set and returns its number, filling info's si_signo
// (the rest 0: who sent it is not recorded). With none pending a timeout
// passes at once (EAGAIN); without a timeout the run stops.
func (k *Kernel) sigtimedwait(a Args, size int) (int64, error) {
	n := k.sigsetSize()
	if a[3] != uint64(n) {
		return -EINVAL, nil
	}
	set, e := k.read(a[0], n)
	if e != 0 {
		return -e, nil
	}
	forever, e := k.timeout(a[2], size, false)
	if e != 0 {
		return -e, nil
	}
	for sig := 1; sig <= k.nsig(); sig++ {
		if !k.hasSig(k.pending, sig) || !k.hasSig(set, sig) {
			continue
		}
		if a[1] != 0 {
			info := make([]byte, 128) // sizeof(siginfo_t) on every platform
			putUint(info, k.p.ByteOrder, 4, uint64(sig))
			if e := k.write(a[1], info); e != 0 {
				return -e, nil
			}
		}
		k.setSig(k.pending, sig, false)
		return int64(sig), nil
	}
	if !forever {
		return -EAGAIN, nil
	}
	return 0, &BlockedError{Call: "rt_sigtimedwait with none of its signals pending and no timeout"}
}

func sysRtSigtimedwait(k *Kernel, a Args) (int64, error)   { return k.sigtimedwait(a, k.word()) }
func sysRtSigtimedwait64(k *Kernel, a Args) (int64, error) { return k.sigtimedwait(a, 8) }

// sysPause: pause() waits for a signal no one can send.
func sysPause(k *Kernel, a Args) (int64, error) {
	return 0, &BlockedError{Call: "pause"}
}

// withMask runs fn with the guest's signal mask replaced by the sigset_t
// at set (none when set is 0), delivering the pending signals it lets
// through first; the mask is restored after. A delivered signal that
// ends the run skips fn.
func (k *Kernel) withMask(set uint64, fn func() (int64, error)) (int64, error) {
	if set == 0 {
		return fn()
	}
	b, e := k.read(set, k.sigsetSize())
	if e != 0 {
		return -e, nil
	}
	saved := k.sigmask
	k.sigmask = k.unblockable(b)
	defer func() { k.sigmask = saved }()
	if k.anyDeliverable() {
		if _, err := k.deliverPendingNow(); err != nil || k.killed {
			return -EINTR, err
		}
	}
	return fn()
}

// sigBit locates signal sig in a sigset_t, an array of the guest's
// unsigned longs in its byte order.
func (k *Kernel) sigBit(sig int) (at int, bit uint64) {
	w := k.word()
	return (sig - 1) / (8 * w) * w, 1 << ((sig - 1) % (8 * w))
}

func (k *Kernel) hasSig(set []byte, sig int) bool {
	at, bit := k.sigBit(sig)
	return decode(k, set[at:], k.word())&bit != 0
}

func (k *Kernel) setSig(set []byte, sig int, on bool) {
	at, bit := k.sigBit(sig)
	v := decode(k, set[at:], k.word())
	if on {
		v |= bit
	} else {
		v &^= bit
	}
	putUint(set[at:], k.p.ByteOrder, k.word(), v)
}

// blocked reports whether sig is in the guest's signal mask.
func (k *Kernel) blocked(sig int) bool { return k.hasSig(k.sigmask, sig) }

// unblockable returns mask without SIGKILL and SIGSTOP, which Linux
// silently leaves out of every mask.
func (k *Kernel) unblockable(mask []byte) []byte {
	out := append([]byte(nil), mask...)
	for sig := 1; sig <= 32; sig++ {
		if name := SignalName(k.p, sig); name == "SIGKILL" || name == "SIGSTOP" {
			k.setSig(out, sig, false)
		}
	}
	return out
}

// handler is the guest's sa_handler for sig: 0 SIG_DFL, 1 SIG_IGN.
func (k *Kernel) handler(sig int) uint64 {
	act := k.sigactions[sig]
	if act == nil {
		return 0
	}
	return decode(k, act[k.sigHandlerOff():], k.word())
}

// ignored reports whether delivering sig would do nothing at all.
func (k *Kernel) ignored(sig int) bool {
	name := SignalName(k.p, sig)
	switch h := k.handler(sig); {
	case name == "SIGKILL" || name == "SIGSTOP":
		return false
	case h == 1:
		return true
	case h == 0:
		return defaultIgnored[name] || stopSignals[name]
	}
	return false
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
	if k.blocked(sig) {
		if !k.ignored(sig) {
			k.setSig(k.pending, sig, true)
		}
		return 0, nil
	}
	return 0, k.deliver(sig)
}

// deliver acts on sig, which the mask lets through: its handler stops
// the run with an error; ignored, nothing happens; otherwise the default
// action ends the run.
func (k *Kernel) deliver(sig int) error {
	if k.ignored(sig) {
		return nil
	}
	if h := k.handler(sig); h > 1 {
		return fmt.Errorf("the guest raised %s, which has a handler at %#x: delivering signals to handlers is not supported", SignalName(k.p, sig), h)
	}
	k.killed = true
	k.Env.Kill(sig)
	return nil
}

// deliverPendingNow delivers the pending signals the mask lets through,
// lowest first as Linux does, until one ends the run or stops it; it
// reports whether any was delivered.
func (k *Kernel) deliverPendingNow() (bool, error) {
	delivered := false
	for sig := 1; sig <= k.nsig() && !k.killed; sig++ {
		if !k.hasSig(k.pending, sig) || k.blocked(sig) {
			continue
		}
		k.setSig(k.pending, sig, false)
		delivered = true
		if err := k.deliver(sig); err != nil {
			return true, err
		}
	}
	return delivered, nil
}

// anyDeliverable reports whether a pending signal is not blocked.
func (k *Kernel) anyDeliverable() bool {
	for i := range k.pending {
		if k.pending[i]&^k.sigmask[i] != 0 {
			return true
		}
	}
	return false
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
