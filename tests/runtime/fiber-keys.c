/*
 * Description: pk_key_* is fiber-local storage: fibers on one core see
 * their own values of a key across parks, an unset value is NULL, the
 * destructors run at fiber exit on the exiting fiber with its values (and
 * again while they set values, PK_DESTRUCTOR_ITERATIONS rounds at most),
 * a key created in a deleted key's slot sees no old value, a plain
 * thread's values are its own and destroyed when it exits, and
 * PK_KEYS_MAX keys are all there are.
 */
#include <errno.h>
#include <pthread.h>

#include "pk.h"
#include "t_pk.h"

static pk_key_t key, again_key;
static int destroyed[4], destroyed_on_self, again_rounds;

static void destroy(void *v)
{
	destroyed[(long)v - 1]++;
	destroyed_on_self += pk_key_get(key) == NULL && pk_self() != NULL;
}

static void destroy_again(void *v)
{
	again_rounds++;
	pk_key_set(again_key, v);	/* comes back every round */
}

static void *own_fn(void *arg)
{
	void *mine = arg;

	if (pk_key_get(key) != NULL)
		return NULL;
	pk_key_set(key, mine);
	pk_usleep(1000);	/* the other fibers set theirs meanwhile */
	pk_yield();
	return pk_key_get(key) == mine ? mine : NULL;
}

static void *again_fn(void *arg)
{
	pk_key_set(again_key, arg);
	return NULL;
}

static void *thread_fn(void *arg)
{
	pk_key_set(key, arg);
	return pk_key_get(key);
}

static void *main_fiber(void *arg)
{
	pk_fiber_t fs[3];
	pthread_t t;
	pk_key_t k, ks[PK_KEYS_MAX];
	void *ret;
	int ok = 1, n;

	(void)arg;
	t_ok(pk_key_create(&key, destroy) == 0 && pk_key_get(key) == NULL, "a new key reads NULL");
	for (long i = 0; i < 3; i++)
		pk_spawn(&fs[i], own_fn, (void *)(i + 1));
	for (long i = 0; i < 3; i++)
		if (pk_join(fs[i], &ret) || ret != (void *)(i + 1))
			ok = 0;
	t_ok(ok, "three fibers each see their own value across parks");
	t_ok(destroyed[0] == 1 && destroyed[1] == 1 && destroyed[2] == 1,
	     "each value was destroyed once at its fiber's exit (%d %d %d)", destroyed[0], destroyed[1], destroyed[2]);
	t_ok(destroyed_on_self == 3, "on the exiting fiber, its value already NULL");

	pk_key_create(&again_key, destroy_again);
	pk_spawn(&fs[0], again_fn, (void *)1L);
	pk_join(fs[0], NULL);
	t_ok(again_rounds == PK_DESTRUCTOR_ITERATIONS, "a destructor that sets the value again runs %d rounds (%d)",
	     PK_DESTRUCTOR_ITERATIONS, again_rounds);

	pk_key_set(key, (void *)4L);
	t_ok(pk_key_delete(key) == 0 && pk_key_get(key) == NULL && pk_key_set(key, (void *)1) == -EINVAL,
	     "a deleted key reads NULL and cannot be set");
	t_ok(pk_key_create(&k, NULL) == 0 && k == key && pk_key_get(k) == NULL,
	     "a key created in its slot sees none of its values");
	pk_key_delete(k);
	pk_key_create(&key, destroy);

	pk_key_set(key, (void *)2L);
	pthread_create(&t, NULL, thread_fn, (void *)4L);
	pthread_join(t, &ret);
	t_ok(ret == (void *)4L && pk_key_get(key) == (void *)2L && destroyed[3] == 1,
	     "a plain thread's value is its own, destroyed when it exits");
	pk_key_set(key, NULL);

	for (n = 0; n < PK_KEYS_MAX && pk_key_create(&ks[n], NULL) == 0; n++)
		;
	t_ok(n == PK_KEYS_MAX - 2 && pk_key_create(&k, NULL) == -EAGAIN, "PK_KEYS_MAX keys, then -EAGAIN (%d more)", n);
	while (n--)
		pk_key_delete(ks[n]);
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(1, main_fiber, 9);
}
