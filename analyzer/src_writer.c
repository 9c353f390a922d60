/*
 * Writes a src run: the tree's previous rows are deleted and the run's
 * inserted in one transaction, so the database holds one consistent
 * picture of each tree (a killed run leaves the previous one). A header's
 * call sites arrive once per TU that includes it and are stored once
 * (UNIQUE on the position, callee and kind; errno_after is or-ed).
 */
#include "analyzer/src_tree.h"
#include "common/common.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

enum { ST_TU, ST_ERR, ST_SITE, ST_ERRNO, ST_SKIP, N_ST };

static const char *const sql[N_ST] = {
	[ST_TU] = "INSERT OR REPLACE INTO src_tu(tree_id, file, directory, arguments, status, errors, seconds)"
		  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_ERR] = "INSERT INTO src_error(tree_id, tu, severity, file, line, col, message)"
		   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_SITE] = "INSERT INTO call_site(tree_id, file, line, col, caller, callee, posix_name, kind,"
		    " in_macro, macro, macro_arg, seq, ret_used, errno_after)"
		    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
		    " ON CONFLICT(tree_id, file, line, col, callee, kind, seq)"
		    " DO UPDATE SET errno_after = max(errno_after, excluded.errno_after)",
	[ST_ERRNO] = "INSERT OR IGNORE INTO src_errno_use(tree_id, file, line, col, caller, after_line,"
		     " after_col, after_posix_name) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_SKIP] = "INSERT OR IGNORE INTO src_skipped(tree_id, file, first_line, last_line)"
		    " VALUES(?1, ?2, ?3, ?4)",
};

/* The TU's path under root when it is there, else as it is. */
static const char *tu_rel(const char *root, const char *file)
{
	size_t n = strlen(root);

	if (!strncmp(file, root, n) && file[n] == '/')
		return file + n + 1;
	return file;
}

