package linux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// Env is what the syscall layer may use of the machine.
type Env interface {
	Platform() *platform.Platform
	Memory() *memory.Map
	RegID(name string) (emu.RegID, error)
	ReadReg(id emu.RegID) (uint64, error)
	WriteReg(id emu.RegID, v uint64) error
	Stdin() io.Reader
	Stdout() io.Writer
	Stderr() io.Writer
	// Exit ends the run as the guest's exit with this status.
	Exit(status int)
	// Kill ends the run as the guest killed by signal sig (the platform's
	// number), the way its default action would.
	Kill(sig int)

	// Process says who the guest is and what it may see.
	Process() *Process

	// MapAnon maps zeroed memory at [addr, addr+size) with perm, where
	// nothing is mapped; addr and size are multiples of PageSize.
	MapAnon(addr, size uint64, perm memory.Perm, name string) error
	// Unmap unmaps whatever is mapped in [addr, addr+size) (holes are
	// fine); Protect changes the permissions of [addr, addr+size), which
	// must be mapped throughout. Both take page-aligned ranges and keep
	// the machine's memory map and the engine in step.
	Unmap(addr, size uint64) error
	Protect(addr, size uint64, perm memory.Perm) error
	// FreeRange returns the start of an unmapped range of size bytes,
	// at hint if that range is free.
	FreeRange(hint, size uint64) (uint64, error)
	// CallGuest runs the guest function fn with integer arguments, from
	// inside the call being served, until it returns (a signal handler);
	// registers are as they were after. An error means the function did
	// not return: the run ended inside it (exit, a fault) or could not
	// start it.
	CallGuest(fn uint64, args ...uint64) (uint64, error)
}

// PageSize is the guest page size the layer maps memory in (every
// platform's Linux default, and the host's).
const PageSize = 4096

// Process is the guest process as the syscall layer shows it.
type Process struct {
	PID, TID, PPID       int // getpid is PID (the thread group), gettid TID
	UID, EUID, GID, EGID int

	// PGID and SID are the process group and session (the core's
	// prpsinfo has them); 0 means PID, the guest leads its own, unless
	// GroupKnown: then they are the core's, 0 included (a process whose
	// group or session leader is outside the dumper's pid namespace, as
	// in a container, sees 0).
	PGID, SID  int
	GroupKnown bool

	// Comm is the process's name as prctl(PR_GET_NAME) reports it until
	// the guest sets its own (the core's pr_fname; at most 15 bytes count).
	Comm string

	// Sysroot is the host directory the guest sees as "/", read-only;
	// "" means the guest sees no files at all (only /dev/null).
	Sysroot string
	// AllowWrite lists host directories (absolute) the guest may also
	// write under; each appears in the guest at its own path.
	AllowWrite []string

	// BrkStart and BrkEnd are the program break area as the run begins:
	// the heap mapping [BrkStart, BrkEnd), page aligned (BrkStart ==
	// BrkEnd: empty heap at BrkStart; both 0: unknown, brk cannot grow).
	BrkStart, BrkEnd uint64

	// Blocked and Pending are the first word of the thread's blocked and
	// pending signal sets as the run begins (signal n is bit n-1): a
	// kernel core's pr_sighold and pr_sigpend. A pending signal is
	// delivered once the guest unblocks it.
	Blocked, Pending uint64
}

// Support says how completely a system call is implemented.
type Support int

const (
	Full        Support = iota + 1 // as Linux does it, for what a single process can see
	Partial                        // the common cases; the note says what is missing
	Unsupported                    // listed for documentation; calling it stops the run
)

func (s Support) String() string {
	switch s {
	case Full:
		return "full"
	case Partial:
		return "partial"
	case Unsupported:
		return "unsupported"
	}
	return fmt.Sprintf("Support(%d)", int(s))
}

// Args are a system call's arguments, as raw words.
type Args [6]uint64

// Handler implements a system call. It returns the result for the guest
// (a negative errno value, as an int64, means failure), or a Go error
// that stops the run.
type Handler func(k *Kernel, a Args) (int64, error)

// Syscall is one row of a table.
type Syscall struct {
	No      uint64
	Name    string
	Handler Handler
	Support Support
	Note    string
}

// ErrnoStyle says how a platform's syscall returns failure.
type ErrnoStyle int

const (
	// NegativeErrno: the result register holds -errno (x86, ARM, AArch64).
	NegativeErrno ErrnoStyle = iota + 1
	// MIPSErrno: v0 holds the result or the positive errno, and a3 is 1
	// on failure, 0 on success.
	MIPSErrno
	// PPCErrno: r3 holds the result or the positive errno, and CR0's
	// summary-overflow bit (bit 28 of cr) is set on failure, clear on
	// success.
	PPCErrno
)

