package linux_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// Numbers checked by hand against each architecture's syscall table
// (arch/x86/entry/syscalls/syscall_64.tbl, syscall_32.tbl,
// include/uapi/asm-generic/unistd.h, arch/arm/tools/syscall.tbl,
// arch/mips/kernel/syscalls/syscall_o32.tbl and syscall_n64.tbl,
// arch/powerpc/kernel/syscalls/syscall.tbl): zsysnum.go must agree.
func TestNumbersByHand(t *testing.T) {
	want := map[string]map[string]uint64{
		"amd64":    {"read": 0, "write": 1, "exit_group": 231, "mmap": 9, "newfstatat": 262, "openat": 257},
		"i386":     {"write": 4, "exit_group": 252, "mmap2": 192, "fstatat64": 300, "_llseek": 140, "getuid32": 199},
		"aarch64":  {"write": 64, "exit_group": 94, "openat": 56, "mmap": 222, "newfstatat": 79},
		"armel":    {"write": 4, "exit_group": 248, "mmap2": 192, "fstatat64": 327},
		"armhf":    {"write": 4, "exit_group": 248, "mmap2": 192},
		"mips":     {"write": 4004, "exit_group": 4246, "mmap2": 4210, "fstatat64": 4293},
		"mipsel":   {"write": 4004, "exit_group": 4246},
		"mips64":   {"write": 5001, "exit_group": 5205, "mmap": 5009, "newfstatat": 5252},
		"mips64el": {"write": 5001, "exit_group": 5205},
		"ppc":      {"write": 4, "exit_group": 234, "mmap2": 192, "fstatat64": 291},
		"ppc64":    {"write": 4, "exit_group": 234, "newfstatat": 291},
		"ppc64le":  {"write": 4, "exit_group": 234},
	}
	for _, p := range platform.All {
		tab, err := linux.TableFor(p)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]uint64{}
		for no, s := range tab.Calls {
			byName[s.Name] = no
		}
		for name, no := range want[p.Name] {
			if got, ok := byName[name]; !ok || got != no {
				t.Errorf("%s %s = %d (%v), want %d", p.Name, name, got, ok, no)
			}
		}
		if len(tab.Calls) < 300 {
			t.Errorf("%s: only %d calls named", p.Name, len(tab.Calls))
		}
	}
}

// TestGeneratedIsCurrent regenerates zsysnum.go with the cross compilers
// (which lay out struct stat, stat64 and statx with offsetof/sizeof) and
// requires the committed file to be what they say now. The compilers are
// the fixtures' (make setup installs them): missing ones fail the test.
func TestGeneratedIsCurrent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "zsysnum.go")
	cmd := exec.Command("go", "run", "../internal/tools/gensyscalls", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gensyscalls: %v\n%s(install the cross compilers: make setup)", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("zsysnum.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, have) {
		t.Errorf("zsysnum.go is stale: run go generate ./linux")
	}
}

// Stat layouts: fields every platform's struct has, of sane sizes, inside
// the struct, not overlapping; statx identical everywhere.
func TestStatLayouts(t *testing.T) {
	for _, p := range platform.All {
		names := []string{"stat", "statx"}
		if !p.Is64() {
			names = append(names, "stat64")
		}
		for _, n := range names {
			size, fields, ok := linux.StructLayout(p.Name, n)
			if !ok {
				t.Errorf("%s: no struct %s", p.Name, n)
				continue
			}
			type span struct {
				name   string
				lo, hi uint64
			}
			var spans []span
			for f, l := range fields {
				if l[1] == 0 || l[0]+l[1] > size {
					t.Errorf("%s %s.%s at %d+%d outside %d bytes", p.Name, n, f, l[0], l[1], size)
				}
				for _, s := range spans {
					if l[0] < s.hi && s.lo < l[0]+l[1] {
						t.Errorf("%s %s: %s overlaps %s", p.Name, n, f, s.name)
					}
				}
				spans = append(spans, span{f, l[0], l[0] + l[1]})
			}
		}
		sx, fx, _ := linux.StructLayout(p.Name, "statx")
		s0, f0, _ := linux.StructLayout("amd64", "statx")
		if sx != s0 || len(fx) != len(f0) {
			t.Errorf("%s: statx differs from amd64's", p.Name)
		}
		for f, l := range f0 {
			if fx[f] != l {
				t.Errorf("%s: statx.%s at %v, amd64 %v", p.Name, f, fx[f], l)
			}
		}
	}
}

func TestIdentityAndInfo(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		pr := r.env.Proc
		r.want(r.call("getpid"), int64(pr.PID), "getpid")
		r.want(r.call("gettid"), int64(pr.TID), "gettid")
		r.want(r.call("getppid"), int64(pr.PPID), "getppid")
		for _, n := range []string{"getuid", "geteuid", "getgid", "getegid", "getuid32", "geteuid32", "getgid32", "getegid32"} {
			if r.has(n) {
				r.want(r.call(n), 1000, n)
			}
		}
		r.want(r.call("uname", memBase), 0, "uname")
		field := func(i int) string {
			b := r.get(memBase+uint64(i*65), 65)
			return string(b[:bytes.IndexByte(b, 0)])
		}
		if field(0) != "Linux" || field(4) != linux.Utsname.Machine[r.p.Name] || field(4) == "" {
			r.t.Errorf("uname: sysname %q machine %q", field(0), field(4))
		}
		r.want(r.call("set_tid_address", memBase), int64(pr.TID), "set_tid_address")
		r.want(r.call("set_robust_list", memBase, uint64(3*r.p.WordSize)), 0, "set_robust_list")
		r.want(r.call("set_robust_list", memBase, 1), -linux.EINVAL, "set_robust_list(len 1)")
		r.want(r.call("rseq", memBase, 32, 0, 0), -linux.ENOSYS, "rseq")
		r.want(r.call("sched_yield"), 0, "sched_yield")
		r.want(r.call("getcwd", memBase, 64), 2, "getcwd")
		if string(r.get(memBase, 2)) != "/\x00" {
			r.t.Errorf("getcwd wrote %q", r.get(memBase, 2))
		}
		r.want(r.call("getcwd", memBase, 1), -linux.ERANGE, "getcwd(size 1)")
		// prlimit64(0, RLIMIT_STACK, NULL, old): RLIMIT_STACK is 3 everywhere.
		r.want(r.call("prlimit64", 0, 3, 0, memBase), 0, "prlimit64")
		if r.uint(memBase, 8) != 8<<20 || r.uint(memBase+8, 8) != ^uint64(0) {
			r.t.Errorf("RLIMIT_STACK = %#x %#x", r.uint(memBase, 8), r.uint(memBase+8, 8))
		}
		r.putWords(memBase+16, 8, 1<<20, 2<<20)
		r.want(r.call("prlimit64", 0, 3, memBase+16, 0), 0, "prlimit64(set)")
		r.want(r.call("prlimit64", 0, 3, 0, memBase), 0, "prlimit64(get)")
		if r.uint(memBase, 8) != 1<<20 {
			r.t.Errorf("RLIMIT_STACK after set = %#x", r.uint(memBase, 8))
		}
		r.want(r.call("prlimit64", 99, 3, 0, memBase), -linux.ESRCH, "prlimit64(other pid)")
	})
}

