/*
 * libpk internals shared by the runtime's files; not installed.
 *
 * A struct pk_core is one io_uring and what runs on it: either a scheduler
 * thread with its fibers, or the lazily created ring of an ordinary thread
 * (thread == 1) that waits for its own completions synchronously.
 *
 * CQE user_data carries a pointer whose low 3 bits say what it is (every
 * target is 8-byte aligned): a struct pk_op to complete, a fiber to wake or
 * to adopt (cross-core spawn), or a stop request. 0 is ignored.
 */
#ifndef PK_INT_H
#define PK_INT_H

#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "pk.h"

#define PK_HIDDEN __attribute__((visibility("hidden")))

enum {
	PK_TAG_OP = 0,		/* struct pk_op * */
	PK_TAG_WAKE = 1,	/* struct pk_waiter *: set done, make its fiber ready */
	PK_TAG_ADOPT = 2,	/* struct pk_fiber *: new fiber for this core */
	PK_TAG_STOP = 3,	/* struct pk_core *: leave the loop */
	PK_TAG_REQ = 4,		/* struct pk_req *: native API completion */
	PK_TAG_CANCEL = 5,	/* struct pk_cancel * (sched.c): cancel its fd's operations here */
	PK_TAG_CANCELLED = 6,	/* struct pk_cancel *: that cancel completed, wake its waiter */
	PK_TAG_SIGNAL = 7,	/* struct pk_core *: a handler ran (signal.c): interrupt its fibers */
	PK_TAG_MASK = 7,
};

/* Who waits: a fiber (parks) or a thread (futex on done). */
struct pk_waiter {
	struct pk_fiber *f;
	_Atomic int done;
	struct pk_waiter *next;	/* for wait queues */
	void *val;		/* channel hand-off */
	int res;		/* channel: 0, or -EPIPE when closed while waiting */
};

/* A fiber parked where a signal handler ends the wait (sem_wait: EINTR). */
struct pk_intr {
	struct pk_fiber *f;
	bool interrupted;		/* pk_interrupt_parked: a handler ran */
	struct pk_intr *prev, *next;	/* in its core's intr_waits */
};

struct pk_op {
	struct pk_waiter w;
	int res;
	unsigned cflags;
	int fd;			/* >= 0: counted in the fd's in-flight table */
	struct pk_req *req;	/* native API: completes this instead */
	unsigned *group;	/* native API: done counter */
	/* A fiber's operation, while in flight (io.c: stale checks, signal.c: interrupts) */
	struct pk_op *prev, *next;	/* in its core's unchecked or checked list */
	int64_t since_ms;		/* when it was prepared (CLOCK_MONOTONIC_COARSE) */
	bool checked;			/* its descriptor was looked at again */
	bool stale;			/* ... and found O_NONBLOCK: cancelled, EAGAIN */
	bool restartable;		/* SA_RESTART restarts the call (pk_op_run) */
	bool waiting;			/* its fiber is parked in pk_op_run: a signal may interrupt it */
	bool interrupted;		/* cancelled by a signal: EINTR */
};

enum { PK_F_READY, PK_F_RUNNING, PK_F_WAITING, PK_F_DONE };

struct pk_fiber {
	void *sp;			/* saved stack pointer while switched out */
	struct pk_fiber *next;		/* run queue */
	struct pk_core *core;
	char *stack;			/* mapping base: guard page, then the stack */
	size_t map_size;
	void *(*fn)(void *);
	void *arg;
	void *ret;
	int state;
	int saved_errno;
	_Atomic int jlock;		/* protects joiner/exited/detached */
	struct pk_waiter *joiner;
	int exited, detached;
	void *asan_fake;		/* ASan fake stack of the switched-out context */
	struct pk_keyvals *keys;	/* its values of pk_key_t keys (fiber_key.c), or NULL */
	uint64_t sigmask;		/* pk_sigmask: signals 1..64 that do not interrupt it */
};

struct pk_stack {
	struct pk_stack *next;
};

