/*
 * The POSIX-compatible layer: pk_read() and friends, with POSIX's
 * signatures, return values and errno. Each call either goes to the kernel
 * as it is or is one io_uring operation, as ring_for() decides (pk.h: a
 * fiber's through its core's ring, an ordinary thread's to the kernel
 * unless its ring polls, a call that cannot block to the kernel).
 *
 * A routed call prepares one SQE with a struct pk_op on its stack and
 * waits for it (pk_op_run: a fiber parks, a plain thread waits on its own
 * ring). The few places where io_uring and POSIX disagree are fixed up here:
 * - a negative pread/pwrite offset is EINVAL in POSIX, but -1 means "the
 *   file position" to io_uring;
 * - sendto/recvfrom have no opcode: they are sendmsg/recvmsg with a name;
 * - poll/select are a POLL_ADD per descriptor plus a TIMEOUT, the first
 *   completion wins and the rest are cancelled and reaped;
 * - pk_close first cancels the operations in flight on the descriptor (they
 *   report EBADF), so no completion lands in a buffer after its owner moved on.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "pk_int.h"

#define PK_IORING_OP_WAITID 50	/* liburing 2.3's header stops at SENDMSG_ZC (48) */


/*
 * Which way each call goes (pk.h): the caller's ring from ring_for(), or
 * the kernel's own call when it gives none. io_uring waits for readiness
 * whatever the file's O_NONBLOCK says, where POSIX wants EAGAIN; so a
 * descriptor that is O_NONBLOCK (fd.c learns it once) goes to the kernel
 * too, as does a call with MSG_DONTWAIT: neither can block, and the
 * kernel's answer is right whatever libc did to the descriptor meanwhile.
 */
static struct pk_core *ring_for(int fd)
{
	struct pk_core *c = pk_route();

	if (c && fd >= 0 && (pk_fd_facts(fd) & PK_FD_NONBLOCK))
		return NULL;
	return c;
}

static long fail(int err)
{
	errno = err;
	return -1;
}

/*
 * Linux moves at most MAX_RW_COUNT bytes per call (a short count is POSIX),
 * and refuses a count no buffer can have (access_ok: EFAULT).
 */
#define MAX_RW_COUNT 0x7ffff000u

static bool bad_count(size_t count)
{
	return count > SSIZE_MAX;
}

static unsigned rw_len(size_t count)
{
	return count > MAX_RW_COUNT ? MAX_RW_COUNT : (unsigned)count;
}

/*
 * True when a read of nothing from @fd must fail with EISDIR: read(2)
 * reaches the directory's read method, which says so, where io_uring
 * completes a zero-length read with 0 without looking. Asked afresh: a
 * rare call, and a number reused behind libpk's back must not lie.
 */
static bool read0_isdir(int fd, size_t count)
{
	if (count || !(pk_fd_learn(fd) & PK_FD_DIR))
		return false;
	errno = EISDIR;
	return true;
}

/*
 * True when a positioned call on @fd must fail with ESPIPE: io_uring
 * ignores the offset of a pipe or socket. Checked again before failing,
 * so that a number reused for a regular file is not refused.
 */
static bool no_offsets(int fd)
{
	if (!(pk_fd_facts(fd) & PK_FD_STREAM) || !(pk_fd_learn(fd) & PK_FD_STREAM))
		return false;
	errno = ESPIPE;
	return true;
}

int pk_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;
	int r;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	r = fcntl(fd, cmd, arg);
	if (r >= 0 && cmd == F_SETFL)
		pk_fd_forget(fd);
	else if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		pk_fd_forget(r);
	return r;
}

/* Prepares one operation on ring @c (never NULL): declares op and sqe. */
#define OP_START(c, fd_)					\
	struct pk_op op = { .fd = -1 };				\
	struct io_uring_sqe *sqe = pk_op_sqe((c), &op, (fd_))

