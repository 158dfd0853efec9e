package linux_test

import (
	"strings"
	"testing"

	"github.com/smallworld-go/smallworld/internal/fakeenv"
	"github.com/smallworld-go/smallworld/linux"
	"github.com/smallworld-go/smallworld/platform"
)

// oNonblock is O_NONBLOCK of <asm/fcntl.h>.
func oNonblock(p *platform.Platform) uint64 {
	if p.Machine == platform.MIPS.Machine {
		return 0x80
	}
	return 0x800
}

// pipe makes a pipe with pipe2 and returns its read and write ends.
func (r *rig) pipe(flags uint64) (uint64, uint64) {
	r.t.Helper()
	r.want(r.call("pipe2", memBase+0x4000, flags), 0, "pipe2")
	return r.uint(memBase+0x4000, 4), r.uint(memBase+0x4004, 4)
}

func TestPipes(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		rd, wr := r.pipe(0)
		if rd != 3 || wr != 4 {
			r.t.Fatalf("pipe2: fds %d %d", rd, wr)
		}
		r.str(memBase, "hello")
		r.want(r.call("write", wr, memBase, 5), 5, "write to the pipe")
		r.want(r.call("ioctl", rd, fionread(r.p), memBase+0x100), 0, "FIONREAD")
		if n := r.uint(memBase+0x100, 4); n != 5 {
			r.t.Errorf("FIONREAD = %d", n)
		}
		r.want(r.call("read", rd, memBase+0x200, 3), 3, "read 3")
		r.want(r.call("read", rd, memBase+0x203, 100), 2, "read the rest")
		if got := string(r.get(memBase+0x200, 5)); got != "hello" {
			r.t.Errorf("read back %q", got)
		}
		r.want(r.call("read", wr, memBase, 1), -linux.EBADF, "read the write end")
		r.want(r.call("write", rd, memBase, 1), -linux.EBADF, "write the read end")
		r.want(r.call("lseek", rd, 0, 0), -linux.ESPIPE, "lseek on a pipe")
		// An empty pipe with a writer: the one thread would wait for ever.
		var blocked *linux.BlockedError
		r.stopped("read", &blocked, rd, memBase, 1)
		if blocked == nil || !strings.Contains(blocked.Error(), "pipe") {
			r.t.Errorf("blocked read: %v", blocked)
		}
		// Nonblocking: EAGAIN instead (fcntl F_SETFL, or pipe2's flag).
		fcntl := r.first("fcntl64", "fcntl")
		r.want(r.call(fcntl, rd, 4 /* F_SETFL */, oNonblock(r.p)), 0, "F_SETFL O_NONBLOCK")
		r.want(r.call("read", rd, memBase, 1), -linux.EAGAIN, "read an empty nonblocking pipe")
		r.want(r.call(fcntl, rd, 3 /* F_GETFL */), int64(oNonblock(r.p)), "F_GETFL")
		// No writer left: end of file.
		r.want(r.call("write", wr, memBase, 2), 2, "write 2")
		r.want(r.call("close", wr), 0, "close the write end")
		r.want(r.call("read", rd, memBase, 10), 2, "read what was left")
		r.want(r.call("read", rd, memBase, 10), 0, "read at end of file")
		r.want(r.call("close", rd), 0, "close the read end")
		// A full pipe: EAGAIN if nonblocking, else the run stops.
		rd, wr = r.pipe(oNonblock(r.p))
		r.want(r.call("write", wr, memBase, 0x8000), 0x8000, "write 32 KiB")
		r.want(r.call("write", wr, memBase, 0x8000), 0x8000, "write 32 KiB more")
		r.want(r.call("write", wr, memBase, 1), -linux.EAGAIN, "write to a full nonblocking pipe")
		r.want(r.call("read", rd, memBase, 0x8000), 0x8000, "read 32 KiB")
		r.want(r.call(fcntl, wr, 4 /* F_SETFL */, 0), 0, "F_SETFL 0")
		r.stopped("write", &blocked, wr, memBase, 0x8001)
		// dup keeps an end open.
		dup := uint64(r.call("dup", rd))
		r.want(r.call("close", rd), 0, "close the read end (a dup remains)")
		r.want(r.call("write", wr, memBase, 1), 1, "write with the dup reading")
		r.want(r.call("close", dup), 0, "close the dup")
		// No reader: SIGPIPE, whose default action ends the run; EPIPE.
		r.want(r.call("write", wr, memBase, 1), -linux.EPIPE, "write with no reader")
		if !r.env.Killed || r.env.Signal != 13 {
			r.t.Errorf("SIGPIPE: killed %v signal %d", r.env.Killed, r.env.Signal)
		}
		// Errors.
		r.want(r.call("pipe2", 0x1000, 0), -linux.EFAULT, "pipe2(unmapped)")
		r.want(r.call("pipe2", memBase, 0x1), -linux.EINVAL, "pipe2(bad flags)")
		if _, ok := r.k.Table.Calls[r.no("pipe2")]; ok && r.has("pipe") {
			if r.p.Machine == platform.MIPS.Machine {
				// MIPS: the read end in v0, the write end in v1.
				fd := r.call("pipe")
				v1 := r.env.CPU.MustGet("v1")
				if fd < 0 || r.call(fcntl, uint64(fd), 3) != 0 || r.call(fcntl, v1, 3) != 1 {
					r.t.Errorf("MIPS pipe: v0 %d v1 %d", fd, v1)
				}
			} else {
				r.want(r.call("pipe", memBase+0x4000), 0, "pipe")
				r.want(r.call("pipe", 0x1000), -linux.EFAULT, "pipe(unmapped)")
			}
		}
	})
}

