/*
 * say.h - say(): printf to standard output through write(2), for the
 * programs whose signal handlers print. No stdio buffer is shared between
 * a handler and the code it interrupted, and none is lost at _exit. A
 * short write exits 4.
 */
#ifndef SMALLWORLD_SAY_H
#define SMALLWORLD_SAY_H

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static void say(const char *fmt, ...) {
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0 && write(1, buf, (size_t)n) != n) {
		_exit(4);
	}
}

#endif
