#!/bin/bash
# Description: 'make install PREFIX=P' installs a toolchain that works with
# the tree it was built in gone: P/bin/parakit, found through PATH with no
# PKG_CONFIG_PATH, finds libpk beside itself; shim --run gives a program's
# own output, a daemon (fork, setsid, fork again) included; its shims are
# the build tree's (same source, same exports) and read through io_uring;
# scan, report, port, src and trace work from P, and a ported tree builds
# and runs against P's libpk. DESTDIR stages the same files, and 'make uninstall'
# removes exactly what install put there. Issues 13 and 22.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
t_require make pkg-config nm strace gnuplot timeout
SRC=$(cd "$T_LIB/../.." && pwd)
O=$(cd "$(dirname "$PARAKIT")" && pwd)
[ -f "$O/runtime/libpk.a" ] && [ -f "$O/runtime/pk.h" ] || t_skip_all "libpk is not built in $O"
cd "$T_TMP" || exit 1
TREE_PARAKIT=$PARAKIT
export XDG_CACHE_HOME=$T_TMP/cache
# The outer make's flags (its jobserver) are not this make's.
unset MAKEFLAGS MFLAGS MAKELEVEL PKG_CONFIG_PATH PARAKIT_LIBPK_DIR
# A sanitizer build stays one, should make find anything to redo.
san=
nm -D "$PARAKIT" 2>/dev/null | grep -q __asan_init && san=SAN=1

# A copy of the tree and of its build (mtimes kept, so nothing is rebuilt),
# installed from, then deleted.
P=$T_TMP/prefix
COPY=$T_TMP/src
mkdir -p "$COPY" "$P/bin" "$P/lib"
for f in "$SRC"/*; do
	case $f in "$O"|"$SRC"/build|"$SRC"/build-*|*/parakit.db*|*/parakit-report) continue ;; esac
	cp -a "$f" "$COPY/"
done
cp -a "$O" "$COPY/build"
echo other > "$P/bin/other"
echo other > "$P/lib/libother.so"
make -s -C "$COPY" O=build $san install PREFIX="$P" >make.log 2>&1
t_ok "make install PREFIX=P" test -x "$P/bin/parakit"
(cd "$P" && find . ! -type d | sort) > installed
{
	printf '%s\n' ./bin/other ./bin/parakit ./include/pk.h ./lib/libother.so ./lib/libpk.a \
		./lib/libpk.so ./lib/libpk.so.0 ./lib/pkgconfig/libpk.pc \
		./share/bash-completion/completions/parakit ./share/man/man1/parakit.1
	for c in db port report scan shim src trace; do
		echo "./share/man/man1/parakit-$c.1"
	done
} | sort > expected
t_cmp installed expected "P holds parakit, libpk.{so.0,so,a}, pk.h, libpk.pc, the pages and the completion"
t_is "$(readlink "$P/lib/libpk.so")" libpk.so.0 "libpk.so is a link to libpk.so.0"
t_is "$(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --variable=prefix libpk)" "$P" "libpk.pc's prefix is P"
make -s -C "$COPY" O=build $san install PREFIX=/opt/pk DESTDIR="$T_TMP/stage" >>make.log 2>&1
(cd "$T_TMP/stage/opt/pk" && find . ! -type d | sort) > staged
grep -v other installed > expected
t_cmp staged expected "DESTDIR: the same files under DESTDIR/PREFIX"
t_like "$(grep '^prefix=' "$T_TMP/stage/opt/pk/lib/pkgconfig/libpk.pc")" '^prefix=/opt/pk$' \
	"DESTDIR: libpk.pc names PREFIX, not DESTDIR"
make -s -C "$COPY" O=build uninstall PREFIX=/opt/pk DESTDIR="$T_TMP/stage" >>make.log 2>&1
t_is "$(find "$T_TMP/stage" ! -type d | wc -l)" 0 "DESTDIR: make uninstall removes every file it put there"
rm -rf "$COPY"

export PATH=$P/bin:$PATH
PARAKIT=parakit
t_is "$(command -v parakit)" "$P/bin/parakit" "parakit is P's, through PATH"
seq 1 20000 > lines

# Every file the installed parakit opens, stats or runs while it builds a
# shim: none in the tree it was built from (not -v: the environment, which
# may name the tree, is no file it touches). (LeakSanitizer cannot work
# under ptrace: the sanitizer build is checked by the runs below.)
ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 strace -f -qq -s 4096 -e trace=%file,execve \
	-o files.strace parakit shim --db "$S_DB" -o cat.pk.so --keep-source inst-src \
	"$(command -v cat)" >/dev/null 2>shim.err
if [ -s cat.pk.so ]; then
	t_pass "the installed parakit builds cat's shim"
else
	t_fail "the installed parakit builds cat's shim"
	t_diag "$(head -20 shim.err)"
fi
t_ok "it touches no file of the tree it was built in ($SRC)" \
	sh -c '! grep -F -e "$1/" -e "$2/" "$3" >&2' - "$SRC" "$O" files.strace
