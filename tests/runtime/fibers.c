/*
 * Description: libpk fibers on one core: spawn/join/yield, thousands of
 * fibers, deep stacks, errno and FP control kept per fiber, fiber-aware
 * mutex and condition variable, join from a plain thread, and a stack
 * overflow reported by the guard page.
 */
#include <errno.h>
#include <fenv.h>
#include <liburing.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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
	static pk_fiber_t fs[NFIBERS];
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

	pk_fiber_t a, b;
	pk_spawn(&a, order_fn, "A");
	pk_spawn(&b, order_fn, "B");
	pk_join(a, NULL);
	pk_join(b, NULL);
	order[norder] = 0;
	t_ok(!strcmp(order, "ABABABAB"), "pk_yield round-robins ready fibers (%s)", order);

	pk_fiber_t d;
	pk_spawn(&d, deep_fn, (void *)1500L);
	pk_join(d, &ret);
	t_ok((long)ret == 1501, "deep recursion (~200 KiB) on a fiber stack");

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

	pk_spawn(&a, errno_fn, (void *)(long)EAGAIN);
	pk_spawn(&b, errno_fn, (void *)(long)EINTR);
	pk_join(a, NULL);
	pk_join(b, NULL);
	t_ok(errno_ok, "errno is kept per fiber across switches");
	t_ok(round_ok, "FP rounding mode (MXCSR/x87 control) is kept per fiber");

	t_ok(pk_join(pk_self(), NULL) == -EDEADLK, "joining oneself is -EDEADLK");
	return (void *)42L;
}

static void *late_fn(void *arg)
{
	pk_usleep(1000);
	return arg;
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static unsigned long overflow(unsigned long n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	return overflow(n + 1) + pad[0];
}

static void *overflow_fn(void *arg)
{
	return (void *)overflow((unsigned long)arg);
}

static void guard_test(void)
{
	int p[2], st;
	char buf[512] = "";
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		pk_run(overflow_fn, NULL, NULL);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(p[0]);
	waitpid(pid, &st, 0);
	t_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a stack overflow kills with SIGSEGV");
	t_ok(strstr(buf, "guard page hit") != NULL, "the guard page hit is reported: %.*s",
	     (int)strcspn(buf, "\n"), buf);
}

int main(void)
{
	struct io_uring ring;
	struct pk_config cfg;
	pk_fiber_t f;
	void *ret = NULL;

	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	t_plan(16);
	guard_test();

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
