package load

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// Segment is one PT_LOAD: the memory range [Vaddr, Vaddr+Memsz) whose
// first Filesz bytes are the file's bytes [Off, Off+Filesz); the rest is
// zero (bss) or, in a core, not dumped.
type Segment struct {
	Vaddr, Memsz, Off, Filesz uint64
	Perm                      memory.Perm
}

// End returns the first address past the segment (0 for a segment that
// ends at the top of the address space).
func (s Segment) End() uint64 { return s.Vaddr + s.Memsz }

// Symbol is a symbol definition; Value is unrelocated (add the load base
// of a PIE or library).
type Symbol struct {
	Name        string
	Value, Size uint64
	Func        bool // STT_FUNC or STT_GNU_IFUNC
	IFunc       bool // STT_GNU_IFUNC: Value is the resolver, not the function
	Dynamic     bool // from .dynsym (else .symtab)
	Version     string
	Hidden      bool // a non-default version (name@VERSION, not name@@VERSION)
	// LocalEntry is the offset of a ppc64 ELFv2 function's local entry
	// point, where calls from its own module enter (past the TOC set-up
	// of the global entry at Value); 0 elsewhere.
	LocalEntry uint64
}

// Import is a symbol the dynamic linker binds through a GOT slot.
// Addresses are unrelocated.
type Import struct {
	Name string
	GOT  uint64 // the slot the dynamic linker writes the address into
	PLT  uint64 // the PLT entry that jumps through GOT; 0 when there is none
}

// ELF is an executable or shared library, as data.
type ELF struct {
	Path     string
	Platform *platform.Platform
	Type     elf.Type
	Entry    uint64
	Flags    uint32 // e_flags

	Segments []Segment // the PT_LOADs, in file order
	// PhdrVaddr is the unrelocated address of the program headers in
	// memory: PT_PHDR's, or computed from the PT_LOAD holding e_phoff;
	// 0 when they are not loaded.
	PhdrVaddr uint64
	Phnum     int

	Interp       string // PT_INTERP, "" for a static executable or library
	BuildID      []byte // NT_GNU_BUILD_ID, nil when absent
	DynamicVaddr uint64 // PT_DYNAMIC's vaddr, 0 when absent
	// Relro is PT_GNU_RELRO: data the dynamic linker relocates and then
	// makes read-only (Memsz 0 when absent).
	Relro Segment

	Symbols []Symbol // definitions: .symtab first, then .dynsym
	Imports []Import

	r     io.ReaderAt
	f     *os.File // set by OpenELF; Close closes it
	size  int64    // -1 when unknown
	index map[string]int
	imps  map[string]int

	relocs   []reloc  // dynamic relocations (MatchExe checks RELRO with them)
	dynNames []string // .dynsym names: dynNames[i-1] is symbol index i
}

const opELF = "load elf"

// OpenELF opens and parses an ELF file; the file stays open for Regions
// until Close.
func OpenELF(path string) (*ELF, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opELF, err)
	}
	e, err := parseELF(f, sizeOf(f), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	e.f = f
	return e, nil
}

// ParseELF parses an ELF file from r; name is used in messages and as
// Path. The result reads r for Regions and Verify: keep r valid.
func ParseELF(r io.ReaderAt, name string) (*ELF, error) {
	return parseELF(r, sizeOf(r), name)
}

// Close releases the file. Regions already made stay valid.
func (e *ELF) Close() error {
	e.r = nil
	if e.f == nil {
		return nil
	}
	err := e.f.Close()
	e.f = nil
	return err
}

