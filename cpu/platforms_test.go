package cpu

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/platform"
)

// expand turns PLATFORMS.md's "x0–x30" and "a0–a3" ranges into names.
func expand(list string) []string {
	var out []string
	for _, f := range strings.Fields(list) {
		lo, hi, ok := strings.Cut(f, "–")
		if !ok {
			out = append(out, f)
			continue
		}
		prefix := strings.TrimRight(lo, "0123456789")
		var a, b int
		fmt.Sscan(lo[len(prefix):], &a)
		fmt.Sscan(hi[len(prefix):], &b)
		for i := a; i <= b; i++ {
			out = append(out, fmt.Sprintf("%s%d", prefix, i))
		}
	}
	return out
}

// gdbGeneral is PLATFORMS.md's table of gdb's general registers.
var gdbGeneral = map[string]string{
	"amd64":    "rax rbx rcx rdx rsi rdi rbp rsp r8–r15 rip eflags cs ss ds es fs gs",
	"i386":     "eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs",
	"aarch64":  "x0–x30 sp pc cpsr",
	"armel":    "r0–r12 sp lr pc cpsr",
	"armhf":    "r0–r12 sp lr pc cpsr",
	"mips":     "zero at v0 v1 a0–a3 t0–t7 s0–s7 t8 t9 k0 k1 gp sp s8 ra sr lo hi bad cause pc",
	"mipsel":   "zero at v0 v1 a0–a3 t0–t7 s0–s7 t8 t9 k0 k1 gp sp s8 ra sr lo hi bad cause pc",
	"mips64":   "zero at v0 v1 a0–a7 t0–t3 s0–s7 t8 t9 k0 k1 gp sp s8 ra sr lo hi bad cause pc",
	"mips64el": "zero at v0 v1 a0–a7 t0–t3 s0–s7 t8 t9 k0 k1 gp sp s8 ra sr lo hi bad cause pc",
	"ppc":      "r0–r31 pc msr cr lr ctr xer orig_r3 trap",
	"ppc64":    "r0–r31 pc msr cr lr ctr xer orig_r3 trap",
	"ppc64le":  "r0–r31 pc msr cr lr ctr xer orig_r3 trap",
}

// TestEveryPlatformGDBOrder: every platform has a file whose general
// registers are gdb's, in gdb's order, and whose pc, sp, link and return
// registers exist.
func TestEveryPlatformGDBOrder(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			f, err := For(p)
			if err != nil {
				t.Fatal(err)
			}
			if want := expand(gdbGeneral[p.Name]); !slices.Equal(f.GDBGeneral(), want) {
				t.Errorf("gdb general = %v\nwant %v", f.GDBGeneral(), want)
			}
			for _, n := range []string{p.PC, p.SP, p.LR, p.Ret} {
				if _, ok := f.Lookup(n); n != "" && !ok {
					t.Errorf("no register %q", n)
				}
			}
			// The registers gdb shows as a word are a word wide; the
			// narrower ones are named.
			narrow := map[string]int{"eflags": 32, "cs": 16, "ss": 16, "ds": 16, "es": 16, "fs": 16, "gs": 16, "cpsr": 32, "cr": 32, "xer": 32}
			for _, n := range f.GDBGeneral() {
				r, _ := f.Lookup(n)
				want := 8 * p.WordSize
				if b, ok := narrow[n]; ok {
					want = b
				}
				if r.Bits != want {
					t.Errorf("%s is %d bits, want %d", n, r.Bits, want)
				}
			}
		})
	}
}

func TestI386Aliases(t *testing.T) {
	c, _ := NewFor(platform.I386)
	must(t, c.Set("eax", 0x11223344))
	for name, want := range map[string]uint64{"ax": 0x3344, "al": 0x44, "ah": 0x33} {
		if got := c.MustGet(name); got != want {
			t.Errorf("%s = %#x, want %#x", name, got, want)
		}
	}
	must(t, c.Set("bh", 0xab))
	must(t, c.Set("si", 0xcdef))
	if c.MustGet("ebx") != 0xab00 || c.MustGet("esi") != 0xcdef {
		t.Errorf("ebx %#x esi %#x", c.MustGet("ebx"), c.MustGet("esi"))
	}
	for _, n := range []string{"rax", "xmm8", "fs_base", "sil"} {
		if _, ok := c.File.Lookup(n); ok {
			t.Errorf("i386 has %s", n)
		}
	}
}

func TestAArch64Aliases(t *testing.T) {
	c, _ := NewFor(platform.AArch64)
	must(t, c.Set("x7", 0x1122334455667788))
	if got := c.MustGet("w7"); got != 0x55667788 {
		t.Errorf("w7 = %#x", got)
	}
	must(t, c.Set("sp", 0xffff_0000_1000))
	if got := c.MustGet("wsp"); got != 0x1000 {
		t.Errorf("wsp = %#x", got)
	}
	v := make([]byte, 16)
	for i := range v {
		v[i] = byte(i + 1)
	}
	must(t, c.SetBytes("v3", v))
	for name, n := range map[string]int{"q3": 16, "d3": 8, "s3": 4, "h3": 2, "b3": 1} {
		if got, _ := c.Bytes(name); !bytes.Equal(got, v[:n]) {
			t.Errorf("%s = %x, want %x", name, got, v[:n])
		}
	}
	if got := c.MustGet("d3"); got != 0x0807060504030201 {
		t.Errorf("d3 = %#x", got)
	}
}

func TestARMAliases(t *testing.T) {
	for _, p := range []*platform.Platform{platform.ARMEL, platform.ARMHF} {
		c, _ := NewFor(p)
		must(t, c.Set("d1", 0x3ff00000_40490fdb))
		if s2, s3 := c.MustGet("s2"), c.MustGet("s3"); s2 != 0x40490fdb || s3 != 0x3ff00000 {
			t.Errorf("%s: s2 %#x s3 %#x", p, s2, s3)
		}
		if _, ok := c.File.Lookup("s32"); ok {
			t.Errorf("%s: s32 exists", p)
		}
	}
}

func TestMIPSNames(t *testing.T) {
	if n := MIPSRegNames(platform.MIPSEL); n[8] != "t0" || n[12] != "t4" {
		t.Errorf("o32 $8 $12 = %s %s", n[8], n[12])
	}
	if n := MIPSRegNames(platform.MIPS64); n[8] != "a4" || n[12] != "t0" {
		t.Errorf("n64 $8 $12 = %s %s", n[8], n[12])
	}
	if MIPSRegNames(platform.PPC) != nil {
		t.Errorf("ppc has MIPS names")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
