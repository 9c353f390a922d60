#!/bin/bash
# Description: parakit shim --run builds the shim once (cached by the
# binary's hash) and runs the program under it, passing its exit status and
# signals through; parakit's own failures are 125, 126, 127 as env(1).
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
cd "$T_TMP" || exit 1
export XDG_CACHE_HOME=$T_TMP/cache
seq 1 1000 > lines

t_pk shim --run --db "$S_DB" -- cat lines
t_is "$T_RC" 0 "--run cat: status 0"
t_is "$T_OUT" "$(cat lines)" "--run cat: the program's output"
t_is "$(ls cache/parakit/shims/*.so | wc -l)" 1 "the shim is cached"
first=$(stat -c %Y cache/parakit/shims/*.so)
t_pk shim --run --db "$S_DB" -- cat missing
t_is "$T_RC" 1 "--run passes the program's status (1)"
t_is "$(cat "$T_ERR")" "cat: missing: No such file or directory" "--run: the program's error message, nothing else"
t_is "$(stat -c %Y cache/parakit/shims/*.so)" "$first" "the cached shim is reused"
t_pk shim --run --db "$S_DB" -- sh -c 'exit 42'
t_is "$T_RC" 42 "--run: exit 42 passes through"
t_pk shim --run --db "$S_DB" -- sh -c 'kill -TERM $$'
t_is "$T_RC" 143 "--run: death by SIGTERM is 128+15 to the shell"
t_pk shim --run --db "$S_DB" -- no-such-program
t_is "$T_RC" 127 "--run: not found is 127"
printf 'x' > notexec
t_pk shim --run --db "$S_DB" -- ./notexec
t_is "$T_RC" 126 "--run: not executable is 126"
printf 'int main(void){return 0;}\n' > prog.c
cc -static -o static prog.c
t_pk shim --run --db "$S_DB" -- ./static
t_is "$T_RC" 125 "--run: a refused binary is parakit's failure (125)"
t_like "$(cat "$T_ERR")" "static binary" "with the reason"
t_pk shim --run --db "$S_DB"
t_is "$T_RC" 125 "--run without a program is 125"
PK_ROUTE=ring strace -f -qq -o run.strace "$PARAKIT" shim --run --db "$S_DB" -- cat lines >/dev/null
t_ok "--run's program reads through io_uring" grep -q 'io_uring_enter' run.strace
t_done
