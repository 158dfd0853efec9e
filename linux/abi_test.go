package linux_test

import (
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/platform"
)

// Every platform's ABI, through the same calls: a write that works, one
// that fails (the errno convention), a stack-passed argument where the ABI
// has one, and exit_group.
func TestEveryPlatformABI(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			tab, err := linux.TableFor(p)
			if err != nil {
				t.Fatal(err)
			}
			env, err := fakeenv.New(p, 0x10000, 0x1000)
			if err != nil {
				t.Fatal(err)
			}
			k, err := linux.NewKernel(env)
			if err != nil {
				t.Fatal(err)
			}
			no := func(name string) uint64 {
				for _, s := range tab.Calls {
					if s.Name == name {
						return s.No
					}
				}
				t.Fatalf("%s has no %s", p.Name, name)
				return 0
			}
			sp := uint64(0x10800)
			set := func(n string, v uint64) {
				t.Helper()
				if err := env.CPU.Set(n, v); err != nil {
					t.Fatal(err)
				}
			}
			set(p.SP, sp)
			invoke := func(name string, args ...uint64) {
				t.Helper()
				set(tab.Number, no(name))
				for i, r := range tab.ArgRegs {
					v := uint64(0)
					if i < len(args) {
						v = args[i]
					}
					if r == "" {
						first := i
						for first > 0 && tab.ArgRegs[first-1] == "" {
							first--
						}
						at := sp + tab.StackArgs + uint64((i-first)*p.WordSize)
						if err := env.Mem.PutUint(at, p.WordSize, v); err != nil {
							t.Fatal(err)
						}
						continue
					}
					set(r, v)
				}
				if err := k.Dispatch(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			// result reads the call's outcome the way the platform's libc does.
			result := func() int64 {
				v := env.CPU.MustGet(tab.Result)
				switch tab.Errno {
				case linux.MIPSErrno:
					if env.CPU.MustGet("a3") != 0 {
						return -int64(v)
					}
				case linux.PPCErrno:
					if env.CPU.MustGet("cr")&(1<<28) != 0 {
						return -int64(v)
					}
				default:
					if p.WordSize == 4 {
						return int64(int32(v))
					}
				}
				return int64(v)
			}
			copy(env.Mem.Regions()[0].Data, "hi\n")
			if p.Name == "ppc" || p.Name == "ppc64" || p.Name == "ppc64le" {
				set("cr", 0x2000_0000|1<<28) // a stale SO bit must be cleared on success
			}
			invoke("write", 1, 0x10000, 3)
			if got := result(); got != 3 || env.Out.String() != "hi\n" {
				t.Fatalf("write = %d, stdout %q", got, env.Out.String())
			}
			invoke("write", 9, 0x10000, 3)
			if got := result(); got != -linux.EBADF {
				t.Fatalf("write(9) = %d, want -EBADF", got)
			}
			if _, ok := tab.Calls[no("write")]; ok && hasCall(tab, "_llseek") {
				// _llseek(fd, hi, lo, &result, whence): whence is the 5th
				// argument, on the stack on MIPS o32.
				invoke("_llseek", 0, 0, 0, 0x10100, 0)
				if got := result(); got != -linux.ESPIPE {
					t.Fatalf("_llseek(0) = %d, want -ESPIPE", got)
				}
			}
			invoke("exit_group", 0x103)
			if !env.Exited || env.Status != 3 {
				t.Fatalf("exit_group: exited %v status %d", env.Exited, env.Status)
			}
		})
	}
}

func hasCall(t *linux.Table, name string) bool {
	for _, s := range t.Calls {
		if s.Name == name {
			return true
		}
	}
	return false
}
