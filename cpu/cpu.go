package cpu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/smallworld-go/smallworld/platform"
)

// Group classifies registers for display and transfer.
type Group uint8

const (
	General Group = iota // integer registers, pc, sp, flags
	Segment              // x86 segment selectors and bases
	Float                // x87 and FP control
	Vector               // SSE / NEON / VSX
	System               // everything else
)

var groupNames = [...]string{General: "general", Segment: "segment", Float: "float", Vector: "vector", System: "system"}

func (g Group) String() string {
	if int(g) < len(groupNames) {
		return groupNames[g]
	}
	return fmt.Sprintf("Group(%d)", g)
}

// Reg describes one register.
type Reg struct {
	Name   string
	Bits   int
	Group  Group
	Parent string // base register this is part of; "" for a base register
	Shift  int    // bit offset within Parent
	// GDB marks the registers gdb lists in its "general" group, in gdb's order.
	GDB bool
	// Optional marks a register only some processors have (x86's AVX-512
	// opmask k0-k7): it has a value only where a core note gave it one,
	// and is shown only then (CPU.Written).
	Optional bool
}

// File is the register file of one platform.
type File struct {
	Platform *platform.Platform
	Regs     []Reg // base registers first is not required; order is display order
	index    map[string]int
	base     []int // indexes of base registers
	baseSlot map[string]int
	order    []string // gdb general registers in gdb's order
}

// ErrNoRegister is the root of errors about register names.
var ErrNoRegister = errors.New("no such register")

// NewFile builds a File and checks the table's consistency.
func NewFile(p *platform.Platform, regs []Reg) (*File, error) {
	f := &File{Platform: p, Regs: regs, index: map[string]int{}, baseSlot: map[string]int{}}
	for i, r := range regs {
		if _, dup := f.index[r.Name]; dup {
			return nil, fmt.Errorf("cpu: %s: register %q listed twice", p.Name, r.Name)
		}
		f.index[r.Name] = i
		if r.Parent == "" {
			f.baseSlot[r.Name] = len(f.base)
			f.base = append(f.base, i)
		}
		if r.GDB {
			f.order = append(f.order, r.Name)
		}
	}
	for _, r := range regs {
		if r.Parent == "" {
			continue
		}
		pi, ok := f.index[r.Parent]
		if !ok || regs[pi].Parent != "" {
			return nil, fmt.Errorf("cpu: %s: %s: parent %q is not a base register", p.Name, r.Name, r.Parent)
		}
		if r.Shift+r.Bits > regs[pi].Bits {
			return nil, fmt.Errorf("cpu: %s: %s does not fit in %s", p.Name, r.Name, r.Parent)
		}
	}
	return f, nil
}

// Lookup returns the description of a register.
func (f *File) Lookup(name string) (Reg, bool) {
	i, ok := f.index[name]
	if !ok {
		return Reg{}, false
	}
	return f.Regs[i], true
}

// GDBGeneral returns the names of gdb's general registers, in gdb's order.
func (f *File) GDBGeneral() []string { return f.order }

// Base returns the names of the base registers, in table order.
func (f *File) Base() []string {
	n := make([]string, len(f.base))
	for i, bi := range f.base {
		n[i] = f.Regs[bi].Name
	}
	return n
}

// A platform's File is built on first use (For): building all twelve at
// start-up cost a CLI run 0.7 ms.
var (
	builders = map[string]func() []Reg{}
	filesMu  sync.Mutex
	files    = map[string]*File{}
)

func register(p *platform.Platform, regs func() []Reg) { builders[p.Name] = regs }

// ErrNoFile means the platform has no register file table yet.
var ErrNoFile = errors.New("no register file for platform")

// For returns the register file of a platform.
func For(p *platform.Platform) (*File, error) {
	filesMu.Lock()
	defer filesMu.Unlock()
	f, ok := files[p.Name]
	if !ok {
		build, known := builders[p.Name]
		if !known {
			return nil, fmt.Errorf("%w %s", ErrNoFile, p.Name)
		}
		var err error
		if f, err = NewFile(p, build()); err != nil {
			panic(err) // a bug in a table in this package, found by its tests
		}
		files[p.Name] = f
	}
	return f, nil
}

// CPU holds register values of one thread.
type CPU struct {
	File *File
	vals [][]byte // per base register, little-endian, len = bits/8 rounded up
	set  []bool   // whether a base register was ever written
}

// New returns a CPU with every register zero.
func New(f *File) *CPU {
	c := &CPU{File: f, vals: make([][]byte, len(f.base)), set: make([]bool, len(f.base))}
	for i, bi := range f.base {
		c.vals[i] = make([]byte, (f.Regs[bi].Bits+7)/8)
	}
	return c
}

// NewFor returns a zeroed CPU for a platform.
func NewFor(p *platform.Platform) (*CPU, error) {
	f, err := For(p)
	if err != nil {
		return nil, err
	}
	return New(f), nil
}

