#!/bin/bash
# Description: a thread-per-connection TCP echo server, ported at --level
# compat and at --level fibers: each builds with its own Makefile and
# answers the same load with the same bytes, messages and exit status; the
# fiber level becomes fiber-per-connection (pthread_create -> pk_spawn_attr,
# -pk_spawn_attr where the value is tested,
# pthread_t -> pk_fiber_t, mutex/cond and their initializers, main through
# pk_run), serves 2,000 concurrent connections on a handful of threads
# where the original holds one thread per connection, and its socket I/O
# goes through io_uring. Porting the ported tree changes nothing.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/echo-fixture.bash"
t_require sqlite3 patch make cc pkg-config strace
port_libpk
ulimit -n 8192 2>/dev/null || t_skip_all "cannot raise the open files limit to 8192"

orig=$T_TMP/orig
port_echo_tree "$orig"
port_echo_client "$T_TMP/echoload"
t_ok "the original builds" make -s -C "$orig"
db=$T_TMP/port.db
for level in compat fibers; do
	tree=$T_TMP/$level
	port_tree_copy "$orig" "$tree"
	make -s -C "$tree" clean >/dev/null 2>&1; rm -f "$tree/echod"
	t_pk port --db "$db" --level "$level" --diff "$T_TMP/$level.patch" "$tree"
	t_is "$T_RC" 0 "port --level $level exits 0"
	t_ok "the $level diff applies" patch -s -p1 -d "$tree" -i "$T_TMP/$level.patch"
	t_ok "the $level tree builds" make -s -C "$tree"
done
f=$T_TMP/fibers/echod.c
t_ok "fibers: pk_spawn_attr, negated where tested" grep -q 'if (-pk_spawn_attr(&t, NULL, serve, (void \*)(intptr_t)c) != 0)' "$f"
t_ok "fibers: pk_fiber_t, pk_detach" sh -c "grep -q 'pk_fiber_t t;' '$f' && grep -q 'pk_detach(t);' '$f'"
t_ok "fibers: mutex and condition with their initializers" \
	sh -c "grep -q 'static pk_mutex_t lock = PK_MUTEX_INITIALIZER;' '$f' && grep -q 'pk_cond_wait(&idle, &lock)' '$f'"
t_ok "fibers: main runs through pk_run" sh -c "grep -q '^int pk_port_main(int argc, char \*\*argv)' '$f' && grep -q 'pk_run(pk_port_start' '$f'"
t_ok "compat: threads stay threads" grep -q 'pthread_create(&t, NULL' "$T_TMP/compat/echod.c"
t_is "$(t_sql "$db" "SELECT action || ':' || coalesce(reason, '') FROM v_port_sites WHERE tree = '$T_TMP/compat' AND callee = 'pthread_create'")" \
	"left:threads and locks move at --level fibers" "v_port_sites: compat leaves pthread_create with the reason"
t_is "$(t_sql "$db" "SELECT group_concat(DISTINCT action) FROM v_port_sites WHERE tree = '$T_TMP/fibers' AND callee LIKE 'pthread%'")" \
	"rewritten" "v_port_sites: fibers rewrites every pthread call"

# Below the ephemeral range (32768-60999): the load's own ports never take it.
port=$((10000 + $$ % 9000 * 2))
# serve LEVEL CONNS ROUNDS NAME: runs the server for CONNS connections and
# the load against it; the server's threads are read while the load holds
# its connections open.
serve()
{
	local dir=$T_TMP/$1 name=$4 pid i
	port=$((port + 1))
	rm -f "$T_TMP/ready"
	(cd "$dir" && exec ./echod $port "$2") > "$T_TMP/run/$name.srv" 2>&1 &
	pid=$!
	for i in $(seq 100); do grep -q listening "$T_TMP/run/$name.srv" 2>/dev/null && break; sleep 0.05; done
	"$T_TMP/echoload" $port "$2" "$3" 100 "$T_TMP/ready" 400 > "$T_TMP/run/$name.out" 2> "$T_TMP/run/$name.err" &
	local cpid=$!
	for i in $(seq 200); do [ -e "$T_TMP/ready" ] && break; sleep 0.05; done
	awk '/^Threads:/ { print $2 }' /proc/$pid/status > "$T_TMP/run/$name.threads" 2>/dev/null
	wait $cpid; echo $? > "$T_TMP/run/$name.rc"
	wait $pid; echo $? >> "$T_TMP/run/$name.rc"
	sed -i '/requests\/s/d' "$T_TMP/run/$name.err"
	cat "$T_TMP/run/$name.srv" >> "$T_TMP/run/$name.out"
}
mkdir -p "$T_TMP/run"
for level in orig compat fibers; do
	serve $level 100 3 "$level-100"
