package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of the command (besides the guest's own).
const (
	exitUsage  = 2
	exitLimit  = 124
	exitFailed = 125
	// exitHeap: --check-heap found a misuse (as glibc's abort on a heap
	// corruption it detects: 128+SIGABRT).
	exitHeap = 134
)

const usage = `usage:
  smallworld core info CORE [--exe FILE] [--json]
  smallworld core run CORE [--exe FILE] [--sysroot DIR] [--allow-write DIR]... [--skip-trap]
                           [--model PATTERN]... [--models libc|all] [--check-heap]
                           [--max-insns N] [--timeout D] [--trace] [--report FILE] [-v]
  smallworld core symbols CORE [--exe FILE] [--sysroot DIR] [PATTERN]...
  smallworld models [--platform P]
  smallworld syscalls [--platform P] [--implemented]
`

// run is the whole command, testable: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "core":
		if len(args) < 2 {
			fmt.Fprint(stderr, usage)
			return exitUsage
		}
		switch args[1] {
		case "info":
			return coreInfo(args[2:], stdout, stderr)
		case "run":
			return coreRun(args[2:], stdin, stdout, stderr)
		case "symbols":
			return coreSymbols(args[2:], stdout, stderr)
		}
	case "models":
		return listModels(args[1:], stdout, stderr)
	case "syscalls":
		return listSyscalls(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "smallworld: unknown command %q\n%s", strings.Join(args, " "), usage)
	return exitUsage
}

// parse parses flags that may come before, between or after the
// positional arguments ("core run CORE --exe X").
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlags returns a flag set that reports errors on stderr, not panics
// or exits.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// fail prints one line and returns the "could not load or run" status.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "smallworld: %v\n", err)
	return exitFailed
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func usageErr(stderr io.Writer, err error) int {
	if !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stderr, "smallworld: %v\n", err)
	}
	fmt.Fprint(stderr, usage)
	return exitUsage
}
