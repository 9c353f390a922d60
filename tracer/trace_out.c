/*
 * What a trace prints: a table in the manner of strace -c (sorted by time,
 * or by calls when times were not taken) with the run's blocking share,
 * the same as JSON, and the live per-interval view.
 */
#include "tracer/tracer.h"
#include "common/common.h"
#include "common/json.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct row {
	unsigned nr;
	const struct trace_sys_stat *s;
};

static int by_time(const void *a, const void *b)
{
	const struct trace_sys_stat *x = ((const struct row *)a)->s, *y = ((const struct row *)b)->s;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	return (int)((const struct row *)a)->nr - (int)((const struct row *)b)->nr;
}

/* The syscalls with calls, sorted; the caller frees the array. */
static struct row *rows(const struct trace_sys_stat *sys, size_t *n)
{
	struct row *r = xcalloc(TRACE_MAX_SYSCALLS, sizeof(*r));

	*n = 0;
	for (unsigned nr = 0; nr < TRACE_MAX_SYSCALLS; nr++)
		if (sys[nr].calls || sys[nr].errors)
			r[(*n)++] = (struct row){ nr, &sys[nr] };
	qsort(r, *n, sizeof(*r), by_time);
	return r;
}

static void totals(const struct trace_result *r, struct trace_sys_stat *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned nr = 0; nr < TRACE_MAX_SYSCALLS; nr++) {
		t->calls += r->sys[nr].calls;
		t->errors += r->sys[nr].errors;
		t->total_ns += r->sys[nr].total_ns;
		t->offcpu_ns += r->sys[nr].offcpu_ns;
		t->vcsw += r->sys[nr].vcsw;
		t->ivcsw += r->sys[nr].ivcsw;
	}
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * a / b : 0;
}

static void table(FILE *f, const struct trace_sys_stat *sys, size_t limit)
{
	static const char rule[] = "------ ----------- ----------- --------- --------- -------- ----------------\n";
	struct trace_sys_stat t;
	struct trace_result tmp;
	struct row *r;
	size_t n;

	memcpy(tmp.sys, sys, sizeof(tmp.sys));
	totals(&tmp, &t);
	r = rows(sys, &n);
	fprintf(f, "%% time     seconds  usecs/call     calls    errors  off-cpu syscall\n%s", rule);
	for (size_t i = 0; i < n && i < limit; i++) {
		const struct trace_sys_stat *s = r[i].s;
		char e[24] = "";

		/* Errors in their column, blank when none, like strace. */
		if (s->errors)
			snprintf(e, sizeof(e), "%llu", (unsigned long long)s->errors);
		fprintf(f, "%6.2f %11.6f %11llu %9llu %9s %7.1f%% %s\n", pct(s->total_ns, t.total_ns),
			s->total_ns / 1e9, (unsigned long long)(s->calls ? s->total_ns / 1000 / s->calls : 0),
			(unsigned long long)s->calls, e, pct(s->offcpu_ns, s->total_ns),
			trace_syscall_name(r[i].nr));
	}
	free(r);
	fprintf(f, "%s%6.2f %11.6f %11llu %9llu %9llu %7.1f%% total\n", rule, t.total_ns ? 100.0 : 0,
		t.total_ns / 1e9, (unsigned long long)(t.calls ? t.total_ns / 1000 / t.calls : 0),
		(unsigned long long)t.calls, (unsigned long long)t.errors, pct(t.offcpu_ns, t.total_ns));
}

