#!/bin/bash
# bench/shim-servers.sh [PARAKIT]: two real servers, Debian's nginx and
# redis-server, plain and under `parakit shim --run` (issue 13).
#
# nginx (master + 2 workers, its compiled-in defaults: no sendfile, access
# log on) under ab, 1 KiB and 1 MiB files, with and without keep-alive;
# redis-server under redis-benchmark, SET and GET, without pipelining
# (-P 1) and 16 deep (-P 16). Modes: plain (the baseline), shim (libpk's
# own choice: an ordinary thread's calls go to the kernel, pk.h), ring
# (PK_ROUTE=ring: every routed call through its thread's ring) and sqpoll
# (PK_SQPOLL=1). ROUNDS rounds (default 3), the modes interleaved and
# their order turned every round, each server started afresh per mode and
# round; the medians are printed with their ratio to plain's.
#
# Per workload: requests per second and p99 latency (the client's), the
# server's CPU per request (utime + stime of master and workers from
# /proc/PID/stat before and after: the threads of a process, its SQPOLL
# kernel thread included), and in a separate counting pass (tracing slows
# every call) the server's kernel entries and io_uring operations per
# request, counted by `parakit trace --count -p` (eBPF; as root), else
# strace -c -f -p (entries only). The client runs on the same CPUs.
set -u
PARAKIT=$(realpath "${1:-$(dirname "$0")/../build/parakit}")
ROUNDS=${ROUNDS:-3}
AB_C=${AB_C:-16}		# ab's concurrency
AB_N_1K=${AB_N_1K:-10000}	# requests per ab run, 1 KiB
AB_N_1M=${AB_N_1M:-1000}	# requests per ab run, 1 MiB
RB_N=${RB_N:-100000}		# requests per redis-benchmark run
RB_C=${RB_C:-50}		# its clients
COUNT_DIV=${COUNT_DIV:-4}	# the counting pass makes 1/COUNT_DIV of the requests
MODES=(plain shim ring sqpoll)

NGINX=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx)
REDIS=$(command -v redis-server)
for c in "$NGINX" "$REDIS" ab redis-benchmark redis-cli ss; do
	[ -n "$c" ] && command -v "$c" >/dev/null || { echo "shim-servers: needs nginx, redis-server, ab, redis-benchmark, redis-cli, ss (make deps)" >&2; exit 1; }
