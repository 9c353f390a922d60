/*
 * libpk: the parakit reference parakernel runtime.
 *
 * One scheduler thread per chosen core, each owning its own io_uring; fibers
 * that park on completions instead of blocking in the kernel; cores that talk
 * by IORING_OP_MSG_RING messages; a POSIX-compatible layer (pk_read...) with
 * POSIX's signatures, return values and errno, usable from a fiber (the fiber
 * parks) and from any ordinary thread (through a lazily created per-thread
 * ring, so the kernel still sees only io_uring_enter).
 *
 * Conventions: the native API (pk_spawn, pk_join, pk_chan_*, pk_mutex_*,
 * pk_req_*, pk_udp_*) returns 0 or a count on success and -errno on failure,
 * as liburing does; the POSIX twins (pk_read, pk_close...) and the
 * semaphores (pk_sem_*, as sem_* do) return -1 and set errno, as POSIX
 * does. A fiber never moves between cores, so errno and thread-locals stay
 * correct across a park.
 */
#ifndef PK_H
#define PK_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default)

#define PK_VERSION "0.1.0"
#define PK_MAX_CORES 64

/* --- Instances ------------------------------------------------------- */

struct pk_config {
	int cores;		/* scheduler threads; 0: one per CPU we may run on */
	int sqpoll;		/* 1: one shared SQPOLL kernel thread for all rings */
	int sqpoll_cpu;		/* its CPU; -1: the last CPU we may run on */
	unsigned sqpoll_idle_ms;/* SQPOLL thread idle timeout (default 50) */
	unsigned ring_entries;	/* SQ entries per core (default 256) */
	size_t stack_size;	/* fiber stack, without the guard page (default 256 KiB) */
	/*
	 * Completion coalescing, for servers with many fibers: an idle core
	 * waits for up to wait_batch completions (at most one per parked
	 * fiber), but no longer than min_wait_us once one has come. Fewer
	 * system calls and less CPU per request under load, for up to
	 * min_wait_us more latency. Default 1 (off); Linux 6.12 or later
	 * (IORING_FEAT_MIN_TIMEOUT), ignored before.
	 */
	unsigned wait_batch;
	unsigned min_wait_us;	/* default 50 */
	/*
	 * Where pk_spawn() and pk_spawn_attr() put a new fiber: 0, on the
	 * caller's core (default: what it shares stays in one cache); 1, on
	 * each core in turn, as the kernel spreads threads over CPUs, for a
	 * program whose threads became fibers (port --level fibers).
	 */
	int spread;
};

/* Fills @cfg with the defaults: 1 core, no SQPOLL, 256 entries, 256 KiB stacks. */
void pk_config_init(struct pk_config *cfg);

/*
 * Starts the scheduler threads, each pinned to its CPU with its own ring.
 * @cfg may be NULL for the defaults. PK_CORES, PK_SQPOLL=1, PK_SQPOLL_CPU,
 * PK_STACK_SIZE, PK_RING_ENTRIES, PK_WAIT_BATCH, PK_MIN_WAIT_US and
 * PK_SPREAD in the environment override @cfg.
 * Returns 0, -EALREADY if already started, or -errno.
 */
int pk_init(const struct pk_config *cfg);

/*
 * Runs @fn(@arg) as a fiber on core 0 and returns once every fiber has
 * finished; *@ret (if not NULL) gets @fn's return value. Calls pk_init(NULL)
 * first if needed. Must not be called from a fiber. Returns 0 or -errno.
 */
int pk_run(void *(*fn)(void *), void *arg, void **ret);

/* Stops the scheduler threads and frees the rings. Fibers still parked are lost. */
void pk_shutdown(void);

/* Number of cores started (0 before pk_init), and the core running the caller (-1 if none). */
int pk_ncores(void);
int pk_core_id(void);

/* --- Fibers ------------------------------------------------------------ */

typedef struct pk_fiber *pk_fiber_t;

/*
 * Creates a fiber running @fn(@arg) on the caller's core (core 0 when the
 * caller is not a fiber). The fiber stays on its core for its whole life.
 * Join it with pk_join() or release it with pk_detach(), like a pthread.
 */
