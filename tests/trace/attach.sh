#!/bin/bash
# Description: -p attaches to a running process, all its threads, and its
# future children (not with --no-follow), and ends when they have exited;
# --cgroup traces everything in a cgroup made here and nothing outside it;
# processes in another pid namespace are reported with the pids they see.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build waiter
tr_build counts
db=$T_TMP/t.db
N=2000 C=500

# wait_for FILE REGEX: until FILE holds a line matching REGEX (10 s).
wait_for()
{
	for _ in $(seq 100); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_threads()
{
	for _ in $(seq 100); do
		[ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -ge 2 ] && return 0
		sleep 0.05
	done
	return 1
}

getppid_calls()
{
	tr_val "$db" "SELECT calls FROM v_trace_syscalls WHERE run_id = $1 AND syscall = 'getppid'"
}

run=0
for follow in yes no; do
	trig=$T_TMP/go-$follow
	"$T_TMP/waiter" "$trig" $N $C &
	wpid=$!
	wait_threads $wpid
	flag=
	[ $follow = no ] && flag=--no-follow
	"$PARAKIT" trace -p $wpid $flag --db "$db" -o "$T_TMP/p-$follow.out" 2>"$T_TMP/p-$follow.err" &
	ppid=$!
	t_ok "-p $flag: attached" wait_for "$T_TMP/p-$follow.err" "tracing 1 process"
	touch "$trig"
	rc=0
	wait $ppid || rc=$?
	run=$((run + 1))
	t_is "$rc" 0 "-p $flag: ends by itself when the process has exited"
	wait $wpid
	if [ $follow = yes ]; then
		t_is "$(getppid_calls $run)" $((2 * N + C)) "-p: both threads and the forked child, exactly"
		t_is "$(tr_val "$db" "SELECT processes FROM v_trace_runs WHERE run_id = $run")" 2 "-p: two processes recorded"
		t_is "$(tr_val "$db" "SELECT count(*) FROM trace_process WHERE run_id = $run AND pid = $wpid AND attached = 1 AND exe LIKE '%/waiter'")" \
			1 "-p: the attached process, with its exe"
	else
		t_is "$(getppid_calls $run)" $((2 * N)) "-p --no-follow: both threads, not the child"
	fi
done

# --cgroup: a cgroup of our own under the cgroup2 mount.
mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
if [ -z "$mnt" ]; then
	t_fail "--cgroup: no cgroup2 mount"
else
	name=parakit-test.$$
	cg=$mnt/$name
	mkdir "$cg"
	trap 'rmdir "$cg" 2>/dev/null; t_cleanup' EXIT
	trig=$T_TMP/go-cg
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" "$3" "$4" "$5"' sh "$cg" "$T_TMP/waiter" "$trig" $N $C &
	inside=$!
	"$T_TMP/waiter" "$trig" 777 0 &
	outside=$!
	wait_threads $inside
	wait_threads $outside
	"$PARAKIT" trace --cgroup "$name" --db "$db" -o "$T_TMP/cg.out" 2>"$T_TMP/cg.err" &
	ppid=$!
	t_ok "--cgroup: started" wait_for "$T_TMP/cg.err" "tracing cgroup"
	touch "$trig"
	wait $inside
	wait $outside
	kill -INT $ppid
	rc=0
	wait $ppid || rc=$?
	run=$((run + 1))
	t_is "$rc" 0 "--cgroup: Ctrl-C ends the trace"
	t_is "$(getppid_calls $run)" $((2 * N + C)) "--cgroup: everything inside, nothing outside"
	t_is "$(tr_val "$db" "SELECT count(*) FROM trace_process WHERE run_id = $run AND pid = $outside")" 0 \
		"--cgroup: the outside process is not recorded"
fi

# A pid namespace: the command sees itself as pid 1. Creating one takes
# CAP_SYS_ADMIN; root without it (a container granted only CAP_BPF and
# CAP_PERFMON, which tracing needs) gets EPERM, but may still create a
# user namespace, which owns a pid namespace it creates.
pidns=
for how in "" "--user --map-root-user"; do
	# $how unquoted: options, or none.
	if unshare $how --pid --fork --mount-proc true 2>"$T_TMP/unshare.err"; then
		pidns="unshare${how:+ $how} --pid --fork --mount-proc"
		break
	fi
	t_diag "unshare${how:+ $how} --pid: $(cat "$T_TMP/unshare.err")"
done
if [ -n "$pidns" ]; then
	t_pk trace --db "$db" -o /dev/null -- $pidns "$T_TMP/counts" 10 1 1 1 1
	run=$((run + 1))
	t_is "$T_RC" 0 "pid namespace ($pidns): runs"
	t_is "$(tr_val "$db" "SELECT count(*) FROM v_trace_processes WHERE run_id = $run AND exe LIKE '%/counts' AND ns_pid = 1 AND pid != 1")" \
		1 "pid namespace: the process is reported with the pid it sees (1) and ours"
	t_is "$(getppid_calls $run)" 12 "pid namespace: its calls are counted"
else
	t_skip "cannot create a pid namespace, with or without a user namespace"
fi
t_done
