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
 * What goes through io_uring and what to the kernel is libpk's decision,
 * made per call (pk.h): the shim only hands it the calls. libpk also keeps
 * each thread's ring, drops the parent's rings in a child of fork(), gives
 * threads SQPOLL rings under PK_SQPOLL=1, and guards its own descriptors;
 * the shim needs nothing but libpk's public header, so a shim built against
 * an installed libpk behaves as one built in the source tree.
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

#define SHIM_EXPORT __attribute__((visibility("default")))
#define SHIM_LIKELY(x) __builtin_expect(!!(x), 1)
/* A helper of several families: a shim may have none of them. */
#define SHIM_HELPER static __attribute__((unused))

static int shim_on = -1;		/* -1: not yet decided */
static __thread int shim_depth;		/* > 0: inside a routed call */
static __thread int shim_resolving;	/* > 0: inside dlsym */

static void shim_setup(void)
{
	const char *s = getenv("PK_SHIM");

	if (shim_on >= 0)
		return;
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

/* --- Descriptors ------------------------------------------------------- */

/*
 * libpk decides per call which way it goes and keeps what it knows of each
 * descriptor (pk.h); the shim tells it whenever a number may mean something
 * new: the program closes it, dups over it, changes its flags, or gets it
 * back from open, socket, accept, pipe, socketpair or dup, or libc closes
 * it in fclose (family fd). libpk's own descriptors (its rings) are kept
 * out of the program's close, dup2 and closefrom.
 */
#define SHIM_FD_MAX 65536	/* how far close_range and closefrom look for libpk's own */

static void shim_fd_forget(int fd)
{
	pk_fd_forget(fd);
}

SHIM_HELPER int shim_is_ring(int fd)
{
	return pk_fd_internal(fd);
}

__attribute__((constructor)) static void shim_init(void)
{
	shim_setup();
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
	return 1;
}

static void shim_leave(void)
{
	shim_depth--;
}

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
