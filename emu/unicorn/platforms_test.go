package unicorn

import (
	"errors"
	"slices"
	"testing"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// Per-platform machine code, in the platform's byte order.
type isa struct {
	li42    []byte // load 42 into the platform's Ret register
	nop     []byte
	syscall []byte
	thumb   bool // start at an odd address (Thumb)
}

// word encodes 32-bit instruction words in a byte order.
func word(p *platform.Platform, ws ...uint32) []byte {
	var b []byte
	for _, w := range ws {
		var x [4]byte
		p.ByteOrder.PutUint32(x[:], w)
		b = append(b, x[:]...)
	}
	return b
}

func isaFor(p *platform.Platform) isa {
	switch p.Name {
	case "amd64":
		return isa{li42: []byte{0x48, 0xc7, 0xc0, 42, 0, 0, 0}, nop: []byte{0x90}, syscall: []byte{0x0f, 0x05}}
	case "i386":
		return isa{li42: []byte{0xb8, 42, 0, 0, 0}, nop: []byte{0x90}, syscall: []byte{0xcd, 0x80}}
	case "aarch64":
		// movz x0, #42 ; nop ; svc #0
		return isa{li42: word(p, 0xd2800540), nop: word(p, 0xd503201f), syscall: word(p, 0xd4000001)}
	case "armel":
		// mov r0, #42 ; nop (v6K hint) ; svc #0
		return isa{li42: word(p, 0xe3a0002a), nop: word(p, 0xe320f000), syscall: word(p, 0xef000000)}
	case "armhf":
		// Thumb: movs r0, #42 ; nop ; svc #0
		return isa{li42: []byte{0x2a, 0x20}, nop: []byte{0x00, 0xbf}, syscall: []byte{0x00, 0xdf}, thumb: true}
	case "mips", "mipsel":
		// addiu v0, zero, 42 ; nop ; syscall
		return isa{li42: word(p, 0x2402002a), nop: word(p, 0), syscall: word(p, 0x0000000c)}
	case "mips64", "mips64el":
		// daddiu v0, zero, 42 ; nop ; syscall
		return isa{li42: word(p, 0x6402002a), nop: word(p, 0), syscall: word(p, 0x0000000c)}
	case "ppc", "ppc64", "ppc64le":
		// li r3, 42 ; nop (ori 0,0,0) ; sc
		return isa{li42: word(p, 0x3860002a), nop: word(p, 0x60000000), syscall: word(p, 0x44000002)}
	}
	return isa{}
}

// executable returns the platforms the engine runs: those the platform
// package marks executable, less those the table says the linked Unicorn
// cannot run (TestUnsupported checks those).
func executable() []*platform.Platform {
	var ps []*platform.Platform
	for _, p := range platform.All {
		if p.Executable && platforms[p.Name].unsupported == "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// TestEveryPlatform opens an engine for every executable platform and
// runs a load-immediate and a NOP: the arch, mode and byte order of the
// table are right when the Ret register ends up 42.
func TestEveryPlatform(t *testing.T) {
	for _, p := range executable() {
		t.Run(p.Name, func(t *testing.T) {
			c := isaFor(p)
			e := newEngine(t, p)
			must(t, e.Map(codeAddr, 0x1000, memory.RWX))
			code := slices.Concat(c.li42, c.nop)
			must(t, e.WriteMem(codeAddr, code))
			exit := uint64(codeAddr + len(code))
			must(t, e.SetExits([]uint64{exit}))
			var seen []uint64
			_, err := e.HookCode(1, 0, func(a uint64, _ uint32) { seen = append(seen, a) })
			must(t, err)
			begin := uint64(codeAddr)
			if c.thumb {
				begin |= 1
			}
			must(t, e.Start(begin, emu.StartOptions{}))
			want := []uint64{codeAddr, codeAddr + uint64(len(c.li42))}
			if !slices.Equal(seen, want) {
				t.Errorf("instructions at %x, want %x", seen, want)
			}
			if v := get(t, e, p.Ret); v != 42 {
				t.Errorf("%s = %d, want 42", p.Ret, v)
			}
			if v := get(t, e, p.PC); v != exit {
				t.Errorf("%s = %#x, want %#x", p.PC, v, exit)
			}
		})
	}
}

// TestSyscallEveryPlatform checks the syscall exception numbers of the
// table and that a syscall hook sees the pc past the instruction and
// execution goes on after it, on every executable platform.
func TestSyscallEveryPlatform(t *testing.T) {
	for _, p := range executable() {
		t.Run(p.Name, func(t *testing.T) {
			c := isaFor(p)
			code := slices.Concat(c.syscall, c.li42, c.nop)
			begin := uint64(codeAddr)
			if c.thumb {
				begin |= 1
			}
			after := uint64(codeAddr + len(c.syscall))
			exit := uint64(codeAddr + len(code))
			open := func() *Engine {
				e := newEngine(t, p)
				must(t, e.Map(codeAddr, 0x1000, memory.RWX))
				must(t, e.WriteMem(codeAddr, code))
				must(t, e.SetExits([]uint64{exit}))
				return e
			}

			// The exception number Unicorn reports, where it is one.
			if def := platforms[p.Name]; def.syscall.insn == 0 {
				e := open()
				var got []uint32
				_, err := e.HookInterrupt(func(n uint32) { got = append(got, n) })
				must(t, err)
				must(t, e.Start(begin, emu.StartOptions{}))
				if !slices.Equal(got, []uint32{def.syscall.intno}) {
					t.Errorf("interrupts %v, want [%d]", got, def.syscall.intno)
				}
				// Without hooks the exception ends the run with an error.
				e2 := open()
				var ue *Error
				if err := e2.Start(begin, emu.StartOptions{}); !errors.As(err, &ue) || ue.Code != UC_ERR_EXCEPTION {
					t.Errorf("syscall without a hook: %v", err)
				}
			}

			e := open()
			var pcs []uint64
			_, err := e.HookSyscall(func() { pcs = append(pcs, get(t, e, p.PC)) })
			must(t, err)
			var others []uint32
			_, err = e.HookInterrupt(func(n uint32) { others = append(others, n) })
			must(t, err)
			must(t, e.Start(begin, emu.StartOptions{}))
			if !slices.Equal(pcs, []uint64{after}) {
				t.Errorf("syscall hook saw pc %x, want [%#x]", pcs, after)
			}
			if len(others) != 0 {
				t.Errorf("interrupt hook saw the syscall too: %v", others)
			}
			if v := get(t, e, p.Ret); v != 42 {
				t.Errorf("%s = %d: execution did not go on after the syscall", p.Ret, v)
			}
			if v := get(t, e, p.PC); v != exit {
				t.Errorf("%s = %#x, want %#x", p.PC, v, exit)
			}

			// A hook that sets the pc past the load: execution goes on there.
			e = open()
			_, err = e.HookSyscall(func() { set(t, e, p.PC, after+uint64(len(c.li42))|(begin&1)) })
			must(t, err)
			must(t, e.Start(begin, emu.StartOptions{}))
			if v := get(t, e, p.Ret); v != 0 {
				t.Errorf("%s = %d: the pc the hook wrote was not used", p.Ret, v)
			}
			if v := get(t, e, p.PC); v != exit {
				t.Errorf("%s = %#x, want %#x", p.PC, v, exit)
			}

			// A hook that stops: the pc is past the syscall.
			e = open()
			_, err = e.HookSyscall(func() { must(t, e.Stop()) })
			must(t, err)
			must(t, e.Start(begin, emu.StartOptions{}))
			if v := get(t, e, p.PC); v != after {
				t.Errorf("stopped in the syscall hook: %s = %#x, want %#x", p.PC, v, after)
			}
		})
	}
}

// TestHookRegsEveryPlatform checks the register buffer of hooks
// (regs.go) on every executable platform: a code hook sees the values of
// its prefetched general registers, reads registers it did not prefetch
// through Unicorn, and its writes (buffered and applied after it returns)
// reach the guest: the NOP after the hook and the final state see them.
func TestHookRegsEveryPlatform(t *testing.T) {
	for _, p := range executable() {
		t.Run(p.Name, func(t *testing.T) {
			c := isaFor(p)
			e := newEngine(t, p)
			must(t, e.Map(codeAddr, 0x1000, memory.RWX))
			code := slices.Concat(c.nop, c.nop)
			must(t, e.WriteMem(codeAddr, code))
			exit := uint64(codeAddr + len(code))
			must(t, e.SetExits([]uint64{exit}))
			var names []string
			for _, n := range e.def.gprs {
				if n != "" && n != p.SP {
					names = append(names, n)
				}
			}
			mask := p.WordMask()
			val := func(i int, salt uint64) uint64 {
				return (0x1122334455667788 ^ uint64(i+1)*0x0101010101010101 ^ salt) & mask
			}
			var ids []emu.RegID
			for i, n := range names {
				ids = append(ids, id(t, e, n))
				set(t, e, n, val(i, 0))
			}
			fetched := ids[:min(len(ids), fetchMax)]
			first := true
			_, err := e.HookCode(codeAddr, codeAddr, func(uint64, uint32) {
				if !first {
					return
				}
				first = false
				for i, r := range ids {
					if _, ok := e.cached(r); ok != (i < len(fetched)) {
						t.Errorf("%s: prefetched %v", names[i], ok)
					}
					if v, err := e.ReadReg(r); err != nil || v != val(i, 0) {
						t.Errorf("%s in the hook = %#x, %v; want %#x", names[i], v, err, val(i, 0))
					}
					must(t, e.WriteReg(r, val(i, 0xff)))
				}
				for i, r := range ids {
					if v, err := e.ReadReg(r); err != nil || v != val(i, 0xff) {
						t.Errorf("%s read back in the hook = %#x, %v; want %#x", names[i], v, err, val(i, 0xff))
					}
				}
			}, fetched...)
			must(t, err)
			var after []uint64
			_, err = e.HookCode(codeAddr+uint64(len(c.nop)), codeAddr+uint64(len(c.nop)), func(uint64, uint32) {
				for _, r := range ids {
					v, _ := e.ReadReg(r)
					after = append(after, v)
				}
			})
			must(t, err)
			begin := uint64(codeAddr)
			if c.thumb {
				begin |= 1
			}
			must(t, e.Start(begin, emu.StartOptions{}))
			for i, n := range names {
				if i < len(after) && after[i] != val(i, 0xff) {
					t.Errorf("%s in the next hook = %#x, want %#x", n, after[i], val(i, 0xff))
				}
				if v := get(t, e, n); v != val(i, 0xff) {
					t.Errorf("%s after the run = %#x, want %#x", n, v, val(i, 0xff))
				}
			}
			if v := get(t, e, p.PC); v != exit {
				t.Errorf("%s = %#x, want %#x", p.PC, v, exit)
			}
		})
	}
}

func TestThumbResume(t *testing.T) {
	e := newEngine(t, platform.ARMHF)
	must(t, e.Map(codeAddr, 0x1000, memory.RWX))
	// movs r0, #42 ; adds r0, #1 ; nop
	must(t, e.WriteMem(codeAddr, []byte{0x2a, 0x20, 0x01, 0x30, 0x00, 0xbf}))
	must(t, e.SetExits([]uint64{codeAddr + 2}))
	must(t, e.Start(codeAddr|1, emu.StartOptions{}))
	pc, err := e.ResumePC()
	must(t, err)
	if pc != codeAddr+2|1 {
		t.Fatalf("ResumePC = %#x, want %#x (Thumb)", pc, codeAddr+2|1)
	}
	must(t, e.SetExits([]uint64{codeAddr + 4}))
	must(t, e.Start(pc, emu.StartOptions{}))
	if v := get(t, e, "r0"); v != 43 {
		t.Errorf("r0 = %d after resuming in Thumb", v)
	}
	e2 := newEngine(t, platform.ARMEL)
	must(t, e2.Map(codeAddr, 0x1000, memory.RWX))
	must(t, e2.WriteMem(codeAddr, word(platform.ARMEL, 0xe3a0002a, 0xe320f000)))
	must(t, e2.SetExits([]uint64{codeAddr + 4}))
	must(t, e2.Start(codeAddr, emu.StartOptions{}))
	if pc, _ := e2.ResumePC(); pc != codeAddr+4 {
		t.Errorf("ARM ResumePC = %#x", pc)
	}
}
