/*
 * Before and after, per program: the trace runs of one program set side
 * by side (plain, under a shim, ported at each level), with what moved
 * off the kernel path and the decisions that say why the rest did not.
 * Read through v_trace_runs, v_trace_processes, v_trace_syscalls,
 * v_trace_blocking, v_trace_uring, v_port_runs, v_port_sites and v_shims.
 *
 * A run's program and variant are what the database can tell:
 *   - --label NAME names the program; NAME:VARIANT names the variant too,
 *     for what the database cannot recognise (a tree ported with --diff and
 *     built elsewhere);
 *   - a run of 'parakit shim --run [...] -- BINARY' is the shim variant (its
 *     command line says so; shim --run execs BINARY, so the run's first
 *     process ends as BINARY);
 *   - a run whose processes executed a file under the root of a tree that
 *     'port --apply' rewrote before the trace started is that port run's
 *     level ("port fibers"), and the port run's own sites are its
 *     decisions;
 *   - any other run is plain.
 * Without a label, the program is the base name of the file the run's
 * first process executed last (the shim's BINARY).
 *
 * Ratios are against the program's latest plain run: kernel entries per
 * unit of work when both runs give the same unit (--work), else in total.
 */
#include "common/common.h"
#include "db/db.h"
#include "reports/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define C(name, label, type) { name, label, type, 1 }

static const struct report_col pairs_cols[] = {
	C("program", "program", REPORT_TEXT), C("variant", "variant", REPORT_TEXT),
	C("run_id", "run", REPORT_INT), { "label", "label", REPORT_TEXT, 0 },
	C("wall_ns", "wall time (ns)", REPORT_INT), C("kernel_entries", "kernel entries", REPORT_INT),
	C("work_unit", "unit of work", REPORT_TEXT), C("work", "work", REPORT_INT),
	C("entries_per_unit", "kernel entries per unit", REPORT_REAL),
	C("io_offcpu_ns", "off-CPU in I/O syscalls (ns)", REPORT_INT),
	C("io_share_pct", "blocked in I/O, share of thread time", REPORT_PCT),
	C("uring_completed", "io_uring ops completed", REPORT_INT),
	C("uring_punted", "io_uring ops punted to io-wq", REPORT_INT),
	{ "plain_run_id", "plain run", REPORT_INT, 0 },
	C("wall_ratio", "wall time / plain", REPORT_REAL),
	C("entries_ratio", "kernel entries / plain", REPORT_REAL),
	C("io_offcpu_ratio", "I/O off-CPU / plain", REPORT_REAL),
};
static const struct report_col uring_cols[] = {
	C("program", "program", REPORT_TEXT), C("variant", "variant", REPORT_TEXT),
	C("run_id", "run", REPORT_INT), C("opcode", "opcode", REPORT_TEXT),
	C("submitted", "submitted", REPORT_INT), C("completed", "completed", REPORT_INT),
	C("punted", "punted to io-wq", REPORT_INT), C("errors", "failed", REPORT_INT),
};
static const struct report_col io_cols[] = {
	C("program", "program", REPORT_TEXT), C("variant", "variant", REPORT_TEXT),
	C("run_id", "run", REPORT_INT), C("syscall", "I/O syscall", REPORT_TEXT),
	C("calls", "calls", REPORT_INT), C("plain_calls", "calls, plain run", REPORT_INT),
	C("offcpu_ns", "off-CPU (ns)", REPORT_INT), C("plain_offcpu_ns", "off-CPU, plain run (ns)", REPORT_INT),
};
static const struct report_col decisions_cols[] = {
	C("program", "program", REPORT_TEXT), C("variant", "variant", REPORT_TEXT),
	C("run_id", "run", REPORT_INT), C("source", "from", REPORT_TEXT),
	C("decision", "decision", REPORT_TEXT), C("reason", "reason", REPORT_TEXT),
	C("count", "count", REPORT_INT), C("functions", "functions", REPORT_TEXT),
};

