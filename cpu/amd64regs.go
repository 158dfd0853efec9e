package cpu

import (
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// amd64 registers: gdb's names (gdb/features/i386/64bit-*.xml) and the
// System V x86-64 sub-register aliases.
func init() { register(platform.AMD64, amd64Regs) }

func amd64Regs() []Reg {
	var regs []Reg
	gen := func(name string, bits int) {
		regs = append(regs, Reg{Name: name, Bits: bits, Group: General, GDB: true})
	}
	alias := func(name, parent string, bits, shift int) {
		regs = append(regs, Reg{Name: name, Bits: bits, Group: General, Parent: parent, Shift: shift})
	}
	// gdb's general order: rax rbx rcx rdx rsi rdi rbp rsp r8..r15 rip eflags cs ss ds es fs gs.
	legacy := []struct{ r, e, w, l, h string }{
		{"rax", "eax", "ax", "al", "ah"}, {"rbx", "ebx", "bx", "bl", "bh"},
		{"rcx", "ecx", "cx", "cl", "ch"}, {"rdx", "edx", "dx", "dl", "dh"},
		{"rsi", "esi", "si", "sil", ""}, {"rdi", "edi", "di", "dil", ""},
		{"rbp", "ebp", "bp", "bpl", ""}, {"rsp", "esp", "sp", "spl", ""},
	}
	for _, l := range legacy {
		gen(l.r, 64)
	}
	for i := 8; i <= 15; i++ {
		gen(fmt.Sprintf("r%d", i), 64)
	}
	gen("rip", 64)
	gen("eflags", 32)
	for _, s := range []string{"cs", "ss", "ds", "es", "fs", "gs"} {
		regs = append(regs, Reg{Name: s, Bits: 16, Group: Segment, GDB: true})
	}
	regs = append(regs,
		Reg{Name: "fs_base", Bits: 64, Group: Segment},
		Reg{Name: "gs_base", Bits: 64, Group: Segment},
		Reg{Name: "orig_rax", Bits: 64, Group: System},
	)
	for _, l := range legacy {
		alias(l.e, l.r, 32, 0)
		alias(l.w, l.r, 16, 0)
		alias(l.l, l.r, 8, 0)
		if l.h != "" {
			alias(l.h, l.r, 8, 8)
		}
	}
	for i := 8; i <= 15; i++ {
		r := fmt.Sprintf("r%d", i)
		alias(r+"d", r, 32, 0)
		alias(r+"w", r, 16, 0)
		alias(r+"b", r, 8, 0)
	}
	alias("eip", "rip", 32, 0)
	for i := 0; i < 8; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("st%d", i), Bits: 80, Group: Float})
	}
	for _, n := range []string{"fctrl", "fstat", "ftag", "fop"} {
		regs = append(regs, Reg{Name: n, Bits: 16, Group: Float})
	}
	for i := 0; i < 16; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("xmm%d", i), Bits: 128, Group: Vector})
	}
	regs = append(regs, Reg{Name: "mxcsr", Bits: 32, Group: Vector})
	return append(regs, opmask()...)
}
