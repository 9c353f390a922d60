/*
 * For trace --functions -p: dlopens funcs_dl.so (beside it), then waits
 * for SIGUSR1; then makes N getppid, D umask and D getppid through the
 * library, and a child that executes funcs_exec E (E cos, E getegid).
 */
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	const char *slash = strrchr(argv[0], '/');
	void (*work)(long);
	sigset_t set;
	long n, d;
	void *h;
	pid_t pid;
	int sig, st;

	if (argc != 4 || !slash)
		return 2;
	n = atol(argv[1]);
	d = atol(argv[2]);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - argv[0]), argv[0]);
	snprintf(path, sizeof(path), "%s/funcs_dl.so", dir);
	h = dlopen(path, RTLD_NOW);
	if (!h || !(work = (void (*)(long))dlsym(h, "funcs_dl_work")))
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (sigwait(&set, &sig))
		return 1;
	for (long i = 0; i < n; i++)
		getppid();
	work(d);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		snprintf(path, sizeof(path), "%s/funcs_exec", dir);
		execl(path, path, argv[3], (char *)NULL);
		_exit(127);
	}
	return waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st);
}
