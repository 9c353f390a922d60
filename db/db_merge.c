/*
 * parakit db merge: adds shard databases to another, whatever their number.
 *
 * Rows carry their own ids, which differ between shards, so everything is
 * matched by its natural key (package key, binary content hash, symbol
 * name, artifact path and hash, run uid) through temporary id maps, and
 * each binary's linkage is copied only when the binary is new to the
 * output: a database merged twice adds nothing the second time.
 *
 * Memory does not grow with the number of inputs: they are attached one at
 * a time, the id maps are temporary tables (SQLite's temp store spills to
 * a file), and each input is one transaction, which also carries the runs
 * of trace, shim, src and port (db_merge_runs.c). A merge that stops
 * half-way leaves the inputs before it merged; run again, it adds the rest.
 *
 * Before anything is merged, the shard runs of the inputs and of the
 * output are counted per set (scan_run.shard_set, migration 011): a set
 * that lacks a slice, or whose slice has only a run that did not finish (a
 * killed task), is incomplete. The merge names what is missing and stops,
 * unless told to go on, which it records in the output as a run of that
 * set listing the shards it lacks; the merge that completes the set drops
 * that record.
 */
#include "common/common.h"
#include "db/db.h"
#include "parakit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char merge_sql[] =
	"CREATE TEMP TABLE m_pkg(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_sym(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_ver(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_bin(old INTEGER PRIMARY KEY, new INTEGER, fresh INTEGER);"
	"CREATE TEMP TABLE m_art(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_run(old INTEGER PRIMARY KEY, new INTEGER);"

	/* A run merged while it was still going gets its end. */
	"INSERT INTO main.scan_run(command_line, parakit_version, started, finished, inputs, skipped, errors,"
	" uid, shard_set, shard_k, shard_n, missing)"
	" SELECT command_line, parakit_version, started, finished, inputs, skipped, errors,"
	" uid, shard_set, shard_k, shard_n, missing FROM src.scan_run WHERE true ORDER BY id"
	" ON CONFLICT(uid) DO UPDATE SET finished = excluded.finished, inputs = excluded.inputs,"
	" skipped = excluded.skipped, errors = excluded.errors"
	" WHERE finished IS NULL AND excluded.finished IS NOT NULL;"
	"INSERT INTO m_run SELECT s.id, m.id FROM src.scan_run s JOIN main.scan_run m ON m.uid = s.uid;"

	"INSERT OR IGNORE INTO main.package(key, name, version, arch, format)"
	" SELECT key, name, version, arch, format FROM src.package;"
	"INSERT INTO m_pkg SELECT s.id, m.id FROM src.package s JOIN main.package m ON m.key = s.key;"
	"INSERT OR IGNORE INTO main.package_dep(package_id, kind, alt, name, version)"
	" SELECT p.new, d.kind, d.alt, d.name, d.version FROM src.package_dep d JOIN m_pkg p ON p.old = d.package_id;"

	"INSERT OR IGNORE INTO main.symbol(name, posix_name) SELECT name, posix_name FROM src.symbol;"
	"INSERT INTO m_sym SELECT s.id, m.id FROM src.symbol s JOIN main.symbol m ON m.name = s.name;"
	"INSERT OR IGNORE INTO main.symver(name) SELECT name FROM src.symver;"
	"INSERT INTO m_ver SELECT s.id, m.id FROM src.symver s JOIN main.symver m ON m.name = s.name;"

	"CREATE TEMP TABLE fresh AS SELECT id FROM src.binary WHERE hash NOT IN (SELECT hash FROM main.binary);"
	"INSERT INTO main.binary(hash, size, class, endian, elf_type, machine, static, interp, soname)"
	" SELECT hash, size, class, endian, elf_type, machine, static, interp, soname"
	" FROM src.binary WHERE id IN (SELECT id FROM fresh);"
	"INSERT INTO m_bin SELECT s.id, m.id, s.id IN (SELECT id FROM fresh)"
	" FROM src.binary s JOIN main.binary m ON m.hash = s.hash;"
	"INSERT OR IGNORE INTO main.needed(binary_id, seq, lib)"
	" SELECT b.new, n.seq, n.lib FROM src.needed n JOIN m_bin b ON b.old = n.binary_id WHERE b.fresh;"
	"INSERT OR IGNORE INTO main.import(binary_id, symbol_id, symver_id, weak)"
	" SELECT b.new, s.new, coalesce(v.new, 0), i.weak FROM src.import i"
	" JOIN m_bin b ON b.old = i.binary_id JOIN m_sym s ON s.old = i.symbol_id"
	" LEFT JOIN m_ver v ON v.old = i.symver_id WHERE b.fresh;"
	"INSERT OR IGNORE INTO main.export(binary_id, name, symver_id, is_default)"
	" SELECT b.new, e.name, coalesce(v.new, 0), e.is_default FROM src.export e"
	" JOIN m_bin b ON b.old = e.binary_id"
	" LEFT JOIN m_ver v ON v.old = e.symver_id WHERE b.fresh;"

	/* The system call footprint (014): a binary's rows go with it (and
	 * to a binary the output holds without them); library maps by hash. */
	"INSERT OR IGNORE INTO main.syscall_name(abi, nr, name) SELECT abi, nr, name FROM src.syscall_name;"
	"INSERT OR IGNORE INTO main.meta(key, value) SELECT key, value FROM src.meta WHERE key = 'syscall_abi';"
	"CREATE TEMP TABLE sys_fresh AS SELECT b.old AS old, b.new AS new FROM m_bin b"
	" JOIN src.binary_sys s ON s.binary_id = b.old WHERE b.new NOT IN (SELECT binary_id FROM main.binary_sys);"
	"INSERT INTO main.binary_sys(binary_id, abi, status, sites, unknown_sites, go, stripped)"
	" SELECT f.new, s.abi, s.status, s.sites, s.unknown_sites, s.go, s.stripped FROM src.binary_sys s"
	" JOIN sys_fresh f ON f.old = s.binary_id;"
	"INSERT OR IGNORE INTO main.binary_syscall(binary_id, syscall, via)"
	" SELECT f.new, c.syscall, c.via FROM src.binary_syscall c JOIN sys_fresh f ON f.old = c.binary_id;"
	"INSERT OR IGNORE INTO main.syscall_set(bits) SELECT bits FROM src.syscall_set;"
	"CREATE TEMP TABLE m_set(old INTEGER PRIMARY KEY, new INTEGER);"
	"INSERT INTO m_set SELECT s.id, m.id FROM src.syscall_set s JOIN main.syscall_set m ON m.bits = s.bits;"
	"CREATE TEMP TABLE lib_fresh AS SELECT id, hash FROM src.syscall_lib"
	" WHERE hash NOT IN (SELECT hash FROM main.syscall_lib);"
	"INSERT INTO main.syscall_lib(hash, abi, soname, rpath, runpath, needed, entry_set_id)"
	" SELECT l.hash, l.abi, l.soname, l.rpath, l.runpath, l.needed, e.new FROM src.syscall_lib l"
	" LEFT JOIN m_set e ON e.old = l.entry_set_id WHERE l.id IN (SELECT id FROM lib_fresh);"
	"INSERT OR IGNORE INTO main.syscall_lib_fn(lib_id, name, version, is_default, set_id)"
	" SELECT m.id, f.name, f.version, f.is_default, s.new FROM src.syscall_lib_fn f"
	" JOIN lib_fresh l ON l.id = f.lib_id JOIN main.syscall_lib m ON m.hash = l.hash"
	" JOIN m_set s ON s.old = f.set_id;"
	/* Request codes and pseudo-files (018) go with the binary's set. */
	"INSERT OR IGNORE INTO main.catalog_request(syscall, request, name)"
	" SELECT syscall, request, name FROM src.catalog_request;"
	"INSERT OR IGNORE INTO main.binary_request(binary_id, syscall, request, via)"
	" SELECT f.new, r.syscall, r.request, r.via FROM src.binary_request r JOIN sys_fresh f ON f.old = r.binary_id;"
	"INSERT OR IGNORE INTO main.binary_pseudo_file(binary_id, path)"
	" SELECT f.new, q.path FROM src.binary_pseudo_file q JOIN sys_fresh f ON f.old = q.binary_id;"

	"INSERT INTO main.artifact(path, kind, size, hash, package_id, run_id, errors)"
	" SELECT a.path, a.kind, a.size, a.hash, p.new, r.new, a.errors FROM src.artifact a"
	" LEFT JOIN m_pkg p ON p.old = a.package_id LEFT JOIN m_run r ON r.old = a.run_id"
	" WHERE true ON CONFLICT(path, hash) DO UPDATE SET errors = min(errors, excluded.errors);"
	"INSERT INTO m_art SELECT s.id, m.id FROM src.artifact s"
	" JOIN main.artifact m ON m.path = s.path AND m.hash = s.hash;"
	"INSERT OR IGNORE INTO main.file(package_id, path, binary_id, artifact_id)"
	" SELECT p.new, f.path, b.new, coalesce(a.new, 0) FROM src.file f"
	" JOIN m_pkg p ON p.old = f.package_id JOIN m_bin b ON b.old = f.binary_id"
	" LEFT JOIN m_art a ON a.old = f.artifact_id;"

	"INSERT OR IGNORE INTO main.scan_error(run_id, input, package, member_path, reason)"
	" SELECT r.new, e.input, e.package, e.member_path, e.reason FROM src.scan_error e"
	" LEFT JOIN m_run r ON r.old = e.run_id;"

	"DROP TABLE m_pkg; DROP TABLE m_sym; DROP TABLE m_ver; DROP TABLE m_bin;"
	"DROP TABLE m_art; DROP TABLE m_run; DROP TABLE fresh;"
	"DROP TABLE sys_fresh; DROP TABLE m_set; DROP TABLE lib_fresh;";

