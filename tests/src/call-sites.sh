#!/bin/bash
# Description: parakit src finds each call site of a fixture tree at its
# exact line:col: direct calls, calls in macro arguments (where the
# argument is written) and in macro bodies (where the macro is used),
# (read)(...), addresses taken (f = read, a file-scope table), errno read
# after a call, whether the value is used (statements, (void), if/for/while
# parts), calls in a tree header counted once however many TUs include it,
# #ifdef'd-out code not counted (and reported), and calls made in system
# headers (an -isystem header's inline function and macro) not the tree's.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3

tree=$T_TMP/tree
mkdir -p "$tree/include" "$T_TMP/sys"
# A "system" header outside the tree: its inline body's calls are not the
# tree's; a call its macro writes into the tree's code is.
cat > "$T_TMP/sys/syslib.h" <<'EOF2'
#include <unistd.h>
static inline ssize_t sys_read1(int fd, void *b) { return read(fd, b, 1); }
#define SYS_CLOSE(fd) close(fd)
EOF2
cat > "$tree/include/util.h" <<'EOF2'
#include <unistd.h>
#define CHECK(x) do { if ((x) < 0) _exit(1); } while (0)
#define READ_ALL(fd, b) read(fd, b, sizeof(b))
#define TWO(fd) (close(fd), close(fd + 1))
static inline int util_sync(int fd) { return fsync(fd); }
EOF2
cat > "$tree/a.c" <<'EOF2'
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <syslib.h>
#include "util.h"

static ssize_t (*table[])(int, void *, size_t) = { read, NULL };

int main(int argc, char **argv)
{
	char buf[64];
	ssize_t (*f)(int, void *, size_t);

	CHECK(read(0, buf, 1));
	READ_ALL(0, buf);
	(read)(0, buf, 2);
	f = read;
	f(0, buf, 3);
	if (write(1, buf, 1) < 0 && errno == EINTR)
		return 1;
	close(3);
	(void)close(4);
	for (close(5); close(6); close(7))
		;
	while (usleep(1))
		sleep(1);
	TWO(8);
	SYS_CLOSE(9);
	sys_read1(0, buf);
#ifdef NOT_DEFINED
	sleep(2);
#endif
	return table[0](0, buf, 1) + (int)argv[0][0] + argc;
}
EOF2
cat > "$tree/b.c" <<'EOF2'
#include <errno.h>
#include <stdio.h>
#include "util.h"

int use_errno(int fd)
{
	errno = 0;
	if (util_sync(fd))
		perror("fsync");
	return errno;
}
EOF2

t_pk src --db "$T_TMP/db" --jobs 2 "$tree" -- -isystem "$T_TMP/sys"
t_is "$T_RC" 0 "the tree parses cleanly (exit 0)"
t_like "$(cat "$T_ERR")" '^$' "nothing on stderr"
t_like "$T_OUT" 'TUs +2: 2 parsed cleanly, 0 with errors, 0 failed' "the summary counts the TUs"
t_like "$T_OUT" 'from the command line' "the summary says where the flags came from"
t_like "$T_OUT" '#if +1 branches not compiled \(3 lines\): not analysed' "#ifdef'd-out code is reported, not counted"

