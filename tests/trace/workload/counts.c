/*
 * A workload with known syscall counts: N getppid, M writes to /dev/null
 * and K opens of a missing file (ENOENT) in the main thread; a forked
 * child making C getppid and C writes; a thread making T getppid.
 * Raw syscall() so that libc adds or caches nothing.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long T;

static void *thread(void *arg)
{
	for (long i = 0; i < T; i++)
		syscall(SYS_getppid);
	return arg;
}

int main(int argc, char **argv)
{
	long n, m, k, c;
	pthread_t th;
	pid_t pid;
	int fd;

	if (argc != 6)
		return 2;
	n = atol(argv[1]);
	m = atol(argv[2]);
	k = atol(argv[3]);
	c = atol(argv[4]);
	T = atol(argv[5]);
	fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		return 1;
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < m; i++)
		if (syscall(SYS_write, fd, "x", 1) != 1)
			return 1;
	for (long i = 0; i < k; i++)
		if (syscall(SYS_open, "/nonexistent/parakit", O_RDONLY) != -1)
			return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		for (long i = 0; i < c; i++) {
			syscall(SYS_getppid);
			syscall(SYS_write, fd, "y", 1);
		}
		_exit(0);
	}
	if (pthread_create(&th, NULL, thread, NULL) || pthread_join(th, NULL))
		return 1;
	if (waitpid(pid, NULL, 0) != pid)
		return 1;
	return 0;
}
