package main

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/internal/fixture"
	"github.com/smallworld-go/smallworld/platform"
)

// cliEnv makes the test binary act as the smallworld command (TestMain).
const cliEnv = "SMALLWORLD_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(cliEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// smallworld runs the command as its own process (the test binary, as
// the CLI): every run starts from a fresh process, as a user's does.
// (Unicorn 2.1.1's PPC target reads FPU state it never initialises:
// in a long-lived process a new engine can inherit garbage from freed
// heap memory and abort in QEMU's fdiv; a fresh process's heap is zero.)
// The status of a command killed by a signal is 128+N.
func smallworld(t *testing.T, stdin string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), cliEnv+"=1")
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		status = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			status = 128 + int(ws.Signal())
		}
	default:
		t.Fatalf("run %s: %v", self, err)
	}
	return out.String(), errb.String(), status
}

var (
	kinds = []string{"qemu", "kernel"}
	exes  = []string{"seed.O0", "seed.O2", "threads.O0"}
)

// coreKinds lists the kinds of core the fixtures have for a platform: the
// host kernel makes cores of amd64 programs only.
func coreKinds(p *platform.Platform) []string { return fixture.Kinds(p.Name) }

// TestCoreInfoMatchesGDB compares every general register gdb reads from
// each core of every platform, in every thread, with `core info --json`,
// with and without --exe; it checks the threads against gdb's and the
// mappings against the core's PT_LOADs as debug/elf reads them.
func TestCoreInfoMatchesGDB(t *testing.T) {
	for _, p := range platform.All {
		for _, kind := range coreKinds(p) {
			for _, exe := range fixture.Exes {
				for _, withExe := range []bool{false, true} {
					name := p.Name + "/" + kind + "/" + exe
					if withExe {
						name += "/exe"
					}
					t.Run(name, func(t *testing.T) { checkCoreInfo(t, p, kind, exe, withExe) })
				}
			}
		}
	}
}

func checkCoreInfo(t *testing.T, p *platform.Platform, kind, exe string, withExe bool) {
	exePath, corePath := fixture.Core(t, p.Name, exe, kind)
	gdb := fixture.GDB(t, corePath)
	args := []string{"core", "info", corePath, "--json"}
	if withExe {
		args = append(args, "--exe", exePath)
	}
	out, errOut, status := smallworld(t, "", args...)
	if status != 0 {
		t.Fatalf("status %d: %s", status, errOut)
	}
	var info infoJSON
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	// Without --exe an armhf core is recognised by an ELF header it
	// holds (load.armFloatABI); the fixtures all hold one.
	if info.Platform != p.Name {
		t.Errorf("platform = %q, want %s", info.Platform, p.Name)
	}
	if gdb.Platform != p.Name {
		t.Errorf("gdb's reading is of platform %q", gdb.Platform)
	}
	file, err := cpu.For(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Threads) != len(gdb.Threads) {
		t.Fatalf("%d threads, gdb has %d", len(info.Threads), len(gdb.Threads))
	}
	byTID := map[int]threadJSON{}
	for _, th := range info.Threads {
		byTID[th.TID] = th
	}
	for _, g := range gdb.Threads {
		ours, ok := byTID[g.LWP]
		if !ok {
			t.Errorf("gdb thread %d (lwp %d) is not listed", g.Num, g.LWP)
			continue
		}
		if g.Num == gdb.Selected && info.Threads[0].TID != g.LWP {
			t.Errorf("first thread is tid %d; gdb's selected thread is lwp %d", info.Threads[0].TID, g.LWP)
		}
		for reg, want := range g.Registers {
			got, ok := ours.Registers[reg]
			if !ok {
				t.Errorf("lwp %d: %s missing (gdb: %s)", g.LWP, reg, want)
				continue
			}
			if !sameHex(got, want) {
				t.Errorf("lwp %d: %s = %s, gdb says %s", g.LWP, reg, got, want)
			}
		}
		// Every general register of the cpu table is one gdb read.
		for _, reg := range file.GDBGeneral() {
			if _, ok := g.Registers[reg]; !ok {
				t.Errorf("lwp %d: gdb did not read %s", g.LWP, reg)
			}
		}
	}
	if len(info.Auxv) == 0 {
		t.Errorf("no auxv entries")
	}
	pc := p.PC
	if !sameHex(info.Registers[pc], gdb.Thread(gdb.Selected).Registers[pc]) {
		t.Errorf("top-level registers are not the signalled thread's")
	}
	checkMappings(t, corePath, info.Mappings)
}

