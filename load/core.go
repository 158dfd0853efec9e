package load

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// Thread is one thread of a core: one NT_PRSTATUS and the FP notes after it.
type Thread struct {
	TID    int      // pr_pid
	Signal int      // pr_cursig
	CPU    *cpu.CPU // pr_reg, plus FP/vector registers when HasFP
	HasFP  bool     // an FP note (NT_FPREGSET, NT_X86_XSTATE...) was decoded
	// SigPend and SigHold are pr_sigpend and pr_sighold: the thread's
	// pending and blocked signals as the first word of a sigset_t
	// (signal n is bit n-1; signals past the word size are not in the
	// note). Linux fills them; qemu-user leaves them 0.
	SigPend, SigHold uint64
}

// SigInfo is the NT_SIGINFO note: the siginfo_t of the signal that
// dumped core.
type SigInfo struct {
	Signo, Code, Errno int
	Addr               uint64 // si_addr of a fault signal with si_code > 0, else 0
}

// ProcInfo is the NT_PRPSINFO note (struct elf_prpsinfo).
type ProcInfo struct {
	State byte   `json:"state"` // pr_state
	PID   int    `json:"pid"`
	PPID  int    `json:"ppid"`
	PGID  int    `json:"pgid"` // pr_pgrp
	SID   int    `json:"sid"`  // pr_sid
	UID   int    `json:"uid"`
	GID   int    `json:"gid"`
	Fname string `json:"fname"` // pr_fname: the executable's name, at most 16 bytes
	Args  string `json:"args"`  // pr_psargs: the start of the command line
}

// AuxEntry is one entry of the auxiliary vector.
type AuxEntry struct{ Tag, Val uint64 }

// Auxiliary vector tags (glibc elf.h, Linux include/uapi/linux/auxvec.h).
const (
	AT_NULL         = 0
	AT_PHDR         = 3
	AT_PHENT        = 4
	AT_PHNUM        = 5
	AT_PAGESZ       = 6
	AT_BASE         = 7
	AT_FLAGS        = 8
	AT_ENTRY        = 9
	AT_UID          = 11
	AT_EUID         = 12
	AT_GID          = 13
	AT_EGID         = 14
	AT_PLATFORM     = 15
	AT_HWCAP        = 16
	AT_CLKTCK       = 17
	AT_SECURE       = 23
	AT_RANDOM       = 25
	AT_HWCAP2       = 26
	AT_EXECFN       = 31
	AT_SYSINFO      = 32
	AT_SYSINFO_EHDR = 33
)

// FileMapping is one entry of NT_FILE: [Start, End) maps Path from
// byte Offset.
type FileMapping struct {
	Start, End, Offset uint64
	Path               string
}

// Core is an ELF core file, as data.
type Core struct {
	Path     string
	Platform *platform.Platform
	Segments []Segment // the PT_LOADs, in file order
	Threads  []Thread  // in note order: a kernel puts the thread that got the signal first
	SigInfo  *SigInfo  // nil without NT_SIGINFO (qemu-user cores)
	Proc     *ProcInfo // nil without NT_PRPSINFO
	Auxv     []AuxEntry
	Files    []FileMapping
	Notes    []Note // every note, in file order

	r    io.ReaderAt
	f    *os.File // set by OpenCore; Close closes it
	size int64
}

const opCore = "load core"

// OpenCore opens and parses a core file; the file stays open for
// Regions and Verify until Close.
func OpenCore(path string) (*Core, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opCore, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", opCore, err)
	}
	c, err := ParseCore(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	c.f = f
	return c, nil
}

