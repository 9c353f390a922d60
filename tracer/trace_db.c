/*
 * The tracer's database writer: a trace_run row when the run starts (so
 * events can refer to it), events in transactions of EVENT_BATCH rows
 * while it runs, the aggregates when it ends. Tables and views are in
 * db/migrations/003-trace.sql.
 */
#include "tracer/tracer.h"
#include "common/common.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

#define EVENT_BATCH 20000

struct trace_db {
	sqlite3 *db;
	sqlite3_stmt *ev;
	long long run_id;
	uint64_t base_ns;
	uint64_t events, pending;
	int failed;
};

int trace_db_open(struct trace_db **out, const char *path, struct trace_run_info *ri)
{
	struct trace_db *d = xcalloc(1, sizeof(*d));
	sqlite3_stmt *st = NULL;

	*out = NULL;
	if (db_open(path, &d->db))
		goto fail;
	st = db_prepare(d->db, "INSERT INTO trace_run(command, target, mode, parakit_version, started,"
			       " label, work_unit, work) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, nullif(?8, 0))");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, ri->command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ri->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ri->mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, PARAKIT_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ri->started, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ri->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, ri->work_unit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, ri->work);
	if (sqlite3_step(st) != SQLITE_DONE) {
		util_err("database '%s': %s", path, sqlite3_errmsg(d->db));
		goto fail;
	}
	sqlite3_finalize(st);
	d->run_id = ri->run_id = sqlite3_last_insert_rowid(d->db);
	d->base_ns = ri->start_ns;
	d->ev = db_prepare(d->db, "INSERT INTO trace_event(run_id, ts_ns, pid, tid, nr, dur_ns, ret, arg0, arg1, arg2)"
				  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!d->ev)
		goto fail;
	*out = d;
	return 0;
fail:
	sqlite3_finalize(st);
	trace_db_close(d);
	return -1;
}

void trace_db_set_start(struct trace_db *d, uint64_t start_ns)
{
	d->base_ns = start_ns;
}

static int commit_events(struct trace_db *d)
{
	if (!d->pending)
		return 0;
	d->pending = 0;
	return db_exec(d->db, "COMMIT");
}

int trace_db_event(void *ctx, const struct trace_call *e)
{
	struct trace_db *d = ctx;
	sqlite3_stmt *st = d->ev;

	if (d->failed)
		return 0;
	if (!d->pending && db_exec(d->db, "BEGIN")) {
		d->failed = 1;
		return 0;
	}
	sqlite3_bind_int64(st, 1, d->run_id);
	sqlite3_bind_int64(st, 2, (long long)(e->ts_ns - d->base_ns));
	sqlite3_bind_int(st, 3, e->pid);
	sqlite3_bind_int(st, 4, e->tid);
	sqlite3_bind_int(st, 5, e->nr);
	sqlite3_bind_int64(st, 6, e->dur_ns);
	sqlite3_bind_int64(st, 7, e->ret);
	for (int i = 0; i < 3; i++)
		sqlite3_bind_int64(st, 8 + i, (long long)e->args[i]);
	if (sqlite3_step(st) != SQLITE_DONE) {
		util_err("database '%s': storing an event: %s", sqlite3_db_filename(d->db, "main"),
		         sqlite3_errmsg(d->db));
		d->failed = 1;
	}
	sqlite3_reset(st);
	d->events++;
	if (++d->pending >= EVENT_BATCH && commit_events(d))
		d->failed = 1;
	return 0;
}

static int step(struct trace_db *d, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	util_err("database '%s': %s", sqlite3_db_filename(d->db, "main"), sqlite3_errmsg(d->db));
	return -1;
}

