package linux

import (
	"io"

	"github.com/smallworld-go/smallworld/memory"
)

// Memory calls. The guest's memory is the machine's memory map; the Env
// maps, unmaps and protects whole pages of it and keeps the engine in
// step. Page size: PageSize (4 KiB) on every platform.

func (k *Kernel) perm(prot uint64) memory.Perm {
	var p memory.Perm
	if prot&k.c.PROT_READ != 0 {
		p |= memory.R
	}
	if prot&k.c.PROT_WRITE != 0 {
		p |= memory.W
	}
	if prot&k.c.PROT_EXEC != 0 {
		p |= memory.X
	}
	return p
}

// sysBrk: brk(addr) moves the program break within the heap area the
// machine reports (Process.BrkStart...): growing maps zeroed pages after
// the heap mapping, if they are free; shrinking unmaps the pages the
// layer added. It returns the new break, or the old one on failure (as
// Linux does); brk(0) asks for the current break.
func sysBrk(k *Kernel, a Args) (int64, error) {
	want := a[0]
	if k.brkHi == 0 || want < k.brkLo {
		return int64(k.brk), nil
	}
	end := pageUp(want)
	switch {
	case end > k.brkHi:
		if err := k.Env.MapAnon(k.brkHi, end-k.brkHi, memory.RW, "[heap]"); err != nil {
			return int64(k.brk), nil
		}
		k.brkHi = end
	case end < k.brkHi && end >= pageUp(k.proc.BrkEnd):
		if err := k.Env.Unmap(end, k.brkHi-end); err != nil {
			return 0, err
		}
		k.brkHi = end
	}
	k.brk = want
	return int64(want), nil
}

// mmap maps memory: anonymous, or a private read of a file of the
// guest's view (the bytes are copied in; beyond the file's end is zero).
func (k *Kernel) mmap(addr, length, prot, flags, fd, off uint64) (int64, error) {
	c := k.c
	if length == 0 || off%PageSize != 0 {
		return -EINVAL, nil
	}
	size := pageUp(length)
	if size < length || size > 1<<46 {
		return -ENOMEM, nil
	}
	typ := flags & (c.MAP_SHARED | c.MAP_PRIVATE)
	if typ == 0 || typ == c.MAP_SHARED|c.MAP_PRIVATE {
		return -EINVAL, nil
	}
	var of *openFile
	if flags&c.MAP_ANONYMOUS == 0 {
		var e int64
		if of, e = k.fd(fd); e != 0 {
			return -e, nil
		}
		switch {
		case of.kind == kindNull:
			of = nil // /dev/null maps as zeroes
		case of.kind != kindFile:
			return -ENODEV, nil
		case !of.read:
			return -EACCES, nil
		case typ == c.MAP_SHARED && prot&c.PROT_WRITE != 0 && !of.wr:
			return -EACCES, nil
		case typ == c.MAP_SHARED && prot&c.PROT_WRITE != 0:
			return -EACCES, nil // writes through a shared mapping would never reach the file
		}
	}
	fixed := flags&c.MAP_FIXED != 0
	noReplace := flags&c.MAP_FIXED_NOREPLACE != 0
	switch {
	case fixed || noReplace:
		if addr%PageSize != 0 {
			return -EINVAL, nil
		}
		if noReplace && k.anyMapped(addr, size) {
			return -EEXIST, nil
		}
		if fixed {
			if err := k.Env.Unmap(addr, size); err != nil {
				return 0, err
			}
		}
	default:
		hint := pageDown(addr)
		if hint != 0 && k.anyMapped(hint, size) {
			hint = 0
		}
		var err error
		if addr, err = k.Env.FreeRange(hint, size); err != nil {
			return -ENOMEM, nil
		}
	}
	name := "[anon]"
	if of != nil {
		name = of.guest
	}
	if err := k.Env.MapAnon(addr, size, k.perm(prot), name); err != nil {
		return -ENOMEM, nil
	}
	if of != nil {
		b, err := k.Env.Memory().Slice(addr, int(size))
		if err != nil {
			return 0, err
		}
		n, err := of.f.ReadAt(b[:length], int64(off))
		if err != nil && err != io.EOF && n == 0 {
			k.Env.Unmap(addr, size)
			return -ioErrno(err), nil
		}
	}
	return int64(addr), nil
}

// anyMapped reports whether any byte of [addr, addr+size) is mapped.
func (k *Kernel) anyMapped(addr, size uint64) bool {
	for _, r := range k.Env.Memory().Regions() {
		if r.Start < addr+size && r.End() > addr {
			return true
		}
	}
	return false
}

// allMapped reports whether every byte of [addr, addr+size) is mapped.
func (k *Kernel) allMapped(addr, size uint64) bool {
	for a := addr; a < addr+size; {
		r := k.Env.Memory().Find(a)
		if r == nil {
			return false
		}
		a = r.End()
	}
	return true
}

