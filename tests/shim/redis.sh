#!/bin/bash
# Description: redis-server, a real server over 1 MiB, under parakit shim
# --run (issue 13), as it runs plain: redis-cli's SET, GET, INCR, LPUSH,
# LRANGE, EXPIRE and TTL (one command per connection and many in one
# stdin), a 1 MiB value, a --pipe of 10,000 commands, the same output;
# SHUTDOWN ends a foreground server and SIGTERM a daemonized one
# (--daemonize yes, pid file removed) with the statuses and log of a plain
# run. Modes: plain, shim (libpk's own choice), PK_ROUTE=ring (every
# routed call through the threads' rings) and PK_SQPOLL=1.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
t_require ss sha256sum base64
REDIS=$(command -v redis-server) || t_skip_all "redis-server is not installed (make deps)"
CLI=$(command -v redis-cli) || t_skip_all "redis-cli is not installed (make deps)"
cd "$T_TMP" || exit 1
export XDG_CACHE_HOME=$T_TMP/cache
# SQPOLL slots of our own (another parakit user must not take them), which
# nginx's workers can take when they run as nobody.
mkdir -m 1777 slots
export PK_SQPOLL_SLOT_DIR=$T_TMP/slots
s_reaper || t_skip_all "cannot build the reaper fixture"

# redis-server is a link to redis-check-rdb, which looks at its name.
size=$(stat -L -c %s "$REDIS")
t_ok "$REDIS is over 1 MiB ($size bytes)" [ "$size" -gt $((1 << 20)) ]

"$REDIS" --version > v.plain 2>&1
echo "status $?" >> v.plain
t_pk shim --run --db "$S_DB" -- "$REDIS" --version
{ printf '%s\n' "$T_OUT"; cat "$T_ERR"; echo "status $T_RC"; } > v.shim
t_cmp v.shim v.plain "redis-server --version under the shim: same output and status"
t_is "$(ls cache/parakit/shims/*.so 2>/dev/null | wc -l)" 1 "redis-server's shim is cached under \$XDG_CACHE_HOME"

head -c 786432 /dev/urandom | base64 -w0 > big	# 1 MiB of text
seq 1 10000 | awk '{ k = "key:" $1; printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length($1), $1 }' > pipe.resp
cat > session <<'EOF'
SET greeting hello
GET greeting
GET missing
INCR counter
INCR counter
INCRBY counter 40
LPUSH list a b c
RPUSH list z
LRANGE list 0 -1
LLEN list
LPUSH greeting x
HSET h f1 v1 f2 v2
HGETALL h
SADD s 3 1 2
SMEMBERS s
EXPIRE greeting 100
TTL greeting
TTL counter
DEL list
EXISTS list
DBSIZE
EOF

# log FILE: a redis log without pids, times and ports.
log()
{
	sed -E 's/^[0-9]+:([A-Z]) [0-9]+ [A-Za-z]+ [0-9]+ [0-9:.]+ /\1 /; s/^[0-9]+:signal-handler \([0-9]+\)/signal-handler/; s/pid=[0-9]+/pid=N/; s/port=[0-9]+/port=N/' "$1"
}

# serves: redis on PORT answers PING.
serves() { [ "$("$CLI" -p "$PORT" ping 2>/dev/null)" = PONG ]; }

# talk: the client side of this test against PORT, its output on stdout.
talk()
{
	local c=("$CLI" -p "$PORT")
	echo "one command per connection:"
	"${c[@]}" SET k 1; "${c[@]}" GET k; "${c[@]}" INCR k; "${c[@]}" LPUSH l x y; "${c[@]}" LRANGE l 0 -1
	# A slow start of redis-cli on a loaded machine may cost TTL a second.
	"${c[@]}" EXPIRE k 50; "${c[@]}" TTL k | awk '{ print ($1 > 40 && $1 <= 50 ? "TTL in (40, 50]" : "TTL " $1) }'
	echo "a session on stdin:"
	"${c[@]}" < session
	echo "a 1 MiB value:"
	"${c[@]}" -x SET big < big
	echo "$("${c[@]}" --raw GET big | head -c -1 | sha256sum | cut -c1-64) $("${c[@]}" STRLEN big)"
	echo "--pipe:"
	"${c[@]}" --pipe < pipe.resp
	"${c[@]}" GET key:1; "${c[@]}" GET key:10000; "${c[@]}" DBSIZE
}