// Table is one platform's system call ABI and its calls.
type Table struct {
	Platform *platform.Platform
	Number   string    // register holding the call number
	ArgRegs  [6]string // argument registers; "" = on the stack
	// StackArgs is the offset from the stack pointer of the first
	// argument passed on the stack.
	StackArgs uint64
	Result    string // result register
	Errno     ErrnoStyle
	Calls     map[uint64]*Syscall

	// pairAlign: a 64-bit argument starts at an even argument register
	// (ARM EABI, MIPS o32, PPC32).
	pairAlign bool
	// uid16: the calls without a "32" suffix (getresuid, setuid...) take
	// 16-bit ids: the platform also has getuid32 (i386, ARM).
	uid16 bool
	// statfs64Also is a size statfs64 and fstatfs64 take besides the
	// struct's own (ARM: EABI glibc's 88-byte struct for the kernel's
	// packed 84; 0: none).
	statfs64Also uint64
}

func (t *Table) littleEndian() bool { return t.Platform.ByteOrder == binary.LittleEndian }

// ErrNoTable means the platform has no syscall table yet.
var ErrNoTable = errors.New("no syscall table")

// TableFor returns the syscall table of a platform, built the first time
// the platform is asked for. It is safe for concurrent use.
func TableFor(p *platform.Platform) (*Table, error) {
	a := abiOf(p.Name)
	if a == nil {
		return nil, fmt.Errorf("%w for %s", ErrNoTable, p.Name)
	}
	return tableOf(a), nil
}

// Sorted returns the table's calls by number.
func (t *Table) Sorted() []*Syscall {
	out := make([]*Syscall, 0, len(t.Calls))
	for _, s := range t.Calls {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].No < out[j].No })
	return out
}

// UnsupportedError stops a run at a call the layer does not implement.
type UnsupportedError struct {
	No   uint64
	Name string // "" when the number is unknown
	PC   uint64
}

func (e *UnsupportedError) Error() string {
	name := e.Name
	if name == "" {
		name = "unknown"
	}
	return fmt.Sprintf("unsupported syscall %d (%s) at pc %#x", e.No, name, e.PC)
}

// Kernel is the syscall layer of one running guest.
type Kernel struct {
	Env   Env
	Table *Table
	Trace io.Writer // nil: no syscall trace

	num, result emu.RegID
	args        [6]emu.RegID // -1: on the stack
	pc, sp      emu.RegID
	flag        emu.RegID // a3 (MIPSErrno) or cr (PPCErrno)

	p     *platform.Platform
	c     *abiConsts
	proc  Process
	fds   map[int]*fdEntry
	brk   uint64 // current program break; 0: unknown
	brkLo uint64 // the break may not go below this (the heap's start)
	brkHi uint64 // end of the memory mapped for the break area

	sigactions   map[int][]byte       // raw kernel struct sigaction, by signal
	sigmask      []byte               // blocked signals, as the guest's sigset_t
	pending      []byte               // signals raised while blocked, a sigset_t too
	neverBlocked []byte               // SIGKILL and SIGSTOP, as a sigset_t
	pendCode     map[int]uint64       // the si_code each pending signal was sent with
	altDepth     int                  // handlers running on the alternate stack
	killed       bool                 // a signal's default action ended the run
	served       bool                 // a call has been dispatched: there is state to keep
	ucRegs       []ucReg              // the registers a handler's ucontext holds
	altstack     []byte               // raw stack_t of sigaltstack
	tidAddress   uint64               // set_tid_address
	robustList   [2]uint64            // set_robust_list head and length
	rlimits      map[string][2]uint64 // what the guest set, by resource (sys_proc.go)
	nice         int64                // setpriority
	comm         []byte               // PR_SET_NAME; nil: Process.Comm
	undumpable   bool                 // PR_SET_DUMPABLE 0
	pdeathsig    uint64               // PR_SET_PDEATHSIG

	cwd   string // the working directory, a clean absolute guest path; "" is "/"
	umask uint64
}

// NewKernel binds a platform's table to an environment.
func NewKernel(env Env) (*Kernel, error) {
	t, err := TableFor(env.Platform())
	if err != nil {
		return nil, err
	}
	k := &Kernel{Env: env, Table: t, p: env.Platform(), c: constsFor(env.Platform())}
	k.init()
	if err := k.bind(env); err != nil {
		return nil, err
	}
	return k, nil
}

// Rebind moves the kernel to another environment of the same process (a
// later run of the same machine, on a new engine): the open files, the
// program break, the working directory, umask and signal state stay; the
// identity and the file view (sysroot, writable directories) are taken
// anew from env.Process(). A kernel that has served no call yet (made for
// a Call before the process was known) starts afresh from env.Process().
func (k *Kernel) Rebind(env Env) error {
	if env.Platform() != k.p {
		return fmt.Errorf("linux: a %s kernel cannot serve a %s environment", k.p.Name, env.Platform().Name)
	}
	k.killed = false
	if !k.served {
		k.Env = env
		k.init()
		return k.bind(env)
	}
	if p := env.Process(); p != nil {
		brkStart, brkEnd := k.proc.BrkStart, k.proc.BrkEnd // the break area the kernel began with
		k.proc = *p
		if brkStart == 0 && brkEnd == 0 && k.brk == 0 {
			// The break was unknown (and never set): take the
			// process's now.
			k.brkLo, k.brkHi, k.brk = p.BrkStart, p.BrkEnd, p.BrkEnd
		} else {
			k.proc.BrkStart, k.proc.BrkEnd = brkStart, brkEnd
		}
	}
	return k.bind(env)
}

