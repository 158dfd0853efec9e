package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/machine"
)

// coreSymbols lists the modules of a core's process (the executable and
// the shared libraries the dynamic linker had loaded) and where each
// name matching a pattern is defined or imported, at run-time addresses:
// what --model hooks, found for the user.
func coreSymbols(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("core symbols", flag.ContinueOnError)
	fs.SetOutput(stderr)
	exePath := fs.String("exe", "", "the core's main executable (default: the core's AT_EXECFN path, under --sysroot first)")
	sysroot := fs.String("sysroot", "/", "directory the shared libraries are looked up under")
	pos, err := parse(fs, args)
	if err != nil {
		return usageErr(stderr, err)
	}
	if len(pos) < 1 {
		return usageErr(stderr, errors.New("core symbols takes a CORE file and name patterns"))
	}
	c, exe, err := openCore(pos[0], *exePath)
	if err != nil {
		return fail(stderr, err)
	}
	defer c.Close()
	if exe != nil {
		defer exe.Close()
	}
	m, err := machine.FromCore(c, 0)
	if err != nil {
		return fail(stderr, err)
	}
	defer m.Release()
	if exe == nil {
		if exe = findExe(c, m, *sysroot); exe == nil {
			return fail(stderr, fmt.Errorf("core %s: the executable is not where AT_EXECFN says: give --exe", c.Path))
		}
		defer exe.Close()
	}
	base, _, err := m.RestoreExe(c, exe)
	if err != nil {
		return fail(stderr, fmt.Errorf("--exe %s: %w", exe.Path, err))
	}
	_, missing, err := m.RestoreLibs(exe, base, *sysroot)
	switch {
	case errors.Is(err, load.ErrMismatch):
		return fail(stderr, fmt.Errorf("--sysroot %s: %w", *sysroot, err))
	case err != nil:
		fmt.Fprintf(stderr, "smallworld: shared libraries: %v\n", err)
	}
	for _, name := range missing {
		if !strings.Contains(name, "/") {
			continue // the vDSO: the core holds it
		}
		fmt.Fprintf(stderr, "smallworld: %s: not found under %s\n", name, *sysroot)
	}
	w := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "MODULE\tBIAS")
	for _, mod := range m.Modules() {
		fmt.Fprintf(w, "%s\t%#x\n", mod.Name, mod.Bias)
	}
	status := 0
	// On ELFv1 (ppc64) a function's symbol is its descriptor; ENTRY is
	// the code address the descriptor holds, where a hook goes.
	descs := m.Platform.FuncDescs
	if len(pos) > 1 {
		if descs {
			fmt.Fprintln(w, "\nNAME\tKIND\tADDRESS\tENTRY\tSIZE\tMODULE")
		} else {
			fmt.Fprintln(w, "\nNAME\tKIND\tADDRESS\tSIZE\tMODULE")
		}
	}
	for _, pat := range pos[1:] {
		refs, err := m.Resolve(pat)
		if err != nil {
			return usageErr(stderr, err)
		}
		if len(refs) == 0 {
			fmt.Fprintf(stderr, "smallworld: %s: no module defines or imports it\n", pat)
			status = 1
		}
		for _, r := range refs {
			size := "-"
			if r.Kind == machine.Definition || r.Kind == machine.IFunc {
				size = fmt.Sprint(r.Size)
			}
			if descs {
				entry := "-"
				if r.Entry != 0 {
					entry = fmt.Sprintf("%#x", r.Entry)
				}
				fmt.Fprintf(w, "%s\t%s\t%#x\t%s\t%s\t%s\n", r.Name, r.Kind, r.Addr, entry, size, r.Module)
				continue
			}
			fmt.Fprintf(w, "%s\t%s\t%#x\t%s\t%s\n", r.Name, r.Kind, r.Addr, size, r.Module)
		}
	}
	w.Flush()
	return status
}
