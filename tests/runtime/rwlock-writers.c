/*
 * Description: pk_rwlock: readers share it (fibers on two cores hold it
 * together), a writer is alone (no reader or writer beside it), and a
 * writer does not starve: once it waits, readers that come after it wait
 * for it (tryrdlock says -EBUSY), and it gets the lock as soon as the
 * readers already in leave, before them; the writer's relock is -EDEADLK,
 * an unlock of a free lock -EPERM, destroy while held -EBUSY.
 */
#include <errno.h>
#include <stdatomic.h>

#include "pk.h"
#include "t_pk.h"

static pk_rwlock_t l = PK_RWLOCK_INITIALIZER;
static atomic_int readers, writers, max_readers, bad;
static char order[16];
static atomic_int norder;

static void *reader(void *arg)
{
	for (int i = 0; i < 200; i++) {
		int n;

		pk_rwlock_rdlock(&l);
		n = atomic_fetch_add(&readers, 1) + 1;
		if (atomic_load(&writers))
			atomic_fetch_add(&bad, 1);
		for (int m = atomic_load(&max_readers); n > m && !atomic_compare_exchange_weak(&max_readers, &m, n);)
			;
		pk_usleep(100);
		atomic_fetch_sub(&readers, 1);
		pk_rwlock_unlock(&l);
		if (arg)
			pk_yield();
	}
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		pk_rwlock_wrlock(&l);
		if (atomic_fetch_add(&writers, 1) || atomic_load(&readers))
			atomic_fetch_add(&bad, 1);
		pk_yield();
		atomic_fetch_sub(&writers, 1);
		pk_rwlock_unlock(&l);
		pk_yield();
	}
	return NULL;
}

static void *mark(void *arg)
{
	const char *what = arg;

	if (what[0] == 'W')
		pk_rwlock_wrlock(&l);
	else
		pk_rwlock_rdlock(&l);
	order[atomic_fetch_add(&norder, 1)] = what[0];
	pk_rwlock_unlock(&l);
	return NULL;
}

static void *main_fiber(void *arg)
{
	pk_fiber_t fs[6];

	(void)arg;
	for (int i = 0; i < 4; i++)
		pk_spawn_on(i % 2, &fs[i], reader, (void *)(long)i);
	for (int i = 4; i < 6; i++)
		pk_spawn_on(i % 2, &fs[i], writer, NULL);
	for (int i = 0; i < 6; i++)
		pk_join(fs[i], NULL);
	t_ok(atomic_load(&max_readers) > 1, "readers share it (%d at once)", atomic_load(&max_readers));
	t_ok(atomic_load(&bad) == 0, "a writer is alone: no reader or writer beside it (%d)", atomic_load(&bad));

	/* We read; a writer comes, then a reader. */
	pk_rwlock_rdlock(&l);
	pk_spawn(&fs[0], mark, "W");
	pk_yield();
	t_ok(pk_rwlock_tryrdlock(&l) == -EBUSY, "a waiting writer keeps later readers out (tryrdlock: -EBUSY)");
	pk_spawn(&fs[1], mark, "R");
	pk_yield();
	t_ok(atomic_load(&norder) == 0, "the writer waits for the reader already in, the later reader for it");
	pk_rwlock_unlock(&l);
	pk_join(fs[0], NULL);
	pk_join(fs[1], NULL);
	t_ok(!strcmp(order, "WR"), "the writer went first when the reader left (%s)", order);

	t_ok(pk_rwlock_wrlock(&l) == 0 && pk_rwlock_wrlock(&l) == -EDEADLK && pk_rwlock_rdlock(&l) == -EDEADLK &&
	     pk_rwlock_trywrlock(&l) == -EBUSY, "the writer's relock: -EDEADLK");
	t_ok(pk_rwlock_destroy(&l) == -EBUSY && pk_rwlock_unlock(&l) == 0 && pk_rwlock_unlock(&l) == -EPERM &&
	     pk_rwlock_destroy(&l) == 0, "destroy while held: -EBUSY; unlock of a free lock: -EPERM");
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(2, main_fiber, 7);
}