func TestTime(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		w := r.p.WordSize
		r.want(r.call("clock_gettime", 0, memBase), 0, "clock_gettime(REALTIME)")
		if sec := r.uint(memBase, w); sec < 1.7e9 {
			r.t.Errorf("clock_gettime: %d seconds", sec)
		}
		r.want(r.call("clock_gettime", 99, memBase), -linux.EINVAL, "clock_gettime(99)")
		if r.has("clock_gettime64") {
			r.want(r.call("clock_gettime64", 1, memBase), 0, "clock_gettime64(MONOTONIC)")
			if ns := r.uint(memBase+8, 8); ns >= 1e9 {
				r.t.Errorf("clock_gettime64: nsec %d", ns)
			}
		}
		r.want(r.call("gettimeofday", memBase, 0), 0, "gettimeofday")
		if us := r.uint(memBase+uint64(w), w); us >= 1e6 || r.uint(memBase, w) < 1.7e9 {
			r.t.Errorf("gettimeofday: %d s %d us", r.uint(memBase, w), us)
		}
		if r.has("time") {
			if got := r.call("time", memBase); got < 1.7e9 || uint64(got) != r.uint(memBase, w) {
				r.t.Errorf("time = %d, stored %d", got, r.uint(memBase, w))
			}
		}
		r.putWords(memBase, w, 1, 5)
		r.want(r.call("nanosleep", memBase, 0), 0, "nanosleep")
		r.putWords(memBase, w, 1, 2e9)
		r.want(r.call("nanosleep", memBase, 0), -linux.EINVAL, "nanosleep(nsec 2e9)")
		r.putWords(memBase, w, 0, 5)
		r.want(r.call("clock_nanosleep", 1, 0, memBase, 0), 0, "clock_nanosleep")
		r.put(memBase, make([]byte, 64))
		r.want(r.call("getrandom", memBase, 64, 0), 64, "getrandom")
		if bytes.Equal(r.get(memBase, 64), make([]byte, 64)) {
			r.t.Errorf("getrandom left zeroes")
		}
		r.want(r.call("getrandom", 0x1000, 8, 0), -linux.EFAULT, "getrandom(unmapped)")
	})
}

func TestStreams(t *testing.T) {
	forEach(t, func(e *fakeenv.Env) { e.In = strings.NewReader("input\n") }, func(r *rig) {
		w := uint64(r.p.WordSize)
		r.want(r.call("read", 0, memBase, 3), 3, "read(0)")
		r.want(r.call("read", 0, memBase+3, 100), 3, "read(0) rest")
		if string(r.get(memBase, 6)) != "input\n" {
			r.t.Errorf("read: %q", r.get(memBase, 6))
		}
		r.want(r.call("read", 0, memBase, 100), 0, "read(0) at EOF")
		r.want(r.call("read", 1, memBase, 1), -linux.EBADF, "read(stdout)")
		r.want(r.call("read", 0, 0x1000, 1), -linux.EFAULT, "read into unmapped memory")
		// writev(1, iov, 2) with iov = {"ab", 2}, {"cd\n", 3}.
		r.str(memBase+0x100, "ab")
		r.str(memBase+0x110, "cd\n")
		iov := uint64(memBase + 0x200)
		r.putWords(iov, int(w), memBase+0x100, 2, memBase+0x110, 3)
		r.want(r.call("writev", 1, iov, 2), 5, "writev(1)")
		r.want(r.call("write", 2, memBase+0x110, 3), 3, "write(2)")
		if r.env.Out.String() != "abcd\n" || r.env.Err.String() != "cd\n" {
			r.t.Errorf("stdout %q stderr %q", r.env.Out.String(), r.env.Err.String())
		}
		r.want(r.call("write", 7, memBase, 1), -linux.EBADF, "write(7)")
		r.want(r.call("write", 0, memBase, 1), -linux.EBADF, "write(stdin)")
		r.want(r.call("lseek", 0, 0, 1), -linux.ESPIPE, "lseek(stdin buffer)")
		// A non-file stream is a pipe to fstat; not a terminal.
		st := r.first("fstat64", "fstat")
		layout := "stat"
		if strings.HasSuffix(st, "64") {
			layout = "stat64"
		}
		r.want(r.call(st, 1, memBase+0x400), 0, st+"(1)")
		_, f, _ := linux.StructLayout(r.p.Name, layout)
		if mode := r.uint(memBase+0x400+f["st_mode"][0], int(f["st_mode"][1])); mode&0o170000 != 0o010000 {
			r.t.Errorf("%s(1): mode %#o, want a FIFO", st, mode)
		}
		r.want(r.call("ioctl", 1, tcgets(r.p), memBase), -linux.ENOTTY, "ioctl(1, TCGETS)")
		r.want(r.call("ioctl", 9, tcgets(r.p), memBase), -linux.EBADF, "ioctl(9, TCGETS)")
		// dup, dup2, dup3, fcntl on the standard streams.
		r.want(r.call("dup", 1), 3, "dup(1)")
		r.want(r.call("write", 3, memBase+0x100, 2), 2, "write(dup of 1)")
		if r.has("dup2") {
			r.want(r.call("dup2", 2, 9), 9, "dup2(2, 9)")
		} else {
			r.want(r.call("dup3", 2, 9, 0), 9, "dup3(2, 9)")
		}
		r.want(r.call("write", 9, memBase+0x100, 2), 2, "write(dup of 2)")
		if r.env.Out.String() != "abcd\nab" || r.env.Err.String() != "cd\nab" {
			r.t.Errorf("after dups: stdout %q stderr %q", r.env.Out.String(), r.env.Err.String())
		}
		fcntl := r.first("fcntl64", "fcntl")
		fdCloexec := uint64(1)
		r.want(r.call(fcntl, 9, 2 /* F_SETFD */, fdCloexec), 0, "F_SETFD")
		r.want(r.call(fcntl, 9, 1 /* F_GETFD */), 1, "F_GETFD")
		r.want(r.call(fcntl, 1, 3 /* F_GETFL */), 1, "F_GETFL(1) is O_WRONLY")
		r.want(r.call(fcntl, 1, 0 /* F_DUPFD */, 20), 20, "F_DUPFD(1, 20)")
		r.want(r.call("dup3", 1, 1, 0), -linux.EINVAL, "dup3(1, 1)")
		r.want(r.call("close", 9), 0, "close(9)")
		r.want(r.call("close", 9), -linux.EBADF, "close(9) twice")
		r.want(r.call("write", 9, memBase, 1), -linux.EBADF, "write(closed)")
	})
}

// tcgets is TCGETS as the platform's <asm/ioctls.h> defines it.
func tcgets(p *platform.Platform) uint64 {
	switch p.Machine {
	case platform.MIPS.Machine:
		return 0x540d
	case platform.PPC.Machine, platform.PPC64.Machine:
		return 0x402c7413
	}
	return 0x5401
}

// sysroot makes a guest tree: /etc/hello (file), /lib -> usr/lib (a
// relative link), /usr/lib/data, links escaping it, and a host file
// outside it.
func sysroot(t *testing.T) (root, outside string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	outside = filepath.Join(dir, "secret")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "usr/lib"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc/hello"), []byte("hello, guest\n"), 0o644))
	data := make([]byte, 3*4096+100)
	for i := range data {
		data[i] = byte(i / 4096)
	}
	data[0] = 'D'
	must(os.WriteFile(filepath.Join(root, "usr/lib/data"), data, 0o644))
	must(os.Symlink("usr/lib", filepath.Join(root, "lib")))
	must(os.Symlink("../../secret", filepath.Join(root, "etc/up")))
	must(os.Symlink(outside, filepath.Join(root, "etc/abs")))
	must(os.Symlink("/etc/hello", filepath.Join(root, "etc/abs-inside")))
	must(os.WriteFile(outside, []byte("host secret\n"), 0o644))
	return root, outside
}

