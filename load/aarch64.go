package load

import (
	"encoding/binary"
	"fmt"

	"github.com/smallworld-go/smallworld/cpu"
)

// aarch64Arch: pr_reg is struct user_pt_regs (Linux
// arch/arm64/include/uapi/asm/ptrace.h): x0-x30, sp, pc, pstate, 34 words;
// NT_PRSTATUS is 112 + 34*8 + 4 bytes, padded: 0x188. gdb calls pstate
// cpsr and shows its low 32 bits.
//
// FP: NT_FPREGSET is struct user_fpsimd_state (same header): 32 128-bit
// vregs, then u32 fpsr and fpcr (528 bytes). NT_ARM_TLS is tpidr_el0 (8
// bytes; 16 with TPIDR2 on newer kernels). Kernel cores only: qemu-user
// writes neither.
var aarch64Arch = &arch{
	Regs: func() []string {
		var n []string
		for i := 0; i <= 30; i++ {
			n = append(n, fmt.Sprintf("x%d", i))
		}
		return append(n, "sp", "pc", "cpsr")
	}(),
	PrstatusSize: 0x188,
	FP: []fpNote{
		{Type: NT_FPREGSET, Size: 520, Decode: aarch64FPSIMD},
		{Type: NT_ARM_TLS, Size: 8, Decode: aarch64TLS, Aux: true},
	},
}

func aarch64FPSIMD(c *cpu.CPU, b []byte) error {
	for i := 0; i < 32; i++ {
		if err := c.SetBytes(fmt.Sprintf("v%d", i), b[16*i:16*i+16]); err != nil {
			return err
		}
	}
	le := binary.LittleEndian
	if err := c.Set("fpsr", uint64(le.Uint32(b[512:]))); err != nil {
		return err
	}
	return c.Set("fpcr", uint64(le.Uint32(b[516:])))
}

func aarch64TLS(c *cpu.CPU, b []byte) error {
	return c.Set("tpidr", binary.LittleEndian.Uint64(b))
}
