package linux

import (
	"io/fs"
	"os"
	"syscall"
)

// The stat family. struct stat and struct stat64 differ per platform;
// their field offsets and sizes are data (zsysnum.go's structLayoutsFor,
// which the compiler computed from <asm/stat.h>), so one writer fills
// every layout. struct statx is the same on every platform.

// statInfo is what the layer knows of a file, as the host kernel said.
type statInfo struct {
	dev, ino, mode, nlink, uid, gid, rdev uint64
	size, blksize, blocks                 uint64
	atime, mtime, ctime                   [2]int64 // seconds, nanoseconds
}

const (
	sIFMT  = 0o170000
	sIFIFO = 0o010000
	sIFCHR = 0o020000
	sIFDIR = 0o040000
	sIFREG = 0o100000
)

// Inode numbers of the layer's own files: /dev and /dev/null (the
// numbers devtmpfs gives them).
const (
	devIno  = 1
	nullIno = 4
)

func fromHost(st *syscall.Stat_t) *statInfo {
	return &statInfo{
		dev: st.Dev, ino: st.Ino, mode: uint64(st.Mode), nlink: uint64(st.Nlink),
		uid: uint64(st.Uid), gid: uint64(st.Gid), rdev: st.Rdev, size: uint64(st.Size),
		blksize: uint64(st.Blksize), blocks: uint64(st.Blocks),
		atime: [2]int64{st.Atim.Sec, st.Atim.Nsec}, mtime: [2]int64{st.Mtim.Sec, st.Mtim.Nsec},
		ctime: [2]int64{st.Ctim.Sec, st.Ctim.Nsec},
	}
}

func infoOf(fi fs.FileInfo) (*statInfo, int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, EIO
	}
	return fromHost(st), 0
}

// statFD describes an open descriptor. A standard stream that is not a
// host file (a buffer) reads as a pipe; /dev/null as the character
// device 1:3.
func (k *Kernel) statFD(of *openFile) (*statInfo, int64) {
	if of.kind == kindNull {
		return &statInfo{ino: nullIno, mode: sIFCHR | 0o666, nlink: 1, rdev: 1<<8 | 3, blksize: 4096}, 0
	}
	if of.kind == kindDir && of.f == nil { // the layer's own /dev
		return &statInfo{ino: devIno, mode: sIFDIR | 0o755, nlink: 2, blksize: 4096}, 0
	}
	if f := k.hostFile(of); f != nil {
		fi, err := f.Stat()
		if err != nil {
			return nil, hostErrno(err)
		}
		return infoOf(fi)
	}
	return &statInfo{mode: sIFIFO | 0o600, nlink: 1, uid: uint64(k.proc.UID), gid: uint64(k.proc.GID), blksize: 4096}, 0
}

// statPath describes a guest path (relative to dirfd), following a last
// link unless nofollow; an empty path with emptyPath describes dirfd.
func (k *Kernel) statPath(dirfd, pathAddr uint64, nofollow, emptyPath bool) (*statInfo, int64) {
	p, e := k.path(pathAddr)
	if e != 0 {
		return nil, e
	}
	if p == "" && emptyPath {
		if k.sfd(dirfd) == int64(int32(k.c.AT_FDCWD)) {
			p = "."
		} else {
			of, e := k.fd(dirfd)
			if e != 0 {
				return nil, e
			}
			return k.statFD(of)
		}
	}
	base, e := k.dirBase(dirfd)
	if e != 0 {
		return nil, e
	}
	r, e := k.resolve(base, p, !nofollow)
	if e != 0 {
		return nil, e
	}
	if r.devNull {
		return k.statFD(&openFile{kind: kindNull})
	}
	if r.devDir {
		return k.statFD(&openFile{kind: kindDir})
	}
	if !r.exists {
		return nil, ENOENT
	}
	fi := r.info
	if !nofollow && fi.Mode()&fs.ModeSymlink != 0 {
		var err error
		if fi, err = os.Stat(r.host()); err != nil {
			return nil, hostErrno(err)
		}
	}
	return infoOf(fi)
}

// encodeDev is the kernel's new_encode_dev of a host dev_t.
func encodeDev(d uint64) uint64 {
	major, minor := devMajor(d), devMinor(d)
	return minor&0xff | major<<8 | (minor&^0xff)<<12
}

func devMajor(d uint64) uint64 { return (d>>8)&0xfff | (d>>32)&^0xfff }
func devMinor(d uint64) uint64 { return d&0xff | (d>>12)&^0xff }

