package model_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smallworld-go/smallworld/platform"
)

// The time models against glibc: the cases below become a C program,
// built with the host gcc and run natively with TZ=UTC and LC_ALL=C
// (amd64, 64-bit time_t), and built for i686 and run under qemu-i386
// (32-bit time_t); each case prints one line, which the models must
// reproduce byte for byte through their Binding on amd64 and i386.

// ftCase is a strftime call: on the fields given, or on gmtime_r
// ('g') or localtime_r ('l') of t.
type ftCase struct {
	format   string
	max      int
	from     byte
	t        int64
	f        [9]int32
	gmtoff   int64
	zone     string
	zoneNull bool
}

// mkCase is mktime (local) or timegm of fields.
type mkCase struct {
	local bool
	f     [9]int32
}

// ascCase is asctime and asctime_r of fields (or of NULL).
type ascCase struct {
	f    [9]int32
	null bool
}

type timeOracle struct {
	ft   []ftCase
	mk   []mkCase
	gm   []int64 // gmtime, localtime, asctime, ctime, ctime_r, gmtime_r of each
	asc  []ascCase
	diff [][2]int64
}

// date is the time of a UTC date (Go's proleptic Gregorian calendar):
// it picks the inputs, never the answers.
func date(y, mon, d, h, m, s int) int64 {
	return time.Date(y, time.Month(mon), d, h, m, s, 0, time.UTC).Unix()
}

const ftMax = 200

