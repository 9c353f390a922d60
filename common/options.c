/*
 * The option parser and --help: see options.h.
 *
 * The parser walks argv once, keeping the arguments aside, and writes the
 * option words back in place as it goes: an option word is never written
 * past the word being read, so argv can be its own output. The arguments
 * follow the options at the end; what follows a "--" (or, with
 * UTIL_OPT_STOP_AT_ARG, the first argument) is left where it is, and
 * that is already its place.
 */
#include "common/common.h"
#include "common/options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum util_opt_mode util_opt_mode;
const char *util_cmd_summary;

const struct util_option util_opt_help = UTIL_OPT_FLAG('h', "help", NULL, "print this help and exit");

int util_jobs_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > UTIL_JOBS_MAX ? UTIL_JOBS_MAX : (int)n;
}

static int takes_arg(const struct util_option *o)
{
	switch (o->kind) {
	case UTIL_OPT_FLAG:
	case UTIL_OPT_SUBCOMMAND:
		return 0;
	case UTIL_OPT_CALLBACK:
		return !(o->flags & UTIL_OPT_NOARG);
	default:
		return 1;
	}
}

/* "--name", or "-c" for an option with no long name: in buf. */
static const char *opt_name(const struct util_option *o, char *buf, size_t size)
{
	if (o->long_name)
		snprintf(buf, size, "--%s", o->long_name);
	else
		snprintf(buf, size, "-%c", o->short_name);
	return buf;
}

static void say_values(FILE *f, const char *const *v, const char *last_sep)
{
	for (size_t i = 0; v[i]; i++)
		fprintf(f, "%s%s", !i ? "" : v[i + 1] ? ", " : last_sep, v[i]);
}

static int set_int(const struct util_option *o, const char *arg)
{
	char name[64], *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < o->min || n > o->max) {
		opt_name(o, name, sizeof(name));
		if (o->max == INT_MAX)
			util_err("%s wants a number of at least %d, not '%s'", name, o->min, arg);
		else
			util_err("%s wants a number from %d to %d, not '%s'", name, o->min, o->max, arg);
		return -1;
	}
	*(int *)o->value = (int)n;
	return 0;
}

static int set_enum(const struct util_option *o, const char *arg)
{
	char *msg = NULL, name[64];
	size_t len = 0;
	FILE *f;

	for (int i = 0; o->values[i]; i++)
		if (!strcmp(o->values[i], arg)) {
			*(int *)o->value = i;
			return 0;
		}
	if ((f = open_memstream(&msg, &len))) {
		say_values(f, o->values, " or ");
		fclose(f);
	}
	util_err("%s wants %s, not '%s'", opt_name(o, name, sizeof(name)), msg ? msg : "another value", arg);
	free(msg);
	return -1;
}

/* Gives o its argument (NULL when it takes none). Returns 0 or -1 (said). */
static int set_value(const struct util_option *o, const char *arg)
{
	switch (o->kind) {
	case UTIL_OPT_FLAG:
	case UTIL_OPT_SUBCOMMAND:
		*(int *)o->value = o->defval;
		return 0;
	case UTIL_OPT_INT:
		return set_int(o, arg);
	case UTIL_OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case UTIL_OPT_ENUM:
		return set_enum(o, arg);
	case UTIL_OPT_CALLBACK:
		return o->cb(o, arg);
	case UTIL_OPT_END:
		break;
	}
	return -1;
}

/*
 * The long option that name (len bytes) names exactly, or as the prefix
 * of one alone. NULL when none does (*ambiguous set when several do).
 */
static const struct util_option *find_long(const struct util_option *opts, const char *name, size_t len,
					   int *ambiguous)
{
	const struct util_option *found = NULL;
	int n = 0;

	*ambiguous = 0;
	for (const struct util_option *o = opts; ; o++) {
		const struct util_option *c = o->kind == UTIL_OPT_END ? &util_opt_help : o;

		if (c->kind != UTIL_OPT_SUBCOMMAND && c->long_name && !strncmp(c->long_name, name, len)) {
			if (!c->long_name[len])
				return c;
			found = c;
			n++;
		}
		if (o->kind == UTIL_OPT_END)
			break;
	}
	*ambiguous = n > 1;
	return n == 1 ? found : NULL;
}

static const struct util_option *find_short(const struct util_option *opts, int c)
{
	for (; opts->kind != UTIL_OPT_END; opts++)
		if (opts->kind != UTIL_OPT_SUBCOMMAND && opts->short_name == c)
			return opts;
	return c == util_opt_help.short_name ? &util_opt_help : NULL;
}

