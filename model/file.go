package model

import (
	"errors"
	"fmt"
	"io"
)

// The FILE table: the streams the stdio models know.
//
// A FILE* a model hands out (fopen, fdopen, fmemopen) is the guest
// address of a zeroed block of the models' heap as large as glibc's
// struct _IO_FILE on the platform, with glibc's magic 0xfbad0000 and the
// NO_READS, NO_WRITES, EOF_SEEN and ERR_SEEN bits in _flags, and the
// descriptor in _fileno. Its read and write pointers stay NULL (equal),
// so glibc's inline getc and putc would take their slow path into libc:
// such a FILE is usable only by the models, never by the guest's own
// libc (it has no vtable, lock or buffer).
//
// The table keeps each stream's state: name, mode, position, backing
// (a File of Binding.FS, a guest buffer, or a standard stream), the eof
// and error flags, and bytes pushed back by ungetc. The standard streams
// are the harness's (Env.Stdin, Stdout, Stderr); libc's own stdin,
// stdout and stderr FILE* (Binding.Files) name them, and so does a glibc
// FILE in guest memory whose _fileno is 0, 1 or 2.
//
// The table lives as long as the Binding (one run, or the Calls between
// two runs of a machine): a FILE* from an earlier run is not a stream.

// errno values the models set (the same on every Linux platform).
const (
	errENOENT = 2
	errEIO    = 5
	errEBADF  = 9
	errENOMEM = 12
	errEACCES = 13
	errEEXIST = 17
	errEINVAL = 22
	errEMFILE = 24
	errENOSPC = 28
	errESPIPE = 29
	errEROFS  = 30
)

// glibc's _flags bits (libio.h).
const (
	fileMagic    = 0xfbad0000
	fileNoReads  = 0x4
	fileNoWrites = 0x8
	fileEOFSeen  = 0x10
	fileErrSeen  = 0x20
)

// maxFiles bounds the descriptors the table hands out, as
// RLIMIT_NOFILE's usual soft limit does.
const maxFiles = 1024

type fileKind uint8

const (
	kindStd fileKind = iota // a standard stream: descriptor fd of the harness
	kindFS                  // a File of Binding.FS
	kindMem                 // fmemopen's guest buffer
)

// cfile is one stream of the table.
type cfile struct {
	c     *Call
	fp    uint64 // its FILE* (0: a standard stream's state)
	kind  fileKind
	fd    int // fileno: 0-2 standard, 3 up for FS files, -1 for memory
	name  string
	mode  string
	read  bool
	write bool
	apnd  bool // every write goes to the end
	pos   int64
	eof   bool
	err   bool
	unget []byte // pushed-back bytes; the last is read first
	block bool   // fp is a models' heap block: freed by fclose, _flags mirrored

	file   File // kindFS
	rbuf   []byte
	rbufAt int64 // file offset of rbuf

	buf, size, end uint64 // kindMem: buffer, its size, end of the data
	ownBuf         bool   // kindMem: buffer allocated by fmemopen
}

// fileTable is the per-run state of the stdio models.
type fileTable struct {
	files  map[uint64]*cfile // FILE* -> stream: those the models opened or freopened
	std    [3]*cfile         // state of the standard streams
	closed map[uint64]bool   // FILE* values fclose has closed
	errno  int64             // the models' errno (see perror)
	// stdFP is Binding.Files inverted (libc's FILE* of each standard
	// stream; 0: none), made on first use: every standard-stream write
	// asks for it, and ranging over the map costs more than the write.
	stdFP [3]uint64
}

func (c *Call) files() *fileTable {
	ft := &c.libc().files
	if ft.files == nil {
		ft.files, ft.closed = map[uint64]*cfile{}, map[uint64]bool{}
		for fp, fd := range c.b.Files {
			if fd >= 0 && fd <= 2 && fp != 0 {
				ft.stdFP[fd] = fp
			}
		}
	}
	return ft
}

// setErrno records a failing model's errno.
func (c *Call) setErrno(e int64) { c.files().errno = e }

// note records the call's first error.
func (c *Call) note(err error) {
	if err != nil && c.err == nil {
		c.err = err
	}
}

// fileSize is sizeof(struct _IO_FILE) for the platform: 216 bytes with
// 8-byte words, 148 on i386 (4-byte aligned 64-bit fields) and 152 on
// the other 32-bit platforms.
func (c *Call) fileSize() uint64 {
	p := c.b.Env.Platform()
	switch {
	case p.WordSize == 8:
		return 216
	case p.Name == "i386":
		return 148
	}
	return 152
}