func timeOracleCases() *timeOracle {
	o := &timeOracle{}
	ft := func(c ftCase) {
		if c.max == 0 {
			c.max = ftMax
		}
		o.ft = append(o.ft, c)
	}
	// Every conversion (and letters glibc does not take) under every
	// flag, widths and the E and O modifiers, at three times: a leap
	// day afternoon (local, "UTC"), midnight of a year's last day and a
	// late morning of 1900 (gmtime, "GMT").
	convs := "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%" + "qfiJKLNoQv+:,"
	variants := []string{"", "_", "-", "0", "^", "#", "^#", "12", "_12", "-12", "012", "^12", "#12", "3", "1", "E", "O", "_E", "0O", "^E", "-O5", "00", "_-", "-_"}
	sweep := []struct {
		from byte
		t    int64
	}{{'l', date(2024, 2, 29, 13, 5, 9)}, {'g', date(1999, 12, 31, 0, 0, 7)}, {'g', date(1900, 1, 1, 11, 59, 59)}}
	for _, at := range sweep {
		for _, v := range variants {
			for _, ch := range convs {
				ft(ftCase{format: "%" + v + string(ch), from: at.from, t: at.t})
			}
		}
	}
	// Year, week and day numbers around the turn of many years (ISO
	// weeks straddle them), hours moving through AM and PM.
	years := []int{-101, -5, -1, 0, 1, 99, 999, 1582, 1899, 1900, 1901, 1904, 1969, 1970, 1971, 1999, 2000, 2004, 2008, 2009, 2010, 2015, 2016, 2020, 2021, 2026, 2037, 2038, 2099, 2100, 2400, 9999, 10000, 12345}
	k := 0
	for _, y := range years {
		for d := -6; d <= 7; d++ {
			k++
			t := date(y+1, 1, 1, k*7%24, k%60, k*13%60) + int64(d)*86400
			ft(ftCase{format: "%Y %G %g %V %U %W %j %u %w %C %y %s|%c|%D %F %x %e %k %l %I %p", from: "gl"[k%2], t: t})
		}
	}
	// Far times (64-bit time_t only).
	for _, t := range []int64{-1, 1 << 31, -1<<31 - 1, 1e11, 1e12, -1e12, 1e15, -6e16, 67768036191676799, -67768040609740800} {
		ft(ftCase{format: "%Y-%m-%d %H:%M:%S %G-W%V-%u %j %C %y %g %s %a %b", from: 'g', t: t})
	}
	// Out-of-range fields: printed as they are, in C int arithmetic.
	weird := [][9]int32{
		{-3, -3, -3, -3, -3, -3, -3, -3, 0},
		{100, 100, 25, 100, 13, 124, 9, 400, 0},
		{60, 59, 24, 31, 11, 99, 7, 365, 1},
		{0, 0, 12, 1, 12, 0, -1, -1, -1},
		{0, 0, -12, 0, -1, -1900, 6, 0, 0},
		{0, 0, 0, 1, 0, -1905, 1, 0, 0},
		{0, 0, 0, 1, 0, -6000, 0, 364, 0},
		{math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32},
		{math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32},
		{0, 0, 0, 1, 0, math.MaxInt32, 1, 0, 0},
		{0, 0, 0, 1, 0, math.MaxInt32 - 1900, 5, 0, 0},
		{0, 0, 0, 31, 11, math.MaxInt32, 3, 364, 0},
		{0, 0, 0, 1, 0, math.MinInt32, 0, 2, 0},
		{0, 0, 0, 1, 0, 124, 0, -400, 0},
		{0, 0, 0, 1, 0, 124, 3, -1000, 0},
		{0, 0, 0, 1, 0, 124, -10, 3, 0},
		{0, 0, 0, 1, 0, 124, 1000, 1000, 0},
		{0, 0, 0, 1, 0, 123, 0, 365, 0},
		{0, 0, 0, 1, 0, 124, 2, 365, 0},
		{0, 0, 0, 1, 0, 124, 0, 0, 1},
		{30, 0, 0, 1, 0, 124, 0, 0, 5},
	}
	for _, f := range weird {
		for _, format := range []string{
			"%a|%A|%b|%B|%h|%p|%P|%d|%e|%H|%I|%k|%l|%j|%m|%M|%S|%u|%w",
			"%U|%W|%V|%G|%g|%C|%y|%Y|%s|%EC|%Ey|%OV",
			"%c|%D|%x|%r|%T|%F|%R",
			"%5d|%_5j|%-5Y|%05e|%_3C|%-y|%10G|%_10s",
		} {
			ft(ftCase{format: format, f: f, zone: "UTC"})
		}
	}
	// %z and %Z: tm_gmtoff and tm_zone as given.
	for _, off := range []int64{0, 3600, -18000, 19800, -1, 59, -59, 60, -60, 86399, -86399, 1e6, -1e9, math.MaxInt32, math.MinInt32, 5e10, -5e10, math.MaxInt64, math.MinInt64} {
		ft(ftCase{format: "%z|%_z|%-z|%010z|%8z|%_8z|%-8z|%Ez|%Oz|%^z|%1z", f: [9]int32{0, 0, 0, 1, 0, 124, 1}, gmtoff: off, zone: "X"})
	}
	zf := "%Z|%^Z|%#Z|%^#Z|%10Z|%010Z|%-10Z|%EZ"
	for _, isdst := range []int32{-1, 0, 1} {
		for _, z := range []string{"", "CEST", "Pacific/Kiritimati", "utc", "Mixed+Case-1"} {
			ft(ftCase{format: zf, f: [9]int32{0, 0, 0, 1, 0, 124, 1, 0, isdst}, zone: z})
		}
		ft(ftCase{format: zf, f: [9]int32{0, 0, 0, 1, 0, 124, 1, 0, isdst}, zoneNull: true})
	}
	// The buffer's size: 0 when the text and its NUL do not fit, the
	// buffer holding the items that did.
	for _, format := range []string{"%Y-%m-%d %H:%M:%S %z %a", "ab%n%t%%", "%c", "%10z|%-3Y", "%^B %5e", "%Y%"} {
		for max := 0; max <= 30; max++ {
			ft(ftCase{format: format, max: max, from: 'l', t: date(2024, 9, 8, 7, 6, 5)})
		}
	}
	// Where the padding of a number is an item of its own.
	for _, format := range []string{"ab%10d", "ab%_10d", "ab%-10d", "ab%010d", "ab%10e", "ab%-10e", "ab%_10e", "ab%10s", "ab%_10s", "ab%10a", "ab%_10j", "ab%10C", "ab%_10Y", "ab%5z", "ab%_5z"} {
		for max := 2; max <= 14; max++ {
			ft(ftCase{format: format, max: max, from: 'l', t: date(2024, 9, 8, 7, 6, 5)})
		}
	}
	for _, max := range []int{0, 1, 2} {
		ft(ftCase{format: "", max: max, from: 'g'})
	}
	// Formats glibc reads its own way.
	for _, format := range []string{"", "%", "abc%", "%5", "%_", "%^", "%#", "%E", "%O", "%EO", "%EOd", "%OEd", "%5_d", "%_5", "%^5q", "%#5q",
		"%-5%", "%05%", "%_5%", "%100Y", "%199Y", "%200Y", "%2147483647Y", "%2147483648Y", "%99999999999999999999Y", "%%%%", "%%%",
		"x%nx%tx", "%^c", "%^#c", "%#c", "%^r", "%^p %^P %#p %#P", "%E%|%O%", "\xe9%a\xff%^a", "%^A%#A%-A%_A", "%Ob %OB %Oh %^OB",
		"100%% %Y%% done", "%EC|%Ey|%EY|%Ex|%EX|%Ec", "%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy|%Ok|%Ol|%Oj",
		"%0^10a|%^010b|%_^10p", "%Q%5Q%_5Q", "%12F|%012F|%_12F|%-12F", "%20c|%020c|%-20c", "%9x|%09D|%9R|%09T|%9r"} {
		ft(ftCase{format: format, from: 'l', t: date(2024, 2, 29, 13, 5, 9)})
	}

	// mktime and timegm: non-normalised fields carried into the larger
	// ones; tm_isdst; the limits of time_t and of tm_year.
	bases := [][9]int32{
		{0, 0, 0, 1, 0, 124},
		{59, 59, 23, 31, 11, 99},
		{0, 0, 12, 29, 1, 100},
		{7, 14, 3, 19, 0, 138},
		{52, 45, 20, 13, 11, 1},
		{0, 0, 0, 1, 0, 70},
		{0, 0, 0, 1, 0, 0},
		{0, 0, 0, 1, 0, -1900},
	}
	perturb := []struct{ field, v int32 }{
		{4, 12}, {4, 14}, {4, -1}, {4, -13}, {4, 24}, {4, -25}, {4, 100},
		{3, 0}, {3, -1}, {3, 32}, {3, 60}, {3, 366}, {3, -366}, {3, 1000},
		{2, 24}, {2, -1}, {2, 48}, {2, -25}, {2, 1000},
		{1, 60}, {1, -1}, {1, 1440}, {1, -100000},
		{0, 60}, {0, 61}, {0, -1}, {0, 86400}, {0, -86400}, {0, math.MaxInt32}, {0, math.MinInt32},
		{8, 1}, {8, 5}, {8, -1},
		{6, 99}, {7, -99},
	}
	var mk [][9]int32
	for i, b := range bases {
		mk = append(mk, b)
		for j, p := range perturb {
			if (i+j)%3 == 0 || i < 2 {
				f := b
				f[p.field] = p.v
				mk = append(mk, f)
			}
		}
	}
	mk = append(mk,
		[9]int32{8, 14, 3, 19, 0, 138},          // 2^31: past 32-bit time_t
		[9]int32{51, 45, 20, 13, 11, 1},         // -2^31 - 1
		[9]int32{7, 14, 4, 19, 0, 138, 0, 0, 1}, // 2^31 - 1 + an hour, as daylight time
		[9]int32{59, 59, 23, 31, 11, math.MaxInt32},
		[9]int32{60, 59, 23, 31, 11, math.MaxInt32},
		[9]int32{0, 0, 0, 1, 12, math.MaxInt32},
		[9]int32{0, 0, 0, 1, 0, math.MinInt32},
		[9]int32{-1, 0, 0, 1, 0, math.MinInt32},
		[9]int32{0, 0, 0, 1, -1, math.MinInt32 + 1},
		[9]int32{math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, 124},
		[9]int32{math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, 124},
		[9]int32{math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, 0},
		[9]int32{math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32},
	)
	for _, f := range mk {
		o.mk = append(o.mk, mkCase{true, f}, mkCase{false, f})
	}

	o.gm = []int64{0, -1, 1, 1704067200, 951782400, 951868799, 4107542400, 1<<31 - 1, -1 << 31, 1 << 31, 253402300799, 253402300800,
		-62135596800, -62135596801, -62167219200, -1e12, 1e14, 67768036191676799, 67768036191676800, -67768040609740800, -67768040609740801,
		math.MaxInt64, math.MinInt64, 1e9, -2208988800, -2208988801}
	o.asc = []ascCase{
		{f: [9]int32{0, 0, 0, 1, 0, 124, 1}},
		{f: [9]int32{59, 59, 23, 31, 11, 8099, 5, 364}},
		{f: [9]int32{0, 0, 0, 1, 0, 8100, 6}},
		{f: [9]int32{0, 0, 0, 1, 0, -1900, 6}},
		{f: [9]int32{0, 0, 0, 1, 0, -2000, 6}},
		{f: [9]int32{0, 0, 0, 1, 0, -1901}},
		{f: [9]int32{-3, -3, -3, -3, -1, 124, -1}},
		{f: [9]int32{100, 100, 100, 100, 12, 124, 7}},
		{f: [9]int32{0, 0, 0, 1, 0, math.MaxInt32 - 1900, 1}},
		{f: [9]int32{0, 0, 0, 1, 0, math.MaxInt32 - 1899, 1}},
		{f: [9]int32{0, 0, 0, 1, 0, math.MinInt32, 1}},
		{f: [9]int32{math.MinInt32, math.MinInt32, math.MinInt32, math.MinInt32, 0, 0, 0}},
		{f: [9]int32{1, 2, 3, 10, 5, 99, 2}},
		{null: true},
	}
	o.diff = [][2]int64{{0, 0}, {1704067200, 0}, {0, 1704067200}, {1<<31 - 1, -1 << 31}, {-1 << 31, 1<<31 - 1}, {5, 7},
		{math.MaxInt64, math.MinInt64}, {math.MinInt64, math.MaxInt64}, {1 << 53, -1}, {1<<53 + 1, 0}, {math.MaxInt64, 0}, {math.MaxInt64 - 1023, -513}}
	return o
}

