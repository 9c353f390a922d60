/*
 * Completion-driven operations: one SQE, one struct pk_op on the caller's
 * stack, one park until its CQE. Also the native batch API (pk_req_*).
 *
 * From a fiber the SQE is only queued; the core's loop submits everything
 * its fibers queued in one io_uring_enter. From an ordinary thread the
 * thread's own ring is submitted and waited on at once.
 *
 * Signals, on an ordinary thread's ring (a fiber's calls are interrupted
 * by the handler's trampoline instead: signal.c, pk_interrupt_parked):
 * io_uring's wait returns -EINTR whatever the handler's SA_RESTART
 * says, with the operation still in flight. We cannot tell which signal
 * interrupted us, so the wait restarts when every installed handler has
 * SA_RESTART and the call is restartable; otherwise the operation is
 * cancelled and reaped, and data that completed in the race is kept, as
 * read(2) returns a partial count rather than EINTR.
 */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "pk_int.h"

struct req_group {
	struct pk_waiter w;
	unsigned ndone, min;
	struct req_group *prev, *next;	/* in its core's parked_reqs, while a fiber waits */
	bool interrupted;		/* a signal handler ran (signal.c) */
};

/*
 * How long an operation on a descriptor may wait before libpk makes sure
 * the wait is one read(2) would make: a number libc closed and handed out
 * again behind libpk's back may now be O_NONBLOCK, where io_uring would
 * wait for data but the kernel's call says EAGAIN at once. Checked once
 * per operation, and only for those that waited this long, so a busy
 * server pays nothing.
 */
#define STALE_CHECK_MS 20

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pending_add(struct pk_core *c, struct pk_op *op)
{
	op->since_ms = now_ms();
	op->next = NULL;
	op->prev = c->unchecked_tail;
	if (c->unchecked_tail)
		c->unchecked_tail->next = op;
	else
		c->unchecked = op;
	c->unchecked_tail = op;
}

static void pending_del(struct pk_core *c, struct pk_op *op)
{
	struct pk_op **head = op->checked ? &c->checked : &c->unchecked;

	if (op->prev)
		op->prev->next = op->next;
	else
		*head = op->next;
	if (op->next)
		op->next->prev = op->prev;
	else if (!op->checked)
		c->unchecked_tail = op->prev;
}

/* How long core @c may wait before pk_stale_check has work: -1 for ever. */
int pk_stale_wait_ms(struct pk_core *c)
{
	int64_t left;

	if (!c->unchecked)
		return -1;
	left = c->unchecked->since_ms + STALE_CHECK_MS - now_ms();
	return left < 1 ? 1 : (int)left;
}

/* Looks again at the descriptors of @c's operations that waited long; cancels those now O_NONBLOCK. */
void pk_stale_check(struct pk_core *c)
{
	int64_t old = now_ms() - STALE_CHECK_MS;
	struct io_uring_sqe *sqe;
	struct pk_op *op;

	while ((op = c->unchecked) && op->since_ms <= old) {
		pending_del(c, op);
		op->checked = true;
		op->prev = NULL;
		op->next = c->checked;
		if (c->checked)
			c->checked->prev = op;
		c->checked = op;
		if (op->fd < 0 || !(pk_fd_learn(op->fd) & PK_FD_NONBLOCK))
			continue;
		op->stale = true;
		sqe = pk_sqe(c);
		io_uring_prep_cancel(sqe, op, 0);
		io_uring_sqe_set_data(sqe, NULL);
	}
}

/*
 * A signal handler ran (signal.c): every fiber of @c parked in a call it
 * interrupts gets EINTR, unless the call restarts under SA_RESTART (then
 * it goes on waiting, as the kernel restarts it). Operations are cancelled
 * (their completion says -ECANCELED, pk_op_run makes it -EINTR; one that
 * finished first keeps its result); pk_req_wait returns at once.
 */
void pk_interrupt_parked(struct pk_core *c, uint64_t bits)
{
	bool restart = pk_signal_restarts(bits);
	struct pk_op *lists[2] = { c->unchecked, c->checked };
	struct io_uring_sqe *sqe;

	for (int l = 0; l < 2; l++)
		for (struct pk_op *op = lists[l]; op; op = op->next) {
			if (!op->waiting || op->interrupted || (op->restartable && restart) ||
			    !(bits & ~op->w.f->sigmask))
				continue;
			op->interrupted = true;
			sqe = pk_sqe(c);
			io_uring_prep_cancel(sqe, op, 0);
			io_uring_sqe_set_data(sqe, NULL);
		}
	for (struct req_group *g = c->parked_reqs; g; g = g->next)
		if (!atomic_load(&g->w.done) && (bits & ~g->w.f->sigmask)) {
			g->interrupted = true;
			atomic_store(&g->w.done, 1);
			pk_fiber_ready(g->w.f);
		}
	/* Their waits re-check what they wait for: a wake that came too is not lost. */
	for (struct pk_intr *in = c->intr_waits; in; in = in->next)
		if (!in->interrupted && (bits & ~in->f->sigmask)) {
			in->interrupted = true;
			pk_fiber_ready(in->f);
		}
}

