/*
 * Loading the corpus: the catalogue with its usage counts (v_function_usage),
 * the packages that hold ELF files, and for each of those the set of POSIX
 * functions its binaries import. A package "uses" a function when one of
 * its ELF files imports it (Atlidakis et al.); the population is the
 * packages with at least one ELF file ("with native code"). A package in
 * several versions is one package: the views count by name, the binaries
 * of all its versions its own (db/migrations/009-scan-package-once.sql).
 *
 * The package-to-function pairs come from one DISTINCT query over file,
 * import and symbol: a corpus the size of a distribution has a few hundred
 * thousand of them, and SQLite groups them faster than we could.
 */
#include "common/common.h"
#include "db/db.h"
#include "reports/report.h"

#include <stdlib.h>
#include <string.h>

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct report_func *)a)->name, ((const struct report_func *)b)->name);
}

int report_corpus_func(const struct report_corpus *c, const char *name)
{
	struct report_func key = { .name = name }, *f;

	f = bsearch(&key, c->funcs, c->nfuncs, sizeof(key), cmp_name);
	return f ? (int)(f - c->funcs) : -1;
}

/* Binary search on the sorted package ids. */
static struct report_pkg *find_pkg(const struct report_corpus *c, long long id)
{
	size_t lo = 0, hi = c->npkgs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->pkgs[mid].id == id)
			return &c->pkgs[mid];
		if (c->pkgs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int load_funcs(struct report_corpus *c, sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	st = db_prepare(db, "SELECT function, coalesce(category, ''), packages, binaries"
			    " FROM v_function_usage ORDER BY function");
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct report_func *f;

		c->funcs = xgrow(c->funcs, &cap, c->nfuncs + 1, sizeof(*c->funcs));
		f = &c->funcs[c->nfuncs++];
		memset(f, 0, sizeof(*f));
		f->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		f->category = xstrdup((const char *)sqlite3_column_text(st, 1));
		f->packages = sqlite3_column_int64(st, 2);
		f->binaries = sqlite3_column_int64(st, 3);
		f->paper_share = -1;
	}
	sqlite3_finalize(st);
	/* SQLite's ORDER BY uses BINARY collation, which is strcmp's order. */
	return 0;
}

static int load_pkgs(struct report_corpus *c, sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	st = db_prepare(db, "SELECT package_id, package, version, binaries FROM v_package_binaries"
			    " ORDER BY package_id");
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct report_pkg *p;

		c->pkgs = xgrow(c->pkgs, &cap, c->npkgs + 1, sizeof(*c->pkgs));
		p = &c->pkgs[c->npkgs++];
		memset(p, 0, sizeof(*p));
		p->id = sqlite3_column_int64(st, 0);
		p->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		p->version = xstrdup((const char *)sqlite3_column_text(st, 2));
		p->binaries = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return 0;
}

/* Each package's set from (package_id, API name) rows by package_id;
 * names the corpus does not hold are left out. */
static void load_sets(struct report_corpus *c, sqlite3_stmt *st)
{
	struct report_pkg *p = NULL;
	size_t cap = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		int fi = report_corpus_func(c, (const char *)sqlite3_column_text(st, 1));

		if (!p || p->id != id) {
			p = find_pkg(c, id);
			cap = 0;
		}
		if (!p || fi < 0)
			continue;
		if (!cap)
			cap = p->nfuncs;
		p->funcs = xgrow(p->funcs, &cap, p->nfuncs + 1, sizeof(*p->funcs));
		p->funcs[p->nfuncs++] = fi;
	}
}

static int load_uses(struct report_corpus *c, sqlite3 *db)
{
	sqlite3_stmt *st;

	st = db_prepare(db, "SELECT package_id, function FROM v_package_functions ORDER BY package_id");
	if (!st)
		return -1;
	load_sets(c, st);
	sqlite3_finalize(st);
	return 0;
}

