/*
 * Meson: the top meson.build declares libpk_dep = dependency('libpk')
 * right after project() (Meson's variables are global, so the files of
 * subdir() see it), and each target whose sources changed gets it in its
 * dependencies: added as a keyword argument, or, when the target has one,
 * its value becomes [value, libpk_dep] (Meson flattens nested lists).
 * When a changed file belongs to no target found (a header most often),
 * every target gets it: Meson has no project-wide dependency.
 *
 * The files are tokenised as Meson reads them (strings '...' and '''...''',
 * # comments, brackets); a target's sources are the strings of its
 * positional arguments and of its sources: argument, and of the variables
 * they name (assigned with = or +=, in any file), each relative to the
 * directory of the file that wrote it.
 */
#include "rewriter/port_build.h"
#include "common/common.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum ms_kind { MS_IDENT, MS_STRING, MS_PUNCT, MS_OTHER };

struct ms_tok {
	enum ms_kind kind;
	size_t off, len;	/* a string's: inside the quotes */
	size_t end;		/* offset after the token */
	unsigned line;
};

struct ms_file {
	size_t fi;
	char *dir;
	struct ms_tok *toks;
	size_t n, cap;
};

struct ms {
	struct port_tree *t;
	struct ms_file *files;
	size_t n_files, cap_files;
};

static void tok_add(struct ms_file *mf, enum ms_kind k, size_t off, size_t len, size_t end, unsigned line)
{
	mf->toks = xgrow(mf->toks, &mf->cap, mf->n + 1, sizeof(*mf->toks));
	mf->toks[mf->n++] = (struct ms_tok){ k, off, len, end, line };
}

static void lex(struct ms_file *mf, const struct port_file *f)
{
	const char *s = f->text;
	size_t n = f->len, i = 0;
	unsigned line = 1;

	while (i < n) {
		size_t b = i;

		if (s[i] == '\n') {
			line++, i++;
		} else if (isspace((unsigned char)s[i])) {
			i++;
		} else if (s[i] == '#') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (s[i] == '\'' && i + 2 < n && s[i + 1] == '\'' && s[i + 2] == '\'') {
			const char *e = memmem(s + i + 3, n - i - 3, "'''", 3);
			size_t end = e ? (size_t)(e - s) : n;

			tok_add(mf, MS_STRING, i + 3, end - i - 3, end + 3 < n ? end + 3 : n, line);
			for (; i < end; i++)
				line += s[i] == '\n';
			i = end + 3 < n ? end + 3 : n;
		} else if (s[i] == '\'') {
			for (i++; i < n && s[i] != '\'' && s[i] != '\n'; i++)
				if (s[i] == '\\')
					i++;
			tok_add(mf, MS_STRING, b + 1, (i < n ? i : n) - b - 1, i < n ? i + 1 : n, line);
			i = i < n ? i + 1 : n;
		} else if (isalpha((unsigned char)s[i]) || s[i] == '_') {
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
				i++;
			tok_add(mf, MS_IDENT, b, i - b, i, line);
		} else if (isdigit((unsigned char)s[i])) {
			while (i < n && isalnum((unsigned char)s[i]))
				i++;
			tok_add(mf, MS_OTHER, b, i - b, i, line);
		} else {
			/* '+=' and '==' are one token: '=' alone is an assignment. */
			i += i + 1 < n && s[i + 1] == '=' && strchr("+=!<>-*/%", s[i]) ? 2 : 1;
			tok_add(mf, MS_PUNCT, b, i - b, i, line);
		}
	}
}

static int tok_is(const struct port_file *f, const struct ms_file *mf, size_t i, const char *s)
{
	return i < mf->n && mf->toks[i].kind != MS_STRING && mf->toks[i].len == strlen(s) &&
	       !memcmp(f->text + mf->toks[i].off, s, mf->toks[i].len);
}

/* The token after the bracket that closes the one at open. */
static size_t close_of(const struct port_file *f, const struct ms_file *mf, size_t open)
{
	int depth = 0;

	for (size_t i = open; i < mf->n; i++) {
		if (tok_is(f, mf, i, "(") || tok_is(f, mf, i, "[") || tok_is(f, mf, i, "{"))
			depth++;
		else if ((tok_is(f, mf, i, ")") || tok_is(f, mf, i, "]") || tok_is(f, mf, i, "}")) && !--depth)
			return i;
	}
	return mf->n;
}

/* An argument of a call: tokens [b, e); value from v (after "name:"). */
struct ms_arg {
	size_t b, e, v;
	int kw;
};

