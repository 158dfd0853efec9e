package linux

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"unsafe"
)

// More changes to the tree and to files: truncate, creat, chmod, links,
// symbolic links, times, fallocate, close_range. As mkdir and unlink
// (sys_dir.go), each change is allowed only under an AllowWrite
// directory (not to the directory itself); anywhere else, and to
// /dev/null and /dev, it is EACCES.

// changeable reports whether a resolved, existing path may be changed.
func (r *resolved) changeable() bool {
	return r.writable && !r.devNull && !r.devDir && r.rel != "."
}

// fdChangeable reports whether the file behind a descriptor may be
// changed: a file or directory the guest opened under an AllowWrite
// directory.
func (k *Kernel) fdChangeable(of *openFile) bool {
	if of.f == nil || (of.kind != kindFile && of.kind != kindDir) {
		return false
	}
	_, rel, writable, ok := k.mountOf(of.guest)
	return ok && writable && rel != "."
}

// truncate sets the size of the file at a path (following links), in
// Linux's order: a negative length EINVAL, lookup errors, a directory
// EISDIR, anything but a regular file EINVAL, then the refusal.
func (k *Kernel) truncate(addr uint64, length int64) int64 {
	if length < 0 {
		return -EINVAL
	}
	r, _, e := k.pathAt(k.c.AT_FDCWD, addr, true)
	switch {
	case e != 0:
		return -e
	case r.devDir:
		return -EISDIR
	case r.devNull:
		return -EINVAL
	case !r.exists:
		return -ENOENT
	case r.info.IsDir():
		return -EISDIR
	case !r.info.Mode().IsRegular():
		return -EINVAL
	case !r.changeable():
		return -EACCES
	}
	return -inRoot(r, func(root *os.Root) error {
		f, err := root.OpenFile(r.rel, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Truncate(length)
	})
}

// truncate(path, off_t length); truncate64(path, loff_t length) on
// 32-bit ABIs (a register pair).
func sysTruncate(k *Kernel, a Args) (int64, error) { return k.truncate(a[0], k.sarg(a[1])), nil }
func sysTruncate64(k *Kernel, a Args) (int64, error) {
	n, _ := k.arg64(a, 1)
	return k.truncate(a[0], int64(n)), nil
}

// sysCreat: creat(path, mode) is open(path, O_CREAT|O_WRONLY|O_TRUNC, mode).
func sysCreat(k *Kernel, a Args) (int64, error) {
	c := k.c
	return k.openat(c.AT_FDCWD, a[0], c.O_CREAT|c.O_WRONLY|c.O_TRUNC, a[1]), nil
}

// goMode is a mode's permission, set-id and sticky bits as Go spells them.
func goMode(mode uint64) fs.FileMode {
	m := fs.FileMode(mode & 0o777)
	for bit, flag := range map[uint64]fs.FileMode{0o4000: fs.ModeSetuid, 0o2000: fs.ModeSetgid, 0o1000: fs.ModeSticky} {
		if mode&bit != 0 {
			m |= flag
		}
	}
	return m
}

func (k *Kernel) chmodat(dirfd, addr, mode uint64) int64 {
	r, _, e := k.pathAt(dirfd, addr, true)
	switch {
	case e != 0:
		return -e
	case !r.exists:
		return -ENOENT
	case !r.changeable():
		return -EACCES
	}
	return -inRoot(r, func(root *os.Root) error { return root.Chmod(r.rel, goMode(mode)) })
}

// chmod(path, mode) and fchmodat(dirfd, path, mode) follow links;
// fchmod(fd, mode) changes a file the guest opened (not with O_PATH).
func sysChmod(k *Kernel, a Args) (int64, error)    { return k.chmodat(k.c.AT_FDCWD, a[0], a[1]), nil }
func sysFchmodat(k *Kernel, a Args) (int64, error) { return k.chmodat(a[0], a[1], a[2]), nil }
func sysFchmod(k *Kernel, a Args) (int64, error) {
	of, e := k.fd(a[0])
	switch {
	case e != 0:
		return -e, nil
	case of.flags&k.c.O_PATH != 0:
		return -EBADF, nil
	case !k.fdChangeable(of):
		return -EACCES, nil
	}
	if err := of.f.Chmod(goMode(a[1])); err != nil {
		return -hostErrno(err), nil
	}
	return 0, nil
}

// linkat makes a hard link, both names under the same AllowWrite
// directory (EXDEV otherwise); a directory cannot be linked (EPERM). The
// old name's last link is followed only with AT_SYMLINK_FOLLOW; an
// empty old name (AT_EMPTY_PATH) is ENOENT, as for a process without
// CAP_DAC_READ_SEARCH.
func (k *Kernel) linkat(olddir, oldAddr, newdir, newAddr, flags uint64) int64 {
	c := k.c
	if flags&^(c.AT_SYMLINK_FOLLOW|c.AT_EMPTY_PATH) != 0 {
		return -EINVAL
	}
	from, _, e := k.pathAt(olddir, oldAddr, flags&c.AT_SYMLINK_FOLLOW != 0)
	if e != 0 {
		return -e
	}
	to, _, e := k.pathAt(newdir, newAddr, false)
	switch {
	case e != 0:
		return -e
	case !from.exists:
		return -ENOENT
	case to.exists:
		return -EEXIST
	case !from.changeable(), !to.changeable():
		return -EACCES
	case from.mount != to.mount:
		return -EXDEV
	case from.info.IsDir():
		return -EPERM
	}
	return -inRoot(from, func(root *os.Root) error { return root.Link(from.rel, to.rel) })
}

// link(old, new) and linkat(olddirfd, old, newdirfd, new, flags).
func sysLink(k *Kernel, a Args) (int64, error) {
	return k.linkat(k.c.AT_FDCWD, a[0], k.c.AT_FDCWD, a[1], 0), nil
}
func sysLinkat(k *Kernel, a Args) (int64, error) {
	return k.linkat(a[0], a[1], a[2], a[3], a[4]), nil
}

// symlinkat makes a symbolic link holding target (any string, read as
// a guest path when the link is followed).
func (k *Kernel) symlinkat(targetAddr, newdir, newAddr uint64) int64 {
	target, e := k.path(targetAddr)
	if e != 0 {
		return -e
	}
	to, _, e := k.pathAt(newdir, newAddr, false)
	switch {
	case e != 0:
		return -e
	case target == "":
		return -ENOENT
	case to.exists:
		return -EEXIST
	case !to.changeable():
		return -EACCES
	}
	return -inRoot(to, func(root *os.Root) error { return root.Symlink(target, to.rel) })
}

// symlink(target, linkpath) and symlinkat(target, newdirfd, linkpath).
func sysSymlink(k *Kernel, a Args) (int64, error) {
	return k.symlinkat(a[0], k.c.AT_FDCWD, a[1]), nil
}
func sysSymlinkat(k *Kernel, a Args) (int64, error) { return k.symlinkat(a[0], a[1], a[2]), nil }

// UTIME_NOW and UTIME_OMIT (the kernel's include/linux/stat.h: the same
// for every platform, and for the host).
const (
	utimeNow  = 1<<30 - 1
	utimeOmit = 1<<30 - 2
)

// fileTimes are the access and modification times a call sets, as the
// host's utimensat takes them; nil is "now" for both.
type fileTimes *[2]syscall.Timespec

// readTimes reads times[2] at addr, each {seconds, fraction} of
// size-byte fields: nanoseconds (struct timespec; UTIME_NOW and
// UTIME_OMIT allowed) or, usec, microseconds (struct timeval). bad says
// a fraction is out of range (EINVAL, reported when Linux does); addr 0
// is nil (now).
func (k *Kernel) readTimes(addr uint64, size int, usec bool) (ts fileTimes, bad bool, errno int64) {
	if addr == 0 {
		return nil, false, 0
	}
	b, e := k.read(addr, 4*size)
	if e != 0 {
		return nil, false, e
	}
	ts = new([2]syscall.Timespec)
	for i := range ts {
		sec, frac := decode(k, b[2*i*size:], size), decode(k, b[(2*i+1)*size:], size)
		s, f := int64(sec), int64(frac)
		switch {
		case size == 4:
			s, f = int64(int32(sec)), int64(int32(frac))
		case k.word() == 4:
			f = int64(uint32(frac)) // a 32-bit ABI's 64-bit tv_nsec: the kernel keeps the low half
		}
		switch {
		case usec && (f < 0 || f >= 1e6):
			bad = true
		case usec:
			f *= 1000
		case f != utimeNow && f != utimeOmit && (f < 0 || f >= 1e9):
			bad = true
		}
		ts[i] = syscall.Timespec{Sec: s, Nsec: f}
	}
	return ts, bad, 0
}

// hostUtimensat is the host's utimensat(dirfd, name, times, flags);
// name "" passes NULL (the descriptor itself).
func hostUtimensat(dirfd int, name string, ts fileTimes, flags int) error {
	var p *byte
	if name != "" {
		var err error
		if p, err = syscall.BytePtrFromString(name); err != nil {
			return err
		}
	}
	_, _, en := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(ts)), uintptr(flags), 0, 0)
	if en != 0 {
		return en
	}
	return nil
}

