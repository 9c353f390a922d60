#!/bin/bash
# make fuzz: runs each harness SECONDS, one after the other at nice 19 (the
# machines are shared), and says what each reached.
#
#	bash fuzz/run.sh FUZZ_DIR SECONDS HARNESS...
#
# FUZZ_DIR is $(O)/fuzz: bin/<h> the harnesses, seeds/<h> the seeds,
# corpus/<h> the corpus kept between runs (libFuzzer adds what it finds
# there), crashes/<h>/ what crashed, logs/<h>.log the whole output. Each
# harness first runs the seeds alone once (-runs=0), so the table can set
# the coverage the run reached against what the seeds give by themselves.
# FUZZ_TIMEOUT (10 s) is how long one input may take: at nice 19 on a
# loaded machine a process can wait that long for a CPU, so a background
# run wants more (each "timeout" found must be run again, alone).
# Exits 1 when a harness crashed, after running them all.
set -u
dir=$1
secs=$2
shift 2
cd "$(dirname "$0")/.." || exit 2
mkdir -p "$dir/logs"

# cov ft of the last "#N INITED|DONE|pulse cov: C ft: F" line of a log.
cov_ft()
{
	sed -n 's/^#[0-9]*[[:space:]]*[A-Za-z]*[[:space:]]*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' "$1" | tail -1
}

# The value of libFuzzer's -print_final_stats line "stat::NAME: V".
final_stat()
{
	sed -n "s/^stat::$2:[[:space:]]*\([0-9]*\).*/\1/p" "$1" | tail -1
}

crashed=
table=
for h in "$@"; do
	bin=$dir/bin/$h
	log=$dir/logs/$h.log
	dict=
	[ -f "fuzz/$h.dict" ] && dict=-dict=fuzz/$h.dict
	mkdir -p "$dir/corpus/$h" "$dir/crashes/$h"
	echo "== $h: seeds alone, then ${secs}s"
	nice -n 19 "$bin" -runs=0 -close_fd_mask=3 "$dir/seeds/$h" > "$log.seeds" 2>&1
	read -r seed_cov seed_ft < <(cov_ft "$log.seeds")
	# The corpus comes first: libFuzzer writes what it finds into the first
	# directory and only reads the others.
	nice -n 19 "$bin" -max_total_time="$secs" -print_final_stats=1 -close_fd_mask=3 \
		-timeout="${FUZZ_TIMEOUT:-10}" -artifact_prefix="$dir/crashes/$h/" $dict \
		"$dir/corpus/$h" "$dir/seeds/$h" > "$log" 2>&1
	rc=$?
	grep -E '^#[0-9]+[[:space:]]+(INITED|pulse|DONE)' "$log" | sed 's/^/   /'
	read -r cov ft < <(cov_ft "$log")
	if [ "$rc" -ne 0 ]; then
		crashed="$crashed $h"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" | sed 's/^/   /'
	fi
	table="$table$(printf '%-8s %9s %9s %9s %9s %8s %7s %s' "$h" "${seed_cov:-?}" "${seed_ft:-?}" \
		"${cov:-?}" "${ft:-?}" "$(final_stat "$log" average_exec_per_sec)" \
		"$(ls "$dir/corpus/$h" | wc -l)" "$([ "$rc" -eq 0 ] && echo no || echo YES)")
"
done
echo
printf '%-8s %9s %9s %9s %9s %8s %7s %s\n' harness 'seeds cov' 'seeds ft' cov ft 'execs/s' corpus crashed
printf '%s' "$table"
if [ -n "$crashed" ]; then
	echo "crashed:$crashed (inputs in $dir/crashes/, logs in $dir/logs/)" >&2
	exit 1
fi
