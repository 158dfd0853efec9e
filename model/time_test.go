package model_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// timeRig calls the time models of one platform through a Binding in a
// fakeenv: one run (the models' static buffers persist across calls).
// Guest memory: 0x10000-0x20000, the stack pointer at 0x18000.
type timeRig struct {
	t     *testing.T
	p     *platform.Platform
	env   *fakeenv.Env
	conv  *model.Conv
	b     *model.Binding
	trace bytes.Buffer
}

// Addresses the tests use.
const (
	tmAt     = 0x13000 // a struct tm
	timeAt   = 0x13100 // a time_t (and a second at +0x10)
	junkAt   = 0x13200 // "junk": a tm_zone the models must replace
	zoneAt   = 0x13300 // a tm_zone string of a test's own
	fmtAt    = 0x14000 // a format
	bufAt    = 0x16000 // an output buffer
	bufSize  = 512
	rigStack = 0x18000
)

func newTimeRig(t *testing.T, p *platform.Platform) *timeRig {
	t.Helper()
	env, err := fakeenv.New(p, 0x10000, 0x10000)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := model.ConvFor(p)
	if err != nil {
		t.Fatal(err)
	}
	_ = env.CPU.Set(p.SP, rigStack)
	b, err := model.Bind(env)
	if err != nil {
		t.Fatal(err)
	}
	r := &timeRig{t: t, p: p, env: env, conv: conv, b: b}
	b.Trace = &r.trace
	r.write(junkAt, []byte("junk\x00"))
	return r
}

// call runs a model with integer arguments; the result is the return
// register sign-extended from the word size.
func (r *timeRig) call(name string, args ...uint64) (int64, error) {
	r.t.Helper()
	for k, a := range args {
		setArg(r.t, r.env, r.conv, k, a&r.p.WordMask())
	}
	m, err := model.Lookup(name, r.p)
	if err != nil {
		r.t.Fatal(err)
	}
	err = r.b.Run(m)
	v := r.env.CPU.MustGet(r.conv.Ret) & r.p.WordMask()
	if r.p.WordSize == 4 {
		return int64(int32(v)), err
	}
	return int64(v), err
}

// double reads a double result where the platform's convention left it.
func (r *timeRig) double() float64 {
	r.t.Helper()
	get := func(n string) uint64 {
		v, err := r.env.CPU.Get(n)
		if err != nil {
			r.t.Fatal(err)
		}
		return v
	}
	switch r.conv.FloatRet {
	case "xmm0":
		b, _ := r.env.CPU.Bytes("xmm0")
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case "st0": // x87: 64-bit mantissa with its integer bit, biased exponent
		b, _ := r.env.CPU.Bytes("st0")
		mant := binary.LittleEndian.Uint64(b)
		se := binary.LittleEndian.Uint16(b[8:])
		v := math.Ldexp(float64(mant>>11), int(se&0x7fff)-16383-52)
		if se&0x8000 != 0 {
			v = -v
		}
		return v
	case "r0:r1":
		return math.Float64frombits(get("r0")&0xffffffff | get("r1")<<32)
	case "f0":
		if r.p.WordSize == 4 { // o32, FR=0: the low word in f0, the high in f1
			return math.Float64frombits(get("f0")&0xffffffff | get("f1")<<32)
		}
	}
	return math.Float64frombits(get(r.conv.FloatRet))
}

func (r *timeRig) write(at uint64, b []byte) {
	r.t.Helper()
	if err := r.env.Mem.Write(at, b); err != nil {
		r.t.Fatal(err)
	}
}

func (r *timeRig) read(at uint64, n int) []byte {
	r.t.Helper()
	b := make([]byte, n)
	if err := r.env.Mem.Read(at, b); err != nil {
		r.t.Fatal(err)
	}
	return b
}

func (r *timeRig) word(at uint64) int64 {
	r.t.Helper()
	v, err := r.env.Mem.Uint(at, r.p.WordSize)
	if err != nil {
		r.t.Fatal(err)
	}
	if r.p.WordSize == 4 {
		return int64(int32(v))
	}
	return int64(v)
}

func (r *timeRig) putWord(at uint64, v int64) {
	r.t.Helper()
	if err := r.env.Mem.PutUint(at, r.p.WordSize, uint64(v)&r.p.WordMask()); err != nil {
		r.t.Fatal(err)
	}
}