// ParseCore parses a core of size bytes read from r; name is used in
// messages and as Path. The result reads r for Regions and Verify: keep r
// valid. When r is an *os.File, Regions maps it.
func ParseCore(r io.ReaderAt, size int64, name string) (*Core, error) {
	if size < 0 {
		return nil, fmt.Errorf("%s %s: negative size %d", opCore, name, size)
	}
	h, err := readHeader(r, opCore, name)
	if err != nil {
		return nil, err
	}
	f, err := newFile(r, opCore, name)
	if err != nil {
		return nil, err
	}
	if f.Type != elf.ET_CORE {
		return nil, formatErr(opCore, name, 0x10, ErrNotCore, "ELF type is %v, not ET_CORE", f.Type)
	}
	p, err := platform.FromELF(f.Machine, f.Class, f.Data, h.flags)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", opCore, name, err)
	}
	c := &Core{Path: name, Platform: p, r: r, size: size}
	for i, pr := range f.Progs {
		what := fmt.Sprintf("%v %d", pr.Type, i)
		switch pr.Type {
		case elf.PT_LOAD:
			if err := checkRange(r, size, pr.Off, pr.Filesz, opCore, name, what, "truncated core?"); err != nil {
				return nil, err
			}
			if pr.Filesz > pr.Memsz {
				return nil, formatErr(opCore, name, int64(pr.Off), nil, "%s: file size %#x exceeds memory size %#x", what, pr.Filesz, pr.Memsz)
			}
			if end := pr.Vaddr + pr.Memsz; end < pr.Vaddr && end != 0 {
				return nil, formatErr(opCore, name, int64(pr.Off), nil, "%s at %#x: memory size %#x wraps around the address space", what, pr.Vaddr, pr.Memsz)
			}
			c.Segments = append(c.Segments, Segment{Vaddr: pr.Vaddr, Memsz: pr.Memsz, Off: pr.Off, Filesz: pr.Filesz, Perm: permOf(pr.Flags)})
		case elf.PT_NOTE:
			b, err := readRange(r, size, pr.Off, pr.Filesz, opCore, name, what, "truncated core?")
			if err != nil {
				return nil, err
			}
			notes, err := parseNotes(b, f.ByteOrder, pr.Align, int64(pr.Off), opCore, name)
			if err != nil {
				return nil, err
			}
			c.Notes = append(c.Notes, notes...)
		}
	}
	if p.Machine == elf.EM_ARM {
		if q := armFloatABI(r, c.Segments); q != nil {
			p, c.Platform = q, q
		}
	}
	if err := c.decodeNotes(); err != nil {
		return nil, err
	}
	if err := c.decodeThreads(p); err != nil {
		return nil, err
	}
	return c, nil
}

// Close releases the file. Regions already made stay valid.
func (c *Core) Close() error {
	c.r = nil
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	return err
}

func (c *Core) word() int { return c.Platform.WordSize }

// isCore reports whether a note is one of the kernel's: named "CORE"
// (and "LINUX" for the architecture notes).
func isCore(n *Note) bool { return n.Name == "CORE" || n.Name == "LINUX" }

// decodeNotes decodes the process-wide notes.
func (c *Core) decodeNotes() error {
	o := c.Platform.ByteOrder
	w := c.word()
	for i := range c.Notes {
		n := &c.Notes[i]
		if !isCore(n) {
			continue
		}
		d := words{b: n.Desc, order: o, size: w}
		bad := func(format string, args ...any) error {
			return formatErr(opCore, c.Path, n.Off, nil, "%v note at offset %#x: %s", n.Type, n.Off, fmt.Sprintf(format, args...))
		}
		switch n.Type {
		case NT_AUXV:
			// Pairs of words (a_type, a_val) ending with AT_NULL.
			c.Auxv = c.Auxv[:0]
			for off := 0; off+2*w <= len(n.Desc); off += 2 * w {
				tag := d.word(off)
				if tag == AT_NULL {
					break
				}
				c.Auxv = append(c.Auxv, AuxEntry{Tag: tag, Val: d.word(off + w)})
			}
		case NT_FILE:
			// Linux fs/binfmt_elf.c fill_files_note: count, page_size,
			// count x (start, end, pgoff) words, then count NUL-terminated paths.
			files, err := decodeFiles(d)
			if err != nil {
				return bad("%v", err)
			}
			c.Files = files
		case NT_SIGINFO:
			si, err := decodeSigInfo(d, c.Platform)
			if err != nil {
				return bad("%v", err)
			}
			c.SigInfo = si
		case NT_PRPSINFO:
			pi, err := decodePrpsinfo(d)
			if err != nil {
				return bad("%v", err)
			}
			c.Proc = pi
		}
	}
	return nil
}

