// See shim.h. The Go dispatchers (sw_go_*) are the //export functions of
// hooks.go; user_data carries a hook id, never a Go pointer.

#include "shim.h"
#include "_cgo_export.h"

static void tr_code(uc_engine *uc, uint64_t addr, uint32_t size, void *ud) {
	sw_go_code(uc, (uintptr_t)ud, addr, size);
}

static void tr_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                   int64_t value, void *ud) {
	sw_go_mem(uc, (uintptr_t)ud, (int)type, addr, size, value);
}

static bool tr_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr,
                           int size, int64_t value, void *ud) {
	return sw_go_mem_invalid(uc, (uintptr_t)ud, (int)type, addr, size, value);
}

static void tr_intr(uc_engine *uc, uint32_t intno, void *ud) {
	sw_go_intr(uc, (uintptr_t)ud, intno);
}

static void tr_syscall(uc_engine *uc, void *ud) {
	sw_go_syscall(uc, (uintptr_t)ud);
}

static bool tr_insn_invalid(uc_engine *uc, void *ud) {
	return sw_go_insn_invalid(uc, (uintptr_t)ud);
}

uc_err sw_hook_add(uc_engine *uc, uc_hook *hh, int type, int cb, uintptr_t id,
                   uint64_t begin, uint64_t end) {
	void *fn;
	switch (cb) {
	case SW_CB_CODE:
		fn = (void *)tr_code;
		break;
	case SW_CB_MEM:
		fn = (void *)tr_mem;
		break;
	case SW_CB_MEM_INVALID:
		fn = (void *)tr_mem_invalid;
		break;
	case SW_CB_INTR:
		fn = (void *)tr_intr;
		break;
	case SW_CB_INSN_INVALID:
		fn = (void *)tr_insn_invalid;
		break;
	default:
		return UC_ERR_ARG;
	}
	return uc_hook_add(uc, hh, type, fn, (void *)id, begin, end);
}

uc_err sw_hook_add_syscall(uc_engine *uc, uc_hook *hh, uintptr_t id, int insn) {
	return uc_hook_add(uc, hh, UC_HOOK_INSN, (void *)tr_syscall, (void *)id,
	                   1, 0, insn);
}

uc_err sw_exits_enable(uc_engine *uc) { return uc_ctl_exits_enable(uc); }

uc_err sw_set_exits(uc_engine *uc, uint64_t *exits, size_t n) {
	return uc_ctl_set_exits(uc, exits, n);
}

uc_err sw_remove_cache(uc_engine *uc, uint64_t begin, uint64_t end) {
	return uc_ctl_remove_cache(uc, begin, end);
}

uc_err sw_set_cpu_model(uc_engine *uc, int model) {
	return uc_ctl_set_cpu_model(uc, model);
}

uc_err sw_get_cpu_model(uc_engine *uc, int *model) {
	return uc_ctl_get_cpu_model(uc, model);
}
