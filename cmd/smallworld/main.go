// Command smallworld harnesses binary code for micro-execution: it
// inspects Linux core dumps and resumes them on an emulator.
//
// Usage:
//
//	smallworld core info CORE [--exe FILE] [--json]
//	smallworld core run CORE [--exe FILE] [--sysroot DIR] [--skip-trap] [--model NAME]... [--max-insns N] [--timeout D] [--trace]
//	smallworld models
//	smallworld syscalls [--platform P]
//
// Exit status: the guest's own exit status when it exits; 128+N when it
// dies of signal N (an invalid instruction is SIGILL, 132; a memory fault
// SIGSEGV, 139); 124 when --max-insns or --timeout stops it; 125 when
// smallworld cannot load or run it (one line on stderr says why); 2 for a
// usage error.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	// A run's Go heap is small (tables, symbols; guest memory is mapped
	// outside it) and short-lived: collect less often than the default
	// (GOGC=100), which spends a millisecond of a 20 ms resume marking.
	// GOGC in the environment still decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