static long ret_errno(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static long op_finish(struct pk_core *c, struct pk_op *op)
{
	return ret_errno(pk_op_run(c, op, true));
}

/*
 * Sockets are tried first: a receive on one whose last receive did not
 * drain it, and every send, go to the kernel's own call with MSG_DONTWAIT,
 * which does at once what the socket can do now. Only what would block
 * goes to the ring, which then waits for readiness before it tries
 * (IORING_RECVSEND_POLL_FIRST). A ring operation costs a park, a trip
 * through the scheduler and its own completion for work a system call
 * does in place: tinyproxy's relay, 2 KiB at a time through sockets that
 * mostly had data waiting, took twice the original's CPU on the ring.
 * PK_FD_DRAINED: the last receive took all the socket held (a short
 * count, or the kernel leaving IORING_CQE_F_SOCK_NONEMPTY out), so the
 * next one most likely finds it empty and waits first: a request-response
 * server saves one failed receive per request. A stale hint costs nothing
 * but that guess; a stale PK_FD_SOCK (the number reused for a pipe) one
 * ENOTSOCK, after which the descriptor is learnt again. A ring whose
 * kernel thread polls it (SQPOLL) takes operations without a system call:
 * there everything goes to the ring, as under PK_ROUTE=ring (pk.h).
 */
static bool kernel_first(const struct pk_core *c)
{
	return !(c->ring.flags & IORING_SETUP_SQPOLL) && !pk_rt.route_all;
}

static ssize_t sock_recv(struct pk_core *c, int fd, void *buf, size_t len, int flags)
{
	long r;

	if (kernel_first(c) && !(pk_fd_facts(fd) & PK_FD_DRAINED) && !(flags & MSG_WAITALL)) {
		r = recv(fd, buf, len, flags | MSG_DONTWAIT);
		if (r >= 0)
			pk_fd_hint(fd, PK_FD_DRAINED, (size_t)r < len);
		else if (errno == ENOTSOCK)
			pk_fd_learn(fd);
		if (r >= 0 || errno != EAGAIN)
			return r;
	}
	OP_START(c, fd);
	io_uring_prep_recv(sqe, fd, buf, len, flags);
	sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	r = pk_op_run(c, &op, true);
	pk_fd_hint(fd, PK_FD_DRAINED, r > 0 && !(op.cflags & IORING_CQE_F_SOCK_NONEMPTY));
	return ret_errno(r);
}

/* A send: what the socket takes now, the rest on the ring, all of it as a blocking send would. */
static ssize_t sock_send(struct pk_core *c, int fd, const void *buf, size_t len, int flags)
{
	ssize_t done = kernel_first(c) ? send(fd, buf, len, flags | MSG_DONTWAIT) : 0;
	long r;

	if (done < 0 && errno == ENOTSOCK)
		pk_fd_learn(fd);
	if ((size_t)done == len || (done < 0 && errno != EAGAIN))
		return done;
	done = done < 0 ? 0 : done;
	OP_START(c, fd);
	io_uring_prep_send(sqe, fd, (const char *)buf + done, len - (size_t)done, flags | MSG_WAITALL);
	sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	r = pk_op_run(c, &op, true);
	if (r < 0 && done)
		return done;	/* as a blocking send interrupted after it sent some */
	return r < 0 ? ret_errno(r) : done + r;
}

ssize_t pk_read(int fd, void *buf, size_t count)
{
	struct pk_core *c = ring_for(fd);

	if (!c)
		return read(fd, buf, count);
	if (bad_count(count))
		return fail(EFAULT);
	if (pk_fd_facts(fd) & PK_FD_SOCK) {
		ssize_t r = sock_recv(c, fd, buf, count, 0);

		if (r >= 0 || errno != ENOTSOCK)
			return r;	/* else the number is something else now, known again */
	}
	if (read0_isdir(fd, count))
		return -1;
	OP_START(c, fd);
	io_uring_prep_read(sqe, fd, buf, rw_len(count), (uint64_t)-1);
	return op_finish(c, &op);
}

ssize_t pk_write(int fd, const void *buf, size_t count)
{
	struct pk_core *c = ring_for(fd);

	if (!c)
		return write(fd, buf, count);
	if (bad_count(count))
		return fail(EFAULT);
	if (pk_fd_facts(fd) & PK_FD_SOCK) {
		ssize_t r = sock_send(c, fd, buf, count, 0);

		if (r >= 0 || errno != ENOTSOCK)
			return r;
	}
	OP_START(c, fd);
	io_uring_prep_write(sqe, fd, buf, rw_len(count), (uint64_t)-1);
	return op_finish(c, &op);
}

ssize_t pk_pread(int fd, void *buf, size_t count, off_t offset)
{
	struct pk_core *c = ring_for(fd);

	if (!c)
		return pread(fd, buf, count, offset);
	if (offset < 0)
		return fail(EINVAL);
	if (bad_count(count))
		return fail(EFAULT);
	if (no_offsets(fd) || read0_isdir(fd, count))
		return -1;
	OP_START(c, fd);
	io_uring_prep_read(sqe, fd, buf, rw_len(count), (uint64_t)offset);
	return op_finish(c, &op);
}

ssize_t pk_pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	struct pk_core *c = ring_for(fd);

	if (!c)
		return pwrite(fd, buf, count, offset);
	if (offset < 0)
		return fail(EINVAL);
	if (bad_count(count))
		return fail(EFAULT);
	if (no_offsets(fd))
		return -1;
	OP_START(c, fd);
	io_uring_prep_write(sqe, fd, buf, rw_len(count), (uint64_t)offset);
	return op_finish(c, &op);
}

