/*
 * --level fibers: threads become fibers. Each pthread (and sem_) function
 * with a fiber twin, the catalogue's pk_equivalent, is renamed onto it,
 * and the types and constants follow, by groups whose calls share types:
 *   threads: pthread_create/join/detach/self/equal and the thread
 *     attributes (pthread_t -> pk_fiber_t, pthread_attr_t -> pk_attr_t);
 *   keys: pthread_key_*, pthread_get/setspecific (pthread_key_t);
 *   mutexes and conditions, which cond_wait ties together, with their
 *     attributes and initializers (PTHREAD_MUTEX_INITIALIZER...);
 *   rwlocks; once; semaphores (sem_t -> pk_sem_t).
 * sigaction and signal become pk_sigaction and pk_signal, whose handlers
 * interrupt parked fibers as the kernel's interrupt blocked threads
 * (runtime/signal.c), and pthread_kill becomes pk_kill with the threads.
 * main is renamed pk_port_main and a new main runs it as the first fiber
 * through pk_run (which calls pk_init), so every pk_ call of the program
 * parks a fiber instead of a thread.
 *
 * Types are all or nothing: a pthread_t that pthread_cancel() still sees
 * cannot become a pk_fiber_t, so a call of a group that cannot move (no
 * fiber twin, in a signal handler, its address taken) keeps the whole
 * group on pthreads, and each of its calls is left with the reason.
 * Threads move only when what they wait on moves too: a fiber in
 * pthread_mutex_lock, sem_wait or pthread_barrier_wait blocks its core's
 * thread, and with it the fiber it waits for if that one shares the core;
 * a pthread key read from a fiber is its core thread's. The other way
 * round is fine: libpk's locks and keys work from threads as well.
 *
 * pthread functions return a positive errno where libpk's return -errno:
 * a call whose value is used is negated (-pk_mutex_lock(&m)), which keeps
 * every comparison and stored code as it was. pthread_self, pthread_equal
 * and pthread_getspecific return no error code, pk_kill returns the errno
 * as pthread_kill does, and the semaphores and signal twins keep POSIX's
 * -1 and errno (pk.h): those are only renamed.
 */
#include "rewriter/port.h"
#include "common/common.h"
#include "db/db.h"

#include <string.h>

/*
 * How each function with a fiber twin is rewritten; the twin's name is
 * the catalogue's (db_catalog_twin, the list shim reads too), and a
 * function the catalogue gives no twin is not rewritten.
 */
struct fiber_twin {
	const char *from;
	int attr;	/* index of an attribute argument that must be NULL, and goes; 0: none */
	int zero;	/* index of an argument that must be 0 (sem_init's pshared); 0: none */
	int neg;	/* returns pthread's positive errno: negated where its value is used */
};

