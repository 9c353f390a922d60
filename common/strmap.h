/*
 * A string-keyed hash map with open addressing and linear probing, for the
 * lookups a scan makes per symbol and per file (dpkg's file lists, the
 * writer's symbol ids). Keys are copied into the map; values are int64.
 * Not thread-safe: each user owns its map or locks around it.
 */
#ifndef COMMON_STRMAP_H
#define COMMON_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_entry {
	char *key;	/* NULL: free slot */
	uint64_t hash;
	int64_t value;
};

struct strmap {
	struct strmap_entry *slots;
	size_t cap;	/* a power of two, or 0 */
	size_t len;
};

#define STRMAP_INIT { NULL, 0, 0 }

/* Returns a pointer to key's value, or NULL when absent. The pointer is
 * valid until the next strmap_put() or strmap_release(). */
int64_t *strmap_get(const struct strmap *m, const char *key, size_t keylen);
/* Sets key to value (inserting a copy of key when absent). */
void strmap_put(struct strmap *m, const char *key, size_t keylen, int64_t value);
/* Frees the keys and slots; the map is empty and reusable after. */
void strmap_release(struct strmap *m);

#endif
