#!/bin/bash
# Description: the page in headless Chromium with no network: it loads,
# holds as many charts (inline SVG) and table rows as SQL says it must,
# its screenshot is not blank; names from binaries are escaped everywhere:
# a symbol named <script>alert(1)</script> appears only as text (no script
# element in the file or the DOM), a symbol starting with = is neutralised
# in the CSV, a non-UTF-8 byte is \udcff in the JSON and \xff in the page,
# and a syscall named `touch PWNED` never reaches a shell through gnuplot.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
t_require gcc dpkg-deb sqlite3 gnuplot python3 jq perl chromium

db=$T_TMP/r.db
t_ok "fixture database builds" r_fx_db "$db"
out=$T_TMP/out
cd "$T_TMP" || exit 1
t_pk report --db "$db" --out "$out" --top 10 --title 'Fixtures & <friends>'
t_is "$T_RC" 0 "report exits 0"
page=$out/index.html

t_ok "the page is one file: no src= or external href" \
	bash -c '! grep -Eiq "<(script|link|img|iframe)|src=|href=\"(https?:)?//" "$1"' _ "$page"
t_is "$(grep -ic '<script' "$page")" 0 "no <script anywhere in the file"
t_ok "the hostile symbol is in the page, escaped" grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$page"
t_ok "the title is escaped" grep -qF '<h1>Fixtures &amp; &lt;friends&gt;</h1>' "$page"
t_ok "the non-UTF-8 byte shows as \\xff in the page" grep -qF 'bad_\xffutf8' "$page"
t_ok "the page is valid UTF-8" python3 -c 'import sys; open(sys.argv[1], encoding="utf-8").read()' "$page"
t_ok "gnuplot ran no backquoted command" test ! -e "$T_TMP/PWNED"

t_is "$(r_csv "$out/nonposix.csv" symbol | grep -c "^'=HYPERLINK")" 1 "CSV: the =formula cell gets a leading '"
t_ok "CSV: no cell starts with a formula character" \
	bash -c '! grep -Eq "(^|,)\"?[=+@-]" "$1"/*.csv' _ "$out"
t_is "$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["rows"]:
    b = r["symbol"].encode("utf-8", "surrogateescape")
    if b.startswith(b"bad_"): print(b)' "$out/nonposix.json")" "b'bad_\\xffutf8'" \
	"JSON: surrogateescape gives back the exact bytes"
t_ok "every JSON file parses" bash -c 'for f in "$1"/*.json; do jq -e . "$f" >/dev/null || exit 1; done' _ "$out"

# Charts: 4 for the scan (Figure 1, categories, importance, plan), one for
# the blocking share of the traces by class, one per run with histograms.
runs_h=$(t_sql "$db" "SELECT count(DISTINCT run_id) FROM v_trace_hist")
want_charts=$((4 + 1 + runs_h))
t_is "$(r_charts "$page")" "$want_charts" "the file holds $want_charts charts"

r_dom "$page" "$T_TMP/dom.html"
t_ok "Chromium loads the page" test -s "$T_TMP/dom.html"
t_is "$(r_charts "$T_TMP/dom.html")" "$want_charts" "the DOM holds $want_charts charts"
t_is "$(grep -ic '<script' "$T_TMP/dom.html")" 0 "the DOM has no script element"
t_ok "the DOM shows the hostile symbol as text" grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$T_TMP/dom.html"
nf=$(t_sql "$db" "SELECT count(*) FROM v_function_usage")
t_is "$(r_rows "$T_TMP/dom.html" functions)" "$((nf < 10 ? nf : 10))" "functions table: --top 10 rows"
t_is "$(r_rows "$T_TMP/dom.html" scan_errors)" "$(t_sql "$db" "SELECT count(*) FROM v_scan_errors")" \
	"scan errors table: one row per error"
t_is "$(r_rows "$T_TMP/dom.html" categories)" \
	"$(t_sql "$db" "SELECT count(DISTINCT coalesce(category, '')) FROM catalog_function")" \
	"categories table: one row per category"
t_is "$(r_rows "$T_TMP/dom.html" trace_syscalls)" "$(t_sql "$db" "SELECT count(*) FROM v_trace_syscalls")" \
	"trace syscalls table: one row per syscall"
t_is "$(r_rows "$T_TMP/dom.html" trace_runs)" "$(t_sql "$db" "SELECT count(*) FROM v_trace_runs")" \
	"trace runs table: one row per run"
t_is "$(r_rows "$T_TMP/dom.html" pairs)" "$(t_sql "$db" "SELECT count(*) FROM v_trace_runs")" \
	"before and after table: one row per run"
t_is "$(r_rows "$T_TMP/dom.html" trace_blocking_classes)" \
	"$(t_sql "$db" "SELECT count(*) FROM (SELECT DISTINCT run_id, class FROM v_trace_syscalls)")" \
	"blocking by class: one row per run and class"
np=$(t_sql "$db" "SELECT count(DISTINCT package_id) FROM file")
t_is "$(r_rows "$T_TMP/dom.html" packages)" "$np" "packages table: one row per package with ELF files"
t_is "$(sed -n '/id="t-functions"/,/<\/table>/p' "$page" | grep -o '<tr><td class=n>1</td><td>[a-z_]*' | sed 's/.*<td>//')" \
	"$(t_sql "$db" "SELECT function FROM v_function_usage ORDER BY packages DESC, binaries DESC, function LIMIT 1")" \
	"the first row of the function table is the most imported function"

r_shot "$page" "$T_TMP/shot.png"
t_ok "Chromium takes a screenshot" test -s "$T_TMP/shot.png"
colours=$(r_png_colours "$T_TMP/shot.png")
t_ok "the screenshot is not blank ($colours colours)" test "${colours:-0}" -gt 8
t_done
