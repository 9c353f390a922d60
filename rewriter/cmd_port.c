/*
 * parakit port: rewrites a C tree's blocking POSIX calls onto libpk, as a
 * unified diff (patch -p1 at the tree's root) or in place; --json reports
 * the decisions instead of the diff on stdout.
 *
 * The call sites are parakit src's: the same libclang walk (src_parse())
 * finds them, with the facts a rewrite needs (written in a macro body or a
 * macro argument, value used, errno read after, address taken), and the
 * run is recorded as a src run too (v_call_sites). Each site is then
 * decided by the rewrite that owns its function (port_gather.c) and
 * recorded, rewritten or left with the reason, in v_port_sites
 * (port_out.c). The TUs are parsed by --jobs workers, one libclang index
 * each. This file is the command: its options, and the phases in turn.
 */
#include "analyzer/src_tree.h"
#include "common/common.h"
#include "common/options.h"
#include "db/db.h"
#include "parakit.h"
#include "rewriter/port.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const synopsis[] = {
	"parakit port [--db FILE] [-p BUILD_DIR | TREE] [--level compat|fibers] [--only FUNCS]\n"
	"             [--diff OUT.patch | --apply [--force]] [--verify] [--json] [--jobs N]\n"
	"             [-- CFLAGS...]",
	NULL
};

static const struct util_usage usage = {
	.synopsis = synopsis,
	.description =
		"Rewrites the blocking POSIX calls of a C tree onto libpk (pk.h) and prints\n"
		"the change as a unified diff that 'patch -p1' applies at the tree's root.\n"
		"\n"
		"At --level compat, each blocking call with a pk_ twin (same signature,\n"
		"return and errno) is renamed: read -> pk_read. At --level fibers, also:\n"
		"main runs as a fiber through pk_run, and threads, their attributes, keys,\n"
		"once, mutexes of every type, conditions, rwlocks and semaphores move onto\n"
		"libpk with their types: pthread_create -> pk_spawn_attr, sem_wait ->\n"
		"pk_sem_wait... (a group that cannot move stays, with why); sigaction,\n"
		"signal, pthread_kill -> pk_sigaction...\n"
		"\n"
		"The units are found as parakit src finds them: from compile_commands.json\n"
		"(in BUILD_DIR, else at TREE's root), else every .c file with CFLAGS.\n"
		"--verify builds a copy of the ported tree in a temporary directory with the\n"
		"tree's own commands (autotools: autoreconf -fi && ./configure && make;\n"
		"CMake: cmake -S . -B B && cmake --build B; Meson: meson setup B && meson\n"
		"compile -C B; else make), --jobs of them at once, with this build's libpk\n"
		"when pkg-config knows none. --json prints the summary and every call site\n"
		"(v_port_sites' columns) instead of the diff: with --diff FILE or --apply;\n"
		"alone, no diff is written.\n",
	.notes =
		"Every call site is rewritten or left with a reason (v_port_sites). The\n"
		"summary goes to stderr when the diff goes to stdout, else to stdout; with\n"
		"--json it is the JSON and every other message goes to stderr.\n"
		"#include <pk.h> is added once per edited file, and the files the tree's\n"
		"build reads make the targets that compile a changed file use libpk through\n"
		"pkg-config: configure.ac (PKG_CHECK_MODULES) and Makefile.am (regenerate\n"
		"with autoreconf -fi), CMakeLists.txt (pkg_check_modules, PkgConfig::LIBPK),\n"
		"meson.build (dependency('libpk')), or the Makefile (and Makefile.in) of the\n"
		"directory that compiles the file. The build is reported 'adapted' only when\n"
		"--verify built it, else 'adapted, not verified'; 'failed' with the log's\n"
		"tail; 'manual' when the build was not recognised; 'unchanged'.\n",
	.exit_status =
		"0 when the change was made (TUs that do not parse cleanly are\n"
		"reported, their sites still decided), 1 when a TU could not be parsed at\n"
		"all (its calls are unknown: a row in v_port_sites says so), the tree cannot\n"
		"be read, a file cannot be written or --verify's build failed, 2 on bad\n"
		"usage or a fatal failure (no usable database, a full disk).\n",
	.examples =
		"parakit port . | patch -p1\n"
		"parakit port --level fibers --diff fibers.patch -p build\n"
		"parakit port --only read,write --apply ~/src/cp\n"
		"parakit port --verify --diff tinyproxy.patch -p build tinyproxy-1.11.1\n"
		"parakit port --json --diff port.patch . | jq '.sites[] | select(.action == \"left\")'\n",
	.args = UTIL_ARGS_DIRS,
};

