package load

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/smallworld-go/smallworld/cpu"
)

// amd64Arch: pr_reg is struct user_regs_struct (Linux
// arch/x86/include/asm/user_64.h; glibc sysdeps/unix/sysv/linux/x86/sys/user.h),
// 27 words; NT_PRSTATUS is 112 + 27*8 + 4 bytes, padded: 0x150.
var amd64Arch = &arch{
	Regs: []string{
		"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
		"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss",
		"fs_base", "gs_base", "ds", "es", "fs", "gs",
	},
	PrstatusSize: 0x150,
	FP: []fpNote{
		{Type: NT_FPREGSET, Size: 512, Decode: fxsave},   // struct user_i387_struct: the fxsave area
		{Type: NT_X86_XSTATE, Size: 512, Decode: fxsave}, // xsave area: legacy region first
	},
	XState:  xstateExtended,
	Imports: amd64Imports,
}

// fxsave decodes the 512-byte FXSAVE area (Intel SDM vol. 1, "FXSAVE
// Save x87 FPU, MMX, SSE state", 64-bit format; Linux struct
// user_i387_struct): fcw @0, fsw @2, abridged ftw @4 (kept as is), fop
// @6, mxcsr @24, st0-st7 as 80-bit values in 16-byte slots from @32,
// xmm0-xmm15 from @160.
func fxsave(c *cpu.CPU, b []byte) error {
	le := binary.LittleEndian
	set := func(name string, v uint64) error { return c.Set(name, v) }
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
		if err := set(f.name, f.v); err != nil {
			return err
		}
	}
	for i := 0; i < 8; i++ {
		if err := c.SetBytes(fmt.Sprintf("st%d", i), b[32+16*i:32+16*i+10]); err != nil {
			return err
		}
	}
	for i := 0; i < 16; i++ {
		if err := c.SetBytes(fmt.Sprintf("xmm%d", i), b[160+16*i:160+16*i+16]); err != nil {
			return err
		}
	}
	return nil
}

// x86-64 psABI relocation types.
const (
	rX86_64_GLOB_DAT  = 6
	rX86_64_JUMP_SLOT = 7
)

// amd64Imports: R_X86_64_JUMP_SLOT and R_X86_64_GLOB_DAT relocations give
// the GOT slots; the PLT entries are found by decoding the indirect jumps
// of .plt, .plt.sec and .plt.got.
func amd64Imports(f *elf.File, dynsyms []elf.Symbol) ([]Import, error) {
	rels, err := dynRelocs(f)
	if err != nil {
		return nil, err
	}
	imps := importsByType(rels, dynsyms, rX86_64_JUMP_SLOT, rX86_64_GLOB_DAT)
	if len(imps) == 0 {
		return nil, nil
	}
	slots := map[uint64][]int{}
	for i, im := range imps {
		slots[im.GOT] = append(slots[im.GOT], i)
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_EXECINSTR == 0 || !strings.HasPrefix(s.Name, ".plt") {
			continue
		}
		code, err := safe(s.Data)
		if err != nil {
			return nil, fmt.Errorf("section %s: %w", s.Name, err)
		}
		for _, e := range amd64PLTEntries(code, s.Addr) {
			for _, i := range slots[e.slot] {
				if imps[i].PLT == 0 {
					imps[i].PLT = e.addr
				}
			}
		}
	}
	return imps, nil
}

type pltEntry struct{ addr, slot uint64 }

var endbr64 = []byte{0xf3, 0x0f, 0x1e, 0xfa}

// amd64PLTEntries finds the PLT entries in code loaded at addr: each is
// `jmp *disp32(%rip)` (ff 25 disp32), possibly after a bnd prefix (f2)
// and an endbr64 (f3 0f 1e fa), starting on an 8-byte boundary (PLT
// entries are 16 bytes, .plt.got entries 8 or 16). The slot is the jump's
// memory operand: the end of the instruction plus disp32.
func amd64PLTEntries(code []byte, addr uint64) []pltEntry {
	var out []pltEntry
	for i := 0; i+6 <= len(code); i++ {
		if code[i] != 0xff || code[i+1] != 0x25 {
			continue
		}
		start := i
		if start >= 1 && code[start-1] == 0xf2 {
			start--
		}
		if start >= 4 && bytes.Equal(code[start-4:start], endbr64) {
			start -= 4
		}
		if (addr+uint64(start))%8 != 0 {
			continue
		}
		disp := int64(int32(binary.LittleEndian.Uint32(code[i+2:])))
		out = append(out, pltEntry{addr: addr + uint64(start), slot: addr + uint64(i+6) + uint64(disp)})
	}
	return out
}
