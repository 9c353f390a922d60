#!/bin/bash
# parakit trace --functions against the usual ways of counting library
# calls, all in one run:
#
#   bash bench/trace-functions.sh [PARAKIT] [CALLS]
#
# 1. Start-up: the time to attach N uprobes on libc's POSIX functions
#    (--filter picks the first N the catalogue names that libc defines;
#    "all" is every one), through one multi-uprobe link per file and
#    through one link per probe (--one-by-one), as the run reports it
#    (attach_ns), and the whole run of `true` under it, detach included;
#    beside it bpftrace with the same N uprobes in one script (`-c true`:
#    its whole run). The kernel waits a grace period per uprobe it
#    unregisters, so one link per probe is slow to leave too; with "all"
#    it takes minutes: one-by-one is measured up to 200.
# 2. Per call: a loop of CALLS getppid() calls through libc times itself
#    (CLOCK_MONOTONIC and its CPU time, as bench/trace-overhead.sh), plain,
#    under parakit trace --functions (every function of libc probed),
#    with --latency, under a bpftrace uprobe one-liner counting getppid,
#    and under ltrace -c (fewer calls: it stops the process per call);
#    and the floor: the uprobe alone, with a program that does nothing.
# 3. Per process: parakit's probes are each traced process's own (uprobe
#    links filtered by process), made as the process forks, and as it
#    executes a file with libraries it has none on, while it waits: a shell
#    loop that starts PROCS processes (`/bin/true`, fork and exec), plain and
#    under parakit trace --functions, with the milliseconds each process adds.
#
# Every run probes a private copy of libc (LD_LIBRARY_PATH), the traced
# programs' alone: bpftrace 0.17 puts its uprobes in every process that
# maps the file, -p or not, and hundreds of them on the system's libc would
# trap the whole machine's calls while it runs. parakit's start-up is also
# measured on the system's libc (its links are the traced process's alone),
# where the kernel visits every process that maps it for each probe.
#
# Nothing else on the machine may notice: a bash loop runs beside the
# traced processes all along, and the bench fails if it dies or if the
# kernel logs anything about uprobes meanwhile (a process it killed).
#
# Needs root. Rounds: REPS (default 3), fastest kept (other load only adds).
set -u
PARAKIT=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/parakit}
CALLS=${2:-1000000}
LTRACE_CALLS=${LTRACE_CALLS:-20000}
PROCS=${PROCS:-100}
REPS=${REPS:-3}
[ "$(id -u)" -eq 0 ] || { echo "trace-functions: needs root" >&2; exit 1; }
sh "$(dirname "$0")/../tests/lib/deps.sh" bpftrace ltrace jq ||
	{ echo "trace-functions: cannot install the baselines" >&2; exit 1; }
tmp=$(mktemp -d /tmp/trace-fn-bench.XXXXXX)
mounted=
sibling=
cleanup()
{
	[ -n "$sibling" ] && kill "$sibling" 2>/dev/null
	[ -n "$mounted" ] && umount /sys/kernel/tracing
	rm -rf "$tmp"
}
trap cleanup EXIT
mark="parakit-bench-trace-functions-$$-$RANDOM"
echo "$mark" > /dev/kmsg
bash -c 'while :; do echo x > /dev/null; (( 1 / 0 )) 2>/dev/null; ( : ); sleep 0.05; done' &
sibling=$!
if [ ! -e /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing && mounted=1
fi
SYSLIBC=$(readlink -f /lib/x86_64-linux-gnu/libc.so.6)
mkdir "$tmp/lib"
cp "$SYSLIBC" "$tmp/lib/libc.so.6"
LIBC=$tmp/lib/libc.so.6
# pk: parakit, and what it traces, on the copy.
pk() { LD_LIBRARY_PATH=$tmp/lib "$PARAKIT" "$@"; }

cat > "$tmp/loop.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	long n = atol(argv[1]);
	struct timespec a, b, ca, cb;

	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
	for (long i = 0; i < n; i++)
		getppid();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "NSPERCALL %.2f %.2f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n,
		((cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec)) / n);
	return 0;
}
C
cc -O2 -o "$tmp/loop" "$tmp/loop.c" || exit 1

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
fastest() { tr ' ' '\n' | grep . | sort -g | head -1; }

# libc's probe sites, one function each, as parakit resolves them (and
# not IFUNCs, whose symbol bpftrace would probe at the resolver).
pk trace --functions --list -- "$tmp/loop" |
	awk -F'\t' '$1 == "site" && $4 != "-" && $5 ~ /libc\.so/ && $7 == "" && !seen[$2]++ { print $2 "\t" $3 }' \
	> "$tmp/sites"
ALL=$(wc -l < "$tmp/sites")
echo "libc: $ALL functions probed; $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

