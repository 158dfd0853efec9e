package model

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/smallworld-go/smallworld/memory"
)

// ArgSource yields the variadic arguments of a printf-family call in
// order: the guest's registers and stack for printf, its va_list for
// vprintf, a Go slice in tests.
type ArgSource interface {
	// Int returns the next integer or pointer argument of size bytes (4:
	// int and smaller, promoted; 8: long long, or long and pointers on
	// 64-bit platforms), zero-extended.
	Int(size int) (uint64, error)
	// Double returns the next double.
	Double() (float64, error)
	// LongDouble returns the raw bits of the next long double, in the
	// platform's LongDoubleKind: lo holds the low 64 bits.
	LongDouble() (lo, hi uint64, err error)
}

// LongDoubleKind is the format of C's long double on a platform.
type LongDoubleKind int

const (
	LDDouble LongDoubleKind = iota // long double is double (ARM, MIPS o32)
	LDX87                          // x87 80-bit extended (amd64, i386): lo = mantissa, hi = sign and exponent
	LDQuad                         // IEEE binary128 (aarch64, MIPS n64)
	LDIBM                          // IBM double-double (PowerPC): not formatted
)

// Printf formats like glibc's printf family in the C locale.
type Printf struct {
	WordSize   int         // size of long, size_t, pointers
	Mem        *memory.Map // where %s reads and %n writes; nil: neither allowed
	LongDouble LongDoubleKind
}

// ErrFormat reports a format glibc would reject (printf returns -1).
var ErrFormat = errors.New("printf: bad format")

type spec struct {
	minus, plus, space, hash, zero bool
	width, prec                    int // prec -1: none
	length                         byte
	conv                           byte
}

// length codes
const (
	lenNone = 0
	lenHH   = 'H'
	lenH    = 'h'
	lenL    = 'l'
	lenLL   = 'q'
	lenJ    = 'j'
	lenZ    = 'z'
	lenT    = 't'
	lenBigL = 'L'
)

// Format appends the formatted output to dst.
func (p *Printf) Format(dst []byte, format []byte, args ArgSource) ([]byte, error) {
	start := len(dst)
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			j := i + 1
			for j < len(format) && format[j] != '%' {
				j++
			}
			dst = append(dst, format[i:j]...)
			i = j
			continue
		}
		begin := i
		i++
		var s spec
		s.prec = -1
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '-':
				s.minus = true
			case '+':
				s.plus = true
			case ' ':
				s.space = true
			case '#':
				s.hash = true
			case '0':
				s.zero = true
			case '\'', 'I': // grouping and locale digits: nothing in the C locale
			default:
				break flags
			}
		}
		if i < len(format) && format[i] >= '1' && format[i] <= '9' {
			n := 0
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				n = n*10 + int(format[i]-'0')
				i++
			}
			if i < len(format) && format[i] == '$' {
				return dst, fmt.Errorf("%w: positional arguments (%%n$) are not supported", ErrFormat)
			}
			s.width = n
		} else if i < len(format) && format[i] == '*' {
			i++
			v, err := args.Int(4)
			if err != nil {
				return dst, err
			}
			w := int(int32(v))
			if w < 0 {
				s.minus = true
				w = -w
			}
			s.width = w
		}
		if i < len(format) && format[i] == '.' {
			i++
			if i < len(format) && format[i] == '*' {
				i++
				v, err := args.Int(4)
				if err != nil {
					return dst, err
				}
				s.prec = int(int32(v))
				if s.prec < 0 {
					s.prec = -1
				}
			} else {
				n := 0
				for i < len(format) && format[i] >= '0' && format[i] <= '9' {
					n = n*10 + int(format[i]-'0')
					i++
				}
				s.prec = n
			}
		}
	length:
		for i < len(format) {
			switch format[i] {
			case 'h':
				if s.length == lenH {
					s.length = lenHH
				} else {
					s.length = lenH
				}
			case 'l':
				if s.length == lenL {
					s.length = lenLL
				} else {
					s.length = lenL
				}
			case 'q':
				s.length = lenLL
			case 'L':
				s.length = lenBigL
			case 'j':
				s.length = lenJ
			case 'z', 'Z':
				s.length = lenZ
			case 't':
				s.length = lenT
			default:
				break length
			}
			i++
		}
		if i >= len(format) {
			return dst, fmt.Errorf("%w: %q ends inside a conversion", ErrFormat, format[begin:])
		}
		s.conv = format[i]
		i++
		var err error
		switch s.conv {
		case '%':
			dst = append(dst, '%')
		case 'd', 'i', 'u', 'o', 'x', 'X':
			dst, err = p.integer(dst, &s, args)
		case 'c', 'C':
			dst, err = p.char(dst, &s, args)
		case 's', 'S':
			dst, err = p.str(dst, &s, args)
		case 'p':
			dst, err = p.pointer(dst, &s, args)
		case 'f', 'F', 'e', 'E', 'g', 'G', 'a', 'A':
			dst, err = p.float(dst, &s, args)
		case 'n':
			err = p.count(&s, args, len(dst)-start)
		case 'm':
			err = fmt.Errorf("%w: %%m (errno is not modeled)", ErrFormat)
		default:
			// glibc prints an unknown conversion as written.
			dst = append(dst, format[begin:i]...)
		}
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// intSize is the argument size of an integer conversion's length.
func (p *Printf) intSize(l byte) int {
	switch l {
	case lenLL, lenJ, lenBigL:
		return 8
	case lenL, lenZ, lenT:
		return p.WordSize
	}
	return 4
}