// openPath opens a guest path the platform's way (open, else openat).
func (r *rig) open(path string, flags uint64) int64 {
	r.t.Helper()
	p := r.str(memBase+0x800, path)
	if r.has("open") {
		return r.call("open", p, flags, 0o644)
	}
	return r.call("openat", atFDCWD, p, flags, 0o644)
}

// Open flags of <asm/fcntl.h> the tests use.
func oFlags(p *platform.Platform) (wronly, creat, trunc uint64) {
	if p.Machine == platform.MIPS.Machine {
		return 1, 0x100, 0x200
	}
	return 1, 0x40, 0x200
}

func TestFiles(t *testing.T) {
	root, _ := sysroot(t)
	forEach(t, func(e *fakeenv.Env) { e.Proc.Sysroot = root }, func(r *rig) {
		fd := r.open("/etc/hello", 0)
		r.want(fd, 3, "open /etc/hello")
		r.want(r.call("read", uint64(fd), memBase, 5), 5, "read")
		if string(r.get(memBase, 5)) != "hello" {
			r.t.Errorf("read %q", r.get(memBase, 5))
		}
		r.want(r.call("lseek", uint64(fd), 1, 0), 1, "lseek(1, SEEK_SET)")
		r.want(r.call("read", uint64(fd), memBase, 4), 4, "read after lseek")
		if string(r.get(memBase, 4)) != "ello" {
			r.t.Errorf("read after lseek %q", r.get(memBase, 4))
		}
		if r.has("_llseek") {
			r.want(r.call("_llseek", uint64(fd), 0, 7, memBase+0x100, 0), 0, "_llseek")
			if r.uint(memBase+0x100, 8) != 7 {
				r.t.Errorf("_llseek result %d", r.uint(memBase+0x100, 8))
			}
		}
		// pread64(fd, buf, 5, 7): a 64-bit offset, in a register pair
		// (stack words on MIPS o32) on 32-bit platforms.
		r.want(r.call("pread64", r.with64([]uint64{uint64(fd), memBase, 5}, 7)...), 5, "pread64")
		if string(r.get(memBase, 5)) != "guest" {
			r.t.Errorf("pread64 %q", r.get(memBase, 5))
		}
		r.want(r.call("write", uint64(fd), memBase, 1), -linux.EBADF, "write to a read-only file")
		// The stat family, every name the platform has, through its layout.
		for _, c := range []struct{ name, layout string }{
			{"fstat", "stat"}, {"fstat64", "stat64"}, {"stat", "stat"}, {"lstat", "stat"}, {"stat64", "stat64"},
			{"lstat64", "stat64"}, {"newfstatat", "stat"}, {"fstatat64", "stat64"},
		} {
			if !r.has(c.name) {
				continue
			}
			buf := uint64(memBase + 0x1000)
			r.put(buf, make([]byte, 256))
			path := r.str(memBase+0x900, "/lib/../../etc/hello") // .. after a link: from its target, /usr/lib
			switch c.name {
			case "fstat", "fstat64":
				r.want(r.call(c.name, uint64(fd), buf), 0, c.name)
			case "stat", "lstat", "stat64", "lstat64":
				r.want(r.call(c.name, path, buf), 0, c.name)
			default:
				r.want(r.call(c.name, atFDCWD, path, buf, 0), 0, c.name)
			}
			size, f, ok := linux.StructLayout(r.p.Name, c.layout)
			if !ok {
				r.t.Fatalf("no layout %s", c.layout)
			}
			got := func(n string) uint64 { return r.uint(buf+f[n][0], int(f[n][1])) }
			if got("st_size") != 13 || got("st_mode") != 0o100644 || got("st_nlink") != 1 || got("st_mtime") < 1.7e9 {
				r.t.Errorf("%s: size %d mode %#o nlink %d mtime %d", c.name, got("st_size"), got("st_mode"), got("st_nlink"), got("st_mtime"))
			}
			if b := r.get(buf+size, 8); !bytes.Equal(b, make([]byte, 8)) {
				r.t.Errorf("%s wrote past its %d bytes", c.name, size)
			}
		}
		// statx, the same everywhere.
		buf := uint64(memBase + 0x1000)
		r.want(r.call("statx", atFDCWD, r.str(memBase+0x900, "/etc/hello"), 0, 0x7ff, buf), 0, "statx")
		_, sx, _ := linux.StructLayout(r.p.Name, "statx")
		if r.uint(buf+sx["stx_size"][0], 8) != 13 || r.uint(buf+sx["stx_mode"][0], 2) != 0o100644 {
			r.t.Errorf("statx: size %d mode %#o", r.uint(buf+sx["stx_size"][0], 8), r.uint(buf+sx["stx_mode"][0], 2))
		}
		// newfstatat/statx with AT_EMPTY_PATH on the fd (0x1000 everywhere).
		r.want(r.call("statx", uint64(fd), r.str(memBase+0x900, ""), 0x1000, 0x7ff, buf), 0, "statx(fd, \"\", AT_EMPTY_PATH)")
		if r.uint(buf+sx["stx_size"][0], 8) != 13 {
			r.t.Errorf("statx(AT_EMPTY_PATH): size %d", r.uint(buf+sx["stx_size"][0], 8))
		}
		r.want(r.call("statx", atFDCWD, r.str(memBase+0x900, "/nope"), 0, 0x7ff, buf), -linux.ENOENT, "statx(/nope)")
		r.want(r.call("close", uint64(fd)), 0, "close")
		r.want(r.open("/etc/nope", 0), -linux.ENOENT, "open /etc/nope")
		r.want(r.open("/etc/hello/x", 0), -linux.ENOTDIR, "open /etc/hello/x")
		// access, readlink, getcwd-relative paths.
		acc := r.str(memBase+0x900, "etc/hello")
		if r.has("access") {
			r.want(r.call("access", acc, 4), 0, "access(R_OK)")
			r.want(r.call("access", acc, 2), -linux.EACCES, "access(W_OK) in the sysroot")
		}
		r.want(r.call("faccessat", atFDCWD, acc, 4, 0), 0, "faccessat(R_OK)")
		rl := r.first("readlink", "readlinkat")
		link := r.str(memBase+0x900, "/lib")
		self := r.str(memBase+0xa00, "/proc/self/exe")
		if rl == "readlink" {
			r.want(r.call(rl, link, memBase, 64), 7, "readlink(/lib)")
			r.want(r.call(rl, self, memBase, 64), -linux.ENOENT, "readlink(/proc/self/exe)")
		} else {
			r.want(r.call(rl, atFDCWD, link, memBase, 64), 7, "readlinkat(/lib)")
			r.want(r.call(rl, atFDCWD, self, memBase, 64), -linux.ENOENT, "readlinkat(/proc/self/exe)")
		}
		if string(r.get(memBase, 7)) != "usr/lib" {
			r.t.Errorf("readlink: %q", r.get(memBase, 7))
		}
	})
}

