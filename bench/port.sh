#!/usr/bin/env bash
# Benchmark: parakit port on a real C tree, Open vSwitch's lib/ (from
# Debian's openvswitch-source, configured once: tests/src/ovs-tree.inc;
# ~150k lines of .c/.h, sockets, files, poll, sleeps), against the same
# compat rewrite as a Coccinelle semantic patch run with spatch over the
# same files: blocking call sites rewritten, left per reason, time.
#
# Then whether the ported tree builds and behaves: the diff is applied to
# a copy of the whole configured tree (with the ports of ovsdb/ and
# utilities/, the directories of the smoke run's programs), and the
# original and the ported copies are built side by side with make -j2,
# only what the smoke run needs. OVS's build is automake, which port does
# not adapt: libpk comes in as a user would add it, CPPFLAGS and LIBS on
# make's command line from pkg-config. The smoke run is the same on both:
# ovsdb-tool creates a database from vswitchd/vswitch.ovsschema,
# ovsdb-server serves it on a unix socket, ovs-vsctl adds, lists, sets,
# gets and deletes bridges and ports through it (--no-wait: no
# ovs-vswitchd), then the server restarts on the same file and what it
# wrote is read back. Their outputs and exit statuses must be identical;
# the servers' system calls are counted (strace -f -c): the ported
# server's blocking calls go through io_uring_enter.
#
# Last, the echo server of tests/port before and after --level fibers:
# requests/s and server system calls per request (strace -f -c) at 100
# and 2,000 connections. All in one run; the machine is shared, so the
# load (uptime) is printed beside the timings.
#
# usage: bench/port.sh [PARAKIT]
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../tests/src/ovs-tree.inc"
. "$here/../tests/port/echo-fixture.bash"
parakit=$(realpath "${1:-build/parakit}")
O=$(dirname "$parakit")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ovs=$(src_ovs_tree) || { echo "bench/port.sh: openvswitch-source is not installed or does not configure" >&2; exit 1; }
flags=("${SRC_OVS_FLAGS[@]}" -I "$ovs" -I "$ovs/include")
tree=$tmp/lib
cp -r "$ovs/lib" "$tree"
lines=$(find "$tree" -name '*.[ch]' -print0 | xargs -0 cat | wc -l)
echo "tree: openvswitch $(dpkg-query -W -f='${Version}' openvswitch-source) lib/, $(find "$tree" -name '*.c' | wc -l) .c files, $lines lines; $(nproc) CPUs; $(spatch --version | head -1)"
echo "uptime: $(uptime)"

# parakit port --level compat, its figures from --json (exit 1: some TUs of
# other platforms do not parse).
b_time pk bash -c '"$0" port --db "$1" --jobs 2 --json --diff "$2" "$3" -- "${@:5}" > "$4" 2>/dev/null || [ $? -eq 1 ]' \
	"$parakit" "$tmp/port.db" "$tmp/port.patch" "$tree" "$tmp/port.json" "${flags[@]}" -I "$here/../runtime"
j() { jq -r "$1" "$tmp/port.json"; }
# rewriter/port_compat.c's twins.
twins='["accept","accept4","close","connect","fcntl","fdatasync","fsync","nanosleep","open","openat","poll","pread",
	"pwrite","read","readv","recv","recvfrom","recvmsg","select","send","sendmsg","sendto","sleep","socket","usleep",
	"waitpid","write","writev"]'
total=$(j '[.sites[] | select(.blocking)] | length')
rew=$(j '.rewritten_blocking')
twin=$(j "$twins as \$t | [.sites[] | select(.blocking and (.posix_name as \$p | \$t | index([\$p])))] | length")
twin_rew=$(j "$twins as \$t | [.sites[] | select(.blocking and .action == \"rewritten\"
	and (.posix_name as \$p | \$t | index([\$p])))] | length")
echo
echo "parakit port --level compat: $total blocking call sites (catalogue), $twin of functions with a pk_ twin"
echo "  rewritten: $rew ($(b_ratio "$rew" "$total") of all blocking, $(b_ratio "$twin_rew" "$twin") of those with a twin)"
echo "  left, per reason (blocking sites):"
j '[.sites[] | select(.blocking and .action == "left")] | group_by(.reason)
   | map([length, .[0].reason]) | sort_by(-.[0])[] | @tsv' | awk -F'\t' '{ printf "    %6d  %s\n", $1, $2 }'
echo "  companions rewritten (close, socket, fcntl...): $(j '.rewritten - .rewritten_blocking')"
echo "  files changed: $(j .files_changed) (diff: $(grep -c '^+++ ' "$tmp/port.patch") files)"
echo "  v_port_sites holds the same $(j .call_sites) sites: $(sqlite3 "$tmp/port.db" "SELECT count(*) FROM v_port_sites WHERE tree = '$tree'")"

