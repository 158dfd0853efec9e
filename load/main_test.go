package load

import (
	"flag"
	"os"
	"testing"
)

// TestMain shortens the fuzzer's minimization of new inputs to 1s unless
// -fuzzminimizetime is given: its default of 60s, spent on every input
// that finds new coverage, takes whole short runs (`-fuzztime=20s`) with
// ELF inputs of a few kilobytes, whose minimization is quadratic.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.fuzzminimizetime" })
	if !given {
		if err := flag.Set("test.fuzzminimizetime", "1s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
