#!/bin/bash
# Description: labels and pairing survive parakit db merge (issue 18). Two
# databases, each with one program traced plain, under `parakit shim
# --run` and built from a tree `port --apply` rewrote (labelled, with
# --work), are merged into a new one: its report pairs the same runs with
# the same numbers and decisions (pairs, pair_uring, pair_io,
# pair_decisions: the second database's run ids moved past the first's),
# the labels and units of work are the inputs', every trace table's rows
# are there; merged again, nothing is added. A run merged while it was
# unfinished is replaced by its finished self.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
. "$(dirname "$0")/../port/lib.bash"
. "$(dirname "$0")/../trace/lib/trace.sh"
t_require sqlite3 make cc pkg-config gnuplot python3
tr_require_bpf
port_libpk
export XDG_CACHE_HOME=$T_TMP/cache PK_ROUTE=ring

cp "$(dirname "$0")/../report/workload/rd.c" "$T_TMP/rd.c"
head -c 4096 /dev/urandom > "$T_TMP/data"

# program NAME CFLAGS: a database $T_TMP/NAME.db with NAME traced plain,
# shimmed and ported, from trees of its own (CFLAGS make each binary
# another, so that each database's shim is its own).
program()
{
	local name=$1 db=$T_TMP/$1.db d=$T_TMP/$1 v
	mkdir -p "$d/tree"
	cp "$T_TMP/rd.c" "$d/tree/$name.c"
	printf 'CFLAGS = %s\nall: %s\n%s: %s.o\n\t$(CC) $(LDFLAGS) -o $@ %s.o $(LDLIBS)\n' \
		"$2" "$name" "$name" "$name" "$name" > "$d/tree/Makefile"
	cp -r "$d/tree" "$d/plain"
	cp -r "$d/tree" "$d/ported"
	make -s -C "$d/plain" > /dev/null || return 1
	"$PARAKIT" port --db "$db" --apply --level compat "$d/ported" > /dev/null 2>&1 || return 1
	make -s -C "$d/ported" > /dev/null || return 1
	for v in plain shim ported; do
		case $v in
		plain) set -- "$d/plain/$name" ;;
		shim) set -- "$PARAKIT" shim --run --db "$db" -- "$d/plain/$name" ;;
		ported) set -- "$d/ported/$name" ;;
		esac
		"$PARAKIT" trace --db "$db" --label "$name" --work reads=100 -o /dev/null -- "$@" "$T_TMP/data" 100 \
			> /dev/null || return 1
	done
}
t_ok "database one: rd traced plain, shimmed and ported" program rd -O2
t_ok "database two: rdb, the same" program rdb -O0

# report DB DIR: the report's CSV files of the pairs.
report()
{
	"$PARAKIT" report --db "$1" --out "$2" > /dev/null 2> "$T_TMP/report.err"
}
t_ok "the report of database one" report "$T_TMP/rd.db" "$T_TMP/out-rd"
t_ok "the report of database two" report "$T_TMP/rdb.db" "$T_TMP/out-rdb"
t_is "$(r_csv "$T_TMP/out-rd/pairs.csv" program variant | tr '\t\n' ', ')" \
	"rd,plain rd,shim rd,port compat " "database one pairs rd's plain, shim and port runs"

m=$T_TMP/merged.db
t_pk db merge "$m" "$T_TMP/rd.db" "$T_TMP/rdb.db"
t_is "$T_RC" 0 "db merge of the two exits 0"
t_ok "the report of the merged database" report "$m" "$T_TMP/out-m"

