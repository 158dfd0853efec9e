package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/emu/unicorn"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/machine"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/model"
	"github.com/smallworld-go/smallworld/platform"
)

func coreRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("core run", stderr)
	exePath := fs.String("exe", "", "the core's main executable: restores its text and finds imports for --model")
	sysroot := fs.String("sysroot", "/", "directory the process's files (NT_FILE, the dynamic linker's list) are looked up under")
	skipTrap := fs.Bool("skip-trap", false, "step over the instruction at pc (the trap) before resuming")
	var allowWrite stringList
	fs.Var(&allowWrite, "allow-write", "let the guest write files under the host directory `DIR`, which it sees at the same path (repeatable); otherwise it sees only --sysroot, read-only, and /dev/null")
	var models stringList
	fs.Var(&models, "model", "hook functions matching `PATTERN` with smallworld's models (repeatable): a name hooks the executable's imports of it, else its definition in the executable or a loaded library; a glob ('str*') hooks the modeled functions the executable imports")
	modelSet := fs.String("models", "", "`SET` of models to hook: \"libc\" hooks every exactly modeled function the executable imports, \"all\" the imprecise ones too")
	maxInsns := fs.Uint64("max-insns", 0, "stop after `N` instructions (exit 124)")
	timeout := fs.Duration("timeout", 0, "stop after this long, e.g. 10s (exit 124)")
	trace := fs.Bool("trace", false, "print model calls and syscalls on stderr")
	checkHeap := fs.Bool("check-heap", false, "hook the malloc family the executable imports with checking models: a use after free, an overflow, a read of uninitialised heap or a bad free stops the run (exit 134)")
	verbose := fs.Bool("v", false, "print what was loaded and restored on stderr")
	reportPath := fs.String("report", "", "write the final state as JSON to `FILE` (\"-\": standard error): why the run stopped, where, the exit status, and the registers")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) != 1 {
		return usageErr(stderr, fmt.Errorf("core run takes one CORE file, got %d arguments", len(pos)))
	}
	began := time.Now()
	say := func(format string, a ...any) {
		if *verbose {
			fmt.Fprintf(stderr, "smallworld: [%6.1fms] "+format+"\n", append([]any{float64(time.Since(began).Microseconds()) / 1000}, a...)...)
		}
	}

	c, exe, err := openCore(pos[0], *exePath)
	if err != nil {
		return fail(stderr, err)
	}
	defer c.Close()
	if exe != nil {
		defer exe.Close()
	}
	if !c.Platform.Executable {
		return fail(stderr, fmt.Errorf("core %s: %s: the emulator (Unicorn %s) cannot execute this platform; use core info", c.Path, c.Platform, unicorn.Version()))
	}
	m, err := machine.FromCore(c, 0)
	if err != nil {
		return fail(stderr, err)
	}
	defer m.Release()
	if exe == nil {
		// No --exe: the program the kernel ran, by the path AT_EXECFN
		// recorded, under --sysroot first, then as it is.
		if exe = findExe(c, m, *sysroot); exe != nil {
			defer exe.Close()
			say("no --exe: using %s (AT_EXECFN)", exe.Path)
		}
	}
	var base uint64
	if exe != nil {
		var n uint64
		if base, n, err = m.RestoreExe(c, exe); err != nil {
			return fail(stderr, fmt.Errorf("--exe %s: %w", exe.Path, err))
		}
		say("%s at base %#x, %d bytes restored", exe.Path, base, n)
	}
	n, missing, err := m.RestoreFiles(c, *sysroot)
	if err != nil {
		return fail(stderr, fmt.Errorf("--sysroot %s: %w", *sysroot, err))
	}
	say("%d bytes restored from mapped files under %s; not found: %v", n, *sysroot, missing)
	if exe != nil {
		// qemu-user cores have no NT_FILE: the dynamic linker's own list
		// of loaded objects says which libraries the text came from.
		n, missing, err := m.RestoreLibs(exe, base, *sysroot)
		switch {
		case errors.Is(err, load.ErrMismatch):
			return fail(stderr, fmt.Errorf("--sysroot %s: %w", *sysroot, err))
		case err != nil:
			say("%v", err)
		default:
			say("%d bytes restored from shared libraries under %s; not found: %v", n, *sysroot, missing)
			for _, l := range m.Libraries() {
				say("  %s at %#x", l.Name, l.Addr)
			}
		}
	}
	if tp, err := m.RecoverThreadPointer(); err != nil {
		say("%v", err)
	} else if tp != 0 {
		say("thread pointer recovered: %#x", tp)
	}
	if rep, err := m.RepairIFuncs(exe, base); err != nil {
		return fail(stderr, err)
	} else if rep.Resolvers > 0 {
		say("IFUNC repair: %d resolvers run, %d chose differently for the engine's CPU, %d slots rewritten", rep.Resolvers, rep.Changed, rep.Slots)
	}
	if *skipTrap {
		b, err := m.StepOverTrap()
		if err != nil {
			return fail(stderr, err)
		}
		say("stepped over % x, resuming at %#x", b, m.CPU.PC())
	}
	if *modelSet != "" {
		if *modelSet != "libc" && *modelSet != "all" {
			return usageErr(stderr, fmt.Errorf("--models %q: the sets are \"libc\" (exact models) and \"all\"", *modelSet))
		}
		models = append(models, "*")
	}
	if *checkHeap {
		if exe == nil {
			return fail(stderr, errors.New("--check-heap needs the executable (--exe) to find its allocator imports"))
		}
		n := 0
		for _, name := range heapModels {
			if s, ok := exe.Lookup(name); len(exe.ImportsNamed(name)) > 0 || ok && s.Func && exe.DynamicVaddr == 0 {
				models = append(models, name)
				n++
			}
		}
		if n == 0 {
			return fail(stderr, fmt.Errorf("--check-heap: %s imports (or, static, defines) none of %s", exe.Path, strings.Join(heapModels, ", ")))
		}
		m.CheckHeap = true
	}
	if len(models) > 0 && exe == nil {
		return fail(stderr, fmt.Errorf("--model %s needs the executable (--exe) to find the functions", models[0]))
	}
	hooked := map[string]bool{}
	for _, pat := range models {
		names, err := modelsMatching(pat, exe, *modelSet != "" && pat == "*", *modelSet == "libc" && pat == "*")
		if err != nil {
			return fail(stderr, err)
		}
		for _, name := range names {
			if hooked[name] {
				continue
			}
			mdl, err := model.Lookup(name, c.Platform)
			if err != nil {
				return fail(stderr, fmt.Errorf("--model %s: %w", name, err))
			}
			at, err := m.HookFunction(name, mdl)
			if err != nil {
				return fail(stderr, fmt.Errorf("--model %s: %w", name, err))
			}
			hooked[name] = true
			for _, r := range at {
				say("model %s (%s) hooked: %s %s at %#x", name, mdl.Level, r.Module, r.Kind, r.Addr)
			}
		}
	}
	// The guest's files: the sysroot read-only, --allow-write directories
	// read-write (linux/fs.go); its ids and heap from the core.
	if m.Sysroot, err = filepath.Abs(*sysroot); err != nil {
		return fail(stderr, fmt.Errorf("--sysroot %s: %w", *sysroot, err))
	}
	for _, d := range allowWrite {
		abs, err := filepath.Abs(d)
		if err != nil {
			return fail(stderr, fmt.Errorf("--allow-write %s: %w", d, err))
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return fail(stderr, fmt.Errorf("--allow-write %s: not a directory", d))
		}
		m.AllowWrite = append(m.AllowWrite, abs)
	}
	m.UseCoreProcess(c)
	m.Stdin, m.Stdout, m.Stderr = stdin, stdout, stderr
	if *trace {
		m.Trace = stderr
	}
	m.MaxInsns, m.Timeout = *maxInsns, *timeout
	start := time.Now()
	res, err := m.Run()
	if err != nil {
		return fail(stderr, err)
	}
	say("run: %v in %v; peak memory (VmHWM) %s", res.Stop.Kind, time.Since(start).Round(time.Microsecond), peakRSS())
	if faults, bytes := memory.LazyStats(); faults > 0 {
		say("core pages filled on first touch: %d faults, %d KiB", faults, bytes>>10)
	}
	status := report(stderr, c, res.Stop)
	if *reportPath != "" {
		if err := writeReport(*reportPath, stderr, c, res, status); err != nil {
			return fail(stderr, err)
		}
	}
	return status
}

