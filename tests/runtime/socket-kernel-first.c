/*
 * Description: a fiber's socket calls ask the kernel first (issue 14): a
 * receive that finds data, a send the socket has room for and a poll of a
 * ready descriptor are done in place, without parking (another ready
 * fiber does not run meanwhile); what would wait goes to the ring and
 * parks (the other fiber runs) and returns once the peer acts; a blocking
 * send, write or sendmsg larger than the socket's buffer sends every byte,
 * in order (through the ring they returned a short count); a
 * socket's number reused for a pipe behind libpk's back is read and
 * written as the pipe it now is.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "pk.h"
#include "t_pk.h"

#define BIG (8u << 20)	/* far more than a socket buffer holds */

static volatile int ran;	/* set by the bystander fiber */

static void *bystander(void *arg)
{
	(void)arg;
	ran = 1;
	return NULL;
}

/* A ready fiber that sets @ran when it runs: whether the caller parked between. */
static pk_fiber_t ready_bystander(void)
{
	pk_fiber_t f;

	ran = 0;
	if (pk_spawn(&f, bystander, NULL))
		abort();
	return f;
}

static uint64_t mix(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

struct big {
	int fd;
	uint64_t sum;
	size_t got;
};

/* Receives until end of file, in 64 KiB pieces, summing what it got. */
static void *drain(void *arg)
{
	static unsigned char buf[65536];
	struct big *b = arg;
	ssize_t r;

	b->sum = 0xcbf29ce484222325ull;
	while ((r = pk_recv(b->fd, buf, sizeof(buf), 0)) > 0) {
		b->sum = mix(b->sum, buf, (size_t)r);
		b->got += (size_t)r;
	}
	return NULL;
}

static void *late_send(void *arg)
{
	pk_usleep(20000);
	pk_send(*(int *)arg, "late", 4, 0);
	return NULL;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *main_fiber(void *arg)
{
	unsigned char *data = malloc(BIG);
	struct big b = { 0 };
	struct pollfd pfd;
	pk_fiber_t f, g;
	char buf[16];
	int sv[2], p[2];
	double t0;
	ssize_t r;

	(void)arg;
	if (!data || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		abort();

	/* Done in place: data waiting, room to send, a ready poll. */
	if (write(sv[1], "ping", 4) != 4)
		abort();
	f = ready_bystander();
	r = pk_recv(sv[0], buf, sizeof(buf), 0);
	t_ok(r == 4 && !memcmp(buf, "ping", 4) && !ran, "pk_recv of waiting data: in place, no park (r %zd, other ran %d)",
	     r, ran);
	pk_join(f, NULL);
	f = ready_bystander();
	r = pk_send(sv[0], "pong", 4, 0);
	t_ok(r == 4 && !ran, "pk_send with room: in place, no park");
	pk_join(f, NULL);
	f = ready_bystander();
	pfd = (struct pollfd){ .fd = sv[1], .events = POLLIN };
	r = pk_poll(&pfd, 1, 1000);
	t_ok(r == 1 && pfd.revents == POLLIN && !ran, "pk_poll of a ready socket: in place, POLLIN, no park");
	pk_join(f, NULL);
	f = ready_bystander();
	r = pk_read(sv[1], buf, sizeof(buf));
	t_ok(r == 4 && !memcmp(buf, "pong", 4) && !ran, "pk_read of a socket with data: in place, no park");
	pk_join(f, NULL);

	/* Would wait: parks, the other fiber runs, the data comes. */
	f = ready_bystander();
	pk_spawn(&g, late_send, &sv[1]);
	r = pk_recv(sv[0], buf, sizeof(buf), 0);
	t_ok(r == 4 && !memcmp(buf, "late", 4) && ran, "pk_recv of an empty socket parks and gets the late data");
	pk_join(f, NULL);
	pk_join(g, NULL);
	f = ready_bystander();
	pfd = (struct pollfd){ .fd = sv[0], .events = POLLIN };
	t0 = now_ms();
	r = pk_poll(&pfd, 1, 30);
	t_ok(r == 0 && ran && now_ms() - t0 >= 29, "pk_poll of an idle socket parks for its timeout (%.1f ms)",
	     now_ms() - t0);
	pk_join(f, NULL);

	/* More than the buffer holds: a blocking send sends it all. */
	for (size_t i = 0; i < BIG; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	b.fd = sv[1];
	pk_spawn(&f, drain, &b);
	r = pk_send(sv[0], data, BIG, 0);
	t_ok(r == (ssize_t)BIG, "pk_send of %u bytes returns them all (%zd)", BIG, r);
	r = pk_write(sv[0], data, BIG);
	t_ok(r == (ssize_t)BIG, "pk_write of %u bytes returns them all (%zd)", BIG, r);
	{
		struct iovec iov = { data, BIG };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

		r = pk_sendmsg(sv[0], &msg, 0);
	}
	t_ok(r == (ssize_t)BIG, "pk_sendmsg of %u bytes returns them all (%zd)", BIG, r);
	shutdown(sv[0], SHUT_WR);
	pk_join(f, NULL);
	t_ok(b.got == 3 * (size_t)BIG && b.sum == mix(mix(mix(0xcbf29ce484222325ull, data, BIG), data, BIG), data, BIG),
	     "the peer got all three, byte for byte, in order (%zu bytes)", b.got);

	/* libc reuses the socket's number for a pipe: read and written as a pipe. */
	if (pipe(p) || dup2(p[0], sv[0]) < 0 || write(p[1], "pipe", 4) != 4)
		abort();
	r = pk_read(sv[0], buf, sizeof(buf));
	t_ok(r == 4 && !memcmp(buf, "pipe", 4), "a socket's number reused for a pipe: pk_read reads the pipe (%zd %s)",
	     r, r < 0 ? strerror(errno) : "");
	if (dup2(p[1], sv[1]) < 0)
		abort();
	r = pk_write(sv[1], "back", 4);
	t_ok(r == 4 && read(p[0], buf, 4) == 4 && !memcmp(buf, "back", 4),
	     "and pk_write writes the other's (%zd %s)", r, r < 0 ? strerror(errno) : "");
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	free(data);
	return NULL;
}

int main(void)
{
	return t_run_fiber_on(1, main_fiber, 12);
}
