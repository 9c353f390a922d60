//@ common
/*
 * Family fd: closing descriptors (IORING_OP_CLOSE, after cancelling what
 * libpk has in flight on them), and the calls the shim watches without
 * routing them, because they change what a descriptor number means or
 * whether it blocks: dup2, dup3, fcntl, ioctl (FIONBIO), and close_range
 * and closefrom, which would close the shim's rings with the rest (daemons
 * close every descriptor above 2). They always pass through to libc.
 */

//@ fn close: close
SHIM_EXPORT int close(int fd)
{
	SHIM_REAL(close);

	if (shim_is_ring(fd)) {
		/* A program closing every descriptor must not take the ring. */
		errno = EBADF;
		return -1;
	}
	return shim_close(fd, real);
}

//@ always: dup dup2 dup3 pipe pipe2 socketpair fclose fcntl fcntl64 ioctl close_range closefrom
/*
 * What the shim knows of a descriptor number is forgotten whenever the
 * number may have been given to something new: libc closes descriptors
 * behind the program's back (fclose of its own streams), and the number
 * then comes back from pipe, socketpair or dup.
 */
SHIM_EXPORT int dup(int old)
{
	SHIM_REAL(dup);
	int fd = real ? real(old) : (int)syscall(SYS_dup, old);

	shim_fd_forget(fd);
	return fd;
}

SHIM_EXPORT int pipe(int fds[2])
{
	SHIM_REAL(pipe);
	int r = real ? real(fds) : (int)syscall(SYS_pipe2, fds, 0);

	if (r == 0) {
		shim_fd_forget(fds[0]);
		shim_fd_forget(fds[1]);
	}
	return r;
}

SHIM_EXPORT int pipe2(int fds[2], int flags)
{
	SHIM_REAL(pipe2);
	int r = real ? real(fds, flags) : (int)syscall(SYS_pipe2, fds, flags);

	if (r == 0) {
		shim_fd_forget(fds[0]);
		shim_fd_forget(fds[1]);
	}
	return r;
}

SHIM_EXPORT int socketpair(int domain, int type, int protocol, int fds[2])
{
	SHIM_REAL(socketpair);
	int r = real ? real(domain, type, protocol, fds) :
		       (int)syscall(SYS_socketpair, domain, type, protocol, fds);

	if (r == 0) {
		shim_fd_forget(fds[0]);
		shim_fd_forget(fds[1]);
	}
	return r;
}

SHIM_EXPORT int fclose(FILE *f)
{
	SHIM_REAL(fclose);
	int fd = f ? f->_fileno : -1, r;

	if (!real) {
		errno = ENOSYS;	/* asked for while dlsym runs: nothing sensible to do */
		return EOF;
	}
	r = real(f);
	shim_fd_forget(fd);
	return r;
}

SHIM_EXPORT int dup2(int old, int new)
{
	SHIM_REAL(dup2);

	if (shim_is_ring(new)) {
		errno = EBUSY;	/* as dup2 over a descriptor being installed */
		return -1;
	}
	shim_fd_forget(new);
	return real ? real(old, new) : (int)syscall(SYS_dup2, old, new);
}

SHIM_EXPORT int dup3(int old, int new, int flags)
{
	SHIM_REAL(dup3);

	if (shim_is_ring(new)) {
		errno = EBUSY;
		return -1;
	}
	shim_fd_forget(new);
	return real ? real(old, new, flags) : (int)syscall(SYS_dup3, old, new, flags);
}

static int shim_fcntl(const char *name, void **slot, int fd, int cmd, void *arg)
{
	int (*real)(int, int, ...) = (int (*)(int, int, ...))shim_real(name, slot);
	int r = real ? real(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);

	if (cmd == F_SETFL)
		shim_fd_forget(fd);
	else if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		shim_fd_forget(r);
	return r;
}

SHIM_EXPORT int fcntl(int fd, int cmd, ...)
{
	static void *slot;
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return shim_fcntl("fcntl", &slot, fd, cmd, arg);
}

SHIM_EXPORT int fcntl64(int fd, int cmd, ...)
{
	static void *slot;
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return shim_fcntl("fcntl64", &slot, fd, cmd, arg);
}

SHIM_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	static void *slot;
	int (*real)(int, unsigned long, ...) = (int (*)(int, unsigned long, ...))shim_real("ioctl", &slot);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == FIONBIO)
		shim_fd_forget(fd);
	return real ? real(fd, req, arg) : (int)syscall(SYS_ioctl, fd, req, arg);
}

/*
 * close_range(2) over [first, last] minus the shim's rings: one call per
 * gap. Marking close-on-exec needs no gap: the rings have it already.
 */
static int shim_close_range(unsigned first, unsigned last, int flags)
{
	unsigned top = last < SHIM_FD_MAX - 1 ? last : SHIM_FD_MAX - 1;

	for (unsigned fd = first; fd <= top && !(flags & CLOSE_RANGE_CLOEXEC); fd++) {
		if (!shim_is_ring((int)fd)) {
			shim_fd_forget((int)fd);
			continue;
		}
		if (fd > first && syscall(SYS_close_range, first, fd - 1, flags))
			return -1;
		first = fd + 1;
	}
	if (first > last)
		return 0;
	return (int)syscall(SYS_close_range, first, last, flags);
}

SHIM_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	if (first > last) {
		errno = EINVAL;
		return -1;
	}
	return shim_close_range(first, last, flags);
}

SHIM_EXPORT void closefrom(int lowfd)
{
	/* glibc's closefrom never fails: it falls back to close() one by one. */
	if (shim_close_range(lowfd < 0 ? 0 : (unsigned)lowfd, ~0u, 0) == 0)
		return;
	for (int fd = lowfd < 0 ? 0 : lowfd; fd < SHIM_FD_MAX; fd++)
		if (!shim_is_ring(fd))
			syscall(SYS_close, fd);
}