func (p *Printf) integer(dst []byte, s *spec, args ArgSource) ([]byte, error) {
	v, err := args.Int(p.intSize(s.length))
	if err != nil {
		return dst, err
	}
	bitsN := 8 * p.intSize(s.length)
	switch s.length {
	case lenHH:
		bitsN = 8
	case lenH:
		bitsN = 16
	}
	if bitsN < 64 {
		v &= 1<<bitsN - 1
	}
	neg := false
	if s.conv == 'd' || s.conv == 'i' {
		if bitsN < 64 {
			sh := 64 - uint(bitsN)
			v = uint64(int64(v<<sh) >> sh)
		}
		if int64(v) < 0 {
			neg = true
			v = -v
		}
	}
	base := 10
	switch s.conv {
	case 'o':
		base = 8
	case 'x', 'X':
		base = 16
	}
	var buf [80]byte
	digits := buf[:0]
	if !(s.prec == 0 && v == 0) {
		digits = strconv.AppendUint(digits, v, base)
		if s.conv == 'X' {
			for k, d := range digits {
				if d >= 'a' {
					digits[k] = d - 'a' + 'A'
				}
			}
		}
	}
	prefix := ""
	switch {
	case neg:
		prefix = "-"
	case s.conv == 'd' || s.conv == 'i':
		if s.plus {
			prefix = "+"
		} else if s.space {
			prefix = " "
		}
	}
	zeros := 0
	if s.prec > len(digits) {
		zeros = s.prec - len(digits)
	}
	if s.hash {
		switch s.conv {
		case 'o':
			if zeros == 0 && (len(digits) == 0 || digits[0] != '0') {
				zeros = 1
			}
		case 'x':
			if v != 0 {
				prefix = "0x"
			}
		case 'X':
			if v != 0 {
				prefix = "0X"
			}
		}
	}
	return pad(dst, s, prefix, zeros, digits, nil, s.prec < 0), nil
}

// pad appends prefix, zeros '0's, body and tail within the field width;
// zeroPad allows the '0' flag to fill between prefix and body.
func pad(dst []byte, s *spec, prefix string, zeros int, body, tail []byte, zeroPad bool) []byte {
	n := len(prefix) + zeros + len(body) + len(tail)
	fill := s.width - n
	if fill < 0 {
		fill = 0
	}
	switch {
	case s.minus:
	case s.zero && zeroPad:
		zeros += fill
		fill = 0
	default:
		dst = appendN(dst, ' ', fill)
		fill = 0
	}
	dst = append(dst, prefix...)
	dst = appendN(dst, '0', zeros)
	dst = append(dst, body...)
	dst = append(dst, tail...)
	return appendN(dst, ' ', fill)
}

func appendN(dst []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, c)
	}
	return dst
}

func (p *Printf) char(dst []byte, s *spec, args ArgSource) ([]byte, error) {
	v, err := args.Int(4)
	if err != nil {
		return dst, err
	}
	if s.length == lenL || s.conv == 'C' {
		if uint32(v) >= 0x80 {
			return dst, fmt.Errorf("%w: %%lc of %#x outside the C locale", ErrFormat, uint32(v))
		}
	}
	b := [1]byte{byte(v)}
	return pad(dst, s, "", 0, b[:], nil, false), nil
}

