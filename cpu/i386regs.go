package cpu

import (
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// i386 registers: gdb's names (gdb/features/i386/32bit-core.xml,
// 32bit-sse.xml, 32bit-linux.xml) and the 16- and 8-bit aliases of the
// IA-32 general registers (Intel SDM vol. 1, 3.4.1).
func init() { register(platform.I386, i386Regs) }

func i386Regs() []Reg {
	var regs []Reg
	// gdb's general order: eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs.
	legacy := []struct{ e, w, l, h string }{
		{"eax", "ax", "al", "ah"}, {"ecx", "cx", "cl", "ch"},
		{"edx", "dx", "dl", "dh"}, {"ebx", "bx", "bl", "bh"},
		{"esp", "sp", "", ""}, {"ebp", "bp", "", ""},
		{"esi", "si", "", ""}, {"edi", "di", "", ""},
	}
	for _, l := range legacy {
		regs = append(regs, Reg{Name: l.e, Bits: 32, Group: General, GDB: true})
	}
	regs = append(regs,
		Reg{Name: "eip", Bits: 32, Group: General, GDB: true},
		Reg{Name: "eflags", Bits: 32, Group: General, GDB: true},
	)
	for _, s := range []string{"cs", "ss", "ds", "es", "fs", "gs"} {
		regs = append(regs, Reg{Name: s, Bits: 16, Group: Segment, GDB: true})
	}
	// orig_eax is the kernel's record of the system call number (gdb's
	// 32bit-linux.xml has it outside the general group).
	regs = append(regs, Reg{Name: "orig_eax", Bits: 32, Group: System})
	// gs_base is the base of the segment gs selects: glibc's thread
	// pointer (the TCB). 32-bit x86 has no register for it; a run puts it
	// in a GDT descriptor (package machine).
	regs = append(regs, Reg{Name: "gs_base", Bits: 32, Group: Segment})
	for _, l := range legacy {
		regs = append(regs, Reg{Name: l.w, Bits: 16, Group: General, Parent: l.e})
		if l.l != "" {
			regs = append(regs,
				Reg{Name: l.l, Bits: 8, Group: General, Parent: l.e},
				Reg{Name: l.h, Bits: 8, Group: General, Parent: l.e, Shift: 8})
		}
	}
	regs = append(regs, x87SSE(8)...)
	return append(regs, opmask()...)
}

// x87SSE is the x87 and SSE state gdb names on x86 (st0-st7 as 80-bit
// values, fctrl fstat ftag fop, xmm0-xmm(n-1), mxcsr): what an FXSAVE
// area holds, less the x87 instruction and operand pointers.
func x87SSE(nxmm int) []Reg {
	var regs []Reg
	for i := 0; i < 8; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("st%d", i), Bits: 80, Group: Float})
	}
	for _, n := range []string{"fctrl", "fstat", "ftag", "fop"} {
		regs = append(regs, Reg{Name: n, Bits: 16, Group: Float})
	}
	for i := 0; i < nxmm; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("xmm%d", i), Bits: 128, Group: Vector})
	}
	return append(regs, Reg{Name: "mxcsr", Bits: 32, Group: Vector})
}

// opmask is AVX-512's k0-k7 (64 bits each), which gdb lists among the
// general registers when the core's XCR0 enables them; optional, as most
// processors and every qemu-user core lack them.
func opmask() []Reg {
	var regs []Reg
	for i := 0; i < 8; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("k%d", i), Bits: 64, Group: General, Optional: true})
	}
	return regs
}