static void bind_pool(sqlite3_stmt *st, int i, const struct strpool *p, size_t off)
{
	if (off)
		sqlite3_bind_text(st, i, strpool_get(p, off), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static int step(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	util_err("database '%s': %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
	return -1;
}

static int write_result(sqlite3 *db, sqlite3_stmt **st, long long tree, const char *root,
			const struct src_result *r)
{
	static const char *const status[] = { "clean", "errors", "failed" };
	const struct strpool *p = &r->pool;
	const char *tu = tu_rel(root, r->tu->file);
	char *args = util_join_argv(r->tu->argc, r->tu->argv);
	int ret = -1;

	sqlite3_bind_int64(st[ST_TU], 1, tree);
	sqlite3_bind_text(st[ST_TU], 2, tu, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[ST_TU], 3, r->tu->directory, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[ST_TU], 4, args, -1, SQLITE_STATIC);
	sqlite3_bind_text(st[ST_TU], 5, status[r->status], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st[ST_TU], 6, r->n_diags + r->n_diags_dropped);
	sqlite3_bind_double(st[ST_TU], 7, r->seconds);
	if (step(db, st[ST_TU]))
		goto out;
	for (size_t i = 0; i < r->n_diags; i++) {
		const struct src_diag *d = &r->diags[i];

		sqlite3_bind_int64(st[ST_ERR], 1, tree);
		sqlite3_bind_text(st[ST_ERR], 2, tu, -1, SQLITE_STATIC);
		sqlite3_bind_text(st[ST_ERR], 3, d->severity, -1, SQLITE_STATIC);
		bind_pool(st[ST_ERR], 4, p, d->file);
		if (d->file) {
			sqlite3_bind_int(st[ST_ERR], 5, d->line);
			sqlite3_bind_int(st[ST_ERR], 6, d->col);
		}
		bind_pool(st[ST_ERR], 7, p, d->message);
		if (step(db, st[ST_ERR]))
			goto out;
	}
	for (size_t i = 0; i < r->n_sites; i++) {
		const struct src_site *s = &r->sites[i];
		sqlite3_stmt *q = st[ST_SITE];

		sqlite3_bind_int64(q, 1, tree);
		bind_pool(q, 2, p, s->file);
		sqlite3_bind_int(q, 3, s->line);
		sqlite3_bind_int(q, 4, s->col);
		bind_pool(q, 5, p, s->caller);
		bind_pool(q, 6, p, s->callee);
		if (s->posix_name)
			sqlite3_bind_text(q, 7, s->posix_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 8, s->kind == SRC_CALL ? "call" : "address", -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 9, s->in_macro);
		bind_pool(q, 10, p, s->macro);
		sqlite3_bind_int(q, 11, s->macro_arg);
		sqlite3_bind_int(q, 12, s->seq);
		if (s->ret_used >= 0)
			sqlite3_bind_int(q, 13, s->ret_used);
		sqlite3_bind_int(q, 14, s->errno_after);
		if (step(db, q))
			goto out;
	}
	for (size_t i = 0; i < r->n_errnos; i++) {
		const struct src_errno *e = &r->errnos[i];
		sqlite3_stmt *q = st[ST_ERRNO];

		sqlite3_bind_int64(q, 1, tree);
		bind_pool(q, 2, p, e->file);
		sqlite3_bind_int(q, 3, e->line);
		sqlite3_bind_int(q, 4, e->col);
		bind_pool(q, 5, p, e->caller);
		if (e->after >= 0) {
			const struct src_site *s = &r->sites[e->after];

			sqlite3_bind_int(q, 6, s->line);
			sqlite3_bind_int(q, 7, s->col);
			sqlite3_bind_text(q, 8, s->posix_name, -1, SQLITE_STATIC);
		}
		if (step(db, q))
			goto out;
	}
	for (size_t i = 0; i < r->n_skips; i++) {
		const struct src_skip *s = &r->skips[i];

		sqlite3_bind_int64(st[ST_SKIP], 1, tree);
		bind_pool(st[ST_SKIP], 2, p, s->file);
		sqlite3_bind_int(st[ST_SKIP], 3, s->first);
		sqlite3_bind_int(st[ST_SKIP], 4, s->last);
		if (step(db, st[ST_SKIP]))
			goto out;
	}
	ret = 0;
out:
	free(args);
	return ret;
}

static long long tree_id(sqlite3 *db, const char *root)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO source_tree(root) VALUES(?1)"
					  " ON CONFLICT(root) DO UPDATE SET root = root RETURNING id");
	long long id = -1;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		util_err("database '%s': %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

static long long add_run(sqlite3 *db, long long tree, const struct src_run_info *info,
			 const struct src_result *results, size_t n)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO src_run(tree_id, command_line, parakit_version, started,"
					  " seconds, flags_from, tus, tus_clean, tus_failed)"
					  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	size_t clean = 0, failed = 0;
	long long id = -1;
	char now[32];

	if (!st)
		return -1;
	for (size_t i = 0; i < n; i++) {
		clean += results[i].status == SRC_CLEAN;
		failed += results[i].status == SRC_FAILED;
	}
	sqlite3_bind_int64(st, 1, tree);
	sqlite3_bind_text(st, 2, info->command_line, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, PARAKIT_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, info->started ? info->started : util_utc_now(now, sizeof(now)), -1,
			  SQLITE_STATIC);
	sqlite3_bind_double(st, 5, info->seconds);
	sqlite3_bind_text(st, 6, info->flags_from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, n);
	sqlite3_bind_int64(st, 8, clean);
	sqlite3_bind_int64(st, 9, failed);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	else
		util_err("database '%s': %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

long long src_write(sqlite3 *db, const struct src_run_info *info, struct src_result *results, size_t n)
{
	static const char *const wipe[] = { "call_site", "src_errno_use", "src_skipped", "src_error",
					    "src_tu" };
	sqlite3_stmt *st[N_ST] = { 0 };
	long long tree, run = -1;
	char q[128];

	if (db_exec(db, "BEGIN IMMEDIATE"))
		return -1;
	if ((tree = tree_id(db, info->root)) < 0)
		goto rollback;
	for (size_t i = 0; i < ARRAY_SIZE(wipe); i++) {
		snprintf(q, sizeof(q), "DELETE FROM %s WHERE tree_id = %lld", wipe[i], tree);
		if (db_exec(db, q))
			goto rollback;
	}
	for (int i = 0; i < N_ST; i++)
		if (!(st[i] = db_prepare(db, sql[i])))
			goto rollback;
	for (size_t i = 0; i < n; i++)
		if (write_result(db, st, tree, info->root, &results[i]))
			goto rollback;
	if ((run = add_run(db, tree, info, results, n)) < 0)
		goto rollback;
	snprintf(q, sizeof(q), "UPDATE source_tree SET run_id = %lld WHERE id = %lld", run, tree);
	if (db_exec(db, q) || db_exec(db, "COMMIT"))
		goto rollback;
	goto out;
rollback:
	run = -1;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	for (int i = 0; i < N_ST; i++)
		sqlite3_finalize(st[i]);
	return run;
}
