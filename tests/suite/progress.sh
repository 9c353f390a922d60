#!/bin/bash
# Description: scan, src and port draw one progress line on stderr when it
# is a terminal (a pty from script(1)): "  <done> / <total>  <rate>/s  ETA
# m:ss  (<n>/<N> inputs|files)", the total the bytes of the inputs, redrawn
# in place at most five times a second and erased at the end, so the
# terminal is left with nothing of it; with stderr a file or a pipe,
# nothing of it is written. Issue 22.
. "$(dirname "$0")/../lib/t.sh"
t_require script gcc dpkg-deb sqlite3
cd "$T_TMP" || exit 1
# Drawn from the first call, not after a second (git's GIT_PROGRESS_DELAY).
export PARAKIT_PROGRESS_DELAY=0

mkdir -p pool tree
t_fx_elfs fx >/dev/null 2>&1 || t_skip_all "cannot build the ELF fixtures"
for i in 1 2 3 4 5 6; do
	t_mk_deb "pool/fx$i.deb" "fx$i" "1.$i" '' '' "fx/fortify:/usr/bin/fortify$i" \
		"fx/libver.so:/usr/lib/libver$i.so.1" || t_skip_all "cannot build the .deb fixtures"
done
for i in $(seq 1 39); do
	printf '#include <stdio.h>\n#include <unistd.h>\nint f%d(int fd, char *b) { return read(fd, b, 1) + printf("x"); }\n' \
		"$i" > "tree/f$i.c"
done
printf 'int main(void) { return 0; }\n' > tree/main.c

# on_tty NAME CMD...: CMD with stderr on a pty, stdout into NAME.out; what
# the terminal got in NAME.tty, CMD's status in NAME.rc.
on_tty()
{
	local name=$1
	shift
	script -qec "$(printf '%q ' "$@") >$name.out; echo \$? >$name.rc" /dev/null </dev/null >"$name.tty"
}

# drawn NAME: the lines drawn before the last "\r\033[K" (each drawn
# after one), one a line; after NAME: what the terminal got after it.
E=$'\r\e[K'
drawn()
{
	local tty
	tty=$(cat "$1.tty")
	printf '%s\n' "${tty%"$E"*}" | sed 's/\r\x1b\[K/\n/g' | sed '/^$/d'
}

after()
{
	local tty
	tty=$(cat "$1.tty")
	printf '%s' "${tty##*"$E"}"
}

# human BYTES: as the line writes sizes, three significant digits at most.
human()
{
	awk -v v="$1" 'BEGIN {
		split("B KiB MiB GiB TiB", unit)
		for (u = 1; v >= 1024 && u < 5; u++)
			v /= 1024
		printf(u > 1 && v < 9.95 ? "%.1f %s\n" : "%.0f %s\n", v, unit[u])
	}'
}

total=$(cat pool/*.deb | wc -c)
src_total=$(cat tree/*.c | wc -c)
check()
{
	local name=$1 unit=$2 n=$3 size=$4 cmd=$5 human
	human=$(human "$size")
	t_is "$(cat "$name.rc")" 0 "$cmd on a terminal: status 0"
	drawn "$name" > "$name.lines"
	t_like "$(head -1 "$name.lines")" \
		"^  [0-9.]+ (B|KiB|MiB) / [0-9.]+ (B|KiB)  [0-9.]+ (B|KiB|MiB|GiB)/s  ETA ([0-9]+:[0-9]{2}|-:--)  \([0-9]+/$n $unit\)\$" \
		"$cmd: the line has bytes done / to read, the rate, the ETA, the $unit"
	t_like "$(head -1 "$name.lines")" " / $human  " "$cmd: the total is the $unit' $size bytes ($human)"
	t_is "$(grep -cv " ETA .*/$n $unit)\$" "$name.lines")" 0 "$cmd: drawn in place, nothing else between"
	t_ok "$cmd: the line is erased at the end, before what $cmd prints" \
		test -z "$(after "$name" | grep ETA)"
}

on_tty scan "$PARAKIT" scan --db scan.db --jobs 1 pool
check scan inputs 6 "$total" scan
t_like "$(after scan)" '^scanned 6 inputs' "scan: its summary follows"
on_tty src "$PARAKIT" src --db src.db --jobs 1 tree
check src files 40 "$src_total" src
on_tty port "$PARAKIT" port --db port.db --jobs 1 tree
check port files 40 "$src_total" port

# At most five lines a second (and the first), in a run long enough to
# redraw.
seconds=$(t_sql src.db 'SELECT seconds FROM v_src_runs')
t_ok "src: $(wc -l < src.lines) lines in $seconds s, redrawn at most five times a second" \
	awk -v n="$(wc -l < src.lines)" -v s="$seconds" 'BEGIN { exit !(n >= 2 && n <= 5 * s + 1) }'

# Not a terminal: nothing of it.
"$PARAKIT" scan --db scan2.db pool 2>scan.err >/dev/null
t_ok "scan with stderr in a file writes no progress" sh -c '! grep -q -e ETA -e "$(printf "\r")" scan.err'
script -qec "$PARAKIT src --db src2.db tree 2>&1 | cat >src.pipe" /dev/null </dev/null >src2.tty
t_ok "src with stdout on a terminal and stderr in a pipe writes none" \
	sh -c '! grep -q -e ETA -e "$(printf "\r")" src.pipe && ! grep -q ETA src2.tty'
t_done
