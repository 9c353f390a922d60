/*
 * What a fiber takes from a thread's attributes: a stack size and a detach
 * state (pthread_attr_*), and pthread_equal.
 *
 * The stack size is the mapping's, rounded up to whole pages, with the
 * PROT_NONE guard page kept below it (fiber.c); the instance's default
 * (pk_config.stack_size, 256 KiB) stays the size of the stacks a core
 * caches, and a fiber of another size maps and unmaps its own. A
 * detached fiber is marked before it can run, so that it frees itself
 * when it returns even if that is before pk_spawn_attr does.
 */
#include "pk_int.h"

int pk_attr_init(pk_attr_t *a)
{
	*a = (pk_attr_t){ 0, PK_CREATE_JOINABLE };
	return 0;
}

int pk_attr_destroy(pk_attr_t *a)
{
	(void)a;
	return 0;
}

int pk_attr_setstacksize(pk_attr_t *a, size_t size)
{
	if (size < PK_STACK_MIN)
		return -EINVAL;
	a->stack_size = size;
	return 0;
}

int pk_attr_getstacksize(const pk_attr_t *a, size_t *size)
{
	struct pk_config cfg;

	if (a->stack_size) {
		*size = a->stack_size;
	} else if (pk_rt.started) {
		*size = pk_rt.cfg.stack_size;
	} else {
		pk_config_init(&cfg);
		*size = cfg.stack_size;
	}
	return 0;
}

int pk_attr_setdetachstate(pk_attr_t *a, int state)
{
	if (state != PK_CREATE_JOINABLE && state != PK_CREATE_DETACHED)
		return -EINVAL;
	a->detach_state = state;
	return 0;
}

int pk_attr_getdetachstate(const pk_attr_t *a, int *state)
{
	*state = a->detach_state;
	return 0;
}

int pk_spawn_attr(pk_fiber_t *f, const pk_attr_t *attr, void *(*fn)(void *), void *arg)
{
	return pk_spawn_attr_on(pk_spawn_core(), f, attr, fn, arg);
}

int pk_equal(pk_fiber_t a, pk_fiber_t b)
{
	return a == b;
}
