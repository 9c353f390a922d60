/*
 * System call names by ABI, from libseccomp (no table typed by hand, as
 * the tracer names them): numbers libseccomp 2.5.4 does not know (past
 * 456) become syscall_NNN, SYS_UNKNOWN is "unknown". Tables are filled
 * once per ABI, under a lock, then read without one.
 */
#include "analyzer/sys.h"
#include "common/common.h"

#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct abi_names {
	uint32_t token;
	const char *name;
	const char *v[SYS_MAX];
	unsigned max;
	int loaded;
};

static struct abi_names abis[] = {
	[SYS_ABI_NONE] = { 0, "none", { 0 }, 0, 0 },
	[SYS_ABI_X86_64] = { SCMP_ARCH_X86_64, "x86_64", { 0 }, 0, 0 },
	[SYS_ABI_I386] = { SCMP_ARCH_X86, "i386", { 0 }, 0, 0 },
	[SYS_ABI_AARCH64] = { SCMP_ARCH_AARCH64, "aarch64", { 0 }, 0, 0 },
};
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void load(struct abi_names *a)
{
	char buf[32];

	pthread_mutex_lock(&lock);
	for (unsigned nr = 0; !a->loaded && nr < SYS_MAX; nr++) {
		char *s = a->token ? seccomp_syscall_resolve_num_arch(a->token, nr) : NULL;

		if (nr == SYS_UNKNOWN) {
			a->v[nr] = "unknown";
			continue;
		}
		if (s) {
			a->v[nr] = xstrdup(s);
			a->max = nr;
			free(s);
			continue;
		}
		snprintf(buf, sizeof(buf), "syscall_%u", nr);
		a->v[nr] = xstrdup(buf);
	}
	__atomic_store_n(&a->loaded, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
}

static struct abi_names *names(enum sys_abi abi)
{
	struct abi_names *a = &abis[(unsigned)abi < ARRAY_SIZE(abis) ? abi : SYS_ABI_NONE];

	if (!__atomic_load_n(&a->loaded, __ATOMIC_ACQUIRE))
		load(a);
	return a;
}

const char *sys_name(enum sys_abi abi, unsigned nr)
{
	return names(abi)->v[nr < SYS_MAX ? nr : SYS_UNKNOWN];
}

unsigned sys_abi_max(enum sys_abi abi)
{
	return names(abi)->max;
}

const char *sys_abi_name(enum sys_abi abi)
{
	return abis[(unsigned)abi < ARRAY_SIZE(abis) ? abi : SYS_ABI_NONE].name;
}

enum sys_abi sys_abi_by_name(const char *name)
{
	for (size_t i = 1; i < ARRAY_SIZE(abis); i++)
		if (!strcmp(abis[i].name, name))
			return i;
	return SYS_ABI_NONE;
}

enum sys_abi sys_native_abi(void)
{
#if defined(__x86_64__)
	return SYS_ABI_X86_64;
#elif defined(__aarch64__)
	return SYS_ABI_AARCH64;
#elif defined(__i386__)
	return SYS_ABI_I386;
#else
	return SYS_ABI_NONE;
#endif
}

int sys_set_count(const struct sys_set *s)
{
	int n = 0;

	for (int i = 0; i < SYS_MAX / 64; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

void sys_rows_release(struct sys_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].via);
	free(r->v);
	memset(r, 0, sizeof(*r));
}
