/*
 * Blocks for known times: reads a pipe that a child writes 100 ms after the
 * read started, then sleeps 200 ms in nanosleep (the child sleeps with
 * clock_nanosleep, a different syscall).
 */
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec t200 = { 0, 200 * 1000 * 1000 };
	int data[2], go[2];
	pid_t pid;
	char c;

	if (pipe(data) || pipe(go))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		usleep(100 * 1000);
		_exit(write(data[1], "x", 1) != 1);
	}
	/* The child starts its 100 ms only once we are about to read. */
	if (write(go[1], "g", 1) != 1 || read(data[0], &c, 1) != 1)
		return 1;
	if (syscall(SYS_nanosleep, &t200, NULL))
		return 1;
	return waitpid(pid, NULL, 0) != pid;
}
