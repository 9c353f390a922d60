/*
 * Description: every pk_ POSIX twin against its libc function on the same
 * inputs, with the same result and errno, error cases included (EBADF,
 * ENOENT, EAGAIN on O_NONBLOCK, ESPIPE, EINVAL, ECONNREFUSED, ECHILD, EOF,
 * short reads), once from a plain thread that never called pk_init (lazy
 * per-thread ring) and once from a fiber; then, under a seccomp filter that
 * fails every read/write-family system call, that the pk_ calls still work:
 * the kernel sees only io_uring_enter.
 * Descriptors are closed with pk_close: libpk remembers which are O_NONBLOCK.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdlib.h>

#include "pk.h"
#include "t_pk.h"

static char tmpdir[] = "/tmp/pk-posix-XXXXXX";
static const char *where;

/* Both returned @r_pk/@e_pk and @r_px/@e_px: same value and, on failure, same errno. */
#define SAME(r_pk, e_pk, r_px, e_px, what)					\
	t_ok((r_pk) == (r_px) && ((r_pk) >= 0 || (e_pk) == (e_px)),		\
	     "%s: %s (pk %ld/%s, posix %ld/%s)", where, what, (long)(r_pk),	\
	     strerror(e_pk), (long)(r_px), strerror(e_px))

#define CMP(pkcall, pxcall, what) do {						\
	long r1_, r2_; int e1_, e2_;						\
	errno = 0; r1_ = (long)(pkcall); e1_ = errno;				\
	errno = 0; r2_ = (long)(pxcall); e2_ = errno;				\
	SAME(r1_, e1_, r2_, e2_, what);						\
} while (0)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int tcp_listener(struct sockaddr_in *a, int nonblock)
{
	socklen_t len = sizeof(*a);
	int s = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)a, sizeof(*a));
	listen(s, 16);
	getsockname(s, (struct sockaddr *)a, &len);
	return s;
}

