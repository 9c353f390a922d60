#!/usr/bin/env bash
# Benchmark (issue 14): tinyproxy, from Debian's source as
# tests/port/tinyproxy.sh fetches it (apt-get source, cached under the
# build directory with its original build), in three builds: the original,
# ported --level compat and ported --level fibers (each: parakit port
# --diff, patch, autoreconf -fi && ./configure && make -j2, libpk through
# the build tree's libpk-uninstalled.pc). Each proxies to an nginx on
# loopback that this script starts (its own prefix and port, one process)
# serving a 1 KiB and a 1 MiB object; the load is ab -X through the proxy,
# keep-alive off (tinyproxy answers HTTP/1.0 and closes each connection),
# at 8 and 100 concurrent clients.
#
# Timed runs: rounds interleaved (original, compat, fibers, fibers with
# PK_SQPOLL=1, then again), a fixed time each; the figures are medians over the rounds: requests/s,
# ab's 99th percentile, the proxy's CPU per request (utime+stime of the
# whole process from /proc, before and after) and each build's ratio to
# the original. Kernel entries are counted in a separate, shorter pass
# (parakit trace -p, eBPF, so nothing is counted while timing), per
# request and per syscall; io_uring_setup per request says whether rings
# are made per connection. Before timing, each build must serve both
# objects byte for byte; after, each must stop on SIGTERM. The machine is
# shared: uptime is printed beside every figure.
#
# usage: bench/port-tinyproxy.sh [PARAKIT]
#   ROUNDS (3), SECS per timed run (4), COUNT_N requests of the counting
#   pass (small object; the large one a tenth).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
parakit=$(realpath "${1:-build/parakit}")
O=$(dirname "$parakit")
PARAKIT=$parakit
. "$here/../tests/port/lib.bash"
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-4}
COUNT_N=${COUNT_N:-3000}
# sqpoll: the fibers binary with PK_SQPOLL=1: the cores' rings polled by
# a kernel thread, so that the ring's operations make no system call (the
# issue's "<= 1 kernel entry per request"), at the price of a CPU that
# polls; libpk's default asks the kernel first where that is cheaper.
builds=(orig compat fibers sqpoll)
tmp=$(mktemp -d)
declare -A pid pport
cleanup()
{
	local p
	for p in "${pid[@]}" ${nginx_pid:-}; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
for c in ab nginx autoreconf bear jq sqlite3 curl patch; do
	command -v $c > /dev/null || PATH=$PATH:/usr/sbin command -v $c > /dev/null ||
		{ echo "bench/port-tinyproxy.sh: $c is missing (make deps)" >&2; exit 1; }
done
nginx=$(PATH=$PATH:/usr/sbin command -v nginx)

# The source and the original build, as tests/port/tinyproxy.sh makes them
# (the same cache, under its lock while it is read).
rc=0
port_tinyproxy "$O/cache/tinyproxy" || rc=$?
case $rc in
1) echo "bench/port-tinyproxy.sh: apt-get source tinyproxy failed:" >&2; tail -5 "$O/cache/tinyproxy/apt.log" >&2; exit 1 ;;
2) echo "bench/port-tinyproxy.sh: the original does not build:" >&2; tail -5 "$O/cache/tinyproxy/orig.log" >&2; exit 1 ;;
esac
tree=$PORT_SRC orig=$PORT_ORIG
mkdir -p "$tmp/orig"
cp "$orig/src/tinyproxy" "$tmp/orig/tinyproxy"

echo "tinyproxy $(basename "$tree" | sed 's/^tinyproxy-//') (Debian $(sed -n 's/^Version: //p' "$cache"/src/*.dsc)); $(nproc) CPUs; $("$nginx" -v 2>&1 | sed 's|.*/||'); ab $(ab -V | sed -n 's/.*Version \([^ ]*\).*/\1/p')"
echo "uptime: $(uptime)"

# The ports, with the build tree's libpk.
export PKG_CONFIG_PATH=$O/runtime
unset LD_LIBRARY_PATH
echo
for level in compat fibers; do
	cp -a "$tree" "$tmp/$level.src"
	"$parakit" port --db "$tmp/port.db" --level $level --json --diff "$tmp/$level.patch" -p "$orig" "$tree" \
		> "$tmp/$level.json" 2> "$tmp/$level.port.err" || true
	patch -s -p1 -d "$tmp/$level.src" -i "$tmp/$level.patch"
	if (cd "$tmp/$level.src" && autoreconf -fi && ./configure && make -j2) > "$tmp/$level.build" 2>&1; then
		mkdir -p "$tmp/$level"
		cp "$tmp/$level.src/src/tinyproxy" "$tmp/$level/tinyproxy"
		built=yes
	else
		built="no: $(grep -E 'error|undefined' "$tmp/$level.build" | head -3 | tr '\n' ' ')"
	fi
	echo "port --level $level: $(jq -r '"\(.rewritten) sites rewritten (\(.rewritten_blocking) blocking), \(.left) left, \(.files_changed) files"' "$tmp/$level.json"); builds: $built"