// bind looks up the registers the dispatcher reads and writes in env.
func (k *Kernel) bind(env Env) error {
	t := k.Table
	k.Env = env
	var err error
	if k.num, err = env.RegID(t.Number); err != nil {
		return err
	}
	if k.result, err = env.RegID(t.Result); err != nil {
		return err
	}
	if k.pc, err = env.RegID(env.Platform().PC); err != nil {
		return err
	}
	if k.sp, err = env.RegID(env.Platform().SP); err != nil {
		return err
	}
	for i, n := range t.ArgRegs {
		if n == "" {
			k.args[i] = -1
			continue
		}
		if k.args[i], err = env.RegID(n); err != nil {
			return err
		}
	}
	switch t.Errno {
	case MIPSErrno:
		k.flag, err = env.RegID("a3")
	case PPCErrno:
		k.flag, err = env.RegID("cr")
	}
	if err != nil {
		return err
	}
	// The registers a signal frame's ucontext holds, by the
	// environment's ids (layout: ucontext_t, generated).
	k.ucRegs = k.ucRegs[:0]
	for name, f := range layoutsOf(k.p.Name)["ucontext"].Fields {
		if ucSpecial[name] {
			continue
		}
		id, err := env.RegID(name)
		if err != nil {
			return fmt.Errorf("linux: ucontext register %s: %w", name, err)
		}
		k.ucRegs = append(k.ucRegs, ucReg{id: id, off: int(f[0]), size: int(f[1])})
	}
	return nil
}

// arg reads argument i of the current call. An ABI that passes
// arguments on the stack (MIPS o32) has a 7th and 8th there too, after
// the 6th (o32's fadvise64 takes seven words); elsewhere they read 0.
func (k *Kernel) arg(i int) (uint64, error) {
	if i < len(k.args) && k.args[i] >= 0 {
		return k.Env.ReadReg(k.args[i])
	}
	first := 0
	for first < len(k.args) && k.args[first] >= 0 {
		first++
	}
	if first == len(k.args) {
		return 0, nil
	}
	sp, err := k.Env.ReadReg(k.sp)
	if err != nil {
		return 0, err
	}
	w := k.Env.Platform().WordSize
	v, err := k.Env.Memory().Uint(sp+k.Table.StackArgs+uint64((i-first)*w), w)
	if err != nil {
		return 0, nil // an unreadable stack argument reads as 0; the handler validates
	}
	return v, nil
}

// setResult leaves a handler's result where the platform's libc looks.
func (k *Kernel) setResult(ret int64) error {
	switch k.Table.Errno {
	case MIPSErrno, PPCErrno:
		failed := ret < 0 && ret > -4096
		v, flag := uint64(ret), uint64(0)
		if failed {
			v, flag = uint64(errnoOn(k.Env.Platform(), -ret)), 1
		}
		if k.Table.Errno == PPCErrno {
			cr, err := k.Env.ReadReg(k.flag)
			if err != nil {
				return err
			}
			flag = cr&^crSO | flag*crSO
		}
		if err := k.Env.WriteReg(k.flag, flag); err != nil {
			return err
		}
		return k.Env.WriteReg(k.result, v)
	}
	if ret < 0 && ret > -4096 {
		ret = -errnoOn(k.Env.Platform(), -ret)
	}
	return k.Env.WriteReg(k.result, uint64(ret))
}

// crSO is CR0's summary-overflow bit in the 32-bit condition register.
const crSO = 1 << 28

// Dispatch handles the system call the guest just made. A returned error
// stops the run; an *UnsupportedError names the call.
func (k *Kernel) Dispatch() error {
	k.served = true
	no, err := k.Env.ReadReg(k.num)
	if err != nil {
		return err
	}
	sc := k.Table.Calls[no]
	if sc == nil || sc.Handler == nil || sc.Support == Unsupported {
		pc, _ := k.Env.ReadReg(k.pc)
		e := &UnsupportedError{No: no, PC: pc}
		if sc != nil {
			e.Name = sc.Name
		}
		return e
	}
	var a Args
	for i := range a {
		if a[i], err = k.arg(i); err != nil {
			return err
		}
	}
	ret, err := sc.Handler(k, a)
	if err != nil {
		return fmt.Errorf("syscall %s: %w", sc.Name, err)
	}
	if k.Trace != nil {
		fmt.Fprintf(k.Trace, "syscall %s(%#x, %#x, %#x) = %d\n", sc.Name, a[0], a[1], a[2], ret)
	}
	return k.setResult(ret)
}
