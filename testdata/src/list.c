/*
 * list.c - a heap-built linked list: read numbers, build the list with
 * malloc before the trap; walk, reverse, print and free it after.
 */
#include <stdio.h>
#include <stdlib.h>

#include "trap.h"

struct node {
	long value;
	struct node *next;
};

int main(void) {
	struct node *head = NULL;
	long v;
	int n = 0;

	while (scanf("%ld", &v) == 1) {
		struct node *e = malloc(sizeof *e);
		if (e == NULL) {
			return 2;
		}
		e->value = v * v;
		e->next = head;
		head = e;
		n++;
	}
	SW_TRAP();
	struct node *rev = NULL;
	while (head != NULL) {
		struct node *next = head->next;
		head->next = rev;
		rev = head;
		head = next;
	}
	long sum = 0;
	for (struct node *e = rev; e != NULL; e = e->next) {
		printf("%ld ", e->value);
		sum += e->value;
	}
	printf("\n%d nodes, sum %ld\n", n, sum);
	while (rev != NULL) {
		struct node *next = rev->next;
		free(rev);
		rev = next;
	}
	return n == 0 ? 1 : 0;
}
