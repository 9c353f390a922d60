#!/bin/bash
# Description: parakit shim --run finds its program as execvp(3) does
# (through PATH, an empty entry meaning the current directory, directories
# and files it may not execute skipped; a name with a slash is a path),
# follows symbolic links to the binary but runs it by the name found, and
# never runs a program it cannot shim unless --or-plain says so: a script is
# parakit's failure (125) and does not run; with --or-plain it runs, its
# status passed through, and stderr says it ran without a shim (issue 16).
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
cd "$T_TMP" || exit 1
export XDG_CACHE_HOME=$T_TMP/cache
SHIMS=$T_TMP/cache/parakit/shims

# The program prints its name as the kernel knows it (comm), its first
# argument and its LD_PRELOAD, and exits 3.
cat > prog.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	const char *pre = getenv("LD_PRELOAD");

	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	printf("%s %s %s\n", comm, argc > 1 ? argv[1] : "-", pre ? pre : "(none)");
	return 3;
}
EOF
mkdir -p bin links other/tool empty noexec
cc -O2 -o bin/tool prog.c || t_fail "cc builds the fixture"
ln -s "$T_TMP/bin/tool" links/alias
cp bin/tool noexec/tool && chmod a-x noexec/tool

# ran DESC WANT_COMM: the last run was the program under a cached shim.
ran()
{
	t_is "$T_RC" 3 "$1: the program's status (3)"
	t_like "$T_OUT" "^$2 x $SHIMS/[0-9a-f]{32}-[0-9a-f]{16}\\.so\$" "$1: ran as '$2' under the cached shim"
}

PATH=$T_TMP/bin:$PATH t_pk shim --run --db "$S_DB" -- tool x
ran "a name through PATH" tool
PATH=$T_TMP/links:$PATH t_pk shim --run --db "$S_DB" -- alias x
ran "a symbolic link through PATH" alias
t_is "$(ls "$SHIMS" | wc -l)" 1 "the link's target is the same binary: one shim"
t_pk shim --run --db "$S_DB" -- links/alias x
ran "a relative path to a symbolic link" alias
cd bin || exit 1
PATH=/nonexistent::/usr/bin t_pk shim --run --db "$S_DB" -- tool x
cd "$T_TMP" || exit 1
ran "an empty PATH entry is the current directory" tool
PATH=$T_TMP/other:$T_TMP/bin t_pk shim --run --db "$S_DB" -- tool x
ran "a directory on PATH is skipped" tool
PATH=$T_TMP/noexec:$T_TMP/bin t_pk shim --run --db "$S_DB" -- tool x
ran "a file without x permission on PATH is skipped" tool
PATH=$T_TMP/noexec:$T_TMP/empty t_pk shim --run --db "$S_DB" -- tool x
t_is "$T_RC" 126 "only a file without x permission on PATH: 126, as env(1)"
t_like "$(cat "$T_ERR")" "cannot run 'tool': Permission denied" "and says why"
PATH=$T_TMP/empty t_pk shim --run --db "$S_DB" -- tool x
t_is "$T_RC" 127 "not found: 127"
t_like "$(cat "$T_ERR")" "cannot run 'tool': No such file or directory" "and says why"

# A script cannot be shimmed: its interpreter would run without the shim.
printf '#!/bin/sh\ntouch "%s/script-ran"\nexit 7\n' "$T_TMP" > bin/script
chmod +x bin/script
PATH=$T_TMP/bin:$PATH t_pk shim --run --db "$S_DB" -- script
t_is "$T_RC" 125 "a script without --or-plain: 125"
t_ok "and it did not run" test ! -e script-ran
t_like "$(cat "$T_ERR")" "cannot shim 'script': '$T_TMP/bin/script' is a script \\(#!/bin/sh\\): shim its interpreter" \
	"with the reason"
PATH=$T_TMP/bin:$PATH t_pk shim --run --or-plain --db "$S_DB" -- script
t_is "$T_RC" 7 "a script with --or-plain runs; its status (7) passes through"
t_ok "and it ran" test -e script-ran
t_like "$(cat "$T_ERR")" "^parakit shim: running 'script' without a shim: .* is a script" \
	"stderr says it ran without a shim"
t_pk shim --or-plain --db "$S_DB" bin/tool
t_is "$T_RC" 2 "--or-plain without --run is bad usage (2)"
t_done
