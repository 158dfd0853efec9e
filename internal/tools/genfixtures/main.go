// Command genfixtures makes the test fixtures: real programs, real cores, and
// gdb's reading of each core as the register oracle.
//
// For every requested platform it builds the programs of testdata/src with the
// platform's gcc, runs each one to its trap under qemu-user (and, on amd64,
// natively under the host kernel) to get a core dump, and records gdb's reading
// of every thread's registers in each core as JSON. Everything lands in
// testdata/gen/<platform>/:
//
//	seed.O0 seed.O2 threads.O0                      the programs (-g, default PIE)
//	<exe>.qemu.core                                 qemu-user's guest core
//	<exe>.kernel.core                               the host kernel's core (amd64 only)
//	<core>.gdb.json                                 gdb-multiarch's reading of <core>
//
// Usage (from anywhere inside the module):
//
//	go run ./internal/tools/genfixtures [-out testdata/gen] [-platforms amd64|all|a,b,...] [-force] [-j n]
//
// A platform whose stamp file (<out>/<platform>/.stamp) is newer than the
// sources and the generator, and whose outputs all exist, is skipped unless
// -force is given; the others are generated -j at a time (default: one per
// CPU). Each core is checked against its exe and gdb's reading (checkCore)
// before the stamp is written. testdata/src/README.md describes the programs,
// the exact commands run and the checks.
package main

import (
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/smallworld-go/smallworld/internal/fixture"
)

// gdbScript reads every thread's registers out of the loaded core; see the
// comment at its top.
//
//go:embed gdbregs.py
var gdbScript []byte

// A platform is one row of PLATFORMS.md as far as fixtures are concerned.
type platform struct {
	name    string
	triple  string         // GNU triple of the cross gcc; "" means the host's gcc
	qemu    string         // qemu-user binary
	sysroot string         // target root for qemu -L and gdb's sysroot; "/" is the host's
	native  bool           // the host kernel runs it: make kernel cores too
	signal  syscall.Signal // signal the trap instruction raises (Linux and qemu-user agree)
	// trap is SW_TRAP's instruction as it lies in the executable's bytes;
	// the signalled thread's pc must point at it.
	trap []byte
	// thumb says the trap is a Thumb instruction, so CPSR.T must be set
	// at it (and clear on other arm platforms).
	thumb bool
	// prstatus is the size of every NT_PRSTATUS note of the cores.
	prstatus int
	// gdbExtra names registers outside gdb's "general" group to record too;
	// the reading fails without them.
	gdbExtra []string
	// gdbOptional names registers to record when gdb can read them, and
	// to leave out silently when it cannot (a core without the note).
	gdbOptional []string
	// threadDB says the host's libthread_db can read this platform's
	// processes, so gdb may use it and the reading records each thread's
	// pthread_t; elsewhere it is turned off.
	threadDB bool
}

// gcc is the compiler command: the host gcc for amd64, <triple>-gcc otherwise.
func (p platform) gcc() string {
	if p.triple == "" {
		return "gcc"
	}
	return p.triple + "-gcc"
}

// pcName is gdb's name of p's program counter.
func (p platform) pcName() string {
	switch p.name {
	case "amd64":
		return "rip"
	case "i386":
		return "eip"
	}
	return "pc"
}

// The trap instructions of trap.h, as bytes in the executable.
var (
	ud2     = []byte{0x0f, 0x0b}
	brk     = []byte{0x00, 0x7d, 0x20, 0xd4} // brk #0x3e8 = 0xd4207d00, little-endian
	udfARM  = []byte{0xf0, 0x00, 0xf0, 0xe7} // udf #0 = 0xe7f000f0, little-endian
	udfT    = []byte{0xff, 0xde}             // Thumb udf #255 = 0xdeff, little-endian
	teqBE   = []byte{0x00, 0x00, 0x00, 0x34} // teq zero,zero = 0x00000034
	teqLE   = []byte{0x34, 0x00, 0x00, 0x00}
	trapBE  = []byte{0x7f, 0xe0, 0x00, 0x08} // trap = tw 31,0,0 = 0x7fe00008
	trapLE  = []byte{0x08, 0x00, 0xe0, 0x7f}
	armTLS  = []string{"tpidruro", "tpidr"}
	a64TLS  = []string{"tpidr"}
	x86Base = []string{"fs_base", "gs_base"}
)

