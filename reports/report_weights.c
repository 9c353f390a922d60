/*
 * Package weights, the "P(p installed)" of Tsai et al.'s metrics.
 *
 * popcon: Debian popularity-contest by_inst lines "rank name inst vote old
 *   recent no-files (maintainer)"; P = inst / the largest inst of the file
 *   (the package every submitter has, dpkg, stands for the number of
 *   installations; the "Total" line is skipped). Packages the file does not
 *   name weigh 0 and the report says how many matched.
 * pagerank: without installation counts, PackageRank (openEuler's musl
 *   study): PageRank over the corpus's own dependency graph, so a library
 *   many packages depend on weighs more. Nodes are all packages of the
 *   database; package p gives its rank equally to each of its dependency
 *   entries (Depends, Pre-Depends, Requires... rows with one alt number),
 *   and an entry splits it equally among the packages that bear one of its
 *   names (':any'-style qualifiers dropped; virtual packages do not
 *   resolve). Damping 0.85; packages with no resolvable dependency spread
 *   their rank over all. The ranks of the packages with ELF files are then
 *   rescaled to sum 1.
 * equal: every package weighs the same; importance is then the package
 *   share of Atlidakis et al.
 */
#include "common/common.h"
#include "common/strmap.h"
#include "db/db.h"
#include "reports/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *report_weights_name(enum report_weighting how)
{
	switch (how) {
	case REPORT_W_EQUAL: return "equal";
	case REPORT_W_POPCON: return "popcon";
	default: return "pagerank";
	}
}

struct edge {
	int src, dst;
	double w;
};

struct node {
	long long id;
	char *name;
};

static int cmp_node_name(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->name, ((const struct node *)b)->name);
}

