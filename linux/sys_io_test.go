package linux_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/platform"
)

// oAppend is O_APPEND (<asm/fcntl.h>: MIPS's own, the generic one elsewhere).
func oAppend(p *platform.Platform) uint64 {
	if p.Machine == platform.MIPS.Machine {
		return 0x8
	}
	return 0x400
}

// preadv, pwritev and their 2 forms: the offset is two longs, low first,
// on every ABI (a 64-bit ABI ignores the high one); the descriptor's
// position stays.
func TestVectorIO(t *testing.T) {
	root, _ := sysroot(t)
	writable := t.TempDir()
	forEach(t, func(e *fakeenv.Env) {
		e.Proc.Sysroot = root
		e.Proc.AllowWrite = []string{writable}
	}, func(r *rig) {
		w := r.p.WordSize
		fd := uint64(r.open("/etc/hello", 0)) // "hello, guest\n"
		iov := uint64(memBase + 0x200)
		r.putWords(iov, w, memBase+0x100, 3, memBase+0x110, 4)
		r.want(r.call("preadv", fd, iov, 2, 7, 0), 6, "preadv(offset 7)")
		if got := string(r.get(memBase+0x100, 3)) + string(r.get(memBase+0x110, 3)); got != "guest\n" {
			r.t.Errorf("preadv read %q, want guest\\n", got)
		}
		far := int64(6) // the high long: ignored by a 64-bit ABI, past the end on a 32-bit one
		if w == 4 {
			far = 0
		}
		r.want(r.call("preadv", fd, iov, 2, 7, 1), far, "preadv(offset 7, high long 1)")
		r.want(r.call("read", fd, memBase+0x300, 5), 5, "read after preadv")
		if got := string(r.get(memBase+0x300, 5)); got != "hello" {
			r.t.Errorf("read after preadv: %q, want the position untouched", got)
		}
		neg := ^uint64(0)
		dir := uint64(r.open("/etc", 0))
		for _, c := range []idCall{
			{"preadv", []uint64{fd, iov, 2, neg, neg}, -linux.EINVAL},
			{"preadv", []uint64{77, iov, 2, 0, 0}, -linux.EBADF},
			{"preadv", []uint64{1, iov, 2, 0, 0}, -linux.ESPIPE},
			{"preadv", []uint64{dir, iov, 2, 0, 0}, -linux.EISDIR},
			{"preadv", []uint64{fd, 0x1000, 2, 0, 0}, -linux.EFAULT},
			{"preadv", []uint64{fd, iov, 2000, 0, 0}, -linux.EINVAL},
			{"pwritev", []uint64{fd, iov, 2, 0, 0}, -linux.EBADF},
			{"preadv2", []uint64{fd, iov, 2, 7, 0, 0}, 6},
			{"preadv2", []uint64{fd, iov, 2, 7, 0, 1}, -linux.EOPNOTSUPP},
			{"preadv2", []uint64{fd, iov, 2, ^uint64(1), neg, 0}, -linux.EINVAL},
			{"preadv2", []uint64{77, iov, 2, 0, 0, 0}, -linux.EBADF},
			{"preadv2", []uint64{fd, iov, 2, neg, neg, 0}, 7}, // -1: from the position, 5
		} {
			r.want(r.call(c.name, c.args...), c.want, c.name+"("+fmtArgs(c.args)+")")
		}
		if got := string(r.get(memBase+0x100, 3)) + string(r.get(memBase+0x110, 4)); got != ", guest" {
			r.t.Errorf("preadv2(-1) read %q, want \", guest\"", got)
		}
		r.want(r.call("pread64", r.with64([]uint64{dir, memBase, 4}, 0)...), -linux.EISDIR, "pread64(directory)")

		// Writing at offsets of a file under --allow-write.
		wronly, creat, trunc := oFlags(r.p)
		name := filepath.Join(writable, r.p.Name)
		wf := uint64(r.open(name, wronly|creat|trunc))
		r.want(r.call("write", wf, r.str(memBase+0x400, "0123456789"), 10), 10, "write")
		r.str(memBase+0x100, "ab")
		r.str(memBase+0x110, "cd")
		r.putWords(iov, w, memBase+0x100, 2, memBase+0x110, 2)
		r.want(r.call("pwritev", wf, iov, 2, 3, 0), 4, "pwritev(offset 3)")
		r.want(r.call("write", wf, r.str(memBase+0x400, "X"), 1), 1, "write after pwritev")
		r.want(r.call("pwritev2", wf, iov, 2, neg, neg, 0), 4, "pwritev2(-1): at the position")
		r.want(r.call("pwritev2", wf, iov, 2, 0, 0, 0x10), -linux.EOPNOTSUPP, "pwritev2(RWF_APPEND)")
		r.want(r.call("pwritev2", wf, iov, 2, 1, 0, 0), 4, "pwritev2(offset 1)")
		r.want(r.call("pwritev", wf, 0x1000, 1, 0, 0), -linux.EFAULT, "pwritev(unmapped iovecs)")
		r.want(r.call("pwritev", 1, iov, 2, 0, 0), -linux.ESPIPE, "pwritev(stdout)")
		if b, _ := os.ReadFile(name); string(b) != "0abcdcd789Xabcd" {
			r.t.Errorf("file holds %q, want 0abcdcd789Xabcd", b)
		}
		// O_APPEND: Linux appends whatever the offset.
		af := uint64(r.open(name, wronly|oAppend(r.p)))
		r.want(r.call("pwrite64", r.with64([]uint64{af, r.str(memBase+0x400, "zz"), 2}, 0)...), 2, "pwrite64(O_APPEND, offset 0)")
		if b, _ := os.ReadFile(name); string(b) != "0abcdcd789Xabcdzz" {
			r.t.Errorf("after pwrite64 with O_APPEND: %q", b)
		}
	})
}