func decodeFiles(d words) ([]FileMapping, error) {
	w := uint64(d.size)
	n := uint64(len(d.b))
	if n < 2*w {
		return nil, fmt.Errorf("%d bytes, want at least %d", n, 2*w)
	}
	count, pageSize := d.word(0), d.word(int(w))
	if count > (n-2*w)/(3*w) {
		return nil, fmt.Errorf("%d mappings do not fit in %d bytes", count, n)
	}
	strs := d.b[2*w+3*w*count:]
	out := make([]FileMapping, 0, count)
	for i := uint64(0); i < count; i++ {
		at := int(2*w + 3*w*i)
		m := FileMapping{Start: d.word(at), End: d.word(at + int(w)), Offset: d.word(at+2*int(w)) * pageSize}
		end := bytes.IndexByte(strs, 0)
		if end < 0 {
			return nil, fmt.Errorf("path %d of %d has no NUL", i, count)
		}
		m.Path = string(strs[:end])
		strs = strs[end+1:]
		out = append(out, m)
	}
	return out, nil
}

// faultSignals are the signals whose siginfo carries si_addr (sigaction(2):
// SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP), by platform numbering: MIPS
// numbers SIGBUS 10 (arch/mips/include/uapi/asm/signal.h).
func isFaultSignal(p *platform.Platform, sig int) bool {
	switch sig {
	case 4, 5, 8, 11: // SIGILL, SIGTRAP, SIGFPE, SIGSEGV
		return true
	case 7:
		return p.Machine != elf.EM_MIPS // SIGBUS
	case 10:
		return p.Machine == elf.EM_MIPS // SIGBUS on MIPS
	}
	return false
}

// decodeSigInfo decodes siginfo_t (include/uapi/asm-generic/siginfo.h):
// int si_signo, si_errno, si_code, then the union, word aligned (offset
// 12 on 32-bit, 16 on 64-bit), whose first member for a fault is si_addr.
// MIPS swaps si_code and si_errno (arch/mips/include/uapi/asm/siginfo.h,
// __ARCH_HAS_SWAPPED_SIGINFO).
func decodeSigInfo(d words, p *platform.Platform) (*SigInfo, error) {
	union := alignInt(12, d.size)
	if len(d.b) < union {
		return nil, fmt.Errorf("%d bytes, want at least %d", len(d.b), union)
	}
	si := &SigInfo{Signo: d.i32(0), Errno: d.i32(4), Code: d.i32(8)}
	if p.Machine == elf.EM_MIPS {
		si.Errno, si.Code = si.Code, si.Errno
	}
	if si.Code > 0 && isFaultSignal(p, si.Signo) && len(d.b) >= union+d.size {
		si.Addr = d.word(union)
	}
	return si, nil
}

// decodePrpsinfo decodes struct elf_prpsinfo (include/uapi/linux/elfcore.h):
// char pr_state, pr_sname, pr_zomb, pr_nice; unsigned long pr_flag;
// __kernel_uid_t pr_uid; __kernel_gid_t pr_gid; pid_t pr_pid, pr_ppid,
// pr_pgrp, pr_sid; char pr_fname[16]; char pr_psargs[80]. The uid and gid
// are 16-bit on i386 and ARM (124-byte note) and 32-bit elsewhere (128
// bytes on 32-bit platforms, 136 on 64-bit).
func decodePrpsinfo(d words) (*ProcInfo, error) {
	uidAt := alignInt(4, d.size) + d.size // after the four chars and pr_flag
	uidSize := 4
	if d.size == 4 && len(d.b) == 124 {
		uidSize = 2
	}
	pidAt := uidAt + 2*uidSize
	fnameAt := pidAt + 16
	argsAt := fnameAt + 16
	if len(d.b) < argsAt+80 {
		return nil, fmt.Errorf("%d bytes, want %d", len(d.b), alignInt(argsAt+80, d.size))
	}
	pi := &ProcInfo{State: d.b[0], PID: d.i32(pidAt), PPID: d.i32(pidAt + 4), PGID: d.i32(pidAt + 8), SID: d.i32(pidAt + 12)}
	if uidSize == 2 {
		pi.UID, pi.GID = int(d.u16(uidAt)), int(d.u16(uidAt+2))
	} else {
		pi.UID, pi.GID = int(d.u32(uidAt)), int(d.u32(uidAt+4))
	}
	pi.Fname = cstring(d.b[fnameAt : fnameAt+16])
	pi.Args = cstring(d.b[argsAt : argsAt+80])
	return pi, nil
}

