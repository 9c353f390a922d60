/*
 * Fiber-aware synchronisation, pthread's objects for fibers and threads:
 * mutexes of every type, conditions with deadlines on either clock,
 * reader-writer locks, semaphores, once.
 *
 * Each object is a short spin lock that is never held across a park and a
 * FIFO of struct pk_waiter: a fiber parks on it, an ordinary thread sleeps
 * on a futex (pk_wait), and whoever releases hands the object straight to
 * the first waiter (a mutex's ownership, a semaphore's unit, a rwlock's
 * grant) before waking it, so a woken waiter never retries and nobody
 * barges in ahead of those who queued. A waiter on another core is woken
 * by a message to its core's ring (pk_wake).
 *
 * A wait with a deadline is a race between that hand-off and the clock.
 * A fiber arms an absolute IORING_OP_TIMEOUT on its core's ring (the
 * deadline's clock says IORING_TIMEOUT_REALTIME or not) and parks until
 * either completes; a thread sleeps in FUTEX_WAIT_BITSET, which takes an
 * absolute time on either clock. When the time comes first the waiter
 * takes itself off the queue under the object's lock; if it is no longer
 * there, a releaser has already handed it the object and the wake is on
 * its way: the wait succeeds (nothing is lost) once the wake has come.
 * A fiber woken first removes its timer and waits for the timer's
 * completion, which points into its stack.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pk_int.h"

#define SPIN(p) ((_Atomic int *)&(p)->lock)

/* --- Wait queues and timed waits ------------------------------------------ */

static void wq_push(void **head, void **tail, struct pk_waiter *w)
{
	w->next = NULL;
	if (*tail)
		((struct pk_waiter *)*tail)->next = w;
	else
		*head = w;
	*tail = w;
}

static struct pk_waiter *wq_pop(void **head, void **tail)
{
	struct pk_waiter *w = *head;

	if (w && !(*head = w->next))
		*tail = NULL;
	return w;
}

/* Takes @w off the queue; false when it was not on it (a releaser took it). */
static bool wq_remove(void **head, void **tail, struct pk_waiter *w)
{
	struct pk_waiter *prev = NULL;

	for (struct pk_waiter *q = *head; q; prev = q, q = q->next) {
		if (q != w)
			continue;
		if (prev)
			prev->next = w->next;
		else
			*head = w->next;
		if (*tail == w)
			*tail = prev;
		return true;
	}
	return false;
}

/* Wakes every waiter of a chain taken off its queue; each may vanish once woken. */
static void wake_chain(struct pk_waiter *w)
{
	struct pk_waiter *next;

	for (; w; w = next) {
		next = w->next;
		pk_wake(w);
	}
}

/*
 * Who holds a lock: the calling fiber, or for an ordinary thread the
 * address of one of its thread-locals (no fiber is at that address).
 */
static __thread char thread_tag;

/* pk_self(), without a call (through the PLT, from libpk.so). */
static inline struct pk_fiber *self_fiber(void)
{
	struct pk_core *c = pk_tls_core;

	return c ? c->cur : NULL;
}

static inline void *self_id(void)
{
	struct pk_fiber *f = self_fiber();

	return f ? (void *)f : (void *)&thread_tag;
}

static bool bad_time(const struct timespec *t)
{
	return !t || t->tv_nsec < 0 || t->tv_nsec >= 1000000000L;
}