/* The slices of every set, from 1 to its n, that no finished run holds:
 * with the file of a run that did not finish (NULL when none began), and a
 * file that holds another slice of the set, to name the set by. */
static const char missing_sql[] =
	"CREATE INDEX temp.m_shard_k ON m_shard(shard_set, k, finished);"
	"CREATE TEMP TABLE m_missing AS"
	" WITH RECURSIVE sets(shard_set, n) AS (SELECT DISTINCT shard_set, n FROM m_shard),"
	" slices(shard_set, n, k) AS (SELECT shard_set, n, 1 FROM sets"
	"  UNION ALL SELECT shard_set, n, k + 1 FROM slices WHERE k < n)"
	" SELECT s.shard_set, s.n, s.k,"
	"  (SELECT input FROM m_shard m WHERE m.shard_set = s.shard_set AND m.k = s.k) AS unfinished,"
	"  (SELECT input FROM m_shard m WHERE m.shard_set = s.shard_set) AS sibling"
	" FROM slices s WHERE NOT EXISTS (SELECT 1 FROM m_shard m"
	"  WHERE m.shard_set = s.shard_set AND m.k = s.k AND m.finished);";

/* Notes the shard runs of the database attached as schema, held in file. */
static int survey_one(sqlite3 *db, const char *schema, const char *file)
{
	char sql[256];
	sqlite3_stmt *st;
	int ok;

	snprintf(sql, sizeof(sql), "INSERT INTO m_shard SELECT ?1, shard_set, shard_k, shard_n,"
		 " finished IS NOT NULL FROM %s.scan_run WHERE shard_k IS NOT NULL", schema);
	if (!(st = db_prepare(db, sql)))
		return -1;
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		util_err("database '%s': %s", file, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

static void put_range(FILE *f, int first, int last, int *ranges)
{
	fprintf(f, first == last ? "%s%d" : "%s%d-%d", (*ranges)++ ? ", " : "", first, last);
}

/*
 * Says which shards of a set are absent, in ranges ("2, 5-9 of 64"): a
 * set of thousands may lack most of them. Reads st (the absent rows of
 * m_missing, by set and k) from its current row to the set's last; returns
 * the result of the step past it.
 */
static int say_absent(sqlite3_stmt *st, const char *verb)
{
	char *set = xstrdup((const char *)sqlite3_column_text(st, 2));
	char *sibling = xstrdup((const char *)sqlite3_column_text(st, 4));
	int of = sqlite3_column_int(st, 1), first = 0, last = -1, count = 0, ranges = 0, rc;
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);

	do {
		int k = sqlite3_column_int(st, 0);

		if (k != last + 1) {
			if (last >= 0)
				put_range(f, first, last, &ranges);
			first = k;
		}
		last = k;
		count++;
	} while ((rc = sqlite3_step(st)) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 2), set));
	put_range(f, first, last, &ranges);
	fclose(f);
	util_err("%s shard%s %s of %d in set %.12s (the set of '%s')", verb, count > 1 ? "s" : "", list, of,
	         set, sibling);
	free(list);
	free(set);
	free(sibling);
	return rc;
}

