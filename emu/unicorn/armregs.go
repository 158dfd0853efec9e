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

// armRegs: every register of package cpu's ARM file (armel and armhf)
// but those in armLacks, ids from unicorn/arm.h. Writing pc with bit 0 set
// selects Thumb (CPSR.T). tpidruro is TPIDRURO, cp15 c13 c0 3
// (UC_ARM_REG_C13_C0_3, deprecated in 2.x for UC_ARM_REG_CP_REG but kept
// in 2.0.1 and 2.1.1). s(2n) and s(2n+1) are the low and high halves of
// dn in Unicorn as in package cpu.
var armRegs = concat(seq("r", 13, C.UC_ARM_REG_R0, 4),
	[]regDef{
		{"sp", C.UC_ARM_REG_SP, 4},
		{"lr", C.UC_ARM_REG_LR, 4},
		{"pc", C.UC_ARM_REG_PC, 4},
		{"cpsr", C.UC_ARM_REG_CPSR, 4},
		{"tpidruro", C.UC_ARM_REG_C13_C0_3, 4},
		{"fpexc", C.UC_ARM_REG_FPEXC, 4},
		{"fpscr", C.UC_ARM_REG_FPSCR, 4},
	},
	seq("d", 32, C.UC_ARM_REG_D0, 8),
	seq("s", 32, C.UC_ARM_REG_S0, 4),
)

// armLacks: orig_r0 is the kernel's (the first argument of an
// interrupted system call, for restarting it).
var armLacks = []string{"orig_r0"}

// aarch64Regs: every register of package cpu's aarch64 file but those in
// aarch64Lacks, ids from unicorn/arm64.h (x29 and x30 are numbered apart
// from x0-x28). gdb's cpsr is PSTATE; tpidr is TPIDR_EL0, the thread
// pointer. Writing wN, qN, dN, sN, hN or bN keeps the rest of the
// register (Unicorn does not zero-extend), as package cpu does.
var aarch64Regs = concat(seq("x", 29, C.UC_ARM64_REG_X0, 8),
	[]regDef{
		{"x29", C.UC_ARM64_REG_X29, 8},
		{"x30", C.UC_ARM64_REG_X30, 8},
		{"sp", C.UC_ARM64_REG_SP, 8},
		{"pc", C.UC_ARM64_REG_PC, 8},
		{"cpsr", C.UC_ARM64_REG_PSTATE, 4},
		{"tpidr", C.UC_ARM64_REG_TPIDR_EL0, 8},
		{"cpacr_el1", C.UC_ARM64_REG_CPACR_EL1, 8},
		{"fpsr", C.UC_ARM64_REG_FPSR, 4},
		{"fpcr", C.UC_ARM64_REG_FPCR, 4},
	},
	seq("w", 31, C.UC_ARM64_REG_W0, 4),
	seq("v", 32, C.UC_ARM64_REG_V0, 16),
	seq("q", 32, C.UC_ARM64_REG_Q0, 16),
	seq("d", 32, C.UC_ARM64_REG_D0, 8),
	seq("s", 32, C.UC_ARM64_REG_S0, 4),
	seq("h", 32, C.UC_ARM64_REG_H0, 2),
	seq("b", 32, C.UC_ARM64_REG_B0, 1),
)

// aarch64Lacks: UC_ARM64_REG_WSP exists, but Unicorn 2.0.1 ignores
// writes to it and reads nothing, and 2.1.1 rejects it (UC_ERR_ARG).
var aarch64Lacks = []string{"wsp"}

func concat(tables ...[]regDef) []regDef {
	var out []regDef
	for _, t := range tables {
		out = append(out, t...)
	}
	return out
}

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
