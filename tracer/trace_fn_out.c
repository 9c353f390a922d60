/*
 * What trace --functions prints: the functions called, most called first,
 * with the calls from the main executable apart (what ltrace would see)
 * and, with --latency, their time; the same as JSON; and, for --list, the
 * probes a run would attach and how each import binds.
 */
#include "tracer/tracer.h"
#include "common/common.h"
#include "common/json.h"

#include <stdlib.h>
#include <string.h>

/* Per function, summed over binaries. */
struct fn_row {
	const char *name;
	struct trace_fn_stat s;
};

static int by_time(const void *a, const void *b)
{
	const struct fn_row *x = a, *y = b;

	if (x->s.total_ns != y->s.total_ns)
		return x->s.total_ns < y->s.total_ns ? 1 : -1;
	if (x->s.calls != y->s.calls)
		return x->s.calls < y->s.calls ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void add(struct trace_fn_stat *to, const struct trace_fn_stat *s)
{
	to->calls += s->calls;
	to->from_exe += s->from_exe;
	to->internal += s->internal;
	to->total_ns += s->total_ns;
	if (s->max_ns > to->max_ns)
		to->max_ns = s->max_ns;
}

/* The functions with calls (from outside their library), sorted; bin 0:
 * all binaries, else that one. The caller frees. */
static struct fn_row *fn_rows(const struct trace_result *r, uint32_t bin, size_t *n)
{
	size_t nf = r->fns ? r->fns->n_functions : 0;
	struct fn_row *v = xcalloc(nf + 1, sizeof(*v));

	for (size_t i = 0; i < nf; i++)
		v[i].name = r->fns->functions[i];
	for (size_t i = 0; i < r->n_fn; i++)
		if (r->fn[i].fn < nf && (!bin || r->fn[i].bin == bin))
			add(&v[r->fn[i].fn].s, &r->fn[i].s);
	*n = 0;
	for (size_t i = 0; i < nf; i++)
		if (v[i].s.calls)
			v[(*n)++] = v[i];
	/* Without --latency, total_ns is 0 throughout: by calls. */
	qsort(v, *n, sizeof(*v), by_time);
	return v;
}

void trace_fn_print_table(FILE *f, const struct trace_result *r, const struct trace_run_info *ri, int latency)
{
	struct fn_row *v;
	struct trace_fn_stat t = { 0 };
	size_t n;

	v = fn_rows(r, 0, &n);
	for (size_t i = 0; i < n; i++)
		add(&t, &v[i].s);
	if (latency)
		fprintf(f, "%% time     seconds  usecs/call        calls     from exe function\n"
			   "------ ----------- ----------- ------------ ------------ ----------------\n");
	else
		fprintf(f, "       calls     from exe function\n------------ ------------ ----------------\n");
	for (size_t i = 0; i < n; i++) {
		const struct trace_fn_stat *s = &v[i].s;

		if (latency)
			fprintf(f, "%6.2f %11.6f %11.3f %12llu %12llu %s\n",
				t.total_ns ? 100.0 * s->total_ns / t.total_ns : 0, s->total_ns / 1e9,
				s->calls ? s->total_ns / 1e3 / s->calls : 0, (unsigned long long)s->calls,
				(unsigned long long)s->from_exe, v[i].name);
		else
			fprintf(f, "%12llu %12llu %s\n", (unsigned long long)s->calls,
				(unsigned long long)s->from_exe, v[i].name);
	}
	fprintf(f, "\n%zu functions called, %llu calls (%llu from the executables); %zu probes in %zu link%s "
		   "(%s), attached in %.3f s\n",
		n, (unsigned long long)t.calls, (unsigned long long)t.from_exe, r->fn_sites, r->fn_links,
		r->fn_links == 1 ? "" : "s", r->fn_multi ? "multi-uprobe" : "one per probe", r->fn_attach_ns / 1e9);
	if (r->fn_refused || (r->fns && (r->fns->unprobeable || r->fns->unresolved_ifuncs)))
		fprintf(f, "not traced: %zu functions whose first instruction uprobes refuse, %zu IFUNCs out of reach\n",
			r->fn_refused + (r->fns ? r->fns->unprobeable : 0), r->fns ? r->fns->unresolved_ifuncs : 0);
	fprintf(f, "processes: %zu (%zu with probes of their own), binaries: %zu", r->n_procs, r->fn_procs,
		r->fns ? r->fns->n_binaries : 0);
	if (ri->run_id)
		fprintf(f, " (run %lld in the database)", ri->run_id);
	fputc('\n', f);
	if (r->fn_dropped || r->fn_deep || r->fn_exec_lost || r->fn_unattached || r->procs_dropped)
		fprintf(f, "LOST: %llu calls (no room for their counters), %llu calls untimed (nested deeper "
			   "than %d), %llu processes ran on before their probes were attached (fork and exec "
			   "notices lost), %llu processes not traced (their probes could not be attached), "
			   "%llu process records\n",
			(unsigned long long)r->fn_dropped, (unsigned long long)r->fn_deep, TRACE_FN_DEPTH,
			(unsigned long long)r->fn_exec_lost, (unsigned long long)r->fn_unattached,
			(unsigned long long)r->procs_dropped);
	free(v);
}

static void json_rows(FILE *f, const struct fn_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		util_json_s(f, v[i].name);
		fprintf(f, ",\"calls\":%llu,\"from_exe\":%llu,\"internal\":%llu,\"total_ns\":%llu,\"max_ns\":%llu}",
			(unsigned long long)v[i].s.calls, (unsigned long long)v[i].s.from_exe,
			(unsigned long long)v[i].s.internal, (unsigned long long)v[i].s.total_ns,
			(unsigned long long)v[i].s.max_ns);
	}
}

