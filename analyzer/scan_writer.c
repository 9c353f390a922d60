/*
 * The one writer: workers hand it whole results, it writes each under a
 * lock inside a batch transaction committed every BATCH_ROWS rows or
 * BATCH_NS, so SQLite's per-commit cost is paid a few times a second, not
 * per file, and a killed run loses only its open batch (the artifact rows,
 * written in the same transaction as their contents, say what is done).
 *
 * Symbol and version names are interned through caches in front of their
 * tables (see intern()).
 */
#include "analyzer/scan.h"
#include "common/common.h"
#include "common/strmap.h"
#include "db/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_ROWS 200000
#define BATCH_NS 2000000000ull
#define CACHE_MAX 100000

enum {
	S_GET_PKG, S_INS_PKG, S_INS_DEP, S_DEL_ART, S_INS_ART, S_INS_BIN, S_GET_BIN, S_INS_NEEDED, S_INS_FILE,
	S_GET_SYM, S_INS_SYM, S_GET_VER, S_INS_VER, S_INS_IMP, S_INS_EXP, S_INS_ERR, S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_GET_PKG] = "SELECT id FROM package WHERE key = ?1",
	[S_INS_PKG] = "INSERT INTO package(key, name, version, arch, format) VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_INS_DEP] = "INSERT OR IGNORE INTO package_dep(package_id, kind, alt, name, version)"
		      " VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_INS_ART] = "INSERT INTO artifact(path, kind, size, hash, package_id, run_id, errors)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(path, hash) DO UPDATE"
		      " SET errors = excluded.errors, run_id = excluded.run_id RETURNING id",
	[S_INS_BIN] = "INSERT INTO binary(hash, size, class, endian, elf_type, machine, static, interp, soname)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(hash) DO NOTHING",
	[S_GET_BIN] = "SELECT id FROM binary WHERE hash = ?1",
	[S_INS_NEEDED] = "INSERT OR IGNORE INTO needed(binary_id, seq, lib) VALUES(?1, ?2, ?3)",
	/* A path holds what was read there last. */
	[S_INS_FILE] = "INSERT INTO file(package_id, path, binary_id, artifact_id) VALUES(?1, ?2, ?3, ?4)"
		       " ON CONFLICT(package_id, path) DO UPDATE SET binary_id = excluded.binary_id,"
		       " artifact_id = excluded.artifact_id",
	[S_DEL_ART] = "DELETE FROM artifact WHERE path = ?1 AND hash <> ?2",
	[S_GET_SYM] = "SELECT id FROM symbol WHERE name = ?1",
	[S_INS_SYM] = "INSERT INTO symbol(name, posix_name) VALUES(?1, ?2) ON CONFLICT(name) DO NOTHING",
	[S_GET_VER] = "SELECT id FROM symver WHERE name = ?1",
	[S_INS_VER] = "INSERT INTO symver(name) VALUES(?1) ON CONFLICT(name) DO NOTHING",
	[S_INS_IMP] = "INSERT OR IGNORE INTO import(binary_id, symbol_id, symver_id, weak) VALUES(?1, ?2, ?3, ?4)",
	[S_INS_EXP] = "INSERT OR IGNORE INTO export(binary_id, name, symver_id, is_default)"
		      " VALUES(?1, ?2, ?3, ?4)",
	[S_INS_ERR] = "INSERT OR IGNORE INTO scan_error(run_id, input, package, member_path, reason)"
		      " VALUES(?1, ?2, ?3, ?4, ?5)",
};

struct scan_writer {
	sqlite3 *db;
	long long run_id;
	pthread_mutex_t lock;
	sqlite3_stmt *st[S_COUNT];
	struct strmap syms, vers, pkgs;
	int in_tx;
	uint64_t tx_start;
	size_t tx_rows;
	int failed;
};

struct scan_writer *scan_writer_new(sqlite3 *db, long long run_id)
{
	struct scan_writer *w = xcalloc(1, sizeof(*w));

	w->db = db;
	w->run_id = run_id;
	pthread_mutex_init(&w->lock, NULL);
	for (int i = 0; i < S_COUNT; i++)
		if (!(w->st[i] = db_prepare(db, sql[i]))) {
			scan_writer_free(w);
			return NULL;
		}
	return w;
}

