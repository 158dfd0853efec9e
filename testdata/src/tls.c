/*
 * tls.c - a __thread variable and errno/strerror after the trap: the
 * resumed thread must have its thread pointer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trap.h"

static __thread int counter = 5;
static __thread char tag[16] = "tls";

int main(void) {
	char word[12];

	if (scanf("%11s", word) != 1) {
		return 1;
	}
	counter += 10;
	SW_TRAP();
	counter++;
	snprintf(tag, sizeof tag, "%s!", word);
	printf("counter %d tag %s\n", counter, tag);
	errno = 0;
	if (close(12345) != 0) {
		printf("close: errno %d (%s)\n", errno == EBADF ? 9 : errno, strerror(errno));
	}
	errno = ERANGE;
	printf("strerror(ERANGE): %s\n", strerror(errno));
	return counter == 16 ? 0 : 3;
}
