#!/usr/bin/env bash
# Benchmark: a sharded scan on a real Slurm against one machine's scan
# (issue 19). Every .deb of the apt cache through contrib/slurm (4 array
# tasks of one CPU on a one-node cluster of this machine, tests/lib/slurm.sh,
# then the merge job) against one 'parakit scan --jobs 2' of the same list.
# Goals: array + merge <= 1.15x the single scan's wall time with an
# identical result (every stable view); the merge <= 10 % of the scan.
# Then the merge's peak RSS and time for 4, 64 and 256 shards of one set
# (bounded, whatever the number), the cost per GB and per package measured
# here, and what they project for a Debian-sized archive (64,000 packages,
# 100 GB) on N nodes.
#
# usage: bench/scan-cluster.sh [PARAKIT] [DIR]   (as root: slurmd runs jobs)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../tests/lib/slurm.sh"
parakit=$(readlink -f "${1:-build/parakit}")
dir=${2:-/var/cache/apt/archives}
: "${CORES_PER_NODE:=32}"
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/pk-bench.XXXXXX")
trap 'slurm_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' TERM INT HUP
export PARAKIT=$parakit

# timed VAR CMD...: wall seconds in VAR, CPU seconds (user + system) in
# VAR_cpu, peak RSS (MB) in VAR_rss.
timed() {
	local var=$1 out wall user sys kb
	shift
	out=$(mktemp)
	/usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >/dev/null 2>&1 || true
	read -r wall user sys kb <"$out"
	rm -f "$out"
	printf -v "$var" '%s' "$wall"
	printf -v "${var}_cpu" '%s' "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
	printf -v "${var}_rss" '%s' "$((kb / 1024))"
}

# digest DB: the rows of every stable view but v_scan_runs, without row
# ids, sorted, hashed (what tests/lib/shards.sh compares).
digest() {
	local v
	for v in "SELECT * FROM v_imports" "SELECT * FROM v_exports" "SELECT * FROM v_function_usage" \
		"SELECT * FROM v_scan_errors" "SELECT * FROM v_binary_imports" "SELECT * FROM v_nonposix_usage" \
		"SELECT * FROM v_corpus" "SELECT package, version, arch, format FROM v_package_versions" \
		"SELECT hash, size, class, endian, elf_type, machine, static, interp, soname FROM v_binaries" \
		"SELECT package, binaries FROM v_package_binaries"; do
		sqlite3 -batch "$1" "$v" | sort | sha256sum
	done | sha256sum | cut -c1-16
}

find "$dir" -maxdepth 1 -name '*.deb' | sort >"$tmp/list"
n=$(wc -l <"$tmp/list")
bytes=$(xargs -d '\n' du -cbL <"$tmp/list" | tail -1 | cut -f1)
gb=$(awk -v b="$bytes" 'BEGIN { printf "%.3f", b / 1e9 }')
echo "inputs: $n .debs in $dir, $gb GB; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
xargs -d '\n' cat <"$tmp/list" >/dev/null	# warm the page cache

timed single "$parakit" scan --jobs 2 --db "$tmp/single.db" --files-from "$tmp/list"

slurm_start "$tmp/slurm" "$(nproc)" || { echo "Slurm did not start" >&2; exit 1; }
t0=$(date +%s.%N)
bash "$here/../contrib/slurm/parakit-slurm" -n 4 "$tmp/list" "$tmp/slurm-run" >/dev/null
merge_job=$(. "$tmp/slurm-run/parakit-slurm.run" && echo "$merge")
state=$(slurm_wait_end "$merge_job" 7200)
cluster=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
slurm_stop
[ "$state" = COMPLETED ] || echo "the merge job ended $state" >&2

# The merge alone, of the same 4 shards, timed here.
shards=("$tmp/slurm-run"/shard-{1..4}.db)
timed merge "$parakit" db merge "$tmp/m4.db" "${shards[@]}"
slices=$(for s in "${shards[@]}"; do
	sqlite3 "$s" "SELECT sum(size) FROM artifact" | awk '{ printf "%.0f ", $1 / 1e6 }'
done)

