/*
 * TAP helpers for the libpk tests (liburing test/helpers.h style).
 * t_require() skips a test whose facility (io_uring, root, AF_XDP) is
 * missing, except under CI=true, where the issue says it must run: there it
 * fails.
 */
#ifndef T_PK_H
#define T_PK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
