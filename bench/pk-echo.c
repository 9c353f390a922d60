/*
 * TCP echo on loopback: a libpk server (one fiber per connection, pk_recv
 * then pk_send, accept in a fiber too) against an epoll server (one thread,
 * level-triggered, non-blocking read then write), both driven by the same
 * client in the same run: C connections, each with one request of S bytes
 * in flight, N requests in all after a warm-up of N/10.
 *
 * Figures: requests per second, and the server's system calls per request
 * counted by a perf counter on raw_syscalls:sys_enter over the measured
 * requests only (pk-echo.h), io_uring_enter included and also shown apart,
 * and the server's CPU time per request (all its threads, the SQPOLL
 * thread included), which load from other users disturbs less.
 * Goal (issue 5): libpk at least epoll's throughput, and at most 0.1
 * system calls per request with SQPOLL on its own CPU.
 *
 * Placement on a 2-CPU machine (CPU A, CPU B = the first and last usable):
 * the client always runs on A. epoll and plain libpk put the server on B.
 * With SQPOLL, B is the polling thread's own CPU, so the libpk scheduler
 * thread shares A with the client (a polling thread sharing a CPU with the
 * scheduler pushes round trips to milliseconds, see runtime/sched.c). So
 * SQPOLL is also compared with epoll@A, the epoll server on A beside the
 * client: the same CPU for the application, the other one for the kernel.
 * The CPU each thread last ran on is printed with its figures.
 *
 * libpk+batch is plain libpk with completion coalescing (pk_config's
 * wait_batch 16, min_wait_us 50): fewer system calls and less CPU per
 * request, for up to 50 us more latency per round trip.
 *
 * Each configuration runs R rounds (-r), interleaved so that a burst of
 * load from other users of the machine hits all of them; the median round
 * is printed.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "pk.h"
#include "pk-echo.h"

enum { M_EPOLL, M_PK, M_PK_BATCH, M_EPOLL_A, M_PK_SQPOLL, M_NR };
static const char *mode_name[M_NR] = { "epoll", "libpk", "libpk+batch", "epoll@A", "libpk+SQPOLL" };

static int nconn = 64, msg_size = 64, rounds = 3;
static long nreq = 100000;
static int cpu_a, cpu_b;
static int lfd;

struct result {
	double rps, sc, uring, cpu;
	char threads[512];
};

static void nodelay(int fd)
{
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
}

/* --- epoll server --------------------------------------------------------- */

static void serve_epoll(void)
{
	struct epoll_event ev[64], e = { .events = EPOLLIN };
	static char buf[65536];
	int ep = epoll_create1(0);

	fcntl(lfd, F_SETFL, O_NONBLOCK);
	e.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
	for (;;) {
		int n = epoll_wait(ep, ev, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			ssize_t r, w;

			if (fd == lfd) {
				int c;

				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					nodelay(c);
					e.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
				}
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r <= 0) {
				if (r == 0 || errno != EAGAIN)
					close(fd);
				continue;
			}
			for (ssize_t off = 0; off < r; off += w > 0 ? w : 0)
				if ((w = write(fd, buf + off, (size_t)(r - off))) < 0 && errno != EAGAIN)
					break;
		}
	}
}

/* --- libpk server --------------------------------------------------------- */

static void *pk_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[16384];
	ssize_t r, w;

	while ((r = pk_recv(fd, buf, sizeof(buf), 0)) > 0)
		for (ssize_t off = 0; off < r; off += w)
			if ((w = pk_send(fd, buf + off, (size_t)(r - off), 0)) <= 0)
				goto out;
out:
	pk_close(fd);
	return NULL;
}

static void *pk_acceptor(void *arg)
{
	pk_fiber_t f;
	int c;

	(void)arg;
	while ((c = pk_accept(lfd, NULL, NULL)) >= 0) {
		nodelay(c);
		if (pk_spawn(&f, pk_conn, (void *)(intptr_t)c) == 0)
			pk_detach(f);
	}
	return NULL;
}

