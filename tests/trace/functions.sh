#!/bin/bash
# Description: trace --functions counts calls of POSIX functions exactly:
# getppid from the main thread and from 4 threads at once, printf through
# __printf_chk, umask and getppid from a dlopen'd library (counted, but
# not as calls from the executable, and 'called-unlinked' once the binary
# is scanned), cos from libm in a program a child executes (attached when
# it runs); a thread that executes a program, becoming the process's
# leader, is counted in full (its links are made again); the same through
# one link per probe; JSON and the views
# agree; gzip's write and read calls match strace's syscalls; nothing of
# the probes is left once parakit exits. Links are the traced processes'
# own: one per process and file (funcs, its child, the child's libm); a
# bash loop beside them is not counted, and the kernel logs nothing about
# uprobes.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require cc strace sqlite3 bpftool jq gzip
tr_require_bpf
tr_build_funcs
tr_guard_start
db=$T_TMP/t.db
N=1000 M=300 D=70 T=250 E=120

for how in multi one-by-one; do
	# One link per probe is slow to undo (the kernel waits a grace
	# period per uprobe): the functions checked only.
	flag=
	[ $how = one-by-one ] && flag='--one-by-one --filter getppid,printf,umask,cos,getegid,fork,execl,waitpid'
	t_pk trace --functions $flag --db "$db" --json -o "$T_TMP/out.json" -- "$T_TMP/funcs" $N $M $D $T $E
	T_OUT=$(cat "$T_TMP/out.json")
	t_is "$T_RC" 0 "$how: the workload's status passes through"
	run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
	fn() { tr_val "$db" "SELECT $2 FROM v_trace_functions WHERE run_id = $run AND function = '$1'"; }
	t_is "$(fn getppid calls)" $((N + 4 * T + D)) "$how: getppid: main thread, 4 threads, the dlopen'd library"
	t_is "$(fn getppid from_exe)" $((N + 4 * T)) "$how: ... of which from the executable"
	t_is "$(fn printf calls) $(fn printf from_exe)" "$M $M" "$how: printf, called as __printf_chk"
	t_is "$(fn umask calls) $(fn umask from_exe)" "$D 0" "$how: umask, only from the dlopen'd library"
	t_is "$(fn cos calls)" "$E" "$how: cos, from libm in the exec'd program"
	t_is "$(fn getegid calls)" "$E" "$how: getegid in the exec'd program"
	t_is "$(fn fork calls) $(fn execl calls) $(fn waitpid calls)" "1 1 1" "$how: one fork, one execl, one waitpid"
	t_is "$(tr_fn "$db" $run /funcs_exec cos calls)" "$E" "$how: cos counted for funcs_exec"
	t_is "$(tr_fn "$db" $run /funcs cos calls)" 0 "$how: ... not for funcs"
	t_is "$(tr_val "$db" "SELECT count(*) FROM trace_fn_binary WHERE run_id = $run")" 2 "$how: two binaries"
	t_is "$(tr_val "$db" "SELECT multi_uprobe || ' ' || (links > 1) || ' ' || (probes > 500)
				FROM trace_fn_run WHERE run_id = $run")" "$([ $how = multi ] && echo '1 1 1' || echo '0 1 0')" \
		"$how: the run's probes and links"
	if [ $how = one-by-one ]; then
		t_is "$(tr_val "$db" "SELECT group_concat(function) FROM (SELECT function FROM v_trace_functions
					WHERE run_id = $run AND calls > 0 ORDER BY function)")" \
			"cos,execl,fork,getegid,getppid,printf,umask,waitpid" "one-by-one: --filter: those functions only"
	fi
	if [ $how = multi ]; then
		t_is "$(tr_val "$db" "SELECT links FROM trace_fn_run WHERE run_id = $run")" 3 \
			"multi: a link per process and file: funcs's libc, its child's libc, and libm when it executed funcs_exec"
	fi
	tr_not_counted "$db" $run "$TR_SIBLING" "$how: the bash loop beside it is not traced"
	w=$(fn write calls)
	t_is "${w:-0}" 0 "$how: nor are its writes counted (funcs makes none of its own)"
	t_is "$(tr_val "$db" "SELECT lost_execs || ' ' || unattached FROM trace_fn_run WHERE run_id = $run")" "0 0" \
		"$how: every process was attached before it ran on"
	t_is "$(printf '%s' "$T_OUT" | jq -r '[.functions[] | select(.name == "getppid") | .calls, .from_exe] | join(" ")')" \
		"$((N + 4 * T + D)) $((N + 4 * T))" "$how: the JSON says the same"
	t_is "$(printf '%s' "$T_OUT" | jq -r '.binaries[] | select(.path | endswith("/funcs_exec")) | .functions[] | select(.name == "cos") | .calls')" \
		"$E" "$how: JSON per binary"
