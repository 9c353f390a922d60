-- parakit trace: runs, the processes each followed, per-syscall aggregates
-- (counts, errors, times, off-CPU time and context switches inside the
-- call), their latency histograms and errno breakdowns, io_uring
-- operations, and the per-call events of --events runs.
-- Times are nanoseconds; event and process times are relative to the
-- run's start.
CREATE TABLE trace_run(
	id              INTEGER PRIMARY KEY,
	command         TEXT NOT NULL,       -- the command line, or the target
	target          TEXT NOT NULL,       -- 'command', 'pid 12,13', 'cgroup /x'
	mode            TEXT NOT NULL,       -- 'count', 'latency', 'full', '+events'
	parakit_version TEXT NOT NULL,
	started         TEXT NOT NULL,       -- UTC
	duration_ns     INTEGER,             -- wall time; NULL: interrupted
	exit_status     INTEGER,             -- the command's, as parakit returned it
	lost_events     INTEGER NOT NULL DEFAULT 0,
	lost_processes  INTEGER NOT NULL DEFAULT 0,
	events          INTEGER NOT NULL DEFAULT 0  -- events stored
);

-- Events the ring buffer could not take, per CPU (never silently lost).
CREATE TABLE trace_lost(
	run_id INTEGER NOT NULL REFERENCES trace_run(id),
	cpu    INTEGER NOT NULL,
	events INTEGER NOT NULL,
	PRIMARY KEY(run_id, cpu)
) WITHOUT ROWID;

CREATE TABLE trace_process(
	run_id    INTEGER NOT NULL REFERENCES trace_run(id),
	pid       INTEGER NOT NULL,          -- as parakit saw it
	ns_pid    INTEGER NOT NULL,          -- as the process saw itself
	ppid      INTEGER NOT NULL,
	comm      TEXT NOT NULL,
	exe       TEXT,                      -- last exec'd path
	execs     INTEGER NOT NULL,
	start_ns  INTEGER NOT NULL,
	exit_ns   INTEGER,                   -- NULL: still running at the end
	exit_code INTEGER,                   -- wait status
	attached  INTEGER NOT NULL,          -- 1: found running, not forked
	PRIMARY KEY(run_id, pid)
) WITHOUT ROWID;

CREATE TABLE trace_syscall(
	run_id    INTEGER NOT NULL REFERENCES trace_run(id),
	nr        INTEGER NOT NULL,
	name      TEXT NOT NULL,
	calls     INTEGER NOT NULL,
	errors    INTEGER NOT NULL,
	total_ns  INTEGER NOT NULL,
	max_ns    INTEGER NOT NULL,
	offcpu_ns INTEGER NOT NULL,
	vcsw      INTEGER NOT NULL,          -- voluntary context switches inside
	ivcsw     INTEGER NOT NULL,          -- involuntary
	PRIMARY KEY(run_id, nr)
) WITHOUT ROWID;

-- log2 buckets: [lo_ns, hi_ns).
CREATE TABLE trace_hist(
	run_id INTEGER NOT NULL,
	nr     INTEGER NOT NULL,
	lo_ns  INTEGER NOT NULL,
	hi_ns  INTEGER NOT NULL,
	count  INTEGER NOT NULL,
	PRIMARY KEY(run_id, nr, lo_ns)
) WITHOUT ROWID;

CREATE TABLE trace_errno(
	run_id INTEGER NOT NULL,
	nr     INTEGER NOT NULL,
	errno  INTEGER NOT NULL,
	name   TEXT NOT NULL,                -- 'ENOENT'
	count  INTEGER NOT NULL,
	PRIMARY KEY(run_id, nr, errno)
) WITHOUT ROWID;

CREATE TABLE trace_uring(
	run_id    INTEGER NOT NULL,
	opcode    INTEGER NOT NULL,
	name      TEXT NOT NULL,
	submitted INTEGER NOT NULL,
	completed INTEGER NOT NULL,
	errors    INTEGER NOT NULL,
	PRIMARY KEY(run_id, opcode)
) WITHOUT ROWID;

CREATE TABLE trace_event(
	run_id INTEGER NOT NULL,
	ts_ns  INTEGER NOT NULL,             -- entry
	pid    INTEGER NOT NULL,
	tid    INTEGER NOT NULL,
	nr     INTEGER NOT NULL,
	dur_ns INTEGER NOT NULL,
	ret    INTEGER NOT NULL,
	arg0   INTEGER, arg1 INTEGER, arg2 INTEGER
);
CREATE INDEX trace_event_run ON trace_event(run_id, nr);

CREATE VIEW v_trace_runs AS
SELECT r.id AS run_id, r.command, r.started, r.duration_ns AS wall_ns,
       (SELECT count(*) FROM trace_process p WHERE p.run_id = r.id) AS processes,
       r.lost_events
FROM trace_run r;

CREATE VIEW v_trace_syscalls AS
SELECT run_id, name AS syscall, calls, errors, total_ns, max_ns, offcpu_ns,
       vcsw + ivcsw AS ctx_switches
FROM trace_syscall;

CREATE VIEW v_trace_hist AS
SELECT h.run_id, s.name AS syscall, h.lo_ns, h.hi_ns, h.count
FROM trace_hist h JOIN trace_syscall s ON s.run_id = h.run_id AND s.nr = h.nr;

CREATE VIEW v_trace_errors AS
SELECT e.run_id, s.name AS syscall, e.name AS errno, e.count
FROM trace_errno e JOIN trace_syscall s ON s.run_id = e.run_id AND s.nr = e.nr;

CREATE VIEW v_trace_processes AS
SELECT run_id, pid, ns_pid, ppid, comm, exe, start_ns, exit_ns, exit_code
FROM trace_process;

CREATE VIEW v_trace_events AS
SELECT e.run_id, e.ts_ns, e.pid, e.tid, s.name AS syscall, e.dur_ns, e.ret,
       e.arg0, e.arg1, e.arg2
FROM trace_event e LEFT JOIN trace_syscall s ON s.run_id = e.run_id AND s.nr = e.nr;

CREATE VIEW v_trace_uring AS
SELECT run_id, name AS opcode, submitted, completed, errors FROM trace_uring;
