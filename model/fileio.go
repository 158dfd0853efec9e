package model

import (
	"bytes"
	"fmt"
	"os"
)

// The stdio FILE models: opening, reading, positioning and closing
// streams of the FILE table (file.go). The output models (fputs,
// fprintf...) are in stdio.go; they write through Call.stream.

// openMode is a decoded fopen mode string.
type openMode struct {
	flag              int // os.OpenFile flags
	read, write, apnd bool
}

// parseMode decodes an fopen mode: r, w or a, then any of '+' (update),
// 'x' (O_EXCL) and letters glibc accepts without effect here (b, e, m,
// c); a ',' ends it (",ccs=" is not supported and ignored).
func parseMode(m []byte) (openMode, bool) {
	var o openMode
	if len(m) == 0 {
		return o, false
	}
	switch m[0] {
	case 'r':
		o.read = true
	case 'w':
		o.write, o.flag = true, os.O_CREATE|os.O_TRUNC
	case 'a':
		o.write, o.apnd, o.flag = true, true, os.O_CREATE
	default:
		return o, false
	}
	for _, ch := range m[1:] {
		if ch == ',' {
			break
		}
		switch ch {
		case '+':
			o.read, o.write = true, true
		case 'x':
			o.flag |= os.O_EXCL
		}
	}
	switch {
	case o.read && o.write:
		o.flag |= os.O_RDWR
	case o.write:
		o.flag |= os.O_WRONLY
	}
	return o, true
}

// openFS opens path for a new stream (fopen, freopen); nil with errno
// set on failure.
func (c *Call) openFS(path, mode []byte, fd int) *cfile {
	m, ok := parseMode(mode)
	if !ok {
		c.setErrno(errEINVAL)
		return nil
	}
	if c.b.FS == nil {
		c.setErrno(errENOENT)
		return nil
	}
	if fd < 0 {
		c.setErrno(errEMFILE)
		return nil
	}
	file, err := c.b.FS.Open(string(path), m.flag)
	if err != nil {
		c.setErrno(errnoOf(err))
		return nil
	}
	f := &cfile{c: c, kind: kindFS, fd: fd, name: string(path), mode: string(mode),
		read: m.read, write: m.write, apnd: m.apnd, file: file}
	if m.apnd && !m.read { // "a" starts at the end, "a+" at the start (glibc)
		if size, err := file.Size(); err == nil {
			f.pos = size
		}
	}
	return f
}

// alias registers a copy of model base under another name (glibc's
// _unlocked variants); base must be registered already (init functions
// run in file name order).
func alias(name, base string) {
	m := *registry[base]
	m.Name = name
	register(&m)
}

// void makes a registered model return nothing.
func void(m *Model) { m.Returns = false }

const cEOF = ^uint64(0) // EOF (-1) as a return value

