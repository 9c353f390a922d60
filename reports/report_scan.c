/*
 * The scan sections of the report: the corpus, Figure 1 of Atlidakis et
 * al. reproduced, usage by category, API importance, the plans, non-POSIX
 * imports and the per-package table. Each fills its tables (written as
 * CSV, JSON and HTML by the same code) and queues its charts; gnuplot
 * reads names only from data files (report_plot.c).
 */
#include "common/common.h"
#include "db/db.h"
#include "reports/report.h"
#include "reports/report_escape.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define C(name, label, type) { name, label, type, 1 }
#define CSV_ONLY(name, type) { name, name, type, 0 }

static const struct report_col corpus_cols[] = {
	C("measure", "measure", REPORT_TEXT), C("value", "value", REPORT_INT),
};
static const struct report_col runs_cols[] = {
	C("run_id", "run", REPORT_INT), C("started", "started (UTC)", REPORT_TEXT),
	C("finished", "finished (UTC)", REPORT_TEXT), C("parakit_version", "parakit", REPORT_TEXT),
	C("inputs", "inputs", REPORT_INT), C("skipped", "skipped", REPORT_INT),
	C("errors", "errors", REPORT_INT), C("command_line", "command line", REPORT_TEXT),
};
static const struct report_col errors_cols[] = {
	C("package", "package", REPORT_TEXT), C("member_path", "member", REPORT_TEXT),
	C("reason", "reason", REPORT_TEXT),
};
static const struct report_col funcs_cols[] = {
	C("rank", "rank", REPORT_INT), C("function", "function", REPORT_TEXT),
	C("category", "category", REPORT_TEXT), C("packages", "packages", REPORT_INT),
	C("share_pct", "package share", REPORT_PCT), C("binaries", "binaries", REPORT_INT),
	C("importance_pct", "importance", REPORT_PCT), C("tsai_step", "Tsai step", REPORT_INT),
	C("plan_step", "parakit step", REPORT_INT), C("published_share_pct", "published share", REPORT_PCT),
};
static const struct report_col thresh_cols[] = {
	C("functions", "POSIX functions imported by", REPORT_TEXT), C("this_corpus", "this corpus", REPORT_INT),
	C("published", "published", REPORT_INT),
};
static const struct report_col cats_cols[] = {
	C("category", "category", REPORT_TEXT), C("functions", "functions", REPORT_INT),
	C("functions_used", "used by ≥1 package", REPORT_INT), C("packages", "packages using any", REPORT_INT),
	C("share_pct", "package share", REPORT_PCT), C("top_functions", "most used (packages)", REPORT_TEXT),
};
static const struct report_col plan_cols[] = {
	C("step", "functions", REPORT_INT), C("tsai_function", "Tsai: next", REPORT_TEXT),
	C("tsai_completeness_pct", "Tsai: completeness", REPORT_PCT),
	C("parakit_function", "parakit: next", REPORT_TEXT),
	C("parakit_completeness_pct", "parakit: completeness", REPORT_PCT),
};
static const struct report_col miles_cols[] = {
	C("functions", "first N functions", REPORT_INT),
	C("tsai_completeness_pct", "Tsai order", REPORT_PCT),
	C("parakit_completeness_pct", "parakit order", REPORT_PCT),
};
static const struct report_col nonposix_cols[] = {
	C("rank", "rank", REPORT_INT), C("symbol", "symbol", REPORT_TEXT),
	C("origin", "origin", REPORT_TEXT), C("packages", "packages", REPORT_INT),
	C("share_pct", "package share", REPORT_PCT), C("binaries", "binaries", REPORT_INT),
};
static const struct report_col pkgs_cols[] = {
	C("package", "package", REPORT_TEXT), C("version", "version", REPORT_TEXT),
	C("weight", "weight", REPORT_REAL), C("binaries", "ELF files", REPORT_INT),
	C("posix_functions", "POSIX functions", REPORT_INT),
	C("complete_after_tsai", "complete after (Tsai)", REPORT_INT),
	C("complete_after_parakit", "complete after (parakit)", REPORT_INT),
	CSV_ONLY("functions", REPORT_TEXT),
};

#define INIT(r, id, name, note, cols) \
	report_table_init(&(r)->tab[id], name, note, cols, ARRAY_SIZE(cols))

