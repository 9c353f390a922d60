#!/bin/bash
# Description: the report pairs the runs of one program (issue 18): a
# small reader, built plain and from a tree `port --apply` rewrote, traced
# plain, under `parakit shim --run` and ported (each with --work
# reads=200), and once labelled NAME:VARIANT, is one program with the
# variants plain, shim, port compat and custom. pairs.csv's wall time,
# kernel entries, I/O off-CPU time, io_uring counts and ratios per unit of
# work equal SQL over trace's own tables (not the views the report reads);
# the decisions are the shim build's and the port run's own; the JSON
# carries the same rows as the CSV, and the page the same table with its
# chart, as headless Chromium renders it.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
. "$(dirname "$0")/../port/lib.bash"
. "$(dirname "$0")/../trace/lib/trace.sh"
t_require sqlite3 make cc pkg-config gnuplot python3 jq chromium
tr_require_bpf
port_libpk

tree=$T_TMP/tree
mkdir -p "$tree"
cat > "$tree/Makefile" <<'EOF2'
CFLAGS = -O2
all: rd
rd: rd.o
	$(CC) $(LDFLAGS) -o $@ rd.o $(LDLIBS)
EOF2
cp "$(dirname "$0")/workload/rd.c" "$tree/rd.c"
head -c 4096 /dev/urandom > "$T_TMP/data"
db=$T_TMP/p.db
cp -r "$tree" "$T_TMP/plain"
cp -r "$tree" "$T_TMP/ported"
t_ok "the plain tree builds" make -s -C "$T_TMP/plain"
t_pk port --db "$db" --apply --level compat "$T_TMP/ported"
t_is "$T_RC" 0 "port --apply"
t_ok "the ported tree builds against libpk" make -s -C "$T_TMP/ported"

t_pk trace --db "$db" --work reads=200 -o /dev/null -- "$T_TMP/plain/rd" "$T_TMP/data" 200
t_is "$T_RC" 0 "trace: plain"
# A fresh shim cache: shim --run records its decisions when it builds.
# PK_ROUTE=ring sends every routed call through io_uring, so that the
# preads move.
export XDG_CACHE_HOME=$T_TMP/cache PK_ROUTE=ring
t_pk trace --db "$db" --work reads=200 -o /dev/null -- "$PARAKIT" shim --run --db "$db" -- "$T_TMP/plain/rd" "$T_TMP/data" 200
t_is "$T_RC" 0 "trace: under the shim"
t_pk trace --db "$db" --work reads=200 -o /dev/null -- "$T_TMP/ported/rd" "$T_TMP/data" 200
t_is "$T_RC" 0 "trace: ported"
unset PK_ROUTE
t_pk trace --db "$db" --label rd:custom -o /dev/null -- "$T_TMP/plain/rd" "$T_TMP/data" 10
t_is "$T_RC" 0 "trace: labelled rd:custom"

out=$T_TMP/out
t_pk report --db "$db" --out "$out"
t_is "$T_RC" 0 "report exits 0"
t_is "$(r_csv "$out/pairs.csv" program variant run_id plain_run_id | tr '\t\n' ', ')" \
	"rd,plain,1,1 rd,shim,2,1 rd,port compat,3,1 rd,custom,4,1 " \
	"one program, four variants, each against plain run 1"

# The oracle: trace's, port's and shim's own tables.
q()
{
	t_sql "$db" "$1" | head -1
}
for run in 1 2 3 4; do
	want=$(q "SELECT r.duration_ns, (SELECT sum(calls) FROM trace_syscall WHERE run_id = r.id),
		(SELECT coalesce(sum(s.offcpu_ns), 0) FROM trace_syscall s JOIN trace_syscall_class c
		 ON c.name = s.name AND c.class = 'io' WHERE s.run_id = r.id),
		(SELECT coalesce(sum(completed), 0) FROM trace_uring WHERE run_id = r.id),
		(SELECT coalesce(sum(punted), 0) FROM trace_uring WHERE run_id = r.id)
		FROM trace_run r WHERE r.id = $run" | tr '|' '\t')
	t_is "$(r_csv "$out/pairs.csv" run_id wall_ns kernel_entries io_offcpu_ns uring_completed uring_punted |
		awk -F'\t' -v r=$run '$1 == r' | cut -f2-)" "$want" \
		"run $run: wall time, kernel entries, I/O off-CPU time, io_uring completed and punted"