done
# What --level fibers did with the threads and locks (v_port_sites).
echo "  --level fibers, pthread sites (v_port_sites):"
sqlite3 -separator ' ' "$tmp/port.db" "SELECT '   ', count(*), action, callee || coalesce(': ' || reason, '')
	FROM v_port_sites WHERE tree = '$tree' AND level = 'fibers' AND (callee LIKE 'pthread%' OR callee IN ('sigaction', 'signal'))
	GROUP BY action, callee, reason ORDER BY action DESC, callee"
for b in compat fibers; do
	[ -x "$tmp/$b/tinyproxy" ] || { echo "bench/port-tinyproxy.sh: the $b build failed:" >&2; tail -20 "$tmp/$b.build" >&2; exit 1; }
done

# The origin: nginx, one process, its own prefix.
oport=$(port_free_port)
mkdir -p "$tmp/nginx/www" "$tmp/nginx/logs"
head -c 1024 /dev/urandom > "$tmp/nginx/www/small.bin"
head -c 1048576 /dev/urandom > "$tmp/nginx/www/large.bin"
cat > "$tmp/nginx/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
daemon off;
master_process off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	keepalive_timeout 0;
	server {
		listen 127.0.0.1:$oport backlog=4096;
		root $tmp/nginx/www;
	}
}
EOF
"$nginx" -p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" > "$tmp/nginx/out" 2>&1 9>&- &
nginx_pid=$!
port_wait_port "$oport" || { echo "bench/port-tinyproxy.sh: nginx does not start:" >&2; cat "$tmp/nginx/out" "$tmp/nginx/logs/error.log" >&2; exit 1; }

# The proxies, all three running throughout (an idle one costs nothing).
for b in "${builds[@]}"; do
	pport[$b]=$(port_free_port)
	cat > "$tmp/$b.conf" <<EOF
Port ${pport[$b]}
Listen 127.0.0.1
Timeout 30
MaxClients 1024
LogLevel Warning
Allow 127.0.0.1
EOF
	if [ $b = sqpoll ]; then
		PK_SQPOLL=1 "$tmp/fibers/tinyproxy" -d -c "$tmp/$b.conf" > "$tmp/$b.out" 2>&1 9>&- &
	else
		"$tmp/$b/tinyproxy" -d -c "$tmp/$b.conf" > "$tmp/$b.out" 2>&1 9>&- &
	fi
	pid[$b]=$!
