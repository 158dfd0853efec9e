package model

import (
	"errors"
	"fmt"
	"io"
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
	Stdout() io.Writer
	// Exit ends the run as the guest's exit with this status.
	Exit(status int)
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
	Level    Level
	Doc      string
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
	call  Call
}

// Bind resolves a convention's registers in env.
func Bind(env Env) (*Binding, error) {
	conv, err := ConvFor(env.Platform())
	if err != nil {
		return nil, err
	}
	b := &Binding{Env: env, Conv: conv}
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

// Run executes one call of m: it reads the arguments as m asks for them,
// runs the model, and writes the return value. The caller (the machine)
// arranges the return to the guest's caller.
func (b *Binding) Run(m *Model) error {
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
		return fmt.Errorf("model %s: %w", m.Name, err)
	}
	if m.Returns {
		v &= b.Env.Platform().WordMask()
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
	err error // first error reading an argument
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
		if c.err == nil {
			c.err = fmt.Errorf("argument %d is passed on the stack: not supported yet", i)
		}
		return 0
	}
	v, err := c.b.Env.ReadReg(c.b.args[i])
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("argument %d: %w", i, err)
	}
	return v & c.b.Env.Platform().WordMask()
}

// Int returns argument i as a C int (32 bits, sign-extended).
func (c *Call) Int(i int) int64 { return int64(int32(uint32(c.Arg(i)))) }
