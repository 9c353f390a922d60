/*
 * TAP helpers for the libpk tests (liburing test/helpers.h style).
 * t_require() skips a test whose facility (io_uring, root, AF_XDP) is
 * missing, except under CI=true, where the issue says it must run: there it
 * fails.
 */
#ifndef T_PK_H
#define T_PK_H

#include <liburing.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Skips the whole test when @have is false (fails instead under CI=true). */
static inline void t_require(int have, const char *why)
{
	if (have)
		return;
	if (t_in_ci()) {
		printf("1..1\nnot ok 1 - %s (required under CI=true)\n", why);
		exit(1);
	}
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static inline int t_done(void)
{
	return t_failed ? 1 : 0;
}

/*
 * The main of a test that is one fiber on @cores cores: requires io_uring,
 * plans @plan checks, runs @fn under pk_init/pk_run/pk_shutdown (SIGPIPE
 * ignored: tests close sockets under writers) and returns the status.
 */
static inline int t_run_fiber_on(int cores, void *(*fn)(void *), int plan)
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
	if (pk_run(fn, NULL, NULL))
		t_ok(0, "pk_run");
	pk_shutdown();
	return t_done();
}

static inline int t_run_fiber_on_two_cores(void *(*fn)(void *), int plan)
{
	return t_run_fiber_on(2, fn, plan);
}

#endif
