/*
 * stdin.c - input stdio had already buffered before the trap: the first
 * line is consumed before it, the rest is read after it from stdio's
 * buffer (the resumed process's stdin is empty). What it printed before
 * the trap is still in stdout's buffer and comes out at exit.
 */
#include <stdio.h>
#include <string.h>

#include "trap.h"

int main(void) {
	char line[128];
	int n = 0;

	if (fgets(line, sizeof line, stdin) == NULL) {
		return 1;
	}
	printf("first: %s", line); /* stays in stdio's buffer: stdout is not a terminal */
	SW_TRAP();
	while (fgets(line, sizeof line, stdin) != NULL) {
		n++;
		printf("then: %s", line);
	}
	printf("%d more lines, eof %d\n", n, feof(stdin) != 0);
	return 7;
}
