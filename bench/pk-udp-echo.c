/*
 * UDP echo over a veth pair between two network namespaces: a libpk AF_XDP
 * server (pk_udp_recv then pk_udp_send in one fiber, libpk's own XDP
 * program in generic/SKB mode, the only one veth gives here) against a
 * kernel UDP socket server (recvfrom then sendto), both driven by the same
 * client in the same run.
 *
 * The client (kernel UDP socket in the other namespace) keeps W datagrams of
 * S bytes in flight and sends one more for each echo; when nothing comes
 * back for 20 ms, what is in flight counts as lost and the window is
 * refilled (the 20 ms are in the time). Figures: echoed packets per second
 * (and losses), and the
 * server's system calls per packet (perf counter on raw_syscalls:sys_enter,
 * pk-echo.h). The client runs on the first usable CPU, the server on the
 * last; R rounds (-r) interleaved, median printed.
 *
 * Needs root (namespaces, XDP). Creates and removes its own namespaces.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "pk.h"
#include "pk-echo.h"
#include "../tests/runtime/netns.h"

#define PORT 7788

enum { M_KERNEL, M_XDP, M_NR };
static const char *mode_name[M_NR] = { "kernel UDP", "libpk AF_XDP" };

static int window = 32, msg_size = 64, rounds = 3;
static long npkt = 200000;
static int cpu_a, cpu_b;
static char nsa[32], nsb[32], va[16], vb[16];

struct result {
	double pps, sc, uring;
	long lost;
	char threads[512];
};

static void cleanup(void)
{
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", nsa, nsb);
}

/* --- servers (in namespace A, on CPU B) ------------------------------------ */

static void serve_kernel(int ready)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct sockaddr_in from;
	socklen_t flen;
	char buf[2048];
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ssize_t n;

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)))
		_exit(1);
	if (write(ready, "R", 1) != 1)
		_exit(1);
	for (;;) {
		flen = sizeof(from);
		n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n == 4 && !memcmp(buf, "quit", 4))
			_exit(0);
		if (n >= 0)
			sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
	}
}

static int ready_fd;

static void *xdp_echo(void *arg)
{
	struct pk_udp *u = pk_udp_bind(va, 0, PORT);
	struct pk_udp_addr from;
	char buf[2048];
	ssize_t n;

	(void)arg;
	if (!u) {
		fprintf(stderr, "pk-udp-echo: pk_udp_bind '%s': %s\n", va, strerror(errno));
		return NULL;
	}
	if (write(ready_fd, "R", 1) != 1)
		return NULL;
	while ((n = pk_udp_recv(u, buf, sizeof(buf), &from)) >= 0) {
		if (n == 4 && !memcmp(buf, "quit", 4))
			break;
		pk_udp_send(u, buf, (size_t)n, &from);
	}
	pk_udp_close(u);
	return NULL;
}

static void serve_xdp(int ready)
{
	struct pk_config cfg;

	ready_fd = ready;
	pk_config_init(&cfg);
	cfg.cores = 1;
	if (pk_init(&cfg) < 0)
		_exit(1);
	pk_run(xdp_echo, NULL, NULL);
	_exit(0);
}

/* --- the client (in namespace B, on CPU A) --------------------------------- */

/*
 * Sends @n packets; returns the seconds it took, *@got the echoes and
 * *@lost the packets given up on (an echo that comes after all is no
 * longer lost).
 */
static double client_run(int s, long n, long *got, long *lost)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	char *out = calloc(1, (size_t)msg_size), in[2048];
	long sent = 0, inflight = 0;
	double t0 = b_now();

	*lost = *got = 0;
	while (*got + *lost < n) {
		ssize_t r;

		while (inflight < window && sent < n) {
			if (send(s, out, (size_t)msg_size, 0) != msg_size)
				break;
			sent++;
			inflight++;
		}
		r = recv(s, in, sizeof(in), MSG_DONTWAIT);
		if (r > 0) {
			++*got;
			if (inflight > 0)
				inflight--;
			else if (*lost > 0)
				--*lost;
			continue;
		}
		if (poll(&p, 1, 20) == 0) {
			*lost += inflight;
			inflight = 0;
		}
	}
	free(out);
	return *got ? b_now() - t0 : -1;
}

static int run_one(int mode, struct result *res)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct b_sc sc;
	int go[2], ready[2], s = -1, ok = 0, st;
	long got, lost;
	pid_t srv;
	double t;
	char c = 0;

	memset(res, 0, sizeof(*res));
	if (pipe(go) || pipe(ready))
		return -1;
	srv = fork();
	if (srv == 0) {
		close(go[1]);
		close(ready[0]);
		if (read(go[0], &c, 1) != 1 || enter_ns(nsa))
			_exit(1);
		b_pin(cpu_b);
		if (mode == M_KERNEL)
			serve_kernel(ready[1]);
		serve_xdp(ready[1]);
	}
	close(go[0]);
	close(ready[1]);
	b_sc_attach(&sc, srv);
	if (write(go[1], &c, 1) != 1 || read(ready[0], &c, 1) != 1 || c != 'R') {
		fprintf(stderr, "pk-udp-echo: the %s server did not start\n", mode_name[mode]);
		goto out;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "10.79.0.1", &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 20 }, sizeof(int));
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)))
		goto out;
	if (client_run(s, npkt / 10 + window, &got, &lost) < 0) {
		fprintf(stderr, "pk-udp-echo: no echo from the %s server\n", mode_name[mode]);
		goto out;
	}
	b_sc_start(&sc);
	t = client_run(s, npkt, &got, &lost);
	b_sc_stop(&sc, &res->sc, &res->uring);
	if (t <= 0)
		goto out;
	res->pps = got / t;
	res->lost = lost;
	res->sc = res->sc < 0 ? -1 : res->sc / (double)got;
	res->uring = res->uring < 0 ? -1 : res->uring / (double)got;
	snprintf(res->threads, sizeof(res->threads), "client:cpu%d server:", sched_getcpu());
	b_threads(srv, res->threads, sizeof(res->threads));
	ok = 1;