func (r *timeRig) cstring(at uint64) string {
	r.t.Helper()
	s, err := r.env.Mem.CString(at, 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

// ctm is a struct tm as the test sees it; zone is tm_zone's address.
type ctm struct {
	f      [9]int32 // tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst
	gmtoff int64
	zone   uint64
}

// tmLayout: glibc's struct tm (bits/types/struct_tm.h): nine ints, then
// long tm_gmtoff and const char *tm_zone at their natural alignment.
func (r *timeRig) tmLayout() (gmtoff, zone, size uint64) {
	if r.p.WordSize == 8 {
		return 40, 48, 56
	}
	return 36, 40, 44
}

// encodeTm is the bytes of a struct tm; pad fills the padding after
// tm_isdst on 64-bit platforms.
func (r *timeRig) encodeTm(v ctm, pad byte) []byte {
	off, zone, size := r.tmLayout()
	b := bytes.Repeat([]byte{pad}, int(size))
	for i, x := range v.f {
		memory.Encode(r.p.ByteOrder, b[4*i:4*i+4], uint64(uint32(x)))
	}
	memory.Encode(r.p.ByteOrder, b[off:zone], uint64(v.gmtoff))
	memory.Encode(r.p.ByteOrder, b[zone:size], v.zone)
	return b
}

func (r *timeRig) putTm(at uint64, v ctm, pad byte) { r.write(at, r.encodeTm(v, pad)) }

func (r *timeRig) getTm(at uint64) ctm {
	off, zone, size := r.tmLayout()
	b := r.read(at, int(size))
	var v ctm
	for i := range v.f {
		v.f[i] = int32(memory.Decode(r.p.ByteOrder, b[4*i:4*i+4]))
	}
	v.gmtoff = r.word(at + off)
	v.zone = memory.Decode(r.p.ByteOrder, b[zone:size])
	return v
}

// fields prints a struct tm's fields and its zone's name ("junk" when
// the model left the test's junk pointer).
func (r *timeRig) fields(v ctm) string {
	zone := "(null)"
	if v.zone != 0 {
		zone = r.cstring(v.zone)
	}
	return fmt.Sprintf("%d %d %d %d %d %d %d %d %d %d %s", v.f[0], v.f[1], v.f[2], v.f[3], v.f[4], v.f[5], v.f[6], v.f[7], v.f[8], v.gmtoff, zone)
}

// A time case: set memory up, call, and check the trace and what the
// model wrote. want64 replaces want on 64-bit platforms when set.
type timeCase struct {
	name   string
	setup  func(r *timeRig)
	args   []uint64
	trace  string // golden, with RET for a pointer the models allocated
	trace4 string // the golden on 32-bit platforms, when it differs
	check  func(r *timeRig, ret int64) string
	only   int // 4 or 8: a case for that word size only
}

func fieldsTm(f ...int32) ctm { var v ctm; copy(v.f[:], f); return v }

var timeCases = []timeCase{
	{name: "gmtime_r", setup: func(r *timeRig) { r.putWord(timeAt, model.Epoch); r.putTm(tmAt, ctm{zone: junkAt}, 0xaa) },
		args: []uint64{timeAt, tmAt}, trace: "==> gmtime_r(timep=0x13100, result=0x13000)\n<== 77824",
		check: wantTm(tmAt, "0 0 0 1 0 124 1 0 0 0 GMT")},
	{name: "gmtime_r", setup: func(r *timeRig) { r.putWord(timeAt, -1); r.putTm(tmAt, ctm{}, 0xaa) },
		args: []uint64{timeAt, tmAt}, trace: "==> gmtime_r(timep=0x13100, result=0x13000)\n<== 77824",
		check: wantTm(tmAt, "59 59 23 31 11 69 3 364 0 0 GMT")},
	{name: "gmtime_r", setup: func(r *timeRig) { r.putWord(timeAt, math.MaxInt32); r.putTm(tmAt, ctm{}, 0xaa) },
		args: []uint64{timeAt, tmAt}, trace: "==> gmtime_r(timep=0x13100, result=0x13000)\n<== 77824",
		check: wantTm(tmAt, "7 14 3 19 0 138 2 18 0 0 GMT")},
	{name: "gmtime_r", setup: func(r *timeRig) { r.putWord(timeAt, math.MinInt32); r.putTm(tmAt, ctm{}, 0xaa) },
		args: []uint64{timeAt, tmAt}, trace: "==> gmtime_r(timep=0x13100, result=0x13000)\n<== 77824",
		check: wantTm(tmAt, "52 45 20 13 11 1 5 346 0 0 GMT")},
	{name: "gmtime_r", only: 8, setup: func(r *timeRig) { r.putWord(timeAt, 253402300800); r.putTm(tmAt, ctm{}, 0xaa) },
		args: []uint64{timeAt, tmAt}, trace: "==> gmtime_r(timep=0x13100, result=0x13000)\n<== 77824",
		check: wantTm(tmAt, "0 0 0 1 0 8100 6 0 0 0 GMT")},
	{name: "gmtime_r", only: 8, setup: func(r *timeRig) {
		r.putWord(timeAt, math.MaxInt64)
		r.putTm(tmAt, fieldsTm(1, 2, 3, 4, 5, 0, 0, 6), 0xaa)
	},
		args: []uint64{timeAt, tmAt}, trace: "==> gmtime_r(timep=0x13100, result=0x13000)\n<== 0",
		// The year does not fit an int: glibc sets the time of day,
		// tm_wday and a truncated tm_year, not tm_mday, tm_mon, tm_yday.
		check: wantTm(tmAt, "7 30 15 4 5 219248568 0 6 0 0 GMT")},
	{name: "localtime_r", setup: func(r *timeRig) { r.putWord(timeAt, 951825600); r.putTm(tmAt, ctm{}, 0xaa) },
		args: []uint64{timeAt, tmAt}, trace: "==> localtime_r(timep=0x13100, result=0x13000)\n<== 77824",
		check: wantTm(tmAt, "0 0 12 29 1 100 2 59 0 0 UTC")},
	{name: "gmtime", setup: func(r *timeRig) { r.putWord(timeAt, 4107542399) }, only: 8,
		args: []uint64{timeAt}, trace: "==> gmtime(timep=0x13100)\n<== RET",
		check: wantTmAtRet("59 59 23 28 1 200 0 58 0 0 GMT")},
	{name: "gmtime", setup: func(r *timeRig) { r.putWord(timeAt, 951782400) },
		args: []uint64{timeAt}, trace: "==> gmtime(timep=0x13100)\n<== RET",
		check: wantTmAtRet("0 0 0 29 1 100 2 59 0 0 GMT")},
	{name: "localtime", setup: func(r *timeRig) { r.putWord(timeAt, 0) },
		args: []uint64{timeAt}, trace: "==> localtime(timep=0x13100)\n<== RET",
		check: wantTmAtRet("0 0 0 1 0 70 4 0 0 0 UTC")},
	// mktime and timegm: out-of-range fields carried over, the struct
	// rewritten; tm_isdst > 0 is an hour of daylight time for mktime.
	{name: "mktime", setup: func(r *timeRig) {
		r.putTm(tmAt, ctm{f: [9]int32{-1, 60, 24, 0, 14, 123, 9, 999, -1}, gmtoff: 77, zone: junkAt}, 0xaa)
	},
		args: []uint64{tmAt}, trace: "==> mktime(tm=0x13000)\n<== 1709254799",
		check: wantTm(tmAt, "59 59 0 1 2 124 5 60 0 0 UTC")},
	{name: "mktime", setup: func(r *timeRig) { r.putTm(tmAt, ctm{f: [9]int32{0, 0, 0, 1, 0, 124, 0, 0, 1}, zone: junkAt}, 0xaa) },
		args: []uint64{tmAt}, trace: "==> mktime(tm=0x13000)\n<== 1704063600",
		check: wantTm(tmAt, "0 0 23 31 11 123 0 364 0 0 UTC")},
	{name: "timegm", setup: func(r *timeRig) { r.putTm(tmAt, ctm{f: [9]int32{0, 0, 0, 1, 0, 124, 0, 0, 1}, zone: junkAt}, 0xaa) },
		args: []uint64{tmAt}, trace: "==> timegm(tm=0x13000)\n<== 1704067200",
		check: wantTm(tmAt, "0 0 0 1 0 124 1 0 0 0 GMT")},
	// One second past 2038-01-19 03:14:07: -1 and the struct untouched
	// where time_t has 32 bits.
	{name: "timegm", setup: func(r *timeRig) { r.putTm(tmAt, ctm{f: [9]int32{8, 14, 3, 19, 0, 138}, zone: junkAt}, 0xaa) },
		args: []uint64{tmAt}, trace: "==> timegm(tm=0x13000)\n<== 2147483648", trace4: "==> timegm(tm=0x13000)\n<== -1",
		check: func(r *timeRig, ret int64) string {
			if r.p.WordSize == 4 {
				return wantTm(tmAt, "8 14 3 19 0 138 0 0 0 0 junk")(r, ret)
			}
			return wantTm(tmAt, "8 14 3 19 0 138 2 18 0 0 GMT")(r, ret)
		}},
	{name: "timegm", only: 8, setup: func(r *timeRig) {
		r.putTm(tmAt, ctm{f: [9]int32{60, 59, 23, 31, 11, math.MaxInt32}, zone: junkAt}, 0xaa)
	},
		args: []uint64{tmAt}, trace: "==> timegm(tm=0x13000)\n<== -1",
		check: wantTm(tmAt, "60 59 23 31 11 2147483647 0 0 0 0 junk")},
	// strftime: the text and its NUL; 0 and no NUL when they do not fit.
	{name: "strftime", setup: func(r *timeRig) {
		r.putTm(tmAt, ctm{f: [9]int32{9, 5, 13, 29, 1, 124, 4, 59, 0}, gmtoff: -18000, zone: zoneAt}, 0)
		r.write(zoneAt, []byte("EST\x00"))
		r.write(fmtAt, []byte("%a %d %b %Y %r %Z %z|%-j|%_5G|%^A\x00"))
		r.write(bufAt, bytes.Repeat([]byte{'X'}, 80))
	}, args: []uint64{bufAt, 80, fmtAt, tmAt}, trace: "==> strftime(s=0x16000, max=0x50, format=0x14000, tm=0x13000)\n<== 55",
		check: wantMem(bufAt, "Thu 29 Feb 2024 01:05:09 PM EST -0500|60| 2024|THURSDAY\x00X")},
	{name: "strftime", setup: func(r *timeRig) {
		r.putTm(tmAt, ctm{f: [9]int32{9, 5, 13, 29, 1, 124, 4, 59, 0}}, 0)
		r.write(fmtAt, []byte("%Y-%m-%d %H\x00"))
		r.write(bufAt, bytes.Repeat([]byte{'X'}, 16))
	}, args: []uint64{bufAt, 13, fmtAt, tmAt}, trace: "==> strftime(s=0x16000, max=0xd, format=0x14000, tm=0x13000)\n<== 0",
		check: wantMem(bufAt, "2024-02-29 XXXXX")},
	{name: "strftime", setup: func(r *timeRig) {
		r.putTm(tmAt, ctm{f: [9]int32{9, 5, 13, 29, 1, 124, 4, 59, 0}}, 0)
		r.write(fmtAt, []byte("%s %Z\x00"))
	}, args: []uint64{bufAt, 80, fmtAt, tmAt}, trace: "==> strftime(s=0x16000, max=0x50, format=0x14000, tm=0x13000)\n<== 14",
		check: wantMem(bufAt, "1709211909 UTC\x00")},
	{name: "asctime_r", setup: func(r *timeRig) {
		r.putTm(tmAt, fieldsTm(7, 14, 3, 19, 0, 138, 2, 18), 0)
		r.write(bufAt, bytes.Repeat([]byte{'X'}, 30))
	}, args: []uint64{tmAt, bufAt}, trace: "==> asctime_r(tm=0x13000, buf=0x16000)\n<== 90112",
		check: wantMem(bufAt, "Tue Jan 19 03:14:07 2038\n\x00XX")},
	{name: "asctime_r", setup: func(r *timeRig) {
		r.putTm(tmAt, fieldsTm(0, 0, 0, 1, 0, 8100, 6), 0)
		r.write(bufAt, bytes.Repeat([]byte{'X'}, 30))
	}, args: []uint64{tmAt, bufAt}, trace: "==> asctime_r(tm=0x13000, buf=0x16000)\n<== 0",
		check: wantMem(bufAt, "Sat Jan  1 00:00:00 10000\x00XX")},
	{name: "asctime", setup: func(r *timeRig) { r.putTm(tmAt, fieldsTm(0, 0, 0, 1, 0, 8100, 9, 0), 0) },
		args: []uint64{tmAt}, trace: "==> asctime(tm=0x13000)\n<== RET",
		check: wantStrAtRet("??? Jan  1 00:00:00 10000\n")},
	{name: "ctime", setup: func(r *timeRig) { r.putWord(timeAt, model.Epoch) },
		args: []uint64{timeAt}, trace: "==> ctime(timep=0x13100)\n<== RET",
		check: wantStrAtRet("Mon Jan  1 00:00:00 2024\n")},
	{name: "ctime_r", setup: func(r *timeRig) { r.putWord(timeAt, -86400) },
		args: []uint64{timeAt, bufAt}, trace: "==> ctime_r(timep=0x13100, buf=0x16000)\n<== 90112",
		check: wantMem(bufAt, "Wed Dec 31 00:00:00 1969\n\x00")},
	{name: "difftime", args: []uint64{model.Epoch, 1 << 31}, only: 4, // time0 is INT_MIN
		trace: "==> difftime(time1=0x65920080, time0=0x80000000)\n<== 3.851550848e+09",
		check: wantDouble(3851550848)},
	{name: "difftime", args: []uint64{0, model.Epoch}, trace: "==> difftime(time1=0x0, time0=0x65920080)\n<== -1.7040672e+09",
		check: wantDouble(-1704067200)},
	{name: "difftime", args: []uint64{math.MaxInt64, 1 << 63}, only: 8,
		trace: "==> difftime(time1=0x7fffffffffffffff, time0=0x8000000000000000)\n<== 1.8446744073709552e+19",
		check: wantDouble(1 << 64)},
	{name: "clock_gettime", setup: func(r *timeRig) { r.write(timeAt, bytes.Repeat([]byte{0xee}, 24)) },
		args: []uint64{0, timeAt}, trace: "==> clock_gettime(clockid=0x0, tp=0x13100)\n<== 0",
		check: wantWords(timeAt, model.Epoch, 0)},
	{name: "clock_gettime", setup: func(r *timeRig) { r.write(timeAt, bytes.Repeat([]byte{0xee}, 24)) },
		args: []uint64{1, timeAt}, trace: "==> clock_gettime(clockid=0x1, tp=0x13100)\n<== 0",
		check: wantWords(timeAt, 0, 0)},
	{name: "clock_gettime", args: []uint64{99, timeAt}, trace: "==> clock_gettime(clockid=0x63, tp=0x13100)\n<== -1"},
	{name: "gettimeofday", setup: func(r *timeRig) { r.write(timeAt, bytes.Repeat([]byte{0xee}, 48)) },
		args: []uint64{timeAt, timeAt + 0x20}, trace: "==> gettimeofday(tv=0x13100, tz=0x13120)\n<== 0",
		check: func(r *timeRig, ret int64) string {
			if s := wantWords(timeAt, model.Epoch, 0)(r, ret); s != "" {
				return s
			}
			return wantMem(timeAt+0x20, "\x00\x00\x00\x00\x00\x00\x00\x00\xee")(r, ret)
		}},
	// Bad guest memory: an error naming the argument and the address.
	{name: "gmtime_r", args: []uint64{0x9000, tmAt}, trace: "==> gmtime_r(timep=0x9000, result=0x13000)\nerror: model gmtime_r: timep: time_t at 0x9000: ERR"},
	{name: "gmtime_r", setup: func(r *timeRig) { r.putWord(timeAt, 0) },
		args: []uint64{timeAt, 0x1fff0}, trace: "==> gmtime_r(timep=0x13100, result=0x1fff0)\nerror: model gmtime_r: result: struct tm at 0x1fff0: ERR"},
	{name: "mktime", args: []uint64{0x20000 - 20}, trace: "==> mktime(tm=0x1ffec)\nerror: model mktime: tm: struct tm at 0x1ffec: ERR"},
	{name: "strftime", setup: func(r *timeRig) { r.write(fmtAt, []byte("%Z\x00")); r.putTm(tmAt, ctm{zone: 0x9000}, 0) },
		args: []uint64{bufAt, 80, fmtAt, tmAt}, trace: "==> strftime(s=0x16000, max=0x50, format=0x14000, tm=0x13000)\nerror: model strftime: tm_zone at 0x9000: ERR"},
	{name: "strftime", setup: func(r *timeRig) { r.write(fmtAt, []byte("%Y\x00")); r.putTm(tmAt, ctm{}, 0) },
		args: []uint64{0x9000, 80, fmtAt, tmAt}, trace: "==> strftime(s=0x9000, max=0x50, format=0x14000, tm=0x13000)\nerror: model strftime: s: buffer at 0x9000: ERR"},
	{name: "asctime", args: []uint64{0}, trace: "==> asctime(tm=0x0)\n<== 0"},
	// A width glibc would honour with a buffer that large: refused.
	{name: "strftime", setup: func(r *timeRig) { r.write(fmtAt, []byte("%99999999Y\x00")); r.putTm(tmAt, ctm{}, 0) },
		args: []uint64{bufAt, 1 << 30, fmtAt, tmAt}, trace: "==> strftime(s=0x16000, max=0x40000000, format=0x14000, tm=0x13000)\nerror: model strftime: a result of more than 16777216 bytes"},
}

func wantTm(at uint64, want string) func(*timeRig, int64) string {
	return func(r *timeRig, _ int64) string {
		if got := r.fields(r.getTm(at)); got != want {
			return fmt.Sprintf("struct tm at %#x: %s, want %s", at, got, want)
		}
		// The padding after tm_isdst (64-bit) is glibc's to leave alone.
		if r.p.WordSize == 8 && at == tmAt {
			if pad := r.read(at+36, 4); !bytes.Equal(pad, []byte{0xaa, 0xaa, 0xaa, 0xaa}) {
				return fmt.Sprintf("padding after tm_isdst written: % x", pad)
			}
		}
		return ""
	}
}

func wantTmAtRet(want string) func(*timeRig, int64) string {
	return func(r *timeRig, ret int64) string {
		if got := r.fields(r.getTm(uint64(ret) & r.p.WordMask())); got != want {
			return fmt.Sprintf("struct tm at the result: %s, want %s", got, want)
		}
		return ""
	}
}

func wantStrAtRet(want string) func(*timeRig, int64) string {
	return func(r *timeRig, ret int64) string {
		if got := r.cstring(uint64(ret) & r.p.WordMask()); got != want {
			return fmt.Sprintf("string at the result %q, want %q", got, want)
		}
		return ""
	}
}

func wantMem(at uint64, want string) func(*timeRig, int64) string {
	return func(r *timeRig, _ int64) string {
		if got := string(r.read(at, len(want))); got != want {
			return fmt.Sprintf("memory at %#x %q, want %q", at, got, want)
		}
		return ""
	}
}

func wantWords(at uint64, w ...int64) func(*timeRig, int64) string {
	return func(r *timeRig, _ int64) string {
		for i, v := range w {
			a := at + uint64(i*r.p.WordSize)
			if got := r.word(a); got != v {
				return fmt.Sprintf("word at %#x = %d, want %d", a, got, v)
			}
		}
		if got := r.read(at+uint64(len(w)*r.p.WordSize), 1)[0]; got != 0xee {
			return fmt.Sprintf("byte after the words written: %#x", got)
		}
		return ""
	}
}

func wantDouble(v float64) func(*timeRig, int64) string {
	return func(r *timeRig, _ int64) string {
		if got := r.double(); got != v {
			return fmt.Sprintf("double result %v, want %v", got, v)
		}
		return ""
	}
}

// The time models on every platform, through its calling convention:
// trace golden, result and the memory written (struct tm at each
// platform's layout and byte order).
func TestTimeModelsEveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			r := newTimeRig(t, p)
			ran := 0
			for i, tc := range timeCases {
				if tc.only != 0 && tc.only != p.WordSize {
					continue
				}
				ran++
				if tc.setup != nil {
					tc.setup(r)
				}
				r.trace.Reset()
				ret, err := r.call(tc.name, tc.args...)
				if err != nil {
					fmt.Fprintf(&r.trace, "error: %v\n", err)
				}
				got := strings.TrimSuffix(r.trace.String(), "\n")
				want := tc.trace
				if p.WordSize == 4 && tc.trace4 != "" {
					want = tc.trace4
				}
				if strings.HasSuffix(want, "RET") {
					want = strings.TrimSuffix(want, "RET") + fmt.Sprint(ret)
					if ret < 0x20000 && ret > -0x20000 {
						t.Errorf("case %d %s: result %#x is not in the models' heap", i, tc.name, ret)
					}
				}
				if k := strings.Index(got, "memory: "); k >= 0 && strings.HasSuffix(got, ": not mapped") && strings.HasSuffix(want, "ERR") {
					got = got[:k] + "ERR" // the memory error's own words
				}
				if got != want {
					t.Errorf("case %d %s: trace\n %q\nwant\n %q", i, tc.name, got, want)
					continue
				}
				if tc.check != nil {
					if msg := tc.check(r, ret); msg != "" {
						t.Errorf("case %d %s: %s", i, tc.name, msg)
					}
				}
			}
			if ran < 30 {
				t.Errorf("only %d cases ran", ran)
			}
		})
	}
}
