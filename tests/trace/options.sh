#!/bin/bash
# Description: --filter keeps only the named syscalls (exactly counted),
# --duration stops tracing (not before its time) and leaves the command
# running, --interval prints the live view while tracing, --no-db stores
# nothing, the table goes to -o.
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

# --duration: the trace ends after it, and not before (wall time, less the
# launch), while the command goes on. No upper bound on time (issue 21):
# timeout(1) is only the guard against a hang (124).
T_RC=0
# Not through t_pk: its $(...) would wait for the sleep holding stdout.
timeout -k 5 120 "$PARAKIT" trace --duration 1 --db "$db" -o /dev/null -- sleep 600 >/dev/null 2>&1 || T_RC=$?
t_is "$T_RC" 0 "--duration: ends the trace with status 0"
pid=$(tr_val "$db" "SELECT pid FROM v_trace_processes WHERE run_id = 2")
t_ok "--duration: the command keeps running" kill -0 "${pid:-0}"
[ -n "$pid" ] && kill "$pid"
wall=$(tr_val "$db" "SELECT wall_ns FROM v_trace_runs WHERE run_id = 2")
t_ok "--duration: not before 1 s ($wall ns)" test "${wall:-0}" -ge 900000000

# --interval: the command waits until it has seen three live tables (or
# 120 s), so how many there are does not depend on the machine's speed.
t_pk trace --interval 0.2 --no-db -o "$T_TMP/live" -- sh -c '
	for i in $(seq 1200); do
		[ "$(grep -c "last 0.2 s" "$1")" -ge 3 ] && exit 0
		sleep 0.1
	done
	exit 1' sh "$T_TMP/live"
t_is "$T_RC" 0 "--interval: live tables while the command runs (it saw three)"
n=$(grep -c 'last 0.2 s' "$T_TMP/live")
t_ok "--interval: several live tables ($n)" test "$n" -ge 3
t_like "$(cat "$T_TMP/live")" "wall time" "--interval: then the final table"
t_ok "--no-db: no database written" test ! -e "$T_TMP/parakit.db"
t_done
