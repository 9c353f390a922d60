/*
 * Per-core instances: configuration, scheduler threads and their loop,
 * cross-core messages, and the lazy rings of ordinary threads.
 *
 * Each core is one thread pinned to one CPU with its own io_uring. Its loop
 * runs the ready fibers, then makes one io_uring_enter that both submits
 * everything the fibers queued and waits for a completion (none at all under
 * SQPOLL while the kernel thread is awake and a completion is already there),
 * then dispatches the CQEs.
 *
 * Cores talk only by IORING_OP_MSG_RING: waking a fiber parked on another
 * core, or handing it a new fiber (pk_spawn_on), posts a CQE on the target's
 * ring whose user_data is the tagged pointer (pk_int.h). The sender's own CQE
 * is skipped on success (IOSQE_CQE_SKIP_SUCCESS); on failure (target CQ
 * full) it comes back with the same tagged pointer and a negative result, and
 * the message is sent again: no message is ever dropped.
 *
 * With SQPOLL, all rings share one kernel polling thread (IORING_SETUP_ATTACH_WQ
 * on the first ring's fd), pinned away from the scheduler threads when there is
 * a CPU to spare: on a 2-CPU machine a polling thread sharing a CPU with a
 * scheduler pushed round trips to milliseconds.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pk_int.h"

struct pk_rt pk_rt;
__thread struct pk_core *pk_tls_core;
__thread bool pk_tls_own_work;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t thread_ring_key;
static pthread_once_t thread_ring_once = PTHREAD_ONCE_INIT;

static long futex(_Atomic int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

void pk_config_init(struct pk_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cores = 1;
	cfg->sqpoll_cpu = -1;
	cfg->sqpoll_idle_ms = 50;
	cfg->ring_entries = 256;
	cfg->wait_batch = 1;
	cfg->min_wait_us = 50;
	cfg->stack_size = 256 * 1024;
}

static void env_int(const char *name, long *v)
{
	const char *s = getenv(name);
	char *end;
	long x;

	if (!s || !*s)
		return;
	x = strtol(s, &end, 0);
	if (*end)
		fprintf(stderr, "libpk: ignoring %s='%s': not a number\n", name, s);
	else
		*v = x;
}

static void config_from_env(struct pk_config *cfg)
{
	long v;

	v = cfg->cores, env_int("PK_CORES", &v), cfg->cores = (int)v;
	v = cfg->sqpoll, env_int("PK_SQPOLL", &v), cfg->sqpoll = (int)v;
	v = cfg->sqpoll_cpu, env_int("PK_SQPOLL_CPU", &v), cfg->sqpoll_cpu = (int)v;
	v = cfg->ring_entries, env_int("PK_RING_ENTRIES", &v), cfg->ring_entries = (unsigned)v;
	v = (long)cfg->stack_size, env_int("PK_STACK_SIZE", &v), cfg->stack_size = (size_t)v;
	v = cfg->wait_batch, env_int("PK_WAIT_BATCH", &v), cfg->wait_batch = (unsigned)v;
	v = cfg->min_wait_us, env_int("PK_MIN_WAIT_US", &v), cfg->min_wait_us = (unsigned)v;
	v = cfg->spread, env_int("PK_SPREAD", &v), cfg->spread = (int)v;
}

/* --- Rings ------------------------------------------------------------------- */

static int ring_init(struct pk_core *c, unsigned entries, unsigned flags, int sq_cpu,
		     unsigned idle_ms, int wq_fd)
{
	struct io_uring_params p;
	int r;

	memset(&p, 0, sizeof(p));
	p.flags = flags | IORING_SETUP_CQSIZE;
	p.cq_entries = entries * 16;
	if (flags & IORING_SETUP_SQPOLL) {
		p.sq_thread_idle = idle_ms;
		if (sq_cpu >= 0) {
			p.flags |= IORING_SETUP_SQ_AFF;
			p.sq_thread_cpu = (unsigned)sq_cpu;
		}
		if (wq_fd >= 0) {
			p.flags |= IORING_SETUP_ATTACH_WQ;
			p.wq_fd = (unsigned)wq_fd;
		}
	}
	r = io_uring_queue_init_params(entries, &c->ring, &p);
	if (r == 0)
		c->ring.ring_fd = c->ring.enter_ring_fd = pk_fd_high(c->ring.ring_fd);
	if (r == -EINVAL && (flags & IORING_SETUP_DEFER_TASKRUN))
		return ring_init(c, entries, (flags & ~(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
							IORING_SETUP_R_DISABLED)) | IORING_SETUP_COOP_TASKRUN,
				 sq_cpu, idle_ms, wq_fd);
	if (r == -EINVAL && (flags & IORING_SETUP_COOP_TASKRUN))
		return ring_init(c, entries, flags & ~(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG),
				 sq_cpu, idle_ms, wq_fd);
	return r;
}

/* Unmaps @c's ring and closes its descriptor. */
static void ring_exit(struct pk_core *c)
{
	pk_fd_own(c->ring.ring_fd, false);
	io_uring_queue_exit(&c->ring);
}

