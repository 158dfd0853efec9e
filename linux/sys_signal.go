package linux

import (
	"debug/elf"
	"fmt"

	"github.com/smallworld-go/smallworld/emu"
)

// Signals. Actions, the mask and the alternate stack are recorded as the
// guest gave them (raw kernel structs, returned unchanged). A signal the
// guest sends itself is delivered before the sending call returns, as
// Linux does: its handler runs (a guest call on the current or the
// alternate stack, with a siginfo_t and a zeroed ucontext, the mask
// widened by sa_mask and the signal itself for its length); without one
// the default action ends the run (emu.StopSignal through Env.Kill), or
// nothing happens for an ignored or default-ignored signal. A blocked one
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

// The rest of struct sigaction: sa_flags, an unsigned long after the
// handler generically, the leading unsigned int on MIPS; sa_mask last.
func (k *Kernel) sigFlags(act []byte) uint64 {
	if k.isMIPS() {
		return decode(k, act, 4)
	}
	return decode(k, act[k.word():], k.word())
}

func (k *Kernel) sigMaskOff() int { return k.sigactionSize() - k.sigsetSize() }

// stack_t: {sp, int flags, size} generically, {sp, size, int flags} on
// MIPS.
func (k *Kernel) altstackFlagsOff() int {
	if k.isMIPS() {
		return 2 * k.word()
	}
	return k.word()
}

func (k *Kernel) altstackSizeOff() int {
	if k.isMIPS() {
		return k.word()
	}
	return 2 * k.word()
}

func (k *Kernel) initialAltstack() []byte {
	b := make([]byte, 3*k.word())
	putUint(b[k.altstackFlagsOff():], k.p.ByteOrder, 4, k.c.SS_DISABLE)
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
	return k.withMask(a[0], func() (int64, error) {
		return 0, &BlockedError{Call: "rt_sigsuspend with no pending signal its mask lets through"}
	})
}

// rt_sigtimedwait(set, info, timeout, sigsetsize) takes the lowest
// pending signal of set and returns its number, filling info as a
// handler's (the guest itself sent it). With none pending a timeout
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
		code := k.pendCode[sig]
		if a[1] != 0 {
			if e := k.putStruct(a[1], "siginfo", k.sentInfo(sig, code)); e != 0 {
				return -e, nil
			}
		}
		k.setSig(k.pending, sig, false)
		delete(k.pendCode, sig)
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
		// A handler ran (or the run ended): the call is interrupted.
		if handled, err := k.deliverPendingNow(); err != nil || k.killed || handled {
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
	for i := range out {
		out[i] &^= k.neverBlocked[i]
	}
	return out
}

