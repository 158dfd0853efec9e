package linux_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
)

// treeRig is a rig over the test sysroot with two --allow-write
// directories; w is the platform's own directory under the first (made
// empty), w2 under the second.
func treeRig(t *testing.T, f func(r *rig, root, w, w2 string)) {
	root, _ := sysroot(t)
	writable, writable2 := t.TempDir(), t.TempDir()
	forEach(t, func(e *fakeenv.Env) {
		e.Proc.Sysroot = root
		e.Proc.AllowWrite = []string{writable, writable2}
	}, func(r *rig) {
		w, w2 := filepath.Join(writable, r.p.Name), filepath.Join(writable2, r.p.Name)
		for _, d := range []string{w, w2} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				r.t.Fatal(err)
			}
		}
		f(r, root, w, w2)
	})
}

// p1 and p2 write a path argument at two places of scratch memory.
func (r *rig) p1(s string) uint64 { return r.str(memBase+0x900, s) }
func (r *rig) p2(s string) uint64 { return r.str(memBase+0xa00, s) }

// link2 and symlink2 make links the platform's way (AArch64 has only
// the *at forms).
func (r *rig) link2(old, new string) int64 {
	r.t.Helper()
	if r.has("link") {
		return r.call("link", r.p1(old), r.p2(new))
	}
	return r.call("linkat", atFDCWD, r.p1(old), atFDCWD, r.p2(new), 0)
}

func (r *rig) symlink2(target, path string) int64 {
	r.t.Helper()
	if r.has("symlink") {
		return r.call("symlink", r.p1(target), r.p2(path))
	}
	return r.call("symlinkat", r.p1(target), atFDCWD, r.p2(path))
}

func (r *rig) size(host string) int64 {
	r.t.Helper()
	fi, err := os.Stat(host)
	if err != nil {
		r.t.Fatal(err)
	}
	return fi.Size()
}

