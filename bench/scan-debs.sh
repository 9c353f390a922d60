#!/usr/bin/env bash
# Benchmark: parakit scan over every .deb in the apt cache, against the
# floor of that work: decompressing only the packages' data.tar members
# (`xz -dc > /dev/null`, or zstd/gzip for the few that use those), which
# are extracted from their .debs beforehand, outside the timing.
# Goals: --jobs 1 <= 1.15x the floor, --jobs 2 < 0.65x the floor, peak
# RSS of --jobs 2 under 250 MB.
#
# usage: bench/scan-debs.sh [PARAKIT] [DIR]
here=$(dirname "$0")
. "$here/lib.sh"
parakit=${1:-build/parakit}
dir=${2:-/var/cache/apt/archives}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/pk-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ls "$dir"/*.deb | sort >"$tmp/debs"
n=$(wc -l <"$tmp/debs")
mb=$(xargs -d '\n' du -cb <"$tmp/debs" | tail -1 | awk '{ printf "%.0f", $1 / 1e6 }')
mkdir "$tmp/data"
i=0
while read -r deb; do
	i=$((i + 1))
	m=$(ar t "$deb" | grep '^data\.tar' || true)
	[ -n "$m" ] && ar p "$deb" "$m" >"$tmp/data/$i-$m"
done <"$tmp/debs"
cat > "$tmp/floor.sh" <<'EOS'
for f in "$1"/*; do
	case "$f" in
	*.xz) xz -dc "$f" ;;
	*.zst) zstd -dcq "$f" ;;
	*.gz) gzip -dc "$f" ;;
	*) cat "$f" ;;
	esac
done >/dev/null
EOS
echo "debs in $dir: $n ($mb MB); data.tar kinds: $(ls "$tmp/data" | sed 's/.*\.//' | sort | uniq -c | tr '\n' ' ')"
xargs -d '\n' cat <"$tmp/debs" >/dev/null	# warm the page cache

b_time floor bash "$tmp/floor.sh" "$tmp/data"
b_time pk1 "$parakit" scan --jobs 1 --db "$tmp/j1.db" "$dir"
b_time pk2 "$parakit" scan --jobs 2 --db "$tmp/j2.db" "$dir"

echo
b_row "" "seconds" "vs floor"
b_row "decompress data.tar only (the floor)" "$floor" "1.000"
b_row "parakit scan --jobs 1" "$pk1" "$(b_ratio "$pk1" "$floor")"
b_row "parakit scan --jobs 2" "$pk2" "$(b_ratio "$pk2" "$floor")"
echo
echo "goals: --jobs 1 <= 1.15x floor: $(b_ratio "$pk1" "$floor")x; --jobs 2 < 0.65x floor: $(b_ratio "$pk2" "$floor")x"
echo "peak RSS: --jobs 1 ${pk1_rss} MB, --jobs 2 ${pk2_rss} MB (goal < 250 MB)"
echo "database: $(sqlite3 "$tmp/j2.db" 'SELECT count(*) FROM package') packages, $(sqlite3 "$tmp/j2.db" 'SELECT count(*) FROM binary') binaries, $(sqlite3 "$tmp/j2.db" 'SELECT count(*) FROM v_imports') imports, $(sqlite3 "$tmp/j2.db" 'SELECT count(*) FROM scan_error') errors"
