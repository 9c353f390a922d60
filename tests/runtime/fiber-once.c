/*
 * Description: pk_once runs its function once whoever calls: fibers on two
 * cores and a plain thread call it together, the function parks for 50 ms,
 * and every caller returns only after it has finished, having seen its
 * effect; later calls return at once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "pk.h"
#include "t_pk.h"

#define NFIBERS 16

static pk_once_t once = PK_ONCE_INIT;
static atomic_int calls, done, saw_done, callers;

static void init_fn(void)
{
	atomic_fetch_add(&calls, 1);
	pk_usleep(50000);	/* a fiber parks here; on a plain thread it sleeps */
	atomic_store(&done, 1);
}

static void *caller(void *arg)
{
	(void)arg;
	atomic_fetch_add(&callers, 1);
	if (pk_once(&once, init_fn) == 0 && atomic_load(&done))
		atomic_fetch_add(&saw_done, 1);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *main_fiber(void *arg)
{
	pk_fiber_t fs[NFIBERS];
	pthread_t t;
	double t0;

	(void)arg;
	pthread_create(&t, NULL, caller, NULL);
	for (int i = 0; i < NFIBERS; i++)
		pk_spawn_on(i % 2, &fs[i], caller, NULL);
	for (int i = 0; i < NFIBERS; i++)
		pk_join(fs[i], NULL);
	pthread_join(t, NULL);
	t_ok(atomic_load(&calls) == 1, "the function ran once for %d callers on 2 cores and a thread (%d)",
	     NFIBERS + 1, atomic_load(&calls));
	t_ok(atomic_load(&saw_done) == NFIBERS + 1, "every caller returned after it had finished (%d)",
	     atomic_load(&saw_done));
	t0 = now();
	caller(NULL);
	t_ok(atomic_load(&calls) == 1 && now() - t0 < 0.01, "a later call returns at once");
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(2, main_fiber, 3);
}