func TestTreeCalls(t *testing.T) {
	treeRig(t, func(r *rig, root, w, w2 string) {
		f := w + "/f"
		if err := os.WriteFile(f, []byte("0123456789"), 0o644); err != nil {
			r.t.Fatal(err)
		}
		// truncate and truncate64.
		r.want(r.call("truncate", r.p1(f), 4), 0, "truncate(W/f, 4)")
		r.want(r.size(f), 4, "size after truncate")
		if r.has("truncate64") {
			r.want(r.call("truncate64", r.with64([]uint64{r.p1(f)}, 2)...), 0, "truncate64(W/f, 2)")
			r.want(r.size(f), 2, "size after truncate64")
		}
		for _, c := range []struct {
			path string
			n    uint64
			want int64
		}{
			{"/etc/hello", 0, -linux.EACCES},
			{w + "/nope", 0, -linux.ENOENT},
			{w, 0, -linux.EISDIR},
			{"/etc", 0, -linux.EISDIR},
			{"/dev/null", 0, -linux.EINVAL},
			{f, ^uint64(0), -linux.EINVAL},
		} {
			r.want(r.call("truncate", r.p1(c.path), c.n), c.want, "truncate("+c.path+")")
		}
		r.want(r.call("truncate", 0x1000, 0), -linux.EFAULT, "truncate(unmapped)")
		// creat: O_CREAT|O_WRONLY|O_TRUNC, the mode less the umask.
		if r.has("creat") {
			fd := r.call("creat", r.p1(w+"/c"), 0o666)
			r.want(r.call("write", uint64(fd), r.p2("x"), 1), 1, "write to creat's descriptor")
			r.want(r.call("read", uint64(fd), memBase, 1), -linux.EBADF, "read creat's descriptor")
			if fi, err := os.Stat(w + "/c"); err != nil || fi.Mode().Perm() != 0o644 || fi.Size() != 1 {
				r.t.Errorf("creat made %v, %v; want 0644 holding 1 byte", fi, err)
			}
			r.want(r.call("creat", r.p1("/etc/c"), 0o644), -linux.EACCES, "creat(/etc/c)")
		}
		// chmod, fchmodat, fchmod.
		mode := func(host string) os.FileMode {
			r.t.Helper()
			fi, err := os.Stat(host)
			if err != nil {
				r.t.Fatal(err)
			}
			return fi.Mode()
		}
		if r.has("chmod") {
			r.want(r.call("chmod", r.p1(f), 0o4711), 0, "chmod(W/f, 04711)")
			if m := mode(f); m.Perm() != 0o711 || m&os.ModeSetuid == 0 {
				r.t.Errorf("after chmod 04711: %v", m)
			}
			r.want(r.call("chmod", r.p1("/etc/hello"), 0o777), -linux.EACCES, "chmod(/etc/hello)")
		}
		r.want(r.call("fchmodat", atFDCWD, r.p1(f), 0o600), 0, "fchmodat(W/f, 0600)")
		r.want(int64(mode(f)), 0o600, "mode after fchmodat")
		r.want(r.call("fchmodat", atFDCWD, r.p1("/etc/hello"), 0o777), -linux.EACCES, "fchmodat(/etc/hello)")
		r.want(r.call("fchmodat", atFDCWD, r.p1(w+"/nope"), 0o777), -linux.ENOENT, "fchmodat(W/nope)")
		r.want(r.call("fchmodat", atFDCWD, r.p1(filepath.Dir(w)), 0o700), -linux.EACCES, "fchmodat(the --allow-write directory)")
		r.want(r.call("fchmodat", atFDCWD, 0x1000, 0o777), -linux.EFAULT, "fchmodat(unmapped)")
		ro := uint64(r.open(f, 0)) // fchmod needs no write access
		r.want(r.call("fchmod", ro, 0o640), 0, "fchmod(W/f read-only, 0640)")
		r.want(int64(mode(f)), 0o640, "mode after fchmod")
		hello := uint64(r.open("/etc/hello", 0))
		r.want(r.call("fchmod", hello, 0o777), -linux.EACCES, "fchmod(/etc/hello)")
		r.want(r.call("fchmod", 1, 0o777), -linux.EACCES, "fchmod(stdout)")
		r.want(r.call("fchmod", 77, 0o777), -linux.EBADF, "fchmod(77)")
		if m := mode(filepath.Join(root, "etc/hello")); m.Perm() != 0o644 {
			r.t.Errorf("the sysroot's file is %v now", m)
		}
		// Symbolic links, read in the guest's tree.
		r.want(r.symlink2("f", w+"/sl"), 0, "symlink(f, W/sl)")
		if got, err := os.Readlink(w + "/sl"); err != nil || got != "f" {
			r.t.Errorf("W/sl holds %q, %v", got, err)
		}
		r.want(r.symlink2("/etc/hello", w+"/abs"), 0, "symlink(/etc/hello, W/abs)")
		fd := r.open(w+"/abs", 0)
		r.want(r.call("read", uint64(fd), memBase, 5), 5, "read through W/abs")
		if string(r.get(memBase, 5)) != "hello" {
			r.t.Errorf("W/abs leads to %q, want the guest's /etc/hello", r.get(memBase, 5))
		}
		r.want(r.symlink2("x", w+"/sl"), -linux.EEXIST, "symlink onto W/sl")
		r.want(r.symlink2("x", "/etc/s"), -linux.EACCES, "symlink(/etc/s)")
		r.want(r.symlink2("", w+"/e"), -linux.ENOENT, "symlink of an empty target")
		dir := uint64(r.open(w, 0))
		r.want(r.call("symlinkat", r.p1("f"), dir, r.p2("sl3")), 0, "symlinkat(f, W, sl3)")
		r.want(r.call("symlinkat", r.p1("f"), 77, r.p2("sl4")), -linux.EBADF, "symlinkat(77)")
		r.want(r.call("truncate", r.p1(w+"/sl3"), 1), 0, "truncate through W/sl3")
		r.want(r.size(f), 1, "size after truncate through a link")
		// Hard links.
		r.want(r.link2(f, w+"/g"), 0, "link(W/f, W/g)")
		if a, b := statOf(r, f), statOf(r, w+"/g"); !os.SameFile(a, b) {
			r.t.Errorf("W/g is not W/f")
		}
		r.want(r.link2(f, w+"/g"), -linux.EEXIST, "link onto W/g")
		r.want(r.link2("/etc/hello", w+"/h"), -linux.EACCES, "link(/etc/hello)")
		r.want(r.link2(f, "/etc/h"), -linux.EACCES, "link into the sysroot")
		r.want(r.link2(w+"/nope", w+"/x"), -linux.ENOENT, "link(W/nope)")
		r.want(r.link2(f, w2+"/f"), -linux.EXDEV, "link across --allow-write directories")
		if err := os.Mkdir(w+"/d", 0o755); err != nil {
			r.t.Fatal(err)
		}
		r.want(r.link2(w+"/d", w+"/d2"), -linux.EPERM, "link(directory)")
		const follow = 0x400 // AT_SYMLINK_FOLLOW, every platform
		r.want(r.call("linkat", atFDCWD, r.p1(w+"/sl"), atFDCWD, r.p2(w+"/sl-link"), 0), 0, "linkat(W/sl)")
		r.want(r.call("linkat", atFDCWD, r.p1(w+"/sl"), atFDCWD, r.p2(w+"/sl-target"), follow), 0, "linkat(W/sl, AT_SYMLINK_FOLLOW)")
		if fi, err := os.Lstat(w + "/sl-link"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			r.t.Errorf("linkat without AT_SYMLINK_FOLLOW: %v %v, want a link", fi, err)
		}
		if fi, err := os.Lstat(w + "/sl-target"); err != nil || !fi.Mode().IsRegular() {
			r.t.Errorf("linkat with AT_SYMLINK_FOLLOW: %v %v, want the file", fi, err)
		}
		r.want(r.call("linkat", atFDCWD, r.p1(f), atFDCWD, r.p2(w+"/y"), 0x8000), -linux.EINVAL, "linkat(bad flags)")
		r.want(r.call("linkat", atFDCWD, r.p1(""), atFDCWD, r.p2(w+"/y"), 0x1000), -linux.ENOENT, "linkat(\"\", AT_EMPTY_PATH)")
	})
}

