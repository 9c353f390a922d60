/*
 * The system call sections of the report (issue 17): what the binaries
 * `scan --syscalls` analysed can ask of the kernel, and how much of it an
 * asynchronous kernel interface, io_uring, already offers.
 *
 * The system calls are a corpus as the POSIX functions are (APIs and the
 * packages using them, report_corpus_load_syscalls), weighed as the
 * function sections weigh packages, so Tsai et al.'s importance, weighted
 * completeness and both plans are report_metrics' and their tables and
 * charts report_api_plan's. Added here:
 *   - the io_uring share of a package: of the system calls its binaries
 *     can issue, those with an io_uring operation (catalog_io_uring); per
 *     package, pooled over (package, call) pairs and over the calls used;
 *   - the binaries by what the analysis made of them (v_syscall_analysis);
 *   - the published figures (report_published_syscalls) beside this
 *     database's.
 * 'unknown' (a number that is not a constant) is no API: it is left out
 * of the sets, and counted apart.
 */
#include "common/common.h"
#include "db/db.h"
#include "reports/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define C(name, label, type) { name, label, type, 1 }
#define CSV_ONLY(name, type) { name, name, type, 0 }

static const struct report_col sys_cols[] = {
	C("rank", "rank", REPORT_INT), C("syscall", "system call", REPORT_TEXT),
	C("io_uring_op", "io_uring operation", REPORT_TEXT), C("packages", "packages", REPORT_INT),
	C("share_pct", "package share", REPORT_PCT), C("binaries", "binaries", REPORT_INT),
	C("importance_pct", "importance", REPORT_PCT), C("tsai_step", "Tsai step", REPORT_INT),
	C("plan_step", "parakit step", REPORT_INT),
};
static const struct report_col sys_plan_cols[] = {
	C("step", "system calls", REPORT_INT), C("tsai_syscall", "Tsai: next", REPORT_TEXT),
	C("tsai_completeness_pct", "Tsai: completeness", REPORT_PCT),
	C("parakit_syscall", "parakit: next", REPORT_TEXT),
	C("parakit_completeness_pct", "parakit: completeness", REPORT_PCT),
};
static const struct report_col sys_miles_cols[] = {
	C("syscalls", "first N system calls", REPORT_INT),
	C("tsai_completeness_pct", "Tsai order", REPORT_PCT),
	C("parakit_completeness_pct", "parakit order", REPORT_PCT),
};
static const struct report_col sys_pkgs_cols[] = {
	C("package", "package", REPORT_TEXT), C("version", "version", REPORT_TEXT),
	C("weight", "weight", REPORT_REAL), C("binaries", "ELF files", REPORT_INT),
	C("analysed", "analysed", REPORT_INT), C("syscalls", "system calls", REPORT_INT),
	C("io_uring", "with io_uring op", REPORT_INT), C("io_uring_share_pct", "io_uring share", REPORT_PCT),
	C("unknown", "non-constant numbers", REPORT_INT),
	C("complete_after_tsai", "complete after (Tsai)", REPORT_INT),
	C("complete_after_parakit", "complete after (parakit)", REPORT_INT),
	CSV_ONLY("syscalls_list", REPORT_TEXT),
};
static const struct report_col sys_bin_cols[] = {
	C("measure", "measure", REPORT_TEXT), C("value", "value", REPORT_INT),
};
static const struct report_col sys_uring_cols[] = {
	C("measure", "measure", REPORT_TEXT), C("with_io_uring_op", "with an io_uring operation", REPORT_INT),
	C("syscalls", "system calls", REPORT_INT), C("share_pct", "share", REPORT_PCT),
};
static const struct report_col sys_pub_cols[] = {
	C("measure", "measure", REPORT_TEXT), C("source", "published by", REPORT_TEXT),
	C("published", "published", REPORT_REAL), C("this_database", "this database", REPORT_REAL),
};

