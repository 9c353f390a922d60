//@ common
/*
 * Family stdio: the FILE streams a program opens by name or descriptor
 * (fopen, fdopen). glibc's stdio reads and writes through its own internal
 * read/write, which a preload cannot interpose; a stream made with
 * fopencookie() calls functions we give it instead, so these streams do
 * their I/O through libpk.
 *
 * A cookie stream differs from glibc's file stream in four ways, each
 * made good here so the program cannot tell:
 * - fileno() returns -1 on it: the stream's _fileno (public in glibc's
 *   struct _IO_FILE) is set to the descriptor;
 * - freopen() crashes on it: glibc marks a cookie stream byte-only with a
 *   _wide_data of -1, which freopen dereferences; NULL says the same to
 *   everything else, and freopen then reopens it as a glibc file stream;
 * - its buffer is BUFSIZ and never line-buffered: on pipes, sockets and
 *   terminals the buffer is sized as glibc sizes a file stream's (st_blksize
 *   when smaller than BUFSIZ) and a terminal gets line buffering, as
 *   glibc's _IO_file_doallocate does, so writes reach a reader in the same
 *   pieces. A regular file gets 64 KiB: a cookie stream copies even a large
 *   fread through its buffer (glibc's file stream reads those straight into
 *   the caller's), and one io_uring operation per 4 KiB would cost more
 *   calls than the kernel path; only a concurrent reader of the file could
 *   tell the difference;
 * - it does not loop over short writes, and "a" mode does not start at the
 *   end: both are done here as glibc's file stream does them.
 * stdin, stdout and stderr are glibc's own streams and stay on the kernel
 * path; so do streams opened with ",ccs=" (wide-character conversion).
 */
struct shim_stream {
	int fd;
	char buf[];	/* the stream's buffer, freed with the stream */
};

/* One read or write on the stream's descriptor: libpk's when it may, else the kernel's. */
static long shim_stream_io(int writing, int fd, char *buf, size_t n)
{
	long r;

	if (shim_enter()) {
		r = writing ? pk_write(fd, buf, n) : pk_read(fd, buf, n);
		shim_leave();
		return r;
	}
	return syscall(writing ? SYS_write : SYS_read, fd, buf, n);
}

static ssize_t shim_stream_read(void *cookie, char *buf, size_t n)
{
	return shim_stream_io(0, ((struct shim_stream *)cookie)->fd, buf, n);
}

/* As glibc's _IO_new_file_write: on until done or an error, whose errno stays. */
static ssize_t shim_stream_write(void *cookie, const char *buf, size_t n)
{
	int fd = ((struct shim_stream *)cookie)->fd;
	size_t done = 0;
	long r;

	while (done < n) {
		r = shim_stream_io(1, fd, (char *)buf + done, n - done);
		if (r < 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static int shim_stream_seek(void *cookie, off64_t *pos, int whence)
{
	off64_t r = lseek64(((struct shim_stream *)cookie)->fd, *pos, whence);

	if (r < 0)
		return -1;
	*pos = r;
	return 0;
}

static int shim_stream_close(void *cookie)
{
	struct shim_stream *s = cookie;
	int fd = s->fd;

	free(s);
	return shim_close(fd, NULL);
}

/*
 * A stream over @fd for @mode ("r", "w", "a", each maybe with '+'), buffered
 * as glibc buffers a file stream; NULL with errno set (the descriptor is
 * left open).
 */
static FILE *shim_stream(int fd, const char *mode)
{
	static const cookie_io_functions_t io = {
		shim_stream_read, shim_stream_write, shim_stream_seek, shim_stream_close,
	};
	char cmode[3] = { mode[0], strchr(mode, '+') ? '+' : '\0', '\0' };
	size_t size = BUFSIZ;
	struct shim_stream *s;
	struct stat st;
	int line = 0;
	FILE *f;

	if (fstat(fd, &st) == 0) {
		if (S_ISREG(st.st_mode))
			size = 64 << 10;
		else if (st.st_blksize > 0 && (size_t)st.st_blksize < size)
			size = (size_t)st.st_blksize;
		line = S_ISCHR(st.st_mode) && isatty(fd);
	}
	s = malloc(sizeof(*s) + size);
	if (!s)
		return NULL;
	s->fd = fd;
	f = fopencookie(s, cmode, io);
	if (!f) {
		free(s);
		return NULL;
	}
	f->_fileno = fd;
	f->_wide_data = NULL;
	setvbuf(f, s->buf, line ? _IOLBF : _IOFBF, size);
	return f;
}

/* open(2) flags for an fopen mode, as glibc parses it; -1 for EINVAL. */
static int shim_fopen_flags(const char *mode)
{
	int flags;

	switch (mode[0]) {
	case 'r': flags = O_RDONLY; break;
	case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
	case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
	default: return -1;
	}
	/* glibc looks at six more characters at most, and stops at ','. */
	for (int i = 1; i < 7 && mode[i] && mode[i] != ','; i++) {
		if (mode[i] == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (mode[i] == 'x')
			flags |= O_EXCL;
		else if (mode[i] == 'e')
			flags |= O_CLOEXEC;
	}
	return flags;
}

//@ fn fopen: fopen fopen64
static FILE *shim_fopen(const char *path, const char *mode)
{
	SHIM_REAL(fopen);
	int flags = mode ? shim_fopen_flags(mode) : -1, fd, err;
	FILE *f;

	if (shim_on < 0)
		shim_setup();
	if (!shim_on || flags < 0 || strchr(mode, ',')) {
		if (real)
			return real(path, mode);
		errno = EINVAL;	/* asked for while dlsym runs */
		return NULL;
	}
	fd = shim_openat(AT_FDCWD, path, flags, 0666);
	if (fd < 0)
		return NULL;
	/* glibc starts an "a" stream at the end, so ftell says where it writes. */
	if (mode[0] == 'a' && !strchr(mode, '+') && lseek64(fd, 0, SEEK_END) < 0 && errno != ESPIPE)
		goto fail;
	f = shim_stream(fd, mode);
	if (f)
		return f;
fail:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

SHIM_EXPORT FILE *fopen(const char *path, const char *mode)
{
	return shim_fopen(path, mode);
}

SHIM_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return shim_fopen(path, mode);
}

//@ fn fdopen: fdopen
SHIM_EXPORT FILE *fdopen(int fd, const char *mode)
{
	SHIM_REAL(fdopen);
	int want = mode ? shim_fopen_flags(mode) : -1, fl;

	if (shim_on < 0)
		shim_setup();
	if (!shim_on || want < 0 || strchr(mode, ',') || shim_is_ring(fd)) {
		if (real)
			return real(fd, mode);
		errno = EINVAL;
		return NULL;
	}
	/* As glibc: the descriptor's access mode must allow the stream's. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return NULL;
	if (((fl & O_ACCMODE) == O_RDONLY && (want & O_ACCMODE) != O_RDONLY) ||
	    ((fl & O_ACCMODE) == O_WRONLY && (want & O_ACCMODE) != O_WRONLY)) {
		errno = EINVAL;
		return NULL;
	}
	if ((want & O_APPEND) && !(fl & O_APPEND)) {
		if (fcntl(fd, F_SETFL, fl | O_APPEND) < 0)
			return NULL;
		if (!strchr(mode, '+') && lseek64(fd, 0, SEEK_END) < 0 && errno != ESPIPE)
			return NULL;
	}
	return shim_stream(fd, mode);
}
