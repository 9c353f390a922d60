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

# port_pwc_tree DIR: a line and byte counter, pwc FILE..., in DIR/src:
# main.c writes with write(2), count.c opens and reads, and count.h
# closes through a macro (so the header is edited too). No build files:
# each test writes its build's.
port_pwc_tree()
{
	mkdir -p "$1/src"
	cat > "$1/src/count.h" <<'EOF2'
#ifndef COUNT_H
#define COUNT_H
#include <stddef.h>
#include <unistd.h>
struct counts { size_t bytes, lines; };
/* Counts the bytes and lines of path; -1 with errno set on failure. */
int count_file(const char *path, struct counts *c);
#define COUNT_CLOSE(fd) close(fd)
#endif
EOF2
	cat > "$1/src/count.c" <<'EOF2'
#include <errno.h>
#include <fcntl.h>
#include "count.h"

int count_file(const char *path, struct counts *c)
{
	char buf[512];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	c->bytes = c->lines = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		c->bytes += n;
		for (ssize_t i = 0; i < n; i++)
			c->lines += buf[i] == '\n';
	}
	COUNT_CLOSE(fd);
	return n < 0 ? -1 : 0;
}
EOF2
	cat > "$1/src/main.c" <<'EOF2'
/* pwc: counts lines and bytes, as wc -lc does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "count.h"

static void say(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= w;
	}
}

int main(int argc, char **argv)
{
	char line[4200];
	int status = 0;

	for (int i = 1; i < argc; i++) {
		struct counts c;

		if (count_file(argv[i], &c)) {
			snprintf(line, sizeof(line), "pwc: %s: %s\n", argv[i], strerror(errno));
			say(2, line);
			status = 1;
			continue;
		}
		snprintf(line, sizeof(line), "%zu %zu %s\n", c.lines, c.bytes, argv[i]);
		say(1, line);
	}
	return status;
}
EOF2
}

# port_build_libpk: the build tree's libpk through pkg-config, as a tree's
# build finds it: PKG_CONFIG_PATH at libpk-uninstalled.pc, and no
# LD_LIBRARY_PATH, so a ported program runs on libpk.pc's rpath alone.
port_build_libpk()
{
	[ -f "$PORT_O/runtime/libpk.so" ] || t_skip_all "libpk is not built in $PORT_O/runtime"
	if [ ! -f "$PORT_O/runtime/libpk-uninstalled.pc" ] || [ ! -e "$PORT_O/runtime/libpk.so.0" ]; then
		echo "1..1"
		echo "not ok 1 - the build tree is a pkg-config package (runtime/libpk-uninstalled.pc, libpk.so.0)"
		exit 1
	fi
	export PKG_CONFIG_PATH=$PORT_O/runtime
	unset LD_LIBRARY_PATH
}

# port_pwc_same ORIG_BIN PORTED_BIN: the two pwc give the same output,
# messages and status on the same inputs (a file, an empty one, a missing
# one, a directory).
port_pwc_same()
{
	local v bin
	head -c 100000 /dev/urandom > "$T_TMP/pwc.in"
	: > "$T_TMP/pwc.empty"
	for v in orig ported; do
		[ "$v" = orig ] && bin=$1 || bin=$2
		port_run "$T_TMP" "pwc-$v-files" "$bin" pwc.in pwc.empty
		port_run "$T_TMP" "pwc-$v-bad" "$bin" pwc.in nope "$T_TMP"
	done
	port_same pwc-orig-files pwc-ported-files "the ported pwc counts as the original"
	port_same pwc-orig-bad pwc-ported-bad "and fails as it does (a missing file, a directory)"
	t_like "$(cat "$T_TMP/run/pwc-ported-files.out")" "^[0-9]+ 100000 pwc.in" "and its answer is right"
}

# port_linked BIN DESC: BIN needs libpk and runs on its rpath (no LD_LIBRARY_PATH).
port_linked()
{
	t_ok "$2: links libpk" sh -c "readelf -d '$1' | grep -q 'NEEDED.*libpk'"
	t_ok "$2: finds it through libpk.pc's rpath" sh -c "readelf -d '$1' | grep -Eq '(RPATH|RUNPATH).*$PORT_O/runtime'"
}

# port_build_case SYSTEM BUILD BIN: the steps every tests/port/build-*.sh
# takes over the tree $T_TMP/pwc (port_pwc_tree and the test's build
# files). BUILD is a function that builds the tree in the current
# directory with the tree's own commands (an out-of-tree build goes to
# "$PWD.build", the tree must stay a source tree); BIN is the program it
# makes, with @ for the tree's path ("@/src/pwc", "@.build/src/pwc"). The original builds; port --level compat --json
# --diff says "adapted, not verified" by SYSTEM; the diff ($T_TMP/pwc.patch)
# applies to a copy ($T_TMP/ported), which builds with BUILD alone, links
# libpk on libpk.pc's rpath and counts as the original does; --verify
# says "adapted" and leaves nothing behind; porting the ported tree
# changes nothing.
port_build_case()
{
	local system=$1 build=$2 bin=$3 tree=$T_TMP/pwc db=$T_TMP/port.db
	port_tree_copy "$tree" "$T_TMP/pristine"
	port_tree_copy "$tree" "$T_TMP/orig"
	port_tree_copy "$tree" "$T_TMP/ported"
	if (cd "$T_TMP/orig" && $build) > "$T_TMP/orig.log" 2>&1; then
		t_pass "the original builds with its own $system build"
	else
		t_fail "the original builds with its own $system build"
		t_diag "$(tail -20 "$T_TMP/orig.log")"
	fi

	t_pk port --db "$db" --level compat --json --diff "$T_TMP/pwc.patch" "$tree"
	printf '%s\n' "$T_OUT" > "$T_TMP/pwc.json"
	t_is "$T_RC" 0 "port exits 0"
	t_is "$(jq -r '[.build, .build_system, .files_changed] | @tsv' "$T_TMP/pwc.json")" \
		"adapted, not verified	$system	$(grep -c '^+++ ' "$T_TMP/pwc.patch")" \
		"without --verify the build is 'adapted, not verified', by $system"
	t_ok "the diff applies with patch -p1" patch -s -p1 -d "$T_TMP/ported" -i "$T_TMP/pwc.patch"
	if (cd "$T_TMP/ported" && $build) > "$T_TMP/ported.log" 2>&1; then
		t_pass "the ported tree builds with its own $system build, nothing else"
		port_linked "${bin//@/$T_TMP/ported}" "the ported pwc"
		port_pwc_same "${bin//@/$T_TMP/orig}" "${bin//@/$T_TMP/ported}"
	else
		t_fail "the ported tree builds with its own $system build, nothing else"
		t_diag "$(tail -20 "$T_TMP/ported.log")"
	fi

	mkdir -p "$T_TMP/verify-tmp"
	TMPDIR=$T_TMP/verify-tmp t_pk port --db "$db" --level compat --json --verify "$tree"
	printf '%s\n' "$T_OUT" > "$T_TMP/verify.json"
	t_is "$T_RC:$(jq -r '[.build, .build_system, .build_log] | @tsv' "$T_TMP/verify.json")" "0:adapted	$system	" \
		"--verify builds a copy: 'adapted'"
	t_is "$(ls -A "$T_TMP/verify-tmp")" "" "--verify leaves no copy behind"
	t_ok "--verify leaves the tree as it was" diff -r "$T_TMP/pristine" "$tree"

	t_pk port --db "$db" --level compat --json --diff "$T_TMP/again.patch" "$T_TMP/ported"
	t_is "$T_RC:$(jq -r '[.build, .files_changed] | @tsv' <<< "$T_OUT"):$(wc -c < "$T_TMP/again.patch")" \
		"0:unchanged	0:0" "porting the ported tree changes nothing, its build included"
}

# port_apt_source PKG DIR: the Debian source of PKG, fetched once into
# DIR/src with apt-get source, its path in $PORT_SRC. apt runs on a state
# of its own in DIR/apt, whose deb-src lines are the machine's own
# sources (/etc/apt/sources.list{,.d}) as deb-src: the machine's apt
# configuration and locks are left alone, and no root is needed. Returns
# non-zero when it cannot fetch (the caller fails: a test over a real tree
# never skips for want of it).
port_apt_source()
{
	local pkg=$1 dir=$2 apt=$2/apt f
	local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
		    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
	PORT_SRC=
	if [ -f "$dir/src/.fetched" ]; then
		PORT_SRC=$(cat "$dir/src/.fetched")
		return 0
	fi
	rm -rf "$dir/src" "$apt"
	mkdir -p "$apt/lists/partial" "$apt/sources.list.d" "$apt/cache/archives/partial" "$dir/src"
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && sed -n 's/^[[:space:]]*deb\(-src\)\{0,1\}\([[:space:]]\)/deb-src\2/p' "$f"
	done > "$apt/sources.list"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && sed 's/^Types:.*/Types: deb-src/' "$f" > "$apt/sources.list.d/${f##*/}"
	done
	apt-get "${opts[@]}" -q update > "$dir/apt.log" 2>&1 &&
		(cd "$dir/src" && apt-get "${opts[@]}" -q source "$pkg") >> "$dir/apt.log" 2>&1 || return 1
	PORT_SRC=$(find "$dir/src" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" | head -1)
	[ -n "$PORT_SRC" ] && echo "$PORT_SRC" > "$dir/src/.fetched"
}

