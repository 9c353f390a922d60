/*
 * Description: pk_close on one core fences the reads of fibers parked on
 * another core even when that core has not yet submitted them. On core 1 a
 * reader fiber parks in pk_read (or pk_recv) and a busy fiber then keeps the
 * core from entering the kernel for a while, so the read's SQE sits in the
 * core's SQ; a fiber on core 0 (or a plain thread) closes the descriptor,
 * at once puts another pipe (socket) under the same number with dup2 and
 * writes into it. The read must report EBADF and the new file's data must
 * stay unread: a close that returned before the queued read was cancelled
 * lets the read go out later against the reused descriptor and take it.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

#define ROUNDS 150
#define BUSY_NS 2000000		/* how long the busy fiber holds core 1 at most */
#define WAIT_MS 5000

enum { PIPE, SOCKET };

struct round {
	int kind;
	int fd, peer;		/* the descriptor to close, and its other end */
	_Atomic int started, parked, reused, done;
	ssize_t r;
	int err;
	char buf[16];
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *reader(void *arg)
{
	struct round *rd = arg;

	rd->started = 1;
	rd->r = rd->kind == SOCKET ? pk_recv(rd->fd, rd->buf, sizeof(rd->buf), 0) :
				     pk_read(rd->fd, rd->buf, sizeof(rd->buf));
	rd->err = errno;
	rd->done = 1;
	return NULL;
}

/*
 * Runs after the reader parked (same core, no preemption: it resumes only
 * once the reader switched away), then holds the core, so the read stays
 * queued, until the closer reused the descriptor or BUSY_NS passed.
 */
static void *busy(void *arg)
{
	struct round *rd = arg;
	long long t0;

	while (!rd->started)
		pk_yield();
	rd->parked = 1;
	t0 = now_ns();
	while (!rd->reused && now_ns() - t0 < BUSY_NS)
		__builtin_ia32_pause();
	return NULL;
}

/* Closes rd->fd, puts a new pipe or socket under its number and writes "new" into it. */
static int close_and_reuse(struct round *rd, int *newpeer)
{
	int p[2];

	if (pk_close(rd->fd))
		return -1;
	if (rd->kind == SOCKET ? socketpair(AF_UNIX, SOCK_STREAM, 0, p) : pipe(p))
		return -1;
	/* pipe() usually took the number itself; dup2 makes sure. */
	if (p[0] != rd->fd && (dup2(p[0], rd->fd) < 0 || close(p[0])))
		return -1;
	if (write(p[1], "new", 3) != 3)
		return -1;
	*newpeer = p[1];
	rd->reused = 1;
	return 0;
}

static void *closer_thread(void *arg)
{
	struct round *rd = arg;
	int peer;

	return (void *)(intptr_t)(close_and_reuse(rd, &peer) ? -1 : peer);
}

/* One round; returns 1 when the read was fenced, 0 with a diagnostic otherwise. */
static int one_round(int kind, int thread_closer)
{
	struct round rd = { .kind = kind };
	pk_fiber_t fr, fb;
	int sv[2], newpeer = -1, ok = 1;
	char back[8];
	pthread_t th;
	void *tr;
	ssize_t n;

	if (kind == SOCKET ? socketpair(AF_UNIX, SOCK_STREAM, 0, sv) : pipe(sv))
		return 0;
	rd.fd = sv[0];
	rd.peer = sv[1];
	memset(rd.buf, '.', sizeof(rd.buf));
	/* The busy fiber first: it yields to the reader, so it runs right after the reader parks. */
	pk_spawn_on(1, &fb, busy, &rd);
	pk_spawn_on(1, &fr, reader, &rd);
	while (!rd.parked)
		pk_yield();
	if (thread_closer) {
		pthread_create(&th, NULL, closer_thread, &rd);
		while (!rd.reused)
			pk_usleep(100);
		pthread_join(th, &tr);
		newpeer = (int)(intptr_t)tr;
	} else if (close_and_reuse(&rd, &newpeer)) {
		t_diag("close and reuse: %s", strerror(errno));
		ok = 0;
	}
	for (int ms = 0; !rd.done && ms < WAIT_MS; ms++)
		pk_usleep(1000);
	if (!rd.done || rd.r != -1 || rd.err != EBADF || rd.buf[0] != '.') {
		t_diag("%s, %s closer: read done %d r %zd errno %d (%s) buf '%.3s'",
		       kind == SOCKET ? "socket" : "pipe", thread_closer ? "thread" : "fiber",
		       rd.done, rd.r, rd.err, strerror(rd.err), rd.buf);
		ok = 0;
	}
	fcntl(rd.fd, F_SETFL, O_NONBLOCK);	/* what a stray read took is not coming back */
	n = read(rd.fd, back, sizeof(back));
	if (n != 3 || memcmp(back, "new", 3)) {
		t_diag("the reused descriptor lost its data: read %zd (%s)", n, n < 0 ? strerror(errno) : "");
		ok = 0;
	}
	close(rd.fd);
	/* Closing the old pipe's other end ends, with EOF, a read that a failed cancel left parked. */
	close(rd.peer);
	if (newpeer >= 0)
		close(newpeer);
	pk_join(fr, NULL);
	pk_join(fb, NULL);
	return ok;
}

static void *main_fiber(void *arg)
{
	static const struct { int kind, thread; const char *what; } cases[] = {
		{ PIPE, 0, "pipe read queued on core 1, closed by a fiber on core 0" },
		{ SOCKET, 0, "socket recv queued on core 1, closed by a fiber on core 0" },
		{ PIPE, 1, "pipe read queued on core 1, closed by a plain thread" },
	};

	(void)arg;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int good = 0, i;

		for (i = 0; i < ROUNDS; i++) {
			if (!one_round(cases[c].kind, cases[c].thread))
				break;
			good++;
		}
		t_ok(good == ROUNDS, "%s: EBADF and the reused descriptor untouched (%d/%d rounds)",
		     cases[c].what, good, ROUNDS);
	}
	return NULL;
}

int main(void)
{
	return t_run_fiber_on_two_cores(main_fiber, 3);
}