# The merged pairs: database one's rows, then database two's with their
# run ids past database one's 3 runs.
for t in pairs pair_uring pair_io pair_decisions; do
	want=$(python3 - "$T_TMP/out-rd/$t.csv" "$T_TMP/out-rdb/$t.csv" <<'PY'
import csv, sys
for shift, path in ((0, sys.argv[1]), (3, sys.argv[2])):
    for row in csv.DictReader(open(path, newline='')):
        for k in ('run_id', 'plain_run_id'):
            if row.get(k):
                row[k] = str(int(row[k]) + shift)
        print(repr(sorted(row.items())))
PY
)
	got=$(python3 - "$T_TMP/out-m/$t.csv" <<'PY'
import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline='')):
    print(repr(sorted(row.items())))
PY
)
	t_is "$got" "$want" "$t.csv: the merged database's rows are the two databases' ($(wc -l <<< "$want") rows)"
done
t_is "$(r_csv "$T_TMP/out-m/pair_decisions.csv" program variant source | sort -u | tr '\t\n' ', ')" \
	"rd,port compat,port rd,shim,shim rdb,port compat,port rdb,shim,shim " \
	"the decisions of both programs' shims and ports are there"

runs="SELECT label, work_unit, work, uid FROM trace_run ORDER BY id"
t_is "$(t_sql "$m" "$runs")" "$(t_sql "$T_TMP/rd.db" "$runs"; t_sql "$T_TMP/rdb.db" "$runs")" \
	"the labels, units of work and uids are the inputs'"
tables="trace_run trace_process trace_syscall trace_hist trace_errno trace_uring trace_event trace_lost
	shim_build shim_decision source_tree src_run src_tu call_site port_run port_site"
counts()
{
	local t
	for t in $tables; do
		echo "$t $(t_sql "$1" "SELECT count(*) FROM $t")"
	done
}
t_is "$(counts "$m")" "$(paste -d' ' <(counts "$T_TMP/rd.db") <(counts "$T_TMP/rdb.db") |
	awk '{ print $1, $2 + $4 }')" "every table holds the rows of both"
t_is "$(t_sql "$m" "SELECT sum(calls) FROM v_trace_syscalls")" \
	"$(($(t_sql "$T_TMP/rd.db" "SELECT sum(calls) FROM v_trace_syscalls") +
	    $(t_sql "$T_TMP/rdb.db" "SELECT sum(calls) FROM v_trace_syscalls")))" "... the syscalls' calls too"

before=$(counts "$m")
t_pk db merge "$m" "$T_TMP/rdb.db" "$T_TMP/rd.db"
t_is "$T_RC:$(counts "$m")" "0:$before" "merged again: nothing added"
t_ok "... and the report is the same" report "$m" "$T_TMP/out-m2"
for t in pairs pair_uring pair_io pair_decisions; do
	t_ok "... $t.csv" cmp "$T_TMP/out-m/$t.csv" "$T_TMP/out-m2/$t.csv"
done

# A run merged while unfinished (no duration, no aggregates yet), then
# merged finished: one run, the finished one.
sqlite3 "$T_TMP/rd.db" ".backup $T_TMP/early.db"
t_sql "$T_TMP/early.db" "UPDATE trace_run SET duration_ns = NULL, thread_ns = NULL WHERE id = 1;
	DELETE FROM trace_syscall WHERE run_id = 1; DELETE FROM trace_hist WHERE run_id = 1"
t_pk db merge "$T_TMP/m3.db" "$T_TMP/early.db"
t_is "$(t_sql "$T_TMP/m3.db" "SELECT count(*), count(duration_ns) FROM trace_run" | tr '\t' ' ')" "3 2" \
	"a run merged unfinished is unfinished"
t_pk db merge "$T_TMP/m3.db" "$T_TMP/rd.db"
t_ok "merged again finished: the run is the finished one, syscalls and all" report "$T_TMP/m3.db" "$T_TMP/out-m3"
t_ok "... its pairs are database one's" cmp "$T_TMP/out-rd/pairs.csv" "$T_TMP/out-m3/pairs.csv"
t_is "$(counts "$T_TMP/m3.db")" "$(counts "$T_TMP/rd.db")" "... and its rows, once"
t_done
