package linux_test

import (
	"bytes"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
)

// fadviseForm is how a platform's call passes posix_fadvise's
// arguments (each arch's syscall table and glibc's posix_fadvise.c):
// "long" fadvise64(fd, loff_t off, size_t len, advice); "64_64"
// (fd, loff_t off, loff_t len, advice), which MIPS o32's fadvise64 is
// (advice in the 7th word); "advice" (fd, advice, loff_t off, loff_t
// len): ARM's arm_fadvise64_64 and PPC32's fadvise64_64.
func fadviseForm(platform, name string) string {
	switch {
	case name == "arm_fadvise64_64", name == "fadvise64_64" && platform == "ppc":
		return "advice"
	case name == "fadvise64_64", platform == "mips" || platform == "mipsel":
		return "64_64"
	}
	return "long"
}

// fadviseArgs lays out a call's arguments as its libc does.
func (r *rig) fadviseArgs(form string, fd, off, length, advice uint64) []uint64 {
	switch form {
	case "advice":
		return r.with64(r.with64([]uint64{fd, advice}, off), length)
	case "64_64":
		return append(r.with64(r.with64([]uint64{fd}, off), length), advice)
	}
	return append(r.with64([]uint64{fd}, off), length, advice)
}

func TestSyncAndAdvice(t *testing.T) {
	root, _ := sysroot(t)
	forEach(t, func(e *fakeenv.Env) { e.Proc.Sysroot = root }, func(r *rig) {
		file := uint64(r.open("/etc/hello", 0))
		dir := uint64(r.open("/etc", 0))
		null := uint64(r.open("/dev/null", 0))
		rd, wr := r.pipe(0)
		const dontneed, off, length = 4, 0x1000, 0x2000 // off and length are no advice: a misplaced advice fails
		n := 0
		for _, name := range []string{"fadvise64", "fadvise64_64", "arm_fadvise64_64"} {
			if !r.has(name) {
				continue
			}
			n++
			form := fadviseForm(r.p.Name, name)
			call := func(fd, off, length, advice uint64) int64 {
				r.t.Helper()
				return r.call(name, r.fadviseArgs(form, fd, off, length, advice)...)
			}
			r.want(call(file, off, length, dontneed), 0, name+"(file, DONTNEED)")
			r.want(call(file, 0, 0, 99), -linux.EINVAL, name+"(file, advice 99)")
			r.want(call(dir, off, length, 0), 0, name+"(directory)")
			r.want(call(null, off, length, 2), 0, name+"(/dev/null)")
			r.want(call(rd, 0, 0, dontneed), -linux.ESPIPE, name+"(pipe)")
			r.want(call(0, 0, 0, dontneed), -linux.ESPIPE, name+"(stdin, a buffer: a pipe)")
			r.want(call(77, 0, 0, dontneed), -linux.EBADF, name+"(77)")
			// A negative length is EINVAL; a 32-bit size_t is never negative.
			neg := int64(-linux.EINVAL)
			if form == "long" && r.p.WordSize == 4 {
				neg = 0
			}
			r.want(call(file, off, ^uint64(0), dontneed), neg, name+"(length -1)")
		}
		if n == 0 {
			r.t.Errorf("no fadvise call")
		}
		readahead := func(fd uint64) int64 {
			r.t.Helper()
			return r.call("readahead", append(r.with64([]uint64{fd}, 0x10), 100)...)
		}
		r.want(readahead(file), 0, "readahead(file)")
		r.want(readahead(null), -linux.EINVAL, "readahead(/dev/null)")
		r.want(readahead(dir), -linux.EINVAL, "readahead(directory)")
		r.want(readahead(rd), -linux.EINVAL, "readahead(pipe)")
		r.want(readahead(wr), -linux.EBADF, "readahead(write end)")
		r.want(readahead(77), -linux.EBADF, "readahead(77)")
		if r.has("sync") {
			r.want(r.call("sync"), 0, "sync")
		}
		r.want(r.call("syncfs", file), 0, "syncfs")
		r.want(r.call("syncfs", 77), -linux.EBADF, "syncfs(77)")
	})
}

// mcl are MCL_CURRENT, MCL_FUTURE and MCL_ONFAULT: PowerPC's own
// (arch/powerpc/include/uapi/asm/mman.h), the generic ones elsewhere.
func mcl(platform string) (current, future, onfault uint64) {
	switch platform {
	case "ppc", "ppc64", "ppc64le":
		return 0x2000, 0x4000, 0x8000
	}
	return 1, 2, 4
}

// MS_ASYNC 1, MS_INVALIDATE 2, MS_SYNC 4 and MLOCK_ONFAULT 1 everywhere.
func TestMemoryAdvice(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		const unmapped, end = 0x7000000, memBase + memSize
		cur, fut, onf := mcl(r.p.Name)
		for _, c := range []idCall{
			{"msync", []uint64{memBase, 0x2000, 4}, 0},
			{"msync", []uint64{memBase, 0x2000, 1 | 2}, 0},
			{"msync", []uint64{memBase, 0, 0}, 0},
			{"msync", []uint64{memBase + 1, 0x1000, 4}, -linux.EINVAL},
			{"msync", []uint64{memBase, 0x1000, 1 | 4}, -linux.EINVAL},
			{"msync", []uint64{memBase, 0x1000, 0x100}, -linux.EINVAL},
			{"msync", []uint64{unmapped, 0x1000, 4}, -linux.ENOMEM},
			{"msync", []uint64{end - 0x1000, 0x1001, 4}, -linux.ENOMEM},
			{"mlock", []uint64{memBase + 5, 0x100}, 0},
			{"mlock", []uint64{end - 0x1000, 0x1000}, 0},
			{"mlock", []uint64{end - 0x1000, 0x1001}, -linux.ENOMEM},
			{"mlock", []uint64{unmapped, 1}, -linux.ENOMEM},
			{"munlock", []uint64{memBase, 0x3000}, 0},
			{"munlock", []uint64{unmapped, 0x1000}, -linux.ENOMEM},
			{"mlock2", []uint64{memBase, 0x1000, 1}, 0},
			{"mlock2", []uint64{memBase, 0x1000, 2}, -linux.EINVAL},
			{"mlock2", []uint64{unmapped, 0x1000, 0}, -linux.ENOMEM},
			{"mlockall", []uint64{cur | fut}, 0},
			{"mlockall", []uint64{cur | onf}, 0},
			{"mlockall", []uint64{0}, -linux.EINVAL},
			{"mlockall", []uint64{onf}, -linux.EINVAL},
			{"mlockall", []uint64{0x10000}, -linux.EINVAL},
			{"munlockall", nil, 0},
			{"mincore", []uint64{memBase + 1, 0x1000, memBase}, -linux.EINVAL},
			{"mincore", []uint64{unmapped, 0x1000, memBase}, -linux.ENOMEM},
			{"mincore", []uint64{end - 0x1000, 0x2000, memBase}, -linux.ENOMEM},
			{"mincore", []uint64{memBase, 0x1000, 0x1000}, -linux.EFAULT},
		} {
			r.want(r.call(c.name, c.args...), c.want, c.name+"("+fmtArgs(c.args)+")")
		}
		vec := uint64(memBase + 0x800)
		r.put(vec, bytes.Repeat([]byte{0xee}, 8))
		r.want(r.call("mincore", memBase, 0x2001, vec), 0, "mincore(3 pages)")
		if got := r.get(vec, 4); !bytes.Equal(got, []byte{1, 1, 1, 0xee}) {
			r.t.Errorf("mincore vector % x, want 01 01 01 and nothing more", got)
		}
	})
}
