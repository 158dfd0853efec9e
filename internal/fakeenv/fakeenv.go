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
	"github.com/smallworld-go/smallworld/linux"
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
	Killed bool // Kill was called
	Signal int  // its signal
	// Proc is what Process returns (the syscall layer copies it when a
	// kernel is made).
	Proc linux.Process
	// Guest holds the guest functions CallGuest can run, by address, as
	// Go functions of the integer arguments; Called logs each call.
	Guest  map[uint64]func(args ...uint64) uint64
	Called []GuestCall
	names  []string
}

// GuestCall is one CallGuest: the function and its arguments.
type GuestCall struct {
	Fn   uint64
	Args []uint64
}

// CallGuest runs the Go function Guest has at fn.
func (e *Env) CallGuest(fn uint64, args ...uint64) (uint64, error) {
	g, ok := e.Guest[fn]
	if !ok {
		return 0, fmt.Errorf("fakeenv: no guest function at %#x", fn)
	}
	e.Called = append(e.Called, GuestCall{fn, append([]uint64(nil), args...)})
	return g(args...), nil
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
	return &Env{P: p, CPU: c, Mem: m, In: strings.NewReader(""),
		Proc: linux.Process{PID: 4242, TID: 4242, PPID: 4241, UID: 1000, EUID: 1000, GID: 1000, EGID: 1000}}, nil
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
func (e *Env) Kill(sig int)                          { e.Killed, e.Signal = true, sig }
func (e *Env) Process() *linux.Process               { return &e.Proc }

// RegBytes and SetRegBytes access a register at its full width.
func (e *Env) RegBytes(id emu.RegID) ([]byte, error)    { return e.CPU.Bytes(e.names[id]) }
func (e *Env) SetRegBytes(id emu.RegID, b []byte) error { return e.CPU.SetBytes(e.names[id], b) }

// MapRegion adds a region to the memory map.
func (e *Env) MapRegion(r *memory.Region) error { return e.Mem.Add(r) }

// MapAnon maps zeroed Go memory where nothing is mapped.
func (e *Env) MapAnon(addr, size uint64, perm memory.Perm, name string) error {
	if addr%linux.PageSize != 0 || size%linux.PageSize != 0 || size == 0 {
		return fmt.Errorf("fakeenv: map %#x+%#x: not page aligned", addr, size)
	}
	return e.Mem.Add(memory.NewRegion(addr, make([]byte, size), perm, name))
}

// Unmap removes [addr, addr+size) from the map, splitting regions that
// straddle its ends.
func (e *Env) Unmap(addr, size uint64) error {
	return e.split(addr, size, func(*memory.Region) *memory.Region { return nil })
}

// Protect sets the permissions of [addr, addr+size), which must be mapped.
func (e *Env) Protect(addr, size uint64, perm memory.Perm) error {
	for a := addr; a < addr+size; {
		r := e.Mem.Find(a)
		if r == nil {
			return fmt.Errorf("fakeenv: protect %#x: not mapped", a)
		}
		a = r.End()
	}
	return e.split(addr, size, func(r *memory.Region) *memory.Region {
		r.Perm = perm
		return r
	})
}

// split cuts the regions overlapping [addr, end) at addr and end, and
// replaces each piece inside by what inside returns (nil: nothing).
func (e *Env) split(addr, size uint64, inside func(*memory.Region) *memory.Region) error {
	end := addr + size
	var hit []*memory.Region
	for _, r := range e.Mem.Regions() {
		if r.Start < end && r.End() > addr {
			hit = append(hit, r)
		}
	}
	for _, r := range hit {
		e.Mem.Remove(r)
		lo, hi := max(r.Start, addr), min(r.End(), end)
		if r.Start < lo {
			if err := e.Mem.Add(memory.NewRegion(r.Start, r.Data[:lo-r.Start], r.Perm, r.Name)); err != nil {
				return err
			}
		}
		if in := inside(memory.NewRegion(lo, r.Data[lo-r.Start:hi-r.Start], r.Perm, r.Name)); in != nil {
			if err := e.Mem.Add(in); err != nil {
				return err
			}
		}
		if hi < r.End() {
			if err := e.Mem.Add(memory.NewRegion(hi, r.Data[hi-r.Start:], r.Perm, r.Name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// FreeRange returns hint if [hint, hint+size) is free, else the first
// free page-aligned range at or above 0x10000000.
func (e *Env) FreeRange(hint, size uint64) (uint64, error) {
	free := func(a uint64) bool {
		for _, r := range e.Mem.Regions() {
			if r.Start < a+size && r.End() > a {
				return false
			}
		}
		return true
	}
	if hint != 0 && free(hint) {
		return hint, nil
	}
	cand := uint64(0x10000000)
	for _, r := range e.Mem.Regions() {
		if r.End() <= cand {
			continue
		}
		if r.Start >= cand+size {
			break
		}
		cand = (r.End() + linux.PageSize - 1) &^ (linux.PageSize - 1)
	}
	return cand, nil
}