int pk_spawn(pk_fiber_t *f, void *(*fn)(void *), void *arg);
int pk_spawn_on(int core, pk_fiber_t *f, void *(*fn)(void *), void *arg);
/* Waits for @f (from a fiber: parks; from a thread: sleeps) and frees it. */
int pk_join(pk_fiber_t f, void **ret);
int pk_detach(pk_fiber_t f);
/* Lets the other ready fibers of this core run. A no-op outside a fiber. */
void pk_yield(void);
/* The calling fiber, or NULL from an ordinary thread. */
pk_fiber_t pk_self(void);

/*
 * Fiber-aware locks: a contended lock parks the fiber, not the core. Their
 * attributes (lock types, a condition's clock), pk_cond_timedwait and the
 * other locks are below, under "pthread's companions".
 */
struct pk_mutexattr;
struct pk_condattr;
typedef struct pk_mutex {
	int lock;		/* internal spin word */
	int owned;
	void *waiters, *tail;
	void *owner;		/* the fiber (or thread) that holds it */
	unsigned count;		/* PK_MUTEX_RECURSIVE: how many times it holds it */
	int type;		/* PK_MUTEX_NORMAL (0), PK_MUTEX_RECURSIVE, PK_MUTEX_ERRORCHECK */
} pk_mutex_t;
#define PK_MUTEX_INITIALIZER { 0, 0, NULL, NULL, NULL, 0, 0 }
typedef struct pk_cond {
	int lock;
	void *waiters, *tail;
	clockid_t clock;	/* of pk_cond_timedwait's deadline: CLOCK_REALTIME (0) or CLOCK_MONOTONIC */
} pk_cond_t;
#define PK_COND_INITIALIZER { 0, NULL, NULL, CLOCK_REALTIME }

/* @a may be NULL: a PK_MUTEX_NORMAL mutex, a CLOCK_REALTIME condition. */
int pk_mutex_init(pk_mutex_t *m, const struct pk_mutexattr *a);
int pk_mutex_destroy(pk_mutex_t *m);
int pk_mutex_lock(pk_mutex_t *m);
int pk_mutex_trylock(pk_mutex_t *m);	/* 0 or -EBUSY */
int pk_mutex_unlock(pk_mutex_t *m);
int pk_cond_init(pk_cond_t *c, const struct pk_condattr *a);
int pk_cond_destroy(pk_cond_t *c);
int pk_cond_wait(pk_cond_t *c, pk_mutex_t *m);
int pk_cond_signal(pk_cond_t *c);
int pk_cond_broadcast(pk_cond_t *c);

/* --- pthread's companions: attributes, keys, once, lock types, rwlocks,
 *     semaphores ------------------------------------------------------------ */

/*
 * What thread-per-connection programs use of pthreads besides create, join
 * and the plain mutex; port --level fibers maps each pthread function onto
 * its twin here (the catalogue's pk_equivalent column). Every call works
 * from a fiber (a wait parks it) and from an ordinary thread (a wait sleeps
 * on a futex), so fibers and threads may share a lock. Returns are the
 * native API's, 0 or -errno where pthread's return the errno, except the
 * semaphores', which keep sem_*'s -1 and errno (below).
 */

/* Thread attributes: a stack size and a detach state. */
typedef struct pk_attr {
	size_t stack_size;	/* 0: the instance's (pk_config.stack_size) */
	int detach_state;	/* PK_CREATE_JOINABLE or PK_CREATE_DETACHED */
} pk_attr_t;
#define PK_CREATE_JOINABLE 0
#define PK_CREATE_DETACHED 1
#define PK_STACK_MIN 16384	/* as PTHREAD_STACK_MIN */

int pk_attr_init(pk_attr_t *a);
int pk_attr_destroy(pk_attr_t *a);
/* -EINVAL below PK_STACK_MIN. The stack is rounded up to whole pages, with its guard page below. */
int pk_attr_setstacksize(pk_attr_t *a, size_t size);
/* The size set, else the instance's (before pk_init: the default). */
int pk_attr_getstacksize(const pk_attr_t *a, size_t *size);
int pk_attr_setdetachstate(pk_attr_t *a, int state);	/* -EINVAL for another state */
int pk_attr_getdetachstate(const pk_attr_t *a, int *state);
/*
 * pk_spawn() with attributes, in pthread_create's shape; @attr may be
 * NULL. A detached fiber is freed when it returns: *@f is set before the
 * fiber can run, but may name a fiber already gone once this returns.
 */
