#!/bin/bash
# Description: off-CPU time inside syscalls: a 200 ms nanosleep and a read
# of a pipe written 100 ms later are off the CPU at least that long (and
# within a generous bound above: the machines are shared), with the context
# switches counted; --no-offcpu turns it off.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build offcpu
db=$T_TMP/t.db
slack=3000000000

t_pk trace --db "$db" --json -- "$T_TMP/offcpu"
t_is "$T_RC" 0 "the workload runs"
q()
{
	tr_val "$db" "SELECT $1 FROM v_trace_syscalls WHERE run_id = 1 AND syscall = '$2'"
}
ns=$(q offcpu_ns nanosleep)
t_ok "nanosleep off-CPU >= 200 ms ($ns ns)" test "${ns:-0}" -ge 200000000
t_ok "nanosleep off-CPU within 200 ms + 3 s" test "${ns:-0}" -le $((200000000 + slack))
ns=$(q total_ns nanosleep)
t_ok "nanosleep time >= 200 ms ($ns ns)" test "${ns:-0}" -ge 200000000
ns=$(q max_ns nanosleep)
t_ok "nanosleep max >= 200 ms" test "${ns:-0}" -ge 200000000
ns=$(q offcpu_ns read)
t_ok "read off-CPU >= 100 ms ($ns ns)" test "${ns:-0}" -ge 100000000
t_ok "read off-CPU within 100 ms + 3 s" test "${ns:-0}" -le $((100000000 + slack))
cs=$(q ctx_switches nanosleep)
t_ok "nanosleep switched out at least once ($cs)" test "${cs:-0}" -ge 1
ns=$(q offcpu_ns clock_nanosleep)
t_ok "the child's clock_nanosleep: >= 100 ms off-CPU ($ns ns)" test "${ns:-0}" -ge 100000000
t_like "$T_OUT" '"blocking_share":(0\.[1-9]|[1-9])' "the run's blocking share is reported (over 1 when processes block in parallel)"
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_hist WHERE run_id = 1 AND syscall = 'nanosleep'
		AND lo_ns <= 200000000 AND hi_ns > 200000000")" 1 "the 200 ms call sits in the histogram bucket holding 200 ms"

t_pk trace --db "$db" --no-offcpu -o /dev/null -- "$T_TMP/offcpu"
t_is "$(tr_val "$db" "SELECT offcpu_ns || ' ' || ctx_switches FROM v_trace_syscalls WHERE run_id = 2 AND syscall = 'nanosleep'")" \
	"0 0" "--no-offcpu: none measured"
ns=$(tr_val "$db" "SELECT total_ns FROM v_trace_syscalls WHERE run_id = 2 AND syscall = 'nanosleep'")
t_ok "--no-offcpu: latency still measured" test "${ns:-0}" -ge 200000000
t_done
