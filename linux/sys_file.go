package linux

import (
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"syscall"
	"unsafe"
)

// File descriptors. 0, 1 and 2 are the machine's standard streams
// (Env.Stdin, Stdout, Stderr: the command's own). Others are files of
// the guest's view (fs.go) or /dev/null. Descriptors the process had
// open when it dumped core are not known: using one is EBADF.

type fileKind int

const (
	kindStdin fileKind = iota + 1
	kindStdout
	kindStderr
	kindFile
	kindDir
	kindNull
	kindPipeR // the read end of a pipe
	kindPipeW // the write end
)

// openFile is an open file description, shared by dup'ed descriptors.
type openFile struct {
	kind  fileKind
	f     *os.File // kindFile, kindDir
	guest string   // guest path
	flags uint64   // the guest's open flags (F_GETFL)
	read  bool     // opened for reading
	wr    bool     // opened for writing (and allowed to)
	refs  int

	dir    []dirent // kindDir: the listing getdents reads, nil until the first
	dirPos int64    // kindDir: the next entry of dir (lseek sets it)
	pipe   *pipe    // kindPipeR, kindPipeW
}

type fdEntry struct {
	of      *openFile
	cloexec bool
}

// init sets up the kernel's per-run state.
func (k *Kernel) init() {
	if p := k.Env.Process(); p != nil {
		k.proc = *p
	}
	k.fds = map[int]*fdEntry{
		0: {of: &openFile{kind: kindStdin, guest: "/dev/stdin", read: true, refs: 1, flags: k.c.O_RDONLY}},
		1: {of: &openFile{kind: kindStdout, guest: "/dev/stdout", wr: true, refs: 1, flags: k.c.O_WRONLY}},
		2: {of: &openFile{kind: kindStderr, guest: "/dev/stderr", wr: true, refs: 1, flags: k.c.O_WRONLY}},
	}
	k.brkLo, k.brkHi, k.brk = k.proc.BrkStart, k.proc.BrkEnd, k.proc.BrkEnd
	k.cwd, k.umask = "/", 0o022
	k.sigactions = map[int][]byte{}
	k.sigmask = make([]byte, k.sigsetSize())
	k.pending = make([]byte, k.sigsetSize())
	k.pendCode = map[int]uint64{}
	putUint(k.sigmask, k.p.ByteOrder, k.word(), k.proc.Blocked)
	putUint(k.pending, k.p.ByteOrder, k.word(), k.proc.Pending)
	k.neverBlocked = k.neverBlockedSet()
	k.sigmask = k.unblockable(k.sigmask)
	k.altstack = k.initialAltstack()
}

// Close closes every file the guest left open.
func (k *Kernel) Close() error {
	for fd := range k.fds {
		k.closeFD(fd)
	}
	return nil
}

// maxFDs is RLIMIT_NOFILE's soft limit as prlimit64 reports it.
const maxFDs = 1024

func (k *Kernel) newFD(of *openFile, cloexec bool, min int) int64 {
	for fd := min; fd < maxFDs; fd++ {
		if k.fds[fd] == nil {
			k.fds[fd] = &fdEntry{of: of, cloexec: cloexec}
			return int64(fd)
		}
	}
	return -EMFILE
}

func (k *Kernel) fd(v uint64) (*openFile, int64) {
	e := k.fds[int(k.sfd(v))]
	if e == nil || k.sfd(v) < 0 {
		return nil, EBADF
	}
	return e.of, 0
}

func (k *Kernel) closeFD(fd int) int64 {
	e := k.fds[fd]
	if e == nil {
		return EBADF
	}
	delete(k.fds, fd)
	e.of.refs--
	if e.of.refs == 0 {
		if e.of.f != nil {
			e.of.f.Close()
		}
		e.of.pipe.release(e.of.kind)
	}
	return 0
}

// reader and writer of an open file, or an errno.
func (k *Kernel) reader(of *openFile) (io.Reader, int64) {
	if !of.read {
		return nil, EBADF
	}
	switch of.kind {
	case kindStdin:
		return k.Env.Stdin(), 0
	case kindFile:
		return of.f, 0
	case kindDir:
		return nil, EISDIR
	case kindNull:
		return eofReader{}, 0
	case kindPipeR:
		return of.pipe, 0
	}
	return nil, EBADF
}

