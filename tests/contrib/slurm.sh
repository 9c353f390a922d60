#!/bin/bash
# Description: contrib/slurm on a real Slurm (issue 19). The test starts a
# one-node cluster of its own (munged, slurmctld, slurmd; tests/lib/slurm.sh)
# and submits parakit-slurm over 24 .debs of the apt cache and a corrupt
# one: a job array of 4 shard tasks and the merge job chained with afterok.
# Task 1's parakit is killed (SIGKILL) mid-scan and task 3 is requeued with
# 'scontrol requeue' mid-scan: both come back, the merge runs, and its database
# equals a single scan of the same list in every stable view, the killed
# runs' commits kept. Then a task killed with no restarts left fails, the
# merge's dependency can never be met, and 'parakit-slurm requeue DIR K'
# completes the set and runs a merge with the same result. Every daemon
# and job the test started is gone at the end, even when it fails.
. "$(dirname "$0")/../lib/t.sh"
. "$T_LIB/shards.sh"
. "$T_LIB/slurm.sh"
t_require sqlite3 munged slurmctld slurmd sbatch scontrol squeue ss pgrep
[ "$(id -u)" -eq 0 ] || t_skip_all "slurmd runs jobs as their users: it needs root"

recipe=$(cd "$(dirname "$0")/../.." && pwd)/contrib/slurm/parakit-slurm
trap 'slurm_stop; t_cleanup' EXIT
trap 'exit 1' TERM INT HUP

# 24 .debs from 4 to 12 MB, spread over the sorted cache: a shard takes
# some seconds, and the scan commits every 2 s, so a kill can land between
# two commits. A corrupt one: a shard that records an error is whole.
t_pick_debs "$T_TMP/list" 24 4M 12M
head -c 30000 /dev/urandom > "$T_TMP/corrupt.deb"
echo "$T_TMP/corrupt.deb" >> "$T_TMP/list"

t_pk scan --jobs 2 --db "$T_TMP/single.db" --files-from "$T_TMP/list"
t_is "$T_RC" 1 "a single scan of the list exits 1 (the corrupt .deb)"

t_ok "a one-node Slurm cluster starts" slurm_start "$T_TMP/slurm" 2
squeue >/dev/null 2>&1 || t_skip_all "Slurm did not start"

# submit DIR [ENV...]: parakit-slurm -n 4 over the list into DIR; sets
# ARRAY and MERGE.
submit()
{
	local dir=$1
	shift
	env "$@" bash "$recipe" -n 4 "$T_TMP/list" "$dir" > "$T_TMP/submit.out" 2>&1
	t_is "$?" 0 "parakit-slurm submits into $(basename "$dir")"
	ARRAY=$(. "$dir/parakit-slurm.run" && echo "$arrays")
	MERGE=$(. "$dir/parakit-slurm.run" && echo "$merge")
}

# mid_scan DIR K: waits until shard K has committed an input while its
# run goes on; prints the pid of its parakit.
mid_scan()
{
	local db=$1/shard-$2.db pid i
	for i in $(seq 1200); do
		pid=$(pgrep -f -- "--db $db\$" | head -1)
		if [ -n "$pid" ] && [ -f "$db" ] &&
		   [ "$(t_sql "$db" "SELECT (SELECT count(*) FROM artifact) > 0 AND
				     (SELECT count(*) FROM scan_run WHERE finished IS NULL) > 0" 2>/dev/null)" = 1 ]; then
			echo "$pid"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# release TASK: a requeued task waits 121 s before it may start again
# (Slurm's own delay, set again as the requeue completes): once it has been
# requeued, lets it start now, until it has.
release()
{
	local i
	for i in $(seq 480); do
		if [ "$(slurm_job_field "$1" Restarts)" = 1 ]; then
			case $(slurm_job_state "$1") in
			PENDING) scontrol update JobId="$1" StartTime=now 2>/dev/null ;;
			RUNNING | COMPLETING | COMPLETED) return 0 ;;
			esac
		fi
		sleep 0.25
	done
	return 1
}

