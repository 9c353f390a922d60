#!/bin/bash
# Description: --filter keeps only the named syscalls (exactly counted),
# --duration stops tracing and leaves the command running, --interval prints
# the live view while tracing, --no-db stores nothing, the table goes to -o.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build counts
db=$T_TMP/t.db
cd "$T_TMP" || exit 1

t_pk trace --filter getppid,open --db "$db" -o "$T_TMP/table" -- "$T_TMP/counts" 100 10 7 20 30
t_is "$T_RC" 0 "--filter: runs"
t_is "$(tr_val "$db" "SELECT group_concat(syscall || '=' || calls, ' ') FROM (SELECT * FROM v_trace_syscalls WHERE run_id = 1 ORDER BY syscall)")" \
	"getppid=150 open=7" "--filter: only getppid and open, exactly"
t_like "$(cat "$T_TMP/table")" " 150 .* getppid" "-o: the table is written there"
t_is "$T_OUT" "" "-o: nothing on stdout"

start=$(date +%s)
# Not through t_pk: its $(...) would wait for the sleep holding stdout.
T_RC=0
"$PARAKIT" trace --duration 1 --db "$db" -o /dev/null -- sleep 30 >/dev/null 2>&1 || T_RC=$?
t_is "$T_RC" 0 "--duration: ends the trace with status 0"
t_ok "--duration: ends in time" test $(($(date +%s) - start)) -lt 15
pid=$(tr_val "$db" "SELECT pid FROM v_trace_processes WHERE run_id = 2")
t_ok "--duration: the command keeps running" kill -0 "${pid:-0}"
[ -n "$pid" ] && kill "$pid"
wall=$(tr_val "$db" "SELECT wall_ns FROM v_trace_runs WHERE run_id = 2")
t_ok "--duration: wall time about 1 s ($wall ns)" test "${wall:-0}" -ge 900000000 -a "${wall:-0}" -lt 10000000000

t_pk trace --interval 0.2 --no-db -- sh -c 'for i in 1 2 3 4 5; do sleep 0.2; done'
t_is "$T_RC" 0 "--interval: runs"
n=$(printf '%s\n' "$T_OUT" | grep -c 'last 0.2 s')
t_ok "--interval: several live tables ($n)" test "$n" -ge 3
t_like "$T_OUT" "wall time" "--interval: then the final table"
t_ok "--no-db: no database written" test ! -e "$T_TMP/parakit.db"
t_done