// checkMappings compares the mappings of `core info` with the PT_LOADs
// of the core as debug/elf reads them.
func checkMappings(t *testing.T, corePath string, got []mappingJSON) {
	t.Helper()
	f, err := elf.Open(corePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []mappingJSON
	for _, pr := range f.Progs {
		if pr.Type == elf.PT_LOAD {
			want = append(want, mappingJSON{Start: fmt.Sprintf("%#x", pr.Vaddr), End: fmt.Sprintf("%#x", pr.Vaddr+pr.Memsz), InCore: fmt.Sprintf("%#x", pr.Filesz)})
		}
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d mappings, the core has %d PT_LOADs", len(got), len(want))
	}
	for i := range want {
		if got[i].Start != want[i].Start || got[i].End != want[i].End || got[i].InCore != want[i].InCore {
			t.Errorf("mapping %d = %s-%s (%s in core), PT_LOAD %s-%s (%s)", i, got[i].Start, got[i].End, got[i].InCore, want[i].Start, want[i].End, want[i].InCore)
		}
	}
}

func sameHex(a, b string) bool {
	x, err1 := strconv.ParseUint(a, 0, 64)
	y, err2 := strconv.ParseUint(b, 0, 64)
	return err1 == nil && err2 == nil && x == y
}

// TestCoreRunSeed resumes the seed-like program past its trap on every
// platform the engine executes: the word it read before the trap is
// printed by the puts model and the process exits 0 through the real
// libc's exit path (restored from the sysroot) and our exit_group. The
// other platforms must refuse with one clear line and status 125.
func TestCoreRunSeed(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			for _, kind := range coreKinds(p) {
				for _, exe := range []string{"seed.O0", "seed.O2"} {
					exePath, corePath := fixture.Core(t, p.Name, exe, kind)
					out, errOut, status := smallworld(t, "", "core", "run", corePath, "--exe", exePath,
						"--sysroot", fixture.Sysroot(t, p.Name), "--skip-trap", "--model", "puts")
					if !p.Executable {
						if status != exitFailed || !strings.Contains(errOut, "cannot execute") || strings.Count(errOut, "\n") != 1 {
							t.Errorf("%s/%s: status %d, stderr %q; want 125 and one line saying the engine cannot execute %s", kind, exe, status, errOut, p.Name)
						}
						continue
					}
					if status != 0 || out != "smallworld\n" {
						t.Errorf("%s/%s: status %d, stdout %q, stderr %q; want 0 and %q", kind, exe, status, out, errOut, "smallworld\n")
					}
				}
			}
		})
	}
}

// TestCoreRunWithoutSkipTrap: resuming at the trap dies of SIGILL again,
// as the original did.
func TestCoreRunWithoutSkipTrap(t *testing.T) {
	exePath, corePath := fixture.Core(t, "amd64", "seed.O0", "qemu")
	_, errOut, status := smallworld(t, "", "core", "run", corePath, "--exe", exePath, "--model", "puts")
	if status != 128+4 || !strings.Contains(errOut, "SIGILL") {
		t.Fatalf("status %d, stderr %q; want 132 and SIGILL", status, errOut)
	}
}

// TestCoreRunLimit: an instruction limit stops the run with status 124.
func TestCoreRunLimit(t *testing.T) {
	exePath, corePath := fixture.Core(t, "amd64", "seed.O0", "kernel")
	_, errOut, status := smallworld(t, "", "core", "run", corePath, "--exe", exePath, "--skip-trap", "--model", "puts", "--max-insns", "3")
	if status != exitLimit || !strings.Contains(errOut, "instruction limit") {
		t.Fatalf("status %d, stderr %q; want 124", status, errOut)
	}
}

// TestCoreRunReport: --report writes the final state: the stop (kind,
// pc, exit status), the command's status and the registers, whose pc is
// the stop's; the core's segment selectors, which the engine never had,
// stay the core's. An unwritable report path is one line and 125.
func TestCoreRunReport(t *testing.T) {
	exePath, corePath := fixture.Core(t, "amd64", "list.O2", "kernel")
	want, wantStatus := fixture.Reference(t, "amd64", "list.O2")
	dir := t.TempDir()
	type report struct {
		Stop struct {
			Kind   string `json:"kind"`
			PC     string `json:"pc"`
			Status *int   `json:"exit_status"`
		} `json:"stop"`
		Status    int               `json:"status"`
		Registers map[string]string `json:"registers"`
	}
	read := func(path string) report {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var r report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, b)
		}
		return r
	}
	info, _, _ := smallworld(t, "", "core", "info", corePath, "--json")
	var core infoJSON
	if err := json.Unmarshal([]byte(info), &core); err != nil {
		t.Fatal(err)
	}

	limit := filepath.Join(dir, "limit.json")
	_, _, status := smallworld(t, "", "core", "run", corePath, "--exe", exePath, "--skip-trap", "--max-insns", "5000", "--report", limit)
	r := read(limit)
	if status != exitLimit || r.Status != exitLimit || r.Stop.Kind != "instruction limit" || r.Stop.Status != nil {
		t.Errorf("limit: status %d, report %+v", status, r)
	}
	if r.Registers["rip"] != r.Stop.PC || r.Stop.PC == "0x0" {
		t.Errorf("limit: rip %s, stop pc %s", r.Registers["rip"], r.Stop.PC)
	}
	for _, sel := range []string{"cs", "ss"} {
		if r.Registers[sel] != core.Registers[sel] {
			t.Errorf("limit: %s = %s, the core's is %s", sel, r.Registers[sel], core.Registers[sel])
		}
	}

	exit := filepath.Join(dir, "exit.json")
	out, _, status := smallworld(t, "", "core", "run", corePath, "--exe", exePath, "--skip-trap", "--report", exit)
	r = read(exit)
	if status != wantStatus || out != want || r.Stop.Kind != "exit" || r.Stop.Status == nil || *r.Stop.Status != wantStatus || r.Status != wantStatus {
		t.Errorf("exit: status %d, stdout %q, report %+v", status, out, r)
	}

	_, errOut, status := smallworld(t, "", "core", "run", corePath, "--exe", exePath, "--skip-trap", "--report", filepath.Join(dir, "no", "such", "dir.json"))
	if status != exitFailed || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "--report") {
		t.Errorf("unwritable report: status %d, stderr %q", status, errOut)
	}
}

