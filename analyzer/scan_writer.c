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
	S_GET_SYM, S_INS_SYM, S_GET_VER, S_INS_VER, S_INS_IMP, S_INS_EXP, S_INS_ERR,
	S_INS_BSYS, S_INS_BSC, S_INS_SNAME, S_INS_SET, S_GET_SET, S_INS_LIB, S_INS_LIBFN, S_GET_LIB,
	S_GET_LIBFN, S_GET_SETBITS, S_SET_ABI, S_COUNT
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
	/* The system call footprint (014-scan-syscalls.sql). */
	[S_INS_BSYS] = "INSERT OR IGNORE INTO binary_sys(binary_id, abi, status, sites, unknown_sites, go, stripped)"
		       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_INS_BSC] = "INSERT OR IGNORE INTO binary_syscall(binary_id, syscall, via) VALUES(?1, ?2, ?3)",
	[S_INS_SNAME] = "INSERT OR IGNORE INTO syscall_name(abi, nr, name) VALUES(?1, ?2, ?3)",
	[S_INS_SET] = "INSERT INTO syscall_set(bits) VALUES(?1) ON CONFLICT(bits) DO NOTHING",
	[S_GET_SET] = "SELECT id FROM syscall_set WHERE bits = ?1",
	[S_INS_LIB] = "INSERT INTO syscall_lib(hash, abi, soname, rpath, runpath, needed, entry_set_id)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(hash) DO NOTHING",
	[S_INS_LIBFN] = "INSERT OR IGNORE INTO syscall_lib_fn(lib_id, name, version, is_default, set_id)"
			" VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_GET_LIB] = "SELECT id, abi, soname, rpath, runpath, needed, entry_set_id FROM syscall_lib WHERE hash = ?1",
	[S_GET_LIBFN] = "SELECT f.name, f.version, f.is_default, s.bits FROM syscall_lib_fn f"
			" JOIN syscall_set s ON s.id = f.set_id WHERE f.lib_id = ?1",
	[S_GET_SETBITS] = "SELECT bits FROM syscall_set WHERE id = ?1",
	[S_SET_ABI] = "INSERT OR REPLACE INTO meta(key, value) VALUES('syscall_abi', ?1)",
};

