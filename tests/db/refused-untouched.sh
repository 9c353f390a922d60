#!/bin/bash
# Description: a database parakit must not write is refused and left byte
# for byte as it was, by every command: a SQLite file that is not
# parakit's (tables of its own and user_version 3, which migrations used to
# take from 004 on until one failed, leaving 70 tables added, version 6
# and WAL; another application's application_id; a WAL-mode file; a bare
# user_version and no table) and a parakit database from a newer parakit
# (user_version above this build's). report, db summary, db migrate, db
# merge (reading it as an input), scan and src each exit non-zero and say
# why; no file is created beside it (no -wal, no -shm).
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3 sha256sum

dir=$T_TMP/dbs
mkdir -p "$dir" "$T_TMP/tree"
echo 'int main(void) { return 0; }' > "$T_TMP/tree/m.c"
mk()
{
	sqlite3 -batch "$dir/$1.db" "$2" > /dev/null
}
mk notes "CREATE TABLE notes(x); INSERT INTO notes VALUES('keep'); PRAGMA user_version = 3"
mk other-app "PRAGMA application_id = 1234; CREATE TABLE t(x)"
mk wal "PRAGMA journal_mode = WAL; CREATE TABLE t(x); INSERT INTO t VALUES(1)"
mk version-only "PRAGMA user_version = 2"
t_pk db migrate "$dir/newer.db"
t_is "$T_RC" 0 "a parakit database is made"
mk newer "PRAGMA user_version = 99"
t_is "$(sqlite3 "$dir/notes.db" 'PRAGMA journal_mode')" delete "the foreign file is in rollback-journal mode"
(cd "$dir" && sha256sum -- *.db) > "$T_TMP/sums"
ls -A "$dir" > "$T_TMP/before"

for f in notes other-app wal version-only newer; do
	db=$dir/$f.db
	case $f in
	newer) why="schema version 99 is newer than this parakit's \\([0-9]+\\)" ;;
	*)     why="not a parakit database" ;;
	esac
	for cmd in "report --db $db --out $T_TMP/out" "db summary $db" "db migrate $db" \
		"db merge $T_TMP/merged.db $db" "scan --db $db $T_TMP/tree/m.c" "src --db $db $T_TMP/tree"; do
		# shellcheck disable=SC2086
		t_pk $cmd
		t_ok "$f: parakit ${cmd%% [-/]*} exits non-zero ($T_RC)" test "$T_RC" -ne 0
		t_like "$(cat "$T_ERR")" "^parakit [a-z]+: cannot open database '$db': $why" \
			"$f: parakit ${cmd%% [-/]*} says why"
	done
done
t_ok "every file is byte for byte as it was" bash -c 'cd "$1" && sha256sum --quiet -c "$2"' _ "$dir" "$T_TMP/sums"
t_is "$(ls -A "$dir")" "$(cat "$T_TMP/before")" "nothing was created beside them"
t_is "$(t_sql "$dir/notes.db" "SELECT count(*) FROM sqlite_master")" 1 "notes.db still has its one table"
t_done
