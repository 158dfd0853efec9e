package unicorn

// #include <unicorn/unicorn.h>
import "C"

// ppcRegs: gdb's general registers for ppc (PLATFORMS.md), ids from
// unicorn/ppc.h; orig_r3 and trap are the kernel's and have no id.
var ppcRegs = append(seq("r", 32, C.UC_PPC_REG_0, 4),
	regDef{"pc", C.UC_PPC_REG_PC, 4},
	regDef{"msr", C.UC_PPC_REG_MSR, 4},
	regDef{"cr", C.UC_PPC_REG_CR, 4},
	regDef{"lr", C.UC_PPC_REG_LR, 4},
	regDef{"ctr", C.UC_PPC_REG_CTR, 4},
	regDef{"xer", C.UC_PPC_REG_XER, 4},
)

// ppcGPRs: QEMU's env->gpr[].
var ppcGPRs = func() []string {
	var n []string
	for _, r := range ppcRegs[:32] {
		n = append(n, r.name)
	}
	return n
}()
