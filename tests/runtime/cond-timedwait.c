/*
 * Description: pk_cond_timedwait, pthread_cond_timedwait's twin: with
 * nobody signalling it returns -ETIMEDOUT at its CLOCK_REALTIME deadline,
 * not before, holding the mutex again; a signal before the deadline ends
 * it with 0; a condition made with pk_condattr_setclock(CLOCK_MONOTONIC)
 * takes a monotonic deadline; a deadline in the past times out at once; a
 * bad one is -EINVAL; a plain thread's wait (a futex timeout) does the
 * same; and waiters on two cores whose 1-3 ms deadlines race 2,000
 * signals (timers removed, waiters settling) take every token.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "pk.h"
#include "t_pk.h"

static pk_mutex_t m = PK_MUTEX_INITIALIZER;
static pk_cond_t c = PK_COND_INITIALIZER, mono;

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += ms % 1000 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A timed wait of @ms on @cond with nobody signalling: its result, and its time in *took. */
static int wait_alone(pk_cond_t *cond, clockid_t clock, long ms, double *took)
{
	struct timespec ts = in_ms(clock, ms);
	double t0 = now_ms();
	int r;

	pk_mutex_lock(&m);
	r = pk_cond_timedwait(cond, &m, &ts);
	*took = now_ms() - t0;
	if (pk_mutex_unlock(&m) != 0)
		r = -999;	/* the mutex was not held again */
	return r;
}

static void *signaller(void *arg)
{
	pk_usleep((long)arg * 1000);
	pk_mutex_lock(&m);
	pk_cond_signal(&c);
	pk_mutex_unlock(&m);
	return NULL;
}

static void *thread_waits(void *arg)
{
	double took;
	long r = wait_alone(&c, CLOCK_REALTIME, 30, &took);

	(void)arg;
	return (void *)(long)(r == -ETIMEDOUT && took >= 29 && took < 500);
}

/* The race: tokens handed one signal at a time to waiters with 1-3 ms deadlines. */
#define TOKENS 2000
static int tokens, taken;
static atomic_int timeouts;

static void *racer(void *arg)
{
	(void)arg;
	pk_mutex_lock(&m);
	while (taken < TOKENS) {
		struct timespec ts = in_ms(CLOCK_REALTIME, 1 + (taken % 3));

		if (tokens) {
			tokens--;
			taken++;
			continue;
		}
		if (pk_cond_timedwait(&c, &m, &ts) == -ETIMEDOUT)
			atomic_fetch_add(&timeouts, 1);
	}
	pk_cond_broadcast(&c);
	pk_mutex_unlock(&m);
	return NULL;
}

static void *main_fiber(void *arg)
{
	pk_condattr_t ca;
	clockid_t clock = -1;
	struct timespec past, bad = { 0, 1000000000 };
	pk_fiber_t f, fs[4];
	pthread_t t;
	double took;
	void *ret;
	int r;

	(void)arg;
	r = wait_alone(&c, CLOCK_REALTIME, 50, &took);
	t_ok(r == -ETIMEDOUT, "nobody signals: -ETIMEDOUT, the mutex held again (%d)", r);
	t_ok(took >= 49 && took < 500, "at its deadline, not before (%.1f ms for 50)", took);

	pk_spawn(&f, signaller, (void *)10L);
	r = wait_alone(&c, CLOCK_REALTIME, 2000, &took);
	pk_join(f, NULL);
	t_ok(r == 0 && took < 1000, "a signal before the deadline ends the wait with 0 (%.1f ms)", took);

	pk_condattr_init(&ca);
	t_ok(pk_condattr_setclock(&ca, CLOCK_PROCESS_CPUTIME_ID) == -EINVAL &&
	     pk_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pk_condattr_getclock(&ca, &clock) == 0 &&
	     clock == CLOCK_MONOTONIC, "pk_condattr_setclock takes CLOCK_MONOTONIC, not a CPU clock");
	pk_cond_init(&mono, &ca);
	pk_condattr_destroy(&ca);
	r = wait_alone(&mono, CLOCK_MONOTONIC, 30, &took);
	t_ok(r == -ETIMEDOUT && took >= 29 && took < 500, "a CLOCK_MONOTONIC condition waits to a monotonic deadline (%.1f ms)",
	     took);

	clock_gettime(CLOCK_REALTIME, &past);
	past.tv_sec -= 10;
	pk_mutex_lock(&m);
	t_ok(pk_cond_timedwait(&c, &m, &past) == -ETIMEDOUT, "a deadline in the past: -ETIMEDOUT at once");
	t_ok(pk_cond_timedwait(&c, &m, &bad) == -EINVAL && pk_mutex_unlock(&m) == 0, "a bad deadline: -EINVAL");

	pthread_create(&t, NULL, thread_waits, NULL);
	pthread_join(t, &ret);
	t_ok(ret != NULL, "a plain thread's wait times out the same (a futex timeout)");

	for (int i = 0; i < 4; i++)
		pk_spawn_on(i % 2, &fs[i], racer, NULL);
	for (int i = 0; i < TOKENS; i++) {
		pk_mutex_lock(&m);
		tokens++;
		pk_cond_signal(&c);
		pk_mutex_unlock(&m);
		if (i % 4 == 0)
			pk_usleep(100);
	}
	for (int i = 0; i < 4; i++)
		pk_join(fs[i], NULL);
	t_ok(taken == TOKENS && tokens == 0,
	     "4 waiters on 2 cores racing %d signals with 1-3 ms deadlines took every token (%d timeouts)", TOKENS,
	     atomic_load(&timeouts));
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(2, main_fiber, 9);
}