/*
 * Fills temp.m_missing with the shards that the output and the inputs
 * lack, and says which. Returns how many, or -1 when an input cannot be
 * read (said).
 */
static long long survey(sqlite3 *db, char **in, int n, int partial)
{
	const char *verb = partial ? "merging without" : "missing";
	sqlite3_stmt *st;
	int rc;

	if (db_exec(db, "CREATE TEMP TABLE m_shard(input TEXT, shard_set TEXT, k INTEGER, n INTEGER,"
			" finished INTEGER)") ||
	    survey_one(db, "main", sqlite3_db_filename(db, "main")))
		return -1;
	for (int i = 0; i < n; i++) {
		int ret;

		if (db_attach_readonly(db, in[i], "src"))
			return -1;
		ret = survey_one(db, "src", in[i]);
		db_detach(db, "src");
		if (ret)
			return -1;
	}
	/* Unfinished ones first, each with its file; then the absent ones of
	 * each set, in ranges. */
	if (db_exec(db, missing_sql) ||
	    !(st = db_prepare(db, "SELECT k, n, shard_set, unfinished, sibling FROM m_missing"
				  " ORDER BY unfinished IS NULL, shard_set, k")))
		return -1;
	rc = sqlite3_step(st);
	while (rc == SQLITE_ROW && sqlite3_column_type(st, 3) != SQLITE_NULL) {
		util_err("%s shard %d/%d of set %.12s: its run in '%s' did not finish (scan it again)", verb,
		         sqlite3_column_int(st, 0), sqlite3_column_int(st, 1), sqlite3_column_text(st, 2),
		         sqlite3_column_text(st, 3));
		rc = sqlite3_step(st);
	}
	while (rc == SQLITE_ROW)
		rc = say_absent(st, verb);
	sqlite3_finalize(st);
	return db_int(db, "SELECT count(*) FROM m_missing", -1);
}