struct scan_writer {
	sqlite3 *db;
	long long run_id;
	pthread_mutex_t lock;
	sqlite3_stmt *st[S_COUNT];
	struct strmap syms, vers, pkgs;
	struct strmap sets;	/* interned set (its address) -> syscall_set.id */
	unsigned abis_named;	/* 1 << enum sys_abi: syscall_name holds its names */
	struct scan_req_writer *req;
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
	if (!(w->req = scan_req_writer_new(db))) {
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
	scan_req_writer_free(w->req);
	strmap_release(&w->syms);
	strmap_release(&w->vers);
	strmap_release(&w->pkgs);
	strmap_release(&w->sets);
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

static void put_sys(struct scan_writer *w, struct elf_info *e, long long bin);

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
	/* Also for a binary stored before without its footprint. */
	put_sys(w, e, bin);
	put_file(w, pkg, strpool_get(p, e->path), bin, art);
	return bin;
}

/* syscall_name's rows for abi, once per writer; the native ABI's first,
 * with meta's syscall_abi, so that v_syscall_usage lists every syscall. */
static void name_abi(struct scan_writer *w, enum sys_abi abi)
{
	enum sys_abi native = sys_native_abi();

	if (!(w->abis_named & 1u << native)) {
		w->abis_named |= 1u << native;
		bind_text(w, S_SET_ABI, 1, sys_abi_name(native));
		step(w, S_SET_ABI, NULL);
		name_abi(w, native);
	}
	if (w->abis_named & 1u << (abi + 8))
		return;
	w->abis_named |= 1u << (abi + 8);
	for (unsigned nr = 0; nr < SYS_MAX && !w->failed; nr++) {
		if (nr > sys_abi_max(abi) && nr != SYS_UNKNOWN)
			continue;
		bind_text(w, S_INS_SNAME, 1, sys_abi_name(abi));
		bind_int(w, S_INS_SNAME, 2, nr);
		bind_text(w, S_INS_SNAME, 3, sys_name(abi, nr));
		step(w, S_INS_SNAME, NULL);
	}
}

static void put_sys(struct scan_writer *w, struct elf_info *e, long long bin)
{
	if (!e->sys_status || !bin)
		return;
	name_abi(w, e->sys_abi);
	bind_int(w, S_INS_BSYS, 1, bin);
	bind_text(w, S_INS_BSYS, 2, sys_abi_name(e->sys_abi));
	bind_text(w, S_INS_BSYS, 3, e->sys_status);
	bind_int(w, S_INS_BSYS, 4, e->sys_sites);
	bind_int(w, S_INS_BSYS, 5, e->sys_unknown_sites);
	/* Known only of a binary analysed (016-scan-binary-kind.sql). */
	if (e->sys_stripped >= 0) {
		bind_text(w, S_INS_BSYS, 6, e->sys_go);
		bind_int(w, S_INS_BSYS, 7, e->sys_stripped);
	} else {
		sqlite3_bind_null(w->st[S_INS_BSYS], 6);
		sqlite3_bind_null(w->st[S_INS_BSYS], 7);
	}
	if (step(w, S_INS_BSYS, NULL) || !sqlite3_changes(w->db))
		return;
	for (size_t i = 0; i < e->sys_rows.n && !w->failed; i++) {
		bind_int(w, S_INS_BSC, 1, bin);
		bind_text(w, S_INS_BSC, 2, e->sys_rows.v[i].syscall);
		bind_text(w, S_INS_BSC, 3, e->sys_rows.v[i].via);
		step(w, S_INS_BSC, NULL);
	}
	if (!w->failed && scan_req_writer_put(w->req, bin, e->req, &w->tx_rows))
		w->failed = 1;
}

/* A set's bytes as stored: little-endian, trailing zero bytes cut. */
static size_t set_bytes(const struct sys_set *s, unsigned char out[SYS_MAX / 8])
{
	size_t n = 0;

	for (size_t i = 0; i < SYS_MAX / 8; i++) {
		out[i] = s->w[i / 8] >> (8 * (i % 8));
		if (out[i])
			n = i + 1;
	}
	return n;
}

static void set_of_bytes(const void *p, size_t n, struct sys_set *s)
{
	const unsigned char *b = p;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n && i < SYS_MAX / 8; i++)
		s->w[i / 8] |= (uint64_t)b[i] << (8 * (i % 8));
}

static long long set_id(struct scan_writer *w, const struct sys_set *s)
{
	char key[32];
	unsigned char bytes[SYS_MAX / 8];
	size_t n = set_bytes(s, bytes), klen = snprintf(key, sizeof(key), "%p", (const void *)s);
	int64_t *hit = strmap_get(&w->sets, key, klen);
	long long id = 0;

	if (hit)
		return *hit;
	sqlite3_bind_blob(w->st[S_INS_SET], 1, bytes, n, SQLITE_STATIC);
	if (step(w, S_INS_SET, NULL))
		return 0;
	if (sqlite3_changes(w->db)) {
		id = sqlite3_last_insert_rowid(w->db);
	} else {
		sqlite3_bind_blob(w->st[S_GET_SET], 1, bytes, n, SQLITE_STATIC);
		step(w, S_GET_SET, &id);
	}
	strmap_put(&w->sets, key, klen, id);
	return id;
}

