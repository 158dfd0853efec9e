package model

import (
	"errors"
	"fmt"
	"io"
)

// maxString bounds the C strings models read from guest memory.
const maxString = 1 << 20

func init() {
	register(&Model{
		Name: "puts", Params: []string{"s"}, Returns: true, Level: Exact,
		Doc: "writes the string s and a newline to the guest's standard output; returns the bytes written",
		Fn: func(c *Call) (uint64, error) {
			s, err := c.CBytes(c.Arg(0), maxString) // no copy, no allocation
			if err != nil {
				return 0, fmt.Errorf("read string: %w", err)
			}
			if _, err := c.WriteLine(c.stdio(1), s); err != nil {
				return ^uint64(0), nil // EOF, as puts reports a write error
			}
			return uint64(len(s) + 1), nil
		},
	})
	register(&Model{
		Name: "exit", Params: []string{"status"}, NoReturn: true, Level: Imprecise,
		Doc: "ends the run with the status as the guest's exit status; atexit handlers and stdio flushing are not run",
		Fn: func(c *Call) (uint64, error) {
			c.Env().Exit(int(c.Int(0) & 0xff))
			return 0, nil
		},
	})
}

// stdio returns standard stream fd (1 or 2, or 0) as the output models
// write it: the table's stream (freopen may have pointed it at a file),
// whose writes go through stdWriter.
func (c *Call) stdio(fd int) io.Writer { return c.std(fd) }

// stdWriter returns the harness's writer of descriptor 1 or 2, after
// writing out what the guest's real libc still holds in that stream's
// buffer (a resumed process printed it before the trap; the models write
// around the real FILE): glibc's struct _IO_FILE begins int _flags, then
// the pointers _IO_read_ptr, _IO_read_end, _IO_read_base,
// _IO_write_base, _IO_write_ptr, each a word (libio/bits/types/
// struct_FILE.h, the same in every glibc).
func (c *Call) stdWriter(fd int) io.Writer {
	if len(c.b.Files) != 0 {
		c.drainFILE(fd)
	}
	if fd == 2 {
		return c.b.Env.Stderr()
	}
	return c.b.Env.Stdout()
}

// drainFILE writes out and empties the real FILE's pending output of
// descriptor fd (see stdio).
func (c *Call) drainFILE(fd int) {
	w := c.b.Env.Stdout()
	if fd == 2 {
		w = c.b.Env.Stderr()
	}
	if fp, ok := c.stdFP(fd); ok {
		ws := uint64(c.b.Env.Platform().WordSize)
		mem := c.b.Env.Memory()
		base, err1 := mem.Uint(fp+4*ws, int(ws))
		ptr, err2 := mem.Uint(fp+5*ws, int(ws))
		if err1 != nil || err2 != nil || ptr <= base || ptr-base > 1<<20 {
			return
		}
		pending := make([]byte, ptr-base)
		if mem.Read(base, pending) == nil {
			w.Write(pending)
			_ = mem.PutUint(fp+5*ws, int(ws), base)
		}
	}
}

// printer returns the printf engine for the call's platform.
func (c *Call) printer() *Printf {
	return &Printf{WordSize: c.b.Env.Platform().WordSize, Mem: c.Mem(), LongDouble: c.b.Conv.LongDouble}
}

// format runs the printf engine on the format at argument fi, with the
// variadic arguments after it (va < 0) or the va_list at argument va.
func (c *Call) format(fi, va int) ([]byte, error) {
	f := c.str(fi)
	if c.err != nil {
		return nil, c.err
	}
	var args ArgSource
	var err error
	if va < 0 {
		args, err = c.VarArgs(fi + 1)
	} else {
		args, err = c.VaList(va)
	}
	if err != nil {
		return nil, err
	}
	out, err := c.printer().Format(c.buf[:0], f, args)
	c.buf = out[:0]
	return out, err
}

// printResult is printf's return value: the count, or -1 for a format
// glibc rejects.
func printResult(n int, err error) (uint64, error) {
	if errors.Is(err, ErrFormat) {
		return ^uint64(0), nil
	}
	if err != nil {
		return 0, err
	}
	return uint64(n), nil
}

