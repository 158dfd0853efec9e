package unicorn

// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/smallworld-go/smallworld/emu"
)

// Hooks. Unicorn calls a C trampoline (shim.c) with the user_data given
// at uc_hook_add, an sw_ud in C memory; the trampoline calls the Go
// dispatcher (sw_go_*) below with the hook id it holds: a slot of the
// global hook table and the slot's generation, never a Go pointer.
// Looking a hook up is two atomic loads, no lock and no allocation.
//
// The sw_ud also points at the engine's register buffer (regs.go): a
// code hook's trampoline reads the registers the hook declared before
// calling Go, and every trampoline applies the register writes the hook
// buffered after Go returns, so a hook that only touches those registers
// makes no cgo call besides the callback itself.

type hookKind uint8

const (
	kindCode hookKind = iota + 1
	kindBlock
	kindMem
	kindInvalidMem
	kindInterrupt
	kindSyscall
	kindInsnInvalid
	kindInternal // the engine's own hook carrying syscalls and interrupts
)

type hook struct {
	e    *Engine
	id   uintptr // slot | generation<<32: the user_data and the emu.Hook
	kind hookKind
	uc   C.uc_hook // Unicorn's handle; 0 for hooks riding on an internal one
	uc2  C.uc_hook // a second one (HookMem's fetches)
	ud   *C.sw_ud  // user_data of uc and uc2 (C memory, freed with the hook)

	code  emu.CodeHook
	mem   emu.MemHook
	inv   emu.InvalidMemHook
	intr  emu.InterruptHook
	sys   func()
	insn  func() bool
	kinds emu.Access // kindMem: which accesses
	fetch []C.int    // kindCode: registers to read before calling code
}

const (
	chunkBits = 10
	numChunks = 1 << 14 // 16M hook slots in all
)

type hookChunk [1 << chunkBits]atomic.Pointer[hook]

// hookTable is the global table of installed hooks.
type hookTable struct {
	chunks [numChunks]atomic.Pointer[hookChunk]

	mu   sync.Mutex
	gens []uint32 // generation of each slot, bumped on release
	free []uint32
}

var table hookTable

func (t *hookTable) add(h *hook) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var slot uint32
	if n := len(t.free); n > 0 {
		slot = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if len(t.gens) == 0 {
			t.gens = append(t.gens, 0) // slot 0 is never used: user_data is never NULL
		}
		if len(t.gens) >= numChunks<<chunkBits {
			return errors.New("unicorn: too many hooks")
		}
		slot = uint32(len(t.gens))
		t.gens = append(t.gens, 0)
	}
	c := t.chunks[slot>>chunkBits].Load()
	if c == nil {
		c = new(hookChunk)
		t.chunks[slot>>chunkBits].Store(c)
	}
	h.id = uintptr(slot) | uintptr(t.gens[slot])<<32
	c[slot&(1<<chunkBits-1)].Store(h)
	return nil
}

func (t *hookTable) release(h *hook) {
	t.mu.Lock()
	defer t.mu.Unlock()
	slot := uint32(h.id)
	c := t.chunks[slot>>chunkBits].Load()
	if c == nil || c[slot&(1<<chunkBits-1)].Load() != h {
		return
	}
	c[slot&(1<<chunkBits-1)].Store(nil)
	t.gens[slot]++
	t.free = append(t.free, slot)
}

// get returns the live hook of an id, or nil.
func (t *hookTable) get(id uintptr) *hook {
	slot := uint32(id)
	c := t.chunks[(slot>>chunkBits)%numChunks].Load()
	if c == nil {
		return nil
	}
	h := c[slot&(1<<chunkBits-1)].Load()
	if h == nil || h.id != id {
		return nil
	}
	return h
}

// lookup returns the hook of a callback, checking it belongs to the
// Unicorn instance calling.
func lookup(uc *C.uc_engine, id C.uintptr_t) *hook {
	h := table.get(uintptr(id))
	if h == nil || h.e.uc != uc {
		return nil
	}
	return h
}

// endHook, deferred by every dispatcher, ends the hook's access to the
// register buffer and turns a panic in a hook into a stop; Start
// re-panics with the value once Unicorn has returned (a panic must not
// unwind through Unicorn's C frames).
func (e *Engine) endHook() {
	e.inHook = false
	if v := recover(); v != nil {
		if !e.panicked {
			e.panicked, e.panicVal = true, v
		}
		e.stopReq = true
		C.uc_emu_stop(e.uc)
	}
}