/* A fiber's wait_until; with @in it also ends when a signal handler runs (-EINTR). */
static int fiber_wait_until(struct pk_waiter *w, const struct timespec *abstime, clockid_t clock,
			    const struct pk_intr *in)
{
	struct pk_core *c = pk_tls_core;
	struct __kernel_timespec ts = { 0 };
	unsigned flags = IORING_TIMEOUT_ABS | (clock == CLOCK_REALTIME ? IORING_TIMEOUT_REALTIME : 0);
	struct pk_op timer = { .fd = -1 };
	struct io_uring_sqe *sqe;
	struct timespec now;
	long long left;

	if (!abstime) {
		while (!atomic_load(&w->done) && !in->interrupted)
			pk_fiber_park();
		return atomic_load(&w->done) ? 0 : -EINTR;
	}
	ts = (struct __kernel_timespec){ .tv_sec = abstime->tv_sec, .tv_nsec = abstime->tv_nsec };
	for (;;) {
		sqe = pk_op_sqe(c, &timer, -1);
		io_uring_prep_timeout(sqe, &ts, 0, flags);
		while (!atomic_load(&w->done) && !atomic_load(&timer.w.done) && !(in && in->interrupted))
			pk_fiber_park();
		if (!atomic_load(&timer.w.done) || timer.res != -EINVAL || !(flags & IORING_TIMEOUT_ABS))
			break;
		/* No IORING_TIMEOUT_REALTIME (before Linux 5.15): the time left, relative. */
		clock_gettime(clock, &now);
		left = (abstime->tv_sec - now.tv_sec) * 1000000000LL + abstime->tv_nsec - now.tv_nsec;
		if (left <= 0)
			break;
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		flags = 0;
		atomic_store(&timer.w.done, 0);
	}
	if (!atomic_load(&timer.w.done)) {
		sqe = pk_sqe(c);
		io_uring_prep_timeout_remove(sqe, (uint64_t)(uintptr_t)&timer, 0);
		io_uring_sqe_set_data(sqe, NULL);
		while (!atomic_load(&timer.w.done))
			pk_fiber_park();
	}
	if (atomic_load(&w->done))
		return 0;
	return in && in->interrupted ? -EINTR : -ETIMEDOUT;
}

/*
 * A thread's wait_until (@abstime NULL: no end); @intr: a signal handler
 * ends it (-EINTR). A futex wait with no time is restarted after an
 * SA_RESTART handler, one with a time never is: so the endless wait is
 * one with a time beyond any.
 */
static int thread_wait_until(struct pk_waiter *w, const struct timespec *abstime, clockid_t clock, bool intr)
{
	static const struct timespec never = { .tv_sec = (time_t)1 << 40 };
	int op = FUTEX_WAIT_BITSET_PRIVATE | (clock == CLOCK_REALTIME ? FUTEX_CLOCK_REALTIME : 0);
	int err = errno, r = -ETIMEDOUT;

	if (!abstime)
		abstime = &never;
	while (!atomic_load(&w->done))
		if (syscall(SYS_futex, &w->done, op, 0, abstime, NULL, FUTEX_BITSET_MATCH_ANY) < 0 &&
		    (errno == ETIMEDOUT || (intr && errno == EINTR))) {
			r = errno == EINTR ? -EINTR : -ETIMEDOUT;
			break;
		}
	errno = err;
	return atomic_load(&w->done) ? 0 : r;
}

/*
 * Waits until pk_wake(@w) or until @abstime on @clock (CLOCK_REALTIME or
 * CLOCK_MONOTONIC), whichever comes first. Returns 0 when woken, else
 * -ETIMEDOUT, and then @w may still be woken: the caller settles that
 * under its object's lock with settle().
 */
static int wait_until(struct pk_waiter *w, const struct timespec *abstime, clockid_t clock)
{
	return w->f ? fiber_wait_until(w, abstime, clock, NULL) : thread_wait_until(w, abstime, clock, false);
}

/*
 * A semaphore's wait_until, @abstime NULL for none: it also ends when a
 * signal handler runs, as sem_wait(3) and sem_timedwait(3) say EINTR
 * whatever SA_RESTART says (signal(7)), where the other waits here go on
 * as POSIX lets them. A fiber is found by its core through its pk_intr
 * (pk_interrupt_parked), a thread's futex wait says EINTR itself.
 * Returns 0, -EINTR or -ETIMEDOUT; settle() as after wait_until().
 */
