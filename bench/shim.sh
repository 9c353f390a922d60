#!/bin/bash
# bench/shim.sh [PARAKIT]: programs with and without their parakit shim, in
# the same run: wall time (best of 3) and system calls (strace -f -c, a
# separate run, since strace slows every call) for cat, dd and tee on a
# large file and on a pipe, sed and sha256sum on a large file (their FILE
# streams from fopen are routed; their stdout is not), plus socat's TCP
# throughput on loopback.
# Baseline: the same binary without the shim. Also PK_SQPOLL=1. For the
# shimmed runs, io-wq/ops says how many io_uring operations the kernel
# handed to a worker thread (where the shim is slower, that is usually why).
set -u
PARAKIT=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/parakit}
T=$(mktemp -d /tmp/parakit-bench-shim.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
SIZE_MB=${SIZE_MB:-512}
head -c "${SIZE_MB}M" /dev/urandom > big
for b in cat dd tee sed sha256sum socat; do
	"$PARAKIT" shim --db shim.db -o "$T/$b.pk.so" "$(command -v $b)" >/dev/null || exit 1
done

best()	# best wall time of 3, in seconds
{
	local best=999 t0 t1 s
	for _ in 1 2 3; do
		t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
		s=$(echo "$t1 - $t0" | bc -l)
		best=$(echo "if ($s < $best) $s else $best" | bc -l)
	done
	printf '%.3f' "$best"
}

calls()	# SO CMD...: "rw enter total" system calls of one run (SO may be "")
{
	local so=$1
	shift
	if [ -n "$so" ]; then
		strace -f -c -E LD_PRELOAD="$so" -o "$T/c.txt" "$@" >/dev/null 2>&1
	else
		strace -f -c -o "$T/c.txt" "$@" >/dev/null 2>&1
	fi
	awk '$NF ~ /^(read|write|pread64|pwrite64|readv|writev|recvfrom|sendto)$/ { rw += $4 }
	     $NF == "io_uring_enter" { e += $4 }
	     $NF == "total" { tot = $4 }
	     END { printf "%d %d %d", rw, e, tot }' "$T/c.txt"
}

# SO CMD...: "punted/submitted" io_uring operations of one run under SO:
# those the kernel handed to an io-wq worker thread, because it could not
# start them without blocking (parakit trace, tracepoint io_uring_queue_async_work).
punts()
{
	local so=$1
	shift
	"$PARAKIT" trace --db "$T/trace.db" -- env LD_PRELOAD="$so" "$@" >/dev/null 2>&1
	sqlite3 "$T/trace.db" "SELECT coalesce(sum(punted), 0) || '/' || coalesce(sum(submitted), 0)
		FROM v_trace_uring WHERE run_id = (SELECT max(id) FROM trace_run)"
}

printf '%-28s %-8s %8s %8s %9s %9s %9s %13s\n' workload mode wall_s ratio rw_calls uring_ent all_calls io-wq/ops
row()	# NAME SO CMD...
{
	local name=$1 so=$2 base w
	shift 2
	base=$(best "$@")
	printf '%-28s %-8s %8s %8s %9s %9s %9s %13s\n' "$name" plain "$base" 1.00 $(calls "" "$@") -
	w=$(LD_PRELOAD=$so best "$@")
	printf '%-28s %-8s %8s %8s %9s %9s %9s %13s\n' "$name" shim "$w" "$(echo "scale=2; $w / $base" | bc -l)" \
		$(calls "$so" "$@") "$(punts "$so" "$@")"
	w=$(PK_SQPOLL=1 LD_PRELOAD=$so best "$@")
	printf '%-28s %-8s %8s %8s %9s %9s %9s %13s\n' "$name" sqpoll "$w" "$(echo "scale=2; $w / $base" | bc -l)" \
		$(PK_SQPOLL=1 calls "$so" "$@") "$(PK_SQPOLL=1 punts "$so" "$@")"
}

row "cat ${SIZE_MB}M file" "$T/cat.pk.so" cat big
row "dd bs=1M ${SIZE_MB}M file" "$T/dd.pk.so" dd if=big of=/dev/null bs=1M
row "tee ${SIZE_MB}M file (stdin)" "$T/tee.pk.so" sh -c 'tee copy < big'
row "cat pipe -> cat" "$T/cat.pk.so" sh -c 'cat big | cat'
row "sed w FILE ${SIZE_MB}M (fopen)" "$T/sed.pk.so" sed -n 'w copy' big
row "sha256sum ${SIZE_MB}M (fopen)" "$T/sha256sum.pk.so" sha256sum big

# socat: TCP throughput over loopback, both ends shimmed or neither.
relay()
{
	local port=$((20000 + RANDOM % 20000)) t0 t1
	socat -u TCP-LISTEN:$port,reuseaddr,bind=127.0.0.1 OPEN:/dev/null &
	local srv=$!
	for _ in $(seq 50); do ss -ltn | grep -q ":$port " && break; sleep 0.05; done
	t0=$(date +%s.%N)
	socat -u OPEN:big TCP:127.0.0.1:$port
	wait $srv
	t1=$(date +%s.%N)
	echo "scale=1; $SIZE_MB / ($t1 - $t0)" | bc -l
}
plain=$(relay)
shim=$(LD_PRELOAD=$T/socat.pk.so relay)
sq=$(PK_SQPOLL=1 LD_PRELOAD=$T/socat.pk.so relay)
echo
printf 'socat TCP loopback %sM: plain %s MB/s, shim %s MB/s (%.2fx), PK_SQPOLL=1 %s MB/s (%.2fx)\n' \
	"$SIZE_MB" "$plain" "$shim" "$(echo "$shim / $plain" | bc -l)" "$sq" "$(echo "$sq / $plain" | bc -l)"

# Why: the sending socat's kernel entries and, shimmed, its io_uring
# operations per opcode (parakit trace), one run each.
sender()	# traces the sending side into $T/socat.db; prints nothing
{
	local port=$((20000 + RANDOM % 20000))
	socat -u TCP-LISTEN:$port,reuseaddr,bind=127.0.0.1 OPEN:/dev/null &
	local srv=$!
	for _ in $(seq 50); do ss -ltn | grep -q ":$port " && break; sleep 0.05; done
	"$PARAKIT" trace --db "$T/socat.db" -- env "$@" socat -u OPEN:big TCP:127.0.0.1:$port >/dev/null 2>&1
	wait $srv
}
sender PK_SHIM=off
sender LD_PRELOAD="$T/socat.pk.so"
q() { sqlite3 "$T/socat.db" "$1"; }
printf 'socat sender, kernel entries: plain %s (%s), shim %s (%s)\n' \
	"$(q "SELECT sum(calls) FROM v_trace_syscalls WHERE run_id = 1")" \
	"$(q "SELECT group_concat(syscall || ' ' || calls, ', ') FROM (SELECT syscall, calls FROM v_trace_syscalls
	      WHERE run_id = 1 ORDER BY calls DESC LIMIT 4)")" \
	"$(q "SELECT sum(calls) FROM v_trace_syscalls WHERE run_id = 2")" \
	"$(q "SELECT group_concat(syscall || ' ' || calls, ', ') FROM (SELECT syscall, calls FROM v_trace_syscalls
	      WHERE run_id = 2 ORDER BY calls DESC LIMIT 2)")"
printf 'socat sender, shimmed: io_uring operations %s\n' \
	"$(q "SELECT group_concat(opcode || ' ' || submitted || ' (' || errors || ' failed, ' || punted || ' to io-wq)', ', ')
	      FROM (SELECT * FROM v_trace_uring WHERE run_id = 2 AND submitted > 100 ORDER BY submitted DESC)")"