// putStat writes st as the platform's struct (layout "stat" or "stat64").
func (k *Kernel) putStat(addr uint64, layout string, st *statInfo) int64 {
	l, ok := layoutsOf(k.p.Name)[layout]
	if !ok {
		return ENOSYS
	}
	b := make([]byte, l.Size)
	vals := map[string]uint64{
		"st_dev": encodeDev(st.dev), "st_ino": st.ino, "st_mode": st.mode, "st_nlink": st.nlink,
		"st_uid": st.uid, "st_gid": st.gid, "st_rdev": encodeDev(st.rdev), "st_size": st.size,
		"st_blksize": st.blksize, "st_blocks": st.blocks,
		"st_atime": uint64(st.atime[0]), "st_atime_nsec": uint64(st.atime[1]),
		"st_mtime": uint64(st.mtime[0]), "st_mtime_nsec": uint64(st.mtime[1]),
		"st_ctime": uint64(st.ctime[0]), "st_ctime_nsec": uint64(st.ctime[1]),
	}
	for name, f := range l.Fields {
		v := vals[name]
		if f[1] < 8 && v>>(8*f[1]) != 0 && (name == "st_ino" || name == "st_size" || name == "st_blocks") {
			return EOVERFLOW
		}
		putUint(b[f[0]:], k.p.ByteOrder, int(f[1]), v)
	}
	return k.write(addr, b)
}

// statxBasic is STATX_BASIC_STATS: every field but btime and mnt_id.
const statxBasic = 0x7ff

func (k *Kernel) putStatx(addr uint64, st *statInfo) int64 {
	l := layoutsOf(k.p.Name)["statx"]
	b := make([]byte, l.Size)
	vals := map[string]uint64{
		"stx_mask": statxBasic, "stx_blksize": st.blksize, "stx_nlink": st.nlink,
		"stx_uid": st.uid, "stx_gid": st.gid, "stx_mode": st.mode, "stx_ino": st.ino,
		"stx_size": st.size, "stx_blocks": st.blocks,
		"stx_rdev_major": devMajor(st.rdev), "stx_rdev_minor": devMinor(st.rdev),
		"stx_dev_major": devMajor(st.dev), "stx_dev_minor": devMinor(st.dev),
	}
	times := map[string][2]int64{"stx_atime": st.atime, "stx_ctime": st.ctime, "stx_mtime": st.mtime}
	for name, f := range l.Fields {
		if t, ok := times[name]; ok {
			putUint(b[f[0]:], k.p.ByteOrder, 8, uint64(t[0]))
			putUint(b[f[0]+8:], k.p.ByteOrder, 4, uint64(t[1]))
			continue
		}
		if v, ok := vals[name]; ok {
			putUint(b[f[0]:], k.p.ByteOrder, int(f[1]), v)
		}
	}
	return k.write(addr, b)
}

func (k *Kernel) fstatInto(fd, buf uint64, layout string) int64 {
	of, e := k.fd(fd)
	if e != 0 {
		return -e
	}
	st, e := k.statFD(of)
	if e != 0 {
		return -e
	}
	return -k.putStat(buf, layout, st)
}

func (k *Kernel) statInto(dirfd, pathAddr, buf, flags uint64, layout string) int64 {
	c := k.c
	if flags&^(c.AT_SYMLINK_NOFOLLOW|c.AT_EMPTY_PATH|0x800 /* AT_NO_AUTOMOUNT */) != 0 {
		return -EINVAL
	}
	st, e := k.statPath(dirfd, pathAddr, flags&c.AT_SYMLINK_NOFOLLOW != 0, flags&c.AT_EMPTY_PATH != 0)
	if e != 0 {
		return -e
	}
	return -k.putStat(buf, layout, st)
}

// fstat(fd, buf) and fstat64(fd, buf).
func sysFstat(k *Kernel, a Args) (int64, error)   { return k.fstatInto(a[0], a[1], "stat"), nil }
func sysFstat64(k *Kernel, a Args) (int64, error) { return k.fstatInto(a[0], a[1], "stat64"), nil }

// stat(path, buf), lstat(path, buf), and their 64 forms.
func sysStat(k *Kernel, a Args) (int64, error) {
	return k.statInto(k.c.AT_FDCWD, a[0], a[1], 0, "stat"), nil
}
func sysLstat(k *Kernel, a Args) (int64, error) {
	return k.statInto(k.c.AT_FDCWD, a[0], a[1], k.c.AT_SYMLINK_NOFOLLOW, "stat"), nil
}
func sysStat64(k *Kernel, a Args) (int64, error) {
	return k.statInto(k.c.AT_FDCWD, a[0], a[1], 0, "stat64"), nil
}
func sysLstat64(k *Kernel, a Args) (int64, error) {
	return k.statInto(k.c.AT_FDCWD, a[0], a[1], k.c.AT_SYMLINK_NOFOLLOW, "stat64"), nil
}

