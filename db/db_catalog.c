/*
 * The catalogue's facts for parts that need them without a database: the
 * libpk twin of each function (column pk_equivalent of the embedded
 * db/catalog/posix-functions.tsv). That column is the one list of libpk's
 * twins: port renames onto them and shim routes only functions that have
 * one, so the two cannot drift apart.
 */
#include "common/common.h"
#include "db/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct twin {
	const char *name, *pk;
};

static struct twin *twins;	/* sorted by name; strings point into a copy kept for the process */
static size_t n_twins;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int cmp_twin(const void *a, const void *b)
{
	return strcmp(((const struct twin *)a)->name, ((const struct twin *)b)->name);
}

/* Cell @col (0-based) of a TSV line, NUL-terminated in place, or NULL. */
static char *cell(char *line, int col)
{
	for (int i = 0; i < col && line; i++) {
		line = strchr(line, '\t');
		if (line)
			line++;
	}
	if (line)
		line[strcspn(line, "\t\r")] = '\0';
	return line;
}

static void load(void)
{
	const struct db_embedded *tsv = db_find_embedded("posix-functions.tsv");
	char *text = xstrdup(tsv->data), *save = NULL, *pk;
	size_t cap = 0;
	int col = -1;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (*l == '#')
			continue;
		if (col < 0) {
			/* The header names the columns. */
			char *h = xstrdup(l), *hs = NULL;
			int i = 0;

			for (char *c = strtok_r(h, "\t\r", &hs); c; c = strtok_r(NULL, "\t\r", &hs), i++)
				if (!strcmp(c, "pk_equivalent"))
					col = i;
			free(h);
			if (col < 0)
				return;
			continue;
		}
		pk = l + strcspn(l, "\t");
		if (!*pk)
			continue;
		*pk++ = '\0';
		pk = cell(pk, col - 1);
		if (!pk || !*pk)
			continue;
		twins = xgrow(twins, &cap, n_twins + 1, sizeof(*twins));
		twins[n_twins++] = (struct twin){ l, pk };
	}
	qsort(twins, n_twins, sizeof(*twins), cmp_twin);
}

const char *db_catalog_twin(const char *name)
{
	struct twin key = { name, NULL }, *hit;

	pthread_once(&once, load);
	if (!name)
		return NULL;
	hit = bsearch(&key, twins, n_twins, sizeof(*twins), cmp_twin);
	return hit ? hit->pk : NULL;
}
