/*
 * parakit report: what the report files share. The command (cmd_report.c)
 * loads the corpus from the database (report_corpus.c), weighs its
 * packages (report_weights.c), computes the metrics (report_metrics.c),
 * fills tables (report_table.c writes each as CSV and JSON, and as an HTML
 * table), draws the charts with gnuplot (report_plot.c) and writes the page
 * (report_html.c). The scan sections are report_scan.c's, the system
 * calls report_syscalls.c's, the traces report_trace.c's, the runs of one
 * program side by side report_pairs.c's, the functions traced programs
 * call report_functions.c's and the source report_src.c's.
 *
 * A corpus is a set of APIs and the packages that use them: the POSIX
 * functions packages import, or the system calls their binaries can issue
 * (scan --syscalls). The weights, the metrics (importance, weighted
 * completeness, both plans) and the plan tables and charts are computed
 * the same way over either.
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
/* Writes rows [first, first + n) (clipped) as <table id="t-NAME-PART">:
 * a second view of a table in the page (its lowest rows). */
void report_table_html_range(FILE *f, const struct report_table *t, const char *part, size_t first, size_t n);

/* ---- the corpus ---- */

/* An API: a POSIX function, or a system call (category: its io_uring
 * operation, "" where none). */
struct report_func {
	const char *name;	/* borrowed from the corpus */
	const char *category;	/* "" when the catalogue has none */
	long long packages, binaries;	/* v_function_usage, v_syscall_usage */
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
	long long analysed;	/* syscall corpus: binaries whose set was found */
	int unknown;		/* syscall corpus: a number could not be resolved */
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
/*
 * The system call corpus: every system call v_syscall_usage lists (and
 * any other name a package's set holds: an i386 binary's), 'unknown'
 * left out (not a call anyone can implement; pkg->unknown says who has
 * it); the packages that hold a binary whose set was found
 * (v_syscall_analysis status 'ok'), each weighing what it weighs in the
 * function corpus c, whose weights must be set. Empty when the database
 * has no set. Returns 0 or -1 (printed).
 */
int report_corpus_load_syscalls(struct report_corpus *sys, const struct report_corpus *c, sqlite3 *db);
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

/* The published system call figures set beside a database's. */
struct report_published_figure {
	const char *source;	/* "Tsai et al., EuroSys '16" */
	const char *measure;	/* what was counted, and over what */
	double value;
};
/* Ends with a NULL source. */
extern const struct report_published_figure report_published_syscalls[];

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
	T_SRC_FUNCTIONS, T_SRC_FILES, T_FN_PROGRAMS, T_FN_CALLS, T_SYSCALLS, T_SYS_PLAN,
	T_SYS_MILESTONES, T_SYS_PACKAGES, T_SYS_BINARIES, T_SYS_URING, T_SYS_PUBLISHED, T_COUNT
};

/*
 * What the plan tables and the importance and completeness charts say of
 * a corpus's APIs (report_scan.c draws them for either corpus): words for
 * captions (ours), and the names of tables, data files and sections.
 */
struct report_api {
	const char *one, *many;		/* "POSIX function", "POSIX functions" */
	const char *uses;		/* "POSIX imports", "system calls" */
	const char *population;		/* "with ELF files": which packages count */
	const char *plan_note;		/* the plan table's provenance */
	const char *category_colour;	/* a caption's words for the bars of APIs with a
					 * category (green), NULL: every bar green */
	const char *importance_section, *plan_section;	/* where the charts go */
	const char *importance_dat, *plan_dat;		/* their data files */
	enum report_tab plan, milestones;
	const char *plan_name, *milestones_name;
	const struct report_col *plan_cols;	/* step, tsai_X, %, parakit_X, % */
	const struct report_col *milestones_cols;	/* N, %, % */
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
	struct report_corpus sys;	/* the system call corpus */
	int have_sys;		/* some binary went through scan --syscalls */
	int sys_small;		/* fewer than REPORT_DISTRIBUTION_MIN of sys's packages */
};

/* Fill the tables and queue the charts of the scan and trace sections. */
int report_scan_sections(struct report_ctx *r);
int report_trace_sections(struct report_ctx *r);
int report_src_sections(struct report_ctx *r);
/* The system call sections (report_syscalls.c); after the scan sections. */
int report_syscall_sections(struct report_ctx *r);
/* The plan tables of corpus c, and its importance and completeness charts
 * unless small. */
void report_api_plan(struct report_ctx *r, struct report_corpus *c, const struct report_api *a, int small);
const char *report_weights_words(const struct report_ctx *r);
/* The APIs of c by packages, then binaries, then name: a malloc'ed array
 * of c->nfuncs indexes. */
int *report_usage_order(struct report_corpus *c);
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
