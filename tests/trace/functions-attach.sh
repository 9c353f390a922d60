#!/bin/bash
# Description: trace --functions -p and --cgroup: a running process (with
# a library it dlopened before the attach) is counted from the attach on,
# its child that executes another program too (that program's libm
# attached as it starts); in a cgroup, the process inside is counted and
# the one outside is not. The probes are the traced processes' own: the
# -p process's libc has breakpoints, a bash loop beside it has none and is
# not counted, and the kernel logs nothing about uprobes.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3 dd od
tr_require_bpf
tr_build_funcs
tr_guard_start
db=$T_TMP/t.db
N=700 D=40 E=90
IFS=$'\t' read -r lib off < <(tr_site getppid)

fn() { tr_val "$db" "SELECT $3 FROM v_trace_functions WHERE run_id = $1 AND function = '$2'"; }

# Started, and waiting for SIGUSR1 in sigwait (its dlopen done).
wait_ready()
{
	for _ in $(seq 100); do
		grep -q funcs_dl.so "/proc/$1/maps" 2>/dev/null &&
			[ "$(awk '/^SigBlk/ { print $2 }' "/proc/$1/status")" != 0000000000000000 ] && return 0
		sleep 0.05
	done
	return 1
}

"$T_TMP/funcs_wait" $N $D $E &
wpid=$!
wait_ready $wpid
"$PARAKIT" trace --functions -p $wpid --db "$db" -o "$T_TMP/p.out" 2>"$T_TMP/p.err" &
ppid=$!
t_ok "-p: probes attached" tr_wait_for "$T_TMP/p.err" "probes attached"
t_is "$(tr_code_byte $wpid "$lib" "$off")" cc "-p: getppid has a breakpoint in the traced process"
b=$(tr_code_byte "$TR_SIBLING" "$lib" "$off")
t_ok "-p: and none in the bash loop beside it ($b)" test -n "$b" -a "$b" != cc
kill -USR1 $wpid
rc=0
wait $ppid || rc=$?
t_is "$rc" 0 "-p: the trace ends with the process"
run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
tr_not_counted "$db" $run "$TR_SIBLING" "-p: the bash loop is not traced"
t_is "$(fn $run getppid calls)" $((N + D)) "-p: getppid, the process's and its dlopen'd library's"
t_is "$(fn $run umask calls)" "$D" "-p: umask from the library dlopened before the attach"
t_is "$(fn $run cos calls)" "$E" "-p: cos in the program its child executes"
t_is "$(tr_val "$db" "SELECT count(*) FROM trace_fn_binary WHERE run_id = $run")" 2 "-p: two binaries"
t_like "$(cat "$T_TMP/p.err")" "for 1 running process" "-p: says what it attached to"

mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$mnt" ]; then
	t_fail "--cgroup: no cgroup2 mount"
else
	name=parakit-test-fn.$$
	cg=$mnt/$name
	mkdir "$cg"
	trap 'rmdir "$cg" 2>/dev/null; tr_guard_stop; t_cleanup' EXIT
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3" "$4" "$5"' sh "$cg" "$T_TMP/funcs_wait" $N $D $E &
	inside=$!
	"$T_TMP/funcs_wait" 333 0 0 &
	outside=$!
	wait_ready $inside
	wait_ready $outside
	"$PARAKIT" trace --functions --cgroup "$name" --db "$db" -o "$T_TMP/cg.out" 2>"$T_TMP/cg.err" &
	ppid=$!
	t_ok "--cgroup: probes attached" tr_wait_for "$T_TMP/cg.err" "probes attached"
	kill -USR1 $inside $outside
	wait $inside
	wait $outside
	kill -INT $ppid
	rc=0
	wait $ppid || rc=$?
	t_is "$rc" 0 "--cgroup: Ctrl-C ends the trace"
	run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
	t_is "$(fn $run getppid calls)" $((N + D)) "--cgroup: the process inside, not the one outside"
	t_is "$(fn $run cos calls)" "$E" "--cgroup: cos in the program its child executes"
	tr_not_counted "$db" $run $outside "--cgroup: the process outside is not traced"
fi
tr_guard_check
t_done
