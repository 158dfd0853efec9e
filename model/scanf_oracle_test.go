package model_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
)

// A scanf oracle case: the format, the input, and one letter per target
// object, its C type: c char, h short, i int, l long (and long long,
// size_t... on amd64), f float, d double, D long double (16 bytes, the
// x87 value and its padding), s char[64], w wchar_t[16], B char[256]
// (any conversion), m char* set by
// an allocating conversion. gnu calls glibc's plain sscanf, where %as
// allocates, instead of __isoc99_sscanf.
type scase struct {
	format, input, targets string
	gnu                    bool
}

var scanTargetSize = map[byte]int{'c': 1, 'h': 2, 'i': 4, 'l': 8, 'f': 4, 'd': 8, 'D': 16, 's': 64, 'w': 64, 'm': 8, 'B': 256}

// scanTargetSpan is the room each target has (in the C program and the
// engine's memory).
const scanTargetSpan = 256

// scanfCases covers every conversion, width, suppression, length
// modifier, the failures (no match, partial match, end of input first
// and later), integer overflow, the float forms and their rounding, sets,
// %n, and the white-space rules.
func scanfCases() []scase {
	var cs []scase
	add := func(format, input, targets string) {
		cs = append(cs, scase{format: format, input: input, targets: targets})
	}

	// integers, each with %n after it to show what was consumed
	ints := []string{"0", "42", "-42", "+7", "  12abc", "0x1f", "0X1F", "017", "089", "x", "", "   ", "-", "+", "- 5",
		"0x", "0xg", "-0x10", "00x5", "1f", "2147483647", "2147483648", "-2147483649", "4294967295", "4294967296",
		"9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551615",
		"18446744073709551616", "99999999999999999999999", "-99999999999999999999999", "\t\n\v\f\r9"}
	for _, conv := range "diuoxX" {
		for _, in := range ints {
			add("%"+string(conv)+"%n", in, "ii")
		}
	}
	// length modifiers: conversion through long (strtol) then the type
	mods := []struct{ mod, t string }{{"hh", "c"}, {"h", "h"}, {"", "i"}, {"l", "l"}, {"ll", "l"}, {"q", "l"},
		{"L", "l"}, {"j", "l"}, {"z", "l"}, {"t", "l"}}
	for _, m := range mods {
		for _, conv := range "dux" {
			for _, in := range []string{"-1", "300", "-129", "70000", "4294967297", "-9223372036854775809", "18446744073709551615"} {
				add("%"+m.mod+string(conv), in, m.t)
			}
		}
		add("abc%"+m.mod+"n", "abcdef", m.t)
	}
	// widths
	for _, c := range [][2]string{
		{"%1d%d", "-5"}, {"%2d%d", "-5"}, {"%2d%d", "12345"}, {"%3x%n", "0x1f"}, {"%2x%n", "0x1f"}, {"%4x%n", "0x1f"},
		{"%2i%n", "0x1f"}, {"%1i%n", "0x"}, {"%3i%n", "-0x1"}, {"%2i%n", "-0x1"}, {"%0d%n", "123"}, {"%1o%n", "78"},
		{"%99999999999d%n", "123"}, {"%2u%n", "+5"},
	} {
		add(c[0], c[1], "ii")
	}
	// suppression
	add("%*d %d", "1 2", "i")
	add("%*d%n", "123", "i")
	add("%*d", "", "")
	add("%*d%d", "5", "i")
	add("%*s %s", "ab cd", "s")
	add("%*c%c", "xy", "c")
	add("%*[a-z]%s", "abc123", "s")
	add("%*f%f", "1.5 2.5", "f")
	add("%*5c%n", "abcdefg", "i")
	add("%*d%*d", "1 2", "")
	add("%*l[a-z]%n", "abc1", "i")
	add("%*lc%n", "\xe9", "i")
	// failures and the count
	for _, c := range [][3]string{
		{"%d", "abc", "i"}, {"%d %d", "12 x", "ii"}, {"%d %d", "12", "ii"}, {"%d %d", "12 ", "ii"}, {"%d", "", "i"},
		{"%d", "   ", "i"}, {"a%d", "b1", "i"}, {"a%d", "", "i"}, {"a%d", "a", "i"}, {"%d a", "1 ", "i"},
		{"%d a%d", "1 a", "ii"}, {"%d%s", "1", "is"}, {"x%n", "", "i"}, {"%n", "", "i"}, {" %n", "   ", "i"},
		{" ", "", ""}, {"%d%n%n%d", "123", "iiii"}, {"%s%d", "ab", "si"}, {"%c%d", "a", "ci"},
	} {
		add(c[0], c[1], c[2])
	}
	// floats
	floats := []string{"0", "-0", "1", "1.5", ".5", "5.", ".", "-.", "-", "+", "-x", "1e5", "1E-5", "1e", "1e+", "1e-x",
		"1.5e3x", "1.5.3", "1e5.3", "1e5e3", "0e5", "00.5", "0x1p3", "0x1.8p1", "0x", "0xg", "0x.8", "0x1p", "0X1P-2",
		"0x.p1", "0x1e3", "0x1.fffffffffffff8p0", "-0x1.0p-1074", "0x1p-1075", "0x1.8p-1074", "inf", "INF", "infinity",
		"infinit", "infx", "-inf", "+Infinity", "nan", "NaN", "-nan", "nan(123)", "nax", "in", "i", "n",
		"1.7976931348623157e308", "1.7976931348623158e308", "1.8e308", "4.9e-324", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "1e-400", "3.4028235e38", "3.4028236e38", "3.5e38", "1.4e-45", "7.006e-46",
		"1.1754943e-38", "0.1", "0.30000000000000004", "123456789012345678901234567890", "9007199254740993",
		"9007199254740995", "1.00000005960464477539062500", "1.000000059604644775390625001", "16777217", "16777219",
		"0.0000000000000000000000000000000000000000000000000000001e55", "1e4932", "1.18973149535723176502e+4932",
		"1.2e4932", "3.6e-4951", "3.64519953188247460253e-4951", "1e-4960", "+1.5", "18446744073709551617",
		"18446744073709551615.5", "0x1.0000008p0", "0x1.00000000000008p0", "0x1.0000000000000001p0",
		"0x1.00000000000000018p0", "0x1p16384", "0x1p-16445", "0x1p-16446", "1" + strings.Repeat("0", 400) + "e-400",
		"0." + strings.Repeat("0", 330) + "247032822920623272088284396434110686182529901307162382212792841250337753635104375932649918180817996189898282347722858865463328355177969898199387398005390939063150356595155702263922908583924491051844359318028499365361525003193704576782492193656236698636584807570015857692699037063119282795585513329278343384093519780155312465972635795746227664652728272200563740064854999770965994704540208281662262378573934507363390079677619305775067401763246736009689513405355374585166611342237666786041621596804619144672918403005300575308490487653917113865916462395249126236538818796362393732804238910186723484976682350898633885879256283027559956575244555072551893136908362547791869486679949683240497058210285131854513962138377228261454376934125320985913276672363281255",
	}
	for _, in := range floats {
		add("%f%n", in, "fi")
		add("%lf%n", in, "di")
		add("%Lf%n", in, "Di")
	}
	for _, conv := range []string{"e", "E", "g", "G", "a", "A", "F"} {
		for _, in := range []string{"2.5", "-0x1.8p1", "nan", "1e-2x"} {
			add("%l"+conv+"%n", in, "di")
		}
	}
	for _, c := range [][2]string{
		{"%3f%n", "1.5e3"}, {"%4f%n", "-1e5"}, {"%2f%n", "0x1p3"}, {"%3f%n", "0x1p3"}, {"%1f%n", "-1"},
		{"%2f%n", "-1"}, {"%2f%n", "infinity"}, {"%3f%n", "infinity"}, {"%5f%n", "infinity"}, {"%4f%n", "infinity"},
		{"%2f%n", "nan"}, {"%1f%n", "05"}, {"%2f%n", "0x"}, {"%4f%n", "1e+5"}, {"%2f%n", ".5"},
	} {
		add(c[0], c[1], "fi")
	}
	add("%qf %llf %jf %zf %hf", "1.5 2.5 3.5 4.5 5.5", "DDddf")
	cs = append(cs, roundingCases()...)
	cs = append(cs, randomScanCases(400)...)
	// strings and characters
	for _, c := range [][3]string{
		{"%s%n", "hello world", "si"}, {"%s%n", "  lead", "si"}, {"%s", "", "s"}, {"%s", "   ", "s"},
		{"%s%s", "a\tb", "ss"}, {"%3s%n", "abcdef", "si"}, {"%1s%s", "ab", "ss"}, {"%c%n", " x", "ci"},
		{" %c%n", " x", "ci"}, {"%5c%n", "abc", "si"}, {"%3c", "", "s"}, {"%3c%n", "a b c", "si"}, {"%c%c", "a", "cc"},
		{"%lc%n", "a", "wi"}, {"%lc%n", "\xe9", "wi"}, {"%3lc%n", "ab\xe9d", "wi"}, {"%ls%n", "ab cd", "wi"},
		{"%ls%n", "a\xe9", "wi"}, {"%3ls%n", "abcdef", "wi"}, {"%S%n", "xyz", "wi"}, {"%C%n", "q", "wi"},
		{"%2C%n", "qr", "wi"}, {"%Lc%n", "z", "wi"}, {"%s", "\xe9\xff", "s"}, {"%lc", "", "w"}, {"%ls", "", "w"},
	} {
		add(c[0], c[1], c[2])
	}
	// sets
	for _, c := range [][3]string{
		{"%[a-z]%n", "abc123", "si"}, {"%[^\n]%n", "line one\nline two", "si"}, {"%[]a]%n", "]]a]b", "si"},
		{"%[^]a]%n", "xy]z", "si"}, {"%[-a]%n", "--a-b", "si"}, {"%[a-]%n", "a-a-b", "si"}, {"%[z-a]%n", "z-ab", "si"},
		{"%[a-c-e]%n", "abcdef", "si"}, {"%[0-9]%n", "x", "si"}, {"%[a%n", "a", "si"}, {"%[a-z]", "", "s"},
		{"%2[a-z]%n", "abc", "si"}, {"%[^a-z]%n", "123abc", "si"}, {"%l[a-z]%n", "abc", "wi"},
		{"%l[^z]%n", "a\xe9", "wi"}, {"%l[^z]%n", "\xe9", "wi"}, {"%[\xe0-\xef]%n", "\xe5\xe9\xf0", "si"},
		{"%[]]%n", "]]]x", "si"}, {" %[a]%n", "  aab", "si"}, {"%[a]%n", " a", "si"}, {"%[]-a]%n", "]^_`ab", "si"},
		{"%[^]%n", "abc", "si"}, {"%[--/]%n", "-./0", "si"}, {"%[^-]%n", "ab-c", "si"}, {"%[a-a]%n", "aab", "si"},
		{"%[ab]%[cd]", "abcd", "ss"}, {"%[a-z]%d", "abc", "si"}, {"%2l[a-z]%n", "abc", "wi"}, {"%l[a-z]", "", "w"},
	} {
		add(c[0], c[1], c[2])
	}
	// pointers
	for _, in := range []string{"0x1234", "1234", "(nil)", "(NIL)", "(nix)", "(ni", "-1", "0xffffffffffffffff", "", "x"} {
		add("%p%n", in, "li")
	}
	add("%4p%n", "(nil)", "li")
	add("%5p%n", "(nil)", "li")
	// white space and literals
	for _, c := range [][3]string{
		{"%d%d", "1 2", "ii"}, {"%d,%d", "1 ,2", "ii"}, {"%d ,%d", "1 ,2", "ii"}, {" %d", "\t\n 5", "i"},
		{"%d %n", "5   x", "ii"}, {"x y%n", "x\n\ny", "i"}, {"x y%n", "xy", "i"}, {"x  y%n", "x   y", "i"},
		{"%d\n%n", "7", "ii"}, {"a b", "a", ""}, {" \xe9%n", "  \xe9", "i"}, {"\xe9%n", "\xe9", "i"},
		{"%%%d", "%5", "i"}, {"%%%d", " %5", "i"}, {"%d%%", "5%", "i"}, {"%d%%%n", "5x", "ii"}, {"%%", "", ""},
		{"%5%%n", "%", "i"}, {"%*%%n", "%", "i"},
	} {
		add(c[0], c[1], c[2])
	}
	// positions, unknown conversions, flags without effect here
	for _, c := range [][3]string{
		{"%2$d %1$d", "1 2", "ii"}, {"%1$d %1$d", "1 2", "i"}, {"%2$s %d", "ab 3", "is"}, {"%y%n", "x", "i"},
		{"%%n", "x", "i"}, {"%l", "1", "i"}, {"%5", "1", "i"}, {"%Id%n", "12", "ii"}, {"%I2d%n", "1234", "ii"},
		{"%2Id", "12", "i"}, {"%'d%n", "1,234", "ii"}, {"%lhd", "1", "h"}, {"%hhhd", "1", "c"},
	} {
		add(c[0], c[1], c[2])
	}
	// allocating conversions
	for _, c := range [][3]string{
		{"%ms%n", "hello world", "mi"}, {"%m[a-z]%n", "abc1", "mi"}, {"%m[a-z]%n", "1", "mi"}, {"%ms", "", "m"},
		{"%d %ms", "1 ", "im"}, {"%as%n", "1.5s", "fi"}, {"%a[a-z]", "0x1p2", "f"},
	} {
		add(c[0], c[1], c[2])
	}
	for _, c := range [][3]string{
		{"%as%n", "hello world", "mi"}, {"%a[a-z]%n", "abc1", "mi"}, {"%af%n", "0x1p2", "fi"},
	} {
		cs = append(cs, scase{format: c[0], input: c[1], targets: c[2], gnu: true})
	}
	return cs
}

