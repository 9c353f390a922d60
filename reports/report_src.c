/*
 * The source section: what `parakit src` found in C trees, read through its
 * view v_call_sites. It answers the porting question the binary sections
 * cannot: where the calls are, and which of them block. Shown when the
 * database holds call sites.
 *
 * One tree is one tree: src may record a project as its source directory
 * (src -p BUILD_DIR made it plain/src) and port as its top (plain), so the
 * same file appears under two roots. A tree whose root lies inside another
 * tree's is shown as part of the outer one, its files relative to the
 * outer root, and each file's call sites are counted from one tree only:
 * the outermost that holds the file (the same sources parsed twice give
 * the same sites).
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

/* The call sites of v_call_sites, one tree per file, as the table "sites"
 * (tree: the outermost root; file: relative to it). */
#define SITES \
	"WITH roots AS (SELECT DISTINCT tree FROM v_call_sites)," \
	" outer_of AS (SELECT r.tree, (SELECT o.tree FROM roots o WHERE o.tree = r.tree" \
	"   OR substr(r.tree, 1, length(o.tree) + 1) = o.tree || '/' ORDER BY length(o.tree) LIMIT 1) AS top" \
	"   FROM roots r)," \
	" named AS (SELECT s.*, m.top, CASE WHEN s.file LIKE '/%' THEN s.file ELSE s.tree || '/' || s.file END" \
	"   AS path FROM v_call_sites s JOIN outer_of m ON m.tree = s.tree WHERE s.posix_name IS NOT NULL)," \
	" chosen AS (SELECT path, min(length(tree)) AS len FROM named GROUP BY path)," \
	" sites AS (SELECT n.top AS tree, CASE WHEN substr(n.path, 1, length(n.top) + 1) = n.top || '/'" \
	"   THEN substr(n.path, length(n.top) + 2) ELSE n.path END AS file, n.posix_name, n.blocking, n.in_macro" \
	"   FROM named n JOIN chosen c ON c.path = n.path AND c.len = length(n.tree)) "

int report_src_sections(struct report_ctx *r)
{
	sqlite3_stmt *st;

	report_table_init(&r->tab[T_SRC_FUNCTIONS], "src_functions",
			  "v_call_sites, calls to POSIX functions per tree", funcs_cols, ARRAY_SIZE(funcs_cols));
	report_table_init(&r->tab[T_SRC_FILES], "src_files", "v_call_sites, POSIX call sites per file",
			  files_cols, ARRAY_SIZE(files_cols));
	r->src_sites = db_int(r->db, SITES "SELECT count(*) FROM sites", 0);
	if (!r->src_sites)
		return 0;
	st = db_prepare(r->db, SITES "SELECT tree, posix_name, max(coalesce(blocking, 0)), count(*), count(DISTINCT file)"
			       " FROM sites GROUP BY tree, posix_name ORDER BY tree, count(*) DESC, posix_name");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_SRC_FUNCTIONS], (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
				 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);
	st = db_prepare(r->db, SITES "SELECT tree, file, count(*), sum(coalesce(blocking, 0) != 0), sum(in_macro != 0)"
			       " FROM sites GROUP BY tree, file ORDER BY 4 DESC, 3 DESC, tree, file");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_SRC_FILES], (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
				 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);
	return 0;
}