int pk_spawn_attr(pk_fiber_t *f, const pk_attr_t *attr, void *(*fn)(void *), void *arg);
/* Nonzero when @a and @b are the same fiber (pthread_equal). */
int pk_equal(pk_fiber_t a, pk_fiber_t b);

/*
 * Fiber-local storage, pthread's keys: each fiber has its own value of a
 * key, NULL until it sets one. When a fiber returns, each of its non-NULL
 * values whose key has a destructor is set to NULL and the destructor is
 * called with it, on the fiber (it may park), again while destructors set
 * values, PK_DESTRUCTOR_ITERATIONS rounds at most: what pthread does at
 * thread exit. An ordinary thread has values of its own, destroyed when it
 * exits. A key created in a deleted key's slot sees none of the old values.
 */
typedef unsigned pk_key_t;
#define PK_KEYS_MAX 1024
#define PK_DESTRUCTOR_ITERATIONS 4
int pk_key_create(pk_key_t *k, void (*destructor)(void *));	/* -EAGAIN: PK_KEYS_MAX keys exist */
int pk_key_delete(pk_key_t k);			/* calls no destructor; -EINVAL for no key */
void *pk_key_get(pk_key_t k);			/* NULL when unset, or for no key */
int pk_key_set(pk_key_t k, const void *value);	/* -EINVAL for no key, -ENOMEM */

/*
 * Calls @fn once for @o, in whichever fiber or thread comes first; the
 * others, on any core, park until it has returned (pthread_once).
 */
typedef struct pk_once {
	int state;		/* 0: not called, 1: running, 2: done */
	int lock;
	void *waiters, *tail;
} pk_once_t;
#define PK_ONCE_INIT { 0, 0, NULL, NULL }
int pk_once(pk_once_t *o, void (*fn)(void));

/*
 * Mutex types, as pthread_mutexattr_settype's: NORMAL deadlocks when its
 * holder locks it again; ERRORCHECK says -EDEADLK then, and -EPERM to an
 * unlock by a fiber (or thread) that does not hold it; RECURSIVE counts
 * the holder's locks, and an unlock by another is -EPERM. pk_cond_wait
 * releases a RECURSIVE mutex once, as pthread_cond_wait does.
 */
#define PK_MUTEX_NORMAL 0
#define PK_MUTEX_RECURSIVE 1
#define PK_MUTEX_ERRORCHECK 2
#define PK_MUTEX_DEFAULT PK_MUTEX_NORMAL
#define PK_MUTEX_RECURSIVE_INITIALIZER { 0, 0, NULL, NULL, NULL, 0, PK_MUTEX_RECURSIVE }
#define PK_MUTEX_ERRORCHECK_INITIALIZER { 0, 0, NULL, NULL, NULL, 0, PK_MUTEX_ERRORCHECK }
typedef struct pk_mutexattr {
	int type;
} pk_mutexattr_t;
int pk_mutexattr_init(pk_mutexattr_t *a);
int pk_mutexattr_destroy(pk_mutexattr_t *a);
int pk_mutexattr_settype(pk_mutexattr_t *a, int type);	/* -EINVAL for another type */
int pk_mutexattr_gettype(const pk_mutexattr_t *a, int *type);
/*
 * pk_mutex_lock() until the absolute CLOCK_REALTIME time @abstime
 * (pthread_mutex_timedlock): -ETIMEDOUT when it passed first, -EINVAL for
 * a bad @abstime.
 */
int pk_mutex_timedlock(pk_mutex_t *m, const struct timespec *abstime);

/* A condition's attributes: the clock of pk_cond_timedwait's deadline. */
typedef struct pk_condattr {
	clockid_t clock;
} pk_condattr_t;
int pk_condattr_init(pk_condattr_t *a);		/* CLOCK_REALTIME */
int pk_condattr_destroy(pk_condattr_t *a);
int pk_condattr_setclock(pk_condattr_t *a, clockid_t clock);	/* CLOCK_REALTIME or CLOCK_MONOTONIC, else -EINVAL */
int pk_condattr_getclock(const pk_condattr_t *a, clockid_t *clock);
/*
 * pk_cond_wait() until the absolute time @abstime on the condition's clock
 * (pthread_cond_timedwait): -ETIMEDOUT when it came first, the mutex held
 * again either way; -EINVAL for a bad @abstime. A fiber waits with a timer
 * on its core's ring, a thread with a futex timeout. A signal that races
 * the timeout is not lost: the wait returns 0.
 */
