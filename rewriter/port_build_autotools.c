/*
 * autotools: configure.ac gets PKG_CHECK_MODULES([LIBPK], [libpk]) before
 * AC_OUTPUT, which sets and substitutes LIBPK_CFLAGS and LIBPK_LIBS, and
 * the Makefile.am that builds a program or library whose sources changed
 * hands them to it: <target>_CPPFLAGS when the target has its own (it then
 * ignores AM_CPPFLAGS), else AM_CPPFLAGS; <program>_LDADD when it has its
 * own, else LDADD; <library>_LIBADD for a libtool library. Automake wants
 * '=' before '+=', so a variable the file does not define is defined. The
 * user regenerates with autoreconf -fi (pkg.m4 comes with pkg-config).
 *
 * A static library cannot carry its link dependencies, automake refuses
 * an unconditional '+=' to a variable defined only inside if/endif, and a
 * changed file no target lists (headers often are not) can be included
 * from anywhere: then configure.ac adds the flags to CPPFLAGS and LIBS,
 * which every compile and link of the tree reads.
 *
 * Makefile.am is read as automake reads it: logical lines (backslash
 * continuations joined), comments and recipe lines (a tab after a rule)
 * skipped, if/endif followed, $(VAR) of the file's own variables expanded, so
 * tinyproxy_SOURCES = $(COMMON) main.c lists COMMON's files. Sources are
 * relative to the Makefile.am ($(srcdir), $(top_srcdir) resolved).
 */
#include "rewriter/port_build.h"
#include "common/common.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct am_var {
	char *name, *value;	/* every assignment's value, joined by a blank */
	int uncond;		/* assigned outside if/endif */
};

struct am_file {
	struct am_var *v;
	size_t n, cap;
};

static struct am_var *am_get(const struct am_file *am, const char *name)
{
	for (size_t i = 0; i < am->n; i++)
		if (!strcmp(am->v[i].name, name))
			return &am->v[i];
	return NULL;
}

static void am_set(struct am_file *am, const char *name, size_t len, const char *value, int append, int uncond)
{
	char *key = xstrndup(name, len), *joined;
	struct am_var *v = am_get(am, key);

	if (!v) {
		am->v = xgrow(am->v, &am->cap, am->n + 1, sizeof(*am->v));
		v = &am->v[am->n++];
		*v = (struct am_var){ .name = key, .value = xstrdup("") };
		key = NULL;
	}
	free(key);
	v->uncond |= uncond;
	if (asprintf(&joined, "%s %s", append ? v->value : "", value) < 0)
		return;
	free(v->value);
	v->value = joined;
}

static void am_release(struct am_file *am)
{
	for (size_t i = 0; i < am->n; i++) {
		free(am->v[i].name);
		free(am->v[i].value);
	}
	free(am->v);
}

/* One logical line of text (continuations joined, comment cut), malloc'ed; *pos moves past it. */
static char *logical_line(const char *text, size_t len, size_t *pos)
{
	char *out = xmalloc(len - *pos + 1);
	size_t n = 0, i = *pos;
	int comment = 0;

	while (i < len && text[i] != '\n') {
		if (text[i] == '\\' && i + 1 < len && text[i + 1] == '\n') {
			out[n++] = ' ';
			i += 2;
			continue;
		}
		if (text[i] == '#')
			comment = 1;
		if (!comment)
			out[n++] = text[i];
		i++;
	}
	out[n] = 0;
	*pos = i < len ? i + 1 : len;
	return out;
}

static int is_name(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '@' || c == '-';
}

static void am_parse(struct am_file *am, const struct port_file *f)
{
	size_t pos = 0;
	int rule = 0, cond = 0;

	while (pos < f->len) {
		int tab = f->text[pos] == '\t';
		char *l = logical_line(f->text, f->len, &pos), *p = l;
		size_t nlen;

		if (tab && rule) {
			free(l);
			continue;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		for (nlen = 0; is_name((unsigned char)p[nlen]); nlen++)
			;
		{
			const char *q = p + nlen;
			int append = 0;

			while (*q == ' ' || *q == '\t')
				q++;
			if (q[0] == '+' && q[1] == '=')
				append = 1, q++;
			else if ((q[0] == ':' || q[0] == '?') && q[1] == '=')
				q++;
			if (nlen && *q == '=') {
				am_set(am, p, nlen, q + 1, append, !cond);
				rule = 0;
			} else if (!strncmp(p, "if ", 3) || !strncmp(p, "if\t", 3)) {
				cond++;
			} else if (!strncmp(p, "endif", 5) && cond) {
				cond--;
			} else if (strchr(p, ':')) {
				rule = 1;
			}
		}
		free(l);
	}
}

/* Appends the words of value to *out, $(VAR) of the file expanded. */
static void am_expand(const struct am_file *am, const char *value, char ***out, size_t *n, size_t *cap,
		      int depth)
{
	char *copy = xstrdup(value), *save = NULL;

	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		size_t len = strlen(w);

		if (len > 3 && (w[0] == '$' && (w[1] == '(' || w[1] == '{')) &&
		    (w[len - 1] == ')' || w[len - 1] == '}') && !strpbrk(w + 2, "$:(){}")) {
			char *name = xstrndup(w + 2, len - 3);
			const struct am_var *v = am_get(am, name);

			free(name);
			if (v && depth < 8)
				am_expand(am, v->value, out, n, cap, depth + 1);
			continue;
		}
		*out = xgrow(*out, cap, *n + 1, sizeof(char *));
		(*out)[(*n)++] = xstrdup(w);
	}
	free(copy);
}