// platforms is every first-class platform of PLATFORMS.md, in its order.
// Signals, trap bytes and NT_PRSTATUS sizes are as measured on this machine
// (qemu-user 7.2): brk, teq and trap raise SIGTRAP, ud2 and udf SIGILL.
var platforms = []platform{
	{name: "amd64", qemu: "qemu-x86_64", sysroot: "/", native: true, signal: syscall.SIGILL, trap: ud2, prstatus: 0x150,
		gdbExtra: x86Base, threadDB: true},
	{name: "i386", triple: "i686-linux-gnu", qemu: "qemu-i386", sysroot: "/usr/i686-linux-gnu", signal: syscall.SIGILL, trap: ud2, prstatus: 0x90},
	{name: "aarch64", triple: "aarch64-linux-gnu", qemu: "qemu-aarch64", sysroot: "/usr/aarch64-linux-gnu", signal: syscall.SIGTRAP, trap: brk, prstatus: 0x188,
		gdbOptional: a64TLS},
	{name: "armel", triple: "arm-linux-gnueabi", qemu: "qemu-arm", sysroot: "/usr/arm-linux-gnueabi", signal: syscall.SIGILL, trap: udfARM, prstatus: 0x94,
		gdbOptional: armTLS},
	{name: "armhf", triple: "arm-linux-gnueabihf", qemu: "qemu-arm", sysroot: "/usr/arm-linux-gnueabihf", signal: syscall.SIGILL, trap: udfT, thumb: true, prstatus: 0x94,
		gdbOptional: armTLS},
	{name: "mips", triple: "mips-linux-gnu", qemu: "qemu-mips", sysroot: "/usr/mips-linux-gnu", signal: syscall.SIGTRAP, trap: teqBE, prstatus: 0x100},
	{name: "mipsel", triple: "mipsel-linux-gnu", qemu: "qemu-mipsel", sysroot: "/usr/mipsel-linux-gnu", signal: syscall.SIGTRAP, trap: teqLE, prstatus: 0x100},
	{name: "mips64", triple: "mips64-linux-gnuabi64", qemu: "qemu-mips64", sysroot: "/usr/mips64-linux-gnuabi64", signal: syscall.SIGTRAP, trap: teqBE, prstatus: 0x1e0},
	{name: "mips64el", triple: "mips64el-linux-gnuabi64", qemu: "qemu-mips64el", sysroot: "/usr/mips64el-linux-gnuabi64", signal: syscall.SIGTRAP, trap: teqLE, prstatus: 0x1e0},
	{name: "ppc", triple: "powerpc-linux-gnu", qemu: "qemu-ppc", sysroot: "/usr/powerpc-linux-gnu", signal: syscall.SIGTRAP, trap: trapBE, prstatus: 0x10c},
	{name: "ppc64", triple: "powerpc64-linux-gnu", qemu: "qemu-ppc64", sysroot: "/usr/powerpc64-linux-gnu", signal: syscall.SIGTRAP, trap: trapBE, prstatus: 0x1f8},
	{name: "ppc64le", triple: "powerpc64le-linux-gnu", qemu: "qemu-ppc64le", sysroot: "/usr/powerpc64le-linux-gnu", signal: syscall.SIGTRAP, trap: trapLE, prstatus: 0x1f8},
}

// A program is one executable built from testdata/src.
type program struct {
	exe     string   // output name
	src     string   // C source under testdata/src
	cflags  []string // gcc flags before -o
	libs    []string // gcc flags after the source (-lm)
	stdin   string   // file under testdata/src fed to stdin; "" means /dev/null
	threads int      // threads gdb must list in its core
	// ref: also build the program without its trap (-DSW_NO_TRAP) as
	// <exe>.ref and record what its run prints (<exe>.ref.out) and its
	// exit status (<exe>.ref.status): what a resumed core must reproduce.
	ref bool
	// native: only for platforms the host runs (static executables).
	native bool
	// kernelOnly: only a kernel core (the 1 GiB heap program: one such
	// core is enough).
	kernelOnly bool
}

// kindsOf lists the core kinds made of prog for p.
func kindsOf(p platform, prog program) []string {
	if prog.kernelOnly {
		return []string{"kernel"}
	}
	return kinds(p)
}

var programs = append([]program{
	{exe: "seed.O0", src: "seed.c", cflags: []string{"-O0", "-g"}, stdin: "seed.stdin", threads: 1},
	{exe: "seed.O2", src: "seed.c", cflags: []string{"-O2", "-g"}, stdin: "seed.stdin", threads: 1},
	{exe: "threads.O0", src: "threads.c", cflags: []string{"-O0", "-g", "-pthread"}, threads: 3},
}, resumePrograms()...)

