package load

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

func openELF(t *testing.T, path string) *ELF {
	t.Helper()
	e, err := OpenELF(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// segmentOf returns the segment holding the unrelocated address addr.
func segmentOf(e *ELF, addr uint64) (Segment, bool) {
	for _, s := range e.Segments {
		if addr >= s.Vaddr && addr-s.Vaddr < s.Memsz {
			return s, true
		}
	}
	return Segment{}, false
}

func TestOpenELFLs(t *testing.T) {
	e := openELF(t, "/bin/ls")
	if e.Platform != platform.AMD64 || e.Type != elf.ET_DYN || e.Entry == 0 {
		t.Errorf("platform %s type %v entry %#x", e.Platform, e.Type, e.Entry)
	}
	if e.Interp != "/lib64/ld-linux-x86-64.so.2" {
		t.Errorf("interp %q", e.Interp)
	}
	if len(e.BuildID) != 20 {
		t.Errorf("build ID %x", e.BuildID)
	}
	if e.PhdrVaddr != 0x40 || e.Phnum < 4 {
		t.Errorf("phdr at %#x, %d of them", e.PhdrVaddr, e.Phnum)
	}
	if s, ok := segmentOf(e, e.DynamicVaddr); !ok || s.Perm&memory.W == 0 {
		t.Errorf("PT_DYNAMIC at %#x is not in a writable segment", e.DynamicVaddr)
	}
	if s, ok := segmentOf(e, e.Entry); !ok || s.Perm&memory.X == 0 {
		t.Errorf("entry %#x is not in an executable segment", e.Entry)
	}
	im, ok := e.Import("malloc")
	if !ok {
		t.Fatalf("no import malloc among %d", len(e.Imports))
	}
	if s, ok := segmentOf(e, im.GOT); !ok || s.Perm&memory.W == 0 {
		t.Errorf("malloc GOT %#x is not in a writable segment", im.GOT)
	}
	nplt := 0
	for _, im := range e.Imports {
		if s, ok := segmentOf(e, im.GOT); !ok || s.Perm&memory.W == 0 {
			t.Errorf("%s: GOT %#x is not in a writable segment", im.Name, im.GOT)
		}
		if im.PLT == 0 {
			continue
		}
		nplt++
		if s, ok := segmentOf(e, im.PLT); !ok || s.Perm&memory.X == 0 {
			t.Errorf("%s: PLT %#x is not in an executable segment", im.Name, im.PLT)
		}
	}
	if nplt < len(e.Imports)/2 {
		t.Errorf("only %d of %d imports have a PLT entry", nplt, len(e.Imports))
	}
	if _, ok := e.Import("no_such_function"); ok {
		t.Errorf("imports a function it does not")
	}
}

// TestPLTMatchesObjdumpShape checks the PLT entries found in /bin/ls
// against the bytes: each is a jmp through its import's GOT slot.
func TestPLTDecodesToGOT(t *testing.T) {
	e := openELF(t, "/bin/ls")
	f, err := os.Open("/bin/ls")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, im := range e.Imports {
		if im.PLT == 0 {
			continue
		}
		s, _ := segmentOf(e, im.PLT)
		code := make([]byte, 16)
		if _, err := f.ReadAt(code, int64(s.Off+(im.PLT-s.Vaddr))); err != nil {
			t.Fatal(err)
		}
		entries := amd64PLTEntries(code, im.PLT)
		if len(entries) == 0 || entries[0].addr != im.PLT || entries[0].slot != im.GOT {
			t.Errorf("%s: PLT %#x holds % x, not a jmp through %#x", im.Name, im.PLT, code, im.GOT)
		}
	}
}

func TestAMD64PLTEntries(t *testing.T) {
	jmp := func(disp int32) []byte {
		b := []byte{0xff, 0x25, 0, 0, 0, 0}
		binary.LittleEndian.PutUint32(b[2:], uint32(disp))
		return b
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	nop := func(n int) []byte { return bytes.Repeat([]byte{0x90}, n) }
	for _, tc := range []struct {
		name string
		code []byte
		want []pltEntry
	}{
		{"lazy .plt", cat(jmp(0x100), []byte{0x68, 0, 0, 0, 0, 0xe9, 0, 0, 0, 0}, jmp(0x200), nop(10)),
			[]pltEntry{{0x1000, 0x1106}, {0x1010, 0x1216}}},
		{".plt.got", cat(jmp(-8), nop(2), jmp(0x10), nop(2)), []pltEntry{{0x1000, 0x0ffe}, {0x1008, 0x101e}}},
		{"IBT .plt.sec", cat(endbr64, []byte{0xf2}, jmp(0x40), nop(5)), []pltEntry{{0x1000, 0x104b}}},
		{"bnd only", cat([]byte{0xf2}, jmp(0), nop(9)), []pltEntry{{0x1000, 0x1007}}},
		{"misaligned", cat(nop(3), jmp(0), nop(7)), nil},
		{"cut", jmp(0)[:5], nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := amd64PLTEntries(tc.code, 0x1000)
			if len(got) != len(tc.want) {
				t.Fatalf("got %x, want %x", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("entry %d: got %#x, want %#x", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func libc(t *testing.T) string {
	for _, p := range []string{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("no libc.so.6 on this machine")
	return ""
}

func TestLookupLibc(t *testing.T) {
	e := openELF(t, libc(t))
	if e.Type != elf.ET_DYN || e.Interp != "" && !strings.Contains(e.Interp, "ld-linux") {
		t.Errorf("type %v interp %q", e.Type, e.Interp)
	}
	for _, name := range []string{"malloc", "free", "printf", "exit"} {
		s, ok := e.Lookup(name)
		if !ok || s.Value == 0 || !s.Func || !s.Dynamic || s.Hidden || s.Version == "" {
			t.Errorf("Lookup(%s) = %+v, %v", name, s, ok)
		}
	}
	// memcpy has two versions; Lookup gives the default one.
	s, ok := e.Lookup("memcpy")
	if !ok || s.Hidden || !s.IFunc {
		t.Errorf("Lookup(memcpy) = %+v, %v: want the default version, an IFUNC", s, ok)
	}
	hidden := 0
	for _, s := range e.Symbols {
		if s.Name == "memcpy" && s.Hidden {
			hidden++
		}
	}
	if hidden == 0 {
		t.Errorf("no memcpy@GLIBC_2.2.5 among the symbols")
	}
	if _, ok := e.Lookup("no_such_symbol_here"); ok {
		t.Errorf("found a symbol that does not exist")
	}
}

func TestELFRegions(t *testing.T) {
	const path = "/bin/ls"
	e := openELF(t, path)
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const base = 0x5555_5555_4000
	regions, err := e.Regions(base)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, r := range regions {
			r.Release()
		}
	}()
	if len(regions) != len(e.Segments) {
		t.Fatalf("%d regions for %d segments", len(regions), len(e.Segments))
	}
	sawBSS := false
	for i, r := range regions {
		s := e.Segments[i]
		addr := base + s.Vaddr
		if r.Start != addr&^(memory.PageSize-1) || r.End() < addr+s.Memsz || r.Start%memory.PageSize != 0 || r.Perm != s.Perm || r.Name != path {
			t.Errorf("region %s for segment %+v", r, s)
		}
		at := addr - r.Start
		if !bytes.Equal(r.Data[at:at+s.Filesz], file[s.Off:s.Off+s.Filesz]) {
			t.Errorf("region %s: contents differ from the file", r)
		}
		if !allZero(r.Data[at+s.Filesz:]) {
			t.Errorf("region %s: bss is not zero", r)
		}
		sawBSS = sawBSS || s.Memsz > s.Filesz
		if s.Filesz >= memory.PageSize {
			p := uintptr(unsafe.Pointer(unsafe.SliceData(r.Data)))
			if line := mapsOf(t, p); !strings.HasSuffix(line, path) && !strings.HasSuffix(line, "/usr/bin/ls") {
				t.Errorf("region %s: host page is %q, want a mapping of %s", r, line, path)
			}
		}
	}
	if !sawBSS {
		t.Errorf("/bin/ls has no segment with bss: the test checks nothing")
	}
	if _, err := e.Regions(base + 1); err == nil {
		t.Errorf("unaligned base accepted")
	}
}

func TestParseELFBytes(t *testing.T) {
	b, err := os.ReadFile("/bin/ls")
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseELF(bytes.NewReader(b), "ls")
	if err != nil {
		t.Fatal(err)
	}
	o := openELF(t, "/bin/ls")
	if len(e.Segments) != len(o.Segments) || len(e.Imports) != len(o.Imports) || len(e.Symbols) != len(o.Symbols) || !bytes.Equal(e.BuildID, o.BuildID) {
		t.Errorf("ParseELF and OpenELF disagree")
	}
	regions, err := e.Regions(0x10000)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range regions {
		s := e.Segments[i]
		at := 0x10000 + s.Vaddr - r.Start
		if !bytes.Equal(r.Data[at:at+s.Filesz], b[s.Off:s.Off+s.Filesz]) {
			t.Errorf("copied region %s differs", r)
		}
		r.Release()
	}
}

func TestELFErrors(t *testing.T) {
	b, err := os.ReadFile("/bin/ls")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrNotELF},
		{"not ELF", []byte("MZ\x90\x00 this is not an ELF file at all"), ErrNotELF},
		{"half header", b[:40], ErrTruncated},
		{"segments cut", b[:len(b)/2], ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseELF(bytes.NewReader(tc.b), "x")
			if e != nil || !errors.Is(err, tc.want) || !errors.Is(err, ErrFormat) || !strings.HasPrefix(err.Error(), "load elf x: ") {
				t.Errorf("got %v, %v; want %v", e, err, tc.want)
			}
		})
	}
	// A reader that cannot tell its size: truncation is found by probing.
	_, err = ParseELF(onlyReaderAt{bytes.NewReader(b[:len(b)/2])}, "x")
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("unsized reader: %v", err)
	}
}

type onlyReaderAt struct{ r *bytes.Reader }

func (o onlyReaderAt) ReadAt(p []byte, off int64) (int, error) { return o.r.ReadAt(p, off) }

// TestELFOfCore: a core opens as an ELF too (no symbols, no imports).
func TestELFOfCore(t *testing.T) {
	e, err := ParseELF(bytes.NewReader(amd64Core().bytes()), "core")
	if err != nil || e.Type != elf.ET_CORE || len(e.Segments) != 2 {
		t.Fatalf("got %+v, %v", e, err)
	}
}

// ppc64le functions have a local entry past their TOC set-up, as readelf
// shows it ("[<localentry>: 8]"); big-endian ppc64 and other platforms
// have none.
func TestPPC64LocalEntry(t *testing.T) {
	for _, tc := range []struct {
		path string
		want uint64
	}{
		{"/usr/powerpc64le-linux-gnu/lib/libc.so.6", 8},
		{"/usr/powerpc64-linux-gnu/lib/libc.so.6", 0},
		{"/usr/aarch64-linux-gnu/lib/libc.so.6", 0},
	} {
		e, err := OpenELF(tc.path)
		if err != nil {
			t.Fatalf("%s (installed by make setup): %v", tc.path, err)
		}
		s, ok := e.Lookup("qsort")
		e.Close()
		if !ok || !s.Func {
			t.Fatalf("%s: no qsort", tc.path)
		}
		if s.LocalEntry != tc.want {
			t.Errorf("%s: qsort local entry %d, want %d", tc.path, s.LocalEntry, tc.want)
		}
	}
	for other, want := range map[uint8]uint64{0: 0, 1 << 5: 0, 2 << 5: 4, 3 << 5: 8, 4 << 5: 16, 6 << 5: 64} {
		if got := ppc64LocalEntry(other); got != want {
			t.Errorf("st_other %#x: local entry %d, want %d", other, got, want)
		}
	}
}
