/*
 * What a port run writes and says: the changed files, in place or as
 * their diff; the run and its decisions in the database (port_run,
 * port_site, read through v_port_runs and v_port_sites); the summary, or
 * the JSON that holds it and every site.
 */
#include "rewriter/port.h"
#include "analyzer/src_tree.h"
#include "common/common.h"
#include "common/json.h"
#include "db/db.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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
int port_git_dirty(const char *root)
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

int port_write_changes(const struct port_tree *t, struct port_outcome *o, FILE *patch)
{
	int ret = 0;

	for (size_t i = 0; i < t->n_files; i++) {
		const struct port_file *f = &t->files[i];
		size_t len;
		char *text;

		if (!f->n_edits)
			continue;
		text = port_file_result(f, &len);
		if (len == f->len && !memcmp(text, f->text, len)) {
			free(text);
			continue;
		}
		o->files_changed++;
		if (o->apply) {
			if (write_file(t->root, f, text, len))
				ret = -1;
		} else if (patch && port_file_diff(f, text, len, patch)) {
			util_err("cannot write the diff: %s", strerror(EIO));
			ret = -1;
		}
		free(text);
	}
	return ret;
}

int port_db_write(sqlite3 *db, const struct port_tree *t, struct port_outcome *o, const char *cmdline,
		  const char *started, const struct src_run *run)
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
		sqlite3_bind_double(run_st, 6, o->seconds);
		sqlite3_bind_int64(run_st, 7, (long long)t->n_sites);
		sqlite3_bind_int64(run_st, 8, (long long)rewritten);
		sqlite3_bind_int64(run_st, 9, (long long)o->files_changed);
		sqlite3_bind_int(run_st, 10, o->apply);
		if (sqlite3_step(run_st) != SQLITE_DONE)
			goto sqlerr;
		o->run_id = sqlite3_last_insert_rowid(db);
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
		sqlite3_bind_int64(ins, 11, o->run_id);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
	}
	/* A unit with no AST has no sites: one row says so, so that none of its calls passes unseen. */
	for (size_t i = 0; i < run->tus.n; i++) {
		const char *f = run->results[i].tu->file;
		size_t n = strlen(t->root);

		if (run->results[i].status != SRC_FAILED)
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
		sqlite3_bind_int64(ins, 11, o->run_id);
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

void port_print_summary(FILE *out, const struct port_tree *t, const struct port_outcome *o)
{
	const char *bname = port_build_name(o->build.kind);
	struct port_counts c, *k = &c;

	count_sites(t, k);
	fprintf(out, "parakit port: %s (--level %s)\n"
		     "  TUs         %zu parsed, %zu with errors\n"
		     "  call sites  %zu rewritten (%zu blocking), %zu left (%zu blocking)\n"
		     "  files       %zu changed\n"
		     "  build       %s%s%s%s\n"
		     "  time        %.2f s\n",
		t->root, level_name(t), o->tus, o->tus_bad, k->rewritten, k->brew, k->left, k->bleft,
		o->files_changed, o->build_state, bname ? " (" : "", bname ? bname : "", bname ? ")" : "", o->seconds);
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
void port_print_json(sqlite3 *db, const struct port_tree *t, const struct port_outcome *o)
{
	struct port_counts c, *k = &c;

	count_sites(t, k);
	printf("{\"db\":");
	util_json_s(stdout, sqlite3_db_filename(db, "main"));
	printf(o->run_id > 0 ? ",\"run_id\":%lld" : ",\"run_id\":null", o->run_id);
	printf(",\"tree\":");
	util_json_s(stdout, t->root);
	printf(",\"level\":\"%s\",\"tus\":%zu,\"tus_errors\":%zu,\"call_sites\":%zu,\"rewritten\":%zu,"
	       "\"rewritten_blocking\":%zu,\"left\":%zu,\"left_blocking\":%zu,\"files_changed\":%zu,\"diff\":",
	       level_name(t), o->tus, o->tus_bad, t->n_sites, k->rewritten, k->brew, k->left, k->bleft,
	       o->files_changed);
	util_json_s(stdout, o->diff);
	printf(",\"applied\":%s,\"build\":\"%s\",\"build_system\":", o->apply ? "true" : "false",
	       o->build_state);
	util_json_s(stdout, port_build_name(o->build.kind));
	printf(",\"build_log\":");
	util_json_s(stdout, o->build_log);
	printf(",\"seconds\":%.3f,\"left_by_reason\":[", o->seconds);
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