// resumeSources are the programs a resumed core must run to the end
// with the real libc (testdata/src/README.md): each at -O2, and -static
// where the host runs it.
var resumeSources = []struct {
	name string
	libs []string
}{
	{"list", nil}, {"strings", nil}, {"sort", nil}, {"fmt", []string{"-lm"}}, {"tls", nil}, {"stdin", nil}, {"files", nil}, {"handler", nil}, {"segv", nil},
}

func resumePrograms() []program {
	// The benchmarks (amd64): compute-bound work after the trap, and a
	// core with 1 GiB of touched heap.
	out := []program{
		{exe: "compute.O2", src: "compute.c", cflags: []string{"-O2", "-g"}, stdin: "compute.stdin", threads: 1, ref: true, native: true},
		{exe: "heap.O2", src: "heap.c", cflags: []string{"-O2", "-g"}, stdin: "heap.stdin", threads: 1, ref: true, native: true, kernelOnly: true},
		// A signal pending at the trap: only Linux's cores record the
		// pending and blocked sets.
		{exe: "signals.O2", src: "signals.c", cflags: []string{"-O2", "-g"}, threads: 1, ref: true, native: true, kernelOnly: true},
	}
	for _, r := range resumeSources {
		base := program{src: r.name + ".c", libs: r.libs, stdin: r.name + ".stdin", threads: 1, ref: true}
		dyn, static := base, base
		dyn.exe, dyn.cflags = r.name+".O2", []string{"-O2", "-g"}
		static.exe, static.cflags, static.native = r.name+".static", []string{"-O2", "-g", "-static"}, true
		out = append(out, dyn, static)
	}
	return out
}

// programsFor lists the programs made for p.
func programsFor(p platform) []program {
	var out []program
	for _, prog := range programs {
		if !prog.native || p.native {
			out = append(out, prog)
		}
	}
	return out
}

const (
	srcDir   = "testdata/src"
	toolDir  = "internal/tools/genfixtures"
	stamp    = ".stamp"
	gdb      = "gdb-multiarch"
	runLimit = time.Minute // for any one command
)

// guestEnv is the whole environment of every traced program run, so that the
// cores do not depend on (or carry) the caller's environment.
var guestEnv = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "genfixtures:", err)
		os.Exit(1)
	}
}