func (p *Printf) str(dst []byte, s *spec, args ArgSource) ([]byte, error) {
	addr, err := args.Int(p.WordSize)
	if err != nil {
		return dst, err
	}
	if addr == 0 {
		if s.prec < 0 || s.prec >= 6 {
			return pad(dst, s, "", 0, []byte("(null)"), nil, false), nil
		}
		return pad(dst, s, "", 0, nil, nil, false), nil
	}
	if p.Mem == nil {
		return dst, errors.New("printf: %s without guest memory")
	}
	if s.length == lenL || s.conv == 'S' {
		return p.wstr(dst, s, addr)
	}
	max := maxString
	if s.prec >= 0 {
		max = s.prec
	}
	str, err := readCBytes(p.Mem, addr, max)
	if err != nil {
		return dst, fmt.Errorf("%%s: %w", err)
	}
	return pad(dst, s, "", 0, str, nil, false), nil
}

// wstr formats a wide string (wchar_t is 4 bytes on every Linux
// platform) in the C locale: ASCII only.
func (p *Printf) wstr(dst []byte, s *spec, addr uint64) ([]byte, error) {
	var out []byte
	for {
		if s.prec >= 0 && len(out) >= s.prec {
			break
		}
		w, err := p.Mem.Uint(addr, 4)
		if err != nil {
			return dst, fmt.Errorf("%%ls: %w", err)
		}
		if w == 0 {
			break
		}
		if w >= 0x80 {
			return dst, fmt.Errorf("%w: %%ls of %#x outside the C locale", ErrFormat, w)
		}
		out = append(out, byte(w))
		addr += 4
	}
	return pad(dst, s, "", 0, out, nil, false), nil
}

// readCBytes reads a C string of at most max bytes, not reading past its
// NUL or the max-th byte.
func readCBytes(m *memory.Map, addr uint64, max int) ([]byte, error) {
	var out []byte
	for len(out) < max {
		r := m.Find(addr)
		if r == nil {
			return nil, &memory.UnmappedError{Addr: addr}
		}
		chunk := r.Data[addr-r.Start:]
		if len(chunk) > max-len(out) {
			chunk = chunk[:max-len(out)]
		}
		for k, b := range chunk {
			if b == 0 {
				return append(out, chunk[:k]...), nil
			}
		}
		out = append(out, chunk...)
		addr += uint64(len(chunk))
	}
	return out, nil
}

func (p *Printf) pointer(dst []byte, s *spec, args ArgSource) ([]byte, error) {
	v, err := args.Int(p.WordSize)
	if err != nil {
		return dst, err
	}
	if v == 0 {
		return pad(dst, s, "", 0, []byte("(nil)"), nil, false), nil
	}
	var buf [20]byte
	digits := strconv.AppendUint(buf[:0], v, 16)
	prefix := "0x"
	if s.plus {
		prefix = "+0x"
	} else if s.space {
		prefix = " 0x"
	}
	zeros := 0
	if s.prec > len(digits) {
		zeros = s.prec - len(digits)
	}
	return pad(dst, s, prefix, zeros, digits, nil, s.prec < 0), nil
}

func (p *Printf) count(s *spec, args ArgSource, n int) error {
	addr, err := args.Int(p.WordSize)
	if err != nil {
		return err
	}
	if p.Mem == nil {
		return errors.New("printf: %n without guest memory")
	}
	size := 4
	switch s.length {
	case lenHH:
		size = 1
	case lenH:
		size = 2
	default:
		size = p.intSize(s.length)
	}
	return p.Mem.PutUint(addr, size, uint64(n))
}