ssize_t pk_readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct pk_core *c = ring_for(fd);

	if (!c)
		return readv(fd, iov, iovcnt);
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return fail(EINVAL);
	OP_START(c, fd);
	io_uring_prep_readv(sqe, fd, iov, (unsigned)iovcnt, (uint64_t)-1);
	return op_finish(c, &op);
}

ssize_t pk_writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct pk_core *c = ring_for(fd);

	if (!c)
		return writev(fd, iov, iovcnt);
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return fail(EINVAL);
	OP_START(c, fd);
	io_uring_prep_writev(sqe, fd, iov, (unsigned)iovcnt, (uint64_t)-1);
	return op_finish(c, &op);
}

static int openat_mode(int dirfd, const char *path, int flags, mode_t mode)
{
	struct pk_core *c = pk_route();
	int fd;

	if (!c) {
		fd = openat(dirfd, path, flags, mode);
	} else {
		OP_START(c, -1);
		io_uring_prep_openat(sqe, dirfd, path, flags, mode);
		fd = (int)op_finish(c, &op);
	}
	pk_fd_forget(fd);	/* a FIFO or a device may hide behind the path */
	return fd;
}

int pk_openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return openat_mode(dirfd, path, flags, mode);
}

int pk_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return openat_mode(AT_FDCWD, path, flags, mode);
}

/*
 * Cancels what is in flight on @fd, on every ring that had operations on it
 * (pk_rt.fd_rings): the caller's own (@c, NULL for a call going to the
 * kernel) with an ASYNC_CANCEL, which it waits for, the other cores' by
 * asking each to cancel behind what it has queued, so an operation
 * prepared but not yet submitted is cancelled too (pk_cancel_fd_rings).
 * Our own ring needs no such care: its cancel is queued behind our fibers'
 * operations and the kernel takes SQEs in order. Operations of the native
 * API (pk_req_*) are not tracked per descriptor: their owner cancels them.
 */
