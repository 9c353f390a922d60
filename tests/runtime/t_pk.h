/*
 * TAP helpers for the libpk tests (liburing test/helpers.h style).
 * t_require() skips a test whose facility (io_uring, root, AF_XDP) is
 * missing, except under CI=true, where it fails unless tests/lib/allowed-skips
 * declares that skip (issue 21), as the shell tests' t_skip does.
 */
#ifndef T_PK_H
#define T_PK_H

#include <fnmatch.h>
#include <liburing.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "pk.h"

static int t_num, t_failed;

static inline void t_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline int t_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++t_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		t_failed++;
	return cond;
}

static inline void t_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int t_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && !strcmp(ci, "true");
}

/*
 * Whether the list of allowed skips ($T_ALLOWED_SKIPS, else
 * tests/lib/allowed-skips from the top of the tree, where make test runs)
 * has a line "@test<TAB><glob @why matches><TAB><why allowed>"; if so, says
 * so on stderr.
 */
static inline int t_skip_allowed(const char *test, const char *why)
{
	const char *path = getenv("T_ALLOWED_SKIPS");
	char line[1024], *pat, *because;
	int ok = 0;
	FILE *f;

	if (!(f = fopen(path ? path : "tests/lib/allowed-skips", "r")))
		return 0;
	while (!ok && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !(pat = strchr(line, '\t')))
			continue;
		*pat++ = 0;
		if (!(because = strchr(pat, '\t')))
			continue;
		*because++ = 0;
		ok = !strcmp(line, test) && !fnmatch(pat, why, 0);
		if (ok)
			fprintf(stderr, "# allowed skip under CI=true: %s: %s (%s)\n", test, why, because);
	}
	fclose(f);
	return ok;
}

/*
 * Skips the whole test when @have is false; under CI=true fails instead,
 * unless the skip is an allowed one. @test is the test's source file, as
 * the list names it (t_require passes __FILE__).
 */
static inline void t_require_in(const char *test, int have, const char *why)
{
	if (have)
		return;
	if (t_in_ci() && !t_skip_allowed(test, why)) {
		printf("1..1\nnot ok 1 - %s (required under CI=true)\n", why);
		printf("# under CI=true a skip fails unless tests/lib/allowed-skips declares it\n");
		exit(1);
	}
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}
#define t_require(have, why) t_require_in(__FILE__, (have), (why))

static inline int t_done(void)
{
	return t_failed ? 1 : 0;
}

/*
 * Runs @fn as libpk's first fiber in a child process, its stderr in @buf
 * (@size bytes, NUL-terminated): for fibers that must crash. Returns the
 * child's wait status, or -1.
 */
static inline int t_pk_run_child(void *(*fn)(void *), char *buf, size_t size)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;

	buf[0] = 0;
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		pk_run(fn, NULL, NULL);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, size - 1);
	buf[n > 0 ? n : 0] = 0;
	close(p[0]);
	return pid < 0 || waitpid(pid, &st, 0) != pid ? -1 : st;
}

/*
 * Runs this test program (@self, its argv[0]) again as a child with the
 * argument "ring", for checks that need PK_ROUTE=ring (read once per
 * process): the child's TAP lines become diagnostics, and the one check
 * @desc passes when it exits 0.
 */
static inline void t_run_ring_child(const char *self, const char *desc)
{
	char cmd[4200], line[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' ring", self);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f))
		t_diag("child: %s", strtok(line, "\n") ? line : "");
	t_ok(f && pclose(f) == 0, "%s", desc);
}

/*
 * The start of t_run_fiber_on, for a test that does more than pk_run: skips
 * without io_uring, plans @plan checks and starts libpk on @cores cores.
 * Returns 0, or 1 once it said why not.
 */
static inline int t_pk_start(int cores, int plan)
{
	struct io_uring ring;
	char n[16];

	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	signal(SIGPIPE, SIG_IGN);
	t_plan(plan);
	snprintf(n, sizeof(n), "%d", cores);
	setenv("PK_CORES", n, 1);
	if (pk_init(NULL)) {
		t_ok(0, "pk_init with %d cores", cores);
		return 1;
	}
	return 0;
}

/*
 * The main of a test that is one fiber on @cores cores: requires io_uring,
 * plans @plan checks, runs @fn under pk_init/pk_run/pk_shutdown (SIGPIPE
 * ignored: tests close sockets under writers) and returns the status.
 */
static inline int t_run_fiber_on(int cores, void *(*fn)(void *), int plan)
{
	if (t_pk_start(cores, plan))
		return 1;
	if (pk_run(fn, NULL, NULL))
		t_ok(0, "pk_run");
	pk_shutdown();
	return t_done();
}

/* Installs @fn for @sig through pk_sigaction, with @flags (SA_RESTART or 0). */
static inline void t_pk_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	pk_sigaction(sig, &sa, NULL);
}

static inline int t_run_fiber_on_two_cores(void *(*fn)(void *), int plan)
{
	return t_run_fiber_on(2, fn, plan);
}

#endif
