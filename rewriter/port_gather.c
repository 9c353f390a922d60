/*
 * From src's results to the tree's decisions: every .c and .h file of the
 * tree read (port_lex.c), the call sites of every unit gathered once each
 * (a header's calls are seen by each unit that includes it), the tree's
 * signal handlers found, and each site decided by the rewrite that owns
 * its function (port_compat.c, port_fibers.c), or left with its reason.
 */
#include "rewriter/port.h"
#include "analyzer/src_tree.h"
#include "common/common.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void load_dir(struct port_tree *t, const char *rel, int depth)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s%s", t->root, *rel ? "/" : "", rel);
	if (depth > 32 || !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		char sub[PATH_MAX];
		size_t n = strlen(e->d_name);
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name) >= sizeof(sub) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", t->root, sub) >= sizeof(path) || lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			load_dir(t, sub, depth + 1);
		else if (S_ISREG(st.st_mode) && n > 2 && e->d_name[n - 2] == '.' &&
			 (e->d_name[n - 1] == 'c' || e->d_name[n - 1] == 'h'))
			port_file_get(t, sub);
	}
	closedir(d);
}

struct call_key {
	struct port_call c;
	unsigned seq;
};

static int cmp_call(const void *a, const void *b)
{
	const struct call_key *x = a, *y = b;
	int r;

	if (x->c.file != y->c.file)
		return (x->c.file > y->c.file) - (x->c.file < y->c.file);
	if (x->c.line != y->c.line)
		return (x->c.line > y->c.line) - (x->c.line < y->c.line);
	if (x->c.col != y->c.col)
		return (x->c.col > y->c.col) - (x->c.col < y->c.col);
	if ((r = strcmp(x->c.callee, y->c.callee)))
		return r;
	if (x->c.address != y->c.address)
		return x->c.address - y->c.address;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The sites of every TU, once each, in file order; *n_out of them. */
static struct port_call *gather(struct port_tree *t, const struct src_run *c, size_t *n_out)
{
	struct call_key *v = NULL;
	struct port_call *calls;
	size_t n = 0, cap = 0, k = 0;

	for (size_t r = 0; r < c->tus.n; r++) {
		struct src_result *res = &c->results[r];

		for (size_t i = 0; i < res->n_skips; i++) {
			long fi = port_file_get(t, strpool_get(&res->pool, res->skips[i].file));
			struct port_file *f;

			if (fi < 0)
				continue;
			f = &t->files[fi];
			f->skip_first = xgrow(f->skip_first, &f->cap_skips, f->n_skips + 1, sizeof(unsigned));
			f->skip_last = xrealloc(f->skip_last, f->cap_skips * sizeof(unsigned));
			f->skip_first[f->n_skips] = res->skips[i].first;
			f->skip_last[f->n_skips++] = res->skips[i].last;
		}
		for (size_t i = 0; i < res->n_sites; i++) {
			const struct src_site *s = &res->sites[i];
			long fi = port_file_get(t, strpool_get(&res->pool, s->file));

			if (fi < 0)
				continue;
			v = xgrow(v, &cap, n + 1, sizeof(*v));
			v[n].seq = s->seq;
			v[n].c = (struct port_call){
				.file = fi, .line = s->line, .col = s->col,
				.caller = s->caller ? strpool_get(&res->pool, s->caller) : NULL,
				.callee = strpool_get(&res->pool, s->callee), .posix = s->posix_name,
				.macro = s->macro ? strpool_get(&res->pool, s->macro) : NULL,
				.address = s->kind == SRC_ADDRESS, .in_macro = s->in_macro,
				.macro_arg = s->macro_arg, .ret_used = s->ret_used, .errno_after = s->errno_after,
			};
			n++;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_call);
	for (size_t i = 0; i < n; i++) {
		if (k && !cmp_call(&v[k - 1], &v[i])) {
			v[k - 1].c.errno_after |= v[i].c.errno_after;
			continue;
		}
		v[k++] = v[i];
	}
	calls = xcalloc(k + 1, sizeof(*calls));
	for (size_t i = 0; i < k; i++)
		calls[i] = v[i].c;
	free(v);
	*n_out = k;
	return calls;
}

/* True when @line names a signal: a SIGxxx constant (SIGTERM, SIG_IGN), or
 * "signal" in any case (set_signal_handler), sa_handler or sa_sigaction. */
static int names_a_signal(const char *line)
{
	for (const char *p = line; (p = strstr(p, "SIG")); p += 3)
		if ((p == line || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
		    (isupper((unsigned char)p[3]) || p[3] == '_'))
			return 1;
	return strcasestr(line, "signal") || strstr(line, "sa_handler") || strstr(line, "sa_sigaction");
}

/* Functions whose address is taken on a line that installs a signal
 * handler: signal(SIG, f), sa.sa_handler = f, sa_sigaction = f, and a
 * program's own wrapper, called with the signal's name (tinyproxy's
 * setup_sig(SIGTERM, takesig, ...)). A function taken for a handler that
 * is not one only keeps its calls on the kernel path. */
static void find_handlers(struct port_tree *t, const struct port_call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct port_call *c = &calls[i];
		const struct port_file *f = &t->files[c->file];
		size_t a, b;
		char line[1024];

		if (!c->address || c->posix || c->line > f->n_lines)
			continue;
		a = f->line_off[c->line - 1];
		b = c->line < f->n_lines ? f->line_off[c->line] : f->len;
		snprintf(line, sizeof(line), "%.*s", (int)(b - a), f->text + a);
		if (!names_a_signal(line))
			continue;
		if (port_is_handler(t, c->callee))
			continue;
		t->handlers = xgrow(t->handlers, &t->cap_handlers, t->n_handlers + 1, sizeof(char *));
		t->handlers[t->n_handlers++] = xstrdup(c->callee);
	}
}

/* Calls written in #if branches this configuration does not compile:
 * reported, not guessed. */
static void skipped_calls(struct port_tree *t)
{
	for (size_t fi = 0; fi < t->n_files; fi++) {
		const struct port_file *f = &t->files[fi];

		for (size_t i = 0; f->n_skips && i + 1 < f->n_toks; i++) {
			struct port_call c = { 0 };
			char name[64];

			if (f->toks[i].kind != PORT_TOK_IDENT || f->toks[i].directive ||
			    f->toks[i].len >= sizeof(name) || !port_tok_is(f, i + 1, "(") ||
			    !port_file_skipped(f, f->toks[i].line))
				continue;
			if (i && (port_tok_is(f, i - 1, ".") || port_tok_is(f, i - 1, ">")))
				continue;
			memcpy(name, f->text + f->toks[i].off, f->toks[i].len);
			name[f->toks[i].len] = 0;
			c.posix = db_posix_name(name);
			if (!c.posix || !port_selected(t, c.posix) ||
			    !(port_is_blocking(t, c.posix) || port_compat_has_twin(c.posix) ||
			      (t->level == PORT_FIBERS && port_fibers_has_twin(c.posix))))
				continue;
			c.file = fi;
			c.line = f->toks[i].line;
			c.col = f->toks[i].off - f->line_off[c.line - 1] + 1;
			c.callee = name;
			port_record(t, &c, "left", "in an #if branch not compiled in this configuration");
		}
	}
}


void port_decide(struct port_tree *t, const struct src_run *run)
{
	struct port_call *calls;
	size_t n;

	/* Every .c and .h of the tree: macros defined in headers no call
	 * site is in, and types declared there, are edited too. */
	load_dir(t, "", 0);
	calls = gather(t, run, &n);
	port_macros_index(t);
	find_handlers(t, calls, n);
	if (t->level == PORT_FIBERS)
		port_fibers_plan(t, calls, n);
	for (size_t i = 0; i < n; i++) {
		const struct port_call *c = &calls[i];

		if (!c->posix || port_file_skipped(&t->files[c->file], c->line))
			continue;
		if (!port_fibers_site(t, c))
			port_compat_site(t, c);
	}
	skipped_calls(t);
	port_fibers_finish(t);
	port_add_includes(t);
	free(calls);
}

void port_tree_release(struct port_tree *t)
{
	for (size_t i = 0; i < t->n_files; i++) {
		struct port_file *f = &t->files[i];

		for (size_t k = 0; k < f->n_edits; k++)
			free(f->edits[k].text);
		free(f->edits);
		free(f->rel);
		free(f->text);
		free(f->line_off);
		free(f->toks);
		free(f->skip_first);
		free(f->skip_last);
	}
	free(t->files);
	for (size_t i = 0; i < t->n_macros; i++)
		free(t->macros[i].name);
	free(t->macros);
	for (size_t i = 0; i < t->n_sites; i++) {
		free(t->sites[i].caller);
		free(t->sites[i].callee);
	}
	free(t->sites);
	for (size_t i = 0; i < t->n_handlers; i++)
		free(t->handlers[i]);
	free(t->handlers);
	for (size_t i = 0; i < t->n_blocking; i++)
		free(t->blocking[i]);
	free(t->blocking);
	if (t->only)
		free(t->only[0]);
	free(t->only);
}
