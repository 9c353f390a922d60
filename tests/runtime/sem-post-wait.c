/*
 * Description: pk_sem_*, the twins of sem_*, keep their -1/errno
 * convention: trywait on zero fails with EAGAIN, timedwait with ETIMEDOUT
 * at its CLOCK_REALTIME deadline (EINVAL for a bad one), a process-shared
 * semaphore with ENOSYS, a value past PK_SEM_VALUE_MAX with EINVAL and a
 * post past it with EOVERFLOW; a post hands its unit to the first waiter,
 * in order; 20,000 units posted by fibers on two cores and a plain thread
 * are each taken once; a plain thread waits for a fiber's post.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "pk.h"
#include "t_pk.h"

#define UNITS 20000

static pk_sem_t s, order_sem, items;
static char order[8];
static int norder;
static long taken;

static void *in_order(void *arg)
{
	pk_sem_wait(&order_sem);
	order[norder++] = *(const char *)arg;
	return NULL;
}

static void *producer(void *arg)
{
	for (long i = 0; i < (long)arg; i++) {
		pk_sem_post(&items);
		if (i % 7 == 0)
			pk_yield();
	}
	return NULL;
}

static pk_mutex_t tm = PK_MUTEX_INITIALIZER;

static void *consumer(void *arg)
{
	for (long i = 0; i < (long)arg; i++) {
		pk_sem_wait(&items);
		pk_mutex_lock(&tm);
		taken++;
		pk_mutex_unlock(&tm);
	}
	return NULL;
}

static void *thread_waits(void *arg)
{
	(void)arg;
	return (void *)(long)(pk_sem_wait(&s) == 0);
}

static void *main_fiber(void *arg)
{
	struct timespec ts, bad = { 0, -1 };
	pk_fiber_t fs[6];
	pthread_t t;
	void *ret;
	int v = -1, r;

	(void)arg;
	t_ok(pk_sem_init(&s, 1, 0) == -1 && errno == ENOSYS, "a process-shared semaphore: -1, ENOSYS");
	t_ok(pk_sem_init(&s, 0, (unsigned)PK_SEM_VALUE_MAX + 1) == -1 && errno == EINVAL, "past PK_SEM_VALUE_MAX: EINVAL");
	t_ok(pk_sem_init(&s, 0, 1) == 0 && pk_sem_trywait(&s) == 0, "trywait takes a unit");
	errno = 0;
	t_ok(pk_sem_trywait(&s) == -1 && errno == EAGAIN, "trywait on zero: -1, EAGAIN");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 30000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	r = pk_sem_timedwait(&s, &ts);
	t_ok(r == -1 && errno == ETIMEDOUT, "timedwait: -1, ETIMEDOUT at the deadline");
	t_ok(pk_sem_timedwait(&s, &bad) == -1 && errno == EINVAL, "a bad deadline: EINVAL");
	pk_sem_post(&s);
	t_ok(pk_sem_timedwait(&s, &bad) == 0, "no deadline is looked at when a unit is there");
	pk_sem_init(&order_sem, 0, PK_SEM_VALUE_MAX);
	t_ok(pk_sem_post(&order_sem) == -1 && errno == EOVERFLOW && pk_sem_getvalue(&order_sem, &v) == 0 &&
	     v == PK_SEM_VALUE_MAX, "a post past PK_SEM_VALUE_MAX: EOVERFLOW");

	pk_sem_init(&order_sem, 0, 0);
	pk_spawn(&fs[0], in_order, "a");
	pk_spawn(&fs[1], in_order, "b");
	pk_spawn(&fs[2], in_order, "c");
	pk_yield();
	t_ok(pk_sem_destroy(&order_sem) == -1 && errno == EBUSY, "destroy while fibers wait: EBUSY");
	pk_sem_post(&order_sem);
	pk_sem_post(&order_sem);
	pk_sem_post(&order_sem);
	for (int i = 0; i < 3; i++)
		pk_join(fs[i], NULL);
	t_ok(!strcmp(order, "abc") && pk_sem_getvalue(&order_sem, &v) == 0 && v == 0,
	     "posts hand units to the waiters in order (%s), the value stays 0", order);

	pk_sem_init(&items, 0, 0);
	pk_spawn_on(0, &fs[0], consumer, (void *)(UNITS / 2L));
	pk_spawn_on(1, &fs[1], consumer, (void *)(UNITS / 2L));
	pk_spawn_on(0, &fs[2], producer, (void *)(UNITS / 4L));
	pk_spawn_on(1, &fs[3], producer, (void *)(UNITS / 4L));
	pthread_create(&t, NULL, producer, (void *)(UNITS / 2L));
	for (int i = 0; i < 4; i++)
		pk_join(fs[i], NULL);
	pthread_join(t, NULL);
	t_ok(taken == UNITS && pk_sem_getvalue(&items, &v) == 0 && v == 0,
	     "%d units posted on 2 cores and a thread, each taken once (%ld)", UNITS, taken);

	pk_sem_init(&s, 0, 0);
	pthread_create(&t, NULL, thread_waits, NULL);
	pk_usleep(10000);
	pk_sem_post(&s);
	pthread_join(t, &ret);
	t_ok(ret == (void *)1L && pk_sem_destroy(&s) == 0, "a plain thread waits for a fiber's post");
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(2, main_fiber, 12);
}