#define NCHECKS 48
static void suite(void)
{
	char path[256], buf[64], b2[64];
	int fd, fd2, p[2];
	struct statx sx;
	struct stat st;

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	CMP(pk_open(path, O_RDONLY), open(path, O_RDONLY), "open of a missing file");

	snprintf(path, sizeof(path), "%s/f-%s", tmpdir, where);
	fd = pk_open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	t_ok(fd >= 0 && !fstat(fd, &st) && (st.st_mode & 0777) == 0600, "%s: pk_open creates with mode 0600", where);
	t_ok(pk_write(fd, "hello", 5) == 5, "%s: pk_write writes 5 bytes", where);
	t_ok(pk_pwrite(fd, "XY", 2, 10) == 2, "%s: pk_pwrite at offset 10", where);
	t_ok(lseek(fd, 0, SEEK_CUR) == 5, "%s: pk_write moved the file position, pk_pwrite did not", where);
	t_ok(pk_statx(AT_FDCWD, path, 0, STATX_SIZE | STATX_INO, &sx) == 0 && sx.stx_size == 12 &&
	     !stat(path, &st) && sx.stx_ino == st.st_ino, "%s: pk_statx sees size 12 and the inode", where);
	CMP(pk_statx(AT_FDCWD, "", 0, STATX_SIZE, &sx), statx(AT_FDCWD, "", 0, STATX_SIZE, &sx), "statx of an empty path");
	lseek(fd, 0, SEEK_SET);
	memset(buf, 0, sizeof(buf));
	t_ok(pk_read(fd, buf, sizeof(buf)) == 12 && !memcmp(buf, "hello\0\0\0\0\0XY", 12),
	     "%s: pk_read returns the short count at EOF", where);
	CMP(pk_read(fd, buf, sizeof(buf)), read(fd, buf, sizeof(buf)), "read at EOF gives 0");
	t_ok(pk_pread(fd, buf, 3, 1) == 3 && !memcmp(buf, "ell", 3), "%s: pk_pread at offset 1", where);
	{ off_t neg = -1; CMP(pk_pread(fd, buf, 3, neg), pread(fd, buf, 3, neg), "pread at a negative offset"); }
	lseek(fd, 0, SEEK_SET);
	{
		struct iovec w[2] = { { "ab", 2 }, { "cde", 3 } }, r[2] = { { buf, 1 }, { b2, 4 } };

		t_ok(pk_writev(fd, w, 2) == 5, "%s: pk_writev gathers 2 buffers", where);
		lseek(fd, 0, SEEK_SET);
		t_ok(pk_readv(fd, r, 2) == 5 && buf[0] == 'a' && !memcmp(b2, "bcde", 4),
		     "%s: pk_readv scatters into 2 buffers", where);
		{ volatile int neg = -1; CMP(pk_readv(fd, r, neg), readv(fd, r, neg), "readv with a negative count"); }
	}
	t_ok(pk_fsync(fd) == 0 && pk_fdatasync(fd) == 0, "%s: pk_fsync and pk_fdatasync", where);
	t_ok(pk_close(fd) == 0, "%s: pk_close", where);
	CMP(pk_close(fd), close(fd), "close of a closed descriptor");
	CMP(pk_read(9999, buf, 1), read(9999, buf, 1), "read of a bad descriptor");
	CMP(pk_write(-1, buf, 1), write(-1, buf, 1), "write to -1");
	fd = open(path, O_WRONLY);
	CMP(pk_read(fd, buf, 1), read(fd, buf, 1), "read of a write-only descriptor");
	pk_close(fd);
	{
		int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);

		fd = pk_openat(dfd, strrchr(path, '/') + 1, O_RDONLY);
		t_ok(fd >= 0 && pk_read(fd, buf, 2) == 2 && !memcmp(buf, "ab", 2), "%s: pk_openat relative to a directory", where);
		pk_close(fd);
		CMP(pk_read(dfd, buf, 1), read(dfd, buf, 1), "read of a directory");
		CMP(pk_read(dfd, buf, 0), read(dfd, buf, 0), "read of nothing from a directory");
		CMP(pk_pread(dfd, buf, 0, 0), pread(dfd, buf, 0, 0), "pread of nothing from a directory");
		pk_close(dfd);
	}

	pipe2(p, O_NONBLOCK);
	CMP(pk_read(p[0], buf, 1), read(p[0], buf, 1), "read of an empty O_NONBLOCK pipe");
	CMP(pk_pread(p[0], buf, 1, 0), pread(p[0], buf, 1, 0), "pread of a pipe");
	CMP(pk_fsync(p[1]), fsync(p[1]), "fsync of a pipe");
	{
		struct pollfd pf[3] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { 9999, POLLIN, 0 } };
		struct pollfd qf[3] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { 9999, POLLIN, 0 } };
		int r1 = pk_poll(pf, 3, 0), r2 = poll(qf, 3, 0);

		t_ok(r1 == r2 && pf[0].revents == qf[0].revents && pf[1].revents == qf[1].revents &&
		     pf[2].revents == qf[2].revents, "%s: pk_poll = poll (%d, %x %x %x)", where, r1,
		     pf[0].revents, pf[1].revents, pf[2].revents);
		pk_write(p[1], "z", 1);
		t_ok(pk_poll(pf, 1, -1) == 1 && pf[0].revents == POLLIN, "%s: pk_poll sees POLLIN", where);
	}
	{
		fd_set rs, ws;
		struct timeval tv = { 0, 0 };

		FD_ZERO(&rs);
		FD_ZERO(&ws);
		FD_SET(p[0], &rs);
		FD_SET(p[1], &ws);
		t_ok(pk_select(p[1] + 1, &rs, &ws, NULL, &tv) == 2 && FD_ISSET(p[0], &rs) && FD_ISSET(p[1], &ws),
		     "%s: pk_select sees both ends ready", where);
	}
	t_ok(pk_read(p[0], buf, 10) == 1 && buf[0] == 'z', "%s: pk_read gets the byte", where);
	pk_close(p[1]);
	CMP(pk_read(p[0], buf, 1), read(p[0], buf, 1), "read of a pipe whose writer closed (EOF)");
	pk_close(p[0]);

	{
		struct sockaddr_in a, peer;
		socklen_t plen = sizeof(peer);
		int l = tcp_listener(&a, 1), s, acc;

		CMP(pk_accept(l, NULL, NULL), accept(l, NULL, NULL), "accept with nothing pending on O_NONBLOCK");
		s = pk_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		t_ok(s >= 0 && (fcntl(s, F_GETFD) & FD_CLOEXEC), "%s: pk_socket honours SOCK_CLOEXEC", where);
		t_ok(pk_connect(s, (struct sockaddr *)&a, sizeof(a)) == 0, "%s: pk_connect", where);
		acc = pk_accept(l, (struct sockaddr *)&peer, &plen);
		t_ok(acc >= 0 && plen == sizeof(peer) && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
		     "%s: pk_accept returns the peer address", where);
		t_ok(pk_send(s, "ping", 4, 0) == 4 && pk_recv(acc, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "ping", 4),
		     "%s: pk_send/pk_recv", where);
		{
			struct iovec iv = { "pong!", 5 }, ir = { b2, sizeof(b2) };
			struct msghdr m = { .msg_iov = &iv, .msg_iovlen = 1 }, mr = { .msg_iov = &ir, .msg_iovlen = 1 };

			t_ok(pk_sendmsg(acc, &m, 0) == 5 && pk_recvmsg(s, &mr, 0) == 5 && !memcmp(b2, "pong!", 5),
			     "%s: pk_sendmsg/pk_recvmsg", where);
		}
		CMP(pk_recv(s, buf, 1, MSG_DONTWAIT), recv(s, buf, 1, MSG_DONTWAIT), "recv MSG_DONTWAIT with no data");
		pk_close(acc);
		CMP(pk_recv(s, buf, 1, 0), recv(s, buf, 1, 0), "recv after the peer closed (EOF)");
		pk_close(s);
		pk_close(l);
		s = socket(AF_INET, SOCK_STREAM, 0);
		fd2 = socket(AF_INET, SOCK_STREAM, 0);
		CMP(pk_connect(s, (struct sockaddr *)&a, sizeof(a)), connect(fd2, (struct sockaddr *)&a, sizeof(a)),
		    "connect to a closed port");
		pk_close(s);
		pk_close(fd2);
	}
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }, from;
		socklen_t alen = sizeof(a), flen = sizeof(from);
		int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in a2;

		bind(u1, (struct sockaddr *)&a, sizeof(a));
		getsockname(u1, (struct sockaddr *)&a, &alen);
		a2 = a;
		a2.sin_port = 0;
		bind(u2, (struct sockaddr *)&a2, sizeof(a2));
		alen = sizeof(a2);
		getsockname(u2, (struct sockaddr *)&a2, &alen);
		t_ok(pk_sendto(u2, "dgram", 5, 0, (struct sockaddr *)&a, sizeof(a)) == 5 &&
		     pk_recvfrom(u1, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 5 &&
		     flen == sizeof(from) && from.sin_port == a2.sin_port,
		     "%s: pk_sendto/pk_recvfrom with the sender's address", where);
		CMP(pk_recvfrom(u1, buf, 1, MSG_DONTWAIT, NULL, NULL), recvfrom(u1, buf, 1, MSG_DONTWAIT, NULL, NULL),
		    "recvfrom MSG_DONTWAIT with nothing queued");
		pk_close(u1);
		pk_close(u2);
	}
	{
		struct timespec bad = { 0, 1000000000 }, ts = { 0, 10 * 1000 * 1000 };
		double t0;

		CMP(pk_nanosleep(&bad, NULL), nanosleep(&bad, NULL), "nanosleep with tv_nsec out of range");
		t0 = now_ms();
		t_ok(pk_nanosleep(&ts, NULL) == 0 && now_ms() - t0 >= 10.0, "%s: pk_nanosleep(10 ms) not early (%.2f ms)",
		     where, now_ms() - t0);
	}
	{
		pid_t pid = fork();
		int status = 0;

		if (pid == 0)
			_exit(3);
		t_ok(pk_waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3,
		     "%s: pk_waitpid reaps a child with its exit status", where);
		CMP(pk_waitpid(-1, &status, 0), waitpid(-1, &status, 0), "waitpid with no children");
		CMP(pk_waitpid(-1, &status, WNOHANG), waitpid(-1, &status, WNOHANG), "waitpid WNOHANG with no children");
	}
}

