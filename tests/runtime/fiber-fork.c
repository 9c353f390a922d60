/*
 * Description: fork() from a fiber (issue 14: a ported daemon detaching):
 * the child's cores start again, each with a ring of its own, so that it
 * spawns fibers spread over every core and does I/O on them while the
 * parent goes on with its own; only the forking fiber lives on in the
 * child; the child exits 0 when its last fiber ends (pk_run's caller is
 * not there to return to) and with exit()'s status when a fiber calls
 * it; a fork from an ordinary thread gives a child that can pk_run again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "pk.h"
#include "t_pk.h"

#define NF 6

static int cores_seen;		/* bit per core a child's fiber ran on */

/* Echoes through a pipe of its own, on the ring, after a sleep on it. */
static void *worker(void *arg)
{
	long i = (long)arg;
	char out[8], in[8] = "";
	int p[2];

	if (pipe(p))
		return (void *)-1L;
	pk_usleep(1000);
	snprintf(out, sizeof(out), "w%ld", i);
	if (pk_write(p[1], out, strlen(out)) != (ssize_t)strlen(out) ||
	    pk_read(p[0], in, sizeof(in)) != (ssize_t)strlen(out) || memcmp(in, out, strlen(out)))
		return (void *)-1L;
	__atomic_or_fetch(&cores_seen, 1 << pk_core_id(), __ATOMIC_RELAXED);
	pk_close(p[0]);
	pk_close(p[1]);
	return (void *)i;
}

/* Spawns NF workers and joins them: how many echoed (cores_seen says where). */
static int echo_fibers(void)
{
	pk_fiber_t f[NF];
	int ok = 0;

	cores_seen = 0;
	for (long i = 0; i < NF; i++)
		if (pk_spawn(&f[i], worker, (void *)i))
			_exit(3);
	for (long i = 0; i < NF; i++) {
		void *r;

		ok += pk_join(f[i], &r) == 0 && r == (void *)i;
	}
	return ok;
}

/* A child's work: echo_fibers, its result written to the pipe @arg. */
static void *child_main(void *arg)
{
	char msg[64];
	int ok = echo_fibers();

	snprintf(msg, sizeof(msg), "%d %d", ok, cores_seen);
	pk_write((int)(long)arg, msg, strlen(msg));
	return NULL;
}

static int wait_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void *main_fiber(void *arg)
{
	char buf[64] = "", want[64];
	int p[2], st;
	pid_t pid;

	(void)arg;
	snprintf(want, sizeof(want), "%d %d", NF, (1 << pk_ncores()) - 1);

	/* The child's fibers spread over fresh cores; the child ends with its last fiber. */
	if (pipe(p))
		abort();
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		return child_main((void *)(long)p[1]);	/* pk_run's caller is the parent's: the child exits 0 */
	}
	close(p[1]);
	t_ok(pk_read(p[0], buf, sizeof(buf) - 1) > 0 && !strcmp(buf, want),
	     "a child of a fiber: %d fibers echo on the ring, on every core (%s, want %s)", NF, buf, want);
	st = wait_status(pid);
	t_ok(st == 0, "it exits 0 when its last fiber ends (%d)", st);
	pk_close(p[0]);

	/* Meanwhile and after, the parent's own ring is its own. */
	t_ok(echo_fibers() == NF && cores_seen == (1 << pk_ncores()) - 1,
	     "the parent's fibers still echo on every core after the child");

	pid = fork();
	if (pid == 0)
		exit(7);
	st = wait_status(pid);
	t_ok(st == 7, "a child's fiber that calls exit(7) exits 7 (%d)", st);
	return NULL;
}

static void *thread_fork(void *arg)
{
	char buf[64] = "", want[64];
	int p[2], st;
	pid_t pid;

	(void)arg;
	snprintf(want, sizeof(want), "%d %d", NF, (1 << pk_ncores()) - 1);
	if (pipe(p))
		abort();
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (pk_run(child_main, (void *)(long)p[1], NULL))
			_exit(4);
		_exit(0);
	}
	close(p[1]);
	st = (int)read(p[0], buf, sizeof(buf) - 1);
	t_ok(st > 0 && !strcmp(buf, want), "a child of an ordinary thread runs fibers on every core (%s)", buf);
	t_ok(wait_status(pid) == 0, "and exits as its main says");
	close(p[0]);
	return NULL;
}

int main(void)
{
	pthread_t t;

	setenv("PK_SPREAD", "1", 1);
	if (t_pk_start(2, 6))
		return 1;
	pk_run(main_fiber, NULL, NULL);
	pthread_create(&t, NULL, thread_fork, NULL);
	pthread_join(t, NULL);
	pk_shutdown();
	return t_done();
}
