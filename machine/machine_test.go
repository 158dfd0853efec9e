package machine_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/machine"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// loop is amd64 code at 0x1000 that calls the function at 0x1100 with
// rdi = 0x2000, rbx times, then reaches 0x1011.
var loop = []byte{
	0x48, 0xc7, 0xc7, 0x00, 0x20, 0x00, 0x00, // mov rdi, 0x2000
	0xe8, 0xf4, 0x00, 0x00, 0x00, // call 0x1100
	0x48, 0xff, 0xcb, // dec rbx
	0x75, 0xef, // jnz 0x1000
	0x90, // 0x1011: nop
}

const (
	codeAddr = 0x1000
	funcAddr = 0x1100
	dataAddr = 0x2000
	loopEnd  = 0x1011
)

// newLoopMachine maps code, data and a stack, and sets rbx calls.
// page is a 4 KiB region of a test machine.
type page struct {
	start uint64
	perm  memory.Perm
}

// pageMachine returns a machine of platform p with the given pages
// mapped, released when the test ends.
func pageMachine(tb testing.TB, p *platform.Platform, pages ...page) *machine.Machine {
	tb.Helper()
	m, err := machine.New(p)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Release() })
	for _, pg := range pages {
		reg, err := memory.Alloc(pg.start, 0x1000, pg.perm, "test")
		if err != nil {
			tb.Fatal(err)
		}
		if err := m.AddRegion(reg); err != nil {
			tb.Fatal(err)
		}
	}
	return m
}

func newLoopMachine(tb testing.TB, calls uint64) *machine.Machine {
	m, err := machine.New(platform.AMD64)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range []struct {
		start, size uint64
		perm        memory.Perm
		name        string
	}{{codeAddr, 0x1000, memory.RX, "code"}, {dataAddr, 0x1000, memory.RW, "data"}, {0x7000, 0x1000, memory.RW, "stack"}} {
		reg, err := memory.Alloc(r.start, r.size, r.perm, r.name)
		if err != nil {
			tb.Fatal(err)
		}
		if err := m.AddRegion(reg); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() { m.Release() })
	if err := m.WriteBytes(codeAddr, loop); err != nil {
		tb.Fatal(err)
	}
	if err := m.WriteBytes(dataAddr, []byte("hello from a model\x00")); err != nil {
		tb.Fatal(err)
	}
	m.CPU.SetPC(codeAddr)
	_ = m.CPU.Set("rsp", 0x8000)
	_ = m.CPU.Set("rbx", calls)
	m.AddExitPoint(loopEnd)
	return m
}

// Harness a function call with a model and an exit point, from nothing.
func ExampleMachine_HookModel() {
	m, _ := machine.New(platform.AMD64)
	defer m.Release()
	code, _ := memory.Alloc(0x1000, 0x1000, memory.RX, "code")
	data, _ := memory.Alloc(0x2000, 0x1000, memory.RW, "data")
	stack, _ := memory.Alloc(0x7000, 0x1000, memory.RW, "stack")
	for _, r := range []*memory.Region{code, data, stack} {
		m.AddRegion(r)
	}
	m.WriteBytes(0x1000, []byte{
		0x48, 0xc7, 0xc7, 0x00, 0x20, 0x00, 0x00, // mov rdi, 0x2000
		0xe8, 0xf4, 0x00, 0x00, 0x00, // call 0x1100 (puts)
		0x90, // nop: the exit point
	})
	m.WriteBytes(0x2000, []byte("hello from a model\x00"))
	puts, _ := model.Lookup("puts", platform.AMD64)
	m.HookModel(0x1100, puts)
	m.AddExitPoint(0x100c)
	m.CPU.SetPC(0x1000)
	m.CPU.Set("rsp", 0x8000)
	m.Stdout = os.Stdout

	res, err := m.Run()
	if err != nil {
		fmt.Println(err)
		return
	}
	rax, _ := res.CPU.Get("rax")
	fmt.Printf("%v; puts returned %d\n", res.Stop, rax)
	// Output:
	// hello from a model
	// stopped at exit point 0x100c; puts returned 19
}

