/*
 * parakit trace: which syscalls a command, a set of processes or a cgroup
 * makes, how often, with what errors, and how long it is blocked inside
 * them. The counting is done in the kernel (tracer/trace.bpf.c), the
 * command started (trace_launch.c) and the run driven (trace_run) by the
 * tracer's library; this file parses the options, calls them in order,
 * and prints and stores the results.
 *
 * A command's exit status becomes parakit's; parakit's own failures
 * follow env(1) (125, 126, 127, 128+N).
 */
#include "tracer/tracer.h"
#include "common/common.h"
#include "common/options.h"
#include "db/db.h"
#include "parakit.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const synopsis[] = {
	"parakit trace [--db FILE] [--json] [--events] [--interval SEC] [--duration SEC]\n"
	"              [--filter SYSCALLS] [--label NAME] [--work UNIT=N]\n"
	"              ( -p PID[,PID...] | --cgroup PATH | -- COMMAND [ARGS...] )",
	"parakit trace --functions [--latency] [--filter FUNCTIONS] [--db FILE] [--json]\n"
	"              ( -p PID[,PID...] | --cgroup PATH | -- COMMAND [ARGS...] )",
	NULL
};

static const struct util_usage usage = {
	.synopsis = synopsis,
	.description =
		"Counts the syscalls of a command and all its descendants (from its execve),\n"
		"of running processes with the descendants they have and will have (-p), or\n"
		"of everything in a cgroup v2 (--cgroup), inside the kernel with eBPF: calls,\n"
		"errors per errno, total and max time, a log2 latency histogram, off-CPU time\n"
		"and context switches inside each syscall, and io_uring operations per opcode.\n"
		"Prints a table like strace -c and stores the run in the database.\n"
		"\n"
		"The blocking share is off-CPU time inside syscalls over thread time: the\n"
		"sum of the traced threads' lifetimes, so it is at most 100 % however many\n"
		"threads wait. --label names the program the run measures, for the report\n"
		"to set its runs side by side (plain, under a shim, ported); --work says how\n"
		"much work the run did (--work requests=1000), for counts per unit of work.\n"
		"\n"
		"With --functions, counts instead the calls of every POSIX catalogue function\n"
		"the traced programs link, at its definition in the library that exports it,\n"
		"found as the dynamic linker binds it (uprobes, all of a file's in one\n"
		"multi-uprobe link where the kernel has them): calls from outside that\n"
		"library, those from the executable apart. The probes are the traced\n"
		"processes' own: a new traced process waits, stopped, at its fork (and at an\n"
		"exec that needs more) while its probes are attached. --latency adds return\n"
		"probes, but not on setjmp's kin (they return twice) nor on functions that\n"
		"never return: those are counted, not timed.\n"
		"\n"
		"Events the ring buffer (--buffer) cannot hold are counted per CPU, never\n"
		"dropped silently. A cgroup's PATH is absolute or relative to the cgroup2\n"
		"mount; its trace ends with Ctrl-C or --duration, after which a command keeps\n"
		"running, untraced.\n",
	.notes = "Needs root (or CAP_BPF and CAP_PERFMON).\n",
	.exit_status =
		"the command's; 125 when parakit fails, 126 when the command\n"
		"cannot run, 127 when it is not found, 128+N when it died of signal N; 0 or\n"
		"1 with -p and --cgroup; 2 on bad usage.\n",
	.examples =
		"parakit trace -- make -j2                  # a build and all its children\n"
		"parakit trace --events --db t.db -- ./server --once\n"
		"parakit trace -p 1234 --interval 1         # live view of a running daemon\n"
		"parakit trace --cgroup system.slice/nginx.service --duration 10 --json\n"
		"parakit trace --label tinyproxy --work requests=1000 -p $(pidof tinyproxy)\n"
		"parakit trace --functions --latency -- sort big.txt\n",
	.args = UTIL_ARGS_COMMAND,
};

static struct trace_cmd_opts {
	const char *db, *output, *cgroup, *filter, *label;
	char *work_unit;
	long long work;
	int no_db, json, list;
	double interval, duration;
	pid_t *pids;
	size_t n_pids, cap_pids;
	struct trace_opts t;
} opts;

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 1e7)
		return -1;
	*out = v;
	return 0;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	size_t p = 4096;

	if (end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end || !v || v > (1ULL << 31))
		return -1;
	/* The kernel wants a power of two, at least a page. */
	while (p < v)
		p <<= 1;
	*out = p;
	return 0;
}

