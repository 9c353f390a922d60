/*
 * The build of a ported tree must find pk.h and link libpk, and "the diff
 * alone builds": the edits go into the files the tree's own build reads,
 * never into what it generates (a configure-made Makefile is rewritten by
 * the next ./configure). The build system is the one at the tree's root:
 * Meson, then CMake, then autotools (configure.ac and Makefile.am), then a
 * configure script with Makefile.in's, then Makefiles; a tree that ships
 * two is built with the newer one by those who ship both. Each has its
 * adapter (port_build.h); this file chooses one and holds what they share.
 *
 * libpk is found through pkg-config as any dependency is, and libpk.pc
 * carries an rpath, so a ported program runs from where it was built
 * without LD_LIBRARY_PATH. An installed parakit's libpk is in its own
 * prefix (util_install_prefix()), and a prefix such as $HOME/.local is not
 * on pkg-config's search path: Makefiles then name the prefix's pkgconfig
 * directory (port_build_make.c), the other builds' users are told to.
 * A prefix pkg-config does search (/usr/local) needs nothing, as the build
 * tree's parakit does not, so the diff is the same wherever the tree is
 * ported.
 */
#include "rewriter/port_build.h"
#include "common/common.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

long port_changes_find(const struct port_changes *c, const char *rel)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->rel[i], rel))
			return (long)i;
	return -1;
}

int port_changes_all_claimed(const struct port_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (!c->claimed[i])
			return 0;
	return 1;
}

struct found {
	size_t *v;
	size_t n, cap;
};

