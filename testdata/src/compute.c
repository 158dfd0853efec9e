/*
 * compute.c - compute-bound work after the trap (about 10^8 guest
 * instructions): the resume-speed benchmark against qemu-user.
 */
#include <stdio.h>
#include <stdlib.h>

#include "trap.h"

int main(void) {
	unsigned long n;

	if (scanf("%lu", &n) != 1) {
		return 1;
	}
	SW_TRAP();
	unsigned long x = 88172645463325252UL, sum = 0;
	unsigned char *buf = malloc(1 << 16);
	if (buf == NULL) {
		return 2;
	}
	for (unsigned long i = 0; i < n; i++) {
		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		buf[x & 0xffff] += (unsigned char)i;
		sum += buf[(x >> 16) & 0xffff];
	}
	printf("%lu %lu\n", x, sum);
	free(buf);
	return 0;
}