func TestModelLoop(t *testing.T) {
	m := newLoopMachine(t, 3)
	var out strings.Builder
	m.Stdout = &out
	var trace strings.Builder
	m.Trace = &trace
	puts, _ := model.Lookup("puts", platform.AMD64)
	if err := m.HookModel(funcAddr, puts); err != nil {
		t.Fatal(err)
	}
	res, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop.Kind != emu.StopExitPoint || res.Stop.PC != loopEnd {
		t.Fatalf("stop = %v", res.Stop)
	}
	if want := strings.Repeat("hello from a model\n", 3); out.String() != want {
		t.Errorf("stdout = %q", out.String())
	}
	if want := strings.Repeat("==> puts(s=0x2000)\n<== 19\n", 3); trace.String() != want {
		t.Errorf("trace = %q", trace.String())
	}
	if got := res.CPU.MustGet("rsp"); got != 0x8000 {
		t.Errorf("rsp = %#x after balanced calls", got)
	}
	if m.CPU.MustGet("rbx") != 3 {
		t.Errorf("Run changed the machine's CPU")
	}
}

func TestStops(t *testing.T) {
	t.Run("fault in absent memory", func(t *testing.T) {
		m := newLoopMachine(t, 1)
		m.MarkAbsent(funcAddr&^0xfff, (funcAddr&^0xfff)+0x1000) // the whole code page
		res, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		if res.Stop.Kind != emu.StopFault || res.Stop.Access != emu.AccessFetch || res.Stop.Addr != codeAddr {
			t.Fatalf("stop = %v", res.Stop)
		}
		if res.Stop.Err == nil || !strings.Contains(res.Stop.Err.Error(), "did not dump") {
			t.Errorf("fault does not explain the memory is absent: %v", res.Stop.Err)
		}
	})
	t.Run("unmapped", func(t *testing.T) {
		m := newLoopMachine(t, 1) // the function at 0x1100 is zeros: add [rax], al with rax=0
		res, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		if res.Stop.Kind != emu.StopFault || res.Stop.Fault != emu.FaultUnmapped || res.Stop.Addr != 0 || res.Stop.PC != funcAddr {
			t.Fatalf("stop = %+v", res.Stop)
		}
	})
	t.Run("instruction limit", func(t *testing.T) {
		m := newLoopMachine(t, 1000)
		m.HookModel(funcAddr, &model.Model{Name: "nop", Level: model.Exact, Fn: func(*model.Call) (uint64, error) { return 0, nil }})
		m.MaxInsns = 10
		res, _ := m.Run()
		if res.Stop.Kind != emu.StopInsnLimit || !res.Stop.Kind.Limit() {
			t.Fatalf("stop = %v", res.Stop)
		}
	})
	t.Run("bounds", func(t *testing.T) {
		m := newLoopMachine(t, 1)
		m.AddBounds(codeAddr, codeAddr+0x20)
		res, _ := m.Run()
		if res.Stop.Kind != emu.StopBounds || res.Stop.PC != funcAddr {
			t.Fatalf("stop = %v", res.Stop)
		}
	})
	t.Run("hook stops", func(t *testing.T) {
		m := newLoopMachine(t, 1)
		m.Hook(codeAddr+7, func(e *machine.Env) error {
			rdi, _ := e.Reg("rdi")
			return fmt.Errorf("saw rdi=%#x", rdi)
		})
		res, _ := m.Run()
		if res.Stop.Kind != emu.StopRequested || res.Stop.Err == nil || res.Stop.Err.Error() != "saw rdi=0x2000" {
			t.Fatalf("stop = %v", res.Stop)
		}
	})
	t.Run("model error", func(t *testing.T) {
		m := newLoopMachine(t, 1)
		boom := errors.New("boom")
		m.HookModel(funcAddr, &model.Model{Name: "f", Level: model.Exact, Fn: func(*model.Call) (uint64, error) { return 0, boom }})
		res, _ := m.Run()
		if res.Stop.Kind != emu.StopModel || !errors.Is(res.Stop, boom) {
			t.Fatalf("stop = %v", res.Stop)
		}
	})
	t.Run("exit model", func(t *testing.T) {
		m := newLoopMachine(t, 1)
		_ = m.CPU.Set("rdi", 0)
		m.WriteBytes(codeAddr, []byte{0x48, 0xc7, 0xc7, 0x07, 0x00, 0x00, 0x00}) // mov rdi, 7
		exit, _ := model.Lookup("exit", platform.AMD64)
		m.HookModel(funcAddr, exit)
		res, _ := m.Run()
		if res.Stop.Kind != emu.StopExit || res.Stop.Status != 7 {
			t.Fatalf("stop = %v", res.Stop)
		}
	})
	t.Run("syscall write and exit_group", func(t *testing.T) {
		m := newLoopMachine(t, 1)
		m.WriteBytes(codeAddr, []byte{
			0xb8, 0x01, 0, 0, 0, // mov eax, 1 (write)
			0xbf, 0x01, 0, 0, 0, // mov edi, 1
			0xbe, 0x00, 0x20, 0, 0, // mov esi, 0x2000
			0xba, 0x05, 0, 0, 0, // mov edx, 5
			0x0f, 0x05, // syscall
			0xb8, 0xe7, 0, 0, 0, // mov eax, 231 (exit_group)
			0xbf, 0x2a, 0, 0, 0, // mov edi, 42
			0x0f, 0x05, // syscall
		})
		var out strings.Builder
		m.Stdout = &out
		m.Syscalls = true
		res, _ := m.Run()
		if res.Stop.Kind != emu.StopExit || res.Stop.Status != 42 || out.String() != "hello" {
			t.Fatalf("stop = %v, stdout %q", res.Stop, out.String())
		}
	})
	t.Run("unsupported syscall", func(t *testing.T) {
		m := newLoopMachine(t, 1)
		m.WriteBytes(codeAddr, []byte{0xb8, 0x39, 0, 0, 0, 0x0f, 0x05}) // mov eax, 57 (fork); syscall
		m.Syscalls = true
		res, _ := m.Run()
		if res.Stop.Kind != emu.StopSyscall || res.Stop.SyscallNo != 57 || res.Stop.PC != codeAddr+7 {
			t.Fatalf("stop = %+v", res.Stop)
		}
	})
}

