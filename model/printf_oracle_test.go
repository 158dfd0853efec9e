package model_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
)

// parg is one argument of an oracle case, with its C type.
type parg struct {
	kind byte // i int, l long, L long long, d double, D long double, s char*, p void*, n %n target
	u    uint64
	f    float64
	ld   *big.Float // D: finite value (nil: use f for inf/nan)
	s    string
	null bool
}

type pcase struct {
	format string
	args   []parg
}

func ai(v int64) parg      { return parg{kind: 'i', u: uint64(v)} }
func al(v int64) parg      { return parg{kind: 'l', u: uint64(v)} }
func aL(v int64) parg      { return parg{kind: 'L', u: uint64(v)} }
func ad(v float64) parg    { return parg{kind: 'd', f: v} }
func as(v string) parg     { return parg{kind: 's', s: v} }
func ap(v uint64) parg     { return parg{kind: 'p', u: v} }
func aD(v *big.Float) parg { return parg{kind: 'D', ld: v} }

var negNaN = math.Float64frombits(0xfff8000000000000)

// printfCases builds the oracle's cases: every flag combination against
// widths, precisions, conversions and edge values, and glibc's specific
// outputs ((nil), (null), inf/nan, %a).
func printfCases() []pcase {
	var cs []pcase
	add := func(f string, a ...parg) { cs = append(cs, pcase{f, a}) }
	flags := []string{"", "-", "+", " ", "#", "0", "-0", "+ ", "#0", "-#", "+0"}
	widths := []string{"", "6"}
	precs := []string{"", ".0", ".3"}
	for _, fl := range flags {
		for _, w := range widths {
			for _, pr := range precs {
				for _, conv := range "diuoxX" {
					for _, v := range []int64{0, 1, -1, 42, math.MinInt32, math.MaxInt32} {
						add("%"+fl+w+pr+string(conv), ai(v))
					}
				}
			}
		}
	}
	// length modifiers
	ints := []int64{0, -1, 127, 128, 255, 256, -129, 32767, 32768, 65535, -32769, math.MinInt32, math.MaxInt64, math.MinInt64, 0x123456789}
	for _, conv := range "dux" {
		for _, v := range ints {
			add("%hh"+string(conv), ai(int64(int32(v))))
			add("%h"+string(conv), ai(int64(int32(v))))
			add("%l"+string(conv), al(v))
			add("%ll"+string(conv), aL(v))
			add("%q"+string(conv), aL(v))
			add("%j"+string(conv), aL(v))
			add("%z"+string(conv), al(v))
			add("%t"+string(conv), al(v))
			add("%L"+string(conv), aL(v))
		}
	}
	// * width and precision, negative ones
	for _, w := range []int64{-8, -1, 0, 3, 10} {
		for _, pr := range []int64{-3, 0, 2, 7} {
			add("[%*.*d]", ai(w), ai(pr), ai(-42))
			add("[%*.*f]", ai(w), ai(pr), ad(3.14159))
			add("[%*.*s]", ai(w), ai(pr), as("abcdef"))
		}
	}
	// chars and strings
	for _, f := range []string{"%c", "%5c", "%-5c|", "%05c"} {
		add(f, ai('A'))
	}
	add("%c%c%c", ai('x'), ai(0x141), ai(' '))
	for _, f := range []string{"%s", "%10s", "%-10s|", "%.2s", "%10.3s", "%-8.0s|", "%.10s"} {
		add(f, as("hello"))
		add(f, as(""))
	}
	for _, f := range []string{"%s", "%.5s", "%.6s", "%.7s", "%10s", "%-10s|", "%.0s", "%3.2s"} {
		add(f, parg{kind: 's', null: true})
	}
	add("%lc", ai('z'))
	// pointers
	for _, f := range []string{"%p", "%20p", "%-20p|", "%.3p", "%.7p", "%+p", "% p", "%020p", "%#p"} {
		add(f, ap(0))
		add(f, ap(0xdeadbeef))
		add(f, ap(0x7ffc12345678))
	}
	// %% and unknown conversions
	add("100%% sure")
	add("%5%|")
	add("%-5%|")
	add("a%yb")
	// doubles
	dbls := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.5, 1.5, 2.5, -2.5, 123456.789, 1e-5, 1e-4, 9.9999e-5,
		0.000123456, 1e15, 1e16, 1e100, -1e-100, 5e-324, 2.2250738585072014e-308, math.MaxFloat64, 999999.5, 9.5, 0.125,
		1.0 / 3, 2.0 / 3, 100, 1e6, 1234567, math.Pi, math.Inf(1), math.Inf(-1), math.NaN(), negNaN}
	for _, conv := range "feEgGaA" {
		for _, v := range dbls {
			add("%"+string(conv), ad(v))
		}
	}
	add("%F", ad(math.Inf(1)))
	add("%F", ad(math.NaN()))
	add("%F", ad(1.5))
	dflags := []string{"", "-", "+", " ", "#", "0", "+0", "-#"}
	for _, fl := range dflags {
		for _, w := range []string{"", "12"} {
			for _, pr := range []string{"", ".0", ".2", ".10"} {
				for _, conv := range "fega" {
					for _, v := range []float64{0, -1.5, 0.0001234, 98765.4321, math.Inf(-1), math.NaN()} {
						add("%"+fl+w+pr+string(conv), ad(v))
					}
				}
			}
		}
	}
	for _, pr := range []int{0, 1, 2, 3, 5, 13, 15, 17, 20, 30, 60} {
		for _, v := range []float64{0.1, 1e300, 1.0 / 3, 1.999999999, 0.05, 2.5e-10, 0.5, 1.5, 1.9375, 1.03125, 1.0 + 1.0/(1<<52)} {
			for _, conv := range "feag" {
				add(fmt.Sprintf("%%.%d%c", pr, conv), ad(v))
			}
		}
	}
	// %g corner cases: exponent boundaries and trailing zeros
	for _, v := range []float64{999.6, 99.96, 9.96, 9.6, 0.9996, 0.000099996, 99999.96, 9999999.6, 100000, 1000000, 999999.4, 999999.6, 0.0001, 0.00009999, 0.000099999999, 1e-5, 123.456, 1e21, 0} {
		for _, f := range []string{"%g", "%.1g", "%.2g", "%#g", "%#.3g", "%.10g", "%#.0g", "%G"} {
			add(f, ad(v))
		}
	}
	// long doubles
	third := new(big.Float).SetPrec(64).Quo(new(big.Float).SetPrec(64).SetInt64(1), new(big.Float).SetPrec(64).SetInt64(3))
	ldv := []*big.Float{big.NewFloat(1), big.NewFloat(-2.5), big.NewFloat(0.1), third, big.NewFloat(1e300), big.NewFloat(0), big.NewFloat(1e-310)}
	for _, v := range ldv {
		for _, f := range []string{"%Lf", "%Le", "%Lg", "%La", "%.20Lf", "%.25Le", "%10.3LA", "%.0La", "%.3La"} {
			add(f, aD(v))
		}
	}
	for _, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		add("%Lf", parg{kind: 'D', f: v})
		add("%LE", parg{kind: 'D', f: v})
	}
	// %n through every modifier, mid-string
	for _, m := range []string{"hh", "h", "", "l", "ll", "j", "z", "t"} {
		add("abc%"+m+"n|def", parg{kind: 'n'})
		add("%300d%"+m+"n", ai(1), parg{kind: 'n'})
	}
	// mixed
	add("%d %s %f %c %x %p %%", ai(-7), as("str"), ad(2.75), ai('q'), ai(255), ap(0x1000))
	add("%5.2f|%-8.3e|%+g|% a", ad(3.14159), ad(-0.000271), ad(1e-7), ad(-0.75))
	add("%lld %llu %llx", aL(math.MinInt64), aL(-1), aL(-1))
	add("[%'d] [%I d]", ai(1234567), ai(89))
	return cs
}