func statOf(r *rig, host string) os.FileInfo {
	r.t.Helper()
	fi, err := os.Stat(host)
	if err != nil {
		r.t.Fatal(err)
	}
	return fi
}

// times returns a host file's access and modification times (of a link
// itself with lstat).
func times(r *rig, host string, lstat bool) (atime, mtime time.Time) {
	r.t.Helper()
	var st syscall.Stat_t
	stat := syscall.Stat
	if lstat {
		stat = syscall.Lstat
	}
	if err := stat(host, &st); err != nil {
		r.t.Fatal(err)
	}
	return time.Unix(st.Atim.Sec, st.Atim.Nsec), time.Unix(st.Mtim.Sec, st.Mtim.Nsec)
}

const utimeNow, utimeOmit = 1<<30 - 1, 1<<30 - 2

func TestFileTimes(t *testing.T) {
	treeRig(t, func(r *rig, root, w, w2 string) {
		f := w + "/f"
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			r.t.Fatal(err)
		}
		if err := os.Symlink("f", w+"/sl"); err != nil {
			r.t.Fatal(err)
		}
		ts := uint64(memBase + 0x400)
		check := func(what string, lstat bool, host string, atime, mtime time.Time) {
			r.t.Helper()
			a, m := times(r, host, lstat)
			if !a.Equal(atime) || !m.Equal(mtime) {
				r.t.Errorf("%s: atime %v mtime %v, want %v %v", what, a, m, atime, mtime)
			}
		}
		t1, t2 := time.Unix(1e9, 5), time.Unix(1.1e9, 7)
		for _, name := range []string{"utimensat", "utimensat_time64"} {
			if !r.has(name) {
				continue
			}
			size := r.p.WordSize
			if name == "utimensat_time64" {
				size = 8
			}
			put := func(a, an, m, mn uint64) { r.putWords(ts, size, a, an, m, mn) }
			put(1e9, 5, 1.1e9, 7)
			r.want(r.call(name, atFDCWD, r.p1(f), ts, 0), 0, name)
			check(name, false, f, t1, t2)
			put(0, utimeOmit, 1.2e9, 0)
			r.want(r.call(name, atFDCWD, r.p1(f), ts, 0), 0, name+"(UTIME_OMIT, t)")
			check(name+"(UTIME_OMIT, t)", false, f, t1, time.Unix(1.2e9, 0))
			put(0, utimeOmit, 0, utimeNow)
			r.want(r.call(name, atFDCWD, r.p1(f), ts, 0), 0, name+"(UTIME_OMIT, UTIME_NOW)")
			if _, m := times(r, f, false); time.Since(m) > time.Minute {
				r.t.Errorf("%s(UTIME_NOW): mtime %v", name, m)
			}
			// The link itself, with AT_SYMLINK_NOFOLLOW (0x100).
			put(1e9, 5, 1.1e9, 7)
			r.want(r.call(name, atFDCWD, r.p1(f), ts, 0), 0, name)
			put(1.3e9, 0, 1.3e9, 0)
			r.want(r.call(name, atFDCWD, r.p1(w+"/sl"), ts, 0x100), 0, name+"(W/sl, AT_SYMLINK_NOFOLLOW)")
			check(name+" of the link", true, w+"/sl", time.Unix(1.3e9, 0), time.Unix(1.3e9, 0))
			check(name+" of the link's target", false, f, t1, t2)
			// A NULL path: the descriptor.
			fd := uint64(r.open(f, 0))
			r.want(r.call(name, fd, 0, ts, 0), 0, name+"(fd, NULL)")
			check(name+"(fd, NULL)", false, f, time.Unix(1.3e9, 0), time.Unix(1.3e9, 0))
			r.want(r.call(name, fd, 0, ts, 0x100), -linux.EINVAL, name+"(fd, NULL, AT_SYMLINK_NOFOLLOW)")
			r.want(r.call(name, uint64(r.open("/etc/hello", 0)), 0, ts, 0), -linux.EACCES, name+"(/etc/hello's fd, NULL)")
			r.want(r.call(name, 77, 0, ts, 0), -linux.EBADF, name+"(77, NULL)")
			// Errors.
			r.want(r.call(name, atFDCWD, r.p1("/etc/hello"), ts, 0), -linux.EACCES, name+"(/etc/hello)")
			r.want(r.call(name, atFDCWD, r.p1(w+"/nope"), ts, 0), -linux.ENOENT, name+"(W/nope)")
			r.want(r.call(name, atFDCWD, r.p1(f), 0x1000, 0), -linux.EFAULT, name+"(unmapped times)")
			r.want(r.call(name, atFDCWD, r.p1(f), ts, 0x4), -linux.EINVAL, name+"(bad flags)")
			put(0, 1e9, 0, 0)
			r.want(r.call(name, atFDCWD, r.p1(f), ts, 0), -linux.EINVAL, name+"(nsec 1e9)")
			r.want(r.call(name, atFDCWD, r.p1(w+"/nope"), ts, 0), -linux.ENOENT, name+"(W/nope, nsec 1e9): the path first")
			put(0, utimeOmit, 0, utimeOmit)
			r.want(r.call(name, atFDCWD, r.p1(w+"/nope"), ts, 0), 0, name+"(both UTIME_OMIT): the path unseen")
			r.want(r.call(name, atFDCWD, r.p1(f), 0, 0), 0, name+"(NULL times): now")
			if a, _ := times(r, f, false); time.Since(a) > time.Minute {
				r.t.Errorf("%s(NULL): atime %v", name, a)
			}
		}
		// struct timeval: microseconds.
		w4 := r.p.WordSize
		for _, name := range []string{"utimes", "futimesat"} {
			if !r.has(name) {
				continue
			}
			args := func(path uint64) []uint64 {
				if name == "futimesat" {
					return []uint64{atFDCWD, path, ts}
				}
				return []uint64{path, ts}
			}
			r.putWords(ts, w4, 1.2e9, 3, 1.2e9, 4)
			r.want(r.call(name, args(r.p1(f))...), 0, name)
			check(name, false, f, time.Unix(1.2e9, 3000), time.Unix(1.2e9, 4000))
			r.putWords(ts, w4, 1.2e9, 1e6, 1.2e9, 4)
			r.want(r.call(name, args(r.p1(w+"/nope"))...), -linux.EINVAL, name+"(usec 1e6): before the path")
			r.putWords(ts, w4, 1.2e9, 0, 1.2e9, 0)
			r.want(r.call(name, args(r.p1("/etc/hello"))...), -linux.EACCES, name+"(/etc/hello)")
		}
		if r.has("utime") {
			r.putWords(ts, w4, 1.3e9, 1.3e9+1)
			r.want(r.call("utime", r.p1(f), ts), 0, "utime")
			check("utime", false, f, time.Unix(1.3e9, 0), time.Unix(1.3e9+1, 0))
			r.want(r.call("utime", r.p1(f), 0), 0, "utime(NULL)")
			if _, m := times(r, f, false); time.Since(m) > time.Minute {
				r.t.Errorf("utime(NULL): mtime %v", m)
			}
			r.want(r.call("utime", r.p1(f), 0x1000), -linux.EFAULT, "utime(unmapped)")
		}
		if _, m := times(r, filepath.Join(root, "etc/hello"), false); m.Unix() < 1.7e9 {
			r.t.Errorf("the sysroot's file has mtime %v now", m)
		}
	})
}

