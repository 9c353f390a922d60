#!/bin/bash
# Description: 'make deb' builds parakit, libpk0 and libpk-dev (and their
# -dbgsym) into <build>/deb, not beside the tree; lintian finds no error;
# 'apt-get install' of them gives a toolchain that works from /usr/bin with
# the tree it was built from out of reach (a clean environment, another
# directory, nothing of the tree loaded, opened or run): scan of a real
# .deb from the apt cache, trace of a command, src and port of a small C
# tree (which builds against the installed libpk through pkg-config alone
# and runs), shim --run of a daemon, report to HTML; then 'apt-get purge'
# leaves dpkg's database as it found it, also when the test fails
# half-way. Issue 22.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../shim/lib.bash"
[ "$(id -u)" -eq 0 ] || t_skip_all "installing packages needs root"
t_require dpkg-buildpackage dh lintian apt-get make cc strace pkg-config git
SRC=$(cd "$T_LIB/../.." && pwd)
cd "$T_TMP" || exit 1
# The outer make's flags (its jobserver) are not this make's.
unset MAKEFLAGS MFLAGS MAKELEVEL

# dpkg's view of the machine: every package that is installed or has
# files left, with its version.
d_state()
{
	dpkg-query -W -f '${db:Status-Abbrev}\t${Package}:${Architecture}\t${Version}\n' |
		awk -F'\t' 'substr($1, 2, 1) != "n"' | sort
}
for p in parakit libpk0 libpk-dev; do
	d_state | grep -q "	$p:" && t_skip_all "package $p is installed: this test would remove it"
done
d_state > state.before

# d_purge: removes every package that was not there before the test (ours
# and whatever apt pulled in for them); the EXIT trap's too.
d_purge()
{
	local new
	new=$(d_state | cut -f2 | comm -13 <(cut -f2 state.before) -)
	[ -z "$new" ] && return 0
	DEBIAN_FRONTEND=noninteractive apt-get purge -y $new >purge.log 2>&1
}
trap 'cd "$T_TMP" && d_purge; t_cleanup' EXIT
# timeout(1) ends a test with SIGTERM: purge then too.
trap 'exit 143' TERM INT HUP

touch built.mark
start=$SECONDS
make -C "$SRC" O="$T_TMP/o" deb >deb.log 2>&1
rc=$?
t_is "$rc" 0 "make deb"
[ "$rc" -eq 0 ] || { t_diag "$(tail -30 deb.log)"; t_done; }
t_diag "make deb: $((SECONDS - start)) s"
DEBS=$T_TMP/o/deb
(cd "$DEBS" && ls *.deb) > debs
printf '%s\n' libpk-dev_ libpk0-dbgsym_ libpk0_ parakit-dbgsym_ parakit_ > expected
sed 's/[^_]*_amd64\.deb$//' debs > got
t_cmp got expected "the packages: parakit, libpk0, libpk-dev and their -dbgsym"
t_is "$(find "$SRC/.." -maxdepth 1 -newer built.mark -name '*.deb' | wc -l)" 0 \
	"none is written beside the tree"
t_ok "libpk0 has libpk0.symbols" sh -c 'dpkg-deb -I "$1" symbols | grep -q "^ pk_read@PK_1 "' - "$DEBS"/libpk0_*.deb
t_ok "which dpkg-gensymbols took as it is" sh -c '! grep -q "dpkg-gensymbols: warning" deb.log'

# contents PACKAGE: its files, less its documentation.
contents()
{
	dpkg-deb -c "$DEBS/$1"_*.deb | awk '{ print $6 }' | sed 's|^\./|/|' |
		grep -v -e '/$' -e '^/usr/share/doc/' | sort
}
contents parakit | grep -v '^/usr/share/' > got
echo /usr/bin/parakit > expected
t_cmp got expected "parakit holds /usr/bin/parakit"
contents libpk0 > got
echo /usr/lib/libpk.so.0 > expected
t_cmp got expected "libpk0 holds /usr/lib/libpk.so.0"
contents libpk-dev > got
printf '%s\n' /usr/include/pk.h /usr/lib/libpk.a /usr/lib/libpk.so /usr/lib/pkgconfig/libpk.pc > expected
t_cmp got expected "libpk-dev holds pk.h, the libpk.so link, libpk.a, libpk.pc"
deps=$(dpkg-deb -f "$DEBS"/libpk0_*.deb Depends)
t_like "$deps" 'liburing2 \(>= [^)]*\).*libxdp1' "libpk0's Depends come from dh_shlibdeps: $deps"
deps=$(dpkg-deb -f "$DEBS"/parakit_*.deb Depends)
t_like "$deps" 'libpk-dev \(= .*libclang1-14.*libsqlite3-0' "parakit depends on libpk-dev and its libraries"

