#!/bin/bash
# Description: parakit report's numbers agree with SQL on the same database:
# per-function package and binary counts (v_function_usage), the corpus
# counts, the thresholds, the scan errors, the non-POSIX ranking and the
# trace tables, in the CSV and in the JSON; PageRank weights sum to 1 and
# the library everything depends on weighs most; equal weights make
# importance the package share; each package's "complete after" is the
# last plan step among its functions; the plans end at 100 %.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
t_require gcc dpkg-deb sqlite3 gnuplot python3 jq perl

db=$T_TMP/r.db
t_ok "fixture database builds" r_fx_db "$db"
out=$T_TMP/out
t_pk report --db "$db" --out "$out"
t_is "$T_RC" 0 "report exits 0"
t_is "$T_OUT" "$out/index.html" "stdout names index.html"

t_sql "$db" "SELECT function, packages, binaries FROM v_function_usage" | sort > "$T_TMP/want"
r_csv "$out/functions.csv" function packages binaries | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "functions.csv: packages and binaries per function = v_function_usage"
jq -r '.rows[] | [.function, .packages, .binaries] | @tsv' "$out/functions.json" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "functions.json: the same"

npk=$(t_sql "$db" "SELECT count(DISTINCT package_id) FROM file")
t_is "$npk" 5 "five packages hold ELF files"
t_sql "$db" "SELECT function, printf('%.6f', 100.0 * packages / $npk) FROM v_function_usage" | sort > "$T_TMP/want"
r_csv "$out/functions.csv" function share_pct | awk -F'\t' '{ printf "%s\t%.6f\n", $1, $2 }' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "share = packages / packages with ELF files"

want="packages	$(t_sql "$db" "SELECT count(*) FROM package")
packages with ELF files	$npk
ELF binaries (distinct contents)	$(t_sql "$db" "SELECT count(*) FROM binary")
imports (binary, symbol, version)	$(t_sql "$db" "SELECT count(*) FROM import")
scan errors	$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")
catalogue functions	$(t_sql "$db" "SELECT count(*) FROM catalog_function")
catalogue functions imported	$(t_sql "$db" "SELECT count(*) FROM v_function_usage WHERE packages > 0")"
t_is "$(r_csv "$out/corpus.csv" measure value | grep -v 'POSIX functions\|scan runs')" "$want" "corpus.csv = SQL counts"

want="$(t_sql "$db" "SELECT count(*) FROM v_function_usage WHERE packages > 0")
$(t_sql "$db" "SELECT count(*) FROM v_function_usage WHERE 100.0 * packages / $npk > 1")
$(t_sql "$db" "SELECT count(*) FROM v_function_usage WHERE 100.0 * packages / $npk > 10")
$(t_sql "$db" "SELECT count(*) FROM v_function_usage WHERE 100.0 * packages / $npk > 50")
$(t_sql "$db" "SELECT count(*) FROM v_function_usage WHERE packages = 0")"
t_is "$(r_csv "$out/thresholds.csv" this_corpus)" "$want" "thresholds = SQL"
t_is "$(r_csv "$out/thresholds.csv" published | sed -n 1p)" 1096 "the published Ubuntu data: 1,096 functions linked"

t_is "$(jq '.rows | length' "$out/scan_errors.json")" "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" \
	"scan_errors.json: every error"
t_is "$(jq '.rows | length' "$out/nonposix.json")" \
	"$(t_sql "$db" "SELECT count(DISTINCT s.id) FROM import i JOIN symbol s ON s.id = i.symbol_id WHERE s.posix_name IS NULL")" \
	"nonposix.json: every non-POSIX symbol"
t_is "$(jq -r '.rows[] | select(.symbol == "puts") | .packages' "$out/nonposix.json")" "" \
	"puts maps to POSIX, so it is not in nonposix"
t_is "$(jq -r '.rows[] | select(.symbol == "__libc_start_main") | .packages' "$out/nonposix.json")" \
	"$(t_sql "$db" "SELECT count(DISTINCT package) FROM v_imports WHERE symbol = '__libc_start_main'")" \
	"__libc_start_main: packages = v_imports"
t_is "$(jq -r '.rows[] | select(.symbol == "__libc_start_main") | .origin' "$out/nonposix.json")" glibc \
	"__libc_start_main comes from glibc"

# Weights: PageRank.
t_is "$(jq '[.rows[].weight] | add * 1e6 | round' "$out/packages.json")" 1000000 "PageRank weights sum to 1"
t_is "$(jq -r '.rows | max_by(.weight) | .package' "$out/packages.json")" fxlib \
	"the library the others depend on weighs most"