func parseELF(r io.ReaderAt, size int64, name string) (*ELF, error) {
	h, err := readHeader(r, opELF, name)
	if err != nil {
		return nil, err
	}
	f, err := newFile(r, opELF, name)
	if err != nil {
		return nil, err
	}
	p, err := platform.FromELF(f.Machine, f.Class, f.Data, h.flags)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", opELF, name, err)
	}
	e := &ELF{Path: name, Platform: p, Type: f.Type, Entry: f.Entry, Flags: h.flags, Phnum: len(f.Progs), r: r, size: size}

	hasPhdr := false
	for i, pr := range f.Progs {
		what := fmt.Sprintf("%v %d", pr.Type, i)
		switch pr.Type {
		case elf.PT_LOAD:
			if err := checkRange(r, size, pr.Off, pr.Filesz, opELF, name, what, "truncated file?"); err != nil {
				return nil, err
			}
			if pr.Filesz > pr.Memsz {
				return nil, formatErr(opELF, name, int64(min(pr.Off, 1<<62)), nil, "%s: file size %#x exceeds memory size %#x", what, pr.Filesz, pr.Memsz)
			}
			if end := pr.Vaddr + pr.Memsz; end < pr.Vaddr && end != 0 {
				return nil, formatErr(opELF, name, -1, nil, "%s at %#x: memory size %#x wraps around the address space", what, pr.Vaddr, pr.Memsz)
			}
			e.Segments = append(e.Segments, Segment{Vaddr: pr.Vaddr, Memsz: pr.Memsz, Off: pr.Off, Filesz: pr.Filesz, Perm: permOf(pr.Flags)})
		case elf.PT_PHDR:
			e.PhdrVaddr, hasPhdr = pr.Vaddr, true
		case elf.PT_DYNAMIC:
			e.DynamicVaddr = pr.Vaddr
		case elf.PT_GNU_RELRO:
			e.Relro = Segment{Vaddr: pr.Vaddr, Memsz: pr.Memsz, Off: pr.Off, Filesz: pr.Filesz, Perm: permOf(pr.Flags)}
		case elf.PT_INTERP:
			b, err := readRange(r, size, pr.Off, min(pr.Filesz, 4096), opELF, name, what, "truncated file?")
			if err != nil {
				return nil, err
			}
			e.Interp = cstring(b)
		case elf.PT_NOTE:
			if e.BuildID != nil {
				continue
			}
			b, err := readRange(r, size, pr.Off, pr.Filesz, opELF, name, what, "truncated file?")
			if err != nil {
				return nil, err
			}
			notes, err := parseNotes(b, f.ByteOrder, pr.Align, int64(pr.Off), opELF, name)
			if err != nil {
				return nil, err
			}
			for _, n := range notes {
				if n.Name == "GNU" && n.Type == NT_GNU_BUILD_ID {
					e.BuildID = append([]byte{}, n.Desc...)
					break
				}
			}
		}
	}
	if !hasPhdr && e.Phnum > 0 {
		for _, s := range e.Segments {
			if h.phoff >= s.Off && h.phoff-s.Off < s.Filesz {
				e.PhdrVaddr = s.Vaddr + (h.phoff - s.Off)
				break
			}
		}
	}
	if err := e.readSymbols(f); err != nil {
		return nil, err
	}
	return e, nil
}

// readSymbols fills Symbols and Imports and their indexes.
func (e *ELF) readSymbols(f *elf.File) error {
	syms, err := safe(f.Symbols)
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return elfErr(opELF, e.Path, fmt.Errorf(".symtab: %w", err))
	}
	for _, s := range syms {
		e.addSymbol(s, false)
	}
	dyn, err := safe(f.DynamicSymbols)
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return elfErr(opELF, e.Path, fmt.Errorf(".dynsym: %w", err))
	}
	for _, s := range dyn {
		e.addSymbol(s, true)
		e.dynNames = append(e.dynNames, s.Name)
	}
	e.index = map[string]int{}
	for i, s := range e.Symbols {
		j, ok := e.index[s.Name]
		if !ok || better(s, e.Symbols[j]) {
			e.index[s.Name] = i
		}
	}
	if rels, err := dynRelocs(f); err == nil {
		e.relocs = rels
	}
	if len(dyn) > 0 {
		imps, err := importsOf(e, f, dyn)
		if err != nil {
			return elfErr(opELF, e.Path, fmt.Errorf("imports: %w", err))
		}
		e.Imports = imps
	}
	e.imps = map[string]int{}
	for i, im := range e.Imports {
		j, ok := e.imps[im.Name]
		if !ok || (e.Imports[j].PLT == 0 && im.PLT != 0) {
			e.imps[im.Name] = i
		}
	}
	return nil
}

// better reports whether a should be Lookup's answer rather than b: a
// non-zero value first, then a default version.
func better(a, b Symbol) bool {
	if (a.Value != 0) != (b.Value != 0) {
		return a.Value != 0
	}
	return !a.Hidden && b.Hidden
}

