/*
 * fmt.c - printf with doubles and the other conversions, after the trap.
 */
#include <math.h>
#include <stdio.h>

#include "trap.h"

int main(void) {
	double x;

	if (scanf("%lf", &x) != 1) {
		return 1;
	}
	SW_TRAP();
	volatile double y = x;
	printf("%f %e %g %a\n", y, y, y, y);
	printf("%.3f %10.2f %-10.4e| %+g\n", y / 3, y * 1000, y / 7, -y);
	printf("%d %5d %-5d| %05d %x %X %o %#x %lu\n", 42, -7, 3, 12, 255, 255, 8, 255, 1234567890UL);
	printf("%s %.2s %10s %c %%\n", "text", "abcdef", "right", 'z');
	printf("%.0f %.0f %.17g %g %g\n", 0.5, 1.5, 0.1, 1e300 * 10, -0.0);
	printf("sqrt %.6f\n", sqrt(y));
	return 0;
}
