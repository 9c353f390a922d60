/*
 * Open, migrate, load the catalogue. Pragmas: WAL so readers (reports, a
 * second scan's duplicate checks) never block the writer, synchronous=NORMAL
 * because WAL keeps the database consistent across a crash even then (a
 * killed scan loses at most its open batch, which the re-run redoes), and a
 * busy timeout so two parakit processes on one file wait instead of failing.
 */
#include "db/db.h"
#include "common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
	pk_err("database '%s': %s", sqlite3_db_filename(db, "main"), msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		pk_err("database '%s': %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
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

static int migrate(sqlite3 *db)
{
	long long have = db_int(db, "PRAGMA user_version", 0);
	char sql[64];

	if (have > db_schema_version()) {
		pk_err("database '%s': schema version %lld is newer than this parakit's (%d)",
		       sqlite3_db_filename(db, "main"), have, db_schema_version());
		return -1;
	}
	/* db_embedded is sorted by name, so migrations come in order. */
	for (const struct db_embedded *e = db_embedded; e->name; e++) {
		int n = migration_number(e);

		if (n <= have)
			continue;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", n);
		if (db_exec(db, "BEGIN IMMEDIATE"))
			return -1;
		/* Another process may have migrated while we waited for the lock. */
		if (db_int(db, "PRAGMA user_version", 0) >= n) {
			db_exec(db, "COMMIT");
			continue;
		}
		if (db_exec(db, e->data) || db_exec(db, sql) || db_exec(db, "COMMIT")) {
			pk_err("database '%s': migration %s failed", sqlite3_db_filename(db, "main"), e->name);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
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
					pk_err("catalogue: unknown column '%s'", f[i]);
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
			pk_err("database: loading the catalogue: %s", sqlite3_errmsg(db));
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

static int open_flags(const char *path, sqlite3 **out, int flags)
{
	sqlite3 *db = NULL;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		pk_err("cannot open database '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		db_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 60000);
	sqlite3_extended_result_codes(db, 1);
	*out = db;
	return 0;
}

int db_open(const char *path, sqlite3 **out)
{
	sqlite3 *db;

	if (open_flags(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
		return -1;
	if (db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;"
			   " PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 8192")
	    || migrate(db) || load_catalog(db)) {
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

int db_open_readonly(const char *path, sqlite3 **out)
{
	return open_flags(path, out, SQLITE_OPEN_READONLY);
}
