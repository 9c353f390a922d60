#!/bin/bash
# Description: trace --functions --latency times each call from entry to
# return (return probes): sleep 0.3's one nanosleep takes its 0.3 s, the
# workload's counts stay exact with the return probes attached, nested
# and threaded calls are all timed, and the table sorts by time.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build_funcs
db=$T_TMP/t.db
N=500 M=100 D=30 T=100 E=50

t_pk trace --functions --latency --db "$db" -- sleep 0.3
t_is "$T_RC" 0 "sleep runs"
run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
t_is "$(tr_val "$db" "SELECT calls FROM v_trace_functions WHERE run_id = $run AND function = 'nanosleep'")" 1 \
	"sleep 0.3: one nanosleep"
ns=$(tr_val "$db" "SELECT total_ns FROM v_trace_functions WHERE run_id = $run AND function = 'nanosleep'")
t_ok "sleep 0.3: nanosleep took 0.3 s ($ns ns)" test "$ns" -ge 300000000 -a "$ns" -lt 2000000000
t_like "$(printf '%s\n' "$T_OUT" | sed -n 3p)" ' nanosleep$' "the table's first row is the longest"
t_is "$(tr_val "$db" "SELECT mode FROM trace_run WHERE id = $run")" functions+latency "the run's mode"

t_pk trace --functions --latency --db "$db" -o "$T_TMP/out" -- "$T_TMP/funcs" $N $M $D $T $E
t_is "$T_RC" 0 "the workload runs"
run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
t_is "$(tr_val "$db" "SELECT calls || ' ' || from_exe FROM v_trace_functions WHERE run_id = $run AND function = 'getppid'")" \
	"$((N + 4 * T + D)) $((N + 4 * T))" "getppid counted exactly with return probes"
t_is "$(tr_val "$db" "SELECT calls FROM v_trace_functions WHERE run_id = $run AND function = 'cos'")" "$E" \
	"cos in the exec'd program"
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_functions WHERE run_id = $run AND calls > 0 AND total_ns = 0
			    AND function NOT IN ('execl', 'exit', '_exit')")" 0 \
	"every function called was timed (but execl, which does not return)"
t_is "$(tr_val "$db" "SELECT untimed_calls FROM trace_fn_run WHERE run_id = $run")" 0 "no call left untimed"
t_ok "waitpid lasted as long as the child, longer than a getppid" test \
	"$(tr_val "$db" "SELECT (SELECT total_ns FROM v_trace_functions WHERE run_id = $run AND function = 'waitpid') >
			    (SELECT max_ns FROM v_trace_functions WHERE run_id = $run AND function = 'getppid')")" = 1
t_done