// hostNoFollow is the host's AT_SYMLINK_NOFOLLOW.
const hostNoFollow = 0x100

// utimes sets the times of a guest path (relative to dirfd; the last
// link followed unless nofollow), or of the descriptor dirfd when the
// path is NULL, as utimensat does. The host call is made on the last
// name in its directory, opened through the mount's os.Root, without
// following: the layer has resolved every link itself.
func (k *Kernel) utimes(dirfd, addr uint64, ts fileTimes, bad, nofollow bool, flags uint64) int64 {
	if ts != nil && ts[0].Nsec == utimeOmit && ts[1].Nsec == utimeOmit && !bad {
		return 0 // nothing to do: Linux does not even look at the path
	}
	if addr == 0 && k.sfd(dirfd) != int64(int32(k.c.AT_FDCWD)) {
		of, e := k.fd(dirfd)
		switch {
		case e != 0:
			return -e
		case flags != 0:
			return -EINVAL
		case bad:
			return -EINVAL
		case !k.fdChangeable(of):
			return -EACCES
		}
		if err := hostUtimensat(int(of.f.Fd()), "", ts, 0); err != nil {
			return -hostErrno(err)
		}
		return 0
	}
	r, _, e := k.pathAt(dirfd, addr, !nofollow)
	switch {
	case e != 0:
		return -e
	case !r.exists:
		return -ENOENT
	case bad:
		return -EINVAL
	case !r.changeable():
		return -EACCES
	}
	return -inRoot(r, func(root *os.Root) error {
		dir, err := root.Open(filepath.Dir(r.rel))
		if err != nil {
			return err
		}
		defer dir.Close()
		return hostUtimensat(int(dir.Fd()), filepath.Base(r.rel), ts, hostNoFollow)
	})
}