static const struct fiber_twin twins[] = {
	{ "pthread_attr_destroy", 0, 0, 1 },
	{ "pthread_attr_getdetachstate", 0, 0, 1 },
	{ "pthread_attr_getstacksize", 0, 0, 1 },
	{ "pthread_attr_init", 0, 0, 1 },
	{ "pthread_attr_setdetachstate", 0, 0, 1 },
	{ "pthread_attr_setstacksize", 0, 0, 1 },
	{ "pthread_cond_broadcast", 0, 0, 1 },
	{ "pthread_cond_destroy", 0, 0, 1 },
	{ "pthread_cond_init", 0, 0, 1 },
	{ "pthread_cond_signal", 0, 0, 1 },
	{ "pthread_cond_timedwait", 0, 0, 1 },
	{ "pthread_cond_wait", 0, 0, 1 },
	{ "pthread_condattr_destroy", 0, 0, 1 },
	{ "pthread_condattr_getclock", 0, 0, 1 },
	{ "pthread_condattr_init", 0, 0, 1 },
	{ "pthread_condattr_setclock", 0, 0, 1 },
	{ "pthread_create", 0, 0, 1 },
	{ "pthread_detach", 0, 0, 1 },
	{ "pthread_equal", 0, 0, 0 },
	{ "pthread_getspecific", 0, 0, 0 },
	{ "pthread_join", 0, 0, 1 },
	{ "pthread_kill", 0, 0, 0 },	/* pk_kill returns pthread_kill's errno */
	{ "pthread_key_create", 0, 0, 1 },
	{ "pthread_key_delete", 0, 0, 1 },
	{ "pthread_mutex_destroy", 0, 0, 1 },
	{ "pthread_mutex_init", 0, 0, 1 },
	{ "pthread_mutex_lock", 0, 0, 1 },
	{ "pthread_mutex_timedlock", 0, 0, 1 },
	{ "pthread_mutex_trylock", 0, 0, 1 },
	{ "pthread_mutex_unlock", 0, 0, 1 },
	{ "pthread_mutexattr_destroy", 0, 0, 1 },
	{ "pthread_mutexattr_gettype", 0, 0, 1 },
	{ "pthread_mutexattr_init", 0, 0, 1 },
	{ "pthread_mutexattr_settype", 0, 0, 1 },
	{ "pthread_once", 0, 0, 1 },
	{ "pthread_rwlock_destroy", 0, 0, 1 },
	{ "pthread_rwlock_init", 1, 0, 1 },
	{ "pthread_rwlock_rdlock", 0, 0, 1 },
	{ "pthread_rwlock_tryrdlock", 0, 0, 1 },
	{ "pthread_rwlock_trywrlock", 0, 0, 1 },
	{ "pthread_rwlock_unlock", 0, 0, 1 },
	{ "pthread_rwlock_wrlock", 0, 0, 1 },
	{ "pthread_self", 0, 0, 0 },
	{ "pthread_setspecific", 0, 0, 1 },
	{ "pthread_sigmask", 0, 0, 0 },	/* pk_sigmask returns pthread_sigmask's errno */
	{ "sem_destroy", 0, 0, 0 },
	{ "sem_getvalue", 0, 0, 0 },
	{ "sem_init", 0, 1, 0 },
	{ "sem_post", 0, 0, 0 },
	{ "sem_timedwait", 0, 0, 0 },
	{ "sem_trywait", 0, 0, 0 },
	{ "sem_wait", 0, 0, 0 },
	{ "sigaction", 0, 0, 0 },
	{ "signal", 0, 0, 0 },
};