// decodeThreads makes Threads from the NT_PRSTATUS notes and the FP notes
// after each, for platform p; on error c is unchanged.
func (c *Core) decodeThreads(p *platform.Platform) error {
	var threads []Thread
	var fpRank []int
	var xstate []*Note // per thread: its NT_X86_XSTATE note
	var layout []byte  // NT_X86_XSAVE_LAYOUT
	owner := make([]int, len(c.Notes))
	var a *arch
	var file *cpu.File
	for i := range c.Notes {
		n := &c.Notes[i]
		owner[i] = len(threads) - 1
		if !isCore(n) {
			continue
		}
		if n.Type == NT_X86_XSAVE_LAYOUT {
			layout = n.Desc
		}
		if n.Type != NT_PRSTATUS {
			if len(threads) == 0 || a == nil {
				continue
			}
			t := &threads[len(threads)-1]
			if n.Type == NT_X86_XSTATE && a.XState != nil {
				xstate[len(threads)-1] = n
			}
			for rank, fp := range a.FP {
				if fp.Type != n.Type || (!fp.Aux && rank > fpRank[len(threads)-1]) {
					continue
				}
				if len(n.Desc) < fp.Size {
					return formatErr(opCore, c.Path, n.Off, nil, "%v note at offset %#x: %#x bytes, want at least %#x for %s", n.Type, n.Off, len(n.Desc), fp.Size, p.Name)
				}
				if err := fp.Decode(t.CPU, n.Desc); err != nil {
					return fmt.Errorf("%s %s: %v note at offset %#x: %w", opCore, c.Path, n.Type, n.Off, err)
				}
				if !fp.Aux {
					t.HasFP = true
					fpRank[len(threads)-1] = rank
				}
			}
			continue
		}
		if a == nil {
			a = archOf(p)
			if a == nil || len(a.Regs) == 0 {
				return fmt.Errorf("%s %s: %w for %s yet", opCore, c.Path, ErrNoLayout, p.Name)
			}
			file = a.file
			if file == nil {
				f, err := cpu.For(p)
				if err != nil {
					return fmt.Errorf("%s %s: %w", opCore, c.Path, err)
				}
				file = f
			}
		}
		w := p.WordSize
		if len(n.Desc) != a.PrstatusSize {
			return formatErr(opCore, c.Path, n.Off, nil, "NT_PRSTATUS note at offset %#x: %#x bytes, want %#x for %s", n.Off, len(n.Desc), a.PrstatusSize, p.Name)
		}
		hdr := prstatusHeader(w)
		if hdr.reg+len(a.Regs)*w > len(n.Desc) {
			return fmt.Errorf("%s %s: NT_PRSTATUS layout for %s: %d registers do not fit in %#x bytes", opCore, c.Path, p.Name, len(a.Regs), len(n.Desc))
		}
		d := words{b: n.Desc, order: p.ByteOrder, size: w}
		t := Thread{TID: d.i32(hdr.pid), Signal: d.i16(hdr.cursig), CPU: cpu.New(file),
			SigPend: d.word(hdr.sigpend), SigHold: d.word(hdr.sighold)}
		for slot, reg := range a.Regs {
			if reg == "" {
				continue
			}
			if err := t.CPU.Set(reg, d.word(hdr.reg+slot*w)); err != nil {
				return fmt.Errorf("%s %s: NT_PRSTATUS layout for %s: %w", opCore, c.Path, p.Name, err)
			}
		}
		owner[i] = len(threads)
		threads = append(threads, t)
		fpRank = append(fpRank, len(a.FP))
		xstate = append(xstate, nil)
	}
	for i, n := range xstate {
		if n == nil {
			continue
		}
		if err := a.XState(threads[i].CPU, n.Desc, layout); err != nil {
			return fmt.Errorf("%s %s: %v note at offset %#x: %w", opCore, c.Path, n.Type, n.Off, err)
		}
	}
	c.Threads = threads
	for i := range c.Notes {
		c.Notes[i].Thread = owner[i]
	}
	return nil
}

// SetPlatform replaces the core's platform by a compatible one (same ELF
// machine, class and byte order): a core does not say armel or armhf,
// its executable does. The threads are decoded again for p.
func (c *Core) SetPlatform(p *platform.Platform) error {
	if p == c.Platform {
		return nil
	}
	if p.Machine != c.Platform.Machine || p.Class != c.Platform.Class || p.ByteOrder != c.Platform.ByteOrder {
		return fmt.Errorf("core %s: platform %s does not fit a %s core: %w", c.Path, p.Name, c.Platform.Name, ErrMismatch)
	}
	if err := c.decodeThreads(p); err != nil {
		return err
	}
	c.Platform = p
	return nil
}

