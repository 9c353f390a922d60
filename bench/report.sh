#!/usr/bin/env bash
# Benchmark: parakit report on the database of every .deb in the apt
# cache, against the scan that made that database, both timed in this run.
# Goal: the report takes under 10 % of the scan's time.
#
# usage: bench/report.sh [PARAKIT] [DIR]
here=$(dirname "$0")
. "$here/lib.sh"
parakit=${1:-build/parakit}
dir=${2:-/var/cache/apt/archives}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/pk-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

n=$(ls "$dir"/*.deb | wc -l)
ls "$dir"/*.deb | xargs -d '\n' cat >/dev/null	# warm the page cache
b_time scan "$parakit" scan --db "$tmp/apt.db" "$dir"
b_time report "$parakit" report --db "$tmp/apt.db" --out "$tmp/report"
b_time report_eq "$parakit" report --db "$tmp/apt.db" --out "$tmp/report-eq" --weights equal

echo "debs in $dir: $n; database: $(sqlite3 "$tmp/apt.db" 'SELECT count(DISTINCT package_id) FROM file') packages with ELF files, $(sqlite3 "$tmp/apt.db" 'SELECT count(*) FROM binary') binaries, $(sqlite3 "$tmp/apt.db" 'SELECT count(*) FROM import') imports"
echo
b_row "" "seconds" "vs scan"
b_row "parakit scan (the baseline)" "$scan" "1.000"
b_row "parakit report (PageRank weights)" "$report" "$(b_ratio "$report" "$scan")"
b_row "parakit report --weights equal" "$report_eq" "$(b_ratio "$report_eq" "$scan")"
echo
echo "goal: report < 0.10x scan: $(b_ratio "$report" "$scan")x; peak RSS: report ${report_rss} MB, scan ${scan_rss} MB"
echo "report: $(du -sh "$tmp/report" | cut -f1) in $(ls "$tmp/report" | wc -l) files, index.html $(wc -c < "$tmp/report/index.html") bytes"