# port_tinyproxy CACHE: Debian's tinyproxy source (PORT_SRC, fetched once
# into CACHE by port_apt_source) and its original build (PORT_ORIG, made
# once, out of the tree so that the tree stays a source tree, under bear,
# which writes the compile commands parakit reads), shared by the tests
# and the bench that use it: the cache is locked (descriptor 9) from here
# to the caller's end. Returns 0; 1 when the fetch fails ($CACHE/apt.log
# says why), 2 when the build does ($CACHE/orig.log).
port_tinyproxy()
{
	local cache=$1
	mkdir -p "$cache"
	exec 9> "$cache/.lock"
	flock 9
	port_apt_source tinyproxy "$cache" || return 1
	PORT_ORIG=$cache/orig
	if [ ! -f "$PORT_ORIG/.built" ]; then
		rm -rf "$PORT_ORIG"
		mkdir -p "$PORT_ORIG"
		(cd "$PORT_ORIG" && "$PORT_SRC/configure" && bear -- make -j2) > "$cache/orig.log" 2>&1 &&
			touch "$PORT_ORIG/.built"
	fi
	[ -f "$PORT_ORIG/.built" ] && [ -x "$PORT_ORIG/src/tinyproxy" ] || return 2
}

# port_tinyproxy_checks CACHE: port_tinyproxy as a test's two checks (the
# fetch, the build), ending the test when either fails; sets tree and orig.
port_tinyproxy_checks()
{
	local rc=0
	port_tinyproxy "$1" || rc=$?
	if [ $rc = 1 ]; then
		t_fail "apt-get source tinyproxy"
		t_diag "$(tail -15 "$1/apt.log")"
		t_done
	fi
	t_pass "apt-get source tinyproxy ($(basename "$PORT_SRC"))"
	if [ $rc = 2 ]; then
		t_fail "the original builds (./configure && make)"
		t_diag "$(tail -15 "$1/orig.log")"
		t_done
	fi
	t_pass "the original builds (./configure && make)"
	tree=$PORT_SRC orig=$PORT_ORIG
}

# port_free_port: a TCP port of the loopback that nothing listens on now.
port_free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# port_wait_port PORT: waits (5 s at most) until something accepts on it.
port_wait_port()
{
	local i
	for i in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# port_stops PID SECS: whether PID ends within SECS seconds of SIGTERM.
port_stops()
{
	local i
	kill -TERM "$1" 2>/dev/null || return 1
	for i in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
		sleep 0.1
	done
	return 1
}
