/*
 * seed.c - the seed-like program: read one word, trap, print the word.
 *
 * Run with "smallworld" on stdin it dies at the trap; a core resumed past
 * the trap must print "smallworld" and exit 0. See README.md.
 */
#include <stdio.h>

#include "trap.h"

int main(void) {
	char word[64];

	if (scanf("%63s", word) != 1) {
		return 1;
	}
	SW_TRAP();
	puts(word);
	return 0;
}
