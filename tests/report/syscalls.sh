#!/bin/bash
# Description: the report's system call sections (issue 17) over a real
# database made by `parakit scan --syscalls` of real .debs from
# /var/cache/apt/archives (socat, netcat-openbsd, patchutils... whichever
# the cache holds, an i386 library among them when it has one) and of
# fixture .debs (a static binary, a program with inline syscalls, an ELF
# file of a machine without a decoder): every number the page shows is
# checked against an oracle computed here, in python, from v_syscalls,
# v_syscall_usage and the scan's own tables (binary_sys, binary), not from
# the views the report reads: per system call its packages, binaries,
# io_uring operation and importance; Tsai et al.'s order and parakit's
# greedy order with their weighted completeness after each step; per
# package its set, io_uring share and "complete after"; the io_uring
# figures overall; the binaries analysed, not analysed (and why) and
# static; the mean and median set size beside the published figures.
# Equal weights give exact answers; under PageRank (the default) a system
# call's importance is the weighted share of the packages using it, with
# the weights of the function sections. The CSV, the JSON and the page's
# tables hold the same numbers; Chromium renders the page with its
# charts. One program: no chart, one line says why, the calls it can
# issue listed. A database scanned without --syscalls: no section, empty
# CSV and JSON files.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
t_require gcc dpkg-deb sqlite3 gnuplot python3 jq perl chromium readelf shfmt

A=/var/cache/apt/archives
debs=()
for p in socat netcat-openbsd patchutils lzop cpio pax-utils lib32atomic1; do
	f=$(ls "$A/${p}"_*_amd64.deb 2>/dev/null | head -1)
	[ -n "$f" ] && debs+=("$f")
done
if [ "${#debs[@]}" -lt 3 ]; then
	# Another cache: an even spread of its small amd64 programs.
	find "$A" -maxdepth 1 -name '*_amd64.deb' -size -1M ! -name 'lib*' 2>/dev/null | sort |
		awk '{ l[NR] = $0 } END { for (i = 1; i <= 5 && i <= NR; i++) print l[int((i - 0.5) * NR / 5) + 1] }' \
		> "$T_TMP/pick"
	mapfile -t debs < "$T_TMP/pick"