out:
	b_sc_release(&sc);
	for (int i = 0; s >= 0 && i < 50; i++) {
		if (waitpid(srv, &st, WNOHANG) == srv)
			goto reaped;
		send(s, "quit", 4, 0);
		usleep(20000);
	}
	kill(srv, SIGKILL);
	waitpid(srv, &st, 0);
	/* A killed AF_XDP server leaves its XDP program attached. */
	sh("ip -n %s link set dev %s xdpgeneric off 2>/dev/null", nsa, va);
reaped:
	if (s >= 0)
		close(s);
	close(go[1]);
	close(ready[0]);
	return ok ? 0 : -1;
}

static int cmp_pps(const void *x, const void *y)
{
	const struct result *a = x, *b = y;

	return (a->pps > b->pps) - (a->pps < b->pps);
}

static void usage(void)
{
	fprintf(stderr, "usage: pk-udp-echo [-n PACKETS] [-w WINDOW] [-s BYTES] [-r ROUNDS]\n");
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
	while ((opt = getopt(argc, argv, "n:w:s:r:")) != -1) {
		switch (opt) {
		case 'n': npkt = atol(optarg); break;
		case 'w': window = atoi(optarg); break;
		case 's': msg_size = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		default: usage();
		}
	}
	if (npkt <= 0 || window <= 0 || msg_size <= 4 || msg_size > 1400 || rounds <= 0)
		usage();
	if (geteuid() != 0) {
		printf("pk-udp-echo: skipped: needs root for network namespaces and XDP\n");
		return 0;
	}
	sched_getaffinity(0, sizeof(set), &set);
	cpu_a = cpu_b = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			if (cpu_a < 0)
				cpu_a = i;
			cpu_b = i;
			ncpu++;
		}
	snprintf(nsa, sizeof(nsa), "pkua-%d", getpid());
	snprintf(nsb, sizeof(nsb), "pkub-%d", getpid());
	snprintf(va, sizeof(va), "pua%d", getpid() % 100000);
	snprintf(vb, sizeof(vb), "pub%d", getpid() % 100000);
	cleanup();
	if (sh("ip netns add %s && ip netns add %s && ip link add %s type veth peer name %s && "
	       "ip link set %s netns %s && ip link set %s netns %s && "
	       "ip -n %s addr add 10.79.0.1/24 dev %s && ip -n %s addr add 10.79.0.2/24 dev %s && "
	       "ip -n %s link set %s up && ip -n %s link set %s up && "
	       "ip -n %s link set lo up && ip -n %s link set lo up",
	       nsa, nsb, va, vb, va, nsa, vb, nsb, nsa, va, nsb, vb, nsa, va, nsb, vb, nsa, nsb)) {
		fprintf(stderr, "pk-udp-echo: cannot create network namespaces and a veth pair\n");
		cleanup();
		return 1;
	}
	res = calloc((size_t)rounds, sizeof(*res));
	printf("UDP echo over veth between two namespaces: %ld packets of %d bytes, window %d "
	       "(median of %d rounds), %d CPUs, load %s\n", npkt, msg_size, window, rounds, ncpu,
	       b_load(load, sizeof(load)));
	b_pin(cpu_a);
	if (enter_ns(nsb)) {
		cleanup();
		return 1;
	}
	for (int r = 0; r < rounds && !failed; r++)
		for (int m = 0; m < M_NR; m++)
			if (run_one(m, &res[r][m]) < 0)
				failed = 1;
	cleanup();
	if (failed) {
		fprintf(stderr, "pk-udp-echo: a run failed\n");
		return 1;
	}
	printf("%-13s %10s %8s %10s %12s %8s  %s\n", "server", "packets/s", "lost", "syscalls", "io_uring",
	       "vs", "threads (CPU last run on)");
	printf("%-13s %10s %8s %10s %12s %8s\n", "", "", "", "/packet", "_enter/pkt", "kernel");
	for (int m = 0; m < M_NR; m++) {
		struct result col[rounds];
		double sc[rounds], ur[rounds];
		char b1[16], b2[16];

		for (int r = 0; r < rounds; r++) {
			col[r] = res[r][m];
			sc[r] = col[r].sc;
			ur[r] = col[r].uring;
		}
		qsort(col, (size_t)rounds, sizeof(col[0]), cmp_pps);
		med[m] = col[rounds / 2];
		med[m].sc = b_median_known(sc, rounds);
		med[m].uring = b_median_known(ur, rounds);
		printf("%-13s %10.0f %8ld %10s %12s %7.2fx  %s\n", mode_name[m], med[m].pps, med[m].lost,
		       b_fmt3(b1, sizeof(b1), med[m].sc), b_fmt3(b2, sizeof(b2), med[m].uring),
		       med[m].pps / med[M_KERNEL].pps, med[m].threads);
	}
	printf("load after: %s\n", b_load(load, sizeof(load)));
	free(res);
	return 0;
}
