/*
 * files.c - streams the program's own libc opened before the trap, used
 * after it: fprintf, fputs, fwrite and fputc into /dev/null and fgetc from
 * it. Under --models libc the stream models decline these calls (the
 * models cannot reach a FILE the real libc opened) and the real functions
 * run. Open descriptors are not in a core, so only what the stdio layer
 * answers before reaching the kernel is printed.
 */
#include <stdio.h>

#include "trap.h"

int main(void) {
	char word[32];

	if (scanf("%31s", word) != 1) {
		return 1;
	}
	FILE *out = fopen("/dev/null", "w");
	FILE *in = fopen("/dev/null", "r");
	if (out == NULL || in == NULL) {
		return 2;
	}
	SW_TRAP();
	int a = fprintf(out, "%s %d\n", word, 42);
	int b = fputs(word, out);
	size_t c = fwrite(word, 1, 3, out);
	int d = fputc('x', out);
	printf("fprintf %d fputs %d fwrite %zu fputc %c\n", a, b >= 0, c, d);
	printf("fgetc at end %d\n", fgetc(in) == EOF);
	return 0;
}
