package model

import (
	"errors"
	"fmt"
	"strings"

	"github.com/smallworld-go/smallworld/memory"
)

func init() {
	const how = "converts as glibc in the C locale (see Scanf); returns the assignment count, or EOF (-1) when input ends before the first; %m strings come from the models' heap; no PowerPC long double"
	const isoc99 = "; %a is a float conversion (C99)"
	const gnu = "; %as, %aS, %a[ allocate (GNU)"
	for _, v := range []struct {
		name, params string
		va           int // the va_list argument; -1: variadic
		gnu          bool
	}{
		{"sscanf", "str format", -1, true}, {"vsscanf", "str format ap", 2, true},
		{"__isoc99_sscanf", "str format", -1, false}, {"__isoc99_vsscanf", "str format ap", 2, false},
	} {
		doc := "reads the string str: " + how + isoc99
		if v.gnu {
			doc = strings.Replace(doc, isoc99, gnu, 1)
		}
		def(v.name, v.params, Exact, doc, func(c *Call) (uint64, error) {
			str := c.str(0)
			if c.err != nil {
				return 0, c.err
			}
			return c.scan(&BytesInput{B: str}, 1, v.va, v.gnu)
		})
	}
	for _, v := range []struct {
		name, params string
		fpi, fi, va  int // the FILE* (-1: stdin), the format, the va_list (-1: variadic)
		gnu          bool
	}{
		{"scanf", "format", -1, 0, -1, true}, {"vscanf", "format ap", -1, 0, 1, true},
		{"fscanf", "stream format", 0, 1, -1, true}, {"vfscanf", "stream format ap", 0, 1, 2, true},
		{"__isoc99_scanf", "format", -1, 0, -1, false}, {"__isoc99_vscanf", "format ap", -1, 0, 1, false},
		{"__isoc99_fscanf", "stream format", 0, 1, -1, false}, {"__isoc99_vfscanf", "stream format ap", 0, 1, 2, false},
	} {
		from := "the stream"
		if v.fpi < 0 {
			from = "standard input"
		}
		doc := "reads " + from + " through the models' stream input, as fgetc (the FILE's end-of-file and error flags are not set): " + how + isoc99
		if v.gnu {
			doc = strings.Replace(doc, isoc99, gnu, 1)
		}
		def(v.name, v.params, Imprecise, doc, func(c *Call) (uint64, error) {
			var fp uint64 // standard input: the stream seam maps FILE* 0 to it
			if v.fpi >= 0 {
				fp = c.Arg(v.fpi)
			}
			return c.scan(streamInput{c: c, fp: fp}, v.fi, v.va, v.gnu)
		})
	}
}

// scan runs the scanf engine over in, with the format at argument fi
// and the pointers after it (va < 0) or in the va_list at argument va.
func (c *Call) scan(in ScanInput, fi, va int, gnu bool) (uint64, error) {
	f := c.str(fi)
	if c.err != nil {
		return 0, c.err
	}
	var args ArgSource
	var err error
	if va < 0 {
		args, err = c.VarArgs(fi + 1)
	} else {
		args, err = c.VaList(va)
	}
	if err != nil {
		return 0, err
	}
	p := &Scanf{WordSize: c.b.Env.Platform().WordSize, Mem: c.Mem(), LongDouble: c.b.Conv.LongDouble,
		GNUAlloc: gnu, Malloc: c.malloc}
	n, err := p.Scan(f, in, args)
	if err != nil {
		return 0, err
	}
	return uint64(int64(n)), nil
}

// streamInput reads a guest stream through the models' stdio input.
type streamInput struct {
	c  *Call
	fp uint64
}

func (r streamInput) Next() (byte, bool) { return r.c.readByte(r.fp) }
func (r streamInput) Unread(b byte)      { r.c.unreadByte(r.fp, b) }

// ScanInput is where the scanf engine reads: a C string (sscanf) or a
// stream (scanf, fscanf, through Call.readByte).
type ScanInput interface {
	// Next returns the next input byte; false at the end of input.
	Next() (byte, bool)
	// Unread pushes back b, the byte Next just returned (the
	// engine pushes back at most that one byte, as glibc does).
	Unread(b byte)
}

