package machine

import (
	"debug/elf"
	"fmt"
	"sort"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/load"
	"github.com/smallworld-go/smallworld/memory"
)

// What the syscall layer needs of the running machine beyond registers:
// the process's identity and view of files (linux.Process), and memory
// management that keeps the machine's memory map and the engine in step.
//
// Memory: every change is made in whole pages (memory.PageSize, which is
// linux.PageSize here). A mapping is a region of host memory
// (memory.Alloc) added to m.Memory and mapped in the engine. Unmapping or
// protecting part of a region splits it: the pieces share the region's
// host bytes, and the original region (which owns them) is kept in
// m.retired until Release, so host memory is never freed while the
// engine or a piece may still point at it.

// Kill ends the run as the guest killed by signal sig.
func (e *Env) Kill(sig int) {
	e.StopWith(&emu.Stop{Kind: emu.StopSignal, Signal: sig})
}

// Process returns the guest process the syscall layer shows: the core's
// ids (UseCoreProcess), the machine's Sysroot and AllowWrite, and the
// heap. Without UseCoreProcess the pid is the resumed thread's id.
func (e *Env) Process() *linux.Process {
	m := e.m
	p := m.proc
	if p.TID == 0 {
		p.TID = m.tid
	}
	if p.PID == 0 {
		p.PID = p.TID
	}
	p.Sysroot, p.AllowWrite = m.Sysroot, m.AllowWrite
	return &p
}

// MapAnon maps zeroed memory at [addr, addr+size), where nothing is.
func (e *Env) MapAnon(addr, size uint64, perm memory.Perm, name string) error {
	m := e.m
	if addr%memory.PageSize != 0 || size%memory.PageSize != 0 || size == 0 {
		return fmt.Errorf("map %#x+%#x: not page aligned", addr, size)
	}
	r, err := memory.Alloc(addr, size, perm, name)
	if err != nil {
		return err
	}
	if err := m.Memory.Add(r); err != nil {
		r.Release()
		return err
	}
	m.markPresent(addr, addr+size)
	if err := m.mapRegion(e.eng, r); err != nil {
		m.Memory.Remove(r)
		r.Release()
		return err
	}
	m.retired = append(m.retired, r)
	return nil
}

// Unmap unmaps whatever is mapped in [addr, addr+size).
func (e *Env) Unmap(addr, size uint64) error {
	m := e.m
	if err := m.splitRegions(addr, size, func(*memory.Region) *memory.Region { return nil }, func(lo, hi uint64) error {
		return e.eng.Unmap(lo, hi-lo)
	}); err != nil {
		return err
	}
	m.markPresent(addr, addr+size) // nothing is there to be absent
	return e.eng.RemoveCache(addr, addr+size)
}