/* @batch: completion coalescing (pk_config.wait_batch 16, min_wait_us 50). */
static void serve_pk(int sqpoll, int batch)
{
	struct pk_config cfg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu_b, &set);
	if (sqpoll)
		CPU_SET(cpu_a, &set);
	/* libpk takes its scheduler CPUs from our affinity, skipping the SQPOLL one. */
	sched_setaffinity(0, sizeof(set), &set);
	pk_config_init(&cfg);
	cfg.cores = 1;
	cfg.sqpoll = sqpoll;
	cfg.sqpoll_cpu = cpu_b;
	cfg.sqpoll_idle_ms = 1000;
	if (batch) {
		cfg.wait_batch = 16;
		cfg.min_wait_us = 50;
	}
	if (pk_init(&cfg) < 0)
		_exit(1);
	pk_run(pk_acceptor, NULL, NULL);
	_exit(0);
}

/* --- the client ------------------------------------------------------------ */

/* Runs @n requests over the connections @fds; returns the seconds it took. */
static double client_run(int *fds, long n)
{
	struct epoll_event ev[64], e = { .events = EPOLLIN };
	char *out = malloc((size_t)msg_size), in[65536];
	int *got = calloc((size_t)nconn, sizeof(int));
	int ep = epoll_create1(0);
	long sent = 0, done = 0;
	double t0;

	memset(out, 'x', (size_t)msg_size);
	for (int i = 0; i < nconn; i++) {
		e.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
	}
	t0 = b_now();
	for (int i = 0; i < nconn && sent < n; i++, sent++)
		if (write(fds[i], out, (size_t)msg_size) != msg_size)
			goto fail;
	while (done < n) {
		int k = epoll_wait(ep, ev, 64, 5000);

		if (k <= 0)
			goto fail;
		for (int j = 0; j < k; j++) {
			int i = (int)ev[j].data.u32;
			ssize_t r = read(fds[i], in, sizeof(in));

			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				goto fail;
			}
			got[i] += (int)r;
			while (got[i] >= msg_size) {
				got[i] -= msg_size;
				done++;
				if (sent < n) {
					sent++;
					if (write(fds[i], out, (size_t)msg_size) != msg_size)
						goto fail;
				}
			}
		}
	}
	t0 = b_now() - t0;
	goto out;
fail:
	fprintf(stderr, "pk-echo: client: %ld of %ld requests done: %s\n", done, n,
		errno ? strerror(errno) : "timeout");
	t0 = -1;
out:
	close(ep);
	free(out);
	free(got);
	return t0;
}

static int run_one(int mode, struct result *res)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct b_sc sc;
	double cpu0;
	int go[2], *fds = calloc((size_t)nconn, sizeof(int)), ok = 0;
	pid_t srv;
	double t;
	char c = 0;

	memset(res, 0, sizeof(*res));
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4096) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) || pipe(go)) {
		perror("pk-echo: listen");
		return -1;
	}
	srv = fork();
	if (srv == 0) {
		close(go[1]);
		/* Wait until the counters are attached: every thread started after is counted. */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if (mode == M_EPOLL || mode == M_EPOLL_A) {
			b_pin(mode == M_EPOLL ? cpu_b : cpu_a);
			serve_epoll();
		}
		serve_pk(mode == M_PK_SQPOLL, mode == M_PK_BATCH);
	}
	close(go[0]);
	close(lfd);
	b_sc_attach(&sc, srv);
	if (write(go[1], &c, 1) != 1)
		goto out;
	for (int i = 0; i < nconn; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&a, sizeof(a))) {
			perror("pk-echo: connect");
			goto out;
		}
		nodelay(fds[i]);
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
	}
	if (client_run(fds, nreq / 10 + nconn) < 0)
		goto out;
	cpu0 = b_cpu_ns(srv);
	b_sc_start(&sc);
	t = client_run(fds, nreq);
	b_sc_stop(&sc, &res->sc, &res->uring);
	res->cpu = cpu0 < 0 ? -1 : (b_cpu_ns(srv) - cpu0) / 1e3 / nreq;
	if (t <= 0)
		goto out;
	res->rps = nreq / t;
	res->sc = res->sc < 0 ? -1 : res->sc / nreq;
	res->uring = res->uring < 0 ? -1 : res->uring / nreq;
	snprintf(res->threads, sizeof(res->threads), "client:cpu%d server:", sched_getcpu());
	b_threads(srv, res->threads, sizeof(res->threads));
	ok = 1;
