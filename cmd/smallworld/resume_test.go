package main

import (
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fixture"
	"github.com/smallworld-go/smallworld/platform"
)

// TestCoreRunResume resumes each resume program's core with no models:
// the real program and its real libc run from the trap to the end over
// the syscall layer, with an empty stdin (what the program read before
// the trap is in memory), and must print what the trap-free build
// printed and exit with its status. Every platform the engine executes,
// qemu-user cores everywhere and kernel cores where the host runs the
// platform, dynamic and static.
//
// knownWrong lists runs that finish but print something else, each with
// the reason; the test insists they still differ, so a fix shows up as
// a failure asking to remove the entry.
var knownWrong = map[string]string{}

func TestCoreRunResume(t *testing.T) { testResume(t) }

// TestCoreRunResumeModels: the same with every exactly modeled libc
// function the program imports hooked (--models libc): the models work
// beside the real libc's state (its heap, its stdio buffers).
func TestCoreRunResumeModels(t *testing.T) { testResume(t, "--models", "libc") }

func testResume(t *testing.T, extra ...string) {
	for _, p := range platform.All {
		if !p.Executable {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			for _, exe := range fixture.ResumeExes(p.Name) {
				want, wantStatus := fixture.Reference(t, p.Name, exe)
				for _, kind := range coreKinds(p) {
					exePath, corePath := fixture.Core(t, p.Name, exe, kind)
					args := append([]string{"core", "run", corePath, "--exe", exePath,
						"--sysroot", fixture.Sysroot(t, p.Name), "--skip-trap"}, extra...)
					out, errOut, status := smallworld(t, "", args...)
					if why, ok := knownWrong[p.Name+"/"+exe+"/"+kind]; ok {
						if out == want && status == wantStatus {
							t.Errorf("%s %s now matches the trap-free run: remove it from knownWrong (%s)", exe, kind, why)
						} else {
							t.Logf("%s %s: known difference: %s", exe, kind, why)
						}
						continue
					}
					if out != want || status != wantStatus {
						t.Errorf("%s %s: status %d (want %d)\nstdout %q\nwant   %q\nstderr %q", exe, kind, status, wantStatus, out, want, errOut)
					}
				}
			}
		})
	}
}

// TestCoreRunFindsExe: without --exe, core run takes the executable from
// the path the core's AT_EXECFN recorded (the fixtures ran it by its
// absolute path) and resumes as with --exe.
func TestCoreRunFindsExe(t *testing.T) {
	for _, tc := range []struct{ platform, kind string }{{"amd64", "kernel"}, {"aarch64", "qemu"}, {"armhf", "qemu"}} {
		_, corePath := fixture.Core(t, tc.platform, "list.O2", tc.kind)
		want, wantStatus := fixture.Reference(t, tc.platform, "list.O2")
		out, errOut, status := smallworld(t, "", "core", "run", corePath, "--sysroot", fixture.Sysroot(t, tc.platform), "--skip-trap", "-v")
		if out != want || status != wantStatus || !strings.Contains(errOut, "no --exe: using") {
			t.Errorf("%s %s: status %d, stdout %q, stderr %q", tc.platform, tc.kind, status, out, errOut)
		}
	}
}

// TestCoreRunModelCallsGuest: the qsort model sorts with the program's
// own comparison function, a guest call from inside the model, on every
// executable platform; the program counts the calls and prints that it
// saw some, so output identical to the trap-free run shows they ran.
//
// qsort_r, which the program does not import, is hooked at its
// definition in libc, where glibc's own qsort goes: on ppc64le that is a
// branch to qsort_r's local entry (past the TOC set-up of the global
// one), which the hook must cover too.
func TestCoreRunModelCallsGuest(t *testing.T) {
	for _, p := range platform.All {
		if !p.Executable {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			want, wantStatus := fixture.Reference(t, p.Name, "sort.O2")
			for _, kind := range coreKinds(p) {
				for _, name := range []string{"qsort", "qsort_r"} {
					exePath, corePath := fixture.Core(t, p.Name, "sort.O2", kind)
					out, errOut, status := smallworld(t, "", "core", "run", corePath, "--exe", exePath,
						"--sysroot", fixture.Sysroot(t, p.Name), "--skip-trap", "--model", name, "--trace")
					if out != want || status != wantStatus || strings.Count(errOut, "==> "+name+"(") != 1 {
						t.Errorf("%s --model %s: status %d (want %d)\nstdout %q\nwant   %q\nstderr %.2000s", kind, name, status, wantStatus, out, want, errOut)
					}
				}
			}
		})
	}
}

// TestCoreRunPendingSignal: a kernel core records the resumed thread's
// blocked and pending signals; the program raised SIGUSR1 while blocking
// it before its trap, sees it pending after, and dies of it when it
// unblocks it, as the trap-free run does (status 138). The IFUNC repair
// runs guest code before the process is known: the syscall layer made
// for it must not keep its empty signal sets (or its unknown break).
func TestCoreRunPendingSignal(t *testing.T) {
	want, wantStatus := fixture.Reference(t, "amd64", "signals.O2")
	exePath, corePath := fixture.Core(t, "amd64", "signals.O2", "kernel")
	if info, _, _ := smallworld(t, "", "core", "info", corePath); !strings.Contains(info, "(received the signal); blocked SIGUSR1; pending SIGUSR1\n") {
		t.Errorf("core info does not show SIGUSR1 blocked and pending:\n%.600s", info)
	}
	out, errOut, status := smallworld(t, "", "core", "run", corePath, "--exe", exePath, "--skip-trap")
	if wantStatus != 128+10 || out != want || status != wantStatus || !strings.Contains(errOut, "killed by SIGUSR1") {
		t.Errorf("status %d (want %d, the reference's, which should be 138)\nstdout %q\nwant   %q\nstderr %q", status, wantStatus, out, want, errOut)
	}
}
