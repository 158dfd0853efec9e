package model_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// A target of a scanf call and what it must hold afterwards: size bytes
// (0: a word), an integer, a double, raw bytes, or a function of the
// platform for what differs between them.
type scanWant struct {
	size int
	val  any // int64, float64, string (bytes), func(*platform.Platform) []byte, nil (untouched)
}

// A scanf-family call: the model, its input (sscanf: the string at
// 0x11000; scanf: standard input), the format (at 0x11100), the targets
// (at 0x12000 + 0x40*k, filled with 0xaa), the trace golden and the
// targets' contents. then is a model called afterwards on the same
// binding (what the stream holds), its trace appended.
type scanCall struct {
	model, input, format string
	want                 []scanWant
	trace                string
	then                 string
}

const (
	scanStr, scanFmt, scanTgt = 0x11000, 0x11100, 0x12000
)

// long double 1.5 in each platform's format.
func ld15(p *platform.Platform) []byte {
	conv, _ := model.ConvFor(p)
	switch conv.LongDouble {
	case model.LDX87:
		return []byte{0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f, 0xaa, 0xaa} // 10 bytes stored; padding untouched
	case model.LDQuad:
		b := make([]byte, 16)
		if p.ByteOrder == binary.BigEndian {
			binary.BigEndian.PutUint64(b, 0x3fff8000_00000000)
		} else {
			binary.LittleEndian.PutUint64(b[8:], 0x3fff8000_00000000)
		}
		return b
	case model.LDDouble:
		b := make([]byte, 8)
		p.ByteOrder.PutUint64(b, math.Float64bits(1.5))
		return b
	}
	return []byte{0xaa, 0xaa, 0xaa, 0xaa} // PowerPC: not stored
}

// 4294967296 read by %ld: a long holds it on 64-bit platforms; strtol
// saturates at LONG_MAX on 32-bit ones.
func ld4g(p *platform.Platform) []byte {
	b := make([]byte, p.WordSize)
	if p.WordSize == 8 {
		p.ByteOrder.PutUint64(b, 1<<32)
	} else {
		p.ByteOrder.PutUint32(b, math.MaxInt32)
	}
	return b
}

var scanCalls = []scanCall{
	{model: "sscanf", input: "  42 abc 2.5 x", format: "%d %s %lf %c%n",
		want:  []scanWant{{4, int64(42)}, {0, "abc\x00\xaa"}, {8, 2.5}, {0, "x\xaa"}, {4, int64(14)}},
		trace: "==> sscanf(str=0x11000, format=0x11100)\n<== 4"},
	// ten targets: past the argument registers on every platform
	{model: "__isoc99_sscanf", input: "1 -2 3 -4 5 -6 7 -8 9 300", format: "%hhd%hhd%hhd%hhd%hhd%hhd%hhd%hhd%hhd%hhd",
		want: []scanWant{{1, int64(1)}, {1, int64(-2)}, {1, int64(3)}, {1, int64(-4)}, {1, int64(5)}, {1, int64(-6)},
			{1, int64(7)}, {1, int64(-8)}, {1, int64(9)}, {0, "\x2c\xaa"}}, // 300 as a char, the next byte untouched
		trace: "==> __isoc99_sscanf(str=0x11000, format=0x11100)\n<== 10"},
	{model: "sscanf", input: "4294967296 -9223372036854775808 0x1234 18446744073709551615", format: "%ld %lld %p %zu",
		want:  []scanWant{{0, ld4g}, {8, int64(math.MinInt64)}, {0, int64(0x1234)}, {0, int64(-1)}},
		trace: "==> sscanf(str=0x11000, format=0x11100)\n<== 4"},
	{model: "sscanf", input: "1.5", format: "%Lf", want: []scanWant{{0, ld15}},
		trace: "==> sscanf(str=0x11000, format=0x11100)\n<== 1"},
	{model: "sscanf", input: "", format: "%d", want: []scanWant{{4, nil}},
		trace: "==> sscanf(str=0x11000, format=0x11100)\n<== -1"},
	{model: "sscanf", input: "0xg", format: "%x%n", want: []scanWant{{4, int64(0)}, {4, int64(2)}},
		trace: "==> sscanf(str=0x11000, format=0x11100)\n<== 1"},
	{model: "sscanf", input: "ab]c", format: "%[]a-b]%c", want: []scanWant{{0, "ab]\x00"}, {0, "c"}},
		trace: "==> sscanf(str=0x11000, format=0x11100)\n<== 2"},
	{model: "scanf", input: "17 hello\n", format: "%d%s",
		want:  []scanWant{{4, int64(17)}, {0, "hello\x00"}},
		trace: "==> scanf(format=0x11100)\n<== 2\n==> getchar()\n<== 10", then: "getchar"},
	// the byte that ended the number goes back to the stream
	{model: "__isoc99_scanf", input: "12x", format: "%d", want: []scanWant{{4, int64(12)}},
		trace: "==> __isoc99_scanf(format=0x11100)\n<== 1\n==> getchar()\n<== 120", then: "getchar"},
	// glibc consumes "1e" for 1: the e is gone from the stream
	{model: "scanf", input: "1ex", format: "%f", want: []scanWant{{4, float32(1)}},
		trace: "==> scanf(format=0x11100)\n<== 1\n==> getchar()\n<== 120", then: "getchar"},
	{model: "scanf", input: "", format: " %c", want: []scanWant{{1, nil}},
		trace: "==> scanf(format=0x11100)\n<== -1"},
}

func TestScanfModelsEveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			for i, tc := range scanCalls {
				env, err := fakeenv.New(p, 0x10000, 0x10000)
				if err != nil {
					t.Fatal(err)
				}
				conv, _ := model.ConvFor(p)
				sp := uint64(0x18000)
				_ = env.CPU.Set(p.SP, sp)
				data := env.Mem.Regions()[0].Data
				copy(data[scanStr-0x10000:], tc.input+"\x00")
				copy(data[scanFmt-0x10000:], tc.format+"\x00")
				copy(data[scanTgt-0x10000:], bytes.Repeat([]byte{0xaa}, 0x40*len(tc.want)))
				if strings.Contains(tc.model, "sscanf") {
					env.In = strings.NewReader("")
				} else {
					env.In = strings.NewReader(tc.input)
				}
				c := &caller{t: t, env: env, p: p, stack: sp + conv.StackArgs}
				if strings.Contains(tc.model, "sscanf") {
					c.arg(parg{kind: 'p', u: scanStr})
				}
				c.arg(parg{kind: 'p', u: scanFmt})
				for k := range tc.want {
					c.arg(parg{kind: 'p', u: scanTgt + 0x40*uint64(k)})
				}
				c.finish(conv, sp)
				b, err := model.Bind(env)
				if err != nil {
					t.Fatal(err)
				}
				var trace bytes.Buffer
				b.Trace = &trace
				for _, name := range []string{tc.model, tc.then} {
					if name == "" {
						continue
					}
					m, err := model.Lookup(name, p)
					if err != nil {
						t.Fatal(err)
					}
					if err := b.Run(m); err != nil {
						fmt.Fprintf(&trace, "error: %v\n", err)
					}
				}
				want := tc.trace
				if strings.Contains(tc.format, "%L") && strings.HasPrefix(p.Name, "ppc") {
					want = "==> sscanf(str=0x11000, format=0x11100)\nerror: model sscanf: scanf: IBM double-double long double (PowerPC) is not supported"
				}
				if got := strings.TrimSuffix(trace.String(), "\n"); got != want {
					t.Errorf("case %d %s(%q): trace\n %q\nwant\n %q", i, tc.model, tc.format, got, want)
				}
				for k, w := range tc.want {
					at := scanTgt + 0x40*uint64(k)
					wb := scanBytes(p, w)
					got := make([]byte, len(wb))
					_ = env.Mem.Read(at, got)
					if !bytes.Equal(got, wb) {
						t.Errorf("case %d %s(%q): target %d holds % x, want % x", i, tc.model, tc.format, k, got, wb)
					}
				}
			}
		})
	}
}