/*
 * The rings of ordinary threads, so that pk_close() can reach them. Held
 * while a ring is cancelled into, so the ring cannot go meanwhile.
 */
static pthread_mutex_t thread_rings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pk_core *thread_rings;

static void thread_ring_free(void *p)
{
	struct pk_core *c = p, **pp;

	pthread_mutex_lock(&thread_rings_lock);
	for (pp = &thread_rings; *pp; pp = &(*pp)->next_thread)
		if (*pp == c) {
			*pp = c->next_thread;
			break;
		}
	pthread_mutex_unlock(&thread_rings_lock);
	/* liburing closes the ring through libc, which may be a shim's close: see atfork_child. */
	if (pk_tls_core == c)
		pk_tls_core = NULL;
	pk_tls_own_work = true;
	ring_exit(c);
	pk_tls_own_work = false;
	free(c);
}

static void atfork_prepare(void), atfork_parent(void), atfork_child(void);
static void cores_forked(struct pk_core *self);

static void thread_ring_key_init(void)
{
	const char *s = getenv("PK_ROUTE");

	pthread_key_create(&thread_ring_key, thread_ring_free);
	pk_fd_table_init();
	pk_rt.route_all = s && !strcmp(s, "ring");
	s = getenv("PK_SQPOLL");
	pk_rt.thread_sqpoll = s && !strcmp(s, "1");
	s = getenv("PK_SPIN_US");
	pk_rt.spin_us = s && *s ? (unsigned)strtoul(s, NULL, 10) : 100;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* --- SQPOLL rings for ordinary threads -------------------------------------- */

/*
 * SQPOLL threads busy-poll, and the kernel will not let two processes
 * share one (it refuses IORING_SETUP_ATTACH_WQ across thread groups). With
 * more polling threads than spare CPUs every hand-off waits for a time
 * slice: cat | cat under PK_SQPOLL=1 took 5 s instead of 0.14 s on 2 CPUs.
 * So a process polls only while it holds one of CPUs - 1 slots, a lock on
 * /dev/shm/parakit-sqpoll-<uid>.<n> (PK_SQPOLL_SLOTS=N sets the number,
 * 0 for no limit; PK_SQPOLL_SLOT_DIR another directory, for programs that
 * share CPUs only among themselves), and its threads keep no ring otherwise. The lock lives
 * as long as the process; a child of fork() looks for a slot of its own.
 */
static pthread_mutex_t sqpoll_lock = PTHREAD_MUTEX_INITIALIZER;
static int sqpoll_wq = -1;	/* the process's first SQPOLL ring */
static int sqpoll_slot = -1;	/* the slot lock held, or -1 */
static int sqpoll_none;		/* no slot was free */

static bool sqpoll_slot_take(void)
{
	const char *s = getenv("PK_SQPOLL_SLOTS"), *dir = getenv("PK_SQPOLL_SLOT_DIR");
	char path[4096];
	cpu_set_t set;
	int slots, fd;

	if (sqpoll_slot >= 0)
		return true;
	if (s && *s)
		slots = atoi(s);
	else
		slots = sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) < 2 ? 1 : CPU_COUNT(&set) - 1;
	if (slots <= 0)
		return true;
	for (int n = 0; n < slots; n++) {
		snprintf(path, sizeof(path), "%s/parakit-sqpoll-%u.%d", dir && *dir ? dir : "/dev/shm",
			 (unsigned)getuid(), n);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return true;	/* nowhere to count: do not limit */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			sqpoll_slot = pk_fd_high(fd);	/* the lock is the open file's: it moves along */
			return true;
		}
		close(fd);
	}
	return false;
}

/*
 * Makes @c an SQPOLL ring attached to the process's first, if a slot is
 * free. The polling thread gets the last CPU the process may use and the
 * calling thread the others: sharing a CPU with it made a 1 GB cat 30
 * times slower on 2 CPUs (the scheduler cores keep off it likewise).
 * Returns 0, or -errno (then @c has no ring).
 */
