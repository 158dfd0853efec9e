// Command gensyscalls writes linux/zsysnum.go: every platform's Linux ABI
// numbers as data, read from the kernel headers of the platform's own
// cross compiler rather than typed by hand.
//
// For each platform it
//
//  1. lists the macros of <asm/unistd.h> (`<triple>-gcc -E -dM -include
//     asm/unistd.h - </dev/null`) and keeps every __NR_ name, and the E*
//     names of <asm/errno.h> and the RLIMIT_* names of <asm/resource.h>;
//  2. compiles (gcc -c) one C file whose initialised arrays hold the value
//     of each of those macros, of the flag constants the syscall layer uses
//     (O_*, AT_*, F_*, MAP_*, TCGETS...), and the offset and size of every
//     field of the struct stat layouts the platform's stat calls write,
//     and of struct sysinfo, rusage, tms, statfs, statfs64 and the getdents records
//     (offsetof/sizeof: the compiler lays the struct out, nobody guesses);
//  3. reads the arrays back out of the object file with debug/elf, in the
//     object's byte order.
//
// Usage, from the module root or through `go generate ./linux`:
//
//	go run ./internal/tools/gensyscalls [-o linux/zsysnum.go]
package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// A target is one platform and its compiler.
type target struct {
	Platform string
	Triple   string
	// Stat64: the platform has the stat64 family (32-bit ABIs).
	Stat64 bool
}

var targets = []target{
	{"amd64", "x86_64-linux-gnu", false},
	{"i386", "i686-linux-gnu", true},
	{"aarch64", "aarch64-linux-gnu", false},
	{"armel", "arm-linux-gnueabi", true},
	{"armhf", "arm-linux-gnueabihf", true},
	{"mips", "mips-linux-gnu", true},
	{"mipsel", "mipsel-linux-gnu", true},
	{"mips64", "mips64-linux-gnuabi64", false},
	{"mips64el", "mips64el-linux-gnuabi64", false},
	{"ppc", "powerpc-linux-gnu", true},
	{"ppc64", "powerpc64-linux-gnu", false},
	{"ppc64le", "powerpc64le-linux-gnu", false},
}

// headers are the kernel UAPI headers the C file includes.
var headers = []string{
	"asm/unistd.h", "asm/errno.h", "asm/resource.h", "linux/fcntl.h",
	"linux/mman.h", "asm/termios.h", "asm/stat.h",
	"linux/stat.h", "asm/signal.h", "linux/sysinfo.h", "linux/resource.h",
	"linux/times.h", "asm/poll.h", "linux/fs.h", "asm/siginfo.h", "linux/signal.h",
	"asm/statfs.h", "linux/prctl.h", "linux/sched.h", "linux/close_range.h", "linux/fadvise.h",
}

// direntSource declares the kernel's directory entry records (fs/readdir.c,
// not in the UAPI headers) so the compiler lays them out for the
// platform: struct linux_dirent (getdents) has the ABI's unsigned long
// fields; struct linux_dirent64 (getdents64) is 64-bit everywhere.
const direntSource = `struct linux_dirent { unsigned long d_ino; unsigned long d_off; unsigned short d_reclen; char d_name[1]; };
struct linux_dirent64 { unsigned long long d_ino; long long d_off; unsigned short d_reclen; unsigned char d_type; char d_name[1]; };
`