func TestConfinement(t *testing.T) {
	root, outside := sysroot(t)
	writable := t.TempDir()
	forEach(t, func(e *fakeenv.Env) {
		e.Proc.Sysroot = root
		e.Proc.AllowWrite = []string{writable}
	}, func(r *rig) {
		wronly, creat, trunc := oFlags(r.p)
		for _, c := range []struct {
			path string
			want int64
		}{
			{"/../secret", -linux.EACCES},           // .. above the guest's root
			{"/etc/../../secret", -linux.EACCES},    // the same, deeper
			{"../secret", -linux.EACCES},            // relative to the working directory, /
			{"/etc/up", -linux.EACCES},              // a link climbing out
			{"/etc/abs", -linux.ENOENT},             // an absolute link: inside the guest's tree, where there is no such file
			{outside, -linux.ENOENT},                // the host path, seen in the guest's tree
			{"/etc/abs-inside", 3},                  // an absolute link inside
			{"/lib/data", 3},                        // a relative link inside
			{"/dev/null", 3},                        // always there
			{"/etc/../etc/./hello", 3},              // .. inside
			{"/etc/hello/../hello", -linux.ENOTDIR}, // .. after a file
			{"/proc/self/maps", -linux.ENOENT},      // no /proc
		} {
			got := r.open(c.path, 0)
			r.want(got, c.want, "open "+c.path)
			if got >= 0 {
				r.call("close", uint64(got))
			}
		}
		// Writing: refused in the sysroot, allowed under AllowWrite.
		r.want(r.open("/etc/hello", wronly), -linux.EACCES, "open /etc/hello O_WRONLY")
		r.want(r.open("/etc/new", wronly|creat), -linux.EACCES, "create /etc/new")
		r.want(r.open("/etc/hello", trunc), -linux.EACCES, "open /etc/hello O_TRUNC")
		name := filepath.Join(writable, r.p.Name)
		fd := r.open(name, wronly|creat|trunc)
		r.want(fd, 3, "create under --allow-write")
		r.str(memBase, "written\n")
		r.want(r.call("write", uint64(fd), memBase, 8), 8, "write to an allowed file")
		r.want(r.call("close", uint64(fd)), 0, "close")
		if b, err := os.ReadFile(name); err != nil || string(b) != "written\n" {
			r.t.Errorf("allowed file holds %q, %v", b, err)
		}
		if b, _ := os.ReadFile(outside); string(b) != "host secret\n" {
			r.t.Errorf("the host file changed: %q", b)
		}
		null := r.open("/dev/null", wronly)
		r.want(r.call("write", uint64(null), memBase, 8), 8, "write /dev/null")
		r.want(r.call("read", uint64(null), memBase, 8), -linux.EBADF, "read a write-only /dev/null")
		// No network.
		if r.has("socket") {
			r.want(r.call("socket", 2, 1, 0), -linux.EACCES, "socket")
		}
		if r.has("socketcall") {
			r.want(r.call("socketcall", 1, memBase), -linux.EACCES, "socketcall")
		}
	})
	// No sysroot: nothing but /dev/null.
	forEach(t, nil, func(r *rig) {
		r.want(r.open("/etc/hello", 0), -linux.EACCES, "open with no sysroot")
		r.want(r.open("/dev/null", 0), 3, "open /dev/null with no sysroot")
	})
}

func TestMemory(t *testing.T) {
	root, _ := sysroot(t)
	const heap, heapEnd = 0x40000, 0x42000
	forEach(t, func(e *fakeenv.Env) {
		e.Proc.Sysroot = root
		e.Proc.BrkStart, e.Proc.BrkEnd = heap, heapEnd
		if err := e.MapAnon(heap, heapEnd-heap, memory.RW, "heap"); err != nil {
			t.Fatal(err)
		}
	}, func(r *rig) {
		mip := r.p.Machine == platform.MIPS.Machine
		mapAnon, mapPrivate, mapFixed := uint64(0x20), uint64(2), uint64(0x10)
		if mip {
			mapAnon = 0x800
		}
		const rw, rx = 3, 5
		// brk
		r.want(r.call("brk", 0), heapEnd, "brk(0)")
		r.want(r.call("brk", heapEnd+0x1800), heapEnd+0x1800, "brk(grow)")
		r.put(heapEnd+0x17ff, []byte{1})
		if m := r.env.Mem.Find(heapEnd + 0x1fff); m == nil || m.Perm != memory.RW {
			r.t.Errorf("brk did not map RW pages up to %#x", heapEnd+0x2000)
		}
		r.want(r.call("brk", heapEnd+0x100), heapEnd+0x100, "brk(shrink)")
		if r.env.Mem.Find(heapEnd+0x1000) != nil {
			r.t.Errorf("brk(shrink) left %#x mapped", heapEnd+0x1000)
		}
		r.want(r.call("brk", heap-0x1000), heapEnd+0x100, "brk(below the heap)")
		r.want(r.call("brk", 0), heapEnd+0x100, "brk(0) after")
		// anonymous mmap (mmap2 on 32-bit ABIs that have it: glibc's choice)
		mm := r.first("mmap2", "mmap")
		if r.p.Name == "i386" {
			mm = "mmap2" // i386's mmap is old_mmap
		}
		a := r.call(mm, 0, 0x3000, rw, mapPrivate|mapAnon, ^uint64(0), 0)
		if a <= 0 || a%4096 != 0 {
			r.t.Fatalf("%s anon = %#x", mm, a)
		}
		addr := uint64(a)
		if m := r.env.Mem.Find(addr + 0x2fff); m == nil || m.Perm != memory.RW || r.uint(addr, 4) != 0 {
			r.t.Errorf("%s: %#x+0x3000 not RW zero memory", mm, addr)
		}
		r.want(r.call("mprotect", addr+0x1000, 0x1000, rx), 0, "mprotect")
		if p1, p2 := r.env.Mem.Find(addr).Perm, r.env.Mem.Find(addr+0x1000).Perm; p1 != memory.RW || p2 != memory.RX {
			r.t.Errorf("mprotect: perms %s %s", p1, p2)
		}
		r.want(r.call("mprotect", 0x7000000, 0x1000, rx), -linux.ENOMEM, "mprotect(unmapped)")
		r.want(r.call("munmap", addr+0x1000, 0x1000), 0, "munmap(middle)")
		if r.env.Mem.Find(addr+0x1000) != nil || r.env.Mem.Find(addr) == nil || r.env.Mem.Find(addr+0x2000) == nil {
			r.t.Errorf("munmap(middle) unmapped the wrong pages")
		}
		r.want(r.call("munmap", addr+1, 0x1000), -linux.EINVAL, "munmap(unaligned)")
		// MAP_FIXED over a mapping replaces it.
		r.put(addr, []byte{9})
		r.want(r.call(mm, addr, 0x1000, rw, mapPrivate|mapAnon|mapFixed, ^uint64(0), 0), int64(addr), "MAP_FIXED")
		if r.uint(addr, 1) != 0 {
			r.t.Errorf("MAP_FIXED kept the old bytes")
		}
		// A private file mapping, from a page offset: mmap2 counts pages.
		fd := r.open("/usr/lib/data", 0)
		off := uint64(4096)
		if mm == "mmap2" {
			off = 1
		}
		f := r.call(mm, 0, 0x2000, 1, mapPrivate, uint64(fd), off)
		if f <= 0 {
			r.t.Fatalf("%s file = %d", mm, f)
		}
		if got := r.get(uint64(f), 1)[0]; got != 1 || r.get(uint64(f)+4096, 1)[0] != 2 {
			r.t.Errorf("file mapping: first bytes %d %d, want 1 2", got, r.get(uint64(f)+4096, 1)[0])
		}
		if r.env.Mem.Find(uint64(f)).Perm != memory.R {
			r.t.Errorf("file mapping perm %s", r.env.Mem.Find(uint64(f)).Perm)
		}
		r.want(r.call(mm, 0, 0x1000, 1, mapPrivate, 1, 0), -linux.ENODEV, "mmap of stdout")
		r.want(r.call(mm, 0, 0, 1, mapPrivate|mapAnon, ^uint64(0), 0), -linux.EINVAL, "mmap of 0 bytes")
		// mremap: grow by moving, keeping the bytes.
		g := r.call(mm, 0, 0x1000, rw, mapPrivate|mapAnon, ^uint64(0), 0)
		r.put(uint64(g), []byte("keep"))
		r.call(mm, uint64(g)+0x1000, 0x1000, rw, mapPrivate|mapAnon|mapFixed, ^uint64(0), 0) // block growth in place
		n := r.call("mremap", uint64(g), 0x1000, 0x3000, 1 /* MREMAP_MAYMOVE */, 0)
		if n <= 0 || uint64(n) == uint64(g) || string(r.get(uint64(n), 4)) != "keep" || r.env.Mem.Find(uint64(g)) != nil {
			r.t.Errorf("mremap(MAYMOVE) = %#x from %#x", n, g)
		}
		r.want(r.call("mremap", uint64(n), 0x3000, 0x1000, 0, 0), n, "mremap(shrink)")
		r.want(r.call("madvise", uint64(n), 0x1000, 4 /* MADV_DONTNEED */), 0, "madvise")
		if string(r.get(uint64(n), 4)) != "\x00\x00\x00\x00" {
			r.t.Errorf("MADV_DONTNEED kept %q", r.get(uint64(n), 4))
		}
		if r.p.Name == "i386" {
			// old_mmap: the six arguments in memory.
			r.putWords(memBase, 4, 0, 0x1000, rw, mapPrivate|mapAnon, 0xffffffff, 0)
			if a := r.call("mmap", memBase); a <= 0 || r.env.Mem.Find(uint64(a)) == nil {
				r.t.Errorf("i386 old_mmap = %#x", a)
			}
		}
	})
}