// cLiteral is the C expression of an argument.
func cLiteral(a parg, i int) string {
	switch a.kind {
	case 'i':
		return fmt.Sprintf("(int)0x%xULL", uint32(a.u))
	case 'l':
		return fmt.Sprintf("(long)0x%xULL", a.u)
	case 'L':
		return fmt.Sprintf("(long long)0x%xULL", a.u)
	case 'p':
		return fmt.Sprintf("(void*)0x%xULL", a.u)
	case 'd', 'D':
		suffix, cast := "", "(double)"
		if a.kind == 'D' {
			suffix, cast = "L", "(long double)"
		}
		if a.ld != nil {
			return cast + a.ld.Text('p', 0) + suffix
		}
		switch {
		case math.IsInf(a.f, 1):
			return cast + "INFINITY"
		case math.IsInf(a.f, -1):
			return cast + "-INFINITY"
		case math.IsNaN(a.f) && math.Signbit(a.f):
			return cast + "-NAN"
		case math.IsNaN(a.f):
			return cast + "NAN"
		}
		return cast + strconv.FormatFloat(a.f, 'x', -1, 64)
	case 's':
		if a.null {
			return "(char*)0"
		}
		return strconv.Quote(a.s)
	case 'n':
		return "(void*)nb"
	}
	panic("bad kind")
}

func cQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// glibcOracle compiles the cases into a C program, runs it natively and
// returns per case: glibc's return value, its output, the 8 bytes at the
// %n target (hex) or "-".
func glibcOracle(t *testing.T, cs []pcase) []string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatalf("the printf oracle needs the host gcc (make setup installs it): %v", err)
	}
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n#include <string.h>\n#include <math.h>\n" +
		"static char b[16384]; static unsigned char nb[8];\n" +
		"static void out(int n, int hasn) { printf(\"%d \", n); for (int i = 0; i < n && i < (int)sizeof b - 1; i++) printf(\"%02x\", (unsigned char)b[i]);" +
		" if (n == 0) printf(\"-\"); printf(\" \"); if (hasn) for (int i = 0; i < 8; i++) printf(\"%02x\", nb[i]); else printf(\"-\"); printf(\"\\n\"); }\n" +
		"int main(void) { int n;\n")
	for i, c := range cs {
		hasn := 0
		var args []string
		for _, a := range c.args {
			if a.kind == 'n' {
				hasn = 1
			}
			args = append(args, cLiteral(a, i))
		}
		fmt.Fprintf(&src, "  memset(nb, 0xaa, 8); n = snprintf(b, sizeof b, %s", cQuote(c.format))
		for _, a := range args {
			src.WriteString(", " + a)
		}
		fmt.Fprintf(&src, "); out(n, %d);\n", hasn)
	}
	src.WriteString("  return 0;\n}\n")
	cfile := filepath.Join(dir, "oracle.c")
	if err := os.WriteFile(cfile, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "oracle")
	if out, err := exec.Command(gcc, "-w", "-O0", "-fno-builtin", "-o", exe, cfile, "-lm").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("run oracle: %v", err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != len(cs) {
		t.Fatalf("oracle printed %d lines for %d cases", len(lines), len(cs))
	}
	return lines
}

// sliceArgs is an ArgSource over Go values that checks each conversion
// asks for the argument's C type.
type sliceArgs struct {
	args  []parg
	addrs []uint64 // guest address of each string argument
	nAt   uint64
	err   error
}

func (s *sliceArgs) next(kinds string) (parg, int, error) {
	if len(s.args) == 0 {
		return parg{}, 0, fmt.Errorf("no argument left for %s", kinds)
	}
	a := s.args[0]
	idx := len(s.addrs) - len(s.args)
	s.args = s.args[1:]
	if !strings.ContainsRune(kinds, rune(a.kind)) {
		return a, idx, fmt.Errorf("argument of kind %c read as %s", a.kind, kinds)
	}
	return a, idx, nil
}