// Aux returns the value of the first auxiliary vector entry with tag.
func (c *Core) Aux(tag uint64) (uint64, bool) {
	for _, a := range c.Auxv {
		if a.Tag == tag {
			return a.Val, true
		}
	}
	return 0, false
}

// Signal returns the signal that dumped core: NT_SIGINFO's si_signo, else
// the first thread's pr_cursig; 0 when neither says.
func (c *Core) Signal() int {
	if c.SigInfo != nil && c.SigInfo.Signo != 0 {
		return c.SigInfo.Signo
	}
	if len(c.Threads) > 0 {
		return c.Threads[0].Signal
	}
	return 0
}

// Present reports whether the byte at addr is in the core file: inside
// the first Filesz bytes of a PT_LOAD.
func (c *Core) Present(addr uint64) bool {
	_, ok := c.fileOffset(addr, 1)
	return ok
}

// Untouched reports whether the part of segment s past its Filesz is
// anonymous memory nothing ever wrote, which Linux leaves out of a core
// (a private anonymous mapping with no pages yet: the untouched end of
// .bss, a heap or mmap area not used yet), and so is zero. It needs the
// core to list its file mappings (NT_FILE: Linux's cores do, qemu-user's
// do not) and none of them to cover s. (Memory the process marked
// MADV_DONTDUMP is left out too, and is not zero; nothing in a core
// tells it apart.)
func (c *Core) Untouched(s Segment) bool {
	if s.Filesz >= s.Memsz || len(c.Files) == 0 {
		return false
	}
	for _, f := range c.Files {
		if f.Start < s.End() && s.Vaddr < f.End {
			return false
		}
	}
	return true
}

