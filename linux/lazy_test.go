package linux

import (
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// builtAtInit counts the platform data built while the package was
// initialised (this init runs after those of the package's own files).
var builtAtInit int

func init() {
	builtAtInit = tableCache.built() + constsCache.built() + errnoCache.built() +
		layoutCache.built() + rlimitCache.built()
	if genericName != nil {
		builtAtInit++
	}
}

func (c *perPlatform[T]) built() int {
	n := 0
	for i := range c {
		if !reflect.ValueOf(&c[i].v).Elem().IsZero() {
			n++
		}
	}
	return n
}

// TestNothingBuiltAtInit: starting the program builds no platform's
// data; the first use of a platform does.
func TestNothingBuiltAtInit(t *testing.T) {
	if builtAtInit != 0 {
		t.Errorf("%d platform tables were built at package initialisation", builtAtInit)
	}
}

// TestBuildAll builds every platform's table, constants, errno
// translation and layouts, so a bad zsysnum.go or callList (two calls of
// one number, a missing constant) fails here as it would at a run's
// first use of the platform.
func TestBuildAll(t *testing.T) {
	for i := range abis {
		a := &abis[i]
		if zsysnumIndex(a.p.Name) < 0 {
			t.Errorf("%s: zsysnum.go has no data for it", a.p.Name)
		}
		if _, err := buildTable(a, sysnumsFor(a.p.Name)); err != nil {
			t.Error(err)
		}
		if tableOf(a) != tableOf(a) {
			t.Errorf("%s: the table is built at each use", a.p.Name)
		}
	}
	for _, p := range zsysnumPlatforms {
		c, err := buildConsts(p, constNumsFor(p))
		if err != nil || c == nil {
			t.Errorf("%s: consts %v, %v", p, c, err)
		}
		if errnoTo(p) == nil || layoutsOf(p) == nil || rlimitsOf(p) == nil {
			t.Errorf("%s: no errno, layout or rlimit data", p)
		}
		if abiOf(p) == nil {
			t.Errorf("%s: zsysnum.go has data for it but it has no ABI", p)
		}
	}
	if len(genericErrnoName()) < 100 {
		t.Errorf("only %d generic errno names", len(genericErrnoName()))
	}
}

// The checks start-up made still reject bad data.
func TestBuildRejects(t *testing.T) {
	a := abiOf("amd64")
	if _, err := buildTable(a, map[string]uint64{"read": 0, "write": 0}); err == nil ||
		!strings.Contains(err.Error(), "read and write are both number 0") {
		t.Errorf("duplicate numbers: %v", err)
	}
	if _, err := buildTable(a, nil); err == nil || !strings.Contains(err.Error(), "no numbers for amd64") {
		t.Errorf("no numbers: %v", err)
	}
	vals := constNumsFor("amd64")
	delete(vals, "O_TMPFILE")
	if _, err := buildConsts("amd64", vals); err == nil || !strings.Contains(err.Error(), "no O_TMPFILE for amd64") {
		t.Errorf("missing constant: %v", err)
	}
	if c, err := buildConsts("vax", nil); c != nil || err != nil {
		t.Errorf("unknown platform: %v, %v", c, err)
	}
}

// Concurrent first uses build a platform's value once and all see it.
func TestPerPlatformConcurrent(t *testing.T) {
	var c perPlatform[*int]
	var builds atomic.Int32
	build := func(string) (*int, error) {
		builds.Add(1)
		return new(int), nil
	}
	var wg sync.WaitGroup
	got := make([]*int, 64)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = c.get(zsysnumPlatforms[i%2], build)
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 2 {
		t.Errorf("%d builds for 2 platforms", n)
	}
	for i := range got {
		if got[i] != got[i%2] {
			t.Errorf("use %d got another value", i)
		}
	}
	// A platform zsysnum.go does not know is not cached.
	c.get("vax", build)
	c.get("vax", build)
	if n := builds.Load(); n != 4 {
		t.Errorf("%d builds, want 4", n)
	}
}