for mode in plain shim ring sqpoll; do
	s_mode "$mode"

	# In the foreground, ended by SHUTDOWN.
	D=$T_TMP/$mode.fg
	mkdir "$D"
	PORT=$(s_port)
	"${S_WRAP[@]}" "$REDIS" --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
		--dir "$D" --logfile "$D/log" > "$D/out" 2> "$D/err" < /dev/null &
	pid=$!
	if s_until 20 serves; then
		t_pass "$mode: redis-server answers PING (pid $pid)"
		if [ "$mode" = plain ]; then
			t_ok "$mode: no shim in redis-server" eval '! s_shimmed $pid'
		else
			t_ok "$mode: redis-server runs with the shim" s_shimmed "$pid"
		fi
		timeout 60 bash -c "$(declare -f talk); CLI=$CLI PORT=$PORT talk" > "talk.$mode" 2>&1
		t_is "$(grep -c 'errors: 0, replies: 10000' "talk.$mode")" 1 "$mode: --pipe: 10,000 replies, no error"
		t_is "$(sed -n '/^a 1 MiB value:/{n;n;p}' "talk.$mode")" \
			"$(sha256sum < big | cut -c1-64) $(wc -c < big)" "$mode: GET gives the 1 MiB value back"
		"$CLI" -p "$PORT" SHUTDOWN > "$D/shutdown" 2>&1
		echo "redis-cli SHUTDOWN: status $?" >> "$D/shutdown"
	else
		t_fail "$mode: redis-server answers PING"
		t_diag "$(cat "$D/err" "$D/log" 2>/dev/null | head -20)"
		kill "$pid" 2>/dev/null
	fi
	if s_until 30 eval '! kill -0 $pid 2>/dev/null'; then
		wait "$pid"
		echo "server: status $?" >> "$D/shutdown"
	else
		t_diag "$mode: redis-server still runs after SHUTDOWN, killed"
		s_kill_tree "$pid"
	fi
	mv "$D/shutdown" "shutdown.$mode"
	cat "$D/out" "$D/err" > "stderr.$mode"
	s_sanitizer "$D/err"
	log "$D/log" > "log.$mode"

	# Daemonized with a pid file, ended by SIGTERM.
	D=$T_TMP/$mode.daemon
	mkdir "$D"
	PORT=$(s_port)
	"$T_TMP/reaper" "$D/reaped" "${S_WRAP[@]}" "$REDIS" --port "$PORT" --bind 127.0.0.1 --save '' \
		--appendonly no --daemonize yes --pidfile "$D/pid" --dir "$D" --logfile "$D/log" \
		> "$D/out" 2> "$D/err" < /dev/null &
	reaper=$!
	daemon=
	if s_until 20 test -s "$D/pid" && daemon=$(cat "$D/pid") && s_until 20 serves; then
		t_pass "$mode: the daemon answers PING (pid $daemon)"
		if [ "$mode" != plain ]; then
			t_ok "$mode: the daemon runs with the shim" s_shimmed "$daemon"
		fi
		{ "$CLI" -p "$PORT" SET d 1; "$CLI" -p "$PORT" INCR d; "$CLI" -p "$PORT" GET d; } > "daemon.$mode" 2>&1
		kill -TERM "$daemon"
	else
		t_fail "$mode: the daemon answers PING"
		t_diag "$(cat "$D/err" "$D/log" 2>/dev/null | head -20)"
	fi
	if ! s_until 30 eval '! kill -0 $reaper 2>/dev/null'; then
		t_diag "$mode: the daemon still runs after SIGTERM, killed"
		s_kill_tree "$reaper"
	fi
	wait "$reaper"
	t_ok "$mode: SIGTERM ends the daemon" test -n "$daemon" -a ! -d "/proc/$daemon"
	t_ok "$mode: SIGTERM removes the pid file" test ! -e "$D/pid"
	# The launcher's status, then the daemon's: nothing else was left to the reaper.
	cut -d' ' -f2- "$D/reaped" | paste -sd' ' > "term.$mode"
	cat "$D/out" "$D/err" >> "stderr.$mode"
	s_sanitizer "$D/err"
	log "$D/log" > "dlog.$mode"
done

t_is "$(cat shutdown.plain | paste -sd' ')" "redis-cli SHUTDOWN: status 0 server: status 0" \
	"plain: SHUTDOWN: redis-cli and the server exit 0"
t_is "$(cat term.plain)" "exit 0 exit 0" "plain: SIGTERM: launcher and daemon exit 0"
for mode in shim ring sqpoll; do
	t_cmp "talk.$mode" talk.plain "$mode: redis-cli prints what it prints against a plain server"
	t_cmp "daemon.$mode" daemon.plain "$mode: the daemon answers as plain"
	t_cmp "shutdown.$mode" shutdown.plain "$mode: SHUTDOWN: the statuses of plain"
	t_is "$(cat "term.$mode")" "$(cat term.plain)" "$mode: SIGTERM: the statuses of plain"
	t_is "$(cat "stderr.$mode")" "$(cat stderr.plain)" "$mode: the same messages on stdout and stderr (none)"
	t_cmp "log.$mode" log.plain "$mode: the same log, foreground (pids, times, ports aside)"
	t_cmp "dlog.$mode" dlog.plain "$mode: the same log, daemonized"
done
t_done