static const struct report_api sys_api = {
	.one = "system call", .many = "system calls", .uses = "system calls",
	.population = "with a binary whose system calls were found",
	.plan_note = "weighted completeness after the first N system calls of each order ('unknown' left "
		     "out); packages whose binaries issue none are complete at N = 0",
	.category_colour = "; green: the call has an io_uring operation, grey: none",
	.importance_section = "sys_importance", .plan_section = "sys_plan",
	.importance_dat = "simp.dat", .plan_dat = "splan.dat",
	.plan = T_SYS_PLAN, .milestones = T_SYS_MILESTONES, .plan_name = "syscall_plan",
	.milestones_name = "syscall_plan_milestones", .plan_cols = sys_plan_cols,
	.milestones_cols = sys_miles_cols,
};

#define INIT(r, id, name, note, cols) \
	report_table_init(&(r)->tab[id], name, note, cols, ARRAY_SIZE(cols))

/* Of a package's system calls, those with an io_uring operation. */
static long long uring_count(const struct report_corpus *s, const struct report_pkg *p)
{
	long long n = 0;

	for (size_t j = 0; j < p->nfuncs; j++)
		n += *s->funcs[p->funcs[j]].category != 0;
	return n;
}

/* A package's io_uring share: NAN when its binaries issue no system call. */
static double uring_share(const struct report_corpus *s, const struct report_pkg *p)
{
	return p->nfuncs ? 100.0 * uring_count(s, p) / p->nfuncs : NAN;
}

static const struct report_corpus *cmp_s;

/* By io_uring share, highest first; packages with no system call last. */
static int cmp_share(const void *a, const void *b)
{
	const struct report_pkg *x = *(const struct report_pkg *const *)a;
	const struct report_pkg *y = *(const struct report_pkg *const *)b;
	double u = uring_share(cmp_s, x), v = uring_share(cmp_s, y);
	int d;

	if (isnan(u) != isnan(v))
		return isnan(u) ? 1 : -1;
	if (!isnan(u) && u != v)
		return u < v ? 1 : -1;
	if (x->nfuncs != y->nfuncs)
		return x->nfuncs < y->nfuncs ? 1 : -1;
	if ((d = strcmp(x->name, y->name)))
		return d;
	return strcmp(x->version, y->version);
}

static int cmp_sname(const void *a, const void *b)
{
	return strcmp(cmp_s->funcs[*(const int *)a].name, cmp_s->funcs[*(const int *)b].name);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void syscall_table(struct report_ctx *r)
{
	struct report_corpus *s = &r->sys;
	int *order = report_usage_order(s);

	for (size_t k = 0; k < s->nfuncs; k++) {
		struct report_func *fn = &s->funcs[order[k]];

		report_table_add(&r->tab[T_SYSCALLS], (long long)k + 1, fn->name, fn->category, fn->packages,
				 fn->share, fn->binaries, 100 * fn->importance, (long long)fn->tsai_step,
				 (long long)fn->plan_step);
	}
	free(order);
}

/* The per-package table, by io_uring share. */
static void package_table(struct report_ctx *r)
{
	struct report_corpus *s = &r->sys;
	struct report_pkg **v = xmalloc((s->npkgs + 1) * sizeof(*v));
	char *list = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < s->npkgs; i++)
		v[i] = &s->pkgs[i];
	cmp_s = s;
	qsort(v, s->npkgs, sizeof(*v), cmp_share);
	for (size_t i = 0; i < s->npkgs; i++) {
		struct report_pkg *p = v[i];
		size_t len = 0;

		if (p->nfuncs)
			qsort(p->funcs, p->nfuncs, sizeof(*p->funcs), cmp_sname);
		list = xgrow(list, &cap, 1, 1);
		list[0] = 0;
		for (size_t j = 0; j < p->nfuncs; j++) {
			const char *n = s->funcs[p->funcs[j]].name;

			list = xgrow(list, &cap, len + strlen(n) + 2, 1);
			len += sprintf(list + len, "%s%s", j ? " " : "", n);
		}
		report_table_add(&r->tab[T_SYS_PACKAGES], p->name, p->version, p->w, p->binaries, p->analysed,
				 (long long)p->nfuncs, uring_count(s, p), uring_share(s, p), (long long)p->unknown,
				 (long long)p->tsai_step, (long long)p->plan_step, list);
	}
	free(list);
	free(v);
}