/* A library map the binding used, cached in the database once. */
static void put_map(struct scan_writer *w, struct sys_map *m)
{
	char *needed = NULL;
	size_t len = 0;
	long long lib;

	if (m->stored)
		return;
	for (size_t i = 0; i < m->n_needed; i++)
		len += strlen(m->needed[i]) + 1;
	needed = xcalloc(1, len + 1);
	for (size_t i = 0; i < m->n_needed; i++) {
		strcat(needed, m->needed[i]);
		if (i + 1 < m->n_needed)
			strcat(needed, "\n");
	}
	bind_text(w, S_INS_LIB, 1, m->hash);
	bind_text(w, S_INS_LIB, 2, sys_abi_name(m->abi));
	if (m->soname)
		bind_text(w, S_INS_LIB, 3, m->soname);
	if (m->rpath)
		bind_text(w, S_INS_LIB, 4, m->rpath);
	if (m->runpath)
		bind_text(w, S_INS_LIB, 5, m->runpath);
	bind_text(w, S_INS_LIB, 6, needed);
	if (m->has_entry)
		bind_int(w, S_INS_LIB, 7, set_id(w, m->entry));
	if (step(w, S_INS_LIB, NULL) || !sqlite3_changes(w->db))
		goto out;
	lib = sqlite3_last_insert_rowid(w->db);
	for (size_t i = 0; i < m->n && !w->failed; i++) {
		bind_int(w, S_INS_LIBFN, 1, lib);
		bind_text(w, S_INS_LIBFN, 2, m->fn[i].name);
		bind_text(w, S_INS_LIBFN, 3, m->fn[i].version ? m->fn[i].version : "");
		bind_int(w, S_INS_LIBFN, 4, m->fn[i].is_default);
		bind_int(w, S_INS_LIBFN, 5, set_id(w, m->fn[i].set));
		step(w, S_INS_LIBFN, NULL);
	}
out:
	if (!w->failed)
		m->stored = 1;
	free(needed);
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

struct sys_map *scan_writer_sys_map(void *arg, const char *hash)
{
	struct scan_writer *w = arg;
	sqlite3_stmt *st = w->st[S_GET_LIB], *fn = w->st[S_GET_LIBFN], *bits = w->st[S_GET_SETBITS];
	struct sys_map *m = NULL;
	struct sys_set entry, *sets = NULL;
	char **names = NULL, **vers = NULL, *needed = NULL, *soname = NULL, *rpath = NULL, *runpath = NULL;
	const char **nd = NULL;
	int *defs = NULL, has_entry = 0;
	size_t n = 0, cap = 0, cap2 = 0, cap3 = 0, cap4 = 0, n_nd = 0;
	long long id, entry_id;
	enum sys_abi abi;

	pthread_mutex_lock(&w->lock);
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		goto out;
	}
	id = sqlite3_column_int64(st, 0);
	abi = sys_abi_by_name(col_text(st, 1) ? col_text(st, 1) : "");
	soname = col_text(st, 2) ? xstrdup(col_text(st, 2)) : NULL;
	rpath = col_text(st, 3) ? xstrdup(col_text(st, 3)) : NULL;
	runpath = col_text(st, 4) ? xstrdup(col_text(st, 4)) : NULL;
	needed = xstrdup(col_text(st, 5) ? col_text(st, 5) : "");
	entry_id = sqlite3_column_int64(st, 6);
	has_entry = sqlite3_column_type(st, 6) != SQLITE_NULL;
	sqlite3_reset(st);
	nd = xcalloc(strlen(needed) + 2, sizeof(*nd));
	for (char *p = needed, *q; *needed && p; p = q) {
		q = strchr(p, '\n');
		if (q)
			*q++ = 0;
		nd[n_nd++] = p;
	}
	if (has_entry) {
		sqlite3_bind_int64(bits, 1, entry_id);
		if (sqlite3_step(bits) == SQLITE_ROW)
			set_of_bytes(sqlite3_column_blob(bits, 0), sqlite3_column_bytes(bits, 0), &entry);
		else
			has_entry = 0;
		sqlite3_reset(bits);
	}
	sqlite3_bind_int64(fn, 1, id);
	while (sqlite3_step(fn) == SQLITE_ROW) {
		const char *v = col_text(fn, 1);

		names = xgrow(names, &cap, n + 1, sizeof(*names));
		vers = xgrow(vers, &cap2, n + 1, sizeof(*vers));
		defs = xgrow(defs, &cap3, n + 1, sizeof(*defs));
		sets = xgrow(sets, &cap4, n + 1, sizeof(*sets));
		names[n] = xstrdup(col_text(fn, 0) ? col_text(fn, 0) : "");
		vers[n] = v && *v ? xstrdup(v) : NULL;
		defs[n] = sqlite3_column_int(fn, 2);
		set_of_bytes(sqlite3_column_blob(fn, 3), sqlite3_column_bytes(fn, 3), &sets[n]);
		n++;
	}
	sqlite3_reset(fn);
	{
		struct sys_link link = { soname, rpath, runpath, nd, n_nd };

		m = sys_map_new(hash, abi, &link, n, (const char *const *)names, (const char *const *)vers, defs,
				sets, has_entry ? &entry : NULL);
		m->stored = 1;
	}
out:
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(vers[i]);
	}
	free(names);
	free(vers);
	free(defs);
	free(sets);
	free(nd);
	free(needed);
	free(soname);
	free(rpath);
	free(runpath);
	return m;
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
	for (size_t i = 0; !r->broken && i < r->sys_used.n && !w->failed; i++)
		put_map(w, (struct sys_map *)r->sys_used.v[i]);
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
