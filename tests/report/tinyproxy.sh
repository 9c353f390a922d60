#!/bin/bash
# Description: issue 18 on a real Debian program. tinyproxy (apt-get
# source and the original build, cached under the build directory as
# tests/port/tinyproxy.sh makes them) is scanned, ported with `port
# --apply --level fibers` (its build cached by the ported sources and
# libpk), and traced three times under the same load, ab through the proxy
# to an nginx the test starts once: plain, under `parakit shim --run` (the
# shim from its cache, so the run records the decisions itself) and
# ported, each with --label tinyproxy:VARIANT and --work requests=N. The
# report pairs the three; its numbers equal SQL over the views; the
# blocking share of every run is at most 100 % of its thread time; the
# decisions are the shim's and the port run's; merged into another
# database (twice) the pairs are the same; headless Chromium (no network)
# renders the comparison table and its chart, and no corpus rank plot for
# a one-program database. T_SAVE_DB=FILE keeps the database (for
# bench/report.sh).
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/report.sh"
. "$(dirname "$0")/../port/lib.bash"
. "$(dirname "$0")/../trace/lib/trace.sh"
t_require sqlite3 make cc pkg-config autoreconf bear curl ab python3 apt-get dpkg-source flock gnuplot jq chromium
PATH=$PATH:/usr/sbin
t_require nginx
tr_require_bpf
port_build_libpk
N=2000	# requests per run, 8 at a time

cache=$PORT_O/cache/tinyproxy
port_tinyproxy_checks "$cache"

db=$T_TMP/t.db
t_pk scan --db "$db" "$orig/src/tinyproxy"
t_is "$T_RC" 0 "scan the original binary"

# The ported tree: a copy of the sources that port --apply rewrites, so
# the database can tell a run of its binary for a ported one. Its
# compile commands are the original build's, moved to the copy.
fibers=$T_TMP/tinyproxy-fibers
cp -a "$tree" "$fibers"
mkdir -p "$T_TMP/cc"
sed "s|$tree|$fibers|g" "$orig/compile_commands.json" > "$T_TMP/cc/compile_commands.json"
t_pk port --db "$db" --level fibers --apply --json -p "$T_TMP/cc" "$fibers"
t_is "$T_RC" 0 "port --apply --level fibers"
t_diag "$(jq -r '"port: \(.rewritten) sites rewritten, \(.left) left, \(.files_changed) files"' <<< "$T_OUT")"
# Its build, cached by what it is built from: the ported sources and libpk.
key=$( (cd "$fibers" && find . -type f \( -name '*.[ch]' -o -name '*.ac' -o -name '*.am' -o -name '*.in' \) -print0 |
	sort -z | xargs -0 sha256sum; sha256sum "$PORT_O/runtime/libpk.so" "$PORT_ROOT/runtime/pk.h" | cut -d' ' -f1) |
	sha256sum | cut -c1-16)
built=$cache/fibers-$key/tinyproxy
if [ ! -x "$built" ]; then
	if (cd "$fibers" && autoreconf -fi && ./configure && make -j2) > "$T_TMP/fibers.log" 2>&1; then
		rm -rf "$cache"/fibers-*
		mkdir -p "$cache/fibers-$key"
		cp "$fibers/src/tinyproxy" "$built.tmp" && mv "$built.tmp" "$built"
	else
		t_fail "the ported tree builds"
		t_diag "$(tail -20 "$T_TMP/fibers.log")"
		t_done
	fi
else
	mkdir -p "$fibers/src"
	cp "$built" "$fibers/src/tinyproxy"
fi
t_ok "the ported tinyproxy links libpk" sh -c "readelf -d '$fibers/src/tinyproxy' | grep -q 'NEEDED.*libpk'"

# The shim, built once into its cache (a database of its own), so that
# the traced run finds it there and records its decisions in ours.
export XDG_CACHE_HOME=$cache/xdg
"$PARAKIT" shim --run --db "$T_TMP/warm.db" -- "$orig/src/tinyproxy" -v > /dev/null 2>&1
t_is "$(t_sql "$db" "SELECT count(*) FROM v_shims")" 0 "no shim decisions before the shimmed run"