static void uring_table(struct report_ctx *r)
{
	struct report_corpus *s = &r->sys;
	struct report_table *t = &r->tab[T_SYS_URING];
	double *shares = xmalloc((s->npkgs + 1) * sizeof(*shares));
	long long all = 0, all_op = 0, used = 0, used_op = 0, pairs = 0, pairs_op = 0;
	double sum = 0, wsum = 0, w = 0, lo = NAN, hi = NAN;
	size_t n = 0;
	char label[160];

	for (size_t f = 0; f < s->nfuncs; f++) {
		int op = *s->funcs[f].category != 0;

		/* A name only another ABI has is not one of the scan ABI's. */
		if (s->funcs[f].binaries != REPORT_NONE) {
			all++;
			all_op += op;
		}
		if (s->funcs[f].packages > 0) {
			used++;
			used_op += op;
		}
	}
	for (size_t i = 0; i < s->npkgs; i++) {
		struct report_pkg *p = &s->pkgs[i];
		double u;

		pairs += (long long)p->nfuncs;
		pairs_op += uring_count(s, p);
		if (!p->nfuncs)
			continue;
		u = uring_share(s, p);
		shares[n++] = u;
		sum += u;
		wsum += p->w * u;
		w += p->w;
		if (isnan(lo) || u < lo)
			lo = u;
		if (isnan(hi) || u > hi)
			hi = u;
	}
#define PCT(a, b) ((b) ? 100.0 * (a) / (b) : NAN)
	report_table_add(t, "system calls of the scan's ABI", all_op, all, PCT(all_op, all));
	report_table_add(t, "system calls some package can issue", used_op, used, PCT(used_op, used));
	report_table_add(t, "(package, system call) pairs, pooled", pairs_op, pairs, PCT(pairs_op, pairs));
#undef PCT
	/* The per-package rows name their population in the measure. */
	snprintf(label, sizeof(label), "per package (%zu): mean", n);
	report_table_add(t, label, REPORT_NONE, REPORT_NONE, n ? sum / n : NAN);
	snprintf(label, sizeof(label), "per package (%zu): mean under the report's weights (%s)", n,
		 report_weights_name(s->weighting));
	report_table_add(t, label, REPORT_NONE, REPORT_NONE, w > 0 ? wsum / w : NAN);
	snprintf(label, sizeof(label), "per package (%zu): median", n);
	report_table_add(t, label, REPORT_NONE, REPORT_NONE, median(shares, n));
	snprintf(label, sizeof(label), "per package (%zu): lowest", n);
	report_table_add(t, label, REPORT_NONE, REPORT_NONE, lo);
	snprintf(label, sizeof(label), "per package (%zu): highest", n);
	report_table_add(t, label, REPORT_NONE, REPORT_NONE, hi);
	free(shares);
}

/* Set sizes of the distinct analysed binaries ('unknown' counted as one,
 * as bench/syscall-footprint.sh counts): all of them, or the executables. */
static size_t set_sizes(struct report_ctx *r, int executables, double **out)
{
	sqlite3_stmt *st;
	size_t n = 0, cap = 0;
	double *v = NULL;

	st = db_prepare(r->db, executables ?
			"SELECT DISTINCT binary_id, syscalls FROM v_syscall_analysis WHERE status = 'ok' AND executable" :
			"SELECT DISTINCT binary_id, syscalls FROM v_syscall_analysis WHERE status = 'ok'");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n++] = (double)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	*out = v;
	return n;
}

static double mean(const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / n : NAN;
}