void trace_print_table(FILE *f, const struct trace_result *r, const struct trace_run_info *ri)
{
	uint64_t wall = ri->end_ns - ri->start_ns;
	struct trace_sys_stat t;

	totals(r, &t);
	table(f, r->sys, TRACE_MAX_SYSCALLS);
	fprintf(f, "\nwall time %.6f s, %llu threads for %.6f s, off-CPU inside syscalls %.6f s: "
		"blocking share %.1f %% of thread time\n", wall / 1e9, (unsigned long long)r->threads,
		r->thread_ns / 1e9, t.offcpu_ns / 1e9, pct(t.offcpu_ns, r->thread_ns));
	fprintf(f, "context switches inside syscalls: %llu voluntary, %llu involuntary\n",
		(unsigned long long)t.vcsw, (unsigned long long)t.ivcsw);
	if (r->n_errnos) {
		fprintf(f, "errors:");
		for (size_t i = 0; i < r->n_errnos; i++)
			fprintf(f, "%s %s %s %llu", i ? "," : "", trace_syscall_name(r->errnos[i].nr),
				trace_errno_name(r->errnos[i].err), (unsigned long long)r->errnos[i].count);
		fputc('\n', f);
	}
	for (unsigned op = 0; op < TRACE_MAX_UOPS; op++) {
		const struct trace_uring_stat *u = &r->uring[op];

		if (u->submitted || u->completed)
			fprintf(f, "io_uring %s: %llu submitted, %llu completed, %llu failed, "
				"%llu handed to io-wq workers\n",
				trace_uring_op_name(op), (unsigned long long)u->submitted,
				(unsigned long long)u->completed, (unsigned long long)u->errors,
				(unsigned long long)u->punted);
	}
	fprintf(f, "processes: %zu", r->n_procs);
	if (ri->run_id)
		fprintf(f, " (run %lld in the database)", ri->run_id);
	fputc('\n', f);
	if (r->lost_events || r->procs_dropped || r->errnos_dropped)
		fprintf(f, "LOST: %llu events (buffer full), %llu process records, %llu errno counts\n",
			(unsigned long long)r->lost_events, (unsigned long long)r->procs_dropped,
			(unsigned long long)r->errnos_dropped);
}

