/*
 * Description: pk_attr_setdetachstate(PK_CREATE_DETACHED): fibers spawned
 * detached run, cannot be joined (-EINVAL) and free themselves when they
 * return, also when they return before pk_spawn_attr does (spawned from a
 * plain thread onto a core); a joinable attribute gives joinable fibers;
 * a bad state is refused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "pk.h"
#include "t_pk.h"

#define N 1000

static atomic_int ran;

static void *count_fn(void *arg)
{
	atomic_fetch_add(&ran, 1);
	return arg;
}

static void *sleep_fn(void *arg)
{
	pk_usleep(20000);
	atomic_fetch_add(&ran, 1);
	return arg;
}

static void *main_fiber(void *arg)
{
	pk_attr_t a;
	pk_fiber_t f;
	int state = -1, ok = 1;
	void *ret = NULL;

	(void)arg;
	pk_attr_init(&a);
	t_ok(pk_attr_getdetachstate(&a, &state) == 0 && state == PK_CREATE_JOINABLE, "joinable by default");
	t_ok(pk_attr_setdetachstate(&a, 7) == -EINVAL, "another state: -EINVAL");
	t_ok(pk_spawn_attr(&f, &a, count_fn, (void *)5L) == 0 && pk_join(f, &ret) == 0 && ret == (void *)5L,
	     "a joinable attribute gives a joinable fiber");

	pk_attr_setdetachstate(&a, PK_CREATE_DETACHED);
	t_ok(pk_attr_getdetachstate(&a, &state) == 0 && state == PK_CREATE_DETACHED, "the state set is the state read");
	t_ok(pk_spawn_attr(&f, &a, sleep_fn, NULL) == 0 && pk_join(f, NULL) == -EINVAL,
	     "a detached fiber cannot be joined (-EINVAL)");
	atomic_store(&ran, 0);
	for (int i = 0; i < N; i++)
		if (pk_spawn_attr(&f, &a, count_fn, NULL))
			ok = 0;
	while (atomic_load(&ran) < N + 1)
		pk_usleep(1000);
	t_ok(ok, "%d detached fibers spawned and all ran", N);
	pk_attr_destroy(&a);
	return NULL;
}

static void *from_thread(void *arg)
{
	pk_attr_t a;
	pk_fiber_t f;
	int ok = 1;

	(void)arg;
	pk_attr_init(&a);
	pk_attr_setdetachstate(&a, PK_CREATE_DETACHED);
	for (int i = 0; i < N; i++)
		if (pk_spawn_attr(&f, &a, count_fn, NULL))
			ok = 0;
	return ok ? &ran : NULL;
}

int main(void)
{
	pthread_t t;
	void *ok = NULL;
	int r = t_run_fiber_on(2, main_fiber, 8);

	/* pk_run waits for every fiber: a detached one that never freed itself would still count. */
	setenv("PK_CORES", "2", 1);
	pk_init(NULL);
	atomic_store(&ran, 0);
	pthread_create(&t, NULL, from_thread, NULL);
	pthread_join(t, &ok);
	while (atomic_load(&ran) < N)
		usleep(1000);
	t_ok(ok != NULL && atomic_load(&ran) == N, "%d detached fibers spawned from a plain thread onto a core ran", N);
	t_ok(pk_run(count_fn, NULL, NULL) == 0, "and pk_run finds none of them left behind");
	pk_shutdown();
	return r || t_done();
}
