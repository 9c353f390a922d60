/*
 * The functions section (issue 20): per program that a run of
 * 'parakit trace --functions' traced, the POSIX functions it links and
 * how many of them it called, those it links and never called, those it
 * called through a path scan did not see (a dlopen'd library), its
 * hottest calls (with their time under --latency), and how widely the
 * distribution links what it calls. Read through v_trace_function_binaries
 * (which joins trace's counts with scan's imports by the binary's hash).
 *
 * The distribution-wide share of a function is the share of packages
 * importing it in this database's scan when the scan is a distribution
 * (REPORT_DISTRIBUTION_MIN packages or more), else the published data the
 * report compares with (--compare-with, Atlidakis et al.'s Ubuntu by
 * default): a database holding the traced programs alone would give every
 * function they import "100 % of packages", which says nothing.
 */
#include "common/common.h"
#include "db/db.h"
#include "reports/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define C(name, label, type) { name, label, type, 1 }

static const struct report_col prog_cols[] = {
	C("run_id", "run", REPORT_INT), C("program", "program", REPORT_TEXT),
	C("scanned", "scanned", REPORT_TEXT), C("linked", "POSIX functions linked", REPORT_INT),
	C("linked_called", "linked and called", REPORT_INT),
	C("linked_called_pct", "called, share of linked", REPORT_PCT),
	C("linked_uncalled", "linked, never called", REPORT_INT),
	C("called_unlinked", "called, not linked (dlopen)", REPORT_INT),
	C("called", "functions called", REPORT_INT), C("calls", "calls", REPORT_INT),
	C("from_exe", "calls from the executable", REPORT_INT), C("total_ns", "time in calls (ns)", REPORT_INT),
	C("median_share_called_pct", "median distribution share of what it calls", REPORT_PCT),
	C("distribution", "share from", REPORT_TEXT),
};
static const struct report_col call_cols[] = {
	C("run_id", "run", REPORT_INT), C("program", "program", REPORT_TEXT),
	C("rank", "rank", REPORT_INT), C("function", "function", REPORT_TEXT),
	C("status", "status", REPORT_TEXT), C("calls", "calls", REPORT_INT),
	C("from_exe", "from the executable", REPORT_INT), C("total_ns", "time (ns)", REPORT_INT),
	C("mean_ns", "mean (ns)", REPORT_REAL),
	C("distribution_share_pct", "distribution share", REPORT_PCT),
};

/* The share of packages linking function name in the distribution the
 * section compares with (see the file header); NAN when unknown. */
static double dist_share(const struct report_ctx *r, const char *name)
{
	const struct report_corpus *c = &r->corpus;
	int i = report_corpus_func(c, name);

	if (i < 0)
		return NAN;
	if (c->npkgs >= REPORT_DISTRIBUTION_MIN)
		return c->funcs[i].share;
	if (!r->have_pub)
		return NAN;
	/* Absent from the published list: no package of theirs imports it. */
	return c->funcs[i].paper_share >= 0 ? c->funcs[i].paper_share : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One program's rows of the calls table (hottest first, then the linked
 * functions it never called) and its row of the programs table. */
static void program(struct report_ctx *r, sqlite3_stmt *st, long long run, const char *path,
		    const char *dist)
{
	long long linked = 0, lcalled = 0, luncalled = 0, unlinked = 0, called = 0;
	long long calls = 0, from_exe = 0, total_ns = 0, rank = 0;
	double *shares = NULL;
	size_t nshares = 0, cap = 0;
	int scanned = 1;

	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *fn = (const char *)sqlite3_column_text(st, 0);
		const char *status = (const char *)sqlite3_column_text(st, 1);
		long long n = sqlite3_column_int64(st, 2), ns = sqlite3_column_int64(st, 4);
		double share = dist_share(r, fn);

		if (!strcmp(status, "called-unscanned"))
			scanned = 0;
		linked += !strcmp(status, "linked-called") || !strcmp(status, "linked-uncalled");
		lcalled += !strcmp(status, "linked-called");
		luncalled += !strcmp(status, "linked-uncalled");
		unlinked += !strcmp(status, "called-unlinked");
		if (n > 0) {
			called++;
			if (!isnan(share)) {
				if (nshares == cap)
					shares = xrealloc(shares, (cap = cap ? 2 * cap : 64) * sizeof(*shares));
				shares[nshares++] = share;
			}
		}
		calls += n;
		from_exe += sqlite3_column_int64(st, 3);
		total_ns += ns;
		report_table_add(&r->tab[T_FN_CALLS], run, path, n > 0 ? ++rank : REPORT_NONE, fn, status, n,
				 sqlite3_column_int64(st, 3), ns, n > 0 && ns > 0 ? (double)ns / n : NAN, share);
	}
	sqlite3_reset(st);
	report_table_add(&r->tab[T_FN_PROGRAMS], run, path, scanned ? "yes" : "no",
			 scanned ? linked : REPORT_NONE, scanned ? lcalled : REPORT_NONE,
			 scanned && linked ? 100.0 * lcalled / linked : NAN, scanned ? luncalled : REPORT_NONE,
			 scanned ? unlinked : REPORT_NONE, called, calls, from_exe, total_ns,
			 median(shares, nshares), dist);
	free(shares);
}

int report_functions_sections(struct report_ctx *r)
{
	const struct report_corpus *c = &r->corpus;
	sqlite3_stmt *progs, *rows;
	char *dist = NULL;

	report_table_init(&r->tab[T_FN_PROGRAMS], "trace_function_programs",
			  "v_trace_function_binaries per run and traced binary; linked: scan's imports of the "
			  "binary (empty when it was not scanned); distribution share: named in 'distribution'",
			  prog_cols, ARRAY_SIZE(prog_cols));
	report_table_init(&r->tab[T_FN_CALLS], "trace_function_calls",
			  "v_trace_function_binaries, hottest first per program, then the functions it links "
			  "and never called; time under trace --functions --latency only",
			  call_cols, ARRAY_SIZE(call_cols));
	if (!db_int(r->db, "SELECT count(*) FROM v_trace_function_binaries", 0))
		return 0;
	if (c->npkgs >= REPORT_DISTRIBUTION_MIN) {
		if (asprintf(&dist, "this database's scan (%zu packages)", c->npkgs) < 0)
			dist = NULL;
	} else if (r->have_pub) {
		dist = xstrdup(r->pub.label);
	}
	progs = db_prepare(r->db, "SELECT run_id, binary FROM v_trace_function_binaries"
				  " GROUP BY run_id, binary ORDER BY run_id, binary");
	/* The never-called last, by name; the rest by calls. */
	rows = db_prepare(r->db, "SELECT function, status, calls, from_exe, total_ns"
				 " FROM v_trace_function_binaries WHERE run_id = ?1 AND binary = ?2"
				 " ORDER BY calls = 0, calls DESC, total_ns DESC, function");
	while (progs && rows && sqlite3_step(progs) == SQLITE_ROW) {
		program(r, rows, sqlite3_column_int64(progs, 0), (const char *)sqlite3_column_text(progs, 1),
			dist ? dist : "none (--compare-with none)");
		r->fn_programs++;
	}
	sqlite3_finalize(progs);
	sqlite3_finalize(rows);
	free(dist);
	return 0;
}
