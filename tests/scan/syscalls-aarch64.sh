#!/bin/bash
# Description: the system call footprint (issue 17) of AArch64 binaries,
# read by the AArch64 decoder: fixtures cross-built with known answers
# (svc #0 with constant numbers in x8, syscall(SYS_x, ...), numbers
# merged where paths meet or not constant, a static binary, a library
# whose export reaches getppid through two internal calls and a PLT call
# into libc, calls through GOT slots without a PLT), Debian's AArch64
# libc (libc6-arm64-cross, found under /usr/aarch64-linux-gnu as the
# dynamic linker's default directories do not hold it on an x86-64
# machine: its exports read and _exit), and
# recall against qemu-user: every system call the fixtures issue under
# qemu-aarch64 -strace is in their static set.
#
# The fixtures are built by clang --target=aarch64-linux-gnu with Debian's
# cross libc and binutils.
. "$(dirname "$0")/../lib/t.sh"
t_require clang sqlite3 aarch64-linux-gnu-ld
QEMU=$(command -v qemu-aarch64 || command -v qemu-aarch64-static) || t_skip_all "qemu-user is not installed"
ROOT=/usr/aarch64-linux-gnu
LIBC=$ROOT/lib/libc.so.6
[ -f "$LIBC" ] || t_skip_all "libc6-arm64-cross is not installed"

cc64()
{
	clang --target=aarch64-linux-gnu -fuse-ld="$(command -v aarch64-linux-gnu-ld)" -O2 "$@"
}

fx=$T_TMP/fx
mkdir -p "$fx/lib"
cat > "$T_TMP/asm.c" <<'EOF'
#include <sys/syscall.h>
#include <unistd.h>

static long raw1(void)
{
	/* getpid (172) in x8, a constant the compiler loads. */
	register long x8 __asm__("x8") = 172;
	register long x0 __asm__("x0");

	__asm__ volatile("svc #0" : "=r"(x0) : "r"(x8) : "memory");
	return x0;
}

static long raw2(void)
{
	long r;

	/* getuid (174), through w8. */
	__asm__ volatile("mov w8, #174\n\tsvc #0\n\tmov %0, x0" : "=r"(r) : : "x0", "x8", "memory");
	return r;
}

int main(int argc, char **argv)
{
	long r = raw1() + raw2();

	(void)argv;
	r += syscall(SYS_gettid);
	r += syscall(SYS_getppid);
	return r == 42 && argc > 9;
}
EOF
# Constant propagation's rules, one function each: paths that meet with
# the same number (gettid, 178) or different ones (unknown), a number
# built by movz and movk past the table (unknown), a copy between
# registers (write, 64), a number a call clobbers (unknown), one from
# the arguments (unknown).
cat > "$T_TMP/cp.S" <<'EOF'
	.text
	.globl	same, differ, wide, copy, clobbered, fromarg, nothing
same:
	cbz	x0, 1f
	mov	w8, #178
	b	2f
1:	mov	x8, #178
2:	svc	#0
	ret
differ:
	cbz	x0, 1f
	mov	w8, #172
	b	2f
1:	mov	w8, #174
2:	svc	#0
	ret
wide:
	movz	x8, #0x1, lsl #16
	movk	x8, #0x5
	svc	#0
	ret
copy:
	mov	w9, #64
	mov	x2, #0
	mov	x8, x9
	svc	#0
	ret
