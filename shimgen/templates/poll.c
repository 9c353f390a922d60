//@ common
/*
 * Family poll: poll and select as io_uring POLL_ADD operations plus a
 * TIMEOUT; the first completion wins (libpk's pk_poll). poll(NULL, 0, -1),
 * which waits for a signal only, goes to libc.
 */

//@ fn poll: poll __poll_chk
SHIM_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	SHIM_REAL(poll);

	if (n > 0 && shim_enter())
		SHIM_ROUTE(pk_poll(fds, n, timeout));
	return real ? real(fds, n, timeout) : (int)syscall(SYS_poll, fds, n, timeout);
}

SHIM_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__builtin_trap();
	return poll(fds, n, timeout);
}

//@ fn select: select
SHIM_EXPORT int select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	SHIM_REAL(select);

	/* select(0, ...) is a sleep; select rewrites *tv on Linux, pk_select does not. */
	if (n > 0 && !tv && shim_enter())
		SHIM_ROUTE(pk_select(n, rd, wr, ex, tv));
	return real ? real(n, rd, wr, ex, tv) : (int)syscall(SYS_select, n, rd, wr, ex, tv);
}
