/*
 * parakit: measures how programs use POSIX and moves them onto a parakernel.
 * This file is the command table and nothing more (git's git.c), and the
 * hidden '--man [CMD]' and '--completion' the build writes the manual
 * pages and the bash completion with: each command's option table gives
 * them (common/options.h), through the command itself.
 */
#include "parakit.h"
#include "common/common.h"
#include "common/options.h"

#include <stdio.h>
#include <string.h>

static const struct cmd {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "scan", cmd_scan, "what ELF files and package archives import, mapped to POSIX" },
	{ "src", cmd_src, "where a C source tree calls POSIX, which calls block (libclang)" },
	{ "trace", cmd_trace, "which syscalls programs make, how often, and how long they block (eBPF)" },
	{ "report", cmd_report, "the findings as an HTML page with charts, plus CSV and JSON" },
	{ "port", cmd_port, "a C tree's blocking POSIX calls rewritten onto libpk, as a diff (libclang)" },
	{ "shim", cmd_shim, "a per-binary LD_PRELOAD library that runs its POSIX I/O on libpk (io_uring)" },
	{ "db", cmd_db, "database maintenance: merge shard databases, migrate" },
};

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: parakit [--version] [--help] <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "   %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'parakit help <command>' or 'parakit <command> --help' tells more.\n");
	return status;
}

static const struct cmd *find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/* Runs the command c in mode m: its page or its completion on stdout. */
static int emit(const struct cmd *c, enum util_opt_mode m)
{
	char *args[] = { (char *)c->name, NULL };

	util_opt_mode = m;
	util_cmd_name = c->name;
	util_cmd_summary = c->help;
	return c->fn(1, args);
}

/* Hidden: '--man' (parakit(1)), '--man CMD' and '--completion', on stdout. */
static int generate(int argc, char **argv)
{
	const char *names[ARRAY_SIZE(cmds)], *helps[ARRAY_SIZE(cmds)];
	const struct cmd *c;

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		names[i] = cmds[i].name;
		helps[i] = cmds[i].help;
	}
	if (!strcmp(argv[1], "--man")) {
		if (argc < 3) {
			util_man_index(stdout, names, helps, ARRAY_SIZE(cmds));
			return 0;
		}
		if (!(c = find(argv[2]))) {
			fprintf(stderr, "parakit: '%s' is not a parakit command\n", argv[2]);
			return 2;
		}
		return emit(c, UTIL_OPT_MAN);
	}
	util_complete_main(stdout, names, ARRAY_SIZE(cmds));
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (emit(&cmds[i], UTIL_OPT_COMPLETION))
			return 2;
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "--version")) {
		printf("parakit %s\n", PARAKIT_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--man") || !strcmp(argv[1], "--completion"))
		return generate(argc, argv);
	if (!strcmp(argv[1], "help")) {
		char *args[] = { argv[2], "--help", NULL };

		if (argc < 3)
			return usage(stdout, 0);
		if (!(c = find(argv[2]))) {
			fprintf(stderr, "parakit: '%s' is not a parakit command\n", argv[2]);
			return 2;
		}
		util_cmd_name = c->name;
		return c->fn(2, args);
	}
	if (!(c = find(argv[1]))) {
		fprintf(stderr, "parakit: '%s' is not a parakit command; see 'parakit --help'\n", argv[1]);
		return 2;
	}
	util_cmd_name = c->name;
	return c->fn(argc - 1, argv + 1);
}
