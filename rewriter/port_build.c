/*
 * The build of a ported tree must find pk.h and link libpk. A Makefile at
 * the root that uses make's conventional variables (its own rules or the
 * built-in ones read CFLAGS and LDLIBS) gets two lines at its end that ask
 * pkg-config; '+=' at the end is seen by every rule, since recipes expand
 * variables when they run. Any other build is told what to add.
 */
#include "rewriter/port.h"
#include "common/common.h"

#include <string.h>

static const char lines[] =
	"\n# parakit port: the pk_ calls come from libpk\n"
	"CFLAGS += $(shell pkg-config --cflags libpk)\n"
	"LDLIBS += $(shell pkg-config --libs libpk)\n";

int port_adapt_build(struct port_tree *t, FILE *msg)
{
	static const char *const names[] = { "GNUmakefile", "makefile", "Makefile" };
	int any = 0;

	for (size_t i = 0; i < t->n_files; i++)
		any |= t->files[i].changed;
	if (!any)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct port_file *f;
		long k = port_file_get(t, names[i]);

		if (k < 0)
			continue;
		f = &t->files[k];
		if (strstr(f->text, "pkg-config") && strstr(f->text, "libpk"))
			return 0;
		if (!strstr(f->text, "LDLIBS") && strstr(f->text, "$(CC)"))
			break;
		{
			char buf[sizeof(lines) + 1];

			snprintf(buf, sizeof(buf), "%s%s", f->len && f->text[f->len - 1] != '\n' ? "\n" : "",
				 lines);
			port_edit_add(f, f->len, 0, buf);
		}
		f->changed = 2;	/* no #include */
		return 1;
	}
	fprintf(msg, "parakit port: no Makefile recognised: compile with "
		     "'pkg-config --cflags libpk' and link with 'pkg-config --libs libpk'\n");
	return -1;
}
