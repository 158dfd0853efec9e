package linux

import (
	"io"
	"syscall"
	"unsafe"
)

// Pipes and waiting for descriptors (poll, select).
//
// A pipe is a buffer inside the layer: what the guest writes to one end
// it reads back from the other. The guest has one thread, so a call that
// would wait for another party that can never act (reading an empty pipe
// whose write end is open, writing to a full one, polling descriptors of
// which none is ready and none is the host's stdin, with no timeout)
// stops the run with a BlockedError instead of hanging. A timeout passes
// at once, as sleeps do. The host's stdin, when it is a host file, is
// waited for on the host, as read waits for it.

// pipeCap is a pipe's capacity (Linux's default, 16 pages).
const pipeCap = 65536

// pipeBuf is PIPE_BUF: writes up to this size are all or nothing.
const pipeBuf = 4096

type pipe struct {
	buf              []byte
	readers, writers int // open file descriptions of each end
}

// Read and Write are the ends' reader and writer once pipeWait has said
// the call need not wait: an empty pipe with no writer reads as EOF.
func (p *pipe) Read(b []byte) (int, error) {
	if len(p.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	if len(p.buf) == 0 {
		p.buf = nil
	}
	return n, nil
}

func (p *pipe) Write(b []byte) (int, error) {
	n := min(len(b), pipeCap-len(p.buf))
	p.buf = append(p.buf, b[:n]...)
	return n, nil
}

// release drops an end whose last descriptor closed.
func (p *pipe) release(kind fileKind) {
	switch {
	case p == nil:
	case kind == kindPipeR:
		p.readers--
	case kind == kindPipeW:
		p.writers--
	}
}

// pipeWait decides a read or write of n bytes on a pipe end before it is
// made: wait says the call ends here, with ret (or a Go error that stops
// the run). A write with no reader raises SIGPIPE and fails with EPIPE.
func (k *Kernel) pipeWait(of *openFile, n uint64) (ret int64, err error, wait bool) {
	if of.pipe == nil || n == 0 {
		return 0, nil, false
	}
	p, nonblock := of.pipe, of.flags&k.c.O_NONBLOCK != 0
	switch of.kind {
	case kindPipeR:
		if len(p.buf) > 0 || p.writers == 0 {
			return 0, nil, false
		}
		if nonblock {
			return -EAGAIN, nil, true
		}
		return 0, &BlockedError{Call: "read of an empty pipe whose write end is open"}, true
	case kindPipeW:
		if p.readers == 0 {
			if _, err := k.raise(k.signalNumber("SIGPIPE"), k.c.SI_USER); err != nil {
				return 0, err, true
			}
			return -EPIPE, nil, true
		}
		space := uint64(pipeCap - len(p.buf))
		switch {
		case n <= space:
			return 0, nil, false
		case nonblock && space > 0 && n > pipeBuf:
			return 0, nil, false // a partial write
		case nonblock:
			return -EAGAIN, nil, true
		}
		return 0, &BlockedError{Call: "write to a full pipe nobody reads"}, true
	}
	return 0, nil, false
}

// signalNumber is the platform's number of a signal name.
func (k *Kernel) signalNumber(name string) int {
	for s := 1; s <= k.nsig(); s++ {
		if SignalName(k.p, s) == name {
			return s
		}
	}
	return 0
}

// pipe2 makes a pipe and returns its descriptors.
func (k *Kernel) pipe2(flags uint64) (rfd, wfd int64, errno int64) {
	c := k.c
	if flags&^(c.O_CLOEXEC|c.O_NONBLOCK|c.O_DIRECT) != 0 {
		return 0, 0, EINVAL
	}
	p := &pipe{readers: 1, writers: 1}
	keep := flags & c.O_NONBLOCK
	cloexec := flags&c.O_CLOEXEC != 0
	rfd = k.newFD(&openFile{kind: kindPipeR, guest: "pipe:", pipe: p, read: true, flags: c.O_RDONLY | keep, refs: 1}, cloexec, 0)
	if rfd < 0 {
		return 0, 0, -rfd
	}
	wfd = k.newFD(&openFile{kind: kindPipeW, guest: "pipe:", pipe: p, wr: true, flags: c.O_WRONLY | keep, refs: 1}, cloexec, 0)
	if wfd < 0 {
		k.closeFD(int(rfd))
		return 0, 0, -wfd
	}
	return rfd, wfd, 0
}

// sysPipe2: pipe2(int fds[2], flags); flags O_CLOEXEC, O_NONBLOCK,
// O_DIRECT (accepted, the pipe is not packetised).
func sysPipe2(k *Kernel, a Args) (int64, error) {
	r, w, e := k.pipe2(a[1])
	if e != 0 {
		return -e, nil
	}
	if e := k.putWords(a[0], 4, uint64(r), uint64(w)); e != 0 {
		k.closeFD(int(r))
		k.closeFD(int(w))
		return -e, nil
	}
	return 0, nil
}

// sysPipe: pipe(int fds[2]).
func sysPipe(k *Kernel, a Args) (int64, error) { return sysPipe2(k, Args{a[0]}) }

// sysPipeMIPS: MIPS's pipe() takes no argument and returns the read end
// in v0 and the write end in v1.
func sysPipeMIPS(k *Kernel, a Args) (int64, error) {
	r, w, e := k.pipe2(0)
	if e != 0 {
		return -e, nil
	}
	v1, err := k.Env.RegID("v1")
	if err == nil {
		err = k.Env.WriteReg(v1, uint64(w))
	}
	if err != nil {
		return 0, err
	}
	return r, nil
}

// ready returns the poll events a descriptor has now (whatever the guest
// asked for); host says the answer is the host stdin's to give.
func (k *Kernel) ready(fd int64) (ev uint64, host int) {
	c := k.c
	in, out := c.POLLIN|c.POLLRDNORM, c.POLLOUT|c.POLLWRNORM
	e := k.fds[int(fd)]
	if e == nil || fd < 0 {
		return c.POLLNVAL, -1
	}
	switch of := e.of; of.kind {
	case kindStdin:
		if f := k.hostFile(of); f != nil {
			return 0, int(f.Fd())
		}
		return in, -1 // a buffer: a read returns data or end of file at once
	case kindStdout, kindStderr:
		return out, -1
	case kindPipeR:
		if len(of.pipe.buf) > 0 {
			ev |= in
		}
		if of.pipe.writers == 0 {
			ev |= c.POLLHUP
		}
		return ev, -1
	case kindPipeW:
		if of.pipe.readers == 0 {
			return out | c.POLLERR, -1
		}
		if len(of.pipe.buf) < pipeCap {
			return out, -1
		}
		return 0, -1
	}
	return in | out, -1 // files, directories, /dev/null
}

// hostPoll polls host descriptors for input; timeout < 0 waits for ever.
// It returns each one's events.
func hostPoll(fds []int, timeout int) ([]uint64, int64) {
	type pollfd struct {
		fd             int32
		events, revent int16
	}
	p := make([]pollfd, len(fds))
	for i, fd := range fds {
		p[i] = pollfd{fd: int32(fd), events: 1 /* POLLIN on the host */}
	}
	var ts *syscall.Timespec
	if timeout >= 0 {
		ts = &syscall.Timespec{Sec: int64(timeout / 1000), Nsec: int64(timeout%1000) * 1e6}
	}
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
			uintptr(unsafe.Pointer(ts)), 0, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return nil, int64(errno)
		}
		break
	}
	out := make([]uint64, len(fds))
	for i := range p {
		out[i] = uint64(uint16(p[i].revent))
	}
	return out, 0
}

