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
		cc -O2 -o "$T_TMP/funcs_wait" "$TR_DIR/workload/funcs_wait.c" &&
		cc -O2 -pthread -o "$T_TMP/funcs_texec" "$TR_DIR/workload/funcs_texec.c" ||
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

# tr_guard_start / tr_guard_check: what a test of --functions must not do
# to the rest of the machine. tr_guard_start marks the kernel log and
# starts, beside the traced processes and not traced, a bash loop that
# makes the calls they make: write (echo), setjmp and longjmp (bash's
# arithmetic errors), fork (a subshell) and exec (sleep). tr_guard_check
# (one check each): the kernel logged nothing about uprobes since the mark
# ("failed to handle uretprobe, sending SIGILL" is a process it killed),
# and the loop still runs. TR_SIBLING is the loop's pid, for the test to
# check that no run counted it.
tr_guard_start()
{
	TR_MARK="parakit-test-guard-$$-$RANDOM"
	echo "$TR_MARK" > /dev/kmsg
	bash -c 'while :; do echo x > /dev/null; (( 1 / 0 )) 2>/dev/null; ( : ); sleep 0.05; done' &
	TR_SIBLING=$!
	trap 'tr_guard_stop; t_cleanup' EXIT
}

tr_guard_stop()
{
	[ -n "${TR_SIBLING:-}" ] || return 0
	kill "$TR_SIBLING" 2>/dev/null
	wait "$TR_SIBLING" 2>/dev/null
	TR_SIBLING=
}

tr_guard_check()
{
	local log
	log=$(dmesg | sed -n "/$TR_MARK/,\$p")
	if [ -z "$log" ]; then
		t_fail "the kernel log still has the test's mark (it wrapped?)"
	else
		t_is "$(printf '%s\n' "$log" | grep -i 'uprobe' | head -5)" "" \
			"the kernel logged nothing about uprobes during the test (no process killed)"
	fi
	t_ok "the bash loop beside the traced processes still runs" kill -0 "$TR_SIBLING"
}

# tr_not_counted DB RUN PID DESC: the run has no record of process PID.
tr_not_counted()
{
	t_is "$(tr_val "$1" "SELECT count(*) FROM v_trace_processes WHERE run_id = $2 AND pid = $3")" 0 "$4"
}

# tr_site FUNCTION: "LIB<TAB>OFFSET" of FUNCTION's probe in libc, as trace
# --functions --list resolves it.
tr_site()
{
	"$PARAKIT" trace --functions --list -- /bin/true 2>/dev/null |
		awk -F'\t' -v f="$1" '$1 == "site" && $2 == f && $5 ~ /\/libc\.so/ { print $5 "\t" $6; exit }'
}