/* The types and constants of each group, renamed when the group moves. */
static const struct {
	enum port_group group;
	const char *from, *to;
} names[] = {
	{ PORT_G_THREAD, "pthread_t", "pk_fiber_t" },
	{ PORT_G_THREAD, "pthread_attr_t", "pk_attr_t" },
	{ PORT_G_THREAD, "PTHREAD_CREATE_JOINABLE", "PK_CREATE_JOINABLE" },
	{ PORT_G_THREAD, "PTHREAD_CREATE_DETACHED", "PK_CREATE_DETACHED" },
	{ PORT_G_THREAD, "PTHREAD_STACK_MIN", "PK_STACK_MIN" },
	{ PORT_G_KEY, "pthread_key_t", "pk_key_t" },
	{ PORT_G_KEY, "PTHREAD_KEYS_MAX", "PK_KEYS_MAX" },
	{ PORT_G_KEY, "PTHREAD_DESTRUCTOR_ITERATIONS", "PK_DESTRUCTOR_ITERATIONS" },
	{ PORT_G_SYNC, "pthread_mutex_t", "pk_mutex_t" },
	{ PORT_G_SYNC, "pthread_cond_t", "pk_cond_t" },
	{ PORT_G_SYNC, "pthread_mutexattr_t", "pk_mutexattr_t" },
	{ PORT_G_SYNC, "pthread_condattr_t", "pk_condattr_t" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_INITIALIZER", "PK_MUTEX_INITIALIZER" },
	{ PORT_G_SYNC, "PTHREAD_COND_INITIALIZER", "PK_COND_INITIALIZER" },
	{ PORT_G_SYNC, "PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP", "PK_MUTEX_RECURSIVE_INITIALIZER" },
	{ PORT_G_SYNC, "PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP", "PK_MUTEX_ERRORCHECK_INITIALIZER" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_NORMAL", "PK_MUTEX_NORMAL" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_RECURSIVE", "PK_MUTEX_RECURSIVE" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_ERRORCHECK", "PK_MUTEX_ERRORCHECK" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_DEFAULT", "PK_MUTEX_DEFAULT" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_TIMED_NP", "PK_MUTEX_NORMAL" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_RECURSIVE_NP", "PK_MUTEX_RECURSIVE" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_ERRORCHECK_NP", "PK_MUTEX_ERRORCHECK" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_ADAPTIVE_NP", "PK_MUTEX_NORMAL" },
	{ PORT_G_SYNC, "PTHREAD_MUTEX_FAST_NP", "PK_MUTEX_NORMAL" },
	{ PORT_G_RWLOCK, "pthread_rwlock_t", "pk_rwlock_t" },
	{ PORT_G_RWLOCK, "PTHREAD_RWLOCK_INITIALIZER", "PK_RWLOCK_INITIALIZER" },
	{ PORT_G_SEM, "sem_t", "pk_sem_t" },
	{ PORT_G_ONCE, "pthread_once_t", "pk_once_t" },
	{ PORT_G_ONCE, "PTHREAD_ONCE_INIT", "PK_ONCE_INIT" },
};

/*
 * Why a group's calls that could move stay, when another call of the group
 * cannot; and, for the groups threads wait on, why that keeps the threads.
 */
static const char *const group_stays[PORT_GROUPS] = {
	[PORT_G_THREAD] = "a thread of the tree is also used by a pthread call that stays",
	[PORT_G_KEY] = "a key of the tree is also used by a pthread call that stays",
	[PORT_G_SYNC] = "a mutex or condition of the tree is also used by a pthread call that stays",
	[PORT_G_RWLOCK] = "a rwlock of the tree is also used by a pthread call that stays",
	[PORT_G_SEM] = "a semaphore of the tree is also used by a sem_ call that stays",
	[PORT_G_ONCE] = "a once of the tree is also used by a pthread call that stays",
};

static const char *const threads_stay[PORT_GROUPS] = {
	[PORT_G_KEY] = "a key of the tree stays pthread's: as fibers, threads would share their core's values",
	[PORT_G_SYNC] = "a mutex or condition of the tree stays pthread's: a fiber waiting on it would block its core",
	[PORT_G_RWLOCK] = "a rwlock of the tree stays pthread's: a fiber waiting on it would block its core",
	[PORT_G_SEM] = "a semaphore of the tree stays a sem_t: a fiber waiting on it would block its core",
	[PORT_G_ONCE] = "a pthread_once of the tree stays: a fiber waiting on it would block its core",
	[PORT_G_SPIN] = "a spin lock of the tree has no fiber twin: a fiber waiting on it would block its core",
	[PORT_G_BARRIER] = "a barrier of the tree has no fiber twin: a fiber waiting on it would block its core",
};

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

enum port_group port_fibers_group(const char *p)
{
	if (!p)
		return PORT_G_NONE;
	if (starts(p, "sem_"))
		return PORT_G_SEM;
	if (!strcmp(p, "sigaction") || !strcmp(p, "signal") || !strcmp(p, "pthread_sigmask"))
		return PORT_G_SIGNAL;
	if (!starts(p, "pthread_") || starts(p, "pthread_atfork"))
		return PORT_G_NONE;
	if (starts(p, "pthread_mutex") || starts(p, "pthread_cond"))
		return PORT_G_SYNC;
	if (starts(p, "pthread_rwlock"))
		return PORT_G_RWLOCK;
	if (starts(p, "pthread_key") || starts(p, "pthread_getspecific") || starts(p, "pthread_setspecific"))
		return PORT_G_KEY;
	if (starts(p, "pthread_once"))
		return PORT_G_ONCE;
	if (starts(p, "pthread_spin"))
		return PORT_G_SPIN;
	if (starts(p, "pthread_barrier"))
		return PORT_G_BARRIER;
	return PORT_G_THREAD;
}

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

/* Whether the tokens of argument k are NULL or 0 (possibly cast). */
static int arg_is_null(const struct port_file *f, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (port_tok_is(f, i, "NULL") || port_tok_is(f, i, "0"))
			return i + 1 == to || (i + 2 == to && port_tok_is(f, i + 1, ")"));
	return 0;
}

/*
 * Whether argument @k of the call @c is NULL or 0: 1, 0, or -1 when its
 * arguments cannot be read (written by a macro).
 */
static int arg_is_zero(const struct port_tree *t, const struct port_call *c, int k)
{
	const struct port_file *f = &t->files[c->file];
	size_t off = port_file_offset(f, c->line, c->col), open, close, args[8];
	long i = off == (size_t)-1 ? -1 : port_tok_at(f, off);
	int n;

	if (i < 0 || !port_tok_is(f, i, c->callee) || c->in_macro)
		return -1;
	n = port_args(f, i, &open, args, 8, &close);
	return n > k && arg_is_null(f, args[k], n > k + 1 ? args[k + 1] - 1 : close);
}

/*
 * Whether a call of the mutexes and conditions may park its fiber, letting
 * the core's other fibers run and set errno (the core thread's) before it
 * returns. An unlock, a signal or a trylock never parks: a waiter is only
 * made ready (pk_wake), so the errno of the call before it is still there
 * after it, as with pthreads (tinyproxy's log_message reads write()'s errno
 * after the unlock that follows it).
 */
static int sync_parks(const char *posix)
{
	return !strcmp(posix, "pthread_mutex_lock") || !strcmp(posix, "pthread_mutex_timedlock") ||
	       !strcmp(posix, "pthread_cond_wait") || !strcmp(posix, "pthread_cond_timedwait");
}

/* Why the site cannot move alone, or NULL. */
static const char *own_reason(struct port_tree *t, const struct port_call *c, const struct fiber_twin *tw)
{
	int zero;

	if (c->address)
		return "address taken: pk_ twins of pthread functions have other types";
	if (c->caller && port_is_handler(t, c->caller))
		return "in a signal handler: libpk's calls are not async-signal-safe";
	if (!tw)
		return "no fiber twin of this pthread function in libpk";
	if ((tw->attr || tw->zero) && (zero = arg_is_zero(t, c, tw->attr ? tw->attr : tw->zero)) <= 0)
		return zero < 0 ? "in a macro: the argument list would change"
		       : tw->attr ? "attributes that are not NULL have no fiber equivalent"
				  : "a process-shared semaphore: its waiters may be in another process";
	if (port_fibers_group(c->posix) == PORT_G_SYNC && c->errno_after && sync_parks(c->posix))
		return "errno is read after it: a fiber that parks here lets other fibers change errno";
	return NULL;
}

void port_fibers_plan(struct port_tree *t, const struct port_call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct port_call *c = &calls[i];
		enum port_group g = port_fibers_group(c->posix);

		if (!g || t->conflict[g] || (!group_stays[g] && !threads_stay[g]))
			continue;	/* no types shared: each call moves on its own */
		/* A call --only leaves is one that stays, types and all. */
		if (own_reason(t, c, twin_of(c->posix)) || !port_selected(t, c->posix))
			t->conflict[g] = group_stays[g] ? group_stays[g] : "no fiber twin";
	}
	for (int g = 0; g < PORT_GROUPS && !t->conflict[PORT_G_THREAD]; g++)
		if (threads_stay[g] && t->conflict[g])
			t->conflict[PORT_G_THREAD] = threads_stay[g];
}

