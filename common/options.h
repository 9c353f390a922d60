/*
 * The command line of every command, as a table (git's parse-options): an
 * entry per option says its names, what it takes, where its value goes
 * and one line of help. One parser reads every command's line with its
 * table, and the same table writes --help, the manual page and the bash
 * completion, so that none of them can drift from what the parser takes.
 *
 * The options every command shares are defined here, once: --db, --jobs
 * (with the one rule for its default), --json; --help belongs to every
 * table without an entry.
 *
 * The parser follows getopt_long(3), which the commands used before it:
 * options and arguments may mix (the options are moved first, in order),
 * "--" ends the options, short options bundle (-Jh) and take their
 * argument attached or in the next word, a long option takes it after '='
 * or in the next word, and a long option may be shortened to any prefix
 * no other option shares.
 */
#ifndef COMMON_OPTIONS_H
#define COMMON_OPTIONS_H

#include <limits.h>
#include <stdio.h>

enum util_opt_kind {
	UTIL_OPT_END,
	UTIL_OPT_FLAG,		/* no argument: *(int *)value = defval */
	UTIL_OPT_INT,		/* *(int *)value, from min to max */
	UTIL_OPT_STRING,	/* *(const char **)value, borrowed from argv */
	UTIL_OPT_ENUM,		/* *(int *)value = the argument's index in values */
	UTIL_OPT_CALLBACK,	/* cb(opt, argument) */
	UTIL_OPT_SUBCOMMAND,	/* the first argument, long_name: *(int *)value = defval */
};

/* util_option.flags */
enum {
	UTIL_OPT_NOARG = 1 << 0,	/* a callback that takes no argument (cb gets NULL) */
	UTIL_OPT_FILE = 1 << 1,		/* the argument names a file (completion) */
	UTIL_OPT_DIR = 1 << 2,		/* ... a directory */
	UTIL_OPT_DEFAULT = 1 << 3,	/* help says "(default: X)", X the value before parsing */
};

struct util_option {
	enum util_opt_kind kind;
	int short_name;			/* 0: none */
	const char *long_name;		/* without "--"; NULL: none */
	void *value;
	const char *argh;		/* the argument's name in help: "FILE" */
	const char *help;		/* one sentence, no newline: help wraps it */
	unsigned flags;
	/* ENUM: the values taken, NULL-terminated; STRING: values offered by
	 * the completion, others being taken too. */
	const char *const *values;
	int defval, min, max;
	/* Returns 0, or -1 once it has said why the argument is refused. */
	int (*cb)(const struct util_option *opt, const char *arg);
};

#define UTIL_OPT_END() { .kind = UTIL_OPT_END }
#define UTIL_OPT_FLAG(s, l, v, h) \
	{ .kind = UTIL_OPT_FLAG, .short_name = (s), .long_name = (l), .value = (v), .help = (h), .defval = 1 }
#define UTIL_OPT_SET_INT(s, l, v, i, h) \
	{ .kind = UTIL_OPT_FLAG, .short_name = (s), .long_name = (l), .value = (v), .help = (h), .defval = (i) }
#define UTIL_OPT_INT(s, l, v, a, lo, hi, h) \
	{ .kind = UTIL_OPT_INT, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .min = (lo), .max = (hi) }
#define UTIL_OPT_STRING(s, l, v, a, h) \
	{ .kind = UTIL_OPT_STRING, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h) }
#define UTIL_OPT_FILENAME(s, l, v, a, h) \
	{ .kind = UTIL_OPT_STRING, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .flags = UTIL_OPT_FILE }
#define UTIL_OPT_DIRNAME(s, l, v, a, h) \
	{ .kind = UTIL_OPT_STRING, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .flags = UTIL_OPT_DIR }
#define UTIL_OPT_ENUM(s, l, v, vals, h) \
	{ .kind = UTIL_OPT_ENUM, .short_name = (s), .long_name = (l), .value = (v), .values = (vals), .help = (h), \
	  .flags = UTIL_OPT_DEFAULT }
#define UTIL_OPT_CALLBACK(s, l, v, a, f, h) \
	{ .kind = UTIL_OPT_CALLBACK, .short_name = (s), .long_name = (l), .value = (v), .argh = (a), .help = (h), \
	  .cb = (f) }
#define UTIL_OPT_SUBCOMMAND(name, v, i, h) \
	{ .kind = UTIL_OPT_SUBCOMMAND, .long_name = (name), .value = (v), .help = (h), .defval = (i) }

/* The shared options. */
#define UTIL_JOBS_MAX 1024
#define UTIL_OPT_DB(v) \
	{ .kind = UTIL_OPT_STRING, .short_name = 'd', .long_name = "db", .value = (v), .argh = "FILE", \
	  .help = "the database", .flags = UTIL_OPT_FILE | UTIL_OPT_DEFAULT }
