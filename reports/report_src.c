/*
 * The source section: what `parakit src` found in C trees, read through its
 * view v_call_sites. It answers the porting question the binary sections
 * cannot: where the calls are, and which of them block. Shown when the
 * database holds call sites.
 */
#include "common/common.h"
#include "db/db.h"
#include "reports/report.h"

#define C(name, label, type) { name, label, type, 1 }

static const struct report_col funcs_cols[] = {
	C("tree", "tree", REPORT_TEXT), C("function", "POSIX function", REPORT_TEXT),
	C("blocking", "blocks", REPORT_INT), C("call_sites", "call sites", REPORT_INT),
	C("files", "files", REPORT_INT),
};
static const struct report_col files_cols[] = {
	C("tree", "tree", REPORT_TEXT), C("file", "file", REPORT_TEXT),
	C("posix_call_sites", "POSIX call sites", REPORT_INT),
	C("blocking_call_sites", "blocking call sites", REPORT_INT),
	C("in_macro", "of them in macros", REPORT_INT),
};

int report_src_sections(struct report_ctx *r)
{
	sqlite3_stmt *st;

	report_table_init(&r->tab[T_SRC_FUNCTIONS], "src_functions",
			  "v_call_sites, calls to POSIX functions per tree", funcs_cols, ARRAY_SIZE(funcs_cols));
	report_table_init(&r->tab[T_SRC_FILES], "src_files", "v_call_sites, POSIX call sites per file",
			  files_cols, ARRAY_SIZE(files_cols));
	r->src_sites = db_int(r->db, "SELECT count(*) FROM v_call_sites WHERE posix_name IS NOT NULL", 0);
	if (!r->src_sites)
		return 0;
	st = db_prepare(r->db, "SELECT tree, posix_name, max(coalesce(blocking, 0)), count(*), count(DISTINCT file)"
			       " FROM v_call_sites WHERE posix_name IS NOT NULL"
			       " GROUP BY tree, posix_name ORDER BY tree, count(*) DESC, posix_name");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_SRC_FUNCTIONS], (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
				 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);
	st = db_prepare(r->db, "SELECT tree, file, count(*), sum(coalesce(blocking, 0) != 0), sum(in_macro != 0)"
			       " FROM v_call_sites WHERE posix_name IS NOT NULL"
			       " GROUP BY tree, file ORDER BY 4 DESC, 3 DESC, tree, file");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_SRC_FILES], (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
				 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);
	return 0;
}
