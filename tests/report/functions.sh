#!/bin/bash
# Description: the report's functions section (issue 20). The --functions
# workload (tests/trace/workload/funcs.c: N getppid in the main thread, T
# in each of 4 threads, M printf as __printf_chk, D umask and D getppid
# from a dlopen'd library, a child executing funcs_exec with E cos) traced
# with --latency, funcs scanned: trace_function_programs.csv and
# trace_function_calls.csv carry the workload's own counts (not the
# views'): funcs links what readelf says it imports of the catalogue
# (the _chk variants folded), calls all of it but _exit (the child's
# fallback), calls umask only through the dlopen'd library; getppid is its
# hottest call; funcs_exec, not scanned, has no linked count. The
# distribution share is the published Ubuntu data's when the database
# holds one program, and this database's scan's when it holds a
# distribution (five more small programs of which two import getppid:
# getppid is then 3 of 6 packages). The JSON files carry the CSV's rows,
# and headless Chromium (no network) renders both tables in full. The
# kernel log and a bash loop beside the traced processes are checked, as
# in every --functions test.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
. "$(dirname "$0")/../trace/lib/trace.sh"
t_require cc readelf sqlite3 gnuplot python3 jq chromium
tr_require_bpf
tr_build_funcs
tr_guard_start
N=400 M=90 D=30 T=100 E=50

