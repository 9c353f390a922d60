#!/bin/bash
# Description: i386 (gcc -m32) binaries in the system call footprint and
# its request codes (issue 17): syscall()'s number and the ioctl, fcntl and
# prctl codes are the first and second words of the stack at the call
# (push $N; call syscall@plt, or movl $N, (%esp)), read by following the
# words at 0..12(%esp) through pushes, pops and esp adjustments. -O0, -O2,
# -O2 with stores, non-PIE: syscall(SYS_getpid) gives getpid (20) directly; ioctl(fd,
# TIOCGWINSZ) 21523, syscall(SYS_ioctl, fd, TCGETS) 21505, fcntl(F_GETFL)
# 3, prctl(PR_GET_DUMPABLE) 3; a number and a code that are no constant
# are unknown. Recall against strace: every code the fixture passes is
# among its rows, every syscall it makes but one in its set (mmap2, which
# i386 glibc's mmap passes to __libc_do_syscall in eax: unknown there).
. "$(dirname "$0")/../lib/t.sh"
t_require gcc sqlite3 strace objdump

fx=$T_TMP/fx
mkdir -p "$fx"
cat > "$T_TMP/r32.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct winsize ws;
	struct termios t;
	long pid = syscall(SYS_getpid);

	(void)argv;
	if (ioctl(1, TIOCGWINSZ, &ws) == 0)
		printf("%d\n", ws.ws_row);
	syscall(SYS_ioctl, 0, TCGETS, &t);
	fcntl(0, F_GETFL);
	prctl(PR_GET_DUMPABLE);
	/* A code and a number that are no constants. */
	ioctl(0, 0x5400 + argc, &t);
	if (argc > 5)
		syscall(argc);
	printf("%ld\n", pid);
	return 0;
}
EOF
# gcc-12-multilib, not gcc-multilib: the latter conflicts with the AArch64
# cross compiler the runtime's tests need. What it adds is the asm/
# headers' directory for -m32; linux-libc-dev's x86-64 ones serve i386
# too (they test __i386__).
mkdir -p "$T_TMP/inc32"
ln -s /usr/include/x86_64-linux-gnu/asm "$T_TMP/inc32/asm"
m32() { gcc -m32 -idirafter "$T_TMP/inc32" "$@"; }
m32 -O2 -o "$fx/probe" "$T_TMP/r32.c" 2>"$T_TMP/gcc.err" ||
	t_skip_all "gcc -m32 cannot build (gcc-12-multilib, libc6-dev-i386): $(head -1 "$T_TMP/gcc.err")"
# -maccumulate-outgoing-args: movl $N, (%esp) instead of pushes.
t_ok "the fixtures build (-O0, -O2, stores, non-PIE)" eval 'm32 -O0 -o "$fx/r32-O0" "$T_TMP/r32.c" &&
	m32 -O2 -o "$fx/r32-O2" "$T_TMP/r32.c" &&
	m32 -O2 -maccumulate-outgoing-args -o "$fx/r32-mov" "$T_TMP/r32.c" &&
	m32 -O2 -fno-pie -no-pie -o "$fx/r32-nopie" "$T_TMP/r32.c"'
rm -f "$fx/probe"
db=$T_TMP/t.db
t_scan "$db" --syscalls "$fx"
t_is "$T_RC" 0 "the scan exits 0"
t_like "$(objdump -d "$fx/r32-mov" | grep -B1 'call.*<syscall@plt>' | head -1)" 'movl +[$]0x14,[(]%esp[)]' \
	"r32-mov passes getpid's number by a store"
for f in r32-O0 r32-O2 r32-mov r32-nopie; do
	t_is "$(t_sql "$db" "SELECT abi, sites, unknown_sites FROM v_syscall_binaries WHERE member_path = '$fx/$f'")" \
		"i386	3	1" "$f: i386, three calls to syscall(), the one with a variable number unknown"
	t_is "$(t_sql "$db" "SELECT group_concat(syscall, ' ') FROM (SELECT syscall FROM v_syscalls
		WHERE member_path = '$fx/$f' AND via = 'direct' ORDER BY 1)")" "getpid ioctl unknown" \
		"$f: getpid and ioctl through syscall() directly, and the unknown one"
	t_is "$(t_sql "$db" "SELECT group_concat(syscall || ' ' || request, ',') FROM (SELECT syscall, request
		FROM v_syscall_requests WHERE member_path = '$fx/$f' AND via = 'direct' ORDER BY 1, 2)")" \
		"fcntl 3,ioctl 21505,ioctl 21523,ioctl unknown,prctl 3" "$f: its request codes"
done

# Recall: strace's codes and syscalls against the static rows (strace -f
# pads a pid to five digits: one space after it, or more).
(cd "$T_TMP" && strace -f -qq -X raw -o "$T_TMP/st" -- "$fx/r32-O2" < /dev/null > /dev/null \
	2>"$T_TMP/strace.err")
rc=$?
t_is "$rc" 0 "strace runs the -O2 fixture"
[ "$rc" = 0 ] || t_diag "strace: $(head -3 "$T_TMP/strace.err") $(head -3 "$T_TMP/st" 2>&1)"
sed -n 's/^\([0-9]\+ \+\)\?\(ioctl\|fcntl\)\(64\)\?([^,]*, \(0x[0-9a-f]*\|[0-9]*\)[,)].*/\2 \4/p
	s/^\([0-9]\+ \+\)\?\(prctl\)(\(0x[0-9a-f]*\|[0-9]*\)[,)].*/\2 \3/p' "$T_TMP/st" | sort -u > "$T_TMP/codes"
miss=
while read -r sc code; do
	[ "$(t_sql "$db" "SELECT count(*) FROM v_syscall_requests WHERE member_path = '$fx/r32-O2'
		AND syscall = '$sc' AND request = $((code))")" -gt 0 ] || miss="$miss $sc:$code"
done < "$T_TMP/codes"
t_ok "strace saw the fixture's codes ($(wc -l < "$T_TMP/codes"))" test "$(wc -l < "$T_TMP/codes")" -ge 4
t_is "$miss" "" "every code strace saw is among the fixture's rows"
sed -n 's/^\([0-9]\+ \+\)\?\([a-z_0-9]*\)(.*/\2/p' "$T_TMP/st" | grep -vx execve | sort -u > "$T_TMP/traced"
t_sql "$db" "SELECT syscall FROM v_syscalls WHERE member_path = '$fx/r32-O2'" | sort -u > "$T_TMP/static"
t_is "$(comm -23 "$T_TMP/traced" "$T_TMP/static" | tr '\n' ' ')" "mmap2 " \
	"every traced syscall is in the static set but mmap2 (i386 glibc's __libc_do_syscall)"
t_diag "traced: $(tr '\n' ' ' < "$T_TMP/traced")"
t_done
