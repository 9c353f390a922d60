//@ common
/*
 * Family open: opening files by path, one IORING_OP_OPENAT each. glibc's
 * fortified (__open_2) and large-file (open64) names are the same call:
 * on 64-bit, O_LARGEFILE is implied and io_uring sets it anyway.
 */
static mode_t shim_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

//@ fn open: open open64 __open_2 __open64_2
SHIM_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = shim_mode(flags, ap);
	va_end(ap);
	return shim_openat(AT_FDCWD, path, flags, mode);
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = shim_mode(flags, ap);
	va_end(ap);
	return shim_openat(AT_FDCWD, path, flags, mode);
}

SHIM_EXPORT int __open_2(const char *path, int flags)
{
	return shim_openat(AT_FDCWD, path, flags, 0);
}

SHIM_EXPORT int __open64_2(const char *path, int flags)
{
	return shim_openat(AT_FDCWD, path, flags, 0);
}

//@ fn openat: openat openat64 __openat_2 __openat64_2
SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = shim_mode(flags, ap);
	va_end(ap);
	return shim_openat(dirfd, path, flags, mode);
}

SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = shim_mode(flags, ap);
	va_end(ap);
	return shim_openat(dirfd, path, flags, mode);
}

SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return shim_openat(dirfd, path, flags, 0);
}

SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return shim_openat(dirfd, path, flags, 0);
}

//@ fn creat: creat creat64
SHIM_EXPORT int creat(const char *path, mode_t mode)
{
	return shim_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

SHIM_EXPORT int creat64(const char *path, mode_t mode)
{
	return shim_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}
