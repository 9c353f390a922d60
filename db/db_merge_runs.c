/*
 * parakit db merge, the runs: what trace, shim, src and port recorded, so
 * that the labels of trace runs and the report's pairing of plain, shimmed
 * and ported runs (issue 18) read the same in a merged database as in the
 * ones it was made of. db_merge.c merges the scans and calls this inside
 * the same transaction, with the input attached as src and its binaries
 * already merged.
 *
 * Matching, so that a database merged twice adds nothing:
 *   - trace and port runs by their uid (migration 012); a run's rows
 *     (processes, syscalls, histograms, errnos, io_uring operations,
 *     events, lost events; a port run's sites) come with it when the run is
 *     new to the output. A trace run the output holds unfinished (no
 *     duration: it was merged while it ran) is replaced by the input's
 *     finished one, rows and all.
 *   - shim builds by the binary's hash: the newer build wins, with its
 *     decisions, as a second 'parakit shim' of the binary replaces the
 *     first.
 *   - source trees by root: a tree new to the output comes with its src
 *     runs and call sites. NEEDSWORK: a tree both hold keeps the output's
 *     analysis, even when the input's is newer.
 * Everything is INSERT ... SELECT through temporary id maps: SQLite streams
 * the rows, and the maps spill to the temp store, so memory does not grow
 * with the runs' events.
 */
#include "common/common.h"
#include "db/db.h"

