// Package fakeenv is an engine-free environment for testing models and
// syscalls: registers in a map, memory in a memory.Map, streams in
// buffers. It implements model.Env and linux.Env.
package fakeenv

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// Env is a fake machine.
type Env struct {
	P      *platform.Platform
	CPU    *cpu.CPU
	Mem    *memory.Map
	In     io.Reader
	Out    bytes.Buffer
	Err    bytes.Buffer
	Exited bool
	Status int
	names  []string
}

// New returns an Env with one RW region of size bytes at base.
func New(p *platform.Platform, base, size uint64) (*Env, error) {
	c, err := cpu.NewFor(p)
	if err != nil {
		return nil, err
	}
	m := memory.NewMap(p.ByteOrder)
	if err := m.Add(memory.NewRegion(base, make([]byte, size), memory.RW, "fake")); err != nil {
		return nil, err
	}
	return &Env{P: p, CPU: c, Mem: m, In: strings.NewReader("")}, nil
}

func (e *Env) Platform() *platform.Platform { return e.P }
func (e *Env) Memory() *memory.Map          { return e.Mem }

func (e *Env) RegID(name string) (emu.RegID, error) {
	if _, ok := e.CPU.File.Lookup(name); !ok {
		return 0, fmt.Errorf("fakeenv: no register %q", name)
	}
	for i, n := range e.names {
		if n == name {
			return emu.RegID(i), nil
		}
	}
	e.names = append(e.names, name)
	return emu.RegID(len(e.names) - 1), nil
}

func (e *Env) ReadReg(id emu.RegID) (uint64, error)  { return e.CPU.Get(e.names[id]) }
func (e *Env) WriteReg(id emu.RegID, v uint64) error { return e.CPU.Set(e.names[id], v) }
func (e *Env) Stdin() io.Reader                      { return e.In }
func (e *Env) Stdout() io.Writer                     { return &e.Out }
func (e *Env) Stderr() io.Writer                     { return &e.Err }
func (e *Env) Exit(status int)                       { e.Exited, e.Status = true, status }

// RegBytes and SetRegBytes access a register at its full width.
func (e *Env) RegBytes(id emu.RegID) ([]byte, error)    { return e.CPU.Bytes(e.names[id]) }
func (e *Env) SetRegBytes(id emu.RegID, b []byte) error { return e.CPU.SetBytes(e.names[id], b) }

// MapRegion adds a region to the memory map.
func (e *Env) MapRegion(r *memory.Region) error { return e.Mem.Add(r) }
