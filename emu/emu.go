package emu

import (
	"time"

	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

// RegID is an engine's handle for a register, from [Engine.RegID].
type RegID int

// Hook identifies an installed hook.
type Hook uintptr

// Access is the kind of a memory access.
type Access uint8

const (
	AccessRead Access = 1 << iota
	AccessWrite
	AccessFetch
)

func (a Access) String() string {
	switch a {
	case AccessRead:
		return "read"
	case AccessWrite:
		return "write"
	case AccessFetch:
		return "fetch"
	}
	return "access"
}

// MemFault says why a memory access failed.
type MemFault uint8

const (
	FaultUnmapped MemFault = iota + 1 // no memory there
	FaultProt                         // memory there, but not with this permission
)

func (f MemFault) String() string {
	if f == FaultProt {
		return "protection"
	}
	return "unmapped"
}

// CodeHook runs before the instruction at addr of size bytes executes.
type CodeHook func(addr uint64, size uint32)

// MemHook runs on a memory access. For invalid-access hooks, returning
// true means the hook fixed the problem (mapped memory) and the access is
// retried; false stops the run with an error.
type MemHook func(access Access, addr uint64, size int, value int64) bool

// InvalidMemHook runs on an access to unmapped or protected memory.
// Returning true means it mapped memory and the access should be retried.
// Returning false after writing the pc means the faulting instruction is
// abandoned and the run goes on at that pc (a signal handler moved it);
// returning false otherwise ends the run with an error.
type InvalidMemHook func(access Access, fault MemFault, addr uint64, size int) bool

// InterruptHook runs on a CPU exception or interrupt the engine cannot
// handle itself (number as the engine reports it for the platform).
type InterruptHook func(intno uint32)

// StartOptions bound one call of [Engine.Start].
type StartOptions struct {
	Timeout time.Duration // 0: none
	Count   uint64        // instructions; 0: no limit
}

// Engine is a CPU emulator for one guest platform. An Engine is not safe
// for concurrent use; implementations pin their work to one OS thread.
type Engine interface {
	Platform() *platform.Platform

	// MapRegion maps a region's host bytes at its start address with its
	// permissions (no copy: guest and host share the bytes). Start and
	// size must be page aligned; the region must outlive the mapping.
	MapRegion(r *memory.Region) error
	Unmap(addr, size uint64) error
	Protect(addr, size uint64, perm memory.Perm) error
	ReadMem(addr uint64, buf []byte) error
	WriteMem(addr uint64, data []byte) error

	// RegID resolves a register name of the platform's register file.
	RegID(name string) (RegID, error)
	// ReadReg and WriteReg access a register of at most 64 bits.
	ReadReg(id RegID) (uint64, error)
	WriteReg(id RegID, v uint64) error
	// RegBytes and SetRegBytes access a register at its full width,
	// little-endian (xmm0 is 16 bytes, st0 10).
	RegBytes(id RegID) ([]byte, error)
	SetRegBytes(id RegID, b []byte) error

	// HookCode runs fn before each instruction in [begin, end] (end
	// inclusive; begin > end means everywhere). prefetch optionally names
	// registers fn will read or write: a hint that lets an engine make
	// those accesses cheap (Unicorn reads them before calling fn and
	// applies fn's writes after it returns). It changes no behaviour; fn
	// may still access any register.
	HookCode(begin, end uint64, fn CodeHook, prefetch ...RegID) (Hook, error)
	// HookBlock runs fn at the start of each basic block in [begin, end].
	HookBlock(begin, end uint64, fn CodeHook) (Hook, error)
	// HookMem runs fn on accesses of the given kinds (AccessRead|...)
	// in [begin, end].
	HookMem(kinds Access, begin, end uint64, fn MemHook) (Hook, error)
	// HookInvalidMem runs fn when an access hits unmapped or protected
	// memory.
	HookInvalidMem(fn InvalidMemHook) (Hook, error)
	// HookSyscall runs fn when the guest executes the platform's system
	// call instruction; the pc already points past it.
	HookSyscall(fn func()) (Hook, error)
	// HookInterrupt runs fn on other CPU exceptions.
	HookInterrupt(fn InterruptHook) (Hook, error)
	// HookInvalidInsn runs fn when the CPU cannot decode an instruction;
	// returning false stops the run with an error.
	HookInvalidInsn(fn func() bool) (Hook, error)
	RemoveHook(h Hook) error

	// SetExits makes reaching any of addrs end Start without error.
	SetExits(addrs []uint64) error
	// Start runs from begin until an exit, a stop, an error, or a
	// limit in opts.
	Start(begin uint64, opts StartOptions) error
	// Stop asks a running Start to return; callable from hooks.
	Stop() error
	// RemoveCache drops translated code in [begin, end): needed after
	// writing code bytes or adding hooks over already-run code.
	RemoveCache(begin, end uint64) error

	SaveContext() (Context, error)
	RestoreContext(Context) error

	Close() error
}

// Context is a saved CPU state (registers only; not memory).
type Context interface {
	Free()
}