// sysMmap: mmap(addr, length, prot, flags, fd, offset in bytes).
func sysMmap(k *Kernel, a Args) (int64, error) {
	return k.mmap(a[0], a[1], a[2], a[3], a[4], a[5])
}

// sysMmap2: mmap2(addr, length, prot, flags, fd, offset in 4096-byte units).
func sysMmap2(k *Kernel, a Args) (int64, error) {
	return k.mmap(a[0], a[1], a[2], a[3], a[4], a[5]*4096)
}

// sysOldMmap: i386's mmap(struct mmap_arg_struct *), six words in memory.
func sysOldMmap(k *Kernel, a Args) (int64, error) {
	raw, e := k.read(a[0], 24)
	if e != 0 {
		return -e, nil
	}
	w := make([]uint64, 6)
	for i := range w {
		w[i] = decode(k, raw[4*i:], 4)
	}
	return k.mmap(w[0], w[1], w[2], w[3], w[4], w[5])
}

func sysMunmap(k *Kernel, a Args) (int64, error) {
	if a[0]%PageSize != 0 || a[1] == 0 {
		return -EINVAL, nil
	}
	if err := k.Env.Unmap(a[0], pageUp(a[1])); err != nil {
		return 0, err
	}
	return 0, nil
}

func sysMprotect(k *Kernel, a Args) (int64, error) {
	if a[0]%PageSize != 0 {
		return -EINVAL, nil
	}
	size := pageUp(a[1])
	if size == 0 {
		return 0, nil
	}
	if !k.allMapped(a[0], size) {
		return -ENOMEM, nil
	}
	if err := k.Env.Protect(a[0], size, k.perm(a[2])); err != nil {
		return 0, err
	}
	return 0, nil
}

// sysMremap: mremap(old, old_size, new_size, flags, new_addr): shrinking
// in place, growing in place when the pages after are free, else moving
// (MREMAP_MAYMOVE) by copying into a new anonymous mapping.
// MREMAP_FIXED is not supported (EINVAL).
func sysMremap(k *Kernel, a Args) (int64, error) {
	old, oldSize, newSize, flags := a[0], pageUp(a[1]), pageUp(a[2]), a[3]
	c := k.c
	if old%PageSize != 0 || newSize == 0 || flags&^(c.MREMAP_MAYMOVE|c.MREMAP_FIXED) != 0 || flags&c.MREMAP_FIXED != 0 {
		return -EINVAL, nil
	}
	if oldSize == 0 || !k.allMapped(old, oldSize) {
		return -EFAULT, nil
	}
	r := k.Env.Memory().Find(old)
	perm := r.Perm
	switch {
	case newSize == oldSize:
		return int64(old), nil
	case newSize < oldSize:
		if err := k.Env.Unmap(old+newSize, oldSize-newSize); err != nil {
			return 0, err
		}
		return int64(old), nil
	case !k.anyMapped(old+oldSize, newSize-oldSize):
		if err := k.Env.MapAnon(old+oldSize, newSize-oldSize, perm, r.Name); err != nil {
			return -ENOMEM, nil
		}
		return int64(old), nil
	case flags&c.MREMAP_MAYMOVE == 0:
		return -ENOMEM, nil
	}
	to, err := k.Env.FreeRange(0, newSize)
	if err != nil {
		return -ENOMEM, nil
	}
	if err := k.Env.MapAnon(to, newSize, perm, r.Name); err != nil {
		return -ENOMEM, nil
	}
	buf := make([]byte, oldSize)
	if err := k.Env.Memory().Read(old, buf); err != nil {
		return 0, err
	}
	if err := k.Env.Memory().Write(to, buf); err != nil {
		return 0, err
	}
	if err := k.Env.Unmap(old, oldSize); err != nil {
		return 0, err
	}
	return int64(to), nil
}

// madvDontneed is MADV_DONTNEED (4 on every platform).
const madvDontneed = 4

// sysMadvise: advice is accepted and ignored, except MADV_DONTNEED,
// which zeroes the pages (what it does to private anonymous memory, the
// only kind malloc gives back).
func sysMadvise(k *Kernel, a Args) (int64, error) {
	if a[0]%PageSize != 0 {
		return -EINVAL, nil
	}
	size := pageUp(a[1])
	if !k.allMapped(a[0], size) {
		return -ENOMEM, nil
	}
	if a[2] == madvDontneed {
		for at := a[0]; at < a[0]+size; {
			r := k.Env.Memory().Find(at)
			end := min(r.End(), a[0]+size)
			clear(r.Data[at-r.Start : end-r.Start])
			at = end
		}
	}
	return 0, nil
}