func TestSignals(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		pid, tid := uint64(r.env.Proc.PID), uint64(r.env.Proc.TID)
		w := r.p.WordSize
		setsize := uint64(8)
		if r.p.Machine == platform.MIPS.Machine {
			setsize = 16
		}
		sigusr1 := uint64(10)
		if r.p.Machine == platform.MIPS.Machine {
			sigusr1 = 16
		}
		// rt_sigaction: recorded and read back byte for byte.
		act := make([]byte, 64)
		for i := range act {
			act[i] = byte(i + 1)
		}
		actSize := 3*w + int(setsize)
		if r.p.Machine == platform.MIPS.Machine {
			actSize = 2*w + int(setsize)
		}
		r.put(memBase, act[:actSize])
		r.put(memBase+0x100, make([]byte, 64))
		r.want(r.call("rt_sigaction", sigusr1, memBase, 0, setsize), 0, "rt_sigaction(set)")
		r.want(r.call("rt_sigaction", sigusr1, 0, memBase+0x100, setsize), 0, "rt_sigaction(get)")
		if got := r.get(memBase+0x100, actSize+4); !bytes.Equal(got[:actSize], act[:actSize]) || !bytes.Equal(got[actSize:], make([]byte, 4)) {
			r.t.Errorf("rt_sigaction read back % x", got)
		}
		r.want(r.call("rt_sigaction", sigusr1, memBase, 0, 4), -linux.EINVAL, "rt_sigaction(bad sigsetsize)")
		r.want(r.call("rt_sigaction", 9, memBase, 0, setsize), -linux.EINVAL, "rt_sigaction(SIGKILL)")
		// rt_sigprocmask: block SIGUSR1, read the mask back.
		r.put(memBase+0x200, make([]byte, 16))
		r.putWords(memBase+0x200, w, 1<<(sigusr1-1))
		r.want(r.call("rt_sigprocmask", sigBlock(r.p), memBase+0x200, 0, setsize), 0, "rt_sigprocmask(BLOCK)")
		r.want(r.call("rt_sigprocmask", sigBlock(r.p), 0, memBase+0x300, setsize), 0, "rt_sigprocmask(get)")
		if r.uint(memBase+0x300, w) != 1<<(sigusr1-1) {
			r.t.Errorf("mask %#x", r.uint(memBase+0x300, w))
		}
		// sigaltstack: initially SS_DISABLE.
		r.want(r.call("sigaltstack", 0, memBase+0x400), 0, "sigaltstack")
		flagsAt := uint64(memBase+0x400) + uint64(w)
		if r.p.Machine == platform.MIPS.Machine {
			flagsAt = uint64(memBase+0x400) + uint64(2*w)
		}
		if r.uint(flagsAt, 4) != 2 {
			r.t.Errorf("sigaltstack flags %d, want SS_DISABLE", r.uint(flagsAt, 4))
		}
		// Signals to others: ESRCH; to itself: a blocked one stays pending
		// until unblocked, one with a handler then stops the run, SIGABRT
		// kills.
		r.want(r.call("kill", pid+1, 6), -linux.ESRCH, "kill(other, SIGABRT)")
		r.want(r.call("tgkill", pid, tid+1, 6), -linux.ESRCH, "tgkill(other thread)")
		r.want(r.call("kill", pid, 0), 0, "kill(self, 0)")
		r.want(r.call("tgkill", pid, tid, sigusr1), 0, "tgkill(self, blocked SIGUSR1)")
		// Unblocked, it runs its handler (TestSignalHandlers says how).
		ran := 0
		r.env.Guest = map[uint64]func(...uint64) uint64{decodeWord(r, act): func(...uint64) uint64 { ran++; return 0 }}
		if r.p.Machine == platform.MIPS.Machine {
			r.env.Guest = map[uint64]func(...uint64) uint64{decodeWord(r, act[w:]): func(...uint64) uint64 { ran++; return 0 }}
		}
		r.putWords(memBase+0x200, w, 0)
		r.want(r.call("rt_sigprocmask", sigSetmask(r.p), memBase+0x200, 0, setsize), 0, "rt_sigprocmask(SETMASK 0)")
		if r.env.Killed || ran != 1 {
			r.t.Fatalf("unblocking SIGUSR1, which has a handler: killed %v, handler ran %d times", r.env.Killed, ran)
		}
		r.want(r.call("tgkill", pid, tid, 6), 0, "tgkill(self, SIGABRT)")
		if !r.env.Killed || r.env.Signal != 6 {
			r.t.Errorf("SIGABRT: killed %v signal %d", r.env.Killed, r.env.Signal)
		}
	})
}

// decodeWord reads a guest word from b.
func decodeWord(r *rig, b []byte) uint64 {
	if r.p.WordSize == 4 {
		return uint64(r.order().Uint32(b))
	}
	return r.order().Uint64(b)
}