func (e *ELF) addSymbol(s elf.Symbol, dynamic bool) {
	typ := elf.ST_TYPE(s.Info)
	if s.Section == elf.SHN_UNDEF || s.Name == "" || typ == elf.STT_SECTION || typ == elf.STT_FILE {
		return
	}
	e.Symbols = append(e.Symbols, Symbol{
		Name: s.Name, Value: s.Value, Size: s.Size,
		Func:    typ == elf.STT_FUNC || typ == elf.STT_GNU_IFUNC,
		IFunc:   typ == elf.STT_GNU_IFUNC,
		Dynamic: dynamic,
		Version: s.Version,
		Hidden:  s.HasVersion && s.VersionIndex.IsHidden(),
	})
	if e.Platform != nil && e.Platform.Machine == elf.EM_PPC64 && typ == elf.STT_FUNC {
		e.Symbols[len(e.Symbols)-1].LocalEntry = ppc64LocalEntry(s.Other)
	}
}

// ppc64LocalEntry decodes the local entry offset st_other holds in its
// bits 5-7 (the ELFv2 ABI, "Symbol Values"): v <= 1 is none, 2..6 is
// 1<<v bytes, rounded down to whole instructions.
func ppc64LocalEntry(other uint8) uint64 {
	v := other >> 5 & 7
	return uint64(1) << v >> 2 << 2
}

// Lookup returns the definition of a symbol from .symtab or .dynsym,
// preferring one with a non-zero value, then a default version.
func (e *ELF) Lookup(name string) (Symbol, bool) {
	i, ok := e.index[name]
	if !ok {
		return Symbol{}, false
	}
	return e.Symbols[i], true
}

// Import returns the import of a symbol, preferring one with a PLT entry.
func (e *ELF) Import(name string) (Import, bool) {
	i, ok := e.imps[name]
	if !ok {
		return Import{}, false
	}
	return e.Imports[i], true
}

// Regions maps each PT_LOAD at base+Vaddr, widened to whole pages, as
// the kernel's loader does: the file pages are a private mapping of the
// file (memory.MapFile), not copies; bytes past Filesz are zero. base
// must be page aligned (0 for ET_EXEC). Regions are named e.Path. An ELF
// made by ParseELF from something other than an *os.File is copied.
// Segments that share a page give overlapping regions.
func (e *ELF) Regions(base uint64) ([]*memory.Region, error) {
	if e.r == nil {
		return nil, fmt.Errorf("regions of %s: %w", e.Path, ErrClosed)
	}
	ps := memory.PageSize
	if base%ps != 0 {
		return nil, fmt.Errorf("regions of %s: base %#x is not page aligned", e.Path, base)
	}
	file, _ := e.r.(*os.File)
	var out []*memory.Region
	fail := func(err error) ([]*memory.Region, error) {
		for _, r := range out {
			r.Release()
		}
		return nil, err
	}
	for i, s := range e.Segments {
		if s.Memsz == 0 {
			continue
		}
		addr := base + s.Vaddr
		start := addr &^ (ps - 1)
		lead := addr - start
		size := lead + s.Memsz
		if size < s.Memsz {
			return fail(fmt.Errorf("regions of %s: segment %d at %#x does not fit the address space", e.Path, i, addr))
		}
		var r *memory.Region
		var err error
		switch {
		case file != nil && s.Off%ps == lead:
			r, err = memory.MapFile(file, int64(s.Off-lead), lead+s.Filesz, size, start, s.Perm, e.Path)
		default:
			r, err = memory.Alloc(start, size, s.Perm, e.Path)
			if err == nil && s.Filesz > 0 {
				if file != nil {
					err = r.OverlayFile(lead, file, int64(s.Off), s.Filesz)
				} else {
					_, err = e.r.ReadAt(r.Data[lead:lead+s.Filesz], int64(s.Off))
				}
				if err != nil {
					r.Release()
				}
			}
		}
		if err != nil {
			return fail(fmt.Errorf("regions of %s: segment %d at %#x: %w", e.Path, i, addr, err))
		}
		out = append(out, r)
	}
	return out, nil
}

// ImportsNamed returns every import of a symbol: a symbol can be reached
// through several slots (a PLT jump slot and a GOT entry; MIPS's PLT and
// global GOT), and a hook must cover them all.
func (e *ELF) ImportsNamed(name string) []Import {
	var out []Import
	for _, im := range e.Imports {
		if im.Name == name {
			out = append(out, im)
		}
	}
	return out
}

// Export returns the definition of name the dynamic linker would bind
// other objects to: a .dynsym definition, the default version first.
func (e *ELF) Export(name string) (Symbol, bool) {
	var best Symbol
	found := false
	for _, s := range e.Symbols {
		if !s.Dynamic || s.Name != name || s.Value == 0 {
			continue
		}
		if !found || (best.Hidden && !s.Hidden) {
			best, found = s, true
		}
	}
	return best, found
}
