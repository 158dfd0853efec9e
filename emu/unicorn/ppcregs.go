package unicorn

// #include <unicorn/unicorn.h>
import "C"

// ppcTable: every register of package cpu's PowerPC files but those in
// ppcLacks, ids from unicorn/ppc.h; size is the word size (cr and xer are
// 32 bits on every PowerPC, f0-f31 64).
func ppcTable(size int) []regDef {
	return concat(seq("r", 32, C.UC_PPC_REG_0, size),
		[]regDef{
			{"pc", C.UC_PPC_REG_PC, size},
			{"msr", C.UC_PPC_REG_MSR, size},
			{"cr", C.UC_PPC_REG_CR, 4},
			{"lr", C.UC_PPC_REG_LR, size},
			{"ctr", C.UC_PPC_REG_CTR, size},
			{"xer", C.UC_PPC_REG_XER, 4},
		},
		seq("f", 32, C.UC_PPC_REG_FPR0, 8),
	)
}

var (
	ppcRegs = ppcTable(4)
	// ppc64Regs is for a Unicorn that runs PPC64 (2.0.1 does not).
	ppc64Regs = ppcTable(8)
)

// ppcLacks: orig_r3, trap, dar and dsisr are the kernel's (pt_regs) and
// have no id; UC_PPC_REG_FPSCR exists but reads 0 whatever was written
// (2.0.1 and 2.1.1).
var ppcLacks = []string{"orig_r3", "trap", "dar", "dsisr", "fpscr"}

// ppcGPRs: QEMU's env->gpr[].
var ppcGPRs = func() []string {
	var n []string
	for _, r := range ppcRegs[:32] {
		n = append(n, r.name)
	}
	return n
}()