// A handler the guest installed runs when the guest signals itself
// (CallGuest with sig, a siginfo_t and a ucontext): SA_SIGINFO's
// siginfo says who sent it and how; the signal is blocked while it runs
// unless SA_NODEFER; SA_RESETHAND puts SIG_DFL back; SA_ONSTACK runs it
// on the alternate stack, where sigaltstack says SS_ONSTACK; the stack
// pointer and the mask are as they were after; a ppoll it interrupts
// fails with EINTR.
func TestSignalHandlers(t *testing.T) {
	const handler, altBase, altSize = 0x5000, memBase + 0x4000, 0x2000
	// setAction installs handler for sig with flags.
	setAction := func(r *rig, sig, flags uint64) {
		r.t.Helper()
		w := r.p.WordSize
		act := uint64(memBase + 0x600)
		r.put(act, make([]byte, 64))
		if r.p.Machine == platform.MIPS.Machine {
			r.putWords(act, 4, flags)
			r.putWords(act+uint64(w), w, handler)
		} else {
			r.putWords(act, w, handler, flags)
		}
		r.want(r.call("rt_sigaction", sig, act, 0, sigsOf(r.p).setsize), 0, "rt_sigaction")
	}
	const saSiginfoGeneric, saSiginfoMIPS, saOnstack, saResethand, saNodefer = 4, 8, 0x08000000, 0x80000000, 0x40000000
	forEach(t, nil, func(r *rig) {
		s := sigsOf(r.p)
		w := r.p.WordSize
		pid, tid := uint64(r.env.Proc.PID), uint64(r.env.Proc.TID)
		siginfo := uint64(saSiginfoGeneric)
		if r.p.Machine == platform.MIPS.Machine {
			siginfo = saSiginfoMIPS
		}
		type call struct {
			args           []uint64
			signo, errno   uint64
			code           int32
			pid, uid       uint64
			mask, altFlags uint64
			// From the ucontext: the stack pointer, the mask before the
			// handler, uc_stack.ss_flags.
			ucSP, ucMask, ucSSFlags uint64
		}
		// ucField reads a field of the ucontext at uc.
		ucField := func(uc uint64, name string) uint64 {
			off, size, ok := linux.UcontextField(r.p, name)
			if !ok {
				r.t.Fatalf("no ucontext field %s", name)
			}
			if size > 8 { // the mask: its first word
				size = uint64(r.p.WordSize)
			}
			return r.uint(uc+off, int(size))
		}
		// The register the handler changes in its ucontext (sigreturn
		// must put it back in the CPU): the second argument's (the
		// first is the result register on some platforms, which the
		// raising call then sets).
		argReg := r.tab.ArgRegs[1]
		const changed = 0x1234
		var calls []call
		r.env.Guest = map[uint64]func(...uint64) uint64{handler: func(args ...uint64) uint64 {
			c := call{args: args}
			info := args[1]
			c.signo = r.uint(info, 4)
			// MIPS puts si_code before si_errno.
			codeAt := info + 8
			if r.p.Machine == platform.MIPS.Machine {
				codeAt = info + 4
			}
			c.code = int32(r.uint(codeAt, 4))
			union := info + 12
			if w == 8 {
				union = info + 16
			}
			c.pid, c.uid = r.uint(union, 4), r.uint(union+4, 4)
			r.want(r.call("rt_sigprocmask", sigBlock(r.p), 0, memBase+0x900, s.setsize), 0, "rt_sigprocmask(get) in the handler")
			c.mask = r.uint(memBase+0x900, w)
			r.want(r.call("sigaltstack", 0, memBase+0x980), 0, "sigaltstack(get) in the handler")
			flagsAt := uint64(memBase+0x980) + uint64(w)
			if r.p.Machine == platform.MIPS.Machine {
				flagsAt += uint64(w)
			}
			c.altFlags = r.uint(flagsAt, 4)
			uc := args[2]
			c.ucSP, c.ucMask, c.ucSSFlags = ucField(uc, r.p.SP), ucField(uc, "uc_sigmask"), ucField(uc, "ss_flags")
			off, size, _ := linux.UcontextField(r.p, argReg)
			r.putWords(uc+off, int(size), changed)
			calls = append(calls, c)
			return 0
		}}
		bit := uint64(1) << (s.usr2 - 1)
		spBefore, _ := r.env.CPU.Get(r.p.SP)

		// SA_SIGINFO | SA_RESETHAND, sent by tgkill.
		setAction(r, s.usr2, siginfo|saResethand)
		r.want(r.call("tgkill", pid, tid, s.usr2), 0, "tgkill(self, SIGUSR2)")
		if len(calls) != 1 {
			r.t.Fatalf("handler ran %d times, want 1", len(calls))
		}
		c := calls[0]
		if c.args[0] != s.usr2 || c.signo != s.usr2 || c.code != -6 || c.pid != pid || c.uid != uint64(r.env.Proc.UID) {
			r.t.Errorf("handler args %#x, siginfo signo %d code %d pid %d uid %d; want %d, SI_TKILL (-6), %d, %d",
				c.args, c.signo, c.code, c.pid, c.uid, s.usr2, pid, r.env.Proc.UID)
		}
		if c.mask != bit || c.altFlags&1 != 0 {
			r.t.Errorf("in the handler: mask %#x (want SIGUSR2 blocked, %#x), sigaltstack flags %#x (want not SS_ONSTACK)", c.mask, bit, c.altFlags)
		}
		if spAfter, _ := r.env.CPU.Get(r.p.SP); spAfter != spBefore || c.ucSP != spBefore {
			r.t.Errorf("sp %#x after the handler, %#x in its ucontext; want %#x", spAfter, c.ucSP, spBefore)
		}
		if v, _ := r.env.CPU.Get(argReg); v != changed || c.ucMask != 0 || c.ucSSFlags != 2 {
			r.t.Errorf("%s = %#x after the handler changed it to %#x in the ucontext; ucontext mask %#x (want 0), ss_flags %d (want SS_DISABLE)", argReg, v, changed, c.ucMask, c.ucSSFlags)
		}
		r.want(r.call("rt_sigprocmask", sigBlock(r.p), 0, memBase+0x900, s.setsize), 0, "rt_sigprocmask(get)")
		if m := r.uint(memBase+0x900, w); m != 0 {
			r.t.Errorf("mask %#x after the handler, want 0", m)
		}
		r.want(r.call("rt_sigaction", s.usr2, 0, memBase+0x700, s.setsize), 0, "rt_sigaction(get)")
		hAt := uint64(memBase + 0x700)
		if r.p.Machine == platform.MIPS.Machine {
			hAt += uint64(w)
		}
		if h := r.uint(hAt, w); h != 0 {
			r.t.Errorf("handler %#x after SA_RESETHAND, want SIG_DFL", h)
		}

		// SA_ONSTACK | SA_NODEFER, sent by kill, on the alternate stack.
		r.putWords(memBase+0xa00, w, altBase, 0, altSize)
		if r.p.Machine == platform.MIPS.Machine {
			r.putWords(memBase+0xa00, w, altBase, altSize, 0)
		}
		r.want(r.call("sigaltstack", memBase+0xa00, 0), 0, "sigaltstack(set)")
		setAction(r, s.usr2, siginfo|saOnstack|saNodefer)
		r.want(r.call("kill", pid, s.usr2), 0, "kill(self, SIGUSR2)")
		if len(calls) != 2 {
			r.t.Fatalf("handler ran %d times, want 2", len(calls))
		}
		c = calls[1]
		if c.ucSSFlags != 0 {
			// As Linux: the alternate stack as it was when the signal
			// came, enabled and not in use.
			r.t.Errorf("the ucontext's ss_flags is %d, want 0 (enabled, not on it when the signal came)", c.ucSSFlags)
		}
		if c.code != 0 || c.mask != 0 || c.altFlags != 1 || c.args[1] < altBase || c.args[1] >= altBase+altSize {
			r.t.Errorf("SA_ONSTACK|SA_NODEFER handler: code %d (want SI_USER 0), mask %#x (want 0), sigaltstack flags %#x (want SS_ONSTACK), siginfo at %#x (want on [%#x, %#x))",
				c.code, c.mask, c.altFlags, c.args[1], altBase, altBase+altSize)
		}

		// A pending signal with a handler interrupts the ppoll that lets
		// it through.
		r.put(memBase+0x200, make([]byte, 0x100))
		r.putWords(memBase+0x200, w, bit)
		r.want(r.call("rt_sigprocmask", sigBlock(r.p), memBase+0x200, 0, s.setsize), 0, "rt_sigprocmask(BLOCK SIGUSR2)")
		r.want(r.call("tgkill", pid, tid, s.usr2), 0, "tgkill(self, blocked SIGUSR2)")
		name := "ppoll"
		if !r.has(name) {
			name = "ppoll_time64"
		}
		r.want(r.call(name, 0, 0, memBase+0x400, memBase+0x280, s.setsize), -linux.EINTR, "ppoll(empty mask)")
		if len(calls) != 3 || r.env.Killed {
			r.t.Errorf("handler ran %d times, killed %v; want 3, no", len(calls), r.env.Killed)
		}
	})
}

