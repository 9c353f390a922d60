//@ common
/*
 * The shim's own runtime, in every generated shim (shimgen/templates/rt.c).
 *
 * A routed call goes to libpk only when it is safe to: the shim is on
 * (PK_SHIM=off turns every wrapper into a plain pass-through), this thread
 * is not already inside a routed call (a signal handler, or an allocator
 * that reads a file while libpk allocates, takes the kernel path instead of
 * re-entering a ring half-way through an SQE), and the thread has a ring.
 * Everything else goes to libc, found with dlsym(RTLD_NEXT); while dlsym
 * itself runs (it allocates) a recursive call goes straight to syscall(2).
 *
 * libpk's rings are per thread. What libpk does not do yet is done here,
 * through its internal header when the shim is built against a libpk
 * source tree (SHIM_PK_INT):
 * - after fork() the child drops the parent's ring (the SQ/CQ memory is
 *   shared with the parent) and makes its own at its first routed call;
 * - with PK_SQPOLL=1 a thread's ring is recreated with SQPOLL, attached to
 *   the process's first SQPOLL ring (IORING_SETUP_ATTACH_WQ), and a routed
 *   read or write spins on the CQ for PK_SHIM_SPIN_US before it sleeps in
 *   io_uring_enter, so a busy data path makes no system call at all;
 * - close() of a ring's own descriptor (programs that close every
 *   descriptor above 2) fails with EBADF instead of killing the ring.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <pk.h>
#ifdef SHIM_PK_INT
#include <pk_int.h>
#endif

#define SHIM_EXPORT __attribute__((visibility("default")))
#define SHIM_LIKELY(x) __builtin_expect(!!(x), 1)
/* A helper of several families: a shim may have none of them. */
#define SHIM_HELPER static __attribute__((unused))

static int shim_on = -1;		/* -1: not yet decided */
static int shim_sqpoll;			/* PK_SQPOLL=1 */
static int shim_sqpoll_off;		/* ... but no CPU to spare for it */
static unsigned shim_spin_us = 100;
static __thread int shim_depth;		/* > 0: inside a routed call */
static __thread int shim_resolving;	/* > 0: inside dlsym */

static void shim_setup(void)
{
	const char *s = getenv("PK_SHIM");

	if (shim_on >= 0)
		return;
	s = getenv("PK_SQPOLL");
	shim_sqpoll = s && *s == '1';
	s = getenv("PK_SHIM_SPIN_US");
	if (s && *s)
		shim_spin_us = (unsigned)strtoul(s, NULL, 10);
	s = getenv("PK_SHIM");
	shim_on = !(s && !strcmp(s, "off"));
}

/*
 * libc's definition of @name, cached in *@slot; NULL while dlsym is running
 * on this thread (the caller then makes the system call itself).
 */
