package machine

import (
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
)

// callScratch is the stack a Call runs on, and where its return lands.
const callScratch = 256 << 10

// entryReg names, per platform, a register a position-independent
// function expects to hold its own address on entry (MIPS's t9 for $gp
// set-up, ELFv2's r12 for the TOC).
var entryReg = map[string]string{
	"mips": "t9", "mipsel": "t9", "mips64": "t9", "mips64el": "t9", "ppc64le": "r12",
}

// Call runs the guest function at addr with integer arguments, as the
// platform's C calling convention passes them, until it returns, and
// gives its integer result. It runs on a scratch stack with the
// machine's memory (what the function writes stays) and leaves the
// machine's registers as they were. maxInsns bounds the run (0: 10^7).
func (m *Machine) Call(addr uint64, maxInsns uint64, args ...uint64) (uint64, error) {
	conv, err := model.ConvFor(m.Platform)
	if err != nil {
		return 0, err
	}
	if err := m.ensureScratch(); err != nil {
		return 0, err
	}
	// The return address is the scratch region's first word: an exit
	// point, never executed.
	ret := m.scratch.Start
	saved, savedExits, savedMax := m.CPU.Clone(), m.exits, m.MaxInsns
	defer func() { m.CPU, m.exits, m.MaxInsns = saved, savedExits, savedMax }()

	sp := m.scratch.End() - 4096 // 16-byte aligned, room above for stack arguments
	pc, err := m.setCall(conv, addr, ret, sp, args, m.CPU.Set)
	if err != nil {
		return 0, err
	}
	m.CPU.SetPC(pc &^ 1)
	if addr&1 != 0 && m.Platform.ModeReg != "" { // a Thumb function
		v, _ := m.CPU.Get(m.Platform.ModeReg)
		_ = m.CPU.Set(m.Platform.ModeReg, v|m.Platform.ThumbMask)
	}
	m.exits = append(append([]uint64(nil), savedExits...), ret)
	if maxInsns == 0 {
		maxInsns = 10_000_000
	}
	m.MaxInsns = maxInsns
	// One engine serves every Call until the next Run: the memory is the
	// machine's (shared host pages), the registers are written anew.
	if m.callSess == nil {
		if m.callSess, err = m.newSession(); err != nil {
			return 0, fmt.Errorf("call %#x: %w", addr, err)
		}
	} else {
		if err := m.writeRegs(m.callSess.eng); err != nil {
			return 0, fmt.Errorf("call %#x: %w", addr, err)
		}
		if err := m.setupSegments(m.callSess.eng); err != nil {
			return 0, fmt.Errorf("call %#x: %w", addr, err)
		}
	}
	res, err := m.runSession(m.callSess)
	if err != nil {
		return 0, fmt.Errorf("call %#x: %w", addr, err)
	}
	if res.Stop.Kind != emu.StopExitPoint || res.Stop.PC != ret {
		return 0, fmt.Errorf("call %#x did not return: %v", addr, res.Stop)
	}
	return res.CPU.Get(conv.Ret)
}

// ensureScratch makes the region Call runs on; its first word is the
// return address of Call and of Env.CallGuest, an exit point.
func (m *Machine) ensureScratch() error {
	if m.scratch != nil {
		return nil
	}
	start, err := m.FreeRange(callScratch)
	if err != nil {
		return err
	}
	r, err := memory.Alloc(start, callScratch, memory.RWX, "[call scratch]")
	if err != nil {
		return err
	}
	if err := m.AddRegion(r); err != nil {
		return err
	}
	m.scratch = r
	return nil
}