// roundingCases are the hard cases of decimal to binary conversion, for
// float, double and x87 long double: numbers exactly halfway between two
// neighbours (normal and subnormal; ties go to even) and a hair above and
// below them, written out in full decimal, and random decimals.
func roundingCases() []scase {
	var cs []scase
	rng := rand.New(rand.NewPCG(1, 2))
	type format struct {
		conv, target string
		p, emin      int // significant bits, least normal exponent
	}
	formats := []format{{"%f", "f", 24, -126}, {"%lf", "d", 53, -1022}, {"%Lf", "D", 64, -16382}}
	for _, f := range formats {
		// m × 2^q, q the exponent of the last bit: normal m has p bits;
		// at the least q (sub) m may have fewer (subnormal numbers)
		sub := f.emin - f.p + 1
		type num struct {
			bits, q int
		}
		nums := []num{{f.p, 1 - f.p}, {f.p, -f.p - 5}, {f.p, 10}, {f.p, -f.p - 20}, {f.p, sub + 5}, {f.p, sub},
			{f.p - 3, sub}, {3, sub}, {1, sub}, {0, sub}}
		for _, n := range nums {
			m := new(big.Int)
			for i := 0; i < n.bits; i++ {
				m.Lsh(m, 1)
				if i == 0 || rng.IntN(2) == 1 {
					m.SetBit(m, 0, 1)
				}
			}
			// the midpoint (2m+1) × 2^(q-1) in decimal: for j = q-1 < 0
			// it is (2m+1) × 5^-j × 10^j
			mid := new(big.Int).Lsh(m, 1)
			mid.Add(mid, big.NewInt(1))
			j := n.q - 1
			if j >= 0 {
				mid.Lsh(mid, uint(j))
				j = 0
			} else {
				mid.Mul(mid, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(-j)), nil))
			}
			below := new(big.Int).Sub(mid, big.NewInt(1)).String()
			for _, in := range []string{
				fmt.Sprintf("%se%d", mid, j),      // halfway: to even
				fmt.Sprintf("%s1e%d", mid, j-1),   // a hair above
				fmt.Sprintf("%s9e%d", below, j-1), // a hair below
			} {
				cs = append(cs, scase{format: f.conv + "%n", input: in, targets: f.target + "i"})
			}
		}
		for i := 0; i < 25; i++ {
			var b strings.Builder
			if rng.IntN(2) == 0 {
				b.WriteByte('-')
			}
			for n := 1 + rng.IntN(30); n > 0; n-- {
				b.WriteByte(byte('0' + rng.IntN(10)))
				if n == 3 {
					b.WriteByte('.')
				}
			}
			fmt.Fprintf(&b, "e%d", rng.IntN(2*-f.emin*3/10)-(-f.emin*3/10)-10)
			cs = append(cs, scase{format: f.conv + "%n", input: b.String(), targets: f.target + "i"})
		}
	}
	return cs
}

