package model_test

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
)

// Every libc case: libcCases and those below, by header. Expected values
// are glibc 2.36's (checked with small C programs on amd64 and, where
// the platform shows, under qemu), the __isoc23_ ones glibc 2.38's.
func allLibcCases() []libcCase {
	return slices.Concat(libcCases, stdlibCases, unistdCases, ctypeCases, stringChkCases, stdioCases, printfFamilyCases, vscanfCases)
}

// int32At checks the int at an address (a scanf target).
func int32At(at uint64, want int32) func(env *fakeenv.Env, ret uint64) string {
	return func(env *fakeenv.Env, ret uint64) string {
		v, err := env.Mem.Uint(at, 4)
		if err != nil || int32(v) != want {
			return fmt.Sprintf("int at %#x = %d, want %d (%v)", at, int32(v), want, err)
		}
		return ""
	}
}

const zeros8 = "\x00\x00\x00\x00\x00\x00\x00\x00"

var stdlibCases = []libcCase{
	{name: "atoll", args: []any{" -9000000000x"}, trace: "==> atoll(nptr=0x11000)\n<== -9000000000"},
	{name: "strtoll", args: []any{"  -0x7fffffffffffffffff", zeros8, 0}, words: map[uint64]int64{s1: s0 + 23},
		trace: "==> strtoll(nptr=0x11000, endptr=0x11100, base=0x0)\n<== -9223372036854775808"},
	{name: "strtoll", args: []any{"x1", zeros8, 10}, words: map[uint64]int64{s1: s0}, // no digits: *endptr = nptr
		trace: "==> strtoll(nptr=0x11000, endptr=0x11100, base=0xa)\n<== 0"},
	{name: "strtoull", args: []any{"0x123456789abcdef0g", 0, 16}, trace: "==> strtoull(nptr=0x11000, endptr=0x0, base=0x10)\n<== 1311768467463790320"},
	{name: "strtoull", args: []any{"99999999999999999999", 0, 10}, trace: "==> strtoull(nptr=0x11000, endptr=0x0, base=0xa)\n<== -1"}, // ULLONG_MAX
	{name: "strtoull", args: []any{"-2", 0, 10}, trace: "==> strtoull(nptr=0x11000, endptr=0x0, base=0xa)\n<== -2"},                   // negated: ULLONG_MAX-1
	{name: "strtoimax", args: []any{"-077 ", zeros8, 0}, words: map[uint64]int64{s1: s0 + 4},
		trace: "==> strtoimax(nptr=0x11000, endptr=0x11100, base=0x0)\n<== -63"},
	{name: "strtoumax", args: []any{"zz", 0, 36}, trace: "==> strtoumax(nptr=0x11000, endptr=0x0, base=0x24)\n<== 1295"},
	// C23 (glibc 2.38 stdlib/strtol_l.c): 0b prefixes in base 0 and 2;
	// "0b" without a binary digit converts the "0".
	{name: "__isoc23_strtol", args: []any{"0b101", zeros8, 0}, words: map[uint64]int64{s1: s0 + 5},
		trace: "==> __isoc23_strtol(nptr=0x11000, endptr=0x11100, base=0x0)\n<== 5"},
	{name: "__isoc23_strtol", args: []any{" -0b2", zeros8, 0}, words: map[uint64]int64{s1: s0 + 3},
		trace: "==> __isoc23_strtol(nptr=0x11000, endptr=0x11100, base=0x0)\n<== 0"},
	{name: "__isoc23_strtol", args: []any{"0b11", zeros8, 10}, words: map[uint64]int64{s1: s0 + 1},
		trace: "==> __isoc23_strtol(nptr=0x11000, endptr=0x11100, base=0xa)\n<== 0"},
	{name: "__isoc23_strtoul", args: []any{"0B11", 0, 2}, trace: "==> __isoc23_strtoul(nptr=0x11000, endptr=0x0, base=0x2)\n<== 3"},
	{name: "__isoc23_strtoul", args: []any{"0x1F", 0, 0}, trace: "==> __isoc23_strtoul(nptr=0x11000, endptr=0x0, base=0x0)\n<== 31"},
	{name: "__isoc23_strtoll", args: []any{"-0b" + "1111111111" + "1111111111" + "1111111111" + "1111111111", zeros8, 0}, words: map[uint64]int64{s1: s0 + 43},
		trace: "==> __isoc23_strtoll(nptr=0x11000, endptr=0x11100, base=0x0)\n<== -1099511627775"},
	{name: "__isoc23_strtoull", args: []any{"0x10", zeros8, 16}, words: map[uint64]int64{s1: s0 + 4},
		trace: "==> __isoc23_strtoull(nptr=0x11000, endptr=0x11100, base=0x10)\n<== 16"},
	{name: "labs", args: []any{al(-5)}, trace: "==> labs(j=0xfffffffffffffffb)\n<== 5", alt: map[string]string{"w4": "==> labs(j=0xfffffffb)\n<== 5"}},
	{name: "labs", args: []any{al(7)}, trace: "==> labs(j=0x7)\n<== 7"},
	// the trace shows the first argument word: the low one on
	// little-endian 32-bit platforms, the high one on big-endian ones
	{name: "llabs", args: []any{aL(-5000000000)}, trace: "==> llabs(j=0xfffffffed5fa0e00)\n<== 5000000000",
		alt: map[string]string{"le4": "==> llabs(j=0xd5fa0e00)\n<== 5000000000", "be4": "==> llabs(j=0xfffffffe)\n<== 5000000000"}},
	{name: "ldiv", args: []any{7, 2}, trace: "==> ldiv(numer=0x7, denom=0x2)\nerror: model ldiv: unsupported"},
	{name: "lldiv", args: []any{7, 2}, trace: "==> lldiv(numer=0x7, denom=0x2)\nerror: model lldiv: unsupported"},
	{name: "abort", trace: "==> abort()", exit: "134"},
	{name: "atexit", args: []any{0x9000}, trace: "==> atexit(function=0x9000)\n<== 0"},
	{name: "getenv", args: []any{"HOME"}, trace: "==> getenv(name=0x11000)\n<== 0"},
	// qsort_r: the comparison gets the third argument; here *arg = -1
	// makes it sort descending
	{name: "qsort_r", args: []any{0x12000, 4, 4, 0x9000, 0x12100}, setup: func(env *fakeenv.Env) {
		for i, v := range []int32{3, -1, 7, 0} {
			_ = env.Mem.PutUint(0x12000+4*uint64(i), 4, uint64(uint32(v)))
		}
		_ = env.Mem.PutUint(0x12100, 4, uint64(0xffffffff))
		env.Guest = map[uint64]func(args ...uint64) uint64{0x9000: func(args ...uint64) uint64 {
			a, _ := env.Mem.Uint(args[0], 4)
			b, _ := env.Mem.Uint(args[1], 4)
			dir, _ := env.Mem.Uint(args[2], 4)
			r := int32(dir)
			switch {
			case int32(a) < int32(b):
				r = -r
			case int32(a) == int32(b):
				r = 0
			}
			return uint64(uint32(r))
		}}
	}, trace: "==> qsort_r(base=0x12000, nmemb=0x4, size=0x4, compar=0x9000, arg=0x12100)\n<== void",
		check: func(env *fakeenv.Env, ret uint64) string {
			var got []int32
			for i := range 4 {
				v, _ := env.Mem.Uint(0x12000+4*uint64(i), 4)
				got = append(got, int32(v))
			}
			if fmt.Sprint(got) != "[7 3 0 -1]" {
				return fmt.Sprintf("sorted %v, want [7 3 0 -1]", got)
			}
			// glibc's merge sort of 4: (3,-1) (7,0) then the merge: 3 calls
			// (7 vs 3, 0 vs 3, 0 vs -1); each with arg
			if len(env.Called) != 5 {
				return fmt.Sprintf("%d comparisons, want 5", len(env.Called))
			}
			for _, c := range env.Called {
				if len(c.Args) != 3 || c.Args[2] != 0x12100 {
					return fmt.Sprintf("comparison called with %#x", c.Args)
				}
			}
			return ""
		}},
}