int report_chart_add(struct report_ctx *r, const char *section, const char *fmt, ...)
{
	struct report_chart *c;
	va_list ap;

	r->charts = xgrow(r->charts, &r->charts_cap, r->ncharts + 1, sizeof(*r->charts));
	c = &r->charts[r->ncharts++];
	c->plot = report_plot_begin(&r->plot);
	c->section = section;
	va_start(ap, fmt);
	if (vasprintf(&c->caption, fmt, ap) < 0)
		c->caption = NULL;
	va_end(ap);
	return c->plot;
}

const char *report_weights_words(const struct report_ctx *r)
{
	switch (r->corpus.weighting) {
	case REPORT_W_EQUAL: return "equal package weights (importance = package share)";
	case REPORT_W_POPCON: return "popcon installation probabilities";
	default: return "PageRank package weights over the dependency graph";
	}
}

static void corpus_tables(struct report_ctx *r)
{
	struct report_corpus *c = &r->corpus;
	long long with_posix = 0, used = 0;
	sqlite3_stmt *st;

	for (size_t i = 0; i < c->npkgs; i++)
		with_posix += c->pkgs[i].nfuncs > 0;
	for (size_t f = 0; f < c->nfuncs; f++)
		used += c->funcs[f].packages > 0;
	INIT(r, T_CORPUS, "corpus", "counts from the package, file, binary, import and scan_error tables",
	     corpus_cols);
	report_table_add(&r->tab[T_CORPUS], "packages", c->packages_all);
	report_table_add(&r->tab[T_CORPUS], "packages with ELF files", (long long)c->npkgs);
	report_table_add(&r->tab[T_CORPUS], "packages importing POSIX functions", with_posix);
	report_table_add(&r->tab[T_CORPUS], "ELF binaries (distinct contents)", c->binaries);
	report_table_add(&r->tab[T_CORPUS], "imports (binary, symbol, version)", c->imports);
	report_table_add(&r->tab[T_CORPUS], "scan errors", c->errors);
	report_table_add(&r->tab[T_CORPUS], "scan runs", c->runs);
	report_table_add(&r->tab[T_CORPUS], "catalogue functions", (long long)c->nfuncs);
	report_table_add(&r->tab[T_CORPUS], "catalogue functions imported", used);

	INIT(r, T_SCAN_RUNS, "scan_runs", "v_scan_runs", runs_cols);
	st = db_prepare(r->db, "SELECT run_id, started, finished, parakit_version, inputs, skipped,"
			       " errors, command_line FROM v_scan_runs ORDER BY run_id");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_SCAN_RUNS], sqlite3_column_int64(st, 0),
				 (const char *)sqlite3_column_text(st, 1),
				 (const char *)sqlite3_column_text(st, 2),
				 (const char *)sqlite3_column_text(st, 3),
				 sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
				 sqlite3_column_int64(st, 6), (const char *)sqlite3_column_text(st, 7));
	sqlite3_finalize(st);

	INIT(r, T_SCAN_ERRORS, "scan_errors", "v_scan_errors", errors_cols);
	st = db_prepare(r->db, "SELECT package, member_path, reason FROM v_scan_errors"
			       " ORDER BY package, member_path, reason");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_SCAN_ERRORS], (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1),
				 (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
}

static struct report_corpus *cmp_c;

