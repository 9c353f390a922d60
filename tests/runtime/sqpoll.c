/*
 * Description: SQPOLL mode (PK_SQPOLL=1): one kernel polling thread shared
 * by every core's ring (it shows up as iou-sqp-<pid>), pinned to
 * PK_SQPOLL_CPU, and I/O through it is correct: pipe ping-pong between
 * fibers on two cores, file writes and reads, sleeps.
 */
#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

#define ROUNDS 5000

static int ab[2], ba[2];

static void *pinger(void *arg)
{
	char c = 0;
	long bad = 0;

	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		c = (char)i;
		if (pk_write(ab[1], &c, 1) != 1 || pk_read(ba[0], &c, 1) != 1 || c != (char)(i + 1))
			bad++;
	}
	return (void *)bad;
}

static void *ponger(void *arg)
{
	char c;

	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		if (pk_read(ab[0], &c, 1) != 1)
			break;
		c++;
		if (pk_write(ba[1], &c, 1) != 1)
			break;
	}
	return NULL;
}

static int count_sqp_threads(void)
{
	char path[300], comm[64];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/task");
	int n = 0;

	while (dir && (d = readdir(dir))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", d->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-sqp-", 8))
			n++;
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

static void *main_fiber(void *arg)
{
	pk_fiber_t a, b;
	void *bad = (void *)1;
	char path[] = "/tmp/pk-sqpoll-XXXXXX", buf[4096], rd[4096];
	int fd, ok = 1, n = 0;
	struct timespec ts = { 0, 2000000 };

	(void)arg;
	/*
	 * The probe's polling thread goes when its ring's teardown work runs,
	 * which a loaded machine can delay past main's wait: 1 in 10 runs saw it.
	 */
	for (int i = 0; i < 200 && (n = count_sqp_threads()) != 1; i++)
		pk_usleep(10000);
	t_ok(n == 1, "one SQPOLL thread for %d rings (%d)", pk_ncores(), n);
	if (pipe(ab) || pipe(ba))
		return NULL;
	pk_spawn_on(0, &a, pinger, NULL);
	pk_spawn_on(pk_ncores() - 1, &b, ponger, NULL);
	pk_join(a, &bad);
	pk_join(b, NULL);
	t_ok(bad == NULL, "%d pipe round trips between fibers on two cores", ROUNDS);

	fd = mkstemp(path);
	for (int i = 0; i < 64 && ok; i++) {
		memset(buf, 'a' + i % 26, sizeof(buf));
		ok = pk_pwrite(fd, buf, sizeof(buf), (off_t)i * 4096) == 4096;
	}
	for (int i = 0; i < 64 && ok; i++)
		ok = pk_pread(fd, rd, sizeof(rd), (off_t)i * 4096) == 4096 && rd[100] == 'a' + i % 26;
	t_ok(ok, "256 KiB written and read back through the SQPOLL ring");
	pk_close(fd);
	unlink(path);
	t_ok(pk_nanosleep(&ts, NULL) == 0, "a timer through the SQPOLL ring");
	return NULL;
}

int main(void)
{
	struct io_uring ring;
	struct io_uring_params p = { .flags = IORING_SETUP_SQPOLL, .sq_thread_idle = 10 };
	char cpu[32];

	t_require(io_uring_queue_init_params(4, &ring, &p) == 0, "io_uring with SQPOLL unavailable");
	io_uring_queue_exit(&ring);
	for (int i = 0; i < 200 && count_sqp_threads(); i++)
		usleep(10000);	/* the probe's polling thread exits asynchronously */
	t_plan(5);
	setenv("PK_SQPOLL", "1", 1);
	snprintf(cpu, sizeof(cpu), "%ld", sysconf(_SC_NPROCESSORS_ONLN) - 1);
	setenv("PK_SQPOLL_CPU", cpu, 1);
	setenv("PK_CORES", "2", 1);
	t_ok(pk_init(NULL) == 0, "pk_init with PK_SQPOLL=1 PK_SQPOLL_CPU=%s PK_CORES=2", cpu);
	if (pk_run(main_fiber, NULL, NULL))
		t_ok(0, "pk_run");
	pk_shutdown();
	return t_done();
}