declare -A T
startup()
{
	local n=$1 list fns script s e
	list=$(head -n "$n" "$tmp/sites")
	fns=$(cut -f1 <<< "$list" | paste -sd,)
	for how in multi one-by-one; do
		[ $how = one-by-one ] && [ "$n" -gt 200 ] && continue
		flag=
		[ $how = one-by-one ] && flag=--one-by-one
		s=$(now)
		pk trace --functions $flag --filter "$fns" --no-db --json -o "$tmp/st.json" -- /bin/true
		e=$(now)
		T[$how-attach-$n]="${T[$how-attach-$n]:-} $(jq '.attach_ns / 1e9' "$tmp/st.json")"
		T[$how-run-$n]="${T[$how-run-$n]:-} $(secs "$s" "$e")"
	done
	if [ "$n" = "$ALL" ]; then
		s=$(now)
		"$PARAKIT" trace --functions --filter "$fns" --no-db --json -o "$tmp/st.json" -- /bin/true
		e=$(now)
		T[sys-attach]="${T[sys-attach]:-} $(jq '.attach_ns / 1e9' "$tmp/st.json")"
		T[sys-run]="${T[sys-run]:-} $(secs "$s" "$e")"
	fi
	script=$(cut -f2 <<< "$list" | sed "s|^|uprobe:$LIBC:|" | paste -sd,)
	s=$(now)
	# Hundreds of uprobes: a perf event and a link each, past small descriptor limits.
	ulimit -n 65536 2>/dev/null
	bpftrace -e "$script { @[probe] = count(); }" -c "/usr/bin/env LD_LIBRARY_PATH=$tmp/lib /bin/true" \
		> "$tmp/bt.out" 2>&1 ||
		echo "bpftrace failed: $(head -1 "$tmp/bt.out")" >&2
	e=$(now)
	T[bpftrace-run-$n]="${T[bpftrace-run-$n]:-} $(secs "$s" "$e")"
}

nspc() { sed -n 's/.*NSPERCALL \([0-9.]*\) \([0-9.]*\).*/\1:\2/p' "$1" | tail -1; }
declare -A R
percall()
{
	R[plain]="${R[plain]:-} $(LD_LIBRARY_PATH=$tmp/lib "$tmp/loop" "$CALLS" 2> "$tmp/r"; nspc "$tmp/r")"
	pk trace --functions --no-db -o /dev/null -- "$tmp/loop" "$CALLS" 2> "$tmp/r"
	R[parakit]="${R[parakit]:-} $(nspc "$tmp/r")"
	pk trace --functions --latency --no-db -o /dev/null -- "$tmp/loop" "$CALLS" 2> "$tmp/r"
	R[latency]="${R[latency]:-} $(nspc "$tmp/r")"
	bpftrace -e "uprobe:$LIBC:getppid { @ = count(); }" -c "/usr/bin/env LD_LIBRARY_PATH=$tmp/lib $tmp/loop $CALLS" \
		> "$tmp/r" 2>&1
	R[bpftrace]="${R[bpftrace]:-} $(nspc "$tmp/r")"
	# The floor: the same uprobe with a program that does nothing (a
	# filter no process passes): the kernel's trap and its single step.
	bpftrace -e "uprobe:$LIBC:getppid /pid == 0/ { @ = count(); }" \
		-c "/usr/bin/env LD_LIBRARY_PATH=$tmp/lib $tmp/loop $CALLS" > "$tmp/r" 2>&1
	R[floor]="${R[floor]:-} $(nspc "$tmp/r")"
}

declare -A P
perproc()
{
	local s e
	s=$(now)
	LD_LIBRARY_PATH=$tmp/lib sh -c "for i in \$(seq $PROCS); do /bin/true; done"
	e=$(now)
	P[plain]="${P[plain]:-} $(secs "$s" "$e")"
	s=$(now)
	pk trace --functions --no-db --json -o "$tmp/pp.json" -- sh -c "for i in \$(seq $PROCS); do /bin/true; done"
	e=$(now)
	P[parakit]="${P[parakit]:-} $(secs "$s" "$e")"
	P[links]=$(jq .links "$tmp/pp.json")
	# The same on the system's libc: each process's links visit every
	# process that maps it.
	s=$(now)
	sh -c "for i in \$(seq $PROCS); do /bin/true; done"
	e=$(now)
	P[sysplain]="${P[sysplain]:-} $(secs "$s" "$e")"
	s=$(now)
	"$PARAKIT" trace --functions --no-db -o /dev/null -- sh -c "for i in \$(seq $PROCS); do /bin/true; done"
	e=$(now)
	P[sysparakit]="${P[sysparakit]:-} $(secs "$s" "$e")"
}

for round in $(seq "$REPS"); do
	for n in 50 200 all; do
		[ $n = all ] && n=$ALL
		startup "$n"
	done
	percall
	perproc
	echo "  round $round done" >&2