static const char runs_sql[] =
	/* Trace runs: new ones, and those the output holds unfinished. */
	"CREATE TEMP TABLE m_trun(old INTEGER PRIMARY KEY, new INTEGER, fresh INTEGER);"
	"CREATE TEMP TABLE m_tfresh AS SELECT s.id FROM src.trace_run s"
	" LEFT JOIN main.trace_run m ON m.uid = s.uid"
	" WHERE m.id IS NULL OR (m.duration_ns IS NULL AND s.duration_ns IS NOT NULL);"
	"INSERT INTO main.trace_run(command, target, mode, parakit_version, started, duration_ns, exit_status,"
	" lost_events, lost_processes, events, label, work_unit, work, threads, thread_ns, uid)"
	" SELECT command, target, mode, parakit_version, started, duration_ns, exit_status,"
	" lost_events, lost_processes, events, label, work_unit, work, threads, thread_ns, uid"
	" FROM src.trace_run WHERE id IN (SELECT id FROM m_tfresh) ORDER BY id"
	" ON CONFLICT(uid) DO UPDATE SET duration_ns = excluded.duration_ns, exit_status = excluded.exit_status,"
	" lost_events = excluded.lost_events, lost_processes = excluded.lost_processes, events = excluded.events,"
	" threads = excluded.threads, thread_ns = excluded.thread_ns;"
	"INSERT INTO m_trun SELECT s.id, m.id, s.id IN (SELECT id FROM m_tfresh)"
	" FROM src.trace_run s JOIN main.trace_run m ON m.uid = s.uid;"
	/* An unfinished run's rows give way to the finished run's. */
	"DELETE FROM main.trace_lost WHERE run_id IN (SELECT new FROM m_trun WHERE fresh);"
	"DELETE FROM main.trace_process WHERE run_id IN (SELECT new FROM m_trun WHERE fresh);"
	"DELETE FROM main.trace_syscall WHERE run_id IN (SELECT new FROM m_trun WHERE fresh);"
	"DELETE FROM main.trace_hist WHERE run_id IN (SELECT new FROM m_trun WHERE fresh);"
	"DELETE FROM main.trace_errno WHERE run_id IN (SELECT new FROM m_trun WHERE fresh);"
	"DELETE FROM main.trace_uring WHERE run_id IN (SELECT new FROM m_trun WHERE fresh);"
	"DELETE FROM main.trace_event WHERE run_id IN (SELECT new FROM m_trun WHERE fresh);"
	"INSERT INTO main.trace_lost(run_id, cpu, events)"
	" SELECT r.new, l.cpu, l.events FROM src.trace_lost l JOIN m_trun r ON r.old = l.run_id WHERE r.fresh;"
	"INSERT INTO main.trace_process(run_id, pid, ns_pid, ppid, comm, exe, execs, start_ns, exit_ns,"
	" exit_code, attached)"
	" SELECT r.new, p.pid, p.ns_pid, p.ppid, p.comm, p.exe, p.execs, p.start_ns, p.exit_ns, p.exit_code,"
	" p.attached FROM src.trace_process p JOIN m_trun r ON r.old = p.run_id WHERE r.fresh;"
	"INSERT INTO main.trace_syscall(run_id, nr, name, calls, errors, total_ns, max_ns, offcpu_ns, vcsw, ivcsw)"
	" SELECT r.new, s.nr, s.name, s.calls, s.errors, s.total_ns, s.max_ns, s.offcpu_ns, s.vcsw, s.ivcsw"
	" FROM src.trace_syscall s JOIN m_trun r ON r.old = s.run_id WHERE r.fresh;"
	"INSERT INTO main.trace_hist(run_id, nr, lo_ns, hi_ns, count)"
	" SELECT r.new, h.nr, h.lo_ns, h.hi_ns, h.count FROM src.trace_hist h"
	" JOIN m_trun r ON r.old = h.run_id WHERE r.fresh;"
	"INSERT INTO main.trace_errno(run_id, nr, errno, name, count)"
	" SELECT r.new, e.nr, e.errno, e.name, e.count FROM src.trace_errno e"
	" JOIN m_trun r ON r.old = e.run_id WHERE r.fresh;"
	"INSERT INTO main.trace_uring(run_id, opcode, name, submitted, completed, errors, punted)"
	" SELECT r.new, u.opcode, u.name, u.submitted, u.completed, u.errors, u.punted FROM src.trace_uring u"
	" JOIN m_trun r ON r.old = u.run_id WHERE r.fresh;"
	"INSERT INTO main.trace_event(run_id, ts_ns, pid, tid, nr, dur_ns, ret, arg0, arg1, arg2)"
	" SELECT r.new, e.ts_ns, e.pid, e.tid, e.nr, e.dur_ns, e.ret, e.arg0, e.arg1, e.arg2"
	" FROM src.trace_event e JOIN m_trun r ON r.old = e.run_id WHERE r.fresh;"

	/* Shim builds: the newer build of a binary wins, decisions and all. */
	"CREATE TEMP TABLE m_sfresh AS SELECT s.id, s.hash FROM src.shim_build s"
	" LEFT JOIN main.shim_build m ON m.hash = s.hash WHERE m.id IS NULL OR m.built < s.built;"
	"DELETE FROM main.shim_decision WHERE build_id IN"
	" (SELECT m.id FROM main.shim_build m JOIN m_sfresh f ON f.hash = m.hash);"
	"INSERT INTO main.shim_build(hash, binary_id, path, output, refused, routed, passed, unsafe, built,"
	" parakit_version)"
	" SELECT s.hash, (SELECT b.id FROM main.binary b WHERE b.hash = s.hash), s.path, s.output, s.refused,"
	" s.routed, s.passed, s.unsafe, s.built, s.parakit_version"
	" FROM src.shim_build s WHERE s.id IN (SELECT id FROM m_sfresh) ORDER BY s.id"
	" ON CONFLICT(hash) DO UPDATE SET binary_id = excluded.binary_id, path = excluded.path,"
	" output = excluded.output, refused = excluded.refused, routed = excluded.routed,"
	" passed = excluded.passed, unsafe = excluded.unsafe, built = excluded.built,"
	" parakit_version = excluded.parakit_version;"
	"INSERT INTO main.shim_decision(build_id, function, decision, reason)"
	" SELECT m.id, d.function, d.decision, d.reason FROM src.shim_decision d"
	" JOIN m_sfresh f ON f.id = d.build_id JOIN main.shim_build m ON m.hash = f.hash;"

	/* Source trees: a new tree with its analysis. */
	"CREATE TEMP TABLE m_tree(old INTEGER PRIMARY KEY, new INTEGER, fresh INTEGER);"
	"CREATE TEMP TABLE m_srun(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_newtree AS SELECT s.id FROM src.source_tree s"
	" WHERE NOT EXISTS (SELECT 1 FROM main.source_tree m WHERE m.root = s.root);"
	"INSERT INTO main.source_tree(root) SELECT root FROM src.source_tree"
	" WHERE id IN (SELECT id FROM m_newtree) ORDER BY id;"
	"INSERT INTO m_tree SELECT s.id, m.id, s.id IN (SELECT id FROM m_newtree)"
	" FROM src.source_tree s JOIN main.source_tree m ON m.root = s.root;"
	"INSERT INTO m_srun SELECT r.id, r.id + (SELECT coalesce(max(id), 0) FROM main.src_run)"
	" FROM src.src_run r JOIN m_tree t ON t.old = r.tree_id WHERE t.fresh;"
	"INSERT INTO main.src_run(id, tree_id, command_line, parakit_version, started, seconds, flags_from, tus,"
	" tus_clean, tus_failed)"
	" SELECT m.new, t.new, r.command_line, r.parakit_version, r.started, r.seconds, r.flags_from, r.tus,"
	" r.tus_clean, r.tus_failed FROM src.src_run r JOIN m_srun m ON m.old = r.id"
	" JOIN m_tree t ON t.old = r.tree_id;"
	"UPDATE main.source_tree SET run_id = (SELECT m.new FROM src.source_tree s JOIN m_tree t ON t.old = s.id"
	" JOIN m_srun m ON m.old = s.run_id WHERE t.new = source_tree.id)"
	" WHERE id IN (SELECT new FROM m_tree WHERE fresh);"
	"INSERT INTO main.src_tu(tree_id, file, directory, arguments, status, errors, seconds)"
	" SELECT t.new, u.file, u.directory, u.arguments, u.status, u.errors, u.seconds FROM src.src_tu u"
	" JOIN m_tree t ON t.old = u.tree_id WHERE t.fresh;"
	"INSERT INTO main.call_site(tree_id, file, line, col, caller, callee, posix_name, kind, in_macro, macro,"
	" macro_arg, seq, ret_used, errno_after)"
	" SELECT t.new, c.file, c.line, c.col, c.caller, c.callee, c.posix_name, c.kind, c.in_macro, c.macro,"
	" c.macro_arg, c.seq, c.ret_used, c.errno_after FROM src.call_site c"
	" JOIN m_tree t ON t.old = c.tree_id WHERE t.fresh ORDER BY c.id;"
	"INSERT INTO main.src_errno_use(tree_id, file, line, col, caller, after_line, after_col, after_posix_name)"
	" SELECT t.new, e.file, e.line, e.col, e.caller, e.after_line, e.after_col, e.after_posix_name"
	" FROM src.src_errno_use e JOIN m_tree t ON t.old = e.tree_id WHERE t.fresh;"
	"INSERT INTO main.src_skipped(tree_id, file, first_line, last_line)"
	" SELECT t.new, k.file, k.first_line, k.last_line FROM src.src_skipped k"
	" JOIN m_tree t ON t.old = k.tree_id WHERE t.fresh;"
	"INSERT INTO main.src_error(tree_id, tu, severity, file, line, col, message)"
	" SELECT t.new, e.tu, e.severity, e.file, e.line, e.col, e.message FROM src.src_error e"
	" JOIN m_tree t ON t.old = e.tree_id WHERE t.fresh ORDER BY e.id;"

	/* Port runs, new ones with their sites. */
	"CREATE TEMP TABLE m_prun(old INTEGER PRIMARY KEY, new INTEGER);"
	"CREATE TEMP TABLE m_pfresh AS SELECT s.id FROM src.port_run s"
	" WHERE NOT EXISTS (SELECT 1 FROM main.port_run m WHERE m.uid = s.uid);"
	"INSERT INTO main.port_run(tree_id, level, command_line, parakit_version, started, seconds, sites,"
	" rewritten, files_changed, applied, uid)"
	" SELECT t.new, r.level, r.command_line, r.parakit_version, r.started, r.seconds, r.sites, r.rewritten,"
	" r.files_changed, r.applied, r.uid FROM src.port_run r JOIN m_tree t ON t.old = r.tree_id"
	" WHERE r.id IN (SELECT id FROM m_pfresh) ORDER BY r.id;"
	"INSERT INTO m_prun SELECT s.id, m.id FROM src.port_run s JOIN main.port_run m ON m.uid = s.uid"
	" WHERE s.id IN (SELECT id FROM m_pfresh);"
	"INSERT INTO main.port_site(tree_id, file, line, col, caller, callee, posix_name, blocking, action, reason,"
	" run_id)"
	" SELECT t.new, p.file, p.line, p.col, p.caller, p.callee, p.posix_name, p.blocking, p.action, p.reason,"
	" r.new FROM src.port_site p JOIN m_prun r ON r.old = p.run_id JOIN m_tree t ON t.old = p.tree_id"
	" ORDER BY p.rowid;"

	"DROP TABLE m_trun; DROP TABLE m_tfresh; DROP TABLE m_sfresh; DROP TABLE m_tree; DROP TABLE m_srun;"
	"DROP TABLE m_newtree; DROP TABLE m_prun; DROP TABLE m_pfresh;";

int db_merge_runs(sqlite3 *db)
{
	return db_exec(db, runs_sql) ? -1 : 0;
}
