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

# The workers run as nobody: they must reach the files.
chmod 755 "$T_TMP"
pre=$T_TMP/nginx
mkdir -p "$pre/html" "$pre/tmp"
head -c 65536 /dev/urandom > "$pre/html/f"
chmod -R a+rX "$pre"

# wait_for FILE REGEX: until FILE holds a line matching REGEX (10 s).
wait_for()
{
	for _ in $(seq 100); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_nginx PORT: nginx in the foreground of a background job ($master),
# until it serves.
start_nginx()
{
	cat > "$pre/nginx.conf" <<-EOF
	daemon off;
	master_process on;
	worker_processes 2;
	pid $pre/nginx.pid;
	error_log $pre/error.log;
	events { worker_connections 64; }
	http {
		access_log off;
		sendfile on;
		client_body_temp_path $pre/tmp/body;
		proxy_temp_path $pre/tmp/proxy;
		fastcgi_temp_path $pre/tmp/fastcgi;
		uwsgi_temp_path $pre/tmp/uwsgi;
		scgi_temp_path $pre/tmp/scgi;
		server { listen 127.0.0.1:$1; root $pre/html; }
	}
	EOF
	nginx -p "$pre" -e "$pre/error.log" -c "$pre/nginx.conf" </dev/null >/dev/null 2>&1 &
	master=$!
	for _ in $(seq 100); do
		kill -0 $master 2>/dev/null || return 1
		[ "$(pgrep -P $master | wc -l)" -eq 2 ] &&
			curl -sf -o /dev/null "http://127.0.0.1:$1/f" && return 0
		sleep 0.1
	done
	return 1
}

started=
for _ in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	start_nginx $port && { started=1; break; }
	kill $master 2>/dev/null
	wait $master 2>/dev/null
done
if [ -z "$started" ]; then
	echo "Bail out! nginx does not start: $(tail -3 "$pre/error.log" 2>/dev/null)"
	exit 1
fi
trap '[ -n "$master" ] && kill $master 2>/dev/null; t_cleanup' EXIT
mpid=$master
workers=$(pgrep -P $master | sort -n | tr '\n' ',' | sed 's/,$//')

"$PARAKIT" trace -p $master --events --db "$db" -o "$T_TMP/out" 2>"$T_TMP/err" &
pk=$!
t_ok "attached" wait_for "$T_TMP/err" "^parakit trace: tracing"
t_like "$(cat "$T_TMP/err")" "tracing 3 processes \(1 given, 2 descendants\) and their future children" \
	"says it traces the master and its 2 workers"
for i in $(seq $R); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/f" || echo "request $i failed" >> "$T_TMP/curl.err"
done
t_is "$(cat "$T_TMP/curl.err" 2>/dev/null)" "" "$R requests served"
kill -QUIT $master
wait $master
master=
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
