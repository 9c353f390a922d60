#!/usr/bin/env bash
# Benchmark: parakit src over a real C tree, Open vSwitch's lib/ (220+ TUs,
# ~150k lines of its own C, from Debian's openvswitch-source: see
# tests/src/ovs-tree.inc), with --jobs 1 and --jobs 2, against one
# `clang -fsyntax-only` process per TU with the very same command (from
# src_tu.arguments), run one at a time and two at a time. Goal: faster
# than that baseline. All in one run, the page cache warm for everyone.
#
# usage: bench/src.sh [PARAKIT]
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/../tests/src/ovs-tree.inc"
parakit=${1:-build/parakit}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ovs=$(src_ovs_tree) || { echo "bench/src.sh: openvswitch-source is not installed or does not configure" >&2; exit 1; }
flags=("${SRC_OVS_FLAGS[@]}" -I "$ovs" -I "$ovs/include")
lines=$(find "$ovs/lib" -name '*.[ch]' -print0 | xargs -0 cat | wc -l)

# Warm-up, and the commands for the baseline.
"$parakit" src --db "$tmp/warm.db" --jobs 2 "$ovs/lib" -- "${flags[@]}" >/dev/null 2>&1 || true
sqlite3 -separator "$(printf '\t')" "$tmp/warm.db" "SELECT directory, arguments FROM src_tu ORDER BY file" |
	awk -F'\t' '{ printf "cd %s && clang-14%s -fsyntax-only -w >/dev/null 2>&1\n", $1, substr($2, 6) }' >"$tmp/cmds"
n=$(wc -l <"$tmp/cmds")
# Two at a time: alternate lines to two scripts run side by side.
awk 'NR % 2' "$tmp/cmds" >"$tmp/cmds.a"
awk '!(NR % 2)' "$tmp/cmds" >"$tmp/cmds.b"
# TUs that do not parse (Windows, DPDK files) fail: /usr/bin/time must see 0.
for f in "$tmp"/cmds*; do echo true >>"$f"; done
echo "tree: $ovs/lib, $n TUs, $lines lines of .c and .h; $(nproc) CPUs; $(clang-14 --version | head -1)"

b_time clang1 sh "$tmp/cmds"
b_time clang2 sh -c "sh '$tmp/cmds.a' & sh '$tmp/cmds.b'; wait"
# parakit exits 1 when some TUs did not parse cleanly: a finding.
pk='"$0" src --db "$1" --jobs "$2" "$3" -- "${@:4}" || [ $? -eq 1 ]'
b_time pk1 bash -c "$pk" "$parakit" "$tmp/j1.db" 1 "$ovs/lib" "${flags[@]}"
b_time pk2 bash -c "$pk" "$parakit" "$tmp/j2.db" 2 "$ovs/lib" "${flags[@]}"

rate() { b_ratio "$n" "$1"; }
echo
printf '%-52s %10s %8s %8s\n' "" "seconds" "TUs/s" "ratio"
printf '%-52s %10s %8s %8s\n' "clang -fsyntax-only, one process per TU (baseline)" "$clang1" "$(rate "$clang1")" "1.000"
printf '%-52s %10s %8s %8s\n' "clang -fsyntax-only, one process per TU, 2 at once" "$clang2" "$(rate "$clang2")" "$(b_ratio "$clang2" "$clang1")"
printf '%-52s %10s %8s %8s\n' "parakit src --jobs 1" "$pk1" "$(rate "$pk1")" "$(b_ratio "$pk1" "$clang1")"
printf '%-52s %10s %8s %8s\n' "parakit src --jobs 2" "$pk2" "$(rate "$pk2")" "$(b_ratio "$pk2" "$clang1")"
echo
echo "parakit --jobs 1 vs clang one at a time: $(b_ratio "$clang1" "$pk1")x faster (goal > 1x)"
echo "parakit --jobs 2 vs clang two at a time: $(b_ratio "$clang2" "$pk2")x faster (goal > 1x)"
echo "peak RSS: parakit --jobs 2 ${pk2_rss} MB"
echo "call sites found: $(sqlite3 "$tmp/j2.db" "SELECT count(*) FROM v_call_sites"), to POSIX functions: $(sqlite3 "$tmp/j2.db" "SELECT count(*) FROM v_call_sites WHERE posix_name IS NOT NULL"), blocking: $(sqlite3 "$tmp/j2.db" "SELECT count(*) FROM v_call_sites WHERE blocking"); TUs clean: $(sqlite3 "$tmp/j2.db" "SELECT count(*) FROM src_tu WHERE status = 'clean'")/$n"