// Consts are the flag and command constants the syscall layer decodes,
// evaluated by the compiler (some are expressions: _IOR(...), O_TMPFILE).
var Consts = []string{
	"O_ACCMODE", "O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREAT", "O_EXCL", "O_NOCTTY",
	"O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DIRECTORY", "O_NOFOLLOW", "O_CLOEXEC",
	"O_LARGEFILE", "O_PATH", "O_TMPFILE",
	"AT_FDCWD", "AT_SYMLINK_NOFOLLOW", "AT_EMPTY_PATH", "AT_EACCESS",
	"F_DUPFD", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_DUPFD_CLOEXEC", "FD_CLOEXEC",
	"PROT_READ", "PROT_WRITE", "PROT_EXEC",
	"MAP_SHARED", "MAP_PRIVATE", "MAP_FIXED", "MAP_ANONYMOUS", "MAP_FIXED_NOREPLACE",
	"MREMAP_MAYMOVE", "MREMAP_FIXED",
	"TCGETS", "TIOCGWINSZ", "FIONREAD",
	"SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK",
	"SIZEOF_TERMIOS",
	"AT_REMOVEDIR", "RENAME_NOREPLACE", "RENAME_EXCHANGE", "RENAME_WHITEOUT", "O_DIRECT",
	"POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLNVAL", "POLLRDNORM", "POLLWRNORM",
	"SA_SIGINFO", "SA_ONSTACK", "SA_RESETHAND", "SA_NODEFER", "SS_ONSTACK", "SS_DISABLE", "SI_USER", "SI_TKILL",
	"SEGV_MAPERR", "SEGV_ACCERR",
	"RLIM_INFINITY", "PRIO_PROCESS", "PRIO_PGRP", "PRIO_USER",
	"SCHED_NORMAL", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_IDLE", "SCHED_DEADLINE",
	"PR_SET_PDEATHSIG", "PR_GET_PDEATHSIG", "PR_GET_DUMPABLE", "PR_SET_DUMPABLE", "PR_SET_NAME", "PR_GET_NAME",
	"CLOSE_RANGE_UNSHARE", "CLOSE_RANGE_CLOEXEC", "AT_SYMLINK_FOLLOW",
	"POSIX_FADV_NORMAL", "POSIX_FADV_RANDOM", "POSIX_FADV_SEQUENTIAL", "POSIX_FADV_WILLNEED",
	"POSIX_FADV_DONTNEED", "POSIX_FADV_NOREUSE",
	"MS_ASYNC", "MS_SYNC", "MS_INVALIDATE", "MCL_CURRENT", "MCL_FUTURE", "MCL_ONFAULT", "MLOCK_ONFAULT",
}

// statFields are the fields of struct stat and struct stat64 the layer
// fills, as <asm/stat.h> names them on every platform.
var statFields = []string{
	"st_dev", "st_ino", "st_mode", "st_nlink", "st_uid", "st_gid", "st_rdev",
	"st_size", "st_blksize", "st_blocks",
	"st_atime", "st_atime_nsec", "st_mtime", "st_mtime_nsec", "st_ctime", "st_ctime_nsec",
}

// statxFields are the fields of struct statx (<linux/stat.h>), the same
// on every platform; listed so a test can hold that to the compiler.
var statxFields = []string{
	"stx_mask", "stx_blksize", "stx_attributes", "stx_nlink", "stx_uid", "stx_gid",
	"stx_mode", "stx_ino", "stx_size", "stx_blocks", "stx_attributes_mask",
	"stx_atime", "stx_btime", "stx_ctime", "stx_mtime",
	"stx_rdev_major", "stx_rdev_minor", "stx_dev_major", "stx_dev_minor",
}

// otherFields are the fields of the other structs the layer writes:
// struct sysinfo (<linux/sysinfo.h>), struct rusage (<linux/resource.h>),
// struct tms (<linux/times.h>), the directory records (direntSource)
// and struct siginfo.
var otherFields = map[string][]string{
	"sysinfo": {"uptime", "loads", "totalram", "freeram", "sharedram", "bufferram", "totalswap",
		"freeswap", "procs", "totalhigh", "freehigh", "mem_unit"},
	"rusage": {"ru_utime", "ru_stime", "ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss", "ru_minflt",
		"ru_majflt", "ru_nswap", "ru_inblock", "ru_oublock", "ru_msgsnd", "ru_msgrcv", "ru_nsignals",
		"ru_nvcsw", "ru_nivcsw"},
	"tms":            {"tms_utime", "tms_stime", "tms_cutime", "tms_cstime"},
	"linux_dirent":   {"d_ino", "d_off", "d_reclen", "d_name"},
	"linux_dirent64": {"d_ino", "d_off", "d_reclen", "d_type", "d_name"},
	// struct siginfo (<asm/siginfo.h>): what a signal handler is told of
	// a signal another process (or the guest itself) sent.
	"siginfo": {"si_signo", "si_errno", "si_code", "_sifields._kill._pid", "_sifields._kill._uid", "_sifields._sigfault._addr"},
	// struct statfs and struct statfs64 (<asm/statfs.h>): what statfs
	// and fstatfs (statfs64, fstatfs64) write; their order and widths
	// differ (MIPS puts f_frsize third; ARM packs statfs64 to 84 bytes).
	"statfs":   statfsFields,
	"statfs64": statfsFields,
}

