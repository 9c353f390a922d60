/*
 * Description: pk_close cancels the operations in flight on its descriptor
 * in every ring, not only the caller's: reads parked on another core, in
 * an ordinary thread's lazy ring, and on several rings at once all return
 * EBADF when a fiber or a thread closes the descriptor, promptly, and
 * nothing lands in their buffers afterwards (the pipe has no reader left,
 * so a write gets EPIPE instead of feeding a forgotten read).
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdlib.h>

#include "pk.h"
#include "t_pk.h"

#define WAIT_MS 3000

struct rd {
	int fd;
	int sock;
	_Atomic int started, done;
	ssize_t r;
	int err;
	char buf[16];
};

static void rd_init(struct rd *r, int fd, int sock)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->sock = sock;
	memset(r->buf, '.', sizeof(r->buf));
}

static void *reader(void *arg)
{
	struct rd *r = arg;

	r->started = 1;
	r->r = r->sock ? pk_recv(r->fd, r->buf, sizeof(r->buf), 0) : pk_read(r->fd, r->buf, sizeof(r->buf));
	r->err = errno;
	r->done = 1;
	return NULL;
}

static void *thread_reader(void *arg)
{
	return reader(arg);
}

/* Waits (parking when a fiber) until every reader started, then a little more so they are in the kernel. */
static void wait_started(struct rd *r, int n)
{
	for (int i = 0; i < n; i++)
		while (!r[i].started)
			pk_usleep(1000);
	pk_usleep(100000);
}

/* Waits up to WAIT_MS for the readers to finish; true if they all did. */
static int wait_done(struct rd *r, int n)
{
	for (int ms = 0; ms < WAIT_MS; ms += 5) {
		int all = 1;

		for (int i = 0; i < n; i++)
			all &= r[i].done;
		if (all)
			return 1;
		pk_usleep(5000);
	}
	return 0;
}

static int all_ebadf(struct rd *r, int n)
{
	for (int i = 0; i < n; i++)
		if (!r[i].done || r[i].r != -1 || r[i].err != EBADF || r[i].buf[0] != '.') {
			t_diag("reader %d: done %d r %zd errno %d (%s)", i, r[i].done, r[i].r, r[i].err,
			       strerror(r[i].err));
			return 0;
		}
	return 1;
}

static void *closer_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;

	return (void *)(intptr_t)pk_close(fd);
}

static void *main_fiber(void *arg)
{
	struct rd r[5];
	pk_fiber_t f[4];
	pthread_t th;
	int p[2], sv[2], ok;
	ssize_t w;

	(void)arg;

	/* A read parked on core 1, closed from core 0. */
	if (pipe(p))
		return NULL;
	rd_init(&r[0], p[0], 0);
	pk_spawn_on(1, &f[0], reader, &r[0]);
	wait_started(r, 1);
	t_ok(pk_close(p[0]) == 0, "pk_close on core 0 of a pipe read on core 1");
	ok = wait_done(r, 1);
	t_ok(ok && all_ebadf(r, 1), "the read on core 1 is cancelled: EBADF");
	w = write(p[1], "x", 1);
	t_ok(w == -1 && errno == EPIPE, "no read is left on the pipe: a write gets EPIPE");
	/* Before the joins: EOF releases the readers a failed cancel left parked. */
	close(p[1]);
	pk_join(f[0], NULL);

	/* A recv parked on core 1, closed from core 0. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return NULL;
	rd_init(&r[0], sv[0], 1);
	pk_spawn_on(1, &f[0], reader, &r[0]);
	wait_started(r, 1);
	pk_close(sv[0]);
	ok = wait_done(r, 1);
	t_ok(ok && all_ebadf(r, 1), "a recv on core 1 is cancelled by pk_close on core 0: EBADF");
	close(sv[1]);
	pk_join(f[0], NULL);

	/* A read in an ordinary thread's own ring, closed by a fiber. */
	if (pipe(p))
		return NULL;
	rd_init(&r[0], p[0], 0);
	pthread_create(&th, NULL, thread_reader, &r[0]);
	wait_started(r, 1);
	pk_close(p[0]);
	ok = wait_done(r, 1);
	t_ok(ok && all_ebadf(r, 1), "a read in a plain thread's ring is cancelled by a fiber's pk_close: EBADF");
	close(p[1]);
	pthread_join(th, NULL);

	/* A read on core 1, closed by an ordinary thread. */
	if (pipe(p))
		return NULL;
	rd_init(&r[0], p[0], 0);
	pk_spawn_on(1, &f[0], reader, &r[0]);
	wait_started(r, 1);
	pthread_create(&th, NULL, closer_thread, (void *)(intptr_t)p[0]);
	ok = wait_done(r, 1);
	t_ok(ok && all_ebadf(r, 1), "a read on core 1 is cancelled by a plain thread's pk_close: EBADF");
	close(p[1]);
	pthread_join(th, NULL);
	pk_join(f[0], NULL);

	/* Five reads of one pipe: two per core and one in a thread; core 0 closes. */
	if (pipe(p))
		return NULL;
	for (int i = 0; i < 5; i++)
		rd_init(&r[i], p[0], 0);
	for (int i = 0; i < 4; i++)
		pk_spawn_on(i % 2, &f[i], reader, &r[i]);
	pthread_create(&th, NULL, thread_reader, &r[4]);
	wait_started(r, 5);
	pk_close(p[0]);
	ok = wait_done(r, 5);
	t_ok(ok && all_ebadf(r, 5), "reads on both cores and in a thread all cancelled by one pk_close");
	w = write(p[1], "x", 1);
	t_ok(w == -1 && errno == EPIPE, "and none is left on the pipe");
	close(p[1]);
	for (int i = 0; i < 4; i++)
		pk_join(f[i], NULL);
	pthread_join(th, NULL);
	return NULL;
}

int main(void)
{
	/* Ordinary threads' calls go to the kernel unless told (pk.h): these are about their rings. */
	setenv("PK_ROUTE", "ring", 1);
	return t_run_fiber_on_two_cores(main_fiber, 8);
}
