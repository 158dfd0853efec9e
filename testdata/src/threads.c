/*
 * threads.c - three threads in one core.
 *
 * main starts two threads, waits on a barrier until both are running, gives
 * them 100 ms to settle, then traps. The two threads pass the barrier and
 * block forever in read(2) on a pipe nobody writes to, so the core holds one
 * NT_PRSTATUS per thread: main at the trap, the others inside read (without
 * the pause they may still be leaving the barrier's futex wait, and the
 * cores would differ from run to run). See README.md.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "trap.h"

static pthread_barrier_t started;
static int blocker[2];

static void *block(void *arg) {
	char c;

	(void)arg;
	pthread_barrier_wait(&started);
	for (;;) {
		if (read(blocker[0], &c, 1) <= 0) {
			pause();
		}
	}
	return NULL;
}

int main(void) {
	static const struct timespec settle = {0, 100 * 1000 * 1000};
	pthread_t t[2];
	int i;

	if (pipe(blocker) != 0) {
		perror("pipe");
		return 1;
	}
	if (pthread_barrier_init(&started, NULL, 3) != 0) {
		fputs("pthread_barrier_init failed\n", stderr);
		return 1;
	}
	for (i = 0; i < 2; i++) {
		if (pthread_create(&t[i], NULL, block, NULL) != 0) {
			fputs("pthread_create failed\n", stderr);
			return 1;
		}
	}
	pthread_barrier_wait(&started);
	nanosleep(&settle, NULL);
	SW_TRAP();
	puts("threads");
	return 0;
}
