#!/bin/bash
# Description: --jobs 1 and --jobs 2 record the same rows; --json prints
# the summary as one JSON object on stdout; a re-run over the same tree
# gives the same rows (the tree's rows are replaced, a run row is added),
# and a re-run after a file changed drops the sites that are gone.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3 python3

tree=$T_TMP/tree
mkdir -p "$tree"
for i in 1 2 3 4 5 6; do
	cat > "$tree/f$i.c" <<EOF2
#include <stdio.h>
#include <unistd.h>
int f$i(int fd)
{
	char b[$i];
	if (read(fd, b, $i) != $i)
		perror("read");
	return close(fd) + printf("%d", $i);
}
EOF2
done
dump()
{
	t_sql "$1" "SELECT file, line, col, caller, callee, posix_name, kind, in_macro, macro_arg, seq,
		ret_used, errno_after FROM call_site ORDER BY file, line, col, callee, seq" > "$2"
	t_sql "$1" "SELECT * FROM v_src_errno_uses ORDER BY file, line, col" >> "$2"
	t_sql "$1" "SELECT tree, file, line, col, caller, callee, posix_name, blocking, in_macro
		FROM v_call_sites ORDER BY file, line, col" >> "$2"
}

t_pk src --db "$T_TMP/j1.db" --jobs 1 "$tree"
t_is "$T_RC" 0 "--jobs 1: exit 0"
dump "$T_TMP/j1.db" "$T_TMP/j1"
t_pk src --db "$T_TMP/j2.db" --jobs 2 --json "$tree"
t_is "$T_RC" 0 "--jobs 2 --json: exit 0"
dump "$T_TMP/j2.db" "$T_TMP/j2"
t_cmp "$T_TMP/j2" "$T_TMP/j1" "--jobs 2 records what --jobs 1 does"

printf '%s\n' "$T_OUT" > "$T_TMP/json"
t_is "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["tus"], d["tus_clean"], d["tus_errors"], d["tus_failed"], d["call_sites"], d["posix_call_sites"],
      d["blocking_call_sites"], d["errno_uses_after_posix"], d["flags_from"],
      " ".join("%s=%d" % (r["name"], r["count"]) for r in d["top_posix"]),
      len(d["blocking_per_file"]), d["blocking_per_file"][0]["count"])
' "$T_TMP/json" 2>&1)" \
	"6 6 0 0 24 24 18 0 the command line and the tree's header directories close=6 perror=6 printf=6 read=6 6 3" \
	"--json: one object with the counts, the top POSIX functions and the blocking sites per file"
t_is "$(printf '%s\n' "$T_OUT" | wc -l)" 1 "--json: one line on stdout"

t_pk src --db "$T_TMP/j2.db" --jobs 2 "$tree"
dump "$T_TMP/j2.db" "$T_TMP/j2again"
t_cmp "$T_TMP/j2again" "$T_TMP/j1" "a re-run gives the same rows"
t_is "$(t_sql "$T_TMP/j2.db" "SELECT count(*) FROM v_src_runs")" 2 "a re-run adds a run row"
t_is "$(t_sql "$T_TMP/j2.db" "SELECT count(*) FROM source_tree")" 1 "a re-run keeps one tree"

sed -i 's/return close(fd) + /return /' "$tree/f3.c"
t_pk src --db "$T_TMP/j2.db" --jobs 2 "$tree"
t_is "$(t_sql "$T_TMP/j2.db" "SELECT count(*) FROM v_call_sites WHERE posix_name = 'close'")" 5 \
	"a re-run after an edit drops the call that is gone"
t_done
