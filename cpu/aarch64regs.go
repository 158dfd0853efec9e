package cpu

import (
	"fmt"

	"github.com/smallworld-go/smallworld/platform"
)

// aarch64 registers: gdb's names (gdb/features/aarch64-core.xml,
// aarch64-fpu.xml) and the Arm ARM's aliases: wN is the low 32 bits of
// xN, wsp of sp; qN, dN, sN, hN, bN are the low 128, 64, 32, 16, 8 bits
// of the vector register vN. gdb's cpsr is PSTATE as the kernel's
// user_pt_regs.pstate stores it, 32 bits wide in gdb. tpidr is TPIDR_EL0,
// the thread pointer (gdb's name, from aarch64-tls.xml; NT_ARM_TLS in
// kernel cores, absent from qemu-user cores).
func init() { register(platform.AArch64, aarch64Regs) }

func aarch64Regs() []Reg {
	var regs []Reg
	for i := 0; i <= 30; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("x%d", i), Bits: 64, Group: General, GDB: true})
	}
	regs = append(regs,
		Reg{Name: "sp", Bits: 64, Group: General, GDB: true},
		Reg{Name: "pc", Bits: 64, Group: General, GDB: true},
		Reg{Name: "cpsr", Bits: 32, Group: General, GDB: true},
		Reg{Name: "tpidr", Bits: 64, Group: System},
		// cpacr_el1 gates FP/SIMD (FPEN) and SVE (ZEN) below EL2: Linux
		// lets user processes use both, so a run sets it (package
		// machine); no core note records it.
		Reg{Name: "cpacr_el1", Bits: 64, Group: System},
	)
	for i := 0; i <= 30; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("w%d", i), Bits: 32, Group: General, Parent: fmt.Sprintf("x%d", i)})
	}
	regs = append(regs, Reg{Name: "wsp", Bits: 32, Group: General, Parent: "sp"})
	for i := 0; i < 32; i++ {
		regs = append(regs, Reg{Name: fmt.Sprintf("v%d", i), Bits: 128, Group: Vector})
	}
	regs = append(regs,
		Reg{Name: "fpsr", Bits: 32, Group: Float},
		Reg{Name: "fpcr", Bits: 32, Group: Float},
	)
	for _, a := range []struct {
		prefix string
		bits   int
	}{{"q", 128}, {"d", 64}, {"s", 32}, {"h", 16}, {"b", 8}} {
		for i := 0; i < 32; i++ {
			regs = append(regs, Reg{Name: fmt.Sprintf("%s%d", a.prefix, i), Bits: a.bits, Group: Vector, Parent: fmt.Sprintf("v%d", i)})
		}
	}
	return regs
}