/* @in's fiber parks on @c until a signal handler runs or it is woken. */
void pk_intr_add(struct pk_core *c, struct pk_intr *in)
{
	in->prev = NULL;
	in->next = c->intr_waits;
	if (in->next)
		in->next->prev = in;
	c->intr_waits = in;
}

void pk_intr_del(struct pk_core *c, struct pk_intr *in)
{
	if (in->prev)
		in->prev->next = in->next;
	else
		c->intr_waits = in->next;
	if (in->next)
		in->next->prev = in->prev;
}

void pk_op_complete(struct pk_op *op, int res, unsigned flags)
{
	struct pk_fiber *f = op->w.f;

	if (f)
		pending_del(f->core, op);
	if (op->fd >= 0 && op->fd < pk_rt.fd_max)
		atomic_fetch_sub(&pk_rt.fd_inflight[op->fd], 1);
	op->res = res;
	op->cflags = flags;
	atomic_store(&op->w.done, 1);
	if (f)
		pk_fiber_ready(f);
}

static void req_complete(struct pk_req *r, int res, unsigned flags)
{
	struct req_group *g = r->priv[0];
	struct pk_req_orphans *o = r->priv[2];

	if (o) {
		if (--o->pending == 0)
			free(o);
		return;
	}
	r->res = res;
	r->flags = flags;
	r->done = 1;
	if (g && ++g->ndone >= g->min && !atomic_load(&g->w.done)) {
		atomic_store(&g->w.done, 1);
		if (g->w.f)
			pk_fiber_ready(g->w.f);
	}
}

/* Completes the request behind a PK_TAG_REQ user_data. */
void pk_req_dispatch(uint64_t u, int res, unsigned flags)
{
	req_complete((struct pk_req *)(uintptr_t)(u & ~(uint64_t)PK_TAG_MASK), res, flags);
}

/*
 * Under SQPOLL the kernel thread takes the SQE by itself: spin on the
 * completion queue for up to pk_rt.spin_us before sleeping in
 * io_uring_enter, so a busy data path makes no system call at all.
 */
static void spin_for(struct pk_core *c, struct pk_waiter *w)
{
	struct timespec t0, t;

	io_uring_submit(&c->ring);	/* no system call while the poller is awake */
	c->unsubmitted = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; !atomic_load(&w->done); i++) {
		pk_reap(c);
		if (atomic_load(&w->done) || (i & 63))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000000LL + (t.tv_nsec - t0.tv_nsec) > pk_rt.spin_us * 1000LL)
			break;
		pk_cpu_relax();
	}
}

/*
 * Waits for @w on @c: parks a fiber, or submits and waits on a thread's
 * ring, for at most @ms milliseconds when @ms >= 0. Returns 0, -ETIME when
 * that time passed, or -EINTR when a signal interrupted a thread's wait.
 */
static int wait_for(struct pk_core *c, struct pk_waiter *w, int ms)
{
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000LL };
	struct io_uring_cqe *cqe;
	int r;

	if (!c->thread) {
		pk_wait(w);
		return 0;
	}
	if ((c->ring.flags & IORING_SETUP_SQPOLL) && pk_rt.spin_us)
		spin_for(c, w);
	if (ms >= 0 && c->unsubmitted) {
		/* Submitted apart: an enter that submits returns its count, timed out or not. */
		io_uring_submit(&c->ring);
		c->unsubmitted = 0;
	}
	while (!atomic_load(&w->done)) {
		if (ms >= 0)
			r = io_uring_wait_cqe_timeout(&c->ring, &cqe, &ts);
		else
			r = io_uring_submit_and_wait(&c->ring, 1);
		c->unsubmitted = 0;
		if (pk_reap(c) || atomic_load(&w->done))
			continue;
		if (r == -ETIME)
			return -ETIME;
		/*
		 * A wait cut short by a signal returns -EINTR, or the number
		 * submitted when the same enter also submitted: then no CQE
		 * is there either.
		 */
		if (r == -EINTR || r >= 0)
			return -EINTR;
	}
	return 0;
}

static int wait_on(struct pk_core *c, struct pk_waiter *w)
{
	return wait_for(c, w, -1);
}

/*
 * Waits for @op, an operation on a descriptor. Returns 0, -EINTR (a
 * signal), or -EAGAIN when the descriptor turned out to be O_NONBLOCK
 * and the operation was cancelled before it did anything.
 */
static int wait_op(struct pk_core *c, struct pk_op *op)
{
	struct io_uring_sqe *sqe;
	int r;

	if (!c->thread || op->fd < 0)
		return wait_on(c, &op->w);
	r = wait_for(c, &op->w, STALE_CHECK_MS);
	if (r != -ETIME)
		return r;
	if (!(pk_fd_learn(op->fd) & PK_FD_NONBLOCK))
		return wait_on(c, &op->w);
	sqe = pk_sqe(c);
	io_uring_prep_cancel(sqe, op, 0);
	io_uring_sqe_set_data(sqe, NULL);
	while (wait_on(c, &op->w) == -EINTR)
		;
	if (op->res == -ECANCELED)
		return -EAGAIN;
	return 0;
}

