#!/bin/bash
# Description: an empty database (migrated, nothing scanned) gives a short,
# clear report, not a crash: exit 0, a page under 20 kB that says the
# database holds nothing and how to fill it, no chart, every CSV and JSON
# file written (headers, no rows); the page loads in Chromium.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
t_require sqlite3 gnuplot jq python3 chromium

db=$T_TMP/empty.db
t_pk db migrate "$db"
t_is "$T_RC" 0 "an empty database is made"
t_pk report --db "$db" --out "$T_TMP/out"
t_is "$T_RC" 0 "report exits 0"
page=$T_TMP/out/index.html
t_ok "index.html is written" test -s "$page"
t_ok "it is short ($(wc -c < "$page") bytes)" test "$(wc -c < "$page")" -lt 20000
t_ok "it says the database holds nothing" grep -q 'id=empty>This database holds no scanned package' "$page"
t_ok "it says how to fill it" grep -q 'parakit scan --db FILE PATH' "$page"
t_is "$(r_charts "$page")" 0 "no chart"
t_is "$(ls "$T_TMP/out"/*.csv | wc -l)" "$(ls "$T_TMP/out"/*.json | wc -l)" "a JSON file per CSV file"
t_is "$(jq '.rows | length' "$T_TMP/out/functions.json")" \
	"$(t_sql "$db" "SELECT count(*) FROM catalog_function")" "the catalogue is still listed, all zero"
t_is "$(jq '[.rows[].packages] | add' "$T_TMP/out/functions.json")" 0 "... with no package"
t_is "$(jq '.rows | length' "$T_TMP/out/plan.json")" 0 "no plan"
r_dom "$page" "$T_TMP/dom.html"
t_ok "Chromium loads it" grep -q 'This database holds no scanned package' "$T_TMP/dom.html"
t_done
