package linux_test

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
)

// A dirent as a test reads it back.
type dent struct {
	name string
	typ  byte
	ino  uint64
	off  uint64
}

// dents parses n bytes of getdents64 records (struct linux_dirent64:
// u64 ino, s64 off, u16 reclen, u8 type, name; the same on every
// platform) or, old, of getdents (struct linux_dirent: unsigned long
// ino and off, u16 reclen, name, and the type in the record's last
// byte), in the platform's byte order.
func (r *rig) dents(addr uint64, n int, old bool) []dent {
	r.t.Helper()
	b := r.get(addr, n)
	w := 8
	if old {
		w = r.p.WordSize
	}
	word := func(b []byte) uint64 {
		if w == 4 {
			return uint64(r.order().Uint32(b))
		}
		return r.order().Uint64(b)
	}
	var out []dent
	for len(b) > 0 {
		reclen := int(r.order().Uint16(b[2*w:]))
		if reclen == 0 || reclen > len(b) || reclen%w != 0 {
			r.t.Fatalf("bad reclen %d of %d bytes", reclen, len(b))
		}
		d := dent{ino: word(b), off: word(b[w:])}
		nameAt := 2*w + 3
		d.typ = b[2*w+2]
		if old {
			nameAt, d.typ = 2*w+2, b[reclen-1]
		}
		name := b[nameAt:reclen]
		d.name = string(name[:bytes.IndexByte(name, 0)])
		out = append(out, d)
		b = b[reclen:]
	}
	return out
}

func names(ds []dent) []string {
	var s []string
	for _, d := range ds {
		s = append(s, d.name)
	}
	return s
}

// atCall makes a path call the platform's way: name(args...) when it
// has it, else nameat(AT_FDCWD, args...) (AArch64 has only the *at
// forms); extra arguments go after the path ones.
func (r *rig) atCall(name string, args ...uint64) int64 {
	r.t.Helper()
	if r.has(name) {
		return r.call(name, args...)
	}
	return r.call(name+"at", append([]uint64{atFDCWD}, args...)...)
}