# Coccinelle: the same rename, one rule per function with a pk_ twin.
fns="read write pread pwrite readv writev open openat close fcntl fsync fdatasync socket accept accept4 connect send recv sendto recvfrom sendmsg recvmsg poll select nanosleep sleep usleep waitpid"
: > "$tmp/compat.cocci"
for f in $fns; do
	printf '@@\nexpression list args;\n@@\n- %s(args)\n+ pk_%s(args)\n\n' "$f" "$f" >> "$tmp/compat.cocci"
done
cp -r "$ovs/lib" "$tmp/cocci"
b_time cocci bash -c 'spatch --sp-file "$0" --dir "$1" --include-headers -I "$2" -I "$2/include" --jobs 2 \
	--very-quiet > "$3" 2>/dev/null || true' "$tmp/compat.cocci" "$tmp/cocci" "$ovs" "$tmp/cocci.patch"
crew=$(grep -E '^\+' "$tmp/cocci.patch" | grep -v '^+++' | grep -oE '\bpk_[a-z0-9]+\(' | wc -l)
prew=$(grep -E '^\+' "$tmp/port.patch" | grep -v '^+++' | grep -oE '\bpk_[a-z0-9]+\b' | wc -l)
echo
echo "coccinelle (spatch, 1 rule per function, --jobs 2): $crew call names rewritten in $(grep -c '^+++ ' "$tmp/cocci.patch") files"
echo "parakit port, same count from its diff: $prew pk_ names (calls, macro bodies, function pointers)"
b_row "" "seconds" "peak MB"
b_row "parakit port --level compat --jobs 2" "$pk" "$pk_rss"
b_row "spatch (same rename)" "$cocci" "$cocci_rss"
b_row "speed-up" "$(b_ratio "$cocci" "$pk")" ""


# libpk as 'make install-libpk' installs it, for pkg-config.
export PKG_CONFIG_PATH=$tmp/pfx/lib/pkgconfig LD_LIBRARY_PATH=$tmp/pfx/lib
mkdir -p "$tmp/pfx/lib/pkgconfig" "$tmp/pfx/include"
cp "$O/runtime/libpk.so" "$tmp/pfx/lib/libpk.so.0"; ln -sf libpk.so.0 "$tmp/pfx/lib/libpk.so"
cp "$O/runtime/libpk.a" "$tmp/pfx/lib/"; cp "$here/../runtime/pk.h" "$tmp/pfx/include/"
sed -e "s|@PREFIX@|$tmp/pfx|" -e 's|@VERSION@|0|' "$here/../runtime/libpk.pc.in" > "$tmp/pfx/lib/pkgconfig/libpk.pc"

# The whole tree, original and ported. ovsdb/ and utilities/ hold the
# smoke run's programs: they are ported the same way (their headers from
# lib/ are the lib/ port's).
cp -a "$ovs" "$tmp/ovs-orig"
cp -a "$ovs" "$tmp/ovs-ported"
patch -s -p1 -d "$tmp/ovs-ported/lib" -i "$tmp/port.patch" || echo "  (the lib/ diff did not apply cleanly)"
echo
for d in ovsdb utilities; do
	cp -r "$ovs/$d" "$tmp/$d"
	"$parakit" port --db "$tmp/port.db" --jobs 2 --json --diff "$tmp/$d.patch" "$tmp/$d" -- "${flags[@]}" \
		-I "$ovs/lib" -I "$ovs/$d" -I "$here/../runtime" > "$tmp/$d.json" 2>/dev/null || true
	patch -s -p1 -d "$tmp/ovs-ported/$d" -i "$tmp/$d.patch" || echo "  (the $d/ diff did not apply cleanly)"
	echo "parakit port $d/: $(jq -r '"\(.rewritten) sites rewritten (\(.rewritten_blocking) blocking), \(.left) left, \(.files_changed) files changed"' "$tmp/$d.json")"
done

