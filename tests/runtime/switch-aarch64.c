/*
 * Description: the AArch64 context switch (runtime/switch_aarch64.S), run
 * under qemu-user. A small static program is cross-compiled at test time
 * with the switch and nothing else of libpk (no io_uring): two fibers made
 * by pk_ctx_init ping-pong with the main context, each holding its own
 * values in x19-x28 and d8-d15 across every switch (the compiler keeps them
 * there because the ABI says a call preserves them) and its own FPCR
 * rounding mode; a new fiber starts with its creator's FPCR and gets its
 * argument. The program prints the TAP lines, this test relays them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t_pk.h"

static const char prog[] =
	"#include <stdio.h>\n"
	"#include <stdint.h>\n"
	"void pk_ctx_switch(void **save_sp, void *load_sp);\n"
	"void *pk_ctx_init(void *top, void (*fn)(void *), void *arg);\n"
	"#define ROUNDS 10000\n"
	"static void *main_sp, *fib_sp[2];\n"
	"static char stacks[2][65536] __attribute__((aligned(16)));\n"
	"static int bad[2], started[2], fpcr_bad[2], arg_bad[2], start_bad[2];\n"
	"static uint64_t get_fpcr(void) { uint64_t v; __asm__ volatile(\"mrs %0, fpcr\" : \"=r\"(v)); return v; }\n"
	"static void set_fpcr(uint64_t v) { __asm__ volatile(\"msr fpcr, %0\" :: \"r\"(v)); }\n"
	"/* Holds seed-made values in every callee-saved register across one switch; returns how many changed. */\n"
	"static __attribute__((noinline)) int hold(void **save, void *to, long s)\n"
	"{\n"
	"	register long a asm(\"x19\") = s + 19, b asm(\"x20\") = s + 20, c asm(\"x21\") = s + 21;\n"
	"	register long d asm(\"x22\") = s + 22, e asm(\"x23\") = s + 23, f asm(\"x24\") = s + 24;\n"
	"	register long g asm(\"x25\") = s + 25, h asm(\"x26\") = s + 26, i asm(\"x27\") = s + 27;\n"
	"	register long j asm(\"x28\") = s + 28;\n"
	"	register double p asm(\"d8\") = s + .8, q asm(\"d9\") = s + .9, r asm(\"d10\") = s + 1.0;\n"
	"	register double t asm(\"d11\") = s + 1.1, u asm(\"d12\") = s + 1.2, v asm(\"d13\") = s + 1.3;\n"
	"	register double w asm(\"d14\") = s + 1.4, x asm(\"d15\") = s + 1.5;\n"
	"	__asm__ volatile(\"\" : \"+r\"(a), \"+r\"(b), \"+r\"(c), \"+r\"(d), \"+r\"(e), \"+r\"(f), \"+r\"(g),\n"
	"			 \"+r\"(h), \"+r\"(i), \"+r\"(j));\n"
	"	__asm__ volatile(\"\" : \"+w\"(p), \"+w\"(q), \"+w\"(r), \"+w\"(t), \"+w\"(u), \"+w\"(v), \"+w\"(w), \"+w\"(x));\n"
	"	pk_ctx_switch(save, to);\n"
	"	__asm__ volatile(\"\" : \"+r\"(a), \"+r\"(b), \"+r\"(c), \"+r\"(d), \"+r\"(e), \"+r\"(f), \"+r\"(g),\n"
	"			 \"+r\"(h), \"+r\"(i), \"+r\"(j));\n"
	"	__asm__ volatile(\"\" : \"+w\"(p), \"+w\"(q), \"+w\"(r), \"+w\"(t), \"+w\"(u), \"+w\"(v), \"+w\"(w), \"+w\"(x));\n"
	"	return (a != s + 19) + (b != s + 20) + (c != s + 21) + (d != s + 22) + (e != s + 23) +\n"
	"	       (f != s + 24) + (g != s + 25) + (h != s + 26) + (i != s + 27) + (j != s + 28) +\n"
	"	       (p != s + .8) + (q != s + .9) + (r != s + 1.0) + (t != s + 1.1) + (u != s + 1.2) +\n"
	"	       (v != s + 1.3) + (w != s + 1.4) + (x != s + 1.5);\n"
	"}\n"
	"static void fiber(void *arg)\n"
	"{\n"
	"	int k = (int)(intptr_t)arg - 100;\n"
	"	uint64_t mine = k ? 3ULL << 22 : 1ULL << 22;	/* round toward zero, toward +inf */\n"
	"	arg_bad[k] = k != 0 && k != 1;\n"
	"	started[k] = 1;\n"
	"	start_bad[k] = (get_fpcr() & (3ULL << 22)) != (2ULL << 22);	/* its creator's: toward -inf */\n"
	"	set_fpcr((get_fpcr() & ~(3ULL << 22)) | mine);\n"
	"	for (long n = 0; ; n++) {\n"
	"		bad[k] += hold(&fib_sp[k], main_sp, (k + 1) * 1000000 + n);\n"
	"		if ((get_fpcr() & (3ULL << 22)) != mine)\n"
	"			fpcr_bad[k]++;\n"
	"	}\n"
	"}\n"
	"int main(void)\n"
	"{\n"
	"	int mbad = 0, mfpcr = 0;\n"
	"	set_fpcr((get_fpcr() & ~(3ULL << 22)) | 2ULL << 22);\n"
	"	for (int k = 0; k < 2; k++)\n"
	"		fib_sp[k] = pk_ctx_init(stacks[k] + sizeof(stacks[k]), fiber, (void *)(intptr_t)(100 + k));\n"
	"	set_fpcr(get_fpcr() & ~(3ULL << 22));	/* main: to nearest */\n"
	"	for (long n = 0; n < ROUNDS; n++)\n"
	"		for (int k = 0; k < 2; k++) {\n"
	"			mbad += hold(&main_sp, fib_sp[k], -n);\n"
	"			mfpcr += (get_fpcr() & (3ULL << 22)) != 0;\n"
	"		}\n"
	"	printf(\"1..4\\n\");\n"
	"	printf(\"%sok 1 - both fibers started with their argument\\n\",\n"
	"	       started[0] && started[1] && !arg_bad[0] && !arg_bad[1] ? \"\" : \"not \");\n"
	"	printf(\"%sok 2 - x19-x28 and d8-d15 kept across %d switches in every context\\n\",\n"
	"	       !mbad && !bad[0] && !bad[1] ? \"\" : \"not \", 4 * ROUNDS);\n"
	"	printf(\"%sok 3 - each context keeps its own FPCR rounding mode\\n\",\n"
	"	       !mfpcr && !fpcr_bad[0] && !fpcr_bad[1] ? \"\" : \"not \");\n"
	"	printf(\"%sok 4 - a new fiber starts with its creator's FPCR\\n\", !start_bad[0] && !start_bad[1] ? \"\" : \"not \");\n"
	"	return mbad || bad[0] || bad[1] || mfpcr || fpcr_bad[0] || fpcr_bad[1] || start_bad[0] || start_bad[1];\n"
	"}\n";