// neverBlockedSet is the sigset_t of SIGKILL and SIGSTOP.
func (k *Kernel) neverBlockedSet() []byte {
	set := make([]byte, k.sigsetSize())
	for _, name := range []string{"SIGKILL", "SIGSTOP"} {
		k.setSig(set, k.signalNumber(name), true)
	}
	return set
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

// sysSigaltstack: sigaltstack(ss, old_ss), recorded; old_ss says
// SS_ONSTACK inside a handler running on it, which may not change it.
func sysSigaltstack(k *Kernel, a Args) (int64, error) {
	n := 3 * k.word()
	if a[1] != 0 {
		old := append([]byte(nil), k.altstack...)
		if k.altDepth > 0 {
			putUint(old[k.altstackFlagsOff():], k.p.ByteOrder, 4, k.c.SS_ONSTACK)
		}
		if e := k.write(a[1], old); e != 0 {
			return -e, nil
		}
	}
	if a[0] != 0 && k.altDepth > 0 {
		return -EPERM, nil // not while running on it
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

// raise acts on a signal the guest sent itself with si_code code
// (SI_USER for kill, SI_TKILL for tkill and tgkill).
func (k *Kernel) raise(sig int, code uint64) (int64, error) {
	if sig == 0 {
		return 0, nil
	}
	if sig < 0 || sig > k.nsig() {
		return -EINVAL, nil
	}
	if k.blocked(sig) {
		if !k.ignored(sig) {
			k.setSig(k.pending, sig, true)
			k.pendCode[sig] = code
		}
		return 0, nil
	}
	_, err := k.deliver(sig, code)
	return 0, err
}

// deliver acts on sig, which the mask lets through: its handler runs;
// ignored, nothing happens; otherwise the default action ends the run.
// It reports whether a handler ran.
func (k *Kernel) deliver(sig int, code uint64) (bool, error) {
	if k.ignored(sig) {
		return false, nil
	}
	h := k.handler(sig)
	if h <= 1 {
		k.killed = true
		k.Env.Kill(sig)
		return false, nil
	}
	return true, k.runHandler(sig, h, k.sentInfo(sig, code))
}

// sentInfo is the siginfo_t of a signal the guest sent itself.
func (k *Kernel) sentInfo(sig int, code uint64) map[string]uint64 {
	return map[string]uint64{"si_signo": uint64(sig), "si_code": code,
		"_sifields._kill._pid": uint64(k.proc.PID), "_sifields._kill._uid": uint64(k.proc.UID)}
}

// Fault delivers the signal of a fault the guest's own instruction
// caused (SIGSEGV for a memory access) to the handler the guest
// installed, with si_code code and
// si_addr addr, and reports whether one ran and returned: the
// instruction is then tried again, as Linux does. Without a handler, or
// with the signal blocked or ignored (which Linux overrides for a fault),
// nothing runs and the fault ends the run as before.
func (k *Kernel) Fault(name string, code, addr uint64) (bool, error) {
	sig := k.signalNumber(name)
	h := k.handler(sig)
	if sig == 0 || h <= 1 || k.blocked(sig) {
		return false, nil
	}
	err := k.runHandler(sig, h, map[string]uint64{"si_signo": uint64(sig), "si_code": code, "_sifields._sigfault._addr": addr})
	return err == nil, err
}

// FaultCode is the si_code of a memory fault: SEGV_ACCERR when the
// page is mapped without the access's permission ("prot"), else
// SEGV_MAPERR.
func (k *Kernel) FaultCode(what string) uint64 {
	if what == "prot" {
		return k.c.SEGV_ACCERR
	}
	return k.c.SEGV_MAPERR
}

// runHandler calls the guest's handler h for sig as Linux's signal
// delivery would, and returns when the handler does. Registers are as
// they were after; the mask is restored (sigreturn's work). A handler
// that leaves by siglongjmp or exit never returns here: the run goes on
// (or ends) inside the call.
func (k *Kernel) runHandler(sig int, h uint64, info map[string]uint64) error {
	act := k.sigactions[sig]
	flags := k.sigFlags(act)
	if flags&k.c.SA_RESETHAND != 0 {
		reset := append([]byte(nil), act...)
		putUint(reset[k.sigHandlerOff():], k.p.ByteOrder, k.word(), 0)
		k.sigactions[sig] = reset
	}
	saved := k.sigmask
	mask := append([]byte(nil), saved...)
	for i, b := range act[k.sigMaskOff():] {
		mask[i] |= b
	}
	if flags&k.c.SA_NODEFER == 0 {
		k.setSig(mask, sig, true)
	}
	sp, err := k.Env.ReadReg(k.sp)
	if err != nil {
		return err
	}
	// The frame: a siginfo_t and a zeroed ucontext, below the red zone
	// (or at the top of the alternate stack), 16-byte aligned; the
	// handler's own frame goes below it.
	top, onAlt := sp-128, false
	if flags&k.c.SA_ONSTACK != 0 && !k.onAltstack(sp) {
		st := k.altstack
		if decode(k, st[k.altstackFlagsOff():], 4)&k.c.SS_DISABLE == 0 {
			top, onAlt = decode(k, st, k.word())+decode(k, st[k.altstackSizeOff():], k.word()), true
		}
	}
	frame := l2(top-sigFrameSize, 16)
	uc := frame + 128
	if e := k.putStruct(frame, "siginfo", info); e != 0 {
		return fmt.Errorf("delivering %s: its frame at %#x is not writable", SignalName(k.p, sig), frame)
	}
	ucBytes, err := k.ucontext(uc, saved, sp)
	if err != nil {
		return err
	}
	if e := k.write(uc, ucBytes); e != 0 {
		return fmt.Errorf("delivering %s: its frame at %#x is not writable", SignalName(k.p, sig), uc)
	}
	if k.Trace != nil {
		fmt.Fprintf(k.Trace, "signal %s: handler %#x (siginfo %#x)\n", SignalName(k.p, sig), h, frame)
	}
	if err := k.Env.WriteReg(k.sp, frame); err != nil {
		return err
	}
	k.sigmask = k.unblockable(mask)
	if onAlt {
		k.altDepth++
	}
	_, err = k.Env.CallGuest(h, uint64(sig), frame, uc)
	if onAlt {
		k.altDepth--
	}
	k.sigmask = saved
	if err != nil {
		return err
	}
	if err := k.Env.WriteReg(k.sp, sp); err != nil {
		return err
	}
	return k.sigreturn(uc, ucBytes)
}

// ucSpecial are the ucontext fields that are not registers.
var ucSpecial = map[string]bool{"uc_sigmask": true, "ss_sp": true, "ss_flags": true, "ss_size": true, "regs_ptr": true, "regs_at": true}

// ucReg is one register of a signal frame's ucontext.
type ucReg struct {
	id        emu.RegID
	off, size int
}

// ucontext builds the ucontext_t of a signal frame at addr (its layout
// is glibc's, generated): the alternate stack's settings, the mask
// before the handler, and the registers as they are (sp the stack
// pointer before the frame).
func (k *Kernel) ucontext(addr uint64, mask []byte, sp uint64) ([]byte, error) {
	l := layoutsOf(k.p.Name)["ucontext"]
	b := make([]byte, sigFrameSize-128)
	put := func(name string, v uint64) {
		if f, ok := l.Fields[name]; ok {
			putUint(b[f[0]:], k.p.ByteOrder, int(f[1]), v)
		}
	}
	st := k.altstack
	flags := decode(k, st[k.altstackFlagsOff():], 4)
	if k.onAltstack(sp) {
		flags = k.c.SS_ONSTACK
	}
	put("ss_sp", decode(k, st, k.word()))
	put("ss_size", decode(k, st[k.altstackSizeOff():], k.word()))
	put("ss_flags", flags)
	copy(b[l.Fields["uc_sigmask"][0]:], mask)
	if f, ok := l.Fields["regs_ptr"]; ok {
		putUint(b[f[0]:], k.p.ByteOrder, int(f[1]), addr+l.Fields["regs_at"][0])
	}
	for _, r := range k.ucRegs {
		v, err := k.Env.ReadReg(r.id)
		if err != nil {
			return nil, err
		}
		if r.size > k.word() {
			v = uint64(int64(int32(v))) // MIPS o32 keeps registers in 64-bit slots, sign-extended
		}
		putUint(b[r.off:], k.p.ByteOrder, r.size, v)
	}
	if f, ok := l.Fields[k.p.SP]; ok {
		putUint(b[f[0]:], k.p.ByteOrder, int(f[1]), sp)
	}
	return b, nil
}

// sigreturn does rt_sigreturn's work when a handler returns: the
// registers and the mask are what the frame's ucontext at addr now says
// (sent is what it said when the handler began: only what the handler
// changed is written, so a register the ucontext holds narrower than the
// CPU's keeps its upper bits).
func (k *Kernel) sigreturn(addr uint64, sent []byte) error {
	now, e := k.read(addr, len(sent))
	if e != 0 {
		return fmt.Errorf("returning from a signal handler: its frame at %#x is gone", addr)
	}
	l := layoutsOf(k.p.Name)["ucontext"]
	m := l.Fields["uc_sigmask"][0]
	k.sigmask = k.unblockable(now[m : m+uint64(k.sigsetSize())])
	for _, r := range k.ucRegs {
		v, was := decode(k, now[r.off:], r.size), decode(k, sent[r.off:], r.size)
		if v != was {
			if err := k.Env.WriteReg(r.id, v&k.p.WordMask()); err != nil {
				return err
			}
		}
	}
	return nil
}

// sigFrameSize is the room a handler's frame takes: a siginfo_t (128
// bytes) and a ucontext (at most 4560 bytes, AArch64's, rounded up).
const sigFrameSize = 128 + 4608

// l2 rounds v down to a multiple of a (a power of two).
func l2(v, a uint64) uint64 { return v &^ (a - 1) }

// onAltstack reports whether sp is on the alternate signal stack.
func (k *Kernel) onAltstack(sp uint64) bool {
	st := k.altstack
	if decode(k, st[k.altstackFlagsOff():], 4)&k.c.SS_DISABLE != 0 {
		return false
	}
	base := decode(k, st, k.word())
	return sp > base && sp-base <= decode(k, st[k.altstackSizeOff():], k.word())
}

// deliverPendingNow delivers the pending signals the mask lets through,
// lowest first as Linux does, until one ends the run or stops it; it
// reports whether a handler ran.
func (k *Kernel) deliverPendingNow() (bool, error) {
	handled := false
	for sig := 1; sig <= k.nsig() && !k.killed; sig++ {
		if !k.hasSig(k.pending, sig) || k.blocked(sig) {
			continue
		}
		k.setSig(k.pending, sig, false)
		code := k.pendCode[sig]
		delete(k.pendCode, sig)
		ran, err := k.deliver(sig, code)
		handled = handled || ran
		if err != nil {
			return handled, err
		}
	}
	return handled, nil
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
	return k.raise(int(k.sfd(a[1])), k.c.SI_USER)
}

// sysTkill: tkill(tid, sig); only the running thread exists.
func sysTkill(k *Kernel, a Args) (int64, error) {
	if k.sfd(a[0]) != int64(k.proc.TID) {
		return -ESRCH, nil
	}
	return k.raise(int(k.sfd(a[1])), k.c.SI_TKILL)
}

// sysTgkill: tgkill(tgid, tid, sig).
func sysTgkill(k *Kernel, a Args) (int64, error) {
	if k.sfd(a[0]) != int64(k.proc.PID) || k.sfd(a[1]) != int64(k.proc.TID) {
		return -ESRCH, nil
	}
	return k.raise(int(k.sfd(a[2])), k.c.SI_TKILL)
}