lintian "$DEBS"/*.changes >lintian.out 2>&1
t_diag "lintian:" "$(grep -v 'root privileges' lintian.out)"
t_is "$(grep -c '^E:' lintian.out)" 0 "lintian reports no error"

start=$SECONDS
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$DEBS"/*.deb >install.log 2>&1
rc=$?
t_is "$rc" 0 "apt-get install of the packages ($((SECONDS - start)) s)"
[ "$rc" -eq 0 ] || { t_diag "$(tail -20 install.log)"; t_done; }

# From here on nothing reaches the tree: another directory, the system's
# PATH, no variable naming the tree, parakit from /usr/bin. The small tree
# that src and port work on (make demo's example) is copied first.
mkdir -p run home
mkdir run/pcp && cp "$SRC"/examples/pcp/{Makefile,pcp.c} run/pcp/
cd run || exit 1
export PATH=/usr/bin:/bin HOME=$T_TMP/home
unset PARAKIT PKG_CONFIG_PATH LD_LIBRARY_PATH PARAKIT_LIBPK_DIR CPATH LIBRARY_PATH C_INCLUDE_PATH XDG_CACHE_HOME
export -n T_ALLOWED_SKIPS
PARAKIT=/usr/bin/parakit
t_is "$(command -v parakit)" /usr/bin/parakit "parakit is /usr/bin/parakit"
t_is "$(env | grep -cF "$SRC")" 0 "no variable of the environment names the tree"
ldd /usr/bin/parakit > ldd.out
t_ok "ldd: every library of parakit is found, none in the tree" \
	sh -c '! grep -e "not found" -e "$1" ldd.out' - "$SRC"
t_ok "the packaged parakit has no sanitizer" sh -c '! nm -D /usr/bin/parakit | grep -q __asan_init'

# pk NAME ARGS...: parakit ARGS under strace, keeping the files it and its
# children open, stat or run in NAME.strace; as t_pk otherwise.
pk()
{
	local name=$1
	shift
	T_RC=0
	T_OUT=$(strace -f -qq -s 4096 -e trace=%file,execve -o "$name.strace" \
		parakit "$@" 2>"$T_ERR") || T_RC=$?
	cp "$T_ERR" "$name.err"
}

# scan: a real package from the apt cache, the smallest that holds a
# program or a library (one fetched with apt-get when the cache is
# empty).
deb=
for f in $(ls -Sr /var/cache/apt/archives/*_amd64.deb 2>/dev/null | head -40); do
	dpkg-deb -c "$f" 2>/dev/null | grep -qE '^-.* \./usr/(s?bin/|lib/.*\.so)' && { deb=$f; break; }
done
if [ -z "$deb" ]; then
	apt-get download socat >/dev/null 2>&1
	deb=$(ls "$PWD"/socat_*.deb 2>/dev/null | head -1)
fi
if [ -z "$deb" ]; then
	t_skip "no .deb in /var/cache/apt/archives, none to download"
else
	name=$(dpkg-deb -f "$deb" Package)
	pk scan scan --db scan.db "$deb"
	t_is "$T_RC" 0 "scan $(basename "$deb")"
	t_like "$(t_sql scan.db "SELECT binaries FROM v_package_binaries WHERE package = '$name'")" '^[1-9]' \
		"it records $name's binaries"
fi

# trace: the parakit process maps nothing from the tree while it runs.
parakit trace --db trace.db -- sh -c 'sleep 1; cat /etc/hostname' >trace.out 2>trace.err &
tpid=$!
sleep 0.5
cp "/proc/$tpid/maps" trace.maps 2>/dev/null
wait "$tpid"
t_is "$?" 0 "trace -- sh -c 'sleep 1; cat /etc/hostname'"
t_like "$(t_sql trace.db "SELECT sum(calls) FROM v_trace_syscalls WHERE syscall IN ('read', 'openat')")" \
	'^[1-9]' "it counts the command's reads and opens"
t_ok "its memory maps /usr/bin/parakit and nothing of the tree" \
	sh -c 'grep -q " /usr/bin/parakit$" trace.maps && ! grep -F "$1" trace.maps' - "$SRC"

# src and port of the small tree, built with its own Makefile.
seq 1 20000 > lines
pk src src --db src.db pcp
t_is "$T_RC" 0 "src of the tree: every TU parsed cleanly (libclang's own headers found)"
t_is "$(t_sql src.db "SELECT group_concat(posix_name, ' ') FROM (SELECT DISTINCT posix_name FROM v_call_sites
	WHERE posix_name IN ('open', 'read', 'write', 'close') ORDER BY 1)")" "close open read write" \
	"it finds open, read, write and close"
pk port port --db port.db --apply pcp
t_is "$T_RC" 0 "port --apply of the tree"
t_ok "the ported tree asks pkg-config for libpk, naming no directory" \
	sh -c 'grep -q "pkg-config --libs libpk" pcp/Makefile && ! grep -q PKG_CONFIG_PATH pcp/Makefile'
t_ok "it builds" make -s -C pcp
t_ok "against /usr/lib/libpk.so.0" sh -c 'ldd pcp/pcp | grep -q "libpk.so.0 => /usr/lib/libpk.so.0"'
t_ok "the ported program runs" pcp/pcp lines copy
t_cmp copy lines "and copies the file"

# shim --run of a daemon (tests/shim/daemon.c.in): its shim built from
# /usr's libpk.a and pk.h, its grandchild's I/O through io_uring.
s_daemon || t_skip_all "cannot compile the daemon fixture"
rc=0
PK_ROUTE=ring timeout -k 5 30 strace -f -qq -s 4096 -e trace=%file,execve,read,write,io_uring_enter \
	-o shim.strace parakit shim --run --db shim.db -- "$T_TMP/daemon" lines copy1 </dev/null >shim.out 2>shim.err || rc=$?
t_is "$rc" 0 "shim --run of a daemon: its parent's status, at once"
t_ok "the daemon finishes" s_wait_daemon copy1
t_cmp copy1 lines "the daemon's copy is the file"
t_ok "its shim is built with /usr/include/pk.h and /usr/lib/libpk.a" \
	sh -c 'grep -q "\"-I/usr/include\"" shim.strace && grep -q "\"/usr/lib/libpk.a\"" shim.strace'
gpid=$(cat copy1.pid)
t_like "$(grep -Ec "^$gpid +io_uring_enter\(" shim.strace)" '^[1-9]' \
	"the grandchild reads and writes through io_uring_enter (PK_ROUTE=ring)"
t_is "$(grep -Ec "^$gpid +(read|write)\(" shim.strace)" 0 "and makes no read or write system call"

pk report report --db scan.db --out report
t_is "$T_RC" 0 "report to HTML"
# One package is not a distribution (issue 18): no Figure 1, but its
# functions with their share in the built-in published data.
t_ok "its page lists the package's functions with the built-in published share" \
	sh -c 'grep -q "id=small-corpus" report/index.html && grep -q "share of packages importing each in Atlidakis" report/index.html'

t_ok "no file of the tree was opened, looked at or run" sh -c '! grep -F "$1" *.strace' - "$SRC"

if dpkg -L parakit | grep -q '^/usr/share/man/man1/parakit-scan\.1'; then
	t_ok "man -w parakit-scan finds its page" sh -c "man -w parakit-scan >/dev/null"
fi

cd "$T_TMP" || exit 1
d_purge
t_is "$?" 0 "apt-get purge of the packages"
d_state > state.after
t_cmp state.after state.before "dpkg's database is as before the test"
t_ok "/usr/bin/parakit and /usr/lib/libpk.so.0 are gone" test ! -e /usr/bin/parakit -a ! -e /usr/lib/libpk.so.0
t_done