/* The first of @names found in PATH, or NULL. */
static const char *which(const char *const *names)
{
	char cmd[256];

	for (; *names; names++) {
		snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", *names);
		if (system(cmd) == 0)
			return *names;
	}
	return NULL;
}

int main(void)
{
	static const char *const ccs[] = { "aarch64-linux-gnu-gcc", NULL };
	static const char *const qemus[] = { "qemu-aarch64-static", "qemu-aarch64", NULL };
	const char *cc = which(ccs), *qemu = which(qemus);
	char dir[] = "/tmp/pk-switch-aarch64.XXXXXX", path[300], cmd[1024];
	FILE *f;
	int st;

	t_require(cc != NULL, "no aarch64-linux-gnu-gcc (Debian gcc-aarch64-linux-gnu)");
	t_require(qemu != NULL, "no qemu-aarch64 (Debian qemu-user-static)");
	if (!mkdtemp(dir)) {
		printf("1..1\nnot ok 1 - mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/prog.c", dir);
	if (!(f = fopen(path, "w")) || fputs(prog, f) < 0 || fclose(f)) {
		printf("1..1\nnot ok 1 - cannot write '%s'\n", path);
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "%s -static -O2 -Wall -o %s/prog %s %s/runtime/switch_aarch64.S", cc, dir,
		 path, PK_SRCDIR);
	if (system(cmd)) {
		printf("1..1\nnot ok 1 - cross-compile: %s\n", cmd);
		return 1;
	}
	/* The program prints the plan and the TAP lines. */
	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "%s %s/prog", qemu, dir);
	st = system(cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		t_diag("cannot remove '%s'", dir);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