static int sem_wait_until(struct pk_waiter *w, const struct timespec *abstime)
{
	struct pk_intr in = { .f = w->f };
	int r;

	if (!w->f)
		return thread_wait_until(w, abstime, CLOCK_REALTIME, true);
	pk_intr_add(pk_tls_core, &in);
	r = fiber_wait_until(w, abstime, CLOCK_REALTIME, &in);
	pk_intr_del(pk_tls_core, &in);
	return r;
}

/*
 * After wait_until() timed out: -ETIMEDOUT when @w was still queued (it
 * is not any more), 0 when a releaser had taken it, once its wake came.
 */
static int settle(_Atomic int *lock, void **head, void **tail, struct pk_waiter *w)
{
	bool queued;

	pk_spin_lock(lock);
	queued = wq_remove(head, tail, w);
	pk_spin_unlock(lock);
	if (queued)
		return -ETIMEDOUT;
	pk_wait(w);
	return 0;
}

/* --- Mutexes ---------------------------------------------------------------- */

int pk_mutexattr_init(pk_mutexattr_t *a)
{
	a->type = PK_MUTEX_DEFAULT;
	return 0;
}

int pk_mutexattr_destroy(pk_mutexattr_t *a)
{
	(void)a;
	return 0;
}

int pk_mutexattr_settype(pk_mutexattr_t *a, int type)
{
	if (type != PK_MUTEX_NORMAL && type != PK_MUTEX_RECURSIVE && type != PK_MUTEX_ERRORCHECK)
		return -EINVAL;
	a->type = type;
	return 0;
}

int pk_mutexattr_gettype(const pk_mutexattr_t *a, int *type)
{
	*type = a->type;
	return 0;
}

int pk_mutex_init(pk_mutex_t *m, const pk_mutexattr_t *a)
{
	*m = (pk_mutex_t)PK_MUTEX_INITIALIZER;
	if (a)
		m->type = a->type;
	return 0;
}

int pk_mutex_destroy(pk_mutex_t *m)
{
	return m->owned || m->waiters ? -EBUSY : 0;
}

/*
 * A relock by the holder, under the spin lock: -EDEADLK (ERRORCHECK), a
 * count (RECURSIVE), or 1: a NORMAL mutex, which waits as pthread's does.
 */
static int relock(pk_mutex_t *m)
{
	if (m->type == PK_MUTEX_ERRORCHECK)
		return -EDEADLK;
	if (m->type != PK_MUTEX_RECURSIVE)
		return 1;
	if (m->count == ~0U)
		return -EAGAIN;
	m->count++;
	return 0;
}

int pk_mutex_trylock(pk_mutex_t *m)
{
	void *me = self_id();
	int r = -EBUSY;

	pk_spin_lock(SPIN(m));
	if (!m->owned) {
		m->owned = 1;
		m->owner = me;
		m->count = 1;
		r = 0;
	} else if (m->owner == me && m->type == PK_MUTEX_RECURSIVE) {
		r = relock(m);
	}
	pk_spin_unlock(SPIN(m));
	return r;
}

/* mutex_lock()'s slow path, entered with the spin lock held: @m is owned. */
static __attribute__((noinline)) int mutex_wait(pk_mutex_t *m, void *me, const struct timespec *abstime)
{
	struct pk_waiter w = { .f = self_fiber(), .val = me };
	int r;

	if (m->owner == me && (r = relock(m)) <= 0) {
		pk_spin_unlock(SPIN(m));
		return r;
	}
	if (abstime && bad_time(abstime)) {
		pk_spin_unlock(SPIN(m));
		return -EINVAL;
	}
	wq_push(&m->waiters, &m->tail, &w);
	pk_spin_unlock(SPIN(m));
	/* The unlocker makes us the owner (w.val) before it wakes us. */
	if (!abstime)
		pk_wait(&w);
	else if (wait_until(&w, abstime, CLOCK_REALTIME))
		return settle(SPIN(m), &m->waiters, &m->tail, &w);
	return 0;
}

