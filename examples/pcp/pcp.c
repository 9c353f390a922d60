/*
 * pcp: copies a file in 64 KiB blocks, reporting errors like cp(1). The
 * example `make demo` ports onto libpk with `parakit port`: its open,
 * read, write and close become pk_ calls served by io_uring.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy(int in, int out)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, n - done);

			if (w < 0)
				return -1;
			done += w;
		}
	}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int in, out, ret = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: pcp FROM TO\n");
		return 2;
	}
	if ((in = open(argv[1], O_RDONLY)) < 0) {
		fprintf(stderr, "pcp: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		fprintf(stderr, "pcp: cannot create '%s': %s\n", argv[2], strerror(errno));
		close(in);
		return 1;
	}
	if (copy(in, out)) {
		fprintf(stderr, "pcp: %s\n", strerror(errno));
		ret = 1;
	}
	close(in);
	if (close(out)) {
		fprintf(stderr, "pcp: %s: %s\n", argv[2], strerror(errno));
		ret = 1;
	}
	return ret;
}
