package load

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// A tiny builder of synthetic ELF core files, for tests, fuzz seeds and
// benchmarks: an ELF header, the program headers, one PT_NOTE right after
// them and each PT_LOAD's bytes at a page-aligned offset.

type testNote struct {
	name string
	typ  NoteType
	desc []byte
}

type testLoad struct {
	vaddr, memsz, filesz uint64
	data                 []byte // the first bytes of the file part; the rest is zero
	flags                elf.ProgFlag
}

type testCore struct {
	class   elf.Class
	order   binary.ByteOrder
	machine elf.Machine
	typ     elf.Type // 0 means ET_CORE
	notes   []testNote
	loads   []testLoad
	align   uint64 // file alignment of PT_LOAD data; 0 means 4096
}

// layout returns the header bytes (everything before the first PT_LOAD's
// data), the PT_LOAD offsets and the total file size.
func (s testCore) layout() (head []byte, offs []uint64, size uint64) {
	is64 := s.class == elf.ELFCLASS64
	o := s.order
	ehsize, phentsize := 52, 32
	if is64 {
		ehsize, phentsize = 64, 56
	}
	var notes bytes.Buffer
	for _, n := range s.notes {
		var h [12]byte
		o.PutUint32(h[0:], uint32(len(n.name)+1))
		o.PutUint32(h[4:], uint32(len(n.desc)))
		o.PutUint32(h[8:], uint32(n.typ))
		notes.Write(h[:])
		notes.WriteString(n.name)
		notes.WriteByte(0)
		pad4(&notes)
		notes.Write(n.desc)
		pad4(&notes)
	}
	phnum := 1 + len(s.loads)
	noteOff := uint64(ehsize + phnum*phentsize)
	align := s.align
	if align == 0 {
		align = 4096
	}
	off := (noteOff + uint64(notes.Len()) + align - 1) &^ (align - 1)
	for _, l := range s.loads {
		offs = append(offs, off)
		off = (off + l.filesz + align - 1) &^ (align - 1)
	}
	size = noteOff + uint64(notes.Len())
	if n := len(offs); n > 0 {
		size = offs[n-1] + s.loads[n-1].filesz
	}

	head = make([]byte, noteOff, noteOff+uint64(notes.Len()))
	copy(head, elf.ELFMAG)
	head[elf.EI_CLASS] = byte(s.class)
	if o == binary.BigEndian {
		head[elf.EI_DATA] = byte(elf.ELFDATA2MSB)
	} else {
		head[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	}
	head[elf.EI_VERSION] = 1
	typ := s.typ
	if typ == 0 {
		typ = elf.ET_CORE
	}
	o.PutUint16(head[16:], uint16(typ))
	o.PutUint16(head[18:], uint16(s.machine))
	o.PutUint32(head[20:], 1)
	if is64 {
		o.PutUint64(head[32:], uint64(ehsize)) // e_phoff
		o.PutUint16(head[52:], uint16(ehsize))
		o.PutUint16(head[54:], uint16(phentsize))
		o.PutUint16(head[56:], uint16(phnum))
	} else {
		o.PutUint32(head[28:], uint32(ehsize))
		o.PutUint16(head[40:], uint16(ehsize))
		o.PutUint16(head[42:], uint16(phentsize))
		o.PutUint16(head[44:], uint16(phnum))
	}
	ph := head[ehsize:]
	putPhdr := func(i int, typ elf.ProgType, flags elf.ProgFlag, off, vaddr, filesz, memsz, align uint64) {
		p := ph[i*phentsize:]
		if is64 {
			o.PutUint32(p[0:], uint32(typ))
			o.PutUint32(p[4:], uint32(flags))
			o.PutUint64(p[8:], off)
			o.PutUint64(p[16:], vaddr)
			o.PutUint64(p[32:], filesz)
			o.PutUint64(p[40:], memsz)
			o.PutUint64(p[48:], align)
		} else {
			o.PutUint32(p[0:], uint32(typ))
			o.PutUint32(p[4:], uint32(off))
			o.PutUint32(p[8:], uint32(vaddr))
			o.PutUint32(p[16:], uint32(filesz))
			o.PutUint32(p[20:], uint32(memsz))
			o.PutUint32(p[24:], uint32(flags))
			o.PutUint32(p[28:], uint32(align))
		}
	}
	putPhdr(0, elf.PT_NOTE, 0, noteOff, 0, uint64(notes.Len()), 0, 4)
	for i, l := range s.loads {
		putPhdr(i+1, elf.PT_LOAD, l.flags, offs[i], l.vaddr, l.filesz, l.memsz, align)
	}
	head = append(head, notes.Bytes()...)
	return head, offs, size
}

func pad4(b *bytes.Buffer) {
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}

// bytes returns the whole file.
func (s testCore) bytes() []byte {
	head, offs, size := s.layout()
	out := make([]byte, size)
	copy(out, head)
	for i, l := range s.loads {
		copy(out[offs[i]:offs[i]+l.filesz], l.data)
	}
	return out
}

// write writes the file into t's temporary directory, sparse: only the
// header and each load's data are written.
func (s testCore) write(tb testing.TB, name string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	head, offs, size := s.layout()
	if _, err := f.WriteAt(head, 0); err != nil {
		tb.Fatal(err)
	}
	for i, l := range s.loads {
		if _, err := f.WriteAt(l.data[:min(uint64(len(l.data)), l.filesz)], int64(offs[i])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Truncate(int64(size)); err != nil {
		tb.Fatal(err)
	}
	return path
}

// noteWriter encodes note descriptors in a guest's word size and order.
type noteWriter struct {
	order binary.ByteOrder
	word  int
}

func (w noteWriter) putWord(b []byte, v uint64) {
	if w.word == 4 {
		w.order.PutUint32(b, uint32(v))
	} else {
		w.order.PutUint64(b, v)
	}
}

// prstatus builds an NT_PRSTATUS descriptor of size bytes.
func (w noteWriter) prstatus(size int, signo, cursig, pid int, regs []uint64) []byte {
	b := make([]byte, size)
	h := prstatusHeader(w.word)
	w.order.PutUint32(b[h.signo:], uint32(signo))
	w.order.PutUint16(b[h.cursig:], uint16(cursig))
	w.order.PutUint32(b[h.pid:], uint32(pid))
	w.order.PutUint32(b[h.ppid:], uint32(pid-1))
	// Pending: SIGHUP (1); blocked: SIGINT (2) and signal 32, the last
	// the word holds on every platform.
	w.putWord(b[h.sigpend:], 1)
	w.putWord(b[h.sighold:], 2|1<<31)
	for i, v := range regs {
		w.putWord(b[h.reg+i*w.word:], v)
	}
	return b
}

// auxv builds an NT_AUXV descriptor from tag, value pairs, with AT_NULL.
func (w noteWriter) auxv(pairs ...uint64) []byte {
	pairs = append(pairs, AT_NULL, 0)
	b := make([]byte, len(pairs)*w.word)
	for i, v := range pairs {
		w.putWord(b[i*w.word:], v)
	}
	return b
}

// file builds an NT_FILE descriptor.
func (w noteWriter) file(pageSize uint64, maps []FileMapping) []byte {
	b := make([]byte, (2+3*len(maps))*w.word)
	w.putWord(b, uint64(len(maps)))
	w.putWord(b[w.word:], pageSize)
	for i, m := range maps {
		at := (2 + 3*i) * w.word
		w.putWord(b[at:], m.Start)
		w.putWord(b[at+w.word:], m.End)
		w.putWord(b[at+2*w.word:], m.Offset/pageSize)
	}
	for _, m := range maps {
		b = append(b, m.Path...)
		b = append(b, 0)
	}
	return b
}

// siginfo builds a 128-byte siginfo_t in the generic order (signo, errno,
// code); swapped puts code before errno (MIPS).
func (w noteWriter) siginfo(signo, errno, code int, addr uint64, swapped bool) []byte {
	b := make([]byte, 128)
	w.order.PutUint32(b[0:], uint32(signo))
	if swapped {
		errno, code = code, errno
	}
	w.order.PutUint32(b[4:], uint32(errno))
	w.order.PutUint32(b[8:], uint32(code))
	w.putWord(b[alignInt(12, w.word):], addr)
	return b
}

// prpsinfo builds an elf_prpsinfo with 16- or 32-bit uid and gid.
func (w noteWriter) prpsinfo(uid16 bool, state byte, pid, ppid, uid, gid int, fname, args string) []byte {
	uidAt := alignInt(4, w.word) + w.word
	us := 4
	if uid16 {
		us = 2
	}
	pidAt := uidAt + 2*us
	size := alignInt(pidAt+16+16+80, w.word)
	b := make([]byte, size)
	b[0], b[1] = state, 'R'
	if uid16 {
		w.order.PutUint16(b[uidAt:], uint16(uid))
		w.order.PutUint16(b[uidAt+2:], uint16(gid))
	} else {
		w.order.PutUint32(b[uidAt:], uint32(uid))
		w.order.PutUint32(b[uidAt+4:], uint32(gid))
	}
	w.order.PutUint32(b[pidAt:], uint32(pid))
	w.order.PutUint32(b[pidAt+4:], uint32(ppid))
	copy(b[pidAt+16:pidAt+32], fname)
	copy(b[pidAt+32:pidAt+112], args)
	return b
}

// small returns the core with its PT_LOAD data cut to 16 bytes each and
// packed: a fuzz seed.
func (s testCore) small() []byte {
	s.align = 16
	s.loads = append([]testLoad(nil), s.loads...)
	for i := range s.loads {
		s.loads[i].filesz = min(s.loads[i].filesz, 16)
	}
	return s.bytes()
}

// amd64Values returns a distinct value for every amd64 pr_reg slot.
func amd64Values() []uint64 {
	v := make([]uint64, len(amd64Arch.Regs))
	for i := range v {
		v[i] = 0x1111_2222_3333_0000 + uint64(i)*0x0101
	}
	return v
}

// fxsaveArea returns a 512-byte FXSAVE image whose bytes are seed+offset.
func fxsaveArea(seed byte) []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// amd64Core is a minimal valid amd64 kernel-like core: one thread
// (PRSTATUS, FPREGSET), PRPSINFO, SIGINFO, AUXV, FILE, and two PT_LOADs,
// the second with memsz > filesz.
func amd64Core() testCore {
	w := noteWriter{order: binary.LittleEndian, word: 8}
	data := bytes.Repeat([]byte("smallworld core "), 512) // 8 KiB
	return testCore{
		class: elf.ELFCLASS64, order: binary.LittleEndian, machine: elf.EM_X86_64,
		notes: []testNote{
			{"CORE", NT_PRSTATUS, w.prstatus(0x150, 11, 11, 4242, amd64Values())},
			{"CORE", NT_PRPSINFO, w.prpsinfo(false, 0, 4242, 4241, 1000, 1001, "seed", "./seed arg")},
			{"CORE", NT_SIGINFO, w.siginfo(11, 0, 1, 0xdead0000, false)},
			{"CORE", NT_AUXV, w.auxv(AT_PHDR, 0x555555554040, AT_PHNUM, 13, AT_PAGESZ, 4096, AT_ENTRY, 0x555555555060)},
			{"CORE", NT_FILE, w.file(4096, []FileMapping{
				{Start: 0x555555554000, End: 0x555555555000, Offset: 0, Path: "/usr/bin/seed"},
				{Start: 0x555555555000, End: 0x555555556000, Offset: 0x1000, Path: "/usr/bin/seed"},
			})},
			{"CORE", NT_FPREGSET, fxsaveArea(1)},
		},
		loads: []testLoad{
			{vaddr: 0x555555554000, memsz: 0x2000, filesz: 0x2000, data: data, flags: elf.PF_R | elf.PF_X},
			{vaddr: 0x7ffff7ff0000, memsz: 0x3000, filesz: 0x1000, data: []byte("stack"), flags: elf.PF_R | elf.PF_W},
		},
	}
}
