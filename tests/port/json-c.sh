#!/bin/bash
# Description: issue 14 on a real CMake tree, json-c from Debian's sources
# (apt-get source, cached under the build directory with its original
# build, compile_commands.json exported). json-c reads and writes files
# with open, read, write and close: the library's json_object_from_file,
# json_object_to_file and json_object_from_fd, its json_parse program and
# its test of those. parakit src, then parakit port --level compat and
# --level fibers (the program's main becomes libpk's first fiber) with
# --json (and --verify at compat): "adapted" by cmake, every blocking call with a twin
# rewritten; the diff edits CMakeLists.txt alone, after the if/else block
# in which json-c calls project(). The diff applied to a copy builds with
# the tree's plain cmake -S . -B B && cmake --build B, libpk found through
# pkg-config alone; libjson-c and json_parse call libpk and find it on
# libpk.pc's rpath (no LD_LIBRARY_PATH). json_parse answers as the
# original on real JSON (the build's compile_commands.json, port's own
# --json, the tree's test files, through a pipe too) and on bad input
# (truncated, trailing garbage, strict mode, a missing file, a directory,
# bad options), and json-c's own tests (ctest) pass on both ported builds.
# A fetch that fails fails the test.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
t_require sqlite3 patch jq cc pkg-config cmake ctest readelf apt-get dpkg-source flock
port_build_libpk
# json-c's tests run under valgrind when it is installed
# (tests/test-defs.sh); Debian's build turns that off, as here: valgrind
# knows too little of io_uring for the ported builds.
export USE_VALGRIND=0
export CMAKE_BUILD_PARALLEL_LEVEL=2

cache=$PORT_O/cache/json-c
mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9

if port_apt_source json-c "$cache"; then
	t_pass "apt-get source json-c ($(basename "$PORT_SRC"))"
else
	t_fail "apt-get source json-c"
	t_diag "$(tail -15 "$cache/apt.log")"
	t_done
fi
tree=$PORT_SRC

# The original, built once out of the tree (the tree stays a source tree),
# with the compile commands parakit reads.
orig=$cache/orig
if [ ! -f "$orig/.built" ]; then
	rm -rf "$orig"
	if (cmake -S "$tree" -B "$orig" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON && cmake --build "$orig") \
		> "$cache/orig.log" 2>&1; then
		touch "$orig/.built"
	fi
fi
if [ -f "$orig/.built" ] && [ -x "$orig/apps/json_parse" ] && [ -s "$orig/compile_commands.json" ]; then
	t_pass "the original builds (cmake, compile_commands.json exported)"
else
	t_fail "the original builds (cmake, compile_commands.json exported)"
	t_diag "$(tail -15 "$cache/orig.log")"
	t_done
fi
(cd "$orig" && ctest) > "$T_TMP/orig-ctest.log" 2>&1
t_like "$(cat "$T_TMP/orig-ctest.log")" '^100% tests passed, 0 tests failed out of [1-9]' \
	"the original passes its own tests (ctest)"

db=$T_TMP/port.db
t_pk src --db "$db" -p "$orig" "$tree"
t_is "$T_RC" 0 "parakit src: every TU parses cleanly with the build's flags"

# The inputs, real JSON first: the build's compile commands, port's own
# --json (filled in below; 100 KB and more, several reads of json_parse's
# 32 KiB buffer) and the tree's test files; then what json_parse refuses.
in=$T_TMP/in
mkdir -p "$in/dir" "$T_TMP/tmp"
cp "$orig/compile_commands.json" "$in/cc.json"
cp "$tree/tests/valid.json" "$tree/tests/valid_nested.json" "$in/"
: > "$in/empty.json"
printf '{"a": 1} trailing' > "$in/trailing.json"
printf '[1, 2, ]' > "$in/comma.json"
printf '/* a comment */ {"a": [1, 2.5, "x"]}\n' > "$in/comment.json"