// utimensat(dirfd, path, const struct timespec times[2], flags), with
// the ABI's longs; utimensat_time64 with 64-bit fields.
func (k *Kernel) utimensat(a Args, size int) int64 {
	c := k.c
	ts, bad, e := k.readTimes(a[2], size, false)
	if e != 0 {
		return -e
	}
	if a[3]&^(c.AT_SYMLINK_NOFOLLOW|c.AT_EMPTY_PATH) != 0 {
		return -EINVAL
	}
	addr := a[1]
	if addr != 0 && a[3]&c.AT_EMPTY_PATH != 0 {
		if p, e := k.path(addr); e == 0 && p == "" {
			addr = 0 // the descriptor itself
		}
	}
	return k.utimes(a[0], addr, ts, bad, a[3]&c.AT_SYMLINK_NOFOLLOW != 0, a[3]&c.AT_SYMLINK_NOFOLLOW)
}

func sysUtimensat(k *Kernel, a Args) (int64, error)   { return k.utimensat(a, k.word()), nil }
func sysUtimensat64(k *Kernel, a Args) (int64, error) { return k.utimensat(a, 8), nil }

// futimesat(dirfd, path, const struct timeval times[2]) and utimes(path,
// times): microseconds out of range are EINVAL before the path is looked
// at, as Linux checks them.
func (k *Kernel) futimesat(dirfd, addr, times uint64) int64 {
	ts, bad, e := k.readTimes(times, k.word(), true)
	switch {
	case e != 0:
		return -e
	case bad:
		return -EINVAL
	}
	return k.utimes(dirfd, addr, ts, false, false, 0)
}