// fionread is FIONREAD of <asm/ioctls.h>.
func fionread(p *platform.Platform) uint64 {
	switch p.Machine {
	case platform.MIPS.Machine:
		return 0x467f
	case platform.PPC.Machine, platform.PPC64.Machine:
		return 0x4004667f
	}
	return 0x541b
}

// pollfds writes struct pollfd {int fd; short events, revents} entries.
func (r *rig) pollfds(addr uint64, fds ...[2]uint64) {
	for i, f := range fds {
		r.putWords(addr+uint64(8*i), 4, f[0])
		r.putWords(addr+uint64(8*i)+4, 2, f[1], 0)
	}
}

func (r *rig) revents(addr uint64, i int) uint64 { return r.uint(addr+uint64(8*i)+6, 2) }

func TestPoll(t *testing.T) {
	forEach(t, func(e *fakeenv.Env) { e.In = strings.NewReader("typed") }, func(r *rig) {
		const pollin, pollout, pollhup, pollnval = 1, 4, 0x10, 0x20
		rd, wr := r.pipe(0)
		fds := uint64(memBase + 0x100)
		r.pollfds(fds, [2]uint64{0, pollin}, [2]uint64{1, pollout}, [2]uint64{77, pollin},
			[2]uint64{0xffffffff, pollin}, [2]uint64{rd, pollin}, [2]uint64{wr, pollout})
		poll := func(fds, n uint64, ms int64) int64 {
			if r.has("poll") {
				return r.call("poll", fds, n, uint64(ms))
			}
			if ms < 0 {
				return r.call("ppoll", fds, n, 0, 0, 8)
			}
			r.putWords(memBase+0x300, r.p.WordSize, uint64(ms/1000), uint64(ms%1000*1e6))
			return r.call("ppoll", fds, n, memBase+0x300, 0, 8)
		}
		r.want(poll(fds, 6, 0), 4, "poll: stdin, stdout, a bad fd, the write end")
		for i, want := range []uint64{pollin, pollout, pollnval, 0, 0, pollout} {
			if got := r.revents(fds, i); got != want {
				r.t.Errorf("revents[%d] = %#x, want %#x", i, got, want)
			}
		}
		// An empty pipe: a timeout passes at once; none ready for ever stops.
		r.pollfds(fds, [2]uint64{rd, pollin})
		r.want(poll(fds, 1, 0), 0, "poll(empty pipe, 0)")
		r.want(poll(fds, 1, 1500), 0, "poll(empty pipe, 1.5 s)")
		var blocked *linux.BlockedError
		if r.has("poll") {
			r.stopped("poll", &blocked, fds, 1, ^uint64(0))
		} else {
			r.stopped("ppoll", &blocked, fds, 1, 0, 0, 8)
		}
		r.want(r.call("write", wr, memBase, 1), 1, "write to the pipe")
		r.want(poll(fds, 1, -1), 1, "poll(pipe with data)")
		r.want(int64(r.revents(fds, 0)), pollin, "revents of the pipe")
		r.want(r.call("close", wr), 0, "close the write end")
		r.want(r.call("read", rd, memBase, 1), 1, "read the byte")
		r.want(poll(fds, 1, -1), 1, "poll(pipe with no writer)")
		r.want(int64(r.revents(fds, 0)), pollhup, "revents: POLLHUP")
		// A regular file is always ready.
		r.want(poll(0x1000, 1, 0), -linux.EFAULT, "poll(unmapped)")
		r.want(poll(fds, 5000, 0), -linux.EINVAL, "poll(5000 fds)")
		// ppoll: its timeout is checked, and written back when it expires.
		r.pollfds(fds, [2]uint64{5, pollin})
		ts := uint64(memBase + 0x300)
		r.putWords(ts, r.p.WordSize, 0, 5e8)
		if r.has("ppoll") {
			r.want(r.call("ppoll", fds, 1, ts, 0, 8), 1, "ppoll(bad fd 5)")
			rd2, _ := r.pipe(0)
			r.pollfds(fds, [2]uint64{rd2, pollout})
			r.want(r.call("ppoll", fds, 1, ts, 0, 8), 0, "ppoll(read end for output)")
			if r.uint(ts+uint64(r.p.WordSize), r.p.WordSize) != 0 {
				r.t.Errorf("ppoll left the timeout")
			}
			r.putWords(ts, r.p.WordSize, 0, 2e9)
			r.want(r.call("ppoll", fds, 1, ts, 0, 8), -linux.EINVAL, "ppoll(nsec 2e9)")
			r.want(r.call("ppoll", fds, 1, 0, memBase, 3), -linux.EINVAL, "ppoll(sigsetsize 3)")
		}
		if r.has("ppoll_time64") {
			r.putWords(ts, 8, 0, 0) // fds: the second pipe's read end, for output
			r.want(r.call("ppoll_time64", fds, 1, ts, 0, 8), 0, "ppoll_time64")
		}
	})
}

