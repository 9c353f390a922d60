#!/bin/bash
# Description: a run over a real tree, Open vSwitch's lib/ (220+ TUs, from
# Debian's openvswitch-source, configured once: see ovs-tree.inc), built
# fortified as its package is: nearly every TU parses cleanly, a known call
# is found at its line:col, and for a sample of files the calls and
# addresses per callee equal clang's own AST dump with the same flags.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3 clang python3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/ovs-tree.inc"
ovs=$(src_ovs_tree) || t_skip_all "openvswitch-source is not installed or does not configure"
flags=("${SRC_OVS_FLAGS[@]}" -I "$ovs" -I "$ovs/include")

t_pk src --db "$T_TMP/db" --jobs 2 --json "$ovs/lib" -- "${flags[@]}"
t_like "$T_RC" '^[01]$' "the run completes (exit $T_RC)"
printf '%s\n' "$T_OUT" > "$T_TMP/json"
read -r tus clean sites posix < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["tus"], d["tus_clean"], d["call_sites"], d["posix_call_sites"])' "$T_TMP/json")
t_diag "TUs $tus, clean $clean, call sites $sites, to POSIX $posix"
t_ok "220+ TUs parsed" [ "${tus:-0}" -ge 220 ]
# The rest are Windows, DPDK, AF_XDP and unbound files this configuration
# leaves out of the build.
t_ok "at least 90% of them cleanly ($clean of $tus)" [ $((${clean:-0} * 100)) -ge $((${tus:-1} * 90)) ]
t_diag "$(t_sql "$T_TMP/db" "SELECT group_concat(file, ' ') FROM src_tu WHERE status != 'clean'")"
t_ok "30000+ call sites found ($sites)" [ "${sites:-0}" -ge 30000 ]
t_is "$(t_sql "$T_TMP/db" "SELECT caller, callee, posix_name, blocking, in_macro FROM v_call_sites
	WHERE file = 'process.c' AND line = 260 AND col = 11")" "process_start	fork	fork	0	0" \
	"process.c:260:11: pid = fork() in process_start"
t_is "$(t_sql "$T_TMP/db" "SELECT count(*) FROM call_site WHERE file LIKE '/%' OR file LIKE '../%'")" 0 \
	"no call site outside the tree (system headers, ../include)"

for f in daemon-unix.c socket-util.c stream-fd.c process.c latch-unix.c fatal-signal.c; do
	(cd "$ovs/lib" && clang -Xclang -ast-dump=json -fsyntax-only "${flags[@]}" -I "$ovs/lib" "$f" \
		2>/dev/null | python3 "$here/ast_count.py" "$f") > "$T_TMP/expected"
	t_sql "$T_TMP/db" "SELECT CASE kind WHEN 'call' THEN 'call ' ELSE 'address ' END || callee
		FROM call_site WHERE file = '$f' AND callee NOT LIKE '\_\_builtin\_%' ESCAPE '\'" |
		sort > "$T_TMP/got"
	t_cmp "$T_TMP/got" "$T_TMP/expected" "$f: calls and addresses per callee equal clang's AST dump"
done
t_done