var statfsFields = []string{"f_type", "f_bsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree",
	"f_fsid", "f_namelen", "f_frsize", "f_flags"}

// fieldsOf returns the fields generated for a struct.
func fieldsOf(s string) []string {
	if f, ok := otherFields[s]; ok {
		return f
	}
	if s == "statx" {
		return statxFields
	}
	return statFields
}

// Values is what one platform's headers say.
type Values struct {
	Sysnums map[string]uint64
	Errnos  map[string]uint64
	Rlimits map[string]uint64
	Consts  map[string]uint64
	Structs map[string]Layout // "stat", "stat64", "statx"
}

// Layout is a struct's size and its fields' offsets and sizes.
type Layout struct {
	Size   uint64
	Fields map[string][2]uint64 // name -> {offset, size}
}

func main() {
	out := flag.String("o", "", "output file (default: linux/zsysnum.go at the module root)")
	flag.Parse()
	if *out == "" {
		root, err := moduleRoot()
		if err != nil {
			fail(err)
		}
		*out = filepath.Join(root, "linux", "zsysnum.go")
	}
	all := map[string]*Values{}
	for _, t := range targets {
		v, err := Read(t)
		if err != nil {
			fail(err)
		}
		all[t.Platform] = v
	}
	src, err := render(all)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gensyscalls:", err)
	os.Exit(1)
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Compiler returns the C compiler of a triple (the host gcc for amd64).
func Compiler(triple string) string {
	if triple == "x86_64-linux-gnu" {
		if _, err := exec.LookPath("x86_64-linux-gnu-gcc"); err != nil {
			return "gcc"
		}
	}
	return triple + "-gcc"
}

var defineRE = regexp.MustCompile(`^#define (\w+) `)

// macros lists the macro names the header defines that match keep.
func macros(cc, header string, keep func(string) bool) ([]string, error) {
	cmd := exec.Command(cc, "-E", "-dM", "-include", header, "-")
	cmd.Stdin = strings.NewReader("")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s -E -dM -include %s: %v: %s", cc, header, err, stderr.String())
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := defineRE.FindStringSubmatch(sc.Text())
		if m != nil && keep(m[1]) {
			names = append(names, m[1])
		}
	}
	sort.Strings(names)
	return names, nil
}

// isSysnum keeps __NR_<call>, not the bases and counts (__NR_Linux,
// __NR_SYSCALL_BASE, __NR_syscalls, __NR_O32_Linux_syscalls...).
func isSysnum(n string) bool {
	return strings.HasPrefix(n, "__NR_") && !strings.Contains(n, "Linux") &&
		!strings.Contains(n, "SYSCALL_BASE") && n != "__NR_syscalls"
}

var errnoRE = regexp.MustCompile(`^E[A-Z0-9]+$`)