done
want=$(q "SELECT printf('%.6f %.6f', 1.0 * (SELECT sum(calls) FROM trace_syscall WHERE run_id = 3) /
	(SELECT sum(calls) FROM trace_syscall WHERE run_id = 1), (SELECT duration_ns FROM trace_run WHERE id = 3) * 1.0 /
	(SELECT duration_ns FROM trace_run WHERE id = 1))")
t_is "$(r_csv "$out/pairs.csv" run_id entries_ratio wall_ratio | awk -F'\t' '$1 == 3 { printf "%.6f %.6f", $2, $3 }')" \
	"$want" "ported: kernel entries per read and wall time over plain's"
t_is "$(r_csv "$out/pairs.csv" run_id entries_per_unit | awk -F'\t' '$1 == 1 { printf "%.6f", $2 }')" \
	"$(q "SELECT printf('%.6f', sum(calls) / 200.0) FROM trace_syscall WHERE run_id = 1")" \
	"plain: kernel entries per read"
for run in 2 3; do
	t_ok "run $run: the 200 preads completed on io_uring" \
		test "$(r_csv "$out/pairs.csv" run_id uring_completed | awk -F'\t' -v r=$run '$1 == r { print $2 }')" -ge 200
	t_is "$(r_csv "$out/pair_io.csv" run_id syscall calls plain_calls | awk -F'\t' -v r=$run '$1 == r && $2 == "pread64" { print $3, $4 }')" \
		"$(q "SELECT coalesce((SELECT calls FROM trace_syscall WHERE run_id = $run AND name = 'pread64'), 0) || ' ' ||
			(SELECT calls FROM trace_syscall WHERE run_id = 1 AND name = 'pread64')")" \
		"run $run: pread64 left on the kernel path, beside plain's"
done

t_is "$(r_csv "$out/pair_uring.csv" run_id opcode completed punted | sort)" \
	"$(t_sql "$db" "SELECT run_id || char(9) || name || char(9) || completed || char(9) || punted
		FROM trace_uring" | sort)" \
	"pair_uring.csv: every run's opcodes, completed and punted"

t_is "$(r_csv "$out/pair_decisions.csv" run_id source decision count | awk -F'\t' '$1 == 2 { n[$3] += $4 }
	END { for (d in n) print d, n[d] }' | sort)" \
	"$(t_sql "$db" "SELECT decision || ' ' || count(*) FROM shim_decision GROUP BY decision" | sort)" \
	"shim run: its binary's routed, passed and unsafe decisions"
t_is "$(r_csv "$out/pair_decisions.csv" run_id source decision count | awk -F'\t' '$1 == 3 { n[$3] += $4 }
	END { for (d in n) print d, n[d] }' | sort)" \
	"$(t_sql "$db" "SELECT action || ' ' || count(*) FROM port_site WHERE run_id = 1 GROUP BY action" | sort)" \
	"ported run: the port run's own sites, rewritten and left"
t_is "$(awk -F, 'NR > 1 && ($3 == 1 || $3 == 4)' "$out/pair_decisions.csv" | wc -l)" 0 \
	"plain and labelled runs: no decisions"

for t in pairs pair_uring pair_io pair_decisions; do
	python3 - "$out/$t.csv" "$out/$t.json" <<'PY' > "$T_TMP/same"
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
js = json.load(open(sys.argv[2]))['rows']
def norm(v):
    if v is None or v == '':
        return ''
    try:
        return '%.6g' % float(v)
    except ValueError:
        return v
ok = len(rows) == len(js) and all(norm(r[k]) == norm(j[k]) for r, j in zip(rows, js) for k in r)
print('same' if ok else 'differ')
PY
	t_is "$(cat "$T_TMP/same")" same "$t: the JSON has the CSV's rows"
done
r_dom "$out/index.html" "$T_TMP/dom.html"
t_is "$(r_rows "$T_TMP/dom.html" pairs)" 4 "Chromium: the pairs table has the four runs"
t_ok "... and the chart against the plain run" grep -q "Against the plain run" "$T_TMP/dom.html"
t_is "$(r_charts "$T_TMP/dom.html")" "$(r_charts "$out/index.html")" "... and every chart of the file"
t_done