# merged DIR JOB WHAT: the merge job ended COMPLETED; if not, what the
# array's tasks and the merge say.
merged()
{
	local state
	state=$(slurm_wait_end "$2" 300)
	t_is "$state" COMPLETED "$3"
	[ "$state" = COMPLETED ] && return
	t_diag "$(scontrol -o show job "$ARRAY" 2>&1 | grep -o 'JobId=[^ ]* .*JobState=[^ ]* Reason=[^ ]*' | cut -c1-200)" \
		"$(scontrol -o show job "$2" 2>&1 | grep -o 'JobState=[^ ]* Reason=[^ ]* Dependency=[^ ]*')" \
		"$(tail -5 "$1"/parakit-merge-*.out 2>/dev/null)"
}

# sanitizers DIR: what the sanitizers said in the jobs' output, if anything.
sanitizers()
{
	cat "$1"/parakit-*.out 2>/dev/null | grep -E 'runtime error:|Sanitizer|SUMMARY: ' | head -5
}

# --- A task killed, another requeued: the set completes, the merge runs.
a=$T_TMP/a
submit "$a"
pid=$(mid_scan "$a" 1)
t_ok "shard 1 is caught mid-scan" test -n "$pid"
kill -9 "$pid" 2>/dev/null
pid=$(mid_scan "$a" 3)
t_ok "shard 3 is caught mid-scan" test -n "$pid"
scontrol requeue "${ARRAY}_2"
t_is "$?" 0 "scontrol requeue of shard 3's task"
t_ok "shard 1's task, requeued by itself, is let go" release "${ARRAY}_0"
t_ok "shard 3's task, requeued, is let go" release "${ARRAY}_2"
merged "$a" "$MERGE" "the merge job runs and completes"
t_is "$(slurm_job_field "${ARRAY}_0" Restarts) $(slurm_job_field "${ARRAY}_2" Restarts)" "1 1" \
	"shards 1 and 3 ran twice"
t_like "$(cat "$a/parakit-scan-${ARRAY}_0.out")" "shard 1/4 stopped \(status 137\): requeued" \
	"shard 1's task says it requeued itself"
t_same_scan "$a/parakit.db" "$T_TMP/single.db" "killed and requeued"
t_is "$(t_sql "$a/parakit.db" "SELECT group_concat(shard, ' ') FROM (SELECT shard FROM v_scan_runs
				WHERE finished IS NULL ORDER BY shard)")" "1/4 3/4" \
	"the runs that were stopped are recorded, unfinished"
t_is "$(t_sql "$a/parakit.db" "SELECT count(DISTINCT shard) FROM v_scan_runs WHERE finished IS NOT NULL")" 4 \
	"each shard has a finished run"
t_ok "what the stopped runs committed was kept, not read again" \
	test "$(t_sql "$a/parakit.db" "SELECT count(*) FROM artifact WHERE run_id IN
				  (SELECT run_id FROM v_scan_runs WHERE finished IS NULL)")" -ge 2
t_is "$(sanitizers "$a")" "" "no sanitizer reports in the jobs' output"

# --- A task that fails for good: parakit-slurm requeue completes the set.
b=$T_TMP/b
submit "$b" PK_RESTARTS=0
pid=$(mid_scan "$b" 2)
t_ok "shard 2 is caught mid-scan" test -n "$pid"
kill -9 "$pid" 2>/dev/null
t_is "$(slurm_wait_end "${ARRAY}_1" 120)" FAILED "with no restarts left, shard 2's task fails"
for i in $(seq 120); do
	reason=$(slurm_job_field "$MERGE" Reason)
	[ "$reason" = DependencyNeverSatisfied ] && break
	sleep 0.25
done
t_is "$reason" DependencyNeverSatisfied "the merge job's dependency can never be met"
old_merge=$MERGE
bash "$recipe" requeue "$b" 2 > "$T_TMP/requeue.out" 2>&1
t_is "$?" 0 "parakit-slurm requeue DIR 2"
MERGE=$(. "$b/parakit-slurm.run" && echo "$merge")
t_ok "a new merge job replaces the old" test "$MERGE" != "$old_merge"
merged "$b" "$MERGE" "the new merge job runs and completes"
t_same_scan "$b/parakit.db" "$T_TMP/single.db" "a failed shard submitted again"
t_is "$(sanitizers "$b")" "" "no sanitizer reports in the jobs' output"

slurm_dir=$SLURM_DIR
slurm_stop
t_is "$(slurm_pids_marked "SLURM_DIR=$slurm_dir")" "" "no Slurm daemon or job step is left"
t_done
