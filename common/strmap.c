/*
 * Open addressing with linear probing, kept under 70 % full; XXH3 for the
 * hash, since the keys are symbol names and paths with long shared prefixes.
 */
#include "common/strmap.h"
#include "common/common.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static struct strmap_entry *find(const struct strmap *m, const char *key, size_t keylen, uint64_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_entry *e = &m->slots[i];

		if (!e->key)
			return e;
		if (e->hash == h && !strncmp(e->key, key, keylen) && !e->key[keylen])
			return e;
	}
}

int64_t *strmap_get(const struct strmap *m, const char *key, size_t keylen)
{
	struct strmap_entry *e;

	if (!m->cap)
		return NULL;
	e = find(m, key, keylen, XXH3_64bits(key, keylen));
	return e->key ? &e->value : NULL;
}

static void grow(struct strmap *m)
{
	struct strmap old = *m;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < old.cap; i++) {
		struct strmap_entry *e = &old.slots[i];

		if (e->key)
			*find(m, e->key, strlen(e->key), e->hash) = *e;
	}
	free(old.slots);
}

void strmap_put(struct strmap *m, const char *key, size_t keylen, int64_t value)
{
	uint64_t h = XXH3_64bits(key, keylen);
	struct strmap_entry *e;

	if (10 * (m->len + 1) > 7 * m->cap)
		grow(m);
	e = find(m, key, keylen, h);
	if (!e->key) {
		e->key = xstrndup(key, keylen);
		e->hash = h;
		m->len++;
	}
	e->value = value;
}

void strmap_release(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}
