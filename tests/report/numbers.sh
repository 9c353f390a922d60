#!/bin/bash
# Description: parakit report's numbers are the fixtures' own: per-function
# package and binary counts, the corpus counts, the thresholds, the scan
# errors, the non-POSIX ranking and the trace tables, in the CSV and in the
# JSON, against an oracle computed here from what readelf says each fixture
# binary imports and from the trace rows the fixture wrote, not from the
# views the report reads (issue 21); PageRank weights sum to 1 and
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

# The oracle: what readelf says each fixture package's binaries (r_fx_db)
# import.
r_usage_oracle "$T_TMP/oracle" fxlib="$T_TMP/fx/libver.so" fxapp="$T_TMP/fx/uselib" \
	fxtools="$T_TMP/fx/fortify" fxtools="$T_TMP/fx/plain" fxstatic="$T_TMP/fx/static" \
	fxhostile="$T_TMP/fx/hostile.so"
t_ok "readelf lists the fixtures' imports" test -s "$T_TMP/oracle.imports"
npk=$(printf '%s\n' fxlib fxapp fxtools fxstatic fxhostile | wc -l)
read -r ncat nimports < "$T_TMP/oracle.counts"
# used [N]: the catalogue functions that more than N % of the packages with
# ELF files import (no N: at least one package).
used()
{
	awk -F'\t' -v n="$npk" -v p="${1-}" '(p == "" ? $2 > 0 : 100 * $2 / n > p) { c++ } END { print c + 0 }' \
		"$T_TMP/oracle.functions"
}
t_is "$(awk -F'\t' '$1 == "printf" || $1 == "read" || $1 == "puts"' "$T_TMP/oracle.functions" | tr '\n' ' ')" \
	"printf	2	3 puts	1	1 read	2	2 " "the oracle: printf in 2 packages (3 binaries), read in 2, puts in 1"

r_csv "$out/functions.csv" function packages binaries | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/oracle.functions" "functions.csv: packages and binaries per function = the fixtures' imports"
jq -r '.rows[] | [.function, .packages, .binaries] | @tsv' "$out/functions.json" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/oracle.functions" "functions.json: the same"

awk -F'\t' -v n="$npk" '{ printf "%s\t%.6f\n", $1, 100.0 * $2 / n }' "$T_TMP/oracle.functions" | sort > "$T_TMP/want"
r_csv "$out/functions.csv" function share_pct | awk -F'\t' '{ printf "%s\t%.6f\n", $1, $2 }' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "share = packages / the 5 packages with ELF files"

want="packages	6
packages with ELF files	$npk
ELF binaries (distinct contents)	6
imports (binary, symbol, version)	$nimports
scan errors	0
catalogue functions	$ncat
catalogue functions imported	$(used)"
t_is "$(r_csv "$out/corpus.csv" measure value | grep -v 'POSIX functions\|scan runs')" "$want" \
	"corpus.csv: six packages, five with six ELF files, the imports readelf lists, the catalogue"

want="$(used)
$(used 1)
$(used 10)
$(used 50)
$(awk -F'\t' '$2 == 0' "$T_TMP/oracle.functions" | wc -l)"
t_is "$(r_csv "$out/thresholds.csv" this_corpus)" "$want" "thresholds = the oracle's"
# The published column: the catalogue functions that Atlidakis et al.'s
# Ubuntu table (reports/data/) says at least one package links.
want=$(awk -F'\t' 'NR == FNR { if (!/^#/ && NF && head++) cat[$1] = 1; next }
	FNR > 1 && ($1 in cat) && $2 > 0 { n++ } END { print n }' \
	"$T_LIB/../../db/catalog/posix-functions.tsv" FS=, "$T_LIB/../../reports/data/atlidakis-2016-ubuntu.csv")
t_is "$(r_csv "$out/thresholds.csv" published | sed -n 1p)" "$want" \
	"the published Ubuntu data: the catalogue functions it has linked by a package ($want)"

t_is "$(jq '.rows | length' "$out/scan_errors.json")" 0 "scan_errors.json: no error (the fixtures are sound)"
t_is "$(jq '.rows | length' "$out/nonposix.json")" "$(wc -l < "$T_TMP/oracle.nonposix")" \
	"nonposix.json: every symbol that maps to no catalogue function"
jq -r '.rows[] | [.symbol, .packages] | @tsv' "$out/nonposix.json" | sort > "$T_TMP/got"
# JSON strings are UTF-8: a byte that is not is U+FFFD there.
python3 -c 'import sys; sys.stdout.write(sys.stdin.buffer.read().decode("utf-8", "replace"))' \
	< "$T_TMP/oracle.nonposix" | sort > "$T_TMP/want"
t_cmp "$T_TMP/got" "$T_TMP/want" "nonposix.json: each with the packages importing it"
t_is "$(jq -r '.rows[] | select(.symbol == "puts") | .packages' "$out/nonposix.json")" "" \
	"puts maps to POSIX, so it is not in nonposix"
t_is "$(jq -r '.rows[] | select(.symbol == "__libc_start_main") | .packages' "$out/nonposix.json")" 2 \
	"__libc_start_main: 2 packages (fxapp's and fxtools' executables)"
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
t_is "$(jq -r '.rows | length' "$out/plan.json")" "$(($(used) + 1))" \
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

# Traces: the rows r_fx_db writes into parakit trace's tables.
printf '%s\t%s\t%s\t%s\n' 1 read 10 30000  1 write 5 0  1 openat 2 0 \
	2 clock_nanosleep 1 1400000  2 '`touch PWNED`' 3 0 | sort > "$T_TMP/want"
r_csv "$out/trace_syscalls.csv" run_id syscall calls offcpu_ns | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "trace_syscalls.csv: the calls and off-CPU time the runs recorded"
t_is "$(r_csv "$out/trace_runs.csv" run_id offcpu_share_pct | tr '\n' ' ')" "1	3 2	70 " \
	"off-CPU share of wall time per run"
t_is "$(r_csv "$out/trace_runs.csv" run_id blocking_share_pct io_blocking_share_pct | tr '\t\n' ', ')" \
	"1,1.5,1.5 2,70,0 " "blocked per thread-second (read 30 us and nanosleep 1.4 ms of 2 ms), and in I/O"
t_is "$(r_csv "$out/trace_blocking_classes.csv" run_id class offcpu_ns | awk -F'\t' '$3 > 0' | tr '\t\n' ', ')" \
	"1,io,30000 2,wait,1400000 " "by class: read is I/O, clock_nanosleep waiting"
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
