/*
 * segv.c - memory faults after the trap reach the program's SIGSEGV
 * handlers: one leaves by siglongjmp (the write to an unmapped address is
 * abandoned), one makes a read-only page writable and returns (the write
 * is tried again and succeeds). Each checks si_addr (and the first
 * si_code). Last, with the default action back, a fault kills the
 * program (status 139).
 */
#define _GNU_SOURCE /* REG_RIP and the like */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include "say.h"
#include "trap.h"

static sigjmp_buf back;
static void *volatile fault_addr;
static volatile int fault_code;
static char *page;
static volatile int *volatile nowhere = (int *)16;

static void on_segv_jump(int sig, siginfo_t *si, void *uc) {
	(void)sig, (void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(back, 1);
}

/* recovered is where on_segv_redirect sends the interrupted code: it
 * never returns (it was jumped to, not called). */
static void recovered(void) {
	say("redirected: the handler moved the pc\n");
	siglongjmp(back, 1);
}

/* on_segv_redirect returns to recovered instead of the faulting store,
 * through the ucontext's registers (each platform names them its way). */
static void on_segv_redirect(int sig, siginfo_t *si, void *ucv) {
	ucontext_t *uc = ucv;
	uintptr_t a = (uintptr_t)recovered;
	(void)sig, (void)si;
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RIP] = a;
	uc->uc_mcontext.gregs[REG_RSP] = (uc->uc_mcontext.gregs[REG_RSP] & ~15) - 8; /* as after a call */
#elif defined(__i386__)
	uc->uc_mcontext.gregs[REG_EIP] = a;
	uc->uc_mcontext.gregs[REG_ESP] = (uc->uc_mcontext.gregs[REG_ESP] & ~15u) - 4;
#elif defined(__aarch64__)
	uc->uc_mcontext.pc = a;
#elif defined(__arm__)
	uc->uc_mcontext.arm_pc = a & ~1u;
	if (a & 1) {
		uc->uc_mcontext.arm_cpsr |= 0x20; /* Thumb */
	} else {
		uc->uc_mcontext.arm_cpsr &= ~0x20u;
	}
#elif defined(__mips__)
	uc->uc_mcontext.pc = a;
	uc->uc_mcontext.gregs[25] = a; /* t9: position-independent code finds its GOT from it */
#elif defined(__powerpc64__) && _CALL_ELF == 2
	uc->uc_mcontext.gp_regs[32] = a; /* PT_NIP */
	uc->uc_mcontext.gp_regs[12] = a; /* the global entry finds the TOC from r12 */
#elif defined(__powerpc64__)
	uc->uc_mcontext.gp_regs[32] = ((unsigned long *)a)[0]; /* a function descriptor: entry, TOC */
	uc->uc_mcontext.gp_regs[2] = ((unsigned long *)a)[1];
#elif defined(__powerpc__)
	uc->uc_mcontext.uc_regs->gregs[32] = a;
#else
#error "no ucontext pc for this platform"
#endif
}

static void on_segv_fix(int sig, siginfo_t *si, void *uc) {
	(void)sig, (void)uc;
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

int main(void) {
	char line[64];
	if (fgets(line, sizeof line, stdin) == NULL) {
		return 1;
	}
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		return 2;
	}
	SW_TRAP();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv_jump;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(back, 1) == 0) {
		*nowhere = 1;
		say("not reached\n");
	} else {
		say("jumped back: si_addr ok %d, SEGV_MAPERR %d\n", fault_addr == (void *)nowhere, fault_code == SEGV_MAPERR);
	}
	sa.sa_sigaction = on_segv_redirect;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(back, 1) == 0) {
		*nowhere = 3;
		say("not reached\n");
	}
	sa.sa_sigaction = on_segv_fix;
	sigaction(SIGSEGV, &sa, NULL);
	*(volatile char *)(page + 100) = 7;
	/* (si_code is not printed: qemu-ppc says SEGV_MAPERR here, Linux
	 * SEGV_ACCERR.) */
	say("fixed: %d, si_addr ok %d\n", *(volatile char *)(page + 100), fault_addr == (void *)(page + 100));
	signal(SIGSEGV, SIG_DFL);
	say("%s", line);
	*nowhere = 2;
	say("not reached either\n");
	return 0;
}