static int cmp_usage(const void *a, const void *b)
{
	const struct report_func *x = &cmp_c->funcs[*(const int *)a], *y = &cmp_c->funcs[*(const int *)b];

	if (x->packages != y->packages)
		return x->packages < y->packages ? 1 : -1;
	if (x->binaries != y->binaries)
		return x->binaries < y->binaries ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Functions by package count, the order of Figure 1 and of the table. */
int *report_usage_order(struct report_corpus *c)
{
	int *o = xmalloc((c->nfuncs + 1) * sizeof(*o));

	for (size_t i = 0; i < c->nfuncs; i++)
		o[i] = (int)i;
	cmp_c = c;
	qsort(o, c->nfuncs, sizeof(*o), cmp_usage);
	return o;
}

static long long count_above(const double *share, size_t n, double above, int strict)
{
	long long k = 0;

	for (size_t i = 0; i < n; i++)
		k += strict ? share[i] > above : share[i] >= above;
	return k;
}

static void linkage(struct report_ctx *r, const int *order)
{
	struct report_corpus *c = &r->corpus;
	struct report_published *p = &r->pub;
	double *ours = xmalloc((c->nfuncs + 1) * sizeof(*ours)), *theirs = NULL;
	long long theirs_none = 0;
	size_t used = 0;
	FILE *f;
	int i;

	for (size_t k = 0; k < c->nfuncs; k++) {
		struct report_func *fn = &c->funcs[order[k]];

		ours[k] = fn->share;
		used += fn->packages > 0;
	}
	if (r->have_pub) {
		theirs = xmalloc((c->nfuncs + 1) * sizeof(*theirs));
		for (size_t k = 0; k < c->nfuncs; k++)
			theirs[k] = c->funcs[k].paper_share > 0 ? c->funcs[k].paper_share : 0;
		for (size_t k = 0; k < c->nfuncs; k++)
			theirs_none += c->funcs[k].paper_share <= 0;
	}
	/* Without compared data the table has no "published" column (the
	 * last one; report_table_add ignores the argument then). */
	report_table_init(&r->tab[T_THRESHOLDS], "thresholds",
			  "catalogue functions by the share of packages importing them; published: counted the "
			  "same way over the catalogue from the compared CSV",
			  thresh_cols, ARRAY_SIZE(thresh_cols) - !theirs);
#define ROW(label, above, strict) report_table_add(&r->tab[T_THRESHOLDS], label, \
		count_above(ours, c->nfuncs, above, strict), \
		theirs ? count_above(theirs, c->nfuncs, above, strict) : -1LL)
	/* ">= 1 package" is share > 0 */
	report_table_add(&r->tab[T_THRESHOLDS], "≥ 1 package", (long long)used,
			 theirs ? count_above(theirs, c->nfuncs, 0, 1) : -1LL);
	ROW("> 1 % of packages", 1, 1);
	ROW("> 10 % of packages", 10, 1);
	ROW("> 50 % of packages", 50, 1);
#undef ROW
	report_table_add(&r->tab[T_THRESHOLDS], "no package", (long long)(c->nfuncs - used),
			 theirs ? theirs_none : -1LL);

	INIT(r, T_FUNCTIONS, "functions",
	     "v_function_usage (packages, binaries); share: of the packages with ELF files; importance and "
	     "steps under the weights named in 'weights'", funcs_cols);
	for (size_t k = 0; k < c->nfuncs; k++) {
		struct report_func *fn = &c->funcs[order[k]];

		report_table_add(&r->tab[T_FUNCTIONS], (long long)k + 1, fn->name, fn->category,
				 fn->packages, fn->share, fn->binaries, 100 * fn->importance,
				 (long long)fn->tsai_step, (long long)fn->plan_step,
				 fn->paper_share >= 0 ? fn->paper_share : NAN);
	}

	r->used_funcs = used;
	if (!used || r->small)
		goto out;
	if (!(f = report_plot_data(&r->plot, "fig1.dat")))
		goto out;
	for (size_t k = 0; k < used; k++)
		fprintf(f, "%zu\t%.10g\n", k + 1, ours[k]);
	fclose(f);
	if (p->n && (f = report_plot_data(&r->plot, "fig1p.dat"))) {
		for (size_t k = 0; k < p->n; k++)
			if (p->share[k] > 0)
				fprintf(f, "%zu\t%.10g\n", k + 1, p->share[k]);
		fclose(f);
	}
	i = report_chart_add(r, "linkage",
			     "Every POSIX function some package imports, ranked by the share of the %zu packages "
			     "with ELF files that import it (log-log; the shape of Figure 1 of Atlidakis et al., "
			     "EuroSys '16). Data: <code>v_function_usage</code> of this database%s%s%s.",
			     c->npkgs, r->have_pub ? "; dashed: " : "", r->have_pub ? "" : "",
			     r->have_pub ? "the published data named below the chart" : "");
	(void)i;
	report_plot_cmd(&r->plot, "set title 'POSIX functions ranked by the share of packages importing them'");
	report_plot_cmd(&r->plot, "set xlabel 'rank of the function (log scale)'");
	report_plot_cmd(&r->plot, "set ylabel 'packages importing it (%%, log scale)'");
	report_plot_cmd(&r->plot, "set logscale xy\nset key bottom left box opaque");
	report_plot_cmd(&r->plot, "plot 'fig1.dat' using 1:2 with lines lw 2 lc rgb '#1f5fa8' "
				  "title 'this corpus (%zu packages with ELF files)'%s",
			c->npkgs, p->n ? ", \\" : "");
	if (p->n) {
		char label[160];

		/* The label is ours: built-in studies have fixed names, a
		 * user's file is called "compared data". */
		snprintf(label, sizeof(label), "%s (%lld %s)",
			 strncmp(p->label, "Atlidakis", 9) ? "compared data" : p->label, p->total, p->unit);
		report_plot_cmd(&r->plot, "  'fig1p.dat' using 1:2 with lines lw 2 dt 2 lc rgb '#c0392b' title '%s'",
				label);
	}
out:
	free(ours);
	free(theirs);
}

