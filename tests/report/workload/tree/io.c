#include <stdio.h>
#include <unistd.h>

int pump(int in, int out)
{
	char buf[512];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			return -1;
	sleep(1);
	return n < 0 ? -1 : 0;
}
