-- parakit trace --functions (issue 20): calls of POSIX catalogue functions
-- counted by uprobes at their definitions, per run and per traced binary
-- (the file a process ran), and how the run attached its probes.
-- A call counts when it comes from outside the library that defines the
-- function (printf reaching its own strlen does not); from_exe counts the
-- calls from the main executable itself, what ltrace sees.

CREATE TABLE trace_fn_run(
	run_id        INTEGER PRIMARY KEY REFERENCES trace_run(id),
	probes        INTEGER NOT NULL,      -- uprobes attached
	links         INTEGER NOT NULL,      -- BPF links they took (each traced process has its own)
	multi_uprobe  INTEGER NOT NULL,      -- 1: multi-uprobe links, 0: one per probe
	attach_ns     INTEGER NOT NULL,      -- time spent attaching, all told
	refused       INTEGER NOT NULL,      -- functions left out: uprobes refuse their entry
	lost_calls    INTEGER NOT NULL,      -- calls with no room for their counters
	untimed_calls INTEGER NOT NULL,      -- --latency: nested too deep to time
	lost_execs    INTEGER NOT NULL,      -- processes that ran on before their probes were
	                                     -- attached (fork and exec notices lost)
	unattached    INTEGER NOT NULL       -- processes whose probes could not be attached
);

-- The binaries the run's processes ran; hash is scan's identity of the
-- file (binary.hash), so a binary that was scanned joins its imports.
CREATE TABLE trace_fn_binary(
	run_id INTEGER NOT NULL REFERENCES trace_run(id),
	bin    INTEGER NOT NULL,             -- the run's numbering, from 1
	path   TEXT NOT NULL,
	hash   TEXT,
	PRIMARY KEY(run_id, bin)
) WITHOUT ROWID;

CREATE TABLE trace_fn_call(
	run_id   INTEGER NOT NULL REFERENCES trace_run(id),
	bin      INTEGER NOT NULL,           -- 0: a process whose file was not resolved
	function TEXT NOT NULL,              -- the catalogue's name
	calls    INTEGER NOT NULL,
	from_exe INTEGER NOT NULL,
	internal INTEGER NOT NULL,           -- calls from inside the defining library, not in calls
	total_ns INTEGER NOT NULL,           -- --latency, else 0
	max_ns   INTEGER NOT NULL,
	PRIMARY KEY(run_id, bin, function)
) WITHOUT ROWID;

-- Per run and function, over all its processes.
CREATE VIEW v_trace_functions AS
SELECT run_id, function, sum(calls) AS calls, sum(total_ns) AS total_ns,
       sum(from_exe) AS from_exe, max(max_ns) AS max_ns
FROM trace_fn_call
GROUP BY run_id, function;

-- Per run and traced binary, every catalogue function it links (scan's
-- imports, when the binary was scanned) or calls, and which of:
--   'linked-called'     linked and called
--   'linked-uncalled'   linked, never called in this run
--   'called-unlinked'   called through a path scan did not see in this
--                       binary (a dlopen'd library, another library's call)
--   'called-unscanned'  called; the binary is not in the scan data
CREATE VIEW v_trace_function_binaries AS
WITH linked AS (
	SELECT DISTINCT hash, posix_name AS function FROM v_binary_imports WHERE posix_name IS NOT NULL
), scanned AS (
	SELECT DISTINCT hash FROM v_binaries
), fns AS (
	SELECT run_id, bin, function FROM trace_fn_call WHERE calls > 0 AND bin > 0
	UNION
	SELECT b.run_id, b.bin, l.function FROM trace_fn_binary b JOIN linked l ON l.hash = b.hash
)
SELECT b.run_id AS run_id, b.path AS binary, b.hash AS hash, f.function AS function,
       coalesce(c.calls, 0) AS calls, coalesce(c.from_exe, 0) AS from_exe,
       coalesce(c.total_ns, 0) AS total_ns,
       CASE WHEN s.hash IS NULL THEN 'called-unscanned'
            WHEN l.function IS NULL THEN 'called-unlinked'
            WHEN coalesce(c.calls, 0) > 0 THEN 'linked-called'
            ELSE 'linked-uncalled' END AS status
FROM trace_fn_binary b
JOIN fns f ON f.run_id = b.run_id AND f.bin = b.bin
LEFT JOIN trace_fn_call c ON c.run_id = b.run_id AND c.bin = b.bin AND c.function = f.function
LEFT JOIN linked l ON l.hash = b.hash AND l.function = f.function
LEFT JOIN scanned s ON s.hash = b.hash;