// endIntr, deferred by the interrupt and invalid-memory dispatchers
// before endHook: a run nested in them asks for a fresh outer run
// (nestedStart), which starts when this one stops.
func (e *Engine) endIntr() {
	e.inIntr = false
	if e.restart && !e.stopReq {
		C.uc_emu_stop(e.uc)
	}
}

//export sw_go_code
func sw_go_code(uc *C.uc_engine, id C.uintptr_t, addr C.uint64_t, size C.uint32_t) {
	h := lookup(uc, id)
	if h == nil {
		return
	}
	e := h.e
	e.inHook = true
	defer e.endHook()
	h.code(uint64(addr), uint32(size))
	if e.held {
		e.flushPC()
	}
}

//export sw_go_mem
func sw_go_mem(uc *C.uc_engine, id C.uintptr_t, typ C.int, addr C.uint64_t, size C.int, value C.int64_t) {
	h := lookup(uc, id)
	if h == nil {
		return
	}
	h.e.inHook = true
	defer h.e.endHook()
	var a emu.Access
	switch typ {
	case C.UC_MEM_READ, C.UC_MEM_READ_AFTER:
		a = emu.AccessRead
	case C.UC_MEM_WRITE:
		a = emu.AccessWrite
	case C.UC_MEM_FETCH:
		a = emu.AccessFetch
	}
	e := h.e
	h.mem(a, uint64(addr), int(size), int64(value))
	if e.held {
		e.flushPC()
	}
}

//export sw_go_mem_invalid
func sw_go_mem_invalid(uc *C.uc_engine, id C.uintptr_t, typ C.int, addr C.uint64_t, size C.int, value C.int64_t) C.bool {
	h := lookup(uc, id)
	if h == nil {
		return false
	}
	h.e.inHook = true
	defer h.e.endHook()
	defer h.e.endIntr()
	a, f := emu.AccessRead, emu.FaultUnmapped
	switch typ {
	case C.UC_MEM_WRITE_UNMAPPED:
		a = emu.AccessWrite
	case C.UC_MEM_FETCH_UNMAPPED:
		a = emu.AccessFetch
	case C.UC_MEM_READ_PROT:
		f = emu.FaultProt
	case C.UC_MEM_WRITE_PROT:
		a, f = emu.AccessWrite, emu.FaultProt
	case C.UC_MEM_FETCH_PROT:
		a, f = emu.AccessFetch, emu.FaultProt
	}
	h.e.inIntr = true // a run nested here needs a fresh outer run too
	ok := h.inv(a, f, uint64(addr), int(size))
	if e := h.e; !ok && e.held && e.heldDirty && !e.stopReq {
		// The hook moved the pc and gave the access up: Start goes on
		// at that pc in a fresh run (start).
		e.faultResume, e.faultResumePC, e.restart = true, e.heldPC, true
		e.held, e.heldDirty = false, false
	} else if e.held {
		e.flushPC()
	}
	return C.bool(ok)
}

//export sw_go_intr
func sw_go_intr(uc *C.uc_engine, id C.uintptr_t, intno C.uint32_t) {
	h := lookup(uc, id)
	if h == nil {
		return
	}
	e := h.e
	e.inHook, e.inIntr = true, true
	defer e.endHook()
	defer e.endIntr()
	n := uint32(intno)
	if e.insnHandled {
		// Unicorn 2.1.1 raises the CPU's invalid-opcode exception after
		// an invalid-instruction hook returned true; the run already
		// stops there (see sw_go_insn_invalid).
		e.insnHandled = false
		return
	}
	if e.def.syscall.insn == 0 && n == e.def.syscall.intno && len(e.sysHooks) > 0 {
		e.runSyscall()
		return
	}
	hs := e.intrHooks
	if len(hs) == 0 {
		// Unicorn counts any UC_HOOK_INTR hook as having handled the
		// exception, and would go on (on AArch64 brk, forever at the same
		// pc). Without a hook of the user, end the run as Unicorn would.
		e.unhandled = int64(n)
		e.stopReq = true
		C.uc_emu_stop(uc)
		return
	}
	for _, x := range hs {
		x.intr(n)
	}
	if e.held {
		e.flushPC()
	}
}