done
LD_LIBRARY_PATH=$tmp/lib ltrace -c -e getppid -o "$tmp/lt" "$tmp/loop" "$LTRACE_CALLS" 2> "$tmp/r"
R[ltrace]=$(nspc "$tmp/r")

echo
echo "Start-up, seconds (fastest of $REPS)"
printf '| %-8s | %12s | %12s | %14s | %14s | %12s |\n' "uprobes" "multi attach" "multi run" "one-by-one att." "one-by-one run" "bpftrace run"
printf '| %-8s | %12s | %12s | %14s | %14s | %12s |\n' "---:" "---:" "---:" "---:" "---:" "---:"
for n in 50 200 $ALL; do
	printf '| %-8s | %12s | %12s | %14s | %14s | %12s |\n' "$n" \
		"$(echo ${T[multi-attach-$n]} | fastest)" "$(echo ${T[multi-run-$n]} | fastest)" \
		"$(echo ${T[one-by-one-attach-$n]:-n/a} | fastest)" "$(echo ${T[one-by-one-run-$n]:-n/a} | fastest)" \
		"$(echo ${T[bpftrace-run-$n]} | fastest)"
done
echo "parakit, all $ALL on the system's libc (visited in $(grep -l "$SYSLIBC" /proc/[0-9]*/maps 2>/dev/null | wc -l) processes):" \
	"attach $(echo ${T[sys-attach]} | fastest) s, run $(echo ${T[sys-run]} | fastest) s"
echo
echo "Per getppid() call, ns (fastest of $REPS; ltrace: $LTRACE_CALLS calls, once)"
printf '| %-40s | %12s | %12s | %11s | %12s |\n' "tracer" "wall ns/call" "added (wall)" "CPU ns/call" "added (CPU)"
printf '| %-40s | %12s | %12s | %11s | %12s |\n' "---" "---:" "---:" "---:" "---:"
bw=$(echo ${R[plain]} | tr ' ' '\n' | cut -d: -f1 | fastest)
bc=$(echo ${R[plain]} | tr ' ' '\n' | cut -d: -f2 | fastest)
for k in plain floor parakit latency bpftrace ltrace; do
	case $k in
	plain) name="untraced" ;;
	floor) name="the floor: a uprobe, its program empty" ;;
	parakit) name="parakit trace --functions ($ALL probes)" ;;
	latency) name="parakit trace --functions --latency" ;;
	bpftrace) name="bpftrace uprobe count one-liner" ;;
	ltrace) name="ltrace -c -e getppid" ;;
	esac
	w=$(echo ${R[$k]} | tr ' ' '\n' | cut -d: -f1 | fastest)
	c=$(echo ${R[$k]} | tr ' ' '\n' | cut -d: -f2 | fastest)
	awk -v n="$name" -v w="$w" -v c="$c" -v bw="$bw" -v bc="$bc" 'BEGIN {
		printf "| %-40s | %12.1f | %12.1f | %11.1f | %12.1f |\n", n, w, w - bw, c, c - bc }'
done
echo
echo "Per process: a shell loop starting $PROCS /bin/true, seconds (fastest of $REPS)"
awk -v p="$(echo ${P[plain]} | fastest)" -v t="$(echo ${P[parakit]} | fastest)" \
    -v sp="$(echo ${P[sysplain]} | fastest)" -v st="$(echo ${P[sysparakit]} | fastest)" \
    -v n="$PROCS" -v l="${P[links]}" -v m="$(grep -l "$SYSLIBC" /proc/[0-9]*/maps 2>/dev/null | wc -l)" 'BEGIN {
	printf "| %-50s | %8s | %14s | %14s |\n", "run", "seconds", "ms per process", "added ms"
	printf "| %-50s | %8s | %14s | %14s |\n", "---", "---:", "---:", "---:"
	printf "| %-50s | %8.3f | %14.2f | %14s |\n", "untraced, libc copy", p, p * 1000 / n, ""
	printf "| %-50s | %8.3f | %14.2f | %14.2f |\n", "parakit trace --functions, libc copy (" l " links)", t,
		t * 1000 / n, (t - p) * 1000 / n
	printf "| %-50s | %8.3f | %14.2f | %14s |\n", "untraced, system libc", sp, sp * 1000 / n, ""
	printf "| %-50s | %8.3f | %14.2f | %14.2f |\n", "parakit trace --functions, system libc (" m " maps)", st,
		st * 1000 / n, (st - sp) * 1000 / n }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Nothing else on the machine noticed.
bad=$(dmesg | sed -n "/$mark/,\$p" | grep -i uprobe)
if [ -n "$bad" ] || ! kill -0 "$sibling" 2>/dev/null; then
	echo "trace-functions: FAILED: the kernel logged about uprobes, or the bash loop beside died:" >&2
	printf '%s\n' "$bad" | head -5 >&2
	exit 1
fi
echo "kernel log: nothing about uprobes; the bash loop beside the traced processes ran throughout" >&2