func TestStepOverTrap(t *testing.T) {
	m := newLoopMachine(t, 1)
	m.WriteBytes(codeAddr, []byte{0x0f, 0x0b})
	b, err := m.StepOverTrap()
	if err != nil || len(b) != 2 || m.CPU.PC() != codeAddr+2 {
		t.Fatalf("StepOverTrap = % x, %v; pc %#x", b, err, m.CPU.PC())
	}
	m.MarkAbsent(codeAddr, codeAddr+0x1000)
	if _, err := m.StepOverTrap(); err == nil || !strings.Contains(err.Error(), "not in the core") {
		t.Errorf("step over absent code: %v", err)
	}
}

// BenchmarkModelCall: a guest loop calling a function hooked with a Go
// model. One op is one call: call, hook, model, return, loop.
func BenchmarkModelCall(b *testing.B) {
	for _, bc := range []struct {
		name string
		mdl  func() *model.Model
	}{
		{"nop", func() *model.Model {
			return &model.Model{Name: "nop", Params: []string{"p"}, Returns: true, Level: model.Exact,
				Fn: func(c *model.Call) (uint64, error) { return c.Arg(0), nil }}
		}},
		{"puts", func() *model.Model { m, _ := model.Lookup("puts", platform.AMD64); return m }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			m := newLoopMachine(b, uint64(b.N))
			m.Stdout = io.Discard
			if err := m.HookModel(funcAddr, bc.mdl()); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			res, err := m.Run()
			if err != nil || res.Stop.Kind != emu.StopExitPoint {
				b.Fatalf("run: %v %v", res, err)
			}
		})
	}
}

// Call runs a guest function with arguments and returns its result,
// leaving the registers as they were.
func TestCall(t *testing.T) {
	m := newLoopMachine(t, 1)
	// add: lea rax, [rdi+rsi]; ret
	if err := m.WriteBytes(funcAddr, []byte{0x48, 0x8d, 0x04, 0x37, 0xc3}); err != nil {
		t.Fatal(err)
	}
	pc := m.CPU.PC()
	got, err := m.Call(funcAddr, 0, 40, 2)
	if err != nil || got != 42 {
		t.Fatalf("Call = %d, %v; want 42", got, err)
	}
	if m.CPU.PC() != pc {
		t.Errorf("pc changed to %#x", m.CPU.PC())
	}
	// A function that never returns is stopped by the instruction bound.
	if err := m.WriteBytes(funcAddr, []byte{0xeb, 0xfe}); err != nil { // jmp .
		t.Fatal(err)
	}
	if _, err := m.Call(funcAddr, 1000); err == nil {
		t.Error("Call of an endless loop returned")
	}
}
