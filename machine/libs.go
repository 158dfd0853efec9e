package machine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/memory"
)

// Dynamic tags the dynamic linker's debugger interface uses (gABI
// "Dynamic Section"; MIPS psABI: DT_MIPS_RLD_MAP holds the address of a
// word that points at r_debug, DT_MIPS_RLD_MAP_REL the same as an offset
// from the tag's own entry, because MIPS keeps .dynamic read-only).
const (
	dtNull          = 0
	dtDebug         = 21
	dtMIPSRldMap    = 0x70000016
	dtMIPSRldMapRel = 0x70000035
)

// A LinkMap entry is one object the dynamic linker loaded, as its
// struct link_map tells (glibc elf/link.h: l_addr, l_name, l_ld, l_next,
// l_prev, one word each).
type LinkMap struct {
	Addr uint64 // load bias
	Name string // path as the process saw it; "" for the main program
	LD   uint64 // its dynamic section
}

// LinkMaps walks the dynamic linker's list of loaded objects in the
// core's memory, starting from exe's dynamic section (exe loaded at
// base): DT_DEBUG (or MIPS's DT_MIPS_RLD_MAP*) gives struct r_debug
// {int r_version; struct link_map *r_map; ...}.
func (m *Machine) LinkMaps(exe *load.ELF, base uint64) ([]LinkMap, error) {
	if exe.DynamicVaddr == 0 {
		return nil, errors.New("the executable has no dynamic section (static?)")
	}
	w := m.Platform.WordSize
	word := func(addr uint64) (uint64, error) { return m.Memory.Uint(addr, w) }
	rdebug := uint64(0)
	dyn := base + exe.DynamicVaddr
	for i := 0; i < 512 && rdebug == 0; i++ {
		at := dyn + uint64(2*w*i)
		tag, err := word(at)
		if err != nil {
			return nil, fmt.Errorf("dynamic section at %#x: %w", at, err)
		}
		val, err := word(at + uint64(w))
		if err != nil {
			return nil, fmt.Errorf("dynamic section at %#x: %w", at, err)
		}
		switch tag {
		case dtNull:
			i = 512
		case dtDebug:
			rdebug = val
		case dtMIPSRldMapRel:
			if rdebug, err = word(at + val); err != nil {
				return nil, fmt.Errorf("DT_MIPS_RLD_MAP_REL at %#x: %w", at, err)
			}
		case dtMIPSRldMap:
			if rdebug, err = word(val + base); err != nil {
				return nil, fmt.Errorf("DT_MIPS_RLD_MAP at %#x: %w", at, err)
			}
		}
	}
	if rdebug == 0 {
		return nil, errors.New("the dynamic linker left no r_debug (DT_DEBUG is 0)")
	}
	// r_map follows int r_version, aligned to a word.
	lm, err := word(rdebug + uint64(w))
	if err != nil {
		return nil, fmt.Errorf("r_debug at %#x: %w", rdebug, err)
	}
	var out []LinkMap
	for seen := map[uint64]bool{}; lm != 0 && !seen[lm] && len(seen) < 4096; {
		seen[lm] = true
		var f [4]uint64 // l_addr, l_name, l_ld, l_next
		for i := range f {
			if f[i], err = word(lm + uint64(i*w)); err != nil {
				return out, fmt.Errorf("link_map at %#x: %w", lm, err)
			}
		}
		name := ""
		if f[1] != 0 {
			if name, err = m.Memory.CString(f[1], 4096); err != nil {
				return out, fmt.Errorf("link_map at %#x: l_name: %w", lm, err)
			}
		}
		out = append(out, LinkMap{Addr: f[0], Name: name, LD: f[2]})
		lm = f[3]
	}
	return out, nil
}

// RestoreLibs fills absent memory from the shared objects the dynamic
// linker had loaded (LinkMaps), each looked up under sysroot, checked
// against the core (its program headers' AT the bias must be where the
// core has its dynamic section) and its segments overlaid where the core
// left them out. It returns the bytes restored and the objects not found.
func (m *Machine) RestoreLibs(exe *load.ELF, base uint64, sysroot string) (restored uint64, missing []string, err error) {
	maps, err := m.LinkMaps(exe, base)
	if err != nil {
		return 0, nil, fmt.Errorf("shared libraries: %w", err)
	}
	for _, lm := range maps {
		if lm.Name == "" || lm.Addr == base {
			continue // the main program
		}
		path := filepath.Join(sysroot, lm.Name)
		lib, err := load.OpenELF(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				missing = append(missing, lm.Name)
				continue
			}
			return restored, missing, err
		}
		n, err := m.restoreLib(lib, lm)
		lib.Close() // its symbols stay readable
		if err != nil {
			return restored, missing, err
		}
		m.objects = append(m.objects, object{Name: lm.Name, Bias: lm.Addr, ELF: lib})
		restored += n
	}
	return restored, missing, nil
}

func (m *Machine) restoreLib(lib *load.ELF, lm LinkMap) (uint64, error) {
	if lib.Platform.Machine != m.Platform.Machine || lib.Platform.Class != m.Platform.Class || lib.Platform.ByteOrder != m.Platform.ByteOrder {
		return 0, fmt.Errorf("%s is %s, the core is %s", lib.Path, lib.Platform, m.Platform)
	}
	if lib.DynamicVaddr != 0 && lm.LD != 0 && lm.Addr+lib.DynamicVaddr != lm.LD {
		return 0, fmt.Errorf("%s does not match the core: the process had its dynamic section at %#x, the file puts it at %#x: %w",
			lib.Path, lm.LD, lm.Addr+lib.DynamicVaddr, load.ErrMismatch)
	}
	f, err := os.Open(lib.Path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var restored uint64
	for _, s := range lib.Segments {
		if s.Filesz == 0 {
			continue
		}
		lo := lm.Addr + s.Vaddr
		if m.Memory.Find(lo) == nil {
			continue // not in the core at all (a library mapped after the dump?)
		}
		if !m.anyAbsent(lo, lo+s.Filesz) {
			continue // all there (NT_FILE restored and checked it already)
		}
		n, err := m.RestoreFile(f, s.Off, lo, lo+s.Filesz, s.Perm|memory.R)
		if err != nil {
			return restored, err
		}
		restored += n
	}
	return restored, nil
}