// Scanf converts input like glibc 2.36's scanf family in the C locale:
// directives, conversions and the characters each consumes are glibc's,
// including where its one byte of pushback makes a failed or partial
// match consume more than it converts ("0x" before a non-hex digit,
// "1e" before a non-digit, a lone sign).
type Scanf struct {
	WordSize   int         // size of long, size_t and pointers
	Mem        *memory.Map // where the conversions store
	LongDouble LongDoubleKind
	// GNUAlloc makes %as, %aS and %a[ allocate their string, as glibc's
	// plain scanf functions do; the __isoc99_ ones (what C99 and later
	// programs call) read %a as a floating conversion.
	GNUAlloc bool
	// Malloc allocates the strings of %m (and GNU %a); nil makes those
	// conversions an error.
	Malloc func(n uint64) (uint64, error)
}

// BytesInput is a ScanInput over a byte slice (sscanf's string).
type BytesInput struct {
	B   []byte
	Pos int // bytes consumed
}

func (r *BytesInput) Next() (byte, bool) {
	if r.Pos >= len(r.B) {
		return 0, false
	}
	r.Pos++
	return r.B[r.Pos-1], true
}

func (r *BytesInput) Unread(byte) {
	if r.Pos > 0 {
		r.Pos--
	}
}

// the conversion flags glibc's vfscanf keeps
const (
	sfLong = 1 << iota
	sfLongDbl
	sfShort
	sfChar
	sfSuppress
	sfGNUMalloc
	sfPOSIXMalloc
	sfPointer
	sfSigned
	sfHexFloat

	sfMalloc = sfGNUMalloc | sfPOSIXMalloc
)

// scanStop is how a directive ended.
type scanStop int

const (
	scanOK        scanStop = iota
	scanMatchFail          // matching failure (or bad multibyte input): the count so far
	scanInputFail          // input failure: EOF if nothing was assigned yet
)

const scanEOF = -1

type scanner struct {
	*Scanf
	in     ScanInput
	c      int // the last byte read; scanEOF once the input ended (never read again)
	readIn int // bytes consumed (%n)
	done   int // assignments
	args   ArgSource
	got    []uint64 // the pointer arguments read so far
	next   int      // the next sequential argument
	buf    []byte
}

// Scan reads in as format directs, storing through the pointers args
// yields. It returns scanf's result: the number of assignments, or -1
// when the input failed before the first. An error means the call
// cannot be completed (a bad pointer, an argument that cannot be read).
func (p *Scanf) Scan(format []byte, in ScanInput, args ArgSource) (int, error) {
	s := &scanner{Scanf: p, in: in, args: args}
	stop, err := s.run(format)
	if err != nil {
		return 0, err
	}
	if stop == scanInputFail && s.done == 0 {
		return -1, nil
	}
	return s.done, nil
}

func (s *scanner) inchar() int {
	if s.c == scanEOF {
		return scanEOF
	}
	b, ok := s.in.Next()
	if !ok {
		s.c = scanEOF
		return scanEOF
	}
	s.c = int(b)
	s.readIn++
	return s.c
}

// ungetc pushes back the last byte read (nothing after the end).
func (s *scanner) ungetc() {
	if s.c != scanEOF {
		s.readIn--
		s.in.Unread(byte(s.c))
	}
}

// arg returns the next pointer argument, or with pos > 0 the pos-th
// (%pos$), counted from the first variadic argument.
func (s *scanner) arg(pos int) (uint64, error) {
	i := s.next
	if pos > 0 {
		i = pos - 1
	} else {
		s.next++
	}
	if i >= 1<<16 {
		return 0, fmt.Errorf("scanf: argument %d out of range", i+1)
	}
	for len(s.got) <= i {
		v, err := s.args.Int(s.WordSize)
		if err != nil {
			return 0, fmt.Errorf("scanf: argument %d: %w", len(s.got)+1, err)
		}
		s.got = append(s.got, v)
	}
	return s.got[i], nil
}