out:
	for (int i = 0; i < nconn; i++)
		if (fds[i] > 0)
			close(fds[i]);
	free(fds);
	b_sc_release(&sc);
	close(go[1]);
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	return ok ? 0 : -1;
}

static int cmp_rps(const void *x, const void *y)
{
	const struct result *a = x, *b = y;

	return (a->rps > b->rps) - (a->rps < b->rps);
}

static void usage(void)
{
	fprintf(stderr, "usage: pk-echo [-c CONNECTIONS] [-n REQUESTS] [-s BYTES] [-r ROUNDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct result (*res)[M_NR];
	struct result med[M_NR];
	cpu_set_t set;
	char load[64];
	int opt, ncpu = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "c:n:s:r:")) != -1) {
		switch (opt) {
		case 'c': nconn = atoi(optarg); break;
		case 'n': nreq = atol(optarg); break;
		case 's': msg_size = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		default: usage();
		}
	}
	if (nconn <= 0 || nreq <= 0 || msg_size <= 0 || msg_size > 65536 || rounds <= 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	sched_getaffinity(0, sizeof(set), &set);
	cpu_a = cpu_b = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			if (cpu_a < 0)
				cpu_a = i;
			cpu_b = i;
			ncpu++;
		}
	res = calloc((size_t)rounds, sizeof(*res));
	printf("TCP echo on 127.0.0.1: %d connections, %ld requests of %d bytes (median of %d rounds), "
	       "%d CPUs, load %s\n", nconn, nreq, msg_size, rounds, ncpu, b_load(load, sizeof(load)));
	b_pin(cpu_a);
	for (int r = 0; r < rounds; r++)
		for (int m = 0; m < M_NR; m++)
			if (run_one(m, &res[r][m]) < 0)
				failed = 1;
	if (failed) {
		fprintf(stderr, "pk-echo: a run failed\n");
		return 1;
	}
	printf("%-13s %10s %10s %12s %9s %8s  %s\n", "server", "req/s", "syscalls", "io_uring", "CPU us", "vs",
	       "threads (CPU last run on)");
	printf("%-13s %10s %10s %12s %9s %8s\n", "", "", "/req", "_enter/req", "/req", "epoll");
	for (int m = 0; m < M_NR; m++) {
		struct result col[rounds];
		double sc[rounds], ur[rounds], cpu[rounds];
		char b1[16], b2[16], b3[16];

		for (int r = 0; r < rounds; r++) {
			col[r] = res[r][m];
			sc[r] = col[r].sc;
			ur[r] = col[r].uring;
			cpu[r] = col[r].cpu;
		}
		qsort(col, (size_t)rounds, sizeof(col[0]), cmp_rps);
		med[m] = col[rounds / 2];
		/* Counts may be unknown in some rounds (pk-echo.h): the median of the known ones. */
		med[m].sc = b_median_known(sc, rounds);
		med[m].uring = b_median_known(ur, rounds);
		med[m].cpu = b_median_known(cpu, rounds);
		printf("%-13s %10.0f %10s %12s %9s %7.2fx  %s\n", mode_name[m], med[m].rps,
		       b_fmt3(b1, sizeof(b1), med[m].sc), b_fmt3(b2, sizeof(b2), med[m].uring),
		       b_fmt3(b3, sizeof(b3), med[m].cpu), med[m].rps / med[M_EPOLL].rps, med[m].threads);
	}
	printf("load after: %s\n", b_load(load, sizeof(load)));
	printf("libpk+SQPOLL vs epoll@A (same CPUs for the application): %.2fx\n",
	       med[M_PK_SQPOLL].rps / med[M_EPOLL_A].rps);
	printf("goal: libpk >= epoll req/s: %s; libpk+SQPOLL <= 0.1 syscalls/req: %s\n",
	       med[M_PK].rps >= med[M_EPOLL].rps ? "met" : "missed",
	       med[M_PK_SQPOLL].sc >= 0 && med[M_PK_SQPOLL].sc <= 0.1 ? "met" : "missed");
	free(res);
	return 0;
}