static void binaries_table(struct report_ctx *r)
{
	struct report_table *t = &r->tab[T_SYS_BINARIES];
	sqlite3_stmt *st;

#define ROW(label, sql) report_table_add(t, label, db_int(r->db, sql, 0))
	ROW("ELF binaries (distinct contents)", "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis");
	ROW("analysed: system call set found",
	    "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE status = 'ok'");
	/* One row per reason a binary was not analysed. */
	st = db_prepare(r->db, "SELECT 'not analysed: ' || coalesce(status, 'scanned without --syscalls'),"
			       " count(DISTINCT binary_id) FROM v_syscall_analysis"
			       " WHERE status IS NOT 'ok' GROUP BY status ORDER BY 2 DESC, 1");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(t, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	ROW("static binaries", "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE static");
	ROW("static binaries analysed",
	    "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE static AND status = 'ok'");
	ROW("Go binaries", "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE go <> ''");
	ROW("Go binaries analysed",
	    "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE go <> '' AND status = 'ok'");
	ROW("stripped binaries (no .symtab)", "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE stripped");
	ROW("stripped binaries analysed",
	    "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE stripped AND status = 'ok'");
	ROW("executables analysed",
	    "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE executable AND status = 'ok'");
	ROW("analysed binaries with a non-constant number ('unknown')",
	    "SELECT count(DISTINCT binary_id) FROM v_syscall_analysis WHERE unknown AND status = 'ok'");
	ROW("system call sites in their code",
	    "SELECT coalesce(sum(sites), 0) FROM (SELECT DISTINCT binary_id, sites FROM v_syscall_analysis"
	    " WHERE status = 'ok')");
	ROW("... of which with no constant number",
	    "SELECT coalesce(sum(unknown_sites), 0) FROM (SELECT DISTINCT binary_id, unknown_sites"
	    " FROM v_syscall_analysis WHERE status = 'ok')");
	ROW("packages with an analysed binary",
	    "SELECT count(DISTINCT package_id) FROM v_syscall_analysis WHERE status = 'ok'");
	ROW("... of which with a non-constant number",
	    "SELECT count(DISTINCT package_id) FROM v_syscall_analysis WHERE status = 'ok' AND unknown");
#undef ROW
}

static void published_table(struct report_ctx *r)
{
	struct report_corpus *s = &r->sys;
	struct report_table *t = &r->tab[T_SYS_PUBLISHED];
	double *all, *exe, m_all, m_exe;
	size_t n_all = set_sizes(r, 0, &all), n_exe = set_sizes(r, 1, &exe);
	long long full = 0;

	for (size_t f = 0; f < s->nfuncs; f++)
		full += s->funcs[f].packages > 0 && s->funcs[f].importance >= 1 - 1e-9;
	m_all = mean(all, n_all);
	m_exe = mean(exe, n_exe);
	for (const struct report_published_figure *p = report_published_syscalls; p->source; p++)
		report_table_add(t, p->measure, p->source, p->value,
				 strstr(p->measure, "importance") ? (double)full : m_all);
	report_table_add(t, "median system calls per binary", (const char *)NULL, NAN, median(all, n_all));
	report_table_add(t, "mean system calls per executable", (const char *)NULL, NAN, m_exe);
	report_table_add(t, "median system calls per executable", (const char *)NULL, NAN, median(exe, n_exe));
	free(all);
	free(exe);
}

/* The distribution of the io_uring share over packages, in tenths. */
static void uring_chart(struct report_ctx *r)
{
	struct report_corpus *s = &r->sys;
	long long bins[10] = { 0 }, n = 0;
	FILE *f;

	for (size_t i = 0; i < s->npkgs; i++) {
		double u = uring_share(s, &s->pkgs[i]);
		int b;

		if (isnan(u))
			continue;
		b = (int)(u / 10);
		bins[b > 9 ? 9 : b]++;
		n++;
	}
	if (!n || !(f = report_plot_data(&r->plot, "suring.dat")))
		return;
	for (int b = 0; b < 10; b++)
		fprintf(f, "%d\t%d-%d\t%lld\n", b, 10 * b, 10 * b + 10, bins[b]);
	fclose(f);
	report_chart_add(r, "io_uring",
			 "How far io_uring reaches: the %lld packages whose binaries can issue at least one "
			 "system call, by the share of those calls that have an io_uring operation "
			 "(<code>catalog_io_uring</code>), in bins of 10 points (the last one holds 100 %%). "
			 "Data: <code>v_package_syscalls</code> of this database.", n);
	report_plot_cmd(&r->plot, "set title 'Packages by the share of their system calls that io_uring offers'");
	report_plot_cmd(&r->plot, "set xlabel 'system calls with an io_uring operation (%% of the package''s)'");
	report_plot_cmd(&r->plot, "set ylabel 'packages'");
	report_plot_cmd(&r->plot, "set style fill solid 0.85 border -1\nset boxwidth 0.8\nset yrange [0:*]\n"
				  "set xrange [-0.6:9.6]\nset grid ytics\nunset key");
	report_plot_cmd(&r->plot, "plot 'suring.dat' using 1:3:xtic(2) with boxes lc rgb '#2e8b57'");
}

/* Every table, empty: written as they are when the database has no set. */
static void init_tables(struct report_ctx *r)
{
	INIT(r, T_SYSCALLS, "syscalls",
	     "v_syscall_usage (packages, binaries; a name only another ABI's binaries issue has no binary "
	     "count) and v_package_syscalls; share: of the packages with a binary whose system calls were "
	     "found; importance and steps under the weights named in 'weights'; 'unknown' left out",
	     sys_cols);
	INIT(r, T_SYS_PACKAGES, "syscall_packages",
	     "packages with a binary whose system calls were found, by io_uring share: of the system calls "
	     "its binaries can issue ('unknown' left out; unknown = 1 when one of them has a number that is "
	     "not a constant), those with an io_uring operation (catalog_io_uring); complete after: the "
	     "number of system calls of each plan after which all of the package's are implemented",
	     sys_pkgs_cols);
	INIT(r, T_SYS_URING, "syscall_io_uring",
	     "system calls with an io_uring operation (catalog_io_uring) among those of the scan's ABI "
	     "(v_syscall_usage), those some package uses, and each package's (v_package_syscalls); "
	     "per package: over the packages whose binaries issue at least one system call; 'unknown' "
	     "left out", sys_uring_cols);
	INIT(r, T_SYS_BINARIES, "syscall_binaries",
	     "v_syscall_analysis: distinct binaries (contents) by what scan --syscalls made of them; static: "
	     "v_binaries.static; executable: EXEC or DYN with no soname", sys_bin_cols);
	INIT(r, T_SYS_PUBLISHED, "syscall_published",
	     "published figures beside this database's: system calls whose importance is 100 % under the "
	     "report's weights; set sizes of the distinct binaries whose system calls were found ('unknown' "
	     "counted as one), all of them and the executables (EXEC or DYN with no soname)", sys_pub_cols);
}

int report_syscall_sections(struct report_ctx *r)
{
	/* A database scanned without --syscalls has no section: its tables
	 * are written empty, as the trace tables of a database without
	 * traces are. */
	r->have_sys = db_int(r->db, "SELECT count(*) FROM v_syscall_analysis WHERE status IS NOT NULL", 0) > 0;
	init_tables(r);
	if (!r->have_sys) {
		report_api_plan(r, &r->sys, &sys_api, 1);
		return 0;
	}
	if (report_corpus_load_syscalls(&r->sys, &r->corpus, r->db))
		return -1;
	report_metrics(&r->sys);
	r->sys_small = r->sys.npkgs < REPORT_DISTRIBUTION_MIN;
	syscall_table(r);
	report_api_plan(r, &r->sys, &sys_api, r->sys_small);
	package_table(r);
	uring_table(r);
	binaries_table(r);
	published_table(r);
	if (!r->sys_small)
		uring_chart(r);
	return 0;
}
