/*
 * parakit port: rewrites a C tree's blocking POSIX calls onto libpk, as a
 * unified diff (patch -p1 at the tree's root) or in place; --json reports
 * the decisions instead of the diff on stdout.
 *
 * The call sites are parakit src's: the same libclang walk (src_parse())
 * finds them, with the facts a rewrite needs (written in a macro body or a
 * macro argument, value used, errno read after, address taken), and the
 * run is recorded as a src run too (v_call_sites). Each site is then
 * decided by the rewrite that owns its function (port_compat.c,
 * port_fibers.c) and recorded, rewritten or left with the reason, in
 * v_port_sites. Positions are libclang's spelling positions in the tree's
 * files; a header's calls, seen by each TU that includes it, are decided
 * once. The TUs are parsed by --jobs workers, one libclang index each.
 */
#include "analyzer/src_tree.h"
#include "common/common.h"
#include "common/json.h"
#include "common/options.h"
#include "db/db.h"
#include "parakit.h"
#include "rewriter/port.h"

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *const synopsis[] = {
	"parakit port [--db FILE] [-p BUILD_DIR | TREE] [--level compat|fibers] [--only FUNCS]\n"
	"             [--diff OUT.patch | --apply [--force]] [--verify] [--json] [--jobs N]\n"
	"             [-- CFLAGS...]",
	NULL
};

static const struct util_usage usage = {
	.synopsis = synopsis,
	.description =
		"Rewrites the blocking POSIX calls of a C tree onto libpk (pk.h) and prints\n"
		"the change as a unified diff that 'patch -p1' applies at the tree's root.\n"
		"\n"
		"At --level compat, each blocking call with a pk_ twin (same signature,\n"
		"return and errno) is renamed: read -> pk_read. At --level fibers, also:\n"
		"main runs as a fiber through pk_run, and threads, their attributes, keys,\n"
		"once, mutexes of every type, conditions, rwlocks and semaphores move onto\n"
		"libpk with their types: pthread_create -> pk_spawn_attr, sem_wait ->\n"
		"pk_sem_wait... (a group that cannot move stays, with why); sigaction,\n"
		"signal, pthread_kill -> pk_sigaction...\n"
		"\n"
		"The units are found as parakit src finds them: from compile_commands.json\n"
		"(in BUILD_DIR, else at TREE's root), else every .c file with CFLAGS.\n"
		"--verify builds a copy of the ported tree in a temporary directory with the\n"
		"tree's own commands (autotools: autoreconf -fi && ./configure && make;\n"
		"CMake: cmake -S . -B B && cmake --build B; Meson: meson setup B && meson\n"
		"compile -C B; else make), --jobs of them at once, with this build's libpk\n"
		"when pkg-config knows none. --json prints the summary and every call site\n"
		"(v_port_sites' columns) instead of the diff: with --diff FILE or --apply;\n"
		"alone, no diff is written.\n",
	.notes =
		"Every call site is rewritten or left with a reason (v_port_sites). The\n"
		"summary goes to stderr when the diff goes to stdout, else to stdout; with\n"
		"--json it is the JSON and every other message goes to stderr.\n"
		"#include <pk.h> is added once per edited file, and the files the tree's\n"
		"build reads make the targets that compile a changed file use libpk through\n"
		"pkg-config: configure.ac (PKG_CHECK_MODULES) and Makefile.am (regenerate\n"
		"with autoreconf -fi), CMakeLists.txt (pkg_check_modules, PkgConfig::LIBPK),\n"
		"meson.build (dependency('libpk')), or the Makefile (and Makefile.in) of the\n"
		"directory that compiles the file. The build is reported 'adapted' only when\n"
		"--verify built it, else 'adapted, not verified'; 'failed' with the log's\n"
		"tail; 'manual' when the build was not recognised; 'unchanged'.\n",
	.exit_status =
		"0 when the change was made (TUs that do not parse cleanly are\n"
		"reported, their sites still decided), 1 when a TU could not be parsed at\n"
		"all (its calls are unknown: a row in v_port_sites says so), the tree cannot\n"
		"be read, a file cannot be written or --verify's build failed, 2 on bad\n"
		"usage or a fatal failure (no usable database, a full disk).\n",
	.examples =
		"parakit port . | patch -p1\n"
		"parakit port --level fibers --diff fibers.patch -p build\n"
		"parakit port --only read,write --apply ~/src/cp\n"
		"parakit port --verify --diff tinyproxy.patch -p build tinyproxy-1.11.1\n"
		"parakit port --json --diff port.patch . | jq '.sites[] | select(.action == \"left\")'\n",
	.args = UTIL_ARGS_DIRS,
};