func sysFutimesat(k *Kernel, a Args) (int64, error) { return k.futimesat(a[0], a[1], a[2]), nil }
func sysUtimes(k *Kernel, a Args) (int64, error) {
	return k.futimesat(k.c.AT_FDCWD, a[0], a[1]), nil
}

// sysUtime: utime(path, const struct utimbuf *): {actime, modtime} in
// whole seconds, of the ABI's long.
func sysUtime(k *Kernel, a Args) (int64, error) {
	var ts fileTimes
	if a[1] != 0 {
		w := k.word()
		b, e := k.read(a[1], 2*w)
		if e != 0 {
			return -e, nil
		}
		ts = new([2]syscall.Timespec)
		for i := range ts {
			ts[i].Sec = k.sarg(decode(k, b[i*w:], w))
		}
	}
	return k.utimes(k.c.AT_FDCWD, a[0], ts, false, false, 0), nil
}

// sysFallocate: fallocate(fd, mode, loff_t offset, loff_t len) with mode
// 0 allocates the range, growing the file to its end (by growing the
// size where the host's file system cannot allocate); every other mode
// is EOPNOTSUPP, as a file system that has none says. Linux's order:
// EBADF, EINVAL, EBADF (not open for writing), ESPIPE, EISDIR, ENODEV.
func sysFallocate(k *Kernel, a Args) (int64, error) {
	off, i := k.arg64(a, 2)
	length, _ := k.arg64(a, i)
	of, e := k.fd(a[0])
	if e != 0 {
		return -e, nil
	}
	if int64(off) < 0 || int64(length) <= 0 {
		return -EINVAL, nil
	}
	if !of.wr {
		return -EBADF, nil
	}
	st, e := k.statFD(of)
	if e != 0 {
		return -e, nil
	}
	switch st.mode & sIFMT {
	case sIFIFO:
		return -ESPIPE, nil
	case sIFDIR:
		return -EISDIR, nil
	case sIFREG:
	default:
		return -ENODEV, nil
	}
	if uint32(a[1]) != 0 {
		return -EOPNOTSUPP, nil
	}
	end := int64(off + length)
	if end < 0 {
		return -EFBIG, nil
	}
	err := syscall.Fallocate(int(of.f.Fd()), 0, int64(off), int64(length))
	if errors.Is(err, syscall.EOPNOTSUPP) {
		err = nil
		if int64(st.size) < end {
			err = of.f.Truncate(end)
		}
	}
	if err != nil {
		return -hostErrno(err), nil
	}
	return 0, nil
}

// sysCloseRange: close_range(first, last, flags) closes the open
// descriptors in [first, last], or with CLOSE_RANGE_CLOEXEC marks them
// close-on-exec; CLOSE_RANGE_UNSHARE has nothing to unshare.
func sysCloseRange(k *Kernel, a Args) (int64, error) {
	c := k.c
	first, last, flags := uint32(a[0]), uint32(a[1]), uint64(uint32(a[2]))
	if flags&^(c.CLOSE_RANGE_UNSHARE|c.CLOSE_RANGE_CLOEXEC) != 0 || first > last {
		return -EINVAL, nil
	}
	for fd, e := range k.fds {
		if uint32(fd) < first || uint32(fd) > last {
			continue
		}
		if flags&c.CLOSE_RANGE_CLOEXEC != 0 {
			e.cloexec = true
		} else {
			k.closeFD(fd)
		}
	}
	return 0, nil
}

// Copying between descriptors: copy_file_range and sendfile read and
// write through the layer's own paths (readerAt, writerAt, writer).

// position is a descriptor's offset, read from the loff_t or off_t
// (size bytes, signed) at addr, or its file position when addr is 0.
func (k *Kernel) position(of *openFile, addr uint64, size int) (int64, int64) {
	if addr == 0 {
		if of.f == nil {
			return 0, 0
		}
		pos, err := of.f.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0, hostErrno(err)
		}
		return pos, 0
	}
	v, e := k.uint(addr, size)
	if e != 0 {
		return 0, e
	}
	if size == 4 {
		return int64(int32(v)), 0
	}
	return int64(v), 0
}

// advance moves an offset on by n: the value at addr, or the file
// position when addr is 0.
func (k *Kernel) advance(of *openFile, addr uint64, size int, pos, n int64) int64 {
	if addr != 0 {
		return k.putWords(addr, size, uint64(pos+n))
	}
	if of.f != nil {
		if _, err := of.f.Seek(pos+n, io.SeekStart); err != nil {
			return hostErrno(err)
		}
	}
	return 0
}