// newfstatat(dirfd, path, buf, flags) and fstatat64(dirfd, path, buf, flags).
func sysNewfstatat(k *Kernel, a Args) (int64, error) {
	return k.statInto(a[0], a[1], a[2], a[3], "stat"), nil
}
func sysFstatat64(k *Kernel, a Args) (int64, error) {
	return k.statInto(a[0], a[1], a[2], a[3], "stat64"), nil
}

// sysStatx: statx(dirfd, path, flags, mask, buf); the basic stats, whatever
// the mask asks.
func sysStatx(k *Kernel, a Args) (int64, error) {
	c := k.c
	flags := a[2]
	st, e := k.statPath(a[0], a[1], flags&c.AT_SYMLINK_NOFOLLOW != 0, flags&c.AT_EMPTY_PATH != 0)
	if e != 0 {
		return -e, nil
	}
	return -k.putStatx(a[4], st), nil
}

// Statfs is what statfs and fstatfs report of every file system the
// guest sees: fixed, so a run does not depend on the host; an ext4 of
// 1 GiB in 4 KiB blocks, half free, with 65536 inodes of which 32768
// are free. Each path's own f_flags says whether it is read-only
// (everything but --allow-write directories, /dev/null and pipes).
var Statfs = struct {
	Type, Bsize, Blocks, Bfree, Bavail, Files, Ffree, Namelen uint64
}{Type: 0xef53 /* EXT4_SUPER_MAGIC, <linux/magic.h> */, Bsize: 4096, Blocks: 1 << 18, Bfree: 1 << 17,
	Bavail: 1 << 17, Files: 1 << 16, Ffree: 1 << 15, Namelen: 255}

// ST_RDONLY and ST_VALID of f_flags (the kernel's include/linux/statfs.h,
// the same on every platform).
const (
	stRdonly = 0x1
	stValid  = 0x20
)

// putStatfs writes Statfs as the platform's struct (layout "statfs" or
// "statfs64").
func (k *Kernel) putStatfs(addr uint64, layout string, readOnly bool) int64 {
	flags := uint64(stValid)
	if readOnly {
		flags |= stRdonly
	}
	s := Statfs
	return k.putStruct(addr, layout, map[string]uint64{
		"f_type": s.Type, "f_bsize": s.Bsize, "f_blocks": s.Blocks, "f_bfree": s.Bfree,
		"f_bavail": s.Bavail, "f_files": s.Files, "f_ffree": s.Ffree, "f_namelen": s.Namelen,
		"f_frsize": s.Bsize, "f_flags": flags,
	})
}

// statfsSize checks statfs64's and fstatfs64's size argument: the
// struct's size, or the one the ABI also takes (Table.statfs64Also).
func (k *Kernel) statfsSize(sz uint64) int64 {
	if l := layoutsOf(k.p.Name)["statfs64"]; sz != l.Size && (sz == 0 || sz != k.Table.statfs64Also) {
		return EINVAL
	}
	return 0
}

func (k *Kernel) statfsPath(addr, buf uint64, layout string) int64 {
	r, _, e := k.pathAt(k.c.AT_FDCWD, addr, true)
	switch {
	case e != 0:
		return -e
	case !r.exists:
		return -ENOENT
	}
	return -k.putStatfs(buf, layout, !r.writable)
}

func (k *Kernel) statfsFD(fd, buf uint64, layout string) int64 {
	of, e := k.fd(fd)
	if e != 0 {
		return -e
	}
	readOnly := false
	if of.f != nil {
		_, _, writable, _ := k.mountOf(of.guest)
		readOnly = !writable
	}
	return -k.putStatfs(buf, layout, readOnly)
}

// statfs(path, buf), fstatfs(fd, buf), statfs64(path, size, buf),
// fstatfs64(fd, size, buf): linux.Statfs.
func sysStatfs(k *Kernel, a Args) (int64, error)  { return k.statfsPath(a[0], a[1], "statfs"), nil }
func sysFstatfs(k *Kernel, a Args) (int64, error) { return k.statfsFD(a[0], a[1], "statfs"), nil }
func sysStatfs64(k *Kernel, a Args) (int64, error) {
	if e := k.statfsSize(a[1]); e != 0 {
		return -e, nil
	}
	return k.statfsPath(a[0], a[2], "statfs64"), nil
}
func sysFstatfs64(k *Kernel, a Args) (int64, error) {
	if e := k.statfsSize(a[1]); e != 0 {
		return -e, nil
	}
	return k.statfsFD(a[0], a[2], "statfs64"), nil
}