static void find_in(struct port_tree *t, const char *rel, const char *name, struct found *out, int depth)
{
	char path[PATH_MAX];
	struct dirent **ents;
	int n;

	snprintf(path, sizeof(path), "%s%s%s", t->root, *rel ? "/" : "", rel);
	if (depth > 32 || (n = scandir(path, &ents, NULL, alphasort)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;
		char sub[PATH_MAX];
		struct stat st;
		long k;

		if (e[0] == '.' ||
		    (size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e) >= sizeof(sub) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", t->root, sub) >= sizeof(path) || lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			find_in(t, sub, name, out, depth + 1);
		else if (S_ISREG(st.st_mode) && !strcmp(e, name) && (k = port_file_get(t, sub)) >= 0) {
			out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof(size_t));
			out->v[out->n++] = (size_t)k;
		}
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

size_t *port_build_find(struct port_tree *t, const char *name, size_t *n)
{
	struct found out = { 0 };

	find_in(t, "", name, &out, 0);
	*n = out.n;
	return out.v;
}

char *port_build_dir(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? xstrndup(rel, slash - rel) : xstrdup("");
}

char *port_build_path(const char *dir, const char *path)
{
	char *joined, *out, *save = NULL;
	size_t n = 0;

	if (path[0] == '/' || !path[0])
		return NULL;
	if (asprintf(&joined, "%s%s%s", dir, *dir ? "/" : "", path) < 0)
		return NULL;
	out = xcalloc(strlen(joined) + 1, 1);
	for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *slash;

			if (!n) {
				free(joined);
				free(out);
				return NULL;
			}
			slash = strrchr(out, '/');
			n = slash ? (size_t)(slash - out) : 0;
			out[n] = 0;
			continue;
		}
		n += sprintf(out + n, "%s%s", n ? "/" : "", c);
	}
	free(joined);
	if (!n) {
		free(out);
		return NULL;
	}
	return out;
}

char *port_build_up(const char *dir)
{
	size_t levels = *dir ? 1 : 0;
	char *out;

	for (const char *p = dir; *p; p++)
		levels += *p == '/';
	if (!levels)
		return xstrdup(".");
	out = xcalloc(levels * 3, 1);
	for (size_t i = 0; i < levels; i++)
		strcat(out, i ? "/.." : "..");
	return out;
}

void port_build_insert(struct port_file *f, size_t off, const char *text)
{
	port_edit_add(f, off, 0, text);
	f->changed = 2;		/* no #include */
}

void port_build_append(struct port_file *f, const char *text)
{
	char *buf;

	if (asprintf(&buf, "%s%s", f->len && f->text[f->len - 1] != '\n' ? "\n" : "", text) < 0)
		return;
	port_build_insert(f, f->len, buf);
	free(buf);
}

size_t port_build_next_line(const struct port_file *f, size_t off)
{
	const char *nl = off < f->len ? memchr(f->text + off, '\n', f->len - off) : NULL;

	return nl ? (size_t)(nl - f->text) + 1 : f->len;
}

char *port_build_indent(const struct port_file *f, size_t off)
{
	size_t b = off, e;

	while (b && f->text[b - 1] != '\n')
		b--;
	for (e = b; e < f->len && (f->text[e] == ' ' || f->text[e] == '\t'); e++)
		;
	return xstrndup(f->text + b, e - b);
}

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

int port_build_prefix_pc(char *dir, size_t size, FILE *msg)
{
	const char *prefix = util_install_prefix();

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

static int at_root(const struct port_tree *t, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", t->root, name);
	return !access(path, F_OK);
}

static void detect(const struct port_tree *t, struct port_build *b)
{
	int ac = at_root(t, "configure.ac") || at_root(t, "configure.in");

	*b = (struct port_build){ PORT_BUILD_NONE, 0 };
	if (at_root(t, "meson.build"))
		b->kind = PORT_BUILD_MESON;
	else if (at_root(t, "CMakeLists.txt"))
		b->kind = PORT_BUILD_CMAKE;
	else if (ac && at_root(t, "Makefile.am"))
		b->kind = PORT_BUILD_AUTOTOOLS;
	else if (ac || at_root(t, "configure"))
		b->kind = PORT_BUILD_CONFIGURE;
	else if (at_root(t, "GNUmakefile") || at_root(t, "makefile") || at_root(t, "Makefile"))
		b->kind = PORT_BUILD_MAKE;
	/* A tree that ships no configure script makes it first. */
	if ((b->kind == PORT_BUILD_AUTOTOOLS || b->kind == PORT_BUILD_CONFIGURE) && !at_root(t, "configure"))
		b->regenerate = 1;
}

const char *port_build_name(enum port_build_kind kind)
{
	static const char *const names[] = {
		[PORT_BUILD_MAKE] = "make", [PORT_BUILD_CONFIGURE] = "configure",
		[PORT_BUILD_AUTOTOOLS] = "autotools", [PORT_BUILD_CMAKE] = "cmake", [PORT_BUILD_MESON] = "meson",
	};

	return kind < ARRAY_SIZE(names) ? names[kind] : NULL;
}

char *port_build_command(const struct port_build *b, const char *out, unsigned jobs)
{
	char *cmd = NULL;
	int r = -1;

	switch (b->kind) {
	case PORT_BUILD_NONE:
		return NULL;
	case PORT_BUILD_MAKE:
		r = asprintf(&cmd, "make -j%u", jobs);
		break;
	case PORT_BUILD_CONFIGURE:
	case PORT_BUILD_AUTOTOOLS:
		r = asprintf(&cmd, "%s./configure && make -j%u", b->regenerate ? "autoreconf -fi && " : "", jobs);
		break;
	case PORT_BUILD_CMAKE:
		r = asprintf(&cmd, "cmake -S . -B '%s' && cmake --build '%s' -j %u", out, out, jobs);
		break;
	case PORT_BUILD_MESON:
		r = asprintf(&cmd, "meson setup '%s' && meson compile -C '%s' -j %u", out, out, jobs);
		break;
	}
	return r < 0 ? NULL : cmd;
}

int port_adapt_build(struct port_tree *t, struct port_build *b, FILE *msg)
{
	struct port_changes c = { 0 };
	char dir[PATH_MAX + 16];
	size_t cap = 0;
	int ret;

	detect(t, b);
	for (size_t i = 0; i < t->n_files; i++) {
		if (t->files[i].changed != 1)
			continue;
		c.rel = xgrow(c.rel, &cap, c.n + 1, sizeof(*c.rel));
		c.rel[c.n++] = t->files[i].rel;
	}
	if (!c.n)
		return 0;
	c.claimed = xcalloc(c.n, 1);
	switch (b->kind) {
	case PORT_BUILD_MESON:
		ret = port_build_meson(t, b, &c, msg);
		break;
	case PORT_BUILD_CMAKE:
		ret = port_build_cmake(t, b, &c, msg);
		break;
	case PORT_BUILD_AUTOTOOLS:
		ret = port_build_autotools(t, b, &c, msg);
		break;
	case PORT_BUILD_CONFIGURE:
	case PORT_BUILD_MAKE:
		ret = port_build_make(t, b, &c, msg);
		break;
	default:
		fprintf(msg, "parakit port: no build recognised (meson.build, CMakeLists.txt, configure.ac, "
			     "configure, Makefile): compile with 'pkg-config --cflags libpk' and link with "
			     "'pkg-config --libs libpk'\n");
		ret = -1;
	}
	/* Makefiles name the prefix themselves. */
	if (ret >= 0 && b->kind != PORT_BUILD_MAKE && b->kind != PORT_BUILD_CONFIGURE &&
	    port_build_prefix_pc(dir, sizeof(dir), msg))
		fprintf(msg, "parakit port: libpk is installed in '%s', which pkg-config does not search: "
			     "build with PKG_CONFIG_PATH='%s'\n", util_install_prefix(), dir);
	else if (ret < 0 && port_build_prefix_pc(dir, sizeof(dir), msg))
		fprintf(msg, "parakit port: and with PKG_CONFIG_PATH='%s'\n", dir);
	free(c.rel);
	free(c.claimed);
	return ret;
}
