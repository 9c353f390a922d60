/*
 * Fiber switch cost: libpk's pk_yield() between two fibers of one core
 * against swapcontext(3) between two ucontexts, in the same run.
 * Goal (issue 5): under 20 ns per switch and at least 10x faster.
 * swapcontext saves the signal mask with rt_sigprocmask on every switch;
 * libpk saves six registers and two control words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#include "pk.h"

#define N 2000000L

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *yielder(void *arg)
{
	for (long i = 0; i < (long)arg; i++)
		pk_yield();
	return NULL;
}

static void *bench_pk(void *arg)
{
	pk_fiber_t a, b;
	double t0 = now();

	pk_spawn(&a, yielder, (void *)N);
	pk_spawn(&b, yielder, (void *)N);
	pk_join(a, NULL);
	pk_join(b, NULL);
	*(double *)arg = (now() - t0) / (2.0 * N) * 1e9;
	return NULL;
}

static ucontext_t uc_main, uc_a, uc_b;

static void uc_fn(void)
{
	for (long i = 0; i < N; i++)
		swapcontext(&uc_a, &uc_main);
}

int main(void)
{
	static char stack[64 * 1024];
	double pk_ns = 0, uc_ns, t0;

	if (pk_run(bench_pk, &pk_ns, NULL)) {
		fprintf(stderr, "pk-switch: pk_run failed\n");
		return 1;
	}
	pk_shutdown();

	getcontext(&uc_a);
	uc_a.uc_stack.ss_sp = stack;
	uc_a.uc_stack.ss_size = sizeof(stack);
	uc_a.uc_link = &uc_main;
	makecontext(&uc_a, uc_fn, 0);
	(void)uc_b;
	t0 = now();
	for (long i = 0; i < N; i++)
		swapcontext(&uc_main, &uc_a);
	uc_ns = (now() - t0) / (2.0 * N) * 1e9;

	printf("%-34s %10s %10s\n", "fiber switch (one core)", "ns/switch", "ratio");
	printf("%-34s %10.1f %10s\n", "swapcontext (baseline)", uc_ns, "1.0x");
	printf("%-34s %10.1f %9.1fx\n", "libpk pk_yield", pk_ns, uc_ns / pk_ns);
	printf("goal: < 20 ns and >= 10x: %s\n", pk_ns < 20 && uc_ns / pk_ns >= 10 ? "met" : "NOT met");
	return 0;
}
