package load

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

// Fuzz seeds must be small: Go's fuzzer minimizes every input that finds
// new coverage, in time that grows with the square of its size, and a
// 40 KiB seed keeps it minimizing for the whole run. compactELF and
// compactCore shrink real files to the bytes this package reads.

// keepSection reports whether compactELF keeps a section's bytes: the
// tables the parser reads (symbols, strings, relocations, notes, dynamic,
// versions) and the PLT; code and data become SHT_NOBITS.
func keepSection(s *elf.Section) bool {
	switch s.Type {
	case elf.SHT_SYMTAB, elf.SHT_DYNSYM, elf.SHT_STRTAB, elf.SHT_RELA, elf.SHT_REL, elf.SHT_NOTE,
		elf.SHT_DYNAMIC, elf.SHT_GNU_VERSYM, elf.SHT_GNU_VERDEF, elf.SHT_GNU_VERNEED, elf.SHT_GNU_HASH, elf.SHT_HASH:
		return true
	}
	return s.Name == ".interp" || strings.HasPrefix(s.Name, ".plt") || strings.HasPrefix(s.Name, ".got")
}

// compactELF rewrites a 64-bit ELF executable or library: header,
// program headers, the kept sections packed in order, section headers.
// PT_LOADs lose their file bytes; other program headers follow the
// section at their offset. It returns nil for files it cannot shrink.
func compactELF(b []byte) []byte {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil || f.Class != elf.ELFCLASS64 || len(f.Sections) == 0 {
		return nil
	}
	o := f.ByteOrder
	newOff := map[uint64]uint64{} // old section offset -> new
	cursor := uint64(64 + 56*len(f.Progs))
	var body bytes.Buffer
	body.Write(make([]byte, cursor))
	shdrs := make([]elf.Section64, len(f.Sections))
	for i, s := range f.Sections {
		h := elf.Section64{Name: 0, Type: uint32(s.Type), Flags: uint64(s.Flags), Addr: s.Addr, Size: s.Size,
			Link: s.Link, Info: s.Info, Addralign: s.Addralign, Entsize: s.Entsize}
		if i > 0 && s.Type != elf.SHT_NOBITS && keepSection(s) && s.Offset+s.Size <= uint64(len(b)) {
			if a := max(s.Addralign, 1); cursor%a != 0 {
				pad := a - cursor%a
				body.Write(make([]byte, pad))
				cursor += pad
			}
			newOff[s.Offset] = cursor
			h.Off = cursor
			body.Write(b[s.Offset : s.Offset+s.Size])
			cursor += s.Size
		} else if i > 0 && s.Type != elf.SHT_NOBITS {
			h.Type = uint32(elf.SHT_NOBITS)
		}
		shdrs[i] = h
	}
	// Section names: keep the name offsets, which index .shstrtab (kept).
	var raw [64]byte
	copy(raw[:], b)
	shoff := o.Uint64(raw[0x28:])
	shentsize := uint64(o.Uint16(raw[0x3a:]))
	for i := range shdrs {
		if at := shoff + uint64(i)*shentsize; at+4 <= uint64(len(b)) {
			shdrs[i].Name = o.Uint32(b[at:])
		}
	}
	for cursor%8 != 0 {
		body.WriteByte(0)
		cursor++
	}
	for _, h := range shdrs {
		binary.Write(&body, o, h)
	}
	out := body.Bytes()
	copy(out, b[:64])
	o.PutUint64(out[0x20:], 64)     // e_phoff
	o.PutUint64(out[0x28:], cursor) // e_shoff
	for i, p := range f.Progs {
		h := elf.Prog64{Type: uint32(p.Type), Flags: uint32(p.Flags), Off: p.Off, Vaddr: p.Vaddr, Paddr: p.Paddr,
			Filesz: p.Filesz, Memsz: p.Memsz, Align: p.Align}
		switch {
		case p.Type == elf.PT_PHDR:
			h.Off = 64
		case p.Type == elf.PT_LOAD:
			h.Off, h.Filesz = 0, 0
		default:
			if n, ok := newOff[p.Off]; ok {
				h.Off = n
			} else {
				h.Off, h.Filesz = 0, 0
			}
		}
		var buf bytes.Buffer
		binary.Write(&buf, o, h)
		copy(out[64+56*i:], buf.Bytes())
	}
	return out
}

// compactCore keeps a 64-bit core's header, program headers and notes;
// its PT_LOADs lose their file bytes.
func compactCore(b []byte) []byte {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil || f.Class != elf.ELFCLASS64 || f.Type != elf.ET_CORE {
		return nil
	}
	o := f.ByteOrder
	cursor := uint64(64 + 56*len(f.Progs))
	out := make([]byte, cursor)
	copy(out, b[:64])
	o.PutUint64(out[0x20:], 64)
	for i, p := range f.Progs {
		h := elf.Prog64{Type: uint32(p.Type), Flags: uint32(p.Flags), Vaddr: p.Vaddr, Memsz: p.Memsz, Align: p.Align}
		if p.Type == elf.PT_NOTE && p.Off+p.Filesz <= uint64(len(b)) {
			h.Off, h.Filesz = uint64(len(out)), p.Filesz
			out = append(out, b[p.Off:p.Off+p.Filesz]...)
		}
		var buf bytes.Buffer
		binary.Write(&buf, o, h)
		copy(out[64+56*i:], buf.Bytes())
	}
	return out
}

func TestCompactELF(t *testing.T) {
	b, err := os.ReadFile("/bin/ls")
	if err != nil {
		t.Fatal(err)
	}
	small := compactELF(b)
	if small == nil || len(small) > len(b)/4 {
		t.Fatalf("compacted /bin/ls to %d bytes of %d", len(small), len(b))
	}
	e, err := ParseELF(bytes.NewReader(small), "small")
	if err != nil {
		t.Fatal(err)
	}
	o := openELF(t, "/bin/ls")
	if e.Interp != o.Interp || !bytes.Equal(e.BuildID, o.BuildID) || len(e.Imports) != len(o.Imports) || len(e.Symbols) != len(o.Symbols) {
		t.Errorf("compacted ELF parses differently: %q %x %d %d", e.Interp, e.BuildID, len(e.Imports), len(e.Symbols))
	}
	for i := range e.Imports {
		if e.Imports[i] != o.Imports[i] {
			t.Errorf("import %d: %+v, want %+v", i, e.Imports[i], o.Imports[i])
		}
	}
}

func TestCompactCore(t *testing.T) {
	big := amd64Core().bytes()
	small := compactCore(big)
	c := mustParse(t, small)
	o := mustParse(t, big)
	if len(c.Threads) != len(o.Threads) || len(c.Files) != len(o.Files) || len(c.Segments) != len(o.Segments) || c.Segments[0].Filesz != 0 {
		t.Errorf("compacted core parses differently")
	}
}