done
port_same orig-100 compat-100 "compat: same echoes, messages and statuses (100 connections)"
port_same orig-100 fibers-100 "fibers: same echoes, messages and statuses (100 connections)"
t_is "$(cat "$T_TMP/run/orig-100.out")" "$(printf '100 connections, 3 rounds of 100 bytes, 0 bytes wrong\nlistening\nserved 100')" \
	"the load saw every byte echoed and the server served 100"
t_ok "the original holds a thread per connection ($(cat "$T_TMP/run/orig-100.threads") threads)" \
	test "$(cat "$T_TMP/run/orig-100.threads")" -ge 101
t_ok "the fiber server holds them on a handful ($(cat "$T_TMP/run/fibers-100.threads") threads)" \
	test "$(cat "$T_TMP/run/fibers-100.threads")" -le 4

serve fibers 2000 2 fibers-2000
t_is "$(cat "$T_TMP/run/fibers-2000.out" "$T_TMP/run/fibers-2000.rc" | tr '\n' ' ')" \
	"2000 connections, 2 rounds of 100 bytes, 0 bytes wrong listening served 2000 0 0 " \
	"fibers: 2,000 concurrent connections served, every byte echoed"
t_ok "on a handful of threads ($(cat "$T_TMP/run/fibers-2000.threads"))" test "$(cat "$T_TMP/run/fibers-2000.threads")" -le 4

# System calls of the server for 100 connections, 3 rounds.
for level in orig fibers; do
	port=$((port + 1))
	rm -f "$T_TMP/ready"
	(cd "$T_TMP/$level" && exec strace -f -c -o "$T_TMP/run/$level.strace" ./echod $port 100) > "$T_TMP/run/$level.st.srv" 2>&1 &
	pid=$!
	for i in $(seq 200); do grep -q listening "$T_TMP/run/$level.st.srv" 2>/dev/null && break; sleep 0.05; done
	"$T_TMP/echoload" $port 100 3 100 > /dev/null 2>&1
	wait $pid
	awk 'NF >= 5 && $NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { print $NF, $4 }' \
		"$T_TMP/run/$level.strace" > "$T_TMP/run/$level.sys"
done
o=$(( $(port_sys orig read) + $(port_sys orig write) + $(port_sys orig accept) ))
p=$(( $(port_sys fibers read) + $(port_sys fibers write) + $(port_sys fibers accept) ))
t_diag "server read+write+accept: original $o, fibers $p (io_uring_enter $(port_sys fibers io_uring_enter));" \
	"futex: original $(port_sys orig futex), fibers $(port_sys fibers futex); clone: $(port_sys orig clone)/$(port_sys fibers clone)"
t_ok "the original serves with read/write/accept (>= 700)" test "$o" -ge 700 || t_diag "$(cat "$T_TMP/run/orig.st.srv"; head -5 "$T_TMP/run/orig.strace")"
t_ok "the fiber server through io_uring (no more than the loader's reads)" test "$p" -lt 16
t_ok "and io_uring_enter" test "$(port_sys fibers io_uring_enter)" -ge 100

t_pk port --db "$db" --level fibers "$T_TMP/fibers"
t_is "$T_RC:$T_OUT" "0:" "porting the fiber-ported tree changes nothing"
t_done