static int sqpoll_ring_init(struct pk_core *c)
{
	const char *s = getenv("PK_SQPOLL_CPU");
	int r = -EBUSY, cpu = -1;
	cpu_set_t set;

	pthread_mutex_lock(&sqpoll_lock);
	/* The scheduler cores' polling thread, when they have one, serves us too. */
	if (sqpoll_wq < 0 && pk_rt.started && (pk_rt.cores[0]->ring.flags & IORING_SETUP_SQPOLL))
		sqpoll_wq = pk_rt.cores[0]->ring.ring_fd;
	if (sqpoll_wq < 0 && (sqpoll_none || !sqpoll_slot_take())) {
		sqpoll_none = 1;
		goto out;
	}
	if (sqpoll_wq >= 0) {
		/* Attached: the polling thread is placed already. */
	} else if (s && *s) {
		cpu = atoi(s);
	} else if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 1) {
		for (cpu = CPU_SETSIZE - 1; cpu >= 0 && !CPU_ISSET(cpu, &set); cpu--)
			;
		CPU_CLR(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	r = ring_init(c, 64, IORING_SETUP_SQPOLL, cpu, 50, sqpoll_wq);
	if (r == 0 && sqpoll_wq < 0)
		sqpoll_wq = c->ring.ring_fd;
out:
	pthread_mutex_unlock(&sqpoll_lock);
	return r;
}

/*
 * The calling thread's ring, made now if it has none (freed when the
 * thread exits): an SQPOLL one under PK_SQPOLL=1 when a slot is free, else
 * a plain one, or none when @polling_only. NULL with errno set when
 * io_uring is unavailable.
 */
static struct pk_core *thread_ring_get(bool polling_only)
{
	struct pk_core *c = pk_tls_core;
	int r = -EBUSY;

	if (c)
		return c;
	pthread_once(&thread_ring_once, thread_ring_key_init);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->thread = true;
	c->id = -1;
	c->sig_efd = -1;
	if (pk_rt.thread_sqpoll)
		r = sqpoll_ring_init(c);
	if (r < 0 && !polling_only)
		r = ring_init(c, 64, IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, -1, 0, -1);
	if (r < 0) {
		free(c);
		errno = -r;
		return NULL;
	}
	pthread_setspecific(thread_ring_key, c);
	pthread_mutex_lock(&thread_rings_lock);
	c->next_thread = thread_rings;
	thread_rings = c;
	pthread_mutex_unlock(&thread_rings_lock);
	pk_tls_core = c;
	return c;
}

/* The caller's core, or its thread's ring (made if needed). */
struct pk_core *pk_core_get(void)
{
	return thread_ring_get(false);
}

/*
 * The ring an ordinary POSIX call of the caller goes through, or NULL when
 * it goes to the kernel as it is (pk.h): a fiber's core always; an
 * ordinary thread's ring when it polls (PK_SQPOLL=1 and a slot was free)
 * or PK_ROUTE=ring; and the kernel when io_uring is unavailable here
 * (seccomp, an old kernel). errno is left as it was.
 */
struct pk_core *pk_route(void)
{
	struct pk_core *c = pk_tls_core;
	int err;

	if (pk_tls_own_work)
		return NULL;
	if (c && !c->thread)
		return c;
	if (!c) {
		pthread_once(&thread_ring_once, thread_ring_key_init);
		if (!pk_rt.route_all && (!pk_rt.thread_sqpoll || (sqpoll_none && sqpoll_wq < 0)))
			return NULL;
		err = errno;
		c = thread_ring_get(!pk_rt.route_all);
		errno = err;
		if (!c)
			return NULL;
	}
	if (pk_rt.route_all)
		return c;
	if (!(c->ring.flags & IORING_SETUP_SQPOLL))
		return NULL;
	/*
	 * A poller that went to sleep (sq_thread_idle without work) costs an
	 * io_uring_enter to wake, and then polls a CPU for its idle time: for
	 * the odd call (redis reads /proc/self/stat ten times a second: half a
	 * CPU under PK_SQPOLL=1) the kernel's call is cheaper. Calls that come
	 * thick and fast wake it: 4 within 2 ms of the first.
	 */
	if (IO_URING_READ_ONCE(*c->ring.sq.kflags) & IORING_SQ_NEED_WAKEUP) {
		struct timespec ts;
		int64_t now;

		clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
		now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		if (!c->asleep_calls || now - c->asleep_since_ms > 2) {
			c->asleep_calls = 0;
			c->asleep_since_ms = now;
		}
		if (++c->asleep_calls < 4)
			return NULL;
		c->asleep_calls = 0;
	}
	return c;
}

/*
 * fork(): the child has the parent's rings mapped shared and their
 * descriptors, but none of its threads. It lets them all go (the parent
 * keeps its own) and makes rings again at its first call, with its own
 * SQPOLL slot and polling thread. The locks are held across fork so that
 * the child does not inherit one taken by a thread it does not have. The
 * scheduler cores start again in the child (cores_forked).
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&sqpoll_lock);
	pthread_mutex_lock(&thread_rings_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&thread_rings_lock);
	pthread_mutex_unlock(&sqpoll_lock);
}

static void atfork_child(void)
{
	struct pk_core *c, *next, *rings = thread_rings;

	/*
	 * What the child lets go is closed through libc (liburing's close),
	 * and under a shim libc's close is the shim's, which calls pk_close:
	 * meanwhile every libpk call goes to the kernel and waits for no lock.
	 */
	pk_tls_own_work = true;
	pk_fd_table_forked();
	thread_rings = NULL;
	if (pk_tls_core && pk_tls_core->thread) {
		pthread_setspecific(thread_ring_key, NULL);
		pk_tls_core = NULL;
	}
	for (c = rings; c; c = next) {
		next = c->next_thread;
		ring_exit(c);
		free(c);
	}
	sqpoll_wq = -1;
	sqpoll_none = 0;
	if (sqpoll_slot >= 0) {
		/* The lock is on the parent's open file: closing our copy keeps it the parent's. */
		pk_fd_own(sqpoll_slot, false);
		close(sqpoll_slot);
		sqpoll_slot = -1;
	}
	if (pk_rt.started)
		cores_forked(pk_tls_core && !pk_tls_core->thread ? pk_tls_core : NULL);
	pk_tls_own_work = false;
	atfork_parent();
}