clobbered:
	stp	x29, x30, [sp, #-16]!
	mov	w8, #172
	bl	nothing
	svc	#0
	ldp	x29, x30, [sp], #16
	ret
fromarg:
	mov	x8, x0
	svc	#0
	ret
nothing:
	ret
EOF
cat > "$T_TMP/cpmain.c" <<'EOF'
long same(long), differ(long), wide(void), copy(void), clobbered(void), fromarg(long);

int main(int argc, char **argv)
{
	(void)argv;
	if (argc > 9)
		return same(argc) + differ(argc) + wide() + copy() + clobbered() + fromarg(argc);
	return 0;
}
EOF
cp "${T_SELF%/*}/sysfx/lib.c" "${T_SELF%/*}/sysfx/use.c" "$T_TMP/"
# Calls through the GOT without a PLT (-fno-plt's code, which clang 14
# does not emit on AArch64): a blr and a tail br through GLOB_DAT slots.
cat > "$T_TMP/got.S" <<'EOF'
	.text
	.globl	got_call, got_tail
	.type	got_call, %function
got_call:
	stp	x29, x30, [sp, #-16]!
	adrp	x16, :got:getppid
	ldr	x16, [x16, :got_lo12:getppid]
	blr	x16
	ldp	x29, x30, [sp], #16
	ret
	.size	got_call, .-got_call
	.type	got_tail, %function
got_tail:
	adrp	x17, :got:getpgid
	ldr	x17, [x17, :got_lo12:getpgid]
	br	x17
	.size	got_tail, .-got_tail
	.section .note.GNU-stack,"",%progbits
EOF
cat > "$T_TMP/ugot.c" <<'EOF'
long got_call(void), got_tail(long);

int main(int argc, char **argv)
{
	(void)argv;
	return got_call() + got_tail(0) == argc;
}
EOF
cat > "$T_TMP/static.c" <<'EOF'
#include <unistd.h>

int main(void)
{
	return getppid() == 1 ? write(1, "x", 1) != 1 : 0;
}
EOF
# A program that reaches the kernel through libc only.
cat > "$T_TMP/files.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[64];
	int fd = open(argc > 1 ? argv[1] : "/proc/self/stat", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	printf("%zd\n", n);
	return n <= 0;
}
EOF
t_ok "the fixtures cross-build" eval 'cc64 -o "$fx/asm" "$T_TMP/asm.c" &&
	cc64 -o "$fx/cp" "$T_TMP/cpmain.c" "$T_TMP/cp.S" &&
	cc64 -fPIC -shared -Wl,-soname,libfx.so.1 -o "$fx/lib/libfx.so.1" "$T_TMP/lib.c" &&
	cc64 -o "$fx/use" "$T_TMP/use.c" -L"$fx/lib" -l:libfx.so.1 -Wl,-rpath,"\$ORIGIN/lib" &&
	cc64 -fPIC -shared -Wl,-soname,libgot.so.1 -o "$fx/lib/libgot.so.1" "$T_TMP/got.S" &&
	cc64 -o "$fx/ugot" "$T_TMP/ugot.c" -L"$fx/lib" -l:libgot.so.1 -Wl,-rpath,"\$ORIGIN/lib" &&
	cc64 -static -o "$fx/static" "$T_TMP/static.c" &&
	cc64 -o "$fx/files" "$T_TMP/files.c"'
t_is "$(readelf -hW "$fx/asm" | sed -n 's/^ *Machine: *//p')" AArch64 "the fixtures are AArch64 code"

# The same read through the program headers alone (no .plt section: the
# PLT stubs are found anywhere in the code).
mkdir -p "$T_TMP/ss"
for f in asm static; do
	t_sstrip "$fx/$f" "$T_TMP/ss/$f-ss"
done
t_is "$(readelf -hW "$T_TMP/ss/asm-ss" | sed -n 's/^ *Number of section headers: *//p')" 0 \
	"the sstripped copies have no section headers"

db=$T_TMP/t.db
t_scan "$db" --syscalls "$fx" "$T_TMP/ss" "$LIBC"
t_is "$T_RC" 0 "the scan exits 0"

sys()
{
	t_sql "$db" "SELECT syscall, via FROM v_syscalls WHERE member_path = '$1' ORDER BY syscall"
}
direct()
{
	t_sql "$db" "SELECT syscall FROM v_syscalls WHERE member_path = '$1' AND via = 'direct' ORDER BY syscall" |
		tr '\n' ' '
}
sites()
{
	t_sql "$db" "SELECT s.abi, s.status, s.sites, s.unknown_sites FROM binary_sys s JOIN file f
		ON f.binary_id = s.binary_id WHERE f.path = '$1'"
}

t_is "$(sites "$fx/asm")" "aarch64	ok	4	0" "asm: analysed as AArch64, four sites, none unknown"
t_is "$(direct "$fx/asm")" "getpid getppid gettid getuid " \
	"asm: svc #0 with getpid and getuid in x8, syscall(SYS_gettid), syscall(SYS_getppid)"
t_is "$(direct "$T_TMP/ss/asm-ss")" "getpid getppid gettid getuid " "the same, sstripped"
t_like "$(sys "$fx/asm")" "exit_group	" "asm: exit_group comes through the AArch64 libc"
t_is "$(t_sql "$db" "SELECT count(*) FROM syscall_lib WHERE soname = 'ld-linux-aarch64.so.1' AND abi = 'aarch64'
	AND entry_set_id IS NOT NULL")" 1 "the AArch64 dynamic loader is found under $ROOT and analysed from its entry"
t_is "$(t_sql "$db" "SELECT count(*) FROM syscall_lib WHERE soname = 'libc.so.6' AND abi <> 'aarch64'")" 0 \
	"no x86-64 library is bound to an AArch64 binary"

t_is "$(direct "$fx/cp")" "gettid unknown write " \
	"cp: equal numbers merged (gettid), movz+movk, different paths, a clobbering call, an argument: unknown; a copy (write)"
t_is "$(sites "$fx/cp")" "aarch64	ok	6	4" "cp: six sites, four unknown"

for f in "$fx/static" "$T_TMP/ss/static-ss"; do
	d=$(direct "$f")
	for s in getppid write exit_group; do
		t_like "$d" "(^| )$s " "$(basename "$f"): its entry point reaches $s"
	done
done
t_is "$(sys "$fx/static" | grep -vc '	direct$')" 0 "static: a static binary's set is all direct"
t_ok "static: its set is not every syscall (reached, not listed)" \
	test "$(sys "$fx/static" | wc -l)" -lt 200

t_like "$(sys "$fx/use")" "getppid	fx_entry" \
	"use reaches getppid through libfx's fx_entry (two internal calls, a PLT call into libc)"
t_like "$(sys "$fx/lib/libfx.so.1")" "getppid	getppid" "libfx itself, through its import"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_syscalls WHERE member_path = '$fx/use' AND syscall = 'getppid'")" 1 \
	"use: getppid once"

t_like "$(sys "$fx/ugot")" "getpgid	got_tail" "ugot: getpgid through a tail br via libgot's GOT slot"
t_like "$(sys "$fx/ugot")" "getppid	got_call" "ugot: getppid through a blr via libgot's GOT slot"

for s in openat read close write; do
	t_like "$(sys "$fx/files")" "^$s	" "files: $s comes through libc"
done

# Debian's AArch64 libc, as nobody here wrote it: an export's set (the
# bitmap of syscall_set: bit n is number n of the ABI).
fn_has()
{
	local hex nr=$2 byte
	hex=$(t_sql "$db" "SELECT hex(s.bits) FROM syscall_lib_fn f JOIN syscall_lib l ON l.id = f.lib_id
		JOIN syscall_set s ON s.id = f.set_id WHERE l.soname = 'libc.so.6' AND l.abi = 'aarch64'
		AND f.name = '$1' AND f.is_default = 1")
	byte=${hex:$((2 * (nr / 8))):2}
	[ -n "$byte" ] && [ $(((16#$byte >> (nr % 8)) & 1)) = 1 ]
}
fn_count()
{
	t_sql "$db" "SELECT length(s.bits) FROM syscall_lib_fn f JOIN syscall_lib l ON l.id = f.lib_id
		JOIN syscall_set s ON s.id = f.set_id WHERE l.soname = 'libc.so.6' AND l.abi = 'aarch64'
		AND f.name = '$1' AND f.is_default = 1"
}
t_ok "libc: read reaches read (63)" fn_has read 63
t_ok "libc: _exit reaches exit_group (94)" fn_has _exit 94
t_ok "libc: getpid reaches getpid (172)" fn_has getpid 172
t_ok "libc: _exit does not reach read (its set is small)" eval '! fn_has _exit 63'
t_is "$(t_sql "$db" "SELECT status FROM binary_sys s JOIN file f ON f.binary_id = s.binary_id
	WHERE f.path = '$LIBC'")" ok "libc: analysed"
t_diag "libc's _exit set: $(fn_count _exit) bytes; read's: $(fn_count read) bytes"

# The request-code pass reads x86-64 only: nothing for AArch64, no
# garbage rows.
t_is "$(t_sql "$db" "SELECT count(*) FROM v_syscall_requests WHERE member_path LIKE '$fx/%' OR member_path = '$LIBC'")" 0 \
	"no request codes are recorded for AArch64 binaries (that pass reads x86-64)"

# Recall: what the fixtures issue under qemu-user is in their sets.
recall()
{
	local f=$1 seen missed=
	shift
	# qemu 7.2 names what it knows; the numbers it does not are named
	# here (AArch64's), any other stays syscall_N and counts as missed.
	seen=$("$QEMU" -strace -L "$ROOT" "$f" "$@" 2>&1 >/dev/null |
		sed -n -e 's/^[0-9][0-9]* \([a-z_0-9]*\)(.*/\1/p' -e 's/^[0-9][0-9]* Unknown syscall \([0-9]*\).*/syscall_\1/p' |
		sed -e 's/^syscall_293$/rseq/' -e 's/^syscall_435$/clone3/' -e 's/^syscall_439$/faccessat2/' | sort -u)
	[ -n "$seen" ] || { t_fail "$(basename "$f"): qemu-user shows its syscalls"; return; }
	for s in $seen; do
		t_sql "$db" "SELECT 1 FROM v_syscalls WHERE member_path = '$f' AND syscall = '$s'" | grep -q 1 ||
			missed="$missed $s"
	done
	t_is "$missed" "" "recall: $(basename "$f")'s $(echo $seen | wc -w) syscalls under qemu-user are in its set"
}
recall "$fx/asm"
recall "$fx/cp"
recall "$fx/use"
recall "$fx/static"
recall "$fx/ugot"
recall "$fx/files"
recall "$fx/files" /nonexistent
t_done
