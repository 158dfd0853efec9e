package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

func init() {
	def("malloc", "size", Imprecise, "allocates from a heap the models map on first use (16-byte aligned blocks, no glibc chunk headers: addresses differ from glibc's); NULL for absurd sizes", func(c *Call) (uint64, error) {
		return c.malloc(c.Arg(0))
	})
	def("calloc", "nmemb size", Imprecise, "allocates nmemb*size zeroed bytes from the models' heap (NULL on overflow)", func(c *Call) (uint64, error) {
		n, s := c.Arg(0), c.Arg(1)
		if s != 0 && n > c.b.mask/s {
			return 0, nil
		}
		a, err := c.malloc(n * s)
		if err == nil && a != 0 {
			c.put(a, make([]byte, n*s))
		}
		return a, err
	})
	def("realloc", "ptr size", Imprecise, "resizes a heap block: a new block with the old contents (realloc(NULL, n) is malloc; size 0 frees and returns NULL)", func(c *Call) (uint64, error) {
		p, n := c.Arg(0), c.Arg(1)
		if p == 0 {
			return c.malloc(n)
		}
		old, ok := c.blockSize(p)
		if !ok {
			return 0, c.freeBlock(p) // reports the bad pointer
		}
		if n == 0 {
			return 0, c.freeBlock(p)
		}
		a, err := c.malloc(n)
		if err != nil || a == 0 {
			return a, err
		}
		c.put(a, c.bytesAt(p, min(old, n)))
		if c.libc().check.on {
			c.checkedInitCopy(a, p, min(old, n))
		}
		return a, c.freeBlock(p)
	})
	register(&Model{Name: "free", Params: []string{"ptr"}, Level: Imprecise,
		Doc: "frees a block of the models' heap; a pointer there that is not a live block (double free, invalid pointer) stops the run, as glibc aborts; a block of the real allocator is left alone",
		Fn:  func(c *Call) (uint64, error) { return 0, c.freeBlock(c.Arg(0)) }})

	// integer conversions; bits 0 is long (the word size)
	conv := func(name string, bits int, signed bool, hasEnd bool) {
		c23 := strings.HasPrefix(name, "__isoc23_") // C23: 0b binary prefixes too
		params, doc := "nptr", "converts the decimal prefix of nptr (no error reporting)"
		if hasEnd {
			params, doc = "nptr endptr base", "converts the prefix of nptr in base (0: C prefixes), saturating on overflow; sets *endptr; errno is not set"
		}
		m := def(name, params, Exact, doc, func(c *Call) (uint64, error) {
			s := c.str(0)
			base := 10
			if hasEnd {
				base = int(c.Int(2))
			}
			b := bits
			if b == 0 {
				b = 8 * c.b.Env.Platform().WordSize
			}
			v, used := strtoInt(s, base, b, signed)
			if c23 {
				v, used = strtoInt23(s, base, b, signed)
			}
			if hasEnd && c.Arg(1) != 0 {
				c.putWord(c.Arg(1), c.Arg(0)+uint64(used))
			}
			return v, nil
		})
		m.Ret64 = bits == 64
		if c23 {
			m.Doc = strings.Replace(doc, "(0: C prefixes)", "(0: C prefixes, with C23's 0b for base 0 and 2)", 1)
		}
	}
	conv("atoi", 32, true, false)
	conv("atol", 0, true, false)
	conv("atoll", 64, true, false)
	conv("strtol", 0, true, true)
	conv("strtoul", 0, false, true)
	conv("strtoll", 64, true, true)
	conv("strtoull", 64, false, true)
	conv("strtoimax", 64, true, true)
	conv("strtoumax", 64, false, true)
	conv("__isoc23_strtol", 0, true, true)
	conv("__isoc23_strtoul", 0, false, true)
	conv("__isoc23_strtoll", 64, true, true)
	conv("__isoc23_strtoull", 64, false, true)
	for _, n := range []string{"strtod", "atof"} {
		name := n
		params := "nptr"
		if name == "strtod" {
			params = "nptr endptr"
		}
		def(name, params, Exact, "converts the decimal or hex floating prefix of nptr (inf, nan too) to the nearest double; errno is not set", func(c *Call) (uint64, error) {
			v, used := parseCDouble(string(c.str(0)))
			if name == "strtod" && c.Arg(1) != 0 {
				c.putWord(c.Arg(1), c.Arg(0)+uint64(used))
			}
			return math.Float64bits(v), nil
		}).RetDouble = true
	}

	def("abs", "j", Exact, "returns |j| as an int (abs(INT_MIN) is INT_MIN)", func(c *Call) (uint64, error) {
		v := int32(c.Arg(0))
		if v < 0 {
			v = -v
		}
		return uint64(int64(v)), nil
	})
	def("labs", "j", Exact, "returns |j| as a long", func(c *Call) (uint64, error) {
		v := c.signed(c.Arg(0))
		if v < 0 {
			v = -v
		}
		return uint64(v), nil
	})
	def("llabs", "j", Exact, "returns |j| as a long long", func(c *Call) (uint64, error) {
		v := int64(c.arg64())
		if v < 0 {
			v = -v
		}
		return uint64(v), nil
	}).Ret64 = true
	for _, n := range []string{"div", "ldiv", "lldiv"} {
		register(&Model{Name: n, Params: []string{"numer", "denom"}, Returns: true, Level: Unsupported,
			Doc: "returns a struct: struct returns are not supported by the calling conventions"})
	}
	sortDoc := "sorts nmemb elements of size bytes at base with glibc 2.36's stable merge sort, calling the guest's compar%s in the same order with the same pointers (elements over 32 bytes sorted through pointers, as glibc); glibc takes its temporary buffer from malloc for arrays of 1 KiB or more and the model does not, so the real allocator's later choices may differ"
	register(&Model{Name: "qsort", Params: []string{"base", "nmemb", "size", "compar"}, Level: Imprecise,
		Doc: fmt.Sprintf(sortDoc, ""),
		Fn: func(c *Call) (uint64, error) {
			return 0, c.msort(c.Arg(0), c.Arg(1), c.Arg(2), c.Arg(3), nil)
		}})
	register(&Model{Name: "qsort_r", Params: []string{"base", "nmemb", "size", "compar", "arg"}, Level: Imprecise,
		Doc: fmt.Sprintf(sortDoc, " (with arg as its third argument)"),
		Fn: func(c *Call) (uint64, error) {
			arg := c.Arg(4)
			return 0, c.msort(c.Arg(0), c.Arg(1), c.Arg(2), c.Arg(3), &arg)
		}})
	def("bsearch", "key base nmemb size compar", Exact, "binary search of the sorted array as glibc does it (the same compar calls); returns the element found or NULL", func(c *Call) (uint64, error) {
		key, base, n, size, cmp := c.Arg(0), c.Arg(1), c.Arg(2), c.Arg(3), c.Arg(4)
		lo, hi := uint64(0), n
		for lo < hi {
			mid := (lo + hi) / 2
			p := base + mid*size
			r, err := c.compare(cmp, key, p, nil)
			if err != nil {
				return 0, err
			}
			switch {
			case r < 0:
				hi = mid
			case r > 0:
				lo = mid + 1
			default:
				return p, nil
			}
		}
		return 0, nil
	})

	def("rand", "", Exact, "glibc's random_r (TYPE_3 additive feedback) sequence: the same numbers as glibc for the same seed", func(c *Call) (uint64, error) {
		return uint64(c.libc().nextRand()), nil
	}).Params = nil
	register(&Model{Name: "srand", Params: []string{"seed"}, Level: Exact, Doc: "seeds rand as glibc does (seed 0 is 1)",
		Fn: func(c *Call) (uint64, error) { c.libc().seedRand(uint32(c.Arg(0))); return 0, nil }})
	register(&Model{Name: "abort", NoReturn: true, Level: Imprecise,
		Doc: "ends the run with status 134 (128 + SIGABRT) as a shell reports it; no signal is raised",
		Fn:  func(c *Call) (uint64, error) { c.Env().Exit(134); return 0, nil }})
	def("atexit", "function", Imprecise, "records the handler and returns 0; exit does not run the handlers", func(c *Call) (uint64, error) {
		st := c.libc()
		st.atexit = append(st.atexit, c.Arg(0))
		return 0, nil
	})
	def("getenv", "name", Imprecise, "the guest has an empty environment: returns NULL", func(c *Call) (uint64, error) {
		_ = c.str(0)
		return 0, nil
	})
}

