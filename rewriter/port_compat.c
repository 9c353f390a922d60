/*
 * --level compat: each blocking POSIX call with a twin in libpk becomes
 * pk_<name>, the same signature, return and errno (runtime/pk.h), so only
 * the callee's name changes and a function pointer to it keeps its type.
 * close, fcntl and socket are no blocking calls but move too: libpk keeps
 * per-descriptor facts (O_NONBLOCK, stream or not) that pk_close forgets
 * and pk_fcntl and pk_socket learn, and a descriptor closed behind its back
 * and reused would keep the old ones.
 */
#include "rewriter/port.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

/*
 * A twin for compat is one with the function's own name and shape: pk_read
 * for read. The list is the catalogue's (db_catalog_twin), shared with shim;
 * the functions the fiber level moves in groups are not compat's.
 */
int port_compat_has_twin(const char *posix)
{
	const char *pk = db_catalog_twin(posix);

	/*
	 * libpk's sigaction and signal make a handler interrupt parked fibers;
	 * threads' calls are the kernel's, which the kernel interrupts itself:
	 * they are fibers' (port_fibers.c), not compat's.
	 */
	if (posix && (!strcmp(posix, "sigaction") || !strcmp(posix, "signal")))
		return 0;
	/* sem_wait's pk_sem_wait takes a pk_sem_t: the fiber level moves it, types and all. */
	return pk && !strncmp(pk, "pk_", 3) && !strcmp(pk + 3, posix) && !port_fibers_group(posix);
}

static int is_stdio(const char *p)
{
	static const char *const io[] = { "dprintf", "fclose", "fflush", "fgetc", "fgets", "fgetwc", "fgetws",
		"flockfile", "fprintf", "fputc", "fputs", "fputwc", "fputws", "fread", "fscanf", "fwprintf",
		"fwrite", "fwscanf", "getc", "getc_unlocked", "getchar", "getchar_unlocked", "getdelim",
		"getline", "gets", "getwc", "getwchar", "pclose", "perror", "printf", "putc", "putc_unlocked",
		"putchar", "putchar_unlocked", "puts", "putwc", "putwchar", "scanf", "ungetc", "ungetwc",
		"vdprintf", "vfprintf", "vfscanf", "vfwprintf", "vfwscanf", "vprintf", "vscanf", "vwprintf",
		"vwscanf", "wprintf", "wscanf", "psignal", "psiginfo" };

	for (size_t i = 0; i < sizeof(io) / sizeof(io[0]); i++)
		if (!strcmp(io[i], p))
			return 1;
	return 0;
}

int port_compat_site(struct port_tree *t, const struct port_call *c)
{
	const char *why;
	char to[128];

	if (!port_compat_has_twin(c->posix)) {
		if (!port_is_blocking(t, c->posix) || c->address)
			return 0;
		if (port_fibers_group(c->posix))
			return 0;	/* port_fibers.c's */
		port_record(t, c, "left",
			    is_stdio(c->posix) ? "buffered stdio: libc does the I/O, libpk has no twin"
					       : "libpk has no twin of this function");
		return 1;
	}
	if (!port_selected(t, c->posix))
		return 0;
	if (c->caller && port_is_handler(t, c->caller)) {
		port_record(t, c, "left", "in a signal handler: libpk's calls are not async-signal-safe");
		return 1;
	}
	snprintf(to, sizeof(to), "pk_%s", c->posix);
	why = port_rename(t, c, to);
	port_record(t, c, why ? "left" : "rewritten", why);
	return 1;
}