// fits32 restricts cases to what a 32-bit time_t and long hold.
func fits32(v int64) bool { return int64(int32(v)) == v }

func (o *timeOracle) for32() *timeOracle {
	n := &timeOracle{mk: o.mk, asc: o.asc}
	for _, c := range o.ft {
		if (c.from == 0 || fits32(c.t)) && fits32(c.gmtoff) {
			n.ft = append(n.ft, c)
		}
	}
	for _, t := range o.gm {
		if fits32(t) {
			n.gm = append(n.gm, t)
		}
	}
	for _, d := range o.diff {
		if fits32(d[0]) && fits32(d[1]) {
			n.diff = append(n.diff, d)
		}
	}
	return n
}

func cInts(f [9]int32) string {
	s := make([]string, 9)
	for i, v := range f {
		s[i] = fmt.Sprintf("(int)%#x", uint32(v))
	}
	return "{" + strings.Join(s, ",") + "}"
}

// source is the oracle's C program.
func (o *timeOracle) source() string {
	var b strings.Builder
	b.WriteString(`#include <stdio.h>
#include <string.h>
#include <time.h>
struct fc { const char *fmt; unsigned long max; int from; long long t; int f[9]; long long gmtoff; const char *zone; };
struct mc { int local; int f[9]; };
struct ac { int null; int f[9]; };
static char buf[512];
static const char junk[] = "junk";
static void hex(const char *p, size_t n) { if (!n) printf("-"); for (size_t i = 0; i < n; i++) printf("%02x", (unsigned char)p[i]); }
static void set(struct tm *t, const int *f) { t->tm_sec = f[0]; t->tm_min = f[1]; t->tm_hour = f[2]; t->tm_mday = f[3]; t->tm_mon = f[4];
  t->tm_year = f[5]; t->tm_wday = f[6]; t->tm_yday = f[7]; t->tm_isdst = f[8]; }
static void fields(const struct tm *p) {
  if (!p) { printf("NULL"); return; }
  printf("%d %d %d %d %d %d %d %d %d %ld %s", p->tm_sec, p->tm_min, p->tm_hour, p->tm_mday, p->tm_mon, p->tm_year, p->tm_wday, p->tm_yday,
    p->tm_isdst, (long)p->tm_gmtoff, p->tm_zone == junk ? "junk" : p->tm_zone ? p->tm_zone : "(null)"); }
static void str(const char *s) { if (s) hex(s, strlen(s)); else printf("NULL"); }
static const struct fc fcs[] = {
`)
	for _, c := range o.ft {
		zone := "0"
		if !c.zoneNull {
			zone = cQuote(c.zone)
		}
		fmt.Fprintf(&b, "{%s,%d,%d,%dLL,%s,%dLL,%s},\n", cQuote(c.format), c.max, c.from, c.t, cInts(c.f), c.gmtoff, zone)
	}
	b.WriteString("};\nstatic const struct mc mcs[] = {\n")
	for _, c := range o.mk {
		l := 0
		if c.local {
			l = 1
		}
		fmt.Fprintf(&b, "{%d,%s},\n", l, cInts(c.f))
	}
	b.WriteString("};\nstatic const long long gms[] = {\n")
	for _, t := range o.gm {
		fmt.Fprintf(&b, "(long long)%#xULL,\n", uint64(t))
	}
	b.WriteString("};\nstatic const struct ac acs[] = {\n")
	for _, c := range o.asc {
		n := 0
		if c.null {
			n = 1
		}
		fmt.Fprintf(&b, "{%d,%s},\n", n, cInts(c.f))
	}
	b.WriteString("};\nstatic const long long dfs[][2] = {\n")
	for _, d := range o.diff {
		fmt.Fprintf(&b, "{(long long)%#xULL,(long long)%#xULL},\n", uint64(d[0]), uint64(d[1]))
	}
	fmt.Fprintf(&b, `};
int main(void) {
  for (int i = 0; i < %d; i++) {
    const struct fc *c = &fcs[i]; struct tm tm; memset(&tm, 0, sizeof tm);
    if (c->from) { time_t t = (time_t)c->t; if (c->from == 'g') gmtime_r(&t, &tm); else localtime_r(&t, &tm); }
    else { set(&tm, c->f); tm.tm_gmtoff = (long)c->gmtoff; tm.tm_zone = c->zone; }
    memset(buf, 'X', sizeof buf);
    size_t n = strftime(buf, c->max, c->fmt, &tm);
    printf("S%%d %%zu ", i, n); hex(buf, c->max + 1 < sizeof buf ? c->max + 1 : sizeof buf); printf("\n");
  }
  for (int i = 0; i < %d; i++) {
    struct tm tm; memset(&tm, 0x55, sizeof tm); tm.tm_zone = junk; set(&tm, mcs[i].f);
    time_t r = mcs[i].local ? mktime(&tm) : timegm(&tm);
    printf("M%%d %%lld ", i, (long long)r); fields(&tm); printf("\n");
  }
  for (int i = 0; i < %d; i++) {
    time_t t = (time_t)gms[i]; struct tm *p = gmtime(&t);
    printf("G%%d ", i); fields(p);
    printf(" | "); p = localtime(&t); fields(p);
    printf(" | "); str(p ? asctime(p) : 0);
    printf(" | "); str(ctime(&t));
    printf(" | "); memset(buf, 'X', 40); printf("%%s ", ctime_r(&t, buf) == buf ? "ok" : "NULL"); hex(buf, 30);
    struct tm r; memset(&r, 0x55, sizeof r); r.tm_zone = junk;
    printf(" | %%s ", gmtime_r(&t, &r) == &r ? "ok" : "NULL"); fields(&r);
    memset(&r, 0x55, sizeof r); r.tm_zone = junk;
    printf(" | %%s ", localtime_r(&t, &r) == &r ? "ok" : "NULL"); fields(&r); printf("\n");
  }
  for (int i = 0; i < %d; i++) {
    struct tm tm; memset(&tm, 0, sizeof tm); set(&tm, acs[i].f); struct tm *p = acs[i].null ? 0 : &tm;
    printf("A%%d ", i); str(asctime(p));
    memset(buf, 'X', 40); printf(" | %%s ", asctime_r(p, buf) == buf ? "ok" : "NULL"); hex(buf, 30); printf("\n");
  }
  for (int i = 0; i < %d; i++) {
    double d = difftime((time_t)dfs[i][0], (time_t)dfs[i][1]); unsigned long long u; memcpy(&u, &d, 8);
    printf("D%%d %%016llx\n", i, u);
  }
  { time_t a = 0, b = 86400; struct tm *p = gmtime(&a); struct tm *q = localtime(&b);
    printf("P %%d %%d", p == q, p->tm_mday); char *s = asctime(p); char *u = ctime(&a); printf(" %%d %%d\n", s == u, p->tm_mday); }
  return 0;
}
`, len(o.ft), len(o.mk), len(o.gm), len(o.asc), len(o.diff))
	return b.String()
}