// randomScanCases are formats drawn from every conversion, flag, width
// and modifier, with literals and white space, each run on an input made
// of a token that suits each directive (a number, a word, the literal),
// now and then corrupted. Targets are 256-byte buffers (B), more than
// any conversion of these inputs writes.
func randomScanCases(n int) []scase {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	digits := func(set string, max int) string {
		var b strings.Builder
		for k := 1 + rng.IntN(max); k > 0; k-- {
			b.WriteByte(set[rng.IntN(len(set))])
		}
		return b.String()
	}
	var cs []scase
	for len(cs) < n {
		var f, in strings.Builder
		targets := ""
		for k := 1 + rng.IntN(5); k > 0; k-- {
			if rng.IntN(5) == 0 {
				lit := pick(" ", "a", "-", "x", "%%", "\t", "0", ".")
				f.WriteString(lit)
				switch lit {
				case " ", "\t":
					in.WriteString(pick("", " ", "\n ", "\t"))
				case "%%":
					in.WriteString(pick("%", "", " %"))
				default:
					in.WriteString(pick(lit, lit, lit, "", "y"))
				}
				continue
			}
			f.WriteByte('%')
			suppress := rng.IntN(5) == 0
			if suppress {
				f.WriteByte('*')
			}
			if rng.IntN(3) == 0 {
				f.WriteByte(byte('1' + rng.IntN(5)))
			}
			conv := pick("d", "i", "u", "o", "x", "X", "f", "e", "g", "a", "E", "s", "c", "p", "n", "[", "[^", "C", "S")
			mod := pick("", "", "", "hh", "h", "l", "ll", "L", "j", "z", "t", "q")
			if conv == "p" || conv == "C" || conv == "S" || conv[0] == '[' && strings.Contains(mod, "h") {
				mod = ""
			}
			f.WriteString(mod + conv)
			if conv[0] == '[' {
				f.WriteString(pick("a-c", "]x", "-a", "0-9.", "x-", "^", "a-c-e") + "]")
			}
			if !suppress {
				targets += "B"
			}
			in.WriteString(pick("", "", " ", "  ", "\t"))
			var tok string
			switch conv {
			case "d", "i", "u", "o", "x", "X", "p":
				tok = pick(digits("0123456789", 6), "-"+digits("01234567", 4), "0x"+digits("0123456789abcdefABCDEF", 5),
					"0X"+digits("0123456789abcdef", 3), "0"+digits("01234567", 3), "(nil)", "(ni", "+", "-", "0x",
					"99999999999999999999", "-4294967296", "4294967295", "x")
			case "f", "e", "g", "a", "E":
				tok = pick(digits("0123456789", 4)+"."+digits("0123456789", 4), "-0x"+digits("0123456789abcdef", 3)+".8p"+digits("0123456789", 2),
					"1e"+digits("+-0123456789", 3), "1e", ".5", "-", "0x", "0x.", "inf", "-Infinity", "infin", "nan", "NAN(1)",
					"1e+", digits("0123456789.eE+-", 6))
			case "n":
			default:
				tok = digits("abcx-]09.\xe9", 6)
			}
			if tok != "" && rng.IntN(6) == 0 { // corrupt a byte
				i := rng.IntN(len(tok))
				tok = tok[:i] + pick("z", "", " ", "-", ".", "e", "x") + tok[i+1:]
			}
			in.WriteString(tok)
		}
		cs = append(cs, scase{format: f.String(), input: in.String(), targets: targets})
	}
	return cs
}

