package model_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// caller lays out a variadic call as the platform's caller does (the
// caller's view of each ABI, written apart from model/varargs.go).
type caller struct {
	t     *testing.T
	env   *fakeenv.Env
	p     *platform.Platform
	gp    int    // integer registers used
	fp    int    // float registers used
	stack uint64 // next stack address
	words []byte // linear platforms: the argument words (registers, then stack)
}

var gpRegs = map[string][]string{
	"amd64": {"rdi", "rsi", "rdx", "rcx", "r8", "r9"}, "aarch64": {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"},
	"ppc": {"r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"},
}

func (c *caller) mem(at uint64, n int, v uint64) {
	if err := c.env.Mem.PutUint(at, n, v); err != nil {
		c.t.Fatal(err)
	}
}

func (c *caller) arg(a parg) {
	p := c.p
	is8 := a.kind == 'L' || a.kind == 'd' || p.WordSize == 8
	bits := a.u
	if a.kind == 'd' {
		bits = math.Float64bits(a.f)
	}
	if a.kind == 'i' {
		bits = uint64(int64(int32(bits)))
		if p.WordSize == 4 {
			bits &= 0xffffffff
		}
	}
	switch p.Name {
	case "amd64", "aarch64":
		if a.kind == 'd' && c.fp < 8 {
			reg := "xmm"
			if p.Name == "aarch64" {
				reg = "q"
			}
			var b [16]byte
			binary.LittleEndian.PutUint64(b[:], bits)
			if err := c.env.CPU.SetBytes(reg+string(rune('0'+c.fp)), b[:]); err != nil {
				c.t.Fatal(err)
			}
			c.fp++
			return
		}
		if a.kind != 'd' && c.gp < len(gpRegs[p.Name]) {
			_ = c.env.CPU.Set(gpRegs[p.Name][c.gp], bits)
			c.gp++
			return
		}
		c.mem(c.stack, 8, bits)
		c.stack += 8
	case "ppc":
		if a.kind == 'd' {
			if c.fp < 8 {
				_ = c.env.CPU.Set("f"+string(rune('1'+c.fp)), bits)
				c.fp++
				return
			}
			c.stack = (c.stack + 7) &^ 7
			c.mem(c.stack, 8, bits)
			c.stack += 8
			return
		}
		if is8 {
			if c.gp%2 == 1 {
				c.gp++
			}
			if c.gp <= 6 {
				_ = c.env.CPU.Set(gpRegs["ppc"][c.gp], bits>>32)
				_ = c.env.CPU.Set(gpRegs["ppc"][c.gp+1], bits&0xffffffff)
				c.gp += 2
				return
			}
			c.gp = 8
			c.stack = (c.stack + 7) &^ 7
			c.mem(c.stack, 8, bits)
			c.stack += 8
			return
		}
		if c.gp < 8 {
			_ = c.env.CPU.Set(gpRegs["ppc"][c.gp], bits)
			c.gp++
			return
		}
		c.mem(c.stack, 4, bits)
		c.stack += 4
	default: // a sequence of words
		n := 4
		if is8 {
			n = 8
			if p.Name != "i386" {
				for len(c.words)%8 != 0 {
					c.words = append(c.words, 0)
				}
			}
		}
		b := make([]byte, n)
		if n == 8 {
			p.ByteOrder.PutUint64(b, bits)
		} else {
			p.ByteOrder.PutUint32(b, uint32(bits))
		}
		c.words = append(c.words, b...)
	}
}

// finish puts a linear platform's words in its registers and stack.
func (c *caller) finish(conv *model.Conv, sp uint64) {
	w := c.p.WordSize
	regBytes := len(conv.IntArgs) * w
	for i := 0; i < len(c.words); i += w {
		v := c.p.ByteOrder.Uint32(c.words[i:])
		var v64 uint64 = uint64(v)
		if w == 8 {
			v64 = c.p.ByteOrder.Uint64(c.words[i:])
		}
		if i < regBytes {
			_ = c.env.CPU.Set(conv.IntArgs[i/w], v64)
		} else {
			c.mem(sp+conv.StackArgs+uint64(i-regBytes), w, v64)
		}
	}
}

func varArgList() []parg {
	return []parg{ai(-7), aL(-0x123456789), ad(2.5), ai(42), ad(-0.125), aL(99), ai('Z'), ad(1e10), ad(3), ai(5),
		ad(4), ad(5), ad(6), ad(7), ad(8), ad(9.75), aL(1 << 40), ai(-1), ad(1.0 / 3), ai(77), ai(78), aL(-2)}
}

const varFormat = "%d %lld %f %d %g %lld %c %e %.1f %u %g %g %g %g %g %g %lld %d %.17g %x %o %lld"

// printf finds its variadic ints, long longs and doubles on every
// platform: registers, then the stack, past the register count.
func TestPrintfVarargsEveryPlatform(t *testing.T) {
	args := varArgList()
	ref := &model.Printf{WordSize: 8}
	want, err := ref.Format(nil, []byte(varFormat), &sliceArgs{args: append([]parg(nil), args...), addrs: make([]uint64, len(args))})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			env, err := fakeenv.New(p, 0x10000, 0x10000)
			if err != nil {
				t.Fatal(err)
			}
			conv, _ := model.ConvFor(p)
			sp := uint64(0x18000)
			_ = env.CPU.Set(p.SP, sp)
			copy(env.Mem.Regions()[0].Data[0x100:], varFormat+"\x00")
			c := &caller{t: t, env: env, p: p, stack: sp + conv.StackArgs}
			c.arg(parg{kind: 'p', u: 0x10100})
			for _, a := range args {
				c.arg(a)
			}
			c.finish(conv, sp)
			b, err := model.Bind(env)
			if err != nil {
				t.Fatal(err)
			}
			var trace bytes.Buffer
			b.Trace = &trace
			printf, _ := model.Lookup("printf", p)
			if err := b.Run(printf); err != nil {
				t.Fatal(err)
			}
			if env.Out.String() != string(want) {
				t.Errorf("printf wrote\n %q\nwant\n %q", env.Out.String(), want)
			}
			golden := "==> printf(format=0x10100)\n<== " + itoa(len(want)) + "\n"
			if trace.String() != golden {
				t.Errorf("trace %q, want %q", trace.String(), golden)
			}
		})
	}
}

