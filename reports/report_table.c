/*
 * Tables: one in-memory model per table, written three ways so the page,
 * the CSV and the JSON can never disagree. Numbers are formatted here once
 * per format: integers as they are, reals with 10 significant digits in
 * CSV/JSON, percentages with two decimals in the page.
 */
#include "common/common.h"
#include "reports/report.h"
#include "common/json.h"
#include "reports/report_escape.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void report_table_init(struct report_table *t, const char *name, const char *note,
		       const struct report_col *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->note = note;
	t->cols = cols;
	t->ncols = ncols;
}

void report_table_add(struct report_table *t, ...)
{
	union report_cell *row;
	va_list ap;

	t->cells = xgrow(t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof(*t->cells));
	row = t->cells + t->nrows * t->ncols;
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s;

		switch (t->cols[i].type) {
		case REPORT_TEXT:
			s = va_arg(ap, const char *);
			row[i].s = s ? xstrdup(s) : NULL;
			break;
		case REPORT_INT:
			row[i].i = va_arg(ap, long long);
			break;
		case REPORT_REAL:
		case REPORT_PCT:
			row[i].d = va_arg(ap, double);
			break;
		}
	}
	va_end(ap);
	t->nrows++;
}

void report_table_release(struct report_table *t)
{
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncols; i++)
			if (t->cols[i].type == REPORT_TEXT)
				free(t->cells[r * t->ncols + i].s);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static void write_real(FILE *f, double d, int json)
{
	if (isfinite(d))
		fprintf(f, "%.10g", d);
	else if (json)
		fputs("null", f);
}

static int write_csv(const struct report_table *t, FILE *f)
{
	for (size_t i = 0; i < t->ncols; i++)
		fprintf(f, "%s%s", i ? "," : "", t->cols[i].name);
	fputs("\r\n", f);
	for (size_t r = 0; r < t->nrows; r++) {
		const union report_cell *row = t->cells + r * t->ncols;

		for (size_t i = 0; i < t->ncols; i++) {
			if (i)
				putc(',', f);
			switch (t->cols[i].type) {
			case REPORT_TEXT:
				if (row[i].s)
					report_csv_text(f, row[i].s, strlen(row[i].s));
				break;
			case REPORT_INT:
				if (row[i].i != REPORT_NONE)
					fprintf(f, "%lld", row[i].i);
				break;
			default:
				write_real(f, row[i].d, 0);
			}
		}
		fputs("\r\n", f);
	}
	return 0;
}

static int write_json(const struct report_table *t, FILE *f, const char *weights)
{
	fputs("{\n\"table\": ", f);
	util_json_s(f, t->name);
	fputs(",\n\"note\": ", f);
	util_json_s(f, t->note);
	fputs(",\n\"weights\": ", f);
	util_json_s(f, weights);
	fputs(",\n\"columns\": [", f);
	for (size_t i = 0; i < t->ncols; i++) {
		fputs(i ? ", " : "", f);
		util_json_s(f, t->cols[i].name);
	}
	fputs("],\n\"rows\": [", f);
	for (size_t r = 0; r < t->nrows; r++) {
		const union report_cell *row = t->cells + r * t->ncols;

		fputs(r ? ",\n{" : "\n{", f);
		for (size_t i = 0; i < t->ncols; i++) {
			fputs(i ? ", " : "", f);
			util_json_s(f, t->cols[i].name);
			putc(':', f);
			switch (t->cols[i].type) {
			case REPORT_TEXT:
				util_json_s(f, row[i].s);
				break;
			case REPORT_INT:
				if (row[i].i != REPORT_NONE)
					fprintf(f, "%lld", row[i].i);
				else
					fputs("null", f);
				break;
			default:
				write_real(f, row[i].d, 1);
			}
		}
		putc('}', f);
	}
	fputs("\n]\n}\n", f);
	return 0;
}

static int write_file(const struct report_table *t, const char *dir, const char *ext,
		      const char *weights)
{
	char *path;
	FILE *f;
	int err = 0;

	if (asprintf(&path, "%s/%s.%s", dir, t->name, ext) < 0)
		return -ENOMEM;
	if (!(f = fopen(path, "w"))) {
		err = -errno;
		util_err("cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!strcmp(ext, "csv"))
		write_csv(t, f);
	else
		write_json(t, f, weights);
	if (ferror(f) | fclose(f)) {
		err = -EIO;
		util_err("cannot write '%s': %s", path, strerror(errno));
	}
out:
	free(path);
	return err;
}

int report_table_write(const struct report_table *t, const char *dir, const char *weights)
{
	int err = write_file(t, dir, "csv", weights);

	return err ? err : write_file(t, dir, "json", weights);
}

static void html_cell(FILE *f, const struct report_col *c, const union report_cell *v)
{
	switch (c->type) {
	case REPORT_TEXT:
		/* Long cells (command lines, reasons) scroll in a box. */
		fputs(v->s && strlen(v->s) > 240 ? "<td><div class=clip>" : "<td>", f);
		report_html_s(f, v->s);
		if (v->s && strlen(v->s) > 240)
			fputs("</div>", f);
		break;
	case REPORT_INT:
		if (v->i != REPORT_NONE)
			fprintf(f, "<td class=n>%lld", v->i);
		else
			fputs("<td class=n>", f);
		break;
	case REPORT_REAL:
		fputs("<td class=n>", f);
		if (isfinite(v->d))
			fprintf(f, "%.4g", v->d);
		break;
	case REPORT_PCT:
		fputs("<td class=n>", f);
		if (isfinite(v->d))
			fprintf(f, "%.2f&nbsp;%%", v->d);
		break;
	}
	fputs("</td>", f);
}

void report_table_html_range(FILE *f, const struct report_table *t, const char *part, size_t first, size_t n)
{
	if (first > t->nrows)
		first = t->nrows;
	if (n > t->nrows - first)
		n = t->nrows - first;
	fprintf(f, "<table id=\"t-%s%s%s\" data-rows=\"%zu\">\n<thead><tr>", t->name, part ? "-" : "",
		part ? part : "", n);
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].html) {
			fprintf(f, "<th%s>", t->cols[i].type == REPORT_TEXT ? "" : " class=n");
			report_html_s(f, t->cols[i].label);
			fputs("</th>", f);
		}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t r = first; r < first + n; r++) {
		fputs("<tr>", f);
		for (size_t i = 0; i < t->ncols; i++)
			if (t->cols[i].html)
				html_cell(f, &t->cols[i], t->cells + r * t->ncols + i);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	if (n == t->nrows)
		return;
	if (first)
		fprintf(f, "<p class=more>Rows %zu to %zu of %zu", first + 1, first + n, t->nrows);
	else
		fprintf(f, "<p class=more>The first %zu of %zu rows", n, t->nrows);
	fprintf(f, "; all of them are in <a href=\"%s.csv\">%s.csv</a> and <a href=\"%s.json\">%s.json</a>.</p>\n",
		t->name, t->name, t->name, t->name);
}

void report_table_html(FILE *f, const struct report_table *t, size_t max_rows)
{
	report_table_html_range(f, t, NULL, 0, max_rows ? max_rows : t->nrows);
}