void scan_writer_free(struct scan_writer *w)
{
	if (!w)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(w->st[i]);
	strmap_release(&w->syms);
	strmap_release(&w->vers);
	strmap_release(&w->pkgs);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* Steps st to completion; *id gets the first column of a row, if any. */
static int step(struct scan_writer *w, int which, long long *id)
{
	sqlite3_stmt *st = w->st[which];
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (id)
			*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	w->tx_rows++;
	if (rc != SQLITE_DONE) {
		util_err("database '%s': %s", sqlite3_db_filename(w->db, "main"), sqlite3_errmsg(w->db));
		w->failed = 1;
		return -1;
	}
	return 0;
}

static void bind_text(struct scan_writer *w, int which, int col, const char *s)
{
	sqlite3_bind_text(w->st[which], col, s, -1, SQLITE_STATIC);
}

static void bind_int(struct scan_writer *w, int which, int col, long long v)
{
	sqlite3_bind_int64(w->st[which], col, v);
}

/*
 * The id of name in the symbol (or symver) table, inserting it: the
 * insert comes first, since a name the cache does not hold is more often
 * new than not. The cache is dropped when full: imported names are a
 * vocabulary of some thousands, so it refills with what matters.
 */
static long long intern(struct scan_writer *w, struct strmap *cache, int get, int ins, const char *name)
{
	size_t n = strlen(name);
	int64_t *hit = strmap_get(cache, name, n);
	long long id = 0;

	if (hit)
		return *hit;
	bind_text(w, ins, 1, name);
	if (ins == S_INS_SYM)
		bind_text(w, ins, 2, db_posix_name(name));
	if (step(w, ins, NULL))
		return 0;
	if (sqlite3_changes(w->db)) {
		id = sqlite3_last_insert_rowid(w->db);
	} else {
		bind_text(w, get, 1, name);
		step(w, get, &id);
	}
	if (cache->len >= CACHE_MAX)
		strmap_release(cache);
	strmap_put(cache, name, n, id);
	return id;
}

static long long put_package(struct scan_writer *w, struct scan_result *r)
{
	const struct strpool *p = &r->pool;
	char *key = NULL;
	const char *name, *base;
	long long id = 0;

	if (r->pkg_key) {
		key = xstrdup(strpool_get(p, r->pkg_key));
		name = strpool_get(p, r->pkg_name);
	} else {
		/* A loose file no package owns is its own package. */
		if (asprintf(&key, "file:%s", r->input) < 0)
			key = NULL;
		base = strrchr(r->input, '/');
		name = base ? base + 1 : r->input;
	}
	if (!key)
		return 0;
	bind_text(w, S_GET_PKG, 1, key);
	step(w, S_GET_PKG, &id);
	if (!id) {
		bind_text(w, S_INS_PKG, 1, key);
		bind_text(w, S_INS_PKG, 2, name);
		bind_text(w, S_INS_PKG, 3, strpool_get(p, r->pkg_version));
		bind_text(w, S_INS_PKG, 4, strpool_get(p, r->pkg_arch));
		bind_text(w, S_INS_PKG, 5, r->pkg_key ? r->pkg_format : "file");
		if (!step(w, S_INS_PKG, NULL))
			id = sqlite3_last_insert_rowid(w->db);
		for (size_t i = 0; id && i < r->n_deps; i++) {
			struct pkg_dep *d = &r->deps[i];

			bind_int(w, S_INS_DEP, 1, id);
			bind_text(w, S_INS_DEP, 2, strpool_get(p, d->kind));
			bind_int(w, S_INS_DEP, 3, d->alt);
			bind_text(w, S_INS_DEP, 4, strpool_get(p, d->name));
			if (d->version)
				bind_text(w, S_INS_DEP, 5, strpool_get(p, d->version));
			step(w, S_INS_DEP, NULL);
		}
	}
	if (!strmap_get(&w->pkgs, key, strlen(key)))
		strmap_put(&w->pkgs, key, strlen(key), id);
	free(key);
	return id;
}

/* Imports name interned symbols; exports keep their names (see 002-scan.sql). */
static void put_syms(struct scan_writer *w, struct scan_result *r, long long bin, struct elf_sym *s,
		     size_t n, int which)
{
	for (size_t i = 0; i < n && !w->failed; i++) {
		const char *name = strpool_get(&r->pool, s[i].name);
		long long ver = s[i].version ? intern(w, &w->vers, S_GET_VER, S_INS_VER,
						      strpool_get(&r->pool, s[i].version)) : 0;

		bind_int(w, which, 1, bin);
		if (which == S_INS_IMP)
			bind_int(w, which, 2, intern(w, &w->syms, S_GET_SYM, S_INS_SYM, name));
		else
			bind_text(w, which, 2, name);
		bind_int(w, which, 3, ver);
		bind_int(w, which, 4, which == S_INS_IMP ? s[i].weak : s[i].is_default);
		step(w, which, NULL);
	}
}

static void put_file(struct scan_writer *w, long long pkg, const char *path, long long bin, long long art)
{
	bind_int(w, S_INS_FILE, 1, pkg);
	bind_text(w, S_INS_FILE, 2, path);
	bind_int(w, S_INS_FILE, 3, bin);
	bind_int(w, S_INS_FILE, 4, art);
	step(w, S_INS_FILE, NULL);
}

/* Returns the binary's id. */
static long long put_elf(struct scan_writer *w, struct scan_result *r, struct elf_info *e, long long pkg,
			 long long art)
{
	const struct strpool *p = &r->pool;
	long long bin = 0;

	bind_text(w, S_INS_BIN, 1, e->hash);
	bind_int(w, S_INS_BIN, 2, e->size);
	bind_int(w, S_INS_BIN, 3, e->class);
	bind_text(w, S_INS_BIN, 4, e->msb ? "be" : "le");
	bind_text(w, S_INS_BIN, 5, e->type);
	bind_text(w, S_INS_BIN, 6, e->machine);
	bind_int(w, S_INS_BIN, 7, e->is_static);
	if (e->interp)
		bind_text(w, S_INS_BIN, 8, strpool_get(p, e->interp));
	if (e->soname)
		bind_text(w, S_INS_BIN, 9, strpool_get(p, e->soname));
	if (step(w, S_INS_BIN, NULL))
		return 0;
	if (sqlite3_changes(w->db)) {
		/* New content: its linkage is stored once, whoever else holds it. */
		bin = sqlite3_last_insert_rowid(w->db);
		for (size_t i = 0; i < e->n_needed; i++) {
			bind_int(w, S_INS_NEEDED, 1, bin);
			bind_int(w, S_INS_NEEDED, 2, i);
			bind_text(w, S_INS_NEEDED, 3, strpool_get(p, e->needed[i]));
			step(w, S_INS_NEEDED, NULL);
		}
		put_syms(w, r, bin, e->imports, e->n_imports, S_INS_IMP);
		put_syms(w, r, bin, e->exports, e->n_exports, S_INS_EXP);
	} else {
		bind_text(w, S_GET_BIN, 1, e->hash);
		step(w, S_GET_BIN, &bin);
	}
	put_file(w, pkg, strpool_get(p, e->path), bin, art);
	return bin;
}

static int commit(struct scan_writer *w)
{
	if (!w->in_tx)
		return 0;
	w->in_tx = 0;
	return db_exec(w->db, "COMMIT");
}

int scan_writer_put(struct scan_writer *w, struct scan_result *r, int *is_new_package)
{
	long long pkg, art = 0, *bins;
	size_t npkgs, n_elfs, n_links;
	int ret;

	pthread_mutex_lock(&w->lock);
	if (w->failed)
		goto out;
	if (!w->in_tx) {
		if (db_exec(w->db, "BEGIN IMMEDIATE")) {
			w->failed = 1;
			goto out;
		}
		w->in_tx = 1;
		w->tx_start = util_now_ns();
		w->tx_rows = 0;
	}
	npkgs = w->pkgs.len;
	/* What could not be read at all is an error, not a package; nor is
	 * anything of a broken input, which must not replace what a sound
	 * copy at its path left (the artifact, and the files a package key
	 * holds). */
	pkg = !r->broken && (r->pkg_key || r->n_elfs) ? put_package(w, r) : 0;
	if (is_new_package)
		*is_new_package = w->pkgs.len > npkgs;
	n_elfs = r->broken ? 0 : r->n_elfs;
	n_links = r->broken ? 0 : r->n_links;
	if (r->hash[0] && !r->broken) {
		/* The input changed since it was last read: forget the old
		 * content, so that changing it back is not taken as known. */
		bind_text(w, S_DEL_ART, 1, r->input);
		bind_text(w, S_DEL_ART, 2, r->hash);
		step(w, S_DEL_ART, NULL);
		bind_text(w, S_INS_ART, 1, r->input);
		bind_text(w, S_INS_ART, 2, r->kind);
		bind_int(w, S_INS_ART, 3, r->size);
		bind_text(w, S_INS_ART, 4, r->hash);
		if (pkg)
			bind_int(w, S_INS_ART, 5, pkg);
		bind_int(w, S_INS_ART, 6, w->run_id);
		bind_int(w, S_INS_ART, 7, r->n_errors);
		step(w, S_INS_ART, &art);
	}
	bins = xcalloc(n_elfs, sizeof(*bins));
	for (size_t i = 0; i < n_elfs && !w->failed; i++)
		bins[i] = put_elf(w, r, &r->elfs[i], pkg, art);
	for (size_t i = 0; i < n_links && !w->failed; i++)
		put_file(w, pkg, strpool_get(&r->pool, r->links[i].path), bins[r->links[i].elf], art);
	free(bins);
	for (size_t i = 0; i < r->n_errors && !w->failed; i++) {
		const char *base = strrchr(r->input, '/');

		bind_int(w, S_INS_ERR, 1, w->run_id);
		bind_text(w, S_INS_ERR, 2, r->input);
		bind_text(w, S_INS_ERR, 3, r->pkg_name ? strpool_get(&r->pool, r->pkg_name)
						      : base ? base + 1 : r->input);
		bind_text(w, S_INS_ERR, 4, strpool_get(&r->pool, r->errors[i].member));
		bind_text(w, S_INS_ERR, 5, strpool_get(&r->pool, r->errors[i].reason));
		step(w, S_INS_ERR, NULL);
	}
	if (!w->failed && (w->tx_rows >= BATCH_ROWS || util_now_ns() - w->tx_start >= BATCH_NS))
		if (commit(w))
			w->failed = 1;
out:
	ret = w->failed ? -1 : 0;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int scan_writer_finish(struct scan_writer *w)
{
	int ret;

	pthread_mutex_lock(&w->lock);
	if (w->failed && w->in_tx) {
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		w->in_tx = 0;
	}
	ret = w->failed ? -1 : commit(w);
	pthread_mutex_unlock(&w->lock);
	return ret;
}

size_t scan_writer_packages(struct scan_writer *w)
{
	return w->pkgs.len;
}
