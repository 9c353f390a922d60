/*
 * Description: pk_sigmask is pthread_sigmask for fibers (issue 14): a
 * fiber that blocks SIGUSR1 goes on waiting in pk_read when the handler
 * runs while another fiber's pk_read returns EINTR; a fiber spawned by it
 * starts with its mask; the core thread's own mask is untouched (the
 * handler still runs); a bad `how` is EINVAL; from an ordinary thread it
 * is pthread_sigmask.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

static volatile sig_atomic_t caught;
static int pipe_a[2], pipe_b[2];

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

struct result {
	ssize_t r;
	int err;
	char c;
};

/* Blocks SIGUSR1 if @arg says so, then reads a byte from its pipe. */
static void *reader(void *arg)
{
	struct result *res = arg;
	int *p = res->c == 'a' ? pipe_a : pipe_b;
	sigset_t set;

	if (res->c == 'a') {
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		pk_sigmask(SIG_BLOCK, &set, NULL);
	}
	errno = 0;
	res->r = pk_read(p[0], &res->c, 1);
	res->err = errno;
	return NULL;
}

static void *child(void *arg)
{
	sigset_t now;

	pk_sigmask(SIG_SETMASK, NULL, &now);
	*(int *)arg = sigismember(&now, SIGUSR1);
	return NULL;
}

static void *main_fiber(void *arg)
{
	struct result a = { .c = 'a' }, b = { .c = 'b' };
	sigset_t set, thread_now;
	pk_fiber_t fa, fb, fc;
	int inherited = -1;

	(void)arg;
	t_pk_handler(SIGUSR1, on_usr1, 0);
	if (pipe(pipe_a) || pipe(pipe_b))
		abort();

	pk_spawn(&fa, reader, &a);
	pk_spawn(&fb, reader, &b);
	pk_usleep(50000);	/* both parked in pk_read */
	kill(getpid(), SIGUSR1);
	pk_join(fb, NULL);
	t_ok(caught == 1 && b.r == -1 && b.err == EINTR, "the fiber that does not block SIGUSR1: EINTR (%zd %s)", b.r,
	     strerror(b.err));
	pk_usleep(50000);
	t_ok(a.r == 0 && a.err == 0, "the fiber that blocks it is still waiting");
	if (write(pipe_a[1], "x", 1) != 1)
		abort();
	pk_join(fa, NULL);
	t_ok(a.r == 1 && a.c == 'x', "and gets its data (%zd)", a.r);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pk_sigmask(SIG_BLOCK, &set, NULL);
	pk_spawn(&fc, child, &inherited);
	pk_join(fc, NULL);
	t_ok(inherited == 1, "a fiber starts with its creator's mask");
	pthread_sigmask(SIG_SETMASK, NULL, &thread_now);
	t_ok(!sigismember(&thread_now, SIGUSR1), "the core thread's own mask is untouched");
	t_ok(pk_sigmask(12345, &set, NULL) == EINVAL, "a bad how: EINVAL");
	pk_sigmask(SIG_UNBLOCK, &set, NULL);
	return NULL;
}

static void *plain_thread(void *arg)
{
	sigset_t set, now;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pk_sigmask(SIG_BLOCK, &set, NULL);
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	t_ok(sigismember(&now, SIGUSR2) == 1, "from an ordinary thread it is pthread_sigmask");
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (t_pk_start(1, 7))
		return 1;
	pk_run(main_fiber, NULL, NULL);
	pthread_create(&t, NULL, plain_thread, NULL);
	pthread_join(t, NULL);
	pk_shutdown();
	return t_done();
}
