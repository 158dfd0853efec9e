package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/platform"
)

type infoJSON struct {
	Core      string            `json:"core"`
	Platform  string            `json:"platform"`
	Signal    int               `json:"signal"`
	SignalStr string            `json:"signal_name"`
	FaultAddr string            `json:"fault_addr,omitempty"`
	Process   *load.ProcInfo    `json:"process,omitempty"`
	Registers map[string]string `json:"registers"`
	Threads   []threadJSON      `json:"threads"`
	Mappings  []mappingJSON     `json:"mappings"`
	Auxv      []auxJSON         `json:"auxv"`
}

type threadJSON struct {
	TID       int               `json:"tid"`
	Signal    int               `json:"signal"`
	Blocked   []string          `json:"blocked,omitempty"` // pr_sighold, by name
	Pending   []string          `json:"pending,omitempty"` // pr_sigpend
	Registers map[string]string `json:"registers"`
}

// sigNames names the signals of a set word (signal n is bit n-1).
func sigNames(p *platform.Platform, set uint64) []string {
	var out []string
	for sig := 1; sig <= 64; sig++ {
		if set&(1<<(sig-1)) != 0 {
			out = append(out, linux.SignalName(p, sig))
		}
	}
	return out
}

type mappingJSON struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Perm    string `json:"perm"`
	InCore  string `json:"in_core"` // bytes present in the core file
	Backing string `json:"backing"` // "core", "partial", "absent", "zero"
	Path    string `json:"path,omitempty"`
}

type auxJSON struct {
	Tag   string `json:"tag"`
	Value string `json:"value"`
}

func coreInfo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("core info", stderr)
	exePath := fs.String("exe", "", "the core's main executable (names its mappings, sets armel/armhf)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) != 1 {
		return usageErr(stderr, fmt.Errorf("core info takes one CORE file, got %d arguments", len(pos)))
	}
	c, exe, err := openCore(pos[0], *exePath)
	if err != nil {
		return fail(stderr, err)
	}
	defer c.Close()
	if exe != nil {
		defer exe.Close()
	}
	info := describe(c, exe)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	printInfo(stdout, c, info)
	return 0
}

// openCore opens a core and, when given, its executable, and checks they
// belong together.
func openCore(corePath, exePath string) (*load.Core, *load.ELF, error) {
	c, err := load.OpenCore(corePath)
	if err != nil {
		return nil, nil, err
	}
	if exePath == "" {
		return c, nil, nil
	}
	exe, err := load.OpenELF(exePath)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if err := c.SetPlatform(exe.Platform); err != nil {
		c.Close()
		exe.Close()
		return nil, nil, fmt.Errorf("--exe %s: %w", exePath, err)
	}
	// MatchExe: where qemu-user left out every byte of the file's
	// read-only contents, the auxv's agreement is the evidence.
	_, _, err = c.MatchExe(exe)
	if err != nil {
		c.Close()
		exe.Close()
		return nil, nil, fmt.Errorf("--exe %s: %w", exePath, err)
	}
	return c, exe, nil
}

// shownRegisters: gdb's general registers, then the other base registers
// of the general and segment groups (fs_base, gs_base on amd64); an
// optional register (AVX-512's k0-k7) only when the core gave it a value.
func shownRegisters(c *cpu.CPU) []string {
	f := c.File
	names := append([]string(nil), f.GDBGeneral()...)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	written := map[string]bool{}
	for _, n := range c.Written() {
		written[n] = true
	}
	for _, n := range f.Base() {
		r, _ := f.Lookup(n)
		if !seen[n] && (r.Group == cpu.General || r.Group == cpu.Segment) && (!r.Optional || written[n]) {
			names = append(names, n)
		}
	}
	return names
}

func regMap(c *cpu.CPU) map[string]string {
	out := map[string]string{}
	for _, n := range shownRegisters(c) {
		v, err := c.Get(n)
		if err == nil {
			out[n] = fmt.Sprintf("%#x", v)
		}
	}
	return out
}