void trace_print_json(FILE *f, const struct trace_result *r, const struct trace_run_info *ri)
{
	uint64_t wall = ri->end_ns - ri->start_ns;
	struct trace_sys_stat t;
	struct row *rw;
	size_t n;

	totals(r, &t);
	fprintf(f, "{\"run_id\":%lld,\"command\":", ri->run_id);
	util_json_s(f, ri->command);
	fprintf(f, ",\"target\":");
	util_json_s(f, ri->target);
	fprintf(f, ",\"mode\":");
	util_json_s(f, ri->mode);
	fprintf(f, ",\"started\":\"%s\",\"wall_ns\":%llu,\"exit_status\":", ri->started,
		(unsigned long long)wall);
	if (ri->exit_status >= 0)
		fprintf(f, "%d", ri->exit_status);
	else
		fprintf(f, "null");
	fprintf(f, ",\"calls\":%llu,\"errors\":%llu,\"total_ns\":%llu,\"offcpu_ns\":%llu,\"blocking_share\":%.6f",
		(unsigned long long)t.calls, (unsigned long long)t.errors, (unsigned long long)t.total_ns,
		(unsigned long long)t.offcpu_ns, wall ? (double)t.offcpu_ns / wall : 0);
	fprintf(f, ",\"threads\":%llu,\"thread_ns\":%llu,\"blocking_share_of_thread_time\":%.6f",
		(unsigned long long)r->threads, (unsigned long long)r->thread_ns,
		r->thread_ns ? (double)t.offcpu_ns / r->thread_ns : 0);
	fprintf(f, ",\"lost_events\":%llu,\"lost_per_cpu\":[", (unsigned long long)r->lost_events);
	for (int c = 0; c < r->ncpus; c++)
		fprintf(f, "%s%llu", c ? "," : "", (unsigned long long)r->lost_per_cpu[c]);
	fprintf(f, "],\"syscalls\":[");
	rw = rows(r->sys, &n);
	for (size_t i = 0; i < n; i++) {
		const struct trace_sys_stat *s = rw[i].s;
		int first = 1;

		fprintf(f, "%s{\"nr\":%u,\"name\":", i ? "," : "", rw[i].nr);
		util_json_s(f, trace_syscall_name(rw[i].nr));
		fprintf(f, ",\"calls\":%llu,\"errors\":%llu,\"total_ns\":%llu,\"max_ns\":%llu,"
			"\"offcpu_ns\":%llu,\"vcsw\":%llu,\"ivcsw\":%llu,\"errnos\":{",
			(unsigned long long)s->calls, (unsigned long long)s->errors,
			(unsigned long long)s->total_ns, (unsigned long long)s->max_ns,
			(unsigned long long)s->offcpu_ns, (unsigned long long)s->vcsw,
			(unsigned long long)s->ivcsw);
		for (size_t e = 0; e < r->n_errnos; e++) {
			if (r->errnos[e].nr != rw[i].nr)
				continue;
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", trace_errno_name(r->errnos[e].err),
				(unsigned long long)r->errnos[e].count);
			first = 0;
		}
		fprintf(f, "},\"hist\":[");
		first = 1;
		for (int b = 0; b < TRACE_HIST_BUCKETS; b++) {
			if (!s->hist[b])
				continue;
			fprintf(f, "%s{\"lo_ns\":%llu,\"hi_ns\":%llu,\"count\":%llu}", first ? "" : ",",
				b ? 1ULL << b : 0ULL, 1ULL << (b + 1), (unsigned long long)s->hist[b]);
			first = 0;
		}
		fprintf(f, "]}");
	}
	free(rw);
	fprintf(f, "],\"io_uring\":[");
	for (unsigned op = 0, first = 1; op < TRACE_MAX_UOPS; op++) {
		const struct trace_uring_stat *u = &r->uring[op];

		if (!u->submitted && !u->completed)
			continue;
		fprintf(f, "%s{\"opcode\":%u,\"name\":\"%s\",\"submitted\":%llu,\"completed\":%llu,"
			"\"errors\":%llu,\"punted\":%llu}",
			first ? "" : ",", op, trace_uring_op_name(op), (unsigned long long)u->submitted,
			(unsigned long long)u->completed, (unsigned long long)u->errors,
			(unsigned long long)u->punted);
		first = 0;
	}
	fprintf(f, "],\"processes\":[");
	for (size_t i = 0; i < r->n_procs; i++) {
		const struct trace_proc *p = &r->procs[i];

		fprintf(f, "%s{\"pid\":%u,\"ns_pid\":%u,\"ppid\":%u,\"comm\":", i ? "," : "", p->pid, p->ns_pid,
			p->ppid);
		util_json_s(f, p->comm);
		fprintf(f, ",\"exe\":");
		util_json_s(f, p->exe);
		fprintf(f, ",\"start_ns\":%lld,\"exit_ns\":", (long long)(p->start_ns - ri->start_ns));
		if (p->flags & TRACE_PROC_EXITED)
			fprintf(f, "%lld,\"exit_code\":%d", (long long)(p->exit_ns - ri->start_ns), p->exit_code);
		else
			fprintf(f, "null,\"exit_code\":null");
		fprintf(f, ",\"attached\":%s}", p->flags & TRACE_PROC_ATTACHED ? "true" : "false");
	}
	fprintf(f, "]}\n");
}

void trace_print_interval(FILE *f, const struct trace_result *now, const struct trace_result *prev,
			  double secs)
{
	static struct trace_sys_stat d[TRACE_MAX_SYSCALLS];
	char when[32];

	for (unsigned nr = 0; nr < TRACE_MAX_SYSCALLS; nr++) {
		const struct trace_sys_stat *a = &now->sys[nr], *b = &prev->sys[nr];

		d[nr] = *a;
		d[nr].calls -= b->calls;
		d[nr].errors -= b->errors;
		d[nr].total_ns -= b->total_ns;
		d[nr].offcpu_ns -= b->offcpu_ns;
		d[nr].vcsw -= b->vcsw;
		d[nr].ivcsw -= b->ivcsw;
	}
	if (isatty(fileno(f)))
		fputs("\033[H\033[2J", f);
	fprintf(f, "%s  last %.1f s, %zu processes\n", util_utc_now(when, sizeof(when)), secs, now->n_procs);
	table(f, d, 20);
	fputc('\n', f);
	fflush(f);
}