/* Records in the output the shards a partial merge went without, as a
 * run of their set; its uid names the set and what it lacks, so the same
 * partial merge twice records it once. */
static int record_partial(sqlite3 *db, const char *command_line)
{
	sqlite3_stmt *st = db_prepare(db,
		"INSERT OR IGNORE INTO main.scan_run(command_line, parakit_version, started, finished,"
		" uid, shard_set, shard_n, missing)"
		" SELECT ?1, ?2, ?3, ?3, 'partial:' || shard_set || ':' || lacks, shard_set, n, lacks"
		" FROM (SELECT shard_set, n, group_concat(k || '/' || n, ' ') AS lacks"
		"       FROM (SELECT * FROM m_missing ORDER BY shard_set, k) GROUP BY shard_set)");
	char now[32];
	int ok;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, command_line, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, PARAKIT_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, util_utc_now(now, sizeof(now)), -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	if (!ok)
		util_err("database '%s': %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static int merge_one(sqlite3 *db, const char *in)
{
	int ret = -1;

	/* Read-only, checked: a foreign, missing or older shard gets a clear
	 * reason and is never written. */
	if (db_attach_readonly(db, in, "src"))
		return -1;
	if (db_exec(db, "BEGIN IMMEDIATE"))
		goto out;
	if (db_exec(db, merge_sql) || db_merge_runs(db) || db_exec(db, "COMMIT")) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		util_err("cannot merge '%s'", in);
		goto out;
	}
	ret = 0;
out:
	db_detach(db, "src");
	return ret;
}

int db_merge(sqlite3 *db, char **in, int n, int partial, const char *command_line)
{
	long long missing = survey(db, in, n, partial);
	struct progress progress;
	uint64_t bytes = 0;
	int failed = 0;

	if (missing < 0)
		return 1;
	if (missing && !partial) {
		util_err("%lld shard%s missing: nothing merged ('--partial' merges what there is and records"
		         " what it lacks)", missing, missing > 1 ? "s" : "");
		return 1;
	}
	if (missing && record_partial(db, command_line))
		return -1;
	/* The work is the inputs' bytes: a shard's merge reads it whole. */
	for (int i = 0; i < n; i++)
		bytes += file_size(in[i]);
	progress_init(&progress, "shards", n, bytes);
	for (int i = 0; i < n && !failed; i++) {
		failed = merge_one(db, in[i]);
		progress_add(&progress, file_size(in[i]), 1);
	}
	progress_release(&progress);
	if (failed)
		return -1;
	/* A set now complete here needs no record of a partial merge. */
	return db_exec(db, "DELETE FROM main.scan_run WHERE missing IS NOT NULL AND shard_set IN"
			   " (SELECT shard_set FROM main.scan_run WHERE shard_k IS NOT NULL AND finished IS NOT NULL"
			   "  GROUP BY shard_set HAVING count(DISTINCT shard_k) = max(shard_n));"
			   "DROP TABLE temp.m_shard; DROP TABLE temp.m_missing") ? -1 : 0;
}