// filenoOffset is the offset of _fileno: after int _flags (padded to a
// word) and 13 pointers.
func (c *Call) filenoOffset() uint64 {
	w := uint64(c.b.Env.Platform().WordSize)
	return w + 13*w
}

// stdFP returns libc's FILE* of standard descriptor fd, if the harness
// named it.
func (c *Call) stdFP(fd int) (uint64, bool) {
	if fd < 0 || fd > 2 {
		return 0, false
	}
	fp := c.files().stdFP[fd]
	return fp, fp != 0
}

var stdNames = [3]string{"<stdin>", "<stdout>", "<stderr>"}

// std returns standard stream fd (0, 1 or 2): what freopen put at
// libc's FILE* of fd, else the models' state of the harness's stream.
func (c *Call) std(fd int) *cfile {
	ft := c.files()
	if fp, ok := c.stdFP(fd); ok {
		if f := ft.files[fp]; f != nil {
			return f
		}
	}
	if ft.std[fd] == nil {
		ft.std[fd] = &cfile{c: c, kind: kindStd, fd: fd, name: stdNames[fd], read: fd == 0, write: fd != 0}
	}
	return ft.std[fd]
}

// lookup finds the stream of the FILE* fp. input says the model reads
// (or asks about input state): when the harness named no standard
// streams (Binding.Files empty, as in a bare run), a FILE* the models
// do not know is standard input for reading and standard output for
// writing. A FILE* that cannot be a stream is the call's error.
func (c *Call) lookup(fp uint64, input bool) *cfile {
	ft := c.files()
	if f := ft.files[fp]; f != nil {
		return f
	}
	if fd, ok := c.b.Files[fp]; ok && fd >= 0 && fd <= 2 {
		return c.std(fd)
	}
	switch {
	case ft.closed[fp]:
		c.note(fmt.Errorf("stream %#x: used after fclose", fp))
		return nil
	case c.libc().heap.contains(fp):
		c.note(fmt.Errorf("stream %#x: not a FILE (in the models' heap, but no fopen returned it)", fp))
		return nil
	}
	mem := c.Mem()
	if flags, err := mem.Uint(fp, 4); err == nil && flags&0xffff0000 == fileMagic {
		if fd, err := mem.Uint(fp+c.filenoOffset(), 4); err == nil {
			if fd <= 2 {
				return c.std(int(fd))
			}
			c.note(fmt.Errorf("%w: stream %#x is a FILE of the guest's own libc (descriptor %d), which the models cannot reach", ErrDecline, fp, int32(fd)))
			return nil
		}
	}
	if len(c.b.Files) == 0 {
		if input {
			return c.std(0)
		}
		return c.std(1)
	}
	if fp == 0 {
		c.note(errors.New("stream is NULL"))
	} else {
		c.note(fmt.Errorf("stream %#x: not a FILE (no model opened it; not libc's stdin, stdout or stderr)", fp))
	}
	return nil
}

// libcFlags returns the _flags of fp when it is a FILE of the guest's
// own libc (its magic, and not a FILE of the models), else 0: a resumed
// process's libc may have seen end of file or an error itself.
func (c *Call) libcFlags(fp uint64) uint64 {
	if c.files().files[fp] != nil || c.libc().heap.contains(fp) {
		return 0
	}
	v, err := c.Mem().Uint(fp, 4)
	if err != nil || v&0xffff0000 != fileMagic {
		return 0
	}
	return v
}

// newFILE gives f a FILE* (a heap block) and enters it in the table;
// false when the heap is exhausted (errno ENOMEM).
func (c *Call) newFILE(f *cfile) bool {
	size := c.fileSize()
	a, err := c.malloc(size)
	if err != nil || a == 0 {
		c.note(err)
		c.setErrno(errENOMEM)
		return false
	}
	c.put(a, make([]byte, size))
	f.c, f.fp, f.block = c, a, true
	if err := c.Mem().PutUint(a+c.filenoOffset(), 4, uint64(uint32(int32(f.fd)))); err != nil {
		c.note(err)
	}
	f.mirror()
	ft := c.files()
	ft.files[a] = f
	delete(ft.closed, a)
	return true
}

// nextFD is the lowest descriptor from 3 no open file of the table has.
func (c *Call) nextFD() int {
	used := map[int]bool{}
	for _, f := range c.files().files {
		used[f.fd] = true
	}
	for fd := 3; fd < maxFiles; fd++ {
		if !used[fd] {
			return fd
		}
	}
	return -1
}

// mirror writes the stream's state into its FILE's _flags.
func (f *cfile) mirror() {
	if !f.block {
		return
	}
	v := uint64(fileMagic)
	if !f.read {
		v |= fileNoReads
	}
	if !f.write {
		v |= fileNoWrites
	}
	if f.eof {
		v |= fileEOFSeen
	}
	if f.err {
		v |= fileErrSeen
	}
	f.c.note(f.c.Mem().PutUint(f.fp, 4, v))
}