// scanBytes is what a target must hold on platform p.
func scanBytes(p *platform.Platform, w scanWant) []byte {
	size := w.size
	if size == 0 {
		size = p.WordSize
	}
	b := make([]byte, size)
	switch v := w.val.(type) {
	case nil:
		return bytes.Repeat([]byte{0xaa}, size)
	case int64:
		switch size {
		case 1:
			b[0] = byte(v)
		case 2:
			p.ByteOrder.PutUint16(b, uint16(v))
		case 4:
			p.ByteOrder.PutUint32(b, uint32(v))
		case 8:
			p.ByteOrder.PutUint64(b, uint64(v))
		}
	case float64:
		p.ByteOrder.PutUint64(b, math.Float64bits(v))
	case float32:
		p.ByteOrder.PutUint32(b, math.Float32bits(v))
	case string:
		return []byte(v)
	case func(*platform.Platform) []byte:
		return v(p)
	}
	return b
}

// vsscanf takes its pointers from a va_list (its third argument): a
// pointer into the argument words (i386, ARM, MIPS, PPC64) or the
// platform's structure, here with every argument in the overflow area
// (amd64, aarch64, ppc).
func TestVsscanfVaListEveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			env, _ := fakeenv.New(p, 0x10000, 0x10000)
			_ = env.CPU.Set(p.SP, 0x18000)
			data := env.Mem.Regions()[0].Data
			copy(data[scanStr-0x10000:], "-7 word 0.25\x00")
			copy(data[scanFmt-0x10000:], "%d %s %lf\x00")
			copy(data[scanTgt-0x10000:], bytes.Repeat([]byte{0xaa}, 0xc0))
			conv, _ := model.ConvFor(p)
			const area, ap = 0x14000, 0x13000
			put := func(at uint64, n int, v uint64) {
				if err := env.Mem.PutUint(at, n, v); err != nil {
					t.Fatal(err)
				}
			}
			c := &caller{t: t, env: env, p: p, stack: area}
			switch p.Name {
			case "amd64", "aarch64":
				c.gp, c.fp = 99, 99
			case "ppc":
				c.gp, c.fp = 8, 8
			}
			for k := 0; k < 3; k++ {
				c.arg(parg{kind: 'p', u: scanTgt + 0x40*uint64(k)})
			}
			vaArg := uint64(ap)
			switch p.Name {
			case "amd64":
				put(ap, 4, 48)
				put(ap+4, 4, 176)
				put(ap+8, 8, area)
				put(ap+16, 8, 0x15000)
			case "aarch64":
				put(ap, 8, area)
				put(ap+8, 8, 0x15000)
				put(ap+16, 8, 0x16000)
				put(ap+24, 4, 0)
				put(ap+28, 4, 0)
			case "ppc":
				put(ap, 1, 8)
				put(ap+1, 1, 8)
				put(ap+4, 4, area)
				put(ap+8, 4, 0x15000)
			default:
				if err := env.Mem.Write(area, c.words); err != nil {
					t.Fatal(err)
				}
				vaArg = area
			}
			setArg(t, env, conv, 0, scanStr)
			setArg(t, env, conv, 1, scanFmt)
			setArg(t, env, conv, 2, vaArg)
			b, _ := model.Bind(env)
			var trace bytes.Buffer
			b.Trace = &trace
			m, _ := model.Lookup("__isoc99_vsscanf", p)
			if err := b.Run(m); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("==> __isoc99_vsscanf(str=0x11000, format=0x11100, ap=%#x)\n<== 3\n", vaArg)
			if trace.String() != want {
				t.Errorf("trace %q, want %q", trace.String(), want)
			}
			for k, w := range []scanWant{{4, int64(-7)}, {0, "word\x00\xaa"}, {8, 0.25}} {
				wb := scanBytes(p, w)
				got := make([]byte, len(wb))
				_ = env.Mem.Read(scanTgt+0x40*uint64(k), got)
				if !bytes.Equal(got, wb) {
					t.Errorf("target %d holds % x, want % x", k, got, wb)
				}
			}
		})
	}
}
