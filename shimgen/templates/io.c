//@ common
/*
 * Family io: read and write on any descriptor (files, pipes, terminals,
 * sockets), through libpk, which chooses its ring or the kernel per call.
 */
//@ fn read: read __read_chk
SHIM_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	SHIM_REAL(read);

	if (shim_enter())
		SHIM_ROUTE(pk_read(fd, buf, n));
	return real ? real(fd, buf, n) : syscall(SYS_read, fd, buf, n);
}

SHIM_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	if (n > buflen)
		__builtin_trap();	/* glibc's __chk_fail: a buffer overflow */
	return read(fd, buf, n);
}

//@ fn write: write
SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	SHIM_REAL(write);

	if (shim_enter())
		SHIM_ROUTE(pk_write(fd, buf, n));
	return real ? real(fd, buf, n) : syscall(SYS_write, fd, buf, n);
}

//@ fn pread: pread pread64 __pread_chk __pread64_chk
SHIM_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	SHIM_REAL(pread);

	if (off >= 0 && shim_enter())
		SHIM_ROUTE(pk_pread(fd, buf, n, off));
	return real ? real(fd, buf, n, off) : syscall(SYS_pread64, fd, buf, n, off);
}

SHIM_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}

SHIM_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		__builtin_trap();
	return pread(fd, buf, n, off);
}

SHIM_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	if (n > buflen)
		__builtin_trap();
	return pread(fd, buf, n, off);
}

//@ fn pwrite: pwrite pwrite64
SHIM_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	SHIM_REAL(pwrite);

	if (off >= 0 && shim_enter())
		SHIM_ROUTE(pk_pwrite(fd, buf, n, off));
	return real ? real(fd, buf, n, off) : syscall(SYS_pwrite64, fd, buf, n, off);
}

SHIM_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}

//@ fn readv: readv
SHIM_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	SHIM_REAL(readv);

	if (iovcnt >= 0 && iovcnt <= IOV_MAX && shim_enter())
		SHIM_ROUTE(pk_readv(fd, iov, iovcnt));
	return real ? real(fd, iov, iovcnt) : syscall(SYS_readv, fd, iov, iovcnt);
}

//@ fn writev: writev
SHIM_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	SHIM_REAL(writev);

	if (iovcnt >= 0 && iovcnt <= IOV_MAX && shim_enter())
		SHIM_ROUTE(pk_writev(fd, iov, iovcnt));
	return real ? real(fd, iov, iovcnt) : syscall(SYS_writev, fd, iov, iovcnt);
}
