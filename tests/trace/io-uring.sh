#!/bin/bash
# Description: a program doing its I/O through io_uring is not invisible:
# io_uring_enter is counted like any syscall, and the operations submitted,
# completed and failed are counted per opcode (from the io_uring tracepoints),
# and so are those the kernel handed to an io-wq worker (IOSQE_ASYNC here).
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build uring
db=$T_TMP/t.db
N=300 R=200 F=50 A=70

t_pk trace --db "$db" --json -- "$T_TMP/uring" $N $R $F $A
if [ "$T_RC" -ne 0 ] && [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" != 0 ]; then
	t_skip_all "io_uring is disabled here (kernel.io_uring_disabled)"
fi
t_is "$T_RC" 0 "the io_uring workload runs"
t_is "$(tr_val "$db" "SELECT calls FROM v_trace_syscalls WHERE run_id = 1 AND syscall = 'io_uring_enter'")" \
	$((N + R + F + A)) "io_uring_enter counted"
t_is "$(tr_val "$db" "SELECT submitted || ' ' || completed || ' ' || errors FROM v_trace_uring WHERE run_id = 1 AND opcode = 'nop'")" \
	"$N $N 0" "NOPs submitted and completed"
t_is "$(tr_val "$db" "SELECT submitted || ' ' || completed || ' ' || errors || ' ' || punted FROM v_trace_uring WHERE run_id = 1 AND opcode = 'read'")" \
	"$((R + A)) $((R + A)) 0 $A" "reads submitted and completed, the IOSQE_ASYNC ones handed to io-wq"
t_like "$T_OUT" "\"name\":\"read\",\"submitted\":$((R + A)),\"completed\":$((R + A)),\"errors\":0,\"punted\":$A" \
	"the JSON says how many went to io-wq"
t_is "$(tr_val "$db" "SELECT submitted || ' ' || completed || ' ' || errors FROM v_trace_uring WHERE run_id = 1 AND opcode = 'openat'")" \
	"$F $F $F" "failing opens submitted, completed, failed"
t_like "$T_OUT" "\"io_uring\":\\[[^]]*\"name\":\"nop\",\"submitted\":$N" "the JSON has them"
t_pk trace --db "$T_TMP/table.db" -- "$T_TMP/uring" 1 1 1 3
t_like "$(cat "$T_ERR")$T_OUT" "io_uring read: 4 submitted, 4 completed, 0 failed, 3 handed to io-wq workers" \
	"the table says it too"
t_done