static int parse_pids(const char *s)
{
	char *copy = xstrdup(s), *save = NULL, *tok;
	int ret = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(tok, &end, 10);
		size_t i;

		if (end == tok || *end || v <= 0 || v > INT_MAX) {
			util_err("not a process id: '%s'", tok);
			ret = -1;
			break;
		}
		/* Given twice, traced (and counted) once. */
		for (i = 0; i < opts.n_pids && opts.pids[i] != v; i++)
			;
		if (i < opts.n_pids)
			continue;
		opts.pids = xgrow(opts.pids, &opts.cap_pids, opts.n_pids + 1, sizeof(*opts.pids));
		opts.pids[opts.n_pids++] = v;
	}
	free(copy);
	return ret;
}

static unsigned char *parse_filter(const char *s)
{
	unsigned char *want = xcalloc(TRACE_MAX_SYSCALLS, 1);
	char *copy = xstrdup(s), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int nr = trace_syscall_number(tok);

		if (nr < 0) {
			util_err("unknown syscall '%s'", tok);
			free(want);
			want = NULL;
			break;
		}
		want[nr] = 1;
	}
	free(copy);
	return want;
}

/* The cgroup2 mount point from /proc/self/mountinfo, or NULL. Caller frees. */
static char *cgroup2_mount(void)
{
	char *text = util_read_file("/proc/self/mountinfo", NULL), *line, *save = NULL, *ret = NULL;

	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
		char *sep = strstr(line, " - "), *f[5];
		int n = 0;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		/* id parent major:minor root mount-point ... */
		for (char *p = line; n < 5 && p; p = strchr(p, ' '))
			f[n++] = (p += strspn(p, " "));
		if (n == 5)
			ret = xstrndup(f[4], strcspn(f[4], " "));
	}
	free(text);
	return ret;
}

/* Fills the cgroup id (its inode), its depth below the root and its
 * directory (the caller's to free). */
