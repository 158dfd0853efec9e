/*
 * strings.c - string functions of the C library (glibc picks optimized
 * variants of many by the CPU: IFUNC), after the trap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trap.h"

int main(void) {
	char line[256];

	if (fgets(line, sizeof line, stdin) == NULL) {
		return 1;
	}
	SW_TRAP();
	line[strcspn(line, "\n")] = '\0';
	size_t n = strlen(line);
	char *copy = strdup(line);
	char buf[512];
	memset(buf, 0, sizeof buf);
	memcpy(buf, line, n);
	memmove(buf + 3, buf, n + 1);
	strcat(buf, "|");
	strncat(buf, copy, 5);
	printf("len %zu\n", n);
	printf("moved [%s]\n", buf);
	printf("cmp %d %d %d\n", strcmp(copy, "hello") > 0, strncmp(copy, line, n) == 0, memcmp(buf, buf + 3, 3) != 0);
	printf("chr [%s] rchr [%s]\n", strchr(copy, 'o'), strrchr(copy, 'o'));
	printf("str [%s] spn %zu\n", strstr(copy, "world"), strspn(copy, "abcdefghijklmnopqrstuvwxyz"));
	char *save = NULL;
	for (char *tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		printf("token %s (%zu)\n", tok, strlen(tok));
	}
	free(copy);
	return 0;
}
