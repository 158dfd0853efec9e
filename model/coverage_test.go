package model_test

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

// runs records, for every model, the platforms where a test ran it and
// those where a run returned (an unsupported model: where it said so).
type runs struct {
	mu  sync.Mutex
	ran map[string]map[string]bool
	ok  map[string]map[string]bool
}

func (r *runs) record(name string, p *platform.Platform, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	add := func(m map[string]map[string]bool) {
		if m[name] == nil {
			m[name] = map[string]bool{}
		}
		m[name][p.Name] = true
	}
	add(r.ran)
	m, _ := model.Lookup(name, p)
	if err == nil || m != nil && m.Level == model.Unsupported && strings.HasSuffix(err.Error(), ": unsupported") {
		add(r.ok)
	}
}

// missing lists, one line a model, the executable platforms where no
// test ran it, or ran it only into an error.
func (r *runs) missing() []string {
	var out []string
	for _, n := range model.Names() {
		var never, failed []string
		for _, p := range platform.All {
			if !p.Executable {
				continue
			}
			switch {
			case !r.ran[n][p.Name]:
				never = append(never, p.Name)
			case !r.ok[n][p.Name]:
				failed = append(failed, p.Name)
			}
		}
		if len(never) > 0 {
			out = append(out, fmt.Sprintf("model %s not tested on platforms %v", n, never))
		}
		if len(failed) > 0 {
			out = append(out, fmt.Sprintf("model %s only tested into an error on platforms %v", n, failed))
		}
	}
	sort.Strings(out)
	return out
}

// TestMain runs the package's tests and, when all of them ran (no -run
// or -skip filter), fails unless every model was run, and returned, on
// every executable platform: a model without a test case fails here.
func TestMain(m *testing.M) {
	rec := &runs{ran: map[string]map[string]bool{}, ok: map[string]map[string]bool{}}
	model.SetRunHook(rec.record)
	code := m.Run()
	model.SetRunHook(nil)
	if flagSet("test.run") || flagSet("test.skip") || flagSet("test.list") {
		os.Exit(code)
	}
	if miss := rec.missing(); len(miss) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d model/platform gaps in the tests:\n\t%s\n", len(miss), strings.Join(miss, "\n\t"))
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func flagSet(name string) bool {
	f := flag.Lookup(name)
	return f != nil && f.Value.String() != ""
}
