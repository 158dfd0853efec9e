package unicorn

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// loop: nop (hooked) ; dec rcx ; jnz loop ; nop (exit)
var benchLoop = slices.Concat(nop, decRcx, jnz8(-6), nop)

const benchLoopExit = codeAddr + 6

func benchEngine(b *testing.B, code []byte, exit uint64) *Engine {
	e := amd64(b, code)
	must(b, e.SetExits([]uint64{exit}))
	return e
}

// BenchmarkLoopNoHook is the guest loop alone (3 instructions per
// iteration), to subtract from the hook benchmarks.
func BenchmarkLoopNoHook(b *testing.B) {
	e := benchEngine(b, benchLoop, benchLoopExit)
	b.ReportAllocs()
	set(b, e, "rcx", uint64(b.N))
	b.ResetTimer()
	must(b, e.Start(codeAddr, emu.StartOptions{}))
}

// BenchmarkCodeHookCallback: one op is one iteration of the guest loop,
// whose first instruction has a code hook calling an empty Go function.
func BenchmarkCodeHookCallback(b *testing.B) {
	e := benchEngine(b, benchLoop, benchLoopExit)
	calls := 0
	_, err := e.HookCode(codeAddr, codeAddr, func(uint64, uint32) { calls++ })
	must(b, err)
	b.ReportAllocs()
	set(b, e, "rcx", uint64(b.N))
	b.ResetTimer()
	must(b, e.Start(codeAddr, emu.StartOptions{}))
	b.StopTimer()
	if calls != b.N {
		b.Fatalf("hook ran %d times for %d iterations", calls, b.N)
	}
}

// modelLoop: 0: call 0x10100 ; 5: dec rcx ; 8: jnz 0 ; 10: nop (exit);
// 0x100: ret (the hooked function, replaced by a return as the machine
// does for a model).
func modelLoop(b *testing.B) *Engine {
	code := slices.Concat([]byte{0xe8, 0xfb, 0, 0, 0}, decRcx, jnz8(-10), nop)
	e := benchEngine(b, code, codeAddr+10)
	must(b, e.WriteMem(codeAddr+0x100, []byte{0xc3}))
	must(b, e.Map(0x30000, 0x1000, memory.RW))
	set(b, e, "rsp", 0x31000)
	return e
}

// BenchmarkModeledCall: one op is a guest call to a function a Go model
// replaces, as package machine does it: the function's code is a return
// instruction and a code hook on it runs the model, which reads two
// arguments and sets the result. prefetch: the hook declares the two
// argument registers (no cgo call in the hook); none: both reads are
// uc_reg_read calls from Go. The result write is buffered either way.
func BenchmarkModeledCall(b *testing.B) {
	for _, prefetch := range []bool{true, false} {
		b.Run(map[bool]string{true: "prefetch", false: "none"}[prefetch], func(b *testing.B) {
			e := modelLoop(b)
			rdi, rsi, rax := id(b, e, "rdi"), id(b, e, "rsi"), id(b, e, "rax")
			var fetch []emu.RegID
			if prefetch {
				fetch = []emu.RegID{rdi, rsi}
			}
			_, err := e.HookCode(codeAddr+0x100, codeAddr+0x100, func(uint64, uint32) {
				a, _ := e.ReadReg(rdi)
				c, _ := e.ReadReg(rsi)
				_ = e.WriteReg(rax, a+c)
			}, fetch...)
			must(b, err)
			b.ReportAllocs()
			set(b, e, "rcx", uint64(b.N))
			set(b, e, "rdi", 1)
			b.ResetTimer()
			must(b, e.Start(codeAddr, emu.StartOptions{}))
			b.StopTimer()
			if v := get(b, e, "rax"); v != 1 {
				b.Fatalf("rax = %d after the run, want 1", v)
			}
		})
	}
}

// BenchmarkModeledCallPCWrite: the same, but the model returns by itself
// (pops the return address and writes the pc): a pc write from a hook
// makes Unicorn leave the translated block and look the next one up.
func BenchmarkModeledCallPCWrite(b *testing.B) {
	e := modelLoop(b)
	rdi, rax, rsp, rip := id(b, e, "rdi"), id(b, e, "rax"), id(b, e, "rsp"), id(b, e, "rip")
	var ret [8]byte
	_, err := e.HookCode(codeAddr+0x100, codeAddr+0x100, func(uint64, uint32) {
		arg, _ := e.ReadReg(rdi)
		sp, _ := e.ReadReg(rsp)
		_ = e.ReadMem(sp, ret[:])
		_ = e.WriteReg(rax, arg+1)
		_ = e.WriteReg(rsp, sp+8)
		_ = e.WriteReg(rip, binary.LittleEndian.Uint64(ret[:]))
	}, rdi, rsp)
	must(b, err)
	b.ReportAllocs()
	set(b, e, "rcx", uint64(b.N))
	b.ResetTimer()
	must(b, e.Start(codeAddr, emu.StartOptions{}))
	b.StopTimer()
	if v := get(b, e, "rsp"); v != 0x31000 {
		b.Fatalf("rsp = %#x after the run", v)
	}
}

// BenchmarkReadRegUnicorn is ReadReg of a register that is not a
// general one, outside hooks: a uc_reg_read cgo call, as every ReadReg
// outside hooks is since the direct path (regfast.go) is gone.
func BenchmarkReadRegUnicorn(b *testing.B) {
	e := amd64(b, nop)
	r := id(b, e, "fs_base")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.ReadReg(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		e, err := New(platform.AMD64)
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

func BenchmarkReadReg(b *testing.B) {
	e := amd64(b, nop)
	r := id(b, e, "rdi")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.ReadReg(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteReg(b *testing.B) {
	e := amd64(b, nop)
	r := id(b, e, "rdi")
	b.ReportAllocs()
	v := uint64(0)
	for b.Loop() {
		v++
		if err := e.WriteReg(r, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRegBytesXMM(b *testing.B) {
	e := amd64(b, nop)
	r := id(b, e, "xmm5")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.RegBytes(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadMem8(b *testing.B) {
	e := amd64(b, nop)
	var buf [8]byte
	b.ReportAllocs()
	for b.Loop() {
		if err := e.ReadMem(dataAddr, buf[:]); err != nil {
			b.Fatal(err)
		}
	}
}