# parse LEVEL BUILD: json_parse of BUILD over every input, each run's
# stdout, stderr and status in $T_TMP/run/LEVEL-CASE.*, run from BUILD so
# that argv[0], which usage prints, is the same. json_parse prints its
# maximum RSS (getrusage), which libpk's rings and stacks raise: the
# figure is no behaviour, the line is kept without it.
cases="cc port port-n port-f valid nested pipe comment comment-s truncated empty trailing comma missing dir help bad-option no-file"
parse()
{
	local level=$1 b=$2 c
	port_run "$b" "$level-cc" apps/json_parse "$in/cc.json"
	port_run "$b" "$level-port" apps/json_parse "$in/port.json"
	port_run "$b" "$level-port-n" apps/json_parse -n "$in/port.json"
	port_run "$b" "$level-port-f" apps/json_parse -f "$in/port.json"
	port_run "$b" "$level-valid" apps/json_parse "$in/valid.json"
	port_run "$b" "$level-nested" apps/json_parse -f "$in/valid_nested.json"
	port_run "$b" "$level-pipe" sh -c "cat '$in/port.json' | apps/json_parse /dev/stdin"
	port_run "$b" "$level-comment" apps/json_parse "$in/comment.json"
	port_run "$b" "$level-comment-s" apps/json_parse -s "$in/comment.json"
	port_run "$b" "$level-truncated" apps/json_parse "$in/truncated.json"
	port_run "$b" "$level-empty" apps/json_parse "$in/empty.json"
	port_run "$b" "$level-trailing" apps/json_parse "$in/trailing.json"
	port_run "$b" "$level-comma" apps/json_parse "$in/comma.json"
	port_run "$b" "$level-missing" apps/json_parse "$in/nothing-here.json"
	port_run "$b" "$level-dir" apps/json_parse "$in/dir"
	port_run "$b" "$level-help" apps/json_parse -h
	port_run "$b" "$level-bad-option" apps/json_parse -x "$in/valid.json"
	port_run "$b" "$level-no-file" apps/json_parse
	for c in $cases; do
		sed -i 's/^maxrss: [0-9]* KB$/maxrss: N KB/' "$T_TMP/run/$level-$c.out"
	done
}

