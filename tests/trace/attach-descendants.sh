#!/bin/bash
# Description: -p traces the descendants a process already has when the
# tracer attaches (children and grandchildren), not only those it starts
# later, and says what it traces ("3 processes (1 given, 2 descendants)");
# a descendant given with -p too is counted once, as given; --no-follow
# traces the given process alone; a process forking all the time while the
# tracer walks its family does not keep the attach from ending.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc sqlite3
tr_require_bpf
tr_build family
db=$T_TMP/t.db
P=1000 C=100 G=10

# wait_for FILE REGEX: until FILE holds a line matching REGEX (10 s).
wait_for()
{
	for _ in $(seq 100); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_file()
{
	for _ in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

getppid_calls()
{
	tr_val "$db" "SELECT calls FROM v_trace_syscalls WHERE run_id = $1 AND syscall = 'getppid'"
}

# family NAME: starts the fixture in the background (pid in $fam) and waits
# until its children and grandchild run.
family()
{
	rm -f "$T_TMP/ready-$1"
	"$T_TMP/family" "$T_TMP/ready-$1" "$T_TMP/go-$1" $P $C $G &
	fam=$!
	wait_file "$T_TMP/ready-$1"
}

# traced NAME ARGS...: parakit trace ARGS in the background until it says
# what it traces; then the family runs, and parakit must end by itself.
run=0
traced()
{
	local name=$1 pk rc=0
	shift
	"$PARAKIT" trace "$@" --db "$db" -o "$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
	pk=$!
	wait_for "$T_TMP/$name.err" "^parakit trace: tracing"
	touch "$T_TMP/go-$name"
	wait $fam || rc=$?
	t_is "$rc" 0 "$name: the family ran"
	rc=0
	wait $pk || rc=$?
	run=$((run + 1))
	t_is "$rc" 0 "$name: the trace ends by itself when the family has exited"
	msg=$(grep '^parakit trace: tracing' "$T_TMP/$name.err")
}

family tree
traced tree -p $fam
t_like "$msg" "tracing 4 processes \(1 given, 3 descendants\) and their future children" \
	"-p: says it traces the given process and its 3 descendants"
t_is "$(getppid_calls $run)" $((P + 2 * C + G)) "-p: the calls of the parent, both children and the grandchild"
t_is "$(tr_val "$db" "SELECT processes FROM v_trace_runs WHERE run_id = $run")" 4 "-p: four processes recorded"
t_is "$(tr_val "$db" "SELECT count(*) FROM trace_process WHERE run_id = $run AND attached = 1 AND exe LIKE '%/family'
		      AND exit_code = 0")" \
	4 "-p: each found running, with its exe and exit status"

family two
kid=$(pgrep -P $fam | head -1)
traced two -p $fam,$kid
t_like "$msg" "tracing 4 processes \(2 given, 2 descendants\)" "-p PARENT,CHILD: the child counted once, as given"
t_is "$(getppid_calls $run)" $((P + 2 * C + G)) "-p PARENT,CHILD: every call once"

family alone
traced alone -p $fam --no-follow
t_like "$msg" "tracing 1 process, not its children" "--no-follow: says so"
t_is "$(getppid_calls $run)" $P "--no-follow: the given process alone"
t_is "$(tr_val "$db" "SELECT processes FROM v_trace_runs WHERE run_id = $run")" 1 "--no-follow: one process recorded"

# A shell starting a process after another: children come and go while
# the tracer looks for them.
sh -c 'while [ ! -e "$1" ]; do /bin/true; done' sh "$T_TMP/stop" &
busy=$!
sleep 0.2
"$PARAKIT" trace -p $busy --no-db -o /dev/null 2>"$T_TMP/busy.err" &
pk=$!
t_ok "forking all the time: the attach ends" wait_for "$T_TMP/busy.err" "^parakit trace: tracing"
touch "$T_TMP/stop"
rc=0
wait $pk || rc=$?
t_is "$rc" 0 "forking all the time: the trace ends with the shell"
wait $busy
t_done
