package load

import (
	"encoding/binary"
	"fmt"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/platform"
)

// MIPS: pr_reg is elf_gregset_t, ELF_NGREG 45 words on every MIPS (Linux
// arch/mips/include/asm/elf.h), filled by elf_dump_regs at the EF_*
// indexes of arch/mips/include/asm/reg.h, which differ by word size:
//
//   - o32 (mips, mipsel; CONFIG_32BIT): EF_R0 = 6 (six unused words), r0-r31,
//     then lo, hi, cp0_epc, cp0_badvaddr, cp0_status, cp0_cause, one unused
//     word (EF_UNUSED0 = 44). NT_PRSTATUS: 72 + 45*4 + 4 = 0x100.
//   - n64 (mips64, mips64el; CONFIG_64BIT): EF_R0 = 0: r0-r31, lo, hi,
//     cp0_epc, cp0_badvaddr, cp0_status, cp0_cause, then seven unused
//     words. NT_PRSTATUS: 112 + 45*8 + 4, padded: 0x1e0.
//
// qemu-user follows the same indexes (linux-user/elfload.c TARGET_EF_R0)
// and, like the kernel, writes 0 for k0 and k1. gdb names cp0_epc pc,
// cp0_badvaddr bad, cp0_status sr (mips-linux-tdep.c). Each slot is one
// word of the guest's byte order: a 64-bit big-endian core holds whole
// big-endian doublewords.
//
// FP: NT_FPREGSET is elf_fpregset_t, 33 doublewords: f0-f31 (elf_fpreg_t,
// guest order) then FCSR and FIR as two u32 (arch/mips/kernel/ptrace.c
// fpr_get). Kernel cores only: qemu-user writes none.
var (
	mipsArch   = mipsRow(platform.MIPS, 6, 0x100)
	mips64Arch = mipsRow(platform.MIPS64, 0, 0x1e0)
)

func mipsRow(p *platform.Platform, r0, size int) *arch {
	regs := make([]string, 45)
	copy(regs[r0:], cpu.MIPSRegNames(p))
	copy(regs[r0+32:], []string{"lo", "hi", "pc", "bad", "sr", "cause"})
	return &arch{
		Regs:         regs,
		PrstatusSize: size,
		FP:           []fpNote{{Type: NT_FPREGSET, Size: 264, Decode: mipsFP}},
	}
}

// mipsFP decodes NT_FPREGSET in the byte order of the core (the CPU's
// platform).
func mipsFP(c *cpu.CPU, b []byte) error {
	return fpWords(c, c.File.Platform.ByteOrder, b, "fsr", "fir")
}

// fpWords sets f0-f31 from 32 doublewords of b in order o, then each of
// the named 32-bit registers from the u32 words after them.
func fpWords(c *cpu.CPU, o binary.ByteOrder, b []byte, ctl ...string) error {
	for i := 0; i < 32; i++ {
		if err := c.Set(fmt.Sprintf("f%d", i), o.Uint64(b[8*i:])); err != nil {
			return err
		}
	}
	for i, n := range ctl {
		if err := c.Set(n, uint64(o.Uint32(b[256+4*i:]))); err != nil {
			return err
		}
	}
	return nil
}
