/*
 * parakit db merge: adds one shard database to another. Rows carry their
 * own ids, which differ between shards, so everything is matched by its
 * natural key (package key, binary content hash, symbol name, artifact path
 * and hash) through temporary id maps, and each binary's linkage is copied
 * only when the binary is new to the output. One transaction per input.
 */
#include "common/common.h"
#include "db/db.h"

static const char merge_sql[] =
	"CREATE TEMP TABLE m_pkg(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_sym(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_ver(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_bin(old INTEGER PRIMARY KEY, new INTEGER, fresh INTEGER);"
	"CREATE TEMP TABLE m_art(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_run(old INTEGER PRIMARY KEY, new INTEGER);"

	"INSERT INTO m_run SELECT id, id + (SELECT coalesce(max(id), 0) FROM main.scan_run) FROM src.scan_run;"
	"INSERT INTO main.scan_run(id, command_line, parakit_version, started, finished, inputs, skipped, errors)"
	" SELECT r.new, command_line, parakit_version, started, finished, inputs, skipped, errors"
	" FROM src.scan_run s JOIN m_run r ON r.old = s.id;"

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
	"DROP TABLE m_art; DROP TABLE m_run; DROP TABLE fresh;";

int db_merge(sqlite3 *db, const char *in)
{
	int ret = -1;

	/* Read-only, checked: a foreign, missing or older shard gets a clear
	 * reason and is never written. */
	if (db_attach_readonly(db, in, "src"))
		return -1;
	if (db_exec(db, "BEGIN IMMEDIATE"))
		goto out;
	if (db_exec(db, merge_sql) || db_exec(db, "COMMIT")) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		util_err("cannot merge '%s'", in);
		goto out;
	}
	ret = 0;
out:
	db_detach(db, "src");
	return ret;
}