int pk_cond_timedwait(pk_cond_t *c, pk_mutex_t *m, const struct timespec *abstime);

/*
 * Reader-writer locks: readers share, a writer is alone. Waiters are
 * served in the order they came, so a writer waits only for the readers
 * already in, and readers that come after it wait for it: no writer
 * starves. A reader that locks again while a writer waits therefore waits
 * for that writer: hold a read lock once. -EDEADLK when the writer locks
 * again, -EPERM to an unlock of a lock not held.
 */
typedef struct pk_rwlock {
	int lock;
	int readers;		/* holding it */
	void *writer;		/* the fiber (or thread) holding it to write, or NULL */
	void *waiters, *tail;	/* readers and writers, in order */
} pk_rwlock_t;
#define PK_RWLOCK_INITIALIZER { 0, 0, NULL, NULL, NULL }
int pk_rwlock_init(pk_rwlock_t *l);
int pk_rwlock_destroy(pk_rwlock_t *l);		/* -EBUSY while held or waited for */
int pk_rwlock_rdlock(pk_rwlock_t *l);
int pk_rwlock_wrlock(pk_rwlock_t *l);
int pk_rwlock_tryrdlock(pk_rwlock_t *l);	/* 0 or -EBUSY */
int pk_rwlock_trywrlock(pk_rwlock_t *l);	/* 0 or -EBUSY */
int pk_rwlock_unlock(pk_rwlock_t *l);

/*
 * Unnamed semaphores. Unlike the rest of the native API these keep
 * sem_*'s convention, 0 or -1 with errno set (EAGAIN from trywait,
 * ETIMEDOUT, EINVAL, EOVERFLOW past PK_SEM_VALUE_MAX, EBUSY from destroy
 * while some wait, ENOSYS for a process-shared one): programs test
 * sem_wait() == -1 and errno, and so a port only renames. errno is kept
 * per fiber. A post hands its unit to the first waiter (in order, no
 * barging). A signal handler ends a wait with EINTR, SA_RESTART or not,
 * as sem_wait(3) does (a fiber's handler installed by pk_sigaction).
 */
typedef struct pk_sem {
	int lock;
	unsigned value;
	void *waiters, *tail;
} pk_sem_t;
#define PK_SEM_VALUE_MAX 2147483647
int pk_sem_init(pk_sem_t *s, int pshared, unsigned value);
int pk_sem_destroy(pk_sem_t *s);
int pk_sem_wait(pk_sem_t *s);
int pk_sem_trywait(pk_sem_t *s);
int pk_sem_timedwait(pk_sem_t *s, const struct timespec *abstime);	/* CLOCK_REALTIME, as sem_timedwait */
int pk_sem_post(pk_sem_t *s);
int pk_sem_getvalue(pk_sem_t *s, int *value);

/* --- Channels between fibers on any cores ------------------------------ */

/*
 * A bounded FIFO of pointers. A receiver parks while it is empty, a sender
 * while it is full; a fiber parked on another core is woken by an
 * IORING_OP_MSG_RING message to that core's ring.
 */
typedef struct pk_chan pk_chan_t;
/* Returns NULL with errno set. Free with pk_chan_free() once nobody uses it. */
pk_chan_t *pk_chan_new(unsigned capacity);
void pk_chan_free(pk_chan_t *ch);
int pk_chan_send(pk_chan_t *ch, void *msg);	/* 0, or -EPIPE once closed */
int pk_chan_recv(pk_chan_t *ch, void **msg);	/* 0, or -EPIPE once closed and empty */
void pk_chan_close(pk_chan_t *ch);

/* --- Native asynchronous API (liburing style, results as -errno) -------- */

struct io_uring_sqe;
struct pk_req {
	int res;		/* the CQE's result once done */
	unsigned flags;		/* the CQE's flags */
	int done;
	void *priv[3];		/* internal */
};

