package load

import (
	"fmt"

	"github.com/smallworld-go/smallworld/cpu"
)

// PowerPC: pr_reg is struct pt_regs as ELF_NGREG 48 words (Linux
// arch/powerpc/include/uapi/asm/ptrace.h and elf.h): gpr0-gpr31, nip, msr,
// orig_gpr3, ctr, link, xer, ccr, softe (mq on 32-bit), trap, dar, dsisr,
// result, then four unused words. NT_PRSTATUS: 72 + 48*4 + 4 = 0x10c on
// ppc, 112 + 48*8 + 4 = 0x1f8 on ppc64 and ppc64le. Each slot is one word
// of the guest's byte order; cr and xer, 32 bits in gdb, are the low half
// of theirs (on big-endian 64-bit, the second four bytes of the slot).
//
// FP: NT_PRFPREG (type 2) is fpr0-fpr31 then fpscr, each a doubleword
// (struct thread_fp_state); fpscr is the low 32 bits of its doubleword.
// Kernel cores only: qemu-user writes none.
var (
	ppcArch   = ppcRow(0x10c)
	ppc64Arch = ppcRow(0x1f8)
)

func ppcRow(size int) *arch {
	regs := make([]string, 48)
	for i := 0; i < 32; i++ {
		regs[i] = fmt.Sprintf("r%d", i)
	}
	copy(regs[32:], []string{"pc", "msr", "orig_r3", "ctr", "lr", "xer", "cr", "", "trap", "dar", "dsisr"})
	return &arch{
		Regs:         regs,
		PrstatusSize: size,
		FP:           []fpNote{{Type: NT_FPREGSET, Size: 264, Decode: ppcFP}},
	}
}

// ppcFP decodes NT_PRFPREG in the byte order of the core.
func ppcFP(c *cpu.CPU, b []byte) error {
	o := c.File.Platform.ByteOrder
	if err := fpWords(c, o, b); err != nil {
		return err
	}
	return c.Set("fpscr", o.Uint64(b[256:])&0xffffffff)
}
