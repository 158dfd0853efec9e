/*
 * heap.c - 1 GiB of heap, every page touched before the trap; after it
 * a checksum of one byte per MiB: the resume-memory benchmark (the core
 * is mapped, not read, so resuming costs what is touched after the trap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trap.h"

#define SIZE (1UL << 30)

int main(void) {
	int seed;

	if (scanf("%d", &seed) != 1) {
		return 1;
	}
	unsigned char *p = malloc(SIZE);
	if (p == NULL) {
		return 2;
	}
	for (unsigned long i = 0; i < SIZE; i += 4096) {
		p[i] = (unsigned char)(i >> 12) + seed;
	}
	SW_TRAP();
	unsigned long sum = 0;
	for (unsigned long i = 0; i < SIZE; i += 1UL << 20) {
		sum += p[i];
	}
	printf("%lu\n", sum);
	return 0;
}
