package unicorn

// #include <unicorn/unicorn.h>
import "C"

import (
	"fmt"
	"unsafe"
)

// SetGDT points the x86 engine's GDTR at a descriptor table in guest
// memory (base, limit in bytes - 1): 32-bit x86 loads a segment
// register's base and limits from there, so a segment selector (i386
// glibc's gs, its thread pointer) can be written only after it. It is
// not part of emu.Engine: callers ask for it with an interface
// assertion.
func (e *Engine) SetGDT(base uint64, limit uint32) error {
	if e.uc == nil {
		return ErrClosed
	}
	if e.def.arch != C.UC_ARCH_X86 {
		return fmt.Errorf("unicorn: %s has no GDT", e.p.Name)
	}
	mmr := C.uc_x86_mmr{base: C.uint64_t(base), limit: C.uint32_t(limit)}
	if r := C.uc_reg_write(e.uc, C.UC_X86_REG_GDTR, unsafe.Pointer(&mmr)); r != C.UC_ERR_OK {
		return ucError(r, fmt.Sprintf("reg_write gdtr %#x/%#x", base, limit))
	}
	return nil
}
