package linux

import (
	"errors"

	"github.com/smallworld-go/smallworld/memory"
)

// Typed access to the guest's arguments and memory, for handlers.

// word is the guest's register width in bytes.
func (k *Kernel) word() int { return k.p.WordSize }

// sarg sign-extends an argument of the guest's width (a 32-bit guest's
// -100 is 0xffffff9c in the register).
func (k *Kernel) sarg(v uint64) int64 {
	if k.word() == 4 {
		return int64(int32(v))
	}
	return int64(v)
}

// sfd reads a file descriptor argument (an int: 32 bits everywhere).
func (k *Kernel) sfd(v uint64) int64 { return int64(int32(v)) }

// arg64 reads a 64-bit argument starting at argument i, and the index of
// the argument after it. 32-bit ABIs pass it in two registers, low word
// first on little-endian platforms; ARM EABI, MIPS o32 and PPC32 start
// the pair at an even argument (i386 does not).
func (k *Kernel) arg64(a Args, i int) (uint64, int) {
	if k.word() == 8 {
		return a[i], i + 1
	}
	if k.Table.pairAlign && i%2 == 1 {
		i++
	}
	if i+1 >= len(a) {
		return 0, len(a)
	}
	lo, hi := a[i], a[i+1]
	if !k.Table.littleEndian() {
		lo, hi = hi, lo
	}
	return hi<<32 | lo&0xffffffff, i + 2
}

// argAt is argument i of a call, also past the sixth (Args holds six):
// a handler whose 64-bit arguments push the last one to the seventh
// word on MIPS o32 reads it here.
func (k *Kernel) argAt(a Args, i int) uint64 {
	if i < len(a) {
		return a[i]
	}
	v, _ := k.arg(i)
	return v
}

// read copies n guest bytes at addr; an unmapped byte is EFAULT.
func (k *Kernel) read(addr uint64, n int) ([]byte, int64) {
	b := make([]byte, n)
	if err := k.Env.Memory().Read(addr, b); err != nil {
		return nil, EFAULT
	}
	return b, 0
}

// write copies b to guest memory at addr; an unmapped byte is EFAULT.
func (k *Kernel) write(addr uint64, b []byte) int64 {
	if err := k.Env.Memory().Write(addr, b); err != nil {
		return EFAULT
	}
	return 0
}

// buffer returns the guest bytes [addr, addr+n) to read or fill in
// place when one region holds them, else a copy (and copyBack true).
func (k *Kernel) buffer(addr uint64, n int) (b []byte, copyBack bool, errno int64) {
	if n == 0 {
		return nil, false, 0
	}
	if b, err := k.Env.Memory().Slice(addr, n); err == nil {
		return b, false, 0
	}
	b = make([]byte, n)
	if err := k.Env.Memory().Read(addr, b); err != nil {
		if errors.Is(err, memory.ErrUnmapped) {
			return nil, false, EFAULT
		}
		return nil, false, EFAULT
	}
	return b, true, 0
}

// putUint writes an integer of size bytes in the guest's byte order.
func putUint(b []byte, order interface {
	PutUint16([]byte, uint16)
	PutUint32([]byte, uint32)
	PutUint64([]byte, uint64)
}, size int, v uint64) {
	switch size {
	case 1:
		b[0] = byte(v)
	case 2:
		order.PutUint16(b, uint16(v))
	case 4:
		order.PutUint32(b, uint32(v))
	case 8:
		order.PutUint64(b, v)
	}
}

// putWords writes integers of the given size at addr, consecutively.
func (k *Kernel) putWords(addr uint64, size int, vals ...uint64) int64 {
	b := make([]byte, size*len(vals))
	for i, v := range vals {
		putUint(b[i*size:], k.p.ByteOrder, size, v)
	}
	return k.write(addr, b)
}

// uint reads an integer of size bytes at addr.
func (k *Kernel) uint(addr uint64, size int) (uint64, int64) {
	v, err := k.Env.Memory().Uint(addr, size)
	if err != nil {
		return 0, EFAULT
	}
	return v, 0
}

// maxPath is PATH_MAX.
const maxPath = 4096

// path reads a NUL-terminated path argument.
func (k *Kernel) path(addr uint64) (string, int64) {
	if addr == 0 {
		return "", EFAULT
	}
	s, err := k.Env.Memory().CString(addr, maxPath)
	if err != nil {
		if errors.Is(err, memory.ErrUnmapped) {
			return "", EFAULT
		}
		return "", ENAMETOOLONG
	}
	return s, 0
}

// pageDown and pageUp align to the guest page size.
func pageDown(v uint64) uint64 { return v &^ (PageSize - 1) }
func pageUp(v uint64) uint64   { return (v + PageSize - 1) &^ (PageSize - 1) }
