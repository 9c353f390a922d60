#!/bin/bash
# Description: trace --functions attaches to the traced processes alone,
# and detaching leaves nothing behind, even under a call in flight. -p on
# a running cat that reads a fifo, with --latency: while traced, cat's
# libc has the breakpoints and a bash loop beside it has none; the trace
# ends (Ctrl-C) while cat is blocked in a read it entered under the
# return probe; cat then reads on (its return comes back), its code as it
# was, and exits 0; the links, perf events and programs the run had are
# gone (bpftool); the kernel logged nothing about uprobes. Through
# multi-uprobe links and through one link per probe.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib/trace.sh"
t_require bpftool jq dd od
tr_require_bpf
tr_guard_start

IFS=$'\t' read -r lib off < <(tr_site read)
t_ok "read's probe site in libc ($lib $off)" test -n "$off"

# uretprobe_pending PID: whether a return address on the stack of PID's
# blocked system call leads to the kernel's return probe trampoline.
uretprobe_pending()
{
	local range sp lo hi w
	range=$(awk '$NF == "[uprobes]" { print $1 }' "/proc/$1/maps")
	[ -n "$range" ] || return 1
	lo=$((16#${range%-*})) hi=$((16#${range#*-}))
	read -r -a f < "/proc/$1/syscall"
	sp=$((f[7]))
	for w in $(dd if="/proc/$1/mem" bs=8 skip=$((sp / 8)) count=64 2>/dev/null | od -An -tx8); do
		[ $((16#$w)) -ge $lo ] && [ $((16#$w)) -lt $hi ] && return 0
	done
	return 1
}

not() { ! "$@"; }

for how in multi one-by-one; do
	flag=
	[ $how = one-by-one ] && flag='--one-by-one --filter read,write'
	fifo=$T_TMP/fifo.$how
	mkfifo "$fifo"
	cat "$fifo" > "$T_TMP/cat.$how" &
	cpid=$!
	exec 7> "$fifo"
	echo one >&7
	"$PARAKIT" trace --functions --latency $flag -p $cpid --no-db -o "$T_TMP/out.$how" 2> "$T_TMP/err.$how" &
	ppid=$!
	t_ok "$how: probes attached" tr_wait_for "$T_TMP/err.$how" "probes attached"
	# cat comes back from the read it was in before the attach, and enters
	# another one, under the probes.
	echo two >&7
	sleep 0.5
	t_is "$(tr_code_byte $cpid "$lib" "$off")" cc "$how: cat's read has its breakpoint"
	b=$(tr_code_byte "$TR_SIBLING" "$lib" "$off")
	t_ok "$how: the bash loop beside it has none ($b)" test -n "$b" -a "$b" != cc
	t_ok "$how: cat's read returns through the return probe's trampoline" uretprobe_pending $cpid
	progs=$(tr_pk_ids prog $ppid) links=$(tr_pk_ids link $ppid) perfs=$(tr_pk_ids perf $ppid)
	t_ok "$how: bpftool lists the run's programs ($progs)" test "$progs" != "[]"
	if [ $how = multi ]; then
		t_ok "$how: bpftool lists the run's links ($links)" test "$links" != "[]"
	else
		t_ok "$how: bpftool lists the run's perf events ($(jq length <<< "$perfs"))" test "$perfs" != "[]"
	fi
	kill -INT $ppid
	rc=0
	wait $ppid || rc=$?
	t_is "$rc" 0 "$how: Ctrl-C ends the trace"
	t_ok "$how: cat's code is as it was" test "$(tr_code_byte $cpid "$lib" "$off")" != cc
	# The read in flight when the probes went returns now.
	echo three >&7
	exec 7>&-
	rc=0
	wait $cpid || rc=$?
	t_is "$rc" 0 "$how: cat, in a probed read when the trace ended, reads on and exits 0"
	t_is "$(paste -sd' ' "$T_TMP/cat.$how")" "one two three" "$how: and copies everything"
	left=$(($(tr_ids_left prog "$progs") + $(tr_ids_left link "$links")))
	t_is "$left" 0 "$how: none of the run's programs ($progs) and links is left"
	t_is "$(tr_pk_ids perf $ppid)" "[]" "$how: no perf event of the run is left"
	t_like "$(cat "$T_TMP/out.$how")" ' read$' "$how: cat's reads were counted"
	t_ok "$how: no sanitizer report from parakit" \
		not grep -Eq 'runtime error:|Sanitizer|SUMMARY: ' "$T_TMP/err.$how"
done
tr_guard_check
t_done
