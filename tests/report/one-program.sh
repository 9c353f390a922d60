#!/bin/bash
# Description: a database of one program is not drawn as a distribution
# (issue 18): with fewer than 5 packages with ELF files the page says so in
# one line, draws no Figure 1 (nor the category, importance and plan
# charts), and lists the functions the program imports, as readelf says,
# with their share in the published Ubuntu data (reports/data/); with 5
# packages (the fixture database) Figure 1 is drawn.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
t_require gcc sqlite3 gnuplot python3 readelf dpkg-deb perl

cat > "$T_TMP/prog.c" <<'EOF2'
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char buf[64];
	ssize_t n = read(0, buf, sizeof(buf));

	printf("%zd\n", n);
	return write(1, buf, n > 0 ? n : 0) < 0;
}
EOF2
gcc -O2 -o "$T_TMP/prog" "$T_TMP/prog.c" || { echo "Bail out! cannot build the program"; exit 1; }
db=$T_TMP/one.db
t_scan "$db" "$T_TMP/prog"
t_is "$T_RC" 0 "one program scanned"
t_pk report --db "$db" --out "$T_TMP/out"
t_is "$T_RC" 0 "report exits 0"
page=$T_TMP/out/index.html
t_like "$(grep -c 'id=small-corpus' "$page")" '^1$' "one line says the corpus is too small"
t_like "$(grep 'id=small-corpus' "$page")" "1 package with ELF files: fewer than 5" "... with the count and the threshold"
t_is "$(grep -c '<svg' "$page")" 0 "no chart: no Figure 1, categories, importance or plan"
t_ok "no rank plot data, no plan in the page" bash -c '! grep -q "id=\"plan\"\|id=\"packages\"" "$1"' _ "$page"

r_usage_oracle "$T_TMP/oracle" prog="$T_TMP/prog"
awk -F'\t' '$2 > 0 { print $1 }' "$T_TMP/oracle.functions" | sort > "$T_TMP/want"
t_ok "the oracle: the program imports read, write, printf" grep -qx read "$T_TMP/want"
t_is "$(r_rows "$page" functions)" "$(wc -l < "$T_TMP/want")" "the page lists one row per function it imports"
python3 - "$page" <<'PY' | sort > "$T_TMP/got"
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.on = s.row = False; s.col = -1; s.cells = []
    def handle_starttag(s, tag, a):
        if tag == 'table': s.on = dict(a).get('id') == 't-functions'
        if s.on and tag == 'tr': s.col = -1
        if s.on and tag == 'td': s.col += 1
    def handle_endtag(s, tag):
        if tag == 'table': s.on = False
    def handle_data(s, d):
        if s.on and s.col == 1 and d.strip(): print(d.strip())
P().feed(open(sys.argv[1]).read())
PY
t_cmp "$T_TMP/got" "$T_TMP/want" "... which are the functions readelf says it imports"
want=$(awk -F, '$1 == "read" { print $2 }' "$T_LIB/../../reports/data/atlidakis-2016-ubuntu.csv")
t_is "$(r_csv "$T_TMP/out/functions.csv" function published_share_pct | awk -F'\t' '$1 == "read" { print $2 + 0 }')" \
	"$(awk -v w="$want" 'BEGIN { print w + 0 }')" "read's share is the published Ubuntu one ($want %)"

r_fx_db "$T_TMP/fx.db" || { echo "Bail out! fixture database"; exit 1; }
t_pk report --db "$T_TMP/fx.db" --out "$T_TMP/fx"
t_ok "5 packages: Figure 1 is drawn" grep -q 'id="linkage"' "$T_TMP/fx/index.html"
t_ok "... and no small-corpus line" bash -c '! grep -q small-corpus "$1"' _ "$T_TMP/fx/index.html"
t_ok "... with its rank plot" grep -q 'Every POSIX function some package imports, ranked' "$T_TMP/fx/index.html"
t_done
