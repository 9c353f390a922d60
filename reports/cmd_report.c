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
#include "db/db.h"
#include "parakit.h"
#include "reports/report.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: parakit report [--db FILE] --out DIR [--compare-with ubuntu-2016|android-2016|FILE.csv]\n"
	"                      [--weights pagerank|equal] [--popcon FILE] [--title TEXT] [--top N]\n"
	"\n"
	"Writes DIR/index.html (self-contained: inline CSS and SVG charts, no script,\n"
	"nothing from the network) and DIR/<table>.csv and .json for every table.\n"
	"\n"
	"  --db FILE            the database (default " DB_DEFAULT ")\n"
	"  --out DIR            where to write (created when absent)\n"
	"  --compare-with WHAT  overlay the published static linkage of Atlidakis et al.\n"
	"                       (EuroSys '16): ubuntu-2016 (default), android-2016, a CSV\n"
	"                       in their format (function,percent,count), or 'none'\n"
	"  --weights HOW        package weights: pagerank over the corpus's dependency\n"
	"                       graph (default) or equal\n"
	"  --popcon FILE        weigh packages by installations (popularity-contest by_inst)\n"
	"  --title TEXT         the page's title\n"
	"  --top N              rows of the long tables shown in the page (default 50;\n"
	"                       the CSV and JSON files hold every row)\n"
	"\n"
	"examples:\n"
	"  parakit scan --db apt.db /var/cache/apt/archives\n"
	"  parakit report --db apt.db --out apt-report\n"
	"  parakit report --db apt.db --out r --weights equal --compare-with android-2016\n";

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
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "compare-with", required_argument, NULL, 'c' },
		{ "weights", required_argument, NULL, 'w' },
		{ "popcon", required_argument, NULL, 'p' },
		{ "title", required_argument, NULL, 't' },
		{ "top", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *compare = "ubuntu-2016";
	enum report_weighting how = REPORT_W_PAGERANK;
	struct report_ctx r = { .db_path = DB_DEFAULT, .top = 50 };
	int c, ret = 1;

	r.title = "POSIX usage report";
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': r.db_path = optarg; break;
		case 'o': r.dir = optarg; break;
		case 'c': compare = optarg; break;
		case 't': r.title = optarg; break;
		case 'p': r.popcon = optarg; how = REPORT_W_POPCON; break;
		case 'w':
			if (!strcmp(optarg, "equal"))
				how = REPORT_W_EQUAL;
			else if (!strcmp(optarg, "pagerank"))
				how = REPORT_W_PAGERANK;
			else {
				util_err("--weights: '%s' is neither 'pagerank' nor 'equal'", optarg);
				return 2;
			}
			break;
		case 'n': {
			char *end;
			long long n = strtoll(optarg, &end, 10);

			if (*end || end == optarg || n < 1) {
				util_err("--top: '%s' is not a positive number", optarg);
				return 2;
			}
			r.top = (size_t)n;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc || !r.dir) {
		if (!r.dir)
			util_err("--out DIR is required");
		fputs(usage_text, stderr);
		return 2;
	}
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
	if (report_scan_sections(&r) || report_trace_sections(&r) || report_src_sections(&r))
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
	report_published_release(&r.pub);
	db_close(r.db);
	return ret;
}