/*
 * Returns an SQE of the caller's ring to fill with a liburing io_uring_prep_*
 * helper; its completion lands in @r. Do not touch the SQE's user_data.
 * Nothing is submitted before pk_req_wait(). NULL when the ring is full even
 * after a submit.
 */
struct io_uring_sqe *pk_req_sqe(struct pk_req *r);
/* Submits and waits until at least @min of the @n requests are done. Returns how many are. */
int pk_req_wait(struct pk_req **reqs, unsigned n, unsigned min);

/* --- POSIX-compatible calls (POSIX signature, return and errno) --------- */

/*
 * Which way a call goes is libpk's decision, made per call so that a
 * routed call never costs more than the kernel path it replaces
 * (bench/pk-thread-io measures both):
 * - from a fiber, through its core's ring, where the I/O of many fibers
 *   is submitted and reaped in one io_uring_enter;
 * - from an ordinary thread, straight to the kernel: one io_uring_enter
 *   per call costs 1.9-3.6x the system call it replaces, and there is
 *   nothing to batch it with. Unless the thread's ring polls: PK_SQPOLL=1
 *   gives each thread an SQPOLL ring (all attached to the process's first
 *   one; only as many processes poll at once as there are CPUs to spare,
 *   PK_SQPOLL_SLOTS=N sets how many, 0 for no limit), whose calls make no
 *   system call while the kernel thread is awake; a thread spins on its
 *   completion queue for PK_SPIN_US (default 100) before it sleeps.
 *   PK_ROUTE=ring sends every call that can go to a ring through it,
 *   a thread's too (to measure, or to see them as io_uring operations);
 * - on a socket, a receive that most likely finds data (the last one did
 *   not drain the socket), a send, and a poll first ask the kernel
 *   without waiting: what can be done now costs one system call there,
 *   where an operation on a ring that must be entered costs a park and a
 *   round trip for the same work. Only what would wait goes to the ring
 *   (which then waits for readiness first). A polled ring (SQPOLL) takes
 *   it all;
 * - a call that cannot block (an O_NONBLOCK pipe, socket or terminal)
 *   goes straight to the kernel from anywhere: the kernel says EAGAIN
 *   itself, and a stale idea of the descriptor's flags cannot make the
 *   call wait or fail where the kernel would not.
 * libpk learns what a descriptor is at its first use. After fork() the
 * child makes its own rings at its first call.
 */

/*
 * Tells libpk that @fd's number may mean something new (it was closed,
 * dup2'd over, or handed out again by code that does not go through
 * libpk): what libpk knew of it is learnt again at its next use. libpk's
 * own calls do this themselves. Cheap: no system call.
 */
void pk_fd_forget(int fd);
/*
 * True when @fd is one of libpk's own descriptors (a ring, an SQPOLL slot
 * lock): a program that closes "every descriptor" must leave these.
 * pk_close() refuses them with EBADF.
 */
int pk_fd_internal(int fd);

ssize_t pk_read(int fd, void *buf, size_t count);
ssize_t pk_write(int fd, const void *buf, size_t count);
ssize_t pk_pread(int fd, void *buf, size_t count, off_t offset);
ssize_t pk_pwrite(int fd, const void *buf, size_t count, off_t offset);
ssize_t pk_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t pk_writev(int fd, const struct iovec *iov, int iovcnt);
int pk_open(const char *path, int flags, ...);
int pk_openat(int dirfd, const char *path, int flags, ...);
int pk_close(int fd);
/* fcntl(2); keeps libpk's O_NONBLOCK knowledge of @fd in step. */
int pk_fcntl(int fd, int cmd, ...);
int pk_fsync(int fd);
int pk_fdatasync(int fd);
struct statx;
int pk_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx);
int pk_socket(int domain, int type, int protocol);
int pk_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
int pk_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
int pk_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
ssize_t pk_send(int fd, const void *buf, size_t len, int flags);
ssize_t pk_recv(int fd, void *buf, size_t len, int flags);
ssize_t pk_sendto(int fd, const void *buf, size_t len, int flags,
		  const struct sockaddr *dest, socklen_t addrlen);