static int resolve_cgroup(const char *arg, uint64_t *id, unsigned *level, char **dir)
{
	char *mnt = cgroup2_mount(), *path = NULL, real[PATH_MAX], realmnt[PATH_MAX];
	struct stat st;
	int ret = -1;
	size_t m;

	if (!mnt) {
		util_err("no cgroup2 file system is mounted (see /proc/self/mountinfo)");
		return -1;
	}
	if (arg[0] == '/' && !strncmp(arg, mnt, strlen(mnt)))
		path = xstrdup(arg);
	else if (asprintf(&path, "%s/%s", mnt, arg + (arg[0] == '/')) < 0)
		goto out;
	if (!realpath(path, real) || stat(real, &st)) {
		util_err("cannot open cgroup '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!realpath(mnt, realmnt))
		goto out;
	m = strlen(realmnt);
	if (strncmp(real, realmnt, m) || (real[m] && real[m] != '/') || !S_ISDIR(st.st_mode)) {
		util_err("'%s' is not a cgroup under the cgroup2 mount '%s'", path, mnt);
		goto out;
	}
	*id = st.st_ino;
	*dir = xstrdup(real);
	*level = 0;
	for (const char *p = real + m; *p; p++)
		if (*p == '/' && p[1])
			++*level;
	ret = 0;
out:
	free(path);
	free(mnt);
	return ret;
}

static const char *mode_name(char *buf, size_t size)
{
	if (opts.t.functions) {
		snprintf(buf, size, "functions%s", opts.t.fn_latency ? "+latency" : "");
		return buf;
	}
	snprintf(buf, size, "%s%s", opts.t.count_only ? "count" : opts.t.offcpu ? "full" : "latency",
		 opts.t.events ? "+events" : "");
	return buf;
}

static char *target_name(void)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	if (!opts.n_pids)
		return xstrdup(opts.cgroup ? "cgroup" : "command");
	f = open_memstream(&s, &len);
	if (!f)
		return xstrdup("pid");
	fprintf(f, "pid ");
	for (size_t i = 0; i < opts.n_pids; i++)
		fprintf(f, "%s%d", i ? "," : "", (int)opts.pids[i]);
	fclose(f);
	return s;
}

static int opt_buffer(const struct util_option *opt, const char *arg)
{
	if (parse_size(arg, opt->value)) {
		util_err("--buffer: not a size: '%s'", arg);
		return -1;
	}
	return 0;
}

static int opt_seconds(const struct util_option *opt, const char *arg)
{
	if (parse_seconds(arg, opt->value)) {
		util_err("--%s: not a number of seconds: '%s'", opt->long_name, arg);
		return -1;
	}
	return 0;
}

/* --work UNIT=N: a word, and a count of at least 1. */
static int opt_work(const struct util_option *opt, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *end;
	long long n;

	(void)opt;
	if (!eq || eq == arg || strspn(arg, "abcdefghijklmnopqrstuvwxyz_-") != (size_t)(eq - arg))
		goto bad;
	errno = 0;
	n = strtoll(eq + 1, &end, 10);
	if (end == eq + 1 || *end || n < 1 || errno)
		goto bad;
	free(opts.work_unit);
	opts.work_unit = xstrndup(arg, eq - arg);
	opts.work = n;
	return 0;
bad:
	util_err("--work: not UNIT=N (a lower-case word, a count from 1): '%s'", arg);
	return -1;
}

static int opt_pids(const struct util_option *opt, const char *arg)
{
	(void)opt;
	return parse_pids(arg);
}

/* Returns the index of the command's first word (argc: none), or -1 and
 * sets *status. */
static int parse_options(int argc, char **argv, int *status)
{
	const struct util_option options[] = {
		UTIL_OPT_DB(&opts.db),
		UTIL_OPT_SET_INT(0, "no-db", &opts.no_db, 1, "do not store the run"),
		UTIL_OPT_FILENAME('o', "output", &opts.output, "FILE", "write the results there, not on stdout"),
		UTIL_OPT_JSON(&opts.json),
		UTIL_OPT_FLAG(0, "events", &opts.t.events,
			      "also record every call (pid, tid, syscall, duration, return value, first three"
			      " arguments) in the database"),
		UTIL_OPT_CALLBACK(0, "buffer", &opts.t.buffer, "SIZE", opt_buffer,
				  "the event ring buffer, bytes with K/M suffix (default 16M)"),
		UTIL_OPT_FLAG(0, "count", &opts.t.count_only,
			      "calls and errors only: no times, no off-CPU (cheapest)"),
		UTIL_OPT_SET_INT(0, "no-offcpu", &opts.t.offcpu, 0,
				 "no off-CPU time or context switches (no sched_switch hook)"),
		UTIL_OPT_CALLBACK(0, "interval", &opts.interval, "SEC", opt_seconds,
				  "print the busiest syscalls of every interval while tracing"),
		UTIL_OPT_CALLBACK(0, "duration", &opts.duration, "SEC", opt_seconds,
				  "stop after SEC seconds (a command keeps running, untraced)"),
		UTIL_OPT_STRING(0, "filter", &opts.filter, "LIST",
				"only these syscalls (names or numbers, comma-separated); with --functions,"
				" only these functions"),
		UTIL_OPT_CALLBACK('p', "pid", NULL, "LIST", opt_pids,
				  "attach to these running processes and their descendants"),
		UTIL_OPT_SET_INT(0, "no-follow", &opts.t.follow, 0,
				 "with -p: to these processes alone, not their descendants nor the processes"
				 " they start later"),
		UTIL_OPT_STRING(0, "cgroup", &opts.cgroup, "PATH", "everything in this cgroup v2 and below"),
		UTIL_OPT_STRING(0, "label", &opts.label, "NAME",
				"the program this run measures, stored with it: the report pairs the runs of"
				" one label (plain, shimmed, ported)"),
		UTIL_OPT_CALLBACK(0, "work", NULL, "UNIT=N", opt_work,
				  "the work the run did (requests=1000): the report gives counts per UNIT"),
		UTIL_OPT_FLAG(0, "functions", &opts.t.functions,
			      "count calls of the POSIX functions the programs link, at their definitions in"
			      " the libraries (uprobes), instead of syscalls"),
		UTIL_OPT_FLAG(0, "latency", &opts.t.fn_latency, "with --functions: time the calls too"),
		UTIL_OPT_FLAG(0, "one-by-one", &opts.t.fn_one_by_one,
			      "with --functions: one uprobe link per function, even where the kernel attaches"
			      " a file's all at once"),
		UTIL_OPT_FLAG(0, "list", &opts.list,
			      "with --functions: print where each import binds and the probes a run would"
			      " attach, and trace nothing"),
		UTIL_OPT_END()
	};
	int first;

	opts.db = DB_DEFAULT;
	opts.t.offcpu = 1;
	opts.t.follow = 1;
	opts.t.buffer = 16 << 20;
	*status = 2;
	/* The options stop at the command. */
	if ((first = util_parse_options(argc, argv, options, &usage, UTIL_OPT_STOP_AT_ARG)) < 0) {
		*status = first == UTIL_OPT_HELP ? 0 : 2;
		return -1;
	}
	if ((first < argc) + (opts.n_pids > 0) + (opts.cgroup != NULL) != 1) {
		util_err("give one of -p PID, --cgroup PATH or -- COMMAND");
		util_opt_usage(stderr, options, &usage);
		return -1;
	}
	if (opts.t.events && opts.t.count_only) {
		util_err("--events and --count do not go together");
		return -1;
	}
	if (!opts.t.functions && (opts.t.fn_latency || opts.t.fn_one_by_one || opts.list)) {
		util_err("--latency, --one-by-one and --list go with --functions");
		return -1;
	}
	if (opts.t.functions && (opts.t.events || opts.t.count_only || opts.interval)) {
		util_err("--functions does not go with --events, --count or --interval");
		return -1;
	}
	if (opts.t.events && opts.no_db) {
		util_err("--events stores events in the database: drop --no-db");
		return -1;
	}
	return first;
}

/* Starts the command, counted from its execve (ri->start_ns). Returns 0,
 * or the exit status of a command that cannot run (printed). */
static int start_command(struct tracer *t, struct trace_launch *l, const char *file, char **argv,
			 struct trace_fn_set *fns, struct trace_run_info *ri)
{
	if (trace_launch_start(l, file, argv))
		return 125;
	trace_catch_signals();
	if (trace_arm(t, l->pid))
		return 125;
	/* Its probes filter by process: made for the child while it waits. */
	if (opts.t.functions && trace_fn_attach_pid(t, fns, l->pid))
		return 125;
	ri->start_ns = util_now_ns();
	return trace_launch_go(l, file);
}

/* Attaches to the -p processes (the cgroup needs nothing) and says exactly
 * what is traced. Returns 0, or 125 (printed). */
static int start_attached(struct tracer *t, struct trace_run_info *ri)
{
	size_t given = opts.n_pids, found = 0, all;
	const char *their = given > 1 ? "their" : "its";

	trace_catch_signals();
	if (given && trace_attach_pids(t, opts.pids, given, &found))
		return 125;
	ri->start_ns = util_now_ns();
	all = given + found;
	if (!given)
		util_err("tracing cgroup '%s'; Ctrl-C to stop", opts.cgroup);
	else if (!opts.t.follow)
		util_err("tracing %zu process%s, not %s children; Ctrl-C to stop", given, given > 1 ? "es" : "", their);
	else if (found)
		util_err("tracing %zu processes (%zu given, %zu descendant%s) and their future children; Ctrl-C to stop",
		         all, given, found, found > 1 ? "s" : "");
	else
		util_err("tracing %zu process%s and %s future children; Ctrl-C to stop", given, given > 1 ? "es" : "",
		         their);
	return 0;
}

/* Reads the results, frees the tracer (counting stops before the slow
 * writes), stores and prints them. Returns the run's exit status. */
static int report(struct tracer **t, struct trace_db *db, const struct trace_run_info *ri, FILE *out)
{
	struct trace_result res;
	int ret = 125;

	if (trace_collect(*t, &res))
		goto out;
	trace_free(*t);
	*t = NULL;
	if (db && trace_db_finish(db, &res, ri))
		goto out;
	if (opts.t.functions && opts.json)
		trace_fn_print_json(out, &res, ri);
	else if (opts.t.functions)
		trace_fn_print_table(out, &res, ri, opts.t.fn_latency);
	else if (opts.json)
		trace_print_json(out, &res, ri);
	else
		trace_print_table(out, &res, ri);
	if (res.lost_events)
		util_err("%llu events did not fit in the buffer (--buffer) and were counted, not stored",
		         (unsigned long long)res.lost_events);
	ret = ri->exit_status >= 0 ? ri->exit_status : 0;
out:
	trace_result_release(&res);
	return ret;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_launch l = TRACE_LAUNCH_INIT;
	struct trace_run_info ri = { .exit_status = -1 };
	struct trace_loop loop = { .cmd = NULL };
	unsigned char *want = NULL;
	struct tracer *t = NULL;
	struct trace_db *db = NULL;
	struct trace_fn_set fns = TRACE_FN_SET_INIT;
	char *file = NULL, *target = NULL, *cgroup_dir = NULL, mode[32];
	FILE *out = stdout;
	int first, ret;

	memset(&opts, 0, sizeof(opts));
	if ((first = parse_options(argc, argv, &ret)) < 0)
		return ret;
	argc -= first;
	argv += first;
	ret = 2;
	if (opts.filter && opts.t.functions && trace_fn_set_only(&fns, opts.filter))
		goto out;
	if (opts.filter && !opts.t.functions && !(want = parse_filter(opts.filter)))
		goto out;
	opts.t.want = want;
	ret = 125;
	if (opts.cgroup && resolve_cgroup(opts.cgroup, &opts.t.cgroup_id, &opts.t.cgroup_level, &cgroup_dir))
		goto out;
	if (argc && (ret = trace_launch_find(argv[0], &file)))
		goto out;
	if (opts.t.functions && argc && (ret = trace_fn_add_command(&fns, file)) < 0) {
		/* env(1)'s statuses: not found, or found and not runnable. */
		ret = ret == -ENOENT ? 127 : 126;
		goto out;
	}
	ret = 125;
	if (opts.list) {
		trace_fn_print_list(stdout, &fns);
		ret = 0;
		goto out;
	}
	if (opts.output && !(out = fopen(opts.output, "w"))) {
		util_err("cannot open '%s': %s", opts.output, strerror(errno));
		out = stdout;
		goto out;
	}
	target = target_name();
	ri.command = argc ? util_join_argv(argc, argv) : opts.cgroup ? xstrdup(opts.cgroup) : xstrdup(target);
	ri.target = target;
	ri.mode = mode_name(mode, sizeof(mode));
	ri.label = opts.label;
	ri.work_unit = opts.work_unit;
	ri.work = opts.work;
	util_utc_now(ri.started, sizeof(ri.started));
	/* The tracer first: a run that cannot trace leaves no row behind. */
	if (trace_open(&t, &opts.t))
		goto out;
	if (opts.t.functions && trace_fn_attach(t, &fns) < 0)
		goto out;
	if (!opts.no_db) {
		ri.start_ns = util_now_ns();
		if (trace_db_open(&db, opts.db, &ri))
			goto out;
		trace_set_sink(t, trace_db_event, db);
	}
	ret = argc ? start_command(t, &l, file, argv, &fns, &ri) : start_attached(t, &ri);
	if (ret)
		goto out;
	/* The files running processes run, and the libraries they have mapped. */
	if (opts.t.functions && !argc) {
		size_t failed;
		int n = trace_fn_attach_running(t, &fns, cgroup_dir, &failed);

		util_err("probes attached: %zu functions in %zu files, for %d running process%s%s", fns.n_functions,
		         fns.n_libs, n, n == 1 ? "" : "es", failed ? " (see the warnings: some could not be)" : "");
	}
	if (db)
		trace_db_set_start(db, ri.start_ns);
	loop.cmd = argc ? &l : NULL;
	loop.until_gone = opts.n_pids > 0;
	if (opts.duration)
		loop.deadline = ri.start_ns + (uint64_t)(opts.duration * 1e9);
	loop.interval = opts.interval;
	loop.live = opts.json ? stderr : out;
	ret = 125;
	if (trace_run(t, &loop))
		goto out;
	ri.end_ns = util_now_ns();
	ri.exit_status = loop.status;
	/* --duration ended the trace, not the command: leave it running. */
	l.pid = 0;
	ret = report(&t, db, &ri, out);
out:
	trace_launch_release(&l);
	trace_free(t);
	trace_db_close(db);
	if (out != stdout && fclose(out) && ret == 0) {
		util_err("cannot write '%s': %s", opts.output, strerror(errno));
		ret = 1;
	}
	free(want);
	free(file);
	free(cgroup_dir);
	free(target);
	free((char *)ri.command);
	free(opts.pids);
	free(opts.work_unit);
	trace_fn_set_release(&fns);
	return ret;
}
