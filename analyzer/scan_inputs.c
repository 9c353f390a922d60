/*
 * From the PATHs on the command line to the list of files to read: a
 * directory is walked with fts without following symbolic links (so a link
 * loop cannot trap the walk, and a file reached through a link is read once,
 * at its real path), and only regular files are kept; the list is sorted, so
 * that --shard K/N takes the same slice on every machine that sees the same
 * files.
 *
 * What a file is gets decided by its name here and by its magic in the
 * worker that opens it (scan_classify), so the walk itself reads no file.
 */
#include "analyzer/scan.h"
#include "common/common.h"

#include <errno.h>
#include <fts.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcasecmp(s + n - m, suffix);
}

const char *scan_kind_by_name(const char *path)
{
	static const struct { const char *suffix, *kind; } names[] = {
		{ ".deb", "deb" }, { ".udeb", "deb" }, { ".rpm", "rpm" }, { ".apk", "apk" },
		{ ".tar", "tar" }, { ".tar.gz", "tar" }, { ".tgz", "tar" }, { ".tar.xz", "tar" },
		{ ".txz", "tar" }, { ".tar.zst", "tar" }, { ".tar.bz2", "tar" }, { ".tbz2", "tar" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (has_suffix(path, names[i].suffix))
			return names[i].kind;
	return NULL;
}

const char *scan_classify(const char *by_name, const unsigned char *head, size_t n)
{
	static const unsigned char rpm_lead[] = { 0xed, 0xab, 0xee, 0xdb };
	static const char deb_magic[] = "!<arch>\ndebian-binary";

	if (by_name && !strcmp(by_name, "apk"))
		/* Alpine's are gzip'd tar, Android's are zip. */
		return n >= 4 && !memcmp(head, "PK\3\4", 4) ? "android" : "apk";
	if (by_name)
		return by_name;
	if (n >= 4 && !memcmp(head, "\177ELF", 4))
		return "elf";
	if (n >= sizeof(deb_magic) - 1 && !memcmp(head, deb_magic, sizeof(deb_magic) - 1))
		return "deb";
	if (n >= 4 && !memcmp(head, rpm_lead, 4))
		return "rpm";
	return NULL;
}

static void add(struct scan_inputs *in, const char *path, uint64_t size, int named, const char *error)
{
	struct scan_input *i;

	in->v = xgrow(in->v, &in->cap, in->n + 1, sizeof(*in->v));
	i = &in->v[in->n++];
	i->path = xstrdup(path);
	i->size = size;
	i->named = named;
	i->error = error ? xstrdup(error) : NULL;
}

/* qsort's array must not be NULL even for no elements (C11 7.22.5), and
 * an empty list has none: --files-from alone starts with one. */
static void sort_inputs(struct scan_inputs *in, int (*cmp)(const void *, const void *))
{
	if (in->n)
		qsort(in->v, in->n, sizeof(*in->v), cmp);
}

static int cmp_input(const void *a, const void *b)
{
	return strcmp(((const struct scan_input *)a)->path, ((const struct scan_input *)b)->path);
}

static void walk(struct scan_inputs *in, const char *root)
{
	char *roots[] = { (char *)root, NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	FTSENT *e;
	char msg[512];

	if (!fts) {
		snprintf(msg, sizeof(msg), "cannot walk: %s", strerror(errno));
		add(in, root, 0, 1, msg);
		return;
	}
	while ((e = fts_read(fts))) {
		switch (e->fts_info) {
		case FTS_F:
			add(in, e->fts_path, e->fts_statp->st_size, 0, NULL);
			break;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			snprintf(msg, sizeof(msg), "cannot read: %s", strerror(e->fts_errno));
			add(in, e->fts_path, 0, 1, msg);
			break;
		default:
			/* Directories, symbolic links, loops (FTS_DC), devices,
			 * fifos and sockets are not inputs. */
			break;
		}
	}
	fts_close(fts);
}

void scan_inputs_collect(struct scan_inputs *in, char **paths, int n)
{
	char real[PATH_MAX], msg[512];
	struct stat st;

	for (int i = 0; i < n; i++) {
		if (!realpath(paths[i], real) || stat(real, &st)) {
			snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
			add(in, paths[i], 0, 1, msg);
		} else if (S_ISDIR(st.st_mode)) {
			walk(in, real);
		} else if (S_ISREG(st.st_mode)) {
			add(in, real, st.st_size, 1, NULL);
		} else {
			add(in, real, 0, 1, "not a regular file or a directory");
		}
	}
	sort_inputs(in, cmp_input);
}

static int cmp_size_desc(const void *a, const void *b)
{
	const struct scan_input *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return strcmp(x->path, y->path);
}

/*
 * A slice's share of the work, ordered by (load, k) in a binary min-heap:
 * the next input goes to the least loaded slice, the lowest on a tie.
 */
struct slice {
	uint64_t load;
	unsigned k;
};

static int slice_before(const struct slice *a, const struct slice *b)
{
	return a->load != b->load ? a->load < b->load : a->k < b->k;
}

static void slice_sift_down(struct slice *h, unsigned n, unsigned i)
{
	for (;;) {
		unsigned min = i, l = 2 * i + 1, r = l + 1;
		struct slice t;

		if (l < n && slice_before(&h[l], &h[min]))
			min = l;
		if (r < n && slice_before(&h[r], &h[min]))
			min = r;
		if (min == i)
			return;
		t = h[i];
		h[i] = h[min];
		h[min] = t;
		i = min;
	}
}

/* What an input costs beyond its bytes: about a page's worth for opening
 * it, so that empty and unreadable inputs spread too. */
#define INPUT_COST 4096

void scan_inputs_shard(struct scan_inputs *in, unsigned k, unsigned n)
{
	struct slice *heap = xmalloc(n * sizeof(*heap));
	size_t j = 0;

	/* Equal loads and k ascending: already a heap. */
	for (unsigned i = 0; i < n; i++)
		heap[i] = (struct slice){ 0, i + 1 };
	sort_inputs(in, cmp_size_desc);
	for (size_t i = 0; i < in->n; i++) {
		heap[0].load += in->v[i].size + INPUT_COST;
		if (heap[0].k == k)
			in->v[j++] = in->v[i];
		else
			scan_input_release(&in->v[i]);
		slice_sift_down(heap, n, 0);
	}
	in->n = j;
	free(heap);
}

void scan_inputs_set_id(const struct scan_inputs *in, unsigned n, char out[33])
{
	XXH3_state_t *st = XXH3_createState();
	char num[32];

	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, num, snprintf(num, sizeof(num), "%u\n", n));
	for (size_t i = 0; i < in->n; i++) {
		XXH3_128bits_update(st, in->v[i].path, strlen(in->v[i].path) + 1);
		XXH3_128bits_update(st, num, snprintf(num, sizeof(num), "%llu\n",
						      (unsigned long long)in->v[i].size));
	}
	scan_hash_hex(XXH3_128bits_digest(st), out);
	XXH3_freeState(st);
}

void scan_inputs_largest_first(struct scan_inputs *in)
{
	sort_inputs(in, cmp_size_desc);
}

void scan_input_release(struct scan_input *i)
{
	free(i->path);
	free(i->error);
	i->path = i->error = NULL;
}

void scan_inputs_release(struct scan_inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		scan_input_release(&in->v[i]);
	free(in->v);
	memset(in, 0, sizeof(*in));
}