// run builds and runs the oracle with cc (and an emulator, if any).
func (o *timeOracle) run(t *testing.T, cc []string, emu []string) []string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "time.c")
	if err := os.WriteFile(src, []byte(o.source()), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "time")
	args := append(append([]string{}, cc[1:]...), "-w", "-O0", "-o", exe, src)
	if out, err := exec.Command(cc[0], args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cc[0], err, out)
	}
	argv := append(append([]string{}, emu...), exe)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run the oracle: %v", err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func hexOr(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return hex.EncodeToString(b)
}

// models prints the oracle's lines from the models of p.
func (o *timeOracle) models(t *testing.T, p *platform.Platform) []string {
	r := newTimeRig(t, p)
	var lines []string
	fail := func(what string, err error) string { return what + " error: " + err.Error() }
	ptr := func(ret int64) uint64 { return uint64(ret) & p.WordMask() }
	tmFields := func(ret int64) string {
		if ret == 0 {
			return "NULL"
		}
		return r.fields(r.getTm(ptr(ret)))
	}
	str := func(ret int64) string {
		if ret == 0 {
			return "NULL"
		}
		return hexOr([]byte(r.cstring(ptr(ret))))
	}
	for i, c := range o.ft {
		r.putTm(tmAt, ctm{}, 0)
		line := fmt.Sprintf("S%d ", i)
		if c.from != 0 {
			r.putWord(timeAt, c.t)
			name := map[byte]string{'g': "gmtime_r", 'l': "localtime_r"}[c.from]
			if _, err := r.call(name, timeAt, tmAt); err != nil {
				lines = append(lines, line+fail(name, err))
				continue
			}
		} else {
			v := ctm{f: c.f, gmtoff: c.gmtoff}
			if !c.zoneNull {
				r.write(zoneAt, append([]byte(c.zone), 0))
				v.zone = zoneAt
			}
			r.putTm(tmAt, v, 0)
		}
		r.write(fmtAt, append([]byte(c.format), 0))
		r.write(bufAt, bytes.Repeat([]byte{'X'}, bufSize))
		n, err := r.call("strftime", bufAt, uint64(c.max), fmtAt, tmAt)
		if err != nil {
			lines = append(lines, line+fail("strftime", err))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s%d %s", line, n, hexOr(r.read(bufAt, min(c.max+1, bufSize)))))
	}
	for i, c := range o.mk {
		r.putTm(tmAt, ctm{f: c.f, gmtoff: 0x5555555555555555, zone: junkAt}, 0x55)
		name := "timegm"
		if c.local {
			name = "mktime"
		}
		ret, err := r.call(name, tmAt)
		if err != nil {
			lines = append(lines, fmt.Sprintf("M%d %s", i, fail(name, err)))
			continue
		}
		lines = append(lines, fmt.Sprintf("M%d %d %s", i, ret, r.fields(r.getTm(tmAt))))
	}
	for i, t := range o.gm {
		r.putWord(timeAt, t)
		var parts []string
		ret, err := r.call("gmtime", timeAt)
		if err != nil {
			lines = append(lines, fail("gmtime", err))
			continue
		}
		parts = append(parts, tmFields(ret))
		loc, err := r.call("localtime", timeAt)
		if err != nil {
			lines = append(lines, fail("localtime", err))
			continue
		}
		parts = append(parts, tmFields(loc))
		if loc != 0 {
			ret, err = r.call("asctime", ptr(loc))
		} else {
			ret, err = 0, nil
		}
		if err != nil {
			lines = append(lines, fail("asctime", err))
			continue
		}
		parts = append(parts, str(ret))
		if ret, err = r.call("ctime", timeAt); err != nil {
			lines = append(lines, fail("ctime", err))
			continue
		}
		parts = append(parts, str(ret))
		r.write(bufAt, bytes.Repeat([]byte{'X'}, 40))
		if ret, err = r.call("ctime_r", timeAt, bufAt); err != nil {
			lines = append(lines, fail("ctime_r", err))
			continue
		}
		parts = append(parts, map[bool]string{true: "ok ", false: "NULL "}[ret == bufAt]+hex.EncodeToString(r.read(bufAt, 30)))
		for _, name := range []string{"gmtime_r", "localtime_r"} {
			r.putTm(tmAt, ctm{gmtoff: 0x5555555555555555, zone: junkAt, f: [9]int32{0x55555555, 0x55555555, 0x55555555, 0x55555555, 0x55555555, 0x55555555, 0x55555555, 0x55555555, 0x55555555}}, 0x55)
			if ret, err = r.call(name, timeAt, tmAt); err != nil {
				parts = append(parts, fail(name, err))
			} else {
				parts = append(parts, map[bool]string{true: "ok ", false: "NULL "}[ret == tmAt]+r.fields(r.getTm(tmAt)))
			}
		}
		lines = append(lines, fmt.Sprintf("G%d %s", i, strings.Join(parts, " | ")))
	}
	for i, c := range o.asc {
		r.putTm(tmAt, ctm{f: c.f}, 0)
		at := uint64(tmAt)
		if c.null {
			at = 0
		}
		ret, err := r.call("asctime", at)
		if err != nil {
			lines = append(lines, fail("asctime", err))
			continue
		}
		line := fmt.Sprintf("A%d %s", i, str(ret))
		r.write(bufAt, bytes.Repeat([]byte{'X'}, 40))
		if ret, err = r.call("asctime_r", at, bufAt); err != nil {
			lines = append(lines, fail("asctime_r", err))
			continue
		}
		lines = append(lines, line+" | "+map[bool]string{true: "ok ", false: "NULL "}[ret == bufAt]+hex.EncodeToString(r.read(bufAt, 30)))
	}
	for i, d := range o.diff {
		if _, err := r.call("difftime", uint64(d[0]), uint64(d[1])); err != nil {
			lines = append(lines, fail("difftime", err))
			continue
		}
		lines = append(lines, fmt.Sprintf("D%d %016x", i, math.Float64bits(r.double())))
	}
	// gmtime and localtime share their struct tm, asctime and ctime their
	// buffer, and ctime rewrites the struct.
	r.putWord(timeAt, 0)
	r.putWord(timeAt+0x10, 86400)
	p1, _ := r.call("gmtime", timeAt)
	p2, _ := r.call("localtime", timeAt+0x10)
	mday1 := r.getTm(ptr(p1)).f[3]
	s1, _ := r.call("asctime", ptr(p1))
	s2, _ := r.call("ctime", timeAt)
	b2i := map[bool]int{true: 1}
	lines = append(lines, fmt.Sprintf("P %d %d %d %d", b2i[p1 == p2], mday1, b2i[s1 == s2], r.getTm(ptr(p1)).f[3]))
	return lines
}

// compare reports each line the models print differently from glibc,
// and counts the cases per kind.
func compareTimeOracle(t *testing.T, name string, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: glibc printed %d lines, the models %d", name, len(want), len(got))
	}
	pass, total := map[byte]int{}, map[byte]int{}
	bad := 0
	for i := range want {
		kind := want[i][0]
		total[kind]++
		if want[i] == got[i] {
			pass[kind]++
			continue
		}
		if bad++; bad <= 40 {
			t.Errorf("%s: line %d\n got  %s\n want %s%s", name, i, got[i], want[i], decodeHint(got[i], want[i]))
		}
	}
	var sum []string
	for _, k := range []byte("SMGADP") {
		sum = append(sum, fmt.Sprintf("%c %d/%d", k, pass[k], total[k]))
	}
	t.Logf("%s time oracle (strftime S, mktime/timegm M, gmtime etc. G, asctime A, difftime D, shared buffers P): %s", name, strings.Join(sum, ", "))
	if bad > 40 {
		t.Errorf("%s: %d lines differ in all", name, bad)
	}
}

