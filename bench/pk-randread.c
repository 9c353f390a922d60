/*
 * 4 KiB random reads from one file, buffered and O_DIRECT: libpk (DEPTH
 * fibers on one core, each pk_pread in a loop, so DEPTH reads in flight and
 * one io_uring_enter per scheduler round) against a pread(2) loop and
 * fio --ioengine=io_uring with the same depth, all in the same run.
 * Goal (issue 5): within 10% of fio.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pk.h"

#define FILE_MB 256
#define DEPTH 32
#define SECS 3.0

static const char *path = "/var/tmp/pk-randread.dat";
static int fd;
static double t_end;
static long nops;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *reader(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	char *buf = aligned_alloc(4096, 4096);

	while (now() < t_end) {
		off_t off = (off_t)(rand_r(&seed) % (FILE_MB * 256)) * 4096;

		if (pk_pread(fd, buf, 4096, off) != 4096)
			break;
		nops++;
	}
	free(buf);
	return NULL;
}

static void *run_pk(void *arg)
{
	pk_fiber_t f[DEPTH];

	(void)arg;
	t_end = now() + SECS;
	for (int i = 0; i < DEPTH; i++)
		pk_spawn(&f[i], reader, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < DEPTH; i++)
		pk_join(f[i], NULL);
	return NULL;
}

static double pread_loop(void)
{
	char *buf = aligned_alloc(4096, 4096);
	unsigned seed = 1;
	long n = 0;
	double t0 = now();

	while (now() - t0 < SECS) {
		if (pread(fd, buf, 4096, (off_t)(rand_r(&seed) % (FILE_MB * 256)) * 4096) != 4096)
			break;
		n++;
	}
	free(buf);
	return n / (now() - t0);
}

static double fio(int direct)
{
	char cmd[512], line[8192];
	FILE *p;
	double iops = 0;

	snprintf(cmd, sizeof(cmd),
		 "fio --name=r --filename=%s --ioengine=io_uring --iodepth=%d --rw=randread --bs=4k "
		 "--size=%dM --direct=%d --runtime=%g --time_based --minimal 2>/dev/null",
		 path, DEPTH, FILE_MB, direct, SECS);
	p = popen(cmd, "r");
	if (p && fgets(line, sizeof(line), p)) {
		char *tok = strtok(line, ";");

		for (int i = 1; tok && i < 8; i++)
			tok = strtok(NULL, ";");
		if (tok)
			iops = atof(tok);	/* terse v3, field 8: read IOPS */
	}
	if (p)
		pclose(p);
	return iops;
}

int main(void)
{
	char *blk = malloc(1 << 20);
	int w = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	if (w < 0 || !blk)
		return 1;
	memset(blk, 0x5a, 1 << 20);
	for (int i = 0; i < FILE_MB; i++)
		if (write(w, blk, 1 << 20) != 1 << 20)
			return 1;
	fsync(w);
	close(w);
	printf("4 KiB random reads, %d MiB file, depth %d, %.0f s each (IOPS)\n", FILE_MB, DEPTH, SECS);
	printf("%-10s %14s %14s %14s %10s %10s\n", "mode", "pread loop", "fio io_uring", "libpk", "pk/fio", "pk/pread");
	for (int direct = 0; direct <= 1; direct++) {
		double base, f, pk;

		fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
		base = pread_loop();
		f = fio(direct);
		nops = 0;
		{
			double t0 = now();

			pk_run(run_pk, NULL, NULL);
			pk = nops / (now() - t0);
		}
		close(fd);
		printf("%-10s %14.0f %14.0f %14.0f %9.2fx %9.2fx\n", direct ? "O_DIRECT" : "buffered", base, f, pk,
		       f > 0 ? pk / f : 0, pk / base);
	}
	pk_shutdown();
	unlink(path);
	return 0;
}