// strtoInt23 is glibc 2.38's C23 strtol (__isoc23_strtol): as strtoInt,
// and in base 0 or 2 a 0b or 0B prefix followed by a binary digit
// selects base 2 (without one, the "0" alone converts).
func strtoInt23(s []byte, base, bits int, signed bool) (uint64, int) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	j := i
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	if (base == 0 || base == 2) && j+2 < len(s) && s[j] == '0' && s[j+1]|0x20 == 'b' && digitVal(s[j+2]) < 2 {
		t := append(append([]byte(nil), s[i:j]...), s[j+2:]...) // the sign, then the digits
		v, used := strtoInt(t, 2, bits, signed)
		return v, used + 2 + i
	}
	return strtoInt(s, base, bits, signed)
}

// strtoInt is strtol's parser: leading space, sign, base prefix, digits;
// saturating at the type's range. used is the bytes consumed (0: no
// conversion).
func strtoInt(s []byte, base, bits int, signed bool) (uint64, int) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base < 0 || base == 1 || base > 36 {
		return 0, 0
	}
	if (base == 0 || base == 16) && i+1 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x' && i+2 < len(s) && digitVal(s[i+2]) < 16 {
		i += 2
		base = 16
	} else if base == 0 && i < len(s) && s[i] == '0' {
		base = 8
	} else if base == 0 {
		base = 10
	}
	start := i
	var v uint64
	over := false
	limit := uint64(1)<<bits - 1
	if bits == 64 {
		limit = ^uint64(0)
	}
	for i < len(s) && digitVal(s[i]) < base {
		d := uint64(digitVal(s[i]))
		if v > (limit-d)/uint64(base) {
			over = true
		} else {
			v = v*uint64(base) + d
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	if signed {
		maxPos := uint64(1)<<(bits-1) - 1
		switch {
		case neg && (over || v > maxPos+1):
			v = maxPos + 1
		case !neg && (over || v > maxPos):
			v = maxPos
		}
		if neg {
			v = -v
		}
	} else {
		if over {
			v = limit
		} else if neg {
			v = -v
		}
	}
	if bits < 64 {
		v &= limit
		if signed {
			v = uint64(int64(int32(uint32(v))))
		}
	}
	return v, i
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'z':
		return int(c|0x20-'a') + 10
	}
	return 99
}