func describe(c *load.Core, exe *load.ELF) *infoJSON {
	info := &infoJSON{Core: c.Path, Platform: c.Platform.Name, Signal: c.Signal(), Process: c.Proc}
	info.SignalStr = linux.SignalName(c.Platform, info.Signal)
	if c.SigInfo != nil && c.SigInfo.Addr != 0 {
		info.FaultAddr = fmt.Sprintf("%#x", c.SigInfo.Addr)
	}
	for i, t := range c.Threads {
		regs := regMap(t.CPU)
		if i == 0 {
			info.Registers = regs
		}
		info.Threads = append(info.Threads, threadJSON{TID: t.TID, Signal: t.Signal, Registers: regs,
			Blocked: sigNames(c.Platform, t.SigHold), Pending: sigNames(c.Platform, t.SigPend)})
	}
	var exeBase uint64
	if exe != nil {
		exeBase, _ = c.ExeBase(exe)
	}
	for _, s := range c.Segments {
		m := mappingJSON{
			Start: fmt.Sprintf("%#x", s.Vaddr), End: fmt.Sprintf("%#x", s.Vaddr+s.Memsz),
			Perm: s.Perm.String(), InCore: fmt.Sprintf("%#x", s.Filesz),
		}
		switch {
		case s.Filesz >= s.Memsz:
			m.Backing = "core"
		case c.Untouched(s):
			m.Backing = "zero" // anonymous, never written
		case s.Filesz == 0:
			m.Backing = "absent"
		default:
			m.Backing = "partial"
		}
		for _, f := range c.Files {
			if s.Vaddr >= f.Start && s.Vaddr < f.End {
				m.Path = f.Path
				break
			}
		}
		if m.Path == "" && exe != nil {
			for _, es := range exe.Segments {
				lo := (exeBase + es.Vaddr) &^ (c.Platform.PageSize - 1)
				if s.Vaddr >= lo && s.Vaddr < exeBase+es.Vaddr+es.Memsz {
					m.Path = exe.Path
					break
				}
			}
		}
		info.Mappings = append(info.Mappings, m)
	}
	for _, a := range c.Auxv {
		info.Auxv = append(info.Auxv, auxJSON{Tag: auxName(a.Tag), Value: fmt.Sprintf("%#x", a.Val)})
	}
	return info
}

func printInfo(w io.Writer, c *load.Core, info *infoJSON) {
	fmt.Fprintf(w, "core:     %s\nplatform: %s\nsignal:   %d (%s)", info.Core, info.Platform, info.Signal, info.SignalStr)
	if info.FaultAddr != "" {
		fmt.Fprintf(w, " at %s", info.FaultAddr)
	}
	fmt.Fprintln(w)
	if p := info.Process; p != nil {
		fmt.Fprintf(w, "process:  pid %d, ppid %d, pgid %d, sid %d, uid %d, gid %d, %q\n", p.PID, p.PPID, p.PGID, p.SID, p.UID, p.GID, strings.TrimSpace(p.Args))
	}
	fmt.Fprintf(w, "threads:  %d\n", len(c.Threads))
	for i, t := range c.Threads {
		mark := ""
		if i == 0 {
			mark = " (received the signal)"
		}
		if b := sigNames(c.Platform, t.SigHold); len(b) > 0 {
			mark += "; blocked " + strings.Join(b, " ")
		}
		if p := sigNames(c.Platform, t.SigPend); len(p) > 0 {
			mark += "; pending " + strings.Join(p, " ")
		}
		fmt.Fprintf(w, "\nthread %d: tid %d%s\n", i+1, t.TID, mark)
		names := shownRegisters(t.CPU)
		for j, n := range names {
			v, _ := t.CPU.Get(n)
			fmt.Fprintf(w, "  %-8s %#-18x", n, v)
			if j%4 == 3 || j == len(names)-1 {
				fmt.Fprintln(w)
			}
		}
	}
	fmt.Fprintf(w, "\nmappings: %d\n", len(info.Mappings))
	fmt.Fprintf(w, "  %-18s %-18s %-4s %-8s %s\n", "start", "end", "perm", "backing", "path")
	for _, m := range info.Mappings {
		fmt.Fprintf(w, "  %-18s %-18s %-4s %-8s %s\n", m.Start, m.End, m.Perm, m.Backing, m.Path)
	}
	fmt.Fprintf(w, "\nauxv: %d entries\n", len(info.Auxv))
	for _, a := range info.Auxv {
		fmt.Fprintf(w, "  %-16s %s\n", a.Tag, a.Value)
	}
}

// auxName names an auxiliary vector tag (elf.h AT_*).
func auxName(tag uint64) string {
	if n, ok := auxNames[tag]; ok {
		return n
	}
	return fmt.Sprintf("AT_%d", tag)
}

var auxNames = map[uint64]string{
	0: "AT_NULL", 3: "AT_PHDR", 4: "AT_PHENT", 5: "AT_PHNUM", 6: "AT_PAGESZ", 7: "AT_BASE",
	8: "AT_FLAGS", 9: "AT_ENTRY", 11: "AT_UID", 12: "AT_EUID", 13: "AT_GID", 14: "AT_EGID",
	15: "AT_PLATFORM", 16: "AT_HWCAP", 17: "AT_CLKTCK", 23: "AT_SECURE", 24: "AT_BASE_PLATFORM",
	25: "AT_RANDOM", 26: "AT_HWCAP2", 27: "AT_RSEQ_FEATURE_SIZE", 28: "AT_RSEQ_ALIGN",
	31: "AT_EXECFN", 32: "AT_SYSINFO", 33: "AT_SYSINFO_EHDR", 51: "AT_MINSIGSTKSZ",
}