func TestGetdents(t *testing.T) {
	root, _ := sysroot(t)
	forEach(t, func(e *fakeenv.Env) { e.Proc.Sysroot = root }, func(r *rig) {
		fd := r.open("/etc", 0)
		if fd < 0 {
			r.t.Fatalf("open /etc = %d", fd)
		}
		buf := uint64(memBase + 0x2000)
		n := r.call("getdents64", uint64(fd), buf, 4096)
		ds := r.dents(buf, int(n), false)
		if got := names(ds); !equal(got, []string{".", "..", "abs", "abs-inside", "hello", "up"}) {
			r.t.Fatalf("getdents64 /etc: %q", got)
		}
		st, _ := os.Stat(filepath.Join(root, "etc/hello"))
		for i, d := range ds {
			if d.off != uint64(i+1) || d.ino == 0 {
				r.t.Errorf("entry %q: off %d ino %d", d.name, d.off, d.ino)
			}
		}
		if ds[0].typ != 4 || ds[4].typ != 8 || ds[5].typ != 10 || ds[4].ino != inoOf(st) {
			r.t.Errorf("types %d %d %d, hello ino %d want %d", ds[0].typ, ds[4].typ, ds[5].typ, ds[4].ino, inoOf(st))
		}
		r.want(r.call("getdents64", uint64(fd), buf, 4096), 0, "getdents64 at the end")
		// rewinddir: lseek to 0 lists again; seekdir to an entry's d_off.
		r.want(r.call("lseek", uint64(fd), 0, 0), 0, "lseek(dir, 0)")
		r.want(r.call("getdents64", uint64(fd), buf, 20), -linux.EINVAL, "getdents64 into a buffer too small for one")
		r.want(r.call("getdents64", uint64(fd), buf, 4096), n, "getdents64 after rewinding")
		r.want(r.call("lseek", uint64(fd), ds[3].off, 0), int64(ds[3].off), "lseek(dir, d_off of abs-inside)")
		m := r.call("getdents64", uint64(fd), buf, 4096)
		if got := names(r.dents(buf, int(m), false)); !equal(got, []string{"hello", "up"}) {
			r.t.Errorf("after seekdir: %q", got)
		}
		r.want(r.call("lseek", uint64(fd), 0, 0), 0, "lseek(dir, 0)")
		r.want(r.call("getdents64", uint64(fd), 0x1000, 4096), -linux.EFAULT, "getdents64 into unmapped memory")
		r.want(r.call("getdents64", uint64(fd), buf, 4096), n, "getdents64 after EFAULT lost nothing")
		// The old getdents, where the platform has it: the ABI's longs.
		if r.has("getdents") {
			r.want(r.call("lseek", uint64(fd), 0, 0), 0, "lseek(dir, 0)")
			n := r.call("getdents", uint64(fd), buf, 4096)
			old := r.dents(buf, int(n), true)
			if !equal(names(old), names(ds)) || old[4].typ != 8 || old[4].ino != ds[4].ino || old[5].off != 6 {
				r.t.Errorf("getdents: %+v", old)
			}
		}
		file := r.open("/etc/hello", 0)
		r.want(r.call("getdents64", uint64(file), buf, 4096), -linux.ENOTDIR, "getdents64(file)")
		r.want(r.call("getdents64", 77, buf, 4096), -linux.EBADF, "getdents64(77)")
		// /dev holds null, with or without the sysroot's /dev.
		dev := r.open("/dev", 0)
		n = r.call("getdents64", uint64(dev), buf, 4096)
		if ds := r.dents(buf, int(n), false); !equal(names(ds), []string{".", "..", "null"}) || ds[2].typ != 2 {
			r.t.Errorf("/dev: %+v", ds)
		}
	})
}

func inoOf(fi os.FileInfo) uint64 { return fi.Sys().(*syscall.Stat_t).Ino }

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// getcwd returns the guest's working directory.
func (r *rig) getcwd() string {
	r.t.Helper()
	n := r.call("getcwd", memBase+0x3000, 256)
	if n <= 0 {
		r.t.Fatalf("getcwd = %d", n)
	}
	return string(r.get(memBase+0x3000, int(n)-1))
}

