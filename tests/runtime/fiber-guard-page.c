/*
 * Description: a fiber that overflows its stack hits the guard page below
 * it: the process dies of SIGSEGV and libpk says so on stderr.
 */
#include <liburing.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static unsigned long overflow(unsigned long n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	return overflow(n + 1) + pad[0];
}

static void *overflow_fn(void *arg)
{
	return (void *)overflow((unsigned long)arg);
}

int main(void)
{
	struct io_uring ring;
	char buf[512];
	int st;

	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	t_plan(2);
	st = t_pk_run_child(overflow_fn, buf, sizeof(buf));
	t_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a stack overflow kills with SIGSEGV");
	t_ok(strstr(buf, "guard page hit") != NULL, "the guard page hit is reported: %.*s",
	     (int)strcspn(buf, "\n"), buf);
	return t_done();
}