var unistdCases = []libcCase{
	{name: "getpid", trace: "==> getpid()\n<== 1000"},
	{name: "getppid", trace: "==> getppid()\n<== 999"},
	{name: "getuid", trace: "==> getuid()\n<== 1000"},
	{name: "geteuid", trace: "==> geteuid()\n<== 1000"},
	{name: "getgid", trace: "==> getgid()\n<== 1000"},
	{name: "getegid", trace: "==> getegid()\n<== 1000"},
	{name: "clock", trace: "==> clock()\n<== 0"},
	{name: "sleep", args: []any{5}, trace: "==> sleep(seconds=0x5)\n<== 0"},
	{name: "usleep", args: []any{100000}, trace: "==> usleep(usec=0x186a0)\n<== 0"},
	{name: "isatty", args: []any{1}, trace: "==> isatty(fd=0x1)\n<== 0"},
	{name: "close", args: []any{3}, trace: "==> close(fd=0x3)\n<== 0"},
	{name: "sysconf", args: []any{30}, trace: "==> sysconf(name=0x1e)\n<== 4096"}, // _SC_PAGESIZE
	{name: "sysconf", args: []any{2}, trace: "==> sysconf(name=0x2)\n<== 100"},    // _SC_CLK_TCK
	{name: "sysconf", args: []any{9999}, trace: "==> sysconf(name=0x270f)\n<== -1"},
	{name: "write", args: []any{1, "hello", 5}, trace: "==> write(fd=0x1, buf=0x11100, count=0x5)\n<== 5", out: "hello"},
	{name: "write", args: []any{2, "oops!", 4}, trace: "==> write(fd=0x2, buf=0x11100, count=0x4)\n<== 4", errOut: "oops"},
	{name: "write", args: []any{7, "x", 1}, trace: "==> write(fd=0x7, buf=0x11100, count=0x1)\n<== -1"},
	{name: "read", args: []any{0, "xxxxxx", 10}, stdin: "abc", trace: "==> read(fd=0x0, buf=0x11100, count=0xa)\n<== 3", mem: map[uint64]string{s1: "abcxxx"}},
	{name: "read", args: []any{0, "xxxxxx", 2}, stdin: "abc", trace: "==> read(fd=0x0, buf=0x11100, count=0x2)\n<== 2", mem: map[uint64]string{s1: "abxxxx"}},
	{name: "read", args: []any{0, "xx", 2}, trace: "==> read(fd=0x0, buf=0x11100, count=0x2)\n<== 0", mem: map[uint64]string{s1: "xx"}},
	{name: "read", args: []any{5, "xx", 2}, trace: "==> read(fd=0x5, buf=0x11100, count=0x2)\n<== -1", mem: map[uint64]string{s1: "xx"}},
}

