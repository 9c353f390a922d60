#!/usr/bin/env bash
# Benchmark: the system call footprint of parakit scan (issue 17).
#
# Cost: the apt cache (or its first N .debs) scanned with the analysis and
# without it (the default; --syscalls adds it), --jobs 2, in the same run, the order of the
# two alternating over ROUNDS rounds; goal <= 1.5x, peak RSS < 500 MB.
# Precision: the mean and median set size (syscalls, 'unknown' counted as
# one) over every ELF executable under /usr/bin and over the apt cache's
# binaries, beside the published means: B-Side 43, its competitors 95 and
# 271 (B-Side, 2024, 557 Debian binaries).
#
# usage: bench/syscall-footprint.sh [PARAKIT] [DIR] [N]   (N: the first N .debs; default all)
here=$(dirname "$0")
. "$here/lib.sh"
parakit=${1:-build/parakit}
dir=${2:-/var/cache/apt/archives}
n=${3:-0}
rounds=${ROUNDS:-1}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/pk-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ls "$dir"/*.deb | sort >"$tmp/all"
if [ "$n" -gt 0 ]; then head -n "$n" "$tmp/all" >"$tmp/debs"; else cp "$tmp/all" "$tmp/debs"; fi
mb=$(xargs -d '\n' du -cb <"$tmp/debs" | tail -1 | awk '{ printf "%.0f", $1 / 1e6 }')
echo "debs: $(wc -l <"$tmp/debs") of $dir ($mb MB)"
xargs -d '\n' cat <"$tmp/debs" >/dev/null	# warm the page cache

with=0 without=0 with_cpu=0 without_cpu=0 with_rss=0 without_rss=0
for r in $(seq "$rounds"); do
	rm -f "$tmp"/w.db* "$tmp"/o.db*
	if [ $((r % 2)) -eq 1 ]; then
		b_cpu_time t_o "$parakit" scan --json --jobs 2 --db "$tmp/o.db" --files-from "$tmp/debs"
		b_cpu_time t_w "$parakit" scan --json --syscalls --jobs 2 --db "$tmp/w.db" --files-from "$tmp/debs"
	else
		b_cpu_time t_w "$parakit" scan --json --syscalls --jobs 2 --db "$tmp/w.db" --files-from "$tmp/debs"
		b_cpu_time t_o "$parakit" scan --json --jobs 2 --db "$tmp/o.db" --files-from "$tmp/debs"
	fi
	echo "round $r: without ${t_o} s, ${t_o_cpu} CPU s (${t_o_rss} MB); with ${t_w} s, ${t_w_cpu} CPU s (${t_w_rss} MB); load $(cut -d' ' -f1-3 /proc/loadavg)"
	with=$(awk -v a="$with" -v b="$t_w" 'BEGIN { print a + b }')
	without=$(awk -v a="$without" -v b="$t_o" 'BEGIN { print a + b }')
	with_cpu=$(awk -v a="$with_cpu" -v b="$t_w_cpu" 'BEGIN { print a + b }')
	without_cpu=$(awk -v a="$without_cpu" -v b="$t_o_cpu" 'BEGIN { print a + b }')
	[ "$t_w_rss" -gt "$with_rss" ] && with_rss=$t_w_rss
	[ "$t_o_rss" -gt "$without_rss" ] && without_rss=$t_o_rss
done

echo
b_row "" "seconds" "vs without"
b_row "scan --jobs 2 (baseline)" "$without" "1.000"
b_row "scan --syscalls --jobs 2 (with the footprint)" "$with" "$(b_ratio "$with" "$without")"
b_row "the same, CPU seconds: baseline" "$without_cpu" "1.000"
b_row "the same, CPU seconds: with the footprint" "$with_cpu" "$(b_ratio "$with_cpu" "$without_cpu")"
echo "goal <= 1.5x: wall $(b_ratio "$with" "$without")x, CPU $(b_ratio "$with_cpu" "$without_cpu")x;" \
	"peak RSS with ${with_rss} MB (goal < 500 MB), without ${without_rss} MB"

# sizes DB WHERE: "mean median count" of the set sizes of the binaries.
sizes() {
	sqlite3 -batch -noheader "$1" "SELECT count(*) FROM binary_syscall bs JOIN binary_sys s USING (binary_id)
		JOIN binary b ON b.id = s.binary_id WHERE s.status = 'ok' $2 GROUP BY bs.binary_id" |
		sort -n | awk '{ v[NR] = $1; s += $1 } END {
			if (!NR) { print "n/a n/a 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f %s %d\n", s / NR, m, NR }'
}

b_time t_usr "$parakit" scan --json --syscalls --jobs 2 --db "$tmp/usr.db" /usr/bin
echo
echo "set sizes (syscalls per binary)          mean   median   binaries"
read -r m md c <<<"$(sizes "$tmp/usr.db" "AND b.elf_type IN ('EXEC', 'DYN') AND b.soname IS NULL")"
printf '%-40s %6s %8s %10s\n' "/usr/bin executables (parakit)" "$m" "$md" "$c"
read -r m md c <<<"$(sizes "$tmp/w.db" "AND b.soname IS NULL")"
printf '%-40s %6s %8s %10s\n' "apt cache executables (parakit)" "$m" "$md" "$c"
read -r m md c <<<"$(sizes "$tmp/w.db" "")"
printf '%-40s %6s %8s %10s\n' "apt cache, all binaries (parakit)" "$m" "$md" "$c"
printf '%-40s %6s %8s %10s\n' "B-Side (published)" 43 - 557
printf '%-40s %6s %8s %10s\n' "B-Side's competitors (published)" "95, 271" - 557
echo "static binaries in the apt cache: $(sqlite3 "$tmp/w.db" "SELECT count(*) FROM binary WHERE static")," \
	"not analysed: $(sqlite3 "$tmp/w.db" "SELECT count(*) FROM binary_sys WHERE status <> 'ok'")," \
	"syscall sites $(sqlite3 "$tmp/w.db" "SELECT sum(sites) || ', unknown ' || sum(unknown_sites) FROM binary_sys")"