fi
[ "${#debs[@]}" -ge 3 ] || t_skip_all "only ${#debs[@]} small amd64 .debs in $A"
t_diag "real packages: $(printf '%s ' "${debs[@]##*/}")"

# Fixtures: a static binary; a program whose own syscall instructions
# issue read, pread64 and getpid (two with an io_uring operation); an ELF
# file whose machine is RISC-V (a copy of the program, e_machine poked to
# EM_RISCV: no decoder for it yet, so not analysed); Debian's shfmt, a Go binary,
# in a package of its own.
fx=$T_TMP/fx
mkdir -p "$fx"
echo 'int main(void) { return 0; }' > "$fx/st.c"
cat > "$fx/asm.c" <<'EOF'
int main(void)
{
	long r;

	__asm__ volatile("mov $0, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	__asm__ volatile("mov $17, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	__asm__ volatile("mov $39, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	return r == 42;
}
EOF
gcc -static -O2 -o "$fx/static" "$fx/st.c" && gcc -O2 -o "$fx/asm" "$fx/asm.c" &&
	cp "$fx/asm" "$fx/rv" && t_poke "$fx/rv" 18 2 243 ||
	{ echo "Bail out! cannot build the fixtures"; exit 1; }
t_mk_deb "$fx/fxstatic.deb" fxstatic 1.0 "" "" "$fx/static:/usr/bin/fxstatic" &&
t_mk_deb "$fx/fxasm.deb" fxasm 1.0 "" "" "$fx/asm:/usr/bin/fxasm" &&
t_mk_deb "$fx/fxrv.deb" fxrv 1.0 "" "" "$fx/rv:/usr/bin/fxrv" &&
t_mk_deb "$fx/fxgo.deb" fxgo 1.0 "" "" "$(command -v shfmt):/usr/bin/fxgo" ||
	{ echo "Bail out! cannot build the fixture .debs"; exit 1; }

db=$T_TMP/s.db
t_scan "$db" --syscalls "${debs[@]}" "$fx"/*.deb
t_is "$T_RC" 0 "scan --syscalls of ${#debs[@]} real .debs and 4 fixtures exits 0"

# The oracle, from v_syscalls, v_syscall_usage and the scan's tables.
# Packages are names (all are .debs); a package's set is what v_syscalls
# gives its binaries, 'unknown' left out; the population is the packages
# with a binary binary_sys says was analysed.
cat > "$T_TMP/oracle.py" <<'PY'
import json, sqlite3, statistics, sys
db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
q = lambda s: db.execute(s).fetchall()
pop = sorted(r[0] for r in q("SELECT DISTINCT p.name FROM binary_sys s JOIN file f ON f.binary_id = s.binary_id"
                             " JOIN package p ON p.id = f.package_id WHERE s.status = 'ok'"))
sets = {p: set() for p in pop}
files = {}
for pkg, ver, path, sc in q("SELECT package, version, member_path, syscall FROM v_syscalls"):
    files.setdefault((pkg, ver, path), set()).add(sc)
    if sc != 'unknown':
        sets[pkg].add(sc)
usage = {r[0]: r[1:] for r in q("SELECT syscall, packages, binaries, io_uring_op FROM v_syscall_usage")}
cat = dict(q("SELECT syscall, io_uring_op FROM catalog_io_uring"))
names = sorted((set(usage) | set().union(*sets.values())) - {'unknown'})
op = {s: usage[s][2] if s in usage else cat.get(s, '') for s in names}
npk = {s: sum(s in sets[p] for p in pop) for s in names}
N = len(pop)

def plan(order):
    step = {s: i + 1 for i, s in enumerate(order)}
    last = {p: max([step[s] for s in sets[p]] or [0]) for p in pop}
    return [100.0 * sum(last[p] <= k for p in pop) / N for k in range(len(order) + 1)], last

used = [s for s in names if npk[s]]
tsai = sorted(used, key=lambda s: (-npk[s], s))
# parakit's greedy: the call with the largest sum over unfinished packages
# using it of w / missing^2; ties to importance (packages, then name).
rank = {s: i for i, s in enumerate(tsai)}
chosen, greedy = set(), []
while len(greedy) < len(used):
    best, bscore = None, 0
    missing = {p: len(sets[p] - chosen) for p in pop}
    for s in sorted(used):
        if s in chosen:
            continue
        sc = sum(1.0 / N / missing[p] ** 2 for p in pop if s in sets[p])
        if best is None or sc > bscore * (1 + 1e-12) or (sc >= bscore * (1 - 1e-12) and rank[s] < rank[best]):
            best, bscore = s, sc
    chosen.add(best)
    greedy.append(best)
tw, tlast = plan(tsai)
gw, glast = plan(greedy)

o = {}
o['syscalls'] = [[s, op[s], npk[s], usage[s][1] if s in usage else None, 100.0 * npk[s] / N,
                  rank[s] + 1 if npk[s] else 0, greedy.index(s) + 1 if npk[s] else 0] for s in names]
o['plan'] = [[k, tsai[k - 1] if k else None, tw[k], greedy[k - 1] if k else None, gw[k]] for k in range(len(used) + 1)]
def share(p):
    return 100.0 * sum(bool(op[s]) for s in sets[p]) / len(sets[p]) if sets[p] else None
unk = {p: 0 for p in pop}
for (pkg, ver, path), ss in files.items():
    if 'unknown' in ss and pkg in unk:
        unk[pkg] = 1
o['packages'] = [[p, len(sets[p]), sum(bool(op[s]) for s in sets[p]), share(p), unk[p], tlast[p], glast[p],
                  ' '.join(sorted(sets[p]))] for p in pop]
shares = [share(p) for p in pop if sets[p]]
abi = [s for s in names if s in usage]
pairs = sum(len(sets[p]) for p in pop)
pairs_op = sum(bool(op[s]) for p in pop for s in sets[p])
o['io_uring'] = [[sum(bool(op[s]) for s in abi), len(abi)], [sum(bool(op[s]) for s in used), len(used)],
                 [pairs_op, pairs], len(shares), statistics.mean(shares), statistics.median(shares),
                 min(shares), max(shares)]
# Set sizes: 'unknown' counted as one; an analysed binary with no row is 0.
ok = q("SELECT DISTINCT p.name, p.version, f.path, b.elf_type IN ('EXEC', 'DYN') AND b.soname IS NULL"
       " FROM binary_sys s JOIN binary b ON b.id = s.binary_id JOIN file f ON f.binary_id = b.id"
       " JOIN package p ON p.id = f.package_id WHERE s.status = 'ok'")
size = [len(files.get((a, b, c), ())) for a, b, c, e in ok]
exe = [len(files.get((a, b, c), ())) for a, b, c, e in ok if e]
o['sizes'] = [len(ok), statistics.mean(size), statistics.median(size), statistics.mean(exe), statistics.median(exe)]
o['full'] = sum(npk[s] == N for s in used)
o['N'] = N
json.dump(o, open(sys.argv[2], 'w'))
PY
t_ok "the oracle runs over the database" python3 "$T_TMP/oracle.py" "$db" "$T_TMP/oracle.json"
t_diag "$(jq -c '{N, full, sizes, io_uring}' "$T_TMP/oracle.json")"
t_is "$(t_sql "$db" "SELECT count(DISTINCT f.path) FROM binary_sys s JOIN file f ON f.binary_id = s.binary_id
	WHERE s.status = 'ok'")" "$(t_sql "$db" "SELECT count(*) FROM binary_sys WHERE status = 'ok'")" \
	"no two analysed files share contents (the oracle counts files, the report contents)"

out=$T_TMP/eq
t_pk report --db "$db" --out "$out" --weights equal --top 10
t_is "$T_RC" 0 "report --weights equal exits 0"
page=$out/index.html

# cmp_rows WHAT TABLE PYTHON: compares the oracle's WHAT with the rows of
# TABLE.json that PYTHON (an expression over r, a row) turns into the same
# shape (in order for the plan, as sets of rows for the rest).
cmp_rows()
{
	python3 - "$T_TMP/oracle.json" "$out/$2.json" "$1" "$3" <<'PY'
import json, math, sys
o = json.load(open(sys.argv[1]))[sys.argv[3]]
rows = json.load(open(sys.argv[2]))['rows']
got = [eval(sys.argv[4], {}, {'r': r}) for r in rows]
def same(a, b):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b
key = lambda x: json.dumps(x)
if sys.argv[3] != 'plan':
    o, got = sorted(o, key=key), sorted(got, key=key)
bad = [(a, b) for a, b in zip(o, got) if not same(a, b)]
if len(o) != len(got) or bad:
    print('rows: want %d got %d; first difference: %s' % (len(o), len(got), bad[:2]))
    sys.exit(1)
PY
}
t_ok "syscalls: every call's io_uring operation, packages, binaries, share and both plan steps" \
	cmp_rows syscalls syscalls \
	"[r['syscall'], r['io_uring_op'], r['packages'], r['binaries'], r['share_pct'], r['tsai_step'], r['plan_step']]"
t_ok "equal weights: importance = package share" \
	bash -c '[ "$(jq "[.rows[] | select((.importance_pct - .share_pct) | fabs > 1e-9)] | length" "$1")" = 0 ]' \
	_ "$out/syscalls.json"
t_ok "syscall_plan: Tsai's order and parakit's greedy order, with their completeness after each step" \
	cmp_rows plan syscall_plan \
	"[r['step'], r['tsai_syscall'], r['tsai_completeness_pct'], r['parakit_syscall'], r['parakit_completeness_pct']]"
t_ok "syscall_packages: each package's set, io_uring count and share, unknown, complete after" \
	cmp_rows packages syscall_packages \
	"[r['package'], r['syscalls'], r['io_uring'], r['io_uring_share_pct'], r['unknown'], r['complete_after_tsai'], r['complete_after_parakit'], r['syscalls_list']]"
t_is "$(jq -r '[.rows[] | .io_uring_share_pct // -1] | . == (sort | reverse)' "$out/syscall_packages.json")" true \
	"syscall_packages: by io_uring share, highest first"
t_is "$(jq -r '.rows[-1] | [.tsai_completeness_pct, .parakit_completeness_pct] | @tsv' "$out/syscall_plan.json")" \
	"100	100" "both plans end at 100 %"
t_is "$(jq -c '[.rows[] | [.syscalls, .tsai_completeness_pct, .parakit_completeness_pct]]' \
	"$out/syscall_plan_milestones.json")" \
	"$(jq -c --slurpfile m "$out/syscall_plan_milestones.json" '[.rows[] | select(.step as $s |
	$m[0].rows | map(.syscalls) | index($s)) | [.step, .tsai_completeness_pct, .parakit_completeness_pct]]' \
	"$out/syscall_plan.json")" "syscall_plan_milestones: the plan's rows at 10, 25, 50... and the last"

u=$(jq -c '.io_uring' "$T_TMP/oracle.json")
t_is "$(jq -c '[.rows[0:3][] | [.with_io_uring_op, .syscalls]]' "$out/syscall_io_uring.json")" \
	"$(jq -c '.[0:3]' <<<"$u")" "io_uring: of the ABI's calls, of those used, of the (package, call) pairs"
t_ok "io_uring: the shares of those three rows" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
for r in rows[:3]:
    assert abs(r["share_pct"] - 100.0 * r["with_io_uring_op"] / r["syscalls"]) < 1e-7, r' "$out/syscall_io_uring.json"
t_ok "io_uring per package: mean, weighted mean (equal), median, lowest, highest" python3 -c '
import json, math, sys
rows = json.load(open(sys.argv[1]))["rows"]
u = json.load(open(sys.argv[2]))["io_uring"]
want = [u[4], u[4], u[5], u[6], u[7]]
got = [r["share_pct"] for r in rows[3:]]
assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(want, got)) and len(got) == 5, (want, got)
assert all(r["measure"].startswith("per package (%d)" % u[3]) for r in rows[3:]), rows' \
	"$out/syscall_io_uring.json" "$T_TMP/oracle.json"

# Binaries: the scan's own tables.
want="ELF binaries (distinct contents)	$(t_sql "$db" "SELECT count(*) FROM binary")
analysed: system call set found	$(t_sql "$db" "SELECT count(*) FROM binary_sys WHERE status = 'ok'")
$(t_sql "$db" "SELECT 'not analysed: ' || status, count(*) FROM binary_sys WHERE status <> 'ok' GROUP BY status
	ORDER BY 2 DESC, 1")
static binaries	$(t_sql "$db" "SELECT count(*) FROM binary WHERE static")
static binaries analysed	$(t_sql "$db" "SELECT count(*) FROM binary b JOIN binary_sys s ON s.binary_id = b.id
	WHERE b.static AND s.status = 'ok'")
Go binaries	$(t_sql "$db" "SELECT count(*) FROM binary_sys WHERE go <> ''")
Go binaries analysed	$(t_sql "$db" "SELECT count(*) FROM binary_sys WHERE go <> '' AND status = 'ok'")
stripped binaries (no .symtab)	$(t_sql "$db" "SELECT count(*) FROM binary_sys WHERE stripped")
stripped binaries analysed	$(t_sql "$db" "SELECT count(*) FROM binary_sys WHERE stripped AND status = 'ok'")
executables analysed	$(t_sql "$db" "SELECT count(*) FROM binary b JOIN binary_sys s ON s.binary_id = b.id
	WHERE s.status = 'ok' AND b.elf_type IN ('EXEC', 'DYN') AND b.soname IS NULL")
analysed binaries with a non-constant number ('unknown')	$(t_sql "$db" "SELECT count(DISTINCT binary_id)
	FROM binary_syscall WHERE syscall = 'unknown'")
system call sites in their code	$(t_sql "$db" "SELECT sum(sites) FROM binary_sys WHERE status = 'ok'")
... of which with no constant number	$(t_sql "$db" "SELECT sum(unknown_sites) FROM binary_sys WHERE status = 'ok'")
packages with an analysed binary	$(jq .N "$T_TMP/oracle.json")
... of which with a non-constant number	$(jq '[.packages[] | select(.[4] == 1)] | length' "$T_TMP/oracle.json")"
t_is "$(jq -r '.rows[] | [.measure, .value] | @tsv' "$out/syscall_binaries.json")" "$want" \
	"syscall_binaries: analysed, not analysed (why), static, Go, stripped, executables, unknown, sites, packages"
t_is "$(jq -r '.rows[] | select(.measure == "static binaries analysed") | .value' "$out/syscall_binaries.json")" 2 \
	"... the fixture's static binary and shfmt (Go, static) are analysed"
t_is "$(jq -r '.rows[] | select(.measure == "Go binaries analysed") | .value' "$out/syscall_binaries.json")" 1 \
	"... shfmt is a Go binary, analysed"
t_is "$(jq -r '.rows[] | select(.measure | test("no decoder")) | .value' "$out/syscall_binaries.json")" 1 \
	"... the RISC-V fixture is not (no decoder for its machine yet)"
t_ok "the fixture's own syscalls: read, pread64, getpid" bash -c '[ "$(jq -r ".rows[] | select(.package == \"fxasm\") |
	.syscalls_list" "$1" | tr " " "\n" | grep -cx "read\|pread64\|getpid")" = 3 ]' _ "$out/syscall_packages.json"

# The published figures beside this database's.
s=$(jq -c '.sizes' "$T_TMP/oracle.json")
t_ok "syscall_published: 224 beside the calls used by every package; 43, 95, 271 beside the mean set" python3 -c '
import json, math, sys
rows = json.load(open(sys.argv[1]))["rows"]
o = json.load(open(sys.argv[2]))
n, mean, med, emean, emed = o["sizes"]
want = [[224, o["full"]], [43, mean], [95, mean], [271, mean], [None, med], [None, emean], [None, emed]]
got = [[r["published"], r["this_database"]] for r in rows]
ok = len(got) == len(want) and all((a is None and c is None or math.isclose(a, c)) and math.isclose(b, d)
	for (a, b), (c, d) in zip(want, got))
assert ok, (want, got)
assert "Tsai" in rows[0]["source"] and "B-Side" in rows[1]["source"], rows' \
	"$out/syscall_published.json" "$T_TMP/oracle.json"

# The same numbers in the CSV, the JSON and the page.
tables="syscalls syscall_plan syscall_plan_milestones syscall_packages syscall_binaries syscall_io_uring syscall_published"
t_ok "CSV = JSON for every system call table" python3 - "$out" $tables <<'PY'
import csv, json, math, sys
for t in sys.argv[2:]:
    rows = list(csv.reader(open('%s/%s.csv' % (sys.argv[1], t), newline='')))
    js = json.load(open('%s/%s.json' % (sys.argv[1], t)))
    assert rows[0] == js['columns'], t
    assert len(rows) - 1 == len(js['rows']), t
    for c, j in zip(rows[1:], js['rows']):
        for name, cell in zip(rows[0], c):
            v = j[name]
            if v is None:
                assert cell == '', (t, name, cell)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                assert float(cell) == v, (t, name, cell, v)
            else:
                assert cell == v.replace('\r\n', '\n') or cell.lstrip("'") == v, (t, name, cell, v)
PY
# html_eq TABLE-ID CSV FIRST: the page's table TABLE-ID shows the CSV's rows
# from FIRST on, its columns as the page formats them.
html_eq()
{
	python3 - "$page" "$1" "$out/$2.csv" "$3" <<'PY'
import csv, html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.on = s.cell = False; s.head = []; s.rows = []; s.cur = None
    def handle_starttag(s, tag, a):
        if tag == 'table': s.on = dict(a).get('id') == 't-' + sys.argv[2]
        if s.on and tag == 'tr': s.cur = []
        if s.on and tag in ('td', 'th'): s.cell = True; s.cur.append('')
    def handle_endtag(s, tag):
        if s.on and tag in ('td', 'th'): s.cell = False
        if s.on and tag == 'tr':
            (s.rows if s.head else s.head).append(s.cur)
        if tag == 'table': s.on = False
    def handle_data(s, d):
        if s.on and s.cell: s.cur[-1] += d
p = P(); p.feed(open(sys.argv[1]).read())
rows = list(csv.reader(open(sys.argv[3], newline='')))
first = int(sys.argv[4])
assert p.head, 'no table ' + sys.argv[2]
assert p.rows, 'no rows in ' + sys.argv[2]
def fmt(cell, shown):
    if shown.endswith('\xa0%'):
        return '%.2f\xa0%%' % float(cell) == shown
    if cell == shown:
        return True
    try:
        return '%.4g' % float(cell) == shown
    except ValueError:
        return False
for i, r in enumerate(p.rows):
    c = rows[1 + first + i]
    # The page shows every column but the CSV-only lists (the last one of
    # syscall_packages).
    assert all(fmt(a, b) for a, b in zip(c, r)), (sys.argv[2], c, r)
PY
}
np=$(jq '.rows | length' "$out/syscall_packages.json")
nz=$(jq '[.rows[] | select(.syscalls > 0)] | length' "$out/syscall_packages.json")
N=$(jq .N "$T_TMP/oracle.json")
for t in syscall_binaries syscall_io_uring syscall_published; do
	t_ok "page = CSV: $t" html_eq "$t" "$t" 0
done
if [ "$N" -ge 5 ]; then
	# The page shows the first 10 (at most) and, after them, the last 10
	# with a share.
	shown=$((nz < 10 ? nz : 10))
	first=$((nz - shown > shown ? nz - shown : shown))
	t_ok "page = CSV: syscalls (--top 10)" html_eq syscalls syscalls 0
	t_ok "page = CSV: syscall_plan_milestones" html_eq syscall_plan_milestones syscall_plan_milestones 0
	t_ok "page = CSV: syscall_plan (N = 0 and the first 10)" html_eq syscall_plan syscall_plan 0
	t_ok "page = CSV: the packages io_uring reaches furthest" html_eq syscall_packages syscall_packages 0
	[ "$first" -lt "$nz" ] &&
		t_ok "page = CSV: ... and least" html_eq syscall_packages-bottom syscall_packages "$first"
fi

# With --top 3, the last rows with a share get a table of their own.
if [ "$nz" -gt 6 ]; then
	t_pk report --db "$db" --out "$T_TMP/t3" --weights equal --top 3
	page=$T_TMP/t3/index.html out=$T_TMP/t3
	t_ok "--top 3: the page shows the 3 highest io_uring shares" html_eq syscall_packages syscall_packages 0
	t_ok "--top 3: ... and the 3 lowest" html_eq syscall_packages-bottom syscall_packages $((nz - 3))
	t_is "$(r_rows "$page" syscall_packages-bottom)" 3 "--top 3: 3 rows in the second table"
	page=$T_TMP/eq/index.html out=$T_TMP/eq
fi

# The page in Chromium: the function sections' charts (r_fx_db's test
# counts them: 4), and the three of the system calls when there are
# 5 packages or more.
nfun=$(t_sql "$db" "SELECT count(DISTINCT package_id) FROM v_package_binaries")
want_charts=$(( (nfun >= 5 ? 4 : 0) + (N >= 5 ? 3 : 0) ))
r_dom "$page" "$T_TMP/dom.html"
t_ok "Chromium loads the page" test -s "$T_TMP/dom.html"
t_is "$(r_charts "$T_TMP/dom.html")" "$want_charts" "the DOM holds $want_charts charts ($N packages analysed)"
if [ "$N" -ge 5 ]; then
	for c in 'most important system calls' 'first N system calls' 'share of those'; do
		t_ok "... among them: $c" grep -q "$c" "$T_TMP/dom.html"
	done
	t_is "$(r_rows "$T_TMP/dom.html" syscalls)" 10 "the system call table: --top 10 rows"
	t_is "$(r_rows "$T_TMP/dom.html" syscall_plan)" 11 "the plan: N = 0 and 10 rows"
	t_is "$(r_rows "$T_TMP/dom.html" syscall_packages)" "$shown" "the highest io_uring shares: $shown rows"
	t_is "$(r_rows "$T_TMP/dom.html" syscall_packages-bottom)" "$((nz - first))" \
		"the lowest io_uring shares: the $((nz - first)) rows the first table does not show"
fi
t_is "$(grep -c 'href="#syscalls"' "$T_TMP/dom.html")" 1 "the contents link to the system calls"
r_shot "$page" "$T_TMP/shot.png"
colours=$(r_png_colours "$T_TMP/shot.png")
t_ok "the screenshot is not blank ($colours colours)" test "${colours:-0}" -gt 8

# PageRank (the default): importance is the weighted share of the packages
# using a call, under the weights of the function sections.
t_pk report --db "$db" --out "$T_TMP/pr"
t_is "$T_RC" 0 "report (PageRank) exits 0"
t_ok "PageRank: each package weighs what it weighs in packages.json" python3 -c '
import json, sys
f = {r["package"]: r["weight"] for r in json.load(open(sys.argv[1] + "/packages.json"))["rows"]}
for r in json.load(open(sys.argv[1] + "/syscall_packages.json"))["rows"]:
    assert f[r["package"]] == r["weight"], r["package"]' "$T_TMP/pr"
t_ok "PageRank: importance = the weighted share of the packages using the call" python3 -c '
import json, math, sys
pk = json.load(open(sys.argv[1] + "/syscall_packages.json"))["rows"]
tot = sum(p["weight"] for p in pk)
for r in json.load(open(sys.argv[1] + "/syscalls.json"))["rows"]:
    w = sum(p["weight"] for p in pk if r["syscall"] in p["syscalls_list"].split())
    assert math.isclose(100 * w / tot, r["importance_pct"], rel_tol=1e-7, abs_tol=1e-9), r' "$T_TMP/pr"
t_ok "PageRank: the weighted mean io_uring share" python3 -c '
import json, math, sys
pk = [p for p in json.load(open(sys.argv[1] + "/syscall_packages.json"))["rows"] if p["syscalls"]]
w = sum(p["weight"] for p in pk)
row = json.load(open(sys.argv[1] + "/syscall_io_uring.json"))["rows"][4]
assert "pagerank" in row["measure"]
assert math.isclose(sum(p["weight"] * p["io_uring_share_pct"] for p in pk) / w, row["share_pct"], rel_tol=1e-7), row' "$T_TMP/pr"

# One program: no distribution.
one=$T_TMP/one.db
t_scan "$one" --syscalls "$fx/fxasm.deb"
t_pk report --db "$one" --out "$T_TMP/one"
t_is "$T_RC" 0 "one program: report exits 0"
t_is "$(grep -c 'id=small-syscalls' "$T_TMP/one/index.html")" 1 "one program: one line says it is too few"
t_is "$(grep -c '<svg' "$T_TMP/one/index.html")" 0 "one program: no chart"
t_sql "$one" "SELECT DISTINCT syscall FROM v_syscalls WHERE syscall <> 'unknown' ORDER BY syscall" > "$T_TMP/want"
t_is "$(r_rows "$T_TMP/one/index.html" syscalls)" "$(wc -l < "$T_TMP/want")" \
	"one program: the page lists the $(wc -l < "$T_TMP/want") system calls it can issue"
jq -r '.rows[] | select(.packages > 0) | .syscall' "$T_TMP/one/syscalls.json" | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/want" "... which are v_syscalls'"

# Scanned without --syscalls: no section, and nothing said.
none=$T_TMP/none.db
t_scan "$none" "$fx/fxasm.deb" "$fx/fxstatic.deb"
t_pk report --db "$none" --out "$T_TMP/none"
t_is "$T_RC" 0 "without --syscalls: report exits 0"
t_ok "without --syscalls: no system call section, no link to one" \
	bash -c '! grep -q "id=\"syscalls\"\|#syscalls\|small-syscalls" "$1"' _ "$T_TMP/none/index.html"
t_is "$(cat "$T_TMP/none"/syscall*.csv | grep -vc '^[a-z_]*,')" 0 "... its system call CSV files hold a header only"
t_is "$(jq -s 'map(.rows | length) | add' "$T_TMP/none"/syscall*.json)" 0 "... and its JSON files no row"
t_done
