package linux

import (
	"os"
	"syscall"
)

// The guest's view of files for callers outside the syscall layer (the
// C-library file models): the same confinement as open(2) and the
// other file calls (fs.go), from p's Sysroot and AllowWrite, with the
// guest's working directory "/". Errors are syscall.Errno values of the
// generic numbering (EACCES for every refusal, as fs.go says).

// view is a kernel with only what path resolution reads.
func (p *Process) view() *Kernel { return &Kernel{proc: *p} }

// OpenFile opens a guest path as open(2) would, with os.OpenFile's flag
// (O_RDONLY, O_WRONLY, O_RDWR, O_CREATE, O_TRUNC, O_EXCL, O_APPEND) and
// perm for a file it creates: reading under Sysroot, writing only under
// an AllowWrite directory; "/dev/null" is the host's.
func (p *Process) OpenFile(guest string, flag int, perm os.FileMode) (*os.File, error) {
	r, e := p.view().resolve("/", guest, true)
	if e != 0 {
		return nil, syscall.Errno(e)
	}
	if r.devNull {
		return os.OpenFile(os.DevNull, flag&^(os.O_CREATE|os.O_EXCL|os.O_TRUNC), 0)
	}
	if r.devDir {
		return nil, syscall.EISDIR
	}
	write := flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND) != 0
	if e := r.permit(write, flag&os.O_CREATE != 0, false); e != 0 {
		return nil, syscall.Errno(e)
	}
	f, e := r.open(flag, perm&0o777&^0o022)
	if e != 0 {
		return nil, syscall.Errno(e)
	}
	return f, nil
}

// Remove removes a guest file or empty directory (a link itself, not
// its target), which must be under an AllowWrite directory (and not be
// that directory).
func (p *Process) Remove(guest string) error {
	r, e := p.writableEntry(guest)
	if e != 0 {
		return syscall.Errno(e)
	}
	root, err := os.OpenRoot(r.mount)
	if err != nil {
		return syscall.Errno(hostErrno(err))
	}
	defer root.Close()
	if err := root.Remove(r.rel); err != nil {
		return syscall.Errno(hostErrno(err))
	}
	return nil
}

// Rename renames a guest file or directory, replacing newpath; both
// must be under the same AllowWrite directory (EXDEV otherwise).
func (p *Process) Rename(oldpath, newpath string) error {
	from, e := p.writableEntry(oldpath)
	if e != 0 {
		return syscall.Errno(e)
	}
	to, e := p.view().resolve("/", newpath, false)
	switch {
	case e != 0:
		return syscall.Errno(e)
	case to.devNull || !to.writable || to.rel == ".":
		return syscall.EACCES
	case to.mount != from.mount:
		return syscall.EXDEV
	}
	root, err := os.OpenRoot(from.mount)
	if err != nil {
		return syscall.Errno(hostErrno(err))
	}
	defer root.Close()
	if err := root.Rename(from.rel, to.rel); err != nil {
		return syscall.Errno(hostErrno(err))
	}
	return nil
}

// writableEntry resolves an existing guest path (not following a final
// link) that may be removed or renamed.
func (p *Process) writableEntry(guest string) (*resolved, int64) {
	r, e := p.view().resolve("/", guest, false)
	switch {
	case e != 0:
		return nil, e
	case r.devNull || !r.writable || r.rel == ".":
		return nil, EACCES
	case !r.exists:
		return nil, ENOENT
	}
	return r, 0
}
