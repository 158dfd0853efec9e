package model_test

import (
	"bytes"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// setArg puts integer argument i where the platform's convention passes
// it: a register, or a stack word above the entry stack pointer.
func setArg(t *testing.T, env *fakeenv.Env, conv *model.Conv, i int, v uint64) {
	t.Helper()
	if i < len(conv.IntArgs) {
		if err := env.CPU.Set(conv.IntArgs[i], v); err != nil {
			t.Fatal(err)
		}
		return
	}
	w := env.P.WordSize
	at := env.CPU.MustGet(env.P.SP) + conv.StackArgs + uint64((i-len(conv.IntArgs))*w)
	if err := env.Mem.PutUint(at, w, v); err != nil {
		t.Fatal(err)
	}
}

// puts and exit through every platform's calling convention: the
// argument is found where the ABI passes it (i386 on the stack), the
// result lands in the return register, both byte orders.
func TestPutsAndExitEveryConvention(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			env, err := fakeenv.New(p, 0x10000, 0x1000)
			if err != nil {
				t.Fatal(err)
			}
			conv, err := model.ConvFor(p)
			if err != nil {
				t.Fatal(err)
			}
			_ = env.CPU.Set(p.SP, 0x10800)
			copy(env.Mem.Regions()[0].Data[0x10:], "word\x00")
			setArg(t, env, conv, 0, 0x10010)
			b, err := model.Bind(env)
			if err != nil {
				t.Fatal(err)
			}
			var trace bytes.Buffer
			b.Trace = &trace
			puts, err := model.Lookup("puts", p)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Run(puts); err != nil {
				t.Fatal(err)
			}
			if env.Out.String() != "word\n" || env.CPU.MustGet(conv.Ret) != 5 {
				t.Errorf("puts: stdout %q, %s = %d; want \"word\\n\" and 5", env.Out.String(), conv.Ret, env.CPU.MustGet(conv.Ret))
			}
			if want := "==> puts(s=0x10010)\n<== 5\n"; trace.String() != want {
				t.Errorf("trace %q, want %q", trace.String(), want)
			}
			setArg(t, env, conv, 0, 0x2a)
			exit, _ := model.Lookup("exit", p)
			if err := b.Run(exit); err != nil {
				t.Fatal(err)
			}
			if !env.Exited || env.Status != 42 {
				t.Errorf("exit: exited %v, status %d", env.Exited, env.Status)
			}
		})
	}
}

// Call.Arg reads arguments past the registers (the ninth on PowerPC,
// the fifth on MIPS o32, any on i386) from the stack words the
// convention table's StackArgs names, in order. The table's offsets
// themselves are checked by real calls: TestCoreRunSeed (i386 puts) and
// the printf varargs tests against a caller-side layout.
func TestStackArguments(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			env, _ := fakeenv.New(p, 0x10000, 0x1000)
			conv, _ := model.ConvFor(p)
			_ = env.CPU.Set(p.SP, 0x10400)
			n := len(conv.IntArgs) + 2
			for i := 0; i < n; i++ {
				setArg(t, env, conv, i, uint64(0x100+i))
			}
			b, err := model.Bind(env)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			probe := &model.Model{Name: "probe", Params: []string{"a"}, Level: model.Exact,
				Fn: func(c *model.Call) (uint64, error) {
					for i := 0; i < n; i++ {
						got = append(got, c.Arg(i))
					}
					return 0, nil
				}}
			if err := b.Run(probe); err != nil {
				t.Fatal(err)
			}
			for i, v := range got {
				if v != uint64(0x100+i) {
					t.Errorf("argument %d = %#x, want %#x", i, v, 0x100+i)
				}
			}
		})
	}
}
