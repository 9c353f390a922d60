/*
 * A workload of known shape for the blocking share: a pool of 4 threads
 * idle on a condition variable (futex) while the main thread reads a pipe
 * a child writes to every 200 ms, twice; then the pool is let go. So for
 * about 400 ms: 4 threads blocked in futex, 1 in read, 1 (the child) in
 * clock_nanosleep: 6 threads, summed off-CPU time about 6 x 400 ms, wall
 * time about 400 ms.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POOL 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int done, waiting;

static void *idle(void *arg)
{
	pthread_mutex_lock(&lock);
	waiting++;
	pthread_cond_broadcast(&cond);
	while (!done)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	struct timespec ms200 = { 0, 200 * 1000 * 1000 };
	pthread_t th[POOL];
	int fd[2], status;
	char c;
	pid_t pid;

	for (int i = 0; i < POOL; i++)
		if (pthread_create(&th[i], NULL, idle, NULL))
			return 1;
	pthread_mutex_lock(&lock);
	while (waiting < POOL)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	if (pipe(fd) || (pid = fork()) < 0)
		return 1;
	if (pid == 0) {
		for (int i = 0; i < 2; i++) {
			clock_nanosleep(CLOCK_MONOTONIC, 0, &ms200, NULL);
			if (write(fd[1], "x", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < 2; i++)
		if (read(fd[0], &c, 1) != 1)
			return 1;
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < POOL; i++)
		pthread_join(th[i], NULL);
	return waitpid(pid, &status, 0) != pid || status;
}
