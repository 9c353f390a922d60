/*
 * The trace sections: per run the syscall table, the latency histograms
 * of its busiest syscalls, and what blocked. Read through parakit trace's
 * views (v_trace_runs, v_trace_syscalls, v_trace_hist).
 *
 * Off-CPU time is summed over the threads of a run, so with several
 * threads blocked at once it can exceed the run's wall time: the share of
 * wall time is then over 100 %, and the table says so rather than clip it.
 */
#include "common/common.h"
#include "db/db.h"
#include "reports/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define C(name, label, type) { name, label, type, 1 }

static const struct report_col truns_cols[] = {
	C("run_id", "run", REPORT_INT), C("command", "command", REPORT_TEXT),
	C("started", "started (UTC)", REPORT_TEXT), C("wall_ns", "wall time (ns)", REPORT_INT),
	C("processes", "processes", REPORT_INT), C("lost_events", "lost events", REPORT_INT),
	C("calls", "syscalls", REPORT_INT), C("offcpu_ns", "off-CPU in syscalls (ns)", REPORT_INT),
	C("offcpu_share_pct", "off-CPU share of wall time", REPORT_PCT),
};
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
	FILE *f = NULL;

	INIT(r, T_TRACE_RUNS, "trace_runs", "v_trace_runs and v_trace_syscalls", truns_cols);
	INIT(r, T_TRACE_SYSCALLS, "trace_syscalls", "v_trace_syscalls", tsys_cols);
	INIT(r, T_TRACE_BLOCKING, "trace_blocking",
	     "syscalls with off-CPU time inside them (v_trace_syscalls.offcpu_ns > 0)", tblock_cols);
	r->trace_runs = db_int(r->db, "SELECT count(*) FROM v_trace_runs", 0);
	if (!r->trace_runs)
		return 0;
	st = db_prepare(r->db, "SELECT r.run_id, r.command, r.started, r.wall_ns, r.processes, r.lost_events,"
			       " coalesce(sum(s.calls), 0), coalesce(sum(s.offcpu_ns), 0)"
			       " FROM v_trace_runs r LEFT JOIN v_trace_syscalls s ON s.run_id = r.run_id"
			       " GROUP BY r.run_id ORDER BY r.run_id");
	if (r->trace_runs && (f = report_plot_data(&r->plot, "block.dat")) == NULL)
		r->trace_runs = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		long long off = sqlite3_column_int64(st, 7);
		double share = pct(off, st, 3);

		report_table_add(&r->tab[T_TRACE_RUNS], sqlite3_column_int64(st, 0),
				 (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
				 sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
				 sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6), off, share);
		if (f)
			fprintf(f, "run %lld\t%.10g\n", sqlite3_column_int64(st, 0), isfinite(share) ? share : 0);
		if (nruns < ARRAY_SIZE(runs))
			runs[nruns++] = sqlite3_column_int64(st, 0);
	}
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

	if (f) {
		fclose(f);
		report_chart_add(r, "traces",
				 "Share of each trace run's wall time its threads spent off-CPU inside syscalls "
				 "(blocked): what a parakernel turns into asynchronous operations. Summed over "
				 "threads, so it can pass 100 %%. Data: <code>v_trace_runs</code>, "
				 "<code>v_trace_syscalls</code>.");
		report_plot_cmd(&r->plot, "set title 'Blocking share of each trace run'");
		report_plot_cmd(&r->plot, "set ylabel 'off-CPU time in syscalls (%% of wall time)'\n"
					  "set xlabel 'trace run'");
		report_plot_cmd(&r->plot, "set style data histograms\nset style fill solid 0.85 border -1\n"
					  "set boxwidth 0.7\nset yrange [0:*]\nset grid ytics\nunset key");
		report_plot_cmd(&r->plot, "plot 'block.dat' using 2:xtic(1) lc rgb '#8e44ad'");
	}
	for (size_t i = 0; i < nruns; i++) {
		char data[32];

		snprintf(data, sizeof(data), "hist%zu.dat", i);
		hist_chart(r, runs[i], data);
	}
	return 0;
}
