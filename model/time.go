package model

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/smallworld-go/smallworld/memory"
)

// The time.h models. They are deterministic: "now" is Epoch (unistd.go)
// and the local time zone is UTC, as glibc has it when TZ is unset and
// there is no /etc/localtime (a chroot without one): localtime is
// gmtime with the zone name "UTC" where gmtime says "GMT", mktime is
// timegm, a NULL tm_zone prints as "UTC" under %Z.
//
// time_t is the C long of each platform (32 bits on the 32-bit ABIs:
// glibc 2.36 without _TIME_BITS=64), and struct tm is nine ints, then
// long tm_gmtoff and const char *tm_zone, each aligned to the word.
//
// Static results live in the models' heap, one of each per run, shared
// as glibc shares them: gmtime and localtime return the same struct tm,
// asctime and ctime the same buffer (ctime also overwrites the struct).
// errno is not set.

// timeState is what the time models keep during a run.
type timeState struct {
	tm       uint64 // the struct tm of gmtime and localtime
	text     uint64 // the buffer of asctime and ctime
	gmt, utc uint64 // the zone names gmtime and localtime point tm_zone to
}

// localZone is the zone name of local time (and tzname[0], tzname[1]).
const localZone = "UTC"

// tm is a struct tm; zone is the guest address of tm_zone's string.
type tm struct {
	sec, min, hour, mday, mon, year, wday, yday, isdst int32
	gmtoff                                             int64
	zone                                               uint64
}

// tmInts is the size of struct tm's nine ints.
const tmInts = 36

// tmOffsets returns the offsets of tm_gmtoff and tm_zone and the size
// of struct tm for a word size.
func tmOffsets(w int) (gmtoff, zone, size uint64) {
	gmtoff = alignUp(tmInts, uint64(w))
	return gmtoff, gmtoff + uint64(w), gmtoff + 2*uint64(w)
}

// loadTm reads the struct tm at addr: its nine ints, and tm_gmtoff and
// tm_zone too when all is set.
func (c *Call) loadTm(addr uint64, all bool, what string) (tm, error) {
	w := c.b.Env.Platform().WordSize
	_, _, size := tmOffsets(w)
	if !all {
		size = tmInts
	}
	b := make([]byte, size)
	if err := c.Mem().Read(addr, b); err != nil {
		return tm{}, fmt.Errorf("%s: struct tm at %#x: %w", what, addr, err)
	}
	order := c.Mem().Order
	var f [9]int32
	for i := range f {
		f[i] = int32(memory.Decode(order, b[4*i:4*i+4]))
	}
	t := tm{sec: f[0], min: f[1], hour: f[2], mday: f[3], mon: f[4], year: f[5], wday: f[6], yday: f[7], isdst: f[8]}
	if all {
		off, zone, _ := tmOffsets(w)
		t.gmtoff = int64(signExtend(memory.Decode(order, b[off:off+uint64(w)]), w))
		t.zone = memory.Decode(order, b[zone:zone+uint64(w)])
	}
	return t, nil
}

// storeTm writes every field of t to the struct tm at addr (the padding
// after tm_isdst is left alone, as glibc leaves it).
func (c *Call) storeTm(addr uint64, t tm, what string) error {
	w := c.b.Env.Platform().WordSize
	order := c.Mem().Order
	off, _, _ := tmOffsets(w)
	var b [tmInts]byte
	for i, v := range [9]int32{t.sec, t.min, t.hour, t.mday, t.mon, t.year, t.wday, t.yday, t.isdst} {
		memory.Encode(order, b[4*i:4*i+4], uint64(uint32(v)))
	}
	tail := make([]byte, 2*w)
	memory.Encode(order, tail[:w], uint64(t.gmtoff))
	memory.Encode(order, tail[w:], t.zone)
	err := c.Mem().Write(addr, b[:])
	if err == nil {
		err = c.Mem().Write(addr+off, tail)
	}
	if err != nil {
		return fmt.Errorf("%s: struct tm at %#x: %w", what, addr, err)
	}
	return nil
}

// timeBits is the width of time_t on the call's platform.
func (c *Call) timeBits() int { return 8 * c.b.Env.Platform().WordSize }

