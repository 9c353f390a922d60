/*
 * Helpers shared by the libpk echo benchmarks (pk-echo.c, pk-udp-echo.c):
 * counting another process's system calls, saying where its threads ran,
 * and the machine's load, so that figures from a shared machine come with
 * what disturbed them.
 *
 * System calls are counted with a perf counter on the raw_syscalls:sys_enter
 * tracepoint attached to the server process before it starts its threads
 * (inherit = 1, so every thread it creates is counted; reading the parent
 * event sums its children). It costs the traced process nothing on the
 * syscall path but a counter increment, unlike strace. A second counter
 * filtered on id == __NR_io_uring_enter tells how many of them were
 * io_uring_enter. The tracepoint's id lives in tracefs, which these
 * machines do not always mount: mount it when missing (root only).
 * Tracepoint counters have been seen to count nothing for a while when
 * someone else on the machine traces (perf trace): each measurement is
 * bracketed by a check that the tracepoint counts our own getppid() calls,
 * and reported as unknown (-1) when it does not.
 */
#ifndef PK_ECHO_H
#define PK_ECHO_H

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct b_sc {
	int all, uring;		/* perf counters, -1 when unavailable */
	uint64_t all0, uring0;
};

static inline double b_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void b_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* "1.23 2.34 3.45" from /proc/loadavg into @buf. */
static inline const char *b_load(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;

	if (!f || fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
	if (f)
		fclose(f);
	return buf;
}

static inline long b_tracepoint_id(void)
{
	static const char *paths[] = {
		"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
		"/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
	};
	long id = -1;

	for (int pass = 0; pass < 2 && id < 0; pass++) {
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && id < 0; i++) {
			FILE *f = fopen(paths[i], "r");

			if (f && fscanf(f, "%ld", &id) != 1)
				id = -1;
			if (f)
				fclose(f);
		}
		if (id < 0 && !pass)
			mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	}
	return id;
}

static inline int b_counter(pid_t pid, long id, const char *filter)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof(a);
	a.config = (uint64_t)id;
	a.inherit = 1;
	a.sample_period = 0;
	fd = (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, 0);
	if (fd >= 0 && filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Attaches the counters to @pid, which must not have started its threads yet. */
static inline void b_sc_attach(struct b_sc *s, pid_t pid)
{
	long id = b_tracepoint_id();
	char filter[32];

	snprintf(filter, sizeof(filter), "id == %d", SYS_io_uring_enter);
	s->all = id < 0 ? -1 : b_counter(pid, id, NULL);
	s->uring = id < 0 ? -1 : b_counter(pid, id, filter);
}

static inline uint64_t b_read(int fd)
{
	uint64_t v = 0;

	if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static inline void b_sc_release(struct b_sc *s)
{
	if (s->all >= 0)
		close(s->all);
	if (s->uring >= 0)
		close(s->uring);
	s->all = s->uring = -1;
}

/* True when the raw_syscalls:sys_enter tracepoint counts this thread's calls right now. */
static inline int b_sc_works(void)
{
	long id = b_tracepoint_id();
	int fd = id < 0 ? -1 : b_counter(0, id, NULL);
	uint64_t n;

	if (fd < 0)
		return 0;
	for (int i = 0; i < 16; i++)
		syscall(SYS_getppid);
	n = b_read(fd);
	close(fd);
	return n >= 16;
}

static inline void b_sc_start(struct b_sc *s)
{
	if (!b_sc_works())
		b_sc_release(s);
	s->all0 = b_read(s->all);
	s->uring0 = b_read(s->uring);
}

/* System calls (and io_uring_enter calls) since b_sc_start(); -1 when not counted. */
static inline void b_sc_stop(struct b_sc *s, double *all, double *uring)
{
	if (!b_sc_works())
		b_sc_release(s);
	*all = s->all < 0 ? -1 : (double)(b_read(s->all) - s->all0);
	*uring = s->uring < 0 ? -1 : (double)(b_read(s->uring) - s->uring0);
}

static inline int b_cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* The median of the known (>= 0) values among @v[0..@n), or -1 when none is. */
static inline double b_median_known(const double *v, int n)
{
	double k[n > 0 ? n : 1];
	int m = 0;

	for (int i = 0; i < n; i++)
		if (v[i] >= 0)
			k[m++] = v[i];
	if (!m)
		return -1;
	qsort(k, (size_t)m, sizeof(k[0]), b_cmp_double);
	return k[m / 2];
}

/* @v with three decimals, or "n/a" when unknown (< 0). */
static inline const char *b_fmt3(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

/*
 * CPU time of every thread of @pid so far, in ns (the sum of their
 * schedstat run times): what a server spent per request, a figure that
 * load from other users of the machine disturbs less than its throughput.
 * Returns -1 when unknown.
 */
static inline double b_cpu_ns(pid_t pid)
{
	char path[300];
	struct dirent *d;
	double sum = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(dir = opendir(path)))
		return -1;
	while ((d = readdir(dir))) {
		unsigned long long ns;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid, d->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += (double)ns;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

/*
 * Appends to @out, for each thread of @pid, "comm:cpuN" where N is the CPU
 * it last ran on, and its allowed CPUs when it is not pinned to that one.
 */
static inline void b_threads(pid_t pid, char *out, size_t len)
{
	char path[300], line[512], comm[32], allowed[64];
	struct dirent *d;
	DIR *dir;
	size_t o = strlen(out);

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		FILE *f;
		char *p;
		int cpu = -1, pinned;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, d->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		comm[0] = 0;
		if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')'))) {
			char *l = strchr(line, '(');
			int field = 2;

			snprintf(comm, sizeof(comm), "%.*s", l ? (int)(p - l - 1) : 0, l ? l + 1 : "");
			for (char *t = strtok(p + 1, " "); t; t = strtok(NULL, " "))
				if (++field == 39)
					cpu = atoi(t);
		}
		fclose(f);
		allowed[0] = 0;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pid, d->d_name);
		if ((f = fopen(path, "r"))) {
			while (fgets(line, sizeof(line), f))
				if (!strncmp(line, "Cpus_allowed_list:", 18)) {
					snprintf(allowed, sizeof(allowed), "%s", line + 18 + strspn(line + 18, " \t"));
					allowed[strcspn(allowed, "\n")] = 0;
				}
			fclose(f);
		}
		pinned = !strpbrk(allowed, "-,");
		if (o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s:cpu%d%s%s%s", o ? " " : "", comm, cpu,
					      pinned ? "" : "(of ", pinned ? "" : allowed, pinned ? "" : ")");
	}
	if (dir)
		closedir(dir);
}

#endif

