/*
 * Description: pk_self and pk_equal, the twins of pthread_self and
 * pthread_equal: a fiber's pk_self is what pk_spawn_attr gave its spawner,
 * pk_equal tells the same fiber from another, on one core and across two.
 */
#include "pk.h"
#include "t_pk.h"

static pk_fiber_t seen[2];

static void *who_fn(void *arg)
{
	seen[(long)arg] = pk_self();
	pk_yield();
	return pk_equal(pk_self(), seen[(long)arg]) ? pk_self() : NULL;
}

static void *main_fiber(void *arg)
{
	pk_fiber_t a, b, me = pk_self();
	void *ra = NULL, *rb = NULL;

	(void)arg;
	t_ok(me != NULL && pk_equal(me, pk_self()), "a fiber is equal to itself");
	pk_spawn_attr(&a, NULL, who_fn, (void *)0L);
	pk_spawn_on(1, &b, who_fn, (void *)1L);
	pk_yield();
	t_ok(pk_equal(seen[0], a), "a fiber's pk_self is what its spawner got");
	t_ok(!pk_equal(a, me) && !pk_equal(a, b), "and no other fiber is equal to it");
	pk_join(a, &ra);
	pk_join(b, &rb);
	t_ok(ra == a && rb == b && pk_equal(seen[1], b), "on either core, across a yield");
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(2, main_fiber, 4);
}
