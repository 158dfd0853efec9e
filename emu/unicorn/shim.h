// C side of the binding: trampolines from Unicorn's callbacks to the Go
// dispatchers, and wrappers for Unicorn's variadic functions and macros,
// which cgo cannot call.

#ifndef SMALLWORLD_UNICORN_SHIM_H
#define SMALLWORLD_UNICORN_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

// Which trampoline sw_hook_add installs.
enum {
	SW_CB_CODE = 1,    // uc_cb_hookcode_t (UC_HOOK_CODE, UC_HOOK_BLOCK)
	SW_CB_MEM,         // uc_cb_hookmem_t (UC_HOOK_MEM_READ/WRITE/FETCH/READ_AFTER)
	SW_CB_MEM_INVALID, // uc_cb_eventmem_t (UC_HOOK_MEM_UNMAPPED/PROT)
	SW_CB_INTR,        // uc_cb_hookintr_t (UC_HOOK_INTR)
	SW_CB_INSN_INVALID // uc_cb_hookinsn_invalid_t (UC_HOOK_INSN_INVALID)
};

uc_err sw_hook_add(uc_engine *uc, uc_hook *hh, int type, int cb, uintptr_t id,
                   uint64_t begin, uint64_t end);
// sw_hook_add_syscall installs an x86 UC_HOOK_INSN hook for insn
// (UC_X86_INS_SYSCALL or UC_X86_INS_SYSENTER).
uc_err sw_hook_add_syscall(uc_engine *uc, uc_hook *hh, uintptr_t id, int insn);

uc_err sw_exits_enable(uc_engine *uc);
uc_err sw_set_exits(uc_engine *uc, uint64_t *exits, size_t n);
uc_err sw_remove_cache(uc_engine *uc, uint64_t begin, uint64_t end);
uc_err sw_set_cpu_model(uc_engine *uc, int model);
uc_err sw_get_cpu_model(uc_engine *uc, int *model);

#endif