// hostEvents turns the host's poll events (amd64 numbering) into the
// guest's.
func (k *Kernel) hostEvents(h uint64) uint64 {
	var ev uint64
	for _, m := range [][2]uint64{{0x1, k.c.POLLIN | k.c.POLLRDNORM}, {0x8, k.c.POLLERR}, {0x10, k.c.POLLHUP}} {
		if h&m[0] != 0 {
			ev |= m[1]
		}
	}
	return ev
}

// pollAll returns the events of each descriptor, masked by want (plus
// the events always reported), and how many have any. forever says
// there is no timeout: with none ready, the host's stdin is waited for
// if it is among them, else the run stops.
func (k *Kernel) pollAll(call string, fds []int64, want []uint64, forever bool) ([]uint64, int, error, int64) {
	c := k.c
	always := c.POLLERR | c.POLLHUP | c.POLLNVAL
	got := make([]uint64, len(fds))
	hostFDs, hostAt := []int{}, []int{}
	for i, fd := range fds {
		if fd < 0 {
			continue
		}
		ev, h := k.ready(fd)
		got[i] = ev
		if h >= 0 {
			hostFDs, hostAt = append(hostFDs, h), append(hostAt, i)
		}
	}
	count := func() int {
		n := 0
		for i := range got {
			got[i] &= want[i] | always
			if got[i] != 0 {
				n++
			}
		}
		return n
	}
	askHost := func(timeout int) int64 {
		if len(hostFDs) == 0 {
			return 0
		}
		evs, e := hostPoll(hostFDs, timeout)
		if e != 0 {
			return e
		}
		for j, i := range hostAt {
			got[i] |= k.hostEvents(evs[j])
		}
		return 0
	}
	if e := askHost(0); e != 0 {
		return nil, 0, nil, e
	}
	n := count()
	if n > 0 || !forever {
		return got, n, nil, 0
	}
	if len(hostFDs) == 0 {
		return nil, 0, &BlockedError{Call: call + " with no descriptor ready and no timeout"}, 0
	}
	if e := askHost(-1); e != 0 {
		return nil, 0, nil, e
	}
	return got, count(), nil, 0
}

