#!/bin/bash
# Description: one tree is one tree in the report's source section (issue
# 18): a project recorded by src as its source directory (plain/src, as
# `src -p BUILD_DIR` did) and again as its top (plain, as port did) has
# each file once, named from the top, with the call sites of one analysis;
# a tree whose root merely begins with the same letters (plain2) stays its
# own. The oracle is a database where src saw the project once.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
t_require sqlite3 gnuplot python3

mkdir -p "$T_TMP/plain/src" "$T_TMP/plain2"
cp "$(dirname "$0")"/workload/tree/*.c "$T_TMP/plain/src/"
cp "$T_TMP/plain/src/msg.c" "$T_TMP/plain2/msg.c"

once=$T_TMP/once.db
t_pk src --db "$once" "$T_TMP/plain"
t_is "$T_RC" 0 "src of the project's top"
t_pk src --db "$once" "$T_TMP/plain2"
t_pk report --db "$once" --out "$T_TMP/once"
t_is "$T_RC" 0 "report of the project seen once"

twice=$T_TMP/twice.db
t_pk src --db "$twice" "$T_TMP/plain/src"
t_pk src --db "$twice" "$T_TMP/plain"
t_pk src --db "$twice" "$T_TMP/plain2"
t_is "$(t_sql "$twice" "SELECT count(DISTINCT tree) FROM v_call_sites")" 3 \
	"the database holds the project under two roots, and plain2"
t_pk report --db "$twice" --out "$T_TMP/twice"
t_is "$T_RC" 0 "report of the project seen twice"

t_is "$(r_csv "$T_TMP/twice/src_files.csv" tree file posix_call_sites blocking_call_sites | sort)" \
	"$(printf '%s\t%s\t%s\t%s\n' "$T_TMP/plain" src/io.c 3 3 "$T_TMP/plain" src/msg.c 2 1 \
		"$T_TMP/plain2" msg.c 2 1 | sort)" \
	"src_files.csv: each file once, named from the project's top; plain2 its own tree"
for t in src_files src_functions; do
	t_cmp "$T_TMP/twice/$t.csv" "$T_TMP/once/$t.csv" "$t.csv: as if src had seen the project once"
done
t_like "$(cat "$T_TMP/twice/index.html")" ">7 call sites of POSIX functions|^<p>7 call sites" \
	"the page counts 7 call sites, not 12"
t_done
