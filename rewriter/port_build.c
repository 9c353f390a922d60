/*
 * The build of a ported tree must find pk.h and link libpk. A Makefile at
 * the root that uses make's conventional variables (its own rules or the
 * built-in ones read CFLAGS and LDLIBS) gets lines at its end that ask
 * pkg-config; '+=' at the end is seen by every rule, since recipes expand
 * variables when they run. Any other build is told what to add.
 *
 * An installed parakit's libpk is in its own prefix (pk_install_prefix()),
 * and a prefix such as $HOME/.local is on neither pkg-config's search path
 * nor the dynamic linker's: the lines then name the prefix's pkgconfig
 * directory (after the builder's own $PKG_CONFIG_PATH, so theirs wins) and
 * give the program an rpath to libpk's libdir. A prefix pkg-config does
 * search (/usr/local) gets the plain lines, as the build tree's parakit
 * does, so the diff is the same wherever the tree is ported.
 */
#include "rewriter/port.h"
#include "common/common.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char plain_lines[] =
	"\n# parakit port: the pk_ calls come from libpk\n"
	"CFLAGS += $(shell pkg-config --cflags libpk)\n"
	"LDLIBS += $(shell pkg-config --libs libpk)\n";

static const char prefix_lines[] =
	"\n# parakit port: the pk_ calls come from libpk, installed in %s\n"
	"PARAKIT_PKG_CONFIG = PKG_CONFIG_PATH=\"$$PKG_CONFIG_PATH\":'%s' pkg-config\n"
	"CFLAGS += $(shell $(PARAKIT_PKG_CONFIG) --cflags libpk)\n"
	"LDLIBS += $(shell $(PARAKIT_PKG_CONFIG) --libs libpk) "
	"-Wl,-rpath,$(shell $(PARAKIT_PKG_CONFIG) --variable=libdir libpk)\n";

/* Whether pkg-config's default search path (the builder's environment
 * aside) holds @dir. */
static int pc_path_has(const char *dir)
{
	FILE *f = popen("pkg-config --variable pc_path pkg-config 2>/dev/null", "r");
	char path[8192], *save = NULL;
	int found = 0;

	if (!f)
		return 0;
	if (fgets(path, sizeof(path), f)) {
		path[strcspn(path, "\n")] = '\0';
		for (char *p = strtok_r(path, ":", &save); p && !found; p = strtok_r(NULL, ":", &save))
			found = !strcmp(p, dir);
	}
	pclose(f);
	return found;
}

/*
 * The pkgconfig directory of the prefix parakit is installed in, into
 * @dir, when the build must be told of it (see above); 0 when not. A
 * prefix the lines could not quote (make and shell syntax, or ':' that
 * splits PKG_CONFIG_PATH) is not named: the builder is told instead.
 */
static int prefix_pc_dir(char *dir, size_t size, FILE *msg)
{
	const char *prefix = pk_install_prefix();

	if (!prefix)
		return 0;
	snprintf(dir, size, "%s/lib/pkgconfig", prefix);
	if (pc_path_has(dir))
		return 0;
	if (strspn(dir, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-@,=~")
	    != strlen(dir)) {
		fprintf(msg, "parakit port: libpk is installed in '%s', which pkg-config does not "
			     "search: build with PKG_CONFIG_PATH='%s'\n", prefix, dir);
		return 0;
	}
	return 1;
}

int port_adapt_build(struct port_tree *t, FILE *msg)
{
	static const char *const names[] = { "GNUmakefile", "makefile", "Makefile" };
	char dir[PATH_MAX + 16];
	int any = 0;

	for (size_t i = 0; i < t->n_files; i++)
		any |= t->files[i].changed;
	if (!any)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct port_file *f;
		long k = port_file_get(t, names[i]);
		char *buf;
		size_t n;

		if (k < 0)
			continue;
		f = &t->files[k];
		if (strstr(f->text, "pkg-config") && strstr(f->text, "libpk"))
			return 0;
		if (!strstr(f->text, "LDLIBS") && strstr(f->text, "$(CC)"))
			break;
		n = sizeof(prefix_lines) + 2 * sizeof(dir) + 1;
		buf = xmalloc(n);
		snprintf(buf, n, "%s", f->len && f->text[f->len - 1] != '\n' ? "\n" : "");
		if (prefix_pc_dir(dir, sizeof(dir), msg))
			snprintf(buf + strlen(buf), n - strlen(buf), prefix_lines,
				 pk_install_prefix(), dir);
		else
			snprintf(buf + strlen(buf), n - strlen(buf), "%s", plain_lines);
		port_edit_add(f, f->len, 0, buf);
		free(buf);
		f->changed = 2;	/* no #include */
		return 1;
	}
	if (prefix_pc_dir(dir, sizeof(dir), msg))
		fprintf(msg, "parakit port: no Makefile recognised: compile with "
			     "'pkg-config --cflags libpk' and link with 'pkg-config --libs libpk', "
			     "PKG_CONFIG_PATH='%s'\n", dir);
	else
		fprintf(msg, "parakit port: no Makefile recognised: compile with "
			     "'pkg-config --cflags libpk' and link with 'pkg-config --libs libpk'\n");
	return -1;
}
