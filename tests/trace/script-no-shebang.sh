#!/bin/bash
# Description: parakit trace -- ./script runs an executable script without
# "#!" with /bin/sh, as env(1) does (execvp falls back to the shell on
# ENOEXEC): the script's status, $0 and arguments, found on PATH too, and
# only the shell's calls counted (one execve, no failed one), as strace -f -c
# counts "sh script". A binary the kernel refuses (ELF magic, or a NUL in
# its first line, as bash judges) is still "cannot run" (126).
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require strace sqlite3
tr_require_bpf
cd "$T_TMP" || exit 1
db=$T_TMP/t.db

printf 'echo "ran $0 $*"\nexit 3\n' > script
chmod +x script
t_pk trace --no-db -o /dev/null -- ./script a 'b c'
t_is "$T_RC" 3 "no #!: run by /bin/sh, its status passes through"
t_is "$T_OUT" "ran ./script a b c" "with \$0 the script and its arguments"

printf 'exit 0\n' > ok-script
chmod +x ok-script
t_pk trace --no-db -o /dev/null -- ./ok-script
t_is "$T_RC" 0 "no #!: status 0, as env(1)"
t_pk trace --no-db -o /dev/null -- env ./ok-script
t_is "$T_RC" 0 "env(1) under the tracer agrees"

mkdir bin
printf 'echo "on PATH $0"\n' > bin/pk-script
chmod +x bin/pk-script
T_RC=0
T_OUT=$(PATH=$T_TMP/bin:$PATH "$PARAKIT" trace --no-db -o /dev/null -- pk-script 2>"$T_ERR") || T_RC=$?
t_is "$T_RC" 0 "no #!, found on PATH: runs"
t_is "$T_OUT" "on PATH $T_TMP/bin/pk-script" "with \$0 the file found"

: > empty
chmod +x empty
t_pk trace --no-db -o /dev/null -- ./empty
t_is "$T_RC" 0 "an empty executable file: the shell runs nothing, status 0"

# Counted from the shell's execve: the launcher's failed one is not the
# command's.
printf 'cat /dev/null\nls -d / >/dev/null\n' > counted
chmod +x counted
t_pk trace --db "$db" -o /dev/null -- ./counted
t_is "$T_RC" 0 "traced with the database"
t_is "$(tr_val "$db" "SELECT calls || ' ' || errors FROM v_trace_syscalls WHERE run_id = 1 AND syscall = 'execve'")" \
	"3 0" "execve: the shell's and its two commands', none failed"
tr_strace_counts "$T_TMP/strace" sh ./counted
tr_db_counts "$db" 1 "$T_TMP/ours"
t_cmp "$T_TMP/ours" "$T_TMP/strace" "per-syscall calls equal strace -f -c's of 'sh ./counted'"
t_is "$(tr_val "$db" "SELECT processes FROM v_trace_runs WHERE run_id = 1")" 3 "three processes: the shell, cat, ls"
t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_processes WHERE run_id = 1 AND exe = '/bin/sh' AND exit_code = 0")" \
	1 "the first one runs /bin/sh"
t_pk trace --count --db "$db" -o /dev/null -- ./counted
t_is "$(tr_val "$db" "SELECT calls || ' ' || errors FROM v_trace_syscalls WHERE run_id = 2 AND syscall = 'execve'")" \
	"3 0" "--count: the same execve count"
t_pk trace --filter openat --db "$db" -o /dev/null -- ./counted
t_is "$(tr_val "$db" "SELECT group_concat(syscall || ' ' || calls) FROM v_trace_syscalls WHERE run_id = 3")" \
	"$(awk '$1 == "openat" { print $1 " " $2 }' "$T_TMP/strace")" "--filter openat: the shell's opens, as strace counts them"

printf 'ab\0cd\necho no\n' > nul
chmod +x nul
t_pk trace --no-db -o /dev/null -- ./nul
t_is "$T_RC" 126 "a NUL in the first line: a binary, not a script: 126"
t_like "$(cat "$T_ERR")" "cannot run '\./nul': Exec format error" "with the reason"
t_is "$T_OUT" "" "and the shell did not run it"
t_done