struct pk_core {
	struct io_uring ring;
	int id;
	int cpu;
	bool thread;			/* lazy ring of an ordinary thread */
	bool stop;
	pthread_t tid;
	struct pk_core *next_thread;	/* the registry of thread rings (sched.c) */
	struct pk_fiber *cur;		/* running fiber, NULL in the scheduler */
	void *sched_sp;			/* the scheduler's saved context */
	void *trash_sp;			/* where an exiting fiber saves its dead context */
	struct pk_fiber *runq, *runq_tail;
	unsigned nlive;			/* fibers owned by this core */
	unsigned unsubmitted;		/* SQEs prepared since the last submit */
	unsigned ticks;
	char *dead_stack;		/* stack of the fiber that just exited */
	size_t dead_size;
	struct pk_stack *stack_cache;
	unsigned nstack_cache;
	const void *sched_stack_bottom;	/* for ASan's fiber annotations */
	size_t sched_stack_size;
	uint64_t nswitch;
	unsigned asleep_calls;		/* a thread's calls while its SQPOLL thread slept (pk_route) */
	int64_t asleep_since_ms;	/* ... since the first of them */
	/* Fibers' operations in flight (io.c: stale checks; signal.c) */
	struct pk_op *unchecked, *unchecked_tail;	/* oldest first */
	struct pk_op *checked;
	void *parked_reqs;		/* fibers parked in pk_req_wait (io.c) */
	struct pk_intr *intr_waits;	/* fibers parked where a signal ends the wait (io.c) */
	/* Signals (signal.c): a handler writes sig_efd, the core reads it */
	int sig_efd;
	uint64_t sig_buf;
	_Atomic uint64_t sig_bits;	/* signals whose handlers ran since the core looked */
};

struct pk_rt {
	int ncores;
	struct pk_config cfg;
	struct pk_core *cores[PK_MAX_CORES];
	_Atomic int live;		/* fibers not yet exited, all cores */
	_Atomic int started;
	_Atomic int nup;		/* scheduler threads past start-up (pk_init waits) */
	/* fd.c: per descriptor number, fd_max of them */
	_Atomic int *fd_inflight;	/* operations in flight */
	_Atomic uint64_t *fd_rings;	/* the rings that had some: PK_RING_BIT() */
	_Atomic unsigned char *fd_facts;/* PK_FD_* */
	int fd_max;
	_Atomic int fd_top;		/* highest number an operation was ever counted on */
	/* Ordinary threads (sched.c, pk.h) */
	int route_all;			/* PK_ROUTE=ring: their calls go through their ring too */
	int thread_sqpoll;		/* PK_SQPOLL=1: their rings poll */
	unsigned spin_us;		/* PK_SPIN_US: how long one spins on a polling ring */
	bool orphaned;			/* a child of fork() from a fiber: no pk_run() waits (sched.c) */
};

/* What fd.c knows of a descriptor (pk_rt.fd_facts). */
enum {
	PK_FD_KNOWN = 1,
	PK_FD_NONBLOCK = 2,	/* O_NONBLOCK and not a regular file: cannot block */
	PK_FD_STREAM = 4,	/* a pipe or a socket: no offsets */
	PK_FD_DIR = 8,
	PK_FD_DRAINED = 16,	/* the last receive took all the socket held (posix.c) */
	PK_FD_OWN = 32,		/* one of libpk's own: a ring, an SQPOLL slot */
	PK_FD_SOCK = 64,	/* a socket: tried without waiting first (posix.c) */
};

PK_HIDDEN extern struct pk_rt pk_rt;
PK_HIDDEN extern __thread struct pk_core *pk_tls_core;
/* Set while libpk works for itself (after fork): its POSIX calls go to the kernel. */
PK_HIDDEN extern __thread bool pk_tls_own_work;

/*
 * switch_<arch>.S: saves the callee-saved registers and the FP control
 * state (MXCSR and the x87 control word; FPCR). pk_ctx_init() makes a stack
 * whose first switch-in calls fn(arg), which must not return.
 */
PK_HIDDEN void pk_ctx_switch(void **save_sp, void *load_sp);
PK_HIDDEN void *pk_ctx_init(void *top, void (*fn)(void *), void *arg);

/* fd.c */
PK_HIDDEN void pk_fd_table_init(void);
PK_HIDDEN unsigned pk_fd_facts(int fd);		/* known, else learnt: 0 for a bad descriptor */
PK_HIDDEN unsigned pk_fd_learn(int fd);		/* learnt again, whatever was known */
PK_HIDDEN unsigned pk_fd_learnt(int fd, int oflags, mode_t type);
PK_HIDDEN void pk_fd_hint(int fd, unsigned bit, bool on);	/* PK_FD_DRAINED, on a known one */
PK_HIDDEN void pk_fd_own(int fd, bool own);
PK_HIDDEN int pk_fd_high(int fd);	/* one of libpk's own, moved up out of the program's way */
PK_HIDDEN void pk_fd_table_forked(void);

