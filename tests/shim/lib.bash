# Helpers of the shim tests (sourced after tests/lib/t.sh; not a test).
#
# s_shim BIN: builds BIN's shim into $T_TMP/<name>.pk.so (S_SO), database
# $T_TMP/shim.db. s_same DESC CMD...: runs CMD without and with the shim
# and checks stdout, stderr and exit status are identical. s_uring DESC
# CMD...: under strace -f, no read/write-family system call after the
# process set up its ring, and io_uring_enter was used; prints the counts.

S_DB=$T_TMP/shim.db
S_RW='read|write|pread64|pwrite64|readv|writev|preadv|pwritev|recvfrom|sendto|recvmsg|sendmsg'

s_shim()
{
	local bin=$1 name
	name=$(basename "$bin")
	S_SO=$T_TMP/$name.pk.so
	t_pk shim --db "$S_DB" -o "$S_SO" "$bin"
	if [ "$T_RC" -ne 0 ] || [ ! -s "$S_SO" ]; then
		t_diag "parakit shim $bin failed ($T_RC):" "$(head -40 "$T_ERR")"
		return 1
	fi
}

# s_run OUTPREFIX CMD...: stdout, stderr, status into OUTPREFIX.{out,err,rc}.
s_run()
{
	local p=$1
	shift
	"$@" >"$p.out" 2>"$p.err" </dev/null
	echo $? >"$p.rc"
}

s_same()
{
	local desc=$1 so=$2
	shift 2
	s_run "$T_TMP/plain" "$@"
	LD_PRELOAD=$so s_run "$T_TMP/shim" "$@"
	if cmp -s "$T_TMP/plain.out" "$T_TMP/shim.out" && cmp -s "$T_TMP/plain.err" "$T_TMP/shim.err" &&
	   cmp -s "$T_TMP/plain.rc" "$T_TMP/shim.rc"; then
		t_pass "$desc: same output ($(wc -c < "$T_TMP/plain.out") bytes), errors and status ($(cat "$T_TMP/plain.rc"))"
	else
		t_fail "$desc"
		t_diag "status plain $(cat "$T_TMP/plain.rc"), shim $(cat "$T_TMP/shim.rc")" \
			"stderr plain: $(head -c 300 "$T_TMP/plain.err")" \
			"stderr shim:  $(head -c 300 "$T_TMP/shim.err")"
		cmp "$T_TMP/plain.out" "$T_TMP/shim.out" 2>&1 | t_diag "$(cat)"
	fi
}

# s_counts LOG: "rw=N enter=M" (read/write family anywhere, io_uring_enter).
s_counts()
{
	local rw enter
	rw=$(grep -Ec "^[0-9]+ +($S_RW)\(" "$1")
	enter=$(grep -Ec '^[0-9]+ +io_uring_enter\(' "$1")
	echo "rw=$rw enter=$enter"
}

