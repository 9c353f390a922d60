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
	"\n"
	"merge    adds the scans of the IN databases (shards made with\n"
	"         'parakit scan --shard K/N') to OUT, creating it when absent;\n"
	"         what both hold (same package, same binary content) is stored once\n"
	"migrate  brings a database to this parakit's schema (default: " DB_DEFAULT ")\n";

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

int cmd_db(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } subs[] = {
		{ "merge", cmd_db_merge },
		{ "migrate", cmd_db_migrate },
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
	pk_err("'%s' is not a db subcommand", argv[1]);
	fputs(usage_text, stderr);
	return 2;
}