static void say_ambiguous(const struct util_option *opts, const char *name, size_t len)
{
	char *msg = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&msg, &n);

	for (const struct util_option *o = opts; f; o++) {
		const struct util_option *c = o->kind == UTIL_OPT_END ? &util_opt_help : o;

		if (c->kind != UTIL_OPT_SUBCOMMAND && c->long_name && !strncmp(c->long_name, name, len))
			fprintf(f, " --%s", c->long_name);
		if (o->kind == UTIL_OPT_END)
			break;
	}
	if (f)
		fclose(f);
	util_err("option '--%.*s' is ambiguous:%s", (int)len, name, msg ? msg : "");
	free(msg);
}

/* What parse_word() found. */
enum { WORD_ERROR = -2, WORD_USAGE = -3, WORD_HELP = -4 };

/*
 * Reads the option word argv[*i] (and its argument's word, then *i is
 * moved past it). Returns 0, WORD_HELP, WORD_USAGE (said: the usage is
 * to follow) or WORD_ERROR (said).
 */
static int parse_word(const struct util_option *opts, int argc, char **argv, int *i)
{
	const char *word = argv[*i], *arg;
	const struct util_option *o;

	if (word[1] == '-') {
		const char *name = word + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int ambiguous;

		if (!(o = find_long(opts, name, len, &ambiguous))) {
			if (ambiguous)
				say_ambiguous(opts, name, len);
			else
				util_err("unknown option '--%.*s'", (int)len, name);
			return WORD_USAGE;
		}
		if (o == &util_opt_help)
			return eq ? (util_err("option '--help' takes no argument"), WORD_USAGE) : WORD_HELP;
		if (!takes_arg(o)) {
			if (eq) {
				util_err("option '--%s' takes no argument", o->long_name);
				return WORD_USAGE;
			}
			arg = NULL;
		} else if (eq) {
			arg = eq + 1;
		} else if (*i + 1 < argc) {
			arg = argv[++*i];
		} else {
			util_err("option '--%s' needs an argument", o->long_name);
			return WORD_USAGE;
		}
		return set_value(o, arg) ? WORD_ERROR : 0;
	}
	for (const char *c = word + 1; *c; c++) {
		if (!(o = find_short(opts, (unsigned char)*c))) {
			util_err("unknown option '-%c'", *c);
			return WORD_USAGE;
		}
		if (o == &util_opt_help)
			return WORD_HELP;
		if (!takes_arg(o)) {
			if (set_value(o, NULL))
				return WORD_ERROR;
			continue;
		}
		if (c[1])
			arg = c + 1;
		else if (*i + 1 < argc)
			arg = argv[++*i];
		else {
			util_err("option '-%c' needs an argument", *c);
			return WORD_USAGE;
		}
		return set_value(o, arg) ? WORD_ERROR : 0;
	}
	return 0;
}

/* The subcommand name names, or NULL; with name NULL, the first one. */
static const struct util_option *find_subcommand(const struct util_option *opts, const char *name)
{
	for (; opts->kind != UTIL_OPT_END; opts++)
		if (opts->kind == UTIL_OPT_SUBCOMMAND && (!name || !strcmp(opts->long_name, name)))
			return opts;
	return NULL;
}

int util_parse_options(int argc, char **argv, const struct util_option *opts, const struct util_usage *u,
		       unsigned flags)
{
	char **args = xcalloc(argc, sizeof(*args));
	int i, n_opts = 1, n_args = 0, want_sub = !!find_subcommand(opts, NULL), ret;

	switch (util_opt_mode) {
	case UTIL_OPT_MAN:
		util_opt_man(stdout, opts, u);
		ret = UTIL_OPT_HELP;
		goto out;
	case UTIL_OPT_COMPLETION:
		util_opt_complete(stdout, opts, u);
		ret = UTIL_OPT_HELP;
		goto out;
	case UTIL_OPT_PARSE:
		break;
	}
	for (i = 1; i < argc; i++) {
		int word = i, r;

		if (!strcmp(argv[i], "--")) {
			argv[n_opts++] = argv[i++];
			break;
		}
		if (argv[i][0] != '-' || !argv[i][1]) {
			const struct util_option *sub;

			if (!want_sub) {
				if (flags & UTIL_OPT_STOP_AT_ARG)
					break;
				args[n_args++] = argv[i];
				continue;
			}
			if (!(sub = find_subcommand(opts, argv[i]))) {
				util_err("'%s' is not a %s subcommand", argv[i], util_cmd_name);
				ret = UTIL_OPT_ERROR;
				goto usage;
			}
			set_value(sub, NULL);
			want_sub = 0;
			argv[n_opts++] = argv[i];
			continue;
		}
		r = parse_word(opts, argc, argv, &i);
		if (r == WORD_HELP) {
			util_opt_usage(stdout, opts, u);
			ret = UTIL_OPT_HELP;
			goto out;
		}
		if (r == WORD_USAGE) {
			ret = UTIL_OPT_ERROR;
			goto usage;
		}
		if (r == WORD_ERROR) {
			ret = UTIL_OPT_ERROR;
			goto out;
		}
		while (word <= i)
			argv[n_opts++] = argv[word++];
	}
	if (want_sub) {
		ret = UTIL_OPT_ERROR;
		goto usage;
	}
	/* n_opts + n_args == i: the words from i on are in place. */
	memcpy(argv + n_opts, args, n_args * sizeof(*argv));
	ret = n_opts;
	goto out;
usage:
	util_opt_usage(stderr, opts, u);
out:
	free(args);
	return ret;
}

