/*
 * 4 KiB random reads from one file, buffered and O_DIRECT: libpk (DEPTH
 * fibers on one core, each pk_pread in a loop, so DEPTH reads in flight and
 * one io_uring_enter per scheduler round) against a pread(2) loop and
 * fio --ioengine=io_uring with the same depth, all in the same run.
 * Goal (issue 5): within 10% of fio.
 *
 * The disk here is a virtual one whose speed drifts by 2x within a minute,
 * so one long run of each says more about the host than about either. The
 * modes take turns in short rounds, fio first in one round and libpk first
 * in the next; the figures are medians over the rounds, and the ratio is
 * the median of each round's own ratio. fio runs with --invalidate=0, so
 * that in buffered mode it reads the page cache as the others do.
 *
 * Last, O_DIRECT "together": fio and libpk read two files of the same disk
 * at the same time, for the same seconds. Each keeps DEPTH reads in the
 * disk's queue as well as it can; whichever resubmits more slowly gets the
 * smaller share. The drift cannot favour one of them there.
 *
 * Settings, like for like: both read with IORING_OP_READ, 4 KiB at depth
 * 32, no registered files or buffers, no SQPOLL, no polled I/O (fio's
 * io_uring defaults: fixedbufs=0, registerfiles=0, sqthread_poll=0,
 * hipri=0). fio submits and reaps one at a time (iodepth_batch=1,
 * iodepth_batch_complete_min=1); libpk's core thread submits what its
 * fibers queued in one io_uring_enter and waits there for one completion
 * (DEFER_TASKRUN, SINGLE_ISSUER).
 *
 *   pk-randread [ROUNDS [SECONDS]]     (default 9 rounds of 2 s)
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
#define MAX_ROUNDS 64

static const char *path = "/var/tmp/pk-randread.dat", *path2 = "/var/tmp/pk-randread-fio.dat";
static double secs = 2.0;
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
	unsigned *round = arg;

	for (int i = 0; i < DEPTH; i++)
		pk_spawn(&f[i], reader, (void *)(uintptr_t)(*round * DEPTH + i + 1));
	for (int i = 0; i < DEPTH; i++)
		pk_join(f[i], NULL);
	return NULL;
}

static double libpk(unsigned round)
{
	double t0;

	nops = 0;
	t0 = now();
	t_end = t0 + secs;
	pk_run(run_pk, &round, NULL);
	return nops / (now() - t0);
}

static double pread_loop(unsigned round)
{
	char *buf = aligned_alloc(4096, 4096);
	unsigned seed = round + 1;
	long n = 0;
	double t0 = now();

	while (now() - t0 < secs / 2) {
		if (pread(fd, buf, 4096, (off_t)(rand_r(&seed) % (FILE_MB * 256)) * 4096) != 4096)
			break;
		n++;
	}
	free(buf);
	return n / (now() - t0);
}

/* fio on @file after @ramp seconds, for secs; its output is read by fio_iops(). */
static FILE *fio_start(const char *file, int direct, double ramp)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "fio --name=r --filename=%s --ioengine=io_uring --iodepth=%d --rw=randread --bs=4k "
		 "--size=%dM --direct=%d --invalidate=0 --ramp_time=%g --runtime=%g --time_based --minimal "
		 "2>/dev/null",
		 file, DEPTH, FILE_MB, direct, ramp, secs);
	return popen(cmd, "r");
}