targets=(lib/libopenvswitch.la ovsdb/ovsdb-tool ovsdb/ovsdb-server utilities/ovs-vsctl)
ovs_libs=$(sed -n 's/^LIBS = //p' "$ovs/Makefile")
pk_cppflags=$(echo $(pkg-config --cflags libpk))
pk_libs=$(echo $ovs_libs $(pkg-config --libs libpk))
# build NAME DIR MAKE-ARGS...: make -j2 the targets; NAME_secs, NAME_ok, NAME_warnings.
build()
{
	local name=$1 dir=$2 st=0
	shift 2
	/usr/bin/time -f %e -o "$tmp/$name.time" make -C "$dir" -j2 "$@" "${targets[@]}" > "$tmp/$name.build" 2>&1 || st=$?
	printf -v "${name}_secs" '%s' "$(tail -1 "$tmp/$name.time")"
	printf -v "${name}_ok" '%s' "$([ $st = 0 ] && echo yes || echo no)"
	printf -v "${name}_warnings" '%s' "$(grep -c 'warning:' "$tmp/$name.build" || true)"
	if [ $st != 0 ]; then
		echo "  $name build failed:"
		grep -E 'error|undefined' "$tmp/$name.build" | head -10 | sed 's/^/    /' || true
	fi
}
echo
echo "build of the whole configured tree, make -j2 ${targets[*]}"
echo "  ported: make CPPFLAGS='$pk_cppflags' LIBS='$pk_libs' (automake: port prints, the user adds)"
echo "  uptime before: $(uptime)"
build orig "$tmp/ovs-orig"
build ported "$tmp/ovs-ported" CPPFLAGS="$pk_cppflags" LIBS="$pk_libs"
echo "  uptime after:  $(uptime)"
row4() { printf '%-44s %10s %10s %10s\n' "$@"; }
row4 "" "builds" "seconds" "warnings"
row4 "original" "$orig_ok" "$orig_secs" "$orig_warnings"
row4 "ported (lib/ + ovsdb/ + utilities/)" "$ported_ok" "$ported_secs" "$ported_warnings"
echo "  the ported server links libpk: $(ldd "$tmp/ovs-ported/ovsdb/ovsdb-server" 2>/dev/null | grep -q libpk && echo yes || echo no)"

# smoke BUILD OUT: the same commands on either build; OUT/status holds the
# exit statuses, OUT/* the outputs (the servers' logs without times and
# paths), OUT/server.strace the first server's system calls.
smoke()
{
	local b=$1 out=$2 d k=0 spid
	d=$(mktemp -d "$tmp/run.XXXXXX")
	mkdir -p "$out"
	export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
	server()
	{
		"$@" "$b/ovsdb/ovsdb-server" "$d/conf.db" --remote="punix:$d/db.sock" --unixctl="$d/ctl" \
			--pidfile="$d/pid" --log-file="$d/server.log" 2>> "$d/server.err" &
		spid=$!
		for _ in $(seq 200); do [ -S "$d/db.sock" ] && [ -s "$d/pid" ] && break; sleep 0.1; done
	}
	stop()
	{
		local st=0
		# The server, not strace: strace writes its counts when its child exits.
		kill "$(cat "$d/pid")" 2>/dev/null || kill "$spid" || true
		wait "$spid" || st=$?
		echo "server: $st" >> "$out/status"
		rm -f "$d/pid" "$d/db.sock"
	}
	vsctl()
	{
		local st=0
		k=$((k + 1))
		"$b/utilities/ovs-vsctl" --db="unix:$d/db.sock" --no-wait --timeout=20 "$@" \
			> "$out/vsctl.$k.out" 2> "$out/vsctl.$k.err" || st=$?
		echo "vsctl $k ($*): $st" >> "$out/status"
	}
	"$b/ovsdb/ovsdb-tool" create "$d/conf.db" "$b/vswitchd/vswitch.ovsschema" > "$out/create.out" 2>&1 &&
		echo "create: 0" > "$out/status" || echo "create: $?" > "$out/status"
	server strace -f -c -o "$out/server.strace"
	vsctl init
	vsctl add-br br0
	vsctl add-br br1
	vsctl add-port br0 p1 -- set Interface p1 type=internal
	vsctl list-br
	vsctl list-ports br0
	vsctl set Bridge br0 other-config:hwaddr=00:11:22:33:44:55 stp_enable=true
	vsctl get Bridge br0 other-config:hwaddr stp_enable
	vsctl --columns=name,stp_enable list Bridge br0
	vsctl br-exists br2
	vsctl del-br br1
	vsctl set Open_vSwitch . external-ids:system-id=smoke
	vsctl add-br br0
	stop
	server env
	vsctl list-br
	vsctl list-ports br0
	vsctl get Open_vSwitch . external-ids:system-id
	stop
	sed -E -e 's/^[0-9-]+T[0-9:.]+Z\|//' -e "s|$d|DIR|g" "$d/server.err" > "$out/server.err"
	mv "$out/server.strace" "$tmp/$(basename "$out").strace"
	rm -rf "$d"
}
# sys FILE NAME: calls of NAME in strace -c output (0 when none).
sys()
{
	awk -v s="$2" '$NF == s && $4 ~ /^[0-9]+$/ { n = $4 } END { print n + 0 }' "$1"
}
echo
if [ "$orig_ok" = yes ] && [ "$ported_ok" = yes ]; then
	smoke "$tmp/ovs-orig" "$tmp/smoke-orig"
	smoke "$tmp/ovs-ported" "$tmp/smoke-ported"
	echo "smoke run: ovsdb-tool create, ovsdb-server on punix:, $(grep -c '^vsctl' "$tmp/smoke-orig/status") ovs-vsctl commands, a restart"
	if diff -r "$tmp/smoke-orig" "$tmp/smoke-ported" > "$tmp/smoke.diff"; then
		echo "  identical (outputs, error messages, exit statuses, server logs): yes"
	else
		echo "  identical (outputs, error messages, exit statuses, server logs): no"
		head -20 "$tmp/smoke.diff" | sed 's/^/    /'
	fi
	# br-exists of a missing bridge exits 2, adding br0 twice 1, the
	# servers die of the SIGTERM that stops them.
	unexpected=$(grep -vE ': 0$|br-exists br2\): 2$|\(add-br br0\): 1$|^server: 143$' "$tmp/smoke-ported/status" || true)
	echo "  every status as expected: $([ -z "$unexpected" ] && echo yes || echo "no: $unexpected")"
	echo "  ovsdb-server's system calls, first run (start, $(grep -c '^vsctl' "$tmp/smoke-orig/status" | awk '{ print $1 - 3 }') commands, SIGTERM; strace -f -c):"
	b_row "" "original" "ported"
	for s in read write pread64 pwrite64 readv writev recvfrom sendto recvmsg sendmsg accept accept4 connect poll ppoll \
		 fsync fdatasync nanosleep clock_nanosleep io_uring_enter; do
		a=$(sys "$tmp/smoke-orig.strace" $s) p=$(sys "$tmp/smoke-ported.strace" $s)
		[ "$a$p" = 00 ] || b_row "  $s" "$a" "$p"
	done
	b_row "  total" "$(awk '$NF == "total" { print $3 ~ /^[0-9]+$/ && NF == 5 ? $3 : $(NF-2) }' "$tmp/smoke-orig.strace")" \
		"$(awk '$NF == "total" { print $3 ~ /^[0-9]+$/ && NF == 5 ? $3 : $(NF-2) }' "$tmp/smoke-ported.strace")"
