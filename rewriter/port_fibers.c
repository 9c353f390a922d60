/*
 * --level fibers: threads become fibers. pthread_create/join/detach become
 * pk_spawn/pk_join/pk_detach (the thread's attributes must be NULL: a fiber
 * has none), pthread_mutex_* and pthread_cond_* their pk_ twins (an
 * attribute argument must be NULL too), and the types and initializers
 * follow (pthread_t -> pk_fiber_t, PTHREAD_MUTEX_INITIALIZER ->
 * PK_MUTEX_INITIALIZER). main is renamed pk_port_main and a new main runs
 * it as the first fiber through pk_run (which calls pk_init), so every
 * pk_ call of the program parks a fiber instead of a thread.
 *
 * Types are all or nothing: a pthread_t that pthread_self() or
 * pthread_cancel() still sees cannot become a pk_fiber_t, so one call of a
 * group without a fiber twin keeps the whole group (threads; mutexes and
 * conditions, which cond_wait ties together) on pthreads, with that reason.
 *
 * pthread functions return a positive errno where libpk's return -errno:
 * a call whose value is used is negated (-pk_mutex_lock(&m)), which keeps
 * every comparison and stored code as it was.
 */
#include "rewriter/port.h"
#include "common/common.h"
#include "db/db.h"

#include <string.h>

/*
 * How each pthread function with a fiber twin is rewritten; the twin's
 * name is the catalogue's (db_catalog_twin, the list shim reads too), and
 * a function the catalogue gives no twin is not rewritten.
 */
struct fiber_twin {
	const char *from;
	int attr;	/* index of an attribute argument that must be NULL; 0: none */
	int sync;	/* mutex/cond group, else thread */
};

static const struct fiber_twin twins[] = {
	{ "pthread_cond_broadcast", 0, 1 },
	{ "pthread_cond_destroy", 0, 1 },
	{ "pthread_cond_init", 1, 1 },
	{ "pthread_cond_signal", 0, 1 },
	{ "pthread_cond_wait", 0, 1 },
	{ "pthread_create", 1, 0 },
	{ "pthread_detach", 0, 0 },
	{ "pthread_join", 0, 0 },
	{ "pthread_mutex_destroy", 0, 1 },
	{ "pthread_mutex_init", 1, 1 },
	{ "pthread_mutex_lock", 0, 1 },
	{ "pthread_mutex_trylock", 0, 1 },
	{ "pthread_mutex_unlock", 0, 1 },
};

static const struct fiber_twin *twin_of(const char *posix)
{
	for (size_t i = 0; posix && i < ARRAY_SIZE(twins); i++)
		if (!strcmp(twins[i].from, posix))
			return db_catalog_twin(posix) ? &twins[i] : NULL;
	return NULL;
}

int port_fibers_has_twin(const char *posix)
{
	return twin_of(posix) != NULL;
}

static int is_sync(const char *p)
{
	return !strncmp(p, "pthread_mutex", 13) || !strncmp(p, "pthread_cond", 12);
}

static int is_thread(const char *p)
{
	return !strncmp(p, "pthread_", 8) && !is_sync(p) && strncmp(p, "pthread_once", 12) &&
	       strncmp(p, "pthread_key", 11) && strncmp(p, "pthread_getspecific", 19) &&
	       strncmp(p, "pthread_setspecific", 19) && strncmp(p, "pthread_rwlock", 14) &&
	       strncmp(p, "pthread_spin", 12) && strncmp(p, "pthread_barrier", 15) &&
	       strncmp(p, "pthread_sigmask", 15) && strncmp(p, "pthread_atfork", 14);
}

/* Whether the tokens of argument k are NULL or 0 (possibly cast). */
static int arg_is_null(const struct port_file *f, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (port_tok_is(f, i, "NULL") || port_tok_is(f, i, "0"))
			return i + 1 == to || (i + 2 == to && port_tok_is(f, i + 1, ")"));
	return 0;
}

