package model

import (
	"bytes"
	"fmt"
)

// def registers a model that returns a value, with its parameters.
func def(name string, params string, level Level, doc string, fn func(c *Call) (uint64, error)) *Model {
	m := &Model{Name: name, Params: splitParams(params), Returns: true, Level: level, Doc: doc, Fn: fn}
	register(m)
	return m
}

func splitParams(s string) []string {
	var out []string
	for _, f := range bytes.Fields([]byte(s)) {
		out = append(out, string(f))
	}
	return out
}

// cmpBytes is glibc's generic result: the difference of the first
// differing bytes as unsigned chars.
func cmpBytes(a, b []byte) uint64 {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return uint64(int64(int(a[i]) - int(b[i])))
		}
	}
	switch {
	case len(a) < len(b):
		return uint64(int64(-int(b[len(a)])))
	case len(a) > len(b):
		return uint64(int64(int(a[len(b)])))
	}
	return 0
}

// overflow is what the _FORTIFY_SOURCE checks report: glibc prints
// "*** buffer overflow detected ***: terminated" and aborts.
func overflow(name string, n, dest uint64) error {
	return fmt.Errorf("*** buffer overflow detected ***: %s of %d bytes into a buffer of %d", name, n, dest)
}

func init() {
	const sameAsGlibc = Exact
	def("memchr", "s c n", sameAsGlibc, "finds the first byte c in the n bytes at s; returns its address or NULL", func(c *Call) (uint64, error) {
		s, n := c.Arg(0), c.Arg(2)
		if i := bytes.IndexByte(c.bytesAt(s, n), byte(c.Arg(1))); i >= 0 {
			return s + uint64(i), nil
		}
		return 0, nil
	})
	def("memrchr", "s c n", Exact, "finds the last byte c in the n bytes at s; returns its address or NULL", func(c *Call) (uint64, error) {
		s, n := c.Arg(0), c.Arg(2)
		if i := bytes.LastIndexByte(c.bytesAt(s, n), byte(c.Arg(1))); i >= 0 {
			return s + uint64(i), nil
		}
		return 0, nil
	})
	def("memcmp", "a b n", Exact, "compares n bytes; returns the difference of the first differing bytes (unsigned), or 0", func(c *Call) (uint64, error) {
		n := c.Arg(2)
		return cmpBytes(c.bytesAt(c.Arg(0), n), c.bytesAt(c.Arg(1), n)), nil
	})
	for _, name := range []string{"memcpy", "memmove"} {
		def(name, "dest src n", Exact, "copies n bytes from src to dest (overlap allowed); returns dest", func(c *Call) (uint64, error) {
			d := c.Arg(0)
			c.put(d, c.bytesAt(c.Arg(1), c.Arg(2)))
			return d, nil
		})
	}
	def("mempcpy", "dest src n", Exact, "copies n bytes from src to dest; returns dest+n", func(c *Call) (uint64, error) {
		d, n := c.Arg(0), c.Arg(2)
		c.put(d, c.bytesAt(c.Arg(1), n))
		return d + n, nil
	})
	def("memset", "s c n", Exact, "fills n bytes at s with the byte c; returns s", func(c *Call) (uint64, error) {
		s := c.Arg(0)
		c.put(s, bytes.Repeat([]byte{byte(c.Arg(1))}, int(min(c.Arg(2), 1<<31))))
		return s, nil
	})
	def("strlen", "s", Exact, "returns the length of the string s", func(c *Call) (uint64, error) {
		return uint64(len(c.str(0))), nil
	})
	def("strnlen", "s max", Exact, "returns the length of s, at most max", func(c *Call) (uint64, error) {
		s, err := readCBytes(c.Mem(), c.Arg(0), int(min(c.Arg(1), 1<<31)))
		return uint64(len(s)), err
	})
	for _, name := range []string{"strcmp", "strcoll"} {
		def(name, "a b", Exact, "compares two strings (the C locale collates by byte); returns the difference of the first differing bytes", func(c *Call) (uint64, error) {
			return cmpBytes(c.str(0), c.str(1)), nil
		})
	}
	def("strncmp", "a b n", Exact, "compares at most n bytes of two strings", func(c *Call) (uint64, error) {
		n := int(min(c.Arg(2), 1<<31))
		a, err := readCBytes(c.Mem(), c.Arg(0), n)
		if err != nil {
			return 0, err
		}
		b, err := readCBytes(c.Mem(), c.Arg(1), n)
		return cmpBytes(a, b), err
	})
	def("strcasecmp", "a b", Exact, "compares two strings ignoring ASCII case", func(c *Call) (uint64, error) {
		return cmpBytes(bytes.ToLower(c.str(0)), bytes.ToLower(c.str(1))), nil
	})
	def("strcpy", "dest src", Exact, "copies the string src and its NUL to dest; returns dest", func(c *Call) (uint64, error) {
		d := c.Arg(0)
		c.put(d, append(c.str(1), 0))
		return d, nil
	})
	def("stpcpy", "dest src", Exact, "copies src and its NUL to dest; returns the address of the copied NUL", func(c *Call) (uint64, error) {
		d, s := c.Arg(0), c.str(1)
		c.put(d, append(s, 0))
		return d + uint64(len(s)), nil
	})
	def("strncpy", "dest src n", Exact, "copies at most n bytes of src to dest, padding with NULs to n; returns dest", func(c *Call) (uint64, error) {
		d, n := c.Arg(0), c.Arg(2)
		s, err := readCBytes(c.Mem(), c.Arg(1), int(min(n, 1<<31)))
		if err != nil {
			return 0, err
		}
		c.put(d, append(s, make([]byte, n-uint64(len(s)))...))
		return d, nil
	})
	def("strcat", "dest src", Exact, "appends src to the string dest; returns dest", func(c *Call) (uint64, error) {
		d := c.Arg(0)
		c.put(d+uint64(len(c.str(0))), append(c.str(1), 0))
		return d, nil
	})
	def("strncat", "dest src n", Exact, "appends at most n bytes of src and a NUL to dest; returns dest", func(c *Call) (uint64, error) {
		d := c.Arg(0)
		s, err := readCBytes(c.Mem(), c.Arg(1), int(min(c.Arg(2), 1<<31)))
		if err != nil {
			return 0, err
		}
		c.put(d+uint64(len(c.str(0))), append(s, 0))
		return d, nil
	})
	def("strchr", "s c", Exact, "finds the first c in s (c = 0 finds the terminator); returns its address or NULL", func(c *Call) (uint64, error) {
		s, ch := c.str(0), byte(c.Arg(1))
		if ch == 0 {
			return c.Arg(0) + uint64(len(s)), nil
		}
		if i := bytes.IndexByte(s, ch); i >= 0 {
			return c.Arg(0) + uint64(i), nil
		}
		return 0, nil
	})
	def("strrchr", "s c", Exact, "finds the last c in s (c = 0 finds the terminator); returns its address or NULL", func(c *Call) (uint64, error) {
		s, ch := c.str(0), byte(c.Arg(1))
		if ch == 0 {
			return c.Arg(0) + uint64(len(s)), nil
		}
		if i := bytes.LastIndexByte(s, ch); i >= 0 {
			return c.Arg(0) + uint64(i), nil
		}
		return 0, nil
	})
	def("strspn", "s accept", Exact, "returns the length of the prefix of s made of bytes in accept", func(c *Call) (uint64, error) {
		s, set := c.str(0), c.str(1)
		i := 0
		for i < len(s) && bytes.IndexByte(set, s[i]) >= 0 {
			i++
		}
		return uint64(i), nil
	})
	def("strcspn", "s reject", Exact, "returns the length of the prefix of s made of bytes not in reject", func(c *Call) (uint64, error) {
		s, set := c.str(0), c.str(1)
		i := 0
		for i < len(s) && bytes.IndexByte(set, s[i]) < 0 {
			i++
		}
		return uint64(i), nil
	})
	def("strpbrk", "s accept", Exact, "finds the first byte of s in accept; returns its address or NULL", func(c *Call) (uint64, error) {
		if i := bytes.IndexAny(c.str(0), string(c.str(1))); i >= 0 && len(c.str(1)) > 0 {
			return c.Arg(0) + uint64(i), nil
		}
		return 0, nil
	})
	def("strstr", "haystack needle", Exact, "finds the first occurrence of needle in haystack; returns its address or NULL", func(c *Call) (uint64, error) {
		if i := bytes.Index(c.str(0), c.str(1)); i >= 0 {
			return c.Arg(0) + uint64(i), nil
		}
		return 0, nil
	})
	def("strdup", "s", Imprecise, "copies s into a new block of the models' heap, which only the free model may free; returns it (NULL when the heap is exhausted)", func(c *Call) (uint64, error) {
		return c.cstrDup(c.str(0))
	})
	def("strndup", "s n", Imprecise, "(a block of the models' heap, which only the free model may free) copies at most n bytes of s and a NUL into a new heap block", func(c *Call) (uint64, error) {
		s, err := readCBytes(c.Mem(), c.Arg(0), int(min(c.Arg(1), 1<<31)))
		if err != nil {
			return 0, err
		}
		return c.cstrDup(s)
	})
	def("strxfrm", "dest src n", Exact, "C locale: copies src to dest when it fits in n bytes; returns strlen(src)", func(c *Call) (uint64, error) {
		s := c.str(1)
		if uint64(len(s)) < c.Arg(2) {
			c.put(c.Arg(0), append(s, 0))
		}
		return uint64(len(s)), nil
	})
	def("strtok", "s delim", Exact, "splits a string into tokens, remembering its position between calls", func(c *Call) (uint64, error) {
		st := c.libc()
		p := c.Arg(0)
		if p == 0 {
			p = st.strtok
		}
		tok, next := c.strtok(p, c.str(1))
		st.strtok = next
		return tok, nil
	})
	def("strtok_r", "s delim saveptr", Exact, "splits a string into tokens, keeping its position in *saveptr", func(c *Call) (uint64, error) {
		p, save := c.Arg(0), c.Arg(2)
		if p == 0 {
			p = c.word(save)
		}
		tok, next := c.strtok(p, c.str(1))
		c.putWord(save, next)
		return tok, nil
	})
	def("strerror", "errnum", Imprecise, "returns glibc's message for errnum (Linux errno values of the common errors; others \"Unknown error N\"); the string lives in the models' heap", func(c *Call) (uint64, error) {
		n := c.Int(0)
		st := c.libc()
		if a, ok := st.strerr[n]; ok {
			return a, nil
		}
		msg, ok := errnoText[n]
		if !ok {
			msg = fmt.Sprintf("Unknown error %d", n)
		}
		a, err := c.cstrDup([]byte(msg))
		if err != nil {
			return 0, err
		}
		if st.strerr == nil {
			st.strerr = map[int64]uint64{}
		}
		st.strerr[n] = a
		return a, nil
	})

	// _FORTIFY_SOURCE variants: the same, after checking the length
	// against the destination's size (destlen).
	chk := func(name, params string, check func(c *Call) (n, dest uint64), base string) {
		m := registry[base]
		def(name, params, Exact, "checked "+base+": stops the run as glibc aborts (\"*** buffer overflow detected ***\") when the write exceeds destlen; else "+m.Doc,
			func(c *Call) (uint64, error) {
				if n, dest := check(c); n > dest {
					return 0, overflow(base, n, dest)
				}
				return m.Fn(c)
			})
	}
	n2 := func(c *Call) (uint64, uint64) { return c.Arg(2), c.Arg(3) }
	chk("__memcpy_chk", "dest src n destlen", n2, "memcpy")
	chk("__memmove_chk", "dest src n destlen", n2, "memmove")
	chk("__mempcpy_chk", "dest src n destlen", n2, "mempcpy")
	chk("__memset_chk", "s c n destlen", n2, "memset")
	chk("__strncpy_chk", "dest src n destlen", n2, "strncpy")
	chk("__strcpy_chk", "dest src destlen", func(c *Call) (uint64, uint64) { return uint64(len(c.str(1)) + 1), c.Arg(2) }, "strcpy")
	chk("__stpcpy_chk", "dest src destlen", func(c *Call) (uint64, uint64) { return uint64(len(c.str(1)) + 1), c.Arg(2) }, "stpcpy")
	chk("__strcat_chk", "dest src destlen", func(c *Call) (uint64, uint64) {
		return uint64(len(c.str(0)) + len(c.str(1)) + 1), c.Arg(2)
	}, "strcat")
	chk("__strncat_chk", "dest src n destlen", func(c *Call) (uint64, uint64) {
		s, _ := readCBytes(c.Mem(), c.Arg(1), int(min(c.Arg(2), 1<<31)))
		return uint64(len(c.str(0)) + len(s) + 1), c.Arg(3)
	}, "strncat")
}

