/*
 * Channels: bounded FIFOs of pointers between fibers on any cores (and
 * plain threads).
 *
 * The queue itself is shared memory under a short spin lock that is never
 * held across a park; what crosses cores is the wake-up: a receiver parked
 * on core B that a sender on core A hands a message to is woken by an
 * IORING_OP_MSG_RING CQE on B's ring (pk_wake), so B's scheduler learns of
 * it in the same io_uring_enter that reaps its I/O, with no futex and no
 * polling. A message handed to a parked receiver goes straight into its
 * waiter (no second lock round); a sender finding the queue full parks with
 * its message, and the receiver that makes room moves it in, so FIFO order
 * holds and nothing is lost or duplicated. Capacity 0 is a rendezvous.
 */
#include <stdlib.h>

#include "pk_int.h"

struct pk_chan {
	_Atomic int lock;
	bool closed;
	unsigned cap, head, count;
	struct pk_waiter *rq, *rq_tail;	/* parked receivers */
	struct pk_waiter *sq, *sq_tail;	/* parked senders, message in ->val */
	void *buf[];
};

static void push(struct pk_waiter **h, struct pk_waiter **t, struct pk_waiter *w)
{
	w->next = NULL;
	if (*t)
		(*t)->next = w;
	else
		*h = w;
	*t = w;
}

static struct pk_waiter *pop(struct pk_waiter **h, struct pk_waiter **t)
{
	struct pk_waiter *w = *h;

	if (w && !(*h = w->next))
		*t = NULL;
	return w;
}

pk_chan_t *pk_chan_new(unsigned capacity)
{
	pk_chan_t *ch = calloc(1, sizeof(*ch) + (capacity ? capacity : 1) * sizeof(void *));

	if (!ch)
		return NULL;
	ch->cap = capacity;
	return ch;
}

void pk_chan_free(pk_chan_t *ch)
{
	free(ch);
}

int pk_chan_send(pk_chan_t *ch, void *msg)
{
	struct pk_waiter w = { .f = pk_self(), .val = msg }, *r;

	pk_spin_lock(&ch->lock);
	if (ch->closed) {
		pk_spin_unlock(&ch->lock);
		return -EPIPE;
	}
	if ((r = pop(&ch->rq, &ch->rq_tail))) {
		pk_spin_unlock(&ch->lock);
		r->val = msg;
		pk_wake(r);
		return 0;
	}
	if (ch->count < ch->cap) {
		ch->buf[(ch->head + ch->count) % ch->cap] = msg;
		ch->count++;
		pk_spin_unlock(&ch->lock);
		return 0;
	}
	push(&ch->sq, &ch->sq_tail, &w);
	pk_spin_unlock(&ch->lock);
	pk_wait(&w);
	return w.res;
}

int pk_chan_recv(pk_chan_t *ch, void **msg)
{
	struct pk_waiter w = { .f = pk_self() }, *s;

	pk_spin_lock(&ch->lock);
	if (ch->count) {
		*msg = ch->buf[ch->head];
		ch->head = (ch->head + 1) % ch->cap;
		ch->count--;
		if ((s = pop(&ch->sq, &ch->sq_tail))) {
			ch->buf[(ch->head + ch->count) % ch->cap] = s->val;
			ch->count++;
		}
		pk_spin_unlock(&ch->lock);
		if (s)
			pk_wake(s);
		return 0;
	}
	if ((s = pop(&ch->sq, &ch->sq_tail))) {
		*msg = s->val;
		pk_spin_unlock(&ch->lock);
		pk_wake(s);
		return 0;
	}
	if (ch->closed) {
		pk_spin_unlock(&ch->lock);
		return -EPIPE;
	}
	push(&ch->rq, &ch->rq_tail, &w);
	pk_spin_unlock(&ch->lock);
	pk_wait(&w);
	if (w.res < 0)
		return w.res;
	*msg = w.val;
	return 0;
}

void pk_chan_close(pk_chan_t *ch)
{
	struct pk_waiter *r, *s, *next;

	pk_spin_lock(&ch->lock);
	ch->closed = true;
	r = ch->rq;
	s = ch->sq;
	ch->rq = ch->rq_tail = ch->sq = ch->sq_tail = NULL;
	pk_spin_unlock(&ch->lock);
	for (; r; r = next) {
		next = r->next;
		r->res = -EPIPE;
		pk_wake(r);
	}
	for (; s; s = next) {
		next = s->next;
		s->res = -EPIPE;
		pk_wake(s);
	}
}
