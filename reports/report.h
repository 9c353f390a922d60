/*
 * parakit report: what the report files share. The command (cmd_report.c)
 * loads the corpus from the database (report_corpus.c), weighs its
 * packages (report_weights.c), computes the metrics (report_metrics.c),
 * fills tables (report_table.c writes each as CSV and JSON, and as an HTML
 * table), draws the charts with gnuplot (report_plot.c) and writes the page
 * (report_html.c). The scan sections are report_scan.c's, the traces
 * report_trace.c's, the runs of one program side by side report_pairs.c's,
 * the functions traced programs call report_functions.c's and the source
 * report_src.c's.
 *
 * The database is read through the stable v_* views and the tables of
 * db/migrations/002-scan.sql only.
 */
#ifndef REPORTS_REPORT_H
#define REPORTS_REPORT_H

#include <limits.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>

/* ---- tables: one model, three writers ---- */

enum report_type {
	REPORT_TEXT,	/* const char * (copied; NULL is an empty cell / null) */
	REPORT_INT,	/* long long; REPORT_NONE is an empty cell / null */
	REPORT_REAL,	/* double */
	REPORT_PCT,	/* double, a percentage 0..100 */
};

#define REPORT_NONE LLONG_MIN

struct report_col {
	const char *name;	/* CSV header and JSON key */
	const char *label;	/* HTML header */
	enum report_type type;
	int html;		/* shown in the page */
};

union report_cell {
	char *s;
	long long i;
	double d;
};

struct report_table {
	const char *name;	/* file stem: DIR/<name>.csv, DIR/<name>.json */
	const char *note;	/* provenance, written to the JSON; borrowed */
	const struct report_col *cols;
	size_t ncols, nrows, cap;
	union report_cell *cells;
};

void report_table_init(struct report_table *t, const char *name, const char *note,
		       const struct report_col *cols, size_t ncols);
/* Appends one row: one argument per column, of the column's type
 * (const char *, long long, or double). */
void report_table_add(struct report_table *t, ...);
void report_table_release(struct report_table *t);
/* Writes DIR/<name>.csv and DIR/<name>.json; returns 0 or -errno (printed). */
int report_table_write(const struct report_table *t, const char *dir, const char *weights);
/* Writes the first max_rows rows (all when 0) as <table id="t-NAME">. */
void report_table_html(FILE *f, const struct report_table *t, size_t max_rows);

/* ---- the corpus ---- */

struct report_func {
	const char *name;	/* borrowed from the corpus */
	const char *category;	/* "" when the catalogue has none */
	long long packages, binaries;	/* v_function_usage */
	double share;		/* percentage of the packages with ELF files */
	double importance;	/* 0..1 under the chosen weights */
	double paper_share;	/* percentage in the compared study, -1: absent */
	int tsai_step, plan_step;	/* 1-based position in each plan, 0: none */
};

struct report_pkg {
	long long id;
	char *name, *version;
	long long binaries;
	int *funcs;		/* indexes into corpus.funcs, distinct */
	size_t nfuncs;
	double w;		/* weight, see report_weights.c */
	int tsai_step, plan_step;	/* complete after this many functions */
};

enum report_weighting { REPORT_W_PAGERANK, REPORT_W_EQUAL, REPORT_W_POPCON };

struct report_corpus {
	struct report_func *funcs;	/* the whole catalogue, by name */
	size_t nfuncs;
	struct report_pkg *pkgs;	/* packages with at least one ELF file */
	size_t npkgs;
	long long packages_all, binaries, imports, errors, runs;
	long long popcon_matched;	/* packages found in the popcon file */
	enum report_weighting weighting;
	/* Plans: function indexes in order, and W after each prefix
	 * (w[0] for the empty set, w[k] after k functions). */
	int *tsai_order, *plan_order;
	double *tsai_w, *plan_w;
	size_t plan_len;
};

int report_corpus_load(struct report_corpus *c, sqlite3 *db);
void report_corpus_release(struct report_corpus *c);
/* Index of the catalogue function name, or -1. */
int report_corpus_func(const struct report_corpus *c, const char *name);

/* Sets every package's w: REPORT_W_EQUAL 1/n; REPORT_W_PAGERANK the
 * package's PageRank over the dependency graph, rescaled to sum 1 over the
 * packages with ELF files; REPORT_W_POPCON P(installed) from the by_inst
 * file. Returns 0 or -1 (printed). */
