/*
 * The tree's files as text and tokens. libclang says where a call is; what
 * surrounds it (the argument list, the body of the macro that wrote it, the
 * #include lines a new include goes after, main's definition) is found by
 * this lexer instead of a second parse: it needs only the file, and it sees
 * the code of #if branches that were not compiled, which libclang skips.
 *
 * The lexer knows comments, string and character literals, preprocessor
 * lines (with backslash continuations) and braces; nothing else of C.
 */
#include "rewriter/port.h"
#include "common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_ident(int c, int first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

static void tok_add(struct port_file *f, size_t *cap, enum port_tok_kind k, size_t off, size_t len, unsigned line,
		    unsigned dir, int depth)
{
	f->toks = xgrow(f->toks, cap, f->n_toks + 1, sizeof(*f->toks));
	f->toks[f->n_toks++] = (struct port_tok){ k, off, len, line, dir, depth };
}

static void lex(struct port_file *f)
{
	const char *s = f->text;
	size_t n = f->len, i = 0, cap = 0, lcap = 0;
	unsigned line = 1, dir = 0, n_dirs = 0;
	int depth = 0, bol = 1;

	f->line_off = xgrow(f->line_off, &lcap, 1, sizeof(size_t));
	f->line_off[0] = 0;
	f->n_lines = 1;
	while (i < n) {
		char c = s[i];

		if (c == '\n') {
			if (!(i > 0 && s[i - 1] == '\\'))
				dir = 0;
			i++;
			line++;
			f->line_off = xgrow(f->line_off, &lcap, f->n_lines + 1, sizeof(size_t));
			f->line_off[f->n_lines++] = i;
			bol = 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\\') {
			i++;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			for (i += 2; i < n && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/'); i++)
				if (s[i] == '\n') {
					line++;
					f->line_off = xgrow(f->line_off, &lcap, f->n_lines + 1, sizeof(size_t));
					f->line_off[f->n_lines++] = i + 1;
				}
			i = i + 2 < n ? i + 2 : n;
			continue;
		}
		if (c == '/' && i + 1 < n && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '#' && bol) {
			dir = ++n_dirs;
			bol = 0;
			tok_add(f, &cap, PORT_TOK_PUNCT, i, 1, line, dir, depth);
			i++;
			continue;
		}
		bol = 0;
		if (is_ident(c, 1)) {
			size_t b = i;

			while (i < n && is_ident(s[i], 0))
				i++;
			tok_add(f, &cap, PORT_TOK_IDENT, b, i - b, line, dir, depth);
			continue;
		}
		/*
		 * A literal ends at its quote or, unterminated, before the
		 * end of its line: an apostrophe in the text of an #error,
		 * of an #if 0 branch or of a build file's comment ("it's")
		 * must not take the newline, or every line below is counted
		 * one short and no call there is found where libclang says.
		 */
		if (c == '"' || c == '\'') {
			size_t b = i++;

			while (i < n && s[i] != c && s[i] != '\n')
				i += s[i] == '\\' && i + 1 < n && s[i + 1] != '\n' ? 2 : 1;
			i += i < n && s[i] == c;
			tok_add(f, &cap, PORT_TOK_OTHER, b, i - b, line, dir, depth);
			continue;
		}
		if (c >= '0' && c <= '9') {
			size_t b = i;

			while (i < n && (is_ident(s[i], 0) || s[i] == '.'))
				i++;
			tok_add(f, &cap, PORT_TOK_OTHER, b, i - b, line, dir, depth);
			continue;
		}
		/* Braces of directives (a macro's body) do not nest code. */
		if (c == '}' && !dir && depth > 0)
			depth--;
		tok_add(f, &cap, PORT_TOK_PUNCT, i, 1, line, dir, depth);
		if (c == '{' && !dir)
			depth++;
		i++;
	}
}

long port_file_get(struct port_tree *t, const char *rel)
{
	struct port_file *f;
	char *path;

	for (size_t i = 0; i < t->n_files; i++)
		if (!strcmp(t->files[i].rel, rel))
			return (long)i;
	if (asprintf(&path, "%s/%s", t->root, rel) < 0)
		return -1;
	t->files = xgrow(t->files, &t->cap_files, t->n_files + 1, sizeof(*t->files));
	f = &t->files[t->n_files];
	memset(f, 0, sizeof(*f));
	f->text = util_read_file(path, &f->len);
	free(path);
	if (!f->text)
		return -1;
	f->rel = xstrdup(rel);
	lex(f);
	return (long)t->n_files++;
}

size_t port_file_offset(const struct port_file *f, unsigned line, unsigned col)
{
	if (!line || line > f->n_lines || !col)
		return (size_t)-1;
	if (f->line_off[line - 1] + col - 1 > f->len)
		return (size_t)-1;
	return f->line_off[line - 1] + col - 1;
}

long port_tok_at(const struct port_file *f, size_t off)
{
	size_t lo = 0, hi = f->n_toks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (f->toks[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->n_toks && f->toks[lo].off == off ? (long)lo : -1;
}

int port_tok_is(const struct port_file *f, size_t i, const char *s)
{
	size_t n = strlen(s);

	return i < f->n_toks && f->toks[i].len == n && !memcmp(f->text + f->toks[i].off, s, n);
}

int port_file_skipped(const struct port_file *f, unsigned line)
{
	for (size_t i = 0; i < f->n_skips; i++)
		if (line >= f->skip_first[i] && line <= f->skip_last[i])
			return 1;
	return 0;
}

void port_macros_index(struct port_tree *t)
{
	for (size_t fi = 0; fi < t->n_files; fi++) {
		const struct port_file *f = &t->files[fi];

		for (size_t i = 0; i + 2 < f->n_toks; i++) {
			const struct port_tok *k = &f->toks[i];
			struct port_macro *m;
			size_t j;

			if (!k->directive || !port_tok_is(f, i, "#") || !port_tok_is(f, i + 1, "define") ||
			    f->toks[i + 2].kind != PORT_TOK_IDENT || f->toks[i + 2].directive != k->directive)
				continue;
			j = i + 3;
			/* A function-like macro: '(' right after the name. */
			if (j < f->n_toks && port_tok_is(f, j, "(") && f->toks[j].off == f->toks[i + 2].off + f->toks[i + 2].len)
				while (j < f->n_toks && f->toks[j].directive == k->directive && !port_tok_is(f, j, ")"))
					j++;
			if (j < f->n_toks && port_tok_is(f, j, ")") && f->toks[j].directive == k->directive)
				j++;
			t->macros = xgrow(t->macros, &t->cap_macros, t->n_macros + 1, sizeof(*t->macros));
			m = &t->macros[t->n_macros++];
			m->file = fi;
			m->name = xstrndup(f->text + f->toks[i + 2].off, f->toks[i + 2].len);
			m->body = j;
			while (j < f->n_toks && f->toks[j].directive == k->directive)
				j++;
			m->end = j;
		}
	}
}

size_t port_macro_find(const struct port_tree *t, const char *name, const struct port_macro **out)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_macros; i++)
		if (!strcmp(t->macros[i].name, name) && !n++)
			*out = &t->macros[i];
	return n;
}

int port_args(const struct port_file *f, size_t i, size_t *open, size_t *args, int n_args, size_t *close)
{
	int depth = 0, n = 0;
	size_t j = i + 1;

	/* (read)(fd, ...): past the closing parenthesis of the name. */
	while (j < f->n_toks && port_tok_is(f, j, ")"))
		j++;
	if (j >= f->n_toks || !port_tok_is(f, j, "("))
		return -1;
	*open = j;
	for (j++; j < f->n_toks; j++) {
		if (depth == 0 && n == 0 && !port_tok_is(f, j, ")")) {
			if (n_args > 0)
				args[0] = j;
			n = 1;
		}
		if (port_tok_is(f, j, "(") || port_tok_is(f, j, "[") || port_tok_is(f, j, "{")) {
			depth++;
		} else if (port_tok_is(f, j, ")") || port_tok_is(f, j, "]") || port_tok_is(f, j, "}")) {
			if (depth-- == 0) {
				*close = j;
				return n;
			}
		} else if (depth == 0 && port_tok_is(f, j, ",")) {
			if (n < n_args)
				args[n] = j + 1;
			n++;
		}
	}
	return -1;
}
