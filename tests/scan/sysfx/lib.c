/* A library whose export reaches a syscall through two internal calls
 * and a PLT call into libc (tests/scan/syscalls-fixtures.sh, -aarch64.sh). */
#include <unistd.h>

__attribute__((noinline)) static long step2(long x)
{
	return getppid() + x;	/* a PLT call into libc */
}

__attribute__((noinline)) static long step1(long x)
{
	return step2(x * 3) + 1;
}

long fx_entry(long x)
{
	return step1(x) * 2;
}

long fx_quiet(long x)
{
	return x + 7;
}
