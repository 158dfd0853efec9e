// C side of the binding: trampolines from Unicorn's callbacks to the Go
// dispatchers, the register buffers that spare hooks most cgo calls, and
// wrappers for Unicorn's variadic functions and macros, which cgo cannot
// call.

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

enum {
	SW_FETCH_MAX = 8, // registers a code hook may have read before it runs
	SW_LOG_MAX = 16   // register writes buffered during one hook
};

// sw_regs is an engine's register buffer, shared by C and Go (C memory:
// Go reads and writes the fields directly, without a cgo call). While a
// hook runs:
//   - fetch holds the registers the trampoline read for it (prefetch);
//     nfetch is 0 when there are none or they were dropped;
//   - log holds the register writes of the hook, in order; the
//     trampoline applies them with uc_reg_write after the hook returns
//     (sw_flush_log applies them earlier when Go needs Unicorn's view).
// Values are little-endian words of at most 8 bytes.
typedef struct {
	int32_t nfetch;
	int32_t fetch_ids[SW_FETCH_MAX];
	uint64_t fetch_vals[SW_FETCH_MAX];
	int32_t nlog;
	int32_t log_ids[SW_LOG_MAX];
	uint64_t log_vals[SW_LOG_MAX];
	uc_err log_err; // first error applying the log
} sw_regs;

// sw_ud is the user_data of every Unicorn hook the binding adds: the Go
// hook id, the engine's register buffer, and the registers to read
// before the hook runs (code hooks only).
typedef struct {
	uintptr_t id;
	sw_regs *regs;
	int32_t nfetch;
	int32_t fetch_ids[SW_FETCH_MAX];
} sw_ud;

uc_err sw_hook_add(uc_engine *uc, uc_hook *hh, int type, int cb, sw_ud *ud,
                   uint64_t begin, uint64_t end);
// sw_hook_add_syscall installs an x86 UC_HOOK_INSN hook for insn
// (UC_X86_INS_SYSCALL or UC_X86_INS_SYSENTER).
uc_err sw_hook_add_syscall(uc_engine *uc, uc_hook *hh, sw_ud *ud, int insn);

// sw_flush_log applies and empties the write log (returns the first
// error met, and records it in log_err as well).
uc_err sw_flush_log(uc_engine *uc, sw_regs *r);
// sw_reg_read_flushed applies the write log, then reads a register.
uc_err sw_reg_read_flushed(uc_engine *uc, sw_regs *r, int id, void *value);

uc_err sw_exits_enable(uc_engine *uc);
uc_err sw_set_exits(uc_engine *uc, uint64_t *exits, size_t n);
uc_err sw_remove_cache(uc_engine *uc, uint64_t begin, uint64_t end);
uc_err sw_set_cpu_model(uc_engine *uc, int model);
uc_err sw_tlb_virtual(uc_engine *uc);
uc_err sw_get_cpu_model(uc_engine *uc, int *model);

#endif