done
T=$(mktemp -d /tmp/parakit-bench-servers.XXXXXX)
SERVER=
cleanup()
{
	[ -n "$SERVER" ] && kill -9 $SERVER 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
chmod 755 "$T"		# nginx's workers run as nobody when root starts it
cd "$T" || exit 1
export XDG_CACHE_HOME=$T/cache
mkdir -m 1777 slots	# SQPOLL slots of our own, which nginx's workers (nobody) can take
export PK_SQPOLL_SLOT_DIR=$T/slots
mkdir www
head -c 1024 /dev/urandom > www/1k
head -c $((1 << 20)) /dev/urandom > www/1m
chmod 644 www/*
TCK=$(getconf CLK_TCK)

# Build the shims once (cached): the timed runs start from the cache.
for b in "$NGINX" "$REDIS"; do
	"$PARAKIT" shim --run --db "$T/shim.db" -- "$b" -v >/dev/null 2>&1 ||
		{ echo "shim-servers: no shim for $b" >&2; exit 1; }
done

wrap()	# MODE: the words that run a command in MODE
{
	local run=("$PARAKIT" shim --run --db "$T/shim.db" --)
	case $1 in
	plain)	W=(env) ;;
	shim)	W=(env "${run[@]}") ;;
	ring)	W=(env PK_ROUTE=ring "${run[@]}") ;;
	sqpoll)	W=(env PK_SQPOLL=1 "${run[@]}") ;;
	esac
}

free_port()	# a TCP port no socket uses, below the ephemeral ports ab's connections take
{
	local p
	while :; do
		p=$((10000 + RANDOM % 22000))
		[ -z "$(ss -Htan "sport = :$p")" ] && { echo "$p"; return; }
	done
}

until_ok()	# CMD...: polls CMD for up to 20 s
{
	for _ in $(seq 400); do "$@" && return 0; sleep 0.05; done
	echo "shim-servers: timed out waiting for: $*" >&2
	return 1
}

# nginx_start MODE: SERVER (master and workers), PORT.
nginx_start()
{
	local d=$T/nginx m
	rm -rf "$d"; mkdir -p "$d/tmp"
	PORT=$(free_port)
	cat > "$d/nginx.conf" <<-EOF
	daemon on;
	worker_processes 2;
	pid $d/nginx.pid;
	error_log $d/error.log;
	events { worker_connections 1024; }
	http {
	    default_type application/octet-stream;
	    access_log $d/access.log;
	    client_body_temp_path $d/tmp;
	    proxy_temp_path $d/tmp;
	    fastcgi_temp_path $d/tmp;
	    uwsgi_temp_path $d/tmp;
	    scgi_temp_path $d/tmp;
	    server { listen 127.0.0.1:$PORT; root $T/www; }
	}
	EOF
	wrap "$1"
	"${W[@]}" "$NGINX" -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" </dev/null || return 1
	until_ok test -s "$d/nginx.pid" || return 1
	m=$(cat "$d/nginx.pid")
	until_ok eval '[ "$(wc -w < /proc/$m/task/$m/children)" -eq 2 ]' || return 1
	SERVER="$m $(cat "/proc/$m/task/$m/children")"
}

nginx_stop()
{
	local m=${SERVER%% *}
	kill -QUIT "$m"
	until_ok eval '! kill -0 $m 2>/dev/null' || kill -9 $SERVER
	SERVER=
}

redis_pong() { [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ]; }

# redis_start MODE: SERVER, PORT.
redis_start()
{
	PORT=$(free_port)
	wrap "$1"
	"${W[@]}" "$REDIS" --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
		--dir "$T" --logfile "$T/redis.log" </dev/null >/dev/null 2>&1 &
	SERVER=$!
	until_ok redis_pong
}

redis_stop()
{
	local p=$SERVER
	redis-cli -p "$PORT" shutdown >/dev/null 2>&1
	until_ok eval '! kill -0 $p 2>/dev/null' || kill -9 "$p"
	wait "$p" 2>/dev/null
	SERVER=
}

cpu()	# the CPU ticks (utime + stime) of the processes of SERVER
{
	local p s t=0 f
	for p in $SERVER; do
		s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		s=${s##*) }
		read -ra f <<<"$s"
		t=$((t + f[11] + f[12]))
	done
	echo "$t"
}

# load NAME N: one run of workload NAME with N requests against PORT;
# prints "requests req/s p99_ms" (requests: those completed).
load()
{
	local name=$1 n=$2 ka= url
	case $name in
	nginx-*)
		case $name in *-ka) ka=-k ;; esac
		case $name in *-1k*) url=http://127.0.0.1:$PORT/1k ;; *) url=http://127.0.0.1:$PORT/1m ;; esac
		ab -q -n "$n" -c "$AB_C" $ka -e "$T/pct.csv" "$url" > "$T/ab.out" 2>&1
		if ! grep -q '^Failed requests: *0$' "$T/ab.out" || grep -q '^Non-2xx' "$T/ab.out"; then
			echo "shim-servers: $name: $(grep -E '^(Failed|Non-2xx)' "$T/ab.out" | paste -sd' ')" >&2
		fi
		echo "$(awk '/^Complete requests:/ { print $3 }' "$T/ab.out")" \
		     "$(awk '/^Requests per second:/ { print $4 }' "$T/ab.out")" \
		     "$(awk -F, '$1 == 99 { print $2 }' "$T/pct.csv")"
		;;
	redis-*)
		local t=${name#redis-} p
		p=${t#*-P}
		t=${t%-P*}
		redis-benchmark -p "$PORT" -c "$RB_C" -n "$n" -P "$p" -t "$t" --csv 2>/dev/null |
			awk -F'"' -v n="$n" 'NR == 2 { print n, $4, $14 }'
		;;
	esac
}

WORKLOADS=(nginx-1k-ka nginx-1k nginx-1m-ka nginx-1m redis-set-P1 redis-get-P1 redis-set-P16 redis-get-P16)
requests()	# NAME: its requests per run
{
	case $1 in
	nginx-1k*) echo "$AB_N_1K" ;;
	nginx-1m*) echo "$AB_N_1M" ;;
	redis-*) echo "$RB_N" ;;
	esac
}

# run_server KIND MODE ROUND: one start of KIND in MODE, every workload of
# it timed once; lines "workload mode round req/s p99_ms cpu_us/req" to results.
run_server()
{
	local kind=$1 mode=$2 round=$3 w c0 c1 out
	"${kind}_start" "$mode" || {
		echo "shim-servers: $kind did not start in mode $mode:" \
			"$(tail -2 "$T/redis.log" "$T/nginx/error.log" 2>/dev/null | grep -v '^==' | paste -sd' ')" >&2
		[ -n "$SERVER" ] && kill -9 $SERVER 2>/dev/null
		SERVER=
		return 1
	}
	for w in "${WORKLOADS[@]}"; do
		[ "${w%%-*}" = "$kind" ] || continue
		c0=$(cpu)
		out=$(load "$w" "$(requests "$w")")
		c1=$(cpu)
		set -- $out
		[ $# -eq 3 ] || { echo "shim-servers: $w in mode $mode: no figures" >&2; continue; }
		echo "$w $mode $round $2 $3 $(awk -v d=$((c1 - c0)) -v n="$1" -v hz="$TCK" \
			'BEGIN { printf "%.2f", d / hz / n * 1e6 }')" >> "$T/results"
	done
	"${kind}_stop"
}

echo "load before: $(uptime)"
: > "$T/results"
for round in $(seq "$ROUNDS"); do
	for i in 0 1 2 3; do
		mode=${MODES[$(((i + round - 1) % 4))]}
		run_server nginx "$mode" "$round"
		run_server redis "$mode" "$round"
	done
	echo "round $round done: $(uptime)" >&2
done

# --- The counting pass ------------------------------------------------------

TRACE=
"$PARAKIT" trace --count --no-db -- true >/dev/null 2>&1 && TRACE=parakit
[ -z "$TRACE" ] && command -v strace >/dev/null && TRACE=strace
# count_start: starts counting the system calls of SERVER (CPID).
count_start()
{
	local pids
	pids=$(echo $SERVER | tr ' ' ',')
	if [ "$TRACE" = parakit ]; then
		"$PARAKIT" trace --count --db "$T/count.db" -p "$pids" >/dev/null 2>"$T/count.err" &
		CPID=$!
		until_ok grep -q 'tracing' "$T/count.err"
	else
		strace -f -c -o "$T/count.txt" $(printf -- '-p %s ' $SERVER) 2>/dev/null &
		CPID=$!
		sleep 1
	fi
}
# count_stop: "entries uring_ops" since count_start into COUNTED (not in
# a subshell: it waits for the tracer).
count_stop()
{
	kill -INT "$CPID"
	wait "$CPID" 2>/dev/null
	COUNTED=$(count_read)
}
count_read()
{
	if [ "$TRACE" = parakit ]; then
		sqlite3 "$T/count.db" "SELECT (SELECT coalesce(sum(calls), 0) FROM v_trace_syscalls WHERE run_id = r.id) || ' ' ||
			(SELECT coalesce(sum(submitted), 0) FROM v_trace_uring WHERE run_id = r.id)
			FROM (SELECT max(id) AS id FROM trace_run) r"
	else
		awk '$NF == "total" { print $4, "-" }' "$T/count.txt"
	fi
}
: > "$T/counts"
if [ -n "$TRACE" ]; then
	for mode in "${MODES[@]}"; do
		for kind in nginx redis; do
			"${kind}_start" "$mode" || continue
			for w in "${WORKLOADS[@]}"; do
				[ "${w%%-*}" = "$kind" ] || continue
				count_start
				set -- $(load "$w" $(($(requests "$w") / COUNT_DIV)))
				n=$1
				count_stop
				set -- $COUNTED
				awk -v w="$w" -v m="$mode" -v n="$n" -v e="$1" -v o="$2" 'BEGIN {
					printf "%s %s %.2f %s\n", w, m, e / n, o == "-" ? "-" : sprintf("%.2f", o / n) }' >> "$T/counts"
			done
			"${kind}_stop"
		done
	done
fi
echo "load after: $(uptime)"

# --- The table --------------------------------------------------------------

echo
echo "medians of $ROUNDS rounds; ratios to plain; entries and io_uring ops per request from a separate" \
	"counting pass ($TRACE, 1/$COUNT_DIV of the requests)"
printf '%-14s %-7s %10s %6s %9s %6s %11s %6s %11s %9s\n' workload mode req/s ratio p99_ms ratio cpu_us/req ratio entries/req uring/req
awk -v wl="${WORKLOADS[*]}" -v ml="${MODES[*]}" '
	function median(s,   n, i, j, t, v) {
		n = split(s, v, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
	FILENAME == ARGV[1] { cnt[$1 " " $2] = $3 " " $4; next }
	{ for (f = 4; f <= 6; f++) vals[$1 " " $2, f] = vals[$1 " " $2, f] " " $f }
	END {
		nw = split(wl, w, " ")
		nm = split(ml, m, " ")
		for (i = 1; i <= nw; i++) {
			for (f = 4; f <= 6; f++)
				base[f] = ((w[i] " plain", f) in vals) ? median(vals[w[i] " plain", f]) : 0
			for (j = 1; j <= nm; j++) {
				k = w[i] " " m[j]
				if (!((k, 4) in vals))
					continue
				for (f = 4; f <= 6; f++)
					med[f] = median(vals[k, f])
				split((k in cnt) ? cnt[k] : "- -", c, " ")
				printf "%-14s %-7s %10.0f %6s %9.3f %6s %11.1f %6s %11s %9s\n", w[i], m[j],
					med[4], ratio(med[4], base[4]), med[5], ratio(med[5], base[5]),
					med[6], ratio(med[6], base[6]), c[1], c[2]
			}
		}
	}' "$T/counts" "$T/results"
