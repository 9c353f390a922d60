/*
 * What one call costs an ordinary thread (no fibers, no SQPOLL) through
 * libpk against the plain system call, per kind of descriptor and
 * operation: the figures behind libpk's "do no harm" policy (pk.h). Two
 * tables: libpk's own choice (the kernel's call, so the ratio should be
 * about 1.0), then, in a child with PK_ROUTE=ring, every call through the
 * thread's ring (what the policy avoids). Each case runs plain and libpk
 * interleaved, three rounds, and prints the medians and their ratio
 * (libpk time / plain time: above 1.0 libpk is slower).
 *
 *   pipe ping-pong     two threads, blocking pipes, 1 byte each way (a
 *                      read that waits, as a thread-per-connection server's)
 *   pipe EAGAIN        read of an empty O_NONBLOCK pipe
 *   file pread 4K      from the page cache
 *   file write 4K      appending, buffered (ext4 hands these to io-wq)
 *   fdatasync          after a 4 KiB write
 *
 * usage: pk-thread-io [DIR]   (DIR holds the scratch file; default .)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pk.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int use_pk;

static ssize_t rd(int fd, void *b, size_t n)
{
	return use_pk ? pk_read(fd, b, n) : read(fd, b, n);
}

static ssize_t wr(int fd, const void *b, size_t n)
{
	return use_pk ? pk_write(fd, b, n) : write(fd, b, n);
}

static void cl(int fd)
{
	if (use_pk)
		pk_close(fd);
	else
		close(fd);
}

/* --- pipe ping-pong ------------------------------------------------------ */

struct pp {
	int to[2], from[2];
	long n;
	int pk;
};

static void *pong(void *arg)
{
	struct pp *p = arg;
	char c;

	use_pk = p->pk;
	for (long i = 0; i < p->n; i++)
		if (rd(p->to[0], &c, 1) != 1 || wr(p->from[1], &c, 1) != 1)
			break;
	return NULL;
}

static double ping_pong(int pk, long n)
{
	struct pp p = { .n = n, .pk = pk };
	pthread_t t;
	char c = 'x';
	double t0;

	if (pipe(p.to) || pipe(p.from))
		exit(1);
	use_pk = pk;
	pthread_create(&t, NULL, pong, &p);
	t0 = now();
	for (long i = 0; i < n; i++)
		if (wr(p.to[1], &c, 1) != 1 || rd(p.from[0], &c, 1) != 1)
			break;
	t0 = now() - t0;
	pthread_join(t, NULL);
	cl(p.to[0]), cl(p.to[1]), cl(p.from[0]), cl(p.from[1]);
	return t0 / n / 2;	/* per read+write pair of one side: two calls */
}

static double eagain(int pk, long n)
{
	int fds[2];
	char c;
	double t0;

	if (pipe2(fds, O_NONBLOCK))
		exit(1);
	use_pk = pk;
	t0 = now();
	for (long i = 0; i < n; i++)
		if (rd(fds[0], &c, 1) != -1 || errno != EAGAIN)
			exit(2);
	t0 = now() - t0;
	cl(fds[0]), cl(fds[1]);
	return t0 / n;
}

static const char *dir = ".";

static int scratch(void)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/pk-thread-io.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	unlink(path);
	return fd;
}

static double file_pread(int pk, long n)
{
	static char buf[4096];
	int fd = scratch();
	double t0;

	for (int i = 0; i < 256; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			exit(1);
	t0 = now();
	for (long i = 0; i < n; i++) {
		off_t off = (off_t)(i % 256) * 4096;

		if ((pk ? pk_pread(fd, buf, 4096, off) : pread(fd, buf, 4096, off)) != 4096)
			exit(2);
	}
	t0 = now() - t0;
	use_pk = pk, cl(fd);
	return t0 / n;
}

static double file_write(int pk, long n)
{
	static char buf[4096];
	int fd = scratch();
	double t0;

	use_pk = pk;
	t0 = now();
	for (long i = 0; i < n; i++)
		if (wr(fd, buf, sizeof(buf)) != sizeof(buf))
			exit(2);
	t0 = now() - t0;
	cl(fd);
	return t0 / n;
}

static double file_sync(int pk, long n)
{
	static char buf[4096];
	int fd = scratch();
	double t0;

	t0 = now();
	for (long i = 0; i < n; i++) {
		if (pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf))
			exit(2);
		if (pk ? pk_fdatasync(fd) : fdatasync(fd))
			exit(2);
	}
	t0 = now() - t0;
	use_pk = pk, cl(fd);
	return t0 / n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void run(const char *name, double (*fn)(int, long), long n)
{
	double plain[3], pk[3];

	for (int r = 0; r < 3; r++) {
		plain[r] = fn(0, n);
		pk[r] = fn(1, n);
	}
	qsort(plain, 3, sizeof(double), cmp);
	qsort(pk, 3, sizeof(double), cmp);
	printf("%-16s plain %8.0f ns/call   libpk %8.0f ns/call   libpk/plain %.2f\n",
	       name, plain[1] * 1e9, pk[1] * 1e9, pk[1] / plain[1]);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char c;

	if (argc > 1)
		dir = argv[1];
	/* The thread's ring is made at its first call: not inside a timing. */
	pk_read(-1, &c, 1);
	printf("one ordinary thread per side, no SQPOLL; median of 3 rounds, interleaved; %s\n",
	       getenv("PK_ROUTE") ? "PK_ROUTE=ring: every call through the thread's ring" :
	       "libpk's own choice");
	run("pipe ping-pong", ping_pong, 50000);
	run("pipe EAGAIN", eagain, 200000);
	run("file pread 4K", file_pread, 200000);
	run("file write 4K", file_write, 20000);
	run("fdatasync", file_sync, 300);
	if (!getenv("PK_ROUTE")) {
		fflush(stdout);
		setenv("PK_ROUTE", "ring", 1);
		execv("/proc/self/exe", argv);
		perror("exec");
		return 1;
	}
	return 0;
}
