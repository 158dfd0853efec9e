package main

import (
	"io"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fixture"
)

// benchResume resumes a core to its end once per op, through the CLI's
// own code path, and checks the result against the trap-free run.
func benchResume(b *testing.B, exe, kind string) {
	exePath, corePath := fixture.Core(b, "amd64", exe, kind)
	want, wantStatus := fixture.Reference(b, "amd64", exe)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var out strings.Builder
		status := run([]string{"core", "run", corePath, "--exe", exePath, "--skip-trap"}, strings.NewReader(""), &out, io.Discard)
		if status != wantStatus || out.String() != want {
			b.Fatalf("status %d, stdout %q; want %d, %q", status, out.String(), wantStatus, want)
		}
	}
}

// BenchmarkResumeCompute: about 10^8 guest instructions after the trap
// (scripts/bench-vs-qemu.sh compares with qemu-user).
func BenchmarkResumeCompute(b *testing.B) { benchResume(b, "compute.O2", "kernel") }

// BenchmarkResumeHeap: a core with 1 GiB of touched heap, mapped not
// read: load, resume, finish.
func BenchmarkResumeHeap(b *testing.B) { benchResume(b, "heap.O2", "kernel") }

// BenchmarkResumeSeed: the fixed cost of a resume (load, restore the
// libraries, IFUNC repair, start, exit) with next to nothing to run.
func BenchmarkResumeSeed(b *testing.B) { benchResume(b, "stdin.O2", "kernel") }
