/*
 * libFuzzer harness: db_posix_name(), glibc's renames undone, on any
 * string (the symbol names of a hostile binary reach it as they are, up
 * to 1 MiB). Its promise (db_alias.c): a rule maps only onto a name the
 * catalogue holds, so whatever it returns must map to itself.
 */
#include "fuzz/fuzz.h"
#include "db/db.h"
#include "common/common.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	db_alias_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The string up to its first NUL, alone in its allocation, so that
	 * ASan sees a read before it or past its end. */
	char *sym = xstrndup((const char *)data, strnlen((const char *)data, size));
	const char *p = db_posix_name(sym), *again;

	if (p) {
		again = db_posix_name(p);
		FUZZ_ASSERT(again && !strcmp(again, p));
	}
	free(sym);
	return 0;
}
