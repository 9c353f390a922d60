#!/bin/bash
# Description: the report's source section: after `parakit src` on a tree,
# src_files.csv and src_functions.csv equal SQL over v_call_sites (POSIX
# call sites, blocking ones, per file and per function), the page has the
# section with the tree's file, and a database without call sites has no
# such section.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
t_require sqlite3 gnuplot python3

tree=$T_TMP/tree
mkdir -p "$tree"
cp "$(dirname "$0")"/workload/tree/*.c "$tree/"
db=$T_TMP/src.db
t_pk src --db "$db" "$tree"
t_is "$T_RC" 0 "parakit src exits 0"
t_pk report --db "$db" --out "$T_TMP/out"
t_is "$T_RC" 0 "report exits 0"

want=$(t_sql "$db" "SELECT file, count(*), sum(coalesce(blocking, 0) != 0) FROM v_call_sites
	WHERE posix_name IS NOT NULL GROUP BY file ORDER BY file")
t_is "$(r_csv "$T_TMP/out/src_files.csv" file posix_call_sites blocking_call_sites | sort)" "$want" \
	"src_files.csv = v_call_sites per file"
t_is "$(r_csv "$T_TMP/out/src_files.csv" file blocking_call_sites | sort)" "io.c	3
msg.c	1" "io.c has its three blocking calls (read, write, sleep), msg.c one (printf; strlen does not block)"
want=$(t_sql "$db" "SELECT posix_name, count(*) FROM v_call_sites WHERE posix_name IS NOT NULL
	GROUP BY posix_name ORDER BY posix_name")
t_is "$(r_csv "$T_TMP/out/src_functions.csv" function call_sites | sort)" "$want" \
	"src_functions.csv = v_call_sites per function"
t_ok "the page has the source section" grep -q 'id="source"' "$T_TMP/out/index.html"
t_ok "it names the file" grep -q '<td>io.c</td>' "$T_TMP/out/index.html"

t_pk db migrate "$T_TMP/empty.db"
t_pk report --db "$T_TMP/empty.db" --out "$T_TMP/out2"
t_ok "a database without call sites has no source section" \
	bash -c '! grep -q "id=\"source\"" "$1"' _ "$T_TMP/out2/index.html"
t_done