// ctypeTable checks entries of the table a __ctype_*_loc returns (a
// pointer to a pointer to entry 0), size bytes each, by index.
func ctypeTable(size int, want map[int]int64) func(env *fakeenv.Env, ret uint64) string {
	return func(env *fakeenv.Env, ret uint64) string {
		tbl, err := env.Mem.Uint(ret, env.P.WordSize)
		if err != nil {
			return err.Error()
		}
		for i, w := range want {
			v, err := env.Mem.Uint(tbl+uint64(i*size), size)
			if size == 4 {
				v = uint64(int64(int32(v)))
			}
			if err != nil || int64(v) != w {
				return fmt.Sprintf("entry %d = %d, want %d (%v)", i, int64(v), w, err)
			}
		}
		return ""
	}
}

// The class bits (glibc's table entries masked) differ with the byte
// order: glibc does not swap them.
var ctypeCases = []libcCase{
	{name: "isalnum", args: []any{'5'}, trace: "==> isalnum(c=0x35)\n<== 8", alt: map[string]string{"be": "==> isalnum(c=0x35)\n<== 2048"}},
	{name: "isalnum", args: []any{'!'}, trace: "==> isalnum(c=0x21)\n<== 0"},
	{name: "isblank", args: []any{'\t'}, trace: "==> isblank(c=0x9)\n<== 1", alt: map[string]string{"be": "==> isblank(c=0x9)\n<== 256"}},
	{name: "isblank", args: []any{'\n'}, trace: "==> isblank(c=0xa)\n<== 0"},
	{name: "iscntrl", args: []any{127}, trace: "==> iscntrl(c=0x7f)\n<== 2", alt: map[string]string{"be": "==> iscntrl(c=0x7f)\n<== 512"}},
	{name: "iscntrl", args: []any{-1}, trace: "==> iscntrl(c=0xffffffff)\n<== 0"}, // EOF
	{name: "ispunct", args: []any{'!'}, trace: "==> ispunct(c=0x21)\n<== 4", alt: map[string]string{"be": "==> ispunct(c=0x21)\n<== 1024"}},
	{name: "ispunct", args: []any{'a'}, trace: "==> ispunct(c=0x61)\n<== 0"},
	{name: "isgraph", args: []any{'x'}, trace: "==> isgraph(c=0x78)\n<== 32768", alt: map[string]string{"be": "==> isgraph(c=0x78)\n<== 128"}},
	{name: "isgraph", args: []any{' '}, trace: "==> isgraph(c=0x20)\n<== 0"},
	{name: "islower", args: []any{'q'}, trace: "==> islower(c=0x71)\n<== 512", alt: map[string]string{"be": "==> islower(c=0x71)\n<== 2"}},
	{name: "islower", args: []any{'Q'}, trace: "==> islower(c=0x51)\n<== 0"},
	{name: "isprint", args: []any{' '}, trace: "==> isprint(c=0x20)\n<== 16384", alt: map[string]string{"be": "==> isprint(c=0x20)\n<== 64"}},
	{name: "isprint", args: []any{200}, trace: "==> isprint(c=0xc8)\n<== 0"},
	{name: "isupper", args: []any{'Q'}, trace: "==> isupper(c=0x51)\n<== 256", alt: map[string]string{"be": "==> isupper(c=0x51)\n<== 1"}},
	{name: "isupper", args: []any{'q'}, trace: "==> isupper(c=0x71)\n<== 0"},
	{name: "isxdigit", args: []any{'F'}, trace: "==> isxdigit(c=0x46)\n<== 4096", alt: map[string]string{"be": "==> isxdigit(c=0x46)\n<== 16"}},
	{name: "isxdigit", args: []any{'g'}, trace: "==> isxdigit(c=0x67)\n<== 0"},
	{name: "isascii", args: []any{'a'}, trace: "==> isascii(c=0x61)\n<== 1"},
	{name: "isascii", args: []any{200}, trace: "==> isascii(c=0xc8)\n<== 0"},
	{name: "__ctype_b_loc", trace: "==> __ctype_b_loc()\n<== HEAP",
		check: func(env *fakeenv.Env, ret uint64) string {
			want := map[int]int64{'a': 0xd608, ' ': 0x6001, '0': 0xd808, -1: 0, -128: 0, 200: 0}
			if env.P.ByteOrder == binary.BigEndian {
				want = map[int]int64{'a': 0x8d6, ' ': 0x160, '0': 0x8d8, -1: 0, -128: 0, 200: 0}
			}
			return ctypeTable(2, want)(env, ret)
		}},
	// toupper and tolower tables: EOF (-1) maps to itself, -128..-2 to
	// 128..254
	{name: "__ctype_toupper_loc", trace: "==> __ctype_toupper_loc()\n<== HEAP",
		check: ctypeTable(4, map[int]int64{'a': 'A', 'A': 'A', -1: -1, -128: 128, -2: 254, 200: 200, 255: 255})},
	{name: "__ctype_tolower_loc", trace: "==> __ctype_tolower_loc()\n<== HEAP",
		check: ctypeTable(4, map[int]int64{'A': 'a', 'z': 'z', -1: -1, -128: 128, 200: 200})},
}

