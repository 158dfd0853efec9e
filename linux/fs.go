package linux

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// The guest's view of files (confinement).
//
// The guest sees a tree whose root "/" is the host directory
// Process.Sysroot, read-only, like a chroot: guest "/lib/libc.so.6" is
// <sysroot>/lib/libc.so.6 on the host (the same lookup the machine uses
// to restore file-backed text). Each directory of Process.AllowWrite
// appears in the guest at its own absolute path, read-write (a bind
// mount over the sysroot). "/dev/null" always exists and is always
// writable; "/dev" is a directory that holds it (the sysroot's /dev when
// there is one, else a directory of the layer's own). The guest's
// working directory starts at "/" (chdir and fchdir change it; relative
// paths start there).
//
// The layer resolves guest paths itself, one component at a time: ".."
// and symbolic links are followed in the guest's tree (an absolute link
// target starts again at the guest's "/"), and the host path built from
// the result never contains ".." or a link the layer did not read. The
// file is then opened through an os.Root of the mount, which refuses any
// escape a concurrent change on the host could still cause.
//
// Errors: a path whose ".." would climb above the guest's "/" (directly
// or through a link), any path when there is no sysroot, and any open
// for writing (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC) or change to the tree
// (mkdir, unlink, rmdir, rename) outside an AllowWrite directory fail
// with EACCES: "permission denied" is what a confined process should
// conclude, and it is what the issue asks for. (A real
// chroot would clamp ".." at the root, and a read-only mount would say
// EROFS; we prefer one errno that says "not allowed" for every refusal.)
// A path that simply does not exist in the guest's tree is ENOENT.

// maxSymlinks bounds link resolution, as Linux does (ELOOP after 40).
const maxSymlinks = 40

// resolved is a guest path found on the host.
type resolved struct {
	guest    string // absolute, clean guest path
	mount    string // host directory of the mount it is under
	rel      string // path under mount, "." for the mount itself
	writable bool   // under an AllowWrite directory
	devNull  bool
	devDir   bool // "/dev" when the sysroot has none: the layer's own directory
	exists   bool
	info     os.FileInfo // Lstat of the final component, when it exists
}

func (r *resolved) host() string { return filepath.Join(r.mount, r.rel) }

// mountOf returns the host directory, the path under it, and whether it
// is writable, for a clean absolute guest path.
func (k *Kernel) mountOf(guest string) (mount, rel string, writable bool, ok bool) {
	best := ""
	for _, d := range k.proc.AllowWrite {
		d = filepath.Clean(d)
		if (guest == d || strings.HasPrefix(guest, strings.TrimSuffix(d, "/")+"/")) && len(d) > len(best) {
			best = d
		}
	}
	if best != "" {
		rel := strings.TrimPrefix(strings.TrimPrefix(guest, best), "/")
		if rel == "" {
			rel = "."
		}
		return best, rel, true, true
	}
	if k.proc.Sysroot == "" {
		return "", "", false, false
	}
	rel = strings.TrimPrefix(guest, "/")
	if rel == "" {
		rel = "."
	}
	return k.proc.Sysroot, rel, false, true
}

// resolve finds a guest path (relative paths are relative to base, an
// absolute guest directory). followLast says whether a link as the last
// component is followed. It returns an errno on failure; a last
// component that does not exist is not an error (exists is false).
func (k *Kernel) resolve(base, p string, followLast bool) (*resolved, int64) {
	if p == "" {
		return nil, ENOENT
	}
	if !strings.HasPrefix(p, "/") {
		p = base + "/" + p
	}
	if path.Clean(p) == "/dev/null" {
		return &resolved{guest: "/dev/null", devNull: true, exists: true, writable: true}, 0
	}
	trailingSlash := strings.HasSuffix(p, "/")
	todo := strings.Split(p, "/")
	var done []string // resolved guest components
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return nil, EACCES // would leave the guest's tree
			}
			done = done[:len(done)-1]
			continue
		}
		last := len(todo) == 0 || allEmpty(todo)
		cand := append(done[:len(done):len(done)], c)
		guest := "/" + strings.Join(cand, "/")
		if (!last && k.aboveMount(guest)) || (guest == "/dev" && k.ownDev()) {
			done = cand // a directory on the way to an AllowWrite directory, or /dev
			continue
		}
		mount, rel, _, ok := k.mountOf(guest)
		if !ok {
			return nil, EACCES
		}
		fi, err := os.Lstat(filepath.Join(mount, rel))
		if err != nil {
			if last && errors.Is(err, fs.ErrNotExist) {
				done = cand
				break
			}
			return nil, hostErrno(err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 && (!last || followLast || trailingSlash) {
			links++
			if links > maxSymlinks {
				return nil, ELOOP
			}
			target, err := os.Readlink(filepath.Join(mount, rel))
			if err != nil {
				return nil, hostErrno(err)
			}
			if strings.HasPrefix(target, "/") {
				done = nil
			}
			todo = append(strings.Split(target, "/"), todo...)
			continue
		}
		if !last && !fi.IsDir() {
			return nil, ENOTDIR
		}
		done = cand
	}
	guest := "/" + strings.Join(done, "/")
	if guest == "/dev/null" {
		return &resolved{guest: guest, devNull: true, exists: true, writable: true}, 0
	}
	if guest == "/dev" && k.ownDev() {
		return &resolved{guest: guest, devDir: true, exists: true}, 0
	}
	mount, rel, writable, ok := k.mountOf(guest)
	if !ok {
		return nil, EACCES
	}
	r := &resolved{guest: guest, mount: mount, rel: rel, writable: writable}
	if fi, err := os.Lstat(r.host()); err == nil {
		r.exists, r.info = true, fi
		if trailingSlash && !fi.IsDir() {
			return nil, ENOTDIR
		}
	}
	return r, 0
}