// Read asks a platform's compiler for its values.
func Read(t target) (*Values, error) {
	cc := Compiler(t.Triple)
	nrs, err := macros(cc, "asm/unistd.h", isSysnum)
	if err != nil {
		return nil, err
	}
	errs, err := macros(cc, "asm/errno.h", errnoRE.MatchString)
	if err != nil {
		return nil, err
	}
	rls, err := macros(cc, "asm/resource.h", func(n string) bool {
		return strings.HasPrefix(n, "RLIMIT_") || n == "RLIM_NLIMITS"
	})
	if err != nil {
		return nil, err
	}
	structs := []string{"stat", "statx", "sysinfo", "rusage", "tms", "linux_dirent", "linux_dirent64", "siginfo", "statfs", "statfs64"}
	if t.Stat64 {
		structs = append(structs, "stat64")
	}
	var src strings.Builder
	for _, h := range headers {
		fmt.Fprintf(&src, "#include <%s>\n", h)
	}
	src.WriteString("#include <stddef.h>\n#define SIZEOF_TERMIOS sizeof(struct termios)\n")
	src.WriteString(direntSource)
	array := func(name string, exprs []string) {
		fmt.Fprintf(&src, "const unsigned long long %s[] = {\n", name)
		for _, e := range exprs {
			fmt.Fprintf(&src, "\t(unsigned long long)(%s),\n", e)
		}
		src.WriteString("\t0 };\n")
	}
	array("sw_nr", nrs)
	array("sw_errno", errs)
	array("sw_rlimit", rls)
	array("sw_const", Consts)
	var lay []string
	for _, s := range structs {
		lay = append(lay, fmt.Sprintf("sizeof(struct %s)", s))
		for _, f := range fieldsOf(s) {
			lay = append(lay, fmt.Sprintf("offsetof(struct %s, %s)", s, f),
				fmt.Sprintf("sizeof(((struct %s *)0)->%s)", s, f))
		}
	}
	array("sw_layout", lay)

	vals, err := CompileArrays(cc, src.String(), []string{"sw_nr", "sw_errno", "sw_rlimit", "sw_const", "sw_layout"})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Platform, err)
	}
	v := &Values{Sysnums: map[string]uint64{}, Errnos: map[string]uint64{}, Rlimits: map[string]uint64{},
		Consts: map[string]uint64{}, Structs: map[string]Layout{}}
	for i, n := range nrs {
		v.Sysnums[strings.TrimPrefix(n, "__NR_")] = vals["sw_nr"][i]
	}
	for i, n := range errs {
		v.Errnos[n] = vals["sw_errno"][i]
	}
	for i, n := range rls {
		v.Rlimits[n] = vals["sw_rlimit"][i]
	}
	for i, n := range Consts {
		v.Consts[n] = vals["sw_const"][i]
	}
	l := vals["sw_layout"]
	for _, s := range structs {
		lo := Layout{Size: l[0], Fields: map[string][2]uint64{}}
		l = l[1:]
		for _, f := range fieldsOf(s) {
			lo.Fields[f] = [2]uint64{l[0], l[1]}
			l = l[2:]
		}
		v.Structs[s] = lo
	}
	uc, err := readUcontext(t)
	if err != nil {
		return nil, err
	}
	v.Structs["ucontext"] = uc
	return v, nil
}

// CompileArrays compiles C source with cc and returns the contents of
// the named arrays of unsigned long long (each ends with a 0 sentinel,
// which is dropped).
func CompileArrays(cc, src string, names []string) (map[string][]uint64, error) {
	dir, err := os.MkdirTemp("", "gensyscalls")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	c, o := filepath.Join(dir, "v.c"), filepath.Join(dir, "v.o")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(cc, "-c", "-O0", "-o", o, c)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s -c: %v\n%s", cc, err, out)
	}
	f, err := elf.Open(o)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	out := map[string][]uint64{}
	for _, s := range syms {
		want := false
		for _, n := range names {
			want = want || s.Name == n
		}
		if !want || int(s.Section) >= len(f.Sections) {
			continue
		}
		sec := f.Sections[s.Section]
		data, err := sec.Data()
		if err != nil {
			return nil, err
		}
		if s.Value+s.Size > uint64(len(data)) {
			return nil, fmt.Errorf("symbol %s is outside its section", s.Name)
		}
		b := data[s.Value : s.Value+s.Size]
		vals := make([]uint64, 0, len(b)/8)
		for i := 0; i+8 <= len(b); i += 8 {
			vals = append(vals, f.ByteOrder.Uint64(b[i:]))
		}
		out[s.Name] = vals[:len(vals)-1]
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("object has no array %s", n)
		}
	}
	return out, nil
}

