package cpu

import (
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// armel and armhf registers (one table: the float ABI does not change the
// register file): gdb's names (gdb/features/arm/arm-core.xml,
// arm-vfpv3.xml). orig_r0 is the kernel's (pr_reg slot 17). tpidruro is
// TPIDRURO (cp15 c13, c0, 3), the thread pointer, gdb's name from
// arm-tls.xml (NT_ARM_TLS in kernel cores). d0-d31 and fpscr are VFPv3-D32
// (NT_ARM_VFP); s0-s31 are the halves of d0-d15: s(2n) the low 32 bits of
// dn, s(2n+1) the high (Arm ARM A2.6.1, little-endian register view).
func init() {
	register(platform.ARMEL, armRegs)
	register(platform.ARMHF, armRegs)
}

func armRegs() []Reg {
	var regs []Reg
	for i := 0; i <= 12; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("r%d", i), Bits: 32, Group: General, GDB: true})
	}
	for _, n := range []string{"sp", "lr", "pc", "cpsr"} {
		regs = append(regs, Reg{Name: n, Bits: 32, Group: General, GDB: true})
	}
	regs = append(regs,
		Reg{Name: "orig_r0", Bits: 32, Group: System},
		Reg{Name: "tpidruro", Bits: 32, Group: System},
		// fpexc gates the VFP/NEON unit: Linux enables it for every
		// process, so a run sets it (package machine); no core note
		// records it.
		Reg{Name: "fpexc", Bits: 32, Group: System},
	)
	for i := 0; i < 32; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("d%d", i), Bits: 64, Group: Float})
	}
	regs = append(regs, Reg{Name: "fpscr", Bits: 32, Group: Float})
	for i := 0; i < 32; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("s%d", i), Bits: 32, Group: Float, Parent: fmt.Sprintf("d%d", i/2), Shift: 32 * (i % 2)})
	}
	return regs
}