struct pair_run {
	long long run_id, port_run, plain;	/* plain: the baseline's index, or -1 */
	long long wall_ns, entries, work, io_offcpu, uring_completed, uring_punted;
	double io_share;
	char *program, *variant, *label, *exe, *work_unit;
	int shim;
};

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s ? xstrdup(s) : NULL;
}

/*
 * The BINARY of a 'parakit shim --run [OPTIONS] -- BINARY ARGS' command
 * line, or NULL. The command is the traced argv joined by spaces: a word
 * named parakit, then shim, then --run among its options before the --.
 * Caller frees.
 */
static char *shim_binary(const char *command)
{
	char *copy = xstrdup(command), *save = NULL, *w, *ret = NULL;
	int state = 0;	/* 0: looking for parakit, 1: shim, 2: its options, 3: --run seen */

	for (w = strtok_r(copy, " ", &save); w && !ret; w = strtok_r(NULL, " ", &save)) {
		if (state == 0) {
			state = !strcmp(base_name(w), "parakit");
		} else if (state == 1) {
			state = strcmp(w, "shim") ? 0 : 2;
		} else if (!strcmp(w, "--")) {
			if (state != 3)
				break;
			if ((w = strtok_r(NULL, " ", &save)))
				ret = xstrdup(w);
		} else if (!strcmp(w, "--run")) {
			state = 3;
		}
	}
	free(copy);
	return ret;
}

/* The port run whose tree holds a file the trace run executed, when it
 * rewrote the tree before the trace began; 0 when none. */
static long long port_run_of(sqlite3 *db, long long run, char **level)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT p.run_id, p.level FROM v_port_runs p, v_trace_runs r"
		" WHERE r.run_id = ?1 AND p.applied AND p.started <= r.started AND EXISTS"
		"  (SELECT 1 FROM v_trace_processes t WHERE t.run_id = ?1"
		"   AND substr(t.exe, 1, length(p.tree) + 1) = p.tree || '/')"
		" ORDER BY p.run_id DESC LIMIT 1");
	long long id = 0;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, run);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*level = column_dup(st, 1);
	}
	sqlite3_finalize(st);
	return id;
}

/* Names the run's program and variant (see the file's header). */
static void identify(sqlite3 *db, struct pair_run *p, const char *command)
{
	char *colon = p->label ? strrchr(p->label, ':') : NULL, *shim = shim_binary(command), *level = NULL;
	const char *name;

	if (colon && colon > p->label && colon[1]) {
		p->program = xstrndup(p->label, colon - p->label);
		p->variant = xstrdup(colon + 1);
	} else if (p->label && *p->label) {
		p->program = xstrdup(p->label);
	}
	if (shim) {
		p->shim = 1;
		if (!p->variant)
			p->variant = xstrdup("shim");
	} else if ((p->port_run = port_run_of(db, p->run_id, &level)) && !p->variant) {
		if (asprintf(&p->variant, "port %s", level ? level : "") < 0)
			p->variant = NULL;
	}
	if (!p->variant)
		p->variant = xstrdup("plain");
	if (!p->program) {
		name = p->exe ? base_name(p->exe) : shim ? base_name(shim) : command;
		p->program = xstrndup(name, strcspn(name, " "));
	}
	free(shim);
	free(level);
}

/* plain first, then the shim, then the port levels, then the rest. */
static int variant_rank(const char *v)
{
	if (!strcmp(v, "plain"))
		return 0;
	if (!strcmp(v, "shim"))
		return 1;
	if (!strcmp(v, "port compat"))
		return 2;
	if (!strcmp(v, "port fibers"))
		return 3;
	return 4;
}

static int cmp_run(const void *a, const void *b)
{
	const struct pair_run *x = a, *y = b;
	int c = strcmp(x->program, y->program);

	if (c)
		return c;
	if ((c = variant_rank(x->variant) - variant_rank(y->variant)))
		return c;
	if ((c = strcmp(x->variant, y->variant)))
		return c;
	return (x->run_id > y->run_id) - (x->run_id < y->run_id);
}

