#!/bin/bash
# Description: recall of the static system call footprint (issue 17) on
# real programs: for real Debian commands (ls, cp, tar, gzip, find, sort,
# curl on a local file, sqlite3, grep, sed, xz, du, md5sum) and nginx
# serving files under curl's load (started, serving, stopped), every
# system call 'parakit trace' observes is in the set 'parakit scan' gives
# the programs it ran, their libraries found on this machine. Left out:
# execve, the call that started the program (made by its parent, it is
# counted once the new image runs). Each run's sizes are printed beside
# the traced ones.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../trace/lib/trace.sh"
PATH=$PATH:/usr/sbin:/sbin
t_require sqlite3 curl nginx tar gzip find sort sqlite3 xz md5sum
tr_require_bpf

tdb=$T_TMP/trace.db
sdb=$T_TMP/scan.db
w=$T_TMP/w
mkdir -p "$w/src/d" "$w/out"
for i in 1 2 3 4 5; do
	head -c $((i * 40000)) /dev/urandom | base64 > "$w/src/d/f$i"
done
seq 5000 | shuf > "$w/src/nums"

# recall NAME CMD...: traces CMD, scans what it ran, checks the traced set
# is inside the static one.
recall()
{
	local name=$1 run exes missed n_static n_traced
	shift
	t_pk trace --db "$tdb" -o /dev/null -- "$@"
	if [ "$T_RC" -ne 0 ]; then
		t_fail "$name: traced run exits 0"
		t_diag "$(head -5 "$T_ERR")"
		return
	fi
	run=$(t_sql "$tdb" "SELECT max(run_id) FROM v_trace_runs")
	exes=$(t_sql "$tdb" "SELECT DISTINCT exe FROM v_trace_processes WHERE run_id = $run AND exe IS NOT NULL")
	# shellcheck disable=SC2086
	t_scan "$sdb" --syscalls $exes
	if [ "$T_RC" -ne 0 ]; then
		t_fail "$name: the scan of $(echo $exes) exits 0"
		t_diag "$(head -5 "$T_ERR")"
		return
	fi
	t_sql "$tdb" "SELECT syscall FROM v_trace_syscalls WHERE run_id = $run AND calls > 0 AND syscall <> 'execve'" |
		sort -u > "$T_TMP/traced"
	: > "$T_TMP/static"
	for e in $exes; do
		t_sql "$sdb" "SELECT syscall FROM v_syscalls WHERE member_path = '$e'" >> "$T_TMP/static"
	done
	sort -u -o "$T_TMP/static" "$T_TMP/static"
	missed=$(comm -23 "$T_TMP/traced" "$T_TMP/static" | tr '\n' ' ')
	n_static=$(wc -l < "$T_TMP/static")
	n_traced=$(wc -l < "$T_TMP/traced")
	t_is "$missed" "" "$name: all $n_traced traced syscalls are in the static set of $n_static"
	echo "$name	$n_traced	$n_static" >> "$T_TMP/sizes"
}

cd "$w" || exit 1
recall ls ls -laR src
recall cp cp -r src out/cp
recall tar tar -cf out/a.tar src
recall gzip gzip -k -9 out/a.tar
recall find find src -type f -newer src/nums -name 'f*'
recall sort sort -n -o out/sorted src/nums
recall curl curl -sS -o out/curl file://"$w/src/nums"
recall sqlite3 sqlite3 out/t.db "CREATE TABLE t(x); INSERT INTO t SELECT value FROM generate_series(1, 1000);
	SELECT sum(x) FROM t;"
recall grep grep -r -c 7 src
recall sed sed -n 's/1/one/gp' src/nums
recall xz xz -k -T1 out/a.tar
recall du du -sh src
recall md5sum md5sum src/d/f1 src/d/f2

# nginx: started by the trace (master and two workers), serving files of
# 1 KiB and 1 MiB over keep-alive and fresh connections, a 404, stopped
# by SIGQUIT.
pre=$T_TMP/nginx
mkdir -p "$pre/html" "$pre/tmp"
chmod 755 "$T_TMP"
head -c 1024 /dev/urandom > "$pre/html/1k"
head -c $((1 << 20)) /dev/urandom > "$pre/html/1m"
chmod -R a+rX "$pre"
port=$((20000 + RANDOM % 40000))
tr_nginx_conf "$pre" "$port" "$pre/access.log" > "$pre/nginx.conf"
"$PARAKIT" trace --db "$tdb" -o /dev/null -- nginx -p "$pre" -e "$pre/error.log" -c "$pre/nginx.conf" \
	</dev/null >/dev/null 2>"$T_TMP/nginx-trace.err" &
tracer=$!
trap 'kill $tracer 2>/dev/null; [ -s "$pre/nginx.pid" ] && kill "$(cat "$pre/nginx.pid")" 2>/dev/null; t_cleanup' EXIT
served=
for _ in $(seq 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/1k" && { served=1; break; }
	sleep 0.1
done
t_ok "nginx serves under the tracer" test -n "$served"
for _ in $(seq 20); do
	curl -sf -o /dev/null -o /dev/null "http://127.0.0.1:$port/1m" "http://127.0.0.1:$port/1k"
	curl -s -o /dev/null "http://127.0.0.1:$port/missing"
done
kill -QUIT "$(cat "$pre/nginx.pid")"
wait $tracer
t_is "$?" 0 "nginx and its trace end"
run=$(t_sql "$tdb" "SELECT max(run_id) FROM v_trace_runs")
t_sql "$tdb" "SELECT syscall FROM v_trace_syscalls WHERE run_id = $run AND calls > 0 AND syscall <> 'execve'" |
	sort -u > "$T_TMP/traced"
NGINX=$(command -v nginx)
t_scan "$sdb" --syscalls "$NGINX"
t_sql "$sdb" "SELECT syscall FROM v_syscalls WHERE member_path = '$NGINX'" | sort -u > "$T_TMP/static"
t_is "$(comm -23 "$T_TMP/traced" "$T_TMP/static" | tr '\n' ' ')" "" \
	"nginx under load: all $(wc -l < "$T_TMP/traced") traced syscalls are in the static set of $(wc -l < "$T_TMP/static")"
echo "nginx	$(wc -l < "$T_TMP/traced")	$(wc -l < "$T_TMP/static")" >> "$T_TMP/sizes"
t_diag "program	traced	static" "$(cat "$T_TMP/sizes")"
t_done
