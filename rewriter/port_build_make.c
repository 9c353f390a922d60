/*
 * Makefiles, written by hand or made by configure (a tree shipped with
 * Makefile.in's and no Makefile.am): the Makefile of the directory that
 * compiles a changed file, the nearest one above it, gets lines at its end
 * that ask pkg-config, and so does its Makefile.in when there is one, as
 * the next ./configure remakes the Makefile from it. '+=' at the end is
 * seen by every rule, since recipes expand variables when they run; with
 * 'override', because a parent make that passes CFLAGS on the command
 * line (make -C src CFLAGS=...) would hide a plain '+='.
 *
 * The link flags go where the Makefile's link reads them: LDLIBS (make's
 * built-in rules, and most hand-written links), or LIBS (automake's
 * output). A Makefile that links with $(CC) but reads neither is left to
 * the user. A changed header no Makefile names can be included from
 * anywhere: every directory that compiles C then gets the lines. From a
 * parakit installed where pkg-config does not look, the lines name its
 * pkgconfig directory, after the builder's own PKG_CONFIG_PATH (so theirs
 * wins).
 */
#include "rewriter/port_build.h"
#include "common/common.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const makefiles[] = { "GNUmakefile", "makefile", "Makefile", "Makefile.in" };

static long file_in(struct port_tree *t, const char *dir, const char *name)
{
	char *rel;
	long k;

	if (asprintf(&rel, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
		return -1;
	k = port_file_get(t, rel);
	free(rel);
	return k;
}

/* The nearest directory at or above rel's that holds a Makefile, malloc'ed; NULL if none. */
static char *nearest(struct port_tree *t, const char *rel)
{
	char *dir = port_build_dir(rel);

	for (;;) {
		char *up;

		for (size_t i = 0; i < ARRAY_SIZE(makefiles); i++)
			if (file_in(t, dir, makefiles[i]) >= 0)
				return dir;
		if (!*dir)
			break;
		up = port_build_dir(dir);
		free(dir);
		dir = up;
	}
	free(dir);
	return NULL;
}

static const char *link_var(const char *text)
{
	if (strstr(text, "LDLIBS"))
		return "LDLIBS";
	if (strstr(text, "$(LIBS)") || strstr(text, "${LIBS}"))
		return "LIBS";
	if (strstr(text, "$(CC)") || strstr(text, "${CC}"))
		return NULL;
	return "LDLIBS";
}

/* Returns 1 when f got the lines, 0 when it has them, -1 when it cannot.
 * pc_dir: the pkgconfig directory to name, or NULL. */
static int add_lines(struct port_file *f, const char *pc_dir, FILE *msg)
{
	const char *link;
	char *text;
	int r;

	/* Asks pkg-config for libpk already (a word in a comment is no build line). */
	if (strstr(f->text, "--cflags libpk") || strstr(f->text, "--libs libpk"))
		return 0;
	if (!(link = link_var(f->text))) {
		fprintf(msg, "parakit port: '%s' links with $(CC) but reads neither LDLIBS nor LIBS: link its "
			     "programs with 'pkg-config --libs libpk'\n", f->rel);
		return -1;
	}
	if (pc_dir)
		r = asprintf(&text, "\n# " PORT_BUILD_WHY ", installed in %s\n"
				    "PARAKIT_PKG_CONFIG = PKG_CONFIG_PATH=\"$$PKG_CONFIG_PATH\":'%s' pkg-config\n"
				    "override CFLAGS += $(shell $(PARAKIT_PKG_CONFIG) --cflags libpk)\n"
				    "override %s += $(shell $(PARAKIT_PKG_CONFIG) --libs libpk)\n",
			     util_install_prefix(), pc_dir, link);
	else
		r = asprintf(&text, "\n# " PORT_BUILD_WHY "\n"
				    "override CFLAGS += $(shell pkg-config --cflags libpk)\n"
				    "override %s += $(shell pkg-config --libs libpk)\n", link);
	if (r < 0)
		return -1;
	port_build_append(f, text);
	free(text);
	return 1;
}

/* Adds the lines to the Makefiles of dir: the one make reads, and Makefile.in. */
static int adapt_dir(struct port_tree *t, const char *dir, const char *pc_dir, FILE *msg)
{
	int ret = 0, read = 0;

	for (size_t i = 0; i < ARRAY_SIZE(makefiles); i++) {
		long k;
		int r;

		/* make reads the first of GNUmakefile, makefile, Makefile. */
		if (i < 3 && read)
			continue;
		if ((k = file_in(t, dir, makefiles[i])) < 0)
			continue;
		read |= i < 3;
		r = add_lines(&t->files[k], pc_dir, msg);
		if (r < 0 || ret < 0)
			ret = -1;
		else if (r > 0)
			ret = 1;
	}
	return ret;
}

static void dir_add(char ***dirs, size_t *n, size_t *cap, char *dir)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*dirs)[i], dir)) {
			free(dir);
			return;
		}
	*dirs = xgrow(*dirs, cap, *n + 1, sizeof(char *));
	(*dirs)[(*n)++] = dir;
}

static int is_c(const char *rel)
{
	size_t n = strlen(rel);

	return n > 2 && !strcmp(rel + n - 2, ".c");
}

int port_build_make(struct port_tree *t, struct port_build *b, struct port_changes *c, FILE *msg)
{
	char **dirs = NULL, pc_dir[PATH_MAX + 16];
	size_t n = 0, cap = 0, n_files = t->n_files;
	int ret = 0, headers = 0, named;

	(void)b;
	for (size_t i = 0; i < c->n; i++) {
		char *dir;

		if (!is_c(c->rel[i])) {
			headers = 1;
			continue;
		}
		if (!(dir = nearest(t, c->rel[i]))) {
			fprintf(msg, "parakit port: no Makefile compiles '%s': compile it with 'pkg-config --cflags "
				     "libpk' and link with 'pkg-config --libs libpk'\n", c->rel[i]);
			ret = -1;
			continue;
		}
		c->claimed[i] = 1;
		dir_add(&dirs, &n, &cap, dir);
	}
	/* The tree's .c files were read before the build files. */
	for (size_t i = 0; headers && i < n_files; i++) {
		char *dir;

		if (is_c(t->files[i].rel) && (dir = nearest(t, t->files[i].rel)))
			dir_add(&dirs, &n, &cap, dir);
	}
	named = n && port_build_prefix_pc(pc_dir, sizeof(pc_dir), msg);
	for (size_t i = 0; i < n; i++) {
		int r = adapt_dir(t, dirs[i], named ? pc_dir : NULL, msg);

		if (r < 0)
			ret = -1;
		else if (r > 0 && ret >= 0)
			ret = 1;
		free(dirs[i]);
	}
	free(dirs);
	return ret;
}