/* The tree path of a source word of the Makefile.am in dir, or NULL. */
static char *source_path(const char *dir, const char *w)
{
	static const char *const src[] = { "$(srcdir)/", "${srcdir}/", "./" };
	static const char *const top[] = { "$(top_srcdir)/", "${top_srcdir}/" };

	for (size_t i = 0; i < ARRAY_SIZE(top); i++)
		if (!strncmp(w, top[i], strlen(top[i])))
			return port_build_path("", w + strlen(top[i]));
	for (size_t i = 0; i < ARRAY_SIZE(src); i++)
		if (!strncmp(w, src[i], strlen(src[i])))
			return port_build_path(dir, w + strlen(src[i]));
	if (strchr(w, '$') || strchr(w, '@'))
		return NULL;
	return port_build_path(dir, w);
}

enum am_kind { AM_PROGRAM, AM_LTLIB, AM_LIB };

/* What a Makefile.am needs added. */
struct am_need {
	FILE *lines;		/* the lines for its targets */
	char *buf;
	size_t len;
	int am_cppflags, ldadd, global;
};

/* Whether one of target's sources changed (and claims them). */
static int target_changed(const struct am_file *am, const char *dir, const char *target, const char *canon,
			  struct port_changes *c)
{
	static const char *const prefixes[] = { "", "nodist_", "dist_", "EXTRA_", "nodist_EXTRA_" };
	char **words = NULL;
	size_t n = 0, cap = 0;
	int any_var = 0, hit = 0;

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		char name[512];
		const struct am_var *v;

		snprintf(name, sizeof(name), "%s%s_SOURCES", prefixes[i], canon);
		if (!(v = am_get(am, name)))
			continue;
		any_var |= i < 3;
		am_expand(am, v->value, &words, &n, &cap, 0);
	}
	/* automake's default: the target's name, less .la or .a, with .c. */
	if (!any_var) {
		size_t len = strlen(target);

		if (len > 3 && !strcmp(target + len - 3, ".la"))
			len -= 3;
		else if (len > 2 && !strcmp(target + len - 2, ".a"))
			len -= 2;
		words = xgrow(words, &cap, n + 1, sizeof(char *));
		if (asprintf(&words[n], "%.*s.c", (int)len, target) >= 0)
			n++;
	}
	for (size_t i = 0; i < n; i++) {
		char *path = source_path(dir, words[i]);
		long k = path ? port_changes_find(c, path) : -1;

		if (k >= 0) {
			c->claimed[k] = 1;
			hit = 1;
		}
		free(path);
		free(words[i]);
	}
	free(words);
	return hit;
}

static void canonical(char *dst, size_t size, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++)
		dst[i] = isalnum((unsigned char)name[i]) || name[i] == '_' || name[i] == '@' ? name[i] : '_';
	dst[i] = 0;
}

/*
 * Adds "name += value" (or "=" when the file does not define name) to
 * need. automake refuses an unconditional '+=' to a variable defined only
 * inside if/endif: configure.ac's CPPFLAGS and LIBS do instead.
 */
static void add_to(const struct am_file *am, const char *name, const char *value, struct am_need *need)
{
	const struct am_var *v = am_get(am, name);

	if (v && !v->uncond)
		need->global = 1;
	else
		fprintf(need->lines, "%s %s %s\n", name, v ? "+=" : "=", value);
}

/* The lines target needs, into need. */
static void target_lines(const struct am_file *am, const char *canon, enum am_kind kind, struct am_need *need)
{
	char name[300];

	snprintf(name, sizeof(name), "%s_CPPFLAGS", canon);
	if (am_get(am, name))
		add_to(am, name, "$(LIBPK_CFLAGS)", need);
	else
		need->am_cppflags = 1;
	switch (kind) {
	case AM_PROGRAM:
		snprintf(name, sizeof(name), "%s_LDADD", canon);
		if (am_get(am, name))
			add_to(am, name, "$(LIBPK_LIBS)", need);
		else
			need->ldadd = 1;
		break;
	case AM_LTLIB:
		snprintf(name, sizeof(name), "%s_LIBADD", canon);
		add_to(am, name, "$(LIBPK_LIBS)", need);
		break;
	case AM_LIB:
		need->global = 1;
		break;
	}
}