same=no
[ "$(digest "$tmp/slurm-run/parakit.db")" = "$(digest "$tmp/single.db")" ] && same=yes

# The merge of one set of packages cut into 4, 64 and 256 shards (a scan
# each): 256 small packages of the cache.
awk 'NR % 4 == 0' "$tmp/list" | xargs -d '\n' ls -S | tail -256 >"$tmp/small"
small_mb=$(xargs -d '\n' du -cbL <"$tmp/small" | tail -1 | awk '{ printf "%.0f", $1 / 1e6 }')
for k in 4 64 256; do
	mkdir "$tmp/s$k"
	for i in $(seq "$k"); do
		"$parakit" scan --jobs 1 --shard "$i/$k" --files-from "$tmp/small" --db "$tmp/s$k/$i.db" \
			>/dev/null 2>&1
	done
	timed "small$k" "$parakit" db merge "$tmp/m$k.db" "$tmp/s$k"/*.db
done

echo
b_row "" "seconds" "vs single"
b_row "parakit scan --jobs 2 (one machine)" "$single" "1.000"
b_row "Slurm: 4 tasks x 1 CPU, then the merge job" "$cluster" "$(b_ratio "$cluster" "$single")"
b_row "of which the merge (4 shards, timed alone)" "$merge" "$(b_ratio "$merge" "$single")"
echo
echo "goals: Slurm + merge <= 1.15x the single scan: $(b_ratio "$cluster" "$single")x;" \
	"merge <= 10 % of the scan: $(awk -v m="$merge" -v s="$single" 'BEGIN { printf "%.1f", 100 * m / s }') %;" \
	"identical result: $same"
echo "shard sizes (MB of .debs, size-dealt): $slices"
echo "peak RSS: single scan $single_rss MB; merge of the 4 shards $merge_rss MB"
echo "merge of 256 packages ($small_mb MB) cut into 4 shards: $small4_rss MB, $small4 s;" \
	"64 shards: $small64_rss MB, $small64 s; 256 shards: $small256_rss MB, $small256 s"

# Cost measured here, and the projection: scan CPU per GB (and per
# package) at this machine's per-core speed, the merge per package (it
# runs on one machine, after the shards), shards of one node each.
per_gb=$(awk -v c="$single_cpu" -v g="$gb" 'BEGIN { printf "%.1f", c / g }')
per_pkg=$(awk -v c="$single_cpu" -v n="$n" 'BEGIN { printf "%.3f", c / n }')
merge_pkg=$(awk -v m="$merge" -v n="$n" 'BEGIN { printf "%.5f", m / n }')
db_mb=$(du -m "$tmp/single.db" | cut -f1)
echo
echo "measured: $per_gb CPU-s per GB of .debs, $per_pkg CPU-s per package (scan);" \
	"merge $merge_pkg s per package; database $(awk -v m="$db_mb" -v n="$n" 'BEGIN { printf "%.1f", 1000 * m / n }') kB per package"
echo "projection: Debian, 64,000 packages, 100 GB; nodes of $CORES_PER_NODE cores at this machine's speed per core"
printf '%-6s %14s %14s %12s %12s\n' nodes "scan, by GB" "by package" merge total
for nodes in 1 4 16 64 256; do
	awk -v nodes="$nodes" -v c="$CORES_PER_NODE" -v gb="$per_gb" -v pk="$per_pkg" -v m="$merge_pkg" 'BEGIN {
		by_gb = 100 * gb / (nodes * c); by_pk = 64000 * pk / (nodes * c); mg = 64000 * m
		t = (by_gb > by_pk ? by_gb : by_pk) + mg
		printf "%-6d %12.1f m %12.1f m %10.1f m %10.1f m\n", nodes, by_gb / 60, by_pk / 60, mg / 60, t / 60 }'
done