# file:line:col caller callee posix kind in_macro macro macro_arg ret_used errno_after
sort > "$T_TMP/expected" <<'EOF2'
a.c:7:52||read|read|address|0||0||0
a.c:14:2|main|_exit|_exit|call|1|CHECK|0||0
a.c:14:8|main|read|read|call|1|CHECK|1|1|0
a.c:15:2|main|read|read|call|1|READ_ALL|0|0|0
a.c:16:3|main|read|read|call|0||0|0|0
a.c:17:6|main|read|read|address|0||0||0
a.c:19:6|main|write|write|call|0||0|1|1
a.c:21:2|main|close|close|call|0||0|0|0
a.c:22:8|main|close|close|call|0||0|0|0
a.c:23:17|main|close|close|call|0||0|1|0
a.c:23:27|main|close|close|call|0||0|0|0
a.c:23:7|main|close|close|call|0||0|0|0
a.c:25:9|main|usleep|usleep|call|0||0|1|0
a.c:26:3|main|sleep|sleep|call|0||0|0|0
a.c:27:2|main|close|close|call|1|TWO|0|1|0
a.c:27:2|main|close|close|call|1|TWO|0|1|0
a.c:28:2|main|close|close|call|1|SYS_CLOSE|0|0|0
a.c:29:2|main|sys_read1||call|0||0|0|0
b.c:8:6|use_errno|util_sync||call|0||0|1|0
b.c:9:3|use_errno|perror|perror|call|0||0||1
include/util.h:5:46|util_sync|fsync|fsync|call|0||0|1|0
EOF2
t_sql "$T_TMP/db" "SELECT file || ':' || line || ':' || col, coalesce(caller, ''), callee,
	coalesce(posix_name, ''), kind, in_macro, coalesce(macro, ''), macro_arg,
	coalesce(ret_used, ''), errno_after FROM call_site" | tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "every call site at its line:col, with its macro, value use and errno facts"

t_is "$(t_sql "$T_TMP/db" "SELECT count(*) FROM v_call_sites WHERE file = 'include/util.h'")" 1 \
	"a header's call is stored once though two TUs include it"
t_is "$(t_sql "$T_TMP/db" "SELECT count(*) FROM v_call_sites WHERE line = 31 AND file = 'a.c'")" 0 \
	"the call in #ifdef NOT_DEFINED is not counted"
t_is "$(t_sql "$T_TMP/db" "SELECT file, first_line, last_line FROM src_skipped")" "a.c	30	32" \
	"the skipped branch is recorded (src_skipped)"
t_is "$(t_sql "$T_TMP/db" "SELECT count(*) FROM call_site WHERE file LIKE '%syslib%' OR file LIKE '/%'")" 0 \
	"calls made inside system headers are not the tree's"

# errno: read at a.c:19:30 after write; written at b.c:7:2 with no POSIX
# call before it; read at b.c:10:9 after perror (util_sync is no POSIX call).
sort > "$T_TMP/expected" <<'EOF2'
a.c:19:30|main|19:6 write
b.c:10:9|use_errno|9:3 perror
b.c:7:2|use_errno|
EOF2
t_sql "$T_TMP/db" "SELECT file || ':' || line || ':' || col, caller,
	coalesce(after_line || ':' || after_col || ' ' || after_posix_name, '') FROM v_src_errno_uses" |
	tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "errno uses, each with the POSIX call before it"

# The stable view: blocking from the catalogue, in_macro.
cat > "$T_TMP/expected" <<'EOF2'
a.c|14|8|main|read|read|1|1
a.c|19|6|main|write|write|1|0
a.c|21|2|main|close|close|0|0
a.c|25|9|main|usleep|usleep|1|0
b.c|9|3|use_errno|perror|perror|1|0
include/util.h|5|46|util_sync|fsync|fsync|1|0
EOF2
t_sql "$T_TMP/db" "SELECT file, line, col, caller, callee, posix_name, blocking, in_macro FROM v_call_sites
	WHERE tree = '$(cd "$tree" && pwd -P)' AND (file, line, col) IN
	(('a.c', 14, 8), ('a.c', 19, 6), ('a.c', 21, 2), ('a.c', 25, 9), ('b.c', 9, 3), ('include/util.h', 5, 46))" |
	tr '\t' '|' | sort > "$T_TMP/got"
t_cmp "$T_TMP/got" "$T_TMP/expected" "v_call_sites: tree, position, caller, callee, POSIX name, blocking, in_macro"
t_like "$T_OUT" 'blocking call sites per file:' "the summary lists blocking call sites per file"
t_like "$T_OUT" $'\n  close +7\n' "the summary lists the most called POSIX functions"

t_done
