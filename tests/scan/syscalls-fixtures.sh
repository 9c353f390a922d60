#!/bin/bash
# Description: the system call footprint (issue 17) of fixtures with known
# answers: syscall instructions with constant numbers (inline asm), calls
# to syscall(SYS_x, ...), numbers that are not constant ("unknown", never
# guessed), a static binary (gcc -static: what its entry point reaches),
# the same binaries sstripped (read through the program headers), and a
# library whose exported function reaches getppid through two internal
# calls and a PLT call into libc, used by a binary that finds it through
# $ORIGIN loose and through its RUNPATH inside a .deb; a library whose
# constructor issues getpgrp adds it to a binary that links it. The
# dynamic loader is analysed from its entry point.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc readelf sqlite3 truncate dpkg-deb

fx=$T_TMP/fx
mkdir -p "$fx" "$fx/lib"
cat > "$T_TMP/asm.c" <<'EOF'
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw1(long n)
{
	long r;

	/* A constant number the compiler does not see: getpid (39). */
	__asm__ volatile("mov $39, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	(void)n;
	return r;
}

static long raw2(void)
{
	long r;

	/* getuid (102), through rax. */
	__asm__ volatile("mov $102, %%rax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}

int main(int argc, char **argv)
{
	long r = raw1(argc) + raw2();

	r += syscall(SYS_gettid);
	r += syscall(SYS_getppid);
	return r == 42;
}
EOF
cat > "$T_TMP/var.c" <<'EOF'
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : SYS_getpid, r;

	/* Numbers that come from the arguments: unknown. */
	__asm__ volatile("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory");
	return r + syscall(n) == 1;
}
EOF
cp "${T_SELF%/*}/sysfx/lib.c" "${T_SELF%/*}/sysfx/use.c" "$T_TMP/"
cat > "$T_TMP/init.c" <<'EOF'
#include <unistd.h>

/* Runs when the library is loaded, whatever the program calls. */
__attribute__((constructor)) static void fx_init(void)
{
	(void)getpgrp();
}

int fx_init_unused(void)
{
	return 1;
}
EOF
cat > "$T_TMP/useinit.c" <<'EOF'
int fx_init_unused(void);

int main(int argc, char **argv)
{
	(void)argv;
	return argc > 5 ? fx_init_unused() : 0;
}
EOF
cat > "$T_TMP/static.c" <<'EOF'
#include <unistd.h>

int main(void)
{
	return getppid() == 1 ? write(1, "x", 1) != 1 : 0;
}
EOF
t_ok "the fixtures build" eval 'gcc -O2 -o "$fx/asm" "$T_TMP/asm.c" &&
	gcc -O2 -o "$fx/var" "$T_TMP/var.c" &&
	gcc -O2 -fPIC -shared -Wl,-soname,libfx.so.1 -o "$fx/lib/libfx.so.1" "$T_TMP/lib.c" &&
	gcc -O2 -o "$fx/use" "$T_TMP/use.c" -L"$fx/lib" -l:libfx.so.1 -Wl,-rpath,"\$ORIGIN/lib" &&
	gcc -O2 -static -o "$fx/static" "$T_TMP/static.c" &&
	gcc -O2 -fPIC -shared -Wl,-soname,libfxinit.so.1 -o "$fx/lib/libfxinit.so.1" "$T_TMP/init.c" &&
	gcc -O2 -o "$fx/useinit" "$T_TMP/useinit.c" -L"$fx/lib" -l:libfxinit.so.1 -Wl,-rpath,"\$ORIGIN/lib"'
t_ok "the fixtures run" eval '"$fx/asm" && "$fx/use" && "$fx/static" && "$fx/var"'
mkdir -p "$T_TMP/ss"
for f in asm static; do
	t_sstrip "$fx/$f" "$T_TMP/ss/$f-ss"
done
t_is "$(readelf -hW "$T_TMP/ss/static-ss" | sed -n 's/^ *Number of section headers: *//p')" 0 \
	"the sstripped copies have no section headers"

db=$T_TMP/t.db
t_scan "$db" --syscalls "$fx" "$T_TMP/ss"
t_is "$T_RC" 0 "the scan exits 0"

# sys BINARY: its set, "syscall<TAB>via" lines.
sys()
{
	t_sql "$db" "SELECT syscall, via FROM v_syscalls WHERE member_path = '$1' ORDER BY syscall"
}
direct()
{
	t_sql "$db" "SELECT syscall FROM v_syscalls WHERE member_path = '$1' AND via = 'direct' ORDER BY syscall" |
		tr '\n' ' '
}

t_is "$(direct "$fx/asm")" "getpid getppid gettid getuid " \
	"asm: its own syscalls are inline getpid and getuid and syscall(SYS_gettid), syscall(SYS_getppid)"
t_is "$(direct "$T_TMP/ss/asm-ss")" "getpid getppid gettid getuid " "the same, sstripped"
t_like "$(sys "$fx/asm")" "exit_group	" "exit_group comes through libc"
t_is "$(t_sql "$db" "SELECT count(*) FROM syscall_lib WHERE soname = 'ld-linux-x86-64.so.2' AND entry_set_id IS NOT NULL")" 1 \
	"the dynamic loader is analysed from its entry point"
t_is "$(direct "$fx/var")" "unknown " "var: numbers from the arguments are unknown, nothing guessed"
t_is "$(t_sql "$db" "SELECT status, sites, unknown_sites FROM binary_sys s JOIN v_binaries b
	ON b.binary_id = s.binary_id JOIN file f ON f.binary_id = s.binary_id WHERE f.path = '$fx/var'")" \
	"ok	2	2" "both of var's sites are counted, both unknown"

for f in "$fx/static" "$T_TMP/ss/static-ss"; do
	d=$(direct "$f")
	for s in getppid write exit_group; do
		t_like "$d" "(^| )$s " "$(basename "$f"): the static binary's entry point reaches $s"
	done
	t_is "$(sys "$f" | grep -vc '	direct$')" 0 "$(basename "$f"): a static binary's set is all direct"
done
n_static=$(sys "$fx/static" | wc -l)
n_ss=$(sys "$T_TMP/ss/static-ss" | wc -l)
t_diag "static: $n_static syscalls, sstripped: $n_ss"
t_ok "the static set is not every syscall (it is reached, not listed)" \
	test "$n_static" -lt "$(t_sql "$db" "SELECT count(*) FROM v_syscall_usage")"

t_like "$(sys "$fx/use")" "getppid	fx_entry" \
	"use reaches getppid through libfx's fx_entry (two internal calls, a PLT call into libc)"
t_like "$(sys "$fx/lib/libfx.so.1")" "getppid	getppid" "libfx itself, through its import"
t_like "$(sys "$fx/useinit")" "getpgrp	libfxinit.so.1" \
	"useinit reaches getpgrp through libfxinit's constructor, by the library's name"

t_is "$(t_sql "$db" "SELECT count(*) FROM v_syscall_usage WHERE syscall IN ('read', 'io_uring_setup', 'unknown')")" 3 \
	"v_syscall_usage lists every syscall, unused ones and 'unknown' included"
t_is "$(t_sql "$db" "SELECT io_uring_op FROM v_syscall_usage WHERE syscall IN ('pread64', 'accept4', 'getppid')
	ORDER BY syscall")" $'IORING_OP_ACCEPT\n\nIORING_OP_READ' "io_uring_op: pread64 and accept4 have one, getppid none"
t_ok "getuid: at least asm and its sstripped copy, two loose files (packages)" \
	test "$(t_sql "$db" "SELECT min(packages, binaries) FROM v_syscall_usage WHERE syscall = 'getuid'")" -ge 2

# The same, packaged: the library is found by its RUNPATH among the
# package's members, not on this machine.
gcc -O2 -o "$T_TMP/fxuse" "$T_TMP/use.c" -L"$fx/lib" -l:libfx.so.1 -Wl,--enable-new-dtags,-rpath,/usr/lib/fx
t_mk_deb "$T_TMP/fx.deb" fxpkg 1.0 "" "" "$T_TMP/fxuse:/usr/bin/fxuse" "$fx/lib/libfx.so.1:/usr/lib/fx/libfx.so.1"
db2=$T_TMP/deb.db
t_scan "$db2" --syscalls "$T_TMP/fx.deb"
t_is "$T_RC" 0 "the .deb scans"
t_is "$(t_sql "$db2" "SELECT via FROM v_syscalls WHERE package = 'fxpkg' AND member_path = '/usr/bin/fxuse'
	AND syscall = 'getppid'")" fx_entry "packaged: getppid through fx_entry, the library found inside the package"

# A second run of another binary reads libc's map from the database.
t_is "$(t_sql "$db" "SELECT count(*) FROM syscall_lib WHERE soname = 'libc.so.6'")" 1 "libc's map is cached once"
t_done
