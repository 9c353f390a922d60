/*
 * Starting the command of a run (parakit trace -- COMMAND) so that the
 * tracer sees all of it and none of parakit: a launcher child is forked
 * first and waits on a pipe until the BPF program is attached and the
 * child is marked (trace_arm), then executes the command; counting starts
 * at that execve. The child reports a failed execve through a second,
 * close-on-exec pipe: EOF means the command runs.
 *
 * The child is forked before parakit changes its own signal dispositions
 * (trace_catch_signals), so the command inherits those parakit was started
 * with, as under env(1).
 */
#include "tracer/tracer.h"
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int trace_launch_find(const char *argv0, char **out)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *dir;
	int found_unexecutable = 0;

	if (strchr(argv0, '/')) {
		*out = xstrdup(argv0);
		return 0;
	}
	copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *p;
		struct stat st;

		if (asprintf(&p, "%s/%s", *dir ? dir : ".", argv0) < 0)
			break;
		if (!stat(p, &st) && S_ISREG(st.st_mode)) {
			if (!access(p, X_OK)) {
				*out = p;
				free(copy);
				return 0;
			}
			found_unexecutable = 1;
		}
		free(p);
	}
	free(copy);
	pk_err("cannot run '%s': %s", argv0, found_unexecutable ? strerror(EACCES) : "command not found");
	return found_unexecutable ? 126 : 127;
}

int trace_launch_start(struct trace_launch *l, const char *file, char **argv)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC))
		goto fail;
	if (pipe2(err, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		goto fail;
	}
	l->pid = fork();
	if (l->pid < 0) {
		l->pid = 0;
		pk_err("cannot fork: %s", strerror(errno));
		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		return -1;
	}
	if (!l->pid) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(125);
		execve(file, argv, environ);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(e == ENOENT ? 127 : 126);
	}
	close(go[0]);
	close(err[1]);
	l->go = go[1];
	l->err = err[0];
	l->pidfd = syscall(SYS_pidfd_open, l->pid, 0);
	return 0;
fail:
	pk_err("cannot create a pipe: %s", strerror(errno));
	return -1;
}

int trace_launch_go(struct trace_launch *l, const char *file)
{
	ssize_t n;
	int e;

	if (write(l->go, "x", 1) != 1)
		return 125;
	close(l->go);
	l->go = -1;
	/* The error pipe closes on a successful exec. */
	while ((n = read(l->err, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(l->err);
	l->err = -1;
	if (n != sizeof(e))
		return 0;
	pk_err("cannot run '%s': %s", file, strerror(e));
	waitpid(l->pid, NULL, 0);
	l->pid = 0;
	return e == ENOENT ? 127 : 126;
}

void trace_launch_release(struct trace_launch *l)
{
	if (l->go >= 0)
		close(l->go);	/* a child still waiting reads EOF and exits */
	if (l->err >= 0)
		close(l->err);
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
	}
	if (l->pidfd >= 0)
		close(l->pidfd);
	l->go = l->err = l->pidfd = -1;
	l->pid = 0;
}
