/*
 * segv.c - memory faults after the trap reach the program's SIGSEGV
 * handlers: one leaves by siglongjmp (the write to an unmapped address is
 * abandoned), one makes a read-only page writable and returns (the write
 * is tried again and succeeds). Each checks si_addr (and the first
 * si_code). Last,
 * with the default action back, a fault kills the program (status 139).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
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
