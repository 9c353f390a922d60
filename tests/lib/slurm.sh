# A one-node Slurm cluster of this machine, started from scratch in a
# directory and stopped with everything it ran (tests/contrib/slurm.sh,
# bench/scan-cluster.sh). Sourced; needs root (slurmd runs jobs as their
# users) and Debian's slurmctld, slurmd, slurm-client and munge.
#
# The machines have no systemd and a hybrid cgroup layout, so processes
# are tracked through /proc (proctrack/linuxproc) and tasks are not
# confined (task/none); no accounting daemon, so a job's end is read from
# the controller (scontrol), which keeps it for MinJobAge. munged, slurmctld
# and slurmd are started directly, each with its files in the directory,
# on ports nothing listens on.

# slurm_free_port: a TCP port below the ephemeral range that no socket uses.
slurm_free_port()
{
	local p
	while :; do
		p=$((20000 + RANDOM % 10000))
		ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

# slurm_start DIR [CPUS]: starts munged, slurmctld and slurmd with their
# state in DIR and exports SLURM_CONF; waits until the node is idle.
# Returns non-zero, saying why on stderr, when the cluster does not come up
# (slurm_stop cleans up either way).
slurm_start()
{
	local d=$1 cpus=${2:-$(nproc)} host i
	host=$(hostname -s)
	SLURM_DIR=$d
	mkdir -p "$d/state" "$d/spool" "$d/munge" "$d/log" && chmod 700 "$d/munge" || return 1
	dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 status=none && chmod 400 "$d/munge/munge.key"
	# --force: the directory is under /tmp, which munged finds too open
	# for its socket (others may write /tmp, not this directory).
	munged --force --key-file="$d/munge/munge.key" --socket="$d/munge/socket" \
		--pid-file="$d/munge/munged.pid" --log-file="$d/log/munged.log" \
		--seed-file="$d/munge/seed" || { echo "munged did not start" >&2; return 1; }
	cat > "$d/slurm.conf" <<EOF
ClusterName=parakit
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(slurm_free_port)
SlurmdPort=$(slurm_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=3600
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=parakit Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
	export SLURM_CONF=$d/slurm.conf
	# The daemons carry SLURM_DIR, as do the slurmstepd they fork (jobs
	# get the submitter's environment instead): slurm_stop finds them so.
	SLURM_DIR=$d slurmctld -i || { echo "slurmctld did not start" >&2; return 1; }
	SLURM_DIR=$d slurmd -N "$host" || { echo "slurmd did not start" >&2; return 1; }
	for i in $(seq 60); do
		[ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && return 0
		sleep 0.5
	done
	echo "the node did not become idle: $(sinfo 2>&1 | tail -1)" >&2
	tail -5 "$d/log/slurmctld.log" "$d/log/slurmd.log" >&2
	return 1
}

# slurm_pids_marked VAR=VALUE: the processes whose environment holds it.
slurm_pids_marked()
{
	local e
	for e in /proc/[0-9]*/environ; do
		grep -qzxF -- "$1" "$e" 2>/dev/null && { e=${e#/proc/}; echo "${e%/environ}"; }
	done
	return 0
}

# slurm_stop: cancels every job, stops the daemons, and kills what is left
# of the processes they started, by their environment (jobs whose
# slurmstepd was lost, and the stepds). The daemons' pids are read before
# they are signalled: a daemon removes its pid file as it begins to stop,
# not when it is gone. Idempotent; safe when slurm_start failed half-way.
slurm_stop()
{
	local d=${SLURM_DIR:-} pids='' f p i jobs
	[ -n "$d" ] || return 0
	# Whatever fails here, the rest must still be stopped (a caller under
	# set -e included).
	set +e
	if [ -f "$d/slurmctld.pid" ]; then
		jobs=$(squeue -h -o %A 2>/dev/null)
		[ -n "$jobs" ] && scancel --quiet --full $jobs 2>/dev/null
		for i in $(seq 10); do
			[ -z "$(squeue -h 2>/dev/null)" ] && break
			sleep 0.5
		done
	fi
	for f in slurmd slurmctld munge/munged; do
		p=$(cat "$d/$f.pid" 2>/dev/null)
		[[ $p =~ ^[1-9][0-9]*$ ]] || continue
		# slurmctld's own helper (slurmscriptd) goes with it.
		pids="$pids $p $(pgrep -P "$p")"
	done
	[ -n "$pids" ] && kill $pids 2>/dev/null
	for i in $(seq 20); do
		p=
		for f in $pids; do
			kill -0 "$f" 2>/dev/null && p=1
		done
		[ -z "$p" ] && break
		sleep 0.25
	done
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	for p in $(slurm_pids_marked "SLURM_DIR=$d") $(slurm_pids_marked "SLURM_CONF=$d/slurm.conf"); do
		# A job's processes have SLURM_JOB_ID; the caller's have not.
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = slurmstepd ] ||
		   grep -qz '^SLURM_JOB_ID=' "/proc/$p/environ" 2>/dev/null; then
			kill -9 "$p" 2>/dev/null
		fi
	done
	SLURM_DIR=
	return 0
}

# slurm_job_state JOB: the state of a job or array task (COMPLETED,
# PENDING, RUNNING, FAILED...), from the controller.
slurm_job_state()
{
	scontrol -o show job "$1" 2>/dev/null | head -1 | sed -n 's/.* JobState=\([A-Z_]*\).*/\1/p'
}

# slurm_job_field JOB FIELD: a field of 'scontrol show job' (Reason,
# ExitCode, Restarts...).
slurm_job_field()
{
	scontrol -o show job "$1" 2>/dev/null | head -1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# slurm_wait_end JOB SECONDS: waits until the job has ended; prints its
# state (TIMEOUT of our own when it has not ended by then).
slurm_wait_end()
{
	local s i
	for i in $(seq $(($2 * 4))); do
		s=$(slurm_job_state "$1")
		case $s in
		COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
			echo "$s"
			return
			;;
		esac
		sleep 0.25
	done
	echo "TIMEOUT(test)"
}
