package load

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// NoteType is the type of an ELF note (n_type). The meaning of a type
// depends on the note's name ("CORE", "LINUX", "GNU").
type NoteType uint32

// Note types of Linux core files and GNU executables (glibc elf.h; Linux
// include/uapi/linux/elf.h).
const (
	NT_PRSTATUS         NoteType = 1          // "CORE": struct elf_prstatus, one per thread
	NT_FPREGSET         NoteType = 2          // "CORE": elf_fpregset_t of the thread before it
	NT_PRPSINFO         NoteType = 3          // "CORE": struct elf_prpsinfo
	NT_AUXV             NoteType = 6          // "CORE": the auxiliary vector
	NT_386_TLS          NoteType = 0x200      // "LINUX": i386 struct user_desc array
	NT_X86_XSTATE       NoteType = 0x202      // "LINUX": xsave area; its first 512 bytes are fxsave
	NT_X86_XSAVE_LAYOUT NoteType = 0x205      // "LINUX": the xsave area's components: offsets and sizes (Linux 6.11+)
	NT_ARM_VFP          NoteType = 0x400      // "LINUX": ARM VFP registers
	NT_ARM_TLS          NoteType = 0x401      // "LINUX": ARM/AArch64 TLS register
	NT_SIGINFO          NoteType = 0x53494749 // "CORE": siginfo_t of the signal that dumped core
	NT_FILE             NoteType = 0x46494c45 // "CORE": file-backed mappings
	NT_PRXFPREG         NoteType = 0x46e62b7f // "LINUX": i386 user_fxsr_struct
	NT_GNU_BUILD_ID     NoteType = 3          // "GNU": build ID bits
)

var noteNames = map[NoteType]string{
	NT_PRSTATUS: "NT_PRSTATUS", NT_FPREGSET: "NT_FPREGSET", NT_PRPSINFO: "NT_PRPSINFO",
	NT_AUXV: "NT_AUXV", NT_386_TLS: "NT_386_TLS", NT_X86_XSTATE: "NT_X86_XSTATE",
	NT_X86_XSAVE_LAYOUT: "NT_X86_XSAVE_LAYOUT",
	NT_ARM_VFP:          "NT_ARM_VFP", NT_ARM_TLS: "NT_ARM_TLS", NT_SIGINFO: "NT_SIGINFO",
	NT_FILE: "NT_FILE", NT_PRXFPREG: "NT_PRXFPREG",
}

// String returns the core-file name of the type (NT_PRPSINFO for 3, not
// NT_GNU_BUILD_ID, which is 3 under the name "GNU").
func (t NoteType) String() string {
	if n, ok := noteNames[t]; ok {
		return n
	}
	return fmt.Sprintf("NoteType(%#x)", uint32(t))
}

// Note is one ELF note of a core file.
type Note struct {
	Name string   // the owner, without its NUL: "CORE", "LINUX"
	Type NoteType // n_type
	Off  int64    // file offset of Desc
	Desc []byte   // the descriptor
	// Thread is the index in Core.Threads of the NT_PRSTATUS this note
	// follows (the thread it describes, for per-thread notes), or -1.
	Thread int
}

// parseNotes splits the contents of a PT_NOTE segment (gABI "Note
// Section": namesz, descsz, type words, then name and desc each padded to
// align bytes). off is the segment's file offset, for messages.
func parseNotes(b []byte, order binary.ByteOrder, align uint64, off int64, op, file string) ([]Note, error) {
	if align != 8 {
		align = 4
	}
	pad := func(n uint64) uint64 { return (n + align - 1) &^ (align - 1) }
	var notes []Note
	for pos := uint64(0); pos < uint64(len(b)); {
		rest := b[pos:]
		if len(rest) < 12 {
			if allZero(rest) {
				break // padding at the end of the segment
			}
			return nil, formatErr(op, file, off+int64(pos), nil, "note at offset %#x: header of %d bytes, want 12", off+int64(pos), len(rest))
		}
		namesz := uint64(order.Uint32(rest[0:]))
		descsz := uint64(order.Uint32(rest[4:]))
		typ := NoteType(order.Uint32(rest[8:]))
		nameAt := uint64(12)
		descAt := pad(nameAt + namesz)
		end := descAt + pad(descsz)
		if descAt+descsz > uint64(len(rest)) {
			return nil, formatErr(op, file, off+int64(pos), nil, "note at offset %#x: name of %#x and desc of %#x bytes extend past the end of its PT_NOTE (%#x bytes left)",
				off+int64(pos), namesz, descsz, len(rest))
		}
		name := string(rest[nameAt : nameAt+namesz])
		name = strings.TrimRight(name, "\x00")
		notes = append(notes, Note{Name: name, Type: typ, Off: off + int64(pos+descAt), Desc: rest[descAt : descAt+descsz : descAt+descsz], Thread: -1})
		pos += min(end, uint64(len(rest)))
	}
	return notes, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// words decodes guest-order integers of a note's descriptor at fixed
// offsets; the caller checks the length first.
type words struct {
	b     []byte
	order binary.ByteOrder
	size  int // the word (long) size: 4 or 8
}

func (w words) u16(off int) uint64 { return uint64(w.order.Uint16(w.b[off:])) }
func (w words) u32(off int) uint64 { return uint64(w.order.Uint32(w.b[off:])) }
func (w words) i32(off int) int    { return int(int32(w.order.Uint32(w.b[off:]))) }
func (w words) i16(off int) int    { return int(int16(w.order.Uint16(w.b[off:]))) }

func (w words) word(off int) uint64 {
	if w.size == 4 {
		return w.u32(off)
	}
	return w.order.Uint64(w.b[off:])
}

// cstring returns the bytes of b up to the first NUL.
func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
