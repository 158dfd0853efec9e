/*
 * sort.c - qsort and bsearch calling back into the program's own
 * comparison function, after the trap.
 */
#include <stdio.h>
#include <stdlib.h>

#include "trap.h"

static int calls;

static int cmp(const void *a, const void *b) {
	long x = *(const long *)a, y = *(const long *)b;
	calls++;
	return (x > y) - (x < y);
}

int main(void) {
	long v[64];
	int n = 0;

	while (n < 64 && scanf("%ld", &v[n]) == 1) {
		n++;
	}
	SW_TRAP();
	qsort(v, n, sizeof v[0], cmp);
	for (int i = 0; i < n; i++) {
		printf("%ld%c", v[i], i + 1 < n ? ' ' : '\n');
	}
	long key = 49;
	long *hit = bsearch(&key, v, n, sizeof v[0], cmp);
	printf("49 %s; comparisons > 0: %d\n", hit != NULL ? "found" : "missing", calls > 0);
	return 0;
}
