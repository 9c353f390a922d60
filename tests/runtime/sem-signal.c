/*
 * Description: a signal handler interrupts pk_sem_wait and
 * pk_sem_timedwait as it does sem_wait(3) (issue 14): a fiber parked in
 * either returns -1/EINTR once the handler ran, SA_RESTART or not
 * (signal(7): semaphores are never restarted; it used to wait on), and
 * the semaphore's units are untouched; a post wakes a waiter with 0 as
 * before; an ordinary thread's pk_sem_wait says EINTR too.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

static volatile sig_atomic_t caught;
static pk_sem_t sem;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

struct late {
	pthread_t to;	/* 0: the process */
	int ms;
};

/* Sends SIGUSR1 after a while, from a thread of its own. */
static void *kill_late(void *arg)
{
	struct late *l = arg;

	usleep((useconds_t)l->ms * 1000);
	if (l->to)
		pthread_kill(l->to, SIGUSR1);
	else
		kill(getpid(), SIGUSR1);
	return NULL;
}

static void *post_late(void *arg)
{
	(void)arg;
	pk_usleep(50000);
	pk_sem_post(&sem);
	return NULL;
}

static void *main_fiber(void *arg)
{
	struct late l = { 0, 100 };
	struct timespec until;
	pthread_t t;
	pk_fiber_t f;
	int r, e, v;

	(void)arg;
	pk_sem_init(&sem, 0, 0);
	for (int flags = 0; flags <= SA_RESTART; flags += SA_RESTART) {
		t_pk_handler(SIGUSR1, on_usr1, flags);
		caught = 0;
		pthread_create(&t, NULL, kill_late, &l);
		errno = 0;
		r = pk_sem_wait(&sem);
		e = errno;
		pthread_join(t, NULL);
		t_ok(r == -1 && e == EINTR && caught == 1, "pk_sem_wait%s: -1/EINTR after the handler ran (%d %s, caught %d)",
		     flags ? " (SA_RESTART)" : "", r, strerror(e), (int)caught);
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	caught = 0;
	pthread_create(&t, NULL, kill_late, &l);
	errno = 0;
	r = pk_sem_timedwait(&sem, &until);
	e = errno;
	pthread_join(t, NULL);
	t_ok(r == -1 && e == EINTR && caught == 1, "pk_sem_timedwait: -1/EINTR before its time (%d %s)", r,
	     strerror(e));
	t_ok(pk_sem_getvalue(&sem, &v) == 0 && v == 0 && pk_sem_trywait(&sem) == -1 && errno == EAGAIN,
	     "no unit appeared or went (value %d)", v);

	pk_spawn(&f, post_late, NULL);
	t_ok(pk_sem_wait(&sem) == 0, "a post still wakes a waiter with 0");
	pk_join(f, NULL);
	return NULL;
}

static void *thread_waits(void *arg)
{
	int *res = arg;

	errno = 0;
	res[0] = pk_sem_wait(&sem);
	res[1] = errno;
	return NULL;
}

int main(void)
{
	struct late l = { 0, 100 };
	pthread_t t, k;
	int res[2];

	if (t_pk_start(1, 6))
		return 1;
	pk_run(main_fiber, NULL, NULL);

	t_pk_handler(SIGUSR1, on_usr1, SA_RESTART);
	caught = 0;
	pthread_create(&t, NULL, thread_waits, res);
	l.to = t;
	pthread_create(&k, NULL, kill_late, &l);
	pthread_join(k, NULL);
	pthread_join(t, NULL);
	t_ok(res[0] == -1 && res[1] == EINTR && caught == 1, "an ordinary thread's pk_sem_wait: -1/EINTR (%d %s)",
	     res[0], strerror(res[1]));
	pk_shutdown();
	return t_done();
}