static double ratio(double a, double b)
{
	return b > 0 && a >= 0 ? a / b : NAN;
}

static double per_unit(const struct pair_run *p)
{
	return p->work > 0 ? (double)p->entries / p->work : NAN;
}

static long long load_runs(struct report_ctx *r, struct pair_run **out)
{
	sqlite3_stmt *st = db_prepare(r->db,
		"SELECT r.run_id, r.label, r.command, r.wall_ns, r.work_unit, r.work,"
		" (SELECT exe FROM v_trace_processes p WHERE p.run_id = r.run_id AND p.exe IS NOT NULL"
		"  ORDER BY p.start_ns, p.pid LIMIT 1),"
		" (SELECT coalesce(sum(calls), 0) FROM v_trace_syscalls s WHERE s.run_id = r.run_id),"
		" (SELECT offcpu_ns FROM v_trace_blocking b WHERE b.run_id = r.run_id AND b.class = 'io'),"
		" (SELECT share_pct FROM v_trace_blocking b WHERE b.run_id = r.run_id AND b.class = 'io'),"
		" (SELECT coalesce(sum(completed), 0) FROM v_trace_uring u WHERE u.run_id = r.run_id),"
		" (SELECT coalesce(sum(punted), 0) FROM v_trace_uring u WHERE u.run_id = r.run_id),"
		" (SELECT thread_ns FROM v_trace_runs t WHERE t.run_id = r.run_id)"
		" FROM v_trace_runs r ORDER BY r.run_id");
	struct pair_run *v = NULL;
	size_t n = 0, cap = 0;

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct pair_run *p;

		v = xgrow(v, &cap, n + 1, sizeof(*v));
		p = &v[n++];
		memset(p, 0, sizeof(*p));
		p->run_id = sqlite3_column_int64(st, 0);
		p->label = column_dup(st, 1);
		p->wall_ns = sqlite3_column_int64(st, 3);
		p->work_unit = column_dup(st, 4);
		p->work = sqlite3_column_int64(st, 5);
		p->exe = column_dup(st, 6);
		p->entries = sqlite3_column_int64(st, 7);
		p->io_offcpu = sqlite3_column_int64(st, 8);
		/* No I/O syscall in a run with thread time: 0 %; without: unknown. */
		p->io_share = sqlite3_column_type(st, 9) != SQLITE_NULL ? sqlite3_column_double(st, 9) :
			      sqlite3_column_int64(st, 12) > 0 ? 0 : NAN;
		p->uring_completed = sqlite3_column_int64(st, 10);
		p->uring_punted = sqlite3_column_int64(st, 11);
		identify(r->db, p, (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	*out = v;
	return n;
}

/* The baseline of each run: the latest plain run of its program. */
static void find_plain(struct pair_run *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].plain = -1;
		for (size_t j = 0; j < n; j++)
			if (!strcmp(v[j].program, v[i].program) && !strcmp(v[j].variant, "plain") &&
			    (v[i].plain < 0 || v[j].run_id > v[v[i].plain].run_id))
				v[i].plain = j;
	}
}

static void add_pair(struct report_ctx *r, const struct pair_run *p, const struct pair_run *b)
{
	double er = NAN;

	if (b && p->work_unit && b->work_unit && !strcmp(p->work_unit, b->work_unit))
		er = ratio(per_unit(p), per_unit(b));
	else if (b)
		er = ratio(p->entries, b->entries);
	report_table_add(&r->tab[T_PAIRS], p->program, p->variant, p->run_id, p->label, p->wall_ns,
			 p->entries, p->work_unit, p->work > 0 ? p->work : REPORT_NONE, per_unit(p),
			 p->io_offcpu, p->io_share, p->uring_completed, p->uring_punted,
			 b ? b->run_id : REPORT_NONE, b ? ratio(p->wall_ns, b->wall_ns) : NAN, er,
			 b ? ratio(p->io_offcpu, b->io_offcpu) : NAN);
}