/* pk_mutex_lock(), until @abstime (CLOCK_REALTIME) unless it is NULL. */
static inline int mutex_lock(pk_mutex_t *m, const struct timespec *abstime)
{
	void *me = self_id();

	pk_spin_lock(SPIN(m));
	if (m->owned)
		return mutex_wait(m, me, abstime);
	m->owned = 1;
	m->owner = me;
	m->count = 1;
	pk_spin_unlock(SPIN(m));
	return 0;
}

int pk_mutex_lock(pk_mutex_t *m)
{
	return mutex_lock(m, NULL);
}

int pk_mutex_timedlock(pk_mutex_t *m, const struct timespec *abstime)
{
	return mutex_lock(m, abstime ? abstime : &(struct timespec){ .tv_nsec = -1 });
}

int pk_mutex_unlock(pk_mutex_t *m)
{
	struct pk_waiter *w;

	pk_spin_lock(SPIN(m));
	if (!m->owned || (m->type != PK_MUTEX_NORMAL && m->owner != self_id())) {
		pk_spin_unlock(SPIN(m));
		return -EPERM;
	}
	if (m->type == PK_MUTEX_RECURSIVE && --m->count) {
		pk_spin_unlock(SPIN(m));
		return 0;
	}
	w = wq_pop(&m->waiters, &m->tail);
	if (w) {
		m->owner = w->val;
		m->count = 1;
	} else {
		m->owned = 0;
		m->owner = NULL;
	}
	pk_spin_unlock(SPIN(m));
	if (w)
		pk_wake(w);
	return 0;
}

/* --- Conditions ------------------------------------------------------------- */

int pk_condattr_init(pk_condattr_t *a)
{
	a->clock = CLOCK_REALTIME;
	return 0;
}

int pk_condattr_destroy(pk_condattr_t *a)
{
	(void)a;
	return 0;
}

int pk_condattr_setclock(pk_condattr_t *a, clockid_t clock)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return -EINVAL;
	a->clock = clock;
	return 0;
}

int pk_condattr_getclock(const pk_condattr_t *a, clockid_t *clock)
{
	*clock = a->clock;
	return 0;
}

int pk_cond_init(pk_cond_t *c, const pk_condattr_t *a)
{
	*c = (pk_cond_t)PK_COND_INITIALIZER;
	if (a)
		c->clock = a->clock;
	return 0;
}

int pk_cond_destroy(pk_cond_t *c)
{
	return c->waiters ? -EBUSY : 0;
}

/* pk_cond_wait(), until @abstime on the condition's clock unless it is NULL. */
static int cond_wait(pk_cond_t *c, pk_mutex_t *m, const struct timespec *abstime)
{
	struct pk_waiter w = { .f = self_fiber() };
	int r;

	if (abstime && bad_time(abstime))
		return -EINVAL;
	pk_spin_lock(SPIN(c));
	wq_push(&c->waiters, &c->tail, &w);
	pk_spin_unlock(SPIN(c));
	r = pk_mutex_unlock(m);
	if (r) {
		/* Not ours to wait with: take the waiter back out. */
		if (settle(SPIN(c), &c->waiters, &c->tail, &w) == 0)
			pk_cond_signal(c);	/* a signal took us meanwhile: pass it on */
		return r;
	}
	if (!abstime)
		pk_wait(&w);
	else if (wait_until(&w, abstime, c->clock))
		r = settle(SPIN(c), &c->waiters, &c->tail, &w);
	/* pthread's wait returns with the mutex held, whatever happened. */
	pk_mutex_lock(m);
	return r;
}

int pk_cond_wait(pk_cond_t *c, pk_mutex_t *m)
{
	return cond_wait(c, m, NULL);
}

int pk_cond_timedwait(pk_cond_t *c, pk_mutex_t *m, const struct timespec *abstime)
{
	return cond_wait(c, m, abstime ? abstime : &(struct timespec){ .tv_nsec = -1 });
}

int pk_cond_signal(pk_cond_t *c)
{
	struct pk_waiter *w;

	pk_spin_lock(SPIN(c));
	w = wq_pop(&c->waiters, &c->tail);
	pk_spin_unlock(SPIN(c));
	if (w)
		pk_wake(w);
	return 0;
}

