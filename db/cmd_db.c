/*
 * parakit db: maintenance of parakit databases, with its own subcommand
 * table (git commit-graph).
 */
#include "common/common.h"
#include "db/db.h"
#include "parakit.h"

#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: parakit db merge OUT.db IN.db...\n"
	"       parakit db migrate [FILE]\n"
	"       parakit db summary [--top N] [FILE]\n"
	"\n"
	"merge    adds the scans of the IN databases (shards made with\n"
	"         'parakit scan --shard K/N') to OUT, creating it when absent;\n"
	"         what both hold (same package, same binary content) is stored once\n"
	"migrate  brings a database to this parakit's schema (default: " DB_DEFAULT ")\n"
	"summary  what a database holds: packages, binaries, the N (default 20)\n"
	"         most imported POSIX functions with their package share, and how\n"
	"         many catalogue functions no package imports\n";

int db_merge(sqlite3 *out, const char *in);

static int cmd_db_merge(int argc, char **argv)
{
	sqlite3 *db;
	int ret = 0;

	if (argc < 3) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (db_open(argv[1], &db))
		return 1;
	for (int i = 2; i < argc && !ret; i++)
		if (db_merge(db, argv[i]))
			ret = 1;
	db_close(db);
	return ret;
}

static int cmd_db_migrate(int argc, char **argv)
{
	sqlite3 *db;

	if (db_open(argc > 1 ? argv[1] : DB_DEFAULT, &db))
		return 1;
	printf("schema version %d\n", db_schema_version());
	db_close(db);
	return 0;
}

/* Package share counts packages with at least one ELF file, as Atlidakis
 * et al. count packages "with native code". */
static int cmd_db_summary(int argc, char **argv)
{
	const char *path = DB_DEFAULT;
	long long pkgs, top = 20;
	sqlite3_stmt *st;
	sqlite3 *db;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--top") && i + 1 < argc)
			top = atoll(argv[++i]);
		else if (argv[i][0] == '-') {
			fputs(usage_text, stderr);
			return 2;
		} else
			path = argv[i];
	}
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
	static const struct { const char *name; int (*fn)(int, char **); } subs[] = {
		{ "merge", cmd_db_merge },
		{ "migrate", cmd_db_migrate },
		{ "summary", cmd_db_summary },
	};

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	util_err("'%s' is not a db subcommand", argv[1]);
	fputs(usage_text, stderr);
	return 2;
}
