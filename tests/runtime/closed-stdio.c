/*
 * Description: a program started with stdin closed (cmd <&-) gets EBADF
 * from pk_read(0), as from read(2), from a plain thread and from a fiber:
 * libpk's rings never take descriptors 0, 1 or 2, which they would
 * otherwise get as the lowest free ones, and pk_read(0) would then read the
 * ring and wait forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

static void *fiber_read(void *arg)
{
	char b[16];
	ssize_t r = pk_read(0, b, sizeof(b));

	(void)arg;
	return (void *)(intptr_t)(r == -1 && errno == EBADF);
}

/* Runs the check in a child with stdin closed; true when it saw EBADF in time. */
static int closed_stdin(int fiber)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		char b[16];
		void *ok = NULL;

		close(0);
		alarm(10);
		if (!fiber)
			_exit(pk_read(0, b, sizeof(b)) == -1 && errno == EBADF ? 0 : 1);
		setenv("PK_CORES", "1", 1);
		if (pk_run(fiber_read, NULL, &ok))
			_exit(1);
		_exit(ok ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	if (!WIFEXITED(st))
		t_diag("child %s", WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? "hung in pk_read(0)" : "died");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
	struct io_uring ring;

	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	t_plan(2);
	t_ok(closed_stdin(0), "stdin closed: pk_read(0) from a plain thread fails with EBADF");
	t_ok(closed_stdin(1), "stdin closed: pk_read(0) from a fiber fails with EBADF");
	return t_done();
}