// loadTime reads the time_t at addr.
func (c *Call) loadTime(addr uint64, what string) (int64, error) {
	w := c.b.Env.Platform().WordSize
	v, err := c.Mem().Uint(addr, w)
	if err != nil {
		return 0, fmt.Errorf("%s: time_t at %#x: %w", what, addr, err)
	}
	return int64(signExtend(v, w)), nil
}

// zoneName returns the address of a zone name in the models' heap,
// placing it there on first use.
func (c *Call) zoneName(local bool) (uint64, error) {
	st := &c.libc().time
	at, name := &st.gmt, "GMT"
	if local {
		at, name = &st.utc, localZone
	}
	if *at == 0 {
		a, err := c.cstrDup([]byte(name))
		if err != nil {
			return 0, err
		}
		*at = a
	}
	return *at, nil
}

// staticBlock returns the static object of gmtime/localtime (tm) or of
// asctime/ctime (the text buffer), allocating it on first use.
func (c *Call) staticBlock(text bool) (uint64, error) {
	st := &c.libc().time
	at, size := &st.tm, uint64(0)
	if text {
		at, size = &st.text, asctimeStatic
	} else {
		_, _, size = tmOffsets(c.b.Env.Platform().WordSize)
	}
	if *at == 0 {
		a, err := c.malloc(size)
		if err != nil {
			return 0, err
		}
		*at = a
	}
	return *at, nil
}

// breakDown converts t to the broken-down UTC time glibc's gmtime
// gives; false when the year does not fit tm_year (an int): then, as in
// glibc, only the time of day, tm_wday and tm_year (truncated to an
// int) are set.
func breakDown(t int64) (tm, bool) {
	days := floorDiv(t, 86400)
	secs := t - days*86400
	y := 1970 + floorDiv(days*400, 146097) // 146097 days in 400 years: a guess within a year
	for yearStart(y) > days {
		y--
	}
	for yearStart(y+1) <= days {
		y++
	}
	if y-1900 < -1<<31 || y-1900 > 1<<31-1 {
		return tm{sec: int32(secs % 60), min: int32(secs / 60 % 60), hour: int32(secs / 3600),
			year: int32(y - 1900), wday: int32(floorMod(days+4, 7))}, false
	}
	yday := days - yearStart(y)
	starts := &monthStarts[leapIndex(y)]
	mon := 0
	for starts[mon+1] <= yday {
		mon++
	}
	return tm{
		sec: int32(secs % 60), min: int32(secs / 60 % 60), hour: int32(secs / 3600),
		mday: int32(yday - starts[mon] + 1), mon: int32(mon), year: int32(y - 1900),
		wday: int32(floorMod(days+4, 7)), // 1970-01-01 was a Thursday
		yday: int32(yday),
	}, true
}

// secondsOf is the time of t's fields read as UTC, out-of-range fields
// carried into the next larger ones (exact: int fields cannot overflow
// int64 here).
func secondsOf(t *tm) int64 {
	y := int64(t.year) + 1900 + floorDiv(int64(t.mon), 12)
	mon := floorMod(int64(t.mon), 12)
	days := yearStart(y) + monthStarts[leapIndex(y)][mon] + int64(t.mday) - 1
	return days*86400 + int64(t.hour)*3600 + int64(t.min)*60 + int64(t.sec)
}

