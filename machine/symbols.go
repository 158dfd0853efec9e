package machine

import (
	"errors"
	"fmt"
	"path"

	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/model"
)

// A Module is a loaded object: the executable or a shared library, with
// its load bias (run-time address = bias + the file's address).
type Module struct {
	Name string
	Bias uint64
	ELF  *load.ELF
}

// Modules lists the executable RestoreExe restored, then the shared
// objects RestoreLibs found, in the dynamic linker's order (the order
// it binds symbols in).
func (m *Machine) Modules() []Module {
	var out []Module
	if m.exe != nil {
		out = append(out, Module{m.exe.Name, m.exe.Bias, m.exe.ELF})
	}
	for _, o := range m.objects {
		out = append(out, Module{o.Name, o.Bias, o.ELF})
	}
	return out
}

// SymbolKind says what a SymbolRef is.
type SymbolKind int

const (
	Definition SymbolKind = iota + 1 // code or data the module defines
	IFunc                            // an IFUNC: Addr is its resolver, not the function
	ImportSlot                       // a GOT slot the dynamic linker binds the name into
	ImportPLT                        // PLT code the dynamic linker rewrites (PowerPC's BSS PLT)
)

func (k SymbolKind) String() string {
	switch k {
	case Definition:
		return "definition"
	case IFunc:
		return "ifunc"
	case ImportSlot:
		return "import-slot"
	case ImportPLT:
		return "import-plt"
	}
	return fmt.Sprintf("SymbolKind(%d)", int(k))
}

// A SymbolRef is one place a name is found in a module, at its run-time
// address.
type SymbolRef struct {
	Module string
	Name   string
	Kind   SymbolKind
	Addr   uint64
	Size   uint64 // definitions: the symbol's size
	Func   bool   // definitions: a function (else data)
	// LocalEntry: a ppc64le function's local entry offset, where its
	// own module's calls enter (load.Symbol.LocalEntry).
	LocalEntry uint64
	// Entry: a function definition's first instruction. It is Addr,
	// except on ELFv1 (ppc64), where the symbol is a function descriptor
	// and Entry the code address the descriptor holds (0 when the
	// descriptor is not in memory).
	Entry uint64
}

// Resolve finds the definitions and imports of the names matching
// pattern (a name, or a glob as path.Match takes) in every module. A
// name defined several times in one module (versions, .symtab and
// .dynsym) is given once, as the dynamic linker would bind it.
func (m *Machine) Resolve(pattern string) ([]SymbolRef, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("symbol pattern %q: %w", pattern, err)
	}
	var out []SymbolRef
	for _, mod := range m.Modules() {
		seen := map[string]bool{}
		for _, s := range mod.ELF.Symbols {
			if seen[s.Name] || s.Value == 0 {
				continue
			}
			if ok, _ := path.Match(pattern, s.Name); !ok {
				continue
			}
			seen[s.Name] = true
			best, _ := mod.ELF.Lookup(s.Name)
			kind := Definition
			if best.IFunc {
				kind = IFunc
			}
			r := SymbolRef{Module: mod.Name, Name: s.Name, Kind: kind,
				Addr: mod.Bias + best.Value, Size: best.Size, Func: best.Func, LocalEntry: best.LocalEntry}
			if r.Func {
				r.Entry = r.Addr
				if d, ok, err := m.descAt(r.Addr); ok {
					r.Entry = d.entry
				} else if err != nil {
					r.Entry = 0
				}
			}
			out = append(out, r)
		}
		for _, im := range mod.ELF.Imports {
			if ok, _ := path.Match(pattern, im.Name); !ok {
				continue
			}
			if im.GOT != 0 {
				out = append(out, SymbolRef{Module: mod.Name, Name: im.Name, Kind: ImportSlot, Addr: mod.Bias + im.GOT})
			} else {
				out = append(out, SymbolRef{Module: mod.Name, Name: im.Name, Kind: ImportPLT, Addr: mod.Bias + im.PLT})
			}
		}
	}
	return out, nil
}

// ErrNoSymbol is the root of "found nowhere" errors of HookFunction.
var ErrNoSymbol = errors.New("no such function")

// HookFunction replaces a function by name with a model, where the
// program reaches it:
//
//   - the executable imports it: every import slot (calls through the
//     PLT and direct GOT calls both reach the model), or the PLT code
//     where the dynamic linker rewrites code (PowerPC's BSS PLT);
//   - otherwise, its definition in the first module defining it (a
//     static executable's own copy, or a shared library's): every call
//     to that address, from any module, runs the model.
//
// An IFUNC definition is refused: its symbol is the resolver, and the
// function chosen lives elsewhere. It returns where the model went.
func (m *Machine) HookFunction(name string, mdl *model.Model) ([]SymbolRef, error) {
	refs, err := m.Resolve(name)
	if err != nil {
		return nil, err
	}
	var hooked []SymbolRef
	if m.exe != nil {
		for _, r := range refs {
			if r.Module != m.exe.Name || (r.Kind != ImportSlot && r.Kind != ImportPLT) {
				continue
			}
			var err error
			if r.Kind == ImportSlot {
				_, err = m.HookSlot(r.Addr, mdl)
			} else {
				err = m.HookModel(r.Addr, mdl)
			}
			if err != nil {
				return hooked, err
			}
			hooked = append(hooked, r)
		}
		if len(hooked) > 0 {
			return hooked, nil
		}
	}
	for _, r := range refs {
		switch {
		case r.Kind == IFunc:
			return nil, fmt.Errorf("%s in %s is an IFUNC (its symbol is the resolver): hook it where it is imported", name, r.Module)
		case r.Kind == Definition && r.Func:
			at := r.Entry // ELFv1: the symbol is the descriptor
			if at == 0 {
				return nil, fmt.Errorf("%s in %s: its function descriptor at %#x is not in memory", name, r.Module, r.Addr)
			}
			if err := m.HookModel(at, mdl); err != nil {
				return nil, err
			}
			// ELFv2: calls from the function's own module skip the
			// global entry's TOC set-up; hook the local entry too.
			if r.LocalEntry != 0 {
				if err := m.HookModel(at+r.LocalEntry, mdl); err != nil {
					return nil, err
				}
			}
			return []SymbolRef{r}, nil
		}
	}
	var mods []string
	for _, mod := range m.Modules() {
		mods = append(mods, mod.Name)
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("%w: %s: no modules are known (give the executable)", ErrNoSymbol, name)
	}
	return nil, fmt.Errorf("%w: none of %v imports or defines %s", ErrNoSymbol, mods, name)
}
