/*
 * The trace sections: per run the syscall table, the latency histograms
 * of its busiest syscalls, and what blocked. Read through parakit trace's
 * views (v_trace_runs, v_trace_syscalls, v_trace_hist, v_trace_blocking).
 *
 * The blocking share is v_trace_blocking's: off-CPU time inside syscalls
 * over the run's thread time (the sum of its threads' lifetimes), per
 * class of syscall (I/O, waiting for events, synchronisation, process and
 * memory), so a pool of idle threads in futex shows as synchronisation
 * and cannot drown the I/O a parakernel makes asynchronous. The raw sum
 * over threads, over wall time (which passed 1,000 % for servers with
 * idle pools), stays in the runs table for comparison.
 */
#include "common/common.h"
#include "db/db.h"
#include "reports/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define C(name, label, type) { name, label, type, 1 }

static const struct report_col truns_cols[] = {
	C("run_id", "run", REPORT_INT), C("label", "label", REPORT_TEXT), C("command", "command", REPORT_TEXT),
	C("started", "started (UTC)", REPORT_TEXT), C("wall_ns", "wall time (ns)", REPORT_INT),
	C("processes", "processes", REPORT_INT), C("threads", "threads", REPORT_INT),
	C("thread_ns", "thread time (ns)", REPORT_INT), C("lost_events", "lost events", REPORT_INT),
	C("calls", "syscalls", REPORT_INT), C("offcpu_ns", "off-CPU in syscalls (ns)", REPORT_INT),
	C("blocking_share_pct", "blocked, share of thread time", REPORT_PCT),
	C("io_blocking_share_pct", "blocked in I/O, share of thread time", REPORT_PCT),
	C("offcpu_share_pct", "off-CPU over wall time, summed over threads", REPORT_PCT),
};
static const struct report_col tclass_cols[] = {
	C("run_id", "run", REPORT_INT), C("class", "class", REPORT_TEXT),
	C("calls", "calls", REPORT_INT), C("offcpu_ns", "off-CPU (ns)", REPORT_INT),
	C("ctx_switches", "context switches", REPORT_INT),
	C("share_of_thread_time_pct", "share of thread time", REPORT_PCT),
};

/* The classes of v_trace_blocking, in the order the chart stacks them. */
static const char *const classes[] = { "io", "wait", "sync", "process", "other" };
static const struct report_col tsys_cols[] = {
	C("run_id", "run", REPORT_INT), C("syscall", "syscall", REPORT_TEXT),
	C("calls", "calls", REPORT_INT), C("errors", "errors", REPORT_INT),
	C("total_ns", "total time (ns)", REPORT_INT), C("max_ns", "max (ns)", REPORT_INT),
	C("offcpu_ns", "off-CPU (ns)", REPORT_INT), C("ctx_switches", "context switches", REPORT_INT),
};
static const struct report_col tblock_cols[] = {
	C("run_id", "run", REPORT_INT), C("syscall", "syscall", REPORT_TEXT),
	C("calls", "calls", REPORT_INT), C("offcpu_ns", "off-CPU (ns)", REPORT_INT),
	C("share_of_offcpu_pct", "share of the run's off-CPU time", REPORT_PCT),
	C("share_of_wall_pct", "share of wall time", REPORT_PCT),
	C("ctx_switches", "context switches", REPORT_INT),
};

#define INIT(r, id, name, note, cols) \
	report_table_init(&(r)->tab[id], name, note, cols, ARRAY_SIZE(cols))

static double pct(long long a, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL || sqlite3_column_int64(st, col) <= 0)
		return NAN;
	return 100.0 * a / sqlite3_column_int64(st, col);
}

/* Column col, or REPORT_NONE for NULL (a run an older parakit made). */
static long long int_or_none(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? REPORT_NONE : sqlite3_column_int64(st, col);
}

/* The stacked chart of the blocking share per class of every run that has
 * its thread time. */
