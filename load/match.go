package load

import (
	"debug/elf"
	"errors"
	"fmt"

	"github.com/smallworld-go/smallworld/memory"
)

// MatchExe checks that e is the core's main executable and returns its
// load base: ExeBase (AT_PHDR, AT_ENTRY, AT_PHNUM agree with the file),
// then Verify (the file's read-only bytes the core holds are equal), and
// where the core holds none of those (qemu-user cores leave text out on
// most platforms) the tags of the dynamic section the process had where
// the file puts it. compared is false when neither byte check was
// possible and the auxv was the whole evidence. Call
// SetPlatform(e.Platform) first.
func (c *Core) MatchExe(e *ELF) (base uint64, compared bool, err error) {
	if base, err = c.ExeBase(e); err != nil {
		return 0, false, err
	}
	switch err := c.Verify(e, base); {
	case errors.Is(err, ErrNothingToCompare):
	case err != nil:
		return 0, false, err
	default:
		return base, true, nil
	}
	dyn, err := c.matchDynamic(e, base)
	if err != nil {
		return 0, false, err
	}
	relro, err := c.matchRelro(e, base)
	if err != nil {
		return 0, false, err
	}
	return base, dyn || relro, nil
}

// relativeRelocs is each machine's R_*_RELATIVE type (the psABIs): the
// slot gets the load base plus the addend.
var relativeRelocs = map[elf.Machine]uint32{
	elf.EM_X86_64:  8,
	elf.EM_386:     8,
	elf.EM_AARCH64: 1027,
	elf.EM_ARM:     23,
	elf.EM_PPC:     22,
	elf.EM_PPC64:   22,
}

// matchRelro checks the RELATIVE relocations inside PT_GNU_RELRO: data
// the dynamic linker relocated and then made read-only, so the process
// cannot have changed it since. Each such slot the core holds must be
// base plus its addend (code pointers, among them ppc64's function
// descriptors: they differ between builds even where layouts agree).
func (c *Core) matchRelro(e *ELF, base uint64) (bool, error) {
	typ, ok := relativeRelocs[c.Platform.Machine]
	if !ok || e.Relro.Memsz == 0 || c.r == nil || e.r == nil {
		return false, nil
	}
	w := uint64(c.word())
	order := c.Platform.ByteOrder
	mask := c.Platform.WordMask()
	compared := false
	buf := make([]byte, w)
	for _, r := range e.relocs {
		if r.Type != typ || r.Off < e.Relro.Vaddr || r.Off+w > e.Relro.Vaddr+e.Relro.Memsz {
			continue
		}
		coreOff, ok := c.fileOffset(base+r.Off, w)
		if !ok {
			continue
		}
		addend := r.Addend
		if !r.Rela {
			fo, ok := e.fileOffset(r.Off, w)
			if !ok {
				continue
			}
			if err := readFull(e.r, buf, fo); err != nil {
				return false, fmt.Errorf("match %s: %w", e.Path, err)
			}
			addend = memory.Decode(order, buf)
		}
		if err := readFull(c.r, buf, coreOff); err != nil {
			return false, fmt.Errorf("match %s: read core %s at %#x: %w", e.Path, c.Path, coreOff, err)
		}
		want, got := (base+addend)&mask, memory.Decode(order, buf)
		if got != want {
			return false, fmt.Errorf("%s does not match core %s: the relocated pointer at %#x is %#x in the core, the file makes it %#x: %w",
				e.Path, c.Path, base+r.Off, got, want, ErrMismatch)
		}
		compared = true
	}
	return compared, nil
}

// fileOffset returns where the file holds the n bytes at vaddr.
func (e *ELF) fileOffset(vaddr, n uint64) (uint64, bool) {
	return segmentOffset(e.Segments, vaddr, n)
}

// matchDynamic compares the d_tag of every entry of e's dynamic section
// (to DT_NULL) with the core's memory at base+DynamicVaddr. The values
// are left alone: the dynamic linker relocates some of them in place.
// It reports whether the core had the bytes to compare.
func (c *Core) matchDynamic(e *ELF, base uint64) (bool, error) {
	if e.DynamicVaddr == 0 || c.r == nil || e.r == nil {
		return false, nil
	}
	fileOff, ok := e.fileOffset(e.DynamicVaddr, 1)
	if !ok {
		return false, nil
	}
	addr := base + e.DynamicVaddr
	w := uint64(c.word())
	order := c.Platform.ByteOrder
	for i := uint64(0); i < 4096; i++ {
		at := addr + 2*w*i
		coreOff, ok := c.fileOffset(at, w)
		if !ok {
			return i > 0, nil // the core has no more of it: what was there matched
		}
		fb, cb := make([]byte, w), make([]byte, w)
		if err := readFull(e.r, fb, fileOff+2*w*i); err != nil {
			return false, fmt.Errorf("match %s: read its dynamic section: %w", e.Path, err)
		}
		if err := readFull(c.r, cb, coreOff); err != nil {
			return false, fmt.Errorf("match %s: read core %s at %#x: %w", e.Path, c.Path, coreOff, err)
		}
		ft, ct := memory.Decode(order, fb), memory.Decode(order, cb)
		if ft != ct {
			return false, fmt.Errorf("%s does not match core %s: its dynamic section (at %#x in the process) has tag %#x in entry %d where the core has %#x: %w",
				e.Path, c.Path, addr, ft, i, ct, ErrMismatch)
		}
		if ft == 0 { // DT_NULL
			return true, nil
		}
	}
	return true, nil
}

// fileOffset returns where the core file holds the n bytes at addr.
func (c *Core) fileOffset(addr, n uint64) (uint64, bool) {
	return segmentOffset(c.Segments, addr, n)
}

// segmentOffset returns the file offset of the n bytes at vaddr when one
// segment's file contents hold them all.
func segmentOffset(segs []Segment, vaddr, n uint64) (uint64, bool) {
	for _, s := range segs {
		if vaddr >= s.Vaddr && vaddr-s.Vaddr <= s.Filesz && n <= s.Filesz-(vaddr-s.Vaddr) {
			return s.Off + (vaddr - s.Vaddr), true
		}
	}
	return 0, false
}

// Reloc is a dynamic relocation of an executable or library.
type Reloc struct {
	Off    uint64 // the slot, unrelocated
	Type   uint32 // the psABI's type number
	Sym    uint32 // .dynsym index, 0 for none
	Addend uint64 // r_addend of a RELA entry
	Rela   bool   // false: the addend is the slot's contents (REL)
	Name   string // the symbol's name, "" for none
}

// Relocs returns the file's dynamic relocations.
func (e *ELF) Relocs() []Reloc {
	out := make([]Reloc, len(e.relocs))
	for i, r := range e.relocs {
		out[i] = Reloc{Off: r.Off, Type: r.Type, Sym: r.Sym, Addend: r.Addend, Rela: r.Rela}
		if r.Sym > 0 && int(r.Sym) <= len(e.dynNames) {
			out[i].Name = e.dynNames[r.Sym-1]
		}
	}
	return out
}
