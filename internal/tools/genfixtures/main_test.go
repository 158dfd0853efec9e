package main

import (
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fixture"
)

// The tests find fixtures through internal/fixture's lists; they must be
// what the generator makes.
func TestTablesMatchFixture(t *testing.T) {
	var names []string
	for _, p := range platforms {
		names = append(names, p.name)
		if !slices.Equal(kinds(p), fixture.Kinds(p.name)) {
			t.Errorf("%s: kinds %q, fixture.Kinds %q", p.name, kinds(p), fixture.Kinds(p.name))
		}
	}
	if !slices.Equal(names, fixture.AllPlatforms) {
		t.Errorf("platforms %q, fixture.AllPlatforms %q", names, fixture.AllPlatforms)
	}
	var exes, resume []string
	for _, prog := range programs {
		if prog.ref {
			if !prog.native && !prog.kernelOnly {
				resume = append(resume, prog.exe)
			}
			continue
		}
		exes = append(exes, prog.exe)
		if prog.threads != fixture.Threads(prog.exe) {
			t.Errorf("%s: %d threads, fixture.Threads says %d", prog.exe, prog.threads, fixture.Threads(prog.exe))
		}
	}
	if !slices.Equal(exes, fixture.Exes) {
		t.Errorf("programs %q, fixture.Exes %q", exes, fixture.Exes)
	}
	if got := fixture.ResumeExes("i386"); !slices.Equal(resume, got) {
		t.Errorf("resume programs %q, fixture.ResumeExes %q", resume, got)
	}
}

func TestSelectPlatforms(t *testing.T) {
	all, err := selectPlatforms("all")
	if err != nil || len(all) != len(platforms) {
		t.Fatalf("selectPlatforms(all) = %d platforms, %v", len(all), err)
	}
	got, err := selectPlatforms("mips, armhf,mips")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].name != "mips" || got[1].name != "armhf" {
		t.Errorf("selectPlatforms(mips, armhf,mips) = %v", got)
	}
	if _, err := selectPlatforms("vax"); err == nil || !strings.Contains(err.Error(), "ppc64le") {
		t.Errorf("selectPlatforms(vax) error = %v, want one listing the platforms", err)
	}
}

// checkCore on the generated fixtures of every platform: it is what
// genfixtures ran, so it must pass on what it wrote.
func TestCheckCoreFixtures(t *testing.T) {
	for _, name := range fixture.Platforms(t) {
		p := platforms[slices.IndexFunc(platforms, func(p platform) bool { return p.name == name })]
		for _, prog := range programsFor(p) {
			for _, kind := range kindsOf(p, prog) {
				exe, core := fixture.Core(t, p.name, prog.exe, kind)
				r := fixture.GDB(t, core)
				facts, err := checkCore(p, prog, exe, core, r)
				if err != nil {
					t.Errorf("%s %s %s: %v", p.name, prog.exe, kind, err)
					continue
				}
				// A wrong expectation must fail.
				q := p
				q.trap = []byte{0xde, 0xad}
				if _, err := checkCore(q, prog, exe, core, r); err == nil {
					t.Errorf("%s %s %s: checkCore passes with the wrong trap bytes", p.name, prog.exe, kind)
				}
				q = p
				q.signal = syscall.SIGSEGV
				if _, err := checkCore(q, prog, exe, core, r); err == nil {
					t.Errorf("%s %s %s: checkCore passes with the wrong signal (core says %d)", p.name, prog.exe, kind, facts.cursig)
				}
			}
		}
	}
}