//export sw_go_syscall
func sw_go_syscall(uc *C.uc_engine, id C.uintptr_t) {
	h := lookup(uc, id)
	if h == nil {
		return
	}
	h.e.inHook = true
	defer h.e.endHook()
	h.e.runSyscall()
}

// runSyscall runs the syscall hooks with the pc past the instruction,
// where Unicorn does not already put it (amd64 syscall, ppc sc).
func (e *Engine) runSyscall() {
	sc := &e.def.syscall
	if sc.atInsn {
		// Hooks see the pc past the instruction. On amd64 Unicorn adds
		// the size itself after the hook: a pc a hook writes is given to
		// Unicorn less the size. On ppc nothing moves the pc: it is
		// always written.
		e.held, e.heldPC, e.heldDirty, e.heldAdj = true, e.rawPC()+sc.size, !sc.advances, 0
		if sc.advances {
			e.heldAdj = sc.size
		}
	}
	for _, h := range e.sysHooks {
		h.sys()
	}
	if e.held {
		e.flushPC()
	}
}

//export sw_go_insn_invalid
func sw_go_insn_invalid(uc *C.uc_engine, id C.uintptr_t) C.bool {
	h := lookup(uc, id)
	if h == nil {
		return false
	}
	e := h.e
	e.inHook = true
	defer e.endHook()
	ok := h.insn()
	if ok {
		// The hook handled the instruction: end the run without error.
		// Unicorn 2.0.1 does so by itself; 2.1.1 instead delivers the
		// CPU's invalid-opcode exception to the interrupt hooks next
		// (without one: UC_ERR_EXCEPTION), which sw_go_intr swallows.
		e.insnHandled = true
		e.stopReq = true
		C.uc_emu_stop(uc)
	}
	if e.held {
		e.flushPC()
	}
	return C.bool(ok)
}

// install registers h in the table and, for hooks with their own Unicorn
// hook, with Unicorn.
func (e *Engine) install(h *hook, add func(ud *C.sw_ud, hh *C.uc_hook) C.uc_err, op string) (emu.Hook, error) {
	if e.uc == nil {
		return 0, ErrClosed
	}
	h.e = e
	if err := table.add(h); err != nil {
		return 0, err
	}
	h.ud = (*C.sw_ud)(C.calloc(1, C.sizeof_sw_ud))
	h.ud.id = C.uintptr_t(h.id)
	h.ud.regs = e.regs
	if len(h.fetch) > 0 {
		h.ud.nfetch = C.int32_t(len(h.fetch))
		for i, id := range h.fetch {
			h.ud.fetch_ids[i] = C.int32_t(id)
		}
	}
	if add != nil {
		if r := add(h.ud, &h.uc); r != C.UC_ERR_OK {
			releaseHook(h)
			return 0, ucError(r, op)
		}
	}
	if h.kind == kindInternal {
		e.internal = append(e.internal, h)
	} else {
		e.hooks[emu.Hook(h.id)] = h
	}
	return emu.Hook(h.id), nil
}

// releaseHook frees a hook's table slot and user_data. Unicorn must no
// longer call it (hook deleted or engine closed): Unicorn 2.x skips a
// deleted hook until it frees it, and never reads its user_data.
func releaseHook(h *hook) {
	table.release(h)
	if h.ud != nil {
		C.free(unsafe.Pointer(h.ud))
		h.ud = nil
	}
}

func (e *Engine) addRange(kind hookKind, ucType C.int, cb C.int, begin, end uint64, h *hook, name string) (emu.Hook, error) {
	h.kind = kind
	return e.install(h, func(ud *C.sw_ud, hh *C.uc_hook) C.uc_err {
		return C.sw_hook_add(e.uc, hh, ucType, cb, ud, C.uint64_t(begin), C.uint64_t(end))
	}, fmt.Sprintf("hook_add %s %#x-%#x", name, begin, end))
}

// HookCode runs fn before each instruction in [begin, end] (begin > end:
// everywhere). Code translated before the hook was added does not call
// it: RemoveCache(begin, end+1) after adding hooks between runs.
//
// prefetch names registers fn reads or writes (at most 8 count; others
// are ignored, and so are the pc and registers wider than 8 bytes): the
// hook's C trampoline reads them with uc_reg_read before calling fn, so
// ReadReg and WriteReg of them in fn cost no cgo call (see regs.go).
// It changes nothing else: fn may access any register.
func (e *Engine) HookCode(begin, end uint64, fn emu.CodeHook, prefetch ...emu.RegID) (emu.Hook, error) {
	fetch, err := e.fetchList(prefetch)
	if err != nil {
		return 0, err
	}
	return e.addRange(kindCode, C.UC_HOOK_CODE, C.SW_CB_CODE, begin, end, &hook{code: fn, fetch: fetch}, "code")
}

