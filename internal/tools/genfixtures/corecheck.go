package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"syscall"

	"github.com/smallworld-go/smallworld/internal/fixture"
)

// Note types and auxv keys read here (the Linux ABI; debug/elf has neither).
const (
	ntPRSTATUS = 1
	ntAUXV     = 6
	atNull     = 0
	atEntry    = 9
)

// coreFacts is what checkCore read from a core's notes, for messages.
type coreFacts struct {
	prstatus []int  // size of each NT_PRSTATUS note, in note order
	pids     []int  // pr_pid of each, in note order
	cursig   int    // pr_cursig of the first
	entry    uint64 // AT_ENTRY
}

// checkCore makes sure a core is the one the program should leave and that
// gdb's reading agrees with it: one NT_PRSTATUS of p's size per thread, the
// first (the signalled thread's) with p's trap signal, gdb's LWPs those of the
// notes with the first selected, and the selected thread's pc (CPSR.T on arm)
// at SW_TRAP's instruction bytes in exe, found through AT_ENTRY's load bias
// (qemu leaves the text of the exe out of its cores, so only the exe has them).
func checkCore(p platform, prog program, exe, core string, r *fixture.GDBReading) (*coreFacts, error) {
	facts, err := readCore(core)
	if err != nil {
		return nil, err
	}
	if len(facts.prstatus) != prog.threads {
		return facts, fmt.Errorf("core has %d NT_PRSTATUS notes, want %d", len(facts.prstatus), prog.threads)
	}
	for i, size := range facts.prstatus {
		if size != p.prstatus {
			return facts, fmt.Errorf("core's NT_PRSTATUS %d is %#x bytes, want %#x", i, size, p.prstatus)
		}
	}
	if syscall.Signal(facts.cursig) != p.signal {
		return facts, fmt.Errorf("core's first NT_PRSTATUS has pr_cursig %d, want %d (%s)", facts.cursig, int(p.signal), sigName(p.signal))
	}
	var lwps []int
	for _, th := range r.Threads {
		lwps = append(lwps, th.LWP)
	}
	if !sameSet(lwps, facts.pids) {
		return facts, fmt.Errorf("gdb lists LWPs %v, the core's NT_PRSTATUS notes %v", lwps, facts.pids)
	}
	sel := r.Thread(r.Selected)
	if sel.LWP != facts.pids[0] {
		return facts, fmt.Errorf("gdb selects LWP %d, the core's first NT_PRSTATUS is LWP %d", sel.LWP, facts.pids[0])
	}
	pc, ok := sel.Reg(p.pcName())
	if !ok {
		return facts, fmt.Errorf("gdb read no %s in the selected thread", p.pcName())
	}
	if p.name == "armel" || p.name == "armhf" {
		cpsr, ok := sel.Reg("cpsr")
		if !ok {
			return facts, errors.New("gdb read no cpsr in the selected thread")
		}
		if thumb := cpsr&0x20 != 0; thumb != p.thumb {
			return facts, fmt.Errorf("cpsr is %#x: Thumb state is %v at the trap, want %v", cpsr, thumb, p.thumb)
		}
	}
	got, err := exeBytes(exe, facts.entry, pc, len(p.trap))
	if err != nil {
		return facts, fmt.Errorf("selected thread's %s %#x: %w", p.pcName(), pc, err)
	}
	if !bytes.Equal(got, p.trap) {
		return facts, fmt.Errorf("selected thread's %s %#x points at % x in %s, want the trap % x", p.pcName(), pc, got, exe, p.trap)
	}
	return facts, nil
}

func sameSet(a, b []int) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// readCore reads the NT_PRSTATUS and NT_AUXV notes of a core.
func readCore(core string) (*coreFacts, error) {
	f, err := elf.Open(core)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Type != elf.ET_CORE {
		return nil, fmt.Errorf("%s is ELF type %v, want ET_CORE", core, f.Type)
	}
	word := 4
	if f.Class == elf.ELFCLASS64 {
		word = 8
	}
	facts := &coreFacts{}
	for _, prog := range f.Progs {
		if prog.Type != elf.PT_NOTE {
			continue
		}
		data, err := io.ReadAll(prog.Open())
		if err != nil {
			return nil, fmt.Errorf("read notes of %s: %w", core, err)
		}
		for len(data) > 0 {
			if len(data) < 12 {
				return nil, fmt.Errorf("%s: truncated note header", core)
			}
			namesz := int(f.ByteOrder.Uint32(data[0:]))
			descsz := int(f.ByteOrder.Uint32(data[4:]))
			typ := f.ByteOrder.Uint32(data[8:])
			off := 12 + align4(namesz)
			if namesz < 0 || descsz < 0 || off+descsz > len(data) {
				return nil, fmt.Errorf("%s: truncated note of type %d", core, typ)
			}
			desc := data[off : off+descsz]
			data = data[min(len(data), off+align4(descsz)):]
			switch typ {
			case ntPRSTATUS:
				// elf_siginfo (3 ints), pr_cursig (short), pad,
				// pr_sigpend and pr_sighold (longs), pr_pid.
				pidOff := 16 + 2*word
				if len(desc) < pidOff+4 {
					return nil, fmt.Errorf("%s: NT_PRSTATUS of %d bytes", core, len(desc))
				}
				if len(facts.prstatus) == 0 {
					facts.cursig = int(f.ByteOrder.Uint16(desc[12:]))
				}
				facts.prstatus = append(facts.prstatus, len(desc))
				facts.pids = append(facts.pids, int(int32(f.ByteOrder.Uint32(desc[pidOff:]))))
			case ntAUXV:
				for i := 0; i+2*word <= len(desc); i += 2 * word {
					key, val := uword(f.ByteOrder, desc[i:], word), uword(f.ByteOrder, desc[i+word:], word)
					if key == atNull {
						break
					}
					if key == atEntry {
						facts.entry = val
					}
				}
			}
		}
	}
	if len(facts.prstatus) == 0 {
		return nil, fmt.Errorf("%s has no NT_PRSTATUS note", core)
	}
	if facts.entry == 0 {
		return nil, fmt.Errorf("%s has no AT_ENTRY in NT_AUXV", core)
	}
	return facts, nil
}

func align4(n int) int { return (n + 3) &^ 3 }

func uword(bo binary.ByteOrder, b []byte, word int) uint64 {
	if word == 8 {
		return bo.Uint64(b)
	}
	return uint64(bo.Uint32(b))
}

// exeBytes reads n bytes at run-time address addr of exe, loaded so that its
// entry point is at entry.
func exeBytes(exe string, entry, addr uint64, n int) ([]byte, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bias := entry - f.Entry
	vaddr := addr - bias
	for _, prog := range f.Progs {
		if prog.Type != elf.PT_LOAD || vaddr < prog.Vaddr || vaddr+uint64(n) > prog.Vaddr+prog.Filesz {
			continue
		}
		buf := make([]byte, n)
		if _, err := prog.ReadAt(buf, int64(vaddr-prog.Vaddr)); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return nil, fmt.Errorf("%#x (file address %#x, load bias %#x) is in no PT_LOAD of %s", addr, vaddr, bias, exe)
}
