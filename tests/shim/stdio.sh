#!/bin/bash
# Description: the FILE streams a program opens (fopen, fdopen) are routed:
# sed, sort, sha256sum, csplit, paste and od from Debian's coreutils and
# sed give the same output, errors and status as without the shim (files
# of several sizes, missing files, a directory, sed -i, sort's temporary
# files, csplit's pieces), and those streams' reads and writes reach the
# kernel as io_uring_enter only; stdout stays glibc's (the kernel path, as
# v_shims says). A fixture checks what a cookie stream would lose: fileno,
# ftell in "a" mode, fdopen's checks, freopen, line buffering on a
# terminal (under script(1)'s pty), and the flush at exit.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/lib.bash"
s_require
t_require script
cd "$T_TMP" || exit 1

for n in 0 1 4095 4096 131073 3000007; do
	base64 -w 76 /dev/urandom | head -c $n > "f$n"
done
seq 1 300000 > lines
shuf -n 200000 lines > shuffled

for b in sed sort sha256sum csplit paste od; do
	s_shim "$(command -v $b)" || { t_fail "shim for $b"; continue; }
	eval "SO_$b=\$S_SO"
	t_is "$(t_sql "$S_DB" "SELECT group_concat(function || '=' || decision, ' ') FROM
		(SELECT function, decision FROM v_shims WHERE binary LIKE '%/$b' AND function IN ('fopen', 'fdopen')
		 ORDER BY function)")" \
		"$(nm -D --undefined-only "$(command -v $b)" | grep -oE ' (fdopen|fopen)@' | sort | tr -d ' @' |
		   sed 's/$/=routed/' | paste -sd ' ')" "$b: fopen and fdopen routed"
done
t_is "$(t_sql "$S_DB" "SELECT reason FROM v_shims WHERE binary LIKE '%/sed' AND function = 'fwrite'")" \
	"kernel path: stdio on stdin/stdout/stderr (glibc-internal read/write); fopen/fdopen streams: libpk" \
	"v_shims says sed's stdout stays on the kernel path"

for n in 0 1 4095 4096 131073 3000007; do
	s_same "sed of f$n" "$SO_sed" sed 's/a/A/g' "f$n"
done
s_same "sed of several files and a missing one" "$SO_sed" sed -n '$=' f1 missing f4096
s_same "sed of a directory" "$SO_sed" sed p /proc/self
s_same "sed -s: per-file line numbers" "$SO_sed" sed -s -n '$=' f131073 f3000007 lines
s_same "sed w FILE" "$SO_sed" sh -c 'sed -n "/7/w out.w" lines; cksum out.w'
s_same "sed -i (fdopen of its temporary file)" "$SO_sed" sh -c 'cp f131073 edit; sed -i s/b/B/g edit; cksum edit'
s_same "sed w /dev/stdout into a pipe" "$SO_sed" sh -c 'sed -n "1~1000w /dev/stdout" lines | cksum'
s_same "sort of a file" "$SO_sort" sort -n shuffled
s_same "sort -o FILE" "$SO_sort" sh -c 'sort -n -o sorted shuffled; cksum sorted'
s_same "sort with temporary files (-S 64k)" "$SO_sort" sh -c 'sort -n -S 64k -T . shuffled | cksum'
s_same "sort -m of two files" "$SO_sort" sh -c 'sort -n -o a lines; sort -m -n a lines | cksum'
s_same "sort of a missing file" "$SO_sort" sort missing
s_same "sha256sum of files and a missing one" "$SO_sha256sum" sha256sum f0 f4095 f3000007 missing
s_same "sha256sum -c" "$SO_sha256sum" sh -c 'sha256sum f1 f131073 > sums; sha256sum -c sums'
s_same "csplit into pieces" "$SO_csplit" sh -c 'csplit -s -f piece lines 1000 "/^5000$/" "%^9000$%" "{3}"; cat piece* | cksum'
s_same "csplit of a missing file" "$SO_csplit" csplit missing 10
s_same "paste of three files" "$SO_paste" paste lines shuffled f131073
s_same "od of two files" "$SO_od" od -A d -t x1 f4095 f1
s_same "od of a missing file" "$SO_od" od missing

S_KERNEL_FDS=
s_uring "sed w FILE" "$SO_sed" sed -n 'w out.u' f3000007
s_uring "sed -i" "$SO_sed" sh -c 'cp f3000007 edit2; exec sed -i s/b/B/g edit2'
s_uring "csplit" "$SO_csplit" csplit -s -f part lines 20000 "{3}"
S_KERNEL_FDS=1	# their results go to stdout, glibc's stream (sort -o reopens it)
s_uring "sort -o FILE with temporary files (their I/O)" "$SO_sort" sort -S 256k -T . -o sorted2 shuffled
s_uring "sha256sum of 3 MB (its reads)" "$SO_sha256sum" sha256sum f3000007
s_uring "paste (its reads)" "$SO_paste" paste lines shuffled
S_KERNEL_FDS=

# What a cookie stream lacks unless the shim gives it back.
cp "$(dirname "$0")/stdio.c.in" stdio.c 2>/dev/null || cp "$OLDPWD/$(dirname "$0")/stdio.c.in" stdio.c
cc -O2 -o stdio stdio.c || t_fail "cannot build the fixture"
s_shim "$T_TMP/stdio" || t_fail "shim for the fixture"
SO=$S_SO
s_same "fileno, fstat, ftell in \"a\" mode, fseek, r+, a+, wx, fdopen's checks, ccs, freopen, errors" \
	"$SO" sh -c './stdio streams s.txt; cksum s.txt'
s_same "a stream left open is flushed at exit" "$SO" sh -c './stdio exitflush e.txt; cat e.txt'
# On a terminal the stream is line-buffered: its line comes before the
# marker written straight to the descriptor (a cookie stream would be
# fully buffered, and the marker would come first).
script -qec './stdio tty' /dev/null > tty.plain 2>&1
script -qec "env LD_PRELOAD=$SO ./stdio tty" /dev/null > tty.shim 2>&1
t_is "$(tr -d '\r' < tty.shim)" "$(printf 'line through the stream\nmarker')" "a stream on a terminal is line-buffered"
t_cmp tty.plain tty.shim "the terminal run is the same as without the shim"
PK_SHIM=off s_same "PK_SHIM=off: glibc's own streams" "$SO" sh -c './stdio streams s2.txt; cksum s2.txt'
t_done
