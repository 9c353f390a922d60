/*
 * The published static-linkage data to compare with: Atlidakis et al.'s
 * two CSVs (built in) or a file in their format, "function,percent,count"
 * after one header line. The corpus size is the closing "Total,N ..." line
 * when there is one, else recovered from the first row as count * 100 /
 * percent.
 */
#include "common/common.h"
#include "reports/report.h"
#include "reports/report_data.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *builtin(const char *what, const char **label, const char **unit)
{
	const char *file;

	if (!strcmp(what, "ubuntu-2016")) {
		file = "reports/data/atlidakis-2016-ubuntu.csv";
		*label = "Atlidakis et al. 2016, Ubuntu";
		*unit = "packages";
	} else if (!strcmp(what, "android-2016")) {
		file = "reports/data/atlidakis-2016-android.csv";
		*label = "Atlidakis et al. 2016, Android";
		*unit = "apps";
	} else
		return NULL;
	for (const struct report_data *d = report_data; d->name; d++)
		if (!strcmp(d->name, file))
			return d->data;
	return NULL;
}

static int parse(struct report_published *p, const char *text, const char *src)
{
	size_t cap = 0;
	const char *line = strchr(text, '\n');

	for (int lineno = 2; line && line[1]; lineno++) {
		const char *end, *comma;
		char *e1, *e2;
		double share;
		long long count;

		line++;
		end = line + strcspn(line, "\n");
		if (end == line || (end == line + 1 && *line == '\r')) {
			line = *end ? end : NULL;
			continue;
		}
		/* The published files close with "Total,17989 packages ...". */
		if (!strncmp(line, "Total,", 6)) {
			long long total = strtoll(line + 6, &e1, 10);

			if (total > 0)
				p->total = total;
			line = *end ? end : NULL;
			continue;
		}
		comma = memchr(line, ',', end - line);
		if (!comma || comma == line)
			goto bad;
		share = strtod(comma + 1, &e1);
		if (e1 == comma + 1 || *e1 != ',')
			goto bad;
		count = strtoll(e1 + 1, &e2, 10);
		if (e2 == e1 + 1 || !isfinite(share) || share < 0 || share > 100 || count < 0)
			goto bad;
		p->names = xgrow(p->names, &cap, p->n + 1, sizeof(*p->names));
		p->share = xrealloc(p->share, cap * sizeof(*p->share));
		p->count = xrealloc(p->count, cap * sizeof(*p->count));
		p->names[p->n] = xstrndup(line, comma - line);
		p->share[p->n] = share;
		p->count[p->n++] = count;
		if (!p->n_total_guess && share > 0)
			p->n_total_guess = llround(count * 100.0 / share);
		line = *end ? end : NULL;
		continue;
bad:
		util_err("'%s' line %d: not 'function,percent,count'", src, lineno);
		return -1;
	}
	if (!p->total)
		p->total = p->n_total_guess;
	if (!p->n) {
		util_err("'%s' holds no data rows", src);
		return -1;
	}
	return 0;
}

int report_published_load(struct report_published *p, const char *what)
{
	const char *text;
	char *buf = NULL;
	int ret;

	memset(p, 0, sizeof(*p));
	if (!(text = builtin(what, &p->label, &p->unit))) {
		if (!(buf = util_read_file(what, NULL))) {
			util_err("cannot read '%s': %s", what, strerror(errno));
			return -1;
		}
		text = buf;
		p->label = what;
		p->unit = "packages";
	}
	ret = parse(p, text, what);
	free(buf);
	if (ret)
		report_published_release(p);
	return ret;
}

void report_published_release(struct report_published *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->names[i]);
	free(p->names);
	free(p->share);
	free(p->count);
	memset(p, 0, sizeof(*p));
}

/*
 * The published system call figures (issue 17; /work/shared/PRIOR-ART.md):
 * Tsai et al. counted the system calls of API importance 100 % over
 * Ubuntu's popularity-contest installations; B-Side's paper gives the
 * mean set size of its static analysis over 557 Debian binaries, and
 * those of the two tools it compares with, over the same binaries.
 */
const struct report_published_figure report_published_syscalls[] = {
	{ "Tsai et al., EuroSys '16 (Ubuntu, popcon weights)",
	  "system calls of API importance 100 % (used by every installation)", 224 },
	{ "B-Side, 2024 (557 Debian binaries)", "mean system calls per binary", 43 },
	{ "B-Side's competitors (the same binaries)", "mean system calls per binary", 95 },
	{ "B-Side's competitors (the same binaries)", "mean system calls per binary", 271 },
	{ NULL, NULL, 0 }
};
