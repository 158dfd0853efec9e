package unicorn

// #include "shim.h"
import "C"

import "fmt"

// Exits. Most platforms use Unicorn's exits mechanism (uc_ctl exits,
// enabled by New), which Unicorn bakes into translated blocks: SetExits
// drops the translations around old and new exits (see SetExits).
//
// MIPS (Unicorn 2.0.1 and 2.1.1) translates an exit as an inline "wait"
// without saving the pc, so after a run that ended at an exit the pc reads as the last
// instruction a hook or a branch synchronised, not the exit (Unicorn
// issue #884). On MIPS the binding implements exits itself, as code hooks
// on the exit addresses that stop the run (the pc is synchronised before
// a code hook). One difference remains: a code hook at an exit address
// added before SetExits still runs when the exit is reached.

// applyExits tells Unicorn which addresses are exits.
func (e *Engine) applyExits(addrs []uint64) error {
	if !e.def.hookExits {
		var p *C.uint64_t
		if len(addrs) > 0 {
			p = (*C.uint64_t)(&addrs[0])
		}
		if r := C.sw_set_exits(e.uc, p, C.size_t(len(addrs))); r != C.UC_ERR_OK {
			return ucError(r, fmt.Sprintf("ctl set exits (%d)", len(addrs)))
		}
		return nil
	}
	if e.exitEntry == nil {
		h := &hook{kind: kindInternal, code: func(uint64, uint32) { e.exitReached() }}
		if _, err := e.install(h, nil, ""); err != nil {
			return err
		}
		e.exitEntry = h
	}
	for _, hh := range e.exitHooks {
		C.uc_hook_del(e.uc, hh)
	}
	e.exitHooks = e.exitHooks[:0]
	for _, a := range addrs {
		var hh C.uc_hook
		if r := C.sw_hook_add(e.uc, &hh, C.UC_HOOK_CODE, C.SW_CB_CODE, e.exitEntry.ud, C.uint64_t(a), C.uint64_t(a)); r != C.UC_ERR_OK {
			return ucError(r, fmt.Sprintf("hook_add exit %#x", a))
		}
		e.exitHooks = append(e.exitHooks, hh)
	}
	return nil
}

// exitReached ends the run at an exit implemented as a hook.
func (e *Engine) exitReached() {
	e.stopReq = true
	C.uc_emu_stop(e.uc)
}