// runReport is what --report writes: the stop, the command's exit
// status and the final registers (named and shown as core info shows
// them: gdb's general registers, then the other general and segment
// ones).
type runReport struct {
	Stop      stopJSON          `json:"stop"`
	Status    int               `json:"status"`
	Registers map[string]string `json:"registers"`
}

type stopJSON struct {
	Kind    string `json:"kind"`
	PC      string `json:"pc"`
	Status  *int   `json:"exit_status,omitempty"`
	Signal  string `json:"signal,omitempty"`
	Addr    string `json:"addr,omitempty"`
	Access  string `json:"access,omitempty"`
	Fault   string `json:"fault,omitempty"`
	Syscall string `json:"syscall,omitempty"`
	Error   string `json:"error,omitempty"`
}

// writeReport writes the final state of a run to path ("-": w).
func writeReport(path string, w io.Writer, c *load.Core, res *machine.Result, status int) error {
	s := res.Stop
	r := runReport{Status: status, Registers: regMap(res.CPU), Stop: stopJSON{Kind: s.Kind.String(), PC: fmt.Sprintf("%#x", s.PC)}}
	switch s.Kind {
	case emu.StopExit:
		st := s.Status
		r.Stop.Status = &st
	case emu.StopSignal:
		r.Stop.Signal = linux.SignalName(c.Platform, s.Signal)
	case emu.StopFault:
		r.Stop.Addr, r.Stop.Access, r.Stop.Fault = fmt.Sprintf("%#x", s.Addr), s.Access.String(), s.Fault.String()
	case emu.StopSyscall:
		r.Stop.Syscall = fmt.Sprintf("%d %s", s.SyscallNo, s.SyscallName)
	}
	if s.Err != nil {
		r.Stop.Error = s.Err.Error()
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = w.Write(b)
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	return nil
}

// heapModels are the allocator models --check-heap hooks.
var heapModels = []string{"malloc", "calloc", "realloc", "free", "strdup", "strndup"}

// modelsMatching lists the models a --model pattern names: a plain name
// is taken as is (hookImport then says if the executable lacks it); a
// glob matches the modeled functions the executable imports, and must
// match one. Unsupported models are left out of globs.
//
// exactOnly (--models libc) leaves out the imprecise models too: a
// resumed process keeps its real libc's state (heap, FILE buffers,
// errno) where a model would depart from it.
func modelsMatching(pat string, exe *load.ELF, libc, exactOnly bool) ([]string, error) {
	if !strings.ContainsAny(pat, "*?[") {
		return []string{pat}, nil
	}
	if _, err := path.Match(pat, ""); err != nil {
		return nil, fmt.Errorf("--model %s: %w", pat, err)
	}
	var out []string
	for _, n := range model.Names() {
		if ok, _ := path.Match(pat, n); !ok || len(exe.ImportsNamed(n)) == 0 {
			continue
		}
		if m, _ := model.Lookup(n, platform.AMD64); m != nil && (m.Level == model.Unsupported || exactOnly && m.Level != model.Exact) {
			continue
		}
		out = append(out, n)
	}
	if len(out) == 0 && !libc {
		return nil, fmt.Errorf("--model %s: %s imports no modeled function matching it", pat, exe.Path)
	}
	return out, nil
}

// report prints the stop and returns the command's exit status.
func report(stderr io.Writer, c *load.Core, s *emu.Stop) int {
	switch {
	case s.Kind == emu.StopExit:
		return s.Status
	case s.Kind.Limit():
		fmt.Fprintf(stderr, "smallworld: stopped: %s at pc %#x\n", s.Kind, s.PC)
		return exitLimit
	case s.Kind == emu.StopSignal:
		fmt.Fprintf(stderr, "smallworld: guest killed by %s at pc %#x\n", linux.SignalName(c.Platform, s.Signal), s.PC)
		return 128 + s.Signal
	case s.Kind == emu.StopInvalidInsn:
		fmt.Fprintf(stderr, "smallworld: guest killed by SIGILL: invalid instruction at pc %#x\n", s.PC)
		return 128 + linux.SIGILL
	case s.Kind == emu.StopFault:
		msg := fmt.Sprintf("smallworld: guest killed by SIGSEGV: %s of %s memory at %#x, pc %#x", s.Access, s.Fault, s.Addr, s.PC)
		if s.Err != nil && s.Fault == emu.FaultProt {
			msg += ": " + s.Err.Error()
		}
		fmt.Fprintln(stderr, msg)
		return 128 + linux.SIGSEGV
	case s.Kind == emu.StopHeap:
		fmt.Fprintf(stderr, "smallworld: heap error at pc %#x: %v\n", s.PC, s.Err)
		return exitHeap
	case s.Kind == emu.StopExitPoint:
		fmt.Fprintf(stderr, "smallworld: stopped at exit point %#x\n", s.PC)
		return 0
	}
	fmt.Fprintf(stderr, "smallworld: could not run: %v\n", s)
	return exitFailed
}

// peakRSS is the process's peak resident set size as Linux counts it,
// with the current anonymous and file-backed parts (mapped core and file
// pages count as RssFile: page cache the process maps, not a copy).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			out := strings.TrimSpace(v)
			for _, l := range strings.Split(string(b), "\n") {
				for _, k := range []string{"RssAnon:", "RssFile:"} {
					if w, ok := strings.CutPrefix(l, k); ok {
						out += " " + k + strings.TrimSpace(w)
					}
				}
			}
			return out
		}
	}
	return "unknown"
}

// atExecFn is the auxv tag of the executable's path as execve got it.
const atExecFn = 31

// findExe opens the core's main executable by its AT_EXECFN path, under
// sysroot or as given, when it exists and matches the core; nil
// otherwise (the run then goes on without it, as before).
func findExe(c *load.Core, m *machine.Machine, sysroot string) *load.ELF {
	addr, ok := c.Aux(atExecFn)
	if !ok {
		return nil
	}
	path, err := m.Memory.CString(addr, 4096)
	if err != nil || !filepath.IsAbs(path) {
		return nil
	}
	for _, p := range []string{filepath.Join(sysroot, path), path} {
		exe, err := load.OpenELF(p)
		if err != nil {
			continue
		}
		if exe.Platform.Machine == c.Platform.Machine && exe.Platform.Class == c.Platform.Class {
			if err := c.SetPlatform(exe.Platform); err == nil {
				if _, _, err := c.MatchExe(exe); err == nil {
					return exe
				}
			}
		}
		exe.Close()
	}
	return nil
}