// decodeHint shows a strftime line's buffers as text.
func decodeHint(got, want string) string {
	if !strings.HasPrefix(want, "S") {
		return ""
	}
	dec := func(l string) string {
		f := strings.Fields(l)
		if len(f) < 3 {
			return ""
		}
		b, _ := hex.DecodeString(f[2])
		return fmt.Sprintf("%q", b)
	}
	return "\n got  " + dec(got) + "\n want " + dec(want)
}

func TestTimeMatchesGlibc(t *testing.T) {
	o := timeOracleCases()
	if len(o.ft) < 150 || len(o.mk) < 80 {
		t.Fatalf("too few cases: %d strftime, %d mktime/timegm", len(o.ft), len(o.mk))
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatalf("the time oracle needs the host gcc (make setup installs it): %v", err)
	}
	want := o.run(t, []string{gcc}, nil)
	compareTimeOracle(t, "amd64", want, o.models(t, platform.AMD64))
}

// The 32-bit time_t: glibc for i686 (static) under qemu-i386 against
// the models on i386, the cases restricted to 32-bit times.
func TestTimeMatchesGlibc32(t *testing.T) {
	cc, err1 := exec.LookPath("i686-linux-gnu-gcc")
	qemu, err2 := exec.LookPath("qemu-i386")
	if err1 != nil || err2 != nil {
		t.Fatalf("needs i686-linux-gnu-gcc and qemu-i386 (make setup installs them): %v %v", err1, err2)
	}
	o := timeOracleCases().for32()
	want := o.run(t, []string{cc, "-static"}, []string{qemu})
	compareTimeOracle(t, "i386", want, o.models(t, platform.I386))
}