/* fiber.c */
PK_HIDDEN void pk_fiber_park(void);
PK_HIDDEN void pk_fiber_ready(struct pk_fiber *f);
PK_HIDDEN void pk_sched_run_ready(struct pk_core *c);
PK_HIDDEN void pk_stack_release(struct pk_core *c, char *stack, size_t size);
PK_HIDDEN struct pk_fiber *pk_fiber_alloc(struct pk_core *c, const pk_attr_t *attr,
					   void *(*fn)(void *), void *arg);
PK_HIDDEN int pk_guard_install(void);

/* fiber_key.c: runs the destructors of *@kv's values and frees it (*@kv = NULL). */
struct pk_keyvals;
PK_HIDDEN void pk_keys_exit(struct pk_keyvals **kv);

/*
 * The bit of @c's ring in pk_rt.fd_rings: one per scheduler core, and the
 * last one shared by every thread ring (and core 63).
 */
#define PK_RING_BIT(c) ((c)->thread || (c)->id >= 63 ? UINT64_C(1) << 63 : UINT64_C(1) << (c)->id)

/* sched.c */
PK_HIDDEN struct pk_core *pk_core_get(void);	/* caller's core or lazy thread ring */
PK_HIDDEN struct pk_core *pk_route(void);	/* the ring for a POSIX call, or NULL: the kernel */
PK_HIDDEN int pk_spawn_core(void);		/* where pk_spawn puts a new fiber */
PK_HIDDEN struct io_uring_sqe *pk_sqe(struct pk_core *c);
PK_HIDDEN int pk_msg_send(struct pk_core *to, void *ptr, int tag);
PK_HIDDEN void pk_wake(struct pk_waiter *w);
PK_HIDDEN void pk_wait(struct pk_waiter *w);
PK_HIDDEN unsigned pk_reap(struct pk_core *c);
PK_HIDDEN void pk_submit(struct pk_core *c);
PK_HIDDEN void pk_fiber_exited(void);
PK_HIDDEN void pk_live_zero(void);
PK_HIDDEN void pk_cancel_fd_rings(struct pk_core *self, int fd, uint64_t rings);
/* pk_spawn_on() with attributes (@attr may be NULL): pk_spawn_attr's work. */
PK_HIDDEN int pk_spawn_attr_on(int core, pk_fiber_t *f, const pk_attr_t *attr, void *(*fn)(void *), void *arg);

/* io.c */
PK_HIDDEN int pk_op_wait(struct pk_core *c, struct pk_op *op);
PK_HIDDEN void pk_op_complete(struct pk_op *op, int res, unsigned flags);
PK_HIDDEN int pk_op_run(struct pk_core *c, struct pk_op *op, bool restartable);
PK_HIDDEN struct io_uring_sqe *pk_op_sqe(struct pk_core *c, struct pk_op *op, int fd);
PK_HIDDEN void pk_req_dispatch(uint64_t u, int res, unsigned flags);
PK_HIDDEN int pk_stale_wait_ms(struct pk_core *c);
PK_HIDDEN void pk_stale_check(struct pk_core *c);
/* Interrupts @c's fibers parked in calls a signal in @bits interrupts (signal.c decides), unless their masks block them all. */
PK_HIDDEN void pk_interrupt_parked(struct pk_core *c, uint64_t bits);
PK_HIDDEN void pk_intr_add(struct pk_core *c, struct pk_intr *in);
PK_HIDDEN void pk_intr_del(struct pk_core *c, struct pk_intr *in);

/* signal.c */
PK_HIDDEN uint64_t pk_sigmask_now(void);	/* the caller's: its fiber's, or its thread's */
PK_HIDDEN int pk_signal_core_init(struct pk_core *c);
PK_HIDDEN void pk_signal_core_exit(struct pk_core *c);
PK_HIDDEN void pk_signal_arm(struct pk_core *c);
PK_HIDDEN void pk_signal_dispatch(struct pk_core *c, int res);
/* True when a handler of a signal in @bits lets a call restart (SA_RESTART) for each of them. */
PK_HIDDEN bool pk_signal_restarts(uint64_t bits);
/*
 * Requests whose caller has returned without them (pk_poll's cancelled
 * polls): each has priv[2] pointing here, and the last completion frees
 * the block this heads. Completions come on the owner's thread: no lock.
 */
struct pk_req_orphans {
	unsigned pending;
};

static inline void pk_cpu_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

static inline void pk_spin_lock(_Atomic int *l)
{
	while (atomic_exchange_explicit(l, 1, memory_order_acquire))
		while (atomic_load_explicit(l, memory_order_relaxed))
			pk_cpu_relax();
}

static inline void pk_spin_unlock(_Atomic int *l)
{
	atomic_store_explicit(l, 0, memory_order_release);
}

#endif