static void cancel_fd(struct pk_core *c, int fd)
{
	struct pk_op op = { .fd = -1 };
	struct io_uring_sqe *sqe;
	uint64_t rings, own = c ? PK_RING_BIT(c) : 0;

	if (fd < 0 || fd >= pk_rt.fd_max || !atomic_load(&pk_rt.fd_inflight[fd]))
		return;
	rings = atomic_exchange(&pk_rt.fd_rings[fd], 0);
	/* The last bit is shared: other thread rings may hide behind our own. */
	if (rings & ~own || (own >> 63 && (rings & own)))
		pk_cancel_fd_rings(c, fd, rings);
	if (!(rings & own))
		return;
	sqe = pk_op_sqe(c, &op, -1);
	io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
	pk_op_run(c, &op, true);
}

int pk_close(int fd)
{
	struct pk_core *c = pk_route();
	int r;

	pk_fd_table_init();
	if (pk_fd_internal(fd))
		return (int)fail(EBADF);
	cancel_fd(c, fd);
	pk_fd_forget(fd);
	if (!c)
		return close(fd);
	{
		OP_START(c, -1);
		io_uring_prep_close(sqe, fd);
		/* close(2) is never restarted: the descriptor is gone either way. */
		r = pk_op_run(c, &op, false);
	}
	if (r == -EINTR)
		r = 0;
	return (int)ret_errno(r);
}

int pk_fsync(int fd)
{
	struct pk_core *c = pk_route();

	if (!c)
		return fsync(fd);
	OP_START(c, fd);
	io_uring_prep_fsync(sqe, fd, 0);
	return (int)op_finish(c, &op);
}

int pk_fdatasync(int fd)
{
	struct pk_core *c = pk_route();

	if (!c)
		return fdatasync(fd);
	OP_START(c, fd);
	io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
	return (int)op_finish(c, &op);
}

int pk_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	struct pk_core *c = pk_route();

	if (!c)
		return statx(dirfd, path, flags, mask, stx);
	OP_START(c, -1);
	io_uring_prep_statx(sqe, dirfd, path, flags, mask, stx);
	return (int)op_finish(c, &op);
}

int pk_socket(int domain, int type, int protocol)
{
	struct pk_core *c = pk_route();
	int fd;

	if (!c) {
		fd = socket(domain, type, protocol);
	} else {
		OP_START(c, -1);
		io_uring_prep_socket(sqe, domain, type, protocol, 0);
		fd = (int)op_finish(c, &op);
	}
	if (fd >= 0)
		pk_fd_learnt(fd, type & SOCK_NONBLOCK ? O_NONBLOCK : 0, S_IFSOCK);
	return fd;
}

int pk_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	struct pk_core *c = ring_for(fd);
	int nfd;

	if (!c) {
		nfd = accept4(fd, addr, addrlen, flags);
	} else {
		OP_START(c, fd);
		io_uring_prep_accept(sqe, fd, addr, addrlen, flags);
		nfd = (int)op_finish(c, &op);
	}
	if (nfd >= 0)
		pk_fd_learnt(nfd, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0, S_IFSOCK);
	return nfd;
}

int pk_accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	return pk_accept4(fd, addr, addrlen, 0);
}

int pk_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	struct pk_core *c = ring_for(fd);

	/* An O_NONBLOCK socket wants EINPROGRESS at once, which only connect(2) gives. */
	if (!c)
		return connect(fd, addr, addrlen);
	OP_START(c, fd);
	io_uring_prep_connect(sqe, fd, addr, addrlen);
	/* A connect interrupted by a signal goes on in the background: EINTR, never a restart. */
	return (int)ret_errno(pk_op_run(c, &op, false));
}

/* The ring for a socket call with @flags: MSG_DONTWAIT cannot block either. */
static struct pk_core *sock_ring_for(int fd, int flags)
{
	return flags & MSG_DONTWAIT ? NULL : ring_for(fd);
}

ssize_t pk_send(int fd, const void *buf, size_t len, int flags)
{
	struct pk_core *c = sock_ring_for(fd, flags);

	if (!c)
		return send(fd, buf, len, flags);
	return sock_send(c, fd, buf, len, flags);
}

