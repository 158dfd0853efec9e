package linux

import (
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// Directories and changes to the tree: the working directory, listing
// (getdents), creating, removing and renaming entries, truncating and
// syncing files. Every change is allowed only under an AllowWrite
// directory; anywhere else it is EACCES, as open for writing is (fs.go).

// pathAt reads a path argument and resolves it relative to dirfd.
func (k *Kernel) pathAt(dirfd, addr uint64, follow bool) (*resolved, string, int64) {
	p, e := k.path(addr)
	if e != 0 {
		return nil, "", e
	}
	base, e := k.dirBase(dirfd)
	if e != 0 {
		return nil, "", e
	}
	r, e := k.resolve(base, p, follow)
	return r, p, e
}

// chdirTo makes a resolved path the working directory.
func (k *Kernel) chdirTo(r *resolved) int64 {
	switch {
	case r.devDir:
	case r.devNull:
		return ENOTDIR
	case !r.exists:
		return ENOENT
	case !r.info.IsDir():
		return ENOTDIR
	case r.info.Mode().Perm()&0o111 == 0:
		return EACCES
	}
	k.cwd = r.guest
	return 0
}

// sysChdir: chdir(path) in the guest's view.
func sysChdir(k *Kernel, a Args) (int64, error) {
	r, _, e := k.pathAt(k.c.AT_FDCWD, a[0], true)
	if e != 0 {
		return -e, nil
	}
	return -k.chdirTo(r), nil
}

// sysFchdir: fchdir(fd) to a directory the guest opened.
func sysFchdir(k *Kernel, a Args) (int64, error) {
	of, e := k.fd(a[0])
	if e != 0 {
		return -e, nil
	}
	if of.kind != kindDir {
		return -ENOTDIR, nil
	}
	k.cwd = of.guest
	return 0, nil
}

// sysUmask: umask(mask) returns the previous mask; files and
// directories the guest creates get their mode without its bits.
func sysUmask(k *Kernel, a Args) (int64, error) {
	old := k.umask
	k.umask = a[0] & 0o777
	return int64(old), nil
}

// inRoot runs f on an os.Root of a resolved path's mount.
func inRoot(r *resolved, f func(*os.Root) error) int64 {
	root, err := os.OpenRoot(r.mount)
	if err != nil {
		return hostErrno(err)
	}
	defer root.Close()
	if err := f(root); err != nil {
		return hostErrno(err)
	}
	return 0
}

func (k *Kernel) mkdirat(dirfd, addr, mode uint64) int64 {
	r, _, e := k.pathAt(dirfd, addr, false)
	switch {
	case e != 0:
		return -e
	case r.exists: // Linux looks before it asks whether the mount is writable
		return -EEXIST
	case !r.writable:
		return -EACCES
	}
	return -inRoot(r, func(root *os.Root) error {
		return root.Mkdir(r.rel, fs.FileMode(mode&0o777&^k.umask))
	})
}

// sysMkdir: mkdir(path, mode); sysMkdirat: mkdirat(dirfd, path, mode).
func sysMkdir(k *Kernel, a Args) (int64, error) { return k.mkdirat(k.c.AT_FDCWD, a[0], a[1]), nil }
func sysMkdirat(k *Kernel, a Args) (int64, error) {
	return k.mkdirat(a[0], a[1], a[2]), nil
}

// remove removes a directory entry: an empty directory (dir) or
// anything else, as unlink and rmdir do.
func (k *Kernel) remove(dirfd, addr uint64, dir bool) int64 {
	r, p, e := k.pathAt(dirfd, addr, false)
	if e != 0 {
		return -e
	}
	if dir {
		switch path.Base(strings.TrimRight(p, "/")) {
		case ".":
			return -EINVAL
		case "..":
			return -ENOTEMPTY
		}
	}
	switch {
	case r.devNull && dir:
		return -ENOTDIR
	case r.devDir && !dir:
		return -EISDIR
	case r.devNull || r.devDir || !r.writable || r.rel == ".":
		return -EACCES // read-only, or an AllowWrite directory itself
	case !r.exists:
		return -ENOENT
	case dir && !r.info.IsDir():
		return -ENOTDIR
	case !dir && r.info.IsDir():
		return -EISDIR
	}
	return -inRoot(r, func(root *os.Root) error { return root.Remove(r.rel) })
}

func sysUnlink(k *Kernel, a Args) (int64, error) { return k.remove(k.c.AT_FDCWD, a[0], false), nil }
func sysRmdir(k *Kernel, a Args) (int64, error)  { return k.remove(k.c.AT_FDCWD, a[0], true), nil }

// sysUnlinkat: unlinkat(dirfd, path, flags); AT_REMOVEDIR is rmdir.
func sysUnlinkat(k *Kernel, a Args) (int64, error) {
	if a[2]&^k.c.AT_REMOVEDIR != 0 {
		return -EINVAL, nil
	}
	return k.remove(a[0], a[1], a[2]&k.c.AT_REMOVEDIR != 0), nil
}

func (k *Kernel) renameat(olddir, oldAddr, newdir, newAddr, flags uint64) int64 {
	c := k.c
	switch {
	case flags&^(c.RENAME_NOREPLACE|c.RENAME_EXCHANGE|c.RENAME_WHITEOUT) != 0:
		return -EINVAL
	case flags&c.RENAME_NOREPLACE != 0 && flags&c.RENAME_EXCHANGE != 0:
		return -EINVAL
	case flags&(c.RENAME_EXCHANGE|c.RENAME_WHITEOUT) != 0:
		return -EINVAL // not supported: as a file system without them says
	}
	from, _, e := k.pathAt(olddir, oldAddr, false)
	if e != 0 {
		return -e
	}
	to, _, e := k.pathAt(newdir, newAddr, false)
	switch {
	case e != 0:
		return -e
	case from.devNull || from.devDir || !from.writable || from.rel == ".",
		to.devNull || to.devDir || !to.writable || to.rel == ".":
		return -EACCES
	case !from.exists:
		return -ENOENT
	case from.mount != to.mount:
		return -EXDEV
	case flags&c.RENAME_NOREPLACE != 0 && to.exists:
		return -EEXIST
	}
	return -inRoot(from, func(root *os.Root) error { return root.Rename(from.rel, to.rel) })
}

// rename(old, new), renameat(olddirfd, old, newdirfd, new),
// renameat2(olddirfd, old, newdirfd, new, flags).
func sysRename(k *Kernel, a Args) (int64, error) {
	return k.renameat(k.c.AT_FDCWD, a[0], k.c.AT_FDCWD, a[1], 0), nil
}
func sysRenameat(k *Kernel, a Args) (int64, error) { return k.renameat(a[0], a[1], a[2], a[3], 0), nil }
func sysRenameat2(k *Kernel, a Args) (int64, error) {
	return k.renameat(a[0], a[1], a[2], a[3], a[4]), nil
}

// A dirent is one entry of a directory listing.
type dirent struct {
	name string
	ino  uint64
	typ  byte // DT_*
}

// Directory entry types (DT_* of <dirent.h>: the file type bits of the
// mode shifted right by 12, the same on every platform).
const (
	dtUnknown = 0
	dtDir     = 4
	dtChr     = 2
)

func dtOf(mode uint64) byte { return byte(mode >> 12 & 0o17) }

// listDir reads a directory whole, as getdents shows it: ".", "..", the
// entries by name, "null" in /dev, and AllowWrite directories where
// they appear. Entry i's d_off is i+1.
func (k *Kernel) listDir(of *openFile) ([]dirent, int64) {
	parent := path.Dir(of.guest)
	out := []dirent{{".", k.inoOf(of.guest), dtDir}, {"..", k.inoOf(parent), dtDir}}
	seen := map[string]bool{}
	if of.f != nil {
		if _, err := of.f.Seek(0, 0); err != nil {
			return nil, hostErrno(err)
		}
		ents, err := of.f.ReadDir(-1)
		if err != nil {
			return nil, hostErrno(err)
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		for _, de := range ents {
			d := dirent{name: de.Name(), typ: dtUnknown}
			if fi, err := de.Info(); err == nil {
				if st, e := infoOf(fi); e == 0 {
					d.ino, d.typ = st.ino, dtOf(st.mode)
				}
			}
			seen[d.name] = true
			out = append(out, d)
		}
	}
	var extra []dirent
	if of.guest == "/dev" && !seen["null"] {
		extra = append(extra, dirent{"null", nullIno, dtChr})
	}
	for _, d := range k.proc.AllowWrite {
		d = path.Clean(d)
		if path.Dir(d) == of.guest && d != "/" && !seen[path.Base(d)] {
			seen[path.Base(d)] = true
			extra = append(extra, dirent{path.Base(d), k.inoOf(d), dtDir})
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].name < extra[j].name })
	return append(out, extra...), 0
}

// inoOf is the inode number of a guest directory (1 when it has none:
// a directory only on the way to an AllowWrite directory).
func (k *Kernel) inoOf(guest string) uint64 {
	r, e := k.resolve("/", guest, true)
	switch {
	case e != 0 || !r.exists:
		return 1
	case r.devDir:
		return devIno
	}
	fi, err := os.Stat(r.host())
	if err != nil {
		return 1
	}
	st, e := infoOf(fi)
	if e != 0 {
		return 1
	}
	return st.ino
}

// seekDir: lseek on a directory moves among its entries (an offset is a
// d_off); seeking to 0 reads the directory afresh, as rewinddir expects.
func (k *Kernel) seekDir(of *openFile, off int64, whence uint64) int64 {
	switch whence {
	case 0:
	case 1:
		off += of.dirPos
	default:
		return -EINVAL
	}
	if off < 0 {
		return -EINVAL
	}
	of.dirPos = off
	if off == 0 {
		of.dir = nil
	}
	return off
}

// getdents fills buf with records of layout ("linux_dirent64" or
// "linux_dirent") from the directory's position on.
func (k *Kernel) getdents(fd, buf, count uint64, layout string) int64 {
	of, e := k.fd(fd)
	if e != 0 {
		return -e
	}
	if of.kind != kindDir {
		return -ENOTDIR
	}
	if !of.read {
		return -EBADF
	}
	if of.dir == nil {
		if of.dir, e = k.listDir(of); e != 0 {
			return -e
		}
	}
	l := layoutsOf(k.p.Name)[layout]
	f := l.Fields
	nameOff := f["d_name"][0]
	align, trailer := uint64(8), uint64(1) // the NUL
	if layout == "linux_dirent" {
		align, trailer = uint64(k.word()), 2 // the NUL and d_type, in the record's last byte
	}
	count = min(count, maxIO)
	start := of.dirPos
	var out []byte
	for of.dirPos < int64(len(of.dir)) {
		d := of.dir[of.dirPos]
		reclen := (nameOff + uint64(len(d.name)) + trailer + align - 1) &^ (align - 1)
		if uint64(len(out))+reclen > count {
			if len(out) == 0 {
				return -EINVAL
			}
			break
		}
		next := uint64(of.dirPos + 1)
		if w := f["d_ino"][1]; w < 8 && (d.ino>>(8*w) != 0 || next>>(8*w) != 0) {
			if len(out) == 0 {
				return -EOVERFLOW
			}
			break
		}
		rec := make([]byte, reclen)
		putUint(rec[f["d_ino"][0]:], k.p.ByteOrder, int(f["d_ino"][1]), d.ino)
		putUint(rec[f["d_off"][0]:], k.p.ByteOrder, int(f["d_off"][1]), next)
		putUint(rec[f["d_reclen"][0]:], k.p.ByteOrder, int(f["d_reclen"][1]), reclen)
		copy(rec[nameOff:], d.name)
		if t, ok := f["d_type"]; ok {
			rec[t[0]] = d.typ
		} else {
			rec[reclen-1] = d.typ
		}
		out = append(out, rec...)
		of.dirPos++
	}
	if len(out) == 0 {
		return 0
	}
	if e := k.write(buf, out); e != 0 {
		of.dirPos = start
		return -e
	}
	return int64(len(out))
}

// getdents64(fd, buf, count) and the old getdents(fd, buf, count).
func sysGetdents64(k *Kernel, a Args) (int64, error) {
	return k.getdents(a[0], a[1], a[2], "linux_dirent64"), nil
}
func sysGetdents(k *Kernel, a Args) (int64, error) {
	return k.getdents(a[0], a[1], a[2], "linux_dirent"), nil
}

// truncate sets the size of a file the guest opened for writing.
func (k *Kernel) ftruncate(fd uint64, length int64) int64 {
	of, e := k.fd(fd)
	if e != 0 {
		return -e
	}
	if of.kind != kindFile || !of.wr || length < 0 {
		return -EINVAL
	}
	if err := of.f.Truncate(length); err != nil {
		return -hostErrno(err)
	}
	return 0
}

// ftruncate(fd, off_t length); ftruncate64(fd, loff_t length) on 32-bit
// ABIs (a register pair).
func sysFtruncate(k *Kernel, a Args) (int64, error) { return k.ftruncate(a[0], k.sarg(a[1])), nil }
func sysFtruncate64(k *Kernel, a Args) (int64, error) {
	n, _ := k.arg64(a, 1)
	return k.ftruncate(a[0], int64(n)), nil
}

// sysFsync: fsync(fd) and fdatasync(fd) sync host files; a pipe or
// /dev/null is EINVAL, as Linux says of files that cannot be synced.
func sysFsync(k *Kernel, a Args) (int64, error) {
	of, e := k.fd(a[0])
	if e != 0 {
		return -e, nil
	}
	if of.kind == kindDir {
		return 0, nil
	}
	f := k.hostFile(of)
	if f == nil {
		return -EINVAL, nil
	}
	if !of.wr {
		return 0, nil // nothing the guest wrote to flush
	}
	if err := f.Sync(); err != nil {
		return -hostErrno(err), nil
	}
	return 0, nil
}

// sysSync: sync() has nothing to write back: every write the guest made
// reached its host file when it was made.
func sysSync(k *Kernel, a Args) (int64, error) { return 0, nil }

// sysSyncfs: syncfs(fd), as sync, of a descriptor that must be open.
func sysSyncfs(k *Kernel, a Args) (int64, error) {
	if _, e := k.fd(a[0]); e != 0 {
		return -e, nil
	}
	return 0, nil
}

// fadvise checks posix_fadvise's arguments and takes no advice: the
// layer caches nothing. A pipe is ESPIPE (a standard stream that is no
// host file reads as one), as Linux's generic_fadvise.
func (k *Kernel) fadvise(fd uint64, length int64, advice uint64) int64 {
	of, e := k.fd(fd)
	if e != 0 {
		return -e
	}
	st, e := k.statFD(of)
	if e != 0 {
		return -e
	}
	c := k.c
	switch {
	case st.mode&sIFMT == sIFIFO:
		return -ESPIPE
	case length < 0:
		return -EINVAL
	}
	switch advice {
	case c.POSIX_FADV_NORMAL, c.POSIX_FADV_RANDOM, c.POSIX_FADV_SEQUENTIAL, c.POSIX_FADV_WILLNEED,
		c.POSIX_FADV_DONTNEED, c.POSIX_FADV_NOREUSE:
		return 0
	}
	return -EINVAL
}

// The fadvise family, by how each ABI passes the 64-bit offset and
// length (arg64: a register pair on 32-bit ABIs):
// fadvise64(fd, loff_t offset, size_t len, advice);
// fadvise64_64(fd, loff_t offset, loff_t len, advice) (also MIPS o32's
// fadvise64, whose advice is the seventh word);
// arm_fadvise64_64(fd, advice, loff_t offset, loff_t len) (also PPC32's
// fadvise64_64).
func sysFadvise64(k *Kernel, a Args) (int64, error) {
	_, i := k.arg64(a, 1)
	length := int64(a[i])
	if k.word() == 4 {
		length = int64(uint32(a[i])) // a size_t, widened to loff_t
	}
	return k.fadvise(a[0], length, k.argAt(a, i+1)), nil
}
func sysFadvise64_64(k *Kernel, a Args) (int64, error) {
	_, i := k.arg64(a, 1)
	length, i := k.arg64(a, i)
	return k.fadvise(a[0], int64(length), k.argAt(a, i)), nil
}
func sysFadviseAdviceFirst(k *Kernel, a Args) (int64, error) {
	_, i := k.arg64(a, 2)
	length, _ := k.arg64(a, i)
	return k.fadvise(a[0], int64(length), a[1]), nil
}

// sysReadahead: readahead(fd, loff_t offset, size_t count) of a regular
// file open for reading; nothing is cached, so nothing is read.
func sysReadahead(k *Kernel, a Args) (int64, error) {
	of, e := k.fd(a[0])
	if e != 0 || !of.read {
		return -EBADF, nil
	}
	st, e := k.statFD(of)
	if e != 0 {
		return -e, nil
	}
	if st.mode&sIFMT != sIFREG {
		return -EINVAL, nil
	}
	return 0, nil
}