func TestFallocateAndCloseRange(t *testing.T) {
	treeRig(t, func(r *rig, root, w, w2 string) {
		wronly, creat, _ := oFlags(r.p)
		f := w + "/f"
		wf := uint64(r.open(f, wronly|creat))
		ro := uint64(r.open("/etc/hello", 0))
		null := uint64(r.open("/dev/null", wronly))
		_, pw := r.pipe(0)
		fallocate := func(fd, mode, off, length uint64) int64 {
			r.t.Helper()
			return r.call("fallocate", r.with64(r.with64([]uint64{fd, mode}, off), length)...)
		}
		r.want(fallocate(wf, 0, 0x1000, 0x1000), 0, "fallocate(W/f, 0, 4096, 4096)")
		r.want(r.size(f), 0x2000, "size after fallocate")
		r.want(fallocate(wf, 0, 0, 10), 0, "fallocate inside the file")
		r.want(r.size(f), 0x2000, "size after fallocate inside")
		for _, c := range []struct {
			what                 string
			fd, mode, off, count uint64
			want                 int64
		}{
			{"KEEP_SIZE", wf, 1, 0, 0x4000, -linux.EOPNOTSUPP},
			{"length 0", wf, 0, 0, 0, -linux.EINVAL},
			{"offset -1", wf, 0, ^uint64(0), 1, -linux.EINVAL},
			{"read-only", ro, 0, 0, 1, -linux.EBADF},
			{"pipe", pw, 0, 0, 1, -linux.ESPIPE},
			{"/dev/null", null, 0, 0, 1, -linux.ENODEV},
			{"77", 77, 0, 0, 1, -linux.EBADF},
		} {
			r.want(fallocate(c.fd, c.mode, c.off, c.count), c.want, "fallocate("+c.what+")")
		}
		r.want(r.size(f), 0x2000, "size after failed fallocates")
		// close_range: three descriptors at 100, 101, 102.
		for fd := uint64(100); fd <= 102; fd++ {
			r.want(r.call("dup3", 1, fd, 0), int64(fd), "dup3(1, fd)")
		}
		fcntl := r.first("fcntl64", "fcntl")
		const cloexec = 4 // CLOSE_RANGE_CLOEXEC, every platform
		r.want(r.call("close_range", 100, 100, cloexec), 0, "close_range(100, 100, CLOEXEC)")
		r.want(r.call(fcntl, 100, 1 /* F_GETFD */), 1, "F_GETFD after CLOEXEC")
		r.want(r.call(fcntl, 101, 1), 0, "F_GETFD of 101")
		r.want(r.call("close_range", 101, 0xffffffff, 0), 0, "close_range(101, ~0)")
		r.want(r.call("write", 101, memBase, 1), -linux.EBADF, "write(101) after close_range")
		r.want(r.call("write", 102, memBase, 1), -linux.EBADF, "write(102) after close_range")
		r.want(r.call("write", 100, r.p1("x"), 1), 1, "write(100)")
		r.want(r.call("close_range", 5, 4, 0), -linux.EINVAL, "close_range(5, 4)")
		r.want(r.call("close_range", 0, 10, 1), -linux.EINVAL, "close_range(flags 1)")
		r.want(r.call("write", 1, r.p1("y"), 1), 1, "write(1) after the failed calls")
	})
}