func (k *Kernel) writer(of *openFile) (io.Writer, int64) {
	if !of.wr {
		return nil, EBADF
	}
	switch of.kind {
	case kindStdout:
		return k.Env.Stdout(), 0
	case kindStderr:
		return k.Env.Stderr(), 0
	case kindFile:
		return of.f, 0
	case kindNull:
		return io.Discard, 0
	case kindPipeW:
		return of.pipe, 0
	}
	return nil, EBADF
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// hostFile is the host file behind a guest descriptor, if there is one:
// the file, or a standard stream that is an *os.File.
func (k *Kernel) hostFile(of *openFile) *os.File {
	var s any
	switch of.kind {
	case kindFile, kindDir:
		return of.f
	case kindStdin:
		s = k.Env.Stdin()
	case kindStdout:
		s = k.Env.Stdout()
	case kindStderr:
		s = k.Env.Stderr()
	}
	f, _ := s.(*os.File)
	return f
}

// maxIO bounds one read or write, as Linux does (MAX_RW_COUNT is a little
// under 2 GiB; we keep host buffers smaller).
const maxIO = 1 << 24

func doRead(r io.Reader, b []byte) int64 {
	n, err := r.Read(b)
	if n > 0 || err == nil || errors.Is(err, io.EOF) {
		return int64(n)
	}
	return -ioErrno(err)
}

func ioErrno(err error) int64 {
	var en syscall.Errno
	if errors.As(err, &en) {
		return int64(en)
	}
	return EIO
}

func sysRead(k *Kernel, a Args) (int64, error) {
	of, e := k.fd(a[0])
	if e != 0 {
		return -e, nil
	}
	r, e := k.reader(of)
	if e != 0 {
		return -e, nil
	}
	if ret, err, wait := k.pipeWait(of, a[2]); wait {
		return ret, err
	}
	n := int(min(a[2], maxIO))
	b, copyBack, e := k.buffer(a[1], n)
	if e != 0 {
		return -e, nil
	}
	got := doRead(r, b)
	if got > 0 && copyBack {
		if e := k.write(a[1], b[:got]); e != 0 {
			return -e, nil
		}
	}
	return got, nil
}

func sysWrite(k *Kernel, a Args) (int64, error) {
	of, e := k.fd(a[0])
	if e != 0 {
		return -e, nil
	}
	w, e := k.writer(of)
	if e != 0 {
		return -e, nil
	}
	if ret, err, wait := k.pipeWait(of, a[2]); wait {
		return ret, err
	}
	n := int(min(a[2], maxIO))
	b, _, e := k.buffer(a[1], n)
	if e != 0 {
		return -e, nil
	}
	return doWrite(w, b), nil
}

func doWrite(w io.Writer, b []byte) int64 {
	written, err := w.Write(b)
	if err != nil && written == 0 {
		return -ioErrno(err)
	}
	return int64(written)
}

// iovecs reads an array of struct iovec {base, len}.
func (k *Kernel) iovecs(addr, cnt uint64) ([][2]uint64, int64) {
	if cnt > 1024 {
		return nil, EINVAL
	}
	w := k.word()
	raw, e := k.read(addr, int(cnt)*2*w)
	if e != 0 {
		return nil, e
	}
	out := make([][2]uint64, cnt)
	for i := range out {
		out[i][0] = decode(k, raw[2*i*w:], w)
		out[i][1] = decode(k, raw[(2*i+1)*w:], w)
	}
	return out, 0
}

func decode(k *Kernel, b []byte, size int) uint64 {
	switch size {
	case 4:
		return uint64(k.p.ByteOrder.Uint32(b))
	case 8:
		return k.p.ByteOrder.Uint64(b)
	}
	return 0
}

// readIov reads from r into the guest's buffers iov in order, as readv
// does: it stops at a short read; a failure after some bytes returns
// the bytes read so far.
func (k *Kernel) readIov(r io.Reader, iov [][2]uint64) int64 {
	var total int64
	for _, v := range iov {
		if v[1] == 0 {
			continue
		}
		b, copyBack, e := k.buffer(v[0], int(min(v[1], maxIO)))
		if e != 0 {
			if total > 0 {
				return total
			}
			return -e
		}
		got := doRead(r, b)
		if got < 0 {
			if total > 0 {
				return total
			}
			return got
		}
		if copyBack {
			k.write(v[0], b[:got])
		}
		total += got
		if got < int64(len(b)) {
			break
		}
	}
	return total
}

// gather returns the bytes of the guest's buffers iov, in order.
func (k *Kernel) gather(iov [][2]uint64) ([]byte, int64) {
	var all []byte
	for _, v := range iov {
		b, _, e := k.buffer(v[0], int(min(v[1], maxIO)))
		if e != 0 {
			return nil, e
		}
		all = append(all, b...)
	}
	return all, 0
}

// readv reads a descriptor at its position into cnt iovecs at addr.
func (k *Kernel) readv(fd, addr, cnt uint64) (int64, error) {
	of, e := k.fd(fd)
	if e != 0 {
		return -e, nil
	}
	r, e := k.reader(of)
	if e != 0 {
		return -e, nil
	}
	iov, e := k.iovecs(addr, cnt)
	if e != 0 {
		return -e, nil
	}
	var want uint64
	for _, v := range iov {
		want += v[1]
	}
	if ret, err, wait := k.pipeWait(of, want); wait {
		return ret, err
	}
	return k.readIov(r, iov), nil
}

// writev writes cnt iovecs at addr to a descriptor, in one host write
// so a pipe or terminal sees them whole.
func (k *Kernel) writev(fd, addr, cnt uint64) (int64, error) {
	of, e := k.fd(fd)
	if e != 0 {
		return -e, nil
	}
	w, e := k.writer(of)
	if e != 0 {
		return -e, nil
	}
	iov, e := k.iovecs(addr, cnt)
	if e != 0 {
		return -e, nil
	}
	all, e := k.gather(iov)
	if e != 0 {
		return -e, nil
	}
	if len(all) == 0 {
		return 0, nil
	}
	if ret, err, wait := k.pipeWait(of, uint64(len(all))); wait {
		return ret, err
	}
	return doWrite(w, all), nil
}

func sysReadv(k *Kernel, a Args) (int64, error)  { return k.readv(a[0], a[1], a[2]) }
func sysWritev(k *Kernel, a Args) (int64, error) { return k.writev(a[0], a[1], a[2]) }

// positional checks a descriptor for a read or write at an offset
// (pread64, pwrite64, preadv, pwritev...), in Linux's order: a negative
// offset is EINVAL, a bad descriptor EBADF, one that cannot seek (a
// pipe, a standard stream) ESPIPE, one not open for the access EBADF.
func (k *Kernel) positional(fd uint64, off int64, write bool) (*openFile, int64) {
	if off < 0 {
		return nil, EINVAL
	}
	of, e := k.fd(fd)
	switch {
	case e != 0:
		return nil, e
	case of.kind != kindFile && of.kind != kindNull && of.kind != kindDir:
		return nil, ESPIPE
	case write && !of.wr, !write && !of.read:
		return nil, EBADF
	}
	return of, 0
}

// readerAt reads a positional descriptor from off on: /dev/null reads
// nothing, a directory is EISDIR.
func (k *Kernel) readerAt(of *openFile, off int64) (io.Reader, int64) {
	switch of.kind {
	case kindNull:
		return eofReader{}, 0
	case kindDir:
		return nil, EISDIR
	}
	return io.NewSectionReader(of.f, off, math.MaxInt64-off), 0
}

// writerAt writes a positional descriptor at off: /dev/null takes
// everything; a file opened O_APPEND is appended to whatever the
// offset, as Linux does (pwrite(2), BUGS).
func (k *Kernel) writerAt(of *openFile, off int64) io.Writer {
	switch {
	case of.kind == kindNull:
		return io.Discard
	case of.flags&k.c.O_APPEND != 0:
		return of.f
	}
	return io.NewOffsetWriter(of.f, off)
}

// preadv reads a descriptor at off into iovecs (cnt at addr); pwritev
// writes them there. The descriptor's position stays.
func (k *Kernel) preadv(fd uint64, iov func() ([][2]uint64, int64), off int64) int64 {
	of, e := k.positional(fd, off, false)
	if e != 0 {
		return -e
	}
	r, e := k.readerAt(of, off)
	if e != 0 {
		return -e
	}
	v, e := iov()
	if e != 0 {
		return -e
	}
	return k.readIov(r, v)
}

func (k *Kernel) pwritev(fd uint64, iov func() ([][2]uint64, int64), off int64) int64 {
	of, e := k.positional(fd, off, true)
	if e != 0 {
		return -e
	}
	v, e := iov()
	if e != 0 {
		return -e
	}
	all, e := k.gather(v)
	if e != 0 {
		return -e
	}
	if len(all) == 0 {
		return 0
	}
	return doWrite(k.writerAt(of, off), all)
}

// oneBuffer is pread64's and pwrite64's buffer as the one iovec of a
// preadv or pwritev.
func oneBuffer(addr, n uint64) func() ([][2]uint64, int64) {
	return func() ([][2]uint64, int64) { return [][2]uint64{{addr, n}}, 0 }
}

// iovArray is preadv's and pwritev's array of cnt iovecs at addr.
func (k *Kernel) iovArray(addr, cnt uint64) func() ([][2]uint64, int64) {
	return func() ([][2]uint64, int64) { return k.iovecs(addr, cnt) }
}

// sysPread64: pread64(fd, buf, count, offset) with a 64-bit offset;
// sysPwrite64: pwrite64(fd, buf, count, offset) on files opened for
// writing (an AllowWrite directory).
func sysPread64(k *Kernel, a Args) (int64, error) {
	off, _ := k.arg64(a, 3)
	return k.preadv(a[0], oneBuffer(a[1], a[2]), int64(off)), nil
}

func sysPwrite64(k *Kernel, a Args) (int64, error) {
	off, _ := k.arg64(a, 3)
	return k.pwritev(a[0], oneBuffer(a[1], a[2]), int64(off)), nil
}

// posLH is the offset preadv and pwritev take as two longs, low first,
// on every ABI, 32-bit or not, big-endian or not (the kernel's
// pos_from_hilo): a 64-bit ABI's low long holds it whole.
func (k *Kernel) posLH(lo, hi uint64) int64 {
	if k.word() == 8 {
		return int64(lo)
	}
	return int64(hi<<32 | lo&0xffffffff)
}

// preadv(fd, iov, cnt, pos_l, pos_h) and pwritev(fd, iov, cnt, pos_l,
// pos_h).
func sysPreadv(k *Kernel, a Args) (int64, error) {
	return k.preadv(a[0], k.iovArray(a[1], a[2]), k.posLH(a[3], a[4])), nil
}

func sysPwritev(k *Kernel, a Args) (int64, error) {
	return k.pwritev(a[0], k.iovArray(a[1], a[2]), k.posLH(a[3], a[4])), nil
}

// preadv2(fd, iov, cnt, pos_l, pos_h, flags) and pwritev2: an offset of
// -1 is the descriptor's position (readv, writev). Only flags 0: any
// RWF_* flag is EOPNOTSUPP (as a file that supports none says).
func (k *Kernel) rwv2(a Args, write bool) (int64, error) {
	pos := k.posLH(a[3], a[4])
	if pos < -1 {
		return -EINVAL, nil
	}
	if _, e := k.fd(a[0]); e != 0 {
		return -e, nil
	}
	if uint32(a[5]) != 0 {
		return -EOPNOTSUPP, nil
	}
	switch {
	case pos == -1 && write:
		return k.writev(a[0], a[1], a[2])
	case pos == -1:
		return k.readv(a[0], a[1], a[2])
	case write:
		return k.pwritev(a[0], k.iovArray(a[1], a[2]), pos), nil
	}
	return k.preadv(a[0], k.iovArray(a[1], a[2]), pos), nil
}

func sysPreadv2(k *Kernel, a Args) (int64, error)  { return k.rwv2(a, false) }
func sysPwritev2(k *Kernel, a Args) (int64, error) { return k.rwv2(a, true) }

// seek moves a descriptor's offset. Standard streams are seekable when
// they are host files (the guest's stdin is the command's stdin);
// buffers and pipes are ESPIPE, as glibc's exit-time stdio sync expects
// of a pipe. /dev/null always seeks to 0.
func (k *Kernel) seek(fd uint64, off int64, whence uint64) int64 {
	of, e := k.fd(fd)
	if e != 0 {
		return -e
	}
	if of.kind == kindNull {
		return 0
	}
	if whence > 2 {
		return -EINVAL
	}
	if of.kind == kindDir {
		return k.seekDir(of, off, whence)
	}
	f := k.hostFile(of)
	if f == nil {
		return -ESPIPE
	}
	pos, err := f.Seek(off, int(whence))
	if err != nil {
		return -ioErrno(err)
	}
	return pos
}

// sysLseek: lseek(fd, off_t offset, whence).
func sysLseek(k *Kernel, a Args) (int64, error) {
	r := k.seek(a[0], k.sarg(a[1]), a[2])
	if r >= 0 && k.word() == 4 && r > 0x7fffffff {
		return -EOVERFLOW, nil
	}
	return r, nil
}

// sysLlseek: _llseek(fd, offset_high, offset_low, loff_t *result, whence).
func sysLlseek(k *Kernel, a Args) (int64, error) {
	off := int64(a[1]<<32 | a[2]&0xffffffff)
	r := k.seek(a[0], off, a[4])
	if r < 0 {
		return r, nil
	}
	if e := k.putWords(a[3], 8, uint64(r)); e != 0 {
		return -e, nil
	}
	return 0, nil
}

// openFlags decodes the guest's open flags into host ones.
func (k *Kernel) openFlags(fl uint64) (host int, read, write bool) {
	c := k.c
	switch fl & c.O_ACCMODE {
	case c.O_WRONLY:
		host, write = os.O_WRONLY, true
	case c.O_RDWR:
		host, read, write = os.O_RDWR, true, true
	default:
		host, read = os.O_RDONLY, true
	}
	if fl&c.O_CREAT != 0 {
		host |= os.O_CREATE
		write = true
	}
	if fl&c.O_TRUNC != 0 {
		host |= os.O_TRUNC
		write = true
	}
	if fl&c.O_EXCL != 0 {
		host |= os.O_EXCL
	}
	if fl&c.O_APPEND != 0 {
		host |= os.O_APPEND
	}
	if fl&c.O_TMPFILE == c.O_TMPFILE {
		write = true
	}
	return host, read, write
}

func (k *Kernel) openat(dirfd uint64, pathAddr, flags, mode uint64) int64 {
	p, e := k.path(pathAddr)
	if e != 0 {
		return -e
	}
	base, e := k.dirBase(dirfd)
	if e != 0 {
		return -e
	}
	c := k.c
	r, e := k.resolve(base, p, flags&c.O_NOFOLLOW == 0)
	if e != 0 {
		return -e
	}
	hostFlags, read, write := k.openFlags(flags)
	cloexec := flags&c.O_CLOEXEC != 0
	if flags&c.O_PATH != 0 {
		read, write, hostFlags = false, false, os.O_RDONLY
	}
	if r.devNull {
		return k.newFD(&openFile{kind: kindNull, guest: r.guest, flags: flags, read: read, wr: write, refs: 1}, cloexec, 0)
	}
	if r.devDir {
		if write {
			return -EISDIR
		}
		return k.newFD(&openFile{kind: kindDir, guest: r.guest, flags: flags, read: read, refs: 1}, cloexec, 0)
	}
	if e := r.permit(write, flags&c.O_CREAT != 0, flags&c.O_DIRECTORY != 0); e != 0 {
		return -e
	}
	f, e := r.open(hostFlags, os.FileMode(mode&0o777&^k.umask))
	if e != 0 {
		return -e
	}
	kind := kindFile
	if st, err := f.Stat(); err == nil && st.IsDir() {
		kind = kindDir
	}
	return k.newFD(&openFile{kind: kind, f: f, guest: r.guest, flags: flags, read: read, wr: write, refs: 1}, cloexec, 0)
}

// sysOpen: open(path, flags, mode).
func sysOpen(k *Kernel, a Args) (int64, error) {
	return k.openat(k.c.AT_FDCWD, a[0], a[1], a[2]), nil
}

// sysOpenat: openat(dirfd, path, flags, mode).
func sysOpenat(k *Kernel, a Args) (int64, error) {
	return k.openat(a[0], a[1], a[2], a[3]), nil
}

func sysClose(k *Kernel, a Args) (int64, error) {
	if k.sfd(a[0]) < 0 {
		return -EBADF, nil
	}
	return -k.closeFD(int(k.sfd(a[0]))), nil
}

func sysDup(k *Kernel, a Args) (int64, error) {
	of, e := k.fd(a[0])
	if e != 0 {
		return -e, nil
	}
	fd := k.newFD(of, false, 0)
	if fd >= 0 {
		of.refs++
	}
	return fd, nil
}

func (k *Kernel) dup2(oldfd, newfd uint64, cloexec bool) int64 {
	of, e := k.fd(oldfd)
	if e != 0 {
		return -e
	}
	nfd := k.sfd(newfd)
	if nfd < 0 || nfd >= maxFDs {
		return -EBADF
	}
	if k.fds[int(nfd)] != nil {
		if k.fds[int(nfd)].of == of {
			k.fds[int(nfd)].cloexec = cloexec
			return nfd
		}
		k.closeFD(int(nfd))
	}
	k.fds[int(nfd)] = &fdEntry{of: of, cloexec: cloexec}
	of.refs++
	return nfd
}

func sysDup2(k *Kernel, a Args) (int64, error) {
	if k.sfd(a[0]) == k.sfd(a[1]) {
		if _, e := k.fd(a[0]); e != 0 {
			return -e, nil
		}
		return k.sfd(a[1]), nil
	}
	return k.dup2(a[0], a[1], false), nil
}

func sysDup3(k *Kernel, a Args) (int64, error) {
	if k.sfd(a[0]) == k.sfd(a[1]) || a[2]&^k.c.O_CLOEXEC != 0 {
		return -EINVAL, nil
	}
	return k.dup2(a[0], a[1], a[2]&k.c.O_CLOEXEC != 0), nil
}

// sysFcntl: F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL
// (O_APPEND and O_NONBLOCK are recorded); other commands EINVAL.
func sysFcntl(k *Kernel, a Args) (int64, error) {
	fd := int(k.sfd(a[0]))
	e := k.fds[fd]
	if e == nil || fd < 0 {
		return -EBADF, nil
	}
	c := k.c
	switch a[1] {
	case c.F_DUPFD, c.F_DUPFD_CLOEXEC:
		if k.sarg(a[2]) < 0 || k.sarg(a[2]) >= maxFDs {
			return -EINVAL, nil
		}
		nfd := k.newFD(e.of, a[1] == c.F_DUPFD_CLOEXEC, int(a[2]))
		if nfd >= 0 {
			e.of.refs++
		}
		return nfd, nil
	case c.F_GETFD:
		if e.cloexec {
			return int64(c.FD_CLOEXEC), nil
		}
		return 0, nil
	case c.F_SETFD:
		e.cloexec = a[2]&c.FD_CLOEXEC != 0
		return 0, nil
	case c.F_GETFL:
		return int64(e.of.flags &^ (c.O_CLOEXEC | c.O_CREAT | c.O_EXCL | c.O_TRUNC | c.O_NOCTTY)), nil
	case c.F_SETFL:
		mask := c.O_APPEND | c.O_NONBLOCK
		e.of.flags = e.of.flags&^mask | a[2]&mask
		return 0, nil
	}
	return -EINVAL, nil
}

// isTTY reports whether a descriptor is a host terminal.
func (k *Kernel) isTTY(of *openFile) bool {
	f := k.hostFile(of)
	if f == nil {
		return false
	}
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}

// sysIoctl: TCGETS and TIOCGWINSZ answer for descriptors that are host
// terminals (termios reads as zeros: enough for isatty), and ENOTTY for
// everything else; FIONREAD reads what is left of a file.
func sysIoctl(k *Kernel, a Args) (int64, error) {
	of, e := k.fd(a[0])
	if e != 0 {
		return -e, nil
	}
	c := k.c
	switch a[1] {
	case c.TCGETS:
		if !k.isTTY(of) {
			return -ENOTTY, nil
		}
		if e := k.write(a[2], make([]byte, c.SIZEOF_TERMIOS)); e != 0 {
			return -e, nil
		}
		return 0, nil
	case c.TIOCGWINSZ:
		if !k.isTTY(of) {
			return -ENOTTY, nil
		}
		var ws [4]uint16
		f := k.hostFile(of)
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TIOCGWINSZ, uintptr(unsafe.Pointer(&ws))); errno != 0 {
			return -int64(errno), nil
		}
		if e := k.putWords(a[2], 2, uint64(ws[0]), uint64(ws[1]), uint64(ws[2]), uint64(ws[3])); e != 0 {
			return -e, nil
		}
		return 0, nil
	case c.FIONREAD:
		n := uint64(0)
		if of.kind == kindPipeR {
			n = uint64(len(of.pipe.buf))
		}
		if of.kind == kindFile {
			if st, err := of.f.Stat(); err == nil {
				if pos, err := of.f.Seek(0, io.SeekCurrent); err == nil && st.Size() > pos {
					n = uint64(st.Size() - pos)
				}
			}
		}
		if e := k.putWords(a[2], 4, n); e != 0 {
			return -e, nil
		}
		return 0, nil
	}
	return -ENOTTY, nil
}