// scanfOracle compiles the cases into one C program and returns, per
// case, glibc's line: sscanf's result and the bytes of every target, then
// "|", fscanf's result and the stream position after it (what was
// consumed, failures included) reading the same input from a file.
func scanfOracle(t *testing.T, cs []scase) []string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatalf("the scanf oracle needs the host gcc (make setup installs it): %v", err)
	}
	var src strings.Builder
	src.WriteString(`#include <stdio.h>
#include <string.h>
#include <stdlib.h>
extern int gnu_sscanf(const char *, const char *, ...) __asm__("sscanf");
extern int gnu_fscanf(FILE *, const char *, ...) __asm__("fscanf");
static unsigned char t[8][256], u[8][256];
static void hex(const unsigned char *p, size_t n) { for (size_t i = 0; i < n; i++) printf("%02x", p[i]); }
static void target(const unsigned char *p, int n, int alloc) {
  printf(" ");
  if (!alloc) { hex(p, n); return; }
  int untouched = 1;
  for (int i = 0; i < 8; i++) if (p[i] != 0xaa) untouched = 0;
  char *q; memcpy(&q, p, sizeof q);
  if (untouched) printf("untouched");
  else if (!q) printf("null");
  else { printf("m:"); hex((unsigned char *)q, strlen(q)); }
}
int main(void) {
  int r, r2; long pos; FILE *fp;
`)
	for _, c := range cs {
		var args []string
		for k := range c.targets {
			args = append(args, fmt.Sprintf(", t[%d]", k))
		}
		uargs := strings.ReplaceAll(strings.Join(args, ""), "t[", "u[")
		call, fcall := "sscanf", "fscanf"
		if c.gnu {
			call, fcall = "gnu_sscanf", "gnu_fscanf"
		}
		fmt.Fprintf(&src, "  { static const char in[] = %s; memset(t, 0xaa, sizeof t); r = %s(in, %s%s); printf(\"%%d\", r);\n",
			cQuote(c.input), call, cQuote(c.format), strings.Join(args, ""))
		for k := range c.targets {
			alloc := 0
			if c.targets[k] == 'm' {
				alloc = 1
			}
			fmt.Fprintf(&src, "    target(t[%d], %d, %d);\n", k, scanTargetSize[c.targets[k]], alloc)
		}
		fmt.Fprintf(&src, "    fp = tmpfile(); fwrite(in, 1, sizeof in - 1, fp); rewind(fp); memset(u, 0xaa, sizeof u);\n"+
			"    r2 = %s(fp, %s%s); pos = ftell(fp); fclose(fp); printf(\" | %%d %%ld\\n\", r2, pos); }\n", fcall, cQuote(c.format), uargs)
	}
	src.WriteString("  return 0;\n}\n")
	dir := t.TempDir()
	cfile := filepath.Join(dir, "scanf_oracle.c")
	if err := os.WriteFile(cfile, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "scanf_oracle")
	if out, err := exec.Command(gcc, "-w", "-O0", "-fno-builtin", "-o", exe, cfile).CombinedOutput(); err != nil {
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

// ptrArgs yields the targets' addresses; scanf asks for nothing else.
type ptrArgs struct{ addrs []uint64 }

func (a *ptrArgs) Int(size int) (uint64, error) {
	if size != 8 {
		return 0, fmt.Errorf("pointer read as %d bytes", size)
	}
	if len(a.addrs) == 0 {
		return 0, errors.New("no argument left")
	}
	v := a.addrs[0]
	a.addrs = a.addrs[1:]
	return v, nil
}

func (a *ptrArgs) Double() (float64, error) { return 0, errors.New("scanf read a double argument") }
func (a *ptrArgs) LongDouble() (uint64, uint64, error) {
	return 0, 0, errors.New("scanf read a long double argument")
}

// engineLine runs the engine on a case as the oracle runs glibc (amd64
// types) and prints its line the same way.
func engineLine(c scase) string {
	const base, heapAt = 0x100000, 0x110000
	mem := memory.NewMap(binary.LittleEndian)
	region := memory.NewRegion(base, make([]byte, 0x20000), memory.RW, "scanf")
	const span = scanTargetSpan
	if err := mem.Add(region); err != nil {
		return err.Error()
	}
	for i := range region.Data[:8*span] {
		region.Data[i] = 0xaa
	}
	next := uint64(heapAt)
	p := &model.Scanf{WordSize: 8, Mem: mem, LongDouble: model.LDX87, GNUAlloc: c.gnu,
		Malloc: func(n uint64) (uint64, error) {
			a := next
			next += (n + 15) &^ 15
			return a, nil
		}}
	args := &ptrArgs{}
	for k := range c.targets {
		args.addrs = append(args.addrs, base+uint64(span*k))
	}
	in := &model.BytesInput{B: []byte(c.input)}
	n, err := p.Scan([]byte(c.format), in, args)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d", n)
	for k, kind := range []byte(c.targets) {
		obj := region.Data[span*k : span*k+scanTargetSize[kind]]
		b.WriteByte(' ')
		if kind != 'm' {
			b.WriteString(hex.EncodeToString(obj))
			continue
		}
		ptr := binary.LittleEndian.Uint64(obj)
		switch {
		case ptr == 0xaaaaaaaaaaaaaaaa:
			b.WriteString("untouched")
		case ptr == 0:
			b.WriteString("null")
		default:
			s, err := mem.CString(ptr, 1<<16)
			if err != nil {
				return "error: " + err.Error()
			}
			b.WriteString("m:" + hex.EncodeToString([]byte(s)))
		}
	}
	fmt.Fprintf(&b, " | %d %d", n, in.Pos)
	return b.String()
}

func TestScanfMatchesGlibc(t *testing.T) {
	cs := scanfCases()
	want := scanfOracle(t, cs)
	pass := 0
	for i, c := range cs {
		got := engineLine(c)
		if got != want[i] {
			t.Errorf("case %d: sscanf(%q, %q) [%s]:\n got  %s\n want %s", i, c.input, c.format, c.targets, got, want[i])
			continue
		}
		pass++
	}
	t.Logf("scanf oracle: %d/%d cases equal glibc", pass, len(cs))
}
