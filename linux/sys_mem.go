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

// mappedPages checks a range the guest names to msync, mlock, munlock
// or mincore: [addr, addr+length) rounded out to pages must be mapped
// throughout (ENOMEM otherwise, also for a range that wraps); it
// returns the start and size in whole pages.
func (k *Kernel) mappedPages(addr, length uint64) (start, size uint64, errno int64) {
	start = pageDown(addr)
	end := pageUp(addr + length)
	if addr+length < addr || end < addr {
		return 0, 0, ENOMEM
	}
	if end > start && !k.allMapped(start, end-start) {
		return 0, 0, ENOMEM
	}
	return start, end - start, 0
}

// sysMsync: msync(addr, length, flags): the guest's mappings are
// private copies, so there is nothing to write back; the range must be
// mapped (ENOMEM) and the flags right (one of MS_ASYNC and MS_SYNC, and
// MS_INVALIDATE), addr page aligned (EINVAL).
func sysMsync(k *Kernel, a Args) (int64, error) {
	c := k.c
	if a[0]%PageSize != 0 || a[2]&^(c.MS_ASYNC|c.MS_SYNC|c.MS_INVALIDATE) != 0 ||
		a[2]&c.MS_ASYNC != 0 && a[2]&c.MS_SYNC != 0 {
		return -EINVAL, nil
	}
	_, _, e := k.mappedPages(a[0], a[1])
	return -e, nil
}

// mlock(addr, length), munlock(addr, length) and mlock2(addr, length,
// flags) succeed on mapped memory: nothing is ever paged out.
// RLIMIT_MEMLOCK is not enforced.
func sysMlock(k *Kernel, a Args) (int64, error) {
	_, _, e := k.mappedPages(a[0], a[1])
	return -e, nil
}

func sysMlock2(k *Kernel, a Args) (int64, error) {
	if a[2]&^k.c.MLOCK_ONFAULT != 0 {
		return -EINVAL, nil
	}
	return sysMlock(k, a)
}

// sysMlockall: mlockall(flags) with MCL_CURRENT or MCL_FUTURE (and
// perhaps MCL_ONFAULT); munlockall() always succeeds.
func sysMlockall(k *Kernel, a Args) (int64, error) {
	c := k.c
	if a[0] == 0 || a[0]&^(c.MCL_CURRENT|c.MCL_FUTURE|c.MCL_ONFAULT) != 0 || a[0] == c.MCL_ONFAULT {
		return -EINVAL, nil
	}
	return 0, nil
}

func sysMunlockall(k *Kernel, a Args) (int64, error) { return 0, nil }

// sysMincore: mincore(addr, length, vec): one byte per page, 1
// (resident) for every page of a mapped range.
func sysMincore(k *Kernel, a Args) (int64, error) {
	if a[0]%PageSize != 0 {
		return -EINVAL, nil
	}
	_, size, e := k.mappedPages(a[0], a[1])
	if e != 0 {
		return -e, nil
	}
	vec := make([]byte, size/PageSize)
	for i := range vec {
		vec[i] = 1
	}
	return -k.write(a[2], vec), nil
}
