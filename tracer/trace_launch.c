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
 *
 * A file the kernel cannot execute (ENOEXEC) is run by /bin/sh, as env(1)
 * and the shells run it: execvp falls back to the shell for a script
 * without "#!". Like bash, not for a file that looks binary (ELF magic, or
 * a NUL in its first line): sh would run its bytes as commands. The BPF
 * side counts nothing of the failed execve (trace.bpf.c).
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
	util_err("cannot run '%s': %s", argv0, found_unexecutable ? strerror(EACCES) : "command not found");
	return found_unexecutable ? 126 : 127;
}

/* bash's check_binary_file(): an ELF file, or a NUL byte before the end
 * of the first line (of the second, after "#!"). */
static int looks_binary(const char *file)
{
	unsigned char b[80];
	int fd = open(file, O_RDONLY | O_CLOEXEC), lines;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n >= 4 && !memcmp(b, "\177ELF", 4))
		return 1;
	lines = n >= 2 && b[0] == '#' && b[1] == '!' ? 2 : 1;
	for (ssize_t i = 0; i < n; i++) {
		if (b[i] == '\n' && !--lines)
			return 0;
		if (!b[i])
			return 1;
	}
	return 0;
}

/* In the launcher child: executes the command, or /bin/sh on a script
 * without "#!" ($0 the file, as execvp does). Returns only on failure,
 * with errno set. */
static void launch_exec(const char *file, char **argv)
{
	size_t argc = 0;

	execve(file, argv, environ);
	if (errno != ENOEXEC || looks_binary(file))
		return;
	while (argv[argc])
		argc++;
	{
		/* No malloc in a forked child: the arguments fit on the stack
		 * (execve took them, and they are under ARG_MAX). */
		char *sh_argv[argc + 2];

		sh_argv[0] = "/bin/sh";
		sh_argv[1] = (char *)file;
		for (size_t i = 1; i <= argc; i++)
			sh_argv[i + 1] = argv[i];
		execve(sh_argv[0], sh_argv, environ);
		/* Without a /bin/sh the command is there but cannot run:
		 * 126, not env(1)'s "not found". */
		if (errno == ENOENT)
			errno = ENOEXEC;
	}
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
		util_err("cannot fork: %s", strerror(errno));
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
		launch_exec(file, argv);
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
	util_err("cannot create a pipe: %s", strerror(errno));
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
	util_err("cannot run '%s': %s", file, strerror(e));
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
