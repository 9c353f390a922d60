#!/bin/bash
# Description: -p on a running nginx master traces the two workers it
# already has: their accept4, recvfrom and sendfile under curl's load are
# counted (none in the master), the run says "3 processes (1 given, 2
# descendants)" and records three processes; the trace ends when nginx
# has shut down.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
PATH=$PATH:/usr/sbin:/sbin
t_require nginx curl sqlite3 pgrep
tr_require_bpf
db=$T_TMP/t.db
R=20

tr_nginx_start
master=$TR_NGINX port=$TR_PORT workers=$TR_WORKERS mpid=$TR_NGINX

"$PARAKIT" trace -p $master --events --db "$db" -o "$T_TMP/out" 2>"$T_TMP/err" &
pk=$!
t_ok "attached" tr_wait_for "$T_TMP/err" "^parakit trace: tracing"
t_like "$(cat "$T_TMP/err")" "tracing 3 processes \(1 given, 2 descendants\) and their future children" \
	"says it traces the master and its 2 workers"
for i in $(seq $R); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/f" || echo "request $i failed" >> "$T_TMP/curl.err"
done
t_is "$(cat "$T_TMP/curl.err" 2>/dev/null)" "" "$R requests served"
tr_nginx_stop
rc=0
wait $pk || rc=$?
t_is "$rc" 0 "the trace ends by itself when nginx has shut down"

calls()
{
	tr_val "$db" "SELECT coalesce(sum(calls - errors), 0) FROM v_trace_syscalls WHERE run_id = 1 AND syscall = '$1'"
}
t_is "$(calls accept4)" $R "accept4: one connection accepted per request"
t_ok "recvfrom: at least one per request ($(calls recvfrom))" [ "$(calls recvfrom)" -ge $R ]
t_ok "sendfile: at least one per request ($(calls sendfile))" [ "$(calls sendfile)" -ge $R ]
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_events WHERE run_id = 1 AND ret >= 0
		      AND syscall IN ('accept4', 'sendfile') AND pid NOT IN ($workers)")" 0 \
	"the accepts and sendfiles are the workers' ($workers), none the master's"
t_is "$(tr_val "$db" "SELECT processes FROM v_trace_runs WHERE run_id = 1")" 3 "three processes recorded"
t_is "$(tr_val "$db" "SELECT count(*) FROM trace_process WHERE run_id = 1 AND attached = 1 AND ppid = $mpid
		      AND pid IN ($workers) AND exit_ns IS NOT NULL")" 2 "the workers, found running, seen exiting"
t_done
