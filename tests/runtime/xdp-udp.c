/*
 * Description: AF_XDP UDP echo over a veth pair between two network
 * namespaces (generic/SKB mode): replies come back for every datagram sent,
 * no kernel socket is bound to the port, the XSK receive count is at least
 * the number sent, and ping and a TCP connection across the same pair keep
 * working while libpk's XDP program is attached. Creates and removes its
 * own namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"
#include "netns.h"

#define NPKT 1000
#define PORT 7777

static char nsa[32], nsb[32], va[16], vb[16];
static int ready[2], report[2];

static void *echo(void *arg)
{
	struct pk_udp *u = pk_udp_bind(va, 0, PORT);
	struct pk_udp_addr from;
	struct pk_udp_stats st;
	char buf[2048], c = u ? 'R' : 'E';
	int err = errno;
	ssize_t n;

	(void)arg;
	if (write(ready[1], &c, 1) != 1 || !u) {
		fprintf(stderr, "xdp-udp: pk_udp_bind '%s': %s\n", va, strerror(err));
		return NULL;
	}
	while ((n = pk_udp_recv(u, buf, sizeof(buf), &from)) >= 0) {
		if (n == 4 && !memcmp(buf, "quit", 4))
			break;
		pk_udp_send(u, buf, (size_t)n, &from);
	}
	pk_udp_stats(u, &st);
	if (write(report[1], &st, sizeof(st)) != sizeof(st))
		return NULL;
	pk_udp_close(u);
	return NULL;
}

static void cleanup(void)
{
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", nsa, nsb);
}

int main(void)
{
	struct io_uring ring;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct timeval tv = { 1, 0 };
	struct pk_udp_stats st = { 0 };
	pid_t srv, tcp;
	char c = 0, buf[64];
	int s, got = 0, ok;

	t_require(geteuid() == 0, "needs root for network namespaces and XDP");
	t_require(io_uring_queue_init(4, &ring, 0) == 0, "io_uring unavailable");
	io_uring_queue_exit(&ring);
	t_require(sh("ip -V >/dev/null 2>&1") == 0, "needs iproute2");
	snprintf(nsa, sizeof(nsa), "pkxa-%d", getpid());
	snprintf(nsb, sizeof(nsb), "pkxb-%d", getpid());
	snprintf(va, sizeof(va), "pka%d", getpid() % 100000);
	snprintf(vb, sizeof(vb), "pkb%d", getpid() % 100000);
	cleanup();
	ok = !sh("ip netns add %s && ip netns add %s && ip link add %s type veth peer name %s && "
		 "ip link set %s netns %s && ip link set %s netns %s && "
		 "ip -n %s addr add 10.77.0.1/24 dev %s && ip -n %s addr add 10.77.0.2/24 dev %s && "
		 "ip -n %s link set %s up && ip -n %s link set %s up && ip -n %s link set lo up && ip -n %s link set lo up",
		 nsa, nsb, va, vb, va, nsa, vb, nsb, nsa, va, nsb, vb, nsa, va, nsb, vb, nsa, nsb);
	if (!ok) {
		cleanup();
		t_require(0, "cannot create network namespaces and a veth pair");
	}
	t_plan(7);
	if (pipe(ready) || pipe(report))
		return 1;
	srv = fork();
	if (srv == 0) {
		if (enter_ns(nsa))
			_exit(1);
		pk_run(echo, NULL, NULL);
		_exit(0);
	}
	tcp = fork();
	if (tcp == 0) {
		int l, cfd;
		struct sockaddr_in ta = { .sin_family = AF_INET, .sin_port = htons(8080) };

		if (enter_ns(nsa))
			_exit(1);
		l = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		if (bind(l, (struct sockaddr *)&ta, sizeof(ta)) || listen(l, 1))
			_exit(1);
		cfd = accept(l, NULL, NULL);
		if (cfd >= 0 && read(cfd, buf, sizeof(buf)) > 0 && write(cfd, "tcp-ok", 6) == 6)
			_exit(0);
		_exit(1);
	}
	if (read(ready[0], &c, 1) != 1)
		c = 0;
	t_ok(c == 'R', "pk_udp_bind on %s queue 0 port %d (own XDP program, SKB mode)", va, PORT);
	if (c != 'R') {
		kill(srv, SIGKILL);
		kill(tcp, SIGKILL);
		cleanup();
		return 1;
	}
	{
		char path[64], line[256];
		FILE *f;
		int bound = 0;

		snprintf(path, sizeof(path), "/proc/%d/net/udp", srv);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, ":1E61 "))
				bound = 1;
		if (f)
			fclose(f);
		t_ok(f && !bound, "no kernel UDP socket is bound to port %d in the server's namespace", PORT);
	}
	if (enter_ns(nsb))
		return 1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	inet_pton(AF_INET, "10.77.0.1", &a.sin_addr);
	for (int i = 0; i < NPKT; i++) {
		int n = snprintf(buf, sizeof(buf), "pkt %d", i);
		char r[64];
		ssize_t m;

		if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&a, sizeof(a)) != n)
			continue;
		m = recv(s, r, sizeof(r), 0);
		if (m == n && !memcmp(r, buf, (size_t)n))
			got++;
	}
	t_ok(got == NPKT, "%d/%d datagrams echoed back through AF_XDP", got, NPKT);
	t_ok(sh("ping -c 3 -i 0.2 -W 1 10.77.0.1 >/dev/null 2>&1") == 0, "ping across the pair still works");
	{
		struct sockaddr_in ta = { .sin_family = AF_INET, .sin_port = htons(8080) };
		int t = socket(AF_INET, SOCK_STREAM, 0), st2;
		ssize_t m = 0;

		inet_pton(AF_INET, "10.77.0.1", &ta.sin_addr);
		setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		for (int i = 0; i < 20 && connect(t, (struct sockaddr *)&ta, sizeof(ta)); i++) {
			close(t);
			usleep(100000);
			t = socket(AF_INET, SOCK_STREAM, 0);
		}
		if (write(t, "hi", 2) == 2)
			m = read(t, buf, sizeof(buf));
		close(t);
		waitpid(tcp, &st2, 0);
		t_ok(m == 6 && !memcmp(buf, "tcp-ok", 6), "a TCP connection across the pair still works");
	}
	sendto(s, "quit", 4, 0, (struct sockaddr *)&a, sizeof(a));
	{
		int st3;

		if (read(report[0], &st, sizeof(st)) != sizeof(st))
			memset(&st, 0, sizeof(st));
		waitpid(srv, &st3, 0);
		t_ok(st.rx_packets >= NPKT, "XSK received %llu packets (>= %d), sent %llu", (unsigned long long)st.rx_packets,
		     NPKT, (unsigned long long)st.tx_packets);
		t_diag("XDP_STATISTICS: rx_dropped %llu rx_ring_full %llu rx_fill_ring_empty %llu invalid rx %llu tx %llu",
		       (unsigned long long)st.rx_dropped, (unsigned long long)st.rx_ring_full,
		       (unsigned long long)st.rx_fill_ring_empty_descs, (unsigned long long)st.rx_invalid_descs,
		       (unsigned long long)st.tx_invalid_descs);
		t_ok(WIFEXITED(st3) && WEXITSTATUS(st3) == 0, "the echo server exits cleanly");
	}
	close(s);
	cleanup();
	return t_done();
}
