#!/bin/bash
# Description: each import is mapped to the POSIX function it stands for,
# undoing glibc's renames (fortified __*_chk, large-file *64, __isoc99_ and
# __isoc23_ scanf family, the __xstat wrappers, __xpg_ flavours, internal
# aliases, 32-bit time_t's *_time64), while glibc's own machinery (__libc_start_main, __cxa_finalize,
# __stack_chk_fail...) and non-POSIX functions stay unmapped; the raw
# symbol is kept. Checked on a fixture that imports exactly these names and
# on a compiled fortified program, through v_imports and v_function_usage.
. "$(dirname "$0")/../lib/t.sh"
t_require gcc as ld sqlite3

# symbol -> expected posix_name ('-' for NULL)
cat > "$T_TMP/expected" <<'EOF2'
__printf_chk printf
__fprintf_chk fprintf
__snprintf_chk snprintf
__vfprintf_chk vfprintf
__memcpy_chk memcpy
__stpcpy_chk stpcpy
__read_chk read
__pread64_chk pread
__realpath_chk realpath
__poll_chk poll
__longjmp_chk longjmp
__open_2 open
__open64_2 open
__openat64_2 openat
open64 open
lseek64 lseek
mmap64 mmap
fopen64 fopen
readdir64 readdir
readdir64_r readdir_r
fstat64 fstat
fcntl64 fcntl
__isoc99_sscanf sscanf
__isoc99_fscanf fscanf
__isoc99_vsscanf vsscanf
__isoc23_strtol strtol
__xstat stat
__xstat64 stat
__fxstat fstat
__fxstat64 fstat
__lxstat64 lstat
__fxstatat64 fstatat
__xmknod mknod
__stat64_time64 stat
__fstatat64_time64 fstatat
__mq_timedsend_time64 mq_timedsend
__clock_nanosleep_time64 clock_nanosleep
__clock_gettime64 clock_gettime
__assert_fail assert
__register_atfork pthread_atfork
__sysv_signal signal
__mq_open_2 mq_open
__xpg_basename basename
__xpg_strerror_r strerror_r
__xpg_sigpause sigpause
__strdup strdup
__sched_yield sched_yield
__strtol_internal strtol
_IO_getc getc
_IO_putc putc
__sigsetjmp sigsetjmp
_setjmp _setjmp
_exit _exit
l64a l64a
printf printf
pthread_create pthread_create
__libc_start_main -
__cxa_finalize -
__cxa_atexit -
__gmon_start__ -
__stack_chk_fail -
__errno_location -
__fdelt_chk -
__ctype_b_loc -
_ITM_registerTMCloneTable -
__asprintf_chk -
__mempcpy_chk -
memfd_create -
epoll_wait -
EOF2
# shellcheck disable=SC2046
t_ok "fixture importing the names builds" t_fx_asm_so "$T_TMP/names.so" x86_64 $(cut -d' ' -f1 "$T_TMP/expected")
rm -f "$T_TMP/names.so.stub.so"
db=$T_TMP/t.db
t_scan "$db" "$T_TMP/names.so"
t_is "$T_RC" 0 "scan exits 0"
t_sql "$db" "SELECT symbol || ' ' || coalesce(posix_name, '-') FROM v_imports" | sort > "$T_TMP/got"
sort "$T_TMP/expected" > "$T_TMP/want"
t_cmp "$T_TMP/got" "$T_TMP/want" "posix_name of every glibc name"
for s in __printf_chk open64 __isoc99_sscanf __xstat __fxstat64 __libc_start_main; do
	t_is "$(grep "^$s " "$T_TMP/got")" "$(grep "^$s " "$T_TMP/want")" "$s maps to $(grep "^$s " "$T_TMP/want" | cut -d' ' -f2)"
done

# A real fortified program: its imports are mapped the same way.
mkdir -p "$T_TMP/fx"
t_ok "fortified fixture builds" t_fx_elfs "$T_TMP/fx"
t_scan "$db" "$T_TMP/fx/fortify"
t_is "$(t_sql "$db" "SELECT group_concat(symbol || '=' || coalesce(posix_name, '-'), ' ') FROM
		     (SELECT symbol, posix_name FROM v_imports WHERE member_path = '$T_TMP/fx/fortify'
		      AND symbol IN ('__printf_chk', 'open64', '__isoc99_sscanf', '__read_chk', '__libc_start_main')
		      ORDER BY symbol)")" \
	"__isoc99_sscanf=sscanf __libc_start_main=- __printf_chk=printf __read_chk=read open64=open" \
	"fortified program: __printf_chk, open64, __isoc99_sscanf, __read_chk mapped, __libc_start_main not"

# v_function_usage: every catalogue function, imported or not.
t_is "$(t_sql "$db" "SELECT count(*) FROM v_function_usage")" \
	"$(t_sql "$db" "SELECT count(*) FROM catalog_function")" "v_function_usage has a row per catalogue function"
t_is "$(t_sql "$db" "SELECT packages || ' ' || binaries FROM v_function_usage WHERE function = 'printf'")" \
	"2 2" "printf: 2 packages, 2 binaries (imported as printf and __printf_chk)"
t_is "$(t_sql "$db" "SELECT packages || ' ' || binaries FROM v_function_usage WHERE function = 'stat'")" \
	"1 1" "stat: imported by one binary (through __xstat and __xstat64)"
t_is "$(t_sql "$db" "SELECT packages || ' ' || binaries FROM v_function_usage WHERE function = 'posix_spawn'")" \
	"0 0" "a function nobody imports has 0 packages and 0 binaries"
t_is "$(t_sql "$db" "SELECT count(*) FROM v_function_usage WHERE function = '__libc_start_main'")" 0 \
	"__libc_start_main is no catalogue function"
t_done