const x8 = "xxxxxxxx"

// The _FORTIFY_SOURCE string functions: as their base within destlen,
// the run stopped beyond it.
var stringChkCases = []libcCase{
	{name: "__memcpy_chk", args: []any{"xxxx", "abcdef", 3, 4}, trace: "==> __memcpy_chk(dest=0x11000, src=0x11100, n=0x3, destlen=0x4)\n<== 69632", mem: map[uint64]string{s0: "abcx"}},
	{name: "__memmove_chk", args: []any{"xxxxxx", "abc", 3, 6}, trace: "==> __memmove_chk(dest=0x11000, src=0x11100, n=0x3, destlen=0x6)\n<== 69632", mem: map[uint64]string{s0: "abcxxx"}},
	{name: "__memmove_chk", args: []any{"xxxxxx", "abc", 7, 6}, mem: map[uint64]string{s0: "xxxxxx"},
		trace: "==> __memmove_chk(dest=0x11000, src=0x11100, n=0x7, destlen=0x6)\nerror: model __memmove_chk: *** buffer overflow detected ***: memmove of 7 bytes into a buffer of 6"},
	{name: "__mempcpy_chk", args: []any{"xxxx", "ab", 2, 4}, trace: "==> __mempcpy_chk(dest=0x11000, src=0x11100, n=0x2, destlen=0x4)\n<== 69634", mem: map[uint64]string{s0: "abxx"}},
	{name: "__mempcpy_chk", args: []any{"xxxx", "ab", 5, 4}, mem: map[uint64]string{s0: "xxxx"},
		trace: "==> __mempcpy_chk(dest=0x11000, src=0x11100, n=0x5, destlen=0x4)\nerror: model __mempcpy_chk: *** buffer overflow detected ***: mempcpy of 5 bytes into a buffer of 4"},
	{name: "__memset_chk", args: []any{"xxxxxx", '-', 4, 6}, trace: "==> __memset_chk(s=0x11000, c=0x2d, n=0x4, destlen=0x6)\n<== 69632", mem: map[uint64]string{s0: "----xx"}},
	{name: "__memset_chk", args: []any{"xxxxxx", '-', 8, 6}, mem: map[uint64]string{s0: "xxxxxx"},
		trace: "==> __memset_chk(s=0x11000, c=0x2d, n=0x8, destlen=0x6)\nerror: model __memset_chk: *** buffer overflow detected ***: memset of 8 bytes into a buffer of 6"},
	{name: "__stpcpy_chk", args: []any{x8, "abc", 4}, trace: "==> __stpcpy_chk(dest=0x11000, src=0x11100, destlen=0x4)\n<== 69635", mem: map[uint64]string{s0: "abc\x00xxxx"}},
	{name: "__stpcpy_chk", args: []any{x8, "abc", 3}, mem: map[uint64]string{s0: x8},
		trace: "==> __stpcpy_chk(dest=0x11000, src=0x11100, destlen=0x3)\nerror: model __stpcpy_chk: *** buffer overflow detected ***: stpcpy of 4 bytes into a buffer of 3"},
	{name: "__strcat_chk", args: []any{"ab\x00xxxxx", "cd", 5}, trace: "==> __strcat_chk(dest=0x11000, src=0x11100, destlen=0x5)\n<== 69632", mem: map[uint64]string{s0: "abcd\x00xxx"}},
	{name: "__strcat_chk", args: []any{"ab\x00xxxxx", "cd", 4}, mem: map[uint64]string{s0: "ab\x00xxxxx"},
		trace: "==> __strcat_chk(dest=0x11000, src=0x11100, destlen=0x4)\nerror: model __strcat_chk: *** buffer overflow detected ***: strcat of 5 bytes into a buffer of 4"},
	{name: "__strncat_chk", args: []any{"ab\x00xxxxx", "cdef", 2, 5}, trace: "==> __strncat_chk(dest=0x11000, src=0x11100, n=0x2, destlen=0x5)\n<== 69632", mem: map[uint64]string{s0: "abcd\x00xxx"}},
	{name: "__strncat_chk", args: []any{"ab\x00xxxxx", "cdef", 3, 5}, mem: map[uint64]string{s0: "ab\x00xxxxx"},
		trace: "==> __strncat_chk(dest=0x11000, src=0x11100, n=0x3, destlen=0x5)\nerror: model __strncat_chk: *** buffer overflow detected ***: strncat of 6 bytes into a buffer of 5"},
	{name: "__strncpy_chk", args: []any{x8, "ab", 5, 8}, trace: "==> __strncpy_chk(dest=0x11000, src=0x11100, n=0x5, destlen=0x8)\n<== 69632", mem: map[uint64]string{s0: "ab\x00\x00\x00xxx"}},
	{name: "__strncpy_chk", args: []any{x8, "ab", 9, 8}, mem: map[uint64]string{s0: x8},
		trace: "==> __strncpy_chk(dest=0x11000, src=0x11100, n=0x9, destlen=0x8)\nerror: model __strncpy_chk: *** buffer overflow detected ***: strncpy of 9 bytes into a buffer of 8"},
	{name: "strndup", args: []any{"hello", 3}, trace: "==> strndup(s=0x11000, n=0x3)\n<== HEAP", heap: "hel\x00"},
	{name: "strndup", args: []any{"hi", 10}, trace: "==> strndup(s=0x11000, n=0xa)\n<== HEAP", heap: "hi\x00"},
}