# cell CSV PROGRAM_SUFFIX COLUMN [FUNCTION]: one cell of a report CSV.
cell()
{
	if [ $# -eq 4 ]; then
		r_csv "$1" program function "$3" | awk -F'\t' -v p="$2" -v f="$4" \
			'substr($1, length($1) - length(p) + 1) == p && $2 == f { print $3 }'
	else
		r_csv "$1" program "$3" | awk -F'\t' -v p="$2" \
			'substr($1, length($1) - length(p) + 1) == p { print $2 }'
	fi
}

# The catalogue functions funcs imports, from readelf and the catalogue
# file alone: __X_chk is X.
linked=$(t_readelf_imports "$T_TMP/funcs" | cut -f1 | sed -E 's/^__(.*)_chk$/\1/' | sort -u |
	 comm -12 - <(grep -v '^#' "$T_LIB/../../db/catalog/posix-functions.tsv" | cut -f1 | sort -u) | wc -l)
t_ok "funcs links a dozen catalogue functions or more ($linked)" test "$linked" -ge 12

db=$T_TMP/one.db
t_pk trace --functions --latency --db "$db" -o /dev/null -- "$T_TMP/funcs" $N $M $D $T $E
t_is "$T_RC" 0 "trace --functions --latency runs the workload"
t_scan "$db" "$T_TMP/funcs" > /dev/null
t_is "$T_RC" 0 "scan funcs"
out=$T_TMP/out1
t_pk report --db "$db" --out "$out"
t_is "$T_RC" 0 "report exits 0"
P=$out/trace_function_programs.csv C=$out/trace_function_calls.csv

t_is "$(r_csv "$P" program | sed 's|.*/||' | tr '\n' ' ')" "funcs funcs_exec " "one row per traced binary"
t_is "$(cell "$P" /funcs scanned) $(cell "$P" /funcs linked)" "yes $linked" "funcs: linked as readelf says"
t_is "$(cell "$P" /funcs linked_called) $(cell "$P" /funcs linked_uncalled)" "$((linked - 1)) 1" \
	"funcs: called all it links but _exit"
t_is "$(cell "$C" /funcs status _exit) $(cell "$C" /funcs calls _exit) $(cell "$C" /funcs rank _exit)" \
	"linked-uncalled 0 " "_exit: linked, never called, no rank"
t_ok "funcs: called at least umask through the dlopen'd library" test "$(cell "$P" /funcs called_unlinked)" -ge 1
t_is "$(cell "$C" /funcs status umask) $(cell "$C" /funcs calls umask) $(cell "$C" /funcs from_exe umask)" \
	"called-unlinked $D 0" "umask: called D times, not linked, none from the executable"
t_is "$(cell "$C" /funcs calls getppid) $(cell "$C" /funcs from_exe getppid)" "$((N + 4 * T + D)) $((N + 4 * T))" \
	"getppid: N + 4T + D calls, N + 4T from the executable"
t_is "$(cell "$C" /funcs rank getppid)" 1 "getppid is funcs's hottest call"
t_is "$(cell "$C" /funcs calls printf) $(cell "$C" /funcs status printf)" "$M linked-called" "printf: M calls"
t_ok "--latency: getppid's time and mean are there" \
	test "$(cell "$C" /funcs total_ns getppid)" -gt 0 -a -n "$(cell "$C" /funcs mean_ns getppid)"
t_is "$(cell "$C" /funcs_exec calls cos) $(cell "$C" /funcs_exec status cos)" "$E called-unscanned" \
	"funcs_exec: E cos, not scanned"
t_is "$(cell "$P" /funcs_exec scanned)/$(cell "$P" /funcs_exec linked)" "no/" "funcs_exec: no linked count"
t_is "$(cell "$P" /funcs calls)" "$(r_csv "$C" program calls | awk -F'\t' '$1 ~ /\/funcs$/ { s += $2 } END { print s }')" \
	"funcs: its calls are the sum of its rows"
ubuntu=$(awk -F, '$1 == "printf" { printf "%.4f", $2 }' "$T_LIB/../../reports/data/atlidakis-2016-ubuntu.csv")
t_is "$(cell "$C" /funcs distribution_share_pct printf | xargs printf '%.4f')" "$ubuntu" \
	"one program: printf's share is the published Ubuntu data's ($ubuntu %)"
t_is "$(cell "$P" /funcs distribution)" "Atlidakis et al. 2016, Ubuntu" "... and the table says so"
for t in trace_function_programs trace_function_calls; do
	t_is "$(jq '.rows | length' "$out/$t.json")" "$(r_csv "$out/$t.csv" run_id | wc -l)" "$t: JSON rows = CSV rows"
done
t_is "$(jq -r '.rows[] | select(.function == "getppid" and (.program | endswith("/funcs"))) |
		"\(.calls) \(.from_exe) \(.status)"' "$out/trace_function_calls.json")" \
	"$((N + 4 * T + D)) $((N + 4 * T)) linked-called" "JSON: getppid's row"

r_dom "$out/index.html" "$T_TMP/dom.html"
t_ok "Chromium loads the page" test -s "$T_TMP/dom.html"
t_is "$(r_rows "$T_TMP/dom.html" trace_function_programs)" 2 "the page: the programs table"
t_is "$(r_rows "$T_TMP/dom.html" trace_function_calls)" "$(r_csv "$C" run_id | wc -l)" \
	"the page: every row of the calls table"
t_ok "the page links the section" grep -q 'href="#functions"' "$T_TMP/dom.html"

# A distribution: five more programs, two of them importing getppid.
for i in 1 2 3 4 5; do
	body=
	[ $i -le 2 ] && body='getppid();'
	printf '#include <stdio.h>\n#include <unistd.h>\nint main(void) { %s puts("x"); return 0; }\n' "$body" \
		> "$T_TMP/p$i.c"
	cc -O2 -o "$T_TMP/p$i" "$T_TMP/p$i.c" || t_fail "cannot build p$i"
done
t_scan "$db" "$T_TMP"/p[1-5] > /dev/null
t_is "$T_RC" 0 "scan the five programs"
out=$T_TMP/out2
t_pk report --db "$db" --out "$out"
t_is "$T_RC" 0 "report exits 0"
C=$out/trace_function_calls.csv
t_is "$(cell "$C" /funcs distribution_share_pct getppid | xargs printf '%.4f')" 50.0000 \
	"six packages: getppid's share is 3 of 6"
t_is "$(cell "$C" /funcs distribution_share_pct printf | xargs printf '%.4f')" 16.6667 \
	"... printf's 1 of 6"
t_is "$(cell "$out/trace_function_programs.csv" /funcs distribution)" "this database's scan (6 packages)" \
	"... and the table says where the share comes from"

tr_guard_check
t_done