int pk_cond_broadcast(pk_cond_t *c)
{
	struct pk_waiter *w;

	pk_spin_lock(SPIN(c));
	w = c->waiters;
	c->waiters = c->tail = NULL;
	pk_spin_unlock(SPIN(c));
	wake_chain(w);
	return 0;
}

/* --- Reader-writer locks ------------------------------------------------------ */

/* A rwlock waiter's res says what it waits for. */
enum { WANT_READ, WANT_WRITE };

int pk_rwlock_init(pk_rwlock_t *l)
{
	*l = (pk_rwlock_t)PK_RWLOCK_INITIALIZER;
	return 0;
}

int pk_rwlock_destroy(pk_rwlock_t *l)
{
	return l->readers || l->writer || l->waiters ? -EBUSY : 0;
}

/*
 * Takes the lock for reading (@want WANT_READ) or writing, or with @wait
 * queues the caller and parks it until unlock() grants it. A reader may
 * enter beside readers only when nobody queued before it: a queued
 * writer keeps the readers that come after it out.
 */
static int rw_lock(pk_rwlock_t *l, int want, bool wait)
{
	void *me = self_id();
	struct pk_waiter w;

	pk_spin_lock(SPIN(l));
	if (l->writer == me) {
		pk_spin_unlock(SPIN(l));
		return wait ? -EDEADLK : -EBUSY;
	}
	if (!l->writer && !l->waiters && (want == WANT_READ || !l->readers)) {
		if (want == WANT_READ)
			l->readers++;
		else
			l->writer = me;
		pk_spin_unlock(SPIN(l));
		return 0;
	}
	if (!wait) {
		pk_spin_unlock(SPIN(l));
		return -EBUSY;
	}
	w = (struct pk_waiter){ .f = self_fiber(), .val = me, .res = want };
	wq_push(&l->waiters, &l->tail, &w);
	pk_spin_unlock(SPIN(l));
	pk_wait(&w);
	return 0;
}

int pk_rwlock_rdlock(pk_rwlock_t *l)
{
	return rw_lock(l, WANT_READ, true);
}

int pk_rwlock_wrlock(pk_rwlock_t *l)
{
	return rw_lock(l, WANT_WRITE, true);
}

int pk_rwlock_tryrdlock(pk_rwlock_t *l)
{
	return rw_lock(l, WANT_READ, false);
}

int pk_rwlock_trywrlock(pk_rwlock_t *l)
{
	return rw_lock(l, WANT_WRITE, false);
}

/*
 * Releases the caller's hold; once nobody holds the lock, grants it to the
 * first waiter: a writer alone, or the readers at the head of the queue up
 * to the next writer, all at once.
 */
int pk_rwlock_unlock(pk_rwlock_t *l)
{
	struct pk_waiter *grant = NULL, **end = &grant, *w;

	pk_spin_lock(SPIN(l));
	if (l->writer) {
		if (l->writer != self_id()) {
			pk_spin_unlock(SPIN(l));
			return -EPERM;
		}
		l->writer = NULL;
	} else if (l->readers) {
		l->readers--;
	} else {
		pk_spin_unlock(SPIN(l));
		return -EPERM;
	}
	if (!l->readers && l->waiters && ((struct pk_waiter *)l->waiters)->res == WANT_WRITE) {
		grant = wq_pop(&l->waiters, &l->tail);
		grant->next = NULL;
		l->writer = grant->val;
	}
	while (!l->writer && l->waiters && ((struct pk_waiter *)l->waiters)->res == WANT_READ) {
		w = wq_pop(&l->waiters, &l->tail);
		w->next = NULL;
		*end = w;
		end = &w->next;
		l->readers++;
	}
	pk_spin_unlock(SPIN(l));
	wake_chain(grant);
	return 0;
}

/* --- Semaphores (sem_*'s convention: -1 and errno) ------------------------- */

static int sem_fail(int err)
{
	errno = err;
	return -1;
}