#define UTIL_OPT_JOBS(v) \
	UTIL_OPT_INT('j', "jobs", (v), "N", 1, UTIL_JOBS_MAX, "threads to work with (default: the number of CPUs)")
#define UTIL_OPT_JSON(v) UTIL_OPT_FLAG('J', "json", (v), "print the results as JSON on stdout")

/* --jobs' default: the CPUs online, from 1 to UTIL_JOBS_MAX. */
int util_jobs_default(void);

/*
 * A command's usage, all but its options: what --help prints around the
 * option table, and the manual page's sections.
 *
 * synopsis: the forms of the command line ("parakit scan [--db FILE]
 * PATH..."), NULL-terminated; a form may go on over several lines ('\n'),
 * indented as they are to be printed. The texts are paragraphs wrapped
 * for a terminal, separated by empty lines; a paragraph whose lines all
 * start with two spaces is printed as it is (no filling in the page).
 * examples: one command per line, a comment after "  # ".
 */
struct util_usage {
	const char *const *synopsis;
	const char *description;	/* before the options */
	const char *notes;		/* after them */
	const char *exit_status;	/* "Exit status: " comes first */
	const char *examples;
	enum util_args {
		UTIL_ARGS_NONE, UTIL_ARGS_FILES, UTIL_ARGS_DIRS, UTIL_ARGS_COMMAND
	} args;				/* what the arguments are (completion) */
};

/* util_parse_options() flags */
enum {
	UTIL_OPT_STOP_AT_ARG = 1 << 0,	/* the first argument ends the options (getopt's '+') */
};

/* What util_parse_options() returns besides an index. */
enum {
	UTIL_OPT_HELP = -1,	/* the help (or page, or completion) was written: exit 0 */
	UTIL_OPT_ERROR = -2,	/* bad usage, said on stderr: exit 2 */
};

/*
 * Reads the options of argv[1..argc) (argv[0] is the command's name) into
 * the values of opts, in the order given. Returns the index of the first
 * argument that is no option: the options (and a "--") are moved before
 * the arguments, in order, so that argv stays the command line, permuted
 * as getopt_long permutes it; argv[argc] and what follows are not
 * touched. An unknown option, a missing or unwanted argument and a
 * subcommand missing or unknown print a message and the usage on stderr;
 * a refused value prints why alone; both return UTIL_OPT_ERROR. -h and
 * --help print the usage on stdout and return UTIL_OPT_HELP.
 */
int util_parse_options(int argc, char **argv, const struct util_option *opts, const struct util_usage *u,
		       unsigned flags);

/* The entry every table has without naming it: -h, --help. */
extern const struct util_option util_opt_help;
/* The value of o before parsing, as help says it ("(default: X)"); NULL
 * when o does not say it (no UTIL_OPT_DEFAULT, or no value). May use buf. */
const char *util_opt_default(const struct util_option *o, char *buf, size_t size);

/* Prints the usage (--help's text) of a command to f. */
void util_opt_usage(FILE *f, const struct util_option *opts, const struct util_usage *u);

/*
 * What util_parse_options() does with a command line, set by parakit.c for
 * its hidden --man and --completion: in the last two it writes the
 * command's manual page (util_cmd_summary being its NAME line) or bash
 * completion function to stdout, and returns UTIL_OPT_HELP.
 */
enum util_opt_mode { UTIL_OPT_PARSE, UTIL_OPT_MAN, UTIL_OPT_COMPLETION };
extern enum util_opt_mode util_opt_mode;
extern const char *util_cmd_summary;

/* options_man.c: roff, for man(7). */
/* .TH and the NAME section of page(1). */
void util_man_head(FILE *f, const char *page, const char *summary);
/* The page of a command: parakit-<util_cmd_name>(1). */
void util_opt_man(FILE *f, const struct util_option *opts, const struct util_usage *u);
/* Roff for the text s: backslashes, dashes and control lines escaped. */
void util_man_text(FILE *f, const char *s, size_t len);
/* The texts' paragraphs, filled, or as they are when indented. */
void util_man_paragraphs(FILE *f, const char *s);

/* parakit(1): its synopsis, and cmds[i] with summaries[i] and its page. */
void util_man_index(FILE *f, const char *const *cmds, const char *const *summaries, size_t n);

/* options_complete.c: bash. */
/* The function _parakit_<util_cmd_name> that completes the command's words. */
void util_opt_complete(FILE *f, const struct util_option *opts, const struct util_usage *u);
/* The script's head: the function _parakit that completes the command
 * names and calls the command's function, and its 'complete' line. */
void util_complete_main(FILE *f, const char *const *cmds, size_t n);

#endif
