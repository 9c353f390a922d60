# Helpers of the port tests, sourced after tests/lib/t.sh.
#
# port_libpk: installs libpk (built by make next to $PARAKIT) into
# $T_TMP/pfx as 'make install-libpk' does, and points pkg-config and the
# dynamic linker at it, so a ported tree builds with its own Makefile.
# port_run DIR NAME CMD...: runs CMD in DIR, keeping stdout, stderr and
# the exit status in $T_TMP/run/NAME.{out,err,rc}.
# port_strace NAME CMD...: the per-syscall counts of CMD (strace -f -c)
# as "syscall calls" lines in $T_TMP/run/NAME.sys.

PORT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PORT_O=$(dirname "$PARAKIT")

port_libpk()
{
	local pfx=$T_TMP/pfx
	if [ ! -f "$PORT_O/runtime/libpk.a" ] || [ ! -f "$PORT_O/runtime/libpk.so" ]; then
		t_skip_all "libpk is not built in $PORT_O/runtime"
	fi
	mkdir -p "$pfx/lib/pkgconfig" "$pfx/include"
	cp "$PORT_O/runtime/libpk.so" "$pfx/lib/libpk.so.0"
	ln -sf libpk.so.0 "$pfx/lib/libpk.so"
	cp "$PORT_O/runtime/libpk.a" "$pfx/lib/libpk.a"
	cp "$PORT_ROOT/runtime/pk.h" "$pfx/include/pk.h"
	sed -e "s|@PREFIX@|$pfx|" -e 's|@VERSION@|0|' "$PORT_ROOT/runtime/libpk.pc.in" > "$pfx/lib/pkgconfig/libpk.pc"
	export PKG_CONFIG_PATH=$pfx/lib/pkgconfig
	export LD_LIBRARY_PATH=$pfx/lib
}

port_run()
{
	local dir=$1 name=$2
	shift 2
	mkdir -p "$T_TMP/run"
	(cd "$dir" && "$@") > "$T_TMP/run/$name.out" 2> "$T_TMP/run/$name.err"
	echo $? > "$T_TMP/run/$name.rc"
}

# port_same A B DESC: runs A and B gave the same stdout, stderr and status.
port_same()
{
	local a=$T_TMP/run/$1 b=$T_TMP/run/$2
	if cmp -s "$a.out" "$b.out" && cmp -s "$a.err" "$b.err" && cmp -s "$a.rc" "$b.rc"; then
		t_pass "$3"
	else
		t_fail "$3"
		t_diag "status $(cat "$a.rc") vs $(cat "$b.rc")" "$(diff "$a.err" "$b.err" | head -5)" \
			"$(diff "$a.out" "$b.out" | head -5)"
	fi
}

port_strace()
{
	local name=$1
	shift
	mkdir -p "$T_TMP/run"
	strace -f -c -o "$T_TMP/run/$name.strace" "$@" > /dev/null 2>&1
	awk 'NF >= 5 && $NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { print $NF, $4 }' "$T_TMP/run/$name.strace" > "$T_TMP/run/$name.sys"
}

# port_sys NAME SYSCALL: how many times the run called it (0 when never).
port_sys()
{
	awk -v s="$2" '$1 == s { n = $2 } END { print n + 0 }' "$T_TMP/run/$1.sys"
}

# port_tree_copy SRC DST: a fresh copy of a fixture tree.
port_tree_copy()
{
	rm -rf "$2"
	cp -r "$1" "$2"
}
