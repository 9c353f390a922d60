#!/usr/bin/env bash
# Benchmark: parakit scan over every ELF file under /usr, against a
# `readelf --dyn-syms -W` loop over the same files (goal: >= 20x faster)
# and `scanelf -R` listing their symbols (goal: faster). All in one run,
# caches warm for everyone (each tool reads the files once first).
#
# usage: bench/scan-usr.sh [PARAKIT] [ROOT]
here=$(dirname "$0")
. "$here/lib.sh"
parakit=${1:-build/parakit}
root=${2:-/usr}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

scanelf -RByF '%F' "$root" 2>/dev/null | sort >"$tmp/elfs"
n=$(wc -l <"$tmp/elfs")
mb=$(xargs -d '\n' du -cb <"$tmp/elfs" | tail -1 | awk '{ printf "%.0f", $1 / 1e6 }')
xargs -d '\n' cat <"$tmp/elfs" >/dev/null	# warm the page cache
echo "ELF files under $root: $n ($mb MB), $(nproc) CPUs"

b_time readelf sh -c "xargs -d '\n' -n1 readelf --dyn-syms -W <'$tmp/elfs'"
b_time scanelf scanelf -yqR -s '*' "$root"
# The same files as the baselines get, then the whole walk of ROOT, which
# also reads the first bytes of every other file to classify it.
b_time pk1 "$parakit" scan --jobs 1 --db "$tmp/l1.db" --files-from "$tmp/elfs"
b_time pk2 "$parakit" scan --jobs 2 --db "$tmp/l2.db" --files-from "$tmp/elfs"
b_time pkw "$parakit" scan --jobs 2 --db "$tmp/j2.db" "$root"
b_time pkre "$parakit" scan --jobs 2 --db "$tmp/j2.db" "$root"

echo
b_row "" "seconds" "ratio"
b_row "readelf --dyn-syms -W loop (baseline)" "$readelf" "1.000"
b_row "scanelf -R -s '*'" "$scanelf" "$(b_ratio "$scanelf" "$readelf")"
b_row "parakit scan --jobs 1, the same files" "$pk1" "$(b_ratio "$pk1" "$readelf")"
b_row "parakit scan --jobs 2, the same files" "$pk2" "$(b_ratio "$pk2" "$readelf")"
b_row "parakit scan --jobs 2 $root (walks all)" "$pkw" "$(b_ratio "$pkw" "$readelf")"
b_row "parakit scan --jobs 2 $root, re-run" "$pkre" "$(b_ratio "$pkre" "$readelf")"
echo
echo "parakit --jobs 2 vs readelf: $(b_ratio "$readelf" "$pk2")x faster on the same files, $(b_ratio "$readelf" "$pkw")x walking $root (goal >= 20x)"
echo "parakit --jobs 2 vs scanelf -R: $(b_ratio "$scanelf" "$pkw")x faster walking $root (goal > 1x)"
echo "peak RSS: parakit --jobs 2 ${pk2_rss} MB on the files, ${pkw_rss} MB walking $root"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binaries in the database: $(sqlite3 "$tmp/j2.db" 'SELECT count(*) FROM binary'), imports: $(sqlite3 "$tmp/j2.db" 'SELECT count(*) FROM v_imports')"
