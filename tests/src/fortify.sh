#!/bin/bash
# Description: a fortified build (-D_FORTIFY_SOURCE=2 -O2, glibc's
# bits/*2.h under clang) finds the same call sites as a plain one: printf
# expanding to __printf_chk, snprintf to __builtin___snprintf_chk, are
# direct calls to printf and snprintf at the macro's name (not "in a
# macro"); read and open reached through glibc's inline wrappers (which
# call __read_chk, __read_alias, __open_2) count as read and open.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3

tree=$T_TMP/tree
mkdir -p "$tree"
cat > "$tree/f.c" <<'EOF2'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[64], dst[64];
	int fd = open(argv[0], O_RDONLY);

	if (read(fd, buf, argc * 8) < 0)
		return 1;
	printf("%d\n", fd);
	fprintf(stderr, "%s\n", buf);
	snprintf(dst, sizeof(dst), "%s", buf);
	memcpy(dst, buf, argc);
	return 0;
}
EOF2

# line:col posix_name in_macro ret_used
cat > "$T_TMP/expected" <<'EOF2'
11|6|read|0|1
13|2|printf|0|0
14|2|fprintf|0|0
15|2|snprintf|0|0
16|2|memcpy|0|0
9|11|open|0|1
EOF2
for build in plain fortified; do
	flags=()
	[ $build = fortified ] && flags=(-D_FORTIFY_SOURCE=2 -O2)
	t_pk src --db "$T_TMP/$build.db" "$tree" -- "${flags[@]}"
	t_is "$T_RC" 0 "$build: parses cleanly"
	t_sql "$T_TMP/$build.db" "SELECT line, col, posix_name, in_macro, ret_used FROM call_site" |
		tr '\t' '|' | sort > "$T_TMP/got.$build"
	t_cmp "$T_TMP/got.$build" "$T_TMP/expected" "$build: the call sites at their line:col"
done
t_is "$(t_sql "$T_TMP/fortified.db" "SELECT group_concat(callee, ' ') FROM (SELECT callee FROM call_site ORDER BY line)")" \
	"open read __printf_chk __fprintf_chk __builtin___snprintf_chk memcpy" \
	"fortified: the callee clang resolved is kept beside the POSIX name"
t_is "$(t_sql "$T_TMP/fortified.db" "SELECT count(*) FROM call_site WHERE callee LIKE '__builtin_object_size%'")" 0 \
	"fortified: compiler builtins (__builtin_object_size) are no call sites"
t_done