static const char *const level_values[] = { [PORT_COMPAT] = "compat", [PORT_FIBERS] = "fibers", NULL };

static struct port_opts {
	const char *db, *build_dir, *diff, *only;
	int level, jobs;
	int apply, force, json, verify;
} opts;


/*
 * src's pipeline over the units, each that does not parse cleanly
 * reported as it is parsed; then the units outside the tree, whose calls
 * cannot be edited, and those with no AST at all (*failed). Counts the
 * units in o. Returns 0 or -1 (printed).
 */
static int parse_units(struct src_run *run, struct port_outcome *o, size_t *failed)
{
	size_t n = strlen(run->root);

	if (src_run_parse(run))
		return -1;
	o->tus = run->tus.n;
	for (size_t i = 0; i < run->tus.n; i++) {
		const char *f = run->tus.v[i].file;

		/* The edits stay inside the tree: say so rather than drop the unit in silence. */
		if (strncmp(f, run->root, n) || f[n] != '/')
			util_err("warning: '%s' is outside the tree '%s' (or reached through a symbolic link "
			         "that leaves it): its calls are not ported", f, run->root);
	}
	for (size_t i = 0; i < run->tus.n; i++) {
		if (run->results[i].status == SRC_CLEAN)
			continue;
		o->tus_bad++;
		if (run->results[i].status == SRC_FAILED) {
			++*failed;
			util_err("'%s': its calls are not known, none is ported (see v_port_sites)",
			         run->results[i].tu->file);
		}
	}
	return 0;
}

/*
 * The change written (in place, or as the diff: to diff_out, else to
 * stdout unless --json), the build verified. Returns 0, or 1 when a file
 * or the diff could not be written or the build failed (printed).
 */
static int write_changes(struct port_tree *t, struct port_outcome *o, FILE *diff_out, int adapted)
{
	/* The diff never shares stdout with the JSON: --json alone writes none. */
	int ret = port_write_changes(t, o, diff_out ? diff_out : opts.json ? NULL : stdout) ? 1 : 0;

	if (diff_out && fclose(diff_out)) {
		util_err("cannot write '%s': %s", opts.diff, strerror(errno));
		ret = 1;
	}
	fflush(stdout);
	if (ret == 0 && port_verify_state(t, o, adapted, opts.verify, opts.jobs))
		ret = 1;
	return ret;
}