// Protect changes the permissions of [addr, addr+size), which must be
// mapped throughout. Parts the core did not dump stay inaccessible in the
// engine.
func (e *Env) Protect(addr, size uint64, perm memory.Perm) error {
	m := e.m
	for a := addr; a < addr+size; {
		r := m.Memory.Find(a)
		if r == nil {
			return fmt.Errorf("protect %#x: not mapped", a)
		}
		a = r.End()
	}
	err := m.splitRegions(addr, size, func(r *memory.Region) *memory.Region {
		r.Perm = perm
		return r
	}, func(lo, hi uint64) error {
		at := lo
		for _, a := range m.absent {
			if a.End <= at || a.Start >= hi {
				continue
			}
			if a.Start > at {
				if err := e.eng.Protect(at, a.Start-at, perm); err != nil {
					return err
				}
			}
			at = min(a.End, hi)
		}
		if at < hi {
			return e.eng.Protect(at, hi-at, perm)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return e.eng.RemoveCache(addr, addr+size)
}

// splitRegions cuts the regions overlapping [addr, addr+size) at its
// ends; each piece inside is passed to engine (to unmap or protect it
// there) and replaced in the map by what inside returns (nil: nothing).
func (m *Machine) splitRegions(addr, size uint64, inside func(*memory.Region) *memory.Region, engine func(lo, hi uint64) error) error {
	end := addr + size
	var hit []*memory.Region
	for _, r := range m.Memory.Regions() {
		if r.Start < end && r.End() > addr {
			hit = append(hit, r)
		}
	}
	for _, r := range hit {
		lo, hi := max(r.Start, addr), min(r.End(), end)
		if err := engine(lo, hi); err != nil {
			return fmt.Errorf("%#x-%#x: %w", lo, hi, err)
		}
		m.Memory.Remove(r)
		m.retired = append(m.retired, r)
		if r.Start < lo {
			if err := m.Memory.Add(memory.NewRegion(r.Start, r.Data[:lo-r.Start], r.Perm, r.Name)); err != nil {
				return err
			}
		}
		if in := inside(memory.NewRegion(lo, r.Data[lo-r.Start:hi-r.Start], r.Perm, r.Name)); in != nil {
			if err := m.Memory.Add(in); err != nil {
				return err
			}
		}
		if hi < r.End() {
			if err := m.Memory.Add(memory.NewRegion(hi, r.Data[hi-r.Start:], r.Perm, r.Name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// FreeRange returns hint if [hint, hint+size) is free, else the first
// free range the machine finds (Machine.FreeRange).
func (e *Env) FreeRange(hint, size uint64) (uint64, error) {
	m := e.m
	if hint != 0 && hint%memory.PageSize == 0 && hint+size > hint {
		free := true
		for _, r := range m.Memory.Regions() {
			if r.Start < hint+size && r.End() > hint {
				free = false
				break
			}
		}
		if free {
			return hint, nil
		}
	}
	return m.FreeRange(size)
}

// releaseRetired frees the host memory of regions split or unmapped
// during runs.
func (m *Machine) releaseRetired() error {
	var first error
	for _, r := range m.retired {
		if err := r.Release(); err != nil && first == nil {
			first = err
		}
	}
	m.retired = nil
	return first
}

// UseCoreProcess takes the guest's identity and heap from a core: pid,
// ppid, uid, gid and name from NT_PRPSINFO (euid/egid from the auxiliary
// vector), the resumed thread's blocked and pending signals from its
// NT_PRSTATUS, and the program break area (see findHeap). Call it after
// RestoreExe, whose restored program headers it reads.
func (m *Machine) UseCoreProcess(c *load.Core) {
	p := &m.proc
	if c.Proc != nil {
		p.PID, p.PPID, p.UID, p.GID = c.Proc.PID, c.Proc.PPID, c.Proc.UID, c.Proc.GID
		p.PGID, p.SID, p.GroupKnown = c.Proc.PGID, c.Proc.SID, true
		p.Comm = c.Proc.Fname
	}
	p.EUID, p.EGID = p.UID, p.GID
	if v, ok := c.Aux(load.AT_UID); ok {
		p.UID = int(v)
	}
	if v, ok := c.Aux(load.AT_EUID); ok {
		p.EUID = int(v)
	}
	if v, ok := c.Aux(load.AT_GID); ok {
		p.GID = int(v)
	}
	if v, ok := c.Aux(load.AT_EGID); ok {
		p.EGID = int(v)
	}
	p.TID = m.tid
	for _, th := range c.Threads {
		if th.TID == m.tid {
			p.Blocked, p.Pending = th.SigHold, th.SigPend
		}
	}
	if start, end, ok := m.findHeap(c); ok {
		p.BrkStart, p.BrkEnd = start, end
	}
}

// findHeap finds the program break area in a core. The break starts
// right after the executable's last segment (its bss), page aligned,
// where qemu-user puts it; the kernel moves it a random distance further
// (brk randomisation). So: the end of the executable is read from its
// program headers in memory (AT_PHDR, AT_PHNUM); then the heap is
//   - the RW memory that starts at, or contains, that page (qemu-user),
//   - else, when the core lists its file mappings (NT_FILE: kernel
//     cores), the first RW mapping above the executable that no file
//     backs and that lies below every file mapping above the executable;
//   - else none yet: an empty heap at that page, which brk grows.
func (m *Machine) findHeap(c *load.Core) (start, end uint64, ok bool) {
	exeEnd, ok := m.exeEnd(c)
	if !ok {
		return 0, 0, false
	}
	brk := memory.PageAlign(exeEnd)
	if r := m.Memory.Find(brk); r != nil {
		if r.Perm&memory.RW == memory.RW && r.Perm&memory.X == 0 {
			return brk, r.End(), true
		}
		return 0, 0, false
	}
	if len(c.Files) > 0 {
		fileAbove := ^uint64(0)
		for _, f := range c.Files {
			if f.Start >= brk && f.Start < fileAbove {
				fileAbove = f.Start
			}
		}
		for _, r := range m.Memory.Regions() {
			if r.Start < brk || r.Start >= fileAbove {
				continue
			}
			if r.Perm&memory.RW == memory.RW && r.Perm&memory.X == 0 && r.Name == "core" {
				return r.Start, r.End(), true
			}
		}
	}
	return brk, brk, true
}

// exeEnd is the end of the main executable's highest segment in memory.
func (m *Machine) exeEnd(c *load.Core) (uint64, bool) {
	phdr, ok1 := c.Aux(load.AT_PHDR)
	phnum, ok2 := c.Aux(load.AT_PHNUM)
	if !ok1 || !ok2 || phnum == 0 || phnum > 256 {
		return 0, false
	}
	w := m.Platform.WordSize
	entSize := uint64(32)
	if w == 8 {
		entSize = 56
	}
	type ph struct{ typ, off, vaddr, memsz uint64 }
	var phs []ph
	for i := uint64(0); i < phnum; i++ {
		b := make([]byte, entSize)
		if err := m.Memory.Read(phdr+i*entSize, b); err != nil || m.IsAbsent(phdr+i*entSize) {
			return 0, false
		}
		o := m.Platform.ByteOrder
		var p ph
		if w == 8 {
			p = ph{uint64(o.Uint32(b)), o.Uint64(b[8:]), o.Uint64(b[16:]), o.Uint64(b[40:])}
		} else {
			p = ph{uint64(o.Uint32(b)), uint64(o.Uint32(b[4:])), uint64(o.Uint32(b[8:])), uint64(o.Uint32(b[20:]))}
		}
		phs = append(phs, p)
	}
	sort.Slice(phs, func(i, j int) bool { return phs[i].vaddr < phs[j].vaddr })
	var bias uint64
	found := false
	for _, p := range phs {
		if elf.ProgType(p.typ) == elf.PT_PHDR {
			bias, found = phdr-p.vaddr, true
		}
	}
	if !found {
		// No PT_PHDR (static executables): the headers follow the ELF
		// header in the segment that maps file offset 0.
		ehsize := uint64(52)
		if w == 8 {
			ehsize = 64
		}
		for _, p := range phs {
			if elf.ProgType(p.typ) == elf.PT_LOAD && p.off == 0 {
				bias, found = phdr-(p.vaddr+ehsize), true
				break
			}
		}
	}
	if !found {
		return 0, false
	}
	var end uint64
	for _, p := range phs {
		if elf.ProgType(p.typ) == elf.PT_LOAD {
			end = max(end, bias+p.vaddr+p.memsz)
		}
	}
	return end, end != 0
}
