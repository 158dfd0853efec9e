package load

import (
	"github.com/smallworld-go/smallworld/memory"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fixture"
	"github.com/smallworld-go/smallworld/platform"
)

// Every platform's seed program imports puts through a code-pointer slot
// in a writable segment (the BSS-PLT variant of ppc would give a PLT in
// code instead); the slot's contents are what the dynamic linker patches,
// so the slot must be one of the addresses its relocations or (MIPS) the
// global GOT name.
func TestImportSlotsEveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			for _, exe := range []string{"seed.O0", "seed.O2"} {
				path, _ := fixture.Core(t, p.Name, exe, "qemu")
				e, err := OpenELF(path)
				if err != nil {
					t.Fatal(err)
				}
				defer e.Close()
				imp, ok := e.Import("puts")
				if !ok {
					t.Fatalf("%s: no import of puts (imports: %v)", exe, e.Imports)
				}
				if imp.GOT == 0 {
					t.Fatalf("%s: puts has no slot: %+v", exe, imp)
				}
				want := readelfSlots(t, path, "puts")
				var got []uint64
				for _, im := range e.ImportsNamed("puts") {
					got = append(got, im.GOT)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s: puts slots %#x, readelf says %#x", exe, got, want)
				}
				seg := segmentAt(e, imp.GOT)
				if seg == nil || seg.Perm&memory.W == 0 {
					t.Errorf("%s: puts slot %#x is not in a writable segment", exe, imp.GOT)
				}
			}
		})
	}
}

// readelfSlots is binutils' answer: the offsets of the relocations that
// name sym, and (MIPS) its global GOT entries.
func readelfSlots(t *testing.T, path, sym string) []uint64 {
	t.Helper()
	var out []uint64
	for _, args := range [][]string{{"-rW", path}, {"-AW", path}} {
		b, err := exec.Command("readelf", args...).Output()
		if err != nil {
			t.Fatalf("readelf %v: %v", args, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 5 || !strings.HasPrefix(f[len(f)-1], sym) && !strings.HasPrefix(f[len(f)-3], sym) {
				continue
			}
			isRel := args[0] == "-rW" && strings.Contains(line, "R_") && (strings.HasPrefix(f[4], sym+"@") || f[4] == sym)
			isGOT := args[0] == "-AW" && f[len(f)-1] == sym && strings.Contains(line, "(gp)") && strings.Contains(line, "UND")
			if !isRel && !isGOT {
				continue
			}
			v, err := strconv.ParseUint(f[0], 16, 64)
			if err != nil {
				t.Fatalf("readelf line %q: %v", line, err)
			}
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

func segmentAt(e *ELF, addr uint64) *Segment {
	for i := range e.Segments {
		s := &e.Segments[i]
		if addr >= s.Vaddr && addr < s.Vaddr+s.Memsz {
			return s
		}
	}
	return nil
}