# The origin: nginx, one process, started once.
www=$T_TMP/nginx
mkdir -p "$www/www" "$www/logs"
head -c 1024 /dev/urandom > "$www/www/small.bin"
oport=$(port_free_port)
cat > "$www/nginx.conf" <<EOF2
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
daemon off;
master_process off;
pid $www/nginx.pid;
error_log $www/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_timeout 0;
	server {
		listen 127.0.0.1:$oport;
		root $www/www;
	}
}
EOF2
nginx -p "$www/" -c "$www/nginx.conf" -e "$www/logs/error.log" > "$www/out" 2>&1 9>&- &
nginx_pid=$!
trace_pid=
proxy_pid=
stop_all()
{
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
	[ -n "$trace_pid" ] && kill -INT "$trace_pid" 2>/dev/null && wait "$trace_pid" 2>/dev/null
	kill "$nginx_pid" 2>/dev/null
	wait "$nginx_pid" 2>/dev/null
	t_cleanup
}
trap stop_all EXIT
t_ok "nginx listens" port_wait_port "$oport"

# wait_port PORT: as port_wait_port, for a proxy starting under the tracer
# on a loaded machine (60 s at most).
wait_port()
{
	local i
	for i in $(seq 600); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# traced VARIANT CMD...: runs the proxy CMD -d -c CONF under parakit trace,
# labelled tinyproxy:VARIANT, puts N requests through it with ab, stops it
# with SIGTERM and waits for the trace to be stored.
traced()
{
	local variant=$1 f=$T_TMP/${1// /-} p
	shift
	p=$(port_free_port)
	cat > "$f.conf" <<EOF2
Port $p
Listen 127.0.0.1
Timeout 30
MaxClients 100
LogLevel Warning
Allow 127.0.0.1
PidFile "$f.pid"
EOF2
	"$PARAKIT" trace --db "$db" --label "tinyproxy:$variant" --work requests=$N -o "$f.trace" \
		-- "$@" -d -c "$f.conf" > "$f.out" 2> "$f.err" 9>&- &
	trace_pid=$!
	if ! wait_port "$p"; then
		t_fail "$variant: the proxy listens under the tracer"
		t_diag "$(tail -5 "$f.err" "$f.out")"
		return
	fi
	# It listens before it writes its pid file.
	for _ in $(seq 100); do [ -s "$f.pid" ] && break; sleep 0.1; done
	proxy_pid=$(cat "$f.pid")
	ab -r -s 30 -X "127.0.0.1:$p" -c 8 -n $N "http://127.0.0.1:$oport/small.bin" > "$f.ab" 2>&1
	t_is "$(awk '/^Complete requests:/ { c = $3 } /^Failed requests:/ { f = $3 } /^Non-2xx/ { f += $3 }
		END { print c + 0, f + 0 }' "$f.ab")" "$N 0" "$variant: $N requests through the proxy, none failed"
	kill -TERM "$proxy_pid"
	wait "$trace_pid"
	t_pass "$variant: traced (parakit trace exited $?)"
	trace_pid= proxy_pid=
}
traced plain "$orig/src/tinyproxy"
traced shim "$PARAKIT" shim --run --db "$db" -- "$orig/src/tinyproxy"
traced "port fibers" "$fibers/src/tinyproxy"
exec 9>&-	# done with the cache
t_is "$(t_sql "$db" "SELECT count(*) FROM v_trace_runs WHERE wall_ns > 0 AND work = $N")" 3 "three finished runs"
t_ok "the shimmed run recorded its shim's decisions (from the cache)" \
	test "$(t_sql "$db" "SELECT count(*) FROM v_shims WHERE decision = 'routed'")" -gt 0

out=$T_TMP/out
t_pk report --db "$db" --out "$out"
t_is "$T_RC" 0 "report exits 0"
t_is "$(r_csv "$out/pairs.csv" program variant run_id plain_run_id label | tr '\t\n' ', ')" \
	"tinyproxy,plain,1,1,tinyproxy:plain tinyproxy,shim,2,1,tinyproxy:shim tinyproxy,port fibers,3,1,tinyproxy:port fibers " \
	"one program, plain, shim and port fibers, each against the plain run"

# The oracle: SQL over the views, run by run.
v()
{
	t_sql "$db" "$1" | head -1
}
for run in 1 2 3; do
	want=$(v "SELECT r.wall_ns, s.calls, r.work_unit, r.work, printf('%.6f', 1.0 * s.calls / r.work),
		coalesce(b.offcpu_ns, 0), printf('%.4f', coalesce(b.share_pct, 0)), coalesce(u.completed, 0),
		coalesce(u.punted, 0)
		FROM v_trace_runs r
		JOIN (SELECT run_id, sum(calls) AS calls FROM v_trace_syscalls GROUP BY run_id) s ON s.run_id = r.run_id
		LEFT JOIN v_trace_blocking b ON b.run_id = r.run_id AND b.class = 'io'
		LEFT JOIN (SELECT run_id, sum(completed) AS completed, sum(punted) AS punted FROM v_trace_uring
			   GROUP BY run_id) u ON u.run_id = r.run_id
		WHERE r.run_id = $run")
	t_is "$(r_csv "$out/pairs.csv" run_id wall_ns kernel_entries work_unit work entries_per_unit io_offcpu_ns \
		io_share_pct uring_completed uring_punted | awk -F'\t' -v OFS='\t' -v r=$run \
		'$1 == r { $6 = sprintf("%.6f", $6); $8 = sprintf("%.4f", $8); print }' | cut -f2-)" "$want" \
		"run $run: wall time, kernel entries (per request), I/O off-CPU time and share, io_uring ops = SQL"
done
for run in 2 3; do
	t_is "$(r_csv "$out/pairs.csv" run_id wall_ratio entries_ratio | awk -F'\t' -v r=$run '$1 == r { printf "%.6f %.6f", $2, $3 }')" \
		"$(v "SELECT printf('%.6f %.6f', 1.0 * a.wall_ns / p.wall_ns,
			(1.0 * (SELECT sum(calls) FROM v_trace_syscalls WHERE run_id = a.run_id) / a.work) /
			(1.0 * (SELECT sum(calls) FROM v_trace_syscalls WHERE run_id = 1) / p.work))
			FROM v_trace_runs a, v_trace_runs p WHERE a.run_id = $run AND p.run_id = 1")" \
		"run $run: wall time and kernel entries per request over the plain run's = SQL"
done
t_is "$(t_sql "$db" "SELECT count(*) FROM (SELECT run_id FROM v_trace_blocking GROUP BY run_id
	HAVING sum(share_pct) <= 100 AND count(share_pct) = count(*))")" 3 \
	"every run's blocking share, all classes, is at most 100 % of its thread time"
t_diag "$(t_sql "$db" "SELECT 'run ' || run_id || ': ' || group_concat(class || ' ' || printf('%.1f', share_pct) || ' %', ', ')
	FROM v_trace_blocking GROUP BY run_id")"
t_diag "$(r_csv "$out/pairs.csv" variant kernel_entries entries_per_unit wall_ratio entries_ratio uring_completed |
	awk -F'\t' '{ printf "%s: %s kernel entries, %.1f per request, wall x%s, entries x%s, %s io_uring ops\n", $1, $2, $3, $4, $5, $6 }')"
t_is "$(r_csv "$out/pair_decisions.csv" run_id source decision count | awk -F'\t' '$1 == 2 { n[$3] += $4 }
	END { for (d in n) print d, n[d] }' | sort)" \
	"$(t_sql "$db" "SELECT decision || ' ' || count(*) FROM v_shims GROUP BY decision" | sort)" \
	"shimmed run: its shim's routed, passed and unsafe decisions"
t_is "$(r_csv "$out/pair_decisions.csv" run_id source decision count | awk -F'\t' '$1 == 3 { n[$3] += $4 }
	END { for (d in n) print d, n[d] }' | sort)" \
	"$(t_sql "$db" "SELECT action || ' ' || count(*) FROM v_port_sites WHERE level = 'fibers' GROUP BY action" | sort)" \
	"ported run: the port run's sites, rewritten and left"

# Merged into another database, twice: the same pairs.
m=$T_TMP/merged.db
t_pk db merge "$m" "$db"
t_is "$T_RC" 0 "db merge"
t_pk db merge "$m" "$db"
t_is "$T_RC:$(t_sql "$m" "SELECT count(*) FROM v_trace_runs")" "0:3" "db merge again: still three runs"
t_pk report --db "$m" --out "$T_TMP/out-m"
for t in pairs pair_uring pair_io pair_decisions; do
	t_ok "merged: $t.csv is the same" cmp "$out/$t.csv" "$T_TMP/out-m/$t.csv"
done

r_dom "$out/index.html" "$T_TMP/dom.html"
t_is "$(r_rows "$T_TMP/dom.html" pairs)" 3 "Chromium: the comparison table has the three runs"
t_ok "... and its chart against the plain run" grep -q "Against the plain run" "$T_TMP/dom.html"
t_is "$(r_charts "$T_TMP/dom.html")" "$(r_charts "$out/index.html")" "... every chart of the file, drawn"
t_ok "one program: said to be too few to draw as a distribution" grep -q 'small-corpus' "$T_TMP/dom.html"
t_ok "... and no corpus rank plot (Figure 1)" \
	bash -c '! grep -q "Every POSIX function some package imports, ranked" "$1"' _ "$T_TMP/dom.html"
[ -n "${T_SAVE_DB:-}" ] && sqlite3 "$db" ".backup '$T_SAVE_DB'"
t_done