t_is "$(jq -r '.weights' "$out/functions.json")" pagerank "the JSON names its weights"

# Complete after = the last step of its functions in each plan.
python3 - "$out" > "$T_TMP/steps" <<'PY'
import json, sys
d = sys.argv[1]
f = {r['function']: r for r in json.load(open(d + '/functions.json'))['rows']}
bad = 0
for p in json.load(open(d + '/packages.json'))['rows']:
    fs = p['functions'].split() if p['functions'] else []
    for col, key in (('complete_after_tsai', 'tsai_step'), ('complete_after_parakit', 'plan_step')):
        if p[col] != max([f[x][key] for x in fs] or [0]):
            bad += 1
print(bad)
PY
t_is "$(cat "$T_TMP/steps")" 0 "complete after = the last plan step of the package's functions"
t_is "$(r_csv "$out/packages.csv" package posix_functions | grep '^fxstatic')" "fxstatic	0" \
	"the static binary imports no POSIX function"
t_is "$(jq -r '.rows[-1] | [.tsai_completeness_pct, .parakit_completeness_pct] | @tsv' "$out/plan.json")" "100	100" \
	"both plans end at 100 %"
t_is "$(jq -r '.rows | length' "$out/plan.json")" \
	"$(($(t_sql "$db" "SELECT count(*) FROM v_function_usage WHERE packages > 0") + 1))" \
	"the plan has a row per imported function, plus N = 0"

# Equal weights: importance is the package share; W(0) is the static package.
t_pk report --db "$db" --out "$T_TMP/eq" --weights equal
t_is "$T_RC" 0 "report --weights equal exits 0"
t_is "$(jq '[.rows[] | select((.importance_pct - .share_pct) | fabs > 1e-9)] | length' "$T_TMP/eq/functions.json")" 0 \
	"equal weights: importance = package share"
t_is "$(jq -r '.rows[0].tsai_completeness_pct' "$T_TMP/eq/plan.json")" 20 \
	"equal weights: 1 of 5 packages (the static one) is complete with no function"

# popcon weights
printf '#rank name inst vote old recent no-files (maintainer)\n1 fxlib 1000 1 1 1 0 (x)\n2 fxapp 500 1 1 1 0 (x)\n3 Total 1500 2 2 2 0\n' > "$T_TMP/popcon"
t_pk report --db "$db" --out "$T_TMP/pop" --popcon "$T_TMP/popcon"
t_is "$T_RC" 0 "report --popcon exits 0"
t_is "$(jq -r '.rows[] | select(.package == "fxapp") | .weight' "$T_TMP/pop/packages.json")" 0.5 \
	"popcon: P(installed) = inst / the largest inst"
t_is "$(jq -r '.rows[] | select(.function == "printf") | .importance_pct' "$T_TMP/pop/functions.json")" \
	"$(python3 -c 'print(100 * (1 - (1 - 0.5)))' | sed 's/\.0$//')" \
	"popcon: importance of printf = 1 - (1 - P(fxapp)) (fxtools weighs 0)"

# Traces.
t_sql "$db" "SELECT run_id, syscall, calls, offcpu_ns FROM v_trace_syscalls" | sort > "$T_TMP/want"
r_csv "$out/trace_syscalls.csv" run_id syscall calls offcpu_ns | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "trace_syscalls.csv = v_trace_syscalls"
t_is "$(r_csv "$out/trace_runs.csv" run_id offcpu_share_pct | tr '\n' ' ')" "1	3 2	70 " \
	"off-CPU share of wall time per run"
t_is "$(r_csv "$out/trace_blocking.csv" syscall | tr '\n' ' ')" "read clock_nanosleep " \
	"the syscalls observed to block"

# Usage errors.
t_pk report --db "$db"
t_is "$T_RC" 2 "no --out: exit 2"
t_pk report --db "$T_TMP/missing.db" --out "$T_TMP/x"
t_is "$T_RC" 1 "a missing database: exit 1"
t_like "$(cat "$T_ERR")" "cannot open database '.*missing.db': No such file" "... with the reason"
t_ok "... and no database is created" test ! -e "$T_TMP/missing.db"
t_pk report --db "$db" --out "$T_TMP/y" --compare-with "$T_TMP/popcon"
t_is "$T_RC" 1 "a malformed --compare-with file: exit 1"
t_done