func TestWorkingDirectory(t *testing.T) {
	root, _ := sysroot(t)
	forEach(t, func(e *fakeenv.Env) { e.Proc.Sysroot = root }, func(r *rig) {
		path := func(s string) uint64 { return r.str(memBase+0x900, s) }
		r.want(r.call("chdir", path("/etc")), 0, "chdir /etc")
		if cwd := r.getcwd(); cwd != "/etc" {
			r.t.Errorf("getcwd after chdir = %q", cwd)
		}
		// Relative paths start there: open, openat(AT_FDCWD), stat, access.
		fd := r.open("hello", 0)
		r.want(fd, 3, "open hello in /etc")
		r.want(r.call("openat", atFDCWD, path("hello"), 0, 0), 4, "openat(AT_FDCWD, hello)")
		r.want(r.call("faccessat", atFDCWD, path("./hello"), 4, 0), 0, "faccessat(./hello)")
		st := r.first("fstatat64", "newfstatat")
		r.want(r.call(st, atFDCWD, path("hello"), memBase+0x1000, 0), 0, st+"(hello)")
		r.want(r.open("../etc/hello", 0), 5, "open ../etc/hello")
		r.want(r.open("../../etc/hello", 0), -linux.EACCES, "open ../../etc/hello climbs out")
		r.want(r.call("chdir", path("..")), 0, "chdir ..")
		if cwd := r.getcwd(); cwd != "/" {
			r.t.Errorf("getcwd after chdir .. = %q", cwd)
		}
		r.want(r.call("chdir", path("lib")), 0, "chdir lib (a link)")
		if cwd := r.getcwd(); cwd != "/usr/lib" {
			r.t.Errorf("getcwd after chdir lib = %q", cwd)
		}
		r.want(r.open("data", 0), 6, "open data in /usr/lib")
		r.want(r.call("getcwd", memBase, 5), -linux.ERANGE, "getcwd(size 5)")
		r.want(r.call("getcwd", 0x1000, 64), -linux.EFAULT, "getcwd(unmapped)")
		// Errors.
		r.want(r.call("chdir", path("/etc/hello")), -linux.ENOTDIR, "chdir to a file")
		r.want(r.call("chdir", path("/nope")), -linux.ENOENT, "chdir /nope")
		r.want(r.call("chdir", path("/../..")), -linux.EACCES, "chdir above /")
		r.want(r.call("chdir", 0x1000), -linux.EFAULT, "chdir(unmapped)")
		r.want(r.call("chdir", path("/dev/null")), -linux.ENOTDIR, "chdir /dev/null")
		if cwd := r.getcwd(); cwd != "/usr/lib" {
			r.t.Errorf("failed chdirs moved the cwd to %q", cwd)
		}
		// fchdir to a directory the guest opened.
		dir := r.open("/etc", 0)
		r.want(r.call("fchdir", uint64(dir)), 0, "fchdir(/etc)")
		if cwd := r.getcwd(); cwd != "/etc" {
			r.t.Errorf("getcwd after fchdir = %q", cwd)
		}
		r.want(r.call("fchdir", uint64(fd)), -linux.ENOTDIR, "fchdir(file)")
		r.want(r.call("fchdir", 77), -linux.EBADF, "fchdir(77)")
		// /dev is a directory, with null in it.
		r.want(r.call("chdir", path("/dev")), 0, "chdir /dev")
		null := r.open("null", 1)
		r.want(r.call("write", uint64(null), memBase, 3), 3, "write to null, relative")
		// umask: starts 022, applies to what the guest creates.
		r.want(r.call("umask", 0o77), 0o22, "umask(077)")
		r.want(r.call("umask", 0o1777), 0o77, "umask(0o1777)")
		r.want(r.call("umask", 0o22), 0o777, "umask(022)")
	})
}

