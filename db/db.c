/*
 * Open, migrate, load the catalogue. Pragmas: WAL so readers (reports, a
 * second scan's duplicate checks) never block the writer, synchronous=NORMAL
 * because WAL keeps the database consistent across a crash even then (a
 * killed scan loses at most its open batch, which the re-run redoes), and a
 * busy timeout so two parakit processes on one file wait instead of failing.
 *
 * Before anything is written, a file is identified from its header and
 * schema (application_id, user_version, sqlite_master): a file that is not
 * parakit's, or is newer than this build, is refused as it is, since a
 * migration run on someone else's database adds parakit's tables to it
 * and may fail half-way. Readers open read-only and never migrate, so
 * they work where they may not write and leave the file as it was.
 */
#include "db/db.h"
#include "common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

static const char migration_dir[] = "db/migrations/";

void db_close(sqlite3 *db)
{
	if (db)
		sqlite3_close_v2(db);
}

int db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	util_err("database '%s': %s", sqlite3_db_filename(db, "main"), msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		util_err("database '%s': %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

long long db_int(sqlite3 *db, const char *sql, long long dflt)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	long long v = dflt;

	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

const struct db_embedded *db_find_embedded(const char *suffix)
{
	size_t n = strlen(suffix);

	for (const struct db_embedded *e = db_embedded; e->name; e++) {
		size_t m = strlen(e->name);

		if (m >= n && !strcmp(e->name + m - n, suffix))
			return e;
	}
	return NULL;
}

/* The version a migration file brings: the NNN of db/migrations/NNN-x.sql. */
static int migration_number(const struct db_embedded *e)
{
	if (strncmp(e->name, migration_dir, sizeof(migration_dir) - 1))
		return 0;
	return atoi(e->name + sizeof(migration_dir) - 1);
}

int db_schema_version(void)
{
	int v = 0;

	for (const struct db_embedded *e = db_embedded; e->name; e++)
		if (migration_number(e) > v)
			v = migration_number(e);
	return v;
}

/* What a database's header and schema say, read without writing. */
struct db_ident {
	long long app_id;	/* PRAGMA application_id */
	long long version;	/* PRAGMA user_version */
	long long objects;	/* rows of sqlite_master */
	long long core;		/* how many of 001-core.sql's tables it has */
};

static int ident_int(sqlite3 *db, const char *fmt, const char *schema, long long *v)
{
	sqlite3_stmt *st = NULL;
	char sql[160];
	int rc;

	snprintf(sql, sizeof(sql), fmt, schema);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Reads the identity of the database attached as schema. Returns SQLite's
 * result code; sqlite3_errmsg(db) says why when it is not SQLITE_OK. */
static int ident_read(sqlite3 *db, const char *schema, struct db_ident *id)
{
	int rc;

	if ((rc = ident_int(db, "PRAGMA %s.application_id", schema, &id->app_id)) ||
	    (rc = ident_int(db, "PRAGMA %s.user_version", schema, &id->version)) ||
	    (rc = ident_int(db, "SELECT count(*) FROM %s.sqlite_master", schema, &id->objects)))
		return rc;
	return ident_int(db, "SELECT count(*) FROM %s.sqlite_master WHERE type = 'table'"
			     " AND name IN ('meta', 'catalog_function')", schema, &id->core);
}

/*
 * Whether the database at path, identified as id, is one this build may
 * use: its application_id is parakit's, or it has none and is either new
 * (nothing in it) or made by a parakit from before the id (a schema
 * version and the tables of 001-core.sql); and its schema is not newer
 * than this build's. Prints why not.
 */
static int ident_check(const char *path, const struct db_ident *id)
{
	if (id->app_id && id->app_id != DB_APPLICATION_ID) {
		util_err("cannot open database '%s': not a parakit database (application_id 0x%08x)", path,
		         (unsigned)id->app_id);
		return -1;
	}
	if (!id->app_id && (id->objects || id->version) && !(id->version > 0 && id->core == 2)) {
		util_err("cannot open database '%s': not a parakit database (no application_id, no parakit tables)",
		         path);
		return -1;
	}
	if (id->version > db_schema_version()) {
		util_err("cannot open database '%s': schema version %lld is newer than this parakit's (%d)",
		         path, id->version, db_schema_version());
		return -1;
	}
	return 0;
}

/*
 * Brings db to this build's schema and marks it as parakit's, in one
 * transaction, so a migration that fails leaves the database at the
 * version it had. The version is read again under the lock, since another
 * process may have migrated meanwhile.
 */
static int migrate(sqlite3 *db, const char *path)
{
	long long have;
	char sql[96];

	if (db_int(db, "PRAGMA user_version", 0) == db_schema_version() &&
	    db_int(db, "PRAGMA application_id", 0) == DB_APPLICATION_ID)
		return 0;
	if (db_exec(db, "BEGIN IMMEDIATE"))
		return -1;
	have = db_int(db, "PRAGMA user_version", 0);
	if (have > db_schema_version()) {
		util_err("cannot open database '%s': schema version %lld is newer than this parakit's (%d)",
		         path, have, db_schema_version());
		goto rollback;
	}
	/* db_embedded is sorted by name, so migrations come in order. */
	for (const struct db_embedded *e = db_embedded; e->name; e++) {
		if (migration_number(e) <= have)
			continue;
		if (db_exec(db, e->data)) {
			util_err("database '%s': migration %s failed; the database is left as it was", path, e->name);
			goto rollback;
		}
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; PRAGMA application_id = %d", db_schema_version(),
		 DB_APPLICATION_ID);
	if (db_exec(db, sql) || db_exec(db, "COMMIT"))
		goto rollback;
	return 0;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Loads the catalogue TSV when the database holds another version of it
 * than this build. The TSV defines the catalogue whole: its header line
 * names the columns it fills (name first; parts add columns such as
 * blocking or pk_equivalent to the file), '#' lines are comments, an empty
 * cell is NULL.
 */
static int load_catalog(sqlite3 *db)
{
	static const char *const known[] = { "name", "header", "status", "category", "blocking",
					     "syscalls", "pk_equivalent" };
	const struct db_embedded *tsv = db_find_embedded("posix-functions.tsv");
	char hash[17], *text, *line, *save = NULL, sql[512];
	sqlite3_stmt *st = NULL, *get;
	int ret = -1, same = 0, ncols = 0, len;

	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)XXH3_64bits(tsv->data, tsv->len));
	get = db_prepare(db, "SELECT value = ?1 FROM meta WHERE key = 'catalog_hash'");
	if (!get)
		return -1;
	sqlite3_bind_text(get, 1, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(get) == SQLITE_ROW)
		same = sqlite3_column_int(get, 0);
	sqlite3_finalize(get);
	if (same)
		return 0;

	text = xstrdup(tsv->data);
	if (db_exec(db, "BEGIN IMMEDIATE") || db_exec(db, "DELETE FROM catalog_function"))
		goto out;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[ARRAY_SIZE(known)];
		int n = 1;

		if (*line == '#')
			continue;
		line[strcspn(line, "\r")] = 0;
		f[0] = line;
		for (char *p = line; *p; p++)
			if (*p == '\t') {
				*p = 0;
				if (n == (int)ARRAY_SIZE(known))
					break;
				f[n++] = p + 1;
			}
		if (!st) {
			/* The header: validate the names, then build the insert. */
			len = snprintf(sql, sizeof(sql), "INSERT INTO catalog_function(");
			for (int i = 0; i < n; i++) {
				int ok = 0;

				for (size_t k = 0; k < ARRAY_SIZE(known); k++)
					ok |= !strcmp(f[i], known[k]);
				if (!ok || (i == 0 && strcmp(f[0], "name"))) {
					util_err("catalogue: unknown column '%s'", f[i]);
					goto rollback;
				}
				len += snprintf(sql + len, sizeof(sql) - len, "%s%s", i ? ", " : "", f[i]);
			}
			len += snprintf(sql + len, sizeof(sql) - len, ") VALUES(");
			for (int i = 0; i < n; i++)
				len += snprintf(sql + len, sizeof(sql) - len, "%snullif(?%d, '')", i ? ", " : "", i + 1);
			snprintf(sql + len, sizeof(sql) - len, ")");
			if (!(st = db_prepare(db, sql)))
				goto rollback;
			ncols = n;
			continue;
		}
		for (int i = 0; i < ncols; i++)
			sqlite3_bind_text(st, i + 1, i < n ? f[i] : "", -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			util_err("database: loading the catalogue: %s", sqlite3_errmsg(db));
			goto rollback;
		}
		sqlite3_reset(st);
	}
	get = db_prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('catalog_hash', ?1)");
	if (!get)
		goto rollback;
	sqlite3_bind_text(get, 1, hash, -1, SQLITE_STATIC);
	sqlite3_step(get);
	sqlite3_finalize(get);
	if (db_exec(db, "COMMIT"))
		goto rollback;
	ret = 0;
	goto out;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	free(text);
	return ret;
}

/*
 * The URI of path for sqlite3_open_v2 and ATTACH, with query (NULL for
 * none): every byte but the unreserved ones percent-encoded, so that any
 * file name, "file:x" or one with '?' in it, names that file. The caller
 * frees it.
 */
static char *path_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path);
	char *uri = xmalloc(8 + 3 * n + (query ? strlen(query) + 1 : 0) + 1), *p = uri;

	/* An absolute path gets an empty authority: "//x" is no host. */
	p += sprintf(p, "file:%s", *path == '/' ? "//" : "");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("/-._~", *c)) {
			*p++ = *c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	if (query)
		p += sprintf(p, "?%s", query);
	*p = 0;
	return uri;
}