t_like "$(grep -E '"-I[^"]*"' -o files.strace | sort -u | tr '\n' ' ')" "\"-I$P/include\"" \
	"with P's pk.h"
t_ok "and P's libpk.a" grep -qF "\"$P/lib/libpk.a\"" files.strace

t_pk shim --run --db "$S_DB" -- cat lines
t_is "$T_RC" 0 "shim --run cat: status 0"
t_is "$T_OUT" "$(cat lines)" "shim --run cat: cat's output"

# The build tree's shim of the same binary: same source, same exports.
t_pk_tree()
{
	local p=$PARAKIT
	PARAKIT=$TREE_PARAKIT
	t_pk "$@"
	PARAKIT=$p
}
t_pk_tree shim --db "$T_TMP/tree.db" -o tree-cat.pk.so --keep-source tree-src "$(command -v cat)"
t_is "$T_RC" 0 "the build tree's parakit builds cat's shim"
t_ok "installed and build-tree shims are generated alike" \
	cmp -s inst-src/shim.c tree-src/shim.c
t_ok "with the same version script" cmp -s inst-src/shim.map tree-src/shim.map
nm -D --defined-only cat.pk.so | awk '{ print $NF }' | sort > inst.exports
nm -D --defined-only tree-cat.pk.so | awk '{ print $NF }' | sort > tree.exports
t_cmp inst.exports tree.exports "and export the same symbols"
s_same "cat under the installed parakit's shim" "$T_TMP/cat.pk.so" cat lines
s_uring "cat under the installed parakit's shim" "$T_TMP/cat.pk.so" cat lines

# A daemon (tests/shim/daemon.c.in): the parent exits at once, the
# grandchild copies the file.
s_daemon || t_skip_all "cannot compile the daemon fixture"

rc=0
timeout -k 5 20 parakit shim --run --db "$S_DB" -- ./daemon lines copy1 </dev/null >run.out 2>run.err || rc=$?
t_is "$rc" 0 "a daemon under shim --run: its parent's status, at once"
t_ok "the daemon finishes, no hang" s_wait_daemon copy1
t_cmp copy1 lines "the daemon's copy is the file"
rc=0
PK_ROUTE=ring ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 timeout -k 5 20 strace -f -qq -o daemon.strace \
	parakit shim --run --db "$S_DB" -- ./daemon lines copy2 </dev/null >run.out 2>run.err || rc=$?
t_is "$rc" 0 "under PK_ROUTE=ring and strace too"
s_wait_daemon copy2
t_cmp copy2 lines "the daemon's copy is the file (PK_ROUTE=ring)"
gpid=$(cat copy2.pid)
t_like "$(grep -Ec "^$gpid +io_uring_enter\(" daemon.strace)" '^[1-9]' \
	"the grandchild reads and writes through io_uring_enter"
t_is "$(grep -Ec "^$gpid +($S_RW)\(" daemon.strace)" 0 "and makes no read or write system call"
rc=0
PK_SQPOLL=1 timeout -k 5 20 parakit shim --run --db "$S_DB" -- ./daemon lines copy4 </dev/null >run.out 2>run.err || rc=$?
t_is "$rc" 0 "under PK_SQPOLL=1 too"
t_ok "the daemon finishes, no hang (PK_SQPOLL=1)" s_wait_daemon copy4
t_cmp copy4 lines "the daemon's copy is the file (PK_SQPOLL=1)"

# scan, report and port from P.
t_scan scan.db "$(command -v cat)" ./daemon
t_is "$T_RC" 0 "parakit scan from P"
t_is "$(t_sql scan.db "SELECT count(DISTINCT member_path) FROM v_imports")" 2 "it records both binaries"
t_pk report --db scan.db --out report
t_is "$T_RC" 0 "parakit report from P"
t_ok "its page has the built-in published curve" grep -q 'Atlidakis' report/index.html

mkdir pcp && cp "$SRC"/examples/pcp/{Makefile,pcp.c} pcp/
calls=$(grep -oE '\<(open|read|write|close)\(' pcp/pcp.c | wc -l)
t_pk port --db port.db --apply pcp
t_is "$T_RC" 0 "parakit port --apply from P"
t_ok "the ported tree builds with no PKG_CONFIG_PATH" make -s -C pcp
t_ok "and links P's libpk" sh -c 'ldd pcp/pcp | grep -qF "$1/lib/libpk.so.0"' - "$P"
t_ok "the ported program runs" pcp/pcp lines copy3
t_cmp copy3 lines "and copies the file"

# src and trace from P as well (issue 22: every command of the toolchain).
t_pk src --db src.db pcp -- -I"$P/include"
t_is "$T_RC" 0 "parakit src from P"
t_is "$(t_sql src.db "SELECT count(*) FROM v_call_sites WHERE callee LIKE 'pk\_%' ESCAPE '\'")" "$calls" \
	"it finds the ported program's libpk calls, one per open, read, write and close of the source"
if [ "$(id -u)" -eq 0 ]; then
	t_pk trace --count --no-db --json -- pcp/pcp lines copy5
	t_is "$T_RC" 0 "parakit trace from P"
	t_is "$(printf '%s' "$T_OUT" | jq -r '[.exit_status, ([.syscalls[] | select(.name == "read") | .calls] | add > 0)] | @tsv')" \
		"0	true" "it counts the ported program's reads, and its status"
else
	t_skip "parakit trace from P: needs root"
fi

make -s -C "$SRC" O=build uninstall PREFIX="$P" >>make.log 2>&1
(cd "$P" && find . ! -type d | sort) > left
printf '%s\n' ./bin/other ./lib/libother.so > expected
t_cmp left expected "make uninstall removes exactly what install put there"
t_done
