/*
 * Description: several cores: pk_spawn_on places a fiber on the named core
 * and it never migrates; channels between fibers on different cores under
 * load lose and duplicate nothing; a pk_mutex shared across cores; spawn
 * and join from a plain thread; PK_CORES overrides the configuration.
 */
#include <errno.h>
#include <liburing.h>
#include <sched.h>
#include <stdint.h>

#include "pk.h"
#include "t_pk.h"

#define NPROD 4
#define NCONS 4
#define PER_PROD 50000

static pk_chan_t *ch;
static unsigned char seen[NPROD][PER_PROD];
static _Atomic long received, dups, bad;
static _Atomic int migrated;

static void *producer(void *arg)
{
	uintptr_t p = (uintptr_t)arg;
	int core = pk_core_id();

	for (uintptr_t i = 0; i < PER_PROD; i++) {
		if (pk_chan_send(ch, (void *)((p << 32 | i) + 1)))
			break;
		if (pk_core_id() != core)
			migrated = 1;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	void *m;
	int core = pk_core_id();

	(void)arg;
	while (pk_chan_recv(ch, &m) == 0) {
		uintptr_t v = (uintptr_t)m - 1, p = v >> 32, i = v & 0xffffffff;

		if (p >= NPROD || i >= PER_PROD)
			bad++;
		else if (__atomic_exchange_n(&seen[p][i], 1, __ATOMIC_RELAXED))
			dups++;
		received++;
		if (pk_core_id() != core)
			migrated = 1;
	}
	return NULL;
}

static pk_mutex_t mtx = PK_MUTEX_INITIALIZER;
static long shared;

static void *locker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		long v;

		pk_mutex_lock(&mtx);
		v = shared;
		if (i % 7 == 0)
			pk_yield();
		shared = v + 1;
		pk_mutex_unlock(&mtx);
	}
	return NULL;
}

static void *where(void *arg)
{
	(void)arg;
	return (void *)(long)(pk_core_id() * 1000 + sched_getcpu());
}

static void *main_fiber(void *arg)
{
	pk_fiber_t pr[NPROD], co[NCONS], f[4];
	void *ret;
	int ok = 1;

	(void)arg;
	for (int c = 0; c < pk_ncores(); c++) {
		pk_spawn_on(c, &f[0], where, NULL);
		pk_join(f[0], &ret);
		if ((long)ret / 1000 != c)
			ok = 0;
		t_diag("core %d runs on CPU %ld", c, (long)ret % 1000);
	}
	t_ok(ok, "pk_spawn_on runs each fiber on the core it names");

	ch = pk_chan_new(64);
	for (int i = 0; i < NCONS; i++)
		pk_spawn_on(i % pk_ncores(), &co[i], consumer, NULL);
	for (int i = 0; i < NPROD; i++)
		pk_spawn_on((i + 1) % pk_ncores(), &pr[i], producer, (void *)(uintptr_t)i);
	for (int i = 0; i < NPROD; i++)
		pk_join(pr[i], NULL);
	pk_chan_close(ch);
	for (int i = 0; i < NCONS; i++)
		pk_join(co[i], NULL);
	{
		long missing = 0;

		for (int p = 0; p < NPROD; p++)
			for (int i = 0; i < PER_PROD; i++)
				missing += !seen[p][i];
		t_ok(received == NPROD * PER_PROD && !dups && !bad && !missing,
		     "%d messages across cores: %ld received, %ld missing, %ld duplicated", NPROD * PER_PROD,
		     (long)received, missing, (long)dups);
	}
	t_ok(!migrated, "no fiber changed cores across parks");
	t_ok(pk_chan_send(ch, NULL) == -EPIPE, "pk_chan_send on a closed channel is -EPIPE");
	pk_chan_free(ch);

	for (int i = 0; i < 4; i++)
		pk_spawn_on(i % pk_ncores(), &f[i], locker, NULL);
	for (int i = 0; i < 4; i++)
		pk_join(f[i], NULL);
	t_ok(shared == 8000, "a pk_mutex shared by fibers on %d cores (%ld/8000)", pk_ncores(), shared);

	/* rendezvous channel: capacity 0 */
	ch = pk_chan_new(0);
	pk_spawn_on(pk_ncores() - 1, &f[0], consumer, NULL);
	received = 0;
	for (int i = 0; i < 1000; i++)
		pk_chan_send(ch, (void *)(uintptr_t)1);
	pk_chan_close(ch);
	pk_join(f[0], NULL);
	pk_chan_free(ch);
	t_ok(received == 1000, "a rendezvous channel (capacity 0) across cores");
	return NULL;
}

static void *sleepy(void *arg)
{
	pk_usleep(2000);
	return arg;
}

int main(void)
{
	struct io_uring ring;
	pk_fiber_t f;
	void *ret = NULL;

	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	t_plan(8);
	setenv("PK_CORES", "2", 1);
	t_ok(pk_init(NULL) == 0 && pk_ncores() == 2, "PK_CORES=2 gives two cores (%d)", pk_ncores());
	t_ok(pk_spawn_on(1, &f, sleepy, (void *)5L) == 0 && pk_join(f, &ret) == 0 && ret == (void *)5L,
	     "pk_spawn_on core 1 and pk_join from a plain thread");
	if (pk_run(main_fiber, NULL, NULL))
		t_ok(0, "pk_run");
	pk_shutdown();
	return t_done();
}
