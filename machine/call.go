package machine

import (
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
	if m.scratch == nil {
		start, err := m.FreeRange(callScratch)
		if err != nil {
			return 0, err
		}
		r, err := memory.Alloc(start, callScratch, memory.RWX, "[call scratch]")
		if err != nil {
			return 0, err
		}
		if err := m.AddRegion(r); err != nil {
			return 0, err
		}
		m.scratch = r
	}
	// The return address is the scratch region's first word: an exit
	// point, never executed.
	ret := m.scratch.Start
	saved, savedExits, savedMax := m.CPU.Clone(), m.exits, m.MaxInsns
	defer func() { m.CPU, m.exits, m.MaxInsns = saved, savedExits, savedMax }()

	w := uint64(m.Platform.WordSize)
	sp := m.scratch.End() - 4096 // 16-byte aligned, room above for stack arguments
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
		if err := m.CPU.Set(conv.IntArgs[i], a); err != nil {
			return 0, err
		}
	}
	if m.Platform.LR != "" {
		if err := m.CPU.Set(m.Platform.LR, ret); err != nil {
			return 0, err
		}
	} else {
		sp -= w // a call pushes the return address
		if err := m.Memory.PutUint(sp, int(w), ret); err != nil {
			return 0, err
		}
	}
	if err := m.CPU.Set(m.Platform.SP, sp); err != nil {
		return 0, err
	}
	if r, ok := entryReg[m.Platform.Name]; ok {
		if err := m.CPU.Set(r, addr); err != nil {
			return 0, err
		}
	}
	m.CPU.SetPC(addr &^ 1)
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