// normalize is mktime (local) or timegm: the time of t's fields, and t
// rewritten to its normal form; false (t untouched) when the time does
// not fit time_t of bits bits or its year does not fit tm_year.
// mktime with tm_isdst > 0 in a zone without daylight time takes the
// fields as one hour ahead of standard time, as glibc does.
func normalize(t *tm, bits int, local bool) (int64, bool) {
	s := secondsOf(t)
	if local && t.isdst > 0 {
		s -= 3600
	}
	if bits == 32 && int64(int32(s)) != s {
		return -1, false
	}
	n, ok := breakDown(s)
	if !ok {
		return -1, false
	}
	n.gmtoff, n.zone = 0, t.zone
	*t = n
	return s, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func leapIndex(y int64) int {
	if isLeap(y) {
		return 1
	}
	return 0
}

// leapsThrough counts leap years from year 1 through y (negative
// counts for years before 1, so differences are right for any years).
func leapsThrough(y int64) int64 { return floorDiv(y, 4) - floorDiv(y, 100) + floorDiv(y, 400) }

// yearStart is the day number (0 = 1970-01-01) of January 1 of year y.
func yearStart(y int64) int64 {
	return 365*(y-1970) + leapsThrough(y-1) - leapsThrough(1969)
}

// monthStarts is the day of the year each month starts on, common and
// leap years, and the length of the year.
var monthStarts = [2][13]int64{
	{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
	{0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366},
}

// asctime's text: the C standard's layout "%.3s %.3s%3d %.2d:%.2d:%.2d
// %d\n", "???" for a day or month out of range. asctime_r and ctime_r
// assume a buffer of 26 bytes: longer text (a five-digit year) fails,
// leaving its first 25 bytes and a NUL, as glibc's snprintf does. The
// year is tm_year + 1900 and fails when that overflows an int.
const (
	asctimeR      = 26
	asctimeStatic = 128 // holds the longest text of any ints
)

var (
	dayNames   = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// asctimeText is asctime's text of t; false when the year overflows.
func asctimeText(t *tm) ([]byte, bool) {
	if int64(t.year)+1900 > 1<<31-1 {
		return nil, false
	}
	day, month := "???", "???"
	if t.wday >= 0 && t.wday < 7 {
		day = dayNames[t.wday][:3]
	}
	if t.mon >= 0 && t.mon < 12 {
		month = monthNames[t.mon][:3]
	}
	return fmt.Appendf(nil, "%s %s%3d %.2d:%.2d:%.2d %d\n", day, month, t.mday, t.hour, t.min, t.sec, int64(t.year)+1900), true
}

// putText writes asctime's text of t into a buffer of size bytes at
// buf; 0 when the year overflows or the text does not fit.
func (c *Call) putText(t *tm, buf, size uint64) (uint64, error) {
	s, ok := asctimeText(t)
	if !ok {
		return 0, nil
	}
	fits := uint64(len(s)) < size
	if !fits {
		s = s[:size-1]
	}
	if err := c.Mem().Write(buf, append(s, 0)); err != nil {
		return 0, fmt.Errorf("buffer at %#x: %w", buf, err)
	}
	if !fits {
		return 0, nil
	}
	return buf, nil
}

// difference is the double nearest t1 - t0 (exact before rounding, as
// glibc computes it whatever the width of time_t).
func difference(t1, t0 int64) float64 {
	d := new(big.Int).Sub(big.NewInt(t1), big.NewInt(t0))
	f, _ := new(big.Float).SetInt(d).Float64()
	return f
}

func init() {
	const zoneDoc = "the local zone is UTC (glibc with TZ unset and no /etc/localtime)"
	// gmtime and localtime: t to fields, at result or in the static tm.
	conv := func(name, params string, level Level, local, reentrant bool, doc string) {
		def(name, params, level, doc, func(c *Call) (uint64, error) {
			t, err := c.loadTime(c.Arg(0), "timep")
			if err != nil {
				return 0, err
			}
			return c.brokenDown(t, local, reentrant)
		})
	}
	conv("gmtime", "timep", Exact, false, false, "converts *timep to UTC fields in a static struct tm (shared with localtime) in the models' heap; NULL when the year overflows an int; tm_zone \"GMT\"")
	conv("gmtime_r", "timep result", Exact, false, true, "converts *timep to UTC fields at result; NULL when the year overflows an int; tm_zone \"GMT\"")
	conv("localtime", "timep", Imprecise, true, false, zoneDoc+": gmtime with tm_zone \"UTC\", in the same static struct tm")
	conv("localtime_r", "timep result", Imprecise, true, true, zoneDoc+": gmtime_r with tm_zone \"UTC\"")

	mk := func(name string, level Level, local bool, doc string) {
		def(name, "tm", level, doc, func(c *Call) (uint64, error) {
			at := c.Arg(0)
			t, err := c.loadTm(at, false, "tm")
			if err != nil {
				return 0, err
			}
			s, ok := normalize(&t, c.timeBits(), local)
			if !ok {
				return uint64(s), nil
			}
			if t.zone, err = c.zoneName(local); err != nil {
				return 0, err
			}
			return uint64(s), c.storeTm(at, t, "tm")
		})
	}
	mk("timegm", Exact, false, "the time of *tm's fields as UTC, out-of-range ones carried over; rewrites *tm normalised (tm_wday, tm_yday, tm_zone \"GMT\"); -1 and *tm untouched when the time does not fit time_t (32 bits on 32-bit platforms) or the year an int")
	mk("mktime", Imprecise, true, zoneDoc+": timegm with tm_zone \"UTC\", except that tm_isdst > 0 takes the fields as daylight time one hour ahead (as glibc in a zone without it) and tm_isdst becomes 0")

	def("asctime", "tm", Exact, "the text \"Mon Jan  1 00:00:00 2024\\n\" of *tm in a static buffer (shared with ctime) in the models' heap; \"???\" for a day or month out of range; NULL when tm is NULL or tm_year + 1900 overflows", func(c *Call) (uint64, error) {
		if c.Arg(0) == 0 {
			return 0, nil // glibc: EINVAL
		}
		t, err := c.loadTm(c.Arg(0), false, "tm")
		if err != nil {
			return 0, err
		}
		return c.staticText(&t)
	})
	def("asctime_r", "tm buf", Exact, "asctime's text into buf, assumed to hold 26 bytes: NULL when it does not fit (buf then holds its first 25 bytes), when tm is NULL or the year overflows", func(c *Call) (uint64, error) {
		if c.Arg(0) == 0 {
			return 0, nil
		}
		t, err := c.loadTm(c.Arg(0), false, "tm")
		if err != nil {
			return 0, err
		}
		return c.putText(&t, c.Arg(1), asctimeR)
	})
	def("ctime", "timep", Imprecise, zoneDoc+": asctime(localtime(timep)), so the static struct tm and text are both rewritten", func(c *Call) (uint64, error) {
		t, err := c.loadTime(c.Arg(0), "timep")
		if err != nil {
			return 0, err
		}
		at, err := c.brokenDown(t, true, false)
		if at == 0 || err != nil {
			return 0, err
		}
		f, err := c.loadTm(at, false, "static tm")
		if err != nil {
			return 0, err
		}
		return c.staticText(&f)
	})
	def("ctime_r", "timep buf", Imprecise, zoneDoc+": asctime_r of the local fields of *timep into buf (26 bytes)", func(c *Call) (uint64, error) {
		t, err := c.loadTime(c.Arg(0), "timep")
		if err != nil {
			return 0, err
		}
		f, ok := breakDown(t)
		if !ok {
			return 0, nil
		}
		return c.putText(&f, c.Arg(1), asctimeR)
	})
	def("difftime", "time1 time0", Exact, "time1 - time0 as a double, rounded once", func(c *Call) (uint64, error) {
		return math.Float64bits(difference(c.signed(c.Arg(0)), c.signed(c.Arg(1)))), nil
	}).RetDouble = true

	def("strftime", "s max format tm", Exact, "formats *tm as glibc's strftime in the C locale: every conversion, the flags _ - 0 ^ #, widths and the E and O modifiers where glibc takes them; returns 0 when the text and its NUL do not fit max bytes, s then holding the conversions that fitted whole and no NUL. %s and %Z of a NULL or empty tm_zone use the models' UTC zone; a result over 16 MiB stops the run", func(c *Call) (uint64, error) {
		return c.strftime(c.Arg(0), c.Arg(1), c.Arg(2), c.Arg(3))
	})

	def("clock_gettime", "clockid tp", Imprecise, "deterministic: the realtime clocks (0, 5, 8, 11) read Epoch (2024-01-01 UTC), the others (monotonic, boot, CPU time) 0; stores {tv_sec, tv_nsec 0} at tp; -1 for an unknown clock", func(c *Call) (uint64, error) {
		var sec uint64
		switch c.Int(0) {
		case 0, 5, 8, 11: // REALTIME, REALTIME_COARSE, REALTIME_ALARM, TAI
			sec = Epoch
		case 1, 2, 3, 4, 6, 7, 9: // MONOTONIC, PROCESS/THREAD_CPUTIME, MONOTONIC_RAW/COARSE, BOOTTIME(_ALARM)
		default:
			return ^uint64(0), nil // EINVAL
		}
		return 0, c.putTimePair(c.Arg(1), sec, "tp")
	})
	def("gettimeofday", "tv tz", Imprecise, "deterministic: stores {Epoch (2024-01-01 UTC), 0 µs} at tv and {0, 0} (UTC, no DST) at tz unless NULL; returns 0", func(c *Call) (uint64, error) {
		if tv := c.Arg(0); tv != 0 {
			if err := c.putTimePair(tv, Epoch, "tv"); err != nil {
				return 0, err
			}
		}
		if tz := c.Arg(1); tz != 0 {
			if err := c.Mem().Write(tz, make([]byte, 8)); err != nil {
				return 0, fmt.Errorf("tz: struct timezone at %#x: %w", tz, err)
			}
		}
		return 0, nil
	})
}

// putTimePair writes a struct timespec or timeval: two longs, seconds
// and 0.
func (c *Call) putTimePair(at, sec uint64, what string) error {
	w := c.b.Env.Platform().WordSize
	b := make([]byte, 2*w)
	memory.Encode(c.Mem().Order, b[:w], sec)
	if err := c.Mem().Write(at, b); err != nil {
		return fmt.Errorf("%s at %#x: %w", what, at, err)
	}
	return nil
}

// brokenDown is gmtime/localtime(_r) of t: the fields at result (the
// second argument) or in the static struct tm; 0 when t does not fit.
func (c *Call) brokenDown(t int64, local, reentrant bool) (uint64, error) {
	f, ok := breakDown(t)
	var err error
	if f.zone, err = c.zoneName(local); err != nil {
		return 0, err
	}
	at, what := c.Arg(1), "result"
	if !reentrant {
		if at, err = c.staticBlock(false); err != nil {
			return 0, err
		}
		what = "static tm"
	}
	if !ok { // EOVERFLOW: tm_mday, tm_mon and tm_yday are left as they were
		old, err := c.loadTm(at, false, what)
		if err != nil {
			return 0, err
		}
		f.mday, f.mon, f.yday = old.mday, old.mon, old.yday
	}
	if err := c.storeTm(at, f, what); err != nil || !ok {
		return 0, err
	}
	return at, nil
}

// staticText writes asctime's text of t in the static buffer.
func (c *Call) staticText(t *tm) (uint64, error) {
	at, err := c.staticBlock(true)
	if err != nil {
		return 0, err
	}
	return c.putText(t, at, asctimeStatic)
}

// strftime is the model of strftime(s, max, format, tm).
func (c *Call) strftime(s, size, format, tmAt uint64) (uint64, error) {
	f, err := c.CBytes(format, maxString)
	if err != nil {
		return 0, fmt.Errorf("format: %w", err)
	}
	t, err := c.loadTm(tmAt, true, "tm")
	if err != nil {
		return 0, err
	}
	e := timeFormat{tm: &t, max: size, bits: c.timeBits(), zone: func() ([]byte, error) {
		b, err := c.CBytes(t.zone, maxString)
		if err != nil {
			return nil, fmt.Errorf("tm_zone at %#x: %w", t.zone, err)
		}
		return b, nil
	}}
	e.format(f, false)
	if e.err != nil {
		return 0, e.err
	}
	if size == 0 { // no room even for the NUL: nothing is written
		return 0, nil
	}
	out := e.out
	if !e.full {
		out = append(out, 0)
	}
	if err := c.Mem().Write(s, out); err != nil {
		return 0, fmt.Errorf("s: buffer at %#x: %w", s, err)
	}
	if e.full {
		return 0, nil
	}
	return uint64(len(e.out)), nil
}

// timeFormat is glibc's strftime in the C locale, as observed against
// glibc 2.36 (model/time_oracle_test.go):
//
//   - a conversion is %, flags (_ - 0 ^ #, any number, the last of _ -
//     0 winning), a decimal width, an E or O modifier, a letter. What
//     glibc does not take (an unknown letter, E or O where it is not
//     accepted, the end of the format) is copied as it was written,
//     padded to the width.
//   - the text of a conversion (and each literal character) is an item
//     written only if it fits whole with room left for the NUL; the
//     first that does not ends the formatting (strftime returns 0, the
//     buffer holds the items before it and no NUL).
//   - an item shorter than the width is padded on the left: with zeros
//     under the 0 flag, else spaces. Numbers have a number of digits
//     (2 for %d): by default (and with 0) they are zero-padded after
//     the sign to the larger of that and the width; with _ space-padded
//     before the sign, the spaces an item of their own; with - padded
//     to the width only, with spaces. %e %k %l take _ as their default.
//     %s is padded as text ("0-12" under the 0 flag).
//   - ^ upper-cases the text, # upper-cases names (%a %A %b %B %h) and
//     lower-cases %p and %Z; %P is lower case whatever the flags.
//   - %c %D %F %r %R %T %x %X are formatted from their C-locale forms
//     (^ carried in) and padded as one item.
//   - %z takes tm_gmtoff as an int; it writes the sign as an item
//     padded to the width, then the hours and minutes as a 4-digit
//     number padded to the width again ("%6z" is "     +000000").
//   - fields out of range print as they are ("-3" for tm_mday -3, "?"
//     for a name), computed in C int arithmetic (wrapping) as glibc
//     computes them: the year is tm_year + 1900 in an int, %j is
//     tm_yday + 1 in an int.
type timeFormat struct {
	tm   *tm
	max  uint64 // the buffer's size
	bits int    // time_t width, for %s
	zone func() ([]byte, error)
	out  []byte
	full bool // an item did not fit
	err  error
}

// maxTimeText bounds what the model writes, whatever max says (a huge
// width with a huge max would otherwise ask for gigabytes).
const maxTimeText = 1 << 24

// add writes an item: b padded on the left to width with padc, case
// converted. False when it does not fit (or formatting has ended).
func (e *timeFormat) add(b []byte, width int, padc byte, upper, lower bool) bool {
	return e.put(nil, padc, width-len(b), b, upper, lower)
}

// put writes an item: pre, n copies of padc (none if n <= 0), then b,
// case converted; whole, and with room left for the NUL, or not at all.
func (e *timeFormat) put(pre []byte, padc byte, n int, b []byte, upper, lower bool) bool {
	if e.full || e.err != nil {
		return false
	}
	n = max(n, 0)
	size := uint64(len(pre)) + uint64(n) + uint64(len(b))
	if uint64(len(e.out))+size >= e.max {
		e.full = true
		return false
	}
	if uint64(len(e.out))+size > maxTimeText {
		e.err = fmt.Errorf("a result of more than %d bytes", maxTimeText)
		return false
	}
	e.out = append(e.out, pre...)
	for range n {
		e.out = append(e.out, padc)
	}
	for _, ch := range b {
		switch {
		case lower && 'A' <= ch && ch <= 'Z':
			ch += 'a' - 'A'
		case upper && !lower && 'a' <= ch && ch <= 'z':
			ch -= 'a' - 'A'
		}
		e.out = append(e.out, ch)
	}
	return true
}

// tspec is one parsed strftime conversion.
type tspec struct {
	pad    byte // 0, '_', '-' or '0'
	upper  bool // ^ (or carried into a subformat)
	change bool // #
	width  int
}

func (s *tspec) padChar() byte {
	if s.pad == '0' {
		return '0'
	}
	return ' '
}

// number writes v with digits digits under the padding rules; spaced
// makes _ the default padding (%e %k %l). Spaces that pad a number (_)
// are an item of their own, written even when the digits then do not
// fit, as glibc writes them.
func (e *timeFormat) number(s *tspec, digits int, v int64, spaced bool) {
	var buf [24]byte
	b := buf[:0]
	if v < 0 {
		b = append(b, '-')
	}
	mag := uint64(v)
	if v < 0 {
		mag = -mag
	}
	b = strconv.AppendUint(b, mag, 10)
	pad := s.pad
	if pad == 0 {
		pad = '0'
		if spaced {
			pad = '_'
		}
	}
	switch pad {
	case '-':
		e.add(b, s.width, ' ', false, false)
	case '_':
		if e.put(nil, ' ', max(s.width, digits)-len(b), nil, false, false) {
			e.add(b, 0, ' ', false, false)
		}
	default: // '0': zeros between the sign and the digits
		sign := b[:0]
		if v < 0 {
			sign, b = b[:1], b[1:]
		}
		e.put(sign, '0', max(s.width, digits)-len(sign)-len(b), b, false, false)
	}
}

// Which modifier each conversion refuses.
const (
	refusesE = "aAbBdDeFgGhHIjklmMSUVwW"
	refusesO = "aAcDFxXY"
)

// subformats: the C locale's forms of the composite conversions.
var subformats = map[byte]string{
	'c': "%a %b %e %H:%M:%S %Y",
	'D': "%m/%d/%y",
	'F': "%Y-%m-%d",
	'r': "%I:%M:%S %p",
	'R': "%H:%M",
	'T': "%H:%M:%S",
	'x': "%m/%d/%y",
	'X': "%H:%M:%S",
}

// format formats f; upper carries a ^ into a subformat.
func (e *timeFormat) format(f []byte, upper bool) {
	t := e.tm
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			if !e.add(f[i:i+1], 0, ' ', upper, false) {
				return
			}
			continue
		}
		start := i
		s := tspec{upper: upper}
		for i++; i < len(f); i++ {
			switch f[i] {
			case '_', '-', '0':
				s.pad = f[i]
				continue
			case '^':
				s.upper = true
				continue
			case '#':
				s.change = true
				continue
			}
			break
		}
		for ; i < len(f) && '0' <= f[i] && f[i] <= '9'; i++ {
			s.width = min(s.width*10+int(f[i]-'0'), 1<<31-1)
		}
		var mod byte
		if i < len(f) && (f[i] == 'E' || f[i] == 'O') {
			mod = f[i]
			i++
		}
		if i >= len(f) { // the end of the format: copied
			e.add(f[start:], s.width, s.padChar(), s.upper, false)
			return
		}
		ch := f[i]
		if mod == 'E' && indexByte([]byte(refusesE), ch) >= 0 || mod == 'O' && indexByte([]byte(refusesO), ch) >= 0 {
			ch = 0 // taken as unknown
		}
		year := t.year + 1900 // C int arithmetic: wraps as glibc's does
		switch ch {
		case '%':
			e.add([]byte{'%'}, s.width, s.padChar(), s.upper, false)
		case 'n':
			e.add([]byte{'\n'}, s.width, s.padChar(), s.upper, false)
		case 't':
			e.add([]byte{'\t'}, s.width, s.padChar(), s.upper, false)
		case 'a', 'A':
			name := "?"
			if t.wday >= 0 && t.wday < 7 {
				name = dayNames[t.wday]
				if ch == 'a' {
					name = name[:3]
				}
			}
			e.add([]byte(name), s.width, s.padChar(), s.upper || s.change, false)
		case 'b', 'h', 'B':
			name := "?"
			if t.mon >= 0 && t.mon < 12 {
				name = monthNames[t.mon]
				if ch != 'B' {
					name = name[:3]
				}
			}
			e.add([]byte(name), s.width, s.padChar(), s.upper || s.change, false)
		case 'p', 'P':
			name := "AM"
			if t.hour > 11 {
				name = "PM"
			}
			upper, lower := s.upper, ch == 'P'
			if s.change && ch == 'p' {
				upper, lower = false, true
			}
			e.add([]byte(name), s.width, s.padChar(), upper, lower)
		case 'Z':
			name, err := e.zoneText()
			if err != nil {
				e.err = err
				return
			}
			e.add(name, s.width, s.padChar(), s.upper && !s.change, s.change)
		case 'c', 'D', 'F', 'r', 'R', 'T', 'x', 'X':
			sub := timeFormat{tm: t, max: ^uint64(0), bits: e.bits, zone: e.zone}
			sub.format([]byte(subformats[ch]), s.upper)
			if sub.err != nil {
				e.err = sub.err
				return
			}
			e.add(sub.out, s.width, s.padChar(), false, false)
		case 'C':
			century := year / 100
			if year%100 < 0 {
				century--
			}
			e.number(&s, 1, int64(century), false)
		case 'y':
			y := t.year % 100
			if y < 0 {
				y += 100
			}
			e.number(&s, 2, int64(y), false)
		case 'Y':
			e.number(&s, 1, int64(year), false)
		case 'G', 'g', 'V':
			iy, week := isoWeek(t)
			switch ch {
			case 'G':
				e.number(&s, 1, int64(iy), false)
			case 'g':
				e.number(&s, 2, int64((iy%100+100)%100), false)
			default:
				e.number(&s, 2, int64(week), false)
			}
		case 'd':
			e.number(&s, 2, int64(t.mday), false)
		case 'e':
			e.number(&s, 2, int64(t.mday), true)
		case 'H':
			e.number(&s, 2, int64(t.hour), false)
		case 'k':
			e.number(&s, 2, int64(t.hour), true)
		case 'I', 'l':
			h := t.hour
			if h > 12 {
				h -= 12
			} else if h == 0 {
				h = 12
			}
			e.number(&s, 2, int64(h), ch == 'l')
		case 'j':
			e.number(&s, 3, int64(t.yday+1), false)
		case 'm':
			e.number(&s, 2, int64(t.mon+1), false)
		case 'M':
			e.number(&s, 2, int64(t.min), false)
		case 'S':
			e.number(&s, 2, int64(t.sec), false)
		case 's':
			cp := *t
			v, _ := normalize(&cp, e.bits, true)
			e.add(strconv.AppendInt(nil, v, 10), s.width, s.padChar(), false, false) // padded as text
		case 'u':
			e.number(&s, 1, int64((t.wday-1+7)%7+1), false)
		case 'w':
			e.number(&s, 1, int64(t.wday), false)
		case 'U':
			e.number(&s, 2, int64((t.yday-t.wday+7)/7), false)
		case 'W':
			e.number(&s, 2, int64((t.yday-(t.wday-1+7)%7+7)/7), false)
		case 'z':
			off := int32(t.gmtoff) // glibc takes it as an int
			sign := byte('+')
			if off < 0 {
				sign = '-'
			}
			if !e.add([]byte{sign}, s.width, s.padChar(), false, false) {
				return
			}
			m := int64(off) / 60
			hhmm := m/60*100 + m%60
			if hhmm < 0 {
				hhmm = -hhmm
			}
			e.number(&s, 4, hhmm, false)
		default: // not a conversion glibc takes: copied as written
			e.add(f[start:i+1], s.width, s.padChar(), s.upper, false)
		}
		if e.full || e.err != nil {
			return
		}
	}
}

// zoneText is what %Z prints: tm_zone, or (NULL or empty) the local
// zone's name, or nothing when tm_isdst is negative.
func (e *timeFormat) zoneText() ([]byte, error) {
	if e.tm.zone != 0 {
		b, err := e.zone()
		if err != nil || len(b) > 0 {
			return b, err
		}
	}
	if e.tm.isdst < 0 {
		return nil, nil
	}
	return []byte(localZone), nil
}

// isoWeekDays is the day of yday counted from the Monday of ISO week 1
// of its year (negative: in the previous year's weeks). Week 1 is the
// week with January 4 (yday 3) in it. glibc's C int arithmetic kept,
// remainder and all, so out-of-range fields give what glibc gives: the
// bias (a multiple of 7 plus 4) keeps the remainder's operand positive
// for any yday - wday above -383.
func isoWeekDays(yday, wday int32) int32 {
	return yday + 3 - (yday-wday+382)%7
}

// isoWeek is %G's year and %V's week of t.
func isoWeek(t *tm) (year, week int32) {
	year = t.year + 1900
	trueYear := int64(t.year) + 1900
	days := isoWeekDays(t.yday, t.wday)
	if days < 0 {
		year--
		days = isoWeekDays(t.yday+int32(monthStarts[leapIndex(trueYear-1)][12]), t.wday)
	} else if d := isoWeekDays(t.yday-int32(monthStarts[leapIndex(trueYear)][12]), t.wday); d >= 0 {
		year++
		days = d
	}
	return year, days/7 + 1
}
