package memory

import (
	"fmt"
	"os"
	"syscall"
)

// PageSize is the host page size; mmap-backed regions are multiples of it.
var PageSize = uint64(os.Getpagesize())

// PageAlign rounds n up to a multiple of the host page size.
func PageAlign(n uint64) uint64 { return (n + PageSize - 1) &^ (PageSize - 1) }

// Alloc returns a region of zeroed anonymous host memory of size bytes
// (rounded up to whole pages), page aligned as the engine requires.
func Alloc(start, size uint64, perm Perm, name string) (*Region, error) {
	n := PageAlign(size)
	if n == 0 || n > 1<<46 {
		return nil, fmt.Errorf("memory: %s: cannot allocate %#x bytes", name, size)
	}
	b, err := syscall.Mmap(-1, 0, int(n), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("memory: %s: mmap %#x bytes: %w", name, n, err)
	}
	return &Region{Start: start, Data: b, Perm: perm, Name: name, release: func() error { return syscall.Munmap(b) }}, nil
}

// MapFile returns a region of size bytes (rounded up to whole pages) at
// start whose first filesz bytes are a private, copy-on-write mapping of
// f at offset off; the rest is zero. off must be page aligned. Writes
// through the region never reach the file.
func MapFile(f *os.File, off int64, filesz, size, start uint64, perm Perm, name string) (*Region, error) {
	if uint64(off)%PageSize != 0 {
		return nil, fmt.Errorf("memory: %s: file offset %#x is not page aligned", name, off)
	}
	if filesz > size {
		return nil, fmt.Errorf("memory: %s: file size %#x exceeds memory size %#x", name, filesz, size)
	}
	r, err := Alloc(start, size, perm, name)
	if err != nil || filesz == 0 {
		return r, err
	}
	if filesz >= LazyThreshold && lazyFile(r, f, off, filesz) {
		return r, nil
	}
	if err := overlayFile(r.Data, f, off, filesz); err != nil {
		r.Release()
		return nil, fmt.Errorf("memory: %s: %w", name, err)
	}
	return r, nil
}

// OverlayFile replaces bytes [at, at+n) of the region with the file's
// bytes at off: whole pages are mapped privately over the region, the
// partial pages at either end are copied. at and off must be congruent
// modulo the page size for any page to be mapped.
func (r *Region) OverlayFile(at uint64, f *os.File, off int64, n uint64) error {
	if at > r.Size() || n > r.Size()-at {
		return fmt.Errorf("memory: overlay of %#x bytes at +%#x exceeds region %s", n, at, r)
	}
	dst := r.Data[at : at+n]
	if at%PageSize != uint64(off)%PageSize || r.release == nil {
		_, err := f.ReadAt(dst, off)
		return err
	}
	return overlayFile(dst, f, off, n)
}

// overlayFile maps whole pages of f over dst (which must start where off
// does modulo the page size) and copies the partial pages at the ends.
func overlayFile(dst []byte, f *os.File, off int64, n uint64) error {
	head := (PageSize - uint64(off)%PageSize) % PageSize
	if head > n {
		head = n
	}
	if head > 0 {
		if _, err := f.ReadAt(dst[:head], off); err != nil {
			return fmt.Errorf("read %d bytes at file offset %#x: %w", head, off, err)
		}
	}
	whole := (n - head) &^ (PageSize - 1)
	if whole > 0 {
		addr := uintptr(unsafePointer(dst[head:]))
		_, _, errno := syscall.Syscall6(syscall.SYS_MMAP, addr, uintptr(whole),
			syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_FIXED,
			f.Fd(), uintptr(off+int64(head)))
		if errno != 0 {
			return fmt.Errorf("mmap %#x bytes at file offset %#x: %w", whole, off+int64(head), errno)
		}
		// No readahead: a guest touches core and file pages here and
		// there. (Fault-around, which maps a touched page's cached
		// neighbours too, stays: see LazyThreshold.)
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(whole), syscall.MADV_RANDOM)
	}
	if tail := n - head - whole; tail > 0 {
		if _, err := f.ReadAt(dst[head+whole:n], off+int64(head+whole)); err != nil {
			return fmt.Errorf("read %d bytes at file offset %#x: %w", tail, off+int64(head+whole), err)
		}
	}
	return nil
}
