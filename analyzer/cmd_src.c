/*
 * parakit src: every call site of a C source tree, with libclang, into the
 * database: where each call is, what it calls and the POSIX function that
 * stands for, whether it blocks, sits in a macro, has its value used, is
 * followed by an errno read; and the functions whose address is taken.
 *
 * The TUs come from a compile_commands.json (-p BUILD_DIR, or at the
 * tree's root) or are the tree's .c files with the flags given after '--'.
 * --jobs workers each own one libclang index and take the next TU; the
 * results are written at the end in one transaction that replaces the
 * tree's rows (src_writer.c). libclang parses a TU in about a tenth of the
 * time a clang process takes per file (redis: 107 TUs in ~3.7 s against
 * ~16.9 s), the process start and the driver being most of the latter.
 */
#include "analyzer/src_tree.h"
#include "common/common.h"
#include "common/json.h"
#include "common/options.h"
#include "db/db.h"
#include "parakit.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const synopsis[] = {
	"parakit src [--db FILE] [--jobs N] [--json] [-p BUILD_DIR] [TREE] [-- CFLAGS...]",
	NULL
};

static const struct util_usage usage = {
	.synopsis = synopsis,
	.description =
		"Finds the call sites of a C source tree with libclang and records them,\n"
		"mapped to POSIX, in the database (view v_call_sites).\n"
		"\n"
		"Each translation unit is parsed with the flags it was built with when a\n"
		"compile_commands.json is found (in BUILD_DIR, or else at TREE's root);\n"
		"otherwise every .c file under TREE is parsed with CFLAGS and the tree's\n"
		"header directories. With a compile_commands.json, CFLAGS are added to\n"
		"each command. Code in #if branches that are not compiled is not analysed.\n",
	.exit_status =
		"0 when every TU parsed cleanly, 1 when some did not (their\n"
		"diagnostics are in v_src_errors; the rest were analysed) or the tree\n"
		"cannot be read, 2 on bad usage or a fatal failure (no usable database,\n"
		"a full disk).\n",
	.examples =
		"parakit src -p build                       # bear/cmake/meson output\n"
		"parakit src ~/redis/src -- -DUSE_JEMALLOC  # no build database\n"
		"parakit src --jobs 2 --json . -- -D_FORTIFY_SOURCE=2 -O2\n",
	.args = UTIL_ARGS_DIRS,
};

static struct src_opts {
	const char *db;
	const char *build_dir;
	int jobs;
	int json;
} opts;

/* Runs sql (?1 bound to the tree's root) and returns its first integer. */
static long long tree_int(sqlite3 *db, const char *root, const char *sql)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	long long v = 0;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Prints the name/count rows of sql, as a JSON array or indented lines. */
static void print_rows(sqlite3 *db, const char *root, const char *sql, const char *key, int first)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int n = 0;

	if (opts.json)
		printf("%s\"%s\":[", first ? "" : ",", key);
	while (st) {
		sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(st, 0);
			long long count = sqlite3_column_int64(st, 1);

			if (opts.json) {
				printf("%s{\"name\":", n ? "," : "");
				util_json_s(stdout, name ? name : "");
				printf(",\"count\":%lld}", count);
			} else {
				printf("  %-32s %lld\n", name ? name : "", count);
			}
			n++;
		}
		break;
	}
	if (opts.json)
		printf("]");
	else if (!n)
		printf("  (none)\n");
	sqlite3_finalize(st);
}