func TestChanges(t *testing.T) {
	root, _ := sysroot(t)
	writable := t.TempDir()
	forEach(t, func(e *fakeenv.Env) {
		e.Proc.Sysroot = root
		e.Proc.AllowWrite = []string{writable}
	}, func(r *rig) {
		w := filepath.Join(writable, r.p.Name)
		path := func(at uint64, s string) uint64 { return r.str(memBase+at, s) }
		p1 := func(s string) uint64 { return path(0x900, s) }
		p2 := func(s string) uint64 { return path(0xa00, s) }
		wronly, creat, _ := oFlags(r.p)
		// mkdir.
		r.want(r.atCall("mkdir", p1(w), 0o777), 0, "mkdir W")
		r.want(r.call("umask", 0o77), 0o22, "umask(077)")
		r.want(r.atCall("mkdir", p1(w+"/d"), 0o777), 0, "mkdir W/d")
		if fi, err := os.Stat(w + "/d"); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			r.t.Errorf("W/d: %v %v", fi, err)
		}
		r.want(r.atCall("mkdir", p1(w+"/d"), 0o777), -linux.EEXIST, "mkdir W/d again")
		r.want(r.atCall("mkdir", p1("/etc"), 0o777), -linux.EEXIST, "mkdir /etc")
		r.want(r.atCall("mkdir", p1("/etc/new"), 0o777), -linux.EACCES, "mkdir /etc/new")
		r.want(r.atCall("mkdir", p1(w+"/nope/x"), 0o777), -linux.ENOENT, "mkdir W/nope/x")
		r.want(r.atCall("mkdir", 0x1000, 0o777), -linux.EFAULT, "mkdir(unmapped)")
		r.want(r.call("mkdirat", 77, p1("x"), 0o777), -linux.EBADF, "mkdirat(77, x)")
		// mkdirat relative to a directory descriptor.
		d := r.open(w, 0)
		r.want(r.call("mkdirat", uint64(d), p1("e"), 0o755), 0, "mkdirat(W, e)")
		// A file to truncate, sync, rename and remove.
		f := r.open(w+"/d/f", wronly|creat)
		r.want(r.call("write", uint64(f), p2("abcdef"), 6), 6, "write W/d/f")
		r.want(r.call("ftruncate", uint64(f), 2), 0, "ftruncate(2)")
		if b, _ := os.ReadFile(w + "/d/f"); string(b) != "ab" {
			r.t.Errorf("after ftruncate: %q", b)
		}
		if r.has("ftruncate64") {
			r.want(r.call("ftruncate64", r.with64([]uint64{uint64(f)}, 1)...), 0, "ftruncate64(1)")
			if fi, _ := os.Stat(w + "/d/f"); fi.Size() != 1 {
				r.t.Errorf("after ftruncate64: size %d", fi.Size())
			}
		}
		ro := r.open("/etc/hello", 0)
		r.want(r.call("ftruncate", uint64(ro), 0), -linux.EINVAL, "ftruncate(read-only)")
		r.want(r.call("ftruncate", 77, 0), -linux.EBADF, "ftruncate(77)")
		r.want(r.call("ftruncate", uint64(f), ^uint64(0)), -linux.EINVAL, "ftruncate(-1)")
		r.want(r.call("fsync", uint64(f)), 0, "fsync")
		r.want(r.call("fdatasync", uint64(f)), 0, "fdatasync")
		r.want(r.call("fsync", uint64(ro)), 0, "fsync(read-only file)")
		r.want(r.call("fsync", 77), -linux.EBADF, "fsync(77)")
		null := r.open("/dev/null", wronly)
		r.want(r.call("fsync", uint64(null)), -linux.EINVAL, "fsync(/dev/null)")
		r.want(r.call("fsync", 1), -linux.EINVAL, "fsync(stdout buffer)")
		// rename.
		rename := func(from, to string) int64 {
			if r.has("rename") {
				return r.call("rename", p1(from), p2(to))
			}
			return r.call("renameat", atFDCWD, p1(from), atFDCWD, p2(to))
		}
		r.want(rename(w+"/d/f", w+"/d/g"), 0, "rename f g")
		if _, err := os.Stat(w + "/d/g"); err != nil {
			r.t.Errorf("rename: %v", err)
		}
		r.want(rename(w+"/d/f", w+"/d/h"), -linux.ENOENT, "rename a missing file")
		r.want(rename("/etc/hello", w+"/h"), -linux.EACCES, "rename out of the sysroot")
		r.want(rename(w+"/d/g", "/etc/g"), -linux.EACCES, "rename into the sysroot")
		r.want(rename(writable, w+"/zz"), -linux.EACCES, "rename the AllowWrite directory")
		r.want(r.call("renameat", uint64(d), p1("d/g"), uint64(d), p2("d/h")), 0, "renameat(W, d/g, W, d/h)")
		r.want(r.call("renameat", 77, p1("d/h"), uint64(d), p2("d/g")), -linux.EBADF, "renameat(77)")
		r.want(r.call("renameat", atFDCWD, 0x1000, atFDCWD, p2("x")), -linux.EFAULT, "renameat(unmapped)")
		if r.has("renameat2") {
			const noreplace, exchange = 1, 2
			r.want(r.call("renameat2", uint64(d), p1("d/h"), uint64(d), p2("e"), noreplace), -linux.EEXIST, "renameat2 NOREPLACE onto e")
			r.want(r.call("renameat2", uint64(d), p1("d/h"), uint64(d), p2("e"), exchange), -linux.EINVAL, "renameat2 EXCHANGE")
			r.want(r.call("renameat2", uint64(d), p1("d/h"), uint64(d), p2("d/g"), noreplace), 0, "renameat2 NOREPLACE")
		} else {
			r.want(r.call("renameat", uint64(d), p1("d/h"), uint64(d), p2("d/g")), 0, "renameat")
		}
		// unlink and rmdir.
		rmdir := func(p string) int64 {
			if r.has("rmdir") {
				return r.call("rmdir", p1(p))
			}
			return r.call("unlinkat", atFDCWD, p1(p), 0x200 /* AT_REMOVEDIR */)
		}
		r.want(r.atCall("unlink", p1(w+"/d")), -linux.EISDIR, "unlink a directory")
		r.want(rmdir(w+"/d"), -linux.ENOTEMPTY, "rmdir a full directory")
		r.want(rmdir(w+"/d/g"), -linux.ENOTDIR, "rmdir a file")
		r.want(r.atCall("unlink", p1(w+"/d/g")), 0, "unlink W/d/g")
		r.want(r.atCall("unlink", p1(w+"/d/g")), -linux.ENOENT, "unlink W/d/g again")
		r.want(rmdir(w+"/d"), 0, "rmdir W/d")
		r.want(r.call("unlinkat", uint64(d), p1("e"), 0x200), 0, "unlinkat(W, e, AT_REMOVEDIR)")
		r.want(r.call("unlinkat", uint64(d), p1("e"), 0x4), -linux.EINVAL, "unlinkat(bad flags)")
		if _, err := os.Stat(w + "/d"); err == nil {
			r.t.Errorf("W/d still there")
		}
		r.want(r.atCall("unlink", p1("/etc/hello")), -linux.EACCES, "unlink /etc/hello")
		r.want(r.atCall("unlink", p1("/etc/nope")), -linux.EACCES, "unlink in the sysroot, missing")
		r.want(rmdir("/usr/lib"), -linux.EACCES, "rmdir /usr/lib")
		r.want(rmdir(writable), -linux.EACCES, "rmdir the AllowWrite directory")
		r.want(rmdir(w+"/."), -linux.EINVAL, "rmdir W/.")
		r.want(r.atCall("unlink", p1("/dev/null")), -linux.EACCES, "unlink /dev/null")
		r.want(r.atCall("unlink", 0x1000), -linux.EFAULT, "unlink(unmapped)")
		if b, _ := os.ReadFile(filepath.Join(root, "etc/hello")); string(b) != "hello, guest\n" {
			r.t.Errorf("the sysroot changed: %q", b)
		}
	})
}

// A sysroot with its own /dev: its entries and null. An AllowWrite
// directory shows in its parent's listing.
func TestGetdentsMerged(t *testing.T) {
	root, _ := sysroot(t)
	writable := t.TempDir()
	for _, d := range []string{"dev", filepath.Dir(writable)} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "dev/zz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	forEach(t, func(e *fakeenv.Env) {
		e.Proc.Sysroot = root
		e.Proc.AllowWrite = []string{writable}
	}, func(r *rig) {
		buf := uint64(memBase + 0x2000)
		dev := r.open("/dev", 0)
		ds := r.dents(buf, int(r.call("getdents64", uint64(dev), buf, 4096)), false)
		if !equal(names(ds), []string{".", "..", "zz", "null"}) {
			r.t.Errorf("/dev with the sysroot's: %q", names(ds))
		}
		parent := r.open(filepath.Dir(writable), 0)
		ds = r.dents(buf, int(r.call("getdents64", uint64(parent), buf, 4096)), false)
		if !equal(names(ds), []string{".", "..", filepath.Base(writable)}) || ds[2].typ != 4 {
			r.t.Errorf("%s: %+v", filepath.Dir(writable), ds)
		}
	})
}