// fdset writes an fd_set of the guest's longs with the given bits.
func (r *rig) fdset(addr uint64, fds ...uint64) {
	w := r.p.WordSize
	words := make([]uint64, 128/w)
	for _, fd := range fds {
		words[fd/uint64(8*w)] |= 1 << (fd % uint64(8*w))
	}
	r.putWords(addr, w, words...)
}

func (r *rig) isSet(addr, fd uint64) bool {
	w := uint64(r.p.WordSize)
	return r.uint(addr+fd/(8*w)*w, int(w))>>(fd%(8*w))&1 != 0
}

func TestSelect(t *testing.T) {
	forEach(t, nil, func(r *rig) {
		rd, wr := r.pipe(0)
		rs, ws, xs, tv := uint64(memBase+0x100), uint64(memBase+0x200), uint64(memBase+0x300), uint64(memBase+0x400)
		w := r.p.WordSize
		sel := func(nfds uint64) int64 {
			r.putWords(tv, w, 0, 0)
			switch {
			case r.p.Name == "i386": // old_select: the arguments in memory
				r.putWords(memBase+0x500, 4, nfds, rs, ws, xs, tv)
				return r.call("select", memBase+0x500)
			case r.has("_newselect"):
				return r.call("_newselect", nfds, rs, ws, xs, tv)
			case r.has("select"):
				return r.call("select", nfds, rs, ws, xs, tv)
			}
			return r.call("pselect6", nfds, rs, ws, xs, tv, 0)
		}
		r.fdset(rs, 0, rd)
		r.fdset(ws, 1, wr)
		r.fdset(xs)
		r.want(sel(wr+1), 3, "select: stdin readable, stdout and the write end writable")
		if !r.isSet(rs, 0) || r.isSet(rs, rd) || !r.isSet(ws, 1) || !r.isSet(ws, wr) {
			r.t.Errorf("select sets: read %#x write %#x", r.uint(rs, w), r.uint(ws, w))
		}
		r.fdset(rs, rd)
		r.fdset(ws)
		r.want(sel(wr+1), 0, "select: an empty pipe, timeout 0")
		r.want(r.call("write", wr, memBase, 1), 1, "write to the pipe")
		r.fdset(rs, rd)
		r.want(sel(wr+1), 1, "select: the pipe has data")
		if r.p.Machine == platform.PPC.Machine || r.p.Machine == platform.PPC64.Machine {
			// PowerPC's select: the old form when the first argument is a pointer.
			r.fdset(rs, rd)
			r.putWords(tv, w, 0, 0)
			r.putWords(memBase+0x500, w, rd+1, rs, 0, 0, tv)
			r.want(r.call("select", memBase+0x500), 1, "ppc select, old form")
			r.want(r.call("select", rd+1, rs, 0, 0, tv), 1, "ppc select, new form")
		}
		r.fdset(rs, 9)
		r.want(sel(10), -linux.EBADF, "select on fd 9")
		r.want(r.call("pselect6", 10, 0x1000, 0, 0, 0, 0), -linux.EFAULT, "pselect6(unmapped set)")
		r.want(r.call("pselect6", ^uint64(0), 0, 0, 0, 0, 0), -linux.EINVAL, "pselect6(nfds -1)")
		r.fdset(rs, rd)
		r.putWords(tv, w, 1, 0)
		r.want(r.call("pselect6", rd+1, rs, 0, 0, tv, 0), 1, "pselect6")
		if r.has("pselect6_time64") {
			r.putWords(tv, 8, 0, 0)
			r.want(r.call("pselect6_time64", rd+1, rs, 0, 0, tv, 0), 1, "pselect6_time64")
		}
	})
}