ssize_t pk_recv(int fd, void *buf, size_t len, int flags)
{
	struct pk_core *c = sock_ring_for(fd, flags);

	if (!c)
		return recv(fd, buf, len, flags);
	return sock_recv(c, fd, buf, len, flags);
}

ssize_t pk_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct pk_core *c = sock_ring_for(fd, flags);

	if (!c)
		return sendmsg(fd, msg, flags);
	OP_START(c, fd);
	io_uring_prep_sendmsg(sqe, fd, msg, (unsigned)flags | MSG_WAITALL);	/* all of it, as a blocking send */
	return op_finish(c, &op);
}

ssize_t pk_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct pk_core *c = sock_ring_for(fd, flags);

	if (!c)
		return recvmsg(fd, msg, flags);
	OP_START(c, fd);
	io_uring_prep_recvmsg(sqe, fd, msg, (unsigned)flags);
	return op_finish(c, &op);
}

ssize_t pk_sendto(int fd, const void *buf, size_t len, int flags,
		  const struct sockaddr *dest, socklen_t addrlen)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = {
		.msg_name = (void *)dest, .msg_namelen = dest ? addrlen : 0,
		.msg_iov = &iov, .msg_iovlen = 1,
	};

	if (!sock_ring_for(fd, flags))
		return sendto(fd, buf, len, flags, dest, addrlen);
	return pk_sendmsg(fd, &msg, flags);
}

ssize_t pk_recvfrom(int fd, void *buf, size_t len, int flags,
		    struct sockaddr *src, socklen_t *addrlen)
{
	struct iovec iov = { buf, len };
	struct msghdr msg = {
		.msg_name = src, .msg_namelen = src && addrlen ? *addrlen : 0,
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t r;

	if (!sock_ring_for(fd, flags))
		return recvfrom(fd, buf, len, flags, src, addrlen);
	r = pk_recvmsg(fd, &msg, flags);
	if (r >= 0 && src && addrlen)
		*addrlen = msg.msg_namelen;
	return r;
}

/* --- poll, select, sleeps ------------------------------------------------- */

#define POLL_STACK 16

/*
 * pk_poll's requests live in one heap block, because the call returns as
 * soon as one fired: the polls that did not and the timeout are cancelled
 * but not waited for (waiting cost a second io_uring_enter per call). Their
 * completions still come, on this core or thread, and the last one frees
 * the block (req_complete, pk_req_orphans). The pollfds are not written
 * after the call returns: only the requests are.
 */
struct poll_block {
	struct pk_req_orphans orphans;	/* first: freeing it frees the block */
	struct pk_req reqs[];
};

/* Cancels what is still pending in @b and hands @b to its completions, or frees it. */
static void poll_release(struct poll_block *b, unsigned n)
{
	struct io_uring_sqe *sqe;

	b->orphans.pending = 0;
	for (unsigned i = 0; i < n; i++) {
		if (b->reqs[i].done)
			continue;
		b->reqs[i].priv[2] = &b->orphans;
		b->orphans.pending++;
		sqe = pk_sqe(pk_tls_core);
		io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)&b->reqs[i] | PK_TAG_REQ, 0);
		io_uring_sqe_set_data(sqe, NULL);
	}
	if (!b->orphans.pending)
		free(b);
}