static void sync_cancel_fd(struct pk_core *c, int fd)
{
	struct io_uring_sync_cancel_reg reg;

	memset(&reg, 0, sizeof(reg));
	reg.fd = fd;
	reg.flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
	reg.timeout.tv_sec = -1;
	reg.timeout.tv_nsec = -1;
	/* -ENOENT: nothing left on that ring; -EINTR: a signal, as close(2) would not care. */
	io_uring_register_sync_cancel(&c->ring, &reg);
}

/* A request to core @to to cancel its operations on @fd; lives on the closer's stack. */
struct pk_cancel {
	struct pk_waiter w;
	struct pk_core *to;
	int fd;
};

/*
 * Cancels the operations on @fd in flight on the rings of @rings (a
 * PK_RING_BIT() mask) other than @self's, and returns once they can no
 * longer reach the descriptor. io_uring's ASYNC_CANCEL finds only its own
 * ring's requests, and only those submitted: a fiber parked in pk_read on
 * another core may have its SQE still queued in that core's SQ, to leave
 * with the core's next io_uring_enter, and a cancel from outside would miss
 * it and let it meet a closed or reused descriptor. So a scheduler core is
 * asked by a message (PK_TAG_CANCEL) to cancel on its own ring: it reaps the
 * message after submitting everything its fibers had queued, queues an
 * ASYNC_CANCEL behind them, and wakes us when it completes. One round trip
 * per core, paid only by a close that races operations of other cores.
 *
 * A thread ring cannot be asked (its owner listens only during its own
 * calls), but needs no asking: its operation is submitted in the same
 * call that prepared it, before the thread blocks, so a thread parked in
 * pk_read has its request in the kernel, where IORING_REGISTER_SYNC_CANCEL
 * on its ring finds it. A call that has not got that far is as racy as a
 * read(2) that has not yet looked up its descriptor when close(2) runs.
 * The cancelled operations complete on their own rings with -ECANCELED,
 * which their callers report as EBADF.
 */
void pk_cancel_fd_rings(struct pk_core *self, int fd, uint64_t rings)
{
	for (int i = 0; i < pk_rt.ncores; i++) {
		struct pk_core *c = pk_rt.cores[i];
		struct pk_cancel cn = { .w.f = pk_self(), .to = c, .fd = fd };

		if (c && c != self && (rings & PK_RING_BIT(c)) && !pk_msg_send(c, &cn, PK_TAG_CANCEL))
			pk_wait(&cn.w);
	}
	if (!(rings >> 63))
		return;
	pthread_mutex_lock(&thread_rings_lock);
	for (struct pk_core *c = thread_rings; c; c = c->next_thread)
		if (c != self)
			sync_cancel_fd(c, fd);
	pthread_mutex_unlock(&thread_rings_lock);
}

/* An SQE of @c's ring, submitting what is queued if the ring is full. Never NULL. */
struct io_uring_sqe *pk_sqe(struct pk_core *c)
{
	struct io_uring_sqe *sqe;

	while (!(sqe = io_uring_get_sqe(&c->ring))) {
		io_uring_submit(&c->ring);
		c->unsubmitted = 0;
	}
	c->unsubmitted++;
	return sqe;
}

void pk_submit(struct pk_core *c)
{
	if (c->unsubmitted) {
		io_uring_submit(&c->ring);
		c->unsubmitted = 0;
	}
}

static void msg_prep(struct pk_core *from, struct pk_core *to, uint64_t data, struct pk_op *op)
{
	struct io_uring_sqe *sqe = pk_sqe(from);

	io_uring_prep_msg_ring(sqe, to->ring.ring_fd, 0, data, 0);
	if (op) {
		io_uring_sqe_set_data(sqe, op);
	} else {
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
		sqe->user_data = data;
	}
}

/*
 * Posts (@ptr | @tag) on core @to's ring. From a scheduler thread the message
 * leaves with the next submit; from an ordinary thread it is submitted and
 * its result awaited here. Returns 0 or -errno.
 */
int pk_msg_send(struct pk_core *to, void *ptr, int tag)
{
	struct pk_core *c = pk_core_get();
	uint64_t data = (uint64_t)(uintptr_t)ptr | (uint64_t)tag;
	struct pk_op op = { .fd = -1 };
	int r;

	if (!c)
		return -errno;
	if (!c->thread) {
		msg_prep(c, to, data, NULL);
		return 0;
	}
	do {
		op.w.done = 0;
		msg_prep(c, to, data, &op);
		while ((r = pk_op_wait(c, &op)) == -EINTR)
			;
		if (op.res == -EOVERFLOW || op.res == -EAGAIN)
			sched_yield();
	} while (op.res == -EOVERFLOW || op.res == -EAGAIN);
	return op.res < 0 ? op.res : 0;
}

