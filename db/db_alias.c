/*
 * From the symbol a binary imports to the POSIX function it stands for.
 * glibc renames much of POSIX at the ABI: fortified variants (__printf_chk),
 * large-file twins (open64, __open64_2), C99 scanf (__isoc99_sscanf, and
 * glibc 2.38's __isoc23_ family), the stat wrappers of glibc < 2.33
 * (__xstat64), 32-bit time_t's 64-bit twins (__stat64_time64), the POSIX
 * flavours of GNU functions (__xpg_basename), old internal aliases
 * (__strdup, _IO_getc). glibc's fortified FD_SET, FD_CLR and FD_ISSET all
 * call __fdelt_chk: which one is unknowable, so it stays unmapped rather
 * than guessed. Each rule below maps only onto a name the catalogue holds,
 * so a rule can never invent a POSIX function: __libc_start_main stays
 * non-POSIX.
 */
#include "common/common.h"
#include "db/db.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static char **names;	/* sorted catalogue names */
static size_t n_names;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load(void)
{
	const struct db_embedded *tsv = db_find_embedded("posix-functions.tsv");
	char *text = xstrdup(tsv->data), *save = NULL;
	size_t cap = 0;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (*l == '#' || !strncmp(l, "name\t", 5))
			continue;
		l[strcspn(l, "\t\r")] = 0;
		names = xgrow(names, &cap, n_names + 1, sizeof(*names));
		names[n_names++] = l;	/* points into text, kept for the process */
	}
	qsort(names, n_names, sizeof(*names), cmp_str);
}

void db_alias_init(void)
{
	pthread_once(&once, load);
}

static const char *lookup(const char *s, size_t n)
{
	char key[128];
	const char *k = key;
	char **hit;

	if (n == 0 || n >= sizeof(key))
		return NULL;
	memcpy(key, s, n);
	key[n] = 0;
	hit = bsearch(&k, names, n_names, sizeof(*names), cmp_str);
	return hit ? *hit : NULL;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n > m && !memcmp(s + n - m, suffix, m);
}

/* The length of NAME when sym (n bytes) is "__" NAME suffix and NAME is
 * not empty, else 0: "__chk" and "__time64" end in the suffix but wrap
 * nothing (their prefix and suffix overlap). */
static size_t wrapped_len(const char *sym, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n > 2 + m && !strncmp(sym, "__", 2) && !memcmp(sym + n - m, suffix, m) ? n - 2 - m : 0;
}

/* Exact renames no pattern covers. */
static const struct { const char *sym, *posix; } renames[] = {
	{ "__fxstat", "fstat" }, { "__fxstat64", "fstat" },
	{ "__fxstatat", "fstatat" }, { "__fxstatat64", "fstatat" },
	{ "__lxstat", "lstat" }, { "__lxstat64", "lstat" },
	{ "__xmknod", "mknod" }, { "__xmknodat", "mknodat" },
	{ "__xstat", "stat" }, { "__xstat64", "stat" },
	{ "_IO_getc", "getc" }, { "_IO_putc", "putc" },
	{ "_IO_feof", "feof" }, { "_IO_ferror", "ferror" },
	{ "__sigsetjmp", "sigsetjmp" }, { "__longjmp_chk", "longjmp" },
	{ "__open_2", "open" }, { "__open64_2", "open" },
	{ "__openat_2", "openat" }, { "__openat64_2", "openat" },
	{ "__mq_open_2", "mq_open" }, { "readdir64_r", "readdir_r" },
	/* Macros and libc_nonshared.a stubs that call these. */
	{ "__assert_fail", "assert" }, { "__register_atfork", "pthread_atfork" },
	{ "__sysv_signal", "signal" },
};

/* name without a large-file "64" suffix, when that is a catalogue name. */
static const char *strip64(const char *s, size_t n)
{
	const char *p = lookup(s, n);

	if (!p && ends_with(s, n, "64"))
		p = lookup(s, n - 2);
	return p;
}

const char *db_posix_name(const char *sym)
{
	size_t n = strlen(sym), k;
	const char *p;

	if ((p = lookup(sym, n)))
		return p;
	for (size_t i = 0; i < ARRAY_SIZE(renames); i++)
		if (!strcmp(sym, renames[i].sym))
			return renames[i].posix;
	if (!strncmp(sym, "__isoc99_", 9))
		return lookup(sym + 9, n - 9);
	if (!strncmp(sym, "__isoc23_", 9))
		return lookup(sym + 9, n - 9);
	/* The POSIX flavour where glibc's default is GNU's: __xpg_basename,
	 * __xpg_strerror_r, __xpg_sigpause. */
	if (!strncmp(sym, "__xpg_", 6))
		return lookup(sym + 6, n - 6);
	/* __read_chk, __pread64_chk, __printf_chk. */
	if ((k = wrapped_len(sym, n, "_chk")))
		return strip64(sym + 2, k);
	/* 32-bit time_t's 64-bit twins: __stat64_time64, __mq_timedsend_time64
	 * (the others, __clock_gettime64, end in 64 alone). */
	if ((k = wrapped_len(sym, n, "_time64")))
		return strip64(sym + 2, k);
	/* __strtol_internal and friends (old glibc's inline expansions). */
	if ((k = wrapped_len(sym, n, "_internal")))
		return lookup(sym + 2, k);
	/* open64, lseek64, readdir64, fopen64, mmap64. */
	if (ends_with(sym, n, "64") && (p = lookup(sym, n - 2)))
		return p;
	/* __strdup, __sched_yield, __open64: internal aliases. */
	if (!strncmp(sym, "__", 2))
		return strip64(sym + 2, n - 2);
	return NULL;
}
