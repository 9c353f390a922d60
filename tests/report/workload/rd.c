/* rd FILE N: reads FILE's first 4 KiB N times and prints a checksum. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096];
	unsigned long sum = 0;
	int fd, n;

	if (argc != 3 || (fd = open(argv[1], O_RDONLY)) < 0)
		return 2;
	n = atoi(argv[2]);
	for (int i = 0; i < n; i++) {
		ssize_t r = pread(fd, buf, sizeof(buf), 0);

		for (ssize_t k = 0; k < r; k++)
			sum += (unsigned char)buf[k];
	}
	close(fd);
	printf("%lu\n", sum);
	return 0;
}
