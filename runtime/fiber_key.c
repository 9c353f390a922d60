/*
 * Fiber-local storage: pthread's keys for fibers.
 *
 * A key is a slot of one process-wide table of PK_KEYS_MAX: its destructor
 * and a sequence number, odd while the key exists, bumped by create and
 * delete. A fiber's values are an array it allocates at its first
 * pk_key_set, as long as the highest key it set (a server's fibers use a
 * few keys, and most fibers none); each value keeps the sequence number it
 * was set under, so a key created in a deleted key's slot sees NULL, as
 * glibc's do. Get and set touch the caller's own array only: no lock.
 *
 * The values of an ordinary thread hang off a thread-local; a pthread key
 * of libpk's runs their destructors when the thread exits. A fiber's are
 * destroyed by fiber_main (fiber.c) when the fiber returns.
 */
#include <stdlib.h>
#include <string.h>

#include "pk_int.h"

struct keyval {
	unsigned seq;		/* the slot's sequence number when set */
	void *val;
};

struct pk_keyvals {
	unsigned n;
	struct keyval v[];
};

static struct {
	_Atomic unsigned seq;	/* odd: the key exists */
	_Atomic(void (*)(void *)) destructor;
} slots[PK_KEYS_MAX];
static _Atomic int slots_lock;

static __thread struct pk_keyvals *thread_vals;
static pthread_key_t thread_exit_key;
static pthread_once_t thread_exit_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *unused)
{
	(void)unused;
	pk_keys_exit(&thread_vals);
}

static void thread_exit_init(void)
{
	pthread_key_create(&thread_exit_key, thread_exit);
}

/* Where the caller's values are: its fiber's, or its thread's. */
static struct pk_keyvals **caller_vals(void)
{
	struct pk_core *c = pk_tls_core;

	return c && c->cur ? &c->cur->keys : &thread_vals;
}

int pk_key_create(pk_key_t *k, void (*destructor)(void *))
{
	pk_spin_lock(&slots_lock);
	for (unsigned i = 0; i < PK_KEYS_MAX; i++) {
		unsigned seq = atomic_load(&slots[i].seq);

		if (seq & 1)
			continue;
		atomic_store(&slots[i].destructor, destructor);
		atomic_store(&slots[i].seq, seq + 1);
		pk_spin_unlock(&slots_lock);
		*k = i;
		return 0;
	}
	pk_spin_unlock(&slots_lock);
	return -EAGAIN;
}

int pk_key_delete(pk_key_t k)
{
	int r = -EINVAL;

	if (k >= PK_KEYS_MAX)
		return r;
	pk_spin_lock(&slots_lock);
	if (atomic_load(&slots[k].seq) & 1) {
		atomic_fetch_add(&slots[k].seq, 1);
		r = 0;
	}
	pk_spin_unlock(&slots_lock);
	return r;
}

void *pk_key_get(pk_key_t k)
{
	struct pk_keyvals *kv = *caller_vals();
	unsigned seq;

	if (!kv || k >= kv->n)
		return NULL;
	seq = atomic_load_explicit(&slots[k].seq, memory_order_relaxed);
	return (seq & 1) && kv->v[k].seq == seq ? kv->v[k].val : NULL;
}

int pk_key_set(pk_key_t k, const void *value)
{
	struct pk_keyvals **kp = caller_vals(), *kv = *kp;
	unsigned seq, n, old;

	if (k >= PK_KEYS_MAX || !((seq = atomic_load_explicit(&slots[k].seq, memory_order_relaxed)) & 1))
		return -EINVAL;
	if (!kv || k >= kv->n) {
		old = kv ? kv->n : 0;
		if (!value)
			return 0;	/* NULL is what an unset value reads as */
		n = old ? old * 2 : 8;
		if (n <= k)
			n = k + 1;
		if (n > PK_KEYS_MAX)
			n = PK_KEYS_MAX;
		kv = realloc(kv, sizeof(*kv) + n * sizeof(kv->v[0]));
		if (!kv)
			return -ENOMEM;
		memset(&kv->v[old], 0, (n - old) * sizeof(kv->v[0]));
		kv->n = n;
		*kp = kv;
		if (kp == &thread_vals && !old) {
			/* Any value but NULL: thread_exit finds the values in thread_vals. */
			pthread_once(&thread_exit_once, thread_exit_init);
			pthread_setspecific(thread_exit_key, kp);
		}
	}
	kv->v[k].seq = seq;
	kv->v[k].val = (void *)value;
	return 0;
}

void pk_keys_exit(struct pk_keyvals **kp)
{
	for (int round = 0; round < PK_DESTRUCTOR_ITERATIONS && *kp; round++) {
		bool called = false;

		/* A destructor may set values, and so move the array: *kp each time. */
		for (unsigned i = 0; *kp && i < (*kp)->n; i++) {
			struct keyval *e = &(*kp)->v[i];
			unsigned seq = atomic_load(&slots[i].seq);
			void (*destructor)(void *) = atomic_load(&slots[i].destructor);
			void *v = e->val;

			if (!v || e->seq != seq || !(seq & 1) || !destructor)
				continue;
			e->val = NULL;
			destructor(v);
			called = true;
		}
		if (!called)
			break;
	}
	free(*kp);
	*kp = NULL;
}