// sysCopyFileRange: copy_file_range(fd_in, loff_t *off_in, fd_out,
// loff_t *off_out, len, flags) between regular files, in Linux's order:
// EBADF, EFAULT, EINVAL (flags), EISDIR, EINVAL (not regular files),
// EBADF (access, O_APPEND), EINVAL (negative or overlapping ranges of
// one file).
func sysCopyFileRange(k *Kernel, a Args) (int64, error) {
	in, e := k.fd(a[0])
	if e != 0 {
		return -e, nil
	}
	out, e := k.fd(a[2])
	if e != 0 {
		return -e, nil
	}
	posIn, e := k.position(in, a[1], 8)
	if e != 0 {
		return -e, nil
	}
	posOut, e := k.position(out, a[3], 8)
	if e != 0 {
		return -e, nil
	}
	n := int64(min(a[4], maxIO))
	if k.word() == 4 {
		n = int64(min(a[4]&0xffffffff, maxIO))
	}
	switch {
	case uint32(a[5]) != 0:
		return -EINVAL, nil
	case in.kind == kindDir || out.kind == kindDir:
		return -EISDIR, nil
	case in.kind != kindFile || out.kind != kindFile:
		return -EINVAL, nil
	case !in.read || !out.wr || out.flags&k.c.O_APPEND != 0:
		return -EBADF, nil
	case posIn < 0 || posOut < 0:
		return -EINVAL, nil
	case sameFile(in, out) && posIn < posOut+n && posOut < posIn+n:
		return -EINVAL, nil
	}
	r, _ := k.readerAt(in, posIn)
	buf := make([]byte, n)
	got := doRead(r, buf)
	if got <= 0 {
		return got, nil
	}
	done := doWrite(k.writerAt(out, posOut), buf[:got])
	if done <= 0 {
		return done, nil
	}
	if e := k.advance(in, a[1], 8, posIn, done); e != 0 {
		return -e, nil
	}
	if e := k.advance(out, a[3], 8, posOut, done); e != 0 {
		return -e, nil
	}
	return done, nil
}

// sameFile reports whether two open files are one host file.
func sameFile(a, b *openFile) bool {
	sa, err1 := a.f.Stat()
	sb, err2 := b.f.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// sendfile copies up to count bytes of the regular file in_fd, from the
// off_t at offAddr (size bytes; its file position when 0), to any
// descriptor open for writing (a pipe too, as a write would: a full pipe
// nobody reads stops the run). An out_fd with O_APPEND is EINVAL.
func (k *Kernel) sendfile(outFD, inFD, offAddr, count uint64, size int) (int64, error) {
	in, e := k.fd(inFD)
	if e != 0 || !in.read {
		return -EBADF, nil
	}
	out, e := k.fd(outFD)
	if e != 0 {
		return -e, nil
	}
	w, e := k.writer(out)
	switch {
	case e != 0:
		return -e, nil
	case in.kind != kindFile, out.flags&k.c.O_APPEND != 0:
		return -EINVAL, nil
	}
	pos, e := k.position(in, offAddr, size)
	switch {
	case e != 0:
		return -e, nil
	case pos < 0:
		return -EINVAL, nil
	}
	r, _ := k.readerAt(in, pos)
	buf := make([]byte, min(count, maxIO))
	got := doRead(r, buf)
	if got <= 0 {
		return got, nil
	}
	if ret, err, wait := k.pipeWait(out, uint64(got)); wait {
		return ret, err
	}
	done := doWrite(w, buf[:got])
	if done <= 0 {
		return done, nil
	}
	if e := k.advance(in, offAddr, size, pos, done); e != 0 {
		return -e, nil
	}
	return done, nil
}

// sendfile(out_fd, in_fd, off_t *offset, count) with the ABI's off_t;
// sendfile64 with a loff_t.
func sysSendfile(k *Kernel, a Args) (int64, error) {
	return k.sendfile(a[0], a[1], a[2], a[3], k.word())
}
func sysSendfile64(k *Kernel, a Args) (int64, error) { return k.sendfile(a[0], a[1], a[2], a[3], 8) }