/*
 * Wakes @w's owner: sets done, then makes a parked fiber ready (here, or by
 * a message to its core) or wakes a sleeping thread.
 */
void pk_wake(struct pk_waiter *w)
{
	struct pk_fiber *f = w->f;

	if (!f) {
		atomic_store(&w->done, 1);
		futex(&w->done, FUTEX_WAKE_PRIVATE, 1);
	} else if (pk_tls_core == f->core) {
		atomic_store(&w->done, 1);
		pk_fiber_ready(f);
	} else {
		/*
		 * The target core sets done when the message lands, so the
		 * fiber cannot see it early, finish, and leave the message
		 * pointing at a freed waiter.
		 */
		pk_msg_send(f->core, w, PK_TAG_WAKE);
	}
}

/* Waits until pk_wake(@w). @w->f must be pk_self(). */
void pk_wait(struct pk_waiter *w)
{
	if (w->f) {
		while (!atomic_load(&w->done))
			pk_fiber_park();
		return;
	}
	while (!atomic_load(&w->done))
		futex(&w->done, FUTEX_WAIT_PRIVATE, 0);
}

void pk_live_zero(void)
{
	futex(&pk_rt.live, FUTEX_WAKE_PRIVATE, INT_MAX);
}

static void dispatch(struct pk_core *c, struct io_uring_cqe *cqe)
{
	uint64_t u = cqe->user_data;
	void *p = (void *)(uintptr_t)(u & ~(uint64_t)PK_TAG_MASK);
	int tag = (int)(u & PK_TAG_MASK);
	struct pk_fiber *f = p;
	struct pk_waiter *w = p;
	struct pk_cancel *cn = p;
	struct io_uring_sqe *sqe;

	if (!u)
		return;
	if (tag == PK_TAG_OP) {
		pk_op_complete(p, cqe->res, cqe->flags);
		return;
	}
	if (tag == PK_TAG_REQ) {
		pk_req_dispatch(u, cqe->res, cqe->flags);
		return;
	}
	if (tag == PK_TAG_SIGNAL) {
		pk_signal_dispatch(c, cqe->res);
		return;
	}
	if (tag == PK_TAG_CANCELLED) {
		/* -ENOENT (nothing left) and -EALREADY (running, holds its file) are fine too. */
		pk_wake(&cn->w);
		return;
	}
	if (cqe->res < 0) {
		/* Our message bounced (the target's CQ was full): send it again. */
		struct pk_core *to = tag == PK_TAG_STOP ? p : tag == PK_TAG_WAKE ? w->f->core :
				     tag == PK_TAG_CANCEL ? cn->to : f->core;

		msg_prep(c, to, u, NULL);
		return;
	}
	switch (tag) {
	case PK_TAG_WAKE:
		f = w->f;
		atomic_store(&w->done, 1);
		pk_fiber_ready(f);
		break;
	case PK_TAG_ADOPT:
		c->nlive++;
		f->state = PK_F_WAITING;
		pk_fiber_ready(f);
		break;
	case PK_TAG_STOP:
		c->stop = true;
		break;
	case PK_TAG_CANCEL:
		/* Everything our fibers queued before this was submitted: the cancel goes behind it. */
		sqe = pk_sqe(c);
		io_uring_prep_cancel_fd(sqe, cn->fd, IORING_ASYNC_CANCEL_ALL);
		sqe->user_data = (uint64_t)(uintptr_t)cn | PK_TAG_CANCELLED;
		break;
	}
}

/* Dispatches every CQE already posted on @c's ring, without waiting. Returns how many. */
unsigned pk_reap(struct pk_core *c)
{
	struct io_uring_cqe *cqe;
	unsigned head, n, total = 0;

	for (;;) {
		n = 0;
		io_uring_for_each_cqe(&c->ring, head, cqe) {
			dispatch(c, cqe);
			n++;
		}
		if (!n)
			break;
		io_uring_cq_advance(&c->ring, n);
		total += n;
	}
	return total;
}

/* io_uring_enable_rings(), which liburing 2.3 declares but does not export. */
static int ring_enable(struct pk_core *c)
{
	long r = syscall(__NR_io_uring_register, c->ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);

	return r < 0 ? -errno : 0;
}

/*
 * With fibers ready to run, submits what they queued and collects what the
 * kernel holds for us, without waiting: under DEFER_TASKRUN (and
 * COOP_TASKRUN) completions that arrived by task work (a recv whose data
 * came) are only posted when we enter with GETEVENTS, and IORING_SQ_TASKRUN
 * says when there are some. Under SQPOLL the kernel thread does both.
 */
static void submit_nowait(struct pk_core *c)
{
	if (c->ring.flags & IORING_SETUP_SQPOLL) {
		pk_submit(c);
	} else if (c->unsubmitted || IO_URING_READ_ONCE(*c->ring.sq.kflags) & IORING_SQ_TASKRUN) {
		io_uring_submit_and_get_events(&c->ring);
		c->unsubmitted = 0;
	}
}