static enum am_kind primary(const char *var, int *ok)
{
	static const struct { const char *suffix; enum am_kind kind; } p[] = {
		{ "_PROGRAMS", AM_PROGRAM }, { "_LTLIBRARIES", AM_LTLIB }, { "_LIBRARIES", AM_LIB },
	};
	size_t n = strlen(var);

	for (size_t i = 0; i < ARRAY_SIZE(p); i++) {
		size_t k = strlen(p[i].suffix);

		if (n > k && !strcmp(var + n - k, p[i].suffix)) {
			*ok = 1;
			return p[i].kind;
		}
	}
	*ok = 0;
	return AM_PROGRAM;
}

/* Adapts one Makefile.am; returns 1 edited, 0 nothing to do; *global set when configure.ac must. */
static int adapt_am(struct port_tree *t, size_t fi, struct port_changes *c, int *global)
{
	struct am_file am = { 0 };
	struct am_need need = { 0 };
	char *dir = port_build_dir(t->files[fi].rel);
	int ret = 0, present = strstr(t->files[fi].text, "LIBPK_") != NULL;

	if (!(need.lines = open_memstream(&need.buf, &need.len))) {
		free(dir);
		return 0;
	}
	am_parse(&am, &t->files[fi]);
	for (size_t i = 0; i < am.n; i++) {
		char **targets = NULL;
		size_t n = 0, cap = 0;
		enum am_kind kind;
		int ok;

		kind = primary(am.v[i].name, &ok);
		if (!ok)
			continue;
		am_expand(&am, am.v[i].value, &targets, &n, &cap, 0);
		for (size_t k = 0; k < n; k++) {
			char canon[256];

			if (!strchr(targets[k], '$') && !strchr(targets[k], '@')) {
				canonical(canon, sizeof(canon), targets[k]);
				if (target_changed(&am, dir, targets[k], canon, c) && !present)
					target_lines(&am, canon, kind, &need);
			}
			free(targets[k]);
		}
		free(targets);
	}
	if (need.am_cppflags)
		add_to(&am, "AM_CPPFLAGS", "$(LIBPK_CFLAGS)", &need);
	if (need.ldadd)
		add_to(&am, "LDADD", "$(LIBPK_LIBS)", &need);
	fclose(need.lines);
	*global |= need.global;
	if (need.len) {
		char *text;

		if (asprintf(&text, "\n# " PORT_BUILD_WHY " (configure.ac's PKG_CHECK_MODULES)\n%s", need.buf) >= 0) {
			port_build_append(&t->files[fi], text);
			free(text);
			ret = 1;
		}
	}
	free(need.buf);
	free(dir);
	am_release(&am);
	return ret;
}

/* The offset of the first line of f that starts with word, or -1. */
static long line_starting(const struct port_file *f, const char *word)
{
	size_t n = strlen(word);

	for (unsigned i = 0; i < f->n_lines; i++) {
		size_t off = f->line_off[i];

		if (off + n <= f->len && !memcmp(f->text + off, word, n) &&
		    (off + n == f->len || !is_name((unsigned char)f->text[off + n])))
			return (long)off;
	}
	return -1;
}

static int adapt_configure(struct port_tree *t, int global, FILE *msg)
{
	long k = port_file_get(t, "configure.ac"), at;
	struct port_file *f;

	if (k < 0)
		k = port_file_get(t, "configure.in");
	if (k < 0)
		return -1;
	f = &t->files[k];
	if (strstr(f->text, "LIBPK"))
		return 0;
	if ((at = line_starting(f, "AC_OUTPUT")) < 0 && (at = line_starting(f, "AC_CONFIG_FILES")) < 0) {
		fprintf(msg, "parakit port: '%s' has no AC_OUTPUT line: add PKG_CHECK_MODULES([LIBPK], [libpk]) "
			     "before it\n", f->rel);
		return -1;
	}
	port_build_insert(f, (size_t)at,
			  global ? "# " PORT_BUILD_WHY ", given to every compile and link:\n"
				   "# a changed file is in no target whose own flags could take it\n"
				   "PKG_CHECK_MODULES([LIBPK], [libpk])\n"
				   "CPPFLAGS=\"$CPPFLAGS $LIBPK_CFLAGS\"\n"
				   "LIBS=\"$LIBPK_LIBS $LIBS\"\n\n"
				 : "# " PORT_BUILD_WHY "\n"
				   "PKG_CHECK_MODULES([LIBPK], [libpk])\n\n");
	return 1;
}

int port_build_autotools(struct port_tree *t, struct port_build *b, struct port_changes *c, FILE *msg)
{
	size_t n, *ams = port_build_find(t, "Makefile.am", &n);
	int global = 0, edited = 0, r;

	for (size_t i = 0; i < n; i++)
		edited |= adapt_am(t, ams[i], c, &global);
	free(ams);
	if (!port_changes_all_claimed(c))
		global = 1;
	if ((r = adapt_configure(t, global, msg)) < 0)
		return -1;
	if (r > 0 || edited)
		b->regenerate = 1;
	return r > 0 || edited;
}