// poll reads struct pollfd {int fd; short events; short revents} (8
// bytes on every platform), polls and writes revents back.
func (k *Kernel) poll(call string, addr, nfds uint64, forever bool) (int64, error) {
	if nfds > maxFDs {
		return -EINVAL, nil
	}
	raw, e := k.read(addr, int(nfds)*8)
	if e != 0 {
		return -e, nil
	}
	o := k.p.ByteOrder
	fds, want := make([]int64, nfds), make([]uint64, nfds)
	for i := range fds {
		fds[i] = int64(int32(o.Uint32(raw[8*i:])))
		want[i] = uint64(o.Uint16(raw[8*i+4:]))
	}
	got, n, err, e := k.pollAll(call, fds, want, forever)
	if err != nil || e != 0 {
		return -e, err
	}
	for i := range fds {
		o.PutUint16(raw[8*i+6:], uint16(got[i]))
	}
	if e := k.write(addr, raw); e != 0 {
		return -e, nil
	}
	return int64(n), nil
}

// sysPoll: poll(fds, nfds, int timeout in ms); negative waits for ever.
func sysPoll(k *Kernel, a Args) (int64, error) {
	return k.poll("poll", a[0], a[1], int32(a[2]) < 0)
}

// timeout reads a struct timespec (fields of size bytes; usec: a struct
// timeval) at addr: 0 is none (wait for ever).
func (k *Kernel) timeout(addr uint64, size int, usec bool) (forever bool, errno int64) {
	if addr == 0 {
		return true, 0
	}
	b, e := k.read(addr, 2*size)
	if e != 0 {
		return false, e
	}
	sec, frac := int64(decode(k, b, size)), int64(decode(k, b[size:], size))
	if size == 4 {
		sec, frac = int64(int32(sec)), int64(int32(frac))
	}
	limit := int64(1e9)
	if usec {
		limit = 1e6
	}
	if sec < 0 || frac < 0 || frac >= limit {
		return false, EINVAL
	}
	return false, 0
}

// expire writes a timeout back as all used: Linux leaves the time left
// there, and here a timeout passes at once.
func (k *Kernel) expire(addr uint64, size int) {
	if addr != 0 {
		k.putWords(addr, size, 0, 0)
	}
}

func (k *Kernel) ppoll(a Args, size int) (int64, error) {
	forever, e := k.timeout(a[2], size, false)
	if e != 0 {
		return -e, nil
	}
	if a[3] != 0 && a[4] != uint64(k.sigsetSize()) {
		return -EINVAL, nil
	}
	return k.withMask(a[3], func() (int64, error) {
		n, err := k.poll("ppoll", a[0], a[1], forever)
		if n == 0 && err == nil {
			k.expire(a[2], size)
		}
		return n, err
	})
}

// ppoll(fds, nfds, timespec *, sigmask, sigsetsize): the mask holds
// for the call; a pending signal it lets through is delivered first.
func sysPpoll(k *Kernel, a Args) (int64, error)   { return k.ppoll(a, k.word()) }
func sysPpoll64(k *Kernel, a Args) (int64, error) { return k.ppoll(a, 8) }