int cmd_port(int argc, char **argv)
{
	const struct util_option options[] = {
		UTIL_OPT_DB(&opts.db),
		UTIL_OPT_DIRNAME('p', "build-dir", &opts.build_dir, "DIR",
				 "where compile_commands.json is (else TREE's root, else every .c file with CFLAGS)"),
		UTIL_OPT_ENUM(0, "level", &opts.level, level_values,
			      "compat: blocking calls onto their pk_ twins; fibers: also main, threads, locks"
			      " and signals onto libpk's fibers"),
		UTIL_OPT_STRING(0, "only", &opts.only, "FUNCS", "only these POSIX functions (comma-separated)"),
		UTIL_OPT_FILENAME(0, "diff", &opts.diff, "FILE", "write the diff to FILE"),
		UTIL_OPT_FLAG(0, "apply", &opts.apply,
			      "edit the files in place; refused when the tree has uncommitted changes under git,"
			      " unless --force"),
		UTIL_OPT_FLAG(0, "force", &opts.force, "with --apply: apply to a tree with uncommitted changes"),
		UTIL_OPT_FLAG(0, "verify", &opts.verify,
			      "build a copy of the ported tree with the tree's own commands"),
		UTIL_OPT_JSON(&opts.json),
		UTIL_OPT_JOBS(&opts.jobs),
		UTIL_OPT_END()
	};
	char **cflags = NULL, *line = NULL, *cmdline = NULL;
	const char *tree = NULL;
	struct port_tree t = { 0 };
	struct src_run run = { 0 };
	struct port_outcome o = { .build_state = "unchanged" };
	size_t tus_failed = 0;
	sqlite3 *db = NULL;
	FILE *diff_out = NULL, *msg = stderr;
	int i, n_cflags = 0, nargs, ret = 1, adapted;

	/* CFLAGS follow '--': options are not looked for among them. */
	nargs = util_split_dashdash(argc, argv, &cflags, &n_cflags);
	opts = (struct port_opts){ .db = DB_DEFAULT, .jobs = util_jobs_default() };
	if ((i = util_parse_options(nargs, argv, options, &usage, 0)) < 0)
		return i == UTIL_OPT_HELP ? 0 : 2;
	if (i < nargs)
		tree = argv[i++];
	if (i < nargs || (!tree && !opts.build_dir) || (opts.apply && opts.diff) ||
	    (opts.force && !opts.apply)) {
		if (i < nargs)
			util_err("one TREE at most, not also '%s'", argv[i]);
		else if (!tree && !opts.build_dir)
			util_err("no TREE and no -p BUILD_DIR");
		else if (opts.force)
			util_err("--force goes with --apply");
		else
			util_err("--apply and --diff exclude each other");
		util_opt_usage(stderr, options, &usage);
		return 2;
	}
	run.tree = tree;
	run.build_dir = opts.build_dir;
	run.cflags = cflags;
	run.n_cflags = n_cflags;
	run.jobs = opts.jobs;
	if (src_run_resolve(&run) || !run.tus.n)
		goto out;
	if (opts.apply && !opts.force && port_git_dirty(run.root)) {
		util_err("the tree '%s' has uncommitted changes: commit or stash them, or add --force", run.root);
		goto out;
	}
	/* Opened before the parse: libclang's -working-directory changes the
	 * process's directory (clang 14), and a relative FILE is the user's. */
	if (opts.diff && !(diff_out = fopen(opts.diff, "w"))) {
		util_err("cannot write '%s': %s", opts.diff, strerror(errno));
		goto out;
	}
	if ((opts.diff || opts.apply) && !opts.json)
		msg = stdout;
	/* Until the sites are recorded a failure is fatal: nothing is stored. */
	ret = 2;
	if (db_open(opts.db, &db))
		goto out;
	t.root = run.root;
	t.level = opts.level;
	t.only = opts.only ? port_only_split(opts.only) : NULL;
	if (port_load_blocking(&t, db) || parse_units(&run, &o, &tus_failed))
		goto out;
	line = util_join_argv(argc, argv);
	if (asprintf(&cmdline, "parakit %s", line) < 0)
		cmdline = NULL;
	if (src_run_write(db, &run, cmdline ? cmdline : "parakit port") < 0) {
		util_err("database '%s': the call sites were not recorded", opts.db);
		goto out;
	}

	port_decide(&t, &run);
	adapted = port_adapt_build(&t, &o.build, msg);
	o.diff = opts.diff;
	o.apply = opts.apply;
	ret = write_changes(&t, &o, diff_out, adapted);
	diff_out = NULL;
	if (ret == 0 && tus_failed)
		ret = 1;	/* as src: some inputs recorded as errors */
	o.seconds = (util_now_ns() - run.t0) / 1e9;
	if (port_db_write(db, &t, &o, cmdline ? cmdline : "parakit port", run.started, &run)) {
		util_err("database '%s': the port was not recorded", opts.db);
		ret = 2;
	}
	if (opts.json)
		port_print_json(db, &t, &o);
	else
		port_print_summary(msg, &t, &o);
out:
	if (diff_out)
		fclose(diff_out);
	src_run_release(&run);
	free(o.build_log);
	port_tree_release(&t);
	db_close(db);
	free(line);
	free(cmdline);
	return ret;
}
