#!/bin/bash
# Description: parakit shim --run builds the shim once (cached by the
# binary's hash) and runs the program under it, passing its exit status and
# signals through; parakit's own failures are 125, 126, 127 as env(1). A
# run from the cache records the shim's decisions in a database that lacks
# them.
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
# Another database: the shim comes from the cache, its decisions are
# recorded all the same (issue 18), once.
so=$(ls "$T_TMP"/cache/parakit/shims/*.so)
decisions="SELECT decision || ' ' || count(*) FROM v_shims GROUP BY decision ORDER BY decision"
t_pk shim --run --db "$T_TMP/other.db" -- cat lines
t_is "$T_RC:$(t_sql "$T_TMP/other.db" "SELECT output FROM shim_build")" "0:$so" \
	"--run from the cache into another database: the cached shim's build is recorded"
t_is "$(t_sql "$T_TMP/other.db" "$decisions")" "$(t_sql "$S_DB" "$decisions")" \
	"... with the decisions the build recorded"
built=$(t_sql "$T_TMP/other.db" "SELECT built || rowid FROM shim_build")
t_pk shim --run --db "$T_TMP/other.db" -- cat lines
t_is "$T_RC:$(t_sql "$T_TMP/other.db" "SELECT count(*) || ' ' || max(built || rowid) FROM shim_build")" "0:1 $built" \
	"... and run again, left as they are"
t_is "$(stat -c %Y "$so")" "$first" "... the shim from the cache all along"
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