// sigs are a platform's numbers of the signals the tests send.
type sigs struct{ usr2, kill, stop, setsize uint64 }

func sigsOf(p *platform.Platform) sigs {
	if p.Machine == platform.MIPS.Machine {
		return sigs{usr2: 17, kill: 9, stop: 23, setsize: 16}
	}
	return sigs{usr2: 12, kill: 9, stop: 19, setsize: 8}
}

// A signal raised while blocked stays pending (rt_sigpending shows it)
// and is delivered when the mask lets it through: by rt_sigprocmask, for
// the length of a ppoll, pselect6 or rt_sigsuspend; an action that
// ignores it discards it; SIGKILL and SIGSTOP are never blocked; a
// core's blocked and pending sets are where the run starts.
func TestPendingSignals(t *testing.T) {
	// blockUsr2 blocks SIGUSR2, raises it and checks it is pending; the
	// sigset_t with just SIGUSR2 is left at memBase+0x200, an empty one
	// at memBase+0x280.
	blockUsr2 := func(r *rig) sigs {
		r.t.Helper()
		s := sigsOf(r.p)
		w := r.p.WordSize
		r.put(memBase+0x200, make([]byte, 0x100))
		r.putWords(memBase+0x200, w, 1<<(s.usr2-1))
		r.want(r.call("rt_sigprocmask", sigBlock(r.p), memBase+0x200, 0, s.setsize), 0, "rt_sigprocmask(BLOCK SIGUSR2)")
		r.want(r.call("kill", uint64(r.env.Proc.PID), s.usr2), 0, "kill(self, blocked SIGUSR2)")
		r.want(r.call("rt_sigpending", memBase+0x300, s.setsize), 0, "rt_sigpending")
		if got := r.uint(memBase+0x300, w); got != 1<<(s.usr2-1) || r.env.Killed {
			r.t.Fatalf("pending %#x, killed %v; want SIGUSR2 pending", got, r.env.Killed)
		}
		return s
	}
	killedBy := func(r *rig, sig uint64, what string) {
		r.t.Helper()
		if !r.env.Killed || uint64(r.env.Signal) != sig {
			r.t.Errorf("%s: killed %v by %d; want signal %d", what, r.env.Killed, r.env.Signal, sig)
		}
	}
	ppoll := "ppoll"
	t.Run("sigprocmask", func(t *testing.T) {
		forEach(t, nil, func(r *rig) {
			s := blockUsr2(r)
			r.want(r.call("rt_sigprocmask", sigBlock(r.p), memBase+0x280, 0, s.setsize), 0, "rt_sigprocmask(BLOCK nothing)")
			if r.env.Killed {
				r.t.Fatal("killed while SIGUSR2 is still blocked")
			}
			r.want(r.call("rt_sigprocmask", sigSetmask(r.p), memBase+0x280, 0, s.setsize), 0, "rt_sigprocmask(SETMASK 0)")
			killedBy(r, s.usr2, "unblocked")
		})
	})
	t.Run("ppoll", func(t *testing.T) {
		forEach(t, nil, func(r *rig) {
			s := blockUsr2(r)
			name := ppoll
			if !r.has(name) {
				name = "ppoll_time64"
			}
			ts := uint64(memBase + 0x400) // {0, 0}: return at once
			r.want(r.call(name, 0, 0, ts, memBase+0x200, s.setsize), 0, "ppoll(mask SIGUSR2)")
			if r.env.Killed {
				r.t.Fatal("killed by a ppoll whose mask blocks SIGUSR2")
			}
			r.want(r.call(name, 0, 0, ts, 0, s.setsize), 0, "ppoll(no mask)")
			if r.env.Killed {
				r.t.Fatal("killed by a ppoll without a mask")
			}
			r.call(name, 0, 0, ts, memBase+0x280, s.setsize)
			killedBy(r, s.usr2, "ppoll(empty mask)")
		})
	})
	t.Run("pselect6", func(t *testing.T) {
		forEach(t, nil, func(r *rig) {
			s := blockUsr2(r)
			name := "pselect6"
			if !r.has(name) {
				name = "pselect6_time64"
			}
			w := r.p.WordSize
			ts := uint64(memBase + 0x400)
			data := uint64(memBase + 0x500) // {sigset_t *ss; size_t ss_len}
			r.putWords(data, w, memBase+0x200, s.setsize)
			r.want(r.call(name, 0, 0, 0, 0, ts, data), 0, "pselect6(mask SIGUSR2)")
			r.putWords(data, w, memBase+0x200, 3)
			r.want(r.call(name, 0, 0, 0, 0, ts, data), -linux.EINVAL, "pselect6(ss_len 3)")
			if r.env.Killed {
				r.t.Fatal("killed by a pselect6 whose mask blocks SIGUSR2")
			}
			r.putWords(data, w, memBase+0x280, s.setsize)
			r.call(name, 0, 0, 0, 0, ts, data)
			killedBy(r, s.usr2, "pselect6(empty mask)")
		})
	})
	t.Run("sigsuspend", func(t *testing.T) {
		forEach(t, nil, func(r *rig) {
			s := blockUsr2(r)
			var blocked *linux.BlockedError
			r.stopped("rt_sigsuspend", &blocked, memBase+0x200, s.setsize)
			if r.env.Killed {
				r.t.Fatal("killed by a sigsuspend whose mask blocks SIGUSR2")
			}
			r.call("rt_sigsuspend", memBase+0x280, s.setsize)
			killedBy(r, s.usr2, "rt_sigsuspend(empty mask)")
		})
	})
	t.Run("sigtimedwait", func(t *testing.T) {
		forEach(t, nil, func(r *rig) {
			s := blockUsr2(r)
			name := "rt_sigtimedwait"
			if !r.has(name) {
				name = "rt_sigtimedwait_time64"
			}
			ts, info := uint64(memBase+0x400), uint64(memBase+0x700)
			r.put(info, bytes.Repeat([]byte{0xee}, 128))
			r.want(r.call(name, memBase+0x200, info, ts, s.setsize), int64(s.usr2), "rt_sigtimedwait(SIGUSR2)")
			if got := r.uint(info, 4); got != s.usr2 || r.uint(info+124, 4) != 0 {
				r.t.Errorf("si_signo %d (tail %#x), want %d and zeros", got, r.uint(info+124, 4), s.usr2)
			}
			r.want(r.call("rt_sigpending", memBase+0x300, s.setsize), 0, "rt_sigpending")
			if got := r.uint(memBase+0x300, r.p.WordSize); got != 0 || r.env.Killed {
				r.t.Errorf("pending %#x, killed %v after the wait took SIGUSR2", got, r.env.Killed)
			}
			r.want(r.call(name, memBase+0x200, 0, ts, s.setsize), -linux.EAGAIN, "rt_sigtimedwait(none pending)")
			var blocked *linux.BlockedError
			r.stopped(name, &blocked, memBase+0x200, 0, 0, s.setsize)
		})
	})
	t.Run("ignore", func(t *testing.T) {
		forEach(t, nil, func(r *rig) {
			s := blockUsr2(r)
			w := r.p.WordSize
			act := uint64(memBase + 0x600) // SIG_IGN: handler 1
			r.put(act, make([]byte, 64))
			at := act
			if r.p.Machine == platform.MIPS.Machine {
				at += uint64(w) // {flags, handler, mask}
			}
			r.putWords(at, w, 1)
			r.want(r.call("rt_sigaction", s.usr2, act, 0, s.setsize), 0, "rt_sigaction(SIGUSR2, SIG_IGN)")
			r.want(r.call("rt_sigpending", memBase+0x300, s.setsize), 0, "rt_sigpending")
			if got := r.uint(memBase+0x300, w); got != 0 {
				r.t.Errorf("pending %#x after SIG_IGN; want none", got)
			}
			r.want(r.call("rt_sigprocmask", sigSetmask(r.p), memBase+0x280, 0, s.setsize), 0, "rt_sigprocmask(SETMASK 0)")
			if r.env.Killed {
				r.t.Error("an ignored signal killed the guest")
			}
		})
	})
	t.Run("unblockable", func(t *testing.T) {
		forEach(t, nil, func(r *rig) {
			s := sigsOf(r.p)
			w := r.p.WordSize
			all := uint64(memBase + 0x200)
			r.put(all, bytes.Repeat([]byte{0xff}, 16))
			r.want(r.call("rt_sigprocmask", sigSetmask(r.p), all, 0, s.setsize), 0, "rt_sigprocmask(SETMASK all)")
			r.want(r.call("rt_sigprocmask", sigBlock(r.p), 0, memBase+0x300, s.setsize), 0, "rt_sigprocmask(get)")
			got := r.uint(memBase+0x300, w)
			want := uint64(1)<<(8*w) - 1
			if w == 8 {
				want = ^uint64(0)
			}
			want &^= 1<<(s.kill-1) | 1<<(s.stop-1)
			if got != want {
				r.t.Errorf("mask %#x, want %#x (all but SIGKILL and SIGSTOP)", got, want)
			}
			r.want(r.call("kill", uint64(r.env.Proc.PID), s.kill), 0, "kill(self, SIGKILL)")
			killedBy(r, s.kill, "SIGKILL under a full mask")
		})
	})
	t.Run("core", func(t *testing.T) {
		// A core whose thread had SIGUSR2 blocked and pending.
		forEach(t, func(env *fakeenv.Env) {
			s := sigsOf(env.Platform())
			env.Proc.Blocked, env.Proc.Pending = 1<<(s.usr2-1), 1<<(s.usr2-1)
		}, func(r *rig) {
			s := sigsOf(r.p)
			r.want(r.call("rt_sigprocmask", sigBlock(r.p), 0, memBase+0x300, s.setsize), 0, "rt_sigprocmask(get)")
			r.want(r.call("rt_sigpending", memBase+0x380, s.setsize), 0, "rt_sigpending")
			if m, p := r.uint(memBase+0x300, r.p.WordSize), r.uint(memBase+0x380, r.p.WordSize); m != 1<<(s.usr2-1) || p != m {
				r.t.Fatalf("mask %#x pending %#x, want SIGUSR2 in both", m, p)
			}
			r.put(memBase+0x200, make([]byte, 16))
			r.want(r.call("rt_sigprocmask", sigSetmask(r.p), memBase+0x200, 0, s.setsize), 0, "rt_sigprocmask(SETMASK 0)")
			killedBy(r, s.usr2, "the core's pending SIGUSR2, unblocked")
		})
	})
}

