/*
 * A command's manual page, parakit-<cmd>(1), in man(7) roff from its
 * option table and usage: the SYNOPSIS is --help's, line for line (what
 * 'parakit help CMD' shows), and each option's entry its line of help.
 * The texts are written for a terminal; here their paragraphs are left to
 * the formatter to fill, except indented ones, which stay as they are.
 */
#include "common/common.h"
#include "common/options.h"

#include <ctype.h>
#include <string.h>

void util_man_text(FILE *f, const char *s, size_t len)
{
	int bol = 1;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		/* A control line starts with '.' or '\''. */
		if (bol && (c == '.' || c == '\''))
			fputs("\\&", f);
		if (c == '\\')
			fputs("\\e", f);
		else if (c == '-')
			fputs("\\-", f);
		else
			fputc(c, f);
		bol = c == '\n';
	}
}

static void man_s(FILE *f, const char *s)
{
	util_man_text(f, s, strlen(s));
}

/* Whether every line of s (len bytes) is indented by two spaces. */
static int indented(const char *s, size_t len)
{
	const char *end = s + len, *nl;

	for (; s < end; s = nl + 1) {
		if (end - s < 2 || s[0] != ' ' || s[1] != ' ')
			return 0;
		if (!(nl = memchr(s, '\n', end - s)))
			break;
	}
	return 1;
}

void util_man_paragraphs(FILE *f, const char *s)
{
	/* The first follows a section's heading, which starts a paragraph. */
	for (int first = 1; s && *s; first = 0) {
		const char *end = strstr(s, "\n\n"), *next;
		size_t len;

		if (!end)
			end = s + strlen(s);
		next = *end ? end + 2 : end;
		while (end > s && end[-1] == '\n')
			end--;
		len = end - s;
		if (!first)
			fputs(".PP\n", f);
		if (indented(s, len)) {
			fputs(".RS 4\n.nf\n", f);
			for (const char *l = s; l < end; ) {
				const char *nl = memchr(l, '\n', end - l);
				size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);

				util_man_text(f, l + 2, n - 2);
				fputc('\n', f);
				l += n + 1;
			}
			fputs(".fi\n.RE\n", f);
		} else {
			for (const char *l = s; l < end; ) {
				const char *nl = memchr(l, '\n', end - l);
				size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);

				/* A line that starts with a space would break the fill. */
				while (n && *l == ' ')
					l++, n--;
				util_man_text(f, l, n);
				fputc('\n', f);
				l += n + 1;
			}
		}
		s = next;
	}
}

void util_man_head(FILE *f, const char *page, const char *summary)
{
	fputs(".TH ", f);
	for (const char *p = page; *p; p++)
		fputs(*p == '-' ? "\\-" : (char[2]){ (char)toupper((unsigned char)*p), 0 }, f);
	/* No hyphens inserted, no stretched spaces: the words are names. */
	fprintf(f, " 1 %s \"parakit %s\" \"parakit manual\"\n.nh\n.ad l\n.SH NAME\n", PARAKIT_DATE, PARAKIT_VERSION);
	man_s(f, page);
	fputs(" \\- ", f);
	man_s(f, summary ? summary : "");
	fputc('\n', f);
}

static void man_option(FILE *f, const struct util_option *o)
{
	const char *d;
	char buf[32];

	fputs(".TP\n", f);
	if (o->kind == UTIL_OPT_SUBCOMMAND) {
		fputs("\\fB", f);
		man_s(f, o->long_name);
		fputs("\\fR\n", f);
	} else {
		if (o->short_name)
			fprintf(f, "\\fB\\-%c\\fR%s", o->short_name, o->long_name ? ", " : "");
		if (o->long_name) {
			fputs("\\fB\\-\\-", f);
			man_s(f, o->long_name);
			fputs("\\fR", f);
		}
		if (o->kind == UTIL_OPT_ENUM && !o->argh) {
			for (size_t i = 0; o->values[i]; i++) {
				fputs(i ? "|\\fI" : " \\fI", f);
				man_s(f, o->values[i]);
				fputs("\\fR", f);
			}
		} else if (o->argh) {
			fputs(" \\fI", f);
			man_s(f, o->argh);
			fputs("\\fR", f);
		}
		fputc('\n', f);
	}
	man_s(f, o->help);
	if ((d = util_opt_default(o, buf, sizeof(buf)))) {
		fputs(" (default: ", f);
		man_s(f, d);
		fputc(')', f);
	}
	fputc('\n', f);
}

void util_opt_man(FILE *f, const struct util_option *opts, const struct util_usage *u)
{
	char page[64];
	int subs = 0;

	snprintf(page, sizeof(page), "parakit-%s", util_cmd_name);
	util_man_head(f, page, util_cmd_summary);
	fputs(".SH SYNOPSIS\n.nf\n", f);
	for (size_t i = 0; u->synopsis[i]; i++) {
		man_s(f, u->synopsis[i]);
		fputc('\n', f);
	}
	fputs(".fi\n.SH DESCRIPTION\n", f);
	util_man_paragraphs(f, u->description);
	for (const struct util_option *o = opts; o->kind != UTIL_OPT_END; o++)
		if (o->kind == UTIL_OPT_SUBCOMMAND) {
			if (!subs++)
				fputs(".SH COMMANDS\n", f);
			man_option(f, o);
		}
	fputs(".SH OPTIONS\n", f);
	for (const struct util_option *o = opts; o->kind != UTIL_OPT_END; o++)
		if (o->kind != UTIL_OPT_SUBCOMMAND)
			man_option(f, o);
	man_option(f, &util_opt_help);
	if (u->notes) {
		fputs(".SH NOTES\n", f);
		util_man_paragraphs(f, u->notes);
	}
	if (u->exit_status) {
		fputs(".SH EXIT STATUS\n", f);
		util_man_paragraphs(f, u->exit_status);
	}
	if (u->examples) {
		fputs(".SH EXAMPLES\n.nf\n", f);
		man_s(f, u->examples);
		fputs(u->examples[strlen(u->examples) - 1] == '\n' ? ".fi\n" : "\n.fi\n", f);
	}
	fputs(".SH SEE ALSO\n\\fBparakit\\fR(1)\n", f);
}

void util_man_index(FILE *f, const char *const *cmds, const char *const *summaries, size_t n)
{
	util_man_head(f, "parakit", "measures how programs use POSIX and moves them onto a parakernel");
	fputs(".SH SYNOPSIS\n.nf\n", f);
	man_s(f, "parakit [--version] [--help] <command> [<args>]\nparakit help <command>\n");
	fputs(".fi\n.SH DESCRIPTION\n", f);
	util_man_paragraphs(f,
		"One CLI over one SQLite database: scan, src and trace measure which POSIX\n"
		"calls programs make and how, report shows the findings, port rewrites a C\n"
		"tree's blocking calls onto libpk (fibers over io_uring), and shim runs a\n"
		"binary on libpk as it is, through LD_PRELOAD.\n"
		"\n"
		"'parakit help <command>' and 'parakit <command> --help' print a command's\n"
		"usage: the synopsis of its page, then its options.\n");
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, ".TP\n\\fBparakit\\-%s\\fR(1)\n", cmds[i]);
		man_s(f, summaries[i]);
		fputc('\n', f);
	}
	fputs(".SH SEE ALSO\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "\\fBparakit\\-%s\\fR(1)%s\n", cmds[i], i + 1 < n ? "," : "");
}
