//@ common
/* Family sync: fsync and fdatasync as IORING_OP_FSYNC. */

//@ fn fsync: fsync
SHIM_EXPORT int fsync(int fd)
{
	SHIM_REAL(fsync);

	if (shim_enter())
		SHIM_ROUTE(pk_fsync(fd));
	return real ? real(fd) : (int)syscall(SYS_fsync, fd);
}

//@ fn fdatasync: fdatasync
SHIM_EXPORT int fdatasync(int fd)
{
	SHIM_REAL(fdatasync);

	if (shim_enter())
		SHIM_ROUTE(pk_fdatasync(fd));
	return real ? real(fd) : (int)syscall(SYS_fdatasync, fd);
}