func TestStatfs(t *testing.T) {
	treeRig(t, func(r *rig, root, w, w2 string) {
		w4 := r.p.WordSize
		buf := uint64(memBase + 0x400)
		flagsOf := func(layout string) uint64 {
			r.t.Helper()
			_, f, ok := linux.StructLayout(r.p.Name, layout)
			if !ok {
				r.t.Fatalf("no struct %s", layout)
			}
			// f_type and f_bsize lead every layout, in the ABI's words (MIPS
			// o32's statfs64: u32, its word too).
			if typ, bs := r.uint(buf, w4), r.uint(buf+uint64(w4), w4); typ != 0xef53 || bs != 4096 {
				r.t.Errorf("%s: f_type %#x f_bsize %d", layout, typ, bs)
			}
			return r.uint(buf+f["f_flags"][0], int(f["f_flags"][1]))
		}
		for _, c := range []struct {
			path     string
			readOnly bool
		}{{"/etc", true}, {"/etc/hello", true}, {w, false}, {"/dev/null", false}} {
			r.put(buf, make([]byte, 128))
			r.want(r.call("statfs", r.p1(c.path), buf), 0, "statfs("+c.path+")")
			if fl := flagsOf("statfs"); fl&1 != boolBit(c.readOnly) || fl&0x20 == 0 {
				r.t.Errorf("statfs(%s): f_flags %#x, want ST_VALID and ST_RDONLY %v", c.path, fl, c.readOnly)
			}
		}
		r.want(r.call("statfs", r.p1(w+"/nope"), buf), -linux.ENOENT, "statfs(W/nope)")
		r.want(r.call("statfs", r.p1("/etc"), 0x1000), -linux.EFAULT, "statfs(unmapped)")
		fd := uint64(r.open(w, 0))
		r.want(r.call("fstatfs", fd, buf), 0, "fstatfs(W)")
		if fl := flagsOf("statfs"); fl&1 != 0 {
			r.t.Errorf("fstatfs(W): f_flags %#x, want writable", fl)
		}
		hello := uint64(r.open("/etc/hello", 0))
		r.want(r.call("fstatfs", hello, buf), 0, "fstatfs(/etc/hello)")
		if fl := flagsOf("statfs"); fl&1 == 0 {
			r.t.Errorf("fstatfs(/etc/hello): f_flags %#x, want read-only", fl)
		}
		r.want(r.call("fstatfs", 77, buf), -linux.EBADF, "fstatfs(77)")
		if r.has("statfs64") {
			size, _, _ := linux.StructLayout(r.p.Name, "statfs64")
			r.want(r.call("statfs64", r.p1("/etc"), size, buf), 0, "statfs64")
			if fl := flagsOf("statfs64"); fl&1 == 0 {
				r.t.Errorf("statfs64(/etc): f_flags %#x", fl)
			}
			r.want(r.call("fstatfs64", fd, size, buf), 0, "fstatfs64")
			r.want(r.call("statfs64", r.p1("/etc"), 3, buf), -linux.EINVAL, "statfs64(size 3)")
			r.want(r.call("fstatfs64", fd, size+8, buf), -linux.EINVAL, "fstatfs64(size+8)")
			// ARM's kernel takes EABI glibc's 88 for its packed 84.
			arm := int64(-linux.EINVAL)
			if r.p.Name == "armel" || r.p.Name == "armhf" {
				arm = 0
			}
			if size != 88 {
				r.want(r.call("statfs64", r.p1("/etc"), 88, buf), arm, "statfs64(size 88)")
			}
		}
	})
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func TestCopyCalls(t *testing.T) {
	treeRig(t, func(r *rig, root, w, w2 string) {
		wronly, creat, _ := oFlags(r.p)
		rdwr := uint64(2)
		src, dst := w+"/src", w+"/dst"
		if err := os.WriteFile(src, []byte("abcdefghij"), 0o644); err != nil {
			r.t.Fatal(err)
		}
		in := uint64(r.open(src, 0))
		out := uint64(r.open(dst, rdwr|creat))
		off := uint64(memBase + 0x600) // a loff_t
		content := func() string {
			r.t.Helper()
			b, err := os.ReadFile(dst)
			if err != nil {
				r.t.Fatal(err)
			}
			return string(b)
		}
		r.want(r.call("copy_file_range", in, 0, out, 0, 4, 0), 4, "copy_file_range(4)")
		r.want(r.call("read", in, memBase, 1), 1, "read after copy_file_range")
		if got := string(r.get(memBase, 1)); got != "e" || content() != "abcd" {
			r.t.Errorf("after copy_file_range: read %q, dst %q; want e, abcd", got, content())
		}
		r.putWords(off, 8, 6)
		r.want(r.call("copy_file_range", in, off, out, 0, 100, 0), 4, "copy_file_range(&6, 100)")
		if content() != "abcdghij" || r.uint(off, 8) != 10 {
			r.t.Errorf("dst %q, off_in %d; want abcdghij, 10", content(), r.uint(off, 8))
		}
		r.want(r.call("read", in, memBase, 1), 1, "read: the position stayed")
		if got := string(r.get(memBase, 1)); got != "f" {
			r.t.Errorf("read %q, want f", got)
		}
		r.want(r.call("copy_file_range", in, off, out, 0, 100, 0), 0, "copy_file_range at the end")
		dir := uint64(r.open(w, 0))
		wo := uint64(r.open(src, wronly))
		app := uint64(r.open(dst, wronly|oAppend(r.p)))
		r.putWords(off, 8, 0)
		r.putWords(off+8, 8, 2)
		for _, c := range []struct {
			what                   string
			in, offIn, out, offOut uint64
			flags                  uint64
			want                   int64
		}{
			{"flags 1", in, 0, out, 0, 1, -linux.EINVAL},
			{"directory", dir, 0, out, 0, 0, -linux.EISDIR},
			{"stdout", in, 0, 1, 0, 0, -linux.EINVAL},
			{"write-only input", wo, 0, out, 0, 0, -linux.EBADF},
			{"O_APPEND output", in, 0, app, 0, 0, -linux.EBADF},
			{"read-only output", in, 0, in, 0, 0, -linux.EBADF},
			{"overlapping", out, off, out, off + 8, 0, -linux.EINVAL},
			{"unmapped offset", in, 0x1000, out, 0, 0, -linux.EFAULT},
			{"77", 77, 0, out, 0, 0, -linux.EBADF},
		} {
			r.want(r.call("copy_file_range", c.in, c.offIn, c.out, c.offOut, 4, c.flags), c.want, "copy_file_range("+c.what+")")
		}
		// sendfile: to stdout, a pipe, a file; offsets of the call's width.
		for _, name := range []string{"sendfile", "sendfile64"} {
			if !r.has(name) {
				continue
			}
			size := r.p.WordSize
			if name == "sendfile64" {
				size = 8
			}
			r.env.Out.Reset()
			in := uint64(r.open(src, 0))
			r.want(r.call(name, 1, in, 0, 3), 3, name+"(stdout, 3)")
			r.putWords(off, size, 6)
			r.want(r.call(name, 1, in, off, 2), 2, name+"(stdout, &6, 2)")
			if r.env.Out.String() != "abcgh" || r.uint(off, size) != 8 {
				r.t.Errorf("%s: stdout %q, offset %d; want abcgh, 8", name, r.env.Out.String(), r.uint(off, size))
			}
			rd, wr := r.pipe(0)
			r.want(r.call(name, wr, in, 0, 100), 7, name+"(pipe): from the position, 3")
			r.want(r.call("read", rd, memBase, 100), 7, "read the pipe")
			if got := string(r.get(memBase, 7)); got != "defghij" {
				r.t.Errorf("%s through a pipe: %q", name, got)
			}
			r.want(r.call(name, wr, rd, 0, 1), -linux.EINVAL, name+"(from a pipe)")
			r.want(r.call(name, wr, 77, 0, 1), -linux.EBADF, name+"(from 77)")
			r.want(r.call(name, 0, in, 0, 1), -linux.EBADF, name+"(to stdin)")
			r.want(r.call(name, app, in, 0, 1), -linux.EINVAL, name+"(to O_APPEND)")
			r.want(r.call(name, 1, in, 0x1000, 1), -linux.EFAULT, name+"(unmapped offset)")
			r.putWords(off, size, ^uint64(0))
			r.want(r.call(name, 1, in, off, 1), -linux.EINVAL, name+"(offset -1)")
		}
	})
}