else
	echo "smoke run: not run, a build failed"
fi

# The echo server: original vs --level fibers.
echo
echo "uptime: $(uptime)"
ulimit -n 8192
port_echo_tree "$tmp/orig"
port_echo_client "$tmp/echoload"
cp -r "$tmp/orig" "$tmp/fibers"
"$parakit" port --db "$tmp/echo.db" --level fibers "$tmp/fibers" 2>/dev/null | patch -s -p1 -d "$tmp/fibers"
make -s -C "$tmp/orig" && make -s -C "$tmp/fibers"
port=$((10000 + $$ % 9000 * 2))
echo
echo "echo server, 100-byte requests (each connection: write, then read back)"
b_row "" "requests/s" "syscalls/req"
for conns in 100 2000; do
	rounds=$((conns == 100 ? 200 : 10))
	for v in orig fibers; do
		port=$((port + 1))
		"$tmp/$v/echod" $port "$conns" > "$tmp/srv" 2>&1 &
		pid=$!
		rps=$("$tmp/echoload" $port "$conns" "$rounds" 100 2>&1 >/dev/null | awk '/requests/ { print $2 }')
		wait $pid || true
		# System calls: a shorter run under strace (its own cost would skew requests/s).
		port=$((port + 1))
		strace -f -c -o "$tmp/st" "$tmp/$v/echod" $port "$conns" > "$tmp/srv" 2>&1 &
		pid=$!
		sleep 0.5
		"$tmp/echoload" $port "$conns" 5 100 >/dev/null 2>&1 || true
		wait $pid || true
		sys=$(awk '$NF == "total" { print $(NF-2) ~ /^[0-9]+$/ && NF == 5 ? $(NF-2) : $(NF-1) }' "$tmp/st")
		calls=$(awk 'NF >= 5 && $4 ~ /^[0-9]+$/ && $NF != "total" { n += $4 } END { print n }' "$tmp/st")
		b_row "$v, $conns connections" "$rps" "$(awk -v c="$calls" -v r=$((conns * 5)) 'BEGIN { printf "%.2f", c / r }')"
	done
done
echo "uptime: $(uptime)"
