/*
 * AF_XDP UDP: datagrams to the ports libpk binds skip the kernel's network
 * stack and land in UMEM frames that libpk reads directly.
 *
 * Per interface, libpk attaches its own XDP program (pk_xdp.bpf.c) that
 * redirects only those UDP ports to the XSK map and passes everything else,
 * so ARP, ping, TCP and other programs keep working; libxdp's dispatcher
 * cannot load on these kernels (freplace is refused) and its default
 * program would capture everything. The socket is created with libxdp's xsk
 * API with its program load inhibited. Generic (SKB, copy) mode by default,
 * the only one veth gives here; PK_XDP_MODE=native asks for driver mode.
 *
 * Per socket: a UMEM of 4096 2 KiB frames, half for the fill ring (RX),
 * half a stack of free TX frames. A receiver with nothing in its RX ring
 * parks on an io_uring POLL_ADD of the socket; a sender writes headers and
 * payload into a frame and kicks the kernel with an io_uring SENDMSG of
 * zero bytes (copy mode transmits only on sendmsg), so even the kick is no
 * sendto(2). The sender does not wait for that kick: it is queued with its
 * success CQE skipped and leaves with the core's next io_uring_enter, so an
 * echo loop answers every datagram already in its RX ring before it makes
 * one enter for all the kicks and its next wait (a kick that fails, busy or
 * out of descriptors, leaves the frames queued for the next kick).
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "pk_int.h"
#include "pk_xdp.skel.h"

#define NFRAMES 4096
#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define RING_SIZE 2048
#define HDR_LEN (sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr))

/* One XDP program per interface, shared by the sockets bound on it. */
struct xdp_prog {
	struct xdp_prog *next;
	int ifindex;
	unsigned refs;
	__u32 flags;
	struct pk_xdp *skel;
};

static pthread_mutex_t prog_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xdp_prog *progs;

struct pk_udp {
	struct xsk_socket *xsk;
	struct xsk_umem *umem;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	char *area;
	struct xdp_prog *prog;
	int fd, queue;
	uint16_t port;		/* network order */
	uint32_t ip;		/* network order */
	uint8_t mac[6];
	uint64_t free_tx[NFRAMES / 2];
	unsigned nfree_tx;
	uint16_t ip_id;
	uint64_t rx_packets, tx_packets;
	struct msghdr kick_msg;	/* read by queued kicks: lives as long as @u */
	bool kicked;		/* kicks may be queued: flush them before closing */
};

static int prog_get(const char *ifname, int ifindex, struct xdp_prog **out)
{
	const char *mode = getenv("PK_XDP_MODE");
	struct xdp_prog *p;
	int r;

	pthread_mutex_lock(&prog_lock);
	for (p = progs; p; p = p->next)
		if (p->ifindex == ifindex)
			break;
	if (p) {
		p->refs++;
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		r = -ENOMEM;
		goto fail;
	}
	p->ifindex = ifindex;
	p->flags = mode && !strcmp(mode, "native") ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	p->skel = pk_xdp__open_and_load();
	if (!p->skel) {
		r = errno ? -errno : -EINVAL;
		free(p);
		goto fail;
	}
	r = bpf_xdp_attach(ifindex, bpf_program__fd(p->skel->progs.pk_xdp_udp),
			   p->flags | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (r < 0) {
		pk_xdp__destroy(p->skel);
		free(p);
		goto fail;
	}
	p->refs = 1;
	p->next = progs;
	progs = p;
out:
	pthread_mutex_unlock(&prog_lock);
	*out = p;
	return 0;
fail:
	pthread_mutex_unlock(&prog_lock);
	(void)ifname;
	return r;
}

static void prog_put(struct xdp_prog *p)
{
	struct xdp_prog **pp;

	if (!p)
		return;
	pthread_mutex_lock(&prog_lock);
	if (--p->refs == 0) {
		for (pp = &progs; *pp; pp = &(*pp)->next)
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		bpf_xdp_detach(p->ifindex, p->flags, NULL);
		pk_xdp__destroy(p->skel);
		free(p);
	}
	pthread_mutex_unlock(&prog_lock);
}

static int if_addrs(const char *ifname, uint8_t mac[6], uint32_t *ip)
{
	struct ifaddrs *ifa, *i;
	struct ifreq ifr;
	int s, r = -EADDRNOTAVAIL;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFHWADDR, &ifr)) {
		r = -errno;
		close(s);
		return r;
	}
	close(s);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !strcmp(i->ifa_name, ifname)) {
			*ip = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			r = 0;
			break;
		}
	freeifaddrs(ifa);
	return r;
}

static int xsk_kick(struct pk_udp *u);

