/*
 * handler.c - signal handlers run after the trap: the program installs
 * them after it (neither a kernel nor a qemu-user core records signal
 * actions) and raises signals at itself: an SA_SIGINFO handler with
 * SA_RESETHAND, a blocked signal whose handler runs when it is
 * unblocked, a handler on an alternate stack, and abort() caught by a
 * SIGABRT handler that exits 3.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "say.h"
#include "trap.h"

static volatile sig_atomic_t got;
static char altstack[64 * 1024];

static int is_blocked(int sig) {
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, sig);
}

static void on_usr1(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	got += 1;
	say("usr1: sig ok %d, si_signo ok %d, si_pid ok %d, blocked inside %d\n", sig == SIGUSR1,
	       si->si_signo == SIGUSR1, si->si_pid == getpid(), is_blocked(SIGUSR1));
}

static void on_usr2(int sig) {
	char here;
	got += 10;
	say("usr2: sig ok %d, on the alternate stack %d\n", sig == SIGUSR2,
	       &here >= altstack && &here < altstack + sizeof altstack);
}

static void on_abrt(int sig) {
	say("abrt: sig ok %d, got %d\n", sig == SIGABRT, (int)got);
	_exit(3);
}

int main(void) {
	char line[64];
	if (fgets(line, sizeof line, stdin) == NULL) {
		return 1;
	}
	SW_TRAP();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	struct sigaction now;
	sigaction(SIGUSR1, NULL, &now);
	say("after usr1: got %d, reset to default %d, blocked %d\n", (int)got, now.sa_handler == SIG_DFL, is_blocked(SIGUSR1));

	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	raise(SIGUSR2);
	say("usr2 blocked: got %d\n", (int)got);
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
	say("usr2 unblocked: got %d (%s)\n", (int)got, line[0] ? "input kept" : "no input");

	signal(SIGABRT, on_abrt);
	abort();
}