int report_corpus_load(struct report_corpus *c, sqlite3 *db)
{
	memset(c, 0, sizeof(*c));
	if (load_funcs(c, db) || load_pkgs(c, db) || load_uses(c, db))
		return -1;
	c->packages_all = db_int(db, "SELECT packages FROM v_corpus", 0);
	c->binaries = db_int(db, "SELECT binaries FROM v_corpus", 0);
	c->imports = db_int(db, "SELECT imports FROM v_corpus", 0);
	c->errors = db_int(db, "SELECT count(*) FROM v_scan_errors", 0);
	c->runs = db_int(db, "SELECT count(*) FROM v_scan_runs", 0);
	for (size_t i = 0; i < c->nfuncs; i++)
		c->funcs[i].share = c->npkgs ? 100.0 * c->funcs[i].packages / c->npkgs : 0;
	return 0;
}

/* The system calls, by name: v_syscall_usage's, and the names only
 * another ABI's binaries issue (an i386 binary's socketcall), whose
 * binaries the views do not count (REPORT_NONE). */
static int load_syscalls(struct report_corpus *s, sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	st = db_prepare(db, "SELECT syscall, io_uring_op, packages, binaries FROM v_syscall_usage"
			    " WHERE syscall <> 'unknown'"
			    " UNION ALL"
			    " SELECT syscall, io_uring_op, count(*), NULL FROM v_package_syscalls"
			    " WHERE syscall <> 'unknown' AND syscall NOT IN (SELECT syscall FROM v_syscall_usage)"
			    " GROUP BY syscall ORDER BY 1");
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct report_func *f;

		s->funcs = xgrow(s->funcs, &cap, s->nfuncs + 1, sizeof(*s->funcs));
		f = &s->funcs[s->nfuncs++];
		memset(f, 0, sizeof(*f));
		f->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		f->category = xstrdup((const char *)sqlite3_column_text(st, 1));
		f->packages = sqlite3_column_int64(st, 2);
		f->binaries = sqlite3_column_type(st, 3) == SQLITE_NULL ? REPORT_NONE : sqlite3_column_int64(st, 3);
		f->paper_share = -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* The packages with a binary whose set was found, named and weighed as
 * in the function corpus c (they all have ELF files, so c has them). */
static int load_sys_pkgs(struct report_corpus *s, const struct report_corpus *c, sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	st = db_prepare(db, "SELECT package_id, sum(status = 'ok'), max(unknown) FROM v_syscall_analysis"
			    " GROUP BY package_id HAVING sum(status = 'ok') > 0 ORDER BY package_id");
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const struct report_pkg *from = find_pkg(c, sqlite3_column_int64(st, 0));
		struct report_pkg *p;

		if (!from)
			continue;
		s->pkgs = xgrow(s->pkgs, &cap, s->npkgs + 1, sizeof(*s->pkgs));
		p = &s->pkgs[s->npkgs++];
		memset(p, 0, sizeof(*p));
		p->id = from->id;
		p->name = xstrdup(from->name);
		p->version = xstrdup(from->version);
		p->binaries = from->binaries;
		p->w = from->w;
		p->analysed = sqlite3_column_int64(st, 1);
		p->unknown = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return 0;
}

int report_corpus_load_syscalls(struct report_corpus *s, const struct report_corpus *c, sqlite3 *db)
{
	sqlite3_stmt *st;

	memset(s, 0, sizeof(*s));
	s->weighting = c->weighting;
	if (load_syscalls(s, db) || load_sys_pkgs(s, c, db))
		return -1;
	st = db_prepare(db, "SELECT package_id, syscall FROM v_package_syscalls WHERE syscall <> 'unknown'"
			    " ORDER BY package_id");
	if (!st)
		return -1;
	load_sets(s, st);
	sqlite3_finalize(st);
	for (size_t i = 0; i < s->nfuncs; i++)
		s->funcs[i].share = s->npkgs ? 100.0 * s->funcs[i].packages / s->npkgs : 0;
	return 0;
}

void report_corpus_release(struct report_corpus *c)
{
	for (size_t i = 0; i < c->nfuncs; i++) {
		free((char *)c->funcs[i].name);
		free((char *)c->funcs[i].category);
	}
	for (size_t i = 0; i < c->npkgs; i++) {
		free(c->pkgs[i].name);
		free(c->pkgs[i].version);
		free(c->pkgs[i].funcs);
	}
	free(c->funcs);
	free(c->pkgs);
	free(c->tsai_order);
	free(c->plan_order);
	free(c->tsai_w);
	free(c->plan_w);
	memset(c, 0, sizeof(*c));
}