func scanSpace(c int) bool { return c == ' ' || c >= '\t' && c <= '\r' }
func scanDigit(c int) bool { return c >= '0' && c <= '9' }
func scanXDigit(c int) bool {
	return scanDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func scanLower(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// readInt reads a decimal number of the format at *f (a width or a
// position); -1 when it overflows an int.
func readInt(format []byte, f *int) int {
	v := 0
	for *f < len(format) && scanDigit(int(format[*f])) {
		d := int(format[*f] - '0')
		if v >= 0 {
			if v > (1<<31-1-d)/10 {
				v = -1
			} else {
				v = v*10 + d
			}
		}
		*f++
	}
	return v
}

func (s *scanner) run(format []byte) (scanStop, error) {
	at := func(i int) int { // the format's byte at i; 0 past its end (its NUL)
		if i >= 0 && i < len(format) {
			return int(format[i])
		}
		return 0
	}
	skipSpace := false
	f := 0
	for f < len(format) {
		fc := int(format[f])
		f++
		if fc != '%' {
			if scanSpace(fc) {
				skipSpace = true
				continue
			}
			// any other byte must match the input (bytes above 0x7f are
			// no multibyte characters in the C locale)
			c := s.inchar()
			if c == scanEOF {
				return scanInputFail, nil
			}
			if skipSpace {
				for scanSpace(c) {
					if c = s.inchar(); c == scanEOF {
						return scanInputFail, nil
					}
				}
				skipSpace = false
			}
			if c != fc {
				s.ungetc()
				return scanMatchFail, nil
			}
			continue
		}

		flags, argpos, width := 0, 0, 0
		gotWidth := false
		if scanDigit(at(f)) {
			n := readInt(format, &f)
			if at(f) == '$' {
				f++
				argpos = n
				if argpos < 0 {
					return 0, fmt.Errorf("scanf: argument position %d out of range", n)
				}
			} else {
				width, gotWidth = n, true
			}
		}
		if !gotWidth {
			for at(f) == '*' || at(f) == '\'' || at(f) == 'I' {
				// ' (grouping) and I (locale digits) change nothing in
				// the C locale
				if at(f) == '*' {
					flags |= sfSuppress
				}
				f++
			}
			if scanDigit(at(f)) {
				width = readInt(format, &f)
			}
		}
		if width == 0 {
			width = -1
		}
		long := s.WordSize == 8 // glibc's need_long: long is wider than int
		switch at(f) {
		case 'h':
			f++
			if at(f) == 'h' {
				f++
				flags |= sfChar
			} else {
				flags |= sfShort
			}
		case 'l':
			f++
			if at(f) == 'l' {
				f++
				flags |= sfLongDbl | sfLong
			} else {
				flags |= sfLong
			}
		case 'q', 'L':
			f++
			flags |= sfLongDbl | sfLong
		case 'a':
			if s.GNUAlloc && (at(f+1) == 's' || at(f+1) == 'S' || at(f+1) == '[') {
				f++
				flags |= sfGNUMalloc
			}
		case 'm':
			f++
			flags |= sfPOSIXMalloc
			if at(f) == 'l' {
				f++
				flags |= sfLong
			}
		case 'z', 't':
			f++
			if long {
				flags |= sfLong
			}
		case 'j':
			f++
			if long {
				flags |= sfLong
			} else {
				flags |= sfLongDbl
			}
		}
		if f >= len(format) {
			return scanMatchFail, nil
		}
		fc = int(format[f])
		f++
		if skipSpace || fc != '[' && fc != 'c' && fc != 'C' && fc != 'n' {
			for {
				if s.c != scanEOF {
					s.inchar()
				}
				if !scanSpace(s.c) {
					break
				}
			}
			s.ungetc()
			skipSpace = false
		}

		var stop scanStop
		var err error
		switch fc {
		case '%':
			c := s.inchar()
			if c == scanEOF {
				return scanInputFail, nil
			}
			if c != '%' {
				s.ungetc()
				return scanMatchFail, nil
			}
		case 'n':
			if flags&sfSuppress == 0 {
				err = s.storeInt(argpos, s.intSize(flags), uint64(s.readIn))
			}
		case 'd':
			stop, err = s.number(10, flags|sfSigned, width, argpos)
		case 'i':
			stop, err = s.number(0, flags|sfSigned, width, argpos)
		case 'u':
			stop, err = s.number(10, flags, width, argpos)
		case 'o':
			stop, err = s.number(8, flags, width, argpos)
		case 'x', 'X':
			stop, err = s.number(16, flags, width, argpos)
		case 'p':
			// a pointer is as wide as a long
			flags &^= sfShort | sfLongDbl
			if long {
				flags |= sfLong
			}
			stop, err = s.number(16, flags|sfPointer, width, argpos)
		case 'e', 'E', 'f', 'F', 'g', 'G', 'a', 'A':
			stop, err = s.float(flags, width, argpos)
		case 'c':
			if flags&sfLong == 0 {
				stop, err = s.chars(flags, width, argpos)
				break
			}
			fallthrough
		case 'C':
			stop, err = s.wideChars(flags, width, argpos)
		case 's':
			if flags&sfLong == 0 {
				stop, err = s.str(flags, width, argpos)
				break
			}
			fallthrough
		case 'S':
			stop, err = s.wideStr(flags, width, argpos)
		case '[':
			stop, err = s.set(format, &f, flags, width, argpos)
		default:
			return scanMatchFail, nil // an unknown conversion
		}
		if err != nil || stop != scanOK {
			return stop, err
		}
	}
	if skipSpace {
		for scanSpace(s.inchar()) {
		}
		s.ungetc()
	}
	return scanOK, nil
}

// intSize is the size of the integer a conversion with flags stores
// (glibc picks long long, long, short, int or char in that order).
func (s *scanner) intSize(flags int) int {
	switch {
	case s.WordSize == 4 && flags&sfLongDbl != 0:
		return 8
	case s.WordSize == 8 && flags&sfLong != 0:
		return 8
	case flags&sfShort != 0:
		return 2
	case flags&sfChar == 0:
		return 4
	}
	return 1
}

func (s *scanner) storeInt(argpos, size int, v uint64) error {
	addr, err := s.arg(argpos)
	if err != nil {
		return err
	}
	if err := s.Mem.PutUint(addr, size, v); err != nil {
		return fmt.Errorf("scanf: store: %w", err)
	}
	return nil
}

// number reads an integer (d i u o x X p): sign, base prefix, digits
// within the width, converted as strtol or strtoul (strtoll, strtoull
// for long long on 32-bit platforms) and stored truncated to its type.
func (s *scanner) number(base, flags, width, argpos int) (scanStop, error) {
	buf := s.buf[:0]
	defer func() { s.buf = buf[:0] }()
	c := s.inchar()
	if c == scanEOF {
		return scanInputFail, nil
	}
	if c == '-' || c == '+' {
		buf = append(buf, byte(c))
		if width > 0 {
			width--
		}
		c = s.inchar()
	}
	if width != 0 && c == '0' {
		if width > 0 {
			width--
		}
		buf = append(buf, '0')
		c = s.inchar()
		if width != 0 && scanLower(c) == 'x' {
			if base == 0 {
				base = 16
			}
			if base == 16 {
				if width > 0 {
					width--
				}
				c = s.inchar()
			}
		} else if base == 0 {
			base = 8
		}
	}
	if base == 0 {
		base = 10
	}
	for c != scanEOF && width != 0 {
		if base == 16 {
			if !scanXDigit(c) {
				break
			}
		} else if !scanDigit(c) || c-'0' >= base {
			break
		}
		buf = append(buf, byte(c))
		if width > 0 {
			width--
		}
		c = s.inchar()
	}
	if len(buf) == 0 || len(buf) == 1 && (buf[0] == '+' || buf[0] == '-') {
		// no digits; a pointer may be "(nil)"
		if len(buf) == 0 && flags&sfPointer != 0 && (width < 0 || width >= 5) && c == '(' &&
			scanLower(s.inchar()) == 'n' && scanLower(s.inchar()) == 'i' && scanLower(s.inchar()) == 'l' && s.inchar() == ')' {
			buf = append(buf, '0')
		} else {
			s.ungetc()
			return scanMatchFail, nil
		}
	} else {
		s.ungetc()
	}
	if flags&sfSuppress != 0 {
		return scanOK, nil
	}
	bits := 8 * s.WordSize
	if s.WordSize == 4 && flags&sfLongDbl != 0 {
		bits = 64
	}
	v, _ := strtoInt(buf, base, bits, flags&sfSigned != 0)
	if err := s.storeInt(argpos, s.intSize(flags), v); err != nil {
		return 0, err
	}
	s.done++
	return scanOK, nil
}

// float reads a floating number (e E f F g G a A): what glibc collects
// (sign, inf, infinity or nan, or digits with one point and an
// exponent, hex after 0x) is then converted as strtof, strtod or
// strtold would the collected text.
func (s *scanner) float(flags, width, argpos int) (scanStop, error) {
	buf := s.buf[:0]
	defer func() { s.buf = buf[:0] }()
	c := s.inchar()
	if width > 0 {
		width--
	}
	if c == scanEOF {
		return scanInputFail, nil
	}
	// next reads the next byte within the width; false at its end or
	// the input's
	next := func() bool {
		if width == 0 || s.inchar() == scanEOF {
			return false
		}
		c = s.c
		if width > 0 {
			width--
		}
		return true
	}
	// expect reads the next byte of a word (nan, infinity): a mismatch
	// fails the conversion, the mismatching byte consumed
	expect := func(want int) bool {
		if !next() || scanLower(c) != want {
			return false
		}
		buf = append(buf, byte(c))
		return true
	}
	gotSign := 0
	if c == '-' || c == '+' {
		gotSign = 1
		buf = append(buf, byte(c))
		if !next() {
			return scanMatchFail, nil
		}
	}
	switch scanLower(c) {
	case 'n':
		buf = append(buf, byte(c))
		if !expect('a') || !expect('n') {
			return scanMatchFail, nil
		}
		return s.storeFloat(buf, flags, argpos)
	case 'i':
		buf = append(buf, byte(c))
		if !expect('n') || !expect('f') {
			return scanMatchFail, nil
		}
		if width != 0 && s.inchar() != scanEOF {
			c = s.c
			if scanLower(c) == 'i' {
				if width > 0 {
					width--
				}
				buf = append(buf, byte(c))
				if !expect('n') || !expect('i') || !expect('t') || !expect('y') {
					return scanMatchFail, nil
				}
			} else {
				s.ungetc()
			}
		}
		return s.storeFloat(buf, flags, argpos)
	}
	expChar := int('e')
	gotDigit, gotDot, gotE := false, false, false
	if width != 0 && c == '0' {
		buf = append(buf, '0')
		c = s.inchar()
		if width > 0 {
			width--
		}
		if width != 0 && scanLower(c) == 'x' {
			buf = append(buf, byte(c))
			flags |= sfHexFloat
			expChar = 'p'
			c = s.inchar()
			if width > 0 {
				width--
			}
		} else {
			gotDigit = true
		}
	}
collect:
	for {
		switch {
		case scanDigit(c), !gotE && flags&sfHexFloat != 0 && scanXDigit(c):
			buf = append(buf, byte(c))
			gotDigit = true
		case gotE && int(buf[len(buf)-1]) == expChar && (c == '-' || c == '+'):
			buf = append(buf, byte(c))
		case gotDigit && !gotE && scanLower(c) == expChar:
			buf = append(buf, byte(expChar))
			gotE, gotDot = true, true
		case !gotDot && c == '.':
			buf = append(buf, '.')
			gotDot = true
		default:
			s.ungetc()
			break collect
		}
		if !next() {
			break
		}
	}
	if len(buf) == gotSign || flags&sfHexFloat != 0 && len(buf) == 2+gotSign {
		return scanMatchFail, nil
	}
	return s.storeFloat(buf, flags, argpos)
}

// storeFloat converts the collected text and stores it as float,
// double (l) or long double (L, ll, q).
func (s *scanner) storeFloat(text []byte, flags, argpos int) (scanStop, error) {
	x, ok := parseStrtod(text)
	if !ok {
		return scanMatchFail, nil
	}
	if flags&sfSuppress != 0 {
		return scanOK, nil
	}
	var b []byte
	var err error
	switch {
	case flags&sfLongDbl != 0:
		b, err = x.longDouble(s.LongDouble, s.Mem.Order)
	case flags&sfLong != 0:
		b = put64(s.Mem.Order, x.float64bits())
	default:
		b = put32(s.Mem.Order, x.float32bits())
	}
	if err != nil {
		return 0, err
	}
	addr, err := s.arg(argpos)
	if err != nil {
		return 0, err
	}
	if err := s.Mem.Write(addr, b); err != nil {
		return 0, fmt.Errorf("scanf: store: %w", err)
	}
	s.done++
	return scanOK, nil
}

// strOut is the destination of a string conversion (c s [): the
// argument's buffer, or with %m a block allocated once the string is
// known. Wide conversions skip a slot where glibc's mbrtowc stored
// nothing.
type strOut struct {
	s        *scanner
	suppress bool   // nothing is stored (*)
	alloc    bool   // %m, %a: argument is a char** to set
	addr     uint64 // where the bytes go (or the char**)
	data     []byte
	holes    []int // offsets of skipped 4-byte wide slots
}

// strArg takes the argument of a string conversion. A NULL pointer is a
// matching failure in glibc (ok false).
func (s *scanner) strArg(flags, argpos int) (o *strOut, ok bool, err error) {
	o = &strOut{s: s, suppress: flags&sfSuppress != 0, alloc: flags&sfMalloc != 0}
	if o.suppress {
		return o, true, nil
	}
	if o.addr, err = s.arg(argpos); err != nil {
		return nil, false, err
	}
	if o.alloc && s.Malloc == nil {
		return nil, false, errors.New("scanf: %m (allocating conversions) needs a heap")
	}
	return o, o.addr != 0, nil
}

func (o *strOut) add(b ...byte) { o.data = append(o.data, b...) }

func (o *strOut) wide(c byte) {
	o.data = append(o.data, put32(o.s.Mem.Order, uint32(c))...)
}

func (o *strOut) hole() {
	o.holes = append(o.holes, len(o.data))
	o.data = append(o.data, 0, 0, 0, 0)
}

// finish stores what was collected; a failed allocating conversion
// leaves its pointer NULL, as glibc frees the block.
func (o *strOut) finish(ok bool) error {
	if o.suppress {
		return nil
	}
	mem := o.s.Mem
	if o.alloc {
		var p uint64
		if ok {
			var err error
			if p, err = o.s.Malloc(uint64(len(o.data))); err != nil {
				return fmt.Errorf("scanf: %%m: %w", err)
			}
			if p == 0 {
				return errors.New("scanf: %m: out of memory")
			}
			if err := mem.Write(p, o.data); err != nil {
				return fmt.Errorf("scanf: %%m: %w", err)
			}
		}
		if err := mem.PutUint(o.addr, o.s.WordSize, p); err != nil {
			return fmt.Errorf("scanf: store: %w", err)
		}
		return nil
	}
	from := 0
	for _, h := range append(o.holes, len(o.data)) {
		if err := mem.Write(o.addr+uint64(from), o.data[from:h]); err != nil {
			return fmt.Errorf("scanf: store: %w", err)
		}
		from = h + 4
	}
	return nil
}

// end finishes a string conversion: stored and counted, or failed.
func (s *scanner) end(o *strOut, stop scanStop) (scanStop, error) {
	if o.alloc && stop != scanOK {
		return stop, o.finish(false)
	}
	if err := o.finish(true); err != nil {
		return 0, err
	}
	if stop == scanOK && !o.suppress {
		s.done++
	}
	return stop, nil
}

// mbrtowc is the C locale's: ASCII bytes are characters (NUL is the
// null character, result 0), others are invalid (-1).
func mbrtowc(c int) int {
	switch {
	case c == 0:
		return 0
	case c < 0x80:
		return 1
	}
	return -1
}

// chars reads %c: width bytes (1 by default), fewer at the end of input.
func (s *scanner) chars(flags, width, argpos int) (scanStop, error) {
	if width == -1 {
		width = 1
	}
	o, ok, err := s.strArg(flags, argpos)
	if err != nil || !ok {
		return scanMatchFail, err
	}
	if s.inchar() == scanEOF {
		return s.end(o, scanInputFail)
	}
	for {
		o.add(byte(s.c))
		width--
		if width <= 0 || s.inchar() == scanEOF {
			break
		}
	}
	return s.end(o, scanOK)
}

// wideChars reads %lc and %C: width bytes as wide characters.
func (s *scanner) wideChars(flags, width, argpos int) (scanStop, error) {
	if width == -1 {
		width = 1
	}
	o, ok, err := s.strArg(flags, argpos)
	if err != nil || !ok {
		return scanMatchFail, err
	}
	if s.inchar() == scanEOF {
		return s.end(o, scanInputFail)
	}
	for {
		if mbrtowc(s.c) != 1 {
			return s.end(o, scanMatchFail)
		}
		o.wide(byte(s.c))
		width--
		if width <= 0 || s.inchar() == scanEOF {
			break
		}
	}
	return s.end(o, scanOK)
}

// str reads %s: bytes up to white space, at most width.
func (s *scanner) str(flags, width, argpos int) (scanStop, error) {
	o, ok, err := s.strArg(flags, argpos)
	if err != nil || !ok {
		return scanMatchFail, err
	}
	if s.inchar() == scanEOF {
		return s.end(o, scanInputFail)
	}
	for {
		if scanSpace(s.c) {
			s.ungetc()
			break
		}
		o.add(byte(s.c))
		if width > 0 {
			width--
			if width == 0 {
				break
			}
		}
		if s.inchar() == scanEOF {
			break
		}
	}
	o.add(0)
	return s.end(o, scanOK)
}

// wideStr reads %ls and %S.
func (s *scanner) wideStr(flags, width, argpos int) (scanStop, error) {
	o, ok, err := s.strArg(flags, argpos)
	if err != nil || !ok {
		return scanMatchFail, err
	}
	if s.inchar() == scanEOF {
		return s.end(o, scanInputFail)
	}
	for {
		if scanSpace(s.c) {
			s.ungetc()
			break
		}
		if mbrtowc(s.c) != 1 {
			return s.end(o, scanMatchFail)
		}
		o.wide(byte(s.c))
		if width > 0 {
			width--
			if width == 0 {
				break
			}
		}
		if s.inchar() == scanEOF {
			break
		}
	}
	o.wide(0)
	return s.end(o, scanOK)
}

// set reads %[: the longest run of bytes in (or with ^ not in) the set,
// at most width. A ] or - first is a member; a-z is a range when a <= z.
func (s *scanner) set(format []byte, f *int, flags, width, argpos int) (scanStop, error) {
	o, ok, err := s.strArg(flags, argpos)
	if err != nil || !ok {
		return scanMatchFail, err
	}
	at := func(i int) int {
		if i >= 0 && i < len(format) {
			return int(format[i])
		}
		return 0
	}
	notIn := false
	if at(*f) == '^' {
		*f++
		notIn = true
	}
	if width < 0 {
		width = 1<<31 - 1
	}
	var member [256]bool
	if fc := at(*f); fc == ']' || fc == '-' {
		member[fc] = true
		*f++
	}
	fc := 0
	for {
		fc = at(*f)
		*f++
		if fc == 0 || fc == ']' {
			break
		}
		if fc == '-' && at(*f) != 0 && at(*f) != ']' && at(*f-2) <= at(*f) {
			for x := at(*f - 2); x < at(*f); x++ {
				member[x] = true
			}
		} else {
			member[fc] = true
		}
	}
	if fc == 0 {
		*f = len(format)
		return s.end(o, scanMatchFail) // the set has no closing ]
	}
	now := s.readIn
	if s.inchar() == scanEOF {
		return s.end(o, scanInputFail)
	}
	wide := flags&sfLong != 0
	for {
		if member[s.c] == notIn {
			s.ungetc()
			break
		}
		if wide && !o.suppress {
			if mbrtowc(s.c) >= 0 {
				o.wide(byte(s.c))
			} else {
				o.hole() // mbrtowc stored nothing; glibc moves on
			}
		} else {
			o.add(byte(s.c))
		}
		width--
		if width <= 0 || s.inchar() == scanEOF {
			break
		}
	}
	if s.readIn == now {
		return s.end(o, scanMatchFail)
	}
	if wide {
		o.wide(0)
	} else {
		o.add(0)
	}
	return s.end(o, scanOK)
}