// selectFDs does select's work on fd_set bitmaps of the guest's longs.
func (k *Kernel) selectFDs(call string, nfds int64, sets [3]uint64, forever bool) (int64, error) {
	if nfds < 0 {
		return -EINVAL, nil
	}
	nfds = min(nfds, maxFDs)
	w := k.word()
	words := int((nfds + int64(8*w) - 1) / int64(8*w))
	var bits [3][]byte
	for s, addr := range sets {
		if addr == 0 || words == 0 {
			continue
		}
		b, e := k.read(addr, words*w)
		if e != 0 {
			return -e, nil
		}
		bits[s] = b
	}
	isSet := func(b []byte, fd int) bool {
		word := decode(k, b[fd/(8*w)*w:], w)
		return word>>(fd%(8*w))&1 != 0
	}
	c := k.c
	masks := [3]uint64{c.POLLIN | c.POLLRDNORM | c.POLLHUP | c.POLLERR, c.POLLOUT | c.POLLWRNORM | c.POLLERR, c.POLLPRI}
	var fds []int64
	var want []uint64
	for fd := 0; fd < int(nfds); fd++ {
		var m uint64
		for s := range bits {
			if bits[s] != nil && isSet(bits[s], fd) {
				m |= masks[s]
			}
		}
		if m == 0 {
			continue
		}
		if k.fds[fd] == nil {
			return -EBADF, nil
		}
		fds, want = append(fds, int64(fd)), append(want, m)
	}
	got, _, err, e := k.pollAll(call, fds, want, forever)
	if err != nil || e != 0 {
		return -e, err
	}
	var out [3][]byte
	n := int64(0)
	for s := range bits {
		if bits[s] != nil {
			out[s] = make([]byte, len(bits[s]))
		}
	}
	for i, fd := range fds {
		for s := range bits {
			if out[s] == nil || !isSet(bits[s], int(fd)) || got[i]&masks[s] == 0 {
				continue
			}
			at := int(fd) / (8 * w) * w
			word := decode(k, out[s][at:], w) | 1<<(int(fd)%(8*w))
			putUint(out[s][at:], k.p.ByteOrder, w, word)
			n++
		}
	}
	for s := range out {
		if out[s] != nil {
			if e := k.write(sets[s], out[s]); e != 0 {
				return -e, nil
			}
		}
	}
	return n, nil
}

// select(nfds, readfds, writefds, exceptfds, struct timeval *).
func (k *Kernel) selectCall(nfds, r, w, x, tv uint64) (int64, error) {
	forever, e := k.timeout(tv, k.word(), true)
	if e != 0 {
		return -e, nil
	}
	n, err := k.selectFDs("select", k.sfd(nfds), [3]uint64{r, w, x}, forever)
	if n == 0 && err == nil {
		k.expire(tv, k.word())
	}
	return n, err
}

func sysSelect(k *Kernel, a Args) (int64, error) { return k.selectCall(a[0], a[1], a[2], a[3], a[4]) }

// sysOldSelect: i386's select(struct sel_arg_struct *): the five
// arguments in memory.
func sysOldSelect(k *Kernel, a Args) (int64, error) {
	w := k.word()
	b, e := k.read(a[0], 5*w)
	if e != 0 {
		return -e, nil
	}
	v := func(i int) uint64 { return decode(k, b[i*w:], w) }
	return k.selectCall(v(0), v(1), v(2), v(3), v(4))
}

// sysPPCSelect: PowerPC's select is the old one when its first argument
// is a pointer (at or above 4096), else the new one (ppc_select).
func sysPPCSelect(k *Kernel, a Args) (int64, error) {
	if a[0] >= 4096 {
		return sysOldSelect(k, a)
	}
	return sysSelect(k, a)
}

// pselect6(nfds, readfds, writefds, exceptfds, timespec *, sigmask
// data): the data is {const sigset_t *ss; size_t ss_len}; the mask holds
// for the call, as ppoll's.
func (k *Kernel) pselect6(a Args, size int) (int64, error) {
	forever, e := k.timeout(a[4], size, false)
	if e != 0 {
		return -e, nil
	}
	var set uint64
	if a[5] != 0 {
		b, e := k.read(a[5], 2*k.word())
		if e != 0 {
			return -e, nil
		}
		set = decode(k, b, k.word())
		if set != 0 && decode(k, b[k.word():], k.word()) != uint64(k.sigsetSize()) {
			return -EINVAL, nil
		}
	}
	return k.withMask(set, func() (int64, error) {
		n, err := k.selectFDs("pselect6", k.sfd(a[0]), [3]uint64{a[1], a[2], a[3]}, forever)
		if n == 0 && err == nil {
			k.expire(a[4], size)
		}
		return n, err
	})
}

func sysPselect6(k *Kernel, a Args) (int64, error)    { return k.pselect6(a, k.word()) }
func sysPselect6_64(k *Kernel, a Args) (int64, error) { return k.pselect6(a, 8) }