// The byte and block stdio models on the standard streams (FILE* 0:
// standard input or output, as for a guest whose libc the harness did
// not find); file_test.go has them on the models' own streams.
var stdioCases = []libcCase{
	{name: "getc", args: []any{0}, stdin: "q", trace: "==> getc(stream=0x0)\n<== 113"},
	{name: "getc", args: []any{0}, trace: "==> getc(stream=0x0)\n<== -1"},
	{name: "_IO_getc", args: []any{0}, stdin: "\xff", trace: "==> _IO_getc(stream=0x0)\n<== 255"},
	{name: "fgetc_unlocked", args: []any{0}, stdin: "\n", trace: "==> fgetc_unlocked(stream=0x0)\n<== 10"},
	{name: "getchar_unlocked", stdin: "xy", trace: "==> getchar_unlocked()\n<== 120"},
	{name: "getchar_unlocked", trace: "==> getchar_unlocked()\n<== -1"},
	{name: "fgets_unlocked", args: []any{x8, 4, 0}, stdin: "abcdef", trace: "==> fgets_unlocked(s=0x11000, size=0x4, stream=0x0)\n<== 69632", mem: map[uint64]string{s0: "abc\x00xxxx"}},
	{name: "fgets_unlocked", args: []any{x8, 4, 0}, trace: "==> fgets_unlocked(s=0x11000, size=0x4, stream=0x0)\n<== 0", mem: map[uint64]string{s0: x8}},
	{name: "fread_unlocked", args: []any{x8, 2, 3, 0}, stdin: "abcde", trace: "==> fread_unlocked(ptr=0x11000, size=0x2, nmemb=0x3, stream=0x0)\n<== 2", mem: map[uint64]string{s0: "abcdexxx"}},
	{name: "putc", args: []any{'A', 0}, trace: "==> putc(c=0x41, stream=0x0)\n<== 65", out: "A"},
	{name: "_IO_putc", args: []any{0x1ff, 0}, trace: "==> _IO_putc(c=0x1ff, stream=0x0)\n<== 255", out: "\xff"}, // as unsigned char
	{name: "putc_unlocked", args: []any{'z', 0}, trace: "==> putc_unlocked(c=0x7a, stream=0x0)\n<== 122", out: "z"},
	{name: "putchar_unlocked", args: []any{'!'}, trace: "==> putchar_unlocked(c=0x21)\n<== 33", out: "!"},
	{name: "fputs_unlocked", args: []any{"abc", 0}, trace: "==> fputs_unlocked(s=0x11000, stream=0x0)\n<== 1", out: "abc"},
	{name: "fwrite_unlocked", args: []any{"abcdefg", 3, 2, 0}, trace: "==> fwrite_unlocked(ptr=0x11000, size=0x3, nmemb=0x2, stream=0x0)\n<== 2", out: "abcdef"},
	{name: "fwrite_unlocked", args: []any{"abc", 0, 2, 0}, trace: "==> fwrite_unlocked(ptr=0x11000, size=0x0, nmemb=0x2, stream=0x0)\n<== 0"},
	{name: "fileno_unlocked", args: []any{0}, trace: "==> fileno_unlocked(stream=0x0)\n<== 0"},
	{name: "fflush_unlocked", args: []any{0}, trace: "==> fflush_unlocked(stream=0x0)\n<== 0"}, // NULL: every stream
}

