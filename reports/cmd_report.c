/*
 * parakit report: the findings of a database as one self-contained HTML
 * page (charts as inline SVG from gnuplot), plus one CSV and one JSON file
 * per table, side by side with the published study of Atlidakis et al.
 *
 * The database is only read: it is opened read-only, never migrated (one
 * an older parakit made is refused with the advice to migrate it), so a
 * report can be made from a database in a directory the user may not
 * write.
 */
#include "common/common.h"
#include "common/options.h"
#include "db/db.h"
#include "parakit.h"
#include "reports/report.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const synopsis[] = {
	"parakit report [--db FILE] --out DIR [--compare-with ubuntu-2016|android-2016|FILE.csv]\n"
	"               [--weights pagerank|equal] [--popcon FILE] [--title TEXT] [--top N]",
	NULL
};

static const struct util_usage usage = {
	.synopsis = synopsis,
	.description =
		"Writes DIR/index.html (self-contained: inline CSS and SVG charts, no script,\n"
		"nothing from the network) and DIR/<table>.csv and .json for every table.\n"
		"\n"
		"The page sets the corpus beside the published static linkage of Atlidakis\n"
		"et al. (EuroSys '16): ubuntu-2016, android-2016, a CSV in their format\n"
		"(function,percent,count), or none. Packages are weighed by pagerank over\n"
		"the corpus's dependency graph, equally, or by installations\n"
		"(popularity-contest's by_inst file). The CSV and JSON files hold every row\n"
		"of the tables the page shortens to --top rows.\n"
		"\n"
		"When the database holds system call sets (scan --syscalls), the page adds\n"
		"their API importance, the plans over them, the share of each package's\n"
		"system calls io_uring offers, and the published figures beside them.\n",
	.examples =
		"parakit scan --db apt.db /var/cache/apt/archives\n"
		"parakit report --db apt.db --out apt-report\n"
		"parakit report --db apt.db --out r --weights equal --compare-with android-2016\n",
	.args = UTIL_ARGS_NONE,
};

static const char *const compare_values[] = { "ubuntu-2016", "android-2016", "none", NULL };
static const char *const weights_values[] = {
	[REPORT_W_PAGERANK] = "pagerank", [REPORT_W_EQUAL] = "equal", NULL
};

/* --weights and --popcon: the last one given says how packages weigh. */
struct weighting {
	int how;
	const char *popcon;
};

static int opt_popcon(const struct util_option *opt, const char *arg)
{
	struct weighting *w = opt->value;

	w->popcon = arg;
	w->how = REPORT_W_POPCON;
	return 0;
}

static int mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	int ret = 0;

	for (char *s = p + 1; ; s++) {
		char c = *s;

		if (c && c != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) && errno != EEXIST) {
			util_err("cannot create '%s': %s", p, strerror(errno));
			ret = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	struct report_ctx r = { .db_path = DB_DEFAULT, .title = "POSIX usage report" };
	struct weighting w = { .how = REPORT_W_PAGERANK };
	const char *compare = "ubuntu-2016";
	int top = 50, first, ret = 1;
	const struct util_option options[] = {
		UTIL_OPT_DB(&r.db_path),
		UTIL_OPT_DIRNAME(0, "out", &r.dir, "DIR", "where to write (created when absent)"),
		{ .kind = UTIL_OPT_STRING, .long_name = "compare-with", .value = &compare, .argh = "WHAT",
		  .values = compare_values, .flags = UTIL_OPT_FILE | UTIL_OPT_DEFAULT,
		  .help = "the published linkage to set beside the corpus's: ubuntu-2016, android-2016,"
			  " FILE.csv or none" },
		UTIL_OPT_ENUM(0, "weights", &w.how, weights_values, "how packages weigh: pagerank or equal"),
		{ .kind = UTIL_OPT_CALLBACK, .long_name = "popcon", .value = &w, .argh = "FILE", .cb = opt_popcon,
		  .flags = UTIL_OPT_FILE, .help = "weigh packages by installations (popularity-contest by_inst)" },
		{ .kind = UTIL_OPT_STRING, .long_name = "title", .value = &r.title, .argh = "TEXT",
		  .help = "the page's title", .flags = UTIL_OPT_DEFAULT },
		{ .kind = UTIL_OPT_INT, .long_name = "top", .value = &top, .argh = "N", .min = 1, .max = INT_MAX,
		  .help = "rows of the long tables shown in the page", .flags = UTIL_OPT_DEFAULT },
		UTIL_OPT_END()
	};
	enum report_weighting how;

	if ((first = util_parse_options(argc, argv, options, &usage, 0)) < 0)
		return first == UTIL_OPT_HELP ? 0 : 2;
	if (first < argc || !r.dir) {
		if (!r.dir)
			util_err("--out DIR is required");
		util_opt_usage(stderr, options, &usage);
		return 2;
	}
	how = w.how;
	r.popcon = w.popcon;
	r.top = top;
	if (r.popcon && how == REPORT_W_EQUAL) {
		util_err("--popcon and --weights equal exclude each other");
		return 2;
	}
	/* Before the rest: a missing or foreign database is the likeliest
	 * mistake. */
	if (db_open_readonly(r.db_path, &r.db))
		return 1;
	if (strcmp(compare, "none")) {
		if (report_published_load(&r.pub, compare))
			goto out;
		r.have_pub = 1;
	}
	if (mkdir_p(r.dir) || report_plot_init(&r.plot))
		goto out;
	if (report_corpus_load(&r.corpus, r.db) || report_weights(&r.corpus, r.db, how, r.popcon))
		goto out;
	report_metrics(&r.corpus);
	if (report_scan_sections(&r) || report_syscall_sections(&r) || report_trace_sections(&r) ||
	    report_pairs_sections(&r) || report_functions_sections(&r) || report_src_sections(&r))
		goto out;
	if (report_plot_run(&r.plot))
		goto out;
	for (int i = 0; i < T_COUNT; i++)
		if (report_table_write(&r.tab[i], r.dir, report_weights_name(how)))
			goto out;
	if (report_html_write(&r))
		goto out;
	printf("%s/index.html\n", r.dir);
	ret = 0;
out:
	for (int i = 0; i < T_COUNT; i++)
		report_table_release(&r.tab[i]);
	for (size_t i = 0; i < r.ncharts; i++)
		free(r.charts[i].caption);
	free(r.charts);
	report_plot_release(&r.plot);
	report_corpus_release(&r.corpus);
	report_corpus_release(&r.sys);
	report_published_release(&r.pub);
	db_close(r.db);
	return ret;
}
