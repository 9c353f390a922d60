/*
 * From the PATHs on the command line to the list of files to read: a
 * directory is walked with fts without following symbolic links (so a link
 * loop cannot trap the walk, and a file reached through a link is read once,
 * at its real path), and only regular files are kept; the list is sorted so
 * that --shard K/N takes the same slice on every machine.
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
	qsort(in->v, in->n, sizeof(*in->v), cmp_input);
}

void scan_inputs_shard(struct scan_inputs *in, unsigned k, unsigned n)
{
	size_t j = 0;

	for (size_t i = 0; i < in->n; i++) {
		if (i % n == k - 1)
			in->v[j++] = in->v[i];
		else
			scan_input_release(&in->v[i]);
	}
	in->n = j;
}

static int cmp_size_desc(const void *a, const void *b)
{
	const struct scan_input *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return strcmp(x->path, y->path);
}

void scan_inputs_largest_first(struct scan_inputs *in)
{
	qsort(in->v, in->n, sizeof(*in->v), cmp_size_desc);
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