static void class_chart(struct report_ctx *r)
{
	sqlite3_stmt *st;
	long long run = -1;
	double share[ARRAY_SIZE(classes)] = { 0 };
	int runs = 0;
	FILE *f;

	st = db_prepare(r->db, "SELECT run_id, class, share_pct FROM v_trace_blocking"
			       " WHERE share_pct IS NOT NULL ORDER BY run_id");
	if (!st || !(f = report_plot_data(&r->plot, "classes.dat"))) {
		sqlite3_finalize(st);
		return;
	}
	for (int more = 1; more; ) {
		more = sqlite3_step(st) == SQLITE_ROW;
		if (run >= 0 && (!more || sqlite3_column_int64(st, 0) != run)) {
			fprintf(f, "run %lld", run);
			for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
				fprintf(f, "\t%.10g", share[i]);
			fputc('\n', f);
			memset(share, 0, sizeof(share));
			runs++;
		}
		if (!more)
			break;
		run = sqlite3_column_int64(st, 0);
		for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
			if (!strcmp(classes[i], (const char *)sqlite3_column_text(st, 1)))
				share[i] = sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	fclose(f);
	if (!runs)
		return;
	report_chart_add(r, "traces",
			 "Blocking share of each trace run, per thread-second: off-CPU time inside syscalls over "
			 "the run's thread time (the sum of its threads' lifetimes), by class of syscall. I/O is "
			 "what a parakernel makes asynchronous; waits for events and synchronisation (an idle "
			 "pool's <code>futex</code>) are not I/O. At most 100 %%. Data: <code>v_trace_blocking</code>.");
	report_plot_cmd(&r->plot, "set title 'Blocking share per thread-second, by class'");
	report_plot_cmd(&r->plot, "set ylabel 'off-CPU in syscalls (%% of thread time)'\nset xlabel 'trace run'");
	report_plot_cmd(&r->plot, "set style data histograms\nset style histogram rowstacked\n"
				  "set style fill solid 0.85 border -1\nset boxwidth 0.7\nset yrange [0:100]\n"
				  "set grid ytics\nset key outside right top");
	report_plot_cmd(&r->plot, "plot 'classes.dat' using 2:xtic(1) title 'I/O' lc rgb '#c0392b', "
				  "'' using 3 title 'waiting for events' lc rgb '#2980b9', "
				  "'' using 4 title 'synchronisation' lc rgb '#8e44ad', "
				  "'' using 5 title 'process, memory' lc rgb '#27ae60', "
				  "'' using 6 title 'other' lc rgb '#95a5a6'");
}

/* One chart per run that has histograms: its five syscalls with the most
 * total time, one curve each. */
static void hist_chart(struct report_ctx *r, long long run, const char *data)
{
	sqlite3_stmt *st;
	char *name = NULL;
	FILE *f;
	int blocks = 0;

	st = db_prepare(r->db, "SELECT h.syscall, h.lo_ns, h.count FROM v_trace_hist h"
			       " JOIN (SELECT syscall, total_ns FROM v_trace_syscalls WHERE run_id = ?1"
			       "       AND syscall IN (SELECT syscall FROM v_trace_hist WHERE run_id = ?1)"
			       "       ORDER BY total_ns DESC, syscall LIMIT 5) t ON t.syscall = h.syscall"
			       " WHERE h.run_id = ?1 AND h.lo_ns > 0"
			       " ORDER BY t.total_ns DESC, h.syscall, h.lo_ns");
	if (!st || !(f = report_plot_data(&r->plot, data))) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_bind_int64(st, 1, run);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		if (!name || strcmp(name, s)) {
			fprintf(f, "%s%s\t%s\n", blocks ? "\n\n" : "", s, s);
			free(name);
			name = xstrdup(s);
			blocks++;
		}
		fprintf(f, "%lld\t%lld\n", sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
	}
	sqlite3_finalize(st);
	free(name);
	fclose(f);
	if (!blocks)
		return;
	report_chart_add(r, "traces",
			 "Latency histogram of trace run %lld: calls per log2 latency bucket (lower bound) for the "
			 "run's %d syscalls with the most total time. Data: <code>v_trace_hist</code>.",
			 run, blocks);
	report_plot_cmd(&r->plot, "set title 'Syscall latency, trace run %lld'", run);
	report_plot_cmd(&r->plot, "set xlabel 'latency (ns, log scale)'\nset ylabel 'calls (log scale)'");
	report_plot_cmd(&r->plot, "set logscale xy 2\nset format x '%%.0s%%c'\nset key top right box opaque");
	report_plot_cmd(&r->plot, "plot for [i=0:%d] '%s' index i using 1:2 with linespoints lw 2 pt 7 ps 0.6 "
				  "title columnheader(1)", blocks - 1, data);
}

int report_trace_sections(struct report_ctx *r)
{
	long long runs[64];
	size_t nruns = 0;
	sqlite3_stmt *st;

	INIT(r, T_TRACE_RUNS, "trace_runs", "v_trace_runs, v_trace_syscalls and v_trace_blocking", truns_cols);
	INIT(r, T_TRACE_SYSCALLS, "trace_syscalls", "v_trace_syscalls", tsys_cols);
	INIT(r, T_TRACE_BLOCKING, "trace_blocking",
	     "syscalls with off-CPU time inside them (v_trace_syscalls.offcpu_ns > 0)", tblock_cols);
	INIT(r, T_TRACE_CLASSES, "trace_blocking_classes",
	     "v_trace_blocking: off-CPU time inside syscalls per class over the run's thread time", tclass_cols);
	r->trace_runs = db_int(r->db, "SELECT count(*) FROM v_trace_runs", 0);
	if (!r->trace_runs)
		return 0;
	st = db_prepare(r->db, "SELECT r.run_id, r.label, r.command, r.started, r.wall_ns, r.processes,"
			       " r.threads, r.thread_ns, r.lost_events,"
			       " coalesce(sum(s.calls), 0), coalesce(sum(s.offcpu_ns), 0),"
			       " (SELECT sum(share_pct) FROM v_trace_blocking b WHERE b.run_id = r.run_id),"
			       " (SELECT share_pct FROM v_trace_blocking b WHERE b.run_id = r.run_id AND class = 'io')"
			       " FROM v_trace_runs r LEFT JOIN v_trace_syscalls s ON s.run_id = r.run_id"
			       " GROUP BY r.run_id ORDER BY r.run_id");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		long long off = sqlite3_column_int64(st, 10);
		double all = sqlite3_column_type(st, 11) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 11);
		double io = sqlite3_column_type(st, 12) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 12);

		/* A run with thread time and no I/O syscall blocked 0 % in I/O. */
		if (isfinite(all) && !isfinite(io))
			io = 0;
		report_table_add(&r->tab[T_TRACE_RUNS], sqlite3_column_int64(st, 0),
				 (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
				 (const char *)sqlite3_column_text(st, 3), sqlite3_column_int64(st, 4),
				 sqlite3_column_int64(st, 5), int_or_none(st, 6), int_or_none(st, 7),
				 sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9), off, all, io,
				 pct(off, st, 4));
		if (nruns < ARRAY_SIZE(runs))
			runs[nruns++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);

	st = db_prepare(r->db, "SELECT run_id, class, calls, offcpu_ns, ctx_switches, share_pct"
			       " FROM v_trace_blocking ORDER BY run_id, offcpu_ns DESC, class");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_TRACE_CLASSES], sqlite3_column_int64(st, 0),
				 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
				 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
				 sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5));
	sqlite3_finalize(st);

	st = db_prepare(r->db, "SELECT run_id, syscall, calls, errors, total_ns, max_ns, offcpu_ns, ctx_switches"
			       " FROM v_trace_syscalls ORDER BY run_id, total_ns DESC, syscall");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		report_table_add(&r->tab[T_TRACE_SYSCALLS], sqlite3_column_int64(st, 0),
				 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
				 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
				 sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6),
				 sqlite3_column_int64(st, 7));
	sqlite3_finalize(st);

	st = db_prepare(r->db, "SELECT s.run_id, s.syscall, s.calls, s.offcpu_ns, s.ctx_switches,"
			       " (SELECT sum(offcpu_ns) FROM v_trace_syscalls t WHERE t.run_id = s.run_id),"
			       " r.wall_ns"
			       " FROM v_trace_syscalls s JOIN v_trace_runs r ON r.run_id = s.run_id"
			       " WHERE s.offcpu_ns > 0 ORDER BY s.run_id, s.offcpu_ns DESC, s.syscall");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		long long off = sqlite3_column_int64(st, 3);

		report_table_add(&r->tab[T_TRACE_BLOCKING], sqlite3_column_int64(st, 0),
				 (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2), off,
				 pct(off, st, 5), pct(off, st, 6), sqlite3_column_int64(st, 4));
	}
	sqlite3_finalize(st);

	class_chart(r);
	for (size_t i = 0; i < nruns; i++) {
		char data[32];

		snprintf(data, sizeof(data), "hist%zu.dat", i);
		hist_chart(r, runs[i], data);
	}
	return 0;
}
