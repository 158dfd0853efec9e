package load

import (
	"debug/elf"
	"encoding/binary"
	"fmt"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/platform"
)

// arch is what this package knows about one platform: data, and a few
// functions where platforms truly differ. One value per platform, in
// <platform>.go; arches is the table.
type arch struct {
	// Regs names the slots of pr_reg in NT_PRSTATUS (the kernel's
	// elf_gregset_t, one word each), in order, by gdb's register names;
	// "" marks a slot that is not kept.
	Regs []string
	// PrstatusSize is the size of the NT_PRSTATUS descriptor: the
	// generic header, pr_reg and pr_fpvalid, padded to a word.
	PrstatusSize int
	// FP lists the notes that carry a thread's FP/vector state, best
	// first; a better note replaces what a worse one set.
	FP []fpNote
	// XState decodes the extended state of an NT_X86_XSTATE note (past
	// its FXSAVE region) once all notes are read: layout is the
	// process's NT_X86_XSAVE_LAYOUT note, nil when the core has none.
	XState func(c *cpu.CPU, xstate, layout []byte) error
	// Imports finds the imports of an executable or library from its
	// dynamic relocations; nil when not written yet for the platform.
	Imports func(f *elf.File, dynsyms []elf.Symbol) ([]Import, error)

	// file overrides the platform's register file (tests of platforms
	// whose cpu table does not exist yet); nil means cpu.For.
	file *cpu.File
}

// fpNote decodes one kind of FP/vector note into a thread's registers.
type fpNote struct {
	Type   NoteType
	Size   int // minimum descriptor size
	Decode func(c *cpu.CPU, desc []byte) error
	// Aux marks a note of other per-thread registers (the thread
	// pointer in NT_ARM_TLS): it is decoded wherever it appears, takes
	// no part in the ranking and does not set Thread.HasFP.
	Aux bool
}

// arches is the table of platforms whose cores this package can read.
var arches = map[string]*arch{
	platform.AMD64.Name:    amd64Arch,
	platform.I386.Name:     i386Arch,
	platform.AArch64.Name:  aarch64Arch,
	platform.ARMEL.Name:    armArch,
	platform.ARMHF.Name:    armArch,
	platform.MIPS.Name:     mipsArch,
	platform.MIPSEL.Name:   mipsArch,
	platform.MIPS64.Name:   mips64Arch,
	platform.MIPS64EL.Name: mips64Arch,
	platform.PPC.Name:      ppcArch,
	platform.PPC64.Name:    ppc64Arch,
	platform.PPC64LE.Name:  ppc64Arch,
}

func archOf(p *platform.Platform) *arch { return arches[p.Name] }

// The generic struct elf_prstatus header (Linux
// include/uapi/linux/elfcore.h, the same shape on every platform, long =
// one word): struct elf_siginfo pr_info {int si_signo, si_code, si_errno};
// short pr_cursig (+ pad); unsigned long pr_sigpend, pr_sighold; pid_t
// pr_pid, pr_ppid, pr_pgrp, pr_sid; struct timeval pr_utime, pr_stime,
// pr_cutime, pr_cstime (two longs each); elf_gregset_t pr_reg; int
// pr_fpvalid.
type prstatusOffsets struct {
	signo, code, errno, cursig, sigpend, sighold, pid, ppid, pgrp, sid, reg int
}

func prstatusHeader(word int) prstatusOffsets {
	o := prstatusOffsets{signo: 0, code: 4, errno: 8, cursig: 12}
	o.sigpend = alignInt(14, word)
	o.sighold = o.sigpend + word
	o.pid = o.sigpend + 2*word
	o.ppid, o.pgrp, o.sid = o.pid+4, o.pid+8, o.pid+12
	o.reg = alignInt(o.pid+16, word) + 4*2*word // 72 on 32-bit, 112 on 64-bit
	return o
}

// prstatusSize is the descriptor size a layout of nregs words implies.
func prstatusSize(word, nregs int) int {
	return alignInt(prstatusHeader(word).reg+nregs*word+4, word)
}

func alignInt(n, a int) int { return (n + a - 1) / a * a }

// reloc is one dynamic relocation, class and byte order undone.
type reloc struct {
	Off    uint64 // r_offset: the slot the dynamic linker writes
	Sym    uint32 // symbol index in .dynsym
	Type   uint32
	Addend uint64 // r_addend of a RELA entry
	Rela   bool   // false: the addend is the slot's contents (REL)
}

// dynRelocs returns the relocations of every SHT_RELA and SHT_REL
// section that refers to the dynamic symbol table (in a static
// executable: every loaded one), in section order.
func dynRelocs(f *elf.File) ([]reloc, error) {
	dynsym := -1
	for i, s := range f.Sections {
		if s.Type == elf.SHT_DYNSYM {
			dynsym = i
			break
		}
	}
	var out []reloc
	for _, s := range f.Sections {
		if s.Type != elf.SHT_RELA && s.Type != elf.SHT_REL {
			continue
		}
		// A static executable has no .dynsym; its loaded relocation
		// sections (.rela.plt: IRELATIVE) are applied at start-up.
		if dynsym >= 0 && int(s.Link) != dynsym || dynsym < 0 && s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		data, err := safe(s.Data)
		if err != nil {
			return nil, fmt.Errorf("section %s: %w", s.Name, err)
		}
		rels, err := decodeRelocs(data, f.Class, f.ByteOrder, s.Type == elf.SHT_RELA)
		if err != nil {
			return nil, fmt.Errorf("section %s: %w", s.Name, err)
		}
		out = append(out, rels...)
	}
	return out, nil
}

// decodeRelocs decodes Elf32_Rel(a) / Elf64_Rel(a) entries (gABI
// "Relocation"): r_info is sym<<8|type on ELFCLASS32, sym<<32|type on
// ELFCLASS64.
func decodeRelocs(b []byte, class elf.Class, order binary.ByteOrder, rela bool) ([]reloc, error) {
	w := 4
	if class == elf.ELFCLASS64 {
		w = 8
	}
	size := 2 * w
	if rela {
		size += w
	}
	if len(b)%size != 0 {
		return nil, fmt.Errorf("%d bytes is not a whole number of %d-byte relocations", len(b), size)
	}
	out := make([]reloc, 0, len(b)/size)
	for i := 0; i+size <= len(b); i += size {
		var r reloc
		if w == 4 {
			info := order.Uint32(b[i+4:])
			r = reloc{Off: uint64(order.Uint32(b[i:])), Sym: info >> 8, Type: info & 0xff}
			if rela {
				r.Addend = uint64(int64(int32(order.Uint32(b[i+8:]))))
			}
		} else {
			info := order.Uint64(b[i+8:])
			r = reloc{Off: order.Uint64(b[i:]), Sym: uint32(info >> 32), Type: uint32(info)}
			if rela {
				r.Addend = order.Uint64(b[i+16:])
			}
		}
		r.Rela = rela
		out = append(out, r)
	}
	return out, nil
}

// importsByType makes an Import of every relocation of one of the given
// types that names a dynamic symbol.
func importsByType(rels []reloc, dynsyms []elf.Symbol, types ...uint32) []Import {
	var out []Import
	for _, r := range rels {
		want := false
		for _, t := range types {
			want = want || r.Type == t
		}
		if !want || r.Sym == 0 || int(r.Sym) > len(dynsyms) {
			continue
		}
		name := dynsyms[r.Sym-1].Name // DynamicSymbols drops the null symbol 0
		if name == "" {
			continue
		}
		out = append(out, Import{Name: name, GOT: r.Off})
	}
	return out
}
