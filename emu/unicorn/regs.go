package unicorn

/*
#cgo noescape sw_reg_read_flushed
#cgo nocallback sw_reg_read_flushed
#cgo nocallback sw_flush_log
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/smallworld-go/smallworld/emu"
)

// Register access from hooks without cgo calls.
//
// A cgo call costs 25-40 ns here, and so does every uc_reg_read and
// uc_reg_write made from Go: a function model that reads an argument and
// sets a result would spend most of its 100 ns budget crossing into C.
// So while a hook runs, registers go through the engine's register
// buffer (sw_regs in shim.h, C memory that Go reads and writes directly):
//
//   - prefetch: HookCode's prefetch list names registers the C trampoline
//     reads with uc_reg_read before calling Go (a C-to-C call, a few ns).
//     ReadReg of one of them returns the buffered value; WriteReg updates
//     it.
//   - write log: WriteReg of a general register (the platform's gprs) in
//     any hook appends the write to the log, which the trampoline applies
//     with uc_reg_write after Go returns. Writes of other registers
//     (segment selectors, flags, system registers: writes that may fail
//     or have side effects) go to Unicorn at once, after the log.
//
// The buffer never shows a stale value: a read Unicorn serves (a register
// not prefetched, RegBytes, SaveContext...) first applies the log; a
// write to a register that shares bits with a prefetched one (eax and
// rax, w0 and x0: same root in package cpu's table) drops the prefetched
// copy; RestoreContext drops them all. Errors Unicorn reports for logged
// writes (none are expected for general registers) are returned by the
// next register access that reaches Unicorn, or by Start.
//
// This replaces reading QEMU's register array in memory (2.0.1's
// regfast.go), which depended on the uc_struct layout of one Unicorn
// build and broke with 2.1.1.

// fetchMax is how many registers a code hook may prefetch.
const fetchMax = C.SW_FETCH_MAX

// fetchList checks a prefetch list: it keeps registers of at most 8
// bytes other than the pc, without duplicates, up to SW_FETCH_MAX.
func (e *Engine) fetchList(ids []emu.RegID) ([]C.int, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if e.uc == nil {
		return nil, ErrClosed
	}
	var out []C.int
	for _, id := range ids {
		m, err := e.meta(id)
		if err != nil {
			return nil, fmt.Errorf("unicorn: HookCode prefetch: %w", err)
		}
		if m.pc || m.size > 8 || len(out) == fetchMax {
			continue
		}
		dup := false
		for _, x := range out {
			dup = dup || x == C.int(id)
		}
		if !dup {
			out = append(out, C.int(id))
		}
	}
	return out, nil
}

// cached returns the prefetched value of a register during a hook.
func (e *Engine) cached(id emu.RegID) (uint64, bool) {
	r := e.regs
	for i := 0; i < int(r.nfetch); i++ {
		if r.fetch_ids[i] == C.int32_t(id) {
			return uint64(r.fetch_vals[i]), true
		}
	}
	return 0, false
}

// logWrite buffers a write of a general register during a hook.
func (e *Engine) logWrite(id emu.RegID, m *regMeta, v uint64) error {
	r := e.regs
	for i := 0; i < int(r.nfetch); i++ {
		if r.fetch_ids[i] == C.int32_t(id) {
			r.fetch_vals[i] = C.uint64_t(v)
		} else if aliases(e.def.meta[r.fetch_ids[i]].root, m.root) {
			e.dropFetched(i)
			i--
		}
	}
	if r.nlog == C.SW_LOG_MAX {
		if err := e.flushLog(); err != nil {
			return err
		}
	}
	r.log_ids[r.nlog] = C.int32_t(id)
	r.log_vals[r.nlog] = C.uint64_t(v)
	r.nlog++
	return nil
}

// dropFetched removes prefetched slot i.
func (e *Engine) dropFetched(i int) {
	r := e.regs
	last := int(r.nfetch) - 1
	r.fetch_ids[i], r.fetch_vals[i] = r.fetch_ids[last], r.fetch_vals[last]
	r.nfetch--
}

// dropAliases removes the prefetched registers sharing bits with a
// register Unicorn just wrote.
func (e *Engine) dropAliases(m *regMeta) {
	r := e.regs
	for i := 0; i < int(r.nfetch); i++ {
		if aliases(e.def.meta[r.fetch_ids[i]].root, m.root) {
			e.dropFetched(i)
			i--
		}
	}
}

// aliases tells whether registers of two roots may share bits.
func aliases(a, b C.int32_t) bool { return a < 0 || b < 0 || a == b }

// flushLog applies the buffered writes now (before Unicorn serves a
// read or a write of its own, or takes a context).
func (e *Engine) flushLog() error {
	r := e.regs
	if r.nlog > 0 {
		C.sw_flush_log(e.uc, r)
	}
	return e.logError()
}

// logError returns (once) an error Unicorn reported for a logged write.
func (e *Engine) logError() error {
	r := e.regs
	if c := r.log_err; c != C.UC_ERR_OK {
		r.log_err = C.UC_ERR_OK
		return ucError(c, "reg_write (buffered during a hook)")
	}
	return nil
}

// ucRead reads a register through Unicorn, applying the log first.
func (e *Engine) ucRead(id C.int, p unsafe.Pointer) C.uc_err {
	if e.regs.nlog > 0 {
		return C.sw_reg_read_flushed(e.uc, e.regs, id, p)
	}
	return C.uc_reg_read(e.uc, id, p)
}