// setCall lays out a call of addr returning to ret with the stack at sp
// (16-byte aligned, with room above it for stack arguments): stack
// arguments, register arguments and the return address as the
// convention passes them, and the entry register position-independent
// code expects. set writes a register. It returns where the call
// starts: addr, or on ELFv1 the entry of the descriptor addr points to
// (whose TOC and environment it sets; funcdesc.go).
func (m *Machine) setCall(conv *model.Conv, addr, ret, sp uint64, args []uint64, set func(string, uint64) error) (uint64, error) {
	w := uint64(m.Platform.WordSize)
	if len(args) > len(conv.IntArgs) {
		for i, a := range args[len(conv.IntArgs):] {
			// Stack arguments lie at sp+StackArgs once the return
			// address (where the call pushes one) is in place.
			at := sp + conv.StackArgs + uint64(i)*w
			if m.Platform.LR == "" {
				at -= w
			}
			if err := m.Memory.PutUint(at, int(w), a); err != nil {
				return 0, err
			}
		}
	}
	for i, a := range args {
		if i >= len(conv.IntArgs) {
			break
		}
		if err := set(conv.IntArgs[i], a); err != nil {
			return 0, err
		}
	}
	if m.Platform.LR != "" {
		if err := set(m.Platform.LR, ret); err != nil {
			return 0, err
		}
	} else {
		sp -= w // a call pushes the return address
		if err := m.Memory.PutUint(sp, int(w), ret); err != nil {
			return 0, err
		}
	}
	if err := set(m.Platform.SP, sp); err != nil {
		return 0, err
	}
	if r, ok := entryReg[m.Platform.Name]; ok {
		if err := set(r, addr); err != nil {
			return 0, err
		}
	}
	return m.codeAddr(addr, set)
}

// errGuestStopped ends a model whose guest callback ended the run (it
// called exit, or faulted): the run's stop says why.
var errGuestStopped = errors.New("the run stopped in a guest callback")

// maxCallbackDepth bounds guest callbacks nested in models (Unicorn
// allows 64 levels of runs; the main run is one).
const maxCallbackDepth = 32

// CallGuest runs the guest function at fn from inside a model (qsort's
// comparison function) or the syscall layer (a signal handler): the arguments as the calling convention passes
// them, on the guest's own stack below its stack pointer, until it
// returns; it gives the integer result. Every register is as it was
// afterwards; memory keeps what the function wrote. The function may
// itself call models and make system calls. If it ends the run (exit, a
// fault), CallGuest returns an error and the run ends with that stop.
func (e *Env) CallGuest(fn uint64, args ...uint64) (uint64, error) {
	m := e.m
	if e.stop != nil {
		return 0, errGuestStopped
	}
	if m.scratch == nil {
		return 0, errors.New("machine: no return point for guest calls (the run has no models and no syscall layer)")
	}
	if e.depth >= maxCallbackDepth {
		return 0, fmt.Errorf("machine: guest calls nested %d deep", e.depth)
	}
	conv, err := model.ConvFor(m.Platform)
	if err != nil {
		return 0, err
	}
	ctx, err := e.eng.SaveContext()
	if err != nil {
		return 0, fmt.Errorf("call %#x: save registers: %w", fn, err)
	}
	defer ctx.Free()
	sp, err := e.Reg(m.Platform.SP)
	if err != nil {
		return 0, err
	}
	// Below the red zone (amd64: 128 bytes) and the caller's frame,
	// 16-byte aligned, with room for stack arguments above.
	sp = (sp - 512 - uint64(len(args))*uint64(m.Platform.WordSize)) &^ 15
	ret := m.scratch.Start
	pc, err := m.setCall(conv, fn, ret, sp, args, e.SetReg)
	if err != nil {
		return 0, fmt.Errorf("call %#x: %w", fn, err)
	}
	e.depth++
	err = e.eng.Start(pc, emu.StartOptions{Count: m.MaxInsns})
	e.depth--
	if e.stop == nil && err != nil && e.fault != nil && *e.fault != nil {
		// The function faulted (or ran an invalid instruction): the
		// run stops there, as it would outside a call.
		f := *e.fault
		f.Err = err
		e.StopWith(f)
	}
	if e.stop != nil {
		_ = e.eng.Stop() // the outer run ends too
		return 0, errGuestStopped
	}
	if err != nil {
		return 0, fmt.Errorf("call %#x: %w", fn, err)
	}
	if pc := e.pc(); pc != ret {
		return 0, fmt.Errorf("call %#x did not return (stopped at pc %#x)", fn, pc)
	}
	v, err := e.Reg(conv.Ret)
	if err != nil {
		return 0, err
	}
	if err := e.eng.RestoreContext(ctx); err != nil {
		return 0, fmt.Errorf("call %#x: restore registers: %w", fn, err)
	}
	return v & m.Platform.WordMask(), nil
}