static void categories(struct report_ctx *r, const int *order)
{
	struct report_corpus *c = &r->corpus;
	char *names[64];
	size_t ncat = 0;
	FILE *f = NULL;

	INIT(r, T_CATEGORIES, "categories",
	     "catalogue categories of Atlidakis et al.; packages: those importing at least one function of "
	     "the category", cats_cols);
	for (size_t i = 0; i < c->nfuncs; i++) {
		size_t k;

		for (k = 0; k < ncat && strcmp(names[k], c->funcs[i].category); k++)
			;
		if (k == ncat && ncat < ARRAY_SIZE(names))
			names[ncat++] = (char *)c->funcs[i].category;
	}
	for (size_t a = 1; a < ncat; a++)
		for (size_t b = a; b > 0 && strcmp(names[b - 1], names[b]) > 0; b--) {
			char *t = names[b];

			names[b] = names[b - 1];
			names[b - 1] = t;
		}
	if (c->plan_len && !r->small)
		f = report_plot_data(&r->plot, "cat.dat");
	for (size_t k = 0; k < ncat; k++) {
		long long nf = 0, used = 0, pk = 0;
		char top[512] = "";
		size_t len = 0;
		int shown = 0;

		for (size_t i = 0; i < c->nfuncs; i++)
			if (!strcmp(c->funcs[i].category, names[k])) {
				nf++;
				used += c->funcs[i].packages > 0;
			}
		for (size_t i = 0; i < c->npkgs; i++)
			for (size_t j = 0; j < c->pkgs[i].nfuncs; j++)
				if (!strcmp(c->funcs[c->pkgs[i].funcs[j]].category, names[k])) {
					pk++;
					break;
				}
		for (size_t o = 0; o < c->nfuncs && shown < 5; o++) {
			struct report_func *fn = &c->funcs[order[o]];

			if (strcmp(fn->category, names[k]) || !fn->packages)
				continue;
			len += snprintf(top + len, sizeof(top) - len, "%s%s (%lld)", shown ? ", " : "",
					fn->name, fn->packages);
			if (len >= sizeof(top))
				break;
			shown++;
		}
		report_table_add(&r->tab[T_CATEGORIES], *names[k] ? names[k] : "(none)", nf, used, pk,
				 c->npkgs ? 100.0 * pk / c->npkgs : 0.0, top);
		if (f)
			fprintf(f, "%s\t%.10g\n", *names[k] ? names[k] : "(none)",
				c->npkgs ? 100.0 * pk / c->npkgs : 0.0);
	}
	if (!f)
		return;
	fclose(f);
	report_chart_add(r, "categories",
			 "For each of the catalogue's categories (Atlidakis et al.'s 14), the share of the %zu "
			 "packages with ELF files that import at least one of its functions. Data: "
			 "<code>catalog_function</code>, <code>import</code> and <code>file</code>; the table "
			 "below names each category's most imported functions.", c->npkgs);
	report_plot_cmd(&r->plot, "set title 'Packages using each category of POSIX functions'");
	report_plot_cmd(&r->plot, "set ylabel 'packages importing a function of it (%%)'");
	report_plot_cmd(&r->plot, "set xlabel 'category'");
	report_plot_cmd(&r->plot, "set style data histograms\nset style fill solid 0.85 border -1\n"
				  "set boxwidth 0.8\nset yrange [0:*]\nset xtics rotate by -35 left nomirror\n"
				  "set grid ytics\nunset key");
	report_plot_cmd(&r->plot, "plot 'cat.dat' using 2:xtic(1) lc rgb '#1f5fa8'");
}

static const size_t milestones[] = { 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000 };

static const struct report_api funcs_api = {
	.one = "POSIX function", .many = "POSIX functions", .uses = "POSIX imports",
	.population = "with ELF files",
	.plan_note = "weighted completeness after the first N functions of each order; packages with no "
		     "POSIX import are complete at N = 0",
	.importance_section = "importance", .plan_section = "plan",
	.importance_dat = "imp.dat", .plan_dat = "plan.dat",
	.plan = T_PLAN, .milestones = T_MILESTONES, .plan_name = "plan",
	.milestones_name = "plan_milestones", .plan_cols = plan_cols, .milestones_cols = miles_cols,
};