void pk_udp_close(struct pk_udp *u)
{
	__u32 port, q, off = 0;

	if (!u)
		return;
	/* SQEs leave in order: once this kick completed, the queued ones are done with @u. */
	if (u->kicked)
		xsk_kick(u);
	if (u->prog) {
		port = ntohs(u->port);
		q = (__u32)u->queue;
		bpf_map_update_elem(bpf_map__fd(u->prog->skel->maps.pk_ports), &port, &off, 0);
		bpf_map_delete_elem(bpf_map__fd(u->prog->skel->maps.pk_xsks), &q);
	}
	xsk_socket__delete(u->xsk);
	xsk_umem__delete(u->umem);
	prog_put(u->prog);
	if (u->area)
		munmap(u->area, (size_t)NFRAMES * FRAME_SIZE);
	free(u);
}

struct pk_udp *pk_udp_bind(const char *ifname, int queue, uint16_t port)
{
	struct xsk_socket_config cfg = {
		.rx_size = RING_SIZE, .tx_size = RING_SIZE,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	struct pk_udp *u = NULL;
	int ifindex, r;
	__u32 idx, key, on = 1;

	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		r = -ENODEV;
		goto fail;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		r = -ENOMEM;
		goto fail;
	}
	u->queue = queue;
	u->port = htons(port);
	r = if_addrs(ifname, u->mac, &u->ip);
	if (r < 0)
		goto fail;
	u->area = mmap(NULL, (size_t)NFRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->area == MAP_FAILED) {
		u->area = NULL;
		r = -ENOMEM;
		goto fail;
	}
	r = xsk_umem__create(&u->umem, u->area, (__u64)NFRAMES * FRAME_SIZE, &u->fq, &u->cq, NULL);
	if (r < 0)
		goto fail;
	r = prog_get(ifname, ifindex, &u->prog);
	if (r < 0)
		goto fail;
	if (getenv("PK_XDP_MODE") && !strcmp(getenv("PK_XDP_MODE"), "native"))
		cfg.bind_flags = 0;
	cfg.xdp_flags = u->prog->flags;
	r = xsk_socket__create(&u->xsk, ifname, (__u32)queue, u->umem, &u->rx, &u->tx, &cfg);
	if (r < 0)
		goto fail;
	u->fd = xsk_socket__fd(u->xsk);

	/* The first half of the frames feeds the fill ring, the second half is for TX. */
	if (xsk_ring_prod__reserve(&u->fq, NFRAMES / 2, &idx) != NFRAMES / 2) {
		r = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < NFRAMES / 2; i++)
		*xsk_ring_prod__fill_addr(&u->fq, idx++) = (__u64)i * FRAME_SIZE;
	xsk_ring_prod__submit(&u->fq, NFRAMES / 2);
	for (unsigned i = 0; i < NFRAMES / 2; i++)
		u->free_tx[u->nfree_tx++] = (uint64_t)(NFRAMES / 2 + i) * FRAME_SIZE;

	key = (__u32)queue;
	if (bpf_map_update_elem(bpf_map__fd(u->prog->skel->maps.pk_xsks), &key, &u->fd, 0)) {
		r = -errno;
		goto fail;
	}
	key = port;
	if (bpf_map_update_elem(bpf_map__fd(u->prog->skel->maps.pk_ports), &key, &on, 0)) {
		r = -errno;
		goto fail;
	}
	return u;
fail:
	pk_udp_close(u);
	errno = -r;
	return NULL;
}

/* Parks the caller until @u's socket polls @events. */
static int xsk_wait(struct pk_udp *u, unsigned events)
{
	struct pk_core *c = pk_core_get();
	struct pk_op op = { .fd = -1 };
	struct io_uring_sqe *sqe;

	if (!c)
		return -errno;
	sqe = pk_op_sqe(c, &op, -1);
	io_uring_prep_poll_add(sqe, u->fd, events);
	return pk_op_run(c, &op, false);
}

/* Tells the kernel there is something on the TX ring: a zero-byte sendmsg through io_uring. */
static int xsk_kick(struct pk_udp *u)
{
	struct pk_core *c = pk_core_get();
	struct msghdr msg = { 0 };
	struct pk_op op = { .fd = -1 };
	struct io_uring_sqe *sqe;
	int r;

	if (!c)
		return -errno;
	sqe = pk_op_sqe(c, &op, -1);
	io_uring_prep_sendmsg(sqe, u->fd, &msg, MSG_DONTWAIT);
	r = pk_op_run(c, &op, false);
	/* Busy or out of descriptors: the frames stay queued for the next kick. */
	return r == -EAGAIN || r == -EBUSY || r == -ENOBUFS ? 0 : r;
}

/*
 * Queues a kick without waiting for it. Its CQE is skipped on success and
 * ignored on failure (user_data 0). From an ordinary thread, whose ring
 * nobody else submits, it is submitted at once.
 */
static int xsk_kick_async(struct pk_udp *u)
{
	struct pk_core *c = pk_core_get();
	struct io_uring_sqe *sqe;

	if (!c)
		return -errno;
	sqe = pk_sqe(c);
	io_uring_prep_sendmsg(sqe, u->fd, &u->kick_msg, MSG_DONTWAIT);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	io_uring_sqe_set_data(sqe, NULL);
	u->kicked = true;
	if (c->thread)
		pk_submit(c);
	return 0;
}

