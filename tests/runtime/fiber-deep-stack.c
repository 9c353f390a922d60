/*
 * Description: a fiber's stack holds deep recursion (~200 KiB of frames).
 */
#include "pk.h"
#include "t_pk.h"

static unsigned long deep(int n)
{
	volatile char pad[128];

	pad[0] = (char)n;
	if (n == 0)
		return 1;
	return deep(n - 1) + pad[0] * 0 + 1;
}

static void *deep_fn(void *arg)
{
	return (void *)deep((int)(long)arg);
}

static void *main_fiber(void *arg)
{
	pk_fiber_t d;
	void *ret = NULL;

	(void)arg;
	pk_spawn(&d, deep_fn, (void *)1500L);
	pk_join(d, &ret);
	t_ok((long)ret == 1501, "deep recursion (~200 KiB) on a fiber stack");
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(1, main_fiber, 1);
}