int pk_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct pk_req *ptrs_stack[POLL_STACK + 1], **ptrs = ptrs_stack;
	struct __kernel_timespec ts;
	struct pk_core *c;
	struct io_uring_sqe *sqe;
	struct poll_block *b;
	unsigned n = 0, ready = 0;
	int r = 0;

	/*
	 * What is ready now is the kernel's poll's to say, at the cost of one
	 * system call: the ring's answer costs a POLL_ADD per descriptor, a
	 * timeout, the cancels of those that did not fire and a round trip
	 * (six operations per 2 KiB chunk of tinyproxy's relay, where the
	 * data was waiting nearly every time).
	 */
	if (!(c = pk_route()))
		return poll(fds, nfds, timeout);
	if (kernel_first(c) && ((r = poll(fds, nfds, 0)) != 0 || timeout == 0))
		return r;
	if (nfds > (nfds_t)INT_MAX / 2) {
		errno = EINVAL;
		return -1;
	}
	b = calloc(1, sizeof(*b) + (nfds + 1) * sizeof(b->reqs[0]));
	if (nfds > POLL_STACK)
		ptrs = calloc(nfds + 1, sizeof(*ptrs));
	if (!b || !ptrs) {
		free(b);
		if (ptrs != ptrs_stack)
			free(ptrs);
		errno = ENOMEM;
		return -1;
	}
	for (nfds_t i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		sqe = pk_req_sqe(&b->reqs[n]);
		if (!sqe) {
			r = -errno;
			goto out;
		}
		io_uring_prep_poll_add(sqe, fds[i].fd, (unsigned)(fds[i].events | POLLERR | POLLHUP));
		b->reqs[n].priv[1] = &fds[i];
		ptrs[n] = &b->reqs[n];
		n++;
	}
	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (long long)(timeout % 1000) * 1000000;
		sqe = pk_req_sqe(&b->reqs[n]);
		if (!sqe) {
			r = -errno;
			goto out;
		}
		io_uring_prep_timeout(sqe, &ts, 0, 0);
		b->reqs[n].priv[1] = NULL;
		ptrs[n] = &b->reqs[n];
		n++;
	}
	if (!n) {
		/* poll(NULL, 0, -1) sleeps until a signal: fibers have none to wait for. */
		r = -EINVAL;
		goto out;
	}
	r = pk_req_wait(ptrs, n, 1);
	for (unsigned i = 0; i < n; i++) {
		struct pollfd *p = b->reqs[i].priv[1];

		if (!p || !b->reqs[i].done)
			continue;
		if (b->reqs[i].res > 0)
			p->revents = (short)(b->reqs[i].res & (p->events | POLLERR | POLLHUP | POLLNVAL));
		else if (b->reqs[i].res == -EBADF)
			p->revents = POLLNVAL;
		if (p->revents)
			ready++;
	}
	if (ready || r != -EINTR)
		r = (int)ready;
out:
	/* The timespec is read when the timeout is submitted, which pk_req_wait did. */
	poll_release(b, n);
	if (ptrs != ptrs_stack)
		free(ptrs);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

int pk_select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *timeout)
{
	struct pollfd *p;
	int n = 0, r, ms = -1, ready = 0;

	if (!pk_route())
		return select(nfds, rd, wr, ex, timeout);
	if (nfds < 0 || nfds > FD_SETSIZE ||
	    (timeout && (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1000000))) {
		errno = EINVAL;
		return -1;
	}
	p = calloc((size_t)nfds + 1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (rd && FD_ISSET(fd, rd))
			ev |= POLLIN;
		if (wr && FD_ISSET(fd, wr))
			ev |= POLLOUT;
		if (ex && FD_ISSET(fd, ex))
			ev |= POLLPRI;
		if (ev) {
			p[n].fd = fd;
			p[n++].events = ev;
		}
	}
	if (timeout) {
		long long t = (long long)timeout->tv_sec * 1000 + (timeout->tv_usec + 999) / 1000;

		ms = t > INT_MAX ? INT_MAX : (int)t;
	}
	r = pk_poll(p, (nfds_t)n, ms);
	if (r < 0)
		goto out;
	for (int i = 0; i < n; i++)
		if (p[i].revents & POLLNVAL) {
			errno = EBADF;
			r = -1;
			goto out;
		}
	if (rd)
		FD_ZERO(rd);
	if (wr)
		FD_ZERO(wr);
	if (ex)
		FD_ZERO(ex);
	for (int i = 0; i < n; i++) {
		short re = p[i].revents;

		if (rd && (p[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR)))
			FD_SET(p[i].fd, rd), ready++;
		if (wr && (p[i].events & POLLOUT) && (re & (POLLOUT | POLLERR)))
			FD_SET(p[i].fd, wr), ready++;
		if (ex && (p[i].events & POLLPRI) && (re & POLLPRI))
			FD_SET(p[i].fd, ex), ready++;
	}
	r = ready;
out:
	free(p);
	return r;
}

