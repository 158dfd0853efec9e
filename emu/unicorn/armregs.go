package unicorn

// #include <unicorn/unicorn.h>
import "C"

import "fmt"

// seq returns n registers named prefix+i with consecutive Unicorn ids from
// first (the headers number r0-r12, x0-x28, $0-$31, r0-r31 in a row).
func seq(prefix string, n int, first C.int, size int) []regDef {
	regs := make([]regDef, n)
	for i := range regs {
		regs[i] = regDef{fmt.Sprintf("%s%d", prefix, i), first + C.int(i), size}
	}
	return regs
}

// armRegs: gdb's general registers for armel and armhf (PLATFORMS.md),
// ids from unicorn/arm.h. Package cpu has no ARM file yet; extend this
// table to its names. Writing pc with bit 0 set selects Thumb (CPSR.T).
var armRegs = append(seq("r", 13, C.UC_ARM_REG_R0, 4),
	regDef{"sp", C.UC_ARM_REG_SP, 4},
	regDef{"lr", C.UC_ARM_REG_LR, 4},
	regDef{"pc", C.UC_ARM_REG_PC, 4},
	regDef{"cpsr", C.UC_ARM_REG_CPSR, 4},
)

// aarch64Regs: gdb's general registers for aarch64 (PLATFORMS.md) and
// tpidr (gdb's name for TPIDR_EL0, the thread pointer), ids from
// unicorn/arm64.h (x29 and x30 are numbered apart from x0-x28). gdb's
// cpsr is PSTATE. Package cpu has no aarch64 file yet.
var aarch64Regs = append(seq("x", 29, C.UC_ARM64_REG_X0, 8),
	regDef{"x29", C.UC_ARM64_REG_X29, 8},
	regDef{"x30", C.UC_ARM64_REG_X30, 8},
	regDef{"sp", C.UC_ARM64_REG_SP, 8},
	regDef{"pc", C.UC_ARM64_REG_PC, 8},
	regDef{"cpsr", C.UC_ARM64_REG_PSTATE, 4},
	regDef{"tpidr", C.UC_ARM64_REG_TPIDR_EL0, 8},
)

// armGPRs: QEMU's env->regs[0..14] (r15, the pc, is left to Unicorn).
var armGPRs = []string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7",
	"r8", "r9", "r10", "r11", "r12", "sp", "lr"}

// aarch64GPRs: QEMU's env->xregs[0..30] (xregs[31] is sp, left to Unicorn).
var aarch64GPRs = func() []string {
	var n []string
	for i := 0; i <= 30; i++ {
		n = append(n, fmt.Sprintf("x%d", i))
	}
	return n
}()