func itoa(n int) string { return string(appendInt(nil, n)) }
func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// vprintf reads a va_list: a pointer into the argument words (i386, ARM,
// MIPS, PPC64) or the platform's structure with everything in the
// overflow area (amd64, aarch64, ppc32), and, on amd64 and aarch64, a
// va_list whose register save area still holds arguments.
func TestVprintfVaListEveryPlatform(t *testing.T) {
	args := []parg{ai(-7), aL(-0x123456789), ad(2.5), ai(42), ad(-0.125), aL(99), ai('Z')}
	const f = "%d %lld %f %d %g %lld %c"
	want := "-7 -4886718345 2.500000 42 -0.125 99 Z"
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			env, _ := fakeenv.New(p, 0x10000, 0x10000)
			_ = env.CPU.Set(p.SP, 0x18000)
			copy(env.Mem.Regions()[0].Data[0x100:], f+"\x00")
			conv, _ := model.ConvFor(p)
			const area, ap = 0x14000, 0x13000
			put := func(at uint64, n int, v uint64) {
				if err := env.Mem.PutUint(at, n, v); err != nil {
					t.Fatal(err)
				}
			}
			// the overflow area as a stack-only caller would fill it
			c := &caller{t: t, env: env, p: p, stack: area}
			switch p.Name {
			case "amd64", "aarch64":
				c.gp, c.fp = 99, 99
			case "ppc":
				c.gp, c.fp = 8, 8
			}
			for _, a := range args {
				c.arg(a)
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
			setArg(t, env, conv, 0, 0x10100)
			setArg(t, env, conv, 1, vaArg)
			b, _ := model.Bind(env)
			vprintf, _ := model.Lookup("vprintf", p)
			if err := b.Run(vprintf); err != nil {
				t.Fatal(err)
			}
			if env.Out.String() != want {
				t.Errorf("vprintf wrote %q, want %q", env.Out.String(), want)
			}
		})
	}
	// register save areas: amd64 with two GPRs and one XMM left,
	// aarch64 with one GPR and one vector register left.
	for _, tc := range []struct {
		p    *platform.Platform
		fill func(put func(at uint64, n int, v uint64))
	}{
		{platform.AMD64, func(put func(uint64, int, uint64)) {
			put(0x13000, 4, 32)  // gp_offset: 4 of 6 GPRs used
			put(0x13004, 4, 160) // fp_offset: 7 of 8 XMMs used
			put(0x13008, 8, 0x14000)
			put(0x13010, 8, 0x15000)
			put(0x15000+32, 8, uint64(0xfffffff9)) // -7 as int
			put(0x15000+40, 8, uint64(0xfffffffedcba9877))
			put(0x15000+160, 8, math.Float64bits(2.5))
			put(0x14000, 8, 42)
			put(0x14008, 8, math.Float64bits(-0.125))
			put(0x14010, 8, 99)
			put(0x14018, 8, 'Z')
		}},
		{platform.AArch64, func(put func(uint64, int, uint64)) {
			put(0x13000, 8, 0x14000) // stack
			put(0x13008, 8, 0x15040) // gr_top
			put(0x13010, 8, 0x16080) // vr_top
			put(0x13018, 4, uint64(0xfffffff0))
			put(0x1301c, 4, uint64(0xfffffff0))
			put(0x15030, 8, uint64(0xfffffff9))
			put(0x15038, 8, uint64(0xfffffffedcba9877))
			put(0x16070, 8, math.Float64bits(2.5))
			put(0x14000, 8, 42)
			put(0x14008, 8, math.Float64bits(-0.125))
			put(0x14010, 8, 99)
			put(0x14018, 8, 'Z')
		}},
	} {
		env, _ := fakeenv.New(tc.p, 0x10000, 0x10000)
		_ = env.CPU.Set(tc.p.SP, 0x18000)
		copy(env.Mem.Regions()[0].Data[0x100:], f+"\x00")
		tc.fill(func(at uint64, n int, v uint64) { _ = env.Mem.PutUint(at, n, v) })
		conv, _ := model.ConvFor(tc.p)
		setArg(t, env, conv, 0, 0x10100)
		setArg(t, env, conv, 1, 0x13000)
		b, _ := model.Bind(env)
		vprintf, _ := model.Lookup("vprintf", tc.p)
		if err := b.Run(vprintf); err != nil {
			t.Fatal(err)
		}
		if env.Out.String() != want {
			t.Errorf("%s save area: vprintf wrote %q, want %q", tc.p.Name, env.Out.String(), want)
		}
	}
}