func init() {
	const tableDoc = " (the models' FILE table: files of Binding.FS, fmemopen buffers, the standard streams)"
	fopen := func(c *Call) (uint64, error) {
		path, mode := c.str(0), c.str(1)
		if c.err != nil {
			return 0, nil
		}
		f := c.openFS(path, mode, c.nextFD())
		if f == nil || !c.newFILE(f) {
			return 0, nil
		}
		return f.fp, nil
	}
	const fopenDoc = "opens pathname in Binding.FS with an fopen mode (r w a, +, x); returns a FILE* only the models can use, or NULL with the models' errno set; no buffering: writes reach the file at once; fileno is the models' own number, unknown to the syscall layer"
	def("fopen", "pathname mode", Imprecise, fopenDoc, fopen)
	def("fopen64", "pathname mode", Imprecise, fopenDoc, fopen)

	def("fdopen", "fd mode", Imprecise, "opens a new stream on descriptor 0, 1 or 2 (the harness's standard streams; the mode must match: r for 0, w or a for 1 and 2); other descriptors fail with EBADF", func(c *Call) (uint64, error) {
		fd, mode := c.Int(0), c.str(1)
		if c.err != nil {
			return 0, nil
		}
		m, ok := parseMode(mode)
		switch {
		case !ok:
			c.setErrno(errEINVAL)
			return 0, nil
		case fd < 0 || fd > 2:
			c.setErrno(errEBADF)
			return 0, nil
		case fd == 0 && m.write || fd != 0 && m.read:
			c.setErrno(errEINVAL)
			return 0, nil
		}
		f := &cfile{c: c, kind: kindStd, fd: int(fd), name: stdNames[fd], mode: string(mode), read: m.read, write: m.write}
		if !c.newFILE(f) {
			return 0, nil
		}
		return f.fp, nil
	})

	def("freopen", "pathname mode stream", Imprecise, "closes the stream and opens pathname in its place (same FILE*; libc's stdin, stdout and stderr too, which the models' output then follows); a NULL pathname keeps a file's name or a standard stream as it is; on failure returns NULL, the stream closed (a standard stream stays usable)", func(c *Call) (uint64, error) {
		pathArg, mode, fp := c.Arg(0), c.str(1), c.Arg(2)
		var path []byte
		if pathArg != 0 {
			path = c.str(0)
		}
		old := c.lookup(fp, true)
		if c.err != nil || old == nil {
			return 0, nil
		}
		ft := c.files()
		inTable := ft.files[fp] == old
		if pathArg == 0 {
			switch old.kind {
			case kindStd:
				return fp, nil
			case kindFS:
				path = []byte(old.name)
			default:
				c.setErrno(errEBADF)
				if inTable {
					c.note(old.release())
				}
				return 0, nil
			}
		}
		block := inTable && old.block
		if inTable {
			_ = old.closeBacking() // glibc ignores the old file's close error
			delete(ft.files, fp)
		}
		fd := old.fd
		if old.kind == kindMem || old.block && old.kind == kindStd {
			fd = c.nextFD()
		}
		f := c.openFS(path, mode, fd)
		if f == nil {
			if block {
				c.note(c.freeBlock(fp))
			}
			ft.closed[fp] = true
			return 0, nil
		}
		f.fp, f.block = fp, block
		if block {
			c.note(c.Mem().PutUint(fp+c.filenoOffset(), 4, uint64(uint32(int32(f.fd)))))
		}
		f.mirror()
		ft.files[fp] = f
		delete(ft.closed, fp)
		return fp, nil
	})

	def("fmemopen", "buf size mode", Imprecise, "opens a stream on the guest buffer buf of size bytes (NULL: a zeroed heap buffer freed by fclose): r reads size bytes, w starts empty (NUL at buf[0]), a at the first NUL; writes stop at size (ENOSPC) and keep a NUL after the data while there is room, at once rather than at fflush; SEEK_END is the data's end; size 0 fails with EINVAL", func(c *Call) (uint64, error) {
		buf, size, mode := c.Arg(0), c.Arg(1), c.str(2)
		if c.err != nil {
			return 0, nil
		}
		m, ok := parseMode(mode)
		if !ok || size == 0 {
			c.setErrno(errEINVAL)
			return 0, nil
		}
		f := &cfile{kind: kindMem, fd: -1, name: "fmemopen", mode: string(mode), read: m.read, write: m.write, apnd: m.apnd, size: size}
		if buf == 0 {
			if size > 1<<30 {
				c.setErrno(errENOMEM)
				return 0, nil
			}
			a, err := c.malloc(size)
			if err != nil || a == 0 {
				c.note(err)
				c.setErrno(errENOMEM)
				return 0, nil
			}
			c.put(a, make([]byte, size))
			buf, f.ownBuf = a, true
		}
		f.buf = buf
		switch mode[0] {
		case 'r':
			f.end = size
		case 'w':
			c.put(buf, []byte{0})
		case 'a':
			s, err := readCBytes(c.Mem(), buf, int(min(size, maxString)))
			if err != nil && uint64(len(s)) < size {
				c.note(fmt.Errorf("fmemopen buffer: %w", err))
			}
			f.end = uint64(len(s))
			f.pos = int64(f.end)
		}
		if c.err != nil {
			if f.ownBuf {
				_ = c.freeBlock(buf)
			}
			return 0, nil
		}
		if !c.newFILE(f) {
			return 0, nil
		}
		return f.fp, nil
	})

	def("fclose", "stream", Imprecise, "closes a stream the models opened (its FILE* then stops the run when used); returns 0, or EOF with errno when closing the file failed; libc's standard streams stay open (returns 0)", func(c *Call) (uint64, error) {
		fp := c.Arg(0)
		f := c.lookup(fp, false)
		if f == nil {
			return cEOF, nil
		}
		if c.files().files[fp] != f {
			return 0, nil // a standard stream
		}
		if err := f.release(); err != nil {
			c.setErrno(errnoOf(err))
			return cEOF, nil
		}
		return 0, nil
	})

	fread := func(c *Call) (uint64, error) {
		ptr, size, nmemb := c.Arg(0), c.Arg(1), c.Arg(2)
		if size == 0 || nmemb == 0 {
			return 0, nil
		}
		f := c.lookup(c.Arg(3), true)
		if f == nil {
			return 0, nil
		}
		if nmemb > ^uint64(0)/size {
			c.setErrno(errEINVAL)
			return 0, nil
		}
		total, done := size*nmemb, uint64(0)
		buf := make([]byte, min(total, 1<<16))
		for done < total && c.err == nil {
			n := f.readInto(buf[:min(total-done, uint64(len(buf)))])
			c.put(ptr+done, buf[:n])
			done += uint64(n)
			if n < len(buf) && done < total {
				break
			}
		}
		return done / size, nil
	}
	def("fread", "ptr size nmemb stream", Imprecise, "reads up to nmemb items of size bytes from the stream"+tableDoc+"; returns the items read whole (fewer at end of file or on an error: see feof, ferror)", fread)

	getc := func(c *Call) (uint64, error) {
		if f := c.lookup(c.Arg(0), true); f != nil {
			if b, ok := f.readByte(); ok {
				return uint64(b), nil
			}
		}
		return cEOF, nil
	}
	for _, name := range []string{"fgetc", "getc", "_IO_getc"} {
		def(name, "stream", Imprecise, "reads a byte of the stream"+tableDoc+"; returns it as unsigned char, or EOF (-1) at its end (sticky until clearerr) or on an error", getc)
	}
	def("getchar", "", Imprecise, "reads a byte of standard input (unbuffered: reads past the line are not taken from the stream ahead); returns EOF (-1) at its end", func(c *Call) (uint64, error) {
		if b, ok := c.std(0).readByte(); ok {
			return uint64(b), nil
		}
		return cEOF, nil
	}).Params = nil
	def("ungetc", "c stream", Imprecise, "pushes c back onto the stream (any number of bytes, read back last first) and clears its eof flag; returns c as unsigned char (EOF: nothing pushed, returns EOF)", func(c *Call) (uint64, error) {
		ch := c.Int(0)
		if ch == -1 {
			return cEOF, nil
		}
		f := c.lookup(c.Arg(1), true)
		if f == nil {
			return cEOF, nil
		}
		f.unread(byte(ch))
		return uint64(byte(ch)), nil
	})
	def("fgets", "s size stream", Imprecise, "reads a line of the stream (at most size-1 bytes, with its newline) into s with a NUL; returns s, or NULL at end of input or on a new read error; size 1 stores just the NUL", func(c *Call) (uint64, error) {
		s, size := c.Arg(0), c.Int(1)
		if size <= 0 {
			return 0, nil
		}
		f := c.lookup(c.Arg(2), true)
		if f == nil {
			return 0, nil
		}
		if size == 1 {
			c.put(s, []byte{0})
			return s, nil
		}
		hadErr := f.err
		f.err = false
		var line []byte
		for int64(len(line)) < size-1 {
			ch, ok := f.readByte()
			if !ok {
				break
			}
			line = append(line, ch)
			if ch == '\n' {
				break
			}
		}
		newErr := f.err
		f.err = f.err || hadErr
		f.mirror()
		if len(line) == 0 || newErr {
			return 0, nil
		}
		c.put(s, append(line, 0))
		return s, nil
	})
	def("gets", "s", Imprecise, "reads a line of standard input into s without its newline, with a NUL, with no bound (as C's gets); returns s, or NULL at end of input with nothing read or on a read error", func(c *Call) (uint64, error) {
		s := c.Arg(0)
		f := c.std(0)
		var line []byte
		got := false
		for {
			ch, ok := f.readByte()
			if !ok {
				break
			}
			got = true
			if ch == '\n' {
				break
			}
			line = append(line, ch)
		}
		if !got || f.err {
			return 0, nil
		}
		c.put(s, append(line, 0))
		return s, nil
	})

	seek := func(c *Call, off int64, whence int64) (uint64, error) {
		f := c.lookup(c.Arg(0), true)
		if f == nil || !f.seek(off, whence) {
			return cEOF, nil
		}
		return 0, nil
	}
	const seekDoc = "moves the stream's position (whence 0 SEEK_SET, 1 SEEK_CUR, 2 SEEK_END), dropping ungetc's bytes and clearing eof; returns 0, or -1 with errno (EINVAL before the start or past an fmemopen buffer, ESPIPE on a standard stream)"
	for _, name := range []string{"fseek", "fseeko"} {
		def(name, "stream offset whence", Imprecise, seekDoc, func(c *Call) (uint64, error) {
			return seek(c, c.signed(c.Arg(1)), c.Int(2))
		})
	}
	def("fseeko64", "stream offset whence", Imprecise, seekDoc+"; offset is 64 bits on every platform (a register pair or stack slots on 32-bit ones, as the trace's raw words show)", func(c *Call) (uint64, error) {
		if c.b.Env.Platform().WordSize == 8 {
			return seek(c, int64(c.Arg(1)), c.Int(2))
		}
		a, err := c.VarArgs(1) // the convention places a long long after the pointer as varargs do
		if err != nil {
			return 0, err
		}
		off, err := a.Int(8)
		if err != nil {
			return 0, err
		}
		whence, err := a.Int(4)
		if err != nil {
			return 0, err
		}
		return seek(c, int64(off), int64(int32(uint32(whence))))
	})
	tell := func(c *Call) (uint64, error) {
		f := c.lookup(c.Arg(0), true)
		if f == nil {
			return cEOF, nil
		}
		return uint64(f.tell()), nil
	}
	const tellDoc = "returns the stream's position (less the bytes ungetc pushed back), or -1 with errno (ESPIPE on a standard stream)"
	def("ftell", "stream", Imprecise, tellDoc, tell)
	def("ftello", "stream", Imprecise, tellDoc, tell)
	def("ftello64", "stream", Imprecise, tellDoc+"; 64 bits on every platform", tell).Ret64 = true
	void(def("rewind", "stream", Imprecise, "seeks to the start of the stream and clears its eof and error flags", func(c *Call) (uint64, error) {
		if f := c.lookup(c.Arg(0), true); f != nil {
			if f.seek(0, 0) {
				f.clearErr()
			}
		}
		return 0, nil
	}))

	flag := func(bit uint64, get func(f *cfile) bool) func(c *Call) (uint64, error) {
		return func(c *Call) (uint64, error) {
			fp := c.Arg(0)
			if f := c.lookup(fp, true); f != nil && (get(f) || c.libcFlags(fp)&bit != 0) {
				return 1, nil
			}
			return 0, nil
		}
	}
	const libcDoc = "; for libc's own FILE (stdin...) its _flags bit counts too, which libc's own reads set"
	def("feof", "stream", Imprecise, "returns 1 when the stream's eof flag is set"+tableDoc+libcDoc+", else 0", flag(fileEOFSeen, func(f *cfile) bool { return f.eof }))
	def("ferror", "stream", Imprecise, "returns 1 when the stream's error flag is set"+tableDoc+libcDoc+", else 0", flag(fileErrSeen, func(f *cfile) bool { return f.err }))
	void(def("clearerr", "stream", Imprecise, "clears the stream's eof and error flags (in libc's own FILE too)", func(c *Call) (uint64, error) {
		fp := c.Arg(0)
		if f := c.lookup(fp, true); f != nil {
			f.clearErr()
			if v := c.libcFlags(fp); v&(fileEOFSeen|fileErrSeen) != 0 {
				c.note(c.Mem().PutUint(fp, 4, v&^(fileEOFSeen|fileErrSeen)))
			}
		}
		return 0, nil
	}))
	def("fileno", "stream", Imprecise, "returns the stream's descriptor: 0, 1, 2 for the standard streams, the models' own number (3 up) for a file, which the syscall layer and the read and write models do not know; -1 with EBADF for an fmemopen stream", func(c *Call) (uint64, error) {
		f := c.lookup(c.Arg(0), true)
		if f == nil {
			return cEOF, nil
		}
		if f.fd < 0 {
			c.setErrno(errEBADF)
			return cEOF, nil
		}
		return uint64(f.fd), nil
	})
	def("fflush", "stream", Imprecise, "models write through at once: nothing to flush; returns 0 (the stream is checked; NULL means all streams)", func(c *Call) (uint64, error) {
		if fp := c.Arg(0); fp != 0 && c.lookup(fp, false) == nil {
			return cEOF, nil
		}
		return 0, nil
	})
	def("setvbuf", "stream buf mode size", Imprecise, "accepted with no effect (the models do not buffer); returns 0, or EOF with EINVAL for a mode other than _IOFBF, _IOLBF, _IONBF (0, 1, 2)", func(c *Call) (uint64, error) {
		if c.lookup(c.Arg(0), false) == nil {
			return cEOF, nil
		}
		if m := c.Int(2); m < 0 || m > 2 {
			c.setErrno(errEINVAL)
			return cEOF, nil
		}
		return 0, nil
	})
	void(def("setbuf", "stream buf", Imprecise, "accepted with no effect (the models do not buffer)", func(c *Call) (uint64, error) {
		c.lookup(c.Arg(0), false)
		return 0, nil
	}))

	void(def("perror", "s", Imprecise, "writes \"s: message\\n\" (just the message when s is NULL or empty) to standard error for errno; errno is the models' own (set by failing file models; glibc's errno lives in thread-local storage the models do not reach), messages as strerror's", func(c *Call) (uint64, error) {
		var prefix []byte
		if c.Arg(0) != 0 {
			prefix = c.str(0)
			if c.err != nil {
				return 0, nil
			}
		}
		msg := errnoMessage(c.files().errno)
		var b bytes.Buffer
		if len(prefix) > 0 {
			b.Write(prefix)
			b.WriteString(": ")
		}
		b.WriteString(msg)
		b.WriteByte('\n')
		c.stdio(2).Write(b.Bytes())
		return 0, nil
	}))

	pathOp := func(c *Call, op func(r Remover) error) (uint64, error) {
		if c.err != nil {
			return 0, nil
		}
		if c.b.FS == nil {
			c.setErrno(errENOENT)
			return cEOF, nil
		}
		r, ok := c.b.FS.(Remover)
		if !ok {
			c.setErrno(errEROFS)
			return cEOF, nil
		}
		if err := op(r); err != nil {
			c.setErrno(errnoOf(err))
			return cEOF, nil
		}
		return 0, nil
	}
	for _, name := range []string{"remove", "unlink"} {
		def(name, "pathname", Imprecise, "removes a file (or an empty directory) of Binding.FS; returns 0, or -1 with errno", func(c *Call) (uint64, error) {
			p := c.str(0)
			return pathOp(c, func(r Remover) error { return r.Remove(string(p)) })
		})
	}
	def("rename", "oldpath newpath", Imprecise, "renames a file of Binding.FS, replacing newpath; returns 0, or -1 with errno", func(c *Call) (uint64, error) {
		from, to := c.str(0), c.str(1)
		return pathOp(c, func(r Remover) error { return r.Rename(string(from), string(to)) })
	})

	// glibc's slow paths of its inline getc and putc, which a FILE of
	// the models always takes (its read and write pointers are NULL).
	def("__uflow", "fp", Imprecise, "getc's slow path: as fgetc", getc)
	def("__underflow", "fp", Imprecise, "getc's peek: returns the stream's next byte without taking it, or EOF", func(c *Call) (uint64, error) {
		if f := c.lookup(c.Arg(0), true); f != nil {
			if b, ok := f.readByte(); ok {
				f.unread(b)
				return uint64(b), nil
			}
		}
		return cEOF, nil
	})
	def("__overflow", "fp ch", Imprecise, "putc's slow path: writes ch (unless EOF) to the stream; returns it as unsigned char, or EOF on an error", func(c *Call) (uint64, error) {
		w := c.stream(c.Arg(0))
		ch := c.Int(1)
		if ch == -1 {
			return 0, nil
		}
		if _, err := w.Write([]byte{byte(ch)}); err != nil {
			return cEOF, nil
		}
		return uint64(byte(ch)), nil
	})
}

// errnoMessage is strerror's text for an errno value.
func errnoMessage(n int64) string {
	if msg, ok := errnoText[n]; ok {
		return msg
	}
	return fmt.Sprintf("Unknown error %d", n)
}