int port_fibers_site(struct port_tree *t, const struct port_call *c)
{
	enum port_group g = port_fibers_group(c->posix);
	const struct fiber_twin *tw;
	const struct port_file *f;
	const char *why;
	char to[64];

	if (!g)
		return 0;
	tw = twin_of(c->posix);
	if (t->level != PORT_FIBERS && g == PORT_G_SIGNAL)
		return 0;	/* threads stay threads, whose calls the kernel interrupts itself */
	if (t->level != PORT_FIBERS) {
		if ((!port_is_blocking(t, c->posix) && !tw) || c->address)
			return 0;
		port_record(t, c, "left", tw ? "threads and locks move at --level fibers"
					     : "no fiber twin of this pthread function in libpk");
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
	if ((why = t->conflict[g])) {
		port_record(t, c, "left", why);
		return 1;
	}
	f = &t->files[c->file];
	if (tw->attr || (c->ret_used && tw->neg)) {
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
			/* NULL, as own_reason() found. */
			n = port_args(f, i, &open, args, 8, &close);
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
	snprintf(to, sizeof(to), "%s%s", c->ret_used > 0 && tw->neg ? "-" : "", db_catalog_twin(tw->from));
	why = port_rename(t, c, to);
	port_record(t, c, why ? "left" : "rewritten", why);
	if (!why)
		t->moved[g] = 1;
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
	"#include <stdlib.h>\n"
	"\n"
	"/* parakit port --level fibers: the program's main runs as libpk's first\n"
	" * fiber, on one core per CPU with new fibers spread over them as threads\n"
	" * were (PK_CORES and PK_SPREAD override). Its return is exit(), as C's\n"
	" * start-up makes it, whatever other fibers still run, and in a child of\n"
	" * fork() as well (where pk_run's caller is gone). */\n"
	"struct pk_port_args {\n"
	"\tint argc;\n"
	"\tchar **argv, **envp;\n"
	"};\n"
	"\n"
	"static void *pk_port_start(void *p)\n"
	"{\n"
	"%s"
	"\texit(pk_port_main(%s));\n"
	"}\n"
	"\n"
	"int main(int argc, char **argv, char **envp)\n"
	"{\n"
	"\tstruct pk_port_args a = { argc, argv, envp };\n"
	"\tstatic const char msg[] = \"pk_run: cannot start libpk\\n\";\n"
	"\tstruct pk_config cfg;\n"
	"\n"
	"\t/* Threads ran on every CPU: so do the fibers that replace them. */\n"
	"\tpk_config_init(&cfg);\n"
	"\tcfg.cores = 0;\n"
	"\tcfg.spread = 1;\n"
	"\tif (pk_init(&cfg) < 0 || pk_run(pk_port_start, &a, NULL) < 0) {\n"
	"\t\tif (pk_write(2, msg, sizeof(msg) - 1) < 0)\n"
	"\t\t\treturn 125;\n"
	"\t\treturn 125;\n"
	"\t}\n"
	"\treturn 0;\n"
	"}\n";

static void port_main(struct port_file *f)
{
	for (size_t i = 0; i < f->n_toks; i++)
		if (port_tok_is(f, i, "pk_port_main"))
			return;
	for (size_t i = 0; i + 1 < f->n_toks; i++) {
		size_t open, close, args[4];
		const char *call;
		char buf[sizeof(wrapper) + 128];
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
		snprintf(buf + 1, sizeof(buf) - 1, wrapper,
			 *call ? "\tstruct pk_port_args *a = p;\n\n" : "\t(void)p;\n", call);
		port_edit_add(f, f->len, 0, f->len && f->text[f->len - 1] != '\n' ? buf : buf + 1);
		return;
	}
}

void port_fibers_finish(struct port_tree *t)
{
	if (t->level != PORT_FIBERS)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (t->moved[names[i].group] && !t->conflict[names[i].group])
			rename_tokens(t, names[i].from, names[i].to);
	for (size_t fi = 0; fi < t->n_files; fi++)
		if (t->files[fi].changed != 2)
			port_main(&t->files[fi]);
}