int pk_op_wait(struct pk_core *c, struct pk_op *op)
{
	return wait_on(c, &op->w);
}

/* True when every installed signal handler asks for SA_RESTART. */
static bool restart_after_signal(void)
{
	struct sigaction sa;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa))
			continue;
		if (sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN &&
		    !(sa.sa_flags & SA_RESTART))
			return false;
	}
	return true;
}

/*
 * Waits for @op and returns its result. @restartable: the POSIX call is one
 * that SA_RESTART restarts (read, write, accept...; not poll or sleep).
 * An operation cancelled by pk_close() reports -EBADF.
 */
int pk_op_run(struct pk_core *c, struct pk_op *op, bool restartable)
{
	struct io_uring_sqe *sqe;

	op->restartable = restartable;
	for (;;) {
		int r;

		op->waiting = true;
		r = wait_op(c, op);
		op->waiting = false;
		if (r == -EAGAIN || (op->stale && op->res == -ECANCELED))
			return -EAGAIN;
		if (op->interrupted && op->res == -ECANCELED)
			return -EINTR;
		if (!r)
			return op->res == -ECANCELED && op->fd >= 0 ? -EBADF : op->res;
		if (restartable && restart_after_signal())
			continue;
		sqe = pk_sqe(c);
		io_uring_prep_cancel(sqe, op, 0);
		io_uring_sqe_set_data(sqe, NULL);
		while (wait_on(c, &op->w) == -EINTR)
			;
		return op->res == -ECANCELED ? -EINTR : op->res;
	}
}

/* An SQE whose completion will land in @op, counted against @fd for pk_close. */
struct io_uring_sqe *pk_op_sqe(struct pk_core *c, struct pk_op *op, int fd)
{
	struct io_uring_sqe *sqe = pk_sqe(c);

	op->w.f = c->cur;
	op->fd = fd;
	op->checked = op->stale = op->waiting = op->interrupted = false;
	if (op->w.f)
		pending_add(c, op);
	if (fd >= 0 && fd < pk_rt.fd_max) {
		uint64_t bit = PK_RING_BIT(c);

		atomic_fetch_add(&pk_rt.fd_inflight[fd], 1);
		if (fd > atomic_load_explicit(&pk_rt.fd_top, memory_order_relaxed))
			atomic_store(&pk_rt.fd_top, fd);	/* a race only lowers it: fork's sweep goes higher */
		/* Read first: the bit is usually set already, and a load does not bounce the line. */
		if (!(atomic_load_explicit(&pk_rt.fd_rings[fd], memory_order_relaxed) & bit))
			atomic_fetch_or(&pk_rt.fd_rings[fd], bit);
	}
	io_uring_sqe_set_data(sqe, op);
	return sqe;
}

/* --- Native API ------------------------------------------------------------- */

struct io_uring_sqe *pk_req_sqe(struct pk_req *r)
{
	struct pk_core *c = pk_core_get();
	struct io_uring_sqe *sqe;

	if (!c)
		return NULL;
	sqe = pk_sqe(c);
	r->done = 0;
	r->res = 0;
	r->priv[0] = NULL;
	r->priv[2] = NULL;
	sqe->user_data = (uint64_t)(uintptr_t)r | PK_TAG_REQ;
	return sqe;
}

int pk_req_wait(struct pk_req **reqs, unsigned n, unsigned min)
{
	struct pk_core *c = pk_core_get();
	struct req_group g = { .min = min };
	int r = 0;

	if (!c)
		return -errno;
	if (min > n)
		min = g.min = n;
	g.w.f = c->cur;
	for (unsigned i = 0; i < n; i++) {
		if (reqs[i]->done)
			g.ndone++;
		else
			reqs[i]->priv[0] = &g;
	}
	if (g.ndone < min && !c->thread) {
		/* A fiber: findable by pk_interrupt_parked while it waits. */
		g.next = c->parked_reqs;
		if (g.next)
			g.next->prev = &g;
		c->parked_reqs = &g;
		r = wait_on(c, &g.w);
		if (g.prev)
			g.prev->next = g.next;
		else
			c->parked_reqs = g.next;
		if (g.next)
			g.next->prev = g.prev;
		if (g.interrupted && g.ndone < min)
			r = -EINTR;
	} else if (g.ndone < min) {
		r = wait_on(c, &g.w);
	} else if (c->unsubmitted && !c->thread) {
		/* Nothing to wait for, but what was queued should still leave. */
		pk_submit(c);
	} else if (c->thread) {
		io_uring_submit(&c->ring);
		c->unsubmitted = 0;
		pk_reap(c);
	}
	for (unsigned i = 0; i < n; i++)
		reqs[i]->priv[0] = NULL;
	if (r < 0)
		return r;
	return (int)g.ndone;
}