func init() {
	const fmtDoc = "formats as glibc (see Printf; positional %n$ and %m are not supported) and "
	// file printers: fpi is the FILE* argument (-1: stdout), fi the
	// format, va the va_list (-1: variadic).
	filePrinter := func(name, params string, fpi, fi, va int) {
		def(name, params, Exact, fmtDoc+"writes to the stream; returns the byte count", func(c *Call) (uint64, error) {
			out, err := c.format(fi, va)
			if err != nil {
				return printResult(0, err)
			}
			w := c.stdio(1)
			if fpi >= 0 {
				w = c.stream(c.Arg(fpi))
			}
			if _, err := w.Write(out); err != nil {
				return ^uint64(0), nil
			}
			return uint64(len(out)), nil
		})
	}
	filePrinter("printf", "format", -1, 0, -1)
	filePrinter("vprintf", "format ap", -1, 0, 1)
	filePrinter("fprintf", "stream format", 0, 1, -1)
	filePrinter("vfprintf", "stream format ap", 0, 1, 2)
	filePrinter("__printf_chk", "flag format", -1, 1, -1)
	filePrinter("__vprintf_chk", "flag format ap", -1, 1, 2)
	filePrinter("__fprintf_chk", "stream flag format", 0, 2, -1)
	filePrinter("__vfprintf_chk", "stream flag format ap", 0, 2, 3)
	def("dprintf", "fd format", Imprecise, fmtDoc+"writes to descriptor 1 or 2, standard output or error; other descriptors fail (-1, EBADF), as for the write model; returns the byte count", func(c *Call) (uint64, error) {
		out, err := c.format(1, -1)
		if err != nil {
			return printResult(0, err)
		}
		fd := c.Int(0)
		if fd != 1 && fd != 2 {
			c.setErrno(errEBADF)
			return ^uint64(0), nil
		}
		if _, err := c.stdio(int(fd)).Write(out); err != nil {
			return ^uint64(0), nil
		}
		return uint64(len(out)), nil
	})

	// string printers: si the buffer, ni its size (-1: unbounded), ci
	// the _chk destination length (-1: none).
	strPrinter := func(name, params string, si, ni, ci, fi, va int) {
		def(name, params, Exact, fmtDoc+"writes into the buffer with a NUL; returns the full length", func(c *Call) (uint64, error) {
			out, err := c.format(fi, va)
			if err != nil {
				return printResult(0, err)
			}
			size := ^uint64(0)
			if ni >= 0 {
				size = c.Arg(ni)
			}
			if ci >= 0 {
				dest := c.Arg(ci)
				if size != ^uint64(0) && size > dest || size == ^uint64(0) && uint64(len(out))+1 > dest {
					return 0, overflow(name, min(size, uint64(len(out))+1), dest)
				}
			}
			if size > 0 {
				n := min(uint64(len(out)), size-1)
				c.put(c.Arg(si), append(out[:n:n], 0))
			}
			return uint64(len(out)), nil
		})
	}
	strPrinter("sprintf", "str format", 0, -1, -1, 1, -1)
	strPrinter("vsprintf", "str format ap", 0, -1, -1, 1, 2)
	strPrinter("snprintf", "str size format", 0, 1, -1, 2, -1)
	strPrinter("vsnprintf", "str size format ap", 0, 1, -1, 2, 3)
	strPrinter("__sprintf_chk", "str flag strlen format", 0, -1, 2, 3, -1)
	strPrinter("__vsprintf_chk", "str flag strlen format ap", 0, -1, 2, 3, 4)
	strPrinter("__snprintf_chk", "str maxlen flag strlen format", 0, 1, 3, 4, -1)
	strPrinter("__vsnprintf_chk", "str maxlen flag strlen format ap", 0, 1, 3, 4, 5)

	putc := func(c *Call, ch byte, w io.Writer) (uint64, error) {
		if _, err := w.Write([]byte{ch}); err != nil {
			return ^uint64(0), nil
		}
		return uint64(ch), nil
	}
	def("putchar", "c", Exact, "writes the byte c to standard output; returns it as unsigned char", func(c *Call) (uint64, error) {
		return putc(c, byte(c.Arg(0)), c.stdio(1))
	})
	for _, name := range []string{"fputc", "putc", "_IO_putc"} {
		def(name, "c stream", Exact, "writes the byte c to the stream; returns it as unsigned char", func(c *Call) (uint64, error) {
			return putc(c, byte(c.Arg(0)), c.stream(c.Arg(1)))
		})
	}
	def("fputs", "s stream", Exact, "writes the string s to the stream; returns 1 (glibc's nonnegative value)", func(c *Call) (uint64, error) {
		if _, err := c.stream(c.Arg(1)).Write(c.str(0)); err != nil {
			return ^uint64(0), nil
		}
		return 1, nil
	})
	def("fwrite", "ptr size nmemb stream", Exact, "writes nmemb items of size bytes to the stream; returns the items written whole (nmemb unless the write failed)", func(c *Call) (uint64, error) {
		size, nmemb := c.Arg(1), c.Arg(2)
		if size == 0 || nmemb == 0 {
			return 0, nil
		}
		if nmemb > ^uint64(0)/size {
			c.setErrno(errEINVAL)
			return 0, nil
		}
		w := c.stream(c.Arg(3))
		b := c.bytesAt(c.Arg(0), size*nmemb)
		if c.err != nil {
			return 0, nil
		}
		n, _ := w.Write(b)
		return uint64(n) / size, nil
	})

	// glibc's _unlocked variants: the models take no locks anyway (this
	// file's init runs after fileio.go's).
	for _, n := range []string{"fgetc", "getc", "getchar", "fputc", "putc", "putchar", "fread", "fwrite",
		"fgets", "fputs", "feof", "ferror", "clearerr", "fileno", "fflush"} {
		alias(n+"_unlocked", n)
	}
}