static void *fiber_suite(void *arg)
{
	(void)arg;
	where = "fiber";
	suite();
	return NULL;
}

/* --- the kernel sees no read/write-family system call ------------------ */

static int no_rw_syscalls(void)
{
	static const int nrs[] = {
		SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64,
		SYS_preadv, SYS_pwritev, SYS_preadv2, SYS_pwritev2, SYS_recvfrom, SYS_sendto,
		SYS_recvmsg, SYS_sendmsg, SYS_recvmmsg, SYS_sendmmsg,
	};
	struct sock_filter f[64];
	struct sock_fprog prog;
	unsigned n = 0, k = sizeof(nrs) / sizeof(nrs[0]);

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (unsigned i = 0; i < k; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i], k - i, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTRECOVERABLE);
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int rw_steps(void)
{
	int p[2], sv[2];
	char buf[8];

	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 10;
	if (pk_write(p[1], "abc", 3) != 3)
		return 11;
	if (pk_read(p[0], buf, 8) != 3)
		return 12;
	if (pk_send(sv[0], "x", 1, 0) != 1 || pk_recv(sv[1], buf, 1, 0) != 1)
		return 13;
	if (pk_sendto(sv[1], "y", 1, 0, NULL, 0) != 1 || pk_recvfrom(sv[0], buf, 1, 0, NULL, NULL) != 1)
		return 14;
	return 0;
}

static void *rw_fiber(void *arg)
{
	(void)arg;
	return (void *)(long)rw_steps();
}

static void seccomp_test(void)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		char c;
		void *r = NULL;

		if (no_rw_syscalls())
			_exit(2);
		if (read(0, &c, 1) != -1 || errno != ENOTRECOVERABLE)
			_exit(3);	/* the filter does not bite */
		if ((st = rw_steps()))
			_exit(st);
		if (pk_run(rw_fiber, NULL, &r) || r)
			_exit(r ? (int)(long)r + 10 : 4);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	t_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	     "with read/write/recv/send... denied by seccomp, pk_ calls still work from a thread and a fiber (status %d)",
	     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	struct io_uring ring;
	char cmd[300];

	/* Ordinary threads' calls go to the kernel unless told (pk.h): these are about their rings. */
	setenv("PK_ROUTE", "ring", 1);
	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	if (!mkdtemp(tmpdir))
		return 1;
	t_plan(2 * NCHECKS + 1);
	where = "thread";
	suite();
	if (pk_run(fiber_suite, NULL, NULL))
		t_ok(0, "pk_run");
	pk_shutdown();
	seccomp_test();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		t_diag("could not remove %s", tmpdir);
	return t_done();
}
