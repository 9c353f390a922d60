#!/usr/bin/env bash
# The second half of `make demo`: moving software onto libpk. Ports the
# bundled example (examples/pcp) with `parakit port`, shims a binary from
# the machine (cat) with `parakit shim`, and shows each program's system
# calls before and after with `parakit trace` (root) or `strace -c`.
#
# usage: examples/demo-moves.sh PARAKIT BUILD_DIR
set -euo pipefail
parakit=$(realpath "$1")
build=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# syscalls CMD...: the command's read/write-family and io_uring_enter calls.
syscalls() {
	if [ "$(id -u)" -eq 0 ]; then
		"$parakit" trace --no-db -o "$tmp/trace" -- "$@" >/dev/null
	else
		strace -f -c -o "$tmp/trace" "$@" >/dev/null
	fi
	# Both tables read: % time, seconds, usecs/call, calls, ...
	awk '$NF ~ /^(read|write|pread64|pwrite64|readv|writev|io_uring_enter)$/ { printf "%s %s  ", $NF, $4 }
	END { print "" }' "$tmp/trace"
}

head -c 32M /dev/urandom >"$tmp/data"

echo "== parakit port: examples/pcp onto libpk =="
cp -r "$here/pcp" "$tmp/pcp"
make -s -C "$build/.." install-libpk PREFIX="$tmp/prefix" >/dev/null
"$parakit" port --db "$tmp/port.db" "$tmp/pcp" >"$tmp/pcp.patch" 2>"$tmp/port.log" || true
tail -n 4 "$tmp/port.log"
git apply --stat "$tmp/pcp.patch"
make -s -C "$tmp/pcp" >/dev/null
cp "$tmp/pcp/pcp" "$tmp/pcp-before"
(cd "$tmp/pcp" && patch -s -p1 <"$tmp/pcp.patch" && make -s clean &&
	PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib/x86_64-linux-gnu/pkgconfig" make -s >/dev/null)
export LD_LIBRARY_PATH="$tmp/prefix/lib:$tmp/prefix/lib/x86_64-linux-gnu"
echo "before: $(syscalls "$tmp/pcp-before" "$tmp/data" "$tmp/copy1")"
echo "after:  $(syscalls "$tmp/pcp/pcp" "$tmp/data" "$tmp/copy2")"
echo "after, PK_SQPOLL=1:  $(syscalls env PK_SQPOLL=1 "$tmp/pcp/pcp" "$tmp/data" "$tmp/copy3")"
cmp -s "$tmp/copy1" "$tmp/copy2" && echo "same bytes copied"

echo
echo "== parakit shim: /usr/bin/cat under libpk =="
"$parakit" shim --db "$tmp/shim.db" -o "$tmp/cat.pk.so" /usr/bin/cat | tail -n 3
echo "plain: $(syscalls /usr/bin/cat "$tmp/data")"
echo "shim:  $(syscalls env LD_PRELOAD="$tmp/cat.pk.so" /usr/bin/cat "$tmp/data")"
# An ordinary thread's calls stay the kernel's unless its ring polls (pk.h):
echo "shim, PK_SQPOLL=1:  $(syscalls env PK_SQPOLL=1 LD_PRELOAD="$tmp/cat.pk.so" /usr/bin/cat "$tmp/data")"
