/*
 * Description: completion coalescing (PK_WAIT_BATCH, PK_MIN_WAIT_US) never
 * leaves a fiber waiting for completions that will not come: with 40
 * fibers parked on empty pipes (the core waits for batches of 16), each
 * byte a plain thread writes, one pipe at a time, is read by its fiber
 * before the next is written; a fiber alone in a read-write ping-pong
 * makes 2,000 round trips; timers still fire. The test's own timeout
 * catches a hang: nothing here is timed.
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

#define NPIPES 40
#define TRIPS 2000

static int pipes[NPIPES][2];
static _Atomic int got[NPIPES];

static void *reader(void *arg)
{
	int i = (int)(intptr_t)arg;
	char c;

	if (pk_read(pipes[i][0], &c, 1) == 1 && c == 'a' + i % 26)
		got[i] = 1;
	return NULL;
}

/* A plain thread: one byte per pipe, each only once the previous was read. */
static void *writer(void *arg)
{
	int *ok = arg;

	*ok = 1;
	for (int i = 0; i < NPIPES && *ok; i++) {
		char c = (char)('a' + i % 26);

		if (write(pipes[i][1], &c, 1) != 1)
			*ok = 0;
		while (*ok && !got[i])
			usleep(100);
	}
	return NULL;
}

static void *echo(void *arg)
{
	int *p = arg;
	char c;

	while (pk_read(p[0], &c, 1) == 1 && c != 'q')
		if (pk_write(p[3], &c, 1) != 1)
			break;
	return NULL;
}

static void *main_fiber(void *arg)
{
	pk_fiber_t f[NPIPES], e;
	pthread_t th;
	int ok = 0, fds[4], trips = 0, all = 1;
	char c = 'x';

	(void)arg;
	for (int i = 0; i < NPIPES; i++)
		if (pipe(pipes[i]) || pk_spawn(&f[i], reader, (void *)(intptr_t)i))
			return NULL;
	pthread_create(&th, NULL, writer, &ok);
	for (int i = 0; i < NPIPES; i++)
		pk_join(f[i], NULL);
	pthread_join(th, NULL);
	for (int i = 0; i < NPIPES; i++)
		all &= got[i];
	t_ok(ok && all, "%d fibers on empty pipes: each byte read before the next was written", NPIPES);

	if (pipe(fds) || pipe(fds + 2) || pk_spawn(&e, echo, fds))
		return NULL;
	for (int i = 0; i < TRIPS; i++) {
		if (pk_write(fds[1], &c, 1) != 1 || pk_read(fds[2], &c, 1) != 1)
			break;
		trips++;
	}
	pk_write(fds[1], "q", 1);
	pk_join(e, NULL);
	t_ok(trips == TRIPS, "ping-pong between two fibers: %d of %d round trips", trips, TRIPS);
	t_ok(pk_usleep(1000) == 0, "a timer fires");
	return NULL;
}

int main(void)
{
	setenv("PK_WAIT_BATCH", "16", 1);
	setenv("PK_MIN_WAIT_US", "50", 1);
	return t_run_fiber_on_two_cores(main_fiber, 3);
}
