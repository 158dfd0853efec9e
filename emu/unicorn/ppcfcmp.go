package unicorn

// #include "shim.h"
import "C"

import (
	"fmt"
	"math"
	"unsafe"
)

// PowerPC floating compares. In Unicorn 2.1.1's 32-bit PowerPC, fcmpu and
// fcmpo leave the condition register as it was (measured: 2.5 against 0 sets no CR0 bit,
// so a branch on the result goes the wrong way; 2.0.1 and 2.1.4 set it).
// Every double comparison of a program is then wrong: glibc's sqrt took
// its overflow path and returned its argument. The binding sets the
// field itself: a code hook at each fcmpu/fcmpo in executable memory it
// maps or is written, run before the instruction, computes the result
// from the operands as the instruction defines it (unordered 1, less
// 8, greater 4, equal 2) and writes it to CR field BF. The instruction
// then runs and changes nothing the hook set. TestPPCFloatCompare checks
// it against the ISA's definition.

// fcmpFields decodes a word as fcmpu or fcmpo (X-form, primary opcode
// 63, extended opcode 0 or 32): the CR field and the two FPRs.
func fcmpFields(w uint32) (bf, fra, frb uint32, ok bool) {
	if w>>26 != 63 || w&1 != 0 || (w>>21)&3 != 0 {
		return 0, 0, 0, false
	}
	if xo := (w >> 1) & 0x3ff; xo != 0 && xo != 32 {
		return 0, 0, 0, false
	}
	return (w >> 23) & 7, (w >> 16) & 31, (w >> 11) & 31, true
}

// fixFloatCompares hooks the float compares in code at addr.
func (e *Engine) fixFloatCompares(addr uint64, code []byte) error {
	if !e.def.fcmpFix {
		return nil
	}
	for i := (4 - addr%4) % 4; i+4 <= uint64(len(code)); i += 4 {
		w := e.p.ByteOrder.Uint32(code[i:]) // ppc64le code is little-endian
		if _, _, _, ok := fcmpFields(w); !ok || e.fcmpHooked[addr+i] {
			continue
		}
		if e.fcmpEntry == nil {
			h := &hook{kind: kindInternal, code: e.floatCompare}
			if _, err := e.install(h, nil, ""); err != nil {
				return err
			}
			e.fcmpEntry, e.fcmpHooked = h, map[uint64]bool{}
		}
		a := addr + i
		var hh C.uc_hook
		if r := C.sw_hook_add(e.uc, &hh, C.UC_HOOK_CODE, C.SW_CB_CODE, e.fcmpEntry.ud, C.uint64_t(a), C.uint64_t(a)); r != C.UC_ERR_OK {
			return ucError(r, fmt.Sprintf("hook_add float compare %#x", a))
		}
		e.fcmpHooked[a] = true
	}
	return nil
}

// floatCompare sets the CR field of the fcmpu/fcmpo at pc.
func (e *Engine) floatCompare(pc uint64, _ uint32) {
	var b [4]byte
	if C.uc_mem_read(e.uc, C.uint64_t(pc), unsafe.Pointer(&b[0]), 4) != C.UC_ERR_OK {
		return
	}
	bf, fra, frb, ok := fcmpFields(e.p.ByteOrder.Uint32(b[:]))
	if !ok {
		return // rewritten since
	}
	var ra, rb uint64
	e.ucRead(C.UC_PPC_REG_FPR0+C.int(fra), unsafe.Pointer(&ra))
	e.ucRead(C.UC_PPC_REG_FPR0+C.int(frb), unsafe.Pointer(&rb))
	x, y := math.Float64frombits(ra), math.Float64frombits(rb)
	var c uint64
	switch {
	case x != x || y != y:
		c = 1
	case x < y:
		c = 8
	case x > y:
		c = 4
	default:
		c = 2
	}
	var cr uint64
	e.ucRead(C.UC_PPC_REG_CR, unsafe.Pointer(&cr))
	shift := 28 - 4*uint64(bf)
	cr = cr&^(0xf<<shift) | c<<shift
	C.uc_reg_write(e.uc, C.UC_PPC_REG_CR, unsafe.Pointer(&cr))
}