// The printf family's other members: _chk ones (flag ignored, the
// destination length checked), dprintf, the va_list ones.
var printfFamilyCases = []libcCase{
	{name: "__printf_chk", args: []any{1, "%s=%d", "ab", -5}, trace: "==> __printf_chk(flag=0x1, format=0x11100)\n<== 5", out: "ab=-5"},
	{name: "__vprintf_chk", args: []any{1, "%d:%x:%c", vaList{ai(-1), ai(255), ai('z')}}, trace: "==> __vprintf_chk(flag=0x1, format=0x11100, ap=0x15000)\n<== 7", out: "-1:ff:z"},
	{name: "__vprintf_chk", args: []any{1, "%lld|%.2f", vaList{aL(-5000000000), ad(2.125)}}, trace: "==> __vprintf_chk(flag=0x1, format=0x11100, ap=0x15000)\n<== 16", out: "-5000000000|2.12"},
	{name: "__sprintf_chk", args: []any{"xxxxxxx", 1, 5, "%s!", "hey"}, trace: "==> __sprintf_chk(str=0x11000, flag=0x1, strlen=0x5, format=0x11300)\n<== 4", mem: map[uint64]string{s0: "hey!\x00xx"}},
	{name: "__sprintf_chk", args: []any{"xxxxxxx", 1, 4, "%s!", "hey"}, mem: map[uint64]string{s0: "xxxxxxx"},
		trace: "==> __sprintf_chk(str=0x11000, flag=0x1, strlen=0x4, format=0x11300)\nerror: model __sprintf_chk: *** buffer overflow detected ***: __sprintf_chk of 5 bytes into a buffer of 4"},
	{name: "__snprintf_chk", args: []any{x8, 4, 1, 8, "%d", 98765}, trace: "==> __snprintf_chk(str=0x11000, maxlen=0x4, flag=0x1, strlen=0x8, format=0x11400)\n<== 5", mem: map[uint64]string{s0: "987\x00xxxx"}},
	{name: "__snprintf_chk", args: []any{x8, 9, 1, 8, "%d", 98765}, mem: map[uint64]string{s0: x8}, // maxlen above the buffer: glibc aborts whatever the output
		trace: "==> __snprintf_chk(str=0x11000, maxlen=0x9, flag=0x1, strlen=0x8, format=0x11400)\nerror: model __snprintf_chk: *** buffer overflow detected ***: __snprintf_chk of 6 bytes into a buffer of 8"},
	{name: "vsprintf", args: []any{"xxxxxxxxxxxx", "%05d|", vaList{ai(42)}}, trace: "==> vsprintf(str=0x11000, format=0x11100, ap=0x15000)\n<== 6", mem: map[uint64]string{s0: "00042|\x00xxxxx"}},
	{name: "vsnprintf", args: []any{x8, 4, "%d", vaList{ai(123456)}}, trace: "==> vsnprintf(str=0x11000, size=0x4, format=0x11200, ap=0x15000)\n<== 6", mem: map[uint64]string{s0: "123\x00xxxx"}},
	{name: "vsnprintf", args: []any{x8, 0, "%d", vaList{ai(7)}}, trace: "==> vsnprintf(str=0x11000, size=0x0, format=0x11200, ap=0x15000)\n<== 1", mem: map[uint64]string{s0: x8}},
	{name: "__vsprintf_chk", args: []any{x8, 1, 8, "%x-%X", vaList{ai(10), ai(11)}}, trace: "==> __vsprintf_chk(str=0x11000, flag=0x1, strlen=0x8, format=0x11300, ap=0x15000)\n<== 3", mem: map[uint64]string{s0: "a-B\x00xxxx"}},
	{name: "__vsprintf_chk", args: []any{x8, 1, 3, "%x-%X", vaList{ai(10), ai(11)}}, mem: map[uint64]string{s0: x8},
		trace: "==> __vsprintf_chk(str=0x11000, flag=0x1, strlen=0x3, format=0x11300, ap=0x15000)\nerror: model __vsprintf_chk: *** buffer overflow detected ***: __vsprintf_chk of 4 bytes into a buffer of 3"},
	{name: "__vsnprintf_chk", args: []any{x8, 3, 1, 8, "%d", vaList{ai(-12345)}}, trace: "==> __vsnprintf_chk(str=0x11000, maxlen=0x3, flag=0x1, strlen=0x8, format=0x11400, ap=0x15000)\n<== 6", mem: map[uint64]string{s0: "-1\x00xxxxx"}},
	{name: "dprintf", args: []any{1, "%d-%s", 7, "x"}, trace: "==> dprintf(fd=0x1, format=0x11100)\n<== 3", out: "7-x"},
	{name: "dprintf", args: []any{2, "e%c", 'r'}, trace: "==> dprintf(fd=0x2, format=0x11100)\n<== 2", errOut: "er"},
	{name: "dprintf", args: []any{5, "lost"}, trace: "==> dprintf(fd=0x5, format=0x11100)\n<== -1"}, // EBADF
}