ssize_t pk_recvfrom(int fd, void *buf, size_t len, int flags,
		    struct sockaddr *src, socklen_t *addrlen);
ssize_t pk_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t pk_recvmsg(int fd, struct msghdr *msg, int flags);
int pk_poll(struct pollfd *fds, nfds_t nfds, int timeout);
int pk_select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *timeout);
int pk_nanosleep(const struct timespec *req, struct timespec *rem);
unsigned int pk_sleep(unsigned int seconds);
/*
 * useconds_t is unsigned int in glibc and musl; it is spelled out because a
 * strict ISO C unit (-ansi, -std=c89: tinyproxy) that included <unistd.h>
 * before pk.h has no useconds_t, and pk.h cannot ask for it that late.
 */
int pk_usleep(unsigned int usec);
pid_t pk_waitpid(pid_t pid, int *status, int options);

/* --- Signals and fibers ------------------------------------------------ */

/*
 * sigaction(2) and signal(2), with one difference a fiber needs: after the
 * handler runs, every fiber parked in a call the signal interrupts returns
 * -1/EINTR, as a thread blocked in the kernel would (all of them: a fiber
 * has no thread of its own for the kernel to pick). A call that SA_RESTART
 * restarts (read, write, accept, recv, send, connect...) goes on waiting
 * when the handler has SA_RESTART; poll, select and the sleeps never do.
 * Data that arrived first is kept. pk_signal() has glibc's BSD semantics
 * (SA_RESTART). Threads that are not fibers are the kernel's business.
 */
typedef void (*pk_sighandler_t)(int);	/* glibc's sighandler_t needs _GNU_SOURCE */
struct sigaction;	/* undefined in a strict ISO C unit, which then calls no sigaction */
int pk_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
pk_sighandler_t pk_signal(int sig, pk_sighandler_t handler);
/*
 * pthread_kill(3) for a fiber: 0 checks that @f exists; a signal runs its
 * handler on the caller's core and interrupts parked fibers as above.
 * Returns 0 or an errno value, as pthread_kill does.
 */
int pk_kill(pk_fiber_t f, int sig);
/*
 * pthread_sigmask(3) for a fiber: its own mask (a new fiber starts with
 * its creator's), the signals that do not interrupt its parked calls; the
 * handler itself runs when the signal comes. From an ordinary thread it is
 * pthread_sigmask. Returns 0 or an errno value, as pthread_sigmask does.
 */
int pk_sigmask(int how, const sigset_t *set, sigset_t *old);

/* --- AF_XDP UDP ----------------------------------------------------------- */

struct pk_udp;
struct pk_udp_addr {
	uint8_t mac[6];		/* the peer's Ethernet address */
	uint32_t ip;		/* IPv4, network order */
	uint16_t port;		/* network order */
};
struct pk_udp_stats {
	uint64_t rx_packets, tx_packets;	/* counted by libpk on the rings */
	uint64_t rx_dropped, rx_invalid_descs, tx_invalid_descs,
		 rx_ring_full, rx_fill_ring_empty_descs, tx_ring_empty_descs; /* XDP_STATISTICS */
};

/*
 * Binds UDP @port (host order) on queue @queue of @ifname through an AF_XDP
 * socket. libpk loads its own XDP program (generic mode unless
 * PK_XDP_MODE=native) that redirects only the ports libpk has bound and
 * passes every other packet to the kernel. Returns NULL with errno set
 * (ENODEV: no such interface; EPERM: no CAP_NET_ADMIN/CAP_BPF).
 * pk_udp_close() detaches the program when its last port goes.
 */
struct pk_udp *pk_udp_bind(const char *ifname, int queue, uint16_t port);
void pk_udp_close(struct pk_udp *u);
/* Copies the next datagram's payload into @buf (parking until one comes). Returns its length or -errno. */
ssize_t pk_udp_recv(struct pk_udp *u, void *buf, size_t len, struct pk_udp_addr *from);
/* Sends @len bytes to @to from this socket's address and port. Returns @len or -errno. */
ssize_t pk_udp_send(struct pk_udp *u, const void *buf, size_t len, const struct pk_udp_addr *to);
int pk_udp_stats(struct pk_udp *u, struct pk_udp_stats *st);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
