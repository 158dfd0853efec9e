package unicorn

/*
#cgo noescape uc_reg_read
#cgo nocallback uc_reg_read
#cgo noescape uc_reg_write
#cgo nocallback uc_reg_write
#cgo noescape uc_mem_read
#cgo nocallback uc_mem_read
#cgo noescape uc_mem_write
#cgo nocallback uc_mem_write
#cgo noescape sw_set_exits
#cgo nocallback sw_set_exits
#cgo nocallback uc_emu_stop
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"unsafe"

	"github.com/smallworld-go/smallworld/cpu"
	"github.com/smallworld-go/smallworld/emu"
	"github.com/smallworld-go/smallworld/memory"
	"github.com/smallworld-go/smallworld/platform"
)

var _ emu.Engine = (*Engine)(nil)

// PageSize is the alignment MapRegion, Map, Unmap and Protect require of
// addresses and sizes (Unicorn's x86, MIPS and PPC page; ARM's is 1 KiB).
const PageSize = 4096

// Unicorn's error codes (uc_err in unicorn/unicorn.h), the values of
// [Error.Code].
const (
	UC_ERR_OK              = 0
	UC_ERR_NOMEM           = 1
	UC_ERR_ARCH            = 2
	UC_ERR_HANDLE          = 3
	UC_ERR_MODE            = 4
	UC_ERR_VERSION         = 5
	UC_ERR_READ_UNMAPPED   = 6
	UC_ERR_WRITE_UNMAPPED  = 7
	UC_ERR_FETCH_UNMAPPED  = 8
	UC_ERR_HOOK            = 9
	UC_ERR_INSN_INVALID    = 10
	UC_ERR_MAP             = 11
	UC_ERR_WRITE_PROT      = 12
	UC_ERR_READ_PROT       = 13
	UC_ERR_FETCH_PROT      = 14
	UC_ERR_ARG             = 15
	UC_ERR_READ_UNALIGNED  = 16
	UC_ERR_WRITE_UNALIGNED = 17
	UC_ERR_FETCH_UNALIGNED = 18
	UC_ERR_HOOK_EXIST      = 19
	UC_ERR_RESOURCE        = 20
	UC_ERR_EXCEPTION       = 21
)

// The codes above are Unicorn's: a mismatch makes an array length
// negative and the package fails to compile.
var (
	_ = [UC_ERR_OK - C.UC_ERR_OK]struct{}{}
	_ = [C.UC_ERR_OK - UC_ERR_OK]struct{}{}
	_ = [UC_ERR_NOMEM - C.UC_ERR_NOMEM]struct{}{}
	_ = [C.UC_ERR_NOMEM - UC_ERR_NOMEM]struct{}{}
	_ = [UC_ERR_ARCH - C.UC_ERR_ARCH]struct{}{}
	_ = [C.UC_ERR_ARCH - UC_ERR_ARCH]struct{}{}
	_ = [UC_ERR_HANDLE - C.UC_ERR_HANDLE]struct{}{}
	_ = [C.UC_ERR_HANDLE - UC_ERR_HANDLE]struct{}{}
	_ = [UC_ERR_MODE - C.UC_ERR_MODE]struct{}{}
	_ = [C.UC_ERR_MODE - UC_ERR_MODE]struct{}{}
	_ = [UC_ERR_VERSION - C.UC_ERR_VERSION]struct{}{}
	_ = [C.UC_ERR_VERSION - UC_ERR_VERSION]struct{}{}
	_ = [UC_ERR_READ_UNMAPPED - C.UC_ERR_READ_UNMAPPED]struct{}{}
	_ = [C.UC_ERR_READ_UNMAPPED - UC_ERR_READ_UNMAPPED]struct{}{}
	_ = [UC_ERR_WRITE_UNMAPPED - C.UC_ERR_WRITE_UNMAPPED]struct{}{}
	_ = [C.UC_ERR_WRITE_UNMAPPED - UC_ERR_WRITE_UNMAPPED]struct{}{}
	_ = [UC_ERR_FETCH_UNMAPPED - C.UC_ERR_FETCH_UNMAPPED]struct{}{}
	_ = [C.UC_ERR_FETCH_UNMAPPED - UC_ERR_FETCH_UNMAPPED]struct{}{}
	_ = [UC_ERR_HOOK - C.UC_ERR_HOOK]struct{}{}
	_ = [C.UC_ERR_HOOK - UC_ERR_HOOK]struct{}{}
	_ = [UC_ERR_INSN_INVALID - C.UC_ERR_INSN_INVALID]struct{}{}
	_ = [C.UC_ERR_INSN_INVALID - UC_ERR_INSN_INVALID]struct{}{}
	_ = [UC_ERR_MAP - C.UC_ERR_MAP]struct{}{}
	_ = [C.UC_ERR_MAP - UC_ERR_MAP]struct{}{}
	_ = [UC_ERR_WRITE_PROT - C.UC_ERR_WRITE_PROT]struct{}{}
	_ = [C.UC_ERR_WRITE_PROT - UC_ERR_WRITE_PROT]struct{}{}
	_ = [UC_ERR_READ_PROT - C.UC_ERR_READ_PROT]struct{}{}
	_ = [C.UC_ERR_READ_PROT - UC_ERR_READ_PROT]struct{}{}
	_ = [UC_ERR_FETCH_PROT - C.UC_ERR_FETCH_PROT]struct{}{}
	_ = [C.UC_ERR_FETCH_PROT - UC_ERR_FETCH_PROT]struct{}{}
	_ = [UC_ERR_ARG - C.UC_ERR_ARG]struct{}{}
	_ = [C.UC_ERR_ARG - UC_ERR_ARG]struct{}{}
	_ = [UC_ERR_READ_UNALIGNED - C.UC_ERR_READ_UNALIGNED]struct{}{}
	_ = [C.UC_ERR_READ_UNALIGNED - UC_ERR_READ_UNALIGNED]struct{}{}
	_ = [UC_ERR_WRITE_UNALIGNED - C.UC_ERR_WRITE_UNALIGNED]struct{}{}
	_ = [C.UC_ERR_WRITE_UNALIGNED - UC_ERR_WRITE_UNALIGNED]struct{}{}
	_ = [UC_ERR_FETCH_UNALIGNED - C.UC_ERR_FETCH_UNALIGNED]struct{}{}
	_ = [C.UC_ERR_FETCH_UNALIGNED - UC_ERR_FETCH_UNALIGNED]struct{}{}
	_ = [UC_ERR_HOOK_EXIST - C.UC_ERR_HOOK_EXIST]struct{}{}
	_ = [C.UC_ERR_HOOK_EXIST - UC_ERR_HOOK_EXIST]struct{}{}
	_ = [UC_ERR_RESOURCE - C.UC_ERR_RESOURCE]struct{}{}
	_ = [C.UC_ERR_RESOURCE - UC_ERR_RESOURCE]struct{}{}
	_ = [UC_ERR_EXCEPTION - C.UC_ERR_EXCEPTION]struct{}{}
	_ = [C.UC_ERR_EXCEPTION - UC_ERR_EXCEPTION]struct{}{}
)

// Error is a failure Unicorn reported: the operation (with its
// arguments), Unicorn's uc_err code and its uc_strerror text.
type Error struct {
	Op   string // "mem_map 0x1000+0x2000", "emu_start 0x401000"...
	Code int    // a UC_ERR_* value
	Msg  string // uc_strerror(Code), e.g. "Invalid memory mapping (UC_ERR_MAP)"
}

func (e *Error) Error() string { return "unicorn: " + e.Op + ": " + e.Msg }

func ucError(code C.uc_err, op string) *Error {
	return &Error{Op: op, Code: int(code), Msg: C.GoString(C.uc_strerror(code))}
}

// ErrUnsupported is the root of the error New returns for a platform
// the linked Unicorn cannot execute (ppc64, ppc64le, mips64, mips64el).
var ErrUnsupported = errors.New("unicorn: platform not supported")

// ErrClosed is returned by every method of a closed Engine.
var ErrClosed = errors.New("unicorn: engine is closed")

// Version returns the version of the linked Unicorn library ("2.1.1";
// "2.0.1" with -tags unicorn_dynamic on Debian 12).
func Version() string {
	var major, minor C.uint
	v := C.uc_version(&major, &minor)
	return fmt.Sprintf("%d.%d.%d", major, minor, (v>>8)&0xff)
}

// Engine is a Unicorn instance for one guest platform. It is not safe for
// concurrent use. Start pins the calling goroutine to its OS thread while
// the guest runs; hooks run on that goroutine.
type Engine struct {
	uc   *C.uc_engine
	p    *platform.Platform
	def  *platformDef
	regs *C.sw_regs // register buffer of hooks (regs.go), C memory

	hooks     map[emu.Hook]*hook
	sysHooks  []*hook   // HookSyscall callbacks (copy on write)
	intrHooks []*hook   // HookInterrupt callbacks (copy on write)
	sysUC     C.uc_hook // Unicorn hook carrying syscalls (INSN on amd64), 0 until needed
	intrUC    C.uc_hook // the one UC_HOOK_INTR hook, 0 until needed
	internal  []*hook   // table entries of sysUC and intrUC

	exits    []uint64
	ptrMaps  []*ptrMap
	contexts map[*Context]struct{}

	runState

	// Exits implemented as hooks (MIPS, exits.go).
	exitEntry *hook // table entry of the exit hooks

	// PowerPC float compares fixed by hooks (ppcfcmp.go).
	fcmpEntry  *hook
	fcmpHooked map[uint64]bool
	exitHooks  []C.uc_hook // one code hook per exit
}

// runState is the binding's state of one Start: see Start, Stop and
// writePC. A Start nested in a hook saves and restores it whole.
type runState struct {
	running   bool
	stopReq   bool // Stop was called during this Start
	pcFlushed bool // a pc a hook wrote reached Unicorn during this Start
	held      bool // hooks see heldPC, not Unicorn's pc (see writePC)
	heldDirty bool // heldPC must be written to Unicorn
	// inIntr: an interrupt or invalid-memory hook runs (sw_go_intr,
	// sw_go_mem_invalid); restart: a nested run started from it, after
	// which Start goes on with a fresh uc_emu_start (see nestedStart).
	inIntr, restart bool
	// faultResume: an invalid-memory hook wrote the pc and did not
	// retry the access: the run goes on at faultResumePC.
	faultResume bool
	heldPC      uint64 //
	heldAdj     uint64 // subtracted when heldPC is written during the run
	tempExit    bool   // Stop added the pc as an exit (see Stop)
	tempExitAt  uint64 //
	unhandled   int64  // CPU exception no hook took (stops the run), -1 if none
	panicked    bool   // a hook panicked: Start re-panics with panicVal
	panicVal    any
	inHook      bool // a dispatcher runs: register writes may be buffered
	// insnHandled: an invalid-instruction hook returned true
	// (sw_go_insn_invalid).
	insnHandled   bool
	faultResumePC uint64
}

// New opens Unicorn for a platform, with the architecture, mode and CPU
// model of the platform table, and the exits mechanism enabled (so no
// address is an exit until SetExits names it).
func New(p *platform.Platform) (*Engine, error) {
	def, ok := defFor(p)
	if !ok {
		return nil, fmt.Errorf("unicorn: no engine table for platform %s", p.Name)
	}
	if def.unsupported != "" {
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, def.unsupported)
	}
	var uc *C.uc_engine
	if r := C.uc_open(def.arch, def.mode, &uc); r != C.UC_ERR_OK {
		return nil, ucError(r, fmt.Sprintf("open %s (arch %d, mode %#x)", p.Name, def.arch, def.mode))
	}
	e := &Engine{uc: uc, p: p, def: def, hooks: map[emu.Hook]*hook{},
		contexts: map[*Context]struct{}{}, runState: runState{unhandled: -1},
		regs: (*C.sw_regs)(C.calloc(1, C.sizeof_sw_regs))}
	if def.model >= 0 {
		if r := C.sw_set_cpu_model(uc, C.int(def.model)); r != C.UC_ERR_OK {
			e.Close()
			return nil, ucError(r, fmt.Sprintf("set cpu model %d for %s", def.model, p.Name))
		}
	}
	if def.tlbVirtual {
		if r := C.sw_tlb_virtual(uc); r != C.UC_ERR_OK {
			e.Close()
			return nil, ucError(r, "ctl tlb mode virtual")
		}
	}
	if def.msrLE {
		if err := e.setMSRLE(); err != nil {
			e.Close()
			return nil, err
		}
	}
	// With exits enabled, uc_emu_start ignores its until argument: no
	// address (not even 0) ends a run unless SetExits lists it.
	if r := C.sw_exits_enable(uc); r != C.UC_ERR_OK {
		e.Close()
		return nil, ucError(r, "ctl exits enable")
	}
	// The engine's own interrupt hook reports exceptions nobody handles
	// with their number (see sw_go_intr).
	if err := e.ensureIntrHook(); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Platform returns the engine's platform.
func (e *Engine) Platform() *platform.Platform { return e.p }

// Close frees the Unicorn instance, its saved contexts and hook slots,
// and releases the pins on mapped Go memory. Calling it again does nothing.
func (e *Engine) Close() error {
	if e.uc == nil {
		return nil
	}
	if e.running {
		return errors.New("unicorn: Close called from a hook during Start")
	}
	for c := range e.contexts {
		c.free()
	}
	r := C.uc_close(e.uc)
	e.uc = nil
	C.free(unsafe.Pointer(e.regs))
	e.regs = nil
	for _, h := range e.hooks {
		releaseHook(h)
	}
	for _, h := range e.internal {
		releaseHook(h)
	}
	e.hooks, e.internal, e.sysHooks, e.intrHooks = nil, nil, nil, nil
	for _, m := range e.ptrMaps {
		m.pin.unref()
	}
	e.ptrMaps = nil
	if r != C.UC_ERR_OK {
		return ucError(r, "close")
	}
	return nil
}

// ---- memory ----

// ptrMap is a mapping made with uc_mem_map_ptr over host memory.
type ptrMap struct {
	start, end uint64
	perm       memory.Perm
	host       unsafe.Pointer // host address of start
	pin        *pin
}

// pin keeps a region's Go memory pinned while any mapping uses it
// (runtime.Pinner does nothing for mmap'd memory, which is fine).
type pin struct {
	p      runtime.Pinner
	refs   int
	region *memory.Region
}

func (p *pin) unref() {
	if p.refs--; p.refs == 0 {
		p.p.Unpin()
		p.region = nil
	}
}

func ucPerm(p memory.Perm) C.uint32_t {
	var u C.uint32_t
	if p&memory.R != 0 {
		u |= C.UC_PROT_READ
	}
	if p&memory.W != 0 {
		u |= C.UC_PROT_WRITE
	}
	if p&memory.X != 0 {
		u |= C.UC_PROT_EXEC
	}
	return u
}

func checkPages(op string, addr, size uint64) error {
	if size == 0 {
		return fmt.Errorf("unicorn: %s %#x+%#x: empty range", op, addr, size)
	}
	if addr%PageSize != 0 || size%PageSize != 0 {
		return fmt.Errorf("unicorn: %s %#x+%#x: address and size must be multiples of %#x", op, addr, size, PageSize)
	}
	if addr+size < addr && addr+size != 0 {
		return fmt.Errorf("unicorn: %s %#x+%#x: range wraps around", op, addr, size)
	}
	return nil
}

// Map maps size bytes of zeroed memory that Unicorn owns at addr.
func (e *Engine) Map(addr, size uint64, perm memory.Perm) error {
	if e.uc == nil {
		return ErrClosed
	}
	if err := checkPages("mem_map", addr, size); err != nil {
		return err
	}
	if r := C.uc_mem_map(e.uc, C.uint64_t(addr), C.size_t(size), ucPerm(perm)); r != C.UC_ERR_OK {
		return ucError(r, fmt.Sprintf("mem_map %#x+%#x", addr, size))
	}
	return nil
}

// MapRegion maps the region's host bytes at r.Start with r.Perm through
// uc_mem_map_ptr: guest and host share the bytes, no copy. r.Start and
// len(r.Data) must be multiples of PageSize. Go memory is pinned until
// the mapping is gone (Unmap or Close); the region must stay valid as
// long (a Released mmap region must be unmapped first).
func (e *Engine) MapRegion(r *memory.Region) error {
	if e.uc == nil {
		return ErrClosed
	}
	size := uint64(len(r.Data))
	if err := checkPages("mem_map_ptr "+r.Name, r.Start, size); err != nil {
		return err
	}
	host := unsafe.Pointer(unsafe.SliceData(r.Data))
	p := &pin{region: r}
	p.p.Pin(host)
	if rc := C.uc_mem_map_ptr(e.uc, C.uint64_t(r.Start), C.size_t(size), ucPerm(r.Perm), host); rc != C.UC_ERR_OK {
		p.p.Unpin()
		return ucError(rc, fmt.Sprintf("mem_map_ptr %#x+%#x (%s)", r.Start, size, r.Name))
	}
	p.refs = 1
	e.ptrMaps = append(e.ptrMaps, &ptrMap{start: r.Start, end: r.Start + size, perm: r.Perm, host: host, pin: p})
	if r.Perm&memory.X != 0 {
		return e.fixFloatCompares(r.Start, r.Data)
	}
	return nil
}

// splitAt makes addr a boundary between ptr mappings. Unicorn splits a
// region itself when uc_mem_protect or uc_mem_unmap covers part of it,
// and for uc_mem_map_ptr regions that split has had bugs that silently
// detach the guest from the host bytes (issues #1028, #1549: the host
// block was looked up by comparing RAM offsets with guest addresses).
// The binding does not depend on it: it unmaps the whole mapping and
// maps its two halves over the same host bytes, so Unicorn only ever
// sees whole regions.
func (e *Engine) splitAt(addr uint64) error {
	for i, m := range e.ptrMaps {
		if addr <= m.start || addr >= m.end {
			continue
		}
		if r := C.uc_mem_unmap(e.uc, C.uint64_t(m.start), C.size_t(m.end-m.start)); r != C.UC_ERR_OK {
			return ucError(r, fmt.Sprintf("mem_unmap %#x+%#x (split at %#x)", m.start, m.end-m.start, addr))
		}
		hi := &ptrMap{start: addr, end: m.end, perm: m.perm, host: unsafe.Add(m.host, addr-m.start), pin: m.pin}
		lo := &ptrMap{start: m.start, end: addr, perm: m.perm, host: m.host, pin: m.pin}
		for _, x := range []*ptrMap{lo, hi} {
			if r := C.uc_mem_map_ptr(e.uc, C.uint64_t(x.start), C.size_t(x.end-x.start), ucPerm(x.perm), x.host); r != C.UC_ERR_OK {
				return ucError(r, fmt.Sprintf("mem_map_ptr %#x+%#x (split at %#x)", x.start, x.end-x.start, addr))
			}
		}
		m.pin.refs++
		e.ptrMaps[i] = lo
		e.ptrMaps = append(e.ptrMaps, hi)
		return nil
	}
	return nil
}

// Unmap removes [addr, addr+size) from the guest's memory.
func (e *Engine) Unmap(addr, size uint64) error {
	if e.uc == nil {
		return ErrClosed
	}
	if err := checkPages("mem_unmap", addr, size); err != nil {
		return err
	}
	if err := e.splitAt(addr); err != nil {
		return err
	}
	if err := e.splitAt(addr + size); err != nil {
		return err
	}
	if r := C.uc_mem_unmap(e.uc, C.uint64_t(addr), C.size_t(size)); r != C.UC_ERR_OK {
		return ucError(r, fmt.Sprintf("mem_unmap %#x+%#x", addr, size))
	}
	e.ptrMaps = slices.DeleteFunc(e.ptrMaps, func(m *ptrMap) bool {
		if m.start >= addr && m.end-1 <= addr+size-1 {
			m.pin.unref()
			return true
		}
		return false
	})
	return nil
}

// Protect sets the permissions of [addr, addr+size).
func (e *Engine) Protect(addr, size uint64, perm memory.Perm) error {
	if e.uc == nil {
		return ErrClosed
	}
	if err := checkPages("mem_protect", addr, size); err != nil {
		return err
	}
	if err := e.splitAt(addr); err != nil {
		return err
	}
	if err := e.splitAt(addr + size); err != nil {
		return err
	}
	if r := C.uc_mem_protect(e.uc, C.uint64_t(addr), C.size_t(size), ucPerm(perm)); r != C.UC_ERR_OK {
		return ucError(r, fmt.Sprintf("mem_protect %#x+%#x %s", addr, size, perm))
	}
	for _, m := range e.ptrMaps {
		if m.start >= addr && m.end-1 <= addr+size-1 {
			m.perm = perm
		}
	}
	return nil
}

// ReadMem fills buf from guest memory at addr (permissions ignored).
func (e *Engine) ReadMem(addr uint64, buf []byte) error {
	if e.uc == nil {
		return ErrClosed
	}
	if len(buf) == 0 {
		return nil
	}
	if r := C.uc_mem_read(e.uc, C.uint64_t(addr), unsafe.Pointer(unsafe.SliceData(buf)), C.size_t(len(buf))); r != C.UC_ERR_OK {
		return ucError(r, fmt.Sprintf("mem_read %#x+%#x", addr, len(buf)))
	}
	return nil
}

// WriteMem copies data to guest memory at addr (permissions ignored).
// Code already translated from those bytes keeps running until
// RemoveCache drops it.
func (e *Engine) WriteMem(addr uint64, data []byte) error {
	if e.uc == nil {
		return ErrClosed
	}
	if len(data) == 0 {
		return nil
	}
	if r := C.uc_mem_write(e.uc, C.uint64_t(addr), unsafe.Pointer(unsafe.SliceData(data)), C.size_t(len(data))); r != C.UC_ERR_OK {
		return ucError(r, fmt.Sprintf("mem_write %#x+%#x", addr, len(data)))
	}
	return e.fixFloatCompares(addr, data)
}

// Region is a mapped range as Unicorn reports it.
type Region struct {
	Start, End uint64 // End is exclusive
	Perm       memory.Perm
}

// Regions lists Unicorn's mapped regions in address order.
func (e *Engine) Regions() ([]Region, error) {
	if e.uc == nil {
		return nil, ErrClosed
	}
	var regs *C.uc_mem_region
	var n C.uint32_t
	if r := C.uc_mem_regions(e.uc, &regs, &n); r != C.UC_ERR_OK {
		return nil, ucError(r, "mem_regions")
	}
	defer C.uc_free(unsafe.Pointer(regs))
	out := make([]Region, 0, int(n))
	for _, r := range unsafe.Slice(regs, int(n)) {
		var p memory.Perm
		if r.perms&C.UC_PROT_READ != 0 {
			p |= memory.R
		}
		if r.perms&C.UC_PROT_WRITE != 0 {
			p |= memory.W
		}
		if r.perms&C.UC_PROT_EXEC != 0 {
			p |= memory.X
		}
		out = append(out, Region{Start: uint64(r.begin), End: uint64(r.end) + 1, Perm: p})
	}
	slices.SortFunc(out, func(a, b Region) int {
		if a.Start < b.Start {
			return -1
		}
		if a.Start > b.Start {
			return 1
		}
		return 0
	})
	return out, nil
}

// ---- registers ----

var masks = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 1<<40 - 1, 1<<48 - 1, 1<<56 - 1, ^uint64(0)}

// RegID resolves a register name (package cpu's name for the platform).
// The id is Unicorn's register id. A name package cpu has but Unicorn
// lacks (amd64 orig_rax) is an error wrapping cpu.ErrNoRegister.
func (e *Engine) RegID(name string) (emu.RegID, error) {
	if r, ok := e.def.index[name]; ok {
		return emu.RegID(r.id), nil
	}
	if slices.Contains(e.def.lacks, name) {
		return 0, fmt.Errorf("unicorn: %w %q on %s: Unicorn %s does not model it", cpu.ErrNoRegister, name, e.p.Name, Version())
	}
	return 0, fmt.Errorf("unicorn: %w %q on %s", cpu.ErrNoRegister, name, e.p.Name)
}

func (e *Engine) meta(id emu.RegID) (*regMeta, error) {
	if uint(id) >= uint(len(e.def.meta)) || e.def.meta[id].size == 0 {
		return nil, fmt.Errorf("unicorn: register id %d is not a register of %s", id, e.p.Name)
	}
	return &e.def.meta[id], nil
}

// ReadReg reads a register of at most 64 bits.
func (e *Engine) ReadReg(id emu.RegID) (uint64, error) {
	if e.uc == nil {
		return 0, ErrClosed
	}
	m, err := e.meta(id)
	if err != nil {
		return 0, err
	}
	if m.size > 8 {
		return 0, fmt.Errorf("unicorn: %s register %s is %d bytes: use RegBytes", e.p.Name, m.name, m.size)
	}
	if m.pc && e.held {
		return e.heldPC & masks[m.size], nil
	}
	if e.inHook {
		if v, ok := e.cached(id); ok {
			return v & masks[m.size], nil
		}
	}
	var v uint64
	if r := e.ucRead(C.int(id), unsafe.Pointer(&v)); r != C.UC_ERR_OK {
		return 0, ucError(r, "reg_read "+m.name)
	}
	if err := e.logError(); err != nil {
		return 0, err
	}
	return v & masks[m.size], nil
}

// WriteReg writes a register of at most 64 bits; bits above its width
// are dropped.
func (e *Engine) WriteReg(id emu.RegID, v uint64) error {
	if e.uc == nil {
		return ErrClosed
	}
	m, err := e.meta(id)
	if err != nil {
		return err
	}
	if m.size > 8 {
		return fmt.Errorf("unicorn: %s register %s is %d bytes: use SetRegBytes", e.p.Name, m.name, m.size)
	}
	v &= masks[m.size]
	if m.pc {
		return e.writePC(id, m, v)
	}
	if e.inHook {
		if m.gpr {
			return e.logWrite(id, m, v)
		}
		if err := e.flushLog(); err != nil {
			return err
		}
		defer e.dropAliases(m)
	}
	if r := C.uc_reg_write(e.uc, C.int(id), unsafe.Pointer(&v)); r != C.UC_ERR_OK {
		return ucError(r, fmt.Sprintf("reg_write %s %#x", m.name, v))
	}
	return nil
}

// RegBytes reads a register at its full width, little-endian (the host's
// order, which Unicorn uses for register values).
func (e *Engine) RegBytes(id emu.RegID) ([]byte, error) {
	if e.uc == nil {
		return nil, ErrClosed
	}
	m, err := e.meta(id)
	if err != nil {
		return nil, err
	}
	var buf [maxRegBytes]byte
	if m.pc && e.held {
		putLE(buf[:m.size], e.heldPC)
	} else if v, ok := e.cached(id); ok && e.inHook {
		putLE(buf[:m.size], v)
	} else if r := e.ucRead(C.int(id), unsafe.Pointer(&buf)); r != C.UC_ERR_OK {
		return nil, ucError(r, "reg_read "+m.name)
	} else if err := e.logError(); err != nil {
		return nil, err
	}
	return append([]byte(nil), buf[:m.size]...), nil
}

// SetRegBytes writes a register from little-endian bytes; short input is
// zero-extended, input longer than the register is an error.
func (e *Engine) SetRegBytes(id emu.RegID, b []byte) error {
	if e.uc == nil {
		return ErrClosed
	}
	m, err := e.meta(id)
	if err != nil {
		return err
	}
	if len(b) > int(m.size) {
		return fmt.Errorf("unicorn: %s register %s is %d bytes, got %d", e.p.Name, m.name, m.size, len(b))
	}
	var buf [maxRegBytes]byte
	copy(buf[:], b)
	if m.pc {
		var v uint64
		for i := int(m.size) - 1; i >= 0; i-- {
			v = v<<8 | uint64(buf[i])
		}
		return e.writePC(id, m, v)
	}
	if e.inHook {
		if err := e.flushLog(); err != nil {
			return err
		}
		defer e.dropAliases(m)
	}
	if r := C.uc_reg_write(e.uc, C.int(id), unsafe.Pointer(&buf)); r != C.UC_ERR_OK {
		return ucError(r, "reg_write "+m.name)
	}
	return nil
}

func putLE(b []byte, v uint64) {
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
}

// writePC writes the program counter. Outside Start it goes straight to
// Unicorn. In a hook it is held until the hook returns: Unicorn
// implements a pc write during a run as "quit the current block and go
// on at the new pc", which in 2.0.1 also cancels a uc_emu_stop of the
// same hook (a model of exit that also returns would never stop). So the
// binding writes the pc when the hook returns (through the hook's write
// buffer, regs.go), unless the hook (or an earlier one) called Stop: then
// the pc is written when Start returns. Reads in the hook see the written
// value.
func (e *Engine) writePC(id emu.RegID, m *regMeta, v uint64) error {
	if e.running {
		if !e.held {
			e.heldAdj = 0
		}
		e.held, e.heldDirty, e.heldPC = true, true, v
		return nil
	}
	if r := C.uc_reg_write(e.uc, C.int(id), unsafe.Pointer(&v)); r != C.UC_ERR_OK {
		return ucError(r, fmt.Sprintf("reg_write %s %#x", m.name, v))
	}
	return nil
}

// flushPC gives Unicorn the pc a hook wrote, at the end of the hook.
func (e *Engine) flushPC() {
	if e.stopReq {
		return // written when Start returns
	}
	if e.heldDirty {
		// The hook's trampoline applies the write after the other
		// buffered ones (regs.go).
		_ = e.logWrite(emu.RegID(e.def.pcID), &e.def.meta[e.def.pcID], (e.heldPC-e.heldAdj)&masks[e.def.meta[e.def.pcID].size])
		e.pcFlushed = true
	}
	e.held, e.heldDirty, e.heldAdj = false, false, 0
}

// rawPC reads Unicorn's pc.
func (e *Engine) rawPC() uint64 {
	var v uint64
	e.ucRead(e.def.pcID, unsafe.Pointer(&v))
	return v & masks[e.def.meta[e.def.pcID].size]
}

// setRawPC writes Unicorn's pc.
func (e *Engine) setRawPC(v uint64) {
	C.uc_reg_write(e.uc, e.def.pcID, unsafe.Pointer(&v))
}

// ---- running ----

// SetExits makes reaching any of addrs end Start without error (before
// the instruction there runs). It replaces the previous list.
//
// Unicorn decides whether an address is an exit when it translates the
// block holding it and caches the result; a block translated before the
// address became an exit would run through it. SetExits therefore drops
// the cached translations around every old and new exit.
func (e *Engine) SetExits(addrs []uint64) error {
	if e.uc == nil {
		return ErrClosed
	}
	old := e.exits
	e.exits = slices.Clone(addrs)
	if err := e.applyExits(e.exits); err != nil {
		return err
	}
	e.dropAround(old)
	e.dropAround(e.exits)
	return nil
}

// dropAround drops cached code holding each address or ending just
// before it.
func (e *Engine) dropAround(addrs []uint64) {
	if len(addrs) == 0 {
		return
	}
	regs, err := e.Regions()
	if err != nil {
		return
	}
	for _, a := range addrs {
		lo := a
		if lo > 0 {
			lo--
		}
		_ = e.removeCache(regs, lo, a+1)
	}
}

// Start runs the guest from begin until an exit (SetExits), a Stop, an
// error, or a limit of opts: Timeout (Unicorn counts microseconds; a
// shorter positive timeout is one microsecond) or Count instructions. It
// returns nil for an exit, a Stop and a limit; Unicorn does not say which
// (TimedOut tells a timeout).
//
// On ARM, an odd begin starts in Thumb state (bit 0 of the pc selects the
// instruction set, as for BX): armhf code is Thumb-2.
//
// Start locks the goroutine to its OS thread for the run (Unicorn's
// emulation state is per thread); hooks run on it. A hook that panics
// stops the run and Start re-panics with the same value once Unicorn has
// returned. Start may not be called from a hook.
//
// With Count > 0 Unicorn adds its own code hook on every
// instruction, which makes the run much slower.
func (e *Engine) Start(begin uint64, opts emu.StartOptions) error {
	if e.uc == nil {
		return ErrClosed
	}
	if e.running {
		if !e.inHook {
			return errors.New("unicorn: Start called during Start outside a hook")
		}
		return e.nestedStart(begin, opts)
	}
	return e.start(begin, opts)
}

// start runs Unicorn for Start and turns what the hooks recorded into its
// result.
func (e *Engine) start(begin uint64, opts emu.StartOptions) error {
	var timeout uint64
	if opts.Timeout > 0 {
		timeout = max(uint64(opts.Timeout.Microseconds()), 1)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	e.running, e.stopReq, e.pcFlushed, e.held = true, false, false, false
	e.unhandled, e.panicked, e.panicVal, e.insnHandled = -1, false, nil, false
	e.regs.nfetch, e.regs.nlog = 0, 0
	r := C.uc_emu_start(e.uc, C.uint64_t(begin), 0, C.uint64_t(timeout), C.size_t(opts.Count))
	for e.restart {
		e.restart = false
		resume := e.faultResume
		e.faultResume = false
		if (r != C.UC_ERR_OK && !resume) || e.stopReq || e.panicked || e.unhandled >= 0 {
			break
		}
		pc, err := e.ResumePC()
		if err != nil {
			break
		}
		if resume {
			// The fault unwound the instruction (its pc is back in
			// Unicorn's state); go on where the hook said, in the
			// instruction set the CPU is in (ARM: bit 0 from CPSR.T).
			thumb := uint64(0)
			if e.def.arch == C.UC_ARCH_ARM {
				thumb = pc & 1
			}
			pc = e.faultResumePC | thumb
		}
		r = C.uc_emu_start(e.uc, C.uint64_t(pc), 0, C.uint64_t(timeout), C.size_t(opts.Count))
	}
	e.running = false
	logErr := e.logError()
	if e.held && e.heldDirty {
		e.setRawPC(e.heldPC) // Unicorn's own pc moves are done by now
	}
	e.held, e.heldDirty, e.heldAdj = false, false, 0
	if e.tempExit {
		e.tempExit = false
		_ = e.applyExits(e.exits)
		e.dropAround([]uint64{e.tempExitAt})
	}
	if e.panicked {
		v := e.panicVal
		e.panicked, e.panicVal = false, nil
		panic(v)
	}
	if r != C.UC_ERR_OK {
		err := ucError(r, fmt.Sprintf("emu_start %#x (stopped at pc %#x)", begin, e.rawPC()))
		return err
	}
	if logErr != nil {
		return logErr
	}
	if e.unhandled >= 0 {
		err := ucError(C.UC_ERR_EXCEPTION, fmt.Sprintf("emu_start %#x: CPU exception %d at pc %#x", begin, e.unhandled, e.rawPC()))
		return err
	}
	return nil
}

// nestedStart runs a Start from a hook of a running Start (Unicorn 2
// allows uc_emu_start inside a callback, up to 64 levels): a model that
// calls a guest function (qsort's comparison) runs it this way. The
// hook's buffered register writes reach Unicorn first; its prefetched
// registers are dropped (the nested run changes them); the outer run's
// state (held pc, stop request, ...) is put back when the nested run
// returns, so the outer Start goes on as if the hook had not started
// one. Counting: Unicorn restarts its instruction counter for the nested
// run, so an outer Count limit counts anew after a nested run.
func (e *Engine) nestedStart(begin uint64, opts emu.StartOptions) error {
	if err := e.flushLog(); err != nil {
		return err
	}
	outer := e.runState
	e.regs.nfetch = 0
	e.runState = runState{}
	defer func() {
		end := e.rawPC()
		e.runState = outer
		if outer.inIntr {
			// Unicorn 2.1.1 does not go on well after a run nested in
			// an interrupt or invalid-memory hook: on MIPS the outer
			// run's later blocks skip code hooks and exits. The hook ends the outer
			// uc_emu_start instead, and Start begins a fresh one at the
			// pc (start), counting instructions anew.
			e.restart = true
		}
		if outer.held {
			// The hook held a pc (a syscall hook's, past the
			// instruction): the nested run moved it, so the hook now
			// sees where that run ended, as if it had written it.
			e.heldPC, e.heldDirty = end, true
		}
		e.regs.nfetch, e.regs.nlog = 0, 0
	}()
	return e.start(begin, opts)
}

// ResumePC returns the address to give Start to go on where the guest
// is: the pc, and on ARM bit 0 set when the CPU is in Thumb state
// (CPSR.T), since Start takes the instruction set from bit 0 there.
func (e *Engine) ResumePC() (uint64, error) {
	if e.uc == nil {
		return 0, ErrClosed
	}
	pc := e.rawPC()
	if e.held {
		pc = e.heldPC
	}
	if e.def.arch == C.UC_ARCH_ARM {
		var cpsr uint64
		if r := e.ucRead(C.UC_ARM_REG_CPSR, unsafe.Pointer(&cpsr)); r != C.UC_ERR_OK {
			return 0, ucError(r, "reg_read cpsr")
		}
		if cpsr&(1<<5) != 0 {
			pc |= 1
		}
	}
	return pc, nil
}

// TimedOut reports whether the last Start ended because of its timeout.
func (e *Engine) TimedOut() (bool, error) {
	if e.uc == nil {
		return false, ErrClosed
	}
	var res C.size_t
	if r := C.uc_query(e.uc, C.UC_QUERY_TIMEOUT, &res); r != C.UC_ERR_OK {
		return false, ucError(r, "query timeout")
	}
	return res != 0, nil
}

// Stop asks the running Start to return (after the current hook; the
// instruction a code hook runs before is not executed). Outside Start it
// does nothing.
//
// Unicorn turns a pc write during a run into a pending "go on at the new
// pc" that cancels uc_emu_stop. The binding holds a hook's pc writes until
// the hook returns (see writePC), but a memory hook can still run after
// another wrote the pc for the same instruction: if a pc reached Unicorn
// during this run, Stop also makes Unicorn's current pc an exit until
// Start returns, so the run ends there either way.
func (e *Engine) Stop() error {
	if e.uc == nil {
		return ErrClosed
	}
	if !e.running {
		return nil
	}
	e.stopReq = true
	if e.pcFlushed && !e.tempExit {
		at := e.rawPC()
		e.tempExit, e.tempExitAt = true, at
		if err := e.applyExits(append(slices.Clone(e.exits), at)); err != nil {
			return err
		}
		e.dropAround([]uint64{at})
	}
	if r := C.uc_emu_stop(e.uc); r != C.UC_ERR_OK {
		return ucError(r, "emu_stop")
	}
	return nil
}

// RemoveCache drops translated code in [begin, end), so that code bytes
// written since and hooks added since take effect. The range is clipped
// to mapped memory first: Unicorn's uc_ctl_remove_cache translates only
// begin to a host address and walks the range from there, so a range
// starting in unmapped memory does nothing and one reaching far past its
// region can run for minutes.
func (e *Engine) RemoveCache(begin, end uint64) error {
	if e.uc == nil {
		return ErrClosed
	}
	if end <= begin {
		return nil
	}
	regs, err := e.Regions()
	if err != nil {
		return err
	}
	return e.removeCache(regs, begin, end)
}

func (e *Engine) removeCache(regs []Region, begin, end uint64) error {
	for _, r := range regs {
		lo, hi := max(begin, r.Start), min(end, r.End)
		if r.End == 0 { // a region ending at the top of the address space
			hi = end
		}
		if lo >= hi {
			continue
		}
		if rc := C.sw_remove_cache(e.uc, C.uint64_t(lo), C.uint64_t(hi)); rc != C.UC_ERR_OK {
			return ucError(rc, fmt.Sprintf("ctl remove cache %#x-%#x", lo, hi))
		}
	}
	return nil
}

// ---- contexts ----

// Context is a saved CPU state (registers, not memory) of one engine.
type Context struct {
	e *Engine
	c *C.uc_context
}

// Free releases the context; it is safe to call more than once, and
// after the engine is closed (Close frees every context).
func (c *Context) Free() {
	if c.c != nil && c.e.uc != nil {
		c.free()
	}
}

func (c *Context) free() {
	C.uc_context_free(c.c)
	c.c = nil
	delete(c.e.contexts, c)
}

// SaveContext saves the CPU state (uc_context_save). Unicorn's contexts
// have known bugs on ARM and MIPS (2.0.1's issue tracker) (state outside the register
// file it saves); check what you rely on.
func (e *Engine) SaveContext() (emu.Context, error) {
	if e.uc == nil {
		return nil, ErrClosed
	}
	if err := e.flushLog(); err != nil {
		return nil, err
	}
	c := &Context{e: e}
	if r := C.uc_context_alloc(e.uc, &c.c); r != C.UC_ERR_OK {
		return nil, ucError(r, "context_alloc")
	}
	e.contexts[c] = struct{}{}
	if r := C.uc_context_save(e.uc, c.c); r != C.UC_ERR_OK {
		c.free()
		return nil, ucError(r, "context_save")
	}
	if e.held { // the pc hooks see is not Unicorn's yet
		pc := e.heldPC
		C.uc_context_reg_write(c.c, e.def.pcID, unsafe.Pointer(&pc))
	}
	return c, nil
}

// RestoreContext restores a state SaveContext of this engine returned.
func (e *Engine) RestoreContext(ctx emu.Context) error {
	if e.uc == nil {
		return ErrClosed
	}
	c, ok := ctx.(*Context)
	if !ok || c.e != e {
		return errors.New("unicorn: RestoreContext: context was not saved by this engine")
	}
	if c.c == nil {
		return errors.New("unicorn: RestoreContext: context was freed")
	}
	if err := e.flushLog(); err != nil {
		return err
	}
	e.regs.nfetch = 0 // every prefetched value is stale now
	if r := C.uc_context_restore(e.uc, c.c); r != C.UC_ERR_OK {
		return ucError(r, "context_restore")
	}
	if e.held {
		// In a hook the context's pc is the one hooks see (SaveContext
		// put heldPC there): it is held again, and reaches Unicorn as a
		// pc the hook wrote. Left raw, Unicorn would move it again past
		// an amd64 syscall.
		var pc uint64
		C.uc_context_reg_read(c.c, e.def.pcID, unsafe.Pointer(&pc))
		e.heldPC, e.heldDirty = pc, true
	}
	return nil
}
