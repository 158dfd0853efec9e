// See shim.h. The Go dispatchers (sw_go_*) are the //export functions of
// hooks.go; user_data is an sw_ud (C memory), never a Go pointer.
//
// Every trampoline applies the engine's register write log after the Go
// dispatcher returns. It takes the engine's sw_regs from the sw_ud before
// calling Go: a hook may remove itself, which frees its sw_ud.

#include <malloc.h>

#include "shim.h"
#include "_cgo_export.h"

uc_err sw_flush_log(uc_engine *uc, sw_regs *r) {
	uc_err first = UC_ERR_OK;
	int n = r->nlog;
	r->nlog = 0;
	for (int i = 0; i < n; i++) {
		uc_err e = uc_reg_write(uc, r->log_ids[i], &r->log_vals[i]);
		if (e != UC_ERR_OK && first == UC_ERR_OK) {
			first = e;
		}
	}
	if (first != UC_ERR_OK && r->log_err == UC_ERR_OK) {
		r->log_err = first;
	}
	return first;
}

uc_err sw_reg_read_flushed(uc_engine *uc, sw_regs *r, int id, void *value) {
	if (r->nlog) {
		sw_flush_log(uc, r);
	}
	return uc_reg_read(uc, id, value);
}

static inline void after(uc_engine *uc, sw_regs *r) {
	if (r->nlog) {
		sw_flush_log(uc, r);
	}
}

static void tr_code(uc_engine *uc, uint64_t addr, uint32_t size, void *p) {
	sw_ud *ud = p;
	sw_regs *r = ud->regs;
	int n = ud->nfetch;
	for (int i = 0; i < n; i++) {
		r->fetch_ids[i] = ud->fetch_ids[i];
		r->fetch_vals[i] = 0;
		uc_reg_read(uc, ud->fetch_ids[i], &r->fetch_vals[i]);
	}
	r->nfetch = n;
	sw_go_code(uc, ud->id, addr, size);
	r->nfetch = 0;
	after(uc, r);
}

static void tr_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                   int64_t value, void *p) {
	sw_ud *ud = p;
	sw_regs *r = ud->regs;
	sw_go_mem(uc, ud->id, (int)type, addr, size, value);
	after(uc, r);
}

static bool tr_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr,
                           int size, int64_t value, void *p) {
	sw_ud *ud = p;
	sw_regs *r = ud->regs;
	bool ok = sw_go_mem_invalid(uc, ud->id, (int)type, addr, size, value);
	after(uc, r);
	return ok;
}

static void tr_intr(uc_engine *uc, uint32_t intno, void *p) {
	sw_ud *ud = p;
	sw_regs *r = ud->regs;
	sw_go_intr(uc, ud->id, intno);
	after(uc, r);
}

static void tr_syscall(uc_engine *uc, void *p) {
	sw_ud *ud = p;
	sw_regs *r = ud->regs;
	sw_go_syscall(uc, ud->id);
	after(uc, r);
}

static bool tr_insn_invalid(uc_engine *uc, void *p) {
	sw_ud *ud = p;
	sw_regs *r = ud->regs;
	bool ok = sw_go_insn_invalid(uc, ud->id);
	after(uc, r);
	return ok;
}

uc_err sw_hook_add(uc_engine *uc, uc_hook *hh, int type, int cb, sw_ud *ud,
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
	return uc_hook_add(uc, hh, type, fn, ud, begin, end);
}

uc_err sw_hook_add_syscall(uc_engine *uc, uc_hook *hh, sw_ud *ud, int insn) {
	return uc_hook_add(uc, hh, UC_HOOK_INSN, (void *)tr_syscall, ud, 1, 0,
	                   insn);
}

uc_err sw_exits_enable(uc_engine *uc) { return uc_ctl_exits_enable(uc); }

uc_err sw_set_exits(uc_engine *uc, uint64_t *exits, size_t n) {
	return uc_ctl_set_exits(uc, exits, n);
}

uc_err sw_remove_cache(uc_engine *uc, uint64_t begin, uint64_t end) {
	return uc_ctl_remove_cache(uc, begin, end);
}

uc_err sw_tlb_virtual(uc_engine *uc) { return uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL); }

uc_err sw_set_cpu_model(uc_engine *uc, int model) {
	return uc_ctl_set_cpu_model(uc, model);
}

uc_err sw_get_cpu_model(uc_engine *uc, int *model) {
	return uc_ctl_get_cpu_model(uc, model);
}

// Unicorn's PowerPC CPU reads fields it never initialises (its release
// frees TLB arrays by a count and type left as they were in the memory
// it got). In a fresh process that memory is a new mapping, zero; once
// engines have been closed, glibc's dynamic mmap threshold has risen and
// the same allocation comes from reused heap, garbage: now and then a
// later uc_open or uc_close aborted or crashed in malloc (about 1 run in
// 40 of the engine tests, never with the PowerPC tests left out). A fixed
// threshold keeps large blocks as fresh zeroed mappings.
__attribute__((constructor)) static void sw_fixed_mmap_threshold(void) {
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}