void trace_fn_print_json(FILE *f, const struct trace_result *r, const struct trace_run_info *ri)
{
	const struct trace_fn_set *s = r->fns;
	struct fn_row *v;
	size_t n;

	fprintf(f, "{\"run_id\":%lld,\"command\":", ri->run_id);
	util_json_s(f, ri->command);
	fprintf(f, ",\"target\":");
	util_json_s(f, ri->target);
	fprintf(f, ",\"mode\":");
	util_json_s(f, ri->mode);
	fprintf(f, ",\"started\":\"%s\",\"wall_ns\":%llu,\"exit_status\":", ri->started,
		(unsigned long long)(ri->end_ns - ri->start_ns));
	if (ri->exit_status >= 0)
		fprintf(f, "%d", ri->exit_status);
	else
		fprintf(f, "null");
	fprintf(f, ",\"probes\":%zu,\"links\":%zu,\"multi_uprobe\":%s,\"attach_ns\":%llu", r->fn_sites,
		r->fn_links, r->fn_multi ? "true" : "false", (unsigned long long)r->fn_attach_ns);
	fprintf(f, ",\"lost_calls\":%llu,\"untimed_calls\":%llu,\"lost_exec_notices\":%llu,"
		   "\"unattached_processes\":%llu,\"functions\":[",
		(unsigned long long)r->fn_dropped, (unsigned long long)r->fn_deep,
		(unsigned long long)r->fn_exec_lost, (unsigned long long)r->fn_unattached);
	v = fn_rows(r, 0, &n);
	json_rows(f, v, n);
	free(v);
	fprintf(f, "],\"binaries\":[");
	for (size_t b = 0; s && b < s->n_binaries; b++) {
		const struct trace_fn_lib *l = &s->libs[s->binaries[b].lib];

		fprintf(f, "%s{\"path\":", b ? "," : "");
		util_json_s(f, l->path);
		fprintf(f, ",\"hash\":\"%s\",\"functions\":[", l->hash);
		v = fn_rows(r, b + 1, &n);
		json_rows(f, v, n);
		free(v);
		fprintf(f, "]}");
	}
	fprintf(f, "],\"processes\":[");
	for (size_t i = 0; i < r->n_procs; i++) {
		const struct trace_proc *p = &r->procs[i];

		fprintf(f, "%s{\"pid\":%u,\"ppid\":%u,\"comm\":", i ? "," : "", p->pid, p->ppid);
		util_json_s(f, p->comm);
		fprintf(f, ",\"exe\":");
		util_json_s(f, p->exe);
		fprintf(f, "}");
	}
	fprintf(f, "]}\n");
}

void trace_fn_print_list(FILE *f, const struct trace_fn_set *s)
{
	for (size_t b = 0; b < s->n_binaries; b++) {
		const struct trace_fn_binary *bin = &s->binaries[b];

		fprintf(f, "binary\t%s\n", s->libs[bin->lib].path);
		for (size_t i = 0; i < bin->n_imports; i++) {
			const struct trace_fn_import *im = &bin->imports[i];

			fprintf(f, "import\t%s\t%s\t%s\t%s\t", im->function, im->symbol, im->version ? im->version : "-",
				im->lib >= 0 ? s->libs[im->lib].path : "-");
			if (im->site >= 0)
				fprintf(f, "0x%llx\n", (unsigned long long)s->sites[im->site].offset);
			else
				fprintf(f, "-\n");
		}
	}
	for (size_t i = 0; i < s->n_sites; i++) {
		const struct trace_fn_site *p = &s->sites[i];

		fprintf(f, "site\t%s\t%s\t%s\t%s\t0x%llx%s\n", p->function, p->symbol, p->version ? p->version : "-",
			s->libs[p->lib].path, (unsigned long long)p->offset, p->ifunc ? "\tifunc" : "");
	}
}
