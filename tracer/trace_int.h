/*
 * The tracer's state, shared by the files of its library (trace.c, and
 * trace_fn.c for --functions); nothing outside tracer/ includes it.
 */
#ifndef TRACER_TRACE_INT_H
#define TRACER_TRACE_INT_H

#include "tracer/tracer.h"
#include "tracer/trace.skel.h"

struct tracer {
	struct trace_bpf *skel;
	struct ring_buffer *rb;
	struct trace_opts o;
	int (*sink)(void *ctx, const struct trace_call *e);
	void *sink_ctx;
	int ncpus;
	/* --functions */
	struct trace_fn_set *fns;	/* borrowed from the caller */
	struct ring_buffer *fn_rb;	/* fork, exec and exit notices */
	struct trace_fn_proc *fn_procs;	/* the processes with links */
	struct trace_fn_closer *fn_closer;	/* threads that close links */
	size_t n_fn_procs, cap_fn_procs;
	size_t fn_bins_known;		/* binaries written to fn_bins */
	size_t fn_links_made;		/* links made in the run, closed ones too */
	size_t fn_procs_linked;		/* processes linked in the run */
	int fn_multi;			/* the kernel has multi-uprobe links, and they are wanted */
	int fn_closing;			/* the trace is over: notices only let processes go */
	uint64_t fn_unattached;		/* processes that could not be linked */
	uint64_t fn_conts;		/* stopped processes let go */
	uint64_t fn_attach_ns;		/* time spent linking, all told */
};

/* trace_fn.c: the --functions part of trace_open() before and after the load. */
void trace_fn_prepare(struct tracer *t);
int trace_fn_loaded(struct tracer *t);
/* Handles pending exec notices; 0 or -errno. */
int trace_fn_poll(struct tracer *t);
int trace_fn_collect(struct tracer *t, struct trace_result *r);
void trace_fn_free(struct tracer *t);

#endif
