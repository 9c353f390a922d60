/*
 * Waits, with a second thread already running, until a trigger file
 * exists; then each thread makes N getppid, and a forked child C more.
 * For attaching to a running process (-p) or cgroup.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *trigger;
static long N;

static void *work(void *arg)
{
	struct timespec ms = { 0, 10 * 1000 * 1000 };

	while (access(trigger, F_OK))
		nanosleep(&ms, NULL);
	for (long i = 0; i < N; i++)
		syscall(SYS_getppid);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th;
	pid_t pid;
	long c;

	if (argc != 4)
		return 2;
	trigger = argv[1];
	N = atol(argv[2]);
	c = atol(argv[3]);
	if (pthread_create(&th, NULL, work, NULL))
		return 1;
	work(NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		for (long i = 0; i < c; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	if (pthread_join(th, NULL) || waitpid(pid, NULL, 0) != pid)
		return 1;
	return 0;
}
