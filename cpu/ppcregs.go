package cpu

import (
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// PowerPC registers of ppc, ppc64 and ppc64le: gdb's names and order
// (gdb/features/rs6000/powerpc-32l.xml, powerpc-64l.xml: power-core.xml
// or power64-core.xml, power-fpu.xml, power-linux.xml). pc, msr, lr, ctr,
// orig_r3 and trap are a word wide, cr and xer 32 bits on every PowerPC.
// dar and dsisr are the kernel's fault address and status (pt_regs), not
// shown by gdb. The thread pointer is a GPR: r2 on ppc, r13 on ppc64.
// f0-f31 are 64 bits; fpscr is 32 bits, the low word of the 64-bit slot
// NT_PRFPREG keeps it in.
func init() {
	for _, p := range []*platform.Platform{platform.PPC, platform.PPC64, platform.PPC64LE} {
		register(p, func() []Reg { return ppcRegs(8 * p.WordSize) })
	}
}

func ppcRegs(bits int) []Reg {
	var regs []Reg
	for i := 0; i < 32; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("r%d", i), Bits: bits, Group: General, GDB: true})
	}
	for _, r := range []struct {
		name string
		bits int
	}{{"pc", bits}, {"msr", bits}, {"cr", 32}, {"lr", bits}, {"ctr", bits}, {"xer", 32}, {"orig_r3", bits}, {"trap", bits}} {
		regs = append(regs, Reg{Name: r.name, Bits: r.bits, Group: General, GDB: true})
	}
	regs = append(regs,
		Reg{Name: "dar", Bits: bits, Group: System},
		Reg{Name: "dsisr", Bits: bits, Group: System},
	)
	for i := 0; i < 32; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("f%d", i), Bits: 64, Group: Float})
	}
	return append(regs, Reg{Name: "fpscr", Bits: 32, Group: Float})
}
