package linux_test

import (
	"errors"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/platform"
)

func kernel(t *testing.T) (*fakeenv.Env, *linux.Kernel) {
	t.Helper()
	env, err := fakeenv.New(platform.AMD64, 0x10000, 0x1000)
	if err != nil {
		t.Fatal(err)
	}
	k, err := linux.NewKernel(env)
	if err != nil {
		t.Fatal(err)
	}
	return env, k
}

func call(t *testing.T, env *fakeenv.Env, k *linux.Kernel, no uint64, args ...uint64) (int64, error) {
	t.Helper()
	_ = env.CPU.Set("rax", no)
	for i, r := range []string{"rdi", "rsi", "rdx", "r10", "r8", "r9"} {
		v := uint64(0)
		if i < len(args) {
			v = args[i]
		}
		_ = env.CPU.Set(r, v)
	}
	err := k.Dispatch()
	return int64(env.CPU.MustGet("rax")), err
}

func TestWrite(t *testing.T) {
	env, k := kernel(t)
	copy(env.Mem.Regions()[0].Data, "out\nerr\n")
	if ret, err := call(t, env, k, 1, 1, 0x10000, 4); err != nil || ret != 4 {
		t.Fatalf("write(1) = %d, %v", ret, err)
	}
	if ret, err := call(t, env, k, 1, 2, 0x10004, 4); err != nil || ret != 4 {
		t.Fatalf("write(2) = %d, %v", ret, err)
	}
	if env.Out.String() != "out\n" || env.Err.String() != "err\n" {
		t.Errorf("stdout %q stderr %q", env.Out.String(), env.Err.String())
	}
	if ret, _ := call(t, env, k, 1, 7, 0x10000, 4); ret != -linux.EBADF {
		t.Errorf("write(7) = %d, want -EBADF", ret)
	}
	if ret, _ := call(t, env, k, 1, 1, 0x10ff0, 0x20); ret != -linux.EFAULT {
		t.Errorf("write off the end of memory = %d, want -EFAULT", ret)
	}
}

func TestExitGroup(t *testing.T) {
	env, k := kernel(t)
	if _, err := call(t, env, k, 231, 0x107); err != nil {
		t.Fatal(err)
	}
	if !env.Exited || env.Status != 7 {
		t.Errorf("exit_group: exited %v status %d", env.Exited, env.Status)
	}
}

func TestUnsupported(t *testing.T) {
	env, k := kernel(t)
	_ = env.CPU.Set("rip", 0x401000)
	for _, tt := range []struct {
		no   uint64
		name string
	}{{57, "fork"}, {9999, ""}} {
		_, err := call(t, env, k, tt.no)
		var ue *linux.UnsupportedError
		if !errors.As(err, &ue) || ue.No != tt.no || ue.Name != tt.name || ue.PC != 0x401000 {
			t.Errorf("syscall %d: err = %v", tt.no, err)
		}
	}
}

func TestTablesAreConsistent(t *testing.T) {
	for _, p := range platform.All {
		tab, err := linux.TableFor(p)
		if errors.Is(err, linux.ErrNoTable) {
			continue // platforms without a table yet
		}
		for no, s := range tab.Calls {
			if s.No != no || s.Name == "" || s.Support == 0 {
				t.Errorf("%s: bad row %d: %+v", p.Name, no, s)
			}
			if s.Support != linux.Unsupported && s.Handler == nil {
				t.Errorf("%s: %s is %s with no handler", p.Name, s.Name, s.Support)
			}
		}
	}
}
