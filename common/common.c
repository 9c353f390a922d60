/*
 * Diagnostics, allocation, time and progress: see common.h.
 */
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *util_cmd_name = "";

static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;

void util_err(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "parakit%s%s: ", *util_cmd_name ? " " : "", util_cmd_name);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	/* Names from binaries and archives may hold control characters: the
	 * terminal gets '?' in their place. */
	for (int i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	buf[n++] = '\n';
	/* A progress bar may own the line: clear it first. */
	pthread_mutex_lock(&err_lock);
	if (isatty(2))
		fputs("\r\033[K", stderr);
	fwrite(buf, 1, n, stderr);
	pthread_mutex_unlock(&err_lock);
}

static void oom(size_t n)
{
	util_err("out of memory allocating %zu bytes", n);
	exit(125);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

void *xgrow(void *p, size_t *cap, size_t n, size_t sz)
{
	size_t c = *cap;

	if (n <= c)
		return p;
	c = c ? c : 8;
	while (c < n)
		c *= 2;
	*cap = c;
	return xrealloc(p, c * sz);
}

uint64_t util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

const char *util_utc_now(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

char *util_join_argv(int argc, char **argv)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += 4 * strlen(argv[i]) + 3;
	p = s = xmalloc(len);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int plain = *a != 0;

		for (const char *c = a; *c; c++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *c))
				plain = 0;
		if (i)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, a);
			continue;
		}
		*p++ = '\'';
		for (const char *c = a; *c; c++) {
			if (*c == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *c;
		}
		*p++ = '\'';
	}
	*p = 0;
	return s;
}

/* Redraws at most this often. */
#define PROGRESS_NS 200000000u

/*
 * Work done within a second needs no progress, and the first second's rate
 * is mostly start-up. PARAKIT_PROGRESS_DELAY (seconds) changes it, as
 * GIT_PROGRESS_DELAY does git's: the tests set 0.
 */
static uint64_t progress_delay_ns(void)
{
	const char *env = getenv("PARAKIT_PROGRESS_DELAY");
	char *end;
	double s;

	if (!env || !*env)
		return 1000000000u;
	s = strtod(env, &end);
	return *end || !(s >= 0 && s < 1e6) ? 1000000000u : (uint64_t)(s * 1e9);
}

void progress_init(struct progress *p, const char *unit, uint64_t total_items, uint64_t total_bytes)
{
	struct winsize ws;

	memset(p, 0, sizeof(*p));
	p->unit = unit;
	p->total_items = total_items;
	p->total_bytes = total_bytes;
	p->start_ns = util_now_ns();
	p->next_ns = p->start_ns + progress_delay_ns();
	p->tty = isatty(2);
	p->columns = p->tty && !ioctl(2, TIOCGWINSZ, &ws) && ws.ws_col ? ws.ws_col : 80;
}

/* "812 MiB", "2.1 GiB", "97 B": three significant digits at most. */
static void format_bytes(char *buf, size_t size, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u && v < 9.95 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* "0:34", "1:02:09"; "-:--" when unknown. */
static void format_eta(char *buf, size_t size, double secs)
{
	unsigned long long s;

	if (!(secs >= 0 && secs < 1e8)) {
		snprintf(buf, size, "-:--");
		return;
	}
	s = (unsigned long long)(secs + 0.5);
	if (s >= 3600)
		snprintf(buf, size, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, size, "%llu:%02llu", s / 60, s % 60);
}

/*
 * The time left is the work left at the average rate so far, the work of
 * an item being its bytes and a fixed PROGRESS_ITEM_BYTES (opening it,
 * hashing it, its headers, its database transaction, a TU's headers). By
 * bytes alone, scan's largest-first order makes it hopeful: a scan of an
 * apt cache (1543 .debs, 1.6 GiB, 223 s on 2 busy CPUs) said 61 s were left
 * 90 s in, when 133 were; with 256 KiB an item it said 94, and stayed
 * within a fifth of the truth for the first minute.
 */
#define PROGRESS_ITEM_BYTES (256u << 10)

static void progress_format(char *buf, size_t size, const struct progress *p, uint64_t bytes,
			    uint64_t items, uint64_t now_ns)
{
	double secs = (now_ns - p->start_ns) / 1e9, rate = secs > 0 ? bytes / secs : 0;
	double work = bytes + (double)PROGRESS_ITEM_BYTES * items;
	double total = p->total_bytes + (double)PROGRESS_ITEM_BYTES * p->total_items;
	char done[16], all[16], per_s[16], left[24];

	format_bytes(done, sizeof(done), bytes);
	format_bytes(all, sizeof(all), p->total_bytes);
	format_bytes(per_s, sizeof(per_s), rate);
	format_eta(left, sizeof(left), work > 0 ? (total > work ? total - work : 0) * secs / work : NAN);
	snprintf(buf, size, "  %s / %s  %s/s  ETA %s  (%llu/%llu %s)", done, all, per_s, left,
		 (unsigned long long)items, (unsigned long long)p->total_items, p->unit);
}

void progress_add(struct progress *p, uint64_t bytes, uint64_t items)
{
	uint64_t now;
	char line[256];

	if (!p)
		return;
	atomic_fetch_add(&p->bytes, bytes);
	atomic_fetch_add(&p->items, items);
	if (!p->tty || (now = util_now_ns()) < atomic_load(&p->next_ns))
		return;
	pthread_mutex_lock(&err_lock);
	if (now >= p->next_ns) {
		p->next_ns = now + PROGRESS_NS;
		progress_format(line, sizeof(line), p, p->bytes, p->items, now);
		if (strlen(line) >= p->columns)
			line[p->columns - 1] = '\0';
		fprintf(stderr, "\r\033[K%s", line);
		fflush(stderr);
		p->drawn = 1;
	}
	pthread_mutex_unlock(&err_lock);
}

void progress_release(struct progress *p)
{
	pthread_mutex_lock(&err_lock);
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = 0;
	pthread_mutex_unlock(&err_lock);
}

int util_split_dashdash(int argc, char **argv, char ***rest, int *n_rest)
{
	*rest = NULL;
	*n_rest = 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			*rest = argv + i + 1;
			*n_rest = argc - i - 1;
			return i;
		}
	return argc;
}

void util_run_threads(unsigned n, void *(*fn)(void *), void *arg)
{
	pthread_t *threads = xcalloc(n, sizeof(*threads));
	unsigned started = 1;

	for (; started < n; started++)
		if ((errno = pthread_create(&threads[started], NULL, fn, arg))) {
			util_err("cannot start a worker thread: %s", strerror(errno));
			break;
		}
	fn(arg);
	for (unsigned i = 1; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
}

char *util_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, cap = 0;
	char *buf = NULL;
	ssize_t r;

	if (fd < 0)
		return NULL;
	for (;;) {
		buf = xgrow(buf, &cap, n + 65536, 1);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static char install_prefix[PATH_MAX];

static int is_file(const char *dir, const char *name)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static void find_install_prefix(void)
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return;
	exe[n] = '\0';
	/* The kernel's path is absolute and resolved: no "..", no links. */
	for (int up = 0; up < 2; up++) {
		slash = strrchr(exe, '/');
		if (!slash || slash == exe)
			return;
		*slash = '\0';
	}
	if (is_file(exe, "lib/libpk.a") && is_file(exe, "include/pk.h"))
		snprintf(install_prefix, sizeof(install_prefix), "%s", exe);
}

const char *util_install_prefix(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, find_install_prefix);
	return *install_prefix ? install_prefix : NULL;
}
