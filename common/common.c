/*
 * Diagnostics, allocation, time and progress: see common.h.
 */
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
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

void progress_init(struct progress *p, const char *what, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->total = total;
	p->tty = isatty(2);
	p->start_ns = util_now_ns();
}

static void progress_draw(struct progress *p, uint64_t now)
{
	char bar[31];
	unsigned fill = p->total ? (unsigned)(30 * p->done / p->total) : 0;
	double secs = (now - p->start_ns) / 1e9;

	memset(bar, '#', fill);
	memset(bar + fill, '.', 30 - fill);
	bar[30] = 0;
	fprintf(stderr, "\r\033[K%s [%s] %llu/%llu %.0fs", p->what, bar,
		(unsigned long long)p->done, (unsigned long long)p->total, secs);
}

void progress_update(struct progress *p, uint64_t done)
{
	uint64_t now;

	if (!p->tty)
		return;
	pthread_mutex_lock(&err_lock);
	p->done = done;
	now = util_now_ns();
	if (now - p->last_ns > 100000000u || done == p->total) {
		p->last_ns = now;
		progress_draw(p, now);
	}
	pthread_mutex_unlock(&err_lock);
}

void progress_release(struct progress *p)
{
	if (p->tty)
		fputs("\r\033[K", stderr);
}

int util_parse_jobs(const char *arg, unsigned *jobs)
{
	char *end;
	unsigned long n = strtoul(arg, &end, 10);

	if (*end || end == arg || n < 1 || n > 1024) {
		util_err("--jobs wants a number from 1 to 1024, not '%s'", arg);
		return -1;
	}
	*jobs = n;
	return 0;
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
