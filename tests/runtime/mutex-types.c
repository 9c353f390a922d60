/*
 * Description: pk_mutex of each type, as pthread_mutexattr_settype's:
 * ERRORCHECK says -EDEADLK when its holder locks it again and -EPERM to an
 * unlock by a fiber that does not hold it, or of a mutex nobody holds;
 * RECURSIVE counts its holder's locks, keeps others out until the last
 * unlock and refuses an unlock by another; the static initializers give
 * the same types; a plain thread holds and releases like a fiber; an
 * unknown type is refused; pk_mutex_timedlock gives up at its deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "pk.h"
#include "t_pk.h"

static pk_mutex_t em, rm, nm;
static pk_mutex_t rm_static = PK_MUTEX_RECURSIVE_INITIALIZER, em_static = PK_MUTEX_ERRORCHECK_INITIALIZER;

static void *other_unlock(void *arg)
{
	return (void *)(long)pk_mutex_unlock(arg);
}

static void *other_trylock(void *arg)
{
	int r = pk_mutex_trylock(arg);

	if (r == 0)
		pk_mutex_unlock(arg);
	return (void *)(long)r;
}

static void *other_lock(void *arg)
{
	pk_mutex_lock(arg);
	pk_mutex_unlock(arg);
	return (void *)1L;
}

/* Runs fn(m) as another fiber and returns its value. */
static long in_other(void *(*fn)(void *), pk_mutex_t *m)
{
	pk_fiber_t f;
	void *ret;

	pk_spawn(&f, fn, m);
	pk_join(f, &ret);
	return (long)ret;
}

static void *thread_holds(void *arg)
{
	pk_mutex_t *m = arg;
	long r = pk_mutex_lock(m) == 0 && pk_mutex_lock(m) == 0;

	usleep(20000);	/* the fiber tries meanwhile */
	r = r && pk_mutex_unlock(m) == 0 && pk_mutex_unlock(m) == 0;
	return (void *)r;
}

static double timed_ms;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* pk_mutex_timedlock(&nm) for @arg ms; its result, its time in timed_ms. */
static void *timed_fn(void *arg)
{
	struct timespec ts;
	double t0 = now_ms();
	long ms = (long)arg, r;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += ms % 1000 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	r = pk_mutex_timedlock(&nm, &ts);
	timed_ms = now_ms() - t0;
	if (r == 0)
		pk_mutex_unlock(&nm);
	return (void *)r;
}

static void *main_fiber(void *arg)
{
	pk_mutexattr_t a;
	int type = -1;
	pk_fiber_t f;
	pthread_t t;
	void *ret;

	(void)arg;
	pk_mutexattr_init(&a);
	t_ok(pk_mutexattr_gettype(&a, &type) == 0 && type == PK_MUTEX_DEFAULT && type == PK_MUTEX_NORMAL,
	     "the default type is NORMAL");
	t_ok(pk_mutexattr_settype(&a, 42) == -EINVAL, "an unknown type: -EINVAL");

	pk_mutexattr_settype(&a, PK_MUTEX_ERRORCHECK);
	pk_mutex_init(&em, &a);
	t_ok(pk_mutex_unlock(&em) == -EPERM, "ERRORCHECK: unlocking a free mutex is -EPERM");
	t_ok(pk_mutex_lock(&em) == 0 && pk_mutex_lock(&em) == -EDEADLK && pk_mutex_trylock(&em) == -EBUSY,
	     "ERRORCHECK: a relock by its holder is -EDEADLK (trylock: -EBUSY)");
	t_ok(in_other(other_unlock, &em) == -EPERM, "ERRORCHECK: an unlock by another fiber is -EPERM");
	t_ok(pk_mutex_unlock(&em) == 0 && in_other(other_trylock, &em) == 0, "and its holder's unlock frees it");

	pk_mutexattr_settype(&a, PK_MUTEX_RECURSIVE);
	pk_mutex_init(&rm, &a);
	t_ok(pk_mutex_lock(&rm) == 0 && pk_mutex_lock(&rm) == 0 && pk_mutex_trylock(&rm) == 0,
	     "RECURSIVE: its holder locks it three times");
	t_ok(in_other(other_trylock, &rm) == -EBUSY && in_other(other_unlock, &rm) == -EPERM,
	     "RECURSIVE: others are kept out, and their unlock is -EPERM");
	pk_spawn(&f, other_lock, &rm);
	pk_yield();
	t_ok(pk_mutex_unlock(&rm) == 0 && pk_mutex_unlock(&rm) == 0 && in_other(other_trylock, &rm) == -EBUSY,
	     "RECURSIVE: still held after two of three unlocks");
	pk_mutex_unlock(&rm);
	pk_join(f, &ret);
	t_ok(ret == (void *)1L && pk_mutex_unlock(&rm) == -EPERM,
	     "RECURSIVE: the last unlock hands it to the fiber waiting");

	t_ok(pk_mutex_lock(&rm_static) == 0 && pk_mutex_lock(&rm_static) == 0 &&
	     pk_mutex_unlock(&rm_static) == 0 && pk_mutex_unlock(&rm_static) == 0 &&
	     pk_mutex_lock(&em_static) == 0 && pk_mutex_lock(&em_static) == -EDEADLK &&
	     pk_mutex_unlock(&em_static) == 0, "PK_MUTEX_RECURSIVE_INITIALIZER, PK_MUTEX_ERRORCHECK_INITIALIZER");

	pthread_create(&t, NULL, thread_holds, &rm);
	while (pk_mutex_trylock(&rm) == 0) {
		pk_mutex_unlock(&rm);
		pk_usleep(1000);
	}
	t_ok(pk_mutex_unlock(&rm) == -EPERM && pk_mutex_lock(&rm) == 0, "a plain thread holds a RECURSIVE mutex twice");
	pk_mutex_unlock(&rm);
	pthread_join(t, &ret);
	t_ok(ret == (void *)1L, "and releases it twice");

	pk_mutex_init(&nm, NULL);
	pk_mutex_lock(&nm);
	pk_spawn(&f, timed_fn, (void *)20L);
	pk_join(f, &ret);
	t_ok((long)ret == -ETIMEDOUT, "pk_mutex_timedlock on a held mutex: -ETIMEDOUT at its deadline (%.0f ms)",
	     timed_ms);
	t_ok(timed_ms >= 19 && timed_ms < 500, "not before it, and not long after");
	pk_spawn(&f, timed_fn, (void *)1000L);
	pk_usleep(10000);
	pk_mutex_unlock(&nm);
	pk_join(f, &ret);
	t_ok((long)ret == 0 && timed_ms < 500, "and 0 when the mutex comes first (%.0f ms)", timed_ms);
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(1, main_fiber, 16);
}