// Clone returns a deep copy.
func (c *CPU) Clone() *CPU {
	d := New(c.File)
	for i := range c.vals {
		copy(d.vals[i], c.vals[i])
	}
	copy(d.set, c.set)
	return d
}

func (c *CPU) lookup(name string) (Reg, int, error) {
	r, ok := c.File.Lookup(name)
	if !ok {
		return Reg{}, 0, fmt.Errorf("%w %q on %s", ErrNoRegister, name, c.File.Platform.Name)
	}
	base := name
	if r.Parent != "" {
		base = r.Parent
	}
	return r, c.File.baseSlot[base], nil
}

// Get returns a register of at most 64 bits.
func (c *CPU) Get(name string) (uint64, error) {
	r, slot, err := c.lookup(name)
	if err != nil {
		return 0, err
	}
	if r.Bits > 64 {
		return 0, fmt.Errorf("cpu: %s is %d bits wide: use Bytes", name, r.Bits)
	}
	return extract(c.vals[slot], r.Shift, r.Bits), nil
}

// MustGet is Get for names known to exist (pc, sp of the file's own
// platform); it returns 0 for an unknown name.
func (c *CPU) MustGet(name string) uint64 {
	v, _ := c.Get(name)
	return v
}

// Set writes a register of at most 64 bits; bits above its width are
// dropped.
func (c *CPU) Set(name string, v uint64) error {
	r, slot, err := c.lookup(name)
	if err != nil {
		return err
	}
	if r.Bits > 64 {
		return fmt.Errorf("cpu: %s is %d bits wide: use SetBytes", name, r.Bits)
	}
	insert(c.vals[slot], r.Shift, r.Bits, v)
	c.set[slot] = true
	return nil
}

// Bytes returns a register's value little-endian at its full width.
func (c *CPU) Bytes(name string) ([]byte, error) {
	r, slot, err := c.lookup(name)
	if err != nil {
		return nil, err
	}
	if r.Parent == "" {
		return append([]byte(nil), c.vals[slot]...), nil
	}
	if r.Shift%8 != 0 || r.Bits%8 != 0 {
		if r.Bits > 64 {
			return nil, fmt.Errorf("cpu: %s: unaligned wide alias", name)
		}
		out := make([]byte, (r.Bits+7)/8)
		v := extract(c.vals[slot], r.Shift, r.Bits)
		for i := range out {
			out[i] = byte(v >> (8 * i))
		}
		return out, nil
	}
	return append([]byte(nil), c.vals[slot][r.Shift/8:(r.Shift+r.Bits)/8]...), nil
}

// SetBytes writes a register from little-endian bytes; short input is
// zero-extended, long input is an error.
func (c *CPU) SetBytes(name string, b []byte) error {
	r, slot, err := c.lookup(name)
	if err != nil {
		return err
	}
	n := (r.Bits + 7) / 8
	if len(b) > n {
		return fmt.Errorf("cpu: %s is %d bytes, got %d", name, n, len(b))
	}
	if r.Shift%8 != 0 || r.Bits%8 != 0 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		insert(c.vals[slot], r.Shift, r.Bits, v)
	} else {
		dst := c.vals[slot][r.Shift/8 : r.Shift/8+n]
		copy(dst, b)
		clear(dst[len(b):])
	}
	c.set[slot] = true
	return nil
}

// PC returns the program counter.
func (c *CPU) PC() uint64 { return c.MustGet(c.File.Platform.PC) }

// SetPC sets the program counter.
func (c *CPU) SetPC(v uint64) { _ = c.Set(c.File.Platform.PC, v) }

// SP returns the stack pointer.
func (c *CPU) SP() uint64 { return c.MustGet(c.File.Platform.SP) }

// Written lists the base registers written since New, in table order.
func (c *CPU) Written() []string {
	var n []string
	for i, bi := range c.File.base {
		if c.set[i] {
			n = append(n, c.File.Regs[bi].Name)
		}
	}
	return n
}

// Names returns every register name, sorted.
func (f *File) Names() []string {
	n := make([]string, 0, len(f.Regs))
	for _, r := range f.Regs {
		n = append(n, r.Name)
	}
	sort.Strings(n)
	return n
}

func extract(b []byte, shift, bits int) uint64 {
	if shift%8 == 0 && bits%8 == 0 && bits <= 64 {
		var tmp [8]byte
		copy(tmp[:], b[shift/8:shift/8+bits/8])
		return binary.LittleEndian.Uint64(tmp[:])
	}
	var v uint64
	for i := 0; i < bits; i++ {
		bit := shift + i
		if b[bit/8]>>(bit%8)&1 != 0 {
			v |= 1 << i
		}
	}
	return v
}

func insert(b []byte, shift, bits int, v uint64) {
	for i := 0; i < bits; i++ {
		bit := shift + i
		if v>>i&1 != 0 {
			b[bit/8] |= 1 << (bit % 8)
		} else {
			b[bit/8] &^= 1 << (bit % 8)
		}
	}
}