/* The nodes named name: [*lo, *hi) of the name-sorted array. */
static void name_range(const struct node *byname, size_t n, const char *name, size_t *lo, size_t *hi)
{
	size_t a = 0, b = n;

	while (a < b) {
		size_t m = (a + b) / 2;

		if (strcmp(byname[m].name, name) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < n && !strcmp(byname[a].name, name))
		a++;
	*hi = a;
}

static int node_of(const struct node *byid, size_t n, long long id)
{
	size_t a = 0, b = n;

	while (a < b) {
		size_t m = (a + b) / 2;

		if (byid[m].id == id)
			return (int)m;
		if (byid[m].id < id)
			a = m + 1;
		else
			b = m;
	}
	return -1;
}

/*
 * Adds the edges of one package's dependency entries. ents holds, per
 * entry, the run of target node indexes (-1 separates entries).
 */
static void add_edges(struct edge **e, size_t *ne, size_t *cap, int src, const int *ents, size_t n)
{
	size_t nent = 0;

	for (size_t i = 0, start = 0; i <= n; i++)
		if (i == n || ents[i] < 0) {
			nent += i > start;
			start = i + 1;
		}
	for (size_t i = 0, start = 0; i <= n && nent; i++) {
		if (i < n && ents[i] >= 0)
			continue;
		for (size_t j = start; j < i; j++) {
			*e = xgrow(*e, cap, *ne + 1, sizeof(**e));
			(*e)[(*ne)++] = (struct edge){ src, ents[j], 1.0 / nent / (double)(i - start) };
		}
		start = i + 1;
	}
}

static int pagerank(struct report_corpus *c, sqlite3 *db)
{
	struct node *byid = NULL, *byname = NULL;
	struct edge *e = NULL;
	size_t n = 0, cap = 0, ne = 0, ecap = 0, nent = 0, entcap = 0;
	double *r = NULL, *next = NULL, *out = NULL, sum;
	int *ents = NULL, src = -1, ret = -1;
	long long last_alt = -1;
	char *last_kind = NULL;
	sqlite3_stmt *st;

	if (!(st = db_prepare(db, "SELECT package_id, package FROM v_packages ORDER BY package_id")))
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		byid = xgrow(byid, &cap, n + 1, sizeof(*byid));
		byid[n].id = sqlite3_column_int64(st, 0);
		byid[n++].name = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (!n)
		return 0;
	byname = xmalloc(n * sizeof(*byname));
	for (size_t i = 0; i < n; i++)
		byname[i] = (struct node){ i, byid[i].name };	/* id field: node index */
	qsort(byname, n, sizeof(*byname), cmp_node_name);

	if (!(st = db_prepare(db, "SELECT package_id, kind, alt, name FROM v_package_deps"
				  " ORDER BY package_id, kind, alt")))
		goto out;
	for (int more = 1; more;) {
		int s = -1;
		const char *kind = NULL;
		long long alt = 0;
		char name[512];
		size_t lo, hi;

		more = sqlite3_step(st) == SQLITE_ROW;
		if (more) {
			s = node_of(byid, n, sqlite3_column_int64(st, 0));
			kind = (const char *)sqlite3_column_text(st, 1);
			alt = sqlite3_column_int64(st, 2);
		}
		if (!more || s != src) {
			if (src >= 0)
				add_edges(&e, &ne, &ecap, src, ents, nent);
			src = s;
			nent = 0;
			last_alt = -1;
		}
		if (!more || s < 0)
			continue;
		if (alt != last_alt || !last_kind || strcmp(kind, last_kind)) {
			ents = xgrow(ents, &entcap, nent + 1, sizeof(*ents));
			ents[nent++] = -1;
			free(last_kind);
			last_kind = xstrdup(kind);
			last_alt = alt;
		}
		snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 3));
		name[strcspn(name, ":")] = 0;
		name_range(byname, n, name, &lo, &hi);
		for (size_t i = lo; i < hi; i++)
			if ((int)byname[i].id != s) {
				ents = xgrow(ents, &entcap, nent + 1, sizeof(*ents));
				ents[nent++] = (int)byname[i].id;
			}
	}
	sqlite3_finalize(st);

	r = xmalloc(n * sizeof(*r));
	next = xmalloc(n * sizeof(*next));
	out = xcalloc(n, sizeof(*out));
	for (size_t i = 0; i < ne; i++)
		out[e[i].src] += e[i].w;
	for (size_t i = 0; i < n; i++)
		r[i] = 1.0 / n;
	for (int it = 0; it < 200; it++) {
		double dangling = 0, delta = 0;

		for (size_t i = 0; i < n; i++)
			if (out[i] < 0.5)
				dangling += r[i];
		for (size_t i = 0; i < n; i++)
			next[i] = (1 - 0.85) / n + 0.85 * dangling / n;
		for (size_t i = 0; i < ne; i++)
			next[e[i].dst] += 0.85 * r[e[i].src] * e[i].w;
		for (size_t i = 0; i < n; i++) {
			delta += fabs(next[i] - r[i]);
			r[i] = next[i];
		}
		if (delta < 1e-12)
			break;
	}
	sum = 0;
	for (size_t i = 0; i < c->npkgs; i++) {
		int k = node_of(byid, n, c->pkgs[i].id);

		c->pkgs[i].w = k >= 0 ? r[k] : 0;
		sum += c->pkgs[i].w;
	}
	for (size_t i = 0; i < c->npkgs && sum > 0; i++)
		c->pkgs[i].w /= sum;
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(byid[i].name);
	free(byid);
	free(byname);
	free(e);
	free(ents);
	free(last_kind);
	free(r);
	free(next);
	free(out);
	return ret;
}

static int popcon(struct report_corpus *c, const char *path)
{
	struct strmap inst = STRMAP_INIT;
	char *line = NULL;
	size_t cap = 0;
	long long max = 0;
	FILE *f;

	if (!(f = fopen(path, "r"))) {
		util_err("cannot open popcon file '%s': %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		char name[256];
		long long rank, n;

		if (line[0] == '#' || sscanf(line, "%lld %255s %lld", &rank, name, &n) != 3 ||
		    !strcmp(name, "Total"))
			continue;
		strmap_put(&inst, name, strlen(name), n);
		if (n > max)
			max = n;
	}
	free(line);
	fclose(f);
	if (!inst.len) {
		util_err("'%s' holds no popcon by_inst lines", path);
		strmap_release(&inst);
		return -1;
	}
	c->popcon_matched = 0;
	for (size_t i = 0; i < c->npkgs; i++) {
		int64_t *v = strmap_get(&inst, c->pkgs[i].name, strlen(c->pkgs[i].name));

		c->pkgs[i].w = v && max > 0 ? (double)*v / max : 0;
		c->popcon_matched += v != NULL;
	}
	strmap_release(&inst);
	return 0;
}

int report_weights(struct report_corpus *c, sqlite3 *db, enum report_weighting how,
		   const char *popcon_path)
{
	c->weighting = how;
	switch (how) {
	case REPORT_W_POPCON:
		return popcon(c, popcon_path);
	case REPORT_W_PAGERANK:
		return pagerank(c, db);
	default:
		for (size_t i = 0; i < c->npkgs; i++)
			c->pkgs[i].w = 1.0 / c->npkgs;
		return 0;
	}
}
