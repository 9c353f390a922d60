#!/bin/bash
# Description: where the flags come from. A compile_commands.json given
# with -p BUILD_DIR (an out-of-tree build: relative directories, per-file
# -D and -I) parses each TU with its own command, so a call under #ifdef
# that only one command defines is found; the same database found at the
# tree's root is used without -p; without one, the flags after '--' apply
# to every .c file, and the tree's header directories are found. The
# summary says which. CFLAGS after '--' are added to a database's commands.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3

tree=$T_TMP/proj
mkdir -p "$tree/src" "$tree/inc" "$T_TMP/build"
cat > "$tree/inc/cfg.h" <<'EOF2'
#include <unistd.h>
#define CFG_SYNC(fd) fsync(fd)
EOF2
cat > "$tree/src/main.c" <<'EOF2'
#include <cfg.h>
int main(void)
{
#ifdef WITH_SYNC
	CFG_SYNC(1);
#endif
	return close(0);
}
EOF2
cat > "$tree/src/util.c" <<'EOF2'
#include <cfg.h>
int util(void)
{
#ifdef WITH_SYNC
	return fdatasync(2);
#else
	return dup(2);
#endif
}
EOF2
# The build directory is beside the tree; paths are relative to it.
cat > "$T_TMP/build/compile_commands.json" <<'EOF2'
[
 {"directory": "../build", "file": "../proj/src/main.c",
  "arguments": ["cc", "-DWITH_SYNC", "-I../proj/inc", "-c", "-o", "main.o", "../proj/src/main.c"]},
 {"directory": ".", "file": "../proj/src/util.c",
  "command": "cc -I../proj/inc -c -o util.o ../proj/src/util.c"}
]
EOF2

t_pk src --db "$T_TMP/db" -p "$T_TMP/build"
t_is "$T_RC" 0 "-p BUILD_DIR: every TU parses cleanly"
t_like "$T_OUT" "parakit src: $(cd "$tree" && pwd -P)/src" "-p BUILD_DIR: the tree is the directory holding every TU"
t_like "$T_OUT" "flags +from compile_commands.json \($(cd "$T_TMP/build" && pwd -P)\)" "-p BUILD_DIR: the summary says so"
sort > "$T_TMP/expected" <<'EOF2'
main.c|5|2|fsync|1
main.c|7|9|close|0
util.c|7|9|dup|0
EOF2
t_sql "$T_TMP/db" "SELECT file, line, col, posix_name, in_macro FROM v_call_sites" | tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "-p BUILD_DIR: each TU parsed with its own -D and -I"

t_pk src --db "$T_TMP/db" -p "$T_TMP/build" "$tree" -- -DWITH_SYNC
sort > "$T_TMP/expected" <<'EOF2'
src/main.c|5|2|fsync|1
src/main.c|7|9|close|0
src/util.c|5|9|fdatasync|0
EOF2
t_sql "$T_TMP/db" "SELECT file, line, col, posix_name, in_macro FROM v_call_sites WHERE tree = '$(cd "$tree" && pwd -P)'" |
	tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "-p BUILD_DIR TREE -- CFLAGS: the flags are added to each command, paths relative to TREE"

# The same database at the tree's root, its paths now absolute.
sed -e "s|\\.\\./build|$T_TMP/build|; s|\"\\.\"|\"$T_TMP/build\"|; s|\\.\\./proj|$tree|g" \
	"$T_TMP/build/compile_commands.json" > "$tree/compile_commands.json"
rm -f "$T_TMP/db"
t_pk src --db "$T_TMP/db" "$tree"
t_like "$T_OUT" "flags +from compile_commands.json \($(cd "$tree" && pwd -P)\)" "found at the tree's root without -p"
sort > "$T_TMP/expected" <<'EOF2'
src/main.c|5|2|fsync|1
src/main.c|7|9|close|0
src/util.c|7|9|dup|0
EOF2
t_sql "$T_TMP/db" "SELECT file, line, col, posix_name, in_macro FROM v_call_sites" | tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "found at the tree's root: each TU's own flags"

# No database: the flags after '--' for every file; inc/ is found.
rm -f "$tree/compile_commands.json" "$T_TMP/db"
t_pk src --db "$T_TMP/db" "$tree" -- -DWITH_SYNC
t_is "$T_RC" 0 "no database: every TU parses cleanly (inc/ found by the search)"
t_like "$T_OUT" "flags +from the command line and the tree's header directories" "no database: the summary says so"
sort > "$T_TMP/expected" <<'EOF2'
src/main.c|5|2|fsync|1
src/main.c|7|9|close|0
src/util.c|5|9|fdatasync|0
EOF2
t_sql "$T_TMP/db" "SELECT file, line, col, posix_name, in_macro FROM v_call_sites" | tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "no database: -DWITH_SYNC applies to every file"
t_is "$(t_sql "$T_TMP/db" "SELECT arguments FROM src_tu WHERE file = 'src/util.c'")" \
	"clang -DWITH_SYNC -I $(cd "$tree" && pwd -P) -I $(cd "$tree" && pwd -P)/inc $(cd "$tree" && pwd -P)/src/util.c" \
	"no database: the command each TU was parsed with is recorded"

t_pk src --db "$T_TMP/db" -p "$T_TMP/nowhere"
t_is "$T_RC" 1 "-p a directory that does not exist: exit 1"
t_pk src --db "$T_TMP/db"
t_is "$T_RC" 2 "neither TREE nor -p: usage, exit 2"
t_pk src --db "$T_TMP/db" a b
t_is "$T_RC" 2 "two trees: usage, exit 2"
t_done