static void *shim_real(const char *name, void **slot)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (SHIM_LIKELY(p != NULL))
		return p;
	if (shim_resolving)
		return NULL;
	shim_resolving++;
	p = dlsym(RTLD_NEXT, name);
	shim_resolving--;
	__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	return p;
}
#define SHIM_REAL(name) \
	static void *real_slot; \
	__typeof__(&name) real = (__typeof__(&name))shim_real(#name, &real_slot)

/* --- Descriptors: what libpk may be given ------------------------------ */

/*
 * io_uring ignores O_NONBLOCK on pipes, sockets and terminals: it polls
 * until the operation can complete. A non-blocking descriptor therefore
 * gets RWF_NOWAIT or MSG_DONTWAIT, so it fails with EAGAIN as it would
 * without the shim. Each descriptor is looked at once (fcntl, fstat) and
 * forgotten when its number may mean something new: the program closes
 * it, dups over it, changes its flags, or gets it back from open, socket,
 * accept, pipe, socketpair or dup, or libc closes it in fclose (family fd).
 * Left: a number libc hands out inside one of its own calls (popen's
 * pipe) keeps what was known of its previous use.
 */
enum { FD_UNKNOWN = 0, FD_BLOCKING = 1, FD_NONBLOCK = 2, FD_RING = 3 };
#define SHIM_FD_MAX 65536
static _Atomic unsigned char shim_fds[SHIM_FD_MAX];

static void shim_fd_forget(int fd)
{
	if (fd >= 0 && fd < SHIM_FD_MAX && atomic_load(&shim_fds[fd]) != FD_RING)
		atomic_store(&shim_fds[fd], FD_UNKNOWN);
}

static int shim_fd_kind(int fd)
{
	unsigned char k = fd >= 0 && fd < SHIM_FD_MAX ? atomic_load(&shim_fds[fd]) : FD_UNKNOWN;
	struct stat st;
	int fl;

	if (SHIM_LIKELY(k != FD_UNKNOWN))
		return k;
	fl = (int)syscall(SYS_fcntl, fd, F_GETFL);
	if (fl < 0)
		return FD_BLOCKING;	/* let the routed call report EBADF */
	k = FD_BLOCKING;
	if ((fl & O_NONBLOCK) && !(syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode)))
		k = FD_NONBLOCK;
	if (fd >= 0 && fd < SHIM_FD_MAX)
		atomic_store(&shim_fds[fd], k);
	return k;
}

/* --- The thread's ring ------------------------------------------------- */

#ifdef SHIM_PK_INT
static _Atomic int shim_wq_fd = -1;	/* the process's first SQPOLL ring */
static pthread_mutex_t shim_wq_lock = PTHREAD_MUTEX_INITIALIZER;

static void shim_mark_ring(struct pk_core *c)
{
	if (c->ring.ring_fd >= 0 && c->ring.ring_fd < SHIM_FD_MAX)
		atomic_store(&shim_fds[c->ring.ring_fd], FD_RING);
}

/*
 * SQPOLL threads busy-poll, and the kernel will not let two processes
 * share one (it refuses IORING_SETUP_ATTACH_WQ across thread groups). With
 * more polling threads than spare CPUs every hand-off waits for a time
 * slice: cat | cat under PK_SQPOLL=1 took 5 s instead of 0.14 s on 2 CPUs.
 * So a process polls only while it holds one of CPUs - 1 slots, a lock on
 * /dev/shm/parakit-sqpoll-<uid>.<n> (PK_SQPOLL_SLOTS=N sets the number,
 * 0 for no limit), and keeps plain rings otherwise. The lock lives as long
 * as the process.
 */
static int shim_slot_fd = -1;

static int shim_sqpoll_slot(void)
{
	const char *s = getenv("PK_SQPOLL_SLOTS");
	char path[64];
	cpu_set_t set;
	int slots, fd;

	if (shim_slot_fd >= 0)
		return 1;
	if (s && *s)
		slots = atoi(s);
	else
		slots = sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) < 2 ? 1 :
			CPU_COUNT(&set) - 1;
	if (slots <= 0)
		return 1;
	for (int n = 0; n < slots; n++) {
		snprintf(path, sizeof(path), "/dev/shm/parakit-sqpoll-%u.%d", (unsigned)getuid(), n);
		fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return 1;	/* nowhere to count: do not limit */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (fd < SHIM_FD_MAX)
				atomic_store(&shim_fds[fd], FD_RING);	/* the shim's own */
			shim_slot_fd = fd;
			return 1;
		}
		syscall(SYS_close, fd);
	}
	return 0;
}