// gen holds one invocation's settings.
type gen struct {
	root   string // module root
	out    string // absolute output directory
	force  bool
	stdout io.Writer
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("genfixtures", flag.ContinueOnError)
	out := fs.String("out", "testdata/gen", "output `dir`ectory; a relative one is taken from the module root")
	list := fs.String("platforms", "amd64", "comma-separated `platforms`, or all")
	force := fs.Bool("force", false, "regenerate even when the outputs are up to date")
	jobs := fs.Int("j", runtime.NumCPU(), "generate up to `n` platforms at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	wanted, err := selectPlatforms(*list)
	if err != nil {
		return err
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	g := &gen{root: root, out: *out, force: *force, stdout: &lineWriter{w: stdout}}
	if !filepath.IsAbs(g.out) {
		g.out = filepath.Join(root, g.out)
	}
	var stale []platform
	for _, p := range wanted {
		fresh, err := g.upToDate(p)
		if err != nil {
			return err
		}
		if fresh && !g.force {
			fmt.Fprintf(g.stdout, "%s: up to date (%s)\n", p.name, g.show(filepath.Join(g.out, p.name, stamp)))
			continue
		}
		if err := checkTools(p); err != nil {
			return err
		}
		stale = append(stale, p)
	}
	if len(stale) == 0 {
		return nil
	}
	if err := raiseCoreLimit(); err != nil {
		return err
	}

	// Platforms are independent (each has its own directory and runs its
	// programs in fresh directories of their own), and most of the time is
	// spent waiting on one single-threaded qemu or gdb: run *jobs at once.
	start := time.Now()
	errs := make([]error, len(stale))
	sem := make(chan struct{}, max(1, *jobs))
	var wg sync.WaitGroup
	for i, p := range stale {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t := time.Now()
			if err := g.platform(p); err != nil {
				errs[i] = fmt.Errorf("%s: %w", p.name, err)
				fmt.Fprintf(g.stdout, "%s: FAILED: %v\n", p.name, err)
				return
			}
			fmt.Fprintf(g.stdout, "%s: done in %.1fs\n", p.name, time.Since(t).Seconds())
		}()
	}
	wg.Wait()
	fmt.Fprintf(g.stdout, "generated %d platform(s) in %.1fs (-j %d)\n", len(stale), time.Since(start).Seconds(), max(1, *jobs))
	return errors.Join(errs...)
}

// lineWriter serializes the writes of concurrent platforms; each message is
// one Write, so lines do not interleave.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func selectPlatforms(list string) ([]platform, error) {
	if list == "all" {
		return platforms, nil
	}
	var wanted []platform
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(platforms, func(p platform) bool { return p.name == name })
		if i < 0 {
			names := make([]string, len(platforms))
			for j, p := range platforms {
				names[j] = p.name
			}
			return nil, fmt.Errorf("unknown platform %q (have %s, or all)", name, strings.Join(names, " "))
		}
		if !slices.ContainsFunc(wanted, func(p platform) bool { return p.name == name }) {
			wanted = append(wanted, platforms[i])
		}
	}
	return wanted, nil
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// show names a path for messages: relative to the module root when inside it.
func (g *gen) show(path string) string {
	if rel, err := filepath.Rel(g.root, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// inputs lists every file the outputs depend on: the sources and the generator.
func (g *gen) inputs() ([]string, error) {
	var files []string
	for _, pattern := range []string{
		filepath.Join(g.root, srcDir, "*.c"),
		filepath.Join(g.root, srcDir, "*.h"),
		filepath.Join(g.root, srcDir, "*.stdin"),
		filepath.Join(g.root, toolDir, "*.go"),
		filepath.Join(g.root, toolDir, "*.py"),
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			return nil, err
		}
		// The generator's tests do not change what it makes.
		m = slices.DeleteFunc(m, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
		files = append(files, m...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("list inputs: nothing in %s", filepath.Join(g.root, srcDir))
	}
	return files, nil
}

// outputs lists the files made for p, relative to its directory.
func outputs(p platform) []string {
	var files []string
	for _, prog := range programsFor(p) {
		files = append(files, prog.exe)
		if prog.ref {
			files = append(files, prog.exe+".ref", prog.exe+".ref.out", prog.exe+".ref.status")
		}
		for _, kind := range kindsOf(p, prog) {
			core := prog.exe + "." + kind + ".core"
			files = append(files, core, core+".gdb.json")
		}
	}
	return files
}

// kinds lists the core kinds made for p.
func kinds(p platform) []string {
	if p.native {
		return []string{"qemu", "kernel"}
	}
	return []string{"qemu"}
}

// upToDate reports whether p's stamp is newer than every input and every
// output exists.
func (g *gen) upToDate(p platform) (bool, error) {
	dir := filepath.Join(g.out, p.name)
	st, err := os.Stat(filepath.Join(dir, stamp))
	if err != nil {
		return false, nil
	}
	ins, err := g.inputs()
	if err != nil {
		return false, err
	}
	for _, in := range ins {
		fi, err := os.Stat(in)
		if err != nil {
			return false, fmt.Errorf("stat input %s: %w", g.show(in), err)
		}
		if !fi.ModTime().Before(st.ModTime()) {
			return false, nil
		}
	}
	for _, o := range outputs(p) {
		if _, err := os.Stat(filepath.Join(dir, o)); err != nil {
			return false, nil
		}
	}
	return true, nil
}

// checkTools fails when a program p needs is absent.
func checkTools(p platform) error {
	for _, tool := range []string{p.gcc(), p.qemu, gdb} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s: missing %s: run make setup", p.name, tool)
		}
	}
	if _, err := os.Stat(p.sysroot); err != nil {
		return fmt.Errorf("%s: missing sysroot %s: run make setup", p.name, p.sysroot)
	}
	return nil
}

// raiseCoreLimit lifts RLIMIT_CORE for this process, and so for its children:
// qemu-user writes no guest core and the kernel no core under a zero limit.
func raiseCoreLimit() error {
	const infinity = ^uint64(0)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &lim); err != nil {
		return fmt.Errorf("get RLIMIT_CORE: %w", err)
	}
	if lim.Cur == infinity {
		return nil
	}
	want := syscall.Rlimit{Cur: infinity, Max: infinity}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &want); err == nil {
		return nil
	}
	if lim.Max != infinity {
		return fmt.Errorf("raise RLIMIT_CORE: hard limit is %d bytes, need unlimited (ulimit -Hc unlimited as root)", lim.Max)
	}
	want.Max = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &want); err != nil {
		return fmt.Errorf("raise RLIMIT_CORE: %w", err)
	}
	return nil
}