static void add_uring(struct report_ctx *r, const struct pair_run *p)
{
	sqlite3_stmt *st = db_prepare(r->db, "SELECT opcode, submitted, completed, punted, errors FROM v_trace_uring"
					     " WHERE run_id = ?1 ORDER BY completed DESC, opcode");

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, p->run_id);
	while (sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_PAIR_URING], p->program, p->variant, p->run_id,
				 (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
				 sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
				 sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);
}

/* The I/O syscalls of a run beside its plain run's: what is left on the
 * kernel path. */
static void add_io(struct report_ctx *r, const struct pair_run *p, const struct pair_run *b)
{
	sqlite3_stmt *st = db_prepare(r->db,
		"SELECT syscall, sum(CASE WHEN run_id = ?1 THEN calls END),"
		" sum(CASE WHEN run_id = ?2 THEN calls END), sum(CASE WHEN run_id = ?1 THEN offcpu_ns END),"
		" sum(CASE WHEN run_id = ?2 THEN offcpu_ns END)"
		" FROM v_trace_syscalls WHERE run_id IN (?1, ?2) AND class = 'io'"
		" GROUP BY syscall ORDER BY 2 DESC, 3 DESC, syscall");

	if (!st)
		return;
	sqlite3_bind_int64(st, 1, p->run_id);
	sqlite3_bind_int64(st, 2, b ? b->run_id : -1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long v[4];

		for (int i = 0; i < 4; i++)
			v[i] = sqlite3_column_type(st, i + 1) == SQLITE_NULL ? (b ? 0 : REPORT_NONE) :
			       sqlite3_column_int64(st, i + 1);
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			v[0] = v[2] = 0;
		report_table_add(&r->tab[T_PAIR_IO], p->program, p->variant, p->run_id,
				 (const char *)sqlite3_column_text(st, 0), v[0], v[1], v[2], v[3]);
	}
	sqlite3_finalize(st);
}

/* Why what is left is left: the shim's decisions for the run's binary, or
 * the port run's decisions for its own sites. */
