/*
 * What the rewrites (port_compat.c, port_fibers.c) share, over the tree
 * cmd_port gathered: recording a site's decision, the --only selection,
 * the catalogue's blocking calls, the tree's signal handlers, and renaming
 * a callee at its name or inside the tree's macro that writes the call.
 * The command (cmd_port.c) gathers and prints; it defines none of these.
 */
#include "rewriter/port.h"
#include "common/common.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

struct port_site *port_record(struct port_tree *t, const struct port_call *c, const char *action,
			      const char *reason)
{
	struct port_site *s;

	t->sites = xgrow(t->sites, &t->cap_sites, t->n_sites + 1, sizeof(*t->sites));
	s = &t->sites[t->n_sites++];
	*s = (struct port_site){ c->file, c->line, c->col, c->caller ? xstrdup(c->caller) : NULL,
				 xstrdup(c->callee), c->posix, action, reason,
				 port_is_blocking(t, c->posix) };
	return s;
}

char **port_only_split(const char *s)
{
	char *copy = xstrdup(s), **v = NULL;
	size_t n = 0, cap = 0;

	for (char *p = copy, *tok; (tok = strsep(&p, ","));) {
		if (!*tok && tok != copy)
			continue;
		v = xgrow(v, &cap, n + 2, sizeof(char *));
		v[n++] = tok;
	}
	v = xgrow(v, &cap, n + 1, sizeof(char *));
	v[n] = NULL;
	return v;
}

int port_selected(const struct port_tree *t, const char *posix)
{
	if (!t->only)
		return 1;
	for (char **o = t->only; *o; o++)
		if (!strcmp(*o, posix))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int port_is_blocking(const struct port_tree *t, const char *posix)
{
	return posix && bsearch(&posix, t->blocking, t->n_blocking, sizeof(char *), cmp_str) != NULL;
}

int port_is_handler(const struct port_tree *t, const char *caller)
{
	for (size_t i = 0; i < t->n_handlers; i++)
		if (!strcmp(t->handlers[i], caller))
			return 1;
	return 0;
}

/* Renames callee (or posix) in the body of macro m, and in the tree's
 * macros it invokes; returns how many names it found. */
static int rename_in_macro(struct port_tree *t, const struct port_macro *m, const struct port_call *c, const char *to,
			   int depth)
{
	struct port_file *f = &t->files[m->file];
	int found = 0;

	if (depth > 8)
		return 0;
	for (size_t i = m->body; i < m->end; i++) {
		const struct port_macro *inner;
		char name[128];

		if (f->toks[i].kind != PORT_TOK_IDENT)
			continue;
		if (port_tok_is(f, i, c->callee) || port_tok_is(f, i, c->posix)) {
			/* A member (s->read) or a declaration is no call. */
			if (i > m->body && (port_tok_is(f, i - 1, ".") || port_tok_is(f, i - 1, ">")))
				continue;
			port_edit_add(f, f->toks[i].off, f->toks[i].len, to);
			found++;
			continue;
		}
		if (f->toks[i].len >= sizeof(name))
			continue;
		memcpy(name, f->text + f->toks[i].off, f->toks[i].len);
		name[f->toks[i].len] = 0;
		if (strcmp(name, m->name) && port_macro_find(t, name, &inner) == 1)
			found += rename_in_macro(t, inner, c, to, depth + 1);
	}
	return found;
}

const char *port_rename(struct port_tree *t, const struct port_call *c, const char *to)
{
	struct port_file *f = &t->files[c->file];
	size_t off = port_file_offset(f, c->line, c->col);
	long i = off == (size_t)-1 ? -1 : port_tok_at(f, off);
	const struct port_macro *m;
	char name[128];
	size_t n;

	if (i < 0)
		return "ambiguous: no name at the position libclang gives";
	if (port_tok_is(f, i, c->callee) || port_tok_is(f, i, c->posix)) {
		port_edit_add(f, f->toks[i].off, f->toks[i].len, to);
		return NULL;
	}
	/* A macro's body wrote the call: the name here is the macro's. */
	if (f->toks[i].len >= sizeof(name))
		return "ambiguous: no name at the position libclang gives";
	memcpy(name, f->text + f->toks[i].off, f->toks[i].len);
	name[f->toks[i].len] = 0;
	n = port_macro_find(t, name, &m);
	if (!n)
		return "inside a macro defined outside the tree";
	if (n > 1)
		return "inside a macro the tree defines more than once";
	if (!rename_in_macro(t, m, c, to, 0))
		return "inside a macro defined outside the tree";
	return NULL;
}

int port_load_blocking(struct port_tree *t, sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT name FROM catalog_function WHERE blocking ORDER BY name");
	size_t cap = 0;

	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		t->blocking = xgrow(t->blocking, &cap, t->n_blocking + 1, sizeof(char *));
		t->blocking[t->n_blocking++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	/* The C locale's order, which bsearch with strcmp needs. */
	qsort(t->blocking, t->n_blocking, sizeof(char *), cmp_str);
	return 0;
}