// platform regenerates every output of p.
func (g *gen) platform(p platform) error {
	dir := filepath.Join(g.out, p.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make %s: %w", g.show(dir), err)
	}
	stampPath := filepath.Join(dir, stamp)
	if err := os.Remove(stampPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", g.show(stampPath), err)
	}
	for _, prog := range programsFor(p) {
		exe := filepath.Join(dir, prog.exe)
		if err := g.build(p, prog, exe, nil); err != nil {
			return err
		}
		if prog.ref {
			if err := g.reference(p, prog, exe+".ref"); err != nil {
				return err
			}
		}
		for _, kind := range kindsOf(p, prog) {
			core := exe + "." + kind + ".core"
			if err := g.core(p, prog, kind, exe, core); err != nil {
				return err
			}
			if err := g.gdbReading(p, prog, exe, core); err != nil {
				return err
			}
		}
	}
	if err := os.WriteFile(stampPath, []byte("generated by "+toolDir+"\n"), 0o644); err != nil {
		return fmt.Errorf("write stamp %s: %w", g.show(stampPath), err)
	}
	return nil
}

// build compiles prog for p into exe.
func (g *gen) build(p platform, prog program, exe string, extra []string) error {
	args := append(append(slices.Clone(prog.cflags), extra...), "-o", g.show(exe), filepath.Join(srcDir, prog.src))
	args = append(args, prog.libs...)
	cmd := exec.Command(p.gcc(), args...)
	cmd.Dir = g.root
	if out, err := runCmd(cmd); err != nil {
		return fmt.Errorf("build %s: %s: %w%s", g.show(exe), cmdline(cmd), err, tail(out))
	}
	fmt.Fprintf(g.stdout, "%s: built %s: %s\n", p.name, g.show(exe), cmdline(cmd))
	return nil
}

