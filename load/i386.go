package load

import (
	"encoding/binary"
	"fmt"

	"github.com/smallworld-go/smallworld/cpu"
)

// i386Arch: pr_reg is struct user_regs_struct (Linux
// arch/x86/include/asm/user_32.h; glibc sysdeps/unix/sysv/linux/x86/sys/user.h),
// 17 words: ebx ecx edx esi edi ebp eax xds xes xfs xgs orig_eax eip xcs
// eflags esp xss; NT_PRSTATUS is 72 + 17*4 + 4 bytes: 0x90. The segment
// slots are words whose low 16 bits are the selector.
//
// FP: NT_PRXFPREG is struct user_fxsr_struct, the 512-byte FXSAVE area
// (Intel SDM vol. 1, FXSAVE, 32-bit format); NT_X86_XSTATE starts with the
// same area. Both are in kernel cores only; qemu-user writes none. The
// old NT_FPREGSET (user_i387_struct, FSAVE format) is not read.
var i386Arch = &arch{
	Regs: []string{
		"ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs", "gs",
		"orig_eax", "eip", "cs", "eflags", "esp", "ss",
	},
	PrstatusSize: 0x90,
	FP: []fpNote{
		{Type: NT_X86_XSTATE, Size: 512, Decode: fxsave32},
		{Type: NT_PRXFPREG, Size: 512, Decode: fxsave32},
	},
	XState: xstateExtended,
}

// fxsave32 decodes the FXSAVE area of a 32-bit thread: as fxsave (amd64)
// but with xmm0-xmm7 only.
func fxsave32(c *cpu.CPU, b []byte) error {
	le := binary.LittleEndian
	for _, f := range []struct {
		name string
		v    uint64
	}{
		{"fctrl", uint64(le.Uint16(b[0:]))},
		{"fstat", uint64(le.Uint16(b[2:]))},
		{"ftag", uint64(b[4])},
		{"fop", uint64(le.Uint16(b[6:]))},
		{"mxcsr", uint64(le.Uint32(b[24:]))},
	} {
		if err := c.Set(f.name, f.v); err != nil {
			return err
		}
	}
	for i := 0; i < 8; i++ {
		if err := c.SetBytes(fmt.Sprintf("st%d", i), b[32+16*i:32+16*i+10]); err != nil {
			return err
		}
	}
	for i := 0; i < 8; i++ {
		if err := c.SetBytes(fmt.Sprintf("xmm%d", i), b[160+16*i:160+16*i+16]); err != nil {
			return err
		}
	}
	return nil
}
