package load

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/platform"
)

// armArch, for armel and armhf: pr_reg is struct pt_regs' uregs[18] (Linux
// arch/arm/include/uapi/asm/ptrace.h, ELF_NGREG 18 in asm/elf.h): r0-r15
// (r13 sp, r14 lr, r15 pc), cpsr, orig_r0; NT_PRSTATUS is 72 + 18*4 + 4
// bytes: 0x94.
//
// FP: NT_ARM_VFP is d0-d31 (u64 each) then u32 fpscr (260 bytes; Linux
// arch/arm/kernel/ptrace.c vfp_get); NT_ARM_TLS is tpidruro (4 bytes).
// Kernel cores only: qemu-user writes neither. NT_FPREGSET (the FPA
// emulator's struct user_fp) is not read.
var armArch = &arch{
	Regs: []string{
		"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12",
		"sp", "lr", "pc", "cpsr", "orig_r0",
	},
	PrstatusSize: 0x94,
	FP: []fpNote{
		{Type: NT_ARM_VFP, Size: 260, Decode: armVFP},
		{Type: NT_ARM_TLS, Size: 4, Decode: armTLS, Aux: true},
	},
}

func armVFP(c *cpu.CPU, b []byte) error {
	le := binary.LittleEndian
	for i := 0; i < 32; i++ {
		if err := c.Set(fmt.Sprintf("d%d", i), le.Uint64(b[8*i:])); err != nil {
			return err
		}
	}
	return c.Set("fpscr", uint64(le.Uint32(b[256:])))
}

func armTLS(c *cpu.CPU, b []byte) error {
	return c.Set("tpidruro", uint64(binary.LittleEndian.Uint32(b)))
}

// ARM e_flags of the float ABI (ARM ELF ABI, 5.2.1; glibc elf.h).
const (
	efARMABIFloatSoft = 0x200
	efARMABIFloatHard = 0x400
)

// armFloatABI tells armhf from armel for an ARM core, whose own e_flags
// say neither: it looks for an ELF header at the start of every PT_LOAD
// the core holds and returns ARMHF or ARMEL by the float ABI flag of the
// first EM_ARM header that has one; nil when no header says. Every object
// of a process has the same float ABI (glibc's ARM dynamic linker refuses
// a mismatch), so one header settles it. Which headers a core holds
// varies: qemu-user leaves out executable mappings that start with an ELF
// header, but keeps a writable one, such as the data segment of a small
// program, whose first page is the file's first page.
func armFloatABI(r io.ReaderAt, segs []Segment) *platform.Platform {
	var h [52]byte // Elf32_Ehdr
	for _, s := range segs {
		if s.Filesz < uint64(len(h)) {
			continue
		}
		if n, _ := r.ReadAt(h[:], int64(s.Off)); n != len(h) {
			continue
		}
		if string(h[:4]) != elf.ELFMAG || elf.Class(h[elf.EI_CLASS]) != elf.ELFCLASS32 || elf.Data(h[elf.EI_DATA]) != elf.ELFDATA2LSB ||
			elf.Machine(binary.LittleEndian.Uint16(h[18:])) != elf.EM_ARM {
			continue
		}
		switch flags := binary.LittleEndian.Uint32(h[36:]); {
		case flags&efARMABIFloatHard != 0:
			return platform.ARMHF
		case flags&efARMABIFloatSoft != 0:
			return platform.ARMEL
		}
	}
	return nil
}
