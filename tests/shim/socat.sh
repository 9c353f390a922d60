#!/bin/bash
# Description: socat relaying a file over TCP on loopback, both ends
# shimmed: the bytes arrive intact, statuses and messages match a plain
# run, and (PK_ROUTE=ring) the relay's socket I/O goes through io_uring; a refused
# connection gives the same error and status.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
t_require socat
cd "$T_TMP" || exit 1
head -c 5000000 /dev/urandom > data

s_shim "$(command -v socat)" || { t_fail "shim for socat"; t_done; }
SO=$S_SO
t_is "$(t_sql "$S_DB" "SELECT count(*) FROM v_shims WHERE binary LIKE '%/socat' AND decision = 'routed'
	AND function IN ('socket', 'connect', 'accept', 'read', 'write')")" 5 \
	"socat's socket, connect, accept, read and write are routed"

port=$((20000 + RANDOM % 20000))
# relay WRAP: a listener writes what it receives into a file, a client sends data.
relay()
{
	local tag=$1
	shift
	rm -f "got.$tag"
	"$@" socat -u TCP-LISTEN:$port,reuseaddr,bind=127.0.0.1 OPEN:got.$tag,creat,trunc 2>"srv.$tag" &
	local srv=$!
	for _ in $(seq 50); do
		ss -ltn 2>/dev/null | grep -q ":$port " && break
		sleep 0.1
	done
	"$@" socat -u OPEN:data TCP:127.0.0.1:$port 2>"cli.$tag"
	echo $? > "rc.$tag"
	wait $srv
	echo $? >> "rc.$tag"
}
relay plain env
relay shim env LD_PRELOAD="$SO"
t_ok "plain relay delivered the file" cmp -s got.plain data
t_ok "shimmed relay delivered the file" cmp -s got.shim data
t_is "$(cat rc.shim)" "$(cat rc.plain)" "same statuses (client, server)"
t_is "$(cat cli.shim srv.shim)" "$(cat cli.plain srv.plain)" "same messages"

strace -f -qq -o srv.strace -E LD_PRELOAD="$SO" -E PK_ROUTE=ring socat -u TCP-LISTEN:$port,reuseaddr,bind=127.0.0.1 OPEN:got.st,creat,trunc &
srv=$!
for _ in $(seq 50); do ss -ltn 2>/dev/null | grep -q ":$port " && break; sleep 0.1; done
strace -f -qq -o cli.strace -E LD_PRELOAD="$SO" -E PK_ROUTE=ring socat -u OPEN:data TCP:127.0.0.1:$port
wait $srv
t_ok "relay under strace delivered the file" cmp -s got.st data
for side in srv cli; do
	n=$(grep -Ec "^[0-9]+ +($S_RW)\((5|6|7)," $side.strace)
	t_diag "$side: $(s_counts $side.strace), data-socket read/write $n"
	t_is "$n" 0 "$side: no read/write system call on the data descriptors"
done

# socat's message has a date, its pid and the socket's number, which is one
# higher under the shim: the thread's ring holds the lowest free descriptor.
norm() { sed -E 's/^.*socat\[[0-9]+\] //; s/connect\([0-9]+,/connect(N,/'; }
socat -u OPEN:data TCP:127.0.0.1:1 2>&1 | norm > refused.plain; echo "status ${PIPESTATUS[0]}" >> refused.plain
LD_PRELOAD=$SO socat -u OPEN:data TCP:127.0.0.1:1 2>&1 | norm > refused.shim; echo "status ${PIPESTATUS[0]}" >> refused.shim
t_cmp refused.shim refused.plain "a refused connection: same message and status"
t_done