// strtok finds the token at p: returns its address (0: none) and where
// the next search starts.
func (c *Call) strtok(p uint64, delim []byte) (tok, next uint64) {
	if p == 0 {
		return 0, 0
	}
	s, err := c.CBytes(p, maxString)
	if err != nil {
		c.err = err
		return 0, 0
	}
	i := 0
	for i < len(s) && bytes.IndexByte(delim, s[i]) >= 0 {
		i++
	}
	if i == len(s) {
		return 0, p + uint64(i)
	}
	j := i
	for j < len(s) && bytes.IndexByte(delim, s[j]) < 0 {
		j++
	}
	if j == len(s) {
		return p + uint64(i), p + uint64(j)
	}
	c.put(p+uint64(j), []byte{0})
	return p + uint64(i), p + uint64(j) + 1
}

// errnoText: glibc's strerror messages for the common Linux errors
// (numbers of the generic table; MIPS and others renumber some of the
// higher ones, which are not listed).
var errnoText = map[int64]string{
	0: "Success", 1: "Operation not permitted", 2: "No such file or directory", 3: "No such process",
	4: "Interrupted system call", 5: "Input/output error", 6: "No such device or address",
	7: "Argument list too long", 8: "Exec format error", 9: "Bad file descriptor", 10: "No child processes",
	11: "Resource temporarily unavailable", 12: "Cannot allocate memory", 13: "Permission denied",
	14: "Bad address", 15: "Block device required", 16: "Device or resource busy", 17: "File exists",
	18: "Invalid cross-device link", 19: "No such device", 20: "Not a directory", 21: "Is a directory",
	22: "Invalid argument", 23: "Too many open files in system", 24: "Too many open files",
	25: "Inappropriate ioctl for device", 26: "Text file busy", 27: "File too large",
	28: "No space left on device", 29: "Illegal seek", 30: "Read-only file system", 31: "Too many links",
	32: "Broken pipe", 33: "Numerical argument out of domain", 34: "Numerical result out of range",
}
