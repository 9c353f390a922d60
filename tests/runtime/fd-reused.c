/*
 * Description: libpk is right about a descriptor number that libc closed
 * and handed out again behind its back (issue 15): after libc's close and
 * pipe2 reuse a number libpk knew, pk_read of an empty O_NONBLOCK pipe
 * says EAGAIN (it used to wait forever), pk_read of an empty blocking pipe
 * waits for the data (no spurious EAGAIN), and pk_pread of a regular file
 * reusing a pipe's number reads it (no ESPIPE); pk_fd_forget is all a
 * caller needs to say, and libpk's own descriptors are refused to
 * pk_close. Once with libpk's own choice (an ordinary thread's calls go to
 * the kernel), once with PK_ROUTE=ring (through the thread's ring), and
 * the cases a fiber can meet from a fiber.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

struct late {
	int fd;
	int ms;
};

/* Writes one byte to @fd after @ms milliseconds, from a thread of its own. */
static void *write_late(void *arg)
{
	struct late *l = arg;

	usleep((useconds_t)l->ms * 1000);
	if (write(l->fd, "z", 1) != 1)
		abort();
	return NULL;
}

/* Makes a pipe whose read end is number @want (libc's pipe2 and dup2: no libpk). */
static int pipe_at(int want, int fds[2], int flags)
{
	int p[2];

	if (pipe2(p, flags))
		return -1;
	if (p[0] != want) {
		if (dup3(p[0], want, flags & O_CLOEXEC) < 0)
			return -1;
		close(p[0]);
	}
	if (flags & O_NONBLOCK)
		fcntl(want, F_SETFL, fcntl(want, F_GETFL) | O_NONBLOCK);
	fds[0] = want;
	fds[1] = p[1];
	return 0;
}

static const char *mode = "kernel";

/* A blocking pipe libpk learns, closed by libc; the number again as an empty O_NONBLOCK pipe. */
static void nonblock_after_blocking(void)
{
	int a[2], b[2];
	char c;
	ssize_t r;

	pipe_at(40, a, 0);
	write(a[1], "x", 1);
	t_ok(pk_read(40, &c, 1) == 1, "%s: pk_read of a blocking pipe", mode);
	close(a[0]);
	close(a[1]);
	pipe_at(40, b, O_NONBLOCK);
	errno = 0;
	r = pk_read(40, &c, 1);
	t_ok(r == -1 && errno == EAGAIN, "%s: the number reused by libc for an empty O_NONBLOCK pipe: "
	     "EAGAIN, as read(2) (%zd, %s)", mode, r, strerror(errno));
	close(b[0]);
	close(b[1]);
}

/* The other way: an O_NONBLOCK pipe libpk learns, then a blocking one at its number. */
static void blocking_after_nonblock(void)
{
	int a[2], b[2];
	struct late l;
	pthread_t t;
	char c;
	ssize_t r;

	pipe_at(41, a, O_NONBLOCK);
	r = pk_read(41, &c, 1);
	t_ok(r == -1 && errno == EAGAIN, "%s: pk_read of an empty O_NONBLOCK pipe: EAGAIN", mode);
	close(a[0]);
	close(a[1]);
	pipe_at(41, b, 0);
	l.fd = b[1];
	l.ms = 50;
	pthread_create(&t, NULL, write_late, &l);
	errno = 0;
	r = pk_read(41, &c, 1);
	t_ok(r == 1 && c == 'z', "%s: the number reused for an empty blocking pipe waits for its data, "
	     "as read(2) (%zd, %s)", mode, r, strerror(errno));
	pthread_join(t, NULL);
	close(b[0]);
	close(b[1]);
}

/* A pipe libpk learns, then a regular file at its number. */
static void file_after_pipe(void)
{
	char path[] = "/tmp/pk-fd-reused.XXXXXX", buf[8] = "";
	int a[2], fd;
	ssize_t r;

	pipe_at(42, a, 0);
	r = pk_pread(42, buf, 1, 0);
	t_ok(r == -1 && errno == ESPIPE, "%s: pk_pread of a pipe: ESPIPE", mode);
	close(a[0]);
	close(a[1]);
	fd = mkstemp(path);
	write(fd, "hello", 5);
	dup2(fd, 42);
	close(fd);
	unlink(path);
	errno = 0;
	r = pk_pread(42, buf, 5, 0);
	t_ok(r == 5 && !memcmp(buf, "hello", 5), "%s: the number reused for a regular file: pk_pread reads it "
	     "(%zd, %s)", mode, r, strerror(errno));
	close(42);
}

/* A wait longer than libpk's check on a blocking pipe stays a wait. */
static void long_wait_blocking(void)
{
	struct late l;
	pthread_t t;
	int a[2];
	char c;
	ssize_t r;

	pipe_at(44, a, 0);
	l.fd = a[1];
	l.ms = 80;
	pthread_create(&t, NULL, write_late, &l);
	r = pk_read(44, &c, 1);
	t_ok(r == 1 && c == 'z', "%s: a blocking read that waits 80 ms gets its data (%zd)", mode, r);
	pthread_join(t, NULL);
	close(a[0]);
	close(a[1]);
}

/* pk_fd_forget after a change libpk cannot see, and libpk's own descriptors. */
static void forget_and_own(void)
{
	int a[2];
	char c;
	ssize_t r;

	pipe_at(43, a, 0);
	write(a[1], "x", 1);
	pk_read(43, &c, 1);
	fcntl(43, F_SETFL, O_NONBLOCK);	/* libc's fcntl: libpk is not told */
	pk_fd_forget(43);
	r = pk_read(43, &c, 1);
	t_ok(r == -1 && errno == EAGAIN, "%s: after pk_fd_forget the new O_NONBLOCK flag holds", mode);
	close(a[0]);
	close(a[1]);
	t_ok(!pk_fd_internal(0) && !pk_fd_internal(43), "%s: the program's descriptors are not libpk's", mode);
}

static void *fiber_cases(void *arg)
{
	(void)arg;
	mode = "fiber";
	nonblock_after_blocking();
	long_wait_blocking();
	blocking_after_nonblock();
	file_after_pipe();
	return NULL;
}

int main(int argc, char **argv)
{
	struct io_uring ring;

	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	if (argc > 1 && !strcmp(argv[1], "ring")) {
		/* The child: every ordinary thread's call through its ring. */
		setenv("PK_ROUTE", "ring", 1);
		mode = "PK_ROUTE=ring";
		nonblock_after_blocking();
		blocking_after_nonblock();
		file_after_pipe();
		long_wait_blocking();
		forget_and_own();
		{
			/* The thread's ring is libpk's own (high up, out of the program's numbers): pk_close refuses it. */
			int own = -1, top = (int)sysconf(_SC_OPEN_MAX);

			for (int fd = 3; fd < top && own < 0; fd++)
				if (pk_fd_internal(fd))
					own = fd;
			t_ok(own >= 0 && pk_close(own) == -1 && errno == EBADF,
			     "%s: the thread's ring (fd %d) is libpk's own, and pk_close refuses it", mode, own);
		}
		return t_failed ? 1 : 0;
	}
	t_plan(16);
	nonblock_after_blocking();
	blocking_after_nonblock();
	file_after_pipe();
	forget_and_own();
	/* PK_ROUTE is read once per process: the ring cases run in a child. */
	t_run_ring_child(argv[0], "PK_ROUTE=ring: every case passed (in a child, lines above)");
	setenv("PK_CORES", "1", 1);
	if (pk_run(fiber_cases, NULL, NULL))
		t_ok(0, "pk_run");
	pk_shutdown();
	return t_done();
}