/* The arguments of the call whose '(' is at open, up to max; returns the count; *close the ')'. */
static size_t call_args(const struct port_file *f, const struct ms_file *mf, size_t open, struct ms_arg *a,
			size_t max, size_t *close)
{
	size_t n = 0, b = open + 1;
	int depth = 0;

	*close = close_of(f, mf, open);
	for (size_t i = open + 1; i <= *close && i < mf->n; i++) {
		if (tok_is(f, mf, i, "(") || tok_is(f, mf, i, "[") || tok_is(f, mf, i, "{"))
			depth++;
		else if (i < *close && (tok_is(f, mf, i, ")") || tok_is(f, mf, i, "]") || tok_is(f, mf, i, "}")))
			depth--;
		if (!(i == *close || (!depth && tok_is(f, mf, i, ","))))
			continue;
		if (i > b && n < max) {
			int kw = mf->toks[b].kind == MS_IDENT && tok_is(f, mf, b + 1, ":");

			a[n++] = (struct ms_arg){ b, i, kw ? b + 2 : b, kw };
		}
		b = i + 1;
	}
	return n;
}

static int arg_named(const struct port_file *f, const struct ms_file *mf, const struct ms_arg *a, const char *name)
{
	return a->kw && tok_is(f, mf, a->b, name);
}

/* Whether the strings of tokens [b, e) of file k, or of the variables named there, name a changed file. */
static int expr_changed(struct ms *m, struct port_changes *ch, size_t k, size_t b, size_t e, int depth);

static int var_changed(struct ms *m, struct port_changes *ch, const char *name, size_t len, int depth)
{
	int hit = 0;

	for (size_t k = 0; k < m->n_files; k++) {
		const struct ms_file *mf = &m->files[k];
		const struct port_file *f = &m->t->files[mf->fi];

		for (size_t i = 0; i + 1 < mf->n; i++) {
			size_t e = i + 2;

			if (mf->toks[i].kind != MS_IDENT || mf->toks[i].len != len ||
			    memcmp(f->text + mf->toks[i].off, name, len) ||
			    !(tok_is(f, mf, i + 1, "=") || tok_is(f, mf, i + 1, "+=")) ||
			    (i && mf->toks[i - 1].line == mf->toks[i].line))
				continue;
			/* The value: the rest of the line, and of its brackets. */
			for (int d = 0; e < mf->n && (d || mf->toks[e].line == mf->toks[i].line); e++) {
				if (tok_is(f, mf, e, "(") || tok_is(f, mf, e, "[") || tok_is(f, mf, e, "{"))
					d++;
				else if (tok_is(f, mf, e, ")") || tok_is(f, mf, e, "]") || tok_is(f, mf, e, "}"))
					d--;
			}
			hit |= expr_changed(m, ch, k, i + 2, e, depth + 1);
		}
	}
	return hit;
}

static int expr_changed(struct ms *m, struct port_changes *ch, size_t k, size_t b, size_t e, int depth)
{
	const struct ms_file *mf = &m->files[k];
	const struct port_file *f = &m->t->files[mf->fi];
	int hit = 0;

	if (depth > 8)
		return 0;
	for (size_t i = b; i < e; i++) {
		const struct ms_tok *tk = &mf->toks[i];

		if (tk->kind == MS_STRING) {
			char *w = xstrndup(f->text + tk->off, tk->len), *path = port_build_path(mf->dir, w);
			long c = path ? port_changes_find(ch, path) : -1;

			if (c >= 0) {
				ch->claimed[c] = 1;
				hit = 1;
			}
			free(path);
			free(w);
		} else if (tk->kind == MS_IDENT && !tok_is(f, mf, i + 1, "(") && !tok_is(f, mf, i + 1, ":") &&
			   !(i > b && tok_is(f, mf, i - 1, "."))) {
			char name[128];

			if (tk->len < sizeof(name)) {
				memcpy(name, f->text + tk->off, tk->len);
				name[tk->len] = 0;
				hit |= var_changed(m, ch, name, tk->len, depth);
			}
		}
	}
	return hit;
}

static int is_target(const struct port_file *f, const struct ms_file *mf, size_t i)
{
	static const char *const fns[] = { "executable", "library", "shared_library", "static_library",
					   "both_libraries", "shared_module" };

	if (mf->toks[i].kind != MS_IDENT || !tok_is(f, mf, i + 1, "(") || (i && tok_is(f, mf, i - 1, ".")))
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(fns); k++)
		if (tok_is(f, mf, i, fns[k]))
			return 1;
	return 0;
}

/* An argument list: Meson's own files pass a few dozen at most. */
#define MAX_ARGS 256

/*
 * Whether a source of the target at token i of file k changed (claims
 * it). a holds MAX_ARGS; *close gets the call's ')', *deps its
 * dependencies: argument (in a) or NULL.
 */