// TestBadInput: each bad input gives exit 125 and one line naming the
// problem, never a panic.
func TestBadInput(t *testing.T) {
	exe0, core0 := fixture.Core(t, "amd64", "seed.O0", "qemu")
	exe2, _ := fixture.Core(t, "amd64", "seed.O2", "qemu")
	_, kcore := fixture.Core(t, "amd64", "seed.O0", "kernel")
	dir := t.TempDir()
	truncate := func(src string, n int64) string {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(src)+".truncated"+strconv.FormatInt(n, 10))
		if err := os.WriteFile(p, b[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	st, _ := os.Stat(core0)
	// The seed executable relabelled as AArch64 (e_machine at offset 18).
	foreign := filepath.Join(dir, "seed.aarch64")
	b, err := os.ReadFile(exe0)
	if err != nil {
		t.Fatal(err)
	}
	b[18], b[19] = 183, 0
	if err := os.WriteFile(foreign, b, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string // in the error line
	}{
		{"missing core", []string{"core", "run", filepath.Join(dir, "nope.core")}, "nope.core"},
		{"missing exe", []string{"core", "run", core0, "--exe", filepath.Join(dir, "nope")}, "nope"},
		{"not a core", []string{"core", "info", exe0}, "not ET_CORE"},
		{"not an ELF", []string{"core", "info", "/etc/passwd"}, "passwd"},
		{"truncated in the notes", []string{"core", "info", truncate(core0, 0x600)}, "truncated"},
		{"truncated in the data", []string{"core", "run", truncate(core0, st.Size()/2), "--skip-trap"}, "truncated"},
		{"truncated kernel core", []string{"core", "info", truncate(kcore, 0x2000)}, "truncated"},
		{"exe does not match", []string{"core", "run", core0, "--exe", exe2, "--skip-trap"}, "seed.O2"},
		{"exe of another platform", []string{"core", "info", core0, "--exe", foreign}, "seed.aarch64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, status := smallworld(t, "", tt.args...)
			if status != exitFailed {
				t.Errorf("status %d, want %d", status, exitFailed)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "smallworld: ") || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr = %q; want one line mentioning %q", errOut, tt.want)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"core"}, {"core", "info"}, {"frobnicate"}, {"core", "run", "a", "b"}, {"core", "run", "--bogus", "x"}} {
		_, errOut, status := smallworld(t, "", args...)
		if status != exitUsage || !strings.Contains(errOut, "usage:") {
			t.Errorf("%q: status %d, stderr %q", args, status, errOut)
		}
	}
}

func TestListings(t *testing.T) {
	out, _, status := smallworld(t, "", "models")
	if status != 0 || !strings.Contains(out, "puts") || !strings.Contains(out, "exit") {
		t.Errorf("models: %d %q", status, out)
	}
	out, _, status = smallworld(t, "", "syscalls", "--platform", "amd64")
	if status != 0 || !strings.Contains(out, "exit_group") || !strings.Contains(out, "write") {
		t.Errorf("syscalls: %d %q", status, out)
	}
	_, errOut, status := smallworld(t, "", "syscalls", "--platform", "vax")
	if status != exitFailed || !strings.Contains(errOut, "vax") {
		t.Errorf("syscalls vax: %d %q", status, errOut)
	}
}

// TestExeMismatchEveryPlatform: the -O2 build given for the -O0 build's
// core is refused with one line and 125, on every platform, although on
// most of them the core holds none of the executable's text: the auxv
// (AT_ENTRY) must agree with the file.
func TestExeMismatchEveryPlatform(t *testing.T) {
	for _, p := range platform.All {
		t.Run(p.Name, func(t *testing.T) {
			_, core0 := fixture.Core(t, p.Name, "seed.O0", "qemu")
			exe2, _ := fixture.Core(t, p.Name, "seed.O2", "qemu")
			for _, cmd := range []string{"info", "run"} {
				_, errOut, status := smallworld(t, "", "core", cmd, core0, "--exe", exe2, "--sysroot", fixture.Sysroot(t, p.Name), "--skip-trap")
				if cmd == "info" {
					_, errOut, status = smallworld(t, "", "core", cmd, core0, "--exe", exe2)
				}
				if status != exitFailed || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "does not match") {
					t.Errorf("core %s: status %d, stderr %q; want 125 and one line saying it does not match", cmd, status, errOut)
				}
			}
		})
	}
}
