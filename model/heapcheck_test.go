package model_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// The checked heap on every platform: what it reports and what it lets
// through (heapcheck.go), driven through the allocator models.
func TestCheckedHeapEveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		if !p.Executable {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			env, _ := fakeenv.New(p, 0x10000, 0x10000)
			conv, _ := model.ConvFor(p)
			_ = env.CPU.Set(p.SP, 0x18000)
			b, _ := model.Bind(env)
			b.CheckHeap = true
			lo, hi, err := b.HeapWindow()
			if err != nil || hi <= lo {
				t.Fatalf("HeapWindow: %#x-%#x, %v", lo, hi, err)
			}
			call := func(name string, args ...uint64) (uint64, error) {
				for k, a := range args {
					setArg(t, env, conv, k, a)
				}
				m, _ := model.Lookup(name, p)
				err := b.Run(m)
				return env.CPU.MustGet(conv.Ret), err
			}
			must := func(v uint64, err error) uint64 {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			type acc struct {
				write   bool
				off     uint64
				size    int
				lenient bool
				want    string // "" fine, else the HeapError kind's start
			}
			check := func(block uint64, steps []acc) {
				t.Helper()
				for _, s := range steps {
					err := b.CheckAccess(s.write, block+s.off, s.size, s.lenient)
					var he *model.HeapError
					switch {
					case s.want == "" && err != nil:
						t.Errorf("%+v: %v, want no error", s, err)
					case s.want != "" && (!errors.As(err, &he) || !strings.HasPrefix(he.Kind, s.want)):
						t.Errorf("%+v: %v, want %s", s, err, s.want)
					}
				}
			}
			a := must(call("malloc", 10))
			if a < lo || a >= hi {
				t.Fatalf("malloc gave %#x outside the window %#x-%#x", a, lo, hi)
			}
			check(a, []acc{
				{false, 0, 4, false, "uninitialised read"},
				{true, 0, 4, false, ""},
				{false, 0, 4, false, ""},
				{false, 2, 4, false, ""}, // bytes 2 and 3 were written
				{false, 4, 4, false, "uninitialised read"},
				{true, 8, 4, false, "heap overflow"},       // bytes 10, 11 are past the end
				{false, 8, 8, false, "uninitialised read"}, // an aligned partial load: only 8, 9 count
				{true, 8, 2, false, ""},
				{false, 8, 8, false, ""},
				{false, 9, 4, false, "heap overflow"}, // not a naturally aligned load
				{false, 16, 4, false, "heap overflow"},
				{false, 16, 4, true, ""}, // the C library's read-ahead
				{false, 4, 4, true, ""},  // and it is not checked for initialisation
			})
			must(call("free", a))
			check(a, []acc{
				{false, 0, 1, false, "use after free"},
				{false, 0, 1, true, "use after free"},
				{true, 4, 4, false, "use after free"},
			})
			if _, err := call("free", a); !errors.Is(err, model.ErrHeap) || !strings.Contains(err.Error(), "double free") {
				t.Errorf("second free: %v", err)
			}
			if _, err := call("free", a+4); !errors.Is(err, model.ErrHeap) {
				t.Errorf("free of a pointer into a block: %v", err)
			}
			c := must(call("calloc", 2, 4))
			check(c, []acc{{false, 0, 8, false, ""}})
			r := must(call("malloc", 4))
			check(r, []acc{{true, 0, 4, false, ""}})
			r2 := must(call("realloc", r, 8))
			check(r2, []acc{{false, 0, 4, false, ""}, {false, 4, 4, false, "uninitialised read"}})
			check(r, []acc{{false, 0, 4, false, "use after free"}})
			n := must(call("malloc", 8))
			b.NoteWrite(n, 8) // a system call's write (read(2) into the block)
			check(n, []acc{{false, 0, 8, false, ""}})
			if a == r || a == c || a == n {
				t.Errorf("the checked heap reused a freed block")
			}
		})
	}
}