static int target_changed(struct ms *m, struct port_changes *ch, size_t k, size_t i, struct ms_arg *a,
			  size_t *close, const struct ms_arg **deps)
{
	const struct ms_file *mf = &m->files[k];
	const struct port_file *f = &m->t->files[mf->fi];
	size_t n = call_args(f, mf, i + 1, a, MAX_ARGS, close);
	int changed = 0;

	*deps = NULL;
	for (size_t j = 0; j < n; j++) {
		if (arg_named(f, mf, &a[j], "dependencies"))
			*deps = &a[j];
		if ((j > 0 && !a[j].kw) || arg_named(f, mf, &a[j], "sources"))
			changed |= expr_changed(m, ch, k, a[j].v, a[j].e, 0);
	}
	return changed;
}

/* Gives the target at token i of file k libpk_dep when it needs it; returns 1 when edited. */
static int adapt_target(struct ms *m, struct port_changes *ch, size_t k, size_t i, int all)
{
	const struct ms_file *mf = &m->files[k];
	struct port_file *f = &m->t->files[mf->fi];
	struct ms_arg a[MAX_ARGS];
	const struct ms_arg *deps;
	size_t close;
	int changed = target_changed(m, ch, k, i, a, &close, &deps);

	for (size_t j = i; j < close && j < mf->n; j++)
		if (tok_is(f, mf, j, "libpk_dep"))
			return 0;
	if (!(changed || all) || close >= mf->n)
		return 0;
	if (deps) {
		port_build_insert(f, mf->toks[deps->v].off, "[");
		port_build_insert(f, mf->toks[deps->e - 1].end, ", libpk_dep]");
	} else if (tok_is(f, mf, close - 1, ",")) {
		port_build_insert(f, mf->toks[close - 1].end, " dependencies: libpk_dep,");
	} else {
		port_build_insert(f, mf->toks[close - 1].end, ", dependencies: libpk_dep");
	}
	return 1;
}

static int adapt_root(struct ms *m)
{
	const struct ms_file *mf = NULL;
	struct port_file *f;

	for (size_t i = 0; i < m->n_files && !mf; i++)
		if (!strcmp(m->t->files[m->files[i].fi].rel, "meson.build"))
			mf = &m->files[i];
	if (!mf)
		return -1;
	f = &m->t->files[mf->fi];
	if (strstr(f->text, "dependency('libpk'"))
		return 0;
	for (size_t i = 0; i + 1 < mf->n; i++) {
		size_t close, at;

		if (!tok_is(f, mf, i, "project") || !tok_is(f, mf, i + 1, "("))
			continue;
		if ((close = close_of(f, mf, i + 1)) >= mf->n)
			break;
		at = port_build_next_line(f, mf->toks[close].off);
		port_build_insert(f, at, at == f->len && f->text[f->len - 1] != '\n'
						 ? "\n\n# " PORT_BUILD_WHY "\nlibpk_dep = dependency('libpk')\n"
						 : "\n# " PORT_BUILD_WHY "\nlibpk_dep = dependency('libpk')\n");
		return 1;
	}
	return -1;
}

int port_build_meson(struct port_tree *t, struct port_build *b, struct port_changes *ch, FILE *msg)
{
	struct ms m = { .t = t };
	size_t n, *fis = port_build_find(t, "meson.build", &n);
	int ret = 0, r;

	(void)b;
	for (size_t i = 0; i < n; i++) {
		m.files = xgrow(m.files, &m.cap_files, m.n_files + 1, sizeof(*m.files));
		m.files[m.n_files] = (struct ms_file){ .fi = fis[i], .dir = port_build_dir(t->files[fis[i]].rel) };
		lex(&m.files[m.n_files], &t->files[fis[i]]);
		m.n_files++;
	}
	free(fis);
	/* First which targets' sources changed (claiming them), then the edits. */
	for (int pass = 0; pass < 2; pass++) {
		int all = pass && !port_changes_all_claimed(ch);

		for (size_t k = 0; k < m.n_files; k++)
			for (size_t i = 0; i < m.files[k].n; i++) {
				struct ms_arg a[MAX_ARGS];
				const struct ms_arg *deps;
				size_t close;

				if (!is_target(&t->files[m.files[k].fi], &m.files[k], i))
					continue;
				if (pass)
					ret |= adapt_target(&m, ch, k, i, all);
				else
					target_changed(&m, ch, k, i, a, &close, &deps);
			}
	}
	if ((r = adapt_root(&m)) < 0) {
		fprintf(msg, "parakit port: no project() in the top meson.build: declare libpk_dep = "
			     "dependency('libpk') and add it to the targets' dependencies\n");
		ret = -1;
	} else if (r > 0) {
		ret = 1;
	}
	for (size_t k = 0; k < m.n_files; k++) {
		free(m.files[k].toks);
		free(m.files[k].dir);
	}
	free(m.files);
	return ret;
}
