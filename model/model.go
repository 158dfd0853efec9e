package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// Env is what a model may use of the machine it runs in.
type Env interface {
	Platform() *platform.Platform
	Memory() *memory.Map
	RegID(name string) (emu.RegID, error)
	ReadReg(id emu.RegID) (uint64, error)
	WriteReg(id emu.RegID, v uint64) error
	// RegBytes and SetRegBytes access a register at its full width,
	// little-endian (xmm0 is 16 bytes, st0 10): float arguments and
	// return values live in registers wider than 64 bits.
	RegBytes(id emu.RegID) ([]byte, error)
	SetRegBytes(id emu.RegID, b []byte) error
	// MapRegion adds a region to guest memory, visible to the running
	// code at once (the heap models' arena).
	MapRegion(r *memory.Region) error
	Stdin() io.Reader
	Stdout() io.Writer
	Stderr() io.Writer
	// Exit ends the run as the guest's exit with this status.
	Exit(status int)
	// CallGuest runs the guest function at fn with integer arguments,
	// as the calling convention passes them, until it returns, and gives
	// its integer result (a callback: qsort's comparison). Registers are
	// as they were afterwards. An error means the call failed or ended
	// the run; the model returns it.
	CallGuest(fn uint64, args ...uint64) (uint64, error)
}

// Level says how faithfully a model implements its function.
type Level int

const (
	Exact       Level = iota + 1 // same observable behaviour as glibc
	Imprecise                    // useful, but differs in documented ways
	Unsupported                  // declared so it can be listed; calling it stops the run
)