func (f *cfile) setEOF(v bool) {
	if f.eof != v {
		f.eof = v
		f.mirror()
	}
}

// fail sets the error flag and errno.
func (f *cfile) fail(errno int64) {
	f.c.setErrno(errno)
	if !f.err {
		f.err = true
		f.mirror()
	}
}

func (f *cfile) clearErr() {
	if f.eof || f.err {
		f.eof, f.err = false, false
		f.mirror()
	}
}

// readByte takes the next byte; false at end of input or on an error
// (the flags say which).
func (f *cfile) readByte() (byte, bool) {
	if n := len(f.unget); n > 0 {
		b := f.unget[n-1]
		f.unget = f.unget[:n-1]
		return b, true
	}
	var b [1]byte
	if f.readMore(b[:]) == 1 {
		return b[0], true
	}
	return 0, false
}

// readInto reads up to len(p) bytes (fewer only at end of input or on
// an error) and returns the count.
func (f *cfile) readInto(p []byte) int {
	n := 0
	for n < len(p) && len(f.unget) > 0 {
		p[n] = f.unget[len(f.unget)-1]
		f.unget = f.unget[:len(f.unget)-1]
		n++
	}
	for n < len(p) {
		k := f.readMore(p[n:])
		if k == 0 {
			break
		}
		n += k
	}
	return n
}

// rbufSize is the read-ahead of FS files.
const rbufSize = 4096

// readMore reads from the backing at the position: some bytes, or 0 at
// end of input (the eof flag set; it stays set, as glibc's does, until
// clearerr, a seek or ungetc) or on an error (the error flag set).
func (f *cfile) readMore(p []byte) int {
	if !f.read {
		f.fail(errEBADF)
		return 0
	}
	if f.eof || len(p) == 0 {
		return 0
	}
	switch f.kind {
	case kindStd:
		n, err := f.c.Env().Stdin().Read(p)
		if n > 0 {
			return n
		}
		if err != nil && !errors.Is(err, io.EOF) {
			f.fail(errEIO)
			return 0
		}
	case kindMem:
		if f.pos < int64(f.end) {
			n := min(uint64(len(p)), f.end-uint64(f.pos))
			if err := f.c.Mem().Read(f.buf+uint64(f.pos), p[:n]); err != nil {
				f.c.note(fmt.Errorf("fmemopen buffer: %w", err))
				return 0
			}
			f.pos += int64(n)
			return int(n)
		}
	case kindFS:
		if f.pos >= f.rbufAt && f.pos < f.rbufAt+int64(len(f.rbuf)) {
			n := copy(p, f.rbuf[f.pos-f.rbufAt:])
			f.pos += int64(n)
			return n
		}
		if len(p) >= rbufSize {
			n, err := f.file.ReadAt(p, f.pos)
			f.pos += int64(n)
			if n == 0 && err != nil && !errors.Is(err, io.EOF) {
				f.fail(errnoOf(err))
				return 0
			}
			if n > 0 {
				return n
			}
			break
		}
		if f.rbuf == nil {
			f.rbuf = make([]byte, rbufSize)
		}
		n, err := f.file.ReadAt(f.rbuf[:rbufSize], f.pos)
		f.rbuf, f.rbufAt = f.rbuf[:n], f.pos
		if n > 0 {
			return f.readMore(p)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			f.fail(errnoOf(err))
			return 0
		}
	}
	f.setEOF(true)
	return 0
}

// unread pushes b back: it is read next, and the eof flag is cleared.
func (f *cfile) unread(b byte) {
	f.unget = append(f.unget, b)
	f.setEOF(false)
}

var errShortWrite = errors.New("stream write failed")

