package load

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// seedFiles adds the files matching globs, shrunk by compact (see
// compact_test.go), to a fuzz corpus; missing files are skipped (the
// generated fixtures may not exist yet).
func seedFiles(f *testing.F, compact func([]byte) []byte, globs ...string) {
	for _, g := range globs {
		paths, _ := filepath.Glob(g)
		for _, p := range paths {
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() || st.Size() > 64<<20 {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			if small := compact(b); small != nil && len(small) <= 16<<10 {
				f.Add(small)
			}
		}
	}
}

// syntheticSeeds adds a small core of every synthetic platform.
func syntheticSeeds(f *testing.F) {
	f.Add(amd64Core().small())
	for _, sp := range synthPlatforms {
		spec, _ := synthCore(sp.p, archOf(sp.p), sp.uid16)
		f.Add(spec.small())
	}
}

func FuzzParseELF(f *testing.F) {
	seedFiles(f, compactELF, "/bin/true", "/bin/ls", "../testdata/gen/amd64/seed.O0", "../testdata/gen/amd64/threads.O0")
	syntheticSeeds(f)
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseELF(bytes.NewReader(b), "fuzz")
		if (e == nil) == (err == nil) {
			t.Fatalf("ParseELF returned %v and %v", e, err)
		}
		if e != nil {
			for _, s := range e.Symbols {
				e.Lookup(s.Name)
			}
			for _, im := range e.Imports {
				e.Import(im.Name)
			}
		}
	})
}

func FuzzParseCore(f *testing.F) {
	seedFiles(f, compactCore, "../testdata/gen/amd64/*.core")
	seedFiles(f, compactELF, "/bin/true")
	syntheticSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCore(bytes.NewReader(b), int64(len(b)), "fuzz")
		if (c == nil) == (err == nil) {
			t.Fatalf("ParseCore returned %v and %v", c, err)
		}
		if c != nil {
			c.Signal()
			for _, s := range c.Segments {
				c.Present(s.Vaddr)
			}
		}
	})
}
