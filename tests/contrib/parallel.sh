#!/bin/bash
# Description: contrib/parallel/parakit-parallel with the real GNU parallel
# (issue 19), over 12 .debs of the apt cache and a corrupt one, 4 shards;
# each merged database equals a single scan of the same list in every
# stable view. On this machine's job slots alone; then over ssh, through an
# sshd the test starts on 127.0.0.1 with throwaway keys (tests/lib/sshd.sh)
# and an --sshloginfile naming it: with the shards written to a directory
# the "machines" share, and with -r, written in each job's scratch
# directory and brought back (--transferfile, --return, --cleanup). A
# shard whose first try dies (status 137) fails the run, which says so
# and merges nothing; run again, only that shard runs and the merge
# follows; with -t 2 it is retried at once. sshd and its sessions are
# stopped at the end, even when the test fails.
. "$(dirname "$0")/../lib/t.sh"
. "$T_LIB/shards.sh"
. "$T_LIB/sshd.sh"
t_require sqlite3 parallel rsync ssh ssh-keygen /usr/sbin/sshd ss perl

recipe=$(cd "$(dirname "$0")/../.." && pwd)/contrib/parallel/parakit-parallel
trap 'sshd_stop; t_cleanup' EXIT
trap 'exit 1' TERM INT HUP

t_pick_debs "$T_TMP/list" 12 1M 4M
head -c 30000 /dev/urandom > "$T_TMP/corrupt.deb"
echo "$T_TMP/corrupt.deb" >> "$T_TMP/list"
t_pk scan --jobs 2 --db "$T_TMP/single.db" --files-from "$T_TMP/list"
t_is "$T_RC" 1 "a single scan of the list exits 1 (the corrupt .deb)"

# The jobs' parakit: the real one, except that the first try of shard 2
# dies as a killed process does, once per MARK file.
flaky()
{
	cat > "$T_TMP/flaky-$1" <<EOF
#!/bin/sh
case " \$* " in
*" --shard 2/"*) [ -e "$T_TMP/mark-$1" ] || { touch "$T_TMP/mark-$1"; exit 137; } ;;
esac
exec "$PARAKIT" "\$@"
EOF
	chmod +x "$T_TMP/flaky-$1"
	echo "$T_TMP/flaky-$1"
}

# run NAME ARGS...: the recipe with the jobs' parakit $JOB_PARAKIT; T_RC
# and $T_TMP/NAME.out (stdout and stderr) hold the result. parallel passes
# the sanitizers' options to ssh logins.
run()
{
	local name=$1
	shift
	T_RC=0
	PARAKIT=$JOB_PARAKIT PARALLEL="--env ASAN_OPTIONS --env UBSAN_OPTIONS" \
		bash "$recipe" -n 4 "$@" > "$T_TMP/$name.out" 2>&1 || T_RC=$?
}

sanitizers()
{
	grep -hE 'runtime error:|Sanitizer|SUMMARY: ' "$@" | head -5
}

# --- This machine's job slots.
JOB_PARAKIT=$PARAKIT
run local -j 2 "$T_TMP/list" "$T_TMP/local"
t_is "$T_RC" 0 "on local job slots: exit 0"
t_same_scan "$T_TMP/local/parakit.db" "$T_TMP/single.db" "local job slots"

# --- Over ssh.
t_ok "an sshd on 127.0.0.1 takes a login by key" sshd_start "$T_TMP/ssh"
export PARALLEL_SSH="ssh -F $T_TMP/ssh/ssh_config"
echo 2/pkhost > "$T_TMP/logins"

JOB_PARAKIT=$(flaky shared)
run shared1 -S "$T_TMP/logins" "$T_TMP/list" "$T_TMP/shared"
t_is "$T_RC" 1 "over ssh, a shard that dies fails the run"
t_like "$(cat "$T_TMP/shared1.out")" "some shards failed .*run again with the same arguments" "it says so"
t_ok "nothing is merged" test ! -e "$T_TMP/shared/parakit.db"
run shared2 -S "$T_TMP/logins" "$T_TMP/list" "$T_TMP/shared"
t_is "$T_RC" 0 "run again: exit 0"
t_is "$(awk -F'\t' 'NR > 1 { print $NF }' "$T_TMP/shared/parallel.log" | sort | uniq -c | awk '{ print $1 }' |
	tr '\n' ' ')" "1 2 1 1 " "only the failed shard ran again (parallel.log)"
t_like "$(awk -F'\t' 'NR > 1 { print $2 }' "$T_TMP/shared/parallel.log" | sort -u)" '^pkhost$' \
	"every job ran over the ssh login"
t_same_scan "$T_TMP/shared/parakit.db" "$T_TMP/single.db" "ssh, shared storage"

JOB_PARAKIT=$(flaky return)
run return -S "$T_TMP/logins" -t 2 -r "$T_TMP/list" "$T_TMP/return"
t_is "$T_RC" 0 "over ssh with -r and -t 2: exit 0"
t_is "$(awk -F'\t' 'NR > 1 { print $7 }' "$T_TMP/return/parallel.log" | sort | tr '\n' ' ')" "0 0 0 0 " \
	"every shard succeeded in the end (the failed try retried)"
t_is "$(t_sql "$T_TMP/return/shard-3.db" "SELECT command_line FROM v_scan_runs" | grep -o -- '--db [^ ]*')" \
	"--db shard-3.db" "a shard was written in its job's scratch directory and brought back"
t_is "$(find ~/.parallel/tmp -name 'shard-*.db' 2>/dev/null)" "" "the scratch directories were removed"
t_same_scan "$T_TMP/return/parakit.db" "$T_TMP/single.db" "ssh, shards brought back"

t_is "$(sanitizers "$T_TMP"/*.out)" "" "no sanitizer reports in the jobs' output"
sshd_pid=$(cat "$T_TMP/ssh/sshd.pid")
sshd_stop
t_ok "sshd is stopped" test ! -d "/proc/$sshd_pid"
t_done
