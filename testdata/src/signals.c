/*
 * signals.c - a signal raised while blocked: pending at the trap, and
 * delivered when the program unblocks it after the trap. The trap-free
 * run prints two lines and dies of SIGUSR1 (exit status 138); a resumed
 * kernel core must do the same, so the blocked and pending sets must come
 * from the core's NT_PRSTATUS (qemu-user cores do not record them, so
 * only a kernel core is made of this program).
 */
#include <signal.h>
#include <stdio.h>

#include "trap.h"

int main(void) {
	sigset_t usr1, pending, blocked;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &usr1, NULL) != 0 || raise(SIGUSR1) != 0) {
		return 1;
	}
	SW_TRAP();
	if (sigpending(&pending) != 0 || sigprocmask(SIG_BLOCK, NULL, &blocked) != 0) {
		return 2;
	}
	printf("pending SIGUSR1: %d\n", sigismember(&pending, SIGUSR1));
	printf("blocked SIGUSR1: %d\n", sigismember(&blocked, SIGUSR1));
	fflush(stdout);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL); /* SIGUSR1 is delivered here */
	printf("still running after SIGUSR1\n");
	return 0;
}
