/*
 * For trace --functions: a thread other than the main one executes
 * funcs_exec (beside it) with E, the kernel making it the process's leader
 * (links that followed the old leader must be made again).
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[PATH_MAX], *arg;

static void *run(void *unused)
{
	(void)unused;
	execl(path, path, arg, (char *)NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	pthread_t th;

	if (argc != 2 || !slash)
		return 2;
	snprintf(path, sizeof(path), "%.*s/funcs_exec", (int)(slash - argv[0]), argv[0]);
	arg = argv[1];
	if (pthread_create(&th, NULL, run, NULL))
		return 1;
	pthread_join(th, NULL);
	return 1;
}
