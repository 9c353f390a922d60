#!/bin/bash
# Description: --events delivers exactly one event per call when the ring
# buffer suffices (with pid, tid, return value and arguments), and when it
# is made too small counts every event it could not deliver: stored plus
# lost equals calls, per-CPU losses are stored, the summary says so.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build counts
db=$T_TMP/t.db
N=5000 M=300 K=40 C=100 T=100
calls="SELECT sum(calls) FROM v_trace_syscalls WHERE run_id = %s AND syscall NOT IN ('exit', 'exit_group')"

t_pk trace --events --db "$db" -o /dev/null -- "$T_TMP/counts" $N $M $K $C $T
t_is "$T_RC" 0 "the workload runs"
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_events WHERE run_id = 1 AND syscall = 'getppid'")" \
	$((N + C + T)) "one event per getppid"
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_events WHERE run_id = 1")" \
	"$(tr_val "$db" "$(printf "$calls" 1)")" "one event per call (exit_group aside: it never returns)"
t_is "$(tr_val "$db" "SELECT lost_events FROM v_trace_runs WHERE run_id = 1")" 0 "nothing lost"
t_is "$(tr_val "$db" "SELECT count(DISTINCT pid) || ' ' || count(DISTINCT tid) FROM v_trace_events WHERE run_id = 1 AND syscall = 'getppid'")" \
	"2 3" "events carry pid and tid: two processes, three threads"
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_events WHERE run_id = 1 AND syscall = 'open' AND ret = -2 AND arg1 = 0")" \
	$K "failing opens: return value -ENOENT, flags argument O_RDONLY"
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_events WHERE run_id = 1 AND syscall = 'write' AND ret = 1 AND arg2 = 1")" \
	$((M + C)) "writes: return value and count argument"
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_events WHERE run_id = 1 AND (dur_ns < 0 OR ts_ns < 0)")" 0 \
	"times are relative to the run's start"

N=300000
t_pk trace --events --buffer 4K --db "$db" -- "$T_TMP/counts" $N $M $K $C $T
t_is "$T_RC" 0 "a tiny buffer: the workload runs"
lost=$(tr_val "$db" "SELECT lost_events FROM v_trace_runs WHERE run_id = 2")
stored=$(tr_val "$db" "SELECT count(*) FROM v_trace_events WHERE run_id = 2")
t_ok "a tiny buffer loses events ($lost lost, $stored stored)" test "${lost:-0}" -gt 0
t_is "$((stored + lost))" "$(tr_val "$db" "$(printf "$calls" 2)")" "stored + lost = calls"
t_is "$(tr_val "$db" "SELECT sum(events) FROM trace_lost WHERE run_id = 2")" "$lost" "losses stored per CPU"
t_like "$T_OUT" "LOST: $lost events" "the summary says how many"
t_like "$(cat "$T_ERR")" "$lost events did not fit in the buffer" "and so does stderr"
t_is "$(tr_val "$db" "SELECT calls FROM v_trace_syscalls WHERE run_id = 2 AND syscall = 'getppid'")" \
	$((N + C + T)) "the counts stay exact"
t_done