/* Opens path (query: URI parameters or NULL); prints why not. */
static int open_flags(const char *path, const char *query, sqlite3 **out, int flags)
{
	char *uri = path_uri(path, query);
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	rc = sqlite3_open_v2(uri, &db, flags | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		/* "unable to open database file" says less than errno. */
		int err = db ? sqlite3_system_errno(db) : ENOMEM;

		util_err("cannot open database '%s': %s", path, err ? strerror(err) : sqlite3_errmsg(db));
		db_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 60000);
	sqlite3_extended_result_codes(db, 1);
	*out = db;
	return 0;
}

/* Whether path's write-ahead log is absent or empty: the database file
 * then holds every commit. */
static int wal_empty(const char *path)
{
	struct stat st;
	char *wal;
	int empty;

	if (asprintf(&wal, "%s-wal", path) < 0)
		return 0;
	empty = stat(wal, &st) ? errno == ENOENT : st.st_size == 0;
	free(wal);
	return empty;
}

/*
 * Reads the identity of the file at path, leaving no trace beside it: when
 * its write-ahead log is empty, the file holds it all and is read as
 * immutable (no lock, no -shm file created); otherwise through SQLite's
 * locks. Prints why it cannot be read.
 */
static int ident_path(const char *path, struct db_ident *id)
{
	sqlite3 *db;
	int rc;

	if (open_flags(path, wal_empty(path) ? "mode=ro&immutable=1" : "mode=ro", &db, SQLITE_OPEN_READONLY))
		return -1;
	if ((rc = ident_read(db, "main", id)) != SQLITE_OK)
		util_err("cannot open database '%s': %s", path, sqlite3_errmsg(db));
	db_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

int db_open(const char *path, sqlite3 **out)
{
	struct db_ident id;
	struct stat st;
	sqlite3 *db;

	*out = NULL;
	/* A file that is there is identified before it is opened for writing. */
	if ((!stat(path, &st) || errno != ENOENT) && (ident_path(path, &id) || ident_check(path, &id)))
		return -1;
	if (open_flags(path, NULL, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
		return -1;
	if (db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;"
			   " PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 8192")
	    || migrate(db, path) || load_catalog(db)) {
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

/*
 * What a reader needs on top of ident_check: a database made by parakit,
 * at this build's schema (the views it reads may come from any
 * migration). Prints why not.
 */
static int ident_check_reader(const char *path, const struct db_ident *id)
{
	if (ident_check(path, id))
		return -1;
	if (!id->version) {
		util_err("cannot open database '%s': it holds no parakit schema", path);
		return -1;
	}
	if (id->version < db_schema_version()) {
		util_err("cannot open database '%s': schema version %lld is older than this parakit's (%d):"
		         " run 'parakit db migrate %s'", path, id->version, db_schema_version(), path);
		return -1;
	}
	return 0;
}

/*
 * A reader of a WAL database needs its -shm file, which it cannot create
 * in a directory it may not write: SQLite then fails with SQLITE_READONLY
 * or SQLITE_CANTOPEN. With an empty write-ahead log the database file
 * holds every commit, and it is read as immutable instead: without locks,
 * which is safe as long as nobody writes it meanwhile, and whoever could
 * has made no write-ahead log yet.
 */
static int wal_needs_shm(int rc, const char *path)
{
	return ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) && wal_empty(path);
}

int db_open_readonly(const char *path, sqlite3 **out)
{
	struct db_ident id;
	sqlite3 *db;
	int rc;

	*out = NULL;
	if (ident_path(path, &id) || ident_check_reader(path, &id))
		return -1;
	if (open_flags(path, "mode=ro", &db, SQLITE_OPEN_READONLY))
		return -1;
	rc = ident_read(db, "main", &id);
	if (wal_needs_shm(rc, path)) {
		db_close(db);
		if (open_flags(path, "mode=ro&immutable=1", &db, SQLITE_OPEN_READONLY))
			return -1;
		rc = ident_read(db, "main", &id);
	}
	if (rc != SQLITE_OK) {
		util_err("cannot open database '%s': %s", path, sqlite3_errmsg(db));
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

int db_attach_readonly(sqlite3 *db, const char *path, const char *name)
{
	struct db_ident id;
	char why[256] = "";
	int rc = SQLITE_OK;

	if (ident_path(path, &id) || ident_check_reader(path, &id))
		return -1;
	for (int immutable = 0; immutable < 2; immutable++) {
		char *uri = path_uri(path, immutable ? "mode=ro&immutable=1" : "mode=ro");
		sqlite3_stmt *st = db_prepare(db, "ATTACH ?1 AS ?2");

		if (!st) {
			free(uri);
			return -1;
		}
		sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(db);
		if (rc != SQLITE_OK)
			snprintf(why, sizeof(why), "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		free(uri);
		if (rc == SQLITE_OK && (rc = ident_read(db, name, &id)) != SQLITE_OK) {
			snprintf(why, sizeof(why), "%s", sqlite3_errmsg(db));
			db_detach(db, name);
		}
		if (rc == SQLITE_OK || immutable || !wal_needs_shm(rc, path))
			break;
	}
	if (rc != SQLITE_OK) {
		util_err("cannot open database '%s': %s", path, why);
		return -1;
	}
	return 0;
}

void db_detach(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = db_prepare(db, "DETACH ?1");

	if (!st)
		return;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}