// sysGetcwd: getcwd(buf, size) returns the length written, NUL included.
func sysGetcwd(k *Kernel, a Args) (int64, error) {
	b := append([]byte(k.workDir()), 0)
	if a[1] < uint64(len(b)) {
		return -ERANGE, nil
	}
	if e := k.write(a[0], b); e != 0 {
		return -e, nil
	}
	return int64(len(b)), nil
}

func (k *Kernel) readlinkat(dirfd, pathAddr, buf, size uint64) int64 {
	p, e := k.path(pathAddr)
	if e != 0 {
		return -e
	}
	if int64(size) <= 0 || k.sarg(size) <= 0 {
		return -EINVAL
	}
	base, e := k.dirBase(dirfd)
	if e != 0 {
		return -e
	}
	r, e := k.resolve(base, p, false)
	if e != 0 {
		return -e
	}
	if !r.exists || r.devNull || r.devDir {
		if r.devNull || r.devDir {
			return -EINVAL
		}
		return -ENOENT
	}
	if r.info.Mode()&fs.ModeSymlink == 0 {
		return -EINVAL
	}
	t, err := os.Readlink(r.host())
	if err != nil {
		return -hostErrno(err)
	}
	b := []byte(t)
	if uint64(len(b)) > size {
		b = b[:size]
	}
	if e := k.write(buf, b); e != 0 {
		return -e
	}
	return int64(len(b))
}

