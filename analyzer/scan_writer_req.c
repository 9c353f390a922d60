/*
 * The writer's part for request codes and pseudo-files (issue 17,
 * 018-scan-requests.sql): a binary's rows, written with its syscall set,
 * and the catalogue of request names, once per database.
 */
#include "analyzer/scan.h"
#include "analyzer/sys_req.h"
#include "common/common.h"
#include "db/db.h"

#include <stdlib.h>

enum { R_REQ, R_PATH, R_NAME, R_COUNT };

static const char *const sql[R_COUNT] = {
	[R_REQ] = "INSERT OR IGNORE INTO binary_request(binary_id, syscall, request, via) VALUES(?1, ?2, ?3, ?4)",
	[R_PATH] = "INSERT OR IGNORE INTO binary_pseudo_file(binary_id, path) VALUES(?1, ?2)",
	[R_NAME] = "INSERT OR IGNORE INTO catalog_request(syscall, request, name) VALUES(?1, ?2, ?3)",
};

struct scan_req_writer {
	sqlite3 *db;
	sqlite3_stmt *st[R_COUNT];
	int catalogued;
};

/* The statements are prepared at the first binary written with a
 * footprint: a scan without --syscalls needs none of these tables. */
struct scan_req_writer *scan_req_writer_new(sqlite3 *db)
{
	struct scan_req_writer *w = xcalloc(1, sizeof(*w));

	w->db = db;
	return w;
}

static int prepare(struct scan_req_writer *w)
{
	for (int i = 0; i < R_COUNT; i++)
		if (!w->st[i] && !(w->st[i] = db_prepare(w->db, sql[i])))
			return -1;
	return 0;
}

void scan_req_writer_free(struct scan_req_writer *w)
{
	if (!w)
		return;
	for (int i = 0; i < R_COUNT; i++)
		sqlite3_finalize(w->st[i]);
	free(w);
}

static int step(struct scan_req_writer *w, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		util_err("database '%s': %s", sqlite3_db_filename(w->db, "main"), sqlite3_errmsg(w->db));
		return -1;
	}
	return 0;
}

static int catalogue(struct scan_req_writer *w)
{
	sqlite3_stmt *st = w->st[R_NAME];

	w->catalogued = 1;
	for (size_t i = 0; i < sys_req_n_names; i++) {
		sqlite3_bind_text(st, 1, sys_req_call_name(sys_req_names[i].call), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, sys_req_names[i].request);
		sqlite3_bind_text(st, 3, sys_req_names[i].name, -1, SQLITE_STATIC);
		if (step(w, st))
			return -1;
	}
	return 0;
}

int scan_req_writer_put(struct scan_req_writer *w, long long bin, const struct sys_req *r, size_t *rows)
{
	if (!w->catalogued && (prepare(w) || catalogue(w)))
		return -1;
	for (size_t i = 0; r && i < r->n; i++) {
		sqlite3_stmt *st = w->st[R_REQ];

		sqlite3_bind_int64(st, 1, bin);
		sqlite3_bind_text(st, 2, sys_req_call_name(r->v[i].call), -1, SQLITE_STATIC);
		if (r->v[i].known)
			sqlite3_bind_int64(st, 3, r->v[i].request);
		sqlite3_bind_text(st, 4, r->v[i].via, -1, SQLITE_STATIC);
		if (step(w, st))
			return -1;
		++*rows;
	}
	for (size_t i = 0; r && i < r->n_paths; i++) {
		sqlite3_stmt *st = w->st[R_PATH];

		sqlite3_bind_int64(st, 1, bin);
		sqlite3_bind_text(st, 2, r->paths[i], -1, SQLITE_STATIC);
		if (step(w, st))
			return -1;
		++*rows;
	}
	return 0;
}