# s_uring DESC SO CMD...: with SO preloaded and PK_ROUTE=ring (every
# routed call through the thread's ring, which libpk otherwise keeps for
# fibers and SQPOLL: pk.h), no read/write-family call after a process's
# io_uring_setup (until it execs), and at least one io_uring_enter; and
# with libpk's own choice (no PK_ROUTE), no more read/write-family calls
# and io_uring_enter together than the plain run made: the shim does no
# harm. S_KERNEL_FDS (e.g. "1") lists the descriptors that stay on the
# kernel path by design (stdio on stdout: see v_shims).
S_KERNEL_FDS=
s_uring()
{
	local desc=$1 so=$2 late
	shift 2
	strace -f -qq -o "$T_TMP/plain.strace" "$@" >/dev/null 2>&1 </dev/null
	strace -f -qq -E LD_PRELOAD="$so" -o "$T_TMP/auto.strace" "$@" >/dev/null 2>&1 </dev/null
	strace -f -qq -E LD_PRELOAD="$so" -E PK_ROUTE=ring -o "$T_TMP/shim.strace" "$@" >/dev/null 2>&1 </dev/null
	late=$(awk -v re="^($S_RW)\\\\(" -v kfds=" $S_KERNEL_FDS " '
		{ pid = $1; call = $2 }
		call ~ /^execve\(/ { up[pid] = 0 }
		call ~ /^io_uring_setup\(/ { up[pid] = 1 }
		up[pid] && call ~ re {
			fd = call; sub(/^[a-z0-9]+\(/, "", fd); sub(/,.*/, "", fd)
			if (index(kfds, " " fd " ")) next
			n++; if (n <= 5) print "# late: " $0 > "/dev/stderr"
		}
		END { print n + 0 }' "$T_TMP/shim.strace")
	t_diag "$desc: plain $(s_counts "$T_TMP/plain.strace"); shim $(s_counts "$T_TMP/auto.strace");" \
		"PK_ROUTE=ring $(s_counts "$T_TMP/shim.strace")"
	if [ "$late" -eq 0 ] && grep -q 'io_uring_enter(' "$T_TMP/shim.strace"; then
		t_pass "$desc: routed I/O went through io_uring"
	else
		t_fail "$desc: $late read/write-family calls bypassed io_uring"
	fi
	local plain auto enters
	# ld.so's read of each library's ELF header (the shim is one more) is not the program's I/O.
	plain=$(grep -Fv '"\177ELF' "$T_TMP/plain.strace" | grep -Ec "^[0-9]+ +($S_RW|io_uring_enter)\\(")
	auto=$(grep -Fv '"\177ELF' "$T_TMP/auto.strace" | grep -Ec "^[0-9]+ +($S_RW|io_uring_enter)\\(")
	enters=$(grep -Ec '^[0-9]+ +io_uring_enter\(' "$T_TMP/auto.strace")
	# What an ordinary thread's call costs under libpk's own choice is the
	# kernel's call itself: no io_uring_enter beside it. The counts are
	# compared too, with a quarter of slack, except where a pipe's reader
	# gets its data in pieces that differ from run to run (S_PIPE=1:
	# 149 plain against 217 shimmed on a quiet machine, for the same calls).
	if [ -n "${S_PIPE:-}" ]; then
		t_ok "$desc: libpk's own choice makes the kernel's calls, no io_uring_enter ($enters)" \
			test "$enters" -eq 0
	else
		t_ok "$desc: libpk's own choice enters the kernel for I/O no more than plain ($auto <= $plain + 25%, $enters io_uring_enter)" \
			test "$auto" -le $((plain + plain / 4 + 2)) -a "$enters" -eq 0
	fi
}

s_require()
{
	t_require strace cc
	[ -x "$PARAKIT" ] || t_skip_all "no parakit at $PARAKIT"
	[ -e /proc/sys/kernel/io_uring_disabled ] && [ "$(cat /proc/sys/kernel/io_uring_disabled)" != 0 ] &&
		t_skip_all "io_uring is disabled on this machine"
	return 0
}

# --- Servers (nginx.sh, redis.sh) -----------------------------------------

S_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# s_port: a TCP port no socket uses now, below the ephemeral range
# (32768 and up), where the clients' own connections would take it.
s_port()
{
	local p
	for _ in $(seq 200); do
		p=$((10000 + RANDOM % 22000))
		[ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
	done
	return 1
}

# s_reaper: builds $T_TMP/reaper (tests/shim/reaper.c.in), the subreaper
# that keeps a daemon's exit status.
s_reaper()
{
	cc -O2 -o "$T_TMP/reaper" -x c "$S_SRC/reaper.c.in"
}

# s_daemon: builds $T_TMP/daemon (tests/shim/daemon.c.in): 'daemon IN OUT'
# forks twice around setsid, its parent exiting at once, and the
# grandchild copies IN to OUT and writes OUT.pid. s_wait_daemon OUT: the
# copy appeared and its writer exited, within 10 s.
s_daemon()
{
	cc -O2 -o "$T_TMP/daemon" -x c "$S_SRC/daemon.c.in"
}

s_wait_daemon()
{
	local pid
	s_until 10 test -f "$1" -a -s "$1.pid" || return 1
	pid=$(cat "$1.pid") || return 1
	s_until 10 eval "! kill -0 $pid 2>/dev/null"
}

# s_mode MODE: S_WRAP, the words that run a command in MODE: plain; shim
# (parakit shim --run, libpk's own choice); ring (PK_ROUTE=ring: every
# routed call through the thread's ring); sqpoll (PK_SQPOLL=1).
s_mode()
{
	local run=("$PARAKIT" shim --run --db "$S_DB" --)
	case $1 in
	plain)	S_WRAP=(env) ;;
	shim)	S_WRAP=(env "${run[@]}") ;;
	ring)	S_WRAP=(env PK_ROUTE=ring "${run[@]}") ;;
	sqpoll)	S_WRAP=(env PK_SQPOLL=1 "${run[@]}") ;;
	esac
}

# s_until SECONDS CMD...: polls CMD every 0.05 s until it succeeds (0) or time is up (1).
s_until()
{
	local n=$(($1 * 20))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# s_alive PID: the process exists and is not a zombie.
s_alive()
{
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# s_shimmed PID: PID has a shim from the cache ($XDG_CACHE_HOME) mapped.
s_shimmed()
{
	grep -q "$XDG_CACHE_HOME/parakit/shims/" "/proc/$1/maps" 2>/dev/null
}

# s_sanitizer FILE: FILE (the stderr of a parakit run not made through
# t_pk) holds a sanitizer report: counted as t_pk counts it.
s_sanitizer()
{
	if grep -Eq 'runtime error:|Sanitizer|LeakSanitizer|SUMMARY: ' "$1"; then
		t_sanitizer=$((t_sanitizer + 1))
		t_diag "sanitizer report in $1:" "$(head -30 "$1")"
	fi
}

# s_kill_tree PID: SIGKILL to PID's descendants, then PID (a server that
# hung must not outlive its test, holding its port).
s_kill_tree()
{
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		s_kill_tree "$c"
	done
	kill -9 "$1" 2>/dev/null
}