int report_weights(struct report_corpus *c, sqlite3 *db, enum report_weighting how,
		   const char *popcon_path);
const char *report_weights_name(enum report_weighting how);

/* Importance of every function, then both plans. */
void report_metrics(struct report_corpus *c);

/* ---- the published study ---- */

struct report_published {
	const char *label;	/* "Atlidakis et al. 2016, Ubuntu" */
	const char *unit;	/* "packages" or "apps" */
	long long total;	/* corpus size: the "Total," line, or count / share */
	long long n_total_guess;
	size_t n;
	char **names;
	double *share;		/* percentages, as published */
	long long *count;
};

/* what: "ubuntu-2016", "android-2016" or a CSV file in the published
 * format (function,percent,count with one header line). */
int report_published_load(struct report_published *p, const char *what);
void report_published_release(struct report_published *p);

/* ---- charts ---- */

/*
 * Charts are made by one gnuplot run over a script whose every word is
 * ours: data (names included) goes through data files in a private
 * directory, never into a command, because gnuplot runs `backquoted` text
 * even inside quoted strings.
 */
struct report_plot {
	char *dir;		/* private temporary directory */
	FILE *script;
	int n;			/* charts so far */
	char **svg;		/* after report_plot_run: chart i's <svg> */
};

int report_plot_init(struct report_plot *p);
/* Starts chart i (returned): the next commands draw into it. */
int report_plot_begin(struct report_plot *p);
/* Opens data file NAME (a word of ours) for writing. */
FILE *report_plot_data(struct report_plot *p, const char *name);
void report_plot_cmd(struct report_plot *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Runs gnuplot and reads the charts back. Returns 0 or -1 (printed). */
int report_plot_run(struct report_plot *p);
void report_plot_release(struct report_plot *p);

/* ---- one report in the making ---- */

/*
 * The fewest packages with ELF files the page draws as a distribution
 * (Figure 1, categories, importance, the plans, per package). Below it a
 * share has at most four values (one program: every function it imports
 * is "100 % of packages") and the page lists the programs' functions with
 * their share in the published distribution instead.
 */
#define REPORT_DISTRIBUTION_MIN 5

enum report_tab {
	T_CORPUS, T_SCAN_RUNS, T_SCAN_ERRORS, T_FUNCTIONS, T_THRESHOLDS, T_CATEGORIES,
	T_PLAN, T_MILESTONES, T_NONPOSIX, T_PACKAGES, T_TRACE_RUNS, T_TRACE_SYSCALLS,
	T_TRACE_BLOCKING, T_TRACE_CLASSES, T_PAIRS, T_PAIR_URING, T_PAIR_IO, T_PAIR_DECISIONS,
	T_SRC_FUNCTIONS, T_SRC_FILES, T_FN_PROGRAMS, T_FN_CALLS, T_COUNT
};

struct report_chart {
	int plot;		/* chart index in the gnuplot run */
	const char *section;	/* where the page puts it */
	char *caption;		/* HTML, escaped already */
};

struct report_ctx {
	sqlite3 *db;
	const char *db_path, *dir, *title, *popcon;
	size_t top;
	struct report_corpus corpus;
	struct report_published pub;
	int have_pub;
	struct report_plot plot;
	struct report_table tab[T_COUNT];
	struct report_chart *charts;
	size_t ncharts, charts_cap;
	long long trace_runs;
	long long src_sites;	/* POSIX call sites found by parakit src */
	size_t pair_programs;	/* programs among the trace runs */
	size_t fn_programs;	/* binaries traced by trace --functions */
	int small;		/* fewer than REPORT_DISTRIBUTION_MIN packages */
	size_t used_funcs;	/* catalogue functions some package imports */
};

/* Fill the tables and queue the charts of the scan and trace sections. */
int report_scan_sections(struct report_ctx *r);
int report_trace_sections(struct report_ctx *r);
int report_src_sections(struct report_ctx *r);
/* Before and after per program (report_pairs.c); after the trace sections. */
int report_pairs_sections(struct report_ctx *r);
/* Linked and called per traced program (report_functions.c); after the
 * scan sections, whose shares it reads. */
int report_functions_sections(struct report_ctx *r);
/* Queues a chart: caption is a printf format whose arguments are ours
 * (numbers, fixed words) or escaped by the caller. */
int report_chart_add(struct report_ctx *r, const char *section, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes DIR/index.html. */
int report_html_write(struct report_ctx *r);

#endif
