#!/bin/bash
# Description: the blocking share is per thread-second and per class
# (issue 18): a workload of known shape (workload/pool.c: 4 threads idle
# in futex, the main thread in read of a pipe, a child in clock_nanosleep,
# each for about 400 ms) gives 6 threads, a thread time of at least 6 x
# 400 ms, I/O and synchronisation told apart, and classes summing to at
# most 100 % of thread time, where the sum over threads over wall time
# (the figure that read 1,007 %) passes 100 %. --label and --work are
# stored with the run.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build pool
db=$T_TMP/t.db

t_pk trace --db "$db" --label pool --work requests=2 -o /dev/null -- "$T_TMP/pool"
t_is "$T_RC" 0 "the workload runs"
t_is "$(tr_val "$db" "SELECT label || ' ' || work_unit || ' ' || work FROM v_trace_runs WHERE run_id = 1")" \
	"pool requests 2" "--label and --work are stored with the run"
t_is "$(tr_val "$db" "SELECT threads FROM v_trace_runs WHERE run_id = 1")" 6 \
	"6 threads: main, 4 in the pool, the child"
read -r wall threads tns <<< "$(tr_val "$db" "SELECT duration_ns, threads, thread_ns FROM trace_run WHERE id = 1" | tr '|' ' ')"
t_ok "thread time >= 6 x 400 ms ($tns ns)" test "${tns:-0}" -ge 2400000000
t_ok "thread time <= threads x wall time" test "${tns:-0}" -le $((threads * wall))

# The oracle: the tracer's own rows, classed here.
off()
{
	tr_val "$db" "SELECT coalesce(sum(offcpu_ns), 0) FROM trace_syscall WHERE run_id = 1 AND name IN ($1)"
}
io=$(off "'read'")
sync=$(off "'futex'")
all=$(off "SELECT name FROM trace_syscall")
t_ok "main blocked in read >= 350 ms ($io ns)" test "$io" -ge 350000000
t_ok "the pool blocked in futex >= 4 x 350 ms ($sync ns)" test "$sync" -ge 1400000000
t_ok "summed over threads, off-CPU time passes the wall time (the old share: $((100 * all / wall)) %)" \
	test "$all" -gt "$wall"
share()
{
	tr_val "$db" "SELECT printf('%.6f', share_pct) FROM v_trace_blocking WHERE run_id = 1 AND class = '$1'"
}
t_is "$(share io)" "$(awk -v a="$io" -v t="$tns" 'BEGIN { printf "%.6f", 100 * a / t }')" \
	"v_trace_blocking: I/O = read's off-CPU time over thread time"
t_is "$(share sync)" "$(awk -v a="$sync" -v t="$tns" 'BEGIN { printf "%.6f", 100 * a / t }')" \
	"v_trace_blocking: synchronisation = futex's"
t_is "$(tr_val "$db" "SELECT class FROM v_trace_syscalls WHERE run_id = 1 AND syscall = 'clock_nanosleep'")" wait \
	"clock_nanosleep is waiting, not I/O"
t_ok "the classes sum to at most 100 % of thread time" \
	test "$(tr_val "$db" "SELECT sum(share_pct) <= 100.0 FROM v_trace_blocking WHERE run_id = 1")" = 1

t_pk report --db "$db" --out "$T_TMP/r"
t_is "$T_RC" 0 "the report is made"
t_is "$(awk -F, 'NR == 2 { printf "%.4f %.4f", $12, $13 }' "$T_TMP/r/trace_runs.csv")" \
	"$(awk -v a="$all" -v i="$io" -v t="$tns" 'BEGIN { printf "%.4f %.4f", 100 * a / t, 100 * i / t }')" \
	"trace_runs.csv: blocked and blocked in I/O, shares of thread time"
t_like "$(cat "$T_TMP/r/index.html")" "Blocking share per thread-second" "the page charts it"

t_pk trace --db "$db" --work requests -o /dev/null -- true
t_is "$T_RC" 2 "--work without =N: usage error"
t_pk trace --db "$db" --work requests=0 -o /dev/null -- true
t_is "$T_RC" 2 "--work with no work: usage error"
t_done
