/*
 * Description: errno and the FP control state (rounding mode: MXCSR and
 * the x87 control word, FPCR on AArch64) are each fiber's own across
 * switches.
 */
#include <errno.h>
#include <fenv.h>

#include "pk.h"
#include "t_pk.h"

static int errno_ok = 1, round_ok = 1;

static void *errno_fn(void *arg)
{
	int mine = (int)(long)arg;

	errno = mine;
	fesetround(mine == EAGAIN ? FE_UPWARD : FE_TONEAREST);
	for (int i = 0; i < 10; i++) {
		pk_yield();
		if (errno != mine)
			errno_ok = 0;
		if (fegetround() != (mine == EAGAIN ? FE_UPWARD : FE_TONEAREST))
			round_ok = 0;
	}
	return NULL;
}

static void *main_fiber(void *arg)
{
	pk_fiber_t a, b;

	(void)arg;
	pk_spawn(&a, errno_fn, (void *)(long)EAGAIN);
	pk_spawn(&b, errno_fn, (void *)(long)EINTR);
	pk_join(a, NULL);
	pk_join(b, NULL);
	t_ok(errno_ok, "errno is kept per fiber across switches");
	t_ok(round_ok, "FP rounding mode (MXCSR/x87 control) is kept per fiber");
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(1, main_fiber, 2);
}
