/*
 * A family that exists before the tracer attaches: the parent forks two
 * children, the first of which forks a grandchild; when all are running it
 * creates the ready file. Once the trigger file exists, the parent makes P
 * getppid, each child C, the grandchild G; the parent reaps its children.
 * For -p on a process that already has descendants.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *trigger;

static void calls(long n)
{
	struct timespec ms = { 0, 10 * 1000 * 1000 };

	while (access(trigger, F_OK))
		nanosleep(&ms, NULL);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/* Forks a child that makes n calls once its own child (when grand) is
 * running; the pipe tells the parent it is. */
static pid_t spawn(long n, long grand)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		pid_t g = 0;

		close(p[0]);
		if (grand && !(g = fork())) {
			close(p[1]);
			calls(grand);
			_exit(0);
		}
		close(p[1]);
		calls(n);
		_exit(g < 0 || (g && waitpid(g, NULL, 0) != g));
	}
	close(p[1]);
	/* EOF when the child (and the grandchild) closed their ends. */
	while (read(p[0], &c, 1) > 0)
		;
	close(p[0]);
	return pid;
}

int main(int argc, char **argv)
{
	long P, C, G;
	pid_t a, b;
	int ok = 1, ws;

	if (argc != 6)
		return 2;
	trigger = argv[2];
	P = atol(argv[3]);
	C = atol(argv[4]);
	G = atol(argv[5]);
	a = spawn(C, G);
	b = spawn(C, 0);
	if (a < 0 || b < 0)
		return 1;
	close(open(argv[1], O_WRONLY | O_CREAT, 0644));
	calls(P);
	ok &= waitpid(a, &ws, 0) == a && WIFEXITED(ws) && !WEXITSTATUS(ws);
	ok &= waitpid(b, &ws, 0) == b && WIFEXITED(ws) && !WEXITSTATUS(ws);
	return !ok;
}
