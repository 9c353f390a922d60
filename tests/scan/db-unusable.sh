#!/bin/bash
# Description: a --db that cannot be used is a fatal failure, exit 2, not
# the 1 that means "some inputs were recorded as errors, the rest stored"
# (which make demo's `scan ... || [ $? -eq 1 ]` takes for success): a
# text file, a directory, another application's SQLite file. scan, src
# and port each exit 2, print nothing on stdout and say why on stderr;
# the text file is left as it was.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3

t_ok "fixtures build" t_fx_elfs "$T_TMP/fx"
mkdir -p "$T_TMP/tree" "$T_TMP/dir.db"
printf 'int main(void)\n{\n\treturn 0;\n}\n' > "$T_TMP/tree/m.c"
echo 'not a database' > "$T_TMP/text.db"
sqlite3 -batch "$T_TMP/other.db" "PRAGMA application_id = 1234; CREATE TABLE t(x)"

for db in text.db dir.db other.db; do
	case $db in
	text.db)  why='file is not a database' ;;
	dir.db)   why='Is a directory' ;;
	other.db) why='not a parakit database' ;;
	esac
	for cmd in "scan --jobs 1 $T_TMP/fx/plain" "src --jobs 1 $T_TMP/tree" "port --jobs 1 $T_TMP/tree"; do
		# shellcheck disable=SC2086
		t_pk $cmd --db "$T_TMP/$db"
		t_is "$T_RC" 2 "$db: parakit ${cmd%% *} exits 2"
		t_is "$T_OUT" "" "$db: parakit ${cmd%% *} prints nothing on stdout"
		t_like "$(cat "$T_ERR")" "^parakit ${cmd%% *}: cannot open database '$T_TMP/$db': $why" \
			"$db: parakit ${cmd%% *} says why"
	done
done
t_is "$(cat "$T_TMP/text.db")" 'not a database' "the text file is as it was"
t_done