#define PK_FEAT_MIN_TIMEOUT (1U << 15)	/* IORING_FEAT_MIN_TIMEOUT, Linux 6.12, not in liburing 2.3 */

/*
 * Completion coalescing (pk_config.wait_batch): submits what the fibers
 * queued and waits for up to @batch completions, but once min_wait_us have
 * passed any one will do (the kernel's min_wait_usec, which liburing 2.3
 * cannot pass: it is the getevents argument's "pad", and the SQ ring is
 * flushed here as io_uring_submit would). The hour-long timeout is what
 * makes the kernel, past min_wait_usec with nothing in, wait for the first
 * completion instead of returning empty; @ms >= 0 (a fiber's wait to look
 * at again, io.c) shortens it.
 */
static void submit_and_wait_batch(struct pk_core *c, unsigned batch, int ms)
{
	struct io_uring *r = &c->ring;
	struct __kernel_timespec hour = { .tv_sec = ms >= 0 ? ms / 1000 : 3600,
					  .tv_nsec = ms >= 0 ? (ms % 1000) * 1000000LL : 0 };
	struct io_uring_getevents_arg arg = {
		.sigmask_sz = _NSIG / 8, .pad = pk_rt.cfg.min_wait_us, .ts = (uint64_t)(uintptr_t)&hour,
	};
	unsigned submit = r->sq.sqe_tail - r->sq.sqe_head;

	if (submit) {
		io_uring_smp_store_release(r->sq.ktail, r->sq.sqe_tail);
		r->sq.sqe_head = r->sq.sqe_tail;
	}
	syscall(__NR_io_uring_enter, r->ring_fd, submit, batch,
		IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
}

/* How many completions an idle core waits for: 1, or a batch (above). */
static unsigned wait_nr(const struct pk_core *c)
{
	unsigned batch = pk_rt.cfg.wait_batch;

	if (batch <= 1 || !pk_rt.cfg.min_wait_us || !(c->ring.features & PK_FEAT_MIN_TIMEOUT) ||
	    (c->ring.flags & IORING_SETUP_SQPOLL))
		return 1;
	return batch < c->nlive ? batch : c->nlive ? c->nlive : 1;
}

static void *core_main(void *arg)
{
	struct pk_core *c = arg;
	pthread_attr_t attr;
	void *bottom;
	size_t size;
	unsigned batch;
	int r = 0, ms;

	pk_tls_core = c;
	/* A SINGLE_ISSUER ring's issuer is the task that enables it: this one. */
	if (c->ring.flags & IORING_SETUP_R_DISABLED)
		r = ring_enable(c);
	c->stop = r < 0;
	atomic_fetch_add(&pk_rt.nup, 1);
	futex(&pk_rt.nup, FUTEX_WAKE_PRIVATE, INT_MAX);
	if (r < 0)
		return NULL;
	if (!pthread_getattr_np(pthread_self(), &attr)) {
		if (!pthread_attr_getstack(&attr, &bottom, &size)) {
			c->sched_stack_bottom = bottom;
			c->sched_stack_size = size;
		}
		pthread_attr_destroy(&attr);
	}
	pk_guard_install();
	pk_signal_arm(c);
	while (!c->stop) {
		pk_sched_run_ready(c);
		if (pk_rt.orphaned && !atomic_load(&pk_rt.live))
			exit(0);	/* cores_forked(): the child's last fiber ended */
		if (c->runq) {
			submit_nowait(c);
		} else if ((batch = wait_nr(c)) > 1) {
			submit_and_wait_batch(c, batch, pk_stale_wait_ms(c));
			c->unsubmitted = 0;
		} else if ((ms = pk_stale_wait_ms(c)) >= 0) {
			/* A fiber waits: look at its descriptor again if it waits long (io.c). */
			struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000LL };
			struct io_uring_cqe *cqe;

			io_uring_submit_and_wait_timeout(&c->ring, &cqe, 1, &ts, NULL);
			c->unsubmitted = 0;
		} else {
			io_uring_submit_and_wait(&c->ring, 1);
			c->unsubmitted = 0;
		}
		pk_reap(c);
		if (c->unchecked)
			pk_stale_check(c);
	}
	return NULL;
}

/* The CPUs we may run on, in order; returns how many. */
static int usable_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int i = 0; i < CPU_SETSIZE && n < max; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n;
}

/*
 * A core's ring. Only the core's thread submits to and waits on it (other
 * threads reach it by MSG_RING, which needs no issuer), so the kernel may
 * keep completions' task work until we ask for it (DEFER_TASKRUN, which
 * requires SINGLE_ISSUER): no interrupted waits, and the work runs in
 * batches when we enter. The ring starts disabled so that the issuer is
 * the core's thread, which enables it; kernels before 6.1 get
 * COOP_TASKRUN (ring_init).
 */
