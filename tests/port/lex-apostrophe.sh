#!/bin/bash
# Description: an apostrophe that opens no literal (the text of an #error
# or of an #if 0 branch, a comment of a build file: "it's") ends at its
# line. port's lexer used to let it take the newline, so every line below
# was counted short: a call below it was left "ambiguous: no name at the
# position libclang gives", and the hunks of a CMakeLists.txt whose
# comments say "it's" (json-c's) were headed with lines 2 short, which
# patch applies only by searching ("offset 2 lines").
. "$(dirname "$0")/../lib/t.sh"
t_require patch jq

tree=$T_TMP/tree
mkdir -p "$tree"
cat > "$tree/main.c" <<'EOF2'
#include <unistd.h>
#if 0
#error it's not built here
#warning don't
#endif
int main(void)
{
	char b[4];
	ssize_t n = read(0, b, sizeof(b));

	return n < 0;
}
EOF2
cat > "$tree/CMakeLists.txt" <<'EOF2'
# It's a program; that's all.
# Two lines that don't end their quote.
cmake_minimum_required(VERSION 3.13)
project(one C)
add_executable(one main.c)
EOF2
db=$T_TMP/port.db
t_pk port --db "$db" --level compat --json --diff "$T_TMP/p.diff" "$tree"
t_is "$T_RC" 0 "port exits 0"
t_is "$(jq -r '.sites[] | "\(.line) \(.callee) \(.action)"' <<< "$T_OUT")" "9 read rewritten" \
	"the call below the apostrophes is found and rewritten"
t_ok "main.c: read becomes pk_read" grep -q '^+	ssize_t n = pk_read(0, b, sizeof(b));$' "$T_TMP/p.diff"
t_is "$(patch -p1 --dry-run -d "$tree" -i "$T_TMP/p.diff" | grep -c 'offset\|fuzz')" 0 \
	"every hunk is headed with its own lines: patch needs no offset (main.c, CMakeLists.txt)"
t_is "$(grep -c '^@@ -2,4 +2,9 @@$' "$T_TMP/p.diff")" 1 "CMakeLists.txt's hunk starts at its line 2, the comment's second line"
t_done