func (s *sliceArgs) Int(size int) (uint64, error) {
	kinds := "i"
	if size == 8 {
		kinds = "lLpsn"
	}
	a, idx, err := s.next(kinds)
	switch a.kind {
	case 's':
		if a.null {
			return 0, err
		}
		return s.addrs[idx], err
	case 'n':
		return s.nAt, err
	case 'i':
		return uint64(uint32(a.u)), err
	}
	return a.u, err
}

func (s *sliceArgs) Double() (float64, error) {
	a, _, err := s.next("d")
	return a.f, err
}

func (s *sliceArgs) LongDouble() (lo, hi uint64, err error) {
	a, _, err := s.next("D")
	if a.ld == nil {
		switch {
		case math.IsInf(a.f, 1):
			return 1 << 63, 0x7fff, err
		case math.IsInf(a.f, -1):
			return 1 << 63, 0xffff, err
		default:
			return 3 << 62, 0x7fff, err
		}
	}
	lo, hi = x87(a.ld)
	return lo, hi, err
}

// x87 encodes a finite big.Float (at most 64 bits of mantissa, normal)
// as an x87 mantissa and sign/exponent word.
func x87(f *big.Float) (lo, hi uint64) {
	if f.Sign() == 0 {
		if f.Signbit() {
			return 0, 0x8000
		}
		return 0, 0
	}
	var sign uint64
	if f.Signbit() {
		sign = 0x8000
	}
	m := new(big.Float).SetPrec(64).Abs(f)
	e := m.MantExp(m) // m in [0.5, 1)
	m.SetMantExp(m, 64)
	u, _ := m.Uint64()
	return u, sign | uint64(e-1+16383)
}

func TestPrintfMatchesGlibc(t *testing.T) {
	cs := printfCases()
	want := glibcOracle(t, cs)
	mem := memory.NewMap(binary.LittleEndian)
	region := memory.NewRegion(0x100000, make([]byte, 1<<16), memory.RW, "strings")
	if err := mem.Add(region); err != nil {
		t.Fatal(err)
	}
	p := &model.Printf{WordSize: 8, Mem: mem, LongDouble: model.LDX87}
	pass := 0
	for i, c := range cs {
		at := uint64(0x100100)
		src := &sliceArgs{args: c.args, nAt: 0x100000}
		for _, a := range c.args {
			src.addrs = append(src.addrs, at)
			if a.kind == 's' && !a.null {
				copy(region.Data[at-region.Start:], a.s+"\x00")
				at += uint64(len(a.s) + 1)
			}
		}
		for k := 0; k < 8; k++ {
			region.Data[k] = 0xaa
		}
		out, err := p.Format(nil, []byte(c.format), src)
		if err == nil && len(src.args) != 0 {
			err = fmt.Errorf("%d arguments left", len(src.args))
		}
		got := fmt.Sprintf("%d %s -", len(out), hexOrDash(out))
		if hasN(c.args) {
			got = fmt.Sprintf("%d %s %s", len(out), hexOrDash(out), hex.EncodeToString(region.Data[:8]))
		}
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != want[i] {
			t.Errorf("case %d: printf(%q, %v):\n got  %s (%q)\n want %s (%q)", i, c.format, c.args, got, out, want[i], unhex(want[i]))
			continue
		}
		pass++
	}
	t.Logf("printf oracle: %d/%d cases equal glibc", pass, len(cs))
}

func hasN(a []parg) bool {
	for _, x := range a {
		if x.kind == 'n' {
			return true
		}
	}
	return false
}

func hexOrDash(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return hex.EncodeToString(b)
}

func unhex(line string) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return ""
	}
	b, _ := hex.DecodeString(f[1])
	return string(b)
}