# port_level LEVEL [--verify]: port at LEVEL (with --verify: a build of
# the patched copy first), the diff applied to a copy built as the user
# would, and that build against the original. The build files' edit is
# the same at both levels: --verify builds it once, at compat, which
# keeps the test inside its time on a loaded machine.
port_level()
{
	local level=$1 verify=${2:-} json=$T_TMP/$1.json patch=$T_TMP/$1.patch ported=$T_TMP/$1 c
	TMPDIR=$T_TMP/tmp t_pk port --db "$db" --level "$level" $verify --json --diff "$patch" -p "$orig" "$tree"
	printf '%s\n' "$T_OUT" > "$json"
	t_is "$T_RC" 0 "$level: parakit port $verify exits 0"
	if [ -n "$verify" ]; then
		t_is "$(jq -r '[.build, .build_system] | @tsv' "$json")" "adapted	cmake" \
			"$level: --verify built the ported copy: 'adapted' (cmake)"
		t_is "$(ls -A "$T_TMP/tmp")" "" "$level: --verify leaves no copy behind"
	else
		t_is "$(jq -r '[.build, .build_system] | @tsv' "$json")" "adapted, not verified	cmake" \
			"$level: the build files adapted (cmake), not verified"
	fi
	t_diag "$level: $(jq -r '"\(.rewritten) sites rewritten, \(.left) left, \(.files_changed) files, \(.seconds) s"' "$json")"
	t_is "$(jq -r '.sites[] | select(.action == "rewritten") | "\(.file) \(.callee)"' "$json" |
		grep -v '^tests/' | sort -u | tr '\n' ',')" \
		"apps/json_parse.c open,apps/json_parse.c read,json_util.c close,json_util.c open,json_util.c read,json_util.c write," \
		"$level: the library's and json_parse's open, read, write and close are rewritten"
	t_is "$(jq -r '[.sites[] | select(.action == "rewritten" and (.file | startswith("tests/")))] | length' "$json")" 17 \
		"$level: and the 17 of its test of them (tests/test_util_file.c)"
	t_is "$(jq -r '.left_by_reason[].reason' "$json" | sort | tr '\n' ',')" \
		"buffered stdio: libc does the I/O, libpk has no twin,in an #if branch not compiled in this configuration," \
		"$level: a site is left only for stdio (no twin) or an #if branch not built"
	t_is "$(grep '^+++ ' "$patch" | grep -v '\.[ch]$' | tr '\n' ' ')" "+++ b/CMakeLists.txt " \
		"$level: the build file edited is the top CMakeLists.txt"
	t_is "$(sed -n '/^+++ b\/CMakeLists.txt/,/^+find_package/p' "$patch" | grep -v '^+#' | tail -3 | tr '\n' '|')" \
		' endif()| |+find_package(PkgConfig REQUIRED)|' \
		"$level: pkg_check_modules after the endif() of the block that calls project()"

	# The diff alone builds: a fresh copy, patched, built as the user would.
	cp -a "$tree" "$ported"
	t_ok "$level: the diff applies with patch -p1" patch -s -p1 -d "$ported" -i "$patch"
	if (cd "$ported" && cmake -S . -B B && cmake --build B) > "$T_TMP/$level-build.log" 2>&1; then
		t_pass "$level: the ported tree builds: cmake -S . -B B && cmake --build B"
	else
		t_fail "$level: the ported tree builds: cmake -S . -B B && cmake --build B"
		t_diag "$(tail -20 "$T_TMP/$level-build.log")"
		return
	fi
	port_linked "$ported/B/libjson-c.so.5" "$level: libjson-c"
	port_linked "$ported/B/apps/json_parse" "$level: json_parse"
	t_is "$(readelf --dyn-syms -W "$ported/B/libjson-c.so.5" | awk '$7 == "UND" { sub(/@.*/, "", $8); print $8 }' |
		grep '^pk_' | sort | tr '\n' ' ')" "pk_close pk_open pk_read pk_write " \
		"$level: libjson-c calls pk_open, pk_read, pk_write and pk_close"

	parse "$level" "$ported/B"
	# The directory case names the descriptor it opened: under fibers too it
	# is the original's, libpk's own being out of the way.
	for c in $cases; do
		port_same "orig-$c" "$level-$c" "$level: json_parse $c: the same output, messages and status as the original"
	done
	(cd "$ported/B" && ctest) > "$T_TMP/$level-ctest.log" 2>&1
	t_like "$(cat "$T_TMP/$level-ctest.log")" '^100% tests passed, 0 tests failed out of [1-9]' \
		"$level: json-c's own tests pass on the ported build (ctest, $(grep -c 'Test *#' "$T_TMP/$level-ctest.log") tests)"
	t_ok "$level: its test of file I/O is the ported one, on libpk" \
		sh -c "readelf -d '$ported/B/tests/test_util_file' | grep -q 'NEEDED.*libpk'"
}

# port's --json of the whole tree: real JSON of some size for json_parse.
t_pk port --db "$T_TMP/input.db" --level compat --json -p "$orig" "$tree"
printf '%s\n' "$T_OUT" > "$in/port.json"
head -c 5000 "$in/port.json" > "$in/truncated.json"
parse orig "$orig"
t_is "$(cat "$T_TMP"/run/orig-{port,comma,missing,dir,bad-option}.rc | tr '\n' ' ')" "0 1 0 0 1 " \
	"the original's statuses: 0 for JSON, 1 for bad JSON or options, 0 for a file it cannot read"
t_like "$(grep -m1 -v '^maxrss' "$T_TMP/run/orig-port.out")" "^Successfully parsed object from $in/port.json$" \
	"the original parses port's --json ($(wc -c < "$in/port.json") bytes)"
t_like "$(cat "$T_TMP/run/orig-missing.err")" '^error reading fd -1: Bad file descriptor$' \
	"and says so when it cannot open the file"

port_level compat --verify
port_level fibers
t_done