int pk_nanosleep(const struct timespec *req, struct timespec *rem)
{
	struct __kernel_timespec ts;
	struct timespec start, now;
	struct pk_core *c = pk_route();
	long r;

	if (!c)
		return nanosleep(req, rem);
	if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0) {
		errno = EINVAL;
		return -1;
	}
	ts.tv_sec = req->tv_sec;
	ts.tv_nsec = req->tv_nsec;
	clock_gettime(CLOCK_MONOTONIC, &start);
	{
		OP_START(c, -1);
		io_uring_prep_timeout(sqe, &ts, 0, 0);
		r = pk_op_run(c, &op, false);
	}
	if (r == -ETIME || r == 0)
		return 0;
	if (r == -EINTR && rem) {
		long long left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (req->tv_sec - (now.tv_sec - start.tv_sec)) * 1000000000LL +
		       (req->tv_nsec - (now.tv_nsec - start.tv_nsec));
		if (left < 0)
			left = 0;
		rem->tv_sec = left / 1000000000LL;
		rem->tv_nsec = left % 1000000000LL;
	}
	return (int)ret_errno(r);
}

unsigned int pk_sleep(unsigned int seconds)
{
	struct timespec ts = { seconds, 0 }, rem = { 0, 0 };

	if (pk_nanosleep(&ts, &rem) < 0)
		return (unsigned)rem.tv_sec + (rem.tv_nsec > 0);
	return 0;
}

int pk_usleep(unsigned int usec)
{
	struct timespec ts = { usec / 1000000, (long)(usec % 1000000) * 1000 };

	return pk_nanosleep(&ts, NULL);
}

pid_t pk_waitpid(pid_t pid, int *status, int options)
{
	siginfo_t si;
	idtype_t type = P_PID;
	id_t id = (id_t)pid;
	int wopt = WEXITED | (options & (WNOHANG | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD));
	struct pk_core *c = pk_route();
	long r;

	if (!c)
		return waitpid(pid, status, options);
	if (options & WUNTRACED)
		wopt |= WSTOPPED;
	if (pid < -1) {
		type = P_PGID;
		id = (id_t)-pid;
	} else if (pid == -1) {
		type = P_ALL;
		id = 0;
	} else if (pid == 0) {
		type = P_PGID;
		id = 0;
	}
	memset(&si, 0, sizeof(si));
	{
		OP_START(c, -1);
		io_uring_prep_rw(PK_IORING_OP_WAITID, sqe, (int)id, NULL, (unsigned)type, 0);
		sqe->file_index = (unsigned)wopt;
		sqe->addr2 = (uint64_t)(uintptr_t)&si;
		r = pk_op_run(c, &op, true);
	}
	if (r < 0)
		return (pid_t)ret_errno(r);
	if (!si.si_pid)
		return 0;	/* WNOHANG and nothing to report */
	if (status) {
		switch (si.si_code) {
		case CLD_EXITED: *status = (si.si_status & 0xff) << 8; break;
		case CLD_KILLED: *status = si.si_status & 0x7f; break;
		case CLD_DUMPED: *status = (si.si_status & 0x7f) | 0x80; break;
		case CLD_STOPPED: *status = (si.si_status & 0xff) << 8 | 0x7f; break;
		case CLD_TRAPPED: *status = (si.si_status & 0xff) << 8 | 0x7f; break;
		case CLD_CONTINUED: *status = 0xffff; break;
		}
	}
	return si.si_pid;
}