// HookBlock runs fn at the start of each basic block in [begin, end]
// (size is the block's size in bytes).
func (e *Engine) HookBlock(begin, end uint64, fn emu.CodeHook) (emu.Hook, error) {
	return e.addRange(kindBlock, C.UC_HOOK_BLOCK, C.SW_CB_CODE, begin, end, &hook{code: fn}, "block")
}

// HookMem runs fn on the accesses of kinds (AccessRead|AccessWrite|
// AccessFetch) to [begin, end]. A read is reported after it happened,
// with the value read (UC_HOOK_MEM_READ_AFTER); a write before, with the
// value to be written. fn's result is ignored.
//
// Unicorn (2.0.1 and 2.1.1) never calls UC_HOOK_MEM_FETCH hooks, so a fetch is
// reported from a code hook on the same range: once per instruction, with
// the instruction's address and size and value 0.
func (e *Engine) HookMem(kinds emu.Access, begin, end uint64, fn emu.MemHook) (emu.Hook, error) {
	var t C.int
	if kinds&emu.AccessRead != 0 {
		t |= C.UC_HOOK_MEM_READ_AFTER
	}
	if kinds&emu.AccessWrite != 0 {
		t |= C.UC_HOOK_MEM_WRITE
	}
	if kinds&(emu.AccessRead|emu.AccessWrite|emu.AccessFetch) == 0 {
		return 0, fmt.Errorf("unicorn: HookMem: no access kind in %#x", kinds)
	}
	h := &hook{kind: kindMem, mem: fn, kinds: kinds}
	if kinds&emu.AccessFetch != 0 {
		h.code = func(addr uint64, size uint32) { fn(emu.AccessFetch, addr, int(size), 0) }
	}
	return e.install(h, func(ud *C.sw_ud, hh *C.uc_hook) C.uc_err {
		if t != 0 {
			if r := C.sw_hook_add(e.uc, hh, t, C.SW_CB_MEM, ud, C.uint64_t(begin), C.uint64_t(end)); r != C.UC_ERR_OK {
				return r
			}
		}
		if h.code == nil {
			return C.UC_ERR_OK
		}
		r := C.sw_hook_add(e.uc, &h.uc2, C.UC_HOOK_CODE, C.SW_CB_CODE, ud, C.uint64_t(begin), C.uint64_t(end))
		if r != C.UC_ERR_OK && h.uc != 0 {
			C.uc_hook_del(e.uc, h.uc)
		}
		return r
	}, fmt.Sprintf("hook_add mem %#x-%#x", begin, end))
}

// HookInvalidMem runs fn when an access hits unmapped memory or memory
// without the permission (UC_HOOK_MEM_UNMAPPED|UC_HOOK_MEM_PROT).
// Returning true means fn made the access possible (mapped or
// re-protected memory) and it is retried; false ends Start with
// Unicorn's error for the access (UC_ERR_READ_UNMAPPED...).
func (e *Engine) HookInvalidMem(fn emu.InvalidMemHook) (emu.Hook, error) {
	return e.addRange(kindInvalidMem, C.UC_HOOK_MEM_UNMAPPED|C.UC_HOOK_MEM_PROT, C.SW_CB_MEM_INVALID, 1, 0, &hook{inv: fn}, "invalid mem")
}

// HookInvalidInsn runs fn when the CPU meets an instruction it cannot
// decode (x86 ud2 is one). The run ends at such an instruction whatever
// fn returns: true ends Start without error (fn handled it: it should set
// the pc, and the caller starts again), false with UC_ERR_INSN_INVALID.
// Without this hook Start returns UC_ERR_INSN_INVALID. (Unicorn 2.0.1
// behaves so itself; 2.1.1 would raise the CPU's invalid-opcode exception
// after true, which the binding swallows.)
func (e *Engine) HookInvalidInsn(fn func() bool) (emu.Hook, error) {
	return e.addRange(kindInsnInvalid, C.UC_HOOK_INSN_INVALID, C.SW_CB_INSN_INVALID, 1, 0, &hook{insn: fn}, "invalid insn")
}