static void print_summary(sqlite3 *db, const struct src_run *c, long long run_id, const char *flags_from,
			  const char *flags_where, double secs)
{
	size_t clean = 0, failed = 0, n = c->tus.n;
	long long sites, posix, blocking, files, addr, errnos, skipped, skipped_lines;

	for (size_t i = 0; i < n; i++) {
		clean += c->results[i].status == SRC_CLEAN;
		failed += c->results[i].status == SRC_FAILED;
	}
	sites = tree_int(db, c->root, "SELECT count(*) FROM v_call_sites WHERE tree = ?1");
	posix = tree_int(db, c->root, "SELECT count(*) FROM v_call_sites WHERE tree = ?1 AND posix_name IS NOT NULL");
	blocking = tree_int(db, c->root, "SELECT count(*) FROM v_call_sites WHERE tree = ?1 AND blocking");
	files = tree_int(db, c->root, "SELECT count(DISTINCT file) FROM v_call_sites WHERE tree = ?1");
	addr = tree_int(db, c->root, "SELECT count(*) FROM v_src_address_taken WHERE tree = ?1"
				     " AND posix_name IS NOT NULL");
	errnos = tree_int(db, c->root, "SELECT count(*) FROM v_src_errno_uses WHERE tree = ?1"
				       " AND after_posix_name IS NOT NULL");
	skipped = tree_int(db, c->root, "SELECT count(*) FROM src_skipped s JOIN source_tree t ON t.id = s.tree_id"
					" WHERE t.root = ?1");
	skipped_lines = tree_int(db, c->root, "SELECT coalesce(sum(last_line - first_line + 1), 0) FROM src_skipped s"
					      " JOIN source_tree t ON t.id = s.tree_id WHERE t.root = ?1");
	if (opts.json) {
		printf("{\"db\":");
		util_json_s(stdout, sqlite3_db_filename(db, "main"));
		printf(",\"run_id\":%lld,\"tree\":", run_id);
		util_json_s(stdout, c->root);
		printf(",\"flags_from\":");
		util_json_s(stdout, flags_from);
		printf(",\"tus\":%zu,\"tus_clean\":%zu,\"tus_errors\":%zu,\"tus_failed\":%zu,"
		       "\"call_sites\":%lld,\"posix_call_sites\":%lld,\"blocking_call_sites\":%lld,"
		       "\"files\":%lld,\"posix_addresses_taken\":%lld,\"errno_uses_after_posix\":%lld,"
		       "\"skipped_branches\":%lld,\"skipped_lines\":%lld,\"seconds\":%.3f,",
		       n, clean, n - clean - failed, failed, sites, posix, blocking, files, addr, errnos, skipped,
		       skipped_lines, secs);
	} else {
		printf("parakit src: %s\n"
		       "  flags       from %s%s%s%s\n"
		       "  TUs         %zu: %zu parsed cleanly, %zu with errors, %zu failed%s\n"
		       "  call sites  %lld in %lld files: %lld to POSIX functions, %lld of them blocking\n"
		       "  addresses   %lld of POSIX functions taken (v_src_address_taken)\n"
		       "  errno       %lld uses after a POSIX call (v_src_errno_uses)\n"
		       "  #if         %lld branches not compiled (%lld lines): not analysed\n"
		       "  time        %.2f s (%.1f TUs/s)\n",
		       c->root, flags_from, flags_where ? " (" : "", flags_where ? flags_where : "",
		       flags_where ? ")" : "", n, clean, n - clean - failed, failed,
		       clean < n ? " (see v_src_errors)" : "", sites, files, posix, blocking, addr, errnos,
		       skipped, skipped_lines, secs, secs > 0 ? n / secs : 0.0);
		printf("most called POSIX functions:\n");
	}
	print_rows(db, c->root,
		   "SELECT posix_name, count(*) AS n FROM v_call_sites WHERE tree = ?1 AND posix_name IS NOT NULL"
		   " GROUP BY posix_name ORDER BY n DESC, posix_name LIMIT 10",
		   "top_posix", 1);
	if (!opts.json)
		printf("blocking call sites per file:\n");
	print_rows(db, c->root,
		   "SELECT file, count(*) AS n FROM v_call_sites WHERE tree = ?1 AND blocking"
		   " GROUP BY file ORDER BY n DESC, file LIMIT 10",
		   "blocking_per_file", 0);
	if (opts.json)
		printf("}\n");
}

int cmd_src(int argc, char **argv)
{
	const struct util_option options[] = {
		UTIL_OPT_DIRNAME('p', "build-dir", &opts.build_dir, "DIR",
				 "where compile_commands.json is; TREE then defaults to the directory that holds"
				 " every TU"),
		UTIL_OPT_DB(&opts.db),
		UTIL_OPT_JOBS(&opts.jobs),
		UTIL_OPT_JSON(&opts.json),
		UTIL_OPT_END()
	};
	char **cflags = NULL, *line = NULL, *cmdline = NULL;
	const char *tree = NULL;
	struct src_run run = { 0 }, *c = &run;
	sqlite3 *db = NULL;
	int i, n_cflags = 0, nargs, ret = 1;
	long long run_id;

	/* CFLAGS follow '--': options are not looked for among them. */
	nargs = util_split_dashdash(argc, argv, &cflags, &n_cflags);
	opts = (struct src_opts){ .db = DB_DEFAULT, .jobs = util_jobs_default() };
	if ((i = util_parse_options(nargs, argv, options, &usage, 0)) < 0)
		return i == UTIL_OPT_HELP ? 0 : 2;
	if (i < nargs)
		tree = argv[i++];
	if (i < nargs) {
		util_err("one TREE at most, not also '%s'", argv[i]);
		util_opt_usage(stderr, options, &usage);
		return 2;
	}
	if (!tree && !opts.build_dir) {
		util_err("no TREE and no -p BUILD_DIR");
		util_opt_usage(stderr, options, &usage);
		return 2;
	}
	run.tree = tree;
	run.build_dir = opts.build_dir;
	run.cflags = cflags;
	run.n_cflags = n_cflags;
	run.jobs = opts.jobs;
	if (src_run_resolve(&run))
		goto out;

	/* From here on a failure is fatal: nothing is stored. */
	ret = 2;
	if (db_open(opts.db, &db))
		goto out;
	if (src_run_parse(&run))
		goto out;
	line = util_join_argv(argc, argv);
	if (asprintf(&cmdline, "parakit %s", line) < 0)
		cmdline = NULL;
	if ((run_id = src_run_write(db, &run, cmdline ? cmdline : "parakit src")) < 0) {
		util_err("database '%s': the run was not recorded", opts.db);
		goto out;
	}
	print_summary(db, c, run_id, run.flags_from, run.build, run.seconds);
	ret = 0;
	for (size_t i = 0; i < c->tus.n; i++)
		if (c->results[i].status != SRC_CLEAN)
			ret = 1;
out:
	src_run_release(&run);
	db_close(db);
	free(line);
	free(cmdline);
	return ret;
}
