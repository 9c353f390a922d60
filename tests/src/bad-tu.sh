#!/bin/bash
# Description: TUs that do not parse are recorded with their diagnostics
# (v_src_errors, at their line:col) while the run goes on: a syntax error
# (what clang still parsed is kept), a missing header, an unknown compiler
# flag, a compile_commands.json entry whose file is gone. The summary says
# how many parsed cleanly; the exit status is 1.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3

tree=$T_TMP/tree
mkdir -p "$tree"
cat > "$tree/good.c" <<'EOF2'
#include <unistd.h>
int good(int fd) { return close(fd); }
EOF2
cat > "$tree/syntax.c" <<'EOF2'
#include <unistd.h>
int before(int fd) { return close(fd); }
int broken(int fd) { return read(fd, ; }
EOF2
cat > "$tree/missing.c" <<'EOF2'
#include <unistd.h>
#include "no-such-header.h"
int m(int fd) { return write(fd, "", 0); }
EOF2

t_pk src --db "$T_TMP/db" --jobs 2 "$tree"
t_is "$T_RC" 1 "exit status 1 when some TUs did not parse cleanly"
t_like "$T_OUT" 'TUs +3: 1 parsed cleanly, 2 with errors, 0 failed \(see v_src_errors\)' "the summary counts clean TUs"
t_like "$(cat "$T_ERR")" "parakit src: cannot parse 'syntax.c' cleanly: syntax.c:3:38: expected expression" \
	"each broken TU is reported once on stderr"
sort > "$T_TMP/expected" <<'EOF2'
missing.c|error|missing.c:2:10|'no-such-header.h' file not found
syntax.c|error|syntax.c:3:38|expected expression
syntax.c|error|syntax.c:3:41|expected '}'
EOF2
t_sql "$T_TMP/db" "SELECT tu, severity, file || ':' || line || ':' || col, message FROM v_src_errors" |
	tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "the diagnostics, at their line:col"
sort > "$T_TMP/expected" <<'EOF2'
good.c|2|27|close
missing.c|3|24|write
syntax.c|2|29|close
EOF2
t_sql "$T_TMP/db" "SELECT file, line, col, posix_name FROM v_call_sites" | tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "the call sites clang could still parse are kept"
t_is "$(t_sql "$T_TMP/db" "SELECT group_concat(file || ' ' || status, ', ') FROM (SELECT * FROM src_tu ORDER BY file)")" \
	"good.c clean, missing.c errors, syntax.c errors" "each TU's status"

# With a build database: a flag clang does not know, a file that is gone.
cat > "$tree/compile_commands.json" <<EOF2
[
 {"directory": "$tree", "file": "good.c", "arguments": ["cc", "-c", "-o", "good.o", "good.c"]},
 {"directory": "$tree", "file": "gone.c", "arguments": ["cc", "-c", "gone.c"]},
 {"directory": "$tree", "file": "syntax.c", "arguments": ["cc", "-fbogus-flag", "-c", "syntax.c"]}
]
EOF2
t_pk src --db "$T_TMP/db" "$tree"
t_is "$T_RC" 1 "compile_commands.json: exit status 1"
t_like "$T_OUT" 'TUs +3: 1 parsed cleanly, 1 with errors, 1 failed' "compile_commands.json: a failed TU is counted"
sort > "$T_TMP/expected" <<'EOF2'
gone.c|fatal||cannot open: No such file or directory
syntax.c|error||unknown argument: '-fbogus-flag'
syntax.c|error|syntax.c:3:38|expected expression
syntax.c|error|syntax.c:3:41|expected '}'
EOF2
t_sql "$T_TMP/db" "SELECT tu, severity, file || ':' || line || ':' || col, message FROM v_src_errors" |
	tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "compile_commands.json: the failures and their reasons, the previous run's replaced"
t_done