/* Why the site cannot move alone, or NULL. */
static const char *own_reason(struct port_tree *t, const struct port_call *c, const struct fiber_twin *tw)
{
	if (c->address)
		return "address taken: pk_ twins of pthread functions have other types";
	if (c->caller && port_is_handler(t, c->caller))
		return "in a signal handler: libpk's calls are not async-signal-safe";
	if (!tw)
		return "no fiber twin of this pthread function in libpk";
	if (tw->sync && c->errno_after)
		return "errno is read after it: a fiber that parks here lets other fibers change errno";
	return NULL;
}

void port_fibers_plan(struct port_tree *t, const struct port_call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct port_call *c = &calls[i];
		const char *why;

		if (!c->posix || strncmp(c->posix, "pthread_", 8) || (!is_sync(c->posix) && !is_thread(c->posix)))
			continue;
		if (!(why = own_reason(t, c, twin_of(c->posix))))
			continue;
		if (is_sync(c->posix) && !t->sync_conflict)
			t->sync_conflict = "a mutex or condition of the tree is also used by a pthread call that stays";
		else if (is_thread(c->posix) && !t->thread_conflict)
			t->thread_conflict = "a thread of the tree is also used by a pthread call that stays";
	}
}

int port_fibers_site(struct port_tree *t, const struct port_call *c)
{
	const struct fiber_twin *tw;
	const struct port_file *f;
	const char *why;
	char to[64];

	if (!c->posix || strncmp(c->posix, "pthread_", 8) || (!is_sync(c->posix) && !is_thread(c->posix)))
		return 0;
	tw = twin_of(c->posix);
	if (t->level != PORT_FIBERS) {
		if (!port_is_blocking(t, c->posix) && !tw)
			return 0;
		if (c->address)
			return 0;
		port_record(t, c, "left", "threads and locks move at --level fibers");
		return 1;
	}
	if (!port_selected(t, c->posix))
		return 0;
	if ((why = own_reason(t, c, tw))) {
		if (!tw && !port_is_blocking(t, c->posix))
			why = "no fiber twin: the group's types stay pthread's";
		port_record(t, c, "left", why);
		return 1;
	}
	if ((why = tw->sync ? t->sync_conflict : t->thread_conflict)) {
		port_record(t, c, "left", why);
		return 1;
	}
	f = &t->files[c->file];
	if (tw->attr || c->ret_used) {
		size_t off = port_file_offset(f, c->line, c->col), open, close, args[8];
		long i = off == (size_t)-1 ? -1 : port_tok_at(f, off);
		int n;

		if (i < 0 || !port_tok_is(f, i, c->callee) || c->in_macro) {
			port_record(t, c, "left", "in a macro: the argument list would change");
			return 1;
		}
		if (c->ret_used && i > 0 && port_tok_is(f, i - 1, "(") && port_tok_is(f, i + 1, ")")) {
			port_record(t, c, "left", "ambiguous: a parenthesised callee whose value is used");
			return 1;
		}
		if (tw->attr) {
			n = port_args(f, i, &open, args, 8, &close);
			if (n <= tw->attr || !arg_is_null(f, args[tw->attr], n > tw->attr + 1 ? args[tw->attr + 1] - 1 : close)) {
				port_record(t, c, "left", "attributes that are not NULL have no fiber equivalent");
				return 1;
			}
			/* "NULL, " goes: from the attribute to the next argument,
			 * or from the previous comma when it is the last. */
			if (n > tw->attr + 1)
				port_edit_add(&t->files[c->file], f->toks[args[tw->attr]].off,
					      f->toks[args[tw->attr + 1]].off - f->toks[args[tw->attr]].off, "");
			else
				port_edit_add(&t->files[c->file], f->toks[args[tw->attr] - 1].off,
					      f->toks[close].off - f->toks[args[tw->attr] - 1].off, "");
		}
	}
	snprintf(to, sizeof(to), "%s%s", c->ret_used > 0 ? "-" : "", db_catalog_twin(tw->from));
	why = port_rename(t, c, to);
	port_record(t, c, why ? "left" : "rewritten", why);
	if (!why) {
		if (tw->sync)
			t->sync_moved = 1;
		else
			t->thread_moved = 1;
	}
	return 1;
}