ssize_t pk_udp_recv(struct pk_udp *u, void *buf, size_t len, struct pk_udp_addr *from)
{
	for (;;) {
		const struct xdp_desc *d;
		struct ethhdr *eth;
		struct iphdr *ip;
		struct udphdr *udp;
		__u32 idx, fidx;
		size_t n = 0;
		bool ok;
		uint64_t base;

		if (!xsk_ring_cons__peek(&u->rx, 1, &idx)) {
			int r = xsk_wait(u, POLLIN);

			if (r < 0 && r != -EINTR)
				return r;
			continue;
		}
		d = xsk_ring_cons__rx_desc(&u->rx, idx);
		base = d->addr & ~(uint64_t)(FRAME_SIZE - 1);
		eth = xsk_umem__get_data(u->area, d->addr);
		ip = (struct iphdr *)(eth + 1);
		udp = (struct udphdr *)(ip + 1);
		ok = d->len >= HDR_LEN && ntohs(udp->len) >= sizeof(*udp) &&
		     ntohs(udp->len) - sizeof(*udp) <= d->len - HDR_LEN;
		if (ok) {
			n = ntohs(udp->len) - sizeof(*udp);
			if (n > len)
				n = len;	/* truncated, as recv(2) on a datagram socket */
			memcpy(buf, udp + 1, n);
			if (from) {
				memcpy(from->mac, eth->h_source, 6);
				from->ip = ip->saddr;
				from->port = udp->source;
			}
		}
		xsk_ring_cons__release(&u->rx, 1);
		while (xsk_ring_prod__reserve(&u->fq, 1, &fidx) != 1)
			;
		*xsk_ring_prod__fill_addr(&u->fq, fidx) = base;
		xsk_ring_prod__submit(&u->fq, 1);
		if (ok) {
			u->rx_packets++;
			return (ssize_t)n;
		}
	}
}

static uint16_t ip_checksum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void reclaim_tx(struct pk_udp *u)
{
	__u32 idx;
	unsigned n = xsk_ring_cons__peek(&u->cq, NFRAMES / 2, &idx);

	for (unsigned i = 0; i < n; i++)
		u->free_tx[u->nfree_tx++] = *xsk_ring_cons__comp_addr(&u->cq, idx++);
	if (n)
		xsk_ring_cons__release(&u->cq, n);
}

ssize_t pk_udp_send(struct pk_udp *u, const void *buf, size_t len, const struct pk_udp_addr *to)
{
	struct ethhdr *eth;
	struct iphdr *ip;
	struct udphdr *udp;
	uint64_t addr;
	__u32 idx;
	int r;

	if (len > FRAME_SIZE - HDR_LEN)
		return -EMSGSIZE;
	reclaim_tx(u);
	while (!u->nfree_tx || xsk_ring_prod__reserve(&u->tx, 1, &idx) != 1) {
		r = xsk_kick(u);
		if (r < 0)
			return r;
		reclaim_tx(u);
		if (!u->nfree_tx)
			pk_yield();
	}
	addr = u->free_tx[--u->nfree_tx];
	eth = xsk_umem__get_data(u->area, addr);
	ip = (struct iphdr *)(eth + 1);
	udp = (struct udphdr *)(ip + 1);
	memcpy(eth->h_dest, to->mac, 6);
	memcpy(eth->h_source, u->mac, 6);
	eth->h_proto = htons(ETH_P_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + sizeof(*udp) + len));
	ip->id = htons(u->ip_id++);
	ip->frag_off = htons(0x4000);	/* DF */
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = u->ip;
	ip->daddr = to->ip;
	ip->check = ip_checksum(ip, sizeof(*ip));
	udp->source = u->port;
	udp->dest = to->port;
	udp->len = htons((uint16_t)(sizeof(*udp) + len));
	udp->check = 0;	/* optional over IPv4 */
	memcpy(udp + 1, buf, len);
	xsk_ring_prod__tx_desc(&u->tx, idx)->addr = addr;
	xsk_ring_prod__tx_desc(&u->tx, idx)->len = (__u32)(HDR_LEN + len);
	xsk_ring_prod__submit(&u->tx, 1);
	r = xsk_kick_async(u);
	if (r < 0)
		return r;
	u->tx_packets++;
	return (ssize_t)len;
}

int pk_udp_stats(struct pk_udp *u, struct pk_udp_stats *st)
{
	struct xdp_statistics xs;
	socklen_t len = sizeof(xs);

	memset(st, 0, sizeof(*st));
	st->rx_packets = u->rx_packets;
	st->tx_packets = u->tx_packets;
	if (getsockopt(u->fd, SOL_XDP, XDP_STATISTICS, &xs, &len))
		return -errno;
	st->rx_dropped = xs.rx_dropped;
	st->rx_invalid_descs = xs.rx_invalid_descs;
	st->tx_invalid_descs = xs.tx_invalid_descs;
	st->rx_ring_full = xs.rx_ring_full;
	st->rx_fill_ring_empty_descs = xs.rx_fill_ring_empty_descs;
	st->tx_ring_empty_descs = xs.tx_ring_empty_descs;
	return 0;
}
