/*
 * Description: fiber-aware locks on one core: pk_mutex serialises a
 * critical section that yields, pk_mutex_trylock says -EBUSY when held,
 * and pk_cond hands 1000 items from a producer to two consumers.
 */
#include <errno.h>

#include "pk.h"
#include "t_pk.h"

static pk_mutex_t mtx = PK_MUTEX_INITIALIZER;
static pk_cond_t cnd = PK_COND_INITIALIZER;
static int shared, queue_len, consumed;

static void *mutex_fn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		int v;

		pk_mutex_lock(&mtx);
		v = shared;
		pk_yield();	/* without the mutex, the others would race here */
		shared = v + 1;
		pk_mutex_unlock(&mtx);
	}
	return NULL;
}

static void *producer(void *arg)
{
	for (long i = 0; i < (long)arg; i++) {
		pk_mutex_lock(&mtx);
		queue_len++;
		pk_cond_signal(&cnd);
		pk_mutex_unlock(&mtx);
		if (i % 3 == 0)
			pk_yield();
	}
	return NULL;
}

static void *consumer(void *arg)
{
	for (long i = 0; i < (long)arg; i++) {
		pk_mutex_lock(&mtx);
		while (!queue_len)
			pk_cond_wait(&cnd, &mtx);
		queue_len--;
		consumed++;
		pk_mutex_unlock(&mtx);
	}
	return NULL;
}

static void *main_fiber(void *arg)
{
	pk_fiber_t fs[10];

	(void)arg;
	for (int i = 0; i < 10; i++)
		pk_spawn(&fs[i], mutex_fn, NULL);
	for (int i = 0; i < 10; i++)
		pk_join(fs[i], NULL);
	t_ok(shared == 1000, "pk_mutex serialises a critical section that yields (%d/1000)", shared);
	t_ok(pk_mutex_trylock(&mtx) == 0 && pk_mutex_trylock(&mtx) == -EBUSY &&
	     pk_mutex_unlock(&mtx) == 0, "pk_mutex_trylock: 0 then -EBUSY");

	pk_spawn(&fs[0], consumer, (void *)500L);
	pk_spawn(&fs[1], consumer, (void *)500L);
	pk_spawn(&fs[2], producer, (void *)1000L);
	for (int i = 0; i < 3; i++)
		pk_join(fs[i], NULL);
	t_ok(consumed == 1000 && queue_len == 0, "pk_cond: 1000 items produced and consumed");
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(1, main_fiber, 3);
}