/* Replaces the plain ring libpk gave this thread by an SQPOLL one. */
static void shim_sqpoll_ring(struct pk_core *c)
{
	struct io_uring_params p;
	struct io_uring ring;
	const char *s = getenv("PK_SQPOLL_CPU");
	cpu_set_t set;
	int r, wq, cpu;

	pthread_mutex_lock(&shim_wq_lock);
	wq = atomic_load(&shim_wq_fd);
	if (wq < 0 && !shim_sqpoll_slot()) {
		shim_sqpoll_off = 1;
		pthread_mutex_unlock(&shim_wq_lock);
		return;
	}
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_CQSIZE;
	p.cq_entries = 1024;
	p.sq_thread_idle = 50;
	if (s && *s) {
		p.flags |= IORING_SETUP_SQ_AFF;
		p.sq_thread_cpu = (unsigned)atoi(s);
	} else if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 1) {
		/*
		 * The polling thread gets the last CPU we may use and this thread
		 * the others: sharing a CPU with it made a 1 GB cat 30 times
		 * slower on 2 CPUs (libpk keeps its schedulers off it likewise).
		 */
		for (cpu = CPU_SETSIZE - 1; cpu >= 0 && !CPU_ISSET(cpu, &set); cpu--)
			;
		p.flags |= IORING_SETUP_SQ_AFF;
		p.sq_thread_cpu = (unsigned)cpu;
		CPU_CLR(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (wq >= 0) {
		p.flags |= IORING_SETUP_ATTACH_WQ;
		p.wq_fd = (unsigned)wq;
	}
	r = io_uring_queue_init_params(64, &ring, &p);
	if (r == 0) {
		io_uring_queue_exit(&c->ring);
		c->ring = ring;
		if (wq < 0)
			atomic_store(&shim_wq_fd, ring.ring_fd);
	}
	pthread_mutex_unlock(&shim_wq_lock);
}

static struct pk_core *shim_core(void)
{
	struct pk_core *c = pk_tls_core;

	if (SHIM_LIKELY(c != NULL))
		return c;
	c = pk_core_get();
	if (!c)
		return NULL;
	if (shim_sqpoll && !shim_sqpoll_off)
		shim_sqpoll_ring(c);
	shim_mark_ring(c);
	return c;
}

static void shim_atfork_child(void)
{
	struct pk_core *c = pk_tls_core;

	/*
	 * The parent's rings are mapped shared: unmap ours and forget it (not
	 * freed: libpk's thread-exit destructor still points at it). The
	 * SQPOLL thread belongs to the parent's process.
	 */
	if (c) {
		if (c->ring.ring_fd >= 0 && c->ring.ring_fd < SHIM_FD_MAX)
			atomic_store(&shim_fds[c->ring.ring_fd], FD_UNKNOWN);
		io_uring_queue_exit(&c->ring);
		pk_tls_core = NULL;
	}
	atomic_store(&shim_wq_fd, -1);
	/* The parent's slot stays the parent's: closing our copy keeps its lock. */
	if (shim_slot_fd >= 0) {
		if (shim_slot_fd < SHIM_FD_MAX)
			atomic_store(&shim_fds[shim_slot_fd], FD_UNKNOWN);
		syscall(SYS_close, shim_slot_fd);
		shim_slot_fd = -1;
	}
	shim_sqpoll_off = 0;
}

/*
 * Runs an io_uring read or write (op: IORING_OP_READ/WRITE/READV/WRITEV)
 * on the thread's ring. Under SQPOLL the kernel thread picks the SQE up by
 * itself: spin on the CQ for a while before sleeping in io_uring_enter.
 */
static long shim_rw(int opcode, int fd, const void *buf, unsigned len, uint64_t off, int rwflags)
{
	struct pk_core *c = shim_core();
	struct pk_op op = { .fd = -1 };
	struct io_uring_sqe *sqe;
	long r;

	if (!c)
		return -1;
	sqe = pk_op_sqe(c, &op, fd);
	io_uring_prep_rw(opcode, sqe, fd, buf, len, off);
	sqe->rw_flags = rwflags;
	if (c->ring.flags & IORING_SETUP_SQPOLL) {
		uint64_t t0 = 0;
		struct timespec ts;

		io_uring_submit(&c->ring);
		c->unsubmitted = 0;
		for (unsigned i = 0; !atomic_load(&op.w.done); i++) {
			pk_reap(c);
			if (atomic_load(&op.w.done) || !shim_spin_us)
				break;
			if ((i & 63) == 0) {
				clock_gettime(CLOCK_MONOTONIC, &ts);
				if (!t0)
					t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
				else if ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec - t0 >
					 shim_spin_us * 1000ull)
					break;
			}
			__builtin_ia32_pause();
		}
	}
	r = pk_op_run(c, &op, true);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}