// parseCDouble is strtod: the longest prefix that is a C floating
// constant (decimal, hex, inf, infinity, nan, nan(...)).
func parseCDouble(s string) (float64, int) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	rest := strings.ToLower(s[i:])
	neg := i > start && s[start] == '-'
	sign := 1.0
	if neg {
		sign = -1
	}
	switch {
	case strings.HasPrefix(rest, "infinity"):
		return math.Inf(int(sign)), i + 8
	case strings.HasPrefix(rest, "inf"):
		return math.Inf(int(sign)), i + 3
	case strings.HasPrefix(rest, "nan"):
		n := i + 3
		if j := strings.IndexByte(s[n:], ')'); n < len(s) && s[n] == '(' && j > 0 {
			ok := true
			for _, ch := range s[n+1 : n+j] {
				if !(ch >= '0' && ch <= '9' || ch|0x20 >= 'a' && ch|0x20 <= 'z' || ch == '_') {
					ok = false
				}
			}
			if ok {
				n += j + 1
			}
		}
		return math.Copysign(math.NaN(), sign), n
	}
	hex := strings.HasPrefix(rest, "0x")
	j := i
	if hex {
		j += 2
	}
	isDigit := func(c byte) bool {
		if hex {
			return digitVal(c) < 16
		}
		return c >= '0' && c <= '9'
	}
	digits := 0
	for j < len(s) && isDigit(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		if hex { // "0x" alone: the "0" converts
			v, _ := strconv.ParseFloat(s[start:i+1], 64)
			return v, i + 1
		}
		return 0, 0
	}
	expc := byte('e')
	if hex {
		expc = 'p'
	}
	if j < len(s) && s[j]|0x20 == expc {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && s[k] >= '0' && s[k] <= '9' {
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			j = k
		}
	}
	text := s[start:j]
	if hex && !strings.ContainsAny(text, "pP") {
		text += "p0"
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		// out of range: ParseFloat returns ±Inf or 0 with the error, as
		// strtod's HUGE_VAL and underflow results
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, 0
		}
	}
	return v, j
}

// glibc's rand: random_r with the default TYPE_3 state (degree 31,
// separation 3), seeded by srand's LCG and 310 discarded outputs.
func (st *libcState) seedRand(seed uint32) {
	if seed == 0 {
		seed = 1
	}
	r := make([]int32, 34, 344)
	r[0] = int32(seed)
	for i := 1; i < 31; i++ {
		hi, lo := int64(r[i-1])/127773, int64(r[i-1])%127773
		w := 16807*lo - 2836*hi
		if w < 0 {
			w += 2147483647
		}
		r[i] = int32(w)
	}
	for i := 31; i < 34; i++ {
		r[i] = r[i-31]
	}
	st.randR = r
	for i := 34; i < 344; i++ {
		st.step()
	}
	st.randInit = true
}

func (st *libcState) step() int32 {
	n := len(st.randR)
	v := int32(uint32(st.randR[n-31]) + uint32(st.randR[n-3]))
	st.randR = append(st.randR, v)
	if len(st.randR) > 4096 {
		st.randR = append(st.randR[:0:0], st.randR[len(st.randR)-34:]...)
	}
	return v
}

func (st *libcState) nextRand() int32 {
	if !st.randInit {
		st.seedRand(1)
	}
	return int32(uint32(st.step()) >> 1)
}