/* --- --help ------------------------------------------------------------ */

#define HELP_WIDTH 79
/* Where the options' help starts: past the longest "-d, --db FILE", and no
 * further than this (a longer one puts its help on the next line). */
#define HELP_COLUMN_MAX 30

/* "-d, --db FILE", "    --level compat|fibers", "merge". */
static int opt_left(const struct util_option *o, char *buf, size_t size)
{
	FILE *f = fmemopen(buf, size, "w");
	int n;

	if (!f)
		return 0;
	if (o->kind == UTIL_OPT_SUBCOMMAND) {
		fputs(o->long_name, f);
	} else {
		if (o->short_name)
			fprintf(f, "-%c%s", o->short_name, o->long_name ? ", " : "");
		else
			fputs("    ", f);
		if (o->long_name)
			fprintf(f, "--%s", o->long_name);
		if (o->kind == UTIL_OPT_ENUM && !o->argh) {
			fputc(' ', f);
			say_values(f, o->values, "|");
		} else if (takes_arg(o)) {
			fprintf(f, " %s", o->argh ? o->argh : "ARG");
		}
	}
	n = (int)ftell(f);
	fclose(f);
	return n;
}

const char *util_opt_default(const struct util_option *o, char *buf, size_t size)
{
	if (!(o->flags & UTIL_OPT_DEFAULT) || !o->value)
		return NULL;
	switch (o->kind) {
	case UTIL_OPT_STRING:
		return *(const char **)o->value;
	case UTIL_OPT_ENUM:
		return o->values[*(int *)o->value];
	case UTIL_OPT_INT:
		snprintf(buf, size, "%d", *(int *)o->value);
		return buf;
	default:
		return NULL;
	}
}

/* Writes s from column col, filled to HELP_WIDTH, later lines at indent. */
static void fill(FILE *f, const char *s, int col, int indent)
{
	while (*s) {
		size_t n = strcspn(s, " ");

		if (col > indent && col + 1 + (int)n > HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(s, 1, n, f);
		col += n;
		s += n;
		s += strspn(s, " ");
	}
	fputc('\n', f);
}

static void print_option(FILE *f, const struct util_option *o, int col)
{
	char left[256], text[1024], dflt[32];
	const char *d = util_opt_default(o, dflt, sizeof(dflt));
	int n = opt_left(o, left, sizeof(left));

	snprintf(text, sizeof(text), "%s%s%s%s", o->help, d ? " (default: " : "", d ? d : "", d ? ")" : "");
	if (2 + n + 2 > col)
		fprintf(f, "  %s\n%*s", left, col, "");
	else
		fprintf(f, "  %-*s", col - 2, left);
	fill(f, text, col, col);
}

static int help_column(const struct util_option *opts)
{
	char left[256];
	int col = 0;

	for (const struct util_option *o = opts; ; o++) {
		const struct util_option *c = o->kind == UTIL_OPT_END ? &util_opt_help : o;
		int n = 2 + opt_left(c, left, sizeof(left)) + 2;

		if (n > col && n <= HELP_COLUMN_MAX)
			col = n;
		if (o->kind == UTIL_OPT_END)
			return col;
	}
}

static void print_synopsis(FILE *f, const char *const *forms)
{
	for (size_t i = 0; forms[i]; i++) {
		const char *s = forms[i];

		fputs(i ? "   or: " : "usage: ", f);
		for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1)
			fprintf(f, "%.*s\n       ", (int)(nl - s), s);
		fprintf(f, "%s\n", s);
	}
}

static void print_text(FILE *f, const char *prefix, const char *s)
{
	if (s && *s)
		fprintf(f, "\n%s%s%s", prefix, s, s[strlen(s) - 1] == '\n' ? "" : "\n");
}

void util_opt_usage(FILE *f, const struct util_option *opts, const struct util_usage *u)
{
	int col = help_column(opts);

	print_synopsis(f, u->synopsis);
	print_text(f, "", u->description);
	fputc('\n', f);
	for (const struct util_option *o = opts; o->kind != UTIL_OPT_END; o++)
		print_option(f, o, col);
	print_option(f, &util_opt_help, col);
	print_text(f, "", u->notes);
	print_text(f, "Exit status: ", u->exit_status);
	if (u->examples) {
		const char *s = u->examples;

		fprintf(f, "\nexamples:\n");
		for (const char *nl; *s; s = *nl ? nl + 1 : nl) {
			nl = strchrnul(s, '\n');
			fprintf(f, "  %.*s\n", (int)(nl - s), s);
		}
	}
}