# tr_code_byte PID LIB OFFSET: the byte at file offset OFFSET of LIB in the
# memory of process PID, in hex: "cc" where a uprobe's breakpoint is.
tr_code_byte()
{
	local pid=$1 lib off=$(($3)) range perms moff path s e o
	lib=$(readlink -f "$2")
	while read -r range perms moff _ _ path; do
		[[ $perms == *x* ]] && [ -n "$path" ] && [ "$(readlink -f "$path")" = "$lib" ] || continue
		s=$((16#${range%-*})) e=$((16#${range#*-})) o=$((16#$moff))
		if [ "$off" -ge "$o" ] && [ "$off" -lt $((o + e - s)) ]; then
			dd if="/proc/$pid/mem" bs=1 count=1 skip=$((s + off - o)) 2>/dev/null | od -An -tx1 | tr -d ' \n'
			return
		fi
	done < "/proc/$pid/maps"
}

# tr_wait_for FILE REGEX: waits (20 s at most) for a line of FILE to match.
tr_wait_for()
{
	for _ in $(seq 200); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# tr_live_ids KIND: the ids of the BPF programs (KIND prog) or links (link)
# that running parakit processes hold, as a JSON array: another run's, a
# test or a benchmark beside this one, which a check for what a finished
# run left behind must not count.
tr_live_ids()
{
	local pid
	for pid in $(pgrep -x parakit); do
		grep -h "^$1_id:" /proc/"$pid"/fdinfo/* 2>/dev/null
	done | awk '{ print $2 }' | sort -un | jq -cs .
}

# tr_pk_ids KIND PID: the ids of the BPF programs (prog) or links (link)
# that parakit PID holds, read from its own descriptors (so that another
# run beside it is not taken for its), or its perf events (perf), as a
# JSON array.
tr_pk_ids()
{
	case $1 in
	prog|link) grep -h "^$1_id:" /proc/"$2"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -un | jq -cs . ;;
	perf) bpftool -j perf | jq -c --argjson p "$2" '[.[] | select(.pid == $p) | .fd]' ;;
	esac
}

# tr_ids_left KIND IDS: how many of the programs (prog) or links (link)
# IDS (a JSON array) still exist.
tr_ids_left()
{
	local id left=0
	for id in $(jq -r '.[]' <<< "$2"); do
		bpftool "$1" show id "$id" >/dev/null 2>&1 && left=$((left + 1))
	done
	echo $left
}

# tr_nginx_start: nginx under $T_TMP/nginx, a master and two workers on a
# free port of 127.0.0.1, in the foreground of a background job, once it
# serves $T_TMP/nginx/html/f (64 KiB). Sets TR_NGINX (the master's pid),
# TR_PORT and TR_WORKERS ("pid,pid"), and an EXIT trap that stops it.
# The workers run as nobody: the files are made readable to them.
tr_nginx_start()
{
	local pre=$T_TMP/nginx
	chmod 755 "$T_TMP"
	mkdir -p "$pre/html" "$pre/tmp"
	head -c 65536 /dev/urandom > "$pre/html/f"
	chmod -R a+rX "$pre"
	for _ in 1 2 3 4 5; do
		TR_PORT=$((20000 + RANDOM % 40000))
		tr_nginx_try && break
		kill "$TR_NGINX" 2>/dev/null
		wait "$TR_NGINX" 2>/dev/null
		TR_NGINX=
	done
	if [ -z "$TR_NGINX" ]; then
		echo "Bail out! nginx does not start: $(tail -3 "$pre/error.log" 2>/dev/null)"
		exit 1
	fi
	trap '[ -n "$TR_NGINX" ] && kill "$TR_NGINX" 2>/dev/null; tr_guard_stop; t_cleanup' EXIT
	TR_WORKERS=$(pgrep -P "$TR_NGINX" | sort -n | tr '\n' ',' | sed 's/,$//')
}

tr_nginx_try()
{
	local pre=$T_TMP/nginx
	tr_nginx_conf "$pre" "$TR_PORT" off > "$pre/nginx.conf"
	nginx -p "$pre" -e "$pre/error.log" -c "$pre/nginx.conf" </dev/null >/dev/null 2>&1 &
	TR_NGINX=$!
	for _ in $(seq 100); do
		kill -0 "$TR_NGINX" 2>/dev/null || return 1
		[ "$(pgrep -P "$TR_NGINX" | wc -l)" -eq 2 ] &&
			curl -sf -o /dev/null "http://127.0.0.1:$TR_PORT/f" && return 0
		sleep 0.1
	done
	return 1
}

# tr_nginx_conf PREFIX PORT ACCESS_LOG: an nginx.conf on stdout: in the
# foreground, a master and two workers, its files under PREFIX (html/ the
# root, tmp/ its temporary files), listening on 127.0.0.1:PORT, sendfile
# on, the access log ACCESS_LOG ("off", or a file).
tr_nginx_conf()
{
	cat <<-EOF
	daemon off;
	master_process on;
	worker_processes 2;
	pid $1/nginx.pid;
	error_log $1/error.log;
	events { worker_connections 64; }
	http {
		access_log $3;
		sendfile on;
		client_body_temp_path $1/tmp/body;
		proxy_temp_path $1/tmp/proxy;
		fastcgi_temp_path $1/tmp/fastcgi;
		uwsgi_temp_path $1/tmp/uwsgi;
		scgi_temp_path $1/tmp/scgi;
		server { listen 127.0.0.1:$2; root $1/html; }
	}
	EOF
}

# tr_nginx_stop: a graceful shutdown (SIGQUIT), waited for.
tr_nginx_stop()
{
	kill -QUIT "$TR_NGINX"
	wait "$TR_NGINX"
	TR_NGINX=
}
