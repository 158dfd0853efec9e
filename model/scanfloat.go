package model

import (
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"strconv"
)

// cNumber is the prefix of a text that strtod converts: a decimal or
// hexadecimal number, inf or nan. A number is digits × 10^exp (decimal)
// or hex digits × 2^exp, its digits without leading or trailing zeros.
type cNumber struct {
	neg      bool
	inf, nan bool
	hex      bool
	digits   []byte // empty: zero
	exp      int
}

// maxDigits bounds the digits kept of a long number: a further nonzero
// digit only decides the rounding, and a final 1 stands for it. Every
// halfway point between long doubles (binary128 subnormals included)
// has fewer significant decimal digits (about 11,500).
const (
	maxDecDigits = 12000
	maxHexDigits = 40
	// beyond these the value is infinite or rounds to zero in any format
	// (long double's range ends near 10^±4950, 2^±16500)
	decRange = 5100
	hexRange = 17000
)

// parseStrtod finds the longest prefix of text strtod converts (in the C
// locale); ok false when there is none.
func parseStrtod(text []byte) (x cNumber, ok bool) {
	i := 0
	if i < len(text) && (text[i] == '+' || text[i] == '-') {
		x.neg = text[i] == '-'
		i++
	}
	word := func(w string) bool {
		if len(text)-i < len(w) {
			return false
		}
		for k := 0; k < len(w); k++ {
			if scanLower(int(text[i+k])) != int(w[k]) {
				return false
			}
		}
		return true
	}
	switch {
	case word("nan"):
		x.nan = true
		return x, true
	case word("inf"):
		x.inf = true
		return x, true
	}
	digit := func(c byte) bool { return scanDigit(int(c)) }
	if len(text)-i >= 2 && text[i] == '0' && scanLower(int(text[i+1])) == 'x' {
		x.hex = true
		digit = func(c byte) bool { return scanXDigit(int(c)) }
		i += 2
	}
	var intPart, frac []byte
	j := i
	for j < len(text) && digit(text[j]) {
		j++
	}
	intPart = text[i:j]
	if j < len(text) && text[j] == '.' {
		k := j + 1
		for k < len(text) && digit(text[k]) {
			k++
		}
		frac = text[j+1 : k]
		j = k
	}
	if len(intPart)+len(frac) == 0 {
		// "0x" with no hex digit converts as the "0" before the x
		return x, x.hex
	}
	exp := 0
	expChar := 'e'
	if x.hex {
		expChar = 'p'
	}
	if j < len(text) && scanLower(int(text[j])) == int(expChar) {
		k := j + 1
		eneg := false
		if k < len(text) && (text[k] == '+' || text[k] == '-') {
			eneg = text[k] == '-'
			k++
		}
		for ; k < len(text) && scanDigit(int(text[k])); k++ {
			if exp < 1<<30 {
				exp = exp*10 + int(text[k]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	digits := append(append([]byte(nil), intPart...), frac...)
	unit := 1 // the exponent's steps per digit
	if x.hex {
		unit = 4
	}
	exp -= unit * len(frac)
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp += unit
	}
	max, span := maxDecDigits, decRange
	if x.hex {
		max, span = maxHexDigits, hexRange
	}
	if len(digits) > max {
		// the last digit kept is nonzero (trailing zeros are gone), so
		// digits were dropped that were not all zero
		exp += unit * (len(digits) - max - 1)
		digits = append(digits[:max:max], '1')
	}
	switch mag := unit*len(digits) + exp; {
	case len(digits) == 0:
	case mag > span:
		x.inf = true
	case mag < -span:
		digits = nil
	}
	x.digits, x.exp = digits, exp
	return x, true
}

// text is the number as strconv.ParseFloat reads it.
func (x *cNumber) text() string {
	b := make([]byte, 0, len(x.digits)+16)
	if x.neg {
		b = append(b, '-')
	}
	switch {
	case len(x.digits) == 0:
		return string(append(b, '0'))
	case x.hex:
		b = append(b, "0x"...)
		b = append(b, x.digits...)
		b = append(b, 'p')
	default:
		b = append(b, x.digits...)
		b = append(b, 'e')
	}
	return string(strconv.AppendInt(b, int64(x.exp), 10))
}

func (x *cNumber) float64bits() uint64 {
	var sign uint64
	if x.neg {
		sign = 1 << 63
	}
	switch {
	case x.nan:
		return sign | 0x7ff8000000000000
	case x.inf:
		return sign | 0x7ff0000000000000
	}
	v, _ := strconv.ParseFloat(x.text(), 64) // out of range: ±Inf or 0, as strtod
	return math.Float64bits(v)
}

func (x *cNumber) float32bits() uint32 {
	var sign uint32
	if x.neg {
		sign = 1 << 31
	}
	switch {
	case x.nan:
		return sign | 0x7fc00000
	case x.inf:
		return sign | 0x7f800000
	}
	v, _ := strconv.ParseFloat(x.text(), 32)
	return math.Float32bits(float32(v))
}

// binaryFormat is a binary floating format: p significant bits (the
// leading one included), normal exponents emin..emax.
type binaryFormat struct{ p, emin, emax int }

var (
	formatX87  = binaryFormat{64, -16382, 16383}
	formatQuad = binaryFormat{113, -16382, 16383}
)

// round returns the finite number's magnitude rounded to nearest, ties
// to even, in format ft: m × 2^(e-p+1) with m < 2^p (m < 2^(p-1) when
// subnormal, e then emin), or inf when it overflows.
func (x *cNumber) round(ft binaryFormat) (m *big.Int, e int, inf bool) {
	base := 10
	if x.hex {
		base = 16
	}
	num := new(big.Int)
	if _, ok := num.SetString(string(x.digits), base); !ok || num.Sign() == 0 {
		return new(big.Int), ft.emin, false
	}
	den := big.NewInt(1)
	scale := func(n *big.Int, k int) {
		if x.hex {
			n.Lsh(n, uint(k))
		} else {
			n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil))
		}
	}
	if x.exp >= 0 {
		scale(num, x.exp)
	} else {
		scale(den, -x.exp)
	}
	// e = floor(log2(num/den))
	e = num.BitLen() - den.BitLen()
	if shiftCmp(num, den, e) < 0 {
		e--
	}
	e = max(e, ft.emin)
	// m = num / (den × 2^(e-p+1)), rounded
	n, d := num, den
	if sh := e - ft.p + 1; sh >= 0 {
		d = new(big.Int).Lsh(den, uint(sh))
	} else {
		n = new(big.Int).Lsh(num, uint(-sh))
	}
	m, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if c := r.Lsh(r, 1).Cmp(d); c > 0 || c == 0 && m.Bit(0) == 1 {
		m.Add(m, big.NewInt(1))
		if m.BitLen() > ft.p {
			m.Rsh(m, 1)
			e++
		}
	}
	return m, e, e > ft.emax
}

// shiftCmp compares a with b × 2^k.
func shiftCmp(a, b *big.Int, k int) int {
	if k >= 0 {
		return a.Cmp(new(big.Int).Lsh(b, uint(k)))
	}
	return new(big.Int).Lsh(a, uint(-k)).Cmp(b)
}

// longDouble is the number as the platform's long double, in memory
// order: 10 bytes of x87 extended (what the FPU stores; the type's
// padding is left alone), 16 of binary128, or a double.
func (x *cNumber) longDouble(kind LongDoubleKind, order binary.ByteOrder) ([]byte, error) {
	switch kind {
	case LDDouble:
		return put64(order, x.float64bits()), nil
	case LDX87:
		var sign uint16
		if x.neg {
			sign = 0x8000
		}
		var mant uint64
		var exp uint16
		switch {
		case x.nan:
			mant, exp = 3<<62, 0x7fff
		case x.inf:
			mant, exp = 1<<63, 0x7fff
		default:
			m, e, inf := x.round(formatX87)
			switch {
			case inf:
				mant, exp = 1<<63, 0x7fff
			case m.BitLen() == 64:
				mant, exp = m.Uint64(), uint16(e+16383)
			default:
				mant = m.Uint64() // subnormal or zero: exponent 0
			}
		}
		b := binary.LittleEndian.AppendUint64(nil, mant)
		return binary.LittleEndian.AppendUint16(b, sign|exp), nil
	case LDQuad:
		var hi, lo uint64
		switch {
		case x.nan:
			hi = 0x7fff8000_00000000
		case x.inf:
			hi = 0x7fff0000_00000000
		default:
			m, e, inf := x.round(formatQuad)
			switch {
			case inf:
				hi = 0x7fff0000_00000000
			default:
				lo = new(big.Int).And(m, new(big.Int).SetUint64(^uint64(0))).Uint64()
				hi = new(big.Int).Rsh(m, 64).Uint64() & (1<<48 - 1)
				if m.BitLen() == 113 {
					hi |= uint64(e+16383) << 48
				}
			}
		}
		if x.neg {
			hi |= 1 << 63
		}
		if order == binary.BigEndian {
			return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, hi), lo), nil
		}
		return binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, lo), hi), nil
	}
	return nil, errors.New("scanf: IBM double-double long double (PowerPC) is not supported")
}

func put64(order binary.ByteOrder, v uint64) []byte {
	b := make([]byte, 8)
	order.PutUint64(b, v)
	return b
}

func put32(order binary.ByteOrder, v uint32) []byte {
	b := make([]byte, 4)
	order.PutUint32(b, v)
	return b
}
