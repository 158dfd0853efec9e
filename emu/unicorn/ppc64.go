package unicorn

// #include "shim.h"
import "C"

import "unsafe"

// msrLE is MSR bit 0 (LE): the CPU runs little-endian.
const msrLE = 1

// setMSRLE turns MSR.LE on, so a big-endian PPC64 engine runs ppc64le
// code (New, for msrLE platforms). A later write of the whole MSR sets LE
// as written: a ppc64le core's MSR has it, and package machine gives a
// machine not made from a core an MSR with it.
func (e *Engine) setMSRLE() error {
	id := e.def.index["msr"].id
	var v uint64
	if r := e.ucRead(id, unsafe.Pointer(&v)); r != C.UC_ERR_OK {
		return ucError(r, "reg_read msr")
	}
	v |= msrLE
	if r := C.uc_reg_write(e.uc, id, unsafe.Pointer(&v)); r != C.UC_ERR_OK {
		return ucError(r, "reg_write msr")
	}
	return nil
}
