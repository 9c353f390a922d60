/*
 * A workload with known calls of POSIX functions, for trace --functions:
 * N getppid in the main thread, T more in each of 4 threads at once; M printf, which
 * _FORTIFY_SOURCE makes __printf_chk; a library it dlopens (funcs_dl.so,
 * beside it) makes D umask and D getppid, calls scan cannot see in this
 * binary; then a child executes funcs_exec (beside it) with E, which calls
 * cos E times from libm, a library this binary does not load.
 * Built with -O2 -D_FORTIFY_SOURCE=2 (tests/trace/functions.sh).
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long T;

static void *thread(void *arg)
{
	for (long i = 0; i < T; i++)
		getppid();
	return arg;
}

/* The file called name in this program's directory. */
static void beside(char *out, size_t size, const char *argv0, const char *name)
{
	const char *slash = strrchr(argv0, '/');

	snprintf(out, size, "%.*s/%s", slash ? (int)(slash - argv0) : 1, slash ? argv0 : ".", name);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	long n, m, d;
	void (*work)(long);
	pthread_t th[4];
	void *h;
	pid_t pid;
	int st;

	if (argc != 6)
		return 2;
	n = atol(argv[1]);
	m = atol(argv[2]);
	d = atol(argv[3]);
	T = atol(argv[4]);
	for (long i = 0; i < n; i++)
		getppid();
	for (long i = 0; i < m; i++)
		printf("line %ld\n", i);
	fflush(stdout);
	for (int i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, thread, NULL))
			return 1;
	for (int i = 0; i < 4; i++)
		if (pthread_join(th[i], NULL))
			return 1;
	beside(path, sizeof(path), argv[0], "funcs_dl.so");
	h = dlopen(path, RTLD_NOW);
	if (!h || !(work = (void (*)(long))dlsym(h, "funcs_dl_work")))
		return 1;
	work(d);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		beside(path, sizeof(path), argv[0], "funcs_exec");
		execl(path, path, argv[5], (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	return 0;
}
