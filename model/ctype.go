package model

import "encoding/binary"

// glibc's ctype class bits (ctype.h _ISbit): on little-endian platforms
// the bytes of the 16-bit table entries are swapped, and the is*
// functions return the table entry masked with the class, so their
// nonzero values are those bits.
const (
	isUpper = iota
	isLower
	isAlpha
	isDigit
	isXdigit
	isSpace
	isPrint
	isGraph
	isBlank
	isCntrl
	isPunct
	isAlnum
)

func ctypeBit(bit int, le bool) uint16 {
	if !le {
		return 1 << bit
	}
	if bit < 8 {
		return 1 << bit << 8
	}
	return 1 << bit >> 8
}

// ctypeClasses is the C locale's classification of an unsigned char.
func ctypeClasses(c int) []int {
	var cl []int
	add := func(ok bool, b int) {
		if ok {
			cl = append(cl, b)
		}
	}
	upper, lower := c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z'
	digit := c >= '0' && c <= '9'
	alpha := upper || lower
	print := c >= 0x20 && c < 0x7f
	add(upper, isUpper)
	add(lower, isLower)
	add(alpha, isAlpha)
	add(digit, isDigit)
	add(digit || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F', isXdigit)
	add(c == ' ' || c >= '\t' && c <= '\r', isSpace)
	add(print, isPrint)
	add(print && c != ' ', isGraph)
	add(c == ' ' || c == '\t', isBlank)
	add(c < 0x20 || c == 0x7f, isCntrl)
	add(print && c != ' ' && !alpha && !digit, isPunct)
	add(alpha || digit, isAlnum)
	return cl
}

func ctypeEntry(c int, le bool) uint16 {
	var v uint16
	if c < 0 || c > 0x7f {
		return 0
	}
	for _, b := range ctypeClasses(c) {
		v |= ctypeBit(b, le)
	}
	return v
}

func init() {
	for _, f := range []struct {
		name string
		bit  int
	}{{"isupper", isUpper}, {"islower", isLower}, {"isalpha", isAlpha}, {"isdigit", isDigit}, {"isxdigit", isXdigit},
		{"isspace", isSpace}, {"isprint", isPrint}, {"isgraph", isGraph}, {"isblank", isBlank}, {"iscntrl", isCntrl},
		{"ispunct", isPunct}, {"isalnum", isAlnum}} {
		bit := f.bit
		def(f.name, "c", Exact, "C locale classification; returns glibc's nonzero class bit (its table entry masked), 0 for EOF and bytes above 0x7f", func(c *Call) (uint64, error) {
			le := c.b.Env.Platform().ByteOrder == binary.LittleEndian
			return uint64(ctypeEntry(int(c.Int(0)), le) & ctypeBit(bit, le)), nil
		})
	}
	def("tolower", "c", Exact, "C locale: A-Z to a-z; any other value unchanged", func(c *Call) (uint64, error) {
		v := c.Int(0)
		if v >= 'A' && v <= 'Z' {
			v += 32
		}
		return uint64(v), nil
	})
	def("toupper", "c", Exact, "C locale: a-z to A-Z; any other value unchanged", func(c *Call) (uint64, error) {
		v := c.Int(0)
		if v >= 'a' && v <= 'z' {
			v -= 32
		}
		return uint64(v), nil
	})
	def("isascii", "c", Exact, "returns 1 when c is in 0..127", func(c *Call) (uint64, error) {
		if uint64(c.Int(0)) < 0x80 {
			return 1, nil
		}
		return 0, nil
	})
	// glibc's table pointers: a pointer to a pointer to entry 0 of a
	// table indexed from -128 (the C locale's tables, built in the heap).
	tables := []struct {
		name, doc string
		size      int
		entry     func(c int, le bool) uint32
	}{
		{"__ctype_b_loc", "returns a pointer to a pointer to the C locale's class table (unsigned short, index -128..255), in the models' heap", 2,
			func(c int, le bool) uint32 { return uint32(ctypeEntry(c, le)) }},
		{"__ctype_tolower_loc", "returns a pointer to a pointer to the C locale's tolower table (int32, index -128..255), in the models' heap", 4,
			func(c int, le bool) uint32 {
				if c >= 'A' && c <= 'Z' {
					return uint32(c + 32)
				}
				return uint32(int32(c))
			}},
		{"__ctype_toupper_loc", "returns a pointer to a pointer to the C locale's toupper table (int32, index -128..255), in the models' heap", 4,
			func(c int, le bool) uint32 {
				if c >= 'a' && c <= 'z' {
					return uint32(c - 32)
				}
				return uint32(int32(c))
			}},
	}
	for _, t := range tables {
		t := t
		m := def(t.name, "", Exact, t.doc, func(c *Call) (uint64, error) {
			st := c.libc()
			if a, ok := st.ctype[t.name]; ok {
				return a, nil
			}
			p := c.b.Env.Platform()
			w := uint64(p.WordSize)
			le := p.ByteOrder == binary.LittleEndian
			a, err := c.malloc(w + uint64(384*t.size))
			if err != nil {
				return 0, err
			}
			buf := make([]byte, 384*t.size)
			for i := -128; i < 256; i++ {
				ch := i
				if ch >= 128 { // the C locale classifies nothing above 0x7f
					ch = 0x100
				}
				v := t.entry(ch, le)
				if ch == 0x100 && t.size == 4 {
					v = uint32(i)
				}
				if i < 0 && t.size == 4 {
					v = uint32(i + 256) // glibc: entries -128..-2 as 128..254
				}
				if i == -1 && t.size == 4 {
					v = 0xffffffff // and EOF maps to EOF: toupper(EOF) == EOF
				}
				at := (i + 128) * t.size
				if t.size == 2 {
					p.ByteOrder.PutUint16(buf[at:], uint16(v))
				} else {
					p.ByteOrder.PutUint32(buf[at:], v)
				}
			}
			c.put(a+w, buf)
			c.putWord(a, a+w+uint64(128*t.size))
			if st.ctype == nil {
				st.ctype = map[string]uint64{}
			}
			st.ctype[t.name] = a
			return a, nil
		})
		m.Params = nil
	}
}