// ownDev reports whether "/dev" is the layer's own directory: the
// sysroot has no directory /dev (or there is no sysroot).
func (k *Kernel) ownDev() bool {
	if k.proc.Sysroot == "" {
		return true
	}
	fi, err := os.Stat(filepath.Join(k.proc.Sysroot, "dev"))
	return err != nil || !fi.IsDir()
}

// aboveMount reports whether a guest directory is a proper ancestor of
// an AllowWrite directory: it exists in the guest's tree, whatever the
// sysroot holds.
func (k *Kernel) aboveMount(guest string) bool {
	for _, d := range k.proc.AllowWrite {
		if strings.HasPrefix(filepath.Clean(d), strings.TrimSuffix(guest, "/")+"/") {
			return true
		}
	}
	return false
}

func allEmpty(s []string) bool {
	for _, c := range s {
		if c != "" && c != "." {
			return false
		}
	}
	return true
}

// permit applies open's refusals to a resolved path (not /dev/null):
// write says the open may change the file (EACCES outside an AllowWrite
// directory), create that it may create it, dirOnly that it asks for a
// directory (O_DIRECTORY). It returns 0 or the errno.
func (r *resolved) permit(write, create, dirOnly bool) int64 {
	if write && !r.writable {
		return EACCES
	}
	if !r.exists {
		if !create {
			return ENOENT
		}
		return 0
	}
	mode := r.info.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		return ELOOP // O_NOFOLLOW on a link
	case mode.IsDir():
		if write {
			return EISDIR
		}
	case dirOnly:
		return ENOTDIR
	case !mode.IsRegular() && mode&fs.ModeCharDevice == 0:
		return EACCES // fifos, sockets, block devices: never
	}
	return 0
}

// open opens a resolved path on the host through an os.Root of its mount.
func (r *resolved) open(flag int, perm os.FileMode) (*os.File, int64) {
	root, err := os.OpenRoot(r.mount)
	if err != nil {
		return nil, hostErrno(err)
	}
	defer root.Close()
	f, err := root.OpenFile(r.rel, flag, perm)
	if err != nil {
		return nil, hostErrno(err)
	}
	return f, 0
}

// hostErrno turns a host error into a generic errno value.
func hostErrno(err error) int64 {
	var en syscall.Errno
	if errors.As(err, &en) {
		return int64(en) // the host is amd64 Linux: generic numbering
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ENOENT
	case errors.Is(err, fs.ErrPermission):
		return EACCES
	case errors.Is(err, fs.ErrExist):
		return EEXIST
	}
	if strings.Contains(err.Error(), "escapes") {
		return EACCES
	}
	return EIO
}

// workDir is the guest's working directory ("/" until chdir).
func (k *Kernel) workDir() string {
	if k.cwd == "" {
		return "/"
	}
	return k.cwd
}

// dirBase returns the guest directory a path relative to dirfd starts
// from: the working directory for AT_FDCWD, else the directory the fd
// names.
func (k *Kernel) dirBase(dirfd uint64) (string, int64) {
	if k.sfd(dirfd) == int64(int32(k.c.AT_FDCWD)) {
		return k.workDir(), 0
	}
	e := k.fds[int(k.sfd(dirfd))]
	if e == nil {
		return "", EBADF
	}
	if e.of.kind != kindDir {
		return "", ENOTDIR
	}
	return e.of.guest, 0
}
