/*
 * The src pipeline as one entry point, for `src` and `port` alike (port
 * re-runs src on the tree it rewrites): the tree's translation units
 * resolved (compile_commands.json, or every .c file with the flags given),
 * parsed by --jobs workers with one libclang index each (the next TU to
 * whoever is free), each unit that does not parse cleanly reported once as
 * it is parsed, and the results written in one transaction.
 */
#include "analyzer/src_tree.h"
#include "common/common.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct pipeline {
	struct src_run *r;
	struct progress progress;
	uint64_t *sizes;	/* each TU's file, the bytes progress counts */
	atomic_size_t next;
	atomic_int failed;
};

/* The message for a unit that did not parse cleanly, its file relative to the root. */
static void report_tu(const char *root, const struct src_result *r)
{
	size_t n = strlen(root);
	const char *f = r->tu->file;
	const struct src_diag *d = r->n_diags ? &r->diags[0] : NULL;

	if (!strncmp(f, root, n) && f[n] == '/')
		f += n + 1;
	if (!d)
		return;
	if (d->file)
		util_err("cannot parse '%s' cleanly: %s:%u:%u: %s (%zu errors, see v_src_errors)", f,
		         strpool_get(&r->pool, d->file), d->line, d->col, strpool_get(&r->pool, d->message),
		         r->n_diags + r->n_diags_dropped);
	else
		util_err("cannot parse '%s': %s", f, strpool_get(&r->pool, d->message));
}

static void *worker(void *arg)
{
	struct pipeline *pl = arg;
	struct src_run *r = pl->r;
	struct src_parser *p = src_parser_new(r->root);
	size_t i;

	if (!p) {
		util_err("libclang: cannot create an index");
		pl->failed = 1;
		return NULL;
	}
	while (!pl->failed && (i = atomic_fetch_add(&pl->next, 1)) < r->tus.n) {
		src_parse(p, &r->tus.v[i], &r->results[i]);
		if (r->results[i].status != SRC_CLEAN)
			report_tu(r->root, &r->results[i]);
		progress_add(&pl->progress, pl->sizes[i], 1);
	}
	src_parser_free(p);
	return NULL;
}

int src_run_resolve(struct src_run *r)
{
	if (src_tus_resolve(&r->tus, r->tree, r->build_dir, &r->root, &r->build, r->cflags, r->n_cflags,
			    &r->flags_from))
		return -1;
	if (!r->tus.n)
		util_err("no translation unit in '%s'", r->build ? r->build : r->root);
	return 0;
}

int src_run_parse(struct src_run *r)
{
	struct pipeline pl = { .r = r };
	unsigned jobs = r->jobs < 1 ? 1 : r->jobs;
	uint64_t bytes = 0;

	db_alias_init();
	r->t0 = util_now_ns();
	util_utc_now(r->started, sizeof(r->started));
	r->results = xcalloc(r->tus.n + 1, sizeof(*r->results));
	if (jobs > r->tus.n)
		jobs = r->tus.n ? (unsigned)r->tus.n : 1;
	pl.sizes = xcalloc(r->tus.n + 1, sizeof(*pl.sizes));
	for (size_t i = 0; i < r->tus.n; i++) {
		struct stat st;

		if (!stat(r->tus.v[i].file, &st))
			bytes += pl.sizes[i] = st.st_size;
	}
	progress_init(&pl.progress, "files", r->tus.n, bytes);
	util_run_threads(jobs, worker, &pl);
	progress_release(&pl.progress);
	free(pl.sizes);
	r->seconds = (util_now_ns() - r->t0) / 1e9;
	return pl.failed ? -1 : 0;
}

long long src_run_write(sqlite3 *db, struct src_run *r, const char *command_line)
{
	struct src_run_info info = { .root = r->root, .command_line = command_line,
				     .flags_from = r->flags_from, .started = r->started,
				     .seconds = r->seconds };

	return src_write(db, &info, r->results, r->tus.n);
}

void src_run_release(struct src_run *r)
{
	for (size_t i = 0; r->results && i < r->tus.n; i++)
		src_result_release(&r->results[i]);
	free(r->results);
	src_tus_release(&r->tus);
	free(r->root);
	free(r->build);
	r->results = NULL;
	r->root = r->build = NULL;
}