// Regions returns every PT_LOAD of memory size > 0 as a region named
// "core" at its Vaddr: the first Filesz bytes are a private mapping of the
// core file (memory.MapFile), not copies; the rest is zero. A core made
// by ParseCore from something other than an *os.File is copied.
func (c *Core) Regions() ([]*memory.Region, error) {
	if c.r == nil {
		return nil, fmt.Errorf("regions of core %s: %w", c.Path, ErrClosed)
	}
	file, _ := c.r.(*os.File)
	out := make([]*memory.Region, 0, len(c.Segments))
	for i, s := range c.Segments {
		if s.Memsz == 0 {
			continue
		}
		var r *memory.Region
		var err error
		if file != nil && s.Off%memory.PageSize == 0 {
			r, err = memory.MapFile(file, int64(s.Off), s.Filesz, s.Memsz, s.Vaddr, s.Perm, "core")
		} else {
			r, err = memory.Alloc(s.Vaddr, s.Memsz, s.Perm, "core")
			if err == nil && s.Filesz > 0 {
				if file != nil {
					err = r.OverlayFile(0, file, int64(s.Off), s.Filesz)
				} else {
					_, err = c.r.ReadAt(r.Data[:s.Filesz], int64(s.Off))
				}
				if err != nil {
					r.Release()
				}
			}
		}
		if err != nil {
			for _, r := range out {
				r.Release()
			}
			return nil, fmt.Errorf("regions of core %s: segment %d at %#x: %w", c.Path, i, s.Vaddr, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ExeBase returns the load bias of e in the core's process: AT_PHDR minus
// e.PhdrVaddr, checked against AT_ENTRY (and AT_PHNUM); without AT_PHDR,
// 0 for an ET_EXEC. A disagreement is an ErrMismatch error.
func (c *Core) ExeBase(e *ELF) (uint64, error) {
	phdr, ok := c.Aux(AT_PHDR)
	if !ok {
		if e.Type == elf.ET_EXEC {
			return 0, nil
		}
		return 0, fmt.Errorf("exe base of %s in core %s: the core has no AT_PHDR to find a %v's base", e.Path, c.Path, e.Type)
	}
	if e.PhdrVaddr == 0 {
		return 0, fmt.Errorf("exe base of %s in core %s: its program headers are not loaded (no PT_PHDR, no PT_LOAD holds them): %w", e.Path, c.Path, ErrMismatch)
	}
	bias := phdr - e.PhdrVaddr
	mismatch := func(format string, args ...any) error {
		return fmt.Errorf("exe base of %s in core %s: %s: %w", e.Path, c.Path, fmt.Sprintf(format, args...), ErrMismatch)
	}
	if e.Type == elf.ET_EXEC && bias != 0 {
		return 0, mismatch("AT_PHDR is %#x but the ET_EXEC's program headers are at %#x", phdr, e.PhdrVaddr)
	}
	if bias%c.Platform.PageSize != 0 {
		return 0, mismatch("AT_PHDR %#x - program headers at %#x = %#x is not page aligned", phdr, e.PhdrVaddr, bias)
	}
	if entry, ok := c.Aux(AT_ENTRY); ok && entry != bias+e.Entry {
		return 0, mismatch("AT_ENTRY is %#x, want base %#x + e_entry %#x = %#x", entry, bias, e.Entry, bias+e.Entry)
	}
	if n, ok := c.Aux(AT_PHNUM); ok && n != uint64(e.Phnum) {
		return 0, mismatch("AT_PHNUM is %d, the file has %d program headers", n, e.Phnum)
	}
	return bias, nil
}

// Verify checks that e, loaded at base, is the core's executable (or
// library): same platform, and every byte of e's non-writable PT_LOAD
// file contents that the core holds (in the Filesz part of a core
// segment) at base+Vaddr is equal. No such byte at all is an error too
// ("nothing to compare"). A differing byte is a *MismatchError naming the
// lowest such address.
func (c *Core) Verify(e *ELF, base uint64) error {
	if e.Platform != c.Platform {
		hint := ""
		if e.Platform.Machine == c.Platform.Machine && e.Platform.Class == c.Platform.Class && e.Platform.ByteOrder == c.Platform.ByteOrder {
			hint = " (SetPlatform first)"
		}
		return fmt.Errorf("verify %s against core %s: it is %s, the core is %s%s: %w", e.Path, c.Path, e.Platform.Name, c.Platform.Name, hint, ErrMismatch)
	}
	if c.r == nil {
		return fmt.Errorf("verify %s against core %s: %w", e.Path, c.Path, ErrClosed)
	}
	if e.r == nil {
		return fmt.Errorf("verify %s against core %s: %s: %w", e.Path, c.Path, e.Path, ErrClosed)
	}
	type span struct{ addr, n, exeOff, coreOff uint64 }
	var spans []span
	for _, es := range e.Segments {
		if es.Perm&memory.W != 0 || es.Filesz == 0 {
			continue
		}
		lo := base + es.Vaddr
		last := lo + es.Filesz - 1
		for _, cs := range c.Segments {
			if cs.Filesz == 0 {
				continue
			}
			clast := cs.Vaddr + cs.Filesz - 1
			a, b := max(lo, cs.Vaddr), min(last, clast)
			if a > b || last < lo || clast < cs.Vaddr {
				continue
			}
			spans = append(spans, span{addr: a, n: b - a + 1, exeOff: es.Off + (a - lo), coreOff: cs.Off + (a - cs.Vaddr)})
		}
	}
	if len(spans) == 0 {
		return fmt.Errorf("verify %s against core %s at base %#x: the core holds none of its read-only contents: %w (%w)", e.Path, c.Path, base, ErrNothingToCompare, ErrMismatch)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].addr < spans[j].addr })
	const chunk = 64 << 10
	eb, cb := make([]byte, chunk), make([]byte, chunk)
	for _, s := range spans {
		for done := uint64(0); done < s.n; {
			n := min(uint64(chunk), s.n-done)
			if err := readFull(e.r, eb[:n], s.exeOff+done); err != nil {
				return fmt.Errorf("verify %s against core %s: read %s at %#x: %w", e.Path, c.Path, e.Path, s.exeOff+done, err)
			}
			if err := readFull(c.r, cb[:n], s.coreOff+done); err != nil {
				return fmt.Errorf("verify %s against core %s: read the core at %#x: %w", e.Path, c.Path, s.coreOff+done, err)
			}
			if !bytes.Equal(eb[:n], cb[:n]) {
				for i := range eb[:n] {
					if eb[i] != cb[i] {
						return &MismatchError{Exe: e.Path, Core: c.Path, Addr: s.addr + done + uint64(i), ExeOff: s.exeOff + done + uint64(i), Exe8: eb[i], Core8: cb[i]}
					}
				}
			}
			done += n
		}
	}
	return nil
}

func readFull(r io.ReaderAt, b []byte, off uint64) error {
	if off > 1<<62 {
		return fmt.Errorf("offset %#x: %w", off, io.ErrUnexpectedEOF)
	}
	n, err := r.ReadAt(b, int64(off))
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}