// reference builds prog without its trap as ref and runs it as the
// cores' runs are run (qemu-user, or natively where the host runs p),
// recording its stdout in ref.out and its exit status in ref.status.
func (g *gen) reference(p platform, prog program, ref string) error {
	if err := g.build(p, prog, ref, []string{"-DSW_NO_TRAP"}); err != nil {
		return err
	}
	abs, err := filepath.Abs(ref)
	if err != nil {
		return err
	}
	var cmd *exec.Cmd
	if p.native {
		cmd = exec.Command(abs)
	} else {
		var args []string
		if p.sysroot != "/" {
			args = append(args, "-L", p.sysroot)
		}
		cmd = exec.Command(p.qemu, append(args, abs)...)
	}
	// A reference may die of a signal (segv.c): it runs in a directory
	// of its own, removed after, so qemu's guest core goes with it; a
	// directory named core keeps the kernel from dumping the process
	// (qemu's is hundreds of MB) there at all.
	tmp, err := os.MkdirTemp(filepath.Dir(ref), ".ref-")
	if err != nil {
		return fmt.Errorf("reference %s: %w", g.show(ref), err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(filepath.Join(tmp, "core"), 0o755); err != nil {
		return fmt.Errorf("reference %s: %w", g.show(ref), err)
	}
	cmd.Dir = tmp
	cmd.Env = guestEnv
	if prog.stdin != "" {
		f, err := os.Open(filepath.Join(g.root, srcDir, prog.stdin))
		if err != nil {
			return fmt.Errorf("reference %s: %w", g.show(ref), err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var out strings.Builder
	cmd.Stdout = &out
	status := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return fmt.Errorf("reference %s: %s: %w", g.show(ref), cmdline(cmd), err)
		}
		status = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			// Killed by a signal: 128+N, as a shell and core run say.
			status = 128 + int(ws.Signal())
		}
	}
	if err := os.WriteFile(ref+".out", []byte(out.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(ref+".status", []byte(strconv.Itoa(status)+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "%s: ran %s: exit %d, %d bytes of output\n", p.name, g.show(ref), status, out.Len())
	return nil
}

// core runs exe to its trap, under qemu-user or natively as kind says, in a
// fresh directory of its own, and moves the core it leaves to core.
//
// The exe is always run by its absolute path in the output directory, so
// argv[0], AT_EXECFN and the mappings name the file beside the core, and the
// qemu and kernel cores of one exe were made by the same command line.
func (g *gen) core(p platform, prog program, kind, exe, core string) error {
	step := kind + " core " + g.show(core)
	tmp, err := os.MkdirTemp(filepath.Dir(core), ".run-")
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	defer os.RemoveAll(tmp)

	var cmd *exec.Cmd
	switch kind {
	case "qemu":
		var args []string
		if p.sysroot != "/" {
			args = append(args, "-L", p.sysroot)
		}
		cmd = exec.Command(p.qemu, append(args, exe)...)
		// qemu-user re-raises the signal after writing the guest's core,
		// so the kernel would dump qemu itself as "core" too (hundreds
		// of MB): a directory of that name makes it skip the dump.
		if err := os.Mkdir(filepath.Join(tmp, "core"), 0o755); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
	case "kernel":
		if _, err := kernelCoreName(); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		cmd = exec.Command(exe)
	default:
		return fmt.Errorf("%s: unknown core kind %q", step, kind)
	}
	cmd.Dir = tmp
	cmd.Env = guestEnv
	if prog.stdin != "" {
		f, err := os.Open(filepath.Join(g.root, srcDir, prog.stdin))
		if err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	out, err := runCmd(cmd)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		if err == nil {
			return fmt.Errorf("%s: %s exited 0, want death by %s at the trap%s", step, cmdline(cmd), sigName(p.signal), tail(out))
		}
		return fmt.Errorf("%s: %s: %w%s", step, cmdline(cmd), err, tail(out))
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != p.signal {
		return fmt.Errorf("%s: %s: %v, want death by %s at the trap%s", step, cmdline(cmd), exit, sigName(p.signal), tail(out))
	}

	var got string
	switch kind {
	case "qemu":
		m, err := filepath.Glob(filepath.Join(tmp, "qemu_*.core"))
		if err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		if len(m) != 1 {
			return fmt.Errorf("%s: %s left %d qemu_*.core files in %s, want 1", step, cmdline(cmd), len(m), tmp)
		}
		got = m[0]
	case "kernel":
		if !ws.CoreDump() {
			return fmt.Errorf("%s: %s died by %s but the kernel dumped no core (check RLIMIT_CORE and /proc/sys/fs/suid_dumpable)", step, cmdline(cmd), sigName(ws.Signal()))
		}
		name, err := kernelCoreName()
		if err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		got = filepath.Join(tmp, name)
		if usesPID() {
			got += "." + strconv.Itoa(cmd.Process.Pid)
		}
		if _, err := os.Stat(got); err != nil {
			return fmt.Errorf("%s: kernel core: %w", step, err)
		}
	}
	if err := os.Rename(got, core); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	fmt.Fprintf(g.stdout, "%s: wrote %s: %s < %s (in a fresh directory)\n", p.name, g.show(core), cmdline(cmd), stdinName(prog))
	return nil
}

// sigName spells the trap signals as C does.
func sigName(s syscall.Signal) string {
	switch s {
	case syscall.SIGILL:
		return "SIGILL"
	case syscall.SIGTRAP:
		return "SIGTRAP"
	}
	return s.String()
}

func stdinName(prog program) string {
	if prog.stdin == "" {
		return "/dev/null"
	}
	return filepath.Join(srcDir, prog.stdin)
}

// kernelCoreName returns the file name the kernel gives cores in the dumping
// process's working directory, or an error when core_pattern is not a plain
// file name (a pipe to a crash collector, a directory, % specifiers).
func kernelCoreName() (string, error) {
	const file = "/proc/sys/kernel/core_pattern"
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", file, err)
	}
	pattern := strings.TrimSpace(string(b))
	if pattern == "" || strings.ContainsAny(pattern, "/%|") {
		return "", fmt.Errorf("%s is %q, want a plain file name such as core (as root: echo core > %s)", file, pattern, file)
	}
	return pattern, nil
}

// usesPID reports whether the kernel appends .<pid> to core file names.
func usesPID() bool {
	b, err := os.ReadFile("/proc/sys/kernel/core_uses_pid")
	return err == nil && strings.TrimSpace(string(b)) == "1"
}

// gdbReading records gdb's reading of core in core.gdb.json.
func (g *gen) gdbReading(p platform, prog program, exe, core string) error {
	dest := core + ".gdb.json"
	step := "gdb reading " + g.show(dest)
	tmp, err := os.MkdirTemp(filepath.Dir(core), ".gdb-")
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	defer os.RemoveAll(tmp)
	script := filepath.Join(tmp, "gdbregs.py")
	if err := os.WriteFile(script, gdbScript, 0o644); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	reading := filepath.Join(tmp, "out.json")

	args := []string{"-batch", "-nx",
		"-iex", "set auto-load off",
		"-iex", "set debuginfod enabled off",
	}
	if !p.threadDB {
		// Only $pdir, which auto-load off disables: no libthread_db at all.
		args = append(args, "-iex", "set libthread-db-search-path $pdir")
	}
	args = append(args, "-iex", "set sysroot "+p.sysroot, "-x", script, exe, core)
	cmd := exec.Command(gdb, args...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(),
		"SMALLWORLD_PLATFORM="+p.name,
		"SMALLWORLD_GDB_OUT="+reading,
		"SMALLWORLD_GDB_EXTRA="+strings.Join(p.gdbExtra, ","),
		"SMALLWORLD_GDB_OPTIONAL="+strings.Join(p.gdbOptional, ","),
	)
	out, err := runCmd(cmd)
	if err != nil {
		return fmt.Errorf("%s: %s: %w%s", step, cmdline(cmd), err, tail(out))
	}
	r, err := checkReading(reading, p, prog)
	if err != nil {
		return fmt.Errorf("%s: %w%s", step, err, tail(out))
	}
	facts, err := checkCore(p, prog, exe, core, r)
	if err != nil {
		return fmt.Errorf("check %s: %w", g.show(core), err)
	}
	if err := os.Rename(reading, dest); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	fmt.Fprintf(g.stdout, "%s: wrote %s: gdb-multiarch -batch -nx ... -x gdbregs.py %s %s\n", p.name, g.show(dest), g.show(exe), g.show(core))
	fmt.Fprintf(g.stdout, "%s: checked %s: %d NT_PRSTATUS of %#x bytes (LWPs %v), %s, %s %#x at the trap % x\n",
		p.name, g.show(core), len(facts.prstatus), facts.prstatus[0], facts.pids, sigName(syscall.Signal(facts.cursig)),
		p.pcName(), mustReg(r.Thread(r.Selected), p.pcName()), p.trap)
	return nil
}

// checkReading makes sure gdb's reading says what the program did: it
// parses with internal/fixture's ParseGDB (as the tests will read it), it is
// for the platform, it lists one entry per thread, the signalled thread is
// selected, and every entry holds p's extra registers.
func checkReading(file string, p platform, prog program) (*fixture.GDBReading, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("gdb wrote no reading: %w", err)
	}
	defer f.Close()
	r, err := fixture.ParseGDB(f)
	if err != nil {
		return nil, err
	}
	if r.Platform != p.name {
		return nil, fmt.Errorf("reading is for platform %q, want %q", r.Platform, p.name)
	}
	if len(r.Threads) != prog.threads {
		return nil, fmt.Errorf("gdb lists %d threads, want %d", len(r.Threads), prog.threads)
	}
	for _, t := range r.Threads {
		for _, name := range p.gdbExtra {
			if _, ok := t.Registers[name]; !ok {
				return nil, fmt.Errorf("gdb read no %s in thread %d", name, t.Num)
			}
		}
	}
	return r, nil
}

// mustReg is the value of a register checkCore has found.
func mustReg(th *fixture.GDBThread, name string) uint64 {
	v, _ := th.Reg(name)
	return v
}

// runCmd runs cmd, killing it after runLimit, and returns its combined output.
func runCmd(cmd *exec.Cmd) ([]byte, error) {
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	timer := time.AfterFunc(runLimit, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	if !timer.Stop() {
		err = fmt.Errorf("killed after %v: %w", runLimit, err)
	}
	return []byte(buf.String()), err
}

// cmdline renders cmd for messages.
func cmdline(cmd *exec.Cmd) string {
	return strings.Join(cmd.Args, " ")
}

// tail renders a command's output for an error message: its first line
// naming an error, else its last line, which is where gcc, qemu and gdb put
// the reason.
func tail(out []byte) string {
	s := strings.TrimSpace(string(out))
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	line := lines[len(lines)-1]
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), "error:") {
			line = l
			break
		}
	}
	return " (said: " + strings.TrimSpace(line) + ")"
}
