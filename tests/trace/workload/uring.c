/*
 * io_uring through raw syscalls (no liburing): N NOPs, R reads of
 * /dev/zero, F opens of a missing file (ENOENT in the completion) and A
 * reads of /dev/zero flagged IOSQE_ASYNC (always handed to an io-wq
 * worker), one io_uring_enter each.
 */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params p;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = syscall(SYS_io_uring_setup, 8, &p);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submits one operation and waits for it; returns its result. */
static int ring_do(struct ring *r, int op, int fd, const void *buf, unsigned len, int flags)
{
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->flags = flags;
	sqe->fd = fd;
	sqe->addr = (unsigned long)buf;
	sqe->len = len;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) != 1)
		return -1000;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -1001;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

int main(int argc, char **argv)
{
	struct ring r;
	char buf[64];
	int zero;
	long n, rd, f, a;

	if (argc != 5)
		return 2;
	n = atol(argv[1]);
	rd = atol(argv[2]);
	f = atol(argv[3]);
	a = atol(argv[4]);
	zero = open("/dev/zero", O_RDONLY);
	if (zero < 0 || ring_init(&r))
		return 1;
	for (long i = 0; i < n; i++)
		if (ring_do(&r, IORING_OP_NOP, -1, NULL, 0, 0))
			return 1;
	for (long i = 0; i < rd; i++)
		if (ring_do(&r, IORING_OP_READ, zero, buf, sizeof(buf), 0) != sizeof(buf))
			return 1;
	for (long i = 0; i < f; i++)
		if (ring_do(&r, IORING_OP_OPENAT, AT_FDCWD, "/nonexistent/parakit", 0, 0) != -2)
			return 1;
	for (long i = 0; i < a; i++)
		if (ring_do(&r, IORING_OP_READ, zero, buf, sizeof(buf), IOSQE_ASYNC) != sizeof(buf))
			return 1;
	return 0;
}
