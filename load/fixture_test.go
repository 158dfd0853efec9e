package load

import (
	"errors"
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
	// Every platform, not fixture.Platforms: a missing platform fails.
	for _, p := range platform.All {
		for _, exe := range fixture.Exes {
			for _, kind := range fixture.Kinds(p.Name) {
				t.Run(fmt.Sprintf("%s/%s/%s", p.Name, exe, kind), func(t *testing.T) { checkFixtureCore(t, p, exe, kind) })
			}
		}
	}
}

func checkFixtureCore(t *testing.T, p *platform.Platform, exe, kind string) {
	exePath, corePath := fixture.Core(t, p.Name, exe, kind)
	gdb := fixture.GDB(t, corePath)
	c, err := OpenCore(corePath)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// armhf: told apart from armel by an ELF header the core
	// holds (armFloatABI).
	if c.Platform != p || len(c.Threads) < 1 {
		t.Fatalf("platform %s, %d threads; want %s", c.Platform, len(c.Threads), p)
	}
	if _, ok := c.Aux(AT_PHDR); !ok {
		t.Errorf("auxv has no AT_PHDR: %v", c.Auxv)
	}
	if c.Proc == nil || c.Proc.Fname != exe {
		t.Errorf("NT_PRPSINFO: %+v", c.Proc)
	} else {
		// Process ids are at most pid_max's ceiling (2^22). The pid is
		// positive; the parent, group and session may be 0, which is what
		// the kernel reports for a process outside the dumper's pid
		// namespace (a container's session leader, as on CI).
		for name, id := range map[string]int{"pid": c.Proc.PID, "ppid": c.Proc.PPID, "pgid": c.Proc.PGID, "sid": c.Proc.SID} {
			if id < 0 || id > 1<<22 || name == "pid" && id == 0 {
				t.Errorf("NT_PRPSINFO %s = %d", name, id)
			}
		}
		// The first NT_PRSTATUS carries the parent, group and session at
		// its own offsets; both notes are filled from the same process.
		for _, n := range c.Notes {
			if n.Type != NT_PRSTATUS {
				continue
			}
			o := prstatusHeader(p.WordSize)
			id := func(at int) int { return int(int32(p.ByteOrder.Uint32(n.Desc[at:]))) }
			got := [3]int{id(o.ppid), id(o.pgrp), id(o.sid)}
			want := [3]int{c.Proc.PPID, c.Proc.PGID, c.Proc.SID}
			if got != want {
				t.Errorf("NT_PRSTATUS ppid/pgrp/sid %v, NT_PRPSINFO's %v", got, want)
			}
			break
		}
	}
	if len(c.Threads) != len(gdb.Threads) {
		t.Errorf("%d threads, gdb sees %d", len(c.Threads), len(gdb.Threads))
	}
	if sel := gdb.Thread(gdb.Selected); sel == nil || sel.LWP != c.Threads[0].TID {
		t.Errorf("first thread is %d, gdb selects %+v", c.Threads[0].TID, sel)
	}
	for i, th := range c.Threads {
		if th.CPU.PC() == 0 {
			t.Errorf("thread %d: %s is 0", th.TID, p.PC)
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
		for _, name := range th.CPU.File.GDBGeneral() {
			if _, ok := g.Registers[name]; !ok {
				t.Errorf("tid %d: gdb did not read %s", th.TID, name)
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
	if e.Platform != c.Platform {
		t.Errorf("the executable is %s, the core %s", e.Platform, c.Platform)
	}
	// qemu-user leaves out executable mappings that start with
	// an ELF header: where the text segment holds the program
	// headers and all read-only data, nothing is left to compare.
	switch err := c.Verify(e, base); {
	case errors.Is(err, ErrNothingToCompare):
		if kind != "qemu" || p == platform.AMD64 || c.Present(base+e.PhdrVaddr) {
			t.Error(err)
		}
	case err != nil:
		t.Error(err)
	case !c.Present(base+e.PhdrVaddr) && p == platform.AMD64:
		t.Errorf("the program headers at %#x are not in the core", base+e.PhdrVaddr)
	}
	regions, err := c.Regions()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regions {
		r.Release()
	}
}