// float formats f F e E g G a A.
func (p *Printf) float(dst []byte, s *spec, args ArgSource) ([]byte, error) {
	var x floatVal
	if s.length == lenBigL && p.LongDouble != LDDouble {
		lo, hi, err := args.LongDouble()
		if err != nil {
			return dst, err
		}
		if x, err = p.longDouble(lo, hi); err != nil {
			return dst, err
		}
	} else {
		d, err := args.Double()
		if err != nil {
			return dst, err
		}
		x = doubleVal(d)
	}
	upper := s.conv >= 'A' && s.conv <= 'Z'
	prefix := ""
	switch {
	case x.neg:
		prefix = "-"
	case s.plus:
		prefix = "+"
	case s.space:
		prefix = " "
	}
	if x.inf || x.nan {
		word := "inf"
		if x.nan {
			word = "nan"
		}
		if upper {
			word = string([]byte{word[0] - 32, word[1] - 32, word[2] - 32})
		}
		return pad(dst, s, prefix, 0, []byte(word), nil, false), nil
	}
	prec := s.prec
	var body []byte
	switch s.conv | 0x20 {
	case 'f':
		if prec < 0 {
			prec = 6
		}
		body = x.text('f', prec)
		if s.hash && prec == 0 {
			body = append(body, '.')
		}
	case 'e':
		if prec < 0 {
			prec = 6
		}
		body = x.text('e', prec)
		if s.hash && prec == 0 {
			body = insertDot(body)
		}
	case 'g':
		if prec < 0 {
			prec = 6
		}
		if prec == 0 {
			prec = 1
		}
		e := x.text('e', prec-1)
		exp := expOf(e)
		switch {
		case exp == prec && expOf(x.text('e', 40)) == prec-1:
			// glibc chose %f with no decimals from the unrounded
			// exponent; rounding carried to 10^P and it switched to
			// %e keeping those no decimals ("%#g" of 999999.6 is
			// "1.e+06", not "1.00000e+06").
			body = x.text('e', 0)
		case exp < prec && exp >= -4:
			body = x.text('f', prec-1-exp)
		default:
			body = e
		}
		if !s.hash {
			body = trimZeros(body)
		} else if indexByte(body, '.') < 0 {
			body = insertDot(body)
		}
	case 'a':
		body = x.hex(prec, s.hash)
		prefix += "0x"
	}
	if upper {
		for k, c := range body {
			if c >= 'a' && c <= 'z' {
				body[k] = c - 32
			}
		}
		if s.conv == 'A' {
			prefix = prefix[:len(prefix)-2] + "0X"
		}
	}
	return pad(dst, s, prefix, 0, body, nil, true), nil
}

// expOf is the exponent of a %e-formatted number.
func expOf(e []byte) int {
	k := indexByte(e, 'e')
	if k < 0 {
		return 0
	}
	n, _ := strconv.Atoi(string(e[k+1:]))
	return n
}

func indexByte(b []byte, c byte) int {
	for k, x := range b {
		if x == c {
			return k
		}
	}
	return -1
}

// insertDot puts a '.' after the first digit (before an exponent).
func insertDot(b []byte) []byte {
	k := indexByte(b, 'e')
	if k < 0 {
		return append(b, '.')
	}
	out := append([]byte(nil), b[:k]...)
	out = append(out, '.')
	return append(out, b[k:]...)
}

// trimZeros removes trailing zeros of the fraction, and a bare '.'.
func trimZeros(b []byte) []byte {
	if indexByte(b, '.') < 0 {
		return b
	}
	k := indexByte(b, 'e')
	mant, exp := b, []byte(nil)
	if k >= 0 {
		mant, exp = b[:k], b[k:]
	}
	j := len(mant)
	for j > 0 && mant[j-1] == '0' {
		j--
	}
	if j > 0 && mant[j-1] == '.' {
		j--
	}
	return append(append([]byte(nil), mant[:j]...), exp...)
}

// floatVal is a finite or special floating value of any width.
type floatVal struct {
	neg, inf, nan bool
	d             float64    // when big is nil
	big           *big.Float // magnitude of a long double
	// hex digits for %a: lead and the fraction bits (fracBits of them,
	// left-aligned in frac), binary exponent of the lead digit.
	lead     uint64
	frac     [2]uint64 // frac[0] holds the high 64 bits
	fracBits int
	exp      int
	zero     bool
}

func doubleVal(d float64) floatVal {
	b := math.Float64bits(d)
	x := floatVal{neg: b>>63 != 0, d: math.Abs(d)}
	e := int(b >> 52 & 0x7ff)
	m := b & (1<<52 - 1)
	switch {
	case e == 0x7ff && m == 0:
		x.inf = true
	case e == 0x7ff:
		x.nan = true
	case e == 0 && m == 0:
		x.zero = true
	case e == 0:
		x.lead, x.exp = 0, -1022
	default:
		x.lead, x.exp = 1, e-1023
	}
	x.frac[0] = m << 12
	x.fracBits = 52
	return x
}

