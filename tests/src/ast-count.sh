#!/bin/bash
# Description: per file and callee, the calls and addresses parakit src
# records equal an independent count from clang's own AST dump
# (clang -Xclang -ast-dump=json -fsyntax-only, walked by ast_count.py) on
# the same files with the same flags: nested calls, calls in initializers,
# in macro arguments and bodies, through (f)(), function pointer tables,
# static inline functions, recursion, ternaries and comma expressions.
. "$(dirname "$0")/../lib/t.sh"
t_require sqlite3 clang python3
here=$(cd "$(dirname "$0")" && pwd)

tree=$T_TMP/tree
mkdir -p "$tree/sub"
cat > "$tree/macros.h" <<'EOF2'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define TRY(x) do { if ((x) < 0) { perror(#x); exit(1); } } while (0)
#define DUP2(a, b) (dup(a), dup(b))
#define LEN(s) strlen(s)
EOF2
cat > "$tree/one.c" <<'EOF2'
#include "macros.h"
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t (*const lens[])(const char *) = { strlen, NULL };
static int depth(int n) { return n ? depth(n - 1) + 1 : 0; }

int one(int fd, const char *s)
{
	char buf[16];
	int (*cl)(int) = close;
	size_t n = LEN(s) + strlen(strchr(s, 'x') ? s : "");

	TRY(write(fd, s, LEN(s)));
	pthread_mutex_lock(&lock);
	n += (read)(fd, buf, sizeof(buf)) > 0 ? atoi(buf) : abs(-1);
	pthread_mutex_unlock(&lock);
	DUP2(fd, fd);
	(void)(cl(fd), close(fd + 1));
	return (int)n + depth(3) + (int)lens[0](s);
}
EOF2
cat > "$tree/sub/two.c" <<'EOF2'
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_sig(int sig) { (void)sig; }

int two(void)
{
	pid_t pid = fork();
	int status;

	signal(SIGINT, on_sig);
	if (pid == 0)
		_exit(execlp("true", "true", (char *)NULL));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		sleep(1);
	for (int i = 0; i < 3; i++)
		printf("%d%s", i, i < 2 ? ", " : "\n");
	return WEXITSTATUS(status);
}
EOF2

for flags in "-O0" "-D_FORTIFY_SOURCE=2 -O2"; do
	rm -f "$T_TMP/db"
	# shellcheck disable=SC2086
	t_pk src --db "$T_TMP/db" "$tree" -- $flags
	t_is "$T_RC" 0 "$flags: parses cleanly"
	for f in one.c sub/two.c; do
		# shellcheck disable=SC2086
		(cd "$tree" && clang -Xclang -ast-dump=json -fsyntax-only $flags -I "$tree" "$f" 2>/dev/null |
			python3 "$here/ast_count.py" "$f") > "$T_TMP/expected"
		# The AST names the function called: compare callees, with
		# fortify's builtins (__builtin___snprintf_chk) left out on both sides.
		t_sql "$T_TMP/db" "SELECT CASE kind WHEN 'call' THEN 'call ' ELSE 'address ' END || callee
			FROM call_site WHERE file = '$f' AND callee NOT LIKE '\_\_builtin\_%' ESCAPE '\'" |
			sort > "$T_TMP/got"
		t_cmp "$T_TMP/got" "$T_TMP/expected" "$flags: $f: calls and addresses per callee equal clang's AST dump"
	done
done
t_done