static void importance_chart(struct report_ctx *r, struct report_corpus *c, const struct report_api *a)
{
	size_t n = c->plan_len < 30 ? c->plan_len : 30;
	FILE *f;

	if (!n || !(f = report_plot_data(&r->plot, a->importance_dat)))
		return;
	/* The third column colours a bar: green where the API has a
	 * category (for a system call: an io_uring operation). */
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%zu\t%s\t%.10g\t%d\n", k, c->funcs[c->tsai_order[k]].name,
			100 * c->funcs[c->tsai_order[k]].importance,
			!a->category_colour || *c->funcs[c->tsai_order[k]].category ? 0x2e8b57 : 0x8a8f98);
	fclose(f);
	report_chart_add(r, a->importance_section,
			 "The %zu most important %s: API importance of Tsai et al. (EuroSys '16) "
			 "under %s, over the %zu packages %s of this database%s.",
			 n, a->many, report_weights_words(r), c->npkgs, a->population,
			 a->category_colour ? a->category_colour : "");
	report_plot_cmd(&r->plot, "set title 'API importance of the %zu most important %s (%s weights)'",
			n, a->many, report_weights_name(c->weighting));
	report_plot_cmd(&r->plot, "set ylabel 'importance (%%)'");
	report_plot_cmd(&r->plot, "set xlabel '%s'", a->one);
	report_plot_cmd(&r->plot, "set style fill solid 0.85 border -1\nset boxwidth 0.8\nset yrange [0:*]\n"
				  "set xrange [-0.6:%zu.4]\nset xtics rotate by -60 left nomirror\n"
				  "set grid ytics\nunset key", n - 1);
	report_plot_cmd(&r->plot, "plot '%s' using 1:3:4:xtic(2) with boxes lc rgb variable", a->importance_dat);
}

void report_api_plan(struct report_ctx *r, struct report_corpus *c, const struct report_api *a, int small)
{
	FILE *f;

	report_table_init(&r->tab[a->plan], a->plan_name, a->plan_note, a->plan_cols, 5);
	report_table_init(&r->tab[a->milestones], a->milestones_name, "rows of the plan table",
			  a->milestones_cols, 3);
	if (!c->npkgs)
		return;
	report_table_add(&r->tab[a->plan], 0LL, (const char *)NULL, 100 * c->tsai_w[0],
			 (const char *)NULL, 100 * c->plan_w[0]);
	for (size_t k = 1; k <= c->plan_len; k++)
		report_table_add(&r->tab[a->plan], (long long)k, c->funcs[c->tsai_order[k - 1]].name,
				 100 * c->tsai_w[k], c->funcs[c->plan_order[k - 1]].name, 100 * c->plan_w[k]);
	for (size_t i = 0; i < ARRAY_SIZE(milestones) && milestones[i] < c->plan_len; i++)
		report_table_add(&r->tab[a->milestones], (long long)milestones[i],
				 100 * c->tsai_w[milestones[i]], 100 * c->plan_w[milestones[i]]);
	report_table_add(&r->tab[a->milestones], (long long)c->plan_len, 100 * c->tsai_w[c->plan_len],
			 100 * c->plan_w[c->plan_len]);
	if (small)
		return;
	importance_chart(r, c, a);
	if (!c->plan_len || !(f = report_plot_data(&r->plot, a->plan_dat)))
		return;
	for (size_t k = 0; k <= c->plan_len; k++)
		fprintf(f, "%zu\t%.10g\t%.10g\n", k, 100 * c->tsai_w[k], 100 * c->plan_w[k]);
	fclose(f);
	report_chart_add(r, a->plan_section,
			 "Weighted completeness (Tsai et al.) of a layer that implements the first N "
			 "%s of each order: the share of packages, under %s, all of whose %s "
			 "are implemented. Solid: Tsai et al.'s order, by importance; dashed: parakit's greedy "
			 "order, which implements first the %s that complete packages soonest. "
			 "Data: the %zu packages %s of this database.",
			 a->many, report_weights_words(r), a->uses, a->many, c->npkgs, a->population);
	report_plot_cmd(&r->plot, "set title 'What to implement first: completeness after the first N %s'",
			a->many);
	report_plot_cmd(&r->plot, "set xlabel '%s implemented (N)'", a->many);
	report_plot_cmd(&r->plot, "set ylabel 'weighted completeness (%% of packages)'");
	report_plot_cmd(&r->plot, "set yrange [0:100]\nset key bottom right box opaque");
	report_plot_cmd(&r->plot, "plot '%s' using 1:2 with lines lw 2 lc rgb '#c0392b' "
				  "title 'Tsai et al. order (by importance)', \\\n"
				  "  '%s' using 1:3 with lines lw 2 dt 2 lc rgb '#1f5fa8' "
				  "title 'parakit order (greedy, completes packages soonest)'", a->plan_dat, a->plan_dat);
}