#define SHIM_HAVE_RW 1

static int shim_ready(void)
{
	return shim_core() != NULL;
}

SHIM_HELPER int shim_is_ring(int fd)
{
	return fd >= 0 && fd < SHIM_FD_MAX && atomic_load(&shim_fds[fd]) == FD_RING;
}
#else
static void shim_atfork_child(void)
{
}

static int shim_ready(void)
{
	return 1;
}

SHIM_HELPER int shim_is_ring(int fd)
{
	(void)fd;
	return 0;
}
#endif

__attribute__((constructor)) static void shim_init(void)
{
	shim_setup();
	pthread_atfork(NULL, NULL, shim_atfork_child);
}

/*
 * Enters a routed call: 1 when libpk may serve it (leave with shim_leave),
 * 0 when it must go to libc.
 */
static int shim_enter(void)
{
	if (shim_on < 0)
		shim_setup();
	if (!shim_on || shim_depth || shim_resolving)
		return 0;
	shim_depth++;
	if (!shim_ready()) {
		/* No io_uring here (seccomp, old kernel): libc from now on. */
		shim_depth--;
		shim_on = 0;
		return 0;
	}
	return 1;
}

static void shim_leave(void)
{
	shim_depth--;
}

/*
 * A read or write on any descriptor (files, pipes, terminals, sockets),
 * for the io and stdio families: a non-blocking descriptor that is not a
 * regular file gets RWF_NOWAIT (EAGAIN instead of io_uring's poll).
 */
#ifdef SHIM_HAVE_RW
SHIM_HELPER long shim_io(int opcode, int fd, const void *buf, size_t n, uint64_t off)
{
	/* Linux moves at most 0x7ffff000 bytes per call: a short count is POSIX. */
	unsigned len = n > 0x7ffff000u ? 0x7ffff000u : (unsigned)n;

	return shim_rw(opcode, fd, buf, len, off,
		       shim_fd_kind(fd) == FD_NONBLOCK ? RWF_NOWAIT : 0);
}
#define SHIM_IO_ROUTABLE(fd) 1
#else
#define SHIM_IO_ROUTABLE(fd) (shim_fd_kind(fd) != FD_NONBLOCK)
#endif

/* Opens as openat(2) does, through libpk when it may (families open, stdio). */
SHIM_HELPER int shim_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	static void *real_slot;
	int (*real)(int, const char *, int, ...) =
		(int (*)(int, const char *, int, ...))shim_real("openat", &real_slot);
	int fd;

	if (shim_enter()) {
		fd = pk_openat(dirfd, path, flags, mode);
		shim_leave();
	} else {
		fd = real ? real(dirfd, path, flags, mode) :
			    (int)syscall(SYS_openat, dirfd, path, flags, mode);
	}
	shim_fd_forget(fd);
	return fd;
}

/* Closes through libpk when it may (families fd, stdio); @real: libc's close. */
SHIM_HELPER int shim_close(int fd, int (*real)(int))
{
	int r;

	shim_fd_forget(fd);
	if (shim_enter()) {
		r = pk_close(fd);
		shim_leave();
		return r;
	}
	return real ? real(fd) : (int)syscall(SYS_close, fd);
}

/* libpk's calls keep errno; these return with it untouched on success. */
#define SHIM_ROUTE(expr) do {						\
		long shim_r_ = (long)(expr);				\
		shim_leave();						\
		return shim_r_;						\
	} while (0)
