package load

import (
	"debug/elf"
	"errors"
	"fmt"
)

// slotRelocs lists, per platform, the dynamic relocation types whose
// r_offset is a code-pointer slot the dynamic linker fills with the
// address of the named symbol: the PLT's jump slots first, then GOT
// entries (psABI relocation tables: i386 R_386_JMP_SLOT 7 / GLOB_DAT 6;
// AArch64 R_AARCH64_JUMP_SLOT 1026 / GLOB_DAT 1025; ARM R_ARM_JUMP_SLOT
// 22 / GLOB_DAT 21; MIPS R_MIPS_JUMP_SLOT 127; PowerPC and PowerPC64
// R_PPC*_JMP_SLOT 21 / GLOB_DAT 20). amd64 has its own finder (amd64.go),
// which also finds the PLT entries.
var slotRelocs = map[string][]uint32{
	"i386":     {7, 6},
	"aarch64":  {1026, 1025},
	"armel":    {22, 21},
	"armhf":    {22, 21},
	"mips":     {127},
	"mipsel":   {127},
	"mips64":   {127},
	"mips64el": {127},
	"ppc":      {21, 20},
	"ppc64":    {21, 20},
	"ppc64le":  {21, 20},
}

// importsOf finds the imports of f: the platform's own finder where it
// has one, else its slot relocations, plus (MIPS) the global GOT.
func importsOf(e *ELF, f *elf.File, dynsyms []elf.Symbol) ([]Import, error) {
	if a := archOf(e.Platform); a != nil && a.Imports != nil {
		return a.Imports(f, dynsyms)
	}
	types, ok := slotRelocs[e.Platform.Name]
	if !ok {
		return nil, nil
	}
	rels, err := dynRelocs(f)
	if err != nil {
		return nil, err
	}
	imps := importsByType(rels, dynsyms, types...)
	if f.Machine == elf.EM_PPC && codePLT(f) {
		// The old "BSS PLT": the jump slots are PLT code the dynamic
		// linker rewrites, not pointers; hook the code itself.
		for i := range imps {
			imps[i].PLT, imps[i].GOT = imps[i].GOT, 0
		}
	}
	if f.Machine == elf.EM_MIPS {
		got, err := mipsGlobalGOT(f, dynsyms)
		if err != nil {
			return nil, err
		}
		imps = append(imps, got...)
	}
	return imps, nil
}

// codePLT reports whether the .plt section is executable code.
func codePLT(f *elf.File) bool {
	s := f.Section(".plt")
	return s != nil && s.Flags&elf.SHF_EXECINSTR != 0
}

// MIPS dynamic tags (MIPS psABI, "Dynamic Section").
const (
	dtMIPSLocalGOTNo = elf.DynTag(0x7000000a)
	dtMIPSGOTSym     = elf.DynTag(0x70000013)
)

// mipsGlobalGOT: MIPS code calls an external function through its global
// GOT entry (lw t9, %call16(f)(gp); jalr t9). The GOT starts at
// DT_PLTGOT with DT_MIPS_LOCAL_GOTNO local entries; then one entry per
// dynamic symbol from index DT_MIPS_GOTSYM on, in .dynsym order. Each
// undefined symbol there is an import.
func mipsGlobalGOT(f *elf.File, dynsyms []elf.Symbol) ([]Import, error) {
	one := func(tag elf.DynTag) (uint64, bool, error) {
		v, err := f.DynValue(tag)
		if err != nil {
			return 0, false, err
		}
		if len(v) == 0 {
			return 0, false, nil
		}
		return v[0], true, nil
	}
	got, ok1, err1 := one(elf.DT_PLTGOT)
	local, ok2, err2 := one(dtMIPSLocalGOTNo)
	gotsym, ok3, err3 := one(dtMIPSGOTSym)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("MIPS GOT: %w", err)
	}
	if !ok1 || !ok2 || !ok3 {
		return nil, nil // not a MIPS dynamic object with a GOT
	}
	word := uint64(4)
	if f.Class == elf.ELFCLASS64 {
		word = 8
	}
	var out []Import
	// dynsyms lacks the null symbol: dynsyms[i] is symbol index i+1.
	for idx := max(gotsym, 1); idx <= uint64(len(dynsyms)); idx++ {
		s := dynsyms[idx-1]
		if s.Section != elf.SHN_UNDEF || s.Name == "" {
			continue
		}
		out = append(out, Import{Name: s.Name, GOT: got + (local+idx-gotsym)*word})
	}
	return out, nil
}