// HookSyscall runs fn when the guest executes the platform's system call
// instruction (amd64 syscall, i386 int 0x80, svc, MIPS syscall, PPC sc).
// While fn runs the pc is the address past the instruction on every
// platform, and a pc fn writes is where execution goes on.
func (e *Engine) HookSyscall(fn func()) (emu.Hook, error) {
	if err := e.ensureSyscallHook(); err != nil {
		return 0, err
	}
	h := &hook{kind: kindSyscall, sys: fn}
	id, err := e.install(h, nil, "")
	if err != nil {
		return 0, err
	}
	e.sysHooks = append(slices.Clip(e.sysHooks), h)
	return id, nil
}

// HookInterrupt runs fn on CPU exceptions other than the system call
// (while a syscall hook is installed), with Unicorn's number for the
// platform (x86: the vector; ARM and AArch64: QEMU's EXCP_*, e.g. 1 UDEF,
// 7 BKPT; MIPS: EXCP_*, e.g. 20 RI, 22 TRAP; PPC: POWERPC_EXCP_*). With no
// interrupt hook, an exception ends Start with UC_ERR_EXCEPTION and the
// error names the number.
//
// Once any interrupt hook exists Unicorn counts every exception as
// handled and goes on at the pc, which for a faulting instruction (brk,
// udf, a trap) is often the instruction itself: fn must move the pc or
// Stop, or the guest spins on it until a limit.
func (e *Engine) HookInterrupt(fn emu.InterruptHook) (emu.Hook, error) {
	if err := e.ensureIntrHook(); err != nil {
		return 0, err
	}
	h := &hook{kind: kindInterrupt, intr: fn}
	id, err := e.install(h, nil, "")
	if err != nil {
		return 0, err
	}
	e.intrHooks = append(slices.Clip(e.intrHooks), h)
	return id, nil
}

// ensureIntrHook installs the engine's one UC_HOOK_INTR hook.
func (e *Engine) ensureIntrHook() error {
	if e.intrUC != 0 {
		return nil
	}
	h := &hook{kind: kindInternal}
	_, err := e.install(h, func(ud *C.sw_ud, hh *C.uc_hook) C.uc_err {
		return C.sw_hook_add(e.uc, hh, C.UC_HOOK_INTR, C.SW_CB_INTR, ud, 1, 0)
	}, "hook_add interrupt")
	if err == nil {
		e.intrUC = h.uc
	}
	return err
}

// ensureSyscallHook installs what carries syscalls to runSyscall.
func (e *Engine) ensureSyscallHook() error {
	insn := e.def.syscall.insn
	if insn == 0 {
		return e.ensureIntrHook()
	}
	if e.sysUC != 0 {
		return nil
	}
	h := &hook{kind: kindInternal}
	_, err := e.install(h, func(ud *C.sw_ud, hh *C.uc_hook) C.uc_err {
		return C.sw_hook_add_syscall(e.uc, hh, ud, insn)
	}, "hook_add syscall insn")
	if err == nil {
		e.sysUC = h.uc
	}
	return err
}

// RemoveHook removes a hook. Unicorn frees its hook only when the current
// or next Start ends; the hook is not called again meanwhile.
func (e *Engine) RemoveHook(id emu.Hook) error {
	if e.uc == nil {
		return ErrClosed
	}
	h, ok := e.hooks[id]
	if !ok {
		return fmt.Errorf("unicorn: RemoveHook: no hook %#x", uintptr(id))
	}
	switch h.kind {
	case kindSyscall:
		e.sysHooks = slices.DeleteFunc(slices.Clone(e.sysHooks), func(x *hook) bool { return x == h })
	case kindInterrupt:
		e.intrHooks = slices.DeleteFunc(slices.Clone(e.intrHooks), func(x *hook) bool { return x == h })
	default:
		for _, hh := range []C.uc_hook{h.uc, h.uc2} {
			if hh == 0 {
				continue
			}
			if r := C.uc_hook_del(e.uc, hh); r != C.UC_ERR_OK {
				return ucError(r, "hook_del")
			}
		}
	}
	delete(e.hooks, id)
	releaseHook(h)
	return nil
}