done
echo
for b in "${builds[@]}"; do
	port_wait_port "${pport[$b]}" || { echo "bench/port-tinyproxy.sh: the $b tinyproxy does not start:" >&2; cat "$tmp/$b.out" >&2; exit 1; }
	ok=yes
	for o in small large; do
		curl -s --max-time 20 --proxy "http://127.0.0.1:${pport[$b]}" -o "$tmp/got" "http://127.0.0.1:$oport/$o.bin" &&
			cmp -s "$tmp/got" "$tmp/nginx/www/$o.bin" || ok=no
	done
	echo "$b: serves both objects byte for byte: $ok; threads after one request each: $(ls /proc/${pid[$b]}/task | wc -l)"
	[ $ok = yes ] || { cat "$tmp/$b.out" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
# cpu PID: utime+stime of the whole process, in clock ticks.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# run BUILD OBJECT CONC: one timed ab run; "req/s p99_ms cpu_us/req complete failed".
run()
{
	local b=$1 o=$2 c=$3 c0 c1
	c0=$(cpu "${pid[$b]}")
	ab -r -s 30 -X "127.0.0.1:${pport[$b]}" -c "$c" -t "$SECS" -n 10000000 "http://127.0.0.1:$oport/$o.bin" \
		> "$tmp/ab.out" 2> "$tmp/ab.err" || true
	c1=$(cpu "${pid[$b]}")
	awk -v t=$((c1 - c0)) -v hz="$hz" '
		/^Complete requests:/ { n = $3 }
		/^Failed requests:/ { f = $3 }
		/^Non-2xx responses:/ { f += $3 }
		/^Requests per second:/ { r = $4 }
		$1 == "99%" { p = $2 }
		END { printf "%s %s %.1f %d %d\n", r + 0, p + 0, n ? t / hz * 1e6 / n : 0, n, f }' "$tmp/ab.out"
}
# median FILE COLUMN
median() { awk -v k="$2" '{ print $k }' "$1" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

row() { printf '%-8s %10s %7s %9s %7s %11s %7s %8s\n' "$@"; }
for o in small large; do
	for c in 8 100; do
		echo
		echo "$o object ($(stat -c %s "$tmp/nginx/www/$o.bin") bytes), $c concurrent clients, $ROUNDS interleaved rounds of ${SECS} s"
		echo "  uptime before: $(uptime)"
		for r in $(seq "$ROUNDS"); do
			for b in "${builds[@]}"; do
				run "$b" "$o" "$c" >> "$tmp/$o.$c.$b"
			done
		done
		echo "  uptime after:  $(uptime)"
		row build "req/s" ratio "p99 ms" ratio "CPU us/req" ratio failed
		for b in "${builds[@]}"; do
			printf -v "rps_$b" '%s' "$(median "$tmp/$o.$c.$b" 1)"
			printf -v "p99_$b" '%s' "$(median "$tmp/$o.$c.$b" 2)"
			printf -v "cpu_$b" '%s' "$(median "$tmp/$o.$c.$b" 3)"
			rv=rps_$b pv=p99_$b cv=cpu_$b
			row "$b" "${!rv}" "$(b_ratio "${!rv}" "$rps_orig")" "${!pv}" "$(b_ratio "${!pv}" "$p99_orig")" \
				"${!cv}" "$(b_ratio "${!cv}" "$cpu_orig")" "$(awk '{ n += $5 } END { print n + 0 }' "$tmp/$o.$c.$b")"
		done
		echo "  each round (req/s): $(for b in "${builds[@]}"; do echo "$b $(awk '{ print $1 }' "$tmp/$o.$c.$b" | tr '\n' ' ')"; done | tr '\n' ';')"
	done
done

# Kernel entries per request, a separate pass: parakit trace -p on the
# proxy (its threads and any children), ab -n at each concurrency.
echo
echo "kernel entries per request (parakit trace -p, separate runs of $COUNT_N small / $((COUNT_N / 10)) large requests, at least 4 per client)"
echo "  uptime: $(uptime)"
printf '%-8s %-12s %9s %9s %9s  %s\n' build load "entries" "uring_set" "uring_ent" "per syscall (>= 0.05/req)"
for o in small large; do
	for c in 8 100; do
		n=$([ $o = small ] && echo "$COUNT_N" || echo $((COUNT_N / 10)))
		n=$((n < 4 * c ? 4 * c : n))
		for b in "${builds[@]}"; do
			"$parakit" trace -p "${pid[$b]}" --count --no-db --json -o "$tmp/trace.json" 2> "$tmp/trace.err" &
			tpid=$!
			for _ in $(seq 100); do grep -q tracing "$tmp/trace.err" && break; sleep 0.1; done
			sleep 1
			ab -r -s 30 -X "127.0.0.1:${pport[$b]}" -c "$c" -n "$n" "http://127.0.0.1:$oport/$o.bin" > "$tmp/ab.out" 2>&1 || true
			kill -INT $tpid
			wait $tpid || true
			done_n=$(awk '/^Complete requests:/ { print $3 }' "$tmp/ab.out")
			jq -r --argjson n "${done_n:-0}" '
				def per(x): if $n > 0 then (x / $n * 100 | round / 100) else "n/a" end;
				([.syscalls[] | {key: .name, value: .calls}] | from_entries) as $s
				| [per(.calls), per($s.io_uring_setup // 0), per($s.io_uring_enter // 0),
				   ([.syscalls[] | select(.calls >= $n * 0.05)] | sort_by(-.calls)
				    | map("\(.name) \(per(.calls))") | join(", "))] | @tsv' "$tmp/trace.json" |
				awk -F'\t' -v b="$b" -v l="$o c=$c" '{ printf "%-8s %-12s %9s %9s %9s  %s\n", b, l, $1, $2, $3, $4 }'
		done
	done
done
echo "  uptime: $(uptime)"

echo
for b in "${builds[@]}"; do
	echo "$b: threads now $(ls /proc/${pid[$b]}/task | wc -l); stops on SIGTERM: $(port_stops "${pid[$b]}" 10 && echo yes || echo no)"
done
