/* What funcs.c's child executes: E calls of cos (libm), E of getegid. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	volatile double x = 0.5, y = 0;
	long e = argc > 1 ? atol(argv[1]) : 0;

	for (long i = 0; i < e; i++) {
		y += cos(x);
		getegid();
	}
	return y < 0;
}
