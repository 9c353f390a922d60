/*
 * Description: libpk fibers on one core: spawn, yield and join of
 * thousands of fibers, pk_yield's round-robin order, pk_self inside and
 * outside a fiber, pk_run's return value, joining oneself (-EDEADLK), and
 * a join from a plain thread that waits for a parked fiber.
 */
#include <errno.h>
#include <liburing.h>
#include <string.h>

#include "pk.h"
#include "t_pk.h"

#define NFIBERS 10000

static int counter;
static char order[64];
static int norder;

static void *count_fn(void *arg)
{
	pk_yield();
	counter++;
	pk_yield();
	return arg;
}

static void *order_fn(void *arg)
{
	for (int i = 0; i < 4; i++) {
		order[norder++] = *(char *)arg;
		pk_yield();
	}
	return NULL;
}

static void *main_fiber(void *arg)
{
	static pk_fiber_t fs[NFIBERS];
	pk_fiber_t a, b;
	void *ret;
	int ok = 1;

	(void)arg;
	t_ok(pk_self() != NULL, "pk_self() is set inside a fiber");

	for (long i = 0; i < NFIBERS; i++)
		if (pk_spawn(&fs[i], count_fn, (void *)i))
			ok = 0;
	for (long i = 0; i < NFIBERS; i++)
		if (pk_join(fs[i], &ret) || ret != (void *)i)
			ok = 0;
	t_ok(ok && counter == NFIBERS, "%d fibers spawned, yielded and joined (counter %d)",
	     NFIBERS, counter);

	pk_spawn(&a, order_fn, "A");
	pk_spawn(&b, order_fn, "B");
	pk_join(a, NULL);
	pk_join(b, NULL);
	order[norder] = 0;
	t_ok(!strcmp(order, "ABABABAB"), "pk_yield round-robins ready fibers (%s)", order);

	t_ok(pk_join(pk_self(), NULL) == -EDEADLK, "joining oneself is -EDEADLK");
	return (void *)42L;
}

static void *late_fn(void *arg)
{
	pk_usleep(1000);
	return arg;
}

int main(void)
{
	struct io_uring ring;
	struct pk_config cfg;
	pk_fiber_t f;
	void *ret = NULL;

	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	t_plan(8);
	pk_config_init(&cfg);
	cfg.cores = 1;
	t_ok(pk_init(&cfg) == 0 && pk_ncores() == 1, "pk_init with one core");
	t_ok(pk_self() == NULL, "pk_self() is NULL on a plain thread");
	t_ok(pk_run(main_fiber, NULL, &ret) == 0 && ret == (void *)42L,
	     "pk_run returns the main fiber's value");
	t_ok(pk_spawn(&f, late_fn, (void *)7L) == 0 && pk_join(f, &ret) == 0 && ret == (void *)7L,
	     "pk_join from a plain thread waits for a parked fiber");
	pk_shutdown();
	return t_done();
}