// render writes zsysnum.go. Each table is a function of the platform
// whose cases return map literals, not a package-level map: Go builds a
// package-level map literal when the program starts, every platform's,
// whether or not the run uses it, while a literal inside a function is
// built only when the function is called (the linux package calls each
// once per platform it is asked for, and keeps the result).
func render(all map[string]*Values) ([]byte, error) {
	var b strings.Builder
	b.WriteString(`// Code generated by internal/tools/gensyscalls from each platform's kernel headers
// (<triple>-gcc: asm/unistd.h, asm/errno.h, asm/resource.h, linux/fcntl.h, linux/mman.h,
// asm/termios.h, asm/stat.h, linux/sysinfo.h, linux/resource.h, linux/times.h, asm/poll.h,
// linux/fs.h, asm/statfs.h, linux/prctl.h, linux/sched.h, linux/close_range.h, linux/fadvise.h);
// DO NOT EDIT.

package linux

`)
	plats := make([]string, 0, len(targets))
	for _, t := range targets {
		plats = append(plats, t.Platform)
	}
	b.WriteString("// zsysnumPlatforms are the platforms the functions below have data for.\n")
	b.WriteString("var zsysnumPlatforms = [...]string{")
	for _, p := range plats {
		fmt.Fprintf(&b, "%q, ", p)
	}
	b.WriteString("}\n\n")
	u64map := func(doc, name, vfmt string, get func(*Values) map[string]uint64) {
		fmt.Fprintf(&b, "// %s\n// It builds a new map at each call; nil: no such platform.\n", doc)
		fmt.Fprintf(&b, "func %s(platform string) map[string]uint64 {\n\tswitch platform {\n", name)
		for _, p := range plats {
			m := get(all[p])
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			fmt.Fprintf(&b, "\tcase %q:\n\t\treturn map[string]uint64{\n", p)
			for _, k := range keys {
				fmt.Fprintf(&b, "\t\t\t%q: "+vfmt+",\n", k, m[k])
			}
			b.WriteString("\t\t}\n")
		}
		b.WriteString("\t}\n\treturn nil\n}\n\n")
	}
	u64map("sysnumsFor: every __NR_<name> of the platform's <asm/unistd.h>, name -> number.", "sysnumsFor", "%d",
		func(v *Values) map[string]uint64 { return v.Sysnums })
	u64map("errnoNumsFor: every E* of the platform's <asm/errno.h>.", "errnoNumsFor", "%d",
		func(v *Values) map[string]uint64 { return v.Errnos })
	u64map("rlimitNumsFor: every RLIMIT_* of the platform's <asm/resource.h>.", "rlimitNumsFor", "%d",
		func(v *Values) map[string]uint64 { return v.Rlimits })
	u64map("constNumsFor: the flag and command constants the layer decodes, of the platform (SIZEOF_TERMIOS is sizeof(struct termios)).", "constNumsFor", "%#x",
		func(v *Values) map[string]uint64 { return v.Consts })
	b.WriteString("// structLayoutsFor: the platform's struct stat (and stat64) of <asm/stat.h>, struct statx of <linux/stat.h>, struct sysinfo, rusage, tms, statfs, statfs64, siginfo, the kernel's linux_dirent and linux_dirent64 (d_name declared [1]: its offset is what counts), and glibc's ucontext_t (ucontext.go: the signal mask, the alternate stack and the registers, by our names) as the compiler lays them out: size, and per field {offset, size}.\n// It builds a new map at each call; nil: no such platform.\n")
	b.WriteString("func structLayoutsFor(platform string) map[string]structLayout {\n\tswitch platform {\n")
	for _, p := range plats {
		fmt.Fprintf(&b, "\tcase %q:\n\t\treturn map[string]structLayout{\n", p)
		names := make([]string, 0, len(all[p].Structs))
		for n := range all[p].Structs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			l := all[p].Structs[n]
			fmt.Fprintf(&b, "\t\t\t%q: {Size: %d, Fields: map[string][2]uint64{", n, l.Size)
			fields := fieldsOf(n)
			if n == "ucontext" { // its fields differ by platform
				fields = fields[:0:0]
				for f := range l.Fields {
					fields = append(fields, f)
				}
				sort.Strings(fields)
			}
			for _, f := range fields {
				fmt.Fprintf(&b, "%q: {%d, %d}, ", f, l.Fields[f][0], l.Fields[f][1])
			}
			b.WriteString("}},\n")
		}
		b.WriteString("\t\t}\n")
	}
	b.WriteString("\t}\n\treturn nil\n}\n")
	return format.Source([]byte(b.String()))
}
