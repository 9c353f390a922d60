# Helpers for the tracer's shell tests (tests/trace/*.sh), sourced after
# tests/lib/t.sh:
#
#	. "$(dirname "$0")/../lib/t.sh"
#	. "$(dirname "$0")/lib/trace.sh"
#
# tr_require_bpf skips (fails under CI=true) without root or BPF;
# tr_build compiles a workload from tests/trace/workload/; tr_strace_counts
# and tr_db_counts give "syscall<TAB>calls" lines to compare.

TR_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

tr_require_bpf()
{
	[ "$(id -u)" -eq 0 ] || t_skip_all "tracing needs root"
	if ! "$PARAKIT" trace --no-db -o /dev/null -- true 2>"$T_TMP/bpf-probe"; then
		t_skip_all "BPF unavailable: $(head -1 "$T_TMP/bpf-probe")"
	fi
}

# tr_build NAME: $T_TMP/NAME from workload/NAME.c.
tr_build()
{
	cc -O1 -g -pthread -o "$T_TMP/$1" "$TR_DIR/workload/$1.c" ||
		{ echo "Bail out! cannot build workload $1"; exit 1; }
}

# tr_strace_counts OUT CMD...: strace -f -c's per-syscall calls, sorted.
tr_strace_counts()
{
	local out=$1
	shift
	strace -f -c -U calls,name -o "$out.raw" "$@" </dev/null >/dev/null 2>&1
	awk '$1 ~ /^[0-9]+$/ && $2 != "total" { print $2 "\t" $1 }' "$out.raw" | sort > "$out"
}

# tr_db_counts DB RUN OUT: v_trace_syscalls' calls of a run, sorted, without
# exit and exit_group (strace -c does not count them).
tr_db_counts()
{
	t_sql "$1" "SELECT syscall, calls FROM v_trace_syscalls WHERE run_id = $2
		    AND syscall NOT IN ('exit', 'exit_group')" | sort > "$3"
}

# tr_val DB SQL: one value.
tr_val()
{
	t_sql "$1" "$2" | head -1
}

# tr_build_funcs: the --functions workload (workload/funcs.c, fortified),
# the library it dlopens and the program its child executes, in $T_TMP.
tr_build_funcs()
{
	cc -O2 -D_FORTIFY_SOURCE=2 -pthread -o "$T_TMP/funcs" "$TR_DIR/workload/funcs.c" &&
		cc -O2 -fPIC -shared -o "$T_TMP/funcs_dl.so" "$TR_DIR/workload/funcs_dl.c" &&
		cc -O2 -fno-builtin -o "$T_TMP/funcs_exec" "$TR_DIR/workload/funcs_exec.c" -lm &&
		cc -O2 -o "$T_TMP/funcs_wait" "$TR_DIR/workload/funcs_wait.c" ||
		{ echo "Bail out! cannot build the functions workload"; exit 1; }
}

# tr_fn DB RUN BINARY_SUFFIX FUNCTION COLUMN: one value of
# v_trace_function_binaries (0 when the row is missing).
tr_fn()
{
	local v
	v=$(t_sql "$1" "SELECT $5 FROM v_trace_function_binaries WHERE run_id = $2
			AND binary LIKE '%$3' AND function = '$4'")
	echo "${v:-0}"
}