static int core_ring_init(struct pk_core *c)
{
	const struct pk_config *cfg = &pk_rt.cfg;
	unsigned flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			 IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_R_DISABLED;

	if (cfg->sqpoll)
		flags = IORING_SETUP_SQPOLL;
	return ring_init(c, cfg->ring_entries, flags, cfg->sqpoll ? cfg->sqpoll_cpu : -1, cfg->sqpoll_idle_ms,
			 c->id && cfg->sqpoll ? pk_rt.cores[0]->ring.ring_fd : -1);
}

/* Starts @c's thread on its CPU. Returns 0 or -errno. */
static int core_start(struct pk_core *c)
{
	char name[16];
	cpu_set_t set;
	int r = pthread_create(&c->tid, NULL, core_main, c);

	if (r)
		return -r;
	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	pthread_setaffinity_np(c->tid, sizeof(set), &set);
	/* So ps, top and the benchmarks can tell the cores apart. */
	snprintf(name, sizeof(name), "pk-core%d", c->id);
	pthread_setname_np(c->tid, name);
	return 0;
}

/*
 * fork() from a fiber (a daemon detaching, most often): the child has only
 * the thread that called fork(), as POSIX says, so only the fiber that
 * called it is left, on its core @self; the other fibers are gone as other
 * threads would be (their memory stays: the child may point into it).
 * Every core gets a ring and a signal eventfd of its own (the inherited
 * ones are the parent's: the rings mapped shared), and the other cores a
 * thread again, so that the child spawns and spreads fibers as the parent
 * did. The thread waiting in pk_run() is not in the child either: when the
 * child's last fiber ends, the child exits with status 0, as a process
 * does when its last thread ends. A fork from an ordinary thread (@self
 * NULL) restarts every core, empty.
 */
static void cores_forked(struct pk_core *self)
{
	int nthreads = 0;

	atomic_store(&pk_rt.nup, 0);
	for (int i = 0; i < pk_rt.ncores; i++) {
		struct pk_core *c = pk_rt.cores[i];

		ring_exit(c);
		pk_signal_core_exit(c);
		c->runq = c->runq_tail = NULL;
		c->unchecked = c->unchecked_tail = c->checked = NULL;
		c->parked_reqs = NULL;
		c->intr_waits = NULL;
		c->nlive = c == self;
		c->unsubmitted = 0;
		c->stop = false;
		c->tid = 0;
		atomic_store(&c->sig_bits, 0);
		if (c != self)
			c->cur = NULL;
		if (core_ring_init(c) < 0) {
			c->stop = true;	/* pk_spawn onto it fails: its messages cannot be sent */
			continue;
		}
		pk_signal_core_init(c);
		if (c != self) {
			nthreads += core_start(c) == 0;
		} else {
			c->tid = pthread_self();
			if (c->ring.flags & IORING_SETUP_R_DISABLED)
				c->stop = ring_enable(c) < 0;
			pk_signal_arm(c);
		}
	}
	for (int v; (v = atomic_load(&pk_rt.nup)) < nthreads;)
		futex(&pk_rt.nup, FUTEX_WAIT_PRIVATE, v);
	atomic_store(&pk_rt.live, self != NULL);
	pk_rt.orphaned = self != NULL;
}

int pk_init(const struct pk_config *cfg_in)
{
	struct pk_config cfg;
	int cpus[CPU_SETSIZE], ncpu, r = 0, sq_cpu = -1, next = 0, nthreads = 0;

	pthread_mutex_lock(&init_lock);
	if (pk_rt.started) {
		pthread_mutex_unlock(&init_lock);
		return -EALREADY;
	}
	if (cfg_in)
		cfg = *cfg_in;
	else
		pk_config_init(&cfg);
	config_from_env(&cfg);
	ncpu = usable_cpus(cpus, CPU_SETSIZE);
	if (ncpu <= 0)
		ncpu = 1, cpus[0] = 0;
	if (cfg.cores <= 0)
		cfg.cores = ncpu;
	if (cfg.cores > PK_MAX_CORES)
		cfg.cores = PK_MAX_CORES;
	if (!cfg.ring_entries)
		cfg.ring_entries = 256;
	if (cfg.stack_size < 16384)
		cfg.stack_size = 16384;
	cfg.stack_size = (cfg.stack_size + 4095) & ~(size_t)4095;
	if (cfg.sqpoll) {
		sq_cpu = cfg.sqpoll_cpu >= 0 ? cfg.sqpoll_cpu : cpus[ncpu - 1];
		cfg.sqpoll_cpu = sq_cpu;
	}
	pk_rt.cfg = cfg;
	pthread_once(&thread_ring_once, thread_ring_key_init);

	for (int i = 0; i < cfg.cores; i++) {
		struct pk_core *c = calloc(1, sizeof(*c));

		if (!c) {
			r = -ENOMEM;
			break;
		}
		c->id = i;
		c->sig_efd = -1;
		/* Keep the scheduler threads off the SQPOLL CPU while others remain. */
		if (cfg.sqpoll && ncpu > 1 && cpus[next % ncpu] == sq_cpu && cfg.cores < ncpu)
			next++;
		c->cpu = cpus[next++ % ncpu];
		r = core_ring_init(c);
		if (r < 0) {
			free(c);
			break;
		}
		pk_signal_core_init(c);	/* without it, signals only miss their EINTR */
		pk_rt.cores[i] = c;
		pk_rt.ncores = i + 1;
	}
	for (int i = 0; r >= 0 && i < pk_rt.ncores; i++) {
		r = core_start(pk_rt.cores[i]);
		nthreads += r == 0;
	}
	/* Rings are enabled by their threads; a message sent to a disabled ring fails. */
	for (int v; (v = atomic_load(&pk_rt.nup)) < nthreads;)
		futex(&pk_rt.nup, FUTEX_WAIT_PRIVATE, v);
	for (int i = 0; r >= 0 && i < pk_rt.ncores; i++)
		if (pk_rt.cores[i]->stop)
			r = -EINVAL;
	if (r >= 0)
		pk_rt.started = 1;
	pthread_mutex_unlock(&init_lock);
	if (r < 0)
		pk_shutdown();
	return r < 0 ? r : 0;
}