/* Non-POSIX imports: every imported symbol with no POSIX name, ranked by
 * packages; origin "glibc" when some import of it is bound to a GLIBC_*
 * version (glibc and Linux extensions), else the version name or
 * "unversioned". */
static void nonposix(struct report_ctx *r)
{
	struct report_corpus *c = &r->corpus;
	sqlite3_stmt *st;
	long long rank = 0;

	INIT(r, T_NONPOSIX, "nonposix",
	     "imported symbols that map to no POSIX function (symbol.posix_name IS NULL); origin: 'glibc' "
	     "when bound to a GLIBC_* version", nonposix_cols);
	st = db_prepare(r->db,
			"SELECT symbol, origin, packages, binaries FROM v_nonposix_usage"
			" ORDER BY packages DESC, binaries DESC, symbol");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		long long np = sqlite3_column_int64(st, 2);

		report_table_add(&r->tab[T_NONPOSIX], ++rank, (const char *)sqlite3_column_text(st, 0),
				 (const char *)sqlite3_column_text(st, 1), np,
				 c->npkgs ? 100.0 * np / c->npkgs : 0.0, sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct report_pkg *x = *(const struct report_pkg *const *)a;
	const struct report_pkg *y = *(const struct report_pkg *const *)b;
	int d;

	if (x->nfuncs != y->nfuncs)
		return x->nfuncs < y->nfuncs ? 1 : -1;
	if ((d = strcmp(x->name, y->name)))
		return d;
	return strcmp(x->version, y->version);
}

static int cmp_fname(const void *a, const void *b)
{
	return strcmp(cmp_c->funcs[*(const int *)a].name, cmp_c->funcs[*(const int *)b].name);
}

static void packages(struct report_ctx *r)
{
	struct report_corpus *c = &r->corpus;
	struct report_pkg **v = xmalloc((c->npkgs + 1) * sizeof(*v));
	char *list = NULL;
	size_t cap = 0;

	INIT(r, T_PACKAGES, "packages",
	     "packages with ELF files, by number of POSIX functions imported; complete after: the number of "
	     "functions of each plan after which all of the package's POSIX imports are implemented", pkgs_cols);
	for (size_t i = 0; i < c->npkgs; i++)
		v[i] = &c->pkgs[i];
	qsort(v, c->npkgs, sizeof(*v), cmp_pkg);
	cmp_c = c;
	for (size_t i = 0; i < c->npkgs; i++) {
		struct report_pkg *p = v[i];
		size_t len = 0;

		if (p->nfuncs)
			qsort(p->funcs, p->nfuncs, sizeof(*p->funcs), cmp_fname);
		list = xgrow(list, &cap, 1, 1);
		list[0] = 0;
		for (size_t j = 0; j < p->nfuncs; j++) {
			const char *n = c->funcs[p->funcs[j]].name;

			list = xgrow(list, &cap, len + strlen(n) + 2, 1);
			len += sprintf(list + len, "%s%s", j ? " " : "", n);
		}
		report_table_add(&r->tab[T_PACKAGES], p->name, p->version, p->w, p->binaries,
				 (long long)p->nfuncs, (long long)p->tsai_step, (long long)p->plan_step, list);
	}
	free(list);
	free(v);
}

int report_scan_sections(struct report_ctx *r)
{
	struct report_corpus *c = &r->corpus;
	int *order;

	if (r->have_pub)
		for (size_t k = 0; k < r->pub.n; k++) {
			int i = report_corpus_func(c, r->pub.names[k]);

			if (i >= 0)
				c->funcs[i].paper_share = r->pub.share[k];
		}
	/* Too few packages for shares to be a distribution: the tables are
	 * written, the distribution's charts are not drawn. */
	r->small = c->npkgs > 0 && c->npkgs < REPORT_DISTRIBUTION_MIN;
	order = report_usage_order(c);
	corpus_tables(r);
	linkage(r, order);
	categories(r, order);
	report_api_plan(r, c, &funcs_api, r->small);
	nonposix(r);
	packages(r);
	free(order);
	return 0;
}