// SIG_BLOCK and SIG_SETMASK: 1 and 3 on MIPS, 0 and 2 elsewhere.
func sigBlock(p *platform.Platform) uint64 {
	if p.Machine == platform.MIPS.Machine {
		return 1
	}
	return 0
}

func sigSetmask(p *platform.Platform) uint64 { return sigBlock(p) + 2 }

func TestFutex(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		r.putWords(memBase, 4, 5)
		const private = 128
		r.want(r.call("futex", memBase, 0|private, 4, 0, 0, 0), -linux.EAGAIN, "FUTEX_WAIT(other value)")
		r.want(r.call("futex", memBase, 1|private, 1, 0, 0, 0), 0, "FUTEX_WAKE")
		r.want(r.call("futex", memBase, 0, 5, memBase+0x100, 0, 0), -linux.ETIMEDOUT, "FUTEX_WAIT(timeout)")
		var blocked *linux.BlockedError
		r.stopped("futex", &blocked, memBase, 0|private, 5, 0, 0, 0)
		r.want(r.call("futex", 0x1000, 0, 5, 0, 0, 0), -linux.EFAULT, "FUTEX_WAIT(unmapped)")
		// FUTEX_WAKE_OP: *uaddr2 += 3 (op ADD=1, oparg 3).
		r.putWords(memBase+8, 4, 10)
		r.want(r.call("futex", memBase, 5, 1, 1, memBase+8, 1<<28|3<<12), 0, "FUTEX_WAKE_OP")
		if r.uint(memBase+8, 4) != 13 {
			r.t.Errorf("FUTEX_WAKE_OP left %d", r.uint(memBase+8, 4))
		}
		r.want(r.call("futex", memBase, 6, 0, 0, 0, 0), -linux.ENOSYS, "FUTEX_LOCK_PI")
	})
}

// Unknown and unsupported calls stop the run naming the call and the pc.
func TestUnsupportedEveryPlatform(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		r.set(r.p.PC, 0x4000)
		var ue *linux.UnsupportedError
		name := r.first("fork", "clone")
		r.stopped(name, &ue)
		if ue == nil || ue.Name != name || ue.PC != 0x4000 {
			r.t.Errorf("%s: %+v", name, ue)
		}
		r.set(r.tab.Number, 99999)
		err := r.k.Dispatch()
		if !(err != nil && strings.Contains(err.Error(), "99999 (unknown)")) {
			r.t.Errorf("unknown call: %v", err)
		}
	})
}

// Rebind: a kernel that has served no call (one a machine made for a
// Call before it knew the process) takes the whole process anew, its
// break area and signal sets included; one that has served calls keeps its state and
// takes only the identity.
func TestRebind(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		s := sigsOf(r.p)
		w := r.p.WordSize
		r.env.Proc.Blocked, r.env.Proc.Pending, r.env.Proc.PID = 1<<(s.usr2-1), 1<<(s.usr2-1), 777
		const heap, heapEnd = 0x40000, 0x42000
		r.env.Proc.BrkStart, r.env.Proc.BrkEnd = heap, heapEnd
		if err := r.env.MapAnon(heap, heapEnd-heap, memory.RW, "heap"); err != nil {
			r.t.Fatal(err)
		}
		if err := r.k.Rebind(r.env); err != nil {
			r.t.Fatal(err)
		}
		r.want(r.call("brk", 0), heapEnd, "brk(0)")
		r.want(r.call("brk", heapEnd+0x1000), heapEnd+0x1000, "brk(grow)")
		r.want(r.call("rt_sigpending", memBase+0x300, s.setsize), 0, "rt_sigpending")
		if got := r.uint(memBase+0x300, w); got != 1<<(s.usr2-1) {
			r.t.Fatalf("pending %#x after a Rebind of an unused kernel; want the process's SIGUSR2", got)
		}
		r.want(r.call("getpid"), 777, "getpid")
		// Used now: a second Rebind keeps the signal state.
		r.env.Proc.Blocked, r.env.Proc.Pending, r.env.Proc.PID = 0, 0, 778
		if err := r.k.Rebind(r.env); err != nil {
			r.t.Fatal(err)
		}
		r.want(r.call("getpid"), 778, "getpid")
		r.want(r.call("rt_sigpending", memBase+0x300, s.setsize), 0, "rt_sigpending")
		if got := r.uint(memBase+0x300, w); got != 1<<(s.usr2-1) {
			r.t.Errorf("pending %#x after a Rebind of a used kernel; want SIGUSR2 kept", got)
		}
	})
}
