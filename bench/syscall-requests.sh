#!/usr/bin/env bash
# Benchmark: what the request codes and pseudo-files (issue 17, migration
# 015, analyzer/sys_requests.c) add to scan --syscalls: the same .debs
# scanned with --syscalls, --jobs 2, by a parakit built without them (BASE)
# and by this one, the order alternating over ROUNDS rounds; CPU seconds,
# wall seconds and peak RSS of each, and their ratios. Goal: the footprint
# as a whole stays within its 1.5x and 500 MB.
#
# usage: bench/syscall-requests.sh BASE [PARAKIT] [DIR] [EVERY]
#   BASE: a parakit without the request codes, e.g. built from the commit
#   before them: git archive REV | tar -x -C DIR && make -C DIR -j2
#   EVERY: every EVERYth .deb of DIR (default 10: 154 of the 1,547 here)
here=$(dirname "$0")
. "$here/lib.sh"
base=${1:?usage: bench/syscall-requests.sh BASE [PARAKIT] [DIR] [EVERY]}
parakit=${2:-build/parakit}
dir=${3:-/var/cache/apt/archives}
every=${4:-10}
rounds=${ROUNDS:-2}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/pk-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ls "$dir"/*.deb | sort | awk -v e="$every" 'NR % e == 0' >"$tmp/debs"
mb=$(xargs -d '\n' du -cb <"$tmp/debs" | tail -1 | awk '{ printf "%.0f", $1 / 1e6 }')
echo "debs: $(wc -l <"$tmp/debs") of $dir ($mb MB)"
xargs -d '\n' cat <"$tmp/debs" >/dev/null	# warm the page cache

# run VAR BIN: b_cpu_time of BIN's scan --syscalls of the .debs, into a fresh database.
run() {
	rm -f "$tmp"/s.db*
	b_cpu_time "$1" "$2" scan --json --syscalls --jobs 2 --db "$tmp/s.db" --files-from "$tmp/debs"
}

b=0 n=0 b_cpu=0 n_cpu=0 b_rss=0 n_rss=0
for r in $(seq "$rounds"); do
	if [ $((r % 2)) -eq 1 ]; then
		run t_b "$base"
		run t_n "$parakit"
	else
		run t_n "$parakit"
		run t_b "$base"
	fi
	echo "round $r: base ${t_b} s, ${t_b_cpu} CPU s (${t_b_rss} MB); with requests ${t_n} s, ${t_n_cpu} CPU s (${t_n_rss} MB); load $(cut -d' ' -f1-3 /proc/loadavg)"
	b=$(awk -v a="$b" -v x="$t_b" 'BEGIN { print a + x }')
	n=$(awk -v a="$n" -v x="$t_n" 'BEGIN { print a + x }')
	b_cpu=$(awk -v a="$b_cpu" -v x="$t_b_cpu" 'BEGIN { print a + x }')
	n_cpu=$(awk -v a="$n_cpu" -v x="$t_n_cpu" 'BEGIN { print a + x }')
	[ "$t_b_rss" -gt "$b_rss" ] && b_rss=$t_b_rss
	[ "$t_n_rss" -gt "$n_rss" ] && n_rss=$t_n_rss
done
b_row "" "base" "requests"
b_row "wall s (sum of $rounds rounds)" "$b" "$n"
b_row "CPU s" "$b_cpu" "$n_cpu"
b_row "peak RSS MB" "$b_rss" "$n_rss"
echo "ratio: wall $(b_ratio "$n" "$b")x, CPU $(b_ratio "$n_cpu" "$b_cpu")x"