done

# Joined with scan: what funcs links and calls, links and never calls, calls through dlopen.
t_scan "$db" "$T_TMP/funcs" > /dev/null
t_is "$(tr_fn "$db" $run /funcs printf status)" linked-called "printf: linked and called"
t_is "$(tr_fn "$db" $run /funcs umask status)" called-unlinked "umask: called through a path scan did not see"
t_is "$(tr_fn "$db" $run /funcs _exit status)" linked-uncalled "_exit (the child's fallback): linked, never called"
t_is "$(tr_fn "$db" $run /funcs_exec cos status)" called-unscanned "funcs_exec, not scanned: called"

# A thread other than the leader executes: the process gets its links again.
t_pk trace --functions --db "$db" -o /dev/null -- "$T_TMP/funcs_texec" $E
t_is "$T_RC" 0 "a thread's exec: funcs_exec runs"
run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
t_is "$(tr_fn "$db" $run /funcs_exec cos calls)" "$E" "a thread's exec: cos counted for funcs_exec"
t_is "$(tr_fn "$db" $run /funcs_exec getegid calls)" "$E" "... and getegid, from libc, linked before the exec"

# A real command: gzip's own write and read calls are its syscalls.
head -c 2000000 /dev/urandom | base64 > "$T_TMP/in.txt"
strace -c -U calls,name -e trace=read,write -o "$T_TMP/st" gzip -f -k "$T_TMP/in.txt"
sw=$(awk '$2 == "write" { print $1 }' "$T_TMP/st")
sr=$(awk '$2 == "read" { print $1 }' "$T_TMP/st")
t_pk trace --functions --db "$db" -o /dev/null -- gzip -f -k "$T_TMP/in.txt"
t_is "$T_RC" 0 "gzip runs"
run=$(tr_val "$db" "SELECT max(run_id) FROM v_trace_runs")
t_is "$(tr_val "$db" "SELECT from_exe FROM v_trace_functions WHERE run_id = $run AND function = 'write'")" \
	"$sw" "gzip: write calls from gzip are strace's write syscalls ($sw)"
gr=$(tr_val "$db" "SELECT from_exe FROM v_trace_functions WHERE run_id = $run AND function = 'read'")
# ld.so reads the libraries' headers itself, through no function.
t_ok "gzip: read calls from gzip ($gr), strace's read syscalls ($sr) less ld.so's" \
	test "$gr" -le "$sr" -a "$gr" -ge $((sr - 3)) -a "$gr" -gt 10

# Nothing left behind: no uprobe_multi link, no parakit program, but
# those a running parakit holds (another run's, beside this test).
t_is "$(bpftool -j link show | jq --argjson live "$(tr_live_ids link)" \
	'[.[] | select(.type == "uprobe_multi" and (.id as $i | $live | index($i) | not))] | length')" 0 \
	"no multi-uprobe link left"
t_is "$(bpftool -j prog show | jq --argjson live "$(tr_live_ids prog)" \
	'[.[] | select((.name == "fn_entry" or .name == "fn_entry_multi") and (.id as $i | $live | index($i) | not))] | length')" 0 \
	"no probe program left"
tr_guard_check
t_done
