package main

import (
	"debug/elf"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fixture"
	"github.com/smallworld-go/smallworld/platform"
)

// TestCoreSymbolsMatchReadelf: `core symbols` finds qsort's import slot
// in the executable and its definition in libc on every executable
// platform, at the addresses binutils' readelf gives for the files plus
// the load biases; on the amd64 kernel core gdb agrees on the
// definition's run-time address.
func TestCoreSymbolsMatchReadelf(t *testing.T) {
	for _, p := range platform.All {
		if !p.Executable {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			for _, kind := range coreKinds(p) {
				exePath, corePath := fixture.Core(t, p.Name, "sort.O2", kind)
				sysroot := fixture.Sysroot(t, p.Name)
				out, errOut, status := smallworld(t, "", "core", "symbols", corePath, "--exe", exePath, "--sysroot", sysroot, "qsort")
				if status != 0 {
					t.Fatalf("%s: status %d: %s", kind, status, errOut)
				}
				bias := map[string]uint64{}
				var slots []uint64
				var def, entry uint64
				defMod := ""
				for _, line := range strings.Split(out, "\n") {
					f := strings.Fields(line)
					if p.FuncDescs && len(f) == 6 && f[0] != "NAME" {
						// ppc64's ENTRY column: take it out.
						if f[3] != "-" {
							entry = hexField(t, f[3])
						}
						f = append(f[:3], f[4:]...)
					}
					switch {
					case len(f) == 2 && strings.HasPrefix(f[1], "0x"):
						bias[f[0]] = hexField(t, f[1])
					case len(f) == 5 && f[0] == "qsort" && f[1] == "import-slot" && f[4] == exePath:
						slots = append(slots, hexField(t, f[2])-bias[f[4]])
					case len(f) == 5 && f[0] == "qsort" && f[1] == "definition":
						def, defMod = hexField(t, f[2]), f[4]
					}
				}
				wantSlots := readelfSlots(t, exePath, "qsort")
				if len(slots) == 0 || !sameSet(slots, wantSlots) {
					t.Errorf("%s: qsort import slots %x, readelf says %x\n%s", kind, slots, wantSlots, out)
				}
				libc := filepath.Join(sysroot, defMod)
				if want := readelfDef(t, libc, "qsort"); defMod == "" || def-bias[defMod] != want {
					t.Errorf("%s: qsort defined at %#x in %q (bias %#x), readelf says %#x in %s", kind, def, defMod, bias[defMod], want, libc)
				}
				if p.FuncDescs {
					// The descriptor's first word, from the file's .opd.
					if want := descEntry(t, libc, def-bias[defMod]); entry-bias[defMod] != want {
						t.Errorf("qsort's entry %#x (bias %#x); its descriptor in %s holds %#x", entry, bias[defMod], libc, want)
					}
				}
				if kind == "kernel" {
					g, err := exec.Command("gdb", "-batch", "-nx", "-ex", "file "+exePath, "-ex", "core-file "+corePath,
						"-ex", "p/x (unsigned long)&qsort").CombinedOutput()
					m := regexp.MustCompile(`\$1 = (0x[0-9a-f]+)`).FindSubmatch(g)
					if err != nil || m == nil || hexField(t, string(m[1])) != def {
						t.Errorf("%s: gdb says &qsort is %s (err %v), we say %#x", kind, m, err, def)
					}
				}
			}
		})
	}
}

// descEntry reads the ELFv1 function descriptor at file address addr of
// the shared object at path: its first word, the code address.
func descEntry(t *testing.T, path string, addr uint64) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sec := range f.Sections {
		if sec.Type == elf.SHT_PROGBITS && addr >= sec.Addr && addr+8 <= sec.Addr+sec.Size {
			b := make([]byte, 8)
			if _, err := sec.ReadAt(b, int64(addr-sec.Addr)); err != nil {
				t.Fatal(err)
			}
			return f.ByteOrder.Uint64(b)
		}
	}
	t.Fatalf("%s: no section holds %#x", path, addr)
	return 0
}

func hexField(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil {
		t.Fatalf("not a hex address: %q", s)
	}
	return v
}

func sameSet(a, b []uint64) bool {
	in := map[uint64]bool{}
	for _, v := range b {
		in[v] = true
	}
	for _, v := range a {
		if !in[v] {
			return false
		}
	}
	return len(a) == len(b)
}

func readelf(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("readelf", args...).Output()
	if err != nil {
		t.Fatalf("readelf %v: %v", args, err)
	}
	return string(out)
}

// readelfSlots lists the file addresses of name's import slots: its
// dynamic relocations' offsets, and MIPS's global GOT entries.
func readelfSlots(t *testing.T, path, name string) []uint64 {
	var out []uint64
	for _, line := range strings.Split(readelf(t, "-rW", path), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && strings.HasPrefix(f[4], name+"@") || len(f) >= 5 && f[4] == name {
			out = append(out, hexField(t, f[0]))
		}
	}
	for _, line := range strings.Split(readelf(t, "-AW", path), "\n") {
		f := strings.Fields(line)
		if len(f) == 7 && f[6] == name && strings.HasSuffix(f[1], "(gp)") {
			out = append(out, hexField(t, f[0]))
		}
	}
	return out
}

// readelfDef is the value of name's default-version dynamic symbol.
func readelfDef(t *testing.T, path, name string) uint64 {
	for _, line := range strings.Split(readelf(t, "-sW", "--dyn-syms", path), "\n") {
		f := strings.Fields(line)
		// ppc64le's rows carry "[<localentry>: 8]" before the index.
		if len(f) >= 8 && strings.HasSuffix(f[0], ":") && strings.HasPrefix(f[len(f)-1], name+"@@") {
			return hexField(t, f[1])
		}
	}
	t.Fatalf("readelf finds no %s@@ in %s", name, path)
	return 0
}
