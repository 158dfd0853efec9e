package load

import (
	"fmt"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fixture"
	"github.com/smallworld-go/smallworld/platform"
)

// TestFixtureCores opens the real cores made by internal/tools/genfixtures
// and checks every thread's registers against gdb's reading of the same
// core (the oracle), the executable's base and contents, and the notes
// each kind of core has.
func TestFixtureCores(t *testing.T) {
	for _, exe := range []string{"seed.O0", "seed.O2", "threads.O0"} {
		for _, kind := range []string{"qemu", "kernel"} {
			t.Run(fmt.Sprintf("amd64/%s/%s", exe, kind), func(t *testing.T) {
				exePath, corePath := fixture.Core(t, "amd64", exe, kind)
				gdb := fixture.GDB(t, corePath)
				c, err := OpenCore(corePath)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if c.Platform != platform.AMD64 || len(c.Threads) < 1 {
					t.Fatalf("platform %s, %d threads", c.Platform, len(c.Threads))
				}
				if _, ok := c.Aux(AT_PHDR); !ok {
					t.Errorf("auxv has no AT_PHDR: %v", c.Auxv)
				}
				if c.Proc == nil || c.Proc.Fname != exe {
					t.Errorf("NT_PRPSINFO: %+v", c.Proc)
				}
				if len(c.Threads) != len(gdb.Threads) {
					t.Errorf("%d threads, gdb sees %d", len(c.Threads), len(gdb.Threads))
				}
				if sel := gdb.Thread(gdb.Selected); sel == nil || sel.LWP != c.Threads[0].TID {
					t.Errorf("first thread is %d, gdb selects %+v", c.Threads[0].TID, sel)
				}
				for i, th := range c.Threads {
					if th.CPU.PC() == 0 {
						t.Errorf("thread %d: rip is 0", th.TID)
					}
					var g *fixture.GDBThread
					for j := range gdb.Threads {
						if gdb.Threads[j].LWP == th.TID {
							g = &gdb.Threads[j]
						}
					}
					if g == nil {
						t.Errorf("thread %d (tid %d) is not in gdb's reading", i, th.TID)
						continue
					}
					for name := range g.Registers {
						want, _ := g.Reg(name)
						got, err := th.CPU.Get(name)
						if err != nil || got != want {
							t.Errorf("tid %d %s = %#x, %v; gdb says %#x", th.TID, name, got, err, want)
						}
					}
					if kind == "kernel" && !th.HasFP {
						t.Errorf("tid %d: kernel core without FP state", th.TID)
					}
					if kind == "kernel" && th.CPU.MustGet("mxcsr") == 0 {
						t.Errorf("tid %d: mxcsr is 0", th.TID)
					}
				}
				sig := c.Signal()
				if sig != 4 && sig != 5 && sig != 6 && sig != 11 {
					t.Errorf("signal %d", sig)
				}
				if kind == "kernel" {
					if c.SigInfo == nil || len(c.Files) == 0 {
						t.Errorf("kernel core: siginfo %+v, %d files", c.SigInfo, len(c.Files))
					}
					found := false
					for _, f := range c.Files {
						found = found || f.Path == exePath
					}
					if !found {
						t.Errorf("NT_FILE does not list %s", exePath)
					}
				}

				e, err := OpenELF(exePath)
				if err != nil {
					t.Fatal(err)
				}
				defer e.Close()
				base, err := c.ExeBase(e)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Verify(e, base); err != nil {
					t.Error(err)
				}
				if !c.Present(base + e.PhdrVaddr) {
					t.Errorf("the program headers at %#x are not in the core", base+e.PhdrVaddr)
				}
				regions, err := c.Regions()
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range regions {
					r.Release()
				}
			})
		}
	}
}