func (l Level) String() string {
	switch l {
	case Exact:
		return "exact"
	case Imprecise:
		return "imprecise"
	case Unsupported:
		return "unsupported"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Model is a Go implementation of a guest function.
type Model struct {
	Name     string
	Params   []string // parameter names, in order (integer/pointer arguments)
	Returns  bool     // the function returns a value in the return register
	NoReturn bool     // the function never returns (exit, abort)
	// Ret64 marks a 64-bit integer result (long long): on 32-bit
	// platforms it is returned in a register pair (Conv.Ret2).
	Ret64 bool
	// RetDouble marks a double result: Fn returns its bits and Run puts
	// it where the convention returns doubles (Call.SetDouble).
	RetDouble bool
	Level     Level
	Doc       string
	// Fn does the work. It returns the value for the return register.
	Fn func(c *Call) (uint64, error)
}

var registry = map[string]*Model{}

func register(m *Model) {
	if _, dup := registry[m.Name]; dup {
		panic("model: " + m.Name + " registered twice")
	}
	registry[m.Name] = m
}

// ErrDecline is the root of a model's "not this call" (a stream the
// guest's own libc opened): the harness then runs the function the model
// replaced, when it can reach it, with the arguments untouched. A model
// declines before it has any effect.
var ErrDecline = errors.New("the model declines this call")

// ErrNoModel is the root of "no such model" errors.
var ErrNoModel = errors.New("no model")

// Lookup returns the model of a function for a platform, as SmallWorld's
// Model.lookup does; the platform must have a calling convention.
func Lookup(name string, p *platform.Platform) (*Model, error) {
	m, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("%w for %q (have: %s)", ErrNoModel, name, strings.Join(Names(), " "))
	}
	if _, err := ConvFor(p); err != nil {
		return nil, err
	}
	return m, nil
}

// Names lists every model, sorted.
func Names() []string {
	n := make([]string, 0, len(registry))
	for k := range registry {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Binding runs models in one Env with one calling convention; register
// ids are resolved once, so a call allocates nothing.
type Binding struct {
	Env   Env
	Conv  *Conv
	Trace io.Writer // nil: no call trace
	args  []emu.RegID
	ret   emu.RegID
	sp    emu.RegID
	mask  uint64 // the platform's word mask
	call  Call
	libc  *libcState // per-run state of the C-library models (heap, strtok...)

	// CheckHeap makes the models' heap a checker (heapcheck.go): set it
	// before the first call, then HeapWindow says what to hook.
	CheckHeap bool

	// Files maps the guest's FILE* values to descriptors (0 stdin, 1
	// stdout, 2 stderr), as the harness found them (libc's stdin,
	// stdout and stderr variables). When it is empty, a FILE* the
	// models do not know is standard input or output (file.go).
	Files map[uint64]int
	// FS is where fopen and the other file models find files; nil:
	// there are none (fopen fails with ENOENT).
	FS FS
}

// Bind resolves a convention's registers in env.
func Bind(env Env) (*Binding, error) {
	conv, err := ConvFor(env.Platform())
	if err != nil {
		return nil, err
	}
	b := &Binding{Env: env, Conv: conv, mask: env.Platform().WordMask()}
	for _, n := range conv.IntArgs {
		id, err := env.RegID(n)
		if err != nil {
			return nil, fmt.Errorf("model: %s convention: %w", conv.Name, err)
		}
		b.args = append(b.args, id)
	}
	if b.ret, err = env.RegID(conv.Ret); err != nil {
		return nil, fmt.Errorf("model: %s convention: %w", conv.Name, err)
	}
	if b.sp, err = env.RegID(env.Platform().SP); err != nil {
		return nil, fmt.Errorf("model: %s convention: %w", conv.Name, err)
	}
	b.call.b = b
	return b, nil
}

// Prefetch lists the registers a call of m reads through Call.Arg: the
// argument registers of its parameters. A hook running m may give them
// to the engine as a prefetch hint (emu.Engine.HookCode), which spares a
// cgo call per argument with Unicorn.
func (b *Binding) Prefetch(m *Model) []emu.RegID {
	return b.args[:min(len(m.Params), len(b.args))]
}

// Run executes one call of m: it reads the arguments as m asks for them,
// runs the model, and writes the return value. The caller (the machine)
// arranges the return to the guest's caller.
func (b *Binding) Run(m *Model) error {
	if runHook != nil {
		err := b.run(m)
		runHook(m.Name, b.Env.Platform(), err)
		return err
	}
	return b.run(m)
}

// runHook, when set (only tests set it: export_test.go), sees every
// model run: its name, the platform and the outcome.
var runHook func(name string, p *platform.Platform, err error)

func (b *Binding) run(m *Model) error {
	c := &b.call
	c.err = nil
	if b.Trace != nil {
		b.traceCall(m)
	}
	if m.Level == Unsupported || m.Fn == nil {
		return fmt.Errorf("model %s: unsupported", m.Name)
	}
	v, err := m.Fn(c)
	if err == nil {
		err = c.err
	}
	if err != nil {
		if b.Trace != nil && errors.Is(err, ErrDecline) {
			fmt.Fprintf(b.Trace, "<== declined: %v\n", err)
		}
		return fmt.Errorf("model %s: %w", m.Name, err)
	}
	if m.RetDouble || m.Ret64 && b.mask != ^uint64(0) {
		return b.wideReturn(m, v)
	}
	if m.Returns {
		v &= b.mask
		if err := b.Env.WriteReg(b.ret, v); err != nil {
			return fmt.Errorf("model %s: set return value: %w", m.Name, err)
		}
		if b.Trace != nil {
			fmt.Fprintf(b.Trace, "<== %d\n", int64(signExtend(v, b.Env.Platform().WordSize)))
		}
	} else if b.Trace != nil && !m.NoReturn {
		fmt.Fprintf(b.Trace, "<== void\n")
	}
	return nil
}

// wideReturn sets a double or a 64-bit result on a 32-bit platform.
func (b *Binding) wideReturn(m *Model, v uint64) error {
	if m.RetDouble {
		if err := b.call.SetDouble(math.Float64frombits(v)); err != nil {
			return fmt.Errorf("model %s: set return value: %w", m.Name, err)
		}
		if b.Trace != nil {
			fmt.Fprintf(b.Trace, "<== %g\n", math.Float64frombits(v))
		}
		return nil
	}
	lo, hi := v&0xffffffff, v>>32
	if b.Env.Platform().ByteOrder == binary.BigEndian {
		lo, hi = hi, lo // MIPS v0 and PowerPC r3 hold the high word
	}
	if err := b.Env.WriteReg(b.ret, lo); err != nil {
		return fmt.Errorf("model %s: set return value: %w", m.Name, err)
	}
	id, err := b.Env.RegID(b.Conv.Ret2)
	if err == nil {
		err = b.Env.WriteReg(id, hi)
	}
	if err != nil {
		return fmt.Errorf("model %s: set return value: %w", m.Name, err)
	}
	if b.Trace != nil {
		fmt.Fprintf(b.Trace, "<== %d\n", int64(v))
	}
	return nil
}

func (b *Binding) traceCall(m *Model) {
	var sb strings.Builder
	sb.WriteString("==> ")
	sb.WriteString(m.Name)
	sb.WriteByte('(')
	for i, p := range m.Params {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s=%#x", p, b.call.Arg(i))
	}
	sb.WriteString(")\n")
	io.WriteString(b.Trace, sb.String())
}

func signExtend(v uint64, size int) uint64 {
	if size == 8 {
		return v
	}
	shift := 64 - 8*uint(size)
	return uint64(int64(v<<shift) >> shift)
}

// Call is one invocation of a model: its arguments and environment.
type Call struct {
	b   *Binding
	err error  // first error reading an argument
	buf []byte // scratch for output (reused by every call of the binding)
}

// CBytes returns the C string (without its NUL) at addr, of at most max
// bytes. When one memory region holds the whole string it is a view of
// guest memory, not a copy (no allocation): use it before the call
// returns and do not keep or modify it. Errors are those of
// memory.Map.CString.
func (c *Call) CBytes(addr uint64, max int) ([]byte, error) {
	mem := c.b.Env.Memory()
	if r := mem.Find(addr); r != nil {
		chunk := r.Data[addr-r.Start:]
		if len(chunk) > max {
			chunk = chunk[:max]
		}
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			return chunk[:i:i], nil
		}
	}
	s, err := mem.CString(addr, max)
	return []byte(s), err
}

// WriteLine writes b and a newline to w with one Write, through a buffer
// the binding reuses (no allocation once it has grown).
func (c *Call) WriteLine(w io.Writer, b []byte) (int, error) {
	c.buf = append(append(c.buf[:0], b...), '\n')
	return w.Write(c.buf)
}

// Env returns the environment the call runs in.
func (c *Call) Env() Env { return c.b.Env }

// Mem returns guest memory.
func (c *Call) Mem() *memory.Map { return c.b.Env.Memory() }

// Arg returns integer/pointer argument i (from 0), masked to the word
// size. Arguments past the register ones are not supported yet; an error
// is recorded and returned by the call.
func (c *Call) Arg(i int) uint64 {
	if i >= len(c.b.args) {
		return c.stackArg(i)
	}
	v, err := c.b.Env.ReadReg(c.b.args[i])
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("argument %d: %w", i, err)
	}
	return v & c.b.mask
}

// stackArg reads integer argument i where the convention passes it on
// the stack: a word each from Conv.StackArgs above the stack pointer the
// function was entered with.
func (c *Call) stackArg(i int) uint64 {
	sp, err := c.b.Env.ReadReg(c.b.sp)
	if err == nil {
		w := c.b.Env.Platform().WordSize
		at := sp + c.b.Conv.StackArgs + uint64((i-len(c.b.args))*w)
		var v uint64
		if v, err = c.b.Env.Memory().Uint(at, w); err == nil {
			return v & c.b.mask
		}
	}
	if c.err == nil {
		c.err = fmt.Errorf("argument %d (on the stack): %w", i, err)
	}
	return 0
}

// Int returns argument i as a C int (32 bits, sign-extended).
func (c *Call) Int(i int) int64 { return int64(int32(uint32(c.Arg(i)))) }
