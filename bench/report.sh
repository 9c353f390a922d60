#!/usr/bin/env bash
# Benchmark: parakit report on the database of every .deb in the apt
# cache, against the scan that made that database, both timed in this run.
# Goal: the report takes under 10 % of the scan's time.
#
# With PAIRS_DB, a database of traced runs (tests/report/tinyproxy.sh
# keeps its own with T_SAVE_DB=FILE: tinyproxy plain, shimmed and ported),
# the report is also timed on it alone and on the apt cache's database with
# those runs merged in (parakit db merge): the before-and-after sections
# over a distribution-sized corpus. Each report is timed in ROUNDS (3)
# interleaved rounds, and their medians compared.
#
# usage: bench/report.sh [PARAKIT] [DIR] [PAIRS_DB]
here=$(dirname "$0")
. "$here/lib.sh"
parakit=${1:-build/parakit}
dir=${2:-/var/cache/apt/archives}
pairs=${3:-}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/pk-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

n=$(ls "$dir"/*.deb | wc -l)
ls "$dir"/*.deb | xargs -d '\n' cat >/dev/null	# warm the page cache
b_time scan "$parakit" scan --db "$tmp/apt.db" "$dir"
if [ -n "$pairs" ]; then
	cp "$tmp/apt.db" "$tmp/apt-pairs.db"
	b_time merge "$parakit" db merge "$tmp/apt-pairs.db" "$pairs"
fi
# The reports take a few seconds on a shared machine: ROUNDS interleaved
# rounds of each, their medians.
timed()
{
	local name=$1 t
	shift
	b_time t "$@"
	echo "$t" >> "$tmp/$name.times"
	printf -v "${name}_rss" '%s' "$t_rss"
}
median()
{
	sort -g "$tmp/$1.times" | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for _ in $(seq "${ROUNDS:-3}"); do
	timed report "$parakit" report --db "$tmp/apt.db" --out "$tmp/report"
	timed report_eq "$parakit" report --db "$tmp/apt.db" --out "$tmp/report-eq" --weights equal
	if [ -n "$pairs" ]; then
		timed report_pairs "$parakit" report --db "$pairs" --out "$tmp/report-pairs"
		timed report_merged "$parakit" report --db "$tmp/apt-pairs.db" --out "$tmp/report-merged"
	fi
done
report=$(median report) report_eq=$(median report_eq)
if [ -n "$pairs" ]; then
	report_pairs=$(median report_pairs) report_merged=$(median report_merged)
fi

echo "debs in $dir: $n; database: $(sqlite3 "$tmp/apt.db" 'SELECT count(DISTINCT package_id) FROM file') packages with ELF files, $(sqlite3 "$tmp/apt.db" 'SELECT count(*) FROM binary') binaries, $(sqlite3 "$tmp/apt.db" 'SELECT count(*) FROM import') imports"
echo
b_row "" "seconds" "vs scan"
b_row "parakit scan (the baseline)" "$scan" "1.000"
b_row "parakit report (PageRank weights)" "$report" "$(b_ratio "$report" "$scan")"
b_row "parakit report --weights equal" "$report_eq" "$(b_ratio "$report_eq" "$scan")"
if [ -n "$pairs" ]; then
	b_row "parakit report, $(sqlite3 "$pairs" 'SELECT count(*) FROM trace_run') traced runs alone" "$report_pairs" \
		"$(b_ratio "$report_pairs" "$scan")"
	b_row "parakit db merge of those runs" "$merge" "$(b_ratio "$merge" "$scan")"
	b_row "parakit report, the runs merged in" "$report_merged" "$(b_ratio "$report_merged" "$scan")"
	echo "the runs merged in: before and after tables of $(wc -l < "$tmp/report-merged/pairs.csv") lines (header included), as alone: $(cmp -s "$tmp/report-pairs/pairs.csv" "$tmp/report-merged/pairs.csv" && echo same || echo differ)"
fi
echo
echo "reports: medians of ${ROUNDS:-3} interleaved rounds: $(for f in "$tmp"/*.times; do printf '%s %s; ' "$(basename "$f" .times)" "$(tr '\n' ' ' < "$f")"; done)"
echo "goal: report < 0.10x scan: $(b_ratio "$report" "$scan")x; peak RSS: report ${report_rss} MB, scan ${scan_rss} MB"
echo "report: $(du -sh "$tmp/report" | cut -f1) in $(ls "$tmp/report" | wc -l) files, index.html $(wc -c < "$tmp/report/index.html") bytes"