static int write_syscalls(struct trace_db *d, const struct trace_result *r)
{
	sqlite3_stmt *sc = db_prepare(d->db, "INSERT INTO trace_syscall VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	sqlite3_stmt *h = db_prepare(d->db, "INSERT INTO trace_hist VALUES(?1, ?2, ?3, ?4, ?5)");
	sqlite3_stmt *er = db_prepare(d->db, "INSERT INTO trace_errno VALUES(?1, ?2, ?3, ?4, ?5)");
	int ret = -1;

	if (!sc || !h || !er)
		goto out;
	for (unsigned nr = 0; nr < TRACE_MAX_SYSCALLS; nr++) {
		const struct trace_sys_stat *s = &r->sys[nr];

		if (!s->calls && !s->errors)
			continue;
		sqlite3_bind_int64(sc, 1, d->run_id);
		sqlite3_bind_int(sc, 2, nr);
		sqlite3_bind_text(sc, 3, trace_syscall_name(nr), -1, SQLITE_STATIC);
		sqlite3_bind_int64(sc, 4, s->calls);
		sqlite3_bind_int64(sc, 5, s->errors);
		sqlite3_bind_int64(sc, 6, s->total_ns);
		sqlite3_bind_int64(sc, 7, s->max_ns);
		sqlite3_bind_int64(sc, 8, s->offcpu_ns);
		sqlite3_bind_int64(sc, 9, s->vcsw);
		sqlite3_bind_int64(sc, 10, s->ivcsw);
		if (step(d, sc))
			goto out;
		for (int b = 0; b < TRACE_HIST_BUCKETS; b++) {
			if (!s->hist[b])
				continue;
			sqlite3_bind_int64(h, 1, d->run_id);
			sqlite3_bind_int(h, 2, nr);
			sqlite3_bind_int64(h, 3, b ? 1LL << b : 0);
			sqlite3_bind_int64(h, 4, 1LL << (b + 1));
			sqlite3_bind_int64(h, 5, s->hist[b]);
			if (step(d, h))
				goto out;
		}
	}
	for (size_t i = 0; i < r->n_errnos; i++) {
		sqlite3_bind_int64(er, 1, d->run_id);
		sqlite3_bind_int(er, 2, r->errnos[i].nr);
		sqlite3_bind_int(er, 3, r->errnos[i].err);
		sqlite3_bind_text(er, 4, trace_errno_name(r->errnos[i].err), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(er, 5, r->errnos[i].count);
		if (step(d, er))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(sc);
	sqlite3_finalize(h);
	sqlite3_finalize(er);
	return ret;
}

static int write_rest(struct trace_db *d, const struct trace_result *r, const struct trace_run_info *ri)
{
	sqlite3_stmt *p = db_prepare(d->db, "INSERT OR REPLACE INTO trace_process"
					    " VALUES(?1, ?2, ?3, ?4, ?5, nullif(?6, ''), ?7, ?8, ?9, ?10, ?11)");
	sqlite3_stmt *u = db_prepare(d->db, "INSERT INTO trace_uring VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	sqlite3_stmt *l = db_prepare(d->db, "INSERT INTO trace_lost VALUES(?1, ?2, ?3)");
	sqlite3_stmt *run = db_prepare(d->db, "UPDATE trace_run SET duration_ns = ?2, exit_status = ?3,"
					      " lost_events = ?4, lost_processes = ?5, events = ?6, threads = ?7,"
					      " thread_ns = ?8 WHERE id = ?1");
	int ret = -1;

	if (!p || !u || !l || !run)
		goto out;
	for (size_t i = 0; i < r->n_procs; i++) {
		const struct trace_proc *pr = &r->procs[i];
		int exited = pr->flags & TRACE_PROC_EXITED;

		sqlite3_bind_int64(p, 1, d->run_id);
		sqlite3_bind_int(p, 2, pr->pid);
		sqlite3_bind_int(p, 3, pr->ns_pid);
		sqlite3_bind_int(p, 4, pr->ppid);
		sqlite3_bind_text(p, 5, pr->comm, strnlen(pr->comm, sizeof(pr->comm)), SQLITE_STATIC);
		sqlite3_bind_text(p, 6, pr->exe, strnlen(pr->exe, sizeof(pr->exe)), SQLITE_STATIC);
		sqlite3_bind_int(p, 7, pr->execs);
		sqlite3_bind_int64(p, 8, (long long)(pr->start_ns - ri->start_ns));
		if (exited) {
			sqlite3_bind_int64(p, 9, (long long)(pr->exit_ns - ri->start_ns));
			sqlite3_bind_int(p, 10, pr->exit_code);
		} else {
			sqlite3_bind_null(p, 9);
			sqlite3_bind_null(p, 10);
		}
		sqlite3_bind_int(p, 11, !!(pr->flags & TRACE_PROC_ATTACHED));
		if (step(d, p))
			goto out;
	}
	for (unsigned op = 0; op < TRACE_MAX_UOPS; op++) {
		const struct trace_uring_stat *us = &r->uring[op];

		if (!us->submitted && !us->completed)
			continue;
		sqlite3_bind_int64(u, 1, d->run_id);
		sqlite3_bind_int(u, 2, op);
		sqlite3_bind_text(u, 3, trace_uring_op_name(op), -1, SQLITE_STATIC);
		sqlite3_bind_int64(u, 4, us->submitted);
		sqlite3_bind_int64(u, 5, us->completed);
		sqlite3_bind_int64(u, 6, us->errors);
		sqlite3_bind_int64(u, 7, us->punted);
		if (step(d, u))
			goto out;
	}
	for (int c = 0; c < r->ncpus; c++) {
		if (!r->lost_per_cpu[c])
			continue;
		sqlite3_bind_int64(l, 1, d->run_id);
		sqlite3_bind_int(l, 2, c);
		sqlite3_bind_int64(l, 3, r->lost_per_cpu[c]);
		if (step(d, l))
			goto out;
	}
	sqlite3_bind_int64(run, 1, d->run_id);
	sqlite3_bind_int64(run, 2, (long long)(ri->end_ns - ri->start_ns));
	if (ri->exit_status >= 0)
		sqlite3_bind_int(run, 3, ri->exit_status);
	else
		sqlite3_bind_null(run, 3);
	sqlite3_bind_int64(run, 4, r->lost_events);
	sqlite3_bind_int64(run, 5, r->procs_dropped);
	sqlite3_bind_int64(run, 6, d->events);
	sqlite3_bind_int64(run, 7, r->threads);
	sqlite3_bind_int64(run, 8, r->thread_ns);
	ret = step(d, run);
out:
	sqlite3_finalize(p);
	sqlite3_finalize(u);
	sqlite3_finalize(l);
	sqlite3_finalize(run);
	return ret;
}

/* --functions: the run's probes, its binaries, their calls (013-trace-functions.sql). */
static int write_functions(struct trace_db *d, const struct trace_result *r)
{
	const struct trace_fn_set *s = r->fns;
	sqlite3_stmt *st;
	int err = -1;

	st = db_prepare(d->db, "INSERT INTO trace_fn_run(run_id, probes, links, multi_uprobe, attach_ns, refused,"
			       " lost_calls, untimed_calls, lost_execs, unattached)"
			       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, d->run_id);
	sqlite3_bind_int64(st, 2, r->fn_sites);
	sqlite3_bind_int64(st, 3, r->fn_links);
	sqlite3_bind_int(st, 4, r->fn_multi);
	sqlite3_bind_int64(st, 5, r->fn_attach_ns);
	sqlite3_bind_int64(st, 6, r->fn_refused + (s ? s->unprobeable : 0));
	sqlite3_bind_int64(st, 7, r->fn_dropped);
	sqlite3_bind_int64(st, 8, r->fn_deep);
	sqlite3_bind_int64(st, 9, r->fn_exec_lost);
	sqlite3_bind_int64(st, 10, r->fn_unattached);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = db_prepare(d->db, "INSERT INTO trace_fn_binary(run_id, bin, path, hash) VALUES(?1, ?2, ?3, ?4)");
	if (!st)
		return -1;
	for (size_t b = 0; s && b < s->n_binaries; b++) {
		const struct trace_fn_lib *l = &s->libs[s->binaries[b].lib];

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, d->run_id);
		sqlite3_bind_int64(st, 2, b + 1);
		sqlite3_bind_text(st, 3, l->path, -1, SQLITE_STATIC);
		if (l->hash[0])
			sqlite3_bind_text(st, 4, l->hash, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(st);
	st = db_prepare(d->db, "INSERT INTO trace_fn_call(run_id, bin, function, calls, from_exe, internal, total_ns,"
			       " max_ns) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
			       " ON CONFLICT DO UPDATE SET calls = calls + ?4, from_exe = from_exe + ?5,"
			       " internal = internal + ?6, total_ns = total_ns + ?7, max_ns = max(max_ns, ?8)");
	if (!st)
		return -1;
	for (size_t i = 0; s && i < r->n_fn; i++) {
		const struct trace_fn_count *c = &r->fn[i];

		if (c->fn >= s->n_functions)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, d->run_id);
		sqlite3_bind_int64(st, 2, c->bin <= s->n_binaries ? c->bin : 0);
		sqlite3_bind_text(st, 3, s->functions[c->fn], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, c->s.calls);
		sqlite3_bind_int64(st, 5, c->s.from_exe);
		sqlite3_bind_int64(st, 6, c->s.internal);
		sqlite3_bind_int64(st, 7, c->s.total_ns);
		sqlite3_bind_int64(st, 8, c->s.max_ns);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	err = 0;
out:
	if (err)
		util_err("cannot store the function counts: %s", sqlite3_errmsg(d->db));
	sqlite3_finalize(st);
	return err;
}

int trace_db_finish(struct trace_db *d, const struct trace_result *r, const struct trace_run_info *ri)
{
	if (commit_events(d) || db_exec(d->db, "BEGIN"))
		return -1;
	if (write_syscalls(d, r) || write_rest(d, r, ri) || (r->fns && write_functions(d, r)) ||
	    db_exec(d->db, "COMMIT")) {
		sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return d->failed ? -1 : 0;
}

void trace_db_close(struct trace_db *d)
{
	if (!d)
		return;
	if (d->pending)
		sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(d->ev);
	db_close(d->db);
	free(d);
}
