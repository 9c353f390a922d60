/*
 * Description: pk_attr_setstacksize is honoured: a fiber's stack is the
 * size asked for rounded up to whole pages, with a PROT_NONE guard page
 * right below it, a fiber given 2 MiB recurses deeper than the default
 * 256 KiB allows, sizes below PK_STACK_MIN are refused, an attribute
 * without a size reports the instance's, and a fiber that overflows a
 * small stack still dies on its guard page.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pk.h"
#include "t_pk.h"

/* The mapping of /proc/self/maps that holds @addr, and the one below it. */
static int mapping_of(uintptr_t addr, uintptr_t *lo, uintptr_t *hi, char prot_below[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t a, b, prev_lo = 0, prev_hi = 0;
	char prot[5], prev_prot[5] = "";
	char line[512];
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &a, &b, prot) != 3)
			continue;
		if (addr >= a && addr < b) {
			*lo = a;
			*hi = b;
			strcpy(prot_below, prev_hi == a ? prev_prot : "none");
			found = 1;
			break;
		}
		prev_lo = a;
		prev_hi = b;
		strcpy(prev_prot, prot);
	}
	(void)prev_lo;
	fclose(f);
	return found;
}

struct where {
	uintptr_t lo, hi;
	char below[5];
	int found;
};

static void *where_fn(void *arg)
{
	struct where *w = arg;
	volatile char here;

	w->found = mapping_of((uintptr_t)&here, &w->lo, &w->hi, w->below);
	return NULL;
}

/* Uses about @n KiB of stack. */
static unsigned long deep(unsigned long n)
{
	volatile char pad[1000];

	pad[0] = (char)n;
	if (n == 0)
		return pad[0];
	return deep(n - 1) + pad[0];
}

static void *deep_fn(void *arg)
{
	return (void *)deep((unsigned long)arg);
}

static void *main_fiber(void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	pk_attr_t a;
	pk_fiber_t f;
	struct where w = { 0 };
	size_t size = 0;
	void *ret;
	int r;

	(void)arg;
	pk_attr_init(&a);
	r = pk_attr_getstacksize(&a, &size);
	t_ok(r == 0 && size == 256 * 1024, "an attribute without a size reports the instance's (%zu)", size);
	t_ok(pk_attr_setstacksize(&a, PK_STACK_MIN - 1) == -EINVAL, "below PK_STACK_MIN: -EINVAL");

	pk_attr_setstacksize(&a, 100000);
	t_ok(pk_attr_getstacksize(&a, &size) == 0 && size == 100000, "the size set is the size read");
	t_ok(pk_spawn_attr(&f, &a, where_fn, &w) == 0 && pk_join(f, NULL) == 0 && w.found,
	     "a fiber with a 100000-byte stack runs");
	t_ok(w.hi - w.lo == (uintptr_t)((100000 + pg - 1) / pg * pg),
	     "its stack is rounded up to whole pages (%zu bytes)", (size_t)(w.hi - w.lo));
	t_ok(!strcmp(w.below, "---p"), "with its guard page right below it (%s)", w.below);

	pk_attr_setstacksize(&a, 2 << 20);
	t_ok(pk_spawn_attr(&f, &a, deep_fn, (void *)1500L) == 0 && pk_join(f, &ret) == 0,
	     "a fiber given 2 MiB recurses through 1.5 MB of frames");
	pk_attr_destroy(&a);
	return NULL;
}

static void *overflow_fn(void *arg)
{
	pk_attr_t a;
	pk_fiber_t f;

	(void)arg;
	pk_attr_init(&a);
	pk_attr_setstacksize(&a, 64 * 1024);
	pk_spawn_attr(&f, &a, deep_fn, (void *)1000L);
	pk_join(f, NULL);
	return NULL;
}

int main(void)
{
	char buf[512];
	int st, r;

	r = t_run_fiber_on(1, main_fiber, 9);
	st = t_pk_run_child(overflow_fn, buf, sizeof(buf));
	t_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a fiber overflowing its 64 KiB stack dies of SIGSEGV");
	t_ok(strstr(buf, "65536-byte stack") != NULL, "on its guard page: %.*s", (int)strcspn(buf, "\n"), buf);
	return r || t_done();
}