// Write writes p at the position (at the end in append mode). A write
// that is short sets the error flag and errno and returns an error; the
// output models return EOF (or a short count) then.
func (f *cfile) Write(p []byte) (int, error) {
	if !f.write {
		f.fail(errEBADF)
		return 0, errShortWrite
	}
	if len(f.unget) > 0 { // writing drops what ungetc pushed back
		f.pos = max(f.pos-int64(len(f.unget)), 0)
		f.unget = f.unget[:0]
	}
	switch f.kind {
	case kindStd:
		n, err := f.c.stdWriter(f.fd).Write(p)
		if err != nil || n < len(p) {
			f.fail(errEIO)
			return n, errShortWrite
		}
		return n, nil
	case kindMem:
		if f.apnd {
			f.pos = int64(f.end)
		}
		if uint64(f.pos) >= f.size {
			if len(p) == 0 {
				return 0, nil
			}
			f.fail(errENOSPC)
			return 0, errShortWrite
		}
		n := min(uint64(len(p)), f.size-uint64(f.pos))
		if err := f.c.Mem().Write(f.buf+uint64(f.pos), p[:n]); err != nil {
			f.c.note(fmt.Errorf("fmemopen buffer: %w", err))
			return 0, errShortWrite
		}
		f.pos += int64(n)
		if uint64(f.pos) > f.end {
			f.end = uint64(f.pos)
			if f.end < f.size { // the data stays a C string
				f.c.put(f.buf+f.end, []byte{0})
			}
		}
		if int(n) < len(p) {
			f.fail(errENOSPC)
			return int(n), errShortWrite
		}
		return int(n), nil
	}
	if f.apnd {
		size, err := f.file.Size()
		if err != nil {
			f.fail(errnoOf(err))
			return 0, errShortWrite
		}
		f.pos = size
	}
	f.rbuf = f.rbuf[:0]
	n, err := f.file.WriteAt(p, f.pos)
	f.pos += int64(n)
	if err != nil || n < len(p) {
		f.fail(errnoOf(err))
		return n, errShortWrite
	}
	return n, nil
}

// tell returns the position, or -1 with errno set.
func (f *cfile) tell() int64 {
	if f.kind == kindStd {
		f.c.setErrno(errESPIPE)
		return -1
	}
	pos := f.pos - int64(len(f.unget))
	if pos < 0 {
		f.c.setErrno(errEIO)
		return -1
	}
	return pos
}

// seek moves the position (whence 0 SEEK_SET, 1 SEEK_CUR, 2 SEEK_END):
// it drops the pushed-back bytes and clears the eof flag. False with
// errno set on failure.
func (f *cfile) seek(off int64, whence int64) bool {
	if f.kind == kindStd {
		f.c.setErrno(errESPIPE)
		return false
	}
	var base int64
	switch whence {
	case 0:
	case 1:
		base = f.pos - int64(len(f.unget))
	case 2:
		if f.kind == kindMem {
			base = int64(f.end)
		} else {
			size, err := f.file.Size()
			if err != nil {
				f.c.setErrno(errnoOf(err))
				return false
			}
			base = size
		}
	default:
		f.c.setErrno(errEINVAL)
		return false
	}
	pos := base + off
	if pos < 0 || (off > 0 && pos < base) || f.kind == kindMem && uint64(pos) > f.size {
		f.c.setErrno(errEINVAL)
		return false
	}
	f.pos, f.unget = pos, f.unget[:0]
	f.setEOF(false)
	return true
}

// release closes the stream's backing and removes it from the table
// (its FILE block freed when the models allocated it). It returns the
// backing's close error.
func (f *cfile) release() error {
	c := f.c
	ft := c.files()
	err := f.closeBacking()
	if ft.files[f.fp] == f {
		delete(ft.files, f.fp)
		ft.closed[f.fp] = true
	}
	if f.block {
		c.note(c.freeBlock(f.fp))
	}
	return err
}

// closeBacking closes the stream's file or frees fmemopen's own buffer.
func (f *cfile) closeBacking() error {
	if f.ownBuf {
		f.ownBuf = false
		f.c.note(f.c.freeBlock(f.buf))
	}
	if f.kind == kindFS && f.file != nil {
		err := f.file.Close()
		f.file = nil
		return err
	}
	return nil
}

// readByte takes the next input byte of the stream fp (after any bytes
// pushed back by unreadByte); false at end of input, on a read error, or
// when fp is not a stream (the call's error then). fp 0 is standard
// input: getchar, gets and scanf read it so. Every input model reads
// through readByte or the stream's readInto.
func (c *Call) readByte(fp uint64) (byte, bool) {
	f := c.inStream(fp)
	if f == nil {
		return 0, false
	}
	return f.readByte()
}

// unreadByte pushes b back onto the stream fp (0: standard input), to
// be read next.
func (c *Call) unreadByte(fp uint64, b byte) {
	if f := c.inStream(fp); f != nil {
		f.unread(b)
	}
}

// inStream is the stream fp for reading; fp 0 is standard input.
func (c *Call) inStream(fp uint64) *cfile {
	if fp == 0 {
		return c.std(0)
	}
	return c.lookup(fp, true)
}

// stream returns the writer of the FILE* fp for the output models (a
// stream of the table, a standard stream); when fp is not a stream the
// call's error is set and the writer fails.
func (c *Call) stream(fp uint64) io.Writer {
	if f := c.lookup(fp, false); f != nil {
		return f
	}
	return failWriter{}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errShortWrite }