int pk_ncores(void)
{
	return pk_rt.ncores;
}

int pk_core_id(void)
{
	return pk_tls_core && !pk_tls_core->thread ? pk_tls_core->id : -1;
}

int pk_spawn_attr_on(int core, pk_fiber_t *fp, const pk_attr_t *attr, void *(*fn)(void *), void *arg)
{
	struct pk_core *self = pk_tls_core, *to;
	struct pk_fiber *f;
	int r;

	if (!pk_rt.started && (r = pk_init(NULL)) < 0 && r != -EALREADY)
		return r;
	if (core < 0 || core >= pk_rt.ncores)
		return -EINVAL;
	to = pk_rt.cores[core];
	f = pk_fiber_alloc(self, attr, fn, arg);
	if (!f)
		return -errno;
	f->core = to;
	atomic_fetch_add(&pk_rt.live, 1);
	if (fp)
		*fp = f;
	if (self == to) {
		to->nlive++;
		f->state = PK_F_WAITING;
		pk_fiber_ready(f);
		return 0;
	}
	/* @f may run, exit and be freed before this returns: @fp is already set. */
	r = pk_msg_send(to, f, PK_TAG_ADOPT);
	if (r < 0) {
		atomic_fetch_sub(&pk_rt.live, 1);
		pk_stack_release(NULL, f->stack, f->map_size);
		free(f);
	}
	return r;
}

int pk_spawn_on(int core, pk_fiber_t *f, void *(*fn)(void *), void *arg)
{
	return pk_spawn_attr_on(core, f, NULL, fn, arg);
}

/*
 * The core a new fiber goes to: the caller's, or with pk_config.spread each
 * core in turn (the callers of all cores share one counter).
 */
int pk_spawn_core(void)
{
	static _Atomic unsigned next;
	struct pk_core *c = pk_tls_core;

	if (pk_rt.cfg.spread && pk_rt.ncores > 1)
		return (int)(atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) % (unsigned)pk_rt.ncores);
	return c && !c->thread ? c->id : 0;
}

int pk_spawn(pk_fiber_t *f, void *(*fn)(void *), void *arg)
{
	return pk_spawn_on(pk_spawn_core(), f, fn, arg);
}

int pk_run(void *(*fn)(void *), void *arg, void **ret)
{
	pk_fiber_t f;
	int r, v;

	if (pk_tls_core && !pk_tls_core->thread)
		return -EDEADLK;
	r = pk_init(NULL);
	if (r < 0 && r != -EALREADY)
		return r;
	r = pk_spawn_on(0, &f, fn, arg);
	if (r < 0)
		return r;
	r = pk_join(f, ret);
	while ((v = atomic_load(&pk_rt.live)) != 0)
		futex(&pk_rt.live, FUTEX_WAIT_PRIVATE, v);
	return r;
}

void pk_shutdown(void)
{
	pthread_mutex_lock(&init_lock);
	for (int i = 0; i < pk_rt.ncores; i++) {
		struct pk_core *c = pk_rt.cores[i];

		/* A core that could not enable its ring has stopped already. */
		if (c->tid && (c->stop || pk_msg_send(c, c, PK_TAG_STOP) == 0))
			pthread_join(c->tid, NULL);
	}
	for (int i = pk_rt.ncores - 1; i >= 0; i--) {
		struct pk_core *c = pk_rt.cores[i];

		ring_exit(c);
		pk_signal_core_exit(c);
		while (c->stack_cache) {
			struct pk_stack *s = c->stack_cache;

			c->stack_cache = s->next;
			munmap((char *)s + sizeof(*s) - (pk_rt.cfg.stack_size + 4096),
			       pk_rt.cfg.stack_size + 4096);
		}
		free(c);
		pk_rt.cores[i] = NULL;
	}
	pk_rt.ncores = 0;
	pk_rt.nup = 0;
	pk_rt.started = 0;
	pthread_mutex_unlock(&init_lock);
}