// sysReadlink: readlink(path, buf, size): the links of the guest's tree;
// anything else (/proc/self/exe...) is ENOENT.
func sysReadlink(k *Kernel, a Args) (int64, error) {
	return k.readlinkat(k.c.AT_FDCWD, a[0], a[1], a[2]), nil
}

func sysReadlinkat(k *Kernel, a Args) (int64, error) {
	return k.readlinkat(a[0], a[1], a[2], a[3]), nil
}

func (k *Kernel) faccessat(dirfd, pathAddr, mode, flags uint64) int64 {
	p, e := k.path(pathAddr)
	if e != 0 {
		return -e
	}
	if mode&^7 != 0 {
		return -EINVAL
	}
	base, e := k.dirBase(dirfd)
	if e != 0 {
		return -e
	}
	r, e := k.resolve(base, p, flags&k.c.AT_SYMLINK_NOFOLLOW == 0)
	if e != 0 {
		return -e
	}
	if !r.exists {
		return -ENOENT
	}
	if r.devNull || r.devDir {
		if (r.devNull && mode&1 != 0) || (r.devDir && mode&2 != 0) {
			return -EACCES
		}
		return 0
	}
	if mode&2 != 0 && !r.writable {
		return -EACCES
	}
	perm := r.info.Mode().Perm()
	if st, err := os.Stat(r.host()); err == nil {
		perm = st.Mode().Perm()
	}
	if mode&1 != 0 && perm&0o111 == 0 {
		return -EACCES
	}
	if mode&4 != 0 && perm&0o444 == 0 {
		return -EACCES
	}
	return 0
}

// sysAccess: access(path, mode) in the guest's view; W_OK only under an
// AllowWrite directory.
func sysAccess(k *Kernel, a Args) (int64, error) {
	return k.faccessat(k.c.AT_FDCWD, a[0], a[1], 0), nil
}

func sysFaccessat(k *Kernel, a Args) (int64, error) {
	return k.faccessat(a[0], a[1], a[2], 0), nil
}

func sysFaccessat2(k *Kernel, a Args) (int64, error) {
	return k.faccessat(a[0], a[1], a[2], a[3]), nil
}

// sysNoNetwork: the guest has no network.
func sysNoNetwork(k *Kernel, a Args) (int64, error) { return -EACCES, nil }