// The va_list scanf models on strings and standard input; vfscanf and
// fscanf are in file_test.go.
var vscanfCases = []libcCase{
	{name: "vsscanf", args: []any{"12 abc", "%d %2s", vaList{ap(0x12000), ap(0x12100)}}, trace: "==> vsscanf(str=0x11000, format=0x11100, ap=0x15000)\n<== 2",
		mem: map[uint64]string{0x12100: "ab\x00"}, check: int32At(0x12000, 12)},
	{name: "vsscanf", args: []any{"", "%d", vaList{ap(0x12000)}}, trace: "==> vsscanf(str=0x11000, format=0x11100, ap=0x15000)\n<== -1", check: int32At(0x12000, 0)},
	{name: "__isoc99_vsscanf", args: []any{"0x1f", "%i", vaList{ap(0x12000)}}, trace: "==> __isoc99_vsscanf(str=0x11000, format=0x11100, ap=0x15000)\n<== 1", check: int32At(0x12000, 31)},
	{name: "vscanf", args: []any{"%d %c", vaList{ap(0x12000), ap(0x12100)}}, stdin: "  42 z", trace: "==> vscanf(format=0x11000, ap=0x15000)\n<== 2",
		mem: map[uint64]string{0x12100: "z"}, check: int32At(0x12000, 42)},
	{name: "__isoc99_vscanf", args: []any{"%3d", vaList{ap(0x12000)}}, stdin: "-12345", trace: "==> __isoc99_vscanf(format=0x11000, ap=0x15000)\n<== 1", check: int32At(0x12000, -12)},
	{name: "__isoc99_vscanf", args: []any{"%d", vaList{ap(0x12000)}}, stdin: "x", trace: "==> __isoc99_vscanf(format=0x11000, ap=0x15000)\n<== 0", check: int32At(0x12000, 0)},
}
