/*
 * parakit db: maintenance of parakit databases, with its own subcommand
 * table (git commit-graph).
 */
#include "common/common.h"
#include "common/options.h"
#include "db/db.h"
#include "parakit.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const synopsis[] = {
	"parakit db merge [--partial] OUT.db IN.db...",
	"parakit db migrate [FILE]",
	"parakit db summary [--top N] [FILE]",
	NULL
};

static const struct util_usage usage = {
	.synopsis = synopsis,
	.description = "Maintains parakit databases (default FILE: " DB_DEFAULT ").\n",
	.args = UTIL_ARGS_FILES,
};

/* Removes the database a merge that merged nothing created, and its WAL
 * files. */
static void remove_db(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };

	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		char *p;

		if (asprintf(&p, "%s%s", path, suffixes[i]) >= 0) {
			unlink(p);
			free(p);
		}
	}
}

static int cmd_db_merge(int argc, char **argv, int partial)
{
	char *line, *cmd;
	struct stat st;
	int ret, created;
	sqlite3 *db;

	if (argc < 2)
		return 2;
	created = stat(argv[0], &st) && errno == ENOENT;
	if (db_open(argv[0], &db))
		return 1;
	/* What a partial merge records: the command, its inputs cut short. */
	line = util_join_argv(argc < 4 ? argc : 4, argv);
	if (asprintf(&cmd, "parakit db merge%s %s%s", partial ? " --partial" : "", line, argc > 4 ? " ..." : "") < 0)
		cmd = NULL;
	ret = db_merge(db, argv + 1, argc - 1, partial, cmd ? cmd : "parakit db merge");
	db_close(db);
	if (ret > 0 && created)
		remove_db(argv[0]);
	free(line);
	free(cmd);
	return ret ? 1 : 0;
}

static int cmd_db_migrate(int argc, char **argv)
{
	sqlite3 *db;

	if (db_open(argc ? argv[0] : DB_DEFAULT, &db))
		return 1;
	printf("schema version %d\n", db_schema_version());
	db_close(db);
	return 0;
}

/* Package share counts packages with at least one ELF file, as Atlidakis
 * et al. count packages "with native code". */
static int cmd_db_summary(int argc, char **argv, int top)
{
	const char *path = argc ? argv[argc - 1] : DB_DEFAULT;
	long long pkgs;
	sqlite3_stmt *st;
	sqlite3 *db;

	if (db_open_readonly(path, &db))
		return 1;
	/* A package counts once, whatever number of its versions (the views'
	 * rule, db/migrations/009-scan-package-once.sql). */
	pkgs = db_int(db, "SELECT count(*) FROM v_package_binaries", 0);
	printf("%s: %lld packages with ELF files (%lld in all), %lld binaries, %lld imports, %lld scan errors\n",
	       path, pkgs, db_int(db, "SELECT packages FROM v_corpus", 0),
	       db_int(db, "SELECT binaries FROM v_corpus", 0), db_int(db, "SELECT imports FROM v_corpus", 0),
	       db_int(db, "SELECT count(*) FROM v_scan_errors", 0));
	st = db_prepare(db, "SELECT function, coalesce(category, ''), packages FROM v_function_usage"
			    " WHERE packages > 0 ORDER BY packages DESC, function LIMIT ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, top);
		printf("\n%-4s %-24s %-12s %9s %7s\n", "rank", "POSIX function", "category", "packages", "share");
		for (int rank = 1; sqlite3_step(st) == SQLITE_ROW; rank++) {
			long long n = sqlite3_column_int64(st, 2);

			printf("%-4d %-24s %-12s %9lld %6.1f%%\n", rank, sqlite3_column_text(st, 0),
			       sqlite3_column_text(st, 1), n, pkgs ? 100.0 * n / pkgs : 0.0);
		}
		sqlite3_finalize(st);
	}
	printf("\n%lld of %lld catalogue functions are imported by no package\n",
	       db_int(db, "SELECT count(*) FROM v_function_usage WHERE packages = 0", 0),
	       db_int(db, "SELECT count(*) FROM catalog_function", 0));
	db_close(db);
	return 0;
}

int cmd_db(int argc, char **argv)
{
	enum { MERGE, MIGRATE, SUMMARY } sub = MERGE;
	int top = -1, partial = 0, first, ret;
	const struct util_option options[] = {
		UTIL_OPT_SUBCOMMAND("merge", &sub, MERGE,
				    "adds the scans of the IN databases (shards made with 'parakit scan --shard K/N')"
				    " to OUT, creating it when absent, with their trace runs (labels included), shim"
				    " builds, source trees and port runs; what both hold (same package, same binary"
				    " content, same run) is stored once, and a database merged twice adds nothing. When a set"
				    " of shards lacks one, or one did not finish, it names them and merges nothing"
				    " (exit 1)"),
		UTIL_OPT_SUBCOMMAND("migrate", &sub, MIGRATE, "brings a database to this parakit's schema"),
		UTIL_OPT_SUBCOMMAND("summary", &sub, SUMMARY,
				    "what a database holds: packages, binaries, the --top most imported POSIX functions"
				    " with their package share, and how many catalogue functions no package imports"),
		UTIL_OPT_FLAG(0, "partial", &partial,
			      "with merge: merge a set of shards that lacks some, and record in v_scan_runs"
			      " which it lacks"),
		{ .kind = UTIL_OPT_INT, .long_name = "top", .value = &top, .argh = "N", .min = 0, .max = INT_MAX,
		  .help = "with summary: how many functions to list (default: 20)" },
		UTIL_OPT_END()
	};

	if ((first = util_parse_options(argc, argv, options, &usage, 0)) < 0)
		return first == UTIL_OPT_HELP ? 0 : 2;
	if (top >= 0 && sub != SUMMARY) {
		util_err("--top goes with summary");
		return 2;
	}
	if (partial && sub != MERGE) {
		util_err("--partial goes with merge");
		return 2;
	}
	argc -= first;
	argv += first;
	switch (sub) {
	case MERGE:
		ret = cmd_db_merge(argc, argv, partial);
		break;
	case MIGRATE:
		ret = cmd_db_migrate(argc, argv);
		break;
	default:
		ret = cmd_db_summary(argc, argv, top < 0 ? 20 : top);
		break;
	}
	if (ret == 2)
		util_opt_usage(stderr, options, &usage);
	return ret;
}