static const char *const level_values[] = { [PORT_COMPAT] = "compat", [PORT_FIBERS] = "fibers", NULL };

static struct port_opts {
	const char *db, *build_dir, *diff, *only;
	int level, jobs;
	int apply, force, json, verify;
} opts;

/* --- Gathering --------------------------------------------------------- */

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

/* The sites of every TU, once each, in file order. */
static struct call_key *gather(struct port_tree *t, const struct src_run *c, size_t *n_out)
{
	struct call_key *v = NULL;
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
	*n_out = k;
	return v;
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
static void find_handlers(struct port_tree *t, const struct call_key *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct port_call *c = &v[i].c;
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
			c.posix = scan_posix_name(name);
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


/* --- Output --------------------------------------------------------------- */

/* Runs argv; returns its exit status, and its stdout's first bytes in buf. */
static int run(char *const argv[], char *buf, size_t size)
{
	posix_spawn_file_actions_t fa;
	int fds[2], status = -1;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(fds))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	/* Keeps the first bytes, drains the rest. */
	for (;;) {
		char chunk[512];

		r = read(fds[0], chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < size) {
			size_t k = (size_t)r < size - n - 1 ? (size_t)r : size - n - 1;

			memcpy(buf + n, chunk, k);
			n += k;
		}
	}
	buf[n] = 0;
	close(fds[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* 1 when the tree is in a git work tree with uncommitted changes. */
static int git_dirty(const char *root)
{
	char out[4096];
	char *argv[] = { "git", "-C", (char *)root, "status", "--porcelain", "--untracked-files=no", NULL };

	if (run(argv, out, sizeof(out)) != 0)
		return 0;
	return out[0] != 0;
}

static int write_file(const char *root, const struct port_file *f, const char *text, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	struct stat st;
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", root, f->rel);
	snprintf(tmp, sizeof(tmp), "%s.pk-port", path);
	if (!(out = fopen(tmp, "w"))) {
		util_err("cannot write '%s': %s", tmp, strerror(errno));
		return -1;
	}
	if (fwrite(text, 1, len, out) != len || fclose(out)) {
		util_err("cannot write '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (!stat(path, &st))
		chmod(tmp, st.st_mode & 07777);
	if (rename(tmp, path)) {
		util_err("cannot replace '%s': %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Records the run and its sites (earlier runs keep theirs); *run_id gets
 * the port_run row. Returns 0 or -1 (printed). */
static int write_db(sqlite3 *db, struct port_tree *t, const char *cmdline, const char *started, double secs,
		    size_t files_changed, const struct src_result *results, size_t n_results, long long *run_id)
{
	sqlite3_stmt *ins = NULL, *run_st = NULL;
	long long tree_id;
	int ret = -1;

	if (db_exec(db, "BEGIN IMMEDIATE"))
		return -1;
	{
		sqlite3_stmt *st = db_prepare(db, "SELECT id FROM source_tree WHERE root = ?1");

		if (!st)
			goto out;
		sqlite3_bind_text(st, 1, t->root, -1, SQLITE_STATIC);
		tree_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
		sqlite3_finalize(st);
	}
	if (tree_id < 0)
		goto out;
	run_st = db_prepare(db, "INSERT INTO port_run(tree_id, level, command_line, parakit_version, started, seconds,"
				" sites, rewritten, files_changed, applied) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	ins = db_prepare(db, "INSERT INTO port_site(tree_id, file, line, col, caller, callee, posix_name, blocking,"
			     " action, reason, run_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (!run_st || !ins)
		goto out;
	{
		size_t rewritten = 0;

		for (size_t i = 0; i < t->n_sites; i++)
			rewritten += t->sites[i].action[0] == 'r';
		sqlite3_bind_int64(run_st, 1, tree_id);
		sqlite3_bind_text(run_st, 2, t->level == PORT_FIBERS ? "fibers" : "compat", -1, SQLITE_STATIC);
		sqlite3_bind_text(run_st, 3, cmdline, -1, SQLITE_STATIC);
		sqlite3_bind_text(run_st, 4, PARAKIT_VERSION, -1, SQLITE_STATIC);
		sqlite3_bind_text(run_st, 5, started, -1, SQLITE_STATIC);
		sqlite3_bind_double(run_st, 6, secs);
		sqlite3_bind_int64(run_st, 7, (long long)t->n_sites);
		sqlite3_bind_int64(run_st, 8, (long long)rewritten);
		sqlite3_bind_int64(run_st, 9, (long long)files_changed);
		sqlite3_bind_int(run_st, 10, opts.apply);
		if (sqlite3_step(run_st) != SQLITE_DONE)
			goto sqlerr;
		*run_id = sqlite3_last_insert_rowid(db);
	}
	for (size_t i = 0; i < t->n_sites; i++) {
		const struct port_site *s = &t->sites[i];

		sqlite3_bind_int64(ins, 1, tree_id);
		sqlite3_bind_text(ins, 2, t->files[s->file].rel, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 3, s->line);
		sqlite3_bind_int(ins, 4, s->col);
		if (s->caller)
			sqlite3_bind_text(ins, 5, s->caller, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 5);
		sqlite3_bind_text(ins, 6, s->callee, -1, SQLITE_STATIC);
		if (s->posix)
			sqlite3_bind_text(ins, 7, s->posix, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 7);
		sqlite3_bind_int(ins, 8, s->blocking);
		sqlite3_bind_text(ins, 9, s->action, -1, SQLITE_STATIC);
		if (s->reason)
			sqlite3_bind_text(ins, 10, s->reason, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 10);
		sqlite3_bind_int64(ins, 11, *run_id);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
	}
	/* A unit with no AST has no sites: one row says so, so that none of its calls passes unseen. */
	for (size_t i = 0; i < n_results; i++) {
		const char *f = results[i].tu->file;
		size_t n = strlen(t->root);

		if (results[i].status != SRC_FAILED)
			continue;
		if (!strncmp(f, t->root, n) && f[n] == '/')
			f += n + 1;
		sqlite3_bind_int64(ins, 1, tree_id);
		sqlite3_bind_text(ins, 2, f, -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 3, 0);
		sqlite3_bind_int(ins, 4, 0);
		sqlite3_bind_null(ins, 5);
		sqlite3_bind_text(ins, 6, "*", -1, SQLITE_STATIC);
		sqlite3_bind_null(ins, 7);
		sqlite3_bind_int(ins, 8, 0);
		sqlite3_bind_text(ins, 9, "left", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 10, "the unit did not parse: its calls are not known (v_src_errors)", -1,
				  SQLITE_STATIC);
		sqlite3_bind_int64(ins, 11, *run_id);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
	}
	ret = db_exec(db, "COMMIT");
	goto out;
sqlerr:
	util_err("database '%s': %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(run_st);
	if (ret)
		db_exec(db, "ROLLBACK");
	return ret;
}

/* What the summary and the JSON say of the sites. The reasons are the
 * rewrites' static strings, a handful: 32 slots hold them all. */
struct port_counts {
	size_t rewritten, left, brew, bleft;
	const char *reasons[32];
	size_t per_reason[32], n_reasons;
};

static void count_sites(const struct port_tree *t, struct port_counts *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < t->n_sites; i++) {
		const struct port_site *s = &t->sites[i];
		size_t r;

		if (s->action[0] == 'r') {
			k->rewritten++;
			k->brew += s->blocking;
			continue;
		}
		k->left++;
		k->bleft += s->blocking;
		for (r = 0; r < k->n_reasons && strcmp(k->reasons[r], s->reason); r++)
			;
		assert(r < ARRAY_SIZE(k->reasons));
		if (r == k->n_reasons)
			k->reasons[k->n_reasons++] = s->reason;
		k->per_reason[r]++;
	}
}

static const char *level_name(const struct port_tree *t)
{
	return t->level == PORT_FIBERS ? "fibers" : "compat";
}

/* The build's state, as --json's "build" says it. */
struct port_build_state {
	struct port_build b;
	const char *state;
	char *log;		/* the failed build's log tail, or NULL */
};

/*
 * Decides what is said of the build after port_adapt_build() returned
 * adapted: "adapted" only once --verify built the copy, "adapted, not
 * verified" without it, "failed" when the build failed, "manual" when it
 * was not recognised, "unchanged" when it needs nothing. Returns -1 when
 * --verify's build failed (printed), else 0.
 */
static int build_state(struct port_tree *t, struct port_build_state *s, int adapted, size_t files_changed)
{
	int r;

	if (adapted < 0) {
		s->state = "manual";
		if (opts.verify)
			util_err("--verify: the build of '%s' was not recognised, nothing was built", t->root);
		return 0;
	}
	if (!opts.verify || (!adapted && !files_changed)) {
		s->state = adapted > 0 ? "adapted, not verified" : "unchanged";
		return 0;
	}
	if (isatty(2))
		fprintf(stderr, "parakit port: --verify: building a copy of the ported tree (%s)...\n",
			port_build_name(s->b.kind));
	if (!(r = port_verify(t, &s->b, opts.jobs, &s->log))) {
		s->state = adapted > 0 ? "adapted" : "unchanged";
		return 0;
	}
	s->state = "failed";
	if (r > 0) {
		/* The log's own lines, as the build wrote them. */
		util_err("--verify: the ported tree does not build (%s); its log ends with:", port_build_name(s->b.kind));
		fputs(s->log, stderr);
	}
	return -1;
}

static void summary(FILE *out, const struct port_tree *t, const struct port_counts *k, size_t files_changed,
		    size_t tus, size_t tus_bad, const struct port_build_state *bs, double secs)
{
	const char *bname = port_build_name(bs->b.kind);

	fprintf(out, "parakit port: %s (--level %s)\n"
		     "  TUs         %zu parsed, %zu with errors\n"
		     "  call sites  %zu rewritten (%zu blocking), %zu left (%zu blocking)\n"
		     "  files       %zu changed\n"
		     "  build       %s%s%s%s\n"
		     "  time        %.2f s\n",
		t->root, level_name(t), tus, tus_bad, k->rewritten, k->brew, k->left, k->bleft, files_changed,
		bs->state, bname ? " (" : "", bname ? bname : "", bname ? ")" : "", secs);
	if (k->n_reasons)
		fprintf(out, "left, by reason (v_port_sites):\n");
	for (size_t r = 0; r < k->n_reasons; r++)
		fprintf(out, "  %5zu  %s\n", k->per_reason[r], k->reasons[r]);
}

/*
 * --json: the summary's facts and every site, one object on stdout. A
 * site has v_port_sites' columns under their names, plus posix_name and
 * blocking (port_site's), so '.sites[]' reads like the view. Strings come
 * from the tree (paths, function names): util_json_s keeps bytes that
 * are not UTF-8 recoverable instead of writing invalid JSON.
 */
static void print_json(sqlite3 *db, const struct port_tree *t, const struct port_counts *k, long long run_id,
		       size_t files_changed, size_t tus, size_t tus_bad, const struct port_build_state *bs,
		       double secs)
{
	printf("{\"db\":");
	util_json_s(stdout, sqlite3_db_filename(db, "main"));
	printf(run_id > 0 ? ",\"run_id\":%lld" : ",\"run_id\":null", run_id);
	printf(",\"tree\":");
	util_json_s(stdout, t->root);
	printf(",\"level\":\"%s\",\"tus\":%zu,\"tus_errors\":%zu,\"call_sites\":%zu,\"rewritten\":%zu,"
	       "\"rewritten_blocking\":%zu,\"left\":%zu,\"left_blocking\":%zu,\"files_changed\":%zu,\"diff\":",
	       level_name(t), tus, tus_bad, t->n_sites, k->rewritten, k->brew, k->left, k->bleft, files_changed);
	util_json_s(stdout, opts.diff);
	printf(",\"applied\":%s,\"build\":\"%s\",\"build_system\":", opts.apply ? "true" : "false", bs->state);
	util_json_s(stdout, port_build_name(bs->b.kind));
	printf(",\"build_log\":");
	util_json_s(stdout, bs->log);
	printf(",\"seconds\":%.3f,\"left_by_reason\":[", secs);
	for (size_t r = 0; r < k->n_reasons; r++) {
		printf("%s{\"reason\":", r ? "," : "");
		util_json_s(stdout, k->reasons[r]);
		printf(",\"count\":%zu}", k->per_reason[r]);
	}
	printf("],\"sites\":[");
	for (size_t i = 0; i < t->n_sites; i++) {
		const struct port_site *s = &t->sites[i];

		printf("%s{\"tree\":", i ? "," : "");
		util_json_s(stdout, t->root);
		printf(",\"file\":");
		util_json_s(stdout, t->files[s->file].rel);
		printf(",\"line\":%u,\"col\":%u,\"caller\":", s->line, s->col);
		util_json_s(stdout, s->caller);
		printf(",\"callee\":");
		util_json_s(stdout, s->callee);
		printf(",\"posix_name\":");
		util_json_s(stdout, s->posix);
		printf(",\"blocking\":%s,\"action\":\"%s\",\"reason\":", s->blocking ? "true" : "false", s->action);
		util_json_s(stdout, s->reason);
		putchar('}');
	}
	printf("]}\n");
}

static void tree_release(struct port_tree *t)
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

static char **split_only(const char *s)
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

int cmd_port(int argc, char **argv)
{
	const struct util_option options[] = {
		UTIL_OPT_DB(&opts.db),
		UTIL_OPT_DIRNAME('p', "build-dir", &opts.build_dir, "DIR",
				 "where compile_commands.json is (else TREE's root, else every .c file with CFLAGS)"),
		UTIL_OPT_ENUM(0, "level", &opts.level, level_values,
			      "compat: blocking calls onto their pk_ twins; fibers: also main, threads, locks"
			      " and signals onto libpk's fibers"),
		UTIL_OPT_STRING(0, "only", &opts.only, "FUNCS", "only these POSIX functions (comma-separated)"),
		UTIL_OPT_FILENAME(0, "diff", &opts.diff, "FILE", "write the diff to FILE"),
		UTIL_OPT_FLAG(0, "apply", &opts.apply,
			      "edit the files in place; refused when the tree has uncommitted changes under git,"
			      " unless --force"),
		UTIL_OPT_FLAG(0, "force", &opts.force, "with --apply: apply to a tree with uncommitted changes"),
		UTIL_OPT_FLAG(0, "verify", &opts.verify,
			      "build a copy of the ported tree with the tree's own commands"),
		UTIL_OPT_JSON(&opts.json),
		UTIL_OPT_JOBS(&opts.jobs),
		UTIL_OPT_END()
	};
	char **cflags = NULL, *root, *line = NULL, *cmdline = NULL;
	const char *tree = NULL;
	struct port_tree t = { 0 };
	struct src_run run = { 0 }, *c = &run;
	struct call_key *calls = NULL;
	size_t n_calls = 0, files_changed = 0, tus_bad = 0, tus_failed = 0;
	struct port_call *plain = NULL;
	sqlite3 *db = NULL;
	FILE *diff_out = NULL, *patch, *msg = stderr;
	struct port_build_state bs = { .state = "unchanged" };
	int i, n_cflags = 0, nargs, ret = 1, build_ret;
	long long run_id = 0;
	char now[32];
	uint64_t t0;

	/* CFLAGS follow '--': options are not looked for among them. */
	nargs = util_split_dashdash(argc, argv, &cflags, &n_cflags);
	opts = (struct port_opts){ .db = DB_DEFAULT, .jobs = util_jobs_default() };
	if ((i = util_parse_options(nargs, argv, options, &usage, 0)) < 0)
		return i == UTIL_OPT_HELP ? 0 : 2;
	if (i < nargs)
		tree = argv[i++];
	if (i < nargs || (!tree && !opts.build_dir) || (opts.apply && opts.diff) ||
	    (opts.force && !opts.apply)) {
		if (i < nargs)
			util_err("one TREE at most, not also '%s'", argv[i]);
		else if (!tree && !opts.build_dir)
			util_err("no TREE and no -p BUILD_DIR");
		else if (opts.force)
			util_err("--force goes with --apply");
		else
			util_err("--apply and --diff exclude each other");
		util_opt_usage(stderr, options, &usage);
		return 2;
	}
	run.tree = tree;
	run.build_dir = opts.build_dir;
	run.cflags = cflags;
	run.n_cflags = n_cflags;
	run.jobs = opts.jobs;
	if (src_run_resolve(&run) || !run.tus.n)
		goto out;
	root = run.root;
	if (opts.apply && !opts.force && git_dirty(root)) {
		util_err("the tree '%s' has uncommitted changes: commit or stash them, or add --force", root);
		goto out;
	}
	/* Opened before the parse: libclang's -working-directory changes the
	 * process's directory (clang 14), and a relative FILE is the user's. */
	if (opts.diff && !(diff_out = fopen(opts.diff, "w"))) {
		util_err("cannot write '%s': %s", opts.diff, strerror(errno));
		goto out;
	}
	if ((opts.diff || opts.apply) && !opts.json)
		msg = stdout;
	/* Until the sites are recorded a failure is fatal: nothing is stored. */
	ret = 2;
	if (db_open(opts.db, &db))
		goto out;
	t.root = root;
	t.level = opts.level;
	t.only = opts.only ? split_only(opts.only) : NULL;
	if (port_load_blocking(&t, db))
		goto out;

	/* src's pipeline: each unit that does not parse cleanly is reported as it is parsed. */
	if (src_run_parse(&run))
		goto out;
	t0 = run.t0;
	snprintf(now, sizeof(now), "%s", run.started);
	for (size_t i = 0; i < c->tus.n; i++) {
		const char *f = c->tus.v[i].file;
		size_t n = strlen(root);

		/* The edits stay inside the tree: say so rather than drop the unit in silence. */
		if (strncmp(f, root, n) || f[n] != '/')
			util_err("warning: '%s' is outside the tree '%s' (or reached through a symbolic link "
			         "that leaves it): its calls are not ported", f, root);
	}
	for (size_t i = 0; i < c->tus.n; i++) {
		if (c->results[i].status == SRC_CLEAN)
			continue;
		tus_bad++;
		if (c->results[i].status == SRC_FAILED) {
			tus_failed++;
			util_err("'%s': its calls are not known, none is ported (see v_port_sites)",
			         c->results[i].tu->file);
		}
	}

	line = util_join_argv(argc, argv);
	if (asprintf(&cmdline, "parakit %s", line) < 0)
		cmdline = NULL;
	if (src_run_write(db, &run, cmdline ? cmdline : "parakit port") < 0) {
		util_err("database '%s': the call sites were not recorded", opts.db);
		goto out;
	}

	/* Every .c and .h of the tree: macros defined in headers no call
	 * site is in, and types declared there, are edited too. */
	load_dir(&t, "", 0);
	calls = gather(&t, c, &n_calls);
	port_macros_index(&t);
	find_handlers(&t, calls, n_calls);
	plain = xcalloc(n_calls + 1, sizeof(*plain));
	for (size_t i = 0; i < n_calls; i++)
		plain[i] = calls[i].c;
	if (t.level == PORT_FIBERS)
		port_fibers_plan(&t, plain, n_calls);
	for (size_t i = 0; i < n_calls; i++) {
		const struct port_call *pc = &plain[i];

		if (!pc->posix)
			continue;
		if (port_file_skipped(&t.files[pc->file], pc->line))
			continue;
		if (!port_fibers_site(&t, pc))
			port_compat_site(&t, pc);
	}
	skipped_calls(&t);
	port_fibers_finish(&t);
	port_add_includes(&t);
	build_ret = port_adapt_build(&t, &bs.b, msg);

	/* The diff never shares stdout with the JSON: --json alone writes none. */
	patch = diff_out ? diff_out : opts.json ? NULL : stdout;
	ret = 0;
	for (size_t i = 0; i < t.n_files; i++) {
		struct port_file *f = &t.files[i];
		size_t len;
		char *text;

		if (!f->n_edits)
			continue;
		text = port_file_result(f, &len);
		if (len == f->len && !memcmp(text, f->text, len)) {
			free(text);
			continue;
		}
		files_changed++;
		if (opts.apply) {
			if (write_file(root, f, text, len))
				ret = 1;
		} else if (patch && port_file_diff(f, text, len, patch)) {
			util_err("cannot write the diff: %s", strerror(EIO));
			ret = 1;
		}
		free(text);
	}
	if (diff_out) {
		int err = fclose(diff_out);

		diff_out = NULL;
		if (err) {
			util_err("cannot write '%s': %s", opts.diff, strerror(errno));
			ret = 1;
		}
	}
	fflush(stdout);
	if (ret == 0 && build_state(&t, &bs, build_ret, files_changed))
		ret = 1;
	if (ret == 0 && tus_failed)
		ret = 1;	/* as src: some inputs recorded as errors */
	if (write_db(db, &t, cmdline ? cmdline : "parakit port", now, (util_now_ns() - t0) / 1e9, files_changed,
		     c->results, c->tus.n, &run_id)) {
		util_err("database '%s': the port was not recorded", opts.db);
		ret = 2;
	}
	{
		struct port_counts k;
		double secs = (util_now_ns() - t0) / 1e9;

		count_sites(&t, &k);
		if (opts.json)
			print_json(db, &t, &k, run_id, files_changed, c->tus.n, tus_bad, &bs, secs);
		else
			summary(msg, &t, &k, files_changed, c->tus.n, tus_bad, &bs, secs);
	}
out:
	if (diff_out)
		fclose(diff_out);
	src_run_release(&run);
	free(calls);
	free(plain);
	free(bs.log);
	tree_release(&t);
	db_close(db);
	free(line);
	free(cmdline);
	return ret;
}
