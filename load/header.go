package load

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/smallworld-go/smallworld/memory"
)

// header is what this package needs from the ELF file header beyond what
// debug/elf.FileHeader carries (it has neither e_phoff nor e_flags).
type header struct {
	class elf.Class
	data  elf.Data
	order binary.ByteOrder
	phoff uint64
	flags uint32
}

// readHeader reads the ELF identification and the raw header fields
// (System V gABI, "ELF Header": e_phoff at 0x1c/0x20, e_flags at
// 0x24/0x30 for ELFCLASS32/ELFCLASS64).
func readHeader(r io.ReaderAt, op, name string) (*header, error) {
	var b [64]byte
	n, err := r.ReadAt(b[:], 0)
	if n < 4 || !bytes.Equal(b[:4], []byte(elf.ELFMAG)) {
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s %s: read ELF header: %w", op, name, err)
		}
		return nil, formatErr(op, name, 0, ErrNotELF, "no ELF magic number (\\x7fELF) at offset 0")
	}
	if n < elf.EI_NIDENT {
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s %s: read ELF header: %w", op, name, err)
		}
		return nil, formatErr(op, name, int64(n), ErrTruncated, "ELF identification: %d of %d bytes (truncated file?)", n, elf.EI_NIDENT)
	}
	h := &header{class: elf.Class(b[elf.EI_CLASS]), data: elf.Data(b[elf.EI_DATA])}
	switch h.data {
	case elf.ELFDATA2LSB:
		h.order = binary.LittleEndian
	case elf.ELFDATA2MSB:
		h.order = binary.BigEndian
	default:
		return nil, formatErr(op, name, elf.EI_DATA, nil, "unknown ELF data encoding %d", b[elf.EI_DATA])
	}
	need := 0
	switch h.class {
	case elf.ELFCLASS32:
		need = 52
	case elf.ELFCLASS64:
		need = 64
	default:
		return nil, formatErr(op, name, elf.EI_CLASS, nil, "unknown ELF class %d", b[elf.EI_CLASS])
	}
	if n < need {
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s %s: read ELF header: %w", op, name, err)
		}
		return nil, formatErr(op, name, int64(n), ErrTruncated, "ELF header: %d of %d bytes (truncated file?)", n, need)
	}
	if h.class == elf.ELFCLASS32 {
		h.phoff = uint64(h.order.Uint32(b[0x1c:]))
		h.flags = h.order.Uint32(b[0x24:])
	} else {
		h.phoff = h.order.Uint64(b[0x20:])
		h.flags = h.order.Uint32(b[0x30:])
	}
	return h, nil
}

// safe runs a debug/elf call and turns a panic on bad bytes into an
// error: debug/elf is not promised to be panic-free on hostile input.
func safe[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, fmt.Errorf("debug/elf panicked: %v", p)
		}
	}()
	return fn()
}

// newFile is elf.NewFile behind safe, with its errors made ours.
func newFile(r io.ReaderAt, op, name string) (*elf.File, error) {
	f, err := safe(func() (*elf.File, error) { return elf.NewFile(r) })
	if err != nil {
		return nil, elfErr(op, name, err)
	}
	return f, nil
}

// elfErr converts an error from debug/elf into a *FormatError.
func elfErr(op, name string, err error) error {
	var fe *elf.FormatError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return formatErr(op, name, -1, ErrTruncated, "debug/elf: %v (truncated file?)", err)
	case errors.As(err, &fe):
		return formatErr(op, name, -1, nil, "debug/elf: %v", err)
	case isHostErr(err):
		return fmt.Errorf("%s %s: %w", op, name, err)
	}
	return formatErr(op, name, -1, nil, "debug/elf: %v", err)
}

// isHostErr reports errors of the host, not of the file's bytes.
func isHostErr(err error) bool {
	var pe *os.PathError
	return errors.As(err, &pe)
}

// sizer is implemented by bytes.Reader, strings.Reader and io.SectionReader.
type sizer interface{ Size() int64 }

// sizeOf returns the size of r when it can tell, else -1.
func sizeOf(r io.ReaderAt) int64 {
	switch v := r.(type) {
	case *os.File:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
	case sizer:
		return v.Size()
	}
	return -1
}

// checkRange checks that the file range [off, off+n) exists: it is an
// ErrTruncated *FormatError if it extends past the end of the file. size
// is the file's size, or -1 to probe the last byte with ReadAt. what
// names the range in the message ("PT_LOAD 3").
func checkRange(r io.ReaderAt, size int64, off, n uint64, op, name, what, hint string) error {
	if n == 0 {
		return nil
	}
	end := off + n
	if end < off || end > 1<<62 {
		return formatErr(op, name, int64(min(off, 1<<62)), nil, "%s at offset %#x: size %#x is impossible", what, off, n)
	}
	if size >= 0 {
		if end > uint64(size) {
			return formatErr(op, name, int64(off), ErrTruncated, "%s at offset %#x: %#x bytes past end of file (%s)", what, off, end-uint64(size), hint)
		}
		return nil
	}
	var b [1]byte
	if _, err := r.ReadAt(b[:], int64(end-1)); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return formatErr(op, name, int64(off), ErrTruncated, "%s at offset %#x: %#x bytes extend past end of file (%s)", what, off, n, hint)
		}
		return fmt.Errorf("%s %s: %s: %w", op, name, what, err)
	}
	return nil
}

// readRange reads [off, off+n) after checkRange; n must be small enough
// to hold in memory (notes, PT_INTERP), which maxRead enforces.
func readRange(r io.ReaderAt, size int64, off, n uint64, op, name, what, hint string) ([]byte, error) {
	if err := checkRange(r, size, off, n, op, name, what, hint); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	if n > maxRead {
		return nil, formatErr(op, name, int64(off), nil, "%s at offset %#x: %#x bytes is more than the %#x this loader reads", what, off, n, maxRead)
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, int64(off)); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatErr(op, name, int64(off), ErrTruncated, "%s at offset %#x: past end of file (%s)", what, off, hint)
		}
		return nil, fmt.Errorf("%s %s: read %s: %w", op, name, what, err)
	}
	return b, nil
}

// maxRead bounds what is read into Go memory from one range of a file
// (note segments, PT_INTERP): large memory is mapped, never read.
const maxRead = 64 << 20

// permOf converts ELF segment flags to memory permissions.
func permOf(f elf.ProgFlag) (p memory.Perm) {
	if f&elf.PF_R != 0 {
		p |= memory.R
	}
	if f&elf.PF_W != 0 {
		p |= memory.W
	}
	if f&elf.PF_X != 0 {
		p |= memory.X
	}
	return p
}