static void add_decisions(struct report_ctx *r, const struct pair_run *p)
{
	sqlite3_stmt *st;

	if (p->shim && p->exe) {
		st = db_prepare(r->db,
			"SELECT 'shim', decision, reason, count(*), group_concat(function, ' ')"
			" FROM (SELECT * FROM v_shims WHERE binary = ?1 OR (NOT EXISTS"
			"  (SELECT 1 FROM v_shims WHERE binary = ?1) AND binary LIKE '%/' || ?2) ORDER BY function)"
			" GROUP BY decision, reason ORDER BY decision = 'routed' DESC, 4 DESC, reason");
		if (!st)
			return;
		sqlite3_bind_text(st, 1, p->exe, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, base_name(p->exe), -1, SQLITE_STATIC);
	} else if (p->port_run) {
		st = db_prepare(r->db,
			"SELECT 'port', action, coalesce(reason, ''), count(*), group_concat(DISTINCT callee)"
			" FROM (SELECT * FROM v_port_sites WHERE run_id = ?1 ORDER BY callee)"
			" GROUP BY action, reason ORDER BY action = 'rewritten' DESC, 4 DESC, reason");
		if (!st)
			return;
		sqlite3_bind_int64(st, 1, p->port_run);
	} else {
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_PAIR_DECISIONS], p->program, p->variant, p->run_id,
				 (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
				 (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
				 (const char *)sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
}

/* Kernel entries (per unit of work where given) of every run of the
 * programs that have more than one, against the plain run. */
static void pairs_chart(struct report_ctx *r, const struct pair_run *v, size_t n)
{
	FILE *f = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct pair_run *b = v[i].plain >= 0 ? &v[v[i].plain] : NULL;
		double er;

		if (!b || b == &v[i])
			continue;
		er = v[i].work_unit && b->work_unit && !strcmp(v[i].work_unit, b->work_unit) ?
		     ratio(per_unit(&v[i]), per_unit(b)) : ratio(v[i].entries, b->entries);
		if (!f && !(f = report_plot_data(&r->plot, "pairs.dat")))
			return;
		/* Names stay in the data file, where gnuplot reads them as
		 * labels only; a quote would end the label. */
		fputc('"', f);
		for (const char *s = v[i].program; *s; s++)
			fputc(*s == '"' || (unsigned char)*s < ' ' ? '_' : *s, f);
		fputs(": ", f);
		for (const char *s = v[i].variant; *s; s++)
			fputc(*s == '"' || (unsigned char)*s < ' ' ? '_' : *s, f);
		fprintf(f, " (run %lld)\"\t%.10g\t%.10g\t%.10g\n", v[i].run_id,
			ratio(v[i].wall_ns, b->wall_ns), isfinite(er) ? er : 0,
			isfinite(ratio(v[i].io_offcpu, b->io_offcpu)) ? ratio(v[i].io_offcpu, b->io_offcpu) : 0);
	}
	if (!f)
		return;
	fclose(f);
	report_chart_add(r, "pairs",
			 "Each shimmed or ported run against its program's plain run: wall time, kernel entries "
			 "(per unit of work when both runs give one) and off-CPU time in I/O syscalls, as ratios "
			 "(1: as plain; below 1: less). Data: <code>pairs.csv</code>.");
	report_plot_cmd(&r->plot, "set title 'Against the plain run'");
	report_plot_cmd(&r->plot, "set ylabel 'ratio to the plain run'\nset yrange [0:*]\nset grid ytics");
	report_plot_cmd(&r->plot, "set style data histograms\nset style histogram clustered gap 1\n"
				  "set style fill solid 0.85 border -1\nset key outside right top\n"
				  "set xtics rotate by -20");
	report_plot_cmd(&r->plot, "plot 'pairs.dat' using 2:xtic(1) title 'wall time' lc rgb '#1f5fa8', "
				  "'' using 3 title 'kernel entries' lc rgb '#c0392b', "
				  "'' using 4 title 'I/O off-CPU' lc rgb '#8e44ad'");
}

int report_pairs_sections(struct report_ctx *r)
{
	struct pair_run *v = NULL;
	size_t n;

	report_table_init(&r->tab[T_PAIRS], "pairs",
			  "v_trace_runs, v_trace_syscalls, v_trace_blocking and v_trace_uring per run, by program "
			  "and variant; ratios against the program's latest plain run", pairs_cols,
			  ARRAY_SIZE(pairs_cols));
	report_table_init(&r->tab[T_PAIR_URING], "pair_uring", "v_trace_uring per run, by program and variant",
			  uring_cols, ARRAY_SIZE(uring_cols));
	report_table_init(&r->tab[T_PAIR_IO], "pair_io",
			  "v_trace_syscalls of class io per run, beside the program's plain run", io_cols,
			  ARRAY_SIZE(io_cols));
	report_table_init(&r->tab[T_PAIR_DECISIONS], "pair_decisions",
			  "v_shims for the shimmed run's binary; v_port_sites of the port run that built the ported "
			  "run's binary", decisions_cols, ARRAY_SIZE(decisions_cols));
	if (!r->trace_runs)
		return 0;
	n = load_runs(r, &v);
	qsort(v, n, sizeof(*v), cmp_run);
	find_plain(v, n);
	for (size_t i = 0; i < n; i++) {
		const struct pair_run *b = v[i].plain >= 0 && v[i].plain != (long long)i ? &v[v[i].plain] : NULL;

		add_pair(r, &v[i], v[i].plain >= 0 ? &v[v[i].plain] : NULL);
		add_uring(r, &v[i]);
		add_io(r, &v[i], b);
		add_decisions(r, &v[i]);
	}
	pairs_chart(r, v, n);
	r->pair_programs = 0;
	for (size_t i = 0; i < n; i++)
		r->pair_programs += !i || strcmp(v[i].program, v[i - 1].program);
	for (size_t i = 0; i < n; i++) {
		free(v[i].program);
		free(v[i].variant);
		free(v[i].label);
		free(v[i].exe);
		free(v[i].work_unit);
	}
	free(v);
	return 0;
}