int pk_sem_init(pk_sem_t *s, int pshared, unsigned value)
{
	if (value > PK_SEM_VALUE_MAX)
		return sem_fail(EINVAL);
	if (pshared)
		return sem_fail(ENOSYS);	/* its waiters would be in another process */
	*s = (pk_sem_t){ 0, value, NULL, NULL };
	return 0;
}

int pk_sem_destroy(pk_sem_t *s)
{
	return s->waiters ? sem_fail(EBUSY) : 0;
}

/* Takes a unit, or -EAGAIN (!@wait), or waits for one until @abstime unless it is NULL (-EINTR: a signal). */
static int sem_take(pk_sem_t *s, bool wait, const struct timespec *abstime)
{
	struct pk_waiter w;
	int r;

	pk_spin_lock(SPIN(s));
	if (s->value) {
		s->value--;
		pk_spin_unlock(SPIN(s));
		return 0;
	}
	if (!wait || (abstime && bad_time(abstime))) {
		pk_spin_unlock(SPIN(s));
		return wait ? -EINVAL : -EAGAIN;
	}
	w = (struct pk_waiter){ .f = self_fiber() };
	wq_push(&s->waiters, &s->tail, &w);
	pk_spin_unlock(SPIN(s));
	/* The poster hands its unit to us: the value never went up. */
	r = sem_wait_until(&w, abstime);
	if (r && !settle(SPIN(s), &s->waiters, &s->tail, &w))
		r = 0;	/* a post took us off the queue first: its unit is ours */
	return r;
}

int pk_sem_wait(pk_sem_t *s)
{
	int r = sem_take(s, true, NULL);

	return r ? sem_fail(-r) : 0;
}

int pk_sem_trywait(pk_sem_t *s)
{
	int r = sem_take(s, false, NULL);

	return r ? sem_fail(-r) : 0;
}

int pk_sem_timedwait(pk_sem_t *s, const struct timespec *abstime)
{
	int r = sem_take(s, true, abstime ? abstime : &(struct timespec){ .tv_nsec = -1 });

	return r ? sem_fail(-r) : 0;
}

int pk_sem_post(pk_sem_t *s)
{
	struct pk_waiter *w;

	pk_spin_lock(SPIN(s));
	w = wq_pop(&s->waiters, &s->tail);
	if (!w && s->value == PK_SEM_VALUE_MAX) {
		pk_spin_unlock(SPIN(s));
		return sem_fail(EOVERFLOW);
	}
	if (!w)
		s->value++;
	pk_spin_unlock(SPIN(s));
	if (w)
		pk_wake(w);
	return 0;
}

int pk_sem_getvalue(pk_sem_t *s, int *value)
{
	*value = (int)__atomic_load_n(&s->value, __ATOMIC_RELAXED);
	return 0;
}

/* --- Once ----------------------------------------------------------------------- */

enum { ONCE_NOT, ONCE_RUNNING, ONCE_DONE };

int pk_once(pk_once_t *o, void (*fn)(void))
{
	_Atomic int *state = (_Atomic int *)&o->state;
	struct pk_waiter w, *q;

	if (atomic_load_explicit(state, memory_order_acquire) == ONCE_DONE)
		return 0;
	w = (struct pk_waiter){ .f = self_fiber() };
	pk_spin_lock(SPIN(o));
	switch (atomic_load_explicit(state, memory_order_relaxed)) {
	case ONCE_DONE:
		pk_spin_unlock(SPIN(o));
		return 0;
	case ONCE_RUNNING:
		wq_push(&o->waiters, &o->tail, &w);
		pk_spin_unlock(SPIN(o));
		pk_wait(&w);
		return 0;
	}
	atomic_store_explicit(state, ONCE_RUNNING, memory_order_relaxed);
	pk_spin_unlock(SPIN(o));
	fn();
	pk_spin_lock(SPIN(o));
	atomic_store_explicit(state, ONCE_DONE, memory_order_release);
	q = o->waiters;
	o->waiters = o->tail = NULL;
	pk_spin_unlock(SPIN(o));
	wake_chain(q);
	return 0;
}
