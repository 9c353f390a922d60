#!/bin/bash
# Description: trace --functions -p on a running nginx master (issue 20):
# the master and its two workers, found running, get their probes; under
# curl's load every request's POSIX calls are counted, and equal what the
# kernel saw of the same run: a plain `parakit trace -p` of the same
# processes beside it counts the system calls those functions make one
# for one (recv is a recvfrom, open an openat, writev and sendfile
# themselves). The workload gives the rest: one open of the file served
# per request, and a close for it and one for its connection. The run
# records three processes; nothing is left attached; the kernel logs no
# uprobe trouble and a bash loop beside nginx is not counted.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
PATH=$PATH:/usr/sbin:/sbin
t_require nginx curl sqlite3 pgrep bpftool jq
tr_require_bpf
fdb=$T_TMP/f.db
sdb=$T_TMP/s.db
R=40

tr_guard_start
tr_nginx_start

"$PARAKIT" trace --functions -p "$TR_NGINX" --db "$fdb" -o "$T_TMP/f.out" 2>"$T_TMP/f.err" &
fpk=$!
"$PARAKIT" trace -p "$TR_NGINX" --db "$sdb" -o /dev/null 2>"$T_TMP/s.err" &
spk=$!
t_ok "trace --functions -p: attached" tr_wait_for "$T_TMP/f.err" "^parakit trace: tracing"
t_ok "trace -p beside it: attached" tr_wait_for "$T_TMP/s.err" "^parakit trace: tracing"
t_like "$(cat "$T_TMP/f.err")" "tracing 3 processes \(1 given, 2 descendants\)" \
	"--functions: the master and its 2 workers"
progs=$(tr_pk_ids prog $fpk) links=$(tr_pk_ids link $fpk)
t_ok "bpftool lists the run's programs ($progs)" test "$progs" != "[]"
IFS=$'\t' read -r lib off < <(tr_site read)
w=${TR_WORKERS%%,*}
t_is "$(tr_code_byte "$w" "$lib" "$off")" cc "a worker found running has its breakpoint on read"
t_is "$(tr_code_byte "$TR_NGINX" "$lib" "$off")" cc "so has the master"
b=$(tr_code_byte "$TR_SIBLING" "$lib" "$off")
t_ok "the bash loop beside them has none ($b)" test -n "$b" -a "$b" != cc
for i in $(seq $R); do
	curl -sf -o /dev/null "http://127.0.0.1:$TR_PORT/f" || echo "request $i failed" >> "$T_TMP/curl.err"
done
t_is "$(cat "$T_TMP/curl.err" 2>/dev/null)" "" "$R requests served"
tr_nginx_stop
rc=0
wait $fpk || rc=$?
t_is "$rc" 0 "trace --functions ends by itself when nginx has shut down"
rc=0
wait $spk || rc=$?
t_is "$rc" 0 "trace ends by itself too"

nginx=$(readlink -f "$(command -v nginx)")
fn()
{
	tr_val "$fdb" "SELECT coalesce(sum(calls), 0) FROM v_trace_function_binaries
		       WHERE run_id = 1 AND binary = '$nginx' AND function = '$1'"
}
sys()
{
	tr_val "$sdb" "SELECT coalesce(sum(calls), 0) FROM v_trace_syscalls WHERE run_id = 1 AND syscall = '$1'"
}
t_is "$(tr_val "$fdb" "SELECT processes FROM v_trace_runs WHERE run_id = 1")" 3 "three processes recorded"
t_is "$(tr_val "$fdb" "SELECT unattached + lost_execs FROM trace_fn_run WHERE run_id = 1")" 0 \
	"every process had its probes"
t_is "$(fn open)" $R "open: the file, once per request"
for pair in recv:recvfrom writev:writev open:openat; do
	f=${pair%%:*} s=${pair#*:}
	t_is "$(fn "$f")" "$(sys "$s")" "$f: as many calls as the kernel saw $s ($(sys "$s"))"
done
t_ok "close: the file's and the connection's, at least $((2 * R)) ($(fn close))" [ "$(fn close)" -ge $((2 * R)) ]
t_ok "close: no more than the kernel's ($(sys close))" [ "$(fn close)" -le "$(sys close)" ]
t_is "$(tr_val "$fdb" "SELECT count(*) FROM v_trace_function_binaries WHERE run_id = 1
		       AND binary = '$nginx' AND status = 'called-unlinked'")" 0 \
	"nothing called that nginx does not link" 
t_like "$(cat "$T_TMP/f.out")" "open" "the table names open"
tr_not_counted "$fdb" 1 "$TR_SIBLING" "the bash loop beside nginx is not counted"

t_is "$(tr_ids_left prog "$progs")" 0 "none of the run's programs is left"
t_is "$(tr_ids_left link "$links")" 0 "none of the run's links ($(jq length <<< "$links")) is left"
tr_guard_check
t_done