static void rename_tokens(struct port_tree *t, const char *from, const char *to)
{
	for (size_t fi = 0; fi < t->n_files; fi++) {
		struct port_file *f = &t->files[fi];

		for (size_t i = 0; i < f->n_toks; i++)
			if (f->toks[i].kind == PORT_TOK_IDENT && port_tok_is(f, i, from) &&
			    !port_file_skipped(f, f->toks[i].line))
				port_edit_add(f, f->toks[i].off, f->toks[i].len, to);
	}
}

static const char wrapper[] =
	"\n"
	"/* parakit port --level fibers: the program's main runs as libpk's first\n"
	" * fiber; pk_run() returns once every fiber has finished. */\n"
	"struct pk_port_args {\n"
	"\tint argc;\n"
	"\tchar **argv, **envp;\n"
	"\tint ret;\n"
	"};\n"
	"\n"
	"static void *pk_port_start(void *p)\n"
	"{\n"
	"\tstruct pk_port_args *a = p;\n"
	"\n"
	"\ta->ret = pk_port_main(%s);\n"
	"\treturn NULL;\n"
	"}\n"
	"\n"
	"int main(int argc, char **argv, char **envp)\n"
	"{\n"
	"\tstruct pk_port_args a = { argc, argv, envp, 0 };\n"
	"\tstatic const char msg[] = \"pk_run: cannot start libpk\\n\";\n"
	"\n"
	"\tif (pk_run(pk_port_start, &a, NULL) < 0) {\n"
	"\t\tif (pk_write(2, msg, sizeof(msg) - 1) < 0)\n"
	"\t\t\treturn 125;\n"
	"\t\treturn 125;\n"
	"\t}\n"
	"\treturn a.ret;\n"
	"}\n";

static void port_main(struct port_file *f)
{
	for (size_t i = 0; i < f->n_toks; i++)
		if (port_tok_is(f, i, "pk_port_main"))
			return;
	for (size_t i = 0; i + 1 < f->n_toks; i++) {
		size_t open, close, args[4];
		const char *call;
		char buf[sizeof(wrapper) + 64];
		int n;

		if (f->toks[i].depth || f->toks[i].directive || !port_tok_is(f, i, "main") ||
		    port_file_skipped(f, f->toks[i].line))
			continue;
		n = port_args(f, i, &open, args, 4, &close);
		if (n < 0 || close + 1 >= f->n_toks || !port_tok_is(f, close + 1, "{"))
			continue;
		if (n == 0 || (n == 1 && port_tok_is(f, args[0], "void") && args[0] + 1 == close))
			call = "";
		else if (n == 1)
			call = "a->argc";
		else if (n == 2)
			call = "a->argc, a->argv";
		else
			call = "a->argc, a->argv, a->envp";
		port_edit_add(f, f->toks[i].off, f->toks[i].len, "pk_port_main");
		/* One insertion: edits at one place are kept once. */
		buf[0] = '\n';
		snprintf(buf + 1, sizeof(buf) - 1, wrapper, call);
		port_edit_add(f, f->len, 0, f->len && f->text[f->len - 1] != '\n' ? buf : buf + 1);
		return;
	}
}

void port_fibers_finish(struct port_tree *t)
{
	if (t->level != PORT_FIBERS)
		return;
	if (t->thread_moved && !t->thread_conflict)
		rename_tokens(t, "pthread_t", "pk_fiber_t");
	if (t->sync_moved && !t->sync_conflict) {
		rename_tokens(t, "pthread_mutex_t", "pk_mutex_t");
		rename_tokens(t, "pthread_cond_t", "pk_cond_t");
		rename_tokens(t, "PTHREAD_MUTEX_INITIALIZER", "PK_MUTEX_INITIALIZER");
		rename_tokens(t, "PTHREAD_COND_INITIALIZER", "PK_COND_INITIALIZER");
	}
	for (size_t fi = 0; fi < t->n_files; fi++)
		if (t->files[fi].changed != 2)
			port_main(&t->files[fi]);
}