static double fio_iops(FILE *p)
{
	char line[8192];
	double iops = 0;

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

static double fio(int direct)
{
	return fio_iops(fio_start(path, direct, 0));
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int make_file(const char *file)
{
	char *blk = malloc(1 << 20);
	int w = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	int r = 0;

	if (w < 0 || !blk)
		return -1;
	memset(blk, 0x5a, 1 << 20);
	for (int i = 0; i < FILE_MB && !r; i++)
		if (write(w, blk, 1 << 20) != 1 << 20)
			r = -1;
	if (fsync(w))
		r = -1;
	close(w);
	free(blk);
	return r;
}

/* O_DIRECT, fio and libpk at once on two files of the same disk. */
static void together(int rounds)
{
	double f[MAX_ROUNDS], pk[MAX_ROUNDS], rf[MAX_ROUNDS];
	const double ramp = 0.5;

	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		perror(path);
		return;
	}
	printf("%-9s %5s %12s %12s %12s %8s\n", "together", "round", "", "fio io_uring", "libpk", "pk/fio");
	for (int r = 0; r < rounds; r++) {
		FILE *p = fio_start(path2, 1, ramp);
		struct timespec ts = { 0, (long)(ramp * 1e9) };

		nanosleep(&ts, NULL);	/* fio starts and ramps while we wait */
		pk[r] = libpk(r);
		f[r] = fio_iops(p);
		rf[r] = f[r] > 0 ? pk[r] / f[r] : 0;
		printf("%-9s %5d %12s %12.0f %12.0f %7.2fx\n", "O_DIRECT", r + 1, "", f[r], pk[r], rf[r]);
		fflush(stdout);
	}
	close(fd);
	printf("%-9s %5s %12s %12.0f %12.0f %7.2fx\n", "together", "median", "", median(f, rounds), median(pk, rounds),
	       median(rf, rounds));
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 9;

	if (argc > 2)
		secs = atof(argv[2]);
	if (rounds < 1 || rounds > MAX_ROUNDS || secs <= 0) {
		fprintf(stderr, "usage: pk-randread [ROUNDS (1-%d) [SECONDS]]\n", MAX_ROUNDS);
		return 2;
	}
	if (make_file(path) || make_file(path2)) {
		perror("pk-randread: a file under /var/tmp");
		return 1;
	}
	printf("4 KiB random reads, %d MiB file, depth %d: %d interleaved rounds of %g s (IOPS)\n", FILE_MB, DEPTH,
	       rounds, secs);
	printf("fio:   io_uring engine, IORING_OP_READ, iodepth=%d, submit and reap one at a time, no fixedbufs,\n"
	       "       registerfiles, sqthread_poll or hipri; --invalidate=0\n"
	       "libpk: %d fibers on one core, pk_pread (IORING_OP_READ), one io_uring_enter per scheduler round\n"
	       "       (DEFER_TASKRUN, SINGLE_ISSUER), no registered files or buffers, no SQPOLL\n", DEPTH, DEPTH);
	printf("%-9s %5s %12s %12s %12s %8s %8s\n", "mode", "round", "pread loop", "fio io_uring", "libpk", "pk/fio",
	       "pk/pread");
	for (int direct = 0; direct <= 1; direct++) {
		double base[MAX_ROUNDS], f[MAX_ROUNDS], pk[MAX_ROUNDS], rf[MAX_ROUNDS], rb[MAX_ROUNDS];
		const char *mode = direct ? "O_DIRECT" : "buffered";

		fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
		if (fd < 0) {
			perror(path);
			return 1;
		}
		for (int r = 0; r < rounds; r++) {
			base[r] = pread_loop(r);
			if (r % 2) {
				pk[r] = libpk(r);
				f[r] = fio(direct);
			} else {
				f[r] = fio(direct);
				pk[r] = libpk(r);
			}
			rf[r] = f[r] > 0 ? pk[r] / f[r] : 0;
			rb[r] = pk[r] / base[r];
			printf("%-9s %5d %12.0f %12.0f %12.0f %7.2fx %7.2fx\n", mode, r + 1, base[r], f[r], pk[r], rf[r],
			       rb[r]);
			fflush(stdout);
		}
		close(fd);
		printf("%-9s %5s %12.0f %12.0f %12.0f %7.2fx %7.2fx\n", mode, "median", median(base, rounds),
		       median(f, rounds), median(pk, rounds), median(rf, rounds), median(rb, rounds));
	}
	together(rounds);
	pk_shutdown();
	unlink(path);
	unlink(path2);
	return 0;
}
