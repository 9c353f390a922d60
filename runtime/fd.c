/*
 * What libpk knows per descriptor number, in one table for the whole
 * process: the operations in flight on it and the rings that hold them
 * (for pk_close), and the facts a call needs before it is made: is it a
 * pipe, socket or terminal (a stream: pread on it is ESPIPE, a wait on it
 * may never end), a directory, O_NONBLOCK (then the call cannot block and
 * goes to the kernel as it is), one of libpk's own descriptors.
 *
 * Facts are learnt at a descriptor's first use with one fcntl and one
 * fstat, or from the flags libpk's own open, socket and accept were given,
 * and forgotten whenever the number may mean something new: libpk's own
 * close and fcntl, and pk_fd_forget() for code that closes or makes
 * descriptors behind libpk's back (the shim calls it from its dup, pipe,
 * fclose... wrappers). A number libc reused without telling anyone keeps
 * stale facts: where that could make a call wrong, the call checks them
 * again before it fails or waits for long (posix.c, io.c).
 *
 * The table is sized by the hard RLIMIT_NOFILE (servers raise the soft one
 * after start-up), at most 2^20 entries; pages are touched only for the
 * numbers in use. Numbers above it are looked at on every call.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pk_int.h"

static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	struct rlimit rl;
	long n = 1024;

	if (!getrlimit(RLIMIT_NOFILE, &rl))
		n = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (1 << 20) ? 1 << 20 : (long)rl.rlim_max;
	if (n < 1024)
		n = 1024;
	pk_rt.fd_inflight = calloc((size_t)n, sizeof(*pk_rt.fd_inflight));
	pk_rt.fd_rings = calloc((size_t)n, sizeof(*pk_rt.fd_rings));
	pk_rt.fd_facts = calloc((size_t)n, sizeof(*pk_rt.fd_facts));
	if (!pk_rt.fd_inflight || !pk_rt.fd_rings || !pk_rt.fd_facts) {
		free(pk_rt.fd_inflight);
		free(pk_rt.fd_rings);
		free(pk_rt.fd_facts);
		pk_rt.fd_inflight = NULL;
		pk_rt.fd_rings = NULL;
		pk_rt.fd_facts = NULL;
		return;
	}
	pk_rt.fd_max = (int)n;
}

void pk_fd_table_init(void)
{
	pthread_once(&table_once, table_init);
}

/*
 * Moves @fd, one of libpk's own descriptors (a ring, an eventfd, a lock),
 * out of the program's way: near the top of the numbers the process may
 * open, so that the program's own files get the numbers they get without
 * libpk (json_parse names "descriptor 3" in a message; daemons dup2 onto
 * 0..2 and expect the next open to be 3). Never 0, 1 or 2 either: a
 * program started with one of them closed would read a ring as its stdin.
 * Marks it libpk's. Returns the new number (@fd is closed), or @fd.
 */
int pk_fd_high(int fd)
{
	struct rlimit rl;
	long top = 1024, base;
	int high;

	if (fd < 0)
		return fd;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
		top = (long)rl.rlim_cur;
	base = top >= 256 ? top - 128 : 3;
	if (base > INT_MAX - 1)
		base = INT_MAX - 1;
	high = fcntl(fd, F_DUPFD_CLOEXEC, (int)base);
	if (high < 0 && fd < 3)
		high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	pk_fd_own(fd, true);
	return fd;
}

static inline bool in_table(int fd)
{
	return fd >= 0 && fd < pk_rt.fd_max;
}

unsigned pk_fd_learnt(int fd, int oflags, mode_t type)
{
	unsigned v = PK_FD_KNOWN;

	if (type == S_IFIFO || type == S_IFSOCK)
		v |= PK_FD_STREAM;
	if (type == S_IFSOCK)
		v |= PK_FD_SOCK;
	if (type == S_IFDIR)
		v |= PK_FD_DIR;
	if ((oflags & O_NONBLOCK) && type != S_IFREG)
		v |= PK_FD_NONBLOCK;
	if (in_table(fd))
		atomic_store_explicit(&pk_rt.fd_facts[fd], (unsigned char)(v | (pk_rt.fd_facts[fd] & PK_FD_OWN)),
				      memory_order_relaxed);
	return v;
}

unsigned pk_fd_learn(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st))
		return 0;	/* the call itself will say EBADF */
	return pk_fd_learnt(fd, fl, st.st_mode & S_IFMT);
}

unsigned pk_fd_facts(int fd)
{
	unsigned v;

	pk_fd_table_init();
	if (in_table(fd) && ((v = atomic_load_explicit(&pk_rt.fd_facts[fd], memory_order_relaxed)) & PK_FD_KNOWN))
		return v;
	return pk_fd_learn(fd);
}

void pk_fd_hint(int fd, unsigned bit, bool on)
{
	if (!in_table(fd) || !(atomic_load_explicit(&pk_rt.fd_facts[fd], memory_order_relaxed) & PK_FD_KNOWN))
		return;
	if (on)
		atomic_fetch_or_explicit(&pk_rt.fd_facts[fd], (unsigned char)bit, memory_order_relaxed);
	else
		atomic_fetch_and_explicit(&pk_rt.fd_facts[fd], (unsigned char)~bit, memory_order_relaxed);
}

void pk_fd_own(int fd, bool own)
{
	pk_fd_table_init();
	if (in_table(fd))
		atomic_store(&pk_rt.fd_facts[fd], own ? PK_FD_OWN : 0);
}

void pk_fd_forget(int fd)
{
	if (in_table(fd) && !(atomic_load_explicit(&pk_rt.fd_facts[fd], memory_order_relaxed) & PK_FD_OWN))
		atomic_store_explicit(&pk_rt.fd_facts[fd], 0, memory_order_relaxed);
}

int pk_fd_internal(int fd)
{
	return in_table(fd) && (atomic_load_explicit(&pk_rt.fd_facts[fd], memory_order_relaxed) & PK_FD_OWN);
}

/* After fork: nothing is in flight in the child. */
void pk_fd_table_forked(void)
{
	int top = atomic_load(&pk_rt.fd_top);

	for (int fd = 0; pk_rt.fd_inflight && fd <= top && fd < pk_rt.fd_max; fd++)
		if (atomic_load_explicit(&pk_rt.fd_inflight[fd], memory_order_relaxed) ||
		    atomic_load_explicit(&pk_rt.fd_rings[fd], memory_order_relaxed)) {
			atomic_store(&pk_rt.fd_inflight[fd], 0);
			atomic_store(&pk_rt.fd_rings[fd], 0);
		}
}
