#!/bin/bash
# Description: trace --functions --latency times each call from entry to
# return (return probes): sleep 0.3's one nanosleep takes its 0.3 s, the
# workload's counts stay exact with the return probes attached, nested
# and threaded calls are all timed, and the table sorts by time. A traced
# bash that longjmps back into setjmp (its arithmetic errors) runs on:
# setjmp gets no return probe. The kernel logs nothing about uprobes, and
# a bash loop beside the traced processes keeps running.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build_funcs
tr_guard_start
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
tr_not_counted "$db" $run "$TR_SIBLING" "the bash loop beside it is not traced"

# bash's arithmetic errors longjmp back to a setjmp; so do its subshells' errors.
t_pk trace --functions --latency --db "$db" -o "$T_TMP/bash.out" -- \
	bash -c 'for i in $(seq 50); do (( 1 / 0 )); ( (( 2 / 0 )) ); done 2>/dev/null; echo survived'
t_is "$T_RC" 0 "a traced bash that longjmps into setjmp exits 0"
t_is "$T_OUT" survived "and gets to its end"
run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
t_ok "setjmp was counted ($(tr_val "$db" "SELECT calls FROM v_trace_functions WHERE run_id = $run
					AND function = 'sigsetjmp'") calls), not timed" test \
	"$(tr_val "$db" "SELECT calls > 0 AND total_ns = 0 FROM v_trace_functions WHERE run_id = $run
			    AND function = 'sigsetjmp'")" = 1
tr_guard_check
t_done
