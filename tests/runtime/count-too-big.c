/*
 * Description: pk_read and pk_write with a count above SSIZE_MAX fail as
 * read(2) and write(2) do (EFAULT: no buffer is that large), from an
 * ordinary thread (the kernel's call), through the thread's ring
 * (PK_ROUTE=ring) and from a fiber (issue 15: libpk clamped the count and
 * returned 5 bytes, or claimed 2 GiB written).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

static const char *mode = "thread";

static void check(void)
{
	/* Not a constant: the compiler would refuse the calls it can see are wrong. */
	volatile size_t huge = SIZE_MAX;
	char buf[8];
	int p[2];
	ssize_t r, w;
	int re, we, kr, kw;

	if (pipe(p))
		return;
	write(p[1], "hello", 5);
	errno = 0;
	r = read(p[0], buf, huge);
	kr = errno;
	errno = 0;
	w = write(p[1], buf, huge);
	kw = errno;
	errno = 0;
	r = pk_read(p[0], buf, huge);
	re = errno;
	errno = 0;
	w = pk_write(p[1], buf, huge);
	we = errno;
	t_ok(r == -1 && re == kr, "%s: pk_read of SIZE_MAX bytes fails as read(2) (%zd, %s; read(2): %s)",
	     mode, r, strerror(re), strerror(kr));
	t_ok(w == -1 && we == kw, "%s: pk_write of SIZE_MAX bytes fails as write(2) (%zd, %s; write(2): %s)",
	     mode, w, strerror(we), strerror(kw));
	pk_close(p[0]);
	pk_close(p[1]);
}

static void *fiber(void *arg)
{
	(void)arg;
	mode = "fiber";
	check();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		/* The child: through the thread's ring. */
		setenv("PK_ROUTE", "ring", 1);
		mode = "PK_ROUTE=ring";
		check();
		return t_failed ? 1 : 0;
	}
	t_plan(5);
	check();
	/* PK_ROUTE is read once per process: the ring cases run in a child. */
	t_run_ring_child(argv[0], "PK_ROUTE=ring: both failed as the kernel's calls (lines above)");
	setenv("PK_CORES", "1", 1);
	if (pk_run(fiber, NULL, NULL))
		t_ok(0, "pk_run");
	pk_shutdown();
	return t_done();
}