func (p *Printf) longDouble(lo, hi uint64) (floatVal, error) {
	var x floatVal
	switch p.LongDouble {
	case LDX87:
		x.neg = hi>>15&1 != 0
		e := int(hi & 0x7fff)
		if e == 0x7fff {
			if lo<<1 == 0 {
				x.inf = true
			} else {
				x.nan = true
			}
			return x, nil
		}
		if lo == 0 {
			x.zero = true
			x.big = new(big.Float)
			return x, nil
		}
		if e == 0 {
			e = 1
		}
		x.big = new(big.Float).SetPrec(64).SetUint64(lo)
		x.big.SetMantExp(x.big, e-16383-63)
		// glibc prints the 64-bit mantissa's first hex digit as the lead.
		x.lead = lo >> 60
		x.frac[0] = lo << 4
		x.fracBits = 60
		x.exp = e - 16383 - 3
	case LDQuad:
		x.neg = hi>>63 != 0
		e := int(hi >> 48 & 0x7fff)
		mhi := hi & (1<<48 - 1)
		if e == 0x7fff {
			if mhi == 0 && lo == 0 {
				x.inf = true
			} else {
				x.nan = true
			}
			return x, nil
		}
		if e == 0 && mhi == 0 && lo == 0 {
			x.zero = true
			x.big = new(big.Float)
			return x, nil
		}
		lead := uint64(1)
		if e == 0 {
			lead, e = 0, 1
		}
		m := new(big.Int).SetUint64(lead<<48 | mhi)
		m.Lsh(m, 64).Or(m, new(big.Int).SetUint64(lo))
		x.big = new(big.Float).SetPrec(113).SetInt(m)
		x.big.SetMantExp(x.big, e-16383-112)
		x.lead = lead
		x.frac[0] = mhi<<16 | lo>>48
		x.frac[1] = lo << 16
		x.fracBits = 112
		x.exp = e - 16383
	default:
		return x, fmt.Errorf("%w: IBM double-double long double is not supported", ErrFormat)
	}
	return x, nil
}

// text is the decimal form of the magnitude, correctly rounded (round
// half to even on exact ties, as glibc in the default rounding mode).
func (x *floatVal) text(format byte, prec int) []byte {
	if x.big != nil {
		return []byte(x.big.Text(format, prec))
	}
	return strconv.AppendFloat(nil, x.d, format, prec, 64)
}

// hex is %a's body after "0x": lead digit, fraction, exponent, as glibc
// prints it (trailing zeros dropped without a precision; rounding half
// to even into the lead digit with one).
func (x *floatVal) hex(prec int, hash bool) []byte {
	if x.zero {
		out := []byte{'0'}
		if prec > 0 || hash {
			out = append(out, '.')
		}
		out = appendN(out, '0', max(prec, 0))
		return append(out, "p+0"...)
	}
	ndig := (x.fracBits + 3) / 4
	lead := x.lead
	hi, lo := x.frac[0], x.frac[1]
	if prec >= 0 && prec < ndig {
		// keep 4*prec bits; round half to even on the rest
		keep := uint(4 * prec)
		var half, rest bool
		var last uint64
		if keep == 0 {
			half = hi>>63 != 0
			rest = hi<<1 != 0 || lo != 0
			last = lead & 1
		} else if keep < 64 {
			half = hi>>(63-keep)&1 != 0
			rest = hi<<(keep+1) != 0 || lo != 0
			last = hi >> (64 - keep) & 1
		} else {
			k := keep - 64
			half = lo>>(63-k)&1 != 0
			rest = lo<<(k+1) != 0
			if k == 0 {
				last = hi & 1
			} else {
				last = lo >> (64 - k) & 1
			}
		}
		// clear the dropped bits
		if keep == 0 {
			hi, lo = 0, 0
		} else if keep < 64 {
			hi &^= ^uint64(0) >> keep
			lo = 0
		} else if keep > 64 {
			lo &^= ^uint64(0) >> (keep - 64)
		} else {
			lo = 0
		}
		if half && (rest || last != 0) {
			// add one unit in the last kept place
			if keep == 0 {
				lead++
			} else if keep <= 64 {
				var c uint64
				hi, c = bits.Add64(hi, 1<<(64-keep), 0)
				lead += c
			} else {
				var c uint64
				lo, c = bits.Add64(lo, 1<<(128-keep), 0)
				hi, c = bits.Add64(hi, 0, c)
				lead += c
			}
		}
		ndig = prec
	} else if prec < 0 {
		// shortest: drop trailing zero digits
		for ndig > 0 && nibble(hi, lo, ndig-1) == 0 {
			ndig--
		}
	}
	out := strconv.AppendUint(nil, lead, 16)
	if ndig > 0 || prec > 0 || hash {
		out = append(out, '.')
	}
	for k := 0; k < ndig; k++ {
		out = append(out, "0123456789abcdef"[nibble(hi, lo, k)])
	}
	if prec > ndig {
		out = appendN(out, '0', prec-ndig)
	}
	out = append(out, 'p')
	if x.exp >= 0 {
		out = append(out, '+')
	}
	return strconv.AppendInt(out, int64(x.exp), 10)
}

func nibble(hi, lo uint64, k int) uint64 {
	if k < 16 {
		return hi >> (60 - 4*uint(k)) & 0xf
	}
	return lo >> (60 - 4*uint(k-16)) & 0xf
}
