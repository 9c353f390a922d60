#!/usr/bin/env bash
# Benchmark: parakit port on a real C tree, Open vSwitch's lib/ (from
# Debian's openvswitch-source, configured once: tests/src/ovs-tree.inc;
# ~150k lines of .c/.h, sockets, files, poll, sleeps), against the same
# compat rewrite as a Coccinelle semantic patch run with spatch over the
# same files: blocking call sites rewritten, left per reason, time. The
# ported files are compiled (-fsyntax-only, the tree's flags, pk.h) to
# check they still build. Then the echo server of tests/port before and
# after --level fibers: requests/s and server system calls per request
# (strace -f -c) at 100 and 2,000 connections. All in one run.
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

# parakit port --level compat (exit 1: some TUs of other platforms do not parse).
b_time pk bash -c '"$0" port --db "$1" --jobs 2 --diff "$2" "$3" -- "${@:4}" 2>/dev/null || [ $? -eq 1 ]' \
	"$parakit" "$tmp/port.db" "$tmp/port.patch" "$tree" "${flags[@]}" -I "$here/../runtime"
q() { sqlite3 -batch -noheader "$tmp/port.db" "$1"; }
W="tree = '$tree' AND blocking"
total=$(q "SELECT count(*) FROM port_site p JOIN source_tree t ON t.id = p.tree_id WHERE t.root = '$tree' AND p.blocking")
rew=$(q "SELECT count(*) FROM port_site p JOIN source_tree t ON t.id = p.tree_id WHERE t.root = '$tree' AND p.blocking AND action = 'rewritten'")
twin=$(q "SELECT count(*) FROM port_site p JOIN source_tree t ON t.id = p.tree_id WHERE t.root = '$tree' AND p.blocking
	  AND posix_name IN ('accept','connect','nanosleep','open','openat','poll','pread','pwrite','read','readv','recv',
	  'recvfrom','recvmsg','select','send','sendmsg','sendto','sleep','usleep','waitpid','write','writev','fsync','fdatasync','fcntl')")
twin_rew=$(q "SELECT count(*) FROM port_site p JOIN source_tree t ON t.id = p.tree_id WHERE t.root = '$tree' AND p.blocking
	  AND action = 'rewritten'")
echo
echo "parakit port --level compat: $total blocking call sites (catalogue), $twin of functions with a pk_ twin"
echo "  rewritten: $rew ($(b_ratio "$rew" "$total") of all blocking, $(b_ratio "$twin_rew" "$twin") of those with a twin)"
echo "  left, per reason (blocking sites):"
q "SELECT count(*), reason FROM port_site p JOIN source_tree t ON t.id = p.tree_id WHERE t.root = '$tree' AND p.blocking
   AND action = 'left' GROUP BY reason ORDER BY 1 DESC" | awk -F'|' '{ printf "    %6d  %s\n", $1, $2 }'
echo "  companions rewritten (close, socket, fcntl...): $(q "SELECT count(*) FROM port_site p JOIN source_tree t ON t.id = p.tree_id WHERE t.root = '$tree' AND NOT p.blocking AND action = 'rewritten'")"
echo "  files changed: $(grep -c '^+++ ' "$tmp/port.patch")"

# The ported files still compile: apply, then clang -fsyntax-only each changed .c.
cp -r "$tree" "$tmp/ported"
patch -s -p1 -d "$tmp/ported" -i "$tmp/port.patch" || echo "  (patch did not apply cleanly)"
ok=0 bad=0
for f in $(grep '^+++ b/.*\.c$' "$tmp/port.patch" | sed 's|^+++ b/||'); do
	orig_ok=1
	clang-14 -fsyntax-only -w "${flags[@]}" "$tree/$f" 2>/dev/null || orig_ok=0
	[ $orig_ok = 1 ] || continue
	if clang-14 -fsyntax-only -w "${flags[@]}" -I "$here/../runtime" -I "$tmp/ported" "$tmp/ported/$f" 2>/dev/null; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
	fi
done
echo "  ported .c files that compile (of those whose original compiles): $ok ok, $bad failing"

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

# The echo server: original vs --level fibers.
export PKG_CONFIG_PATH=$tmp/pfx/lib/pkgconfig LD_LIBRARY_PATH=$tmp/pfx/lib
mkdir -p "$tmp/pfx/lib/pkgconfig" "$tmp/pfx/include"
cp "$O/runtime/libpk.so" "$tmp/pfx/lib/libpk.so.0"; ln -sf libpk.so.0 "$tmp/pfx/lib/libpk.so"
cp "$O/runtime/libpk.a" "$tmp/pfx/lib/"; cp "$here/../runtime/pk.h" "$tmp/pfx/include/"
sed -e "s|@PREFIX@|$tmp/pfx|" -e 's|@VERSION@|0|' "$here/../runtime/libpk.pc.in" > "$tmp/pfx/lib/pkgconfig/libpk.pc"
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
