-- parakit trace: a run's label and unit of work (--label, --work), its
-- thread time, and syscalls classed so that blocking can be told apart.
--
-- thread_ns is the sum, over the threads the run traced, of the time each
-- was traced (from its fork, the command's execve or the attach, to its
-- exit or the run's end); threads counts them. Off-CPU time inside
-- syscalls over thread_ns is at most 1: a share per thread-second, which an
-- idle pool cannot push past 100 % as it pushed the sum over threads over
-- wall time. NULL for runs an older parakit made.
ALTER TABLE trace_run ADD COLUMN label TEXT;
ALTER TABLE trace_run ADD COLUMN work_unit TEXT;    -- --work UNIT=N: 'requests'
ALTER TABLE trace_run ADD COLUMN work INTEGER;      -- N
ALTER TABLE trace_run ADD COLUMN threads INTEGER;
ALTER TABLE trace_run ADD COLUMN thread_ns INTEGER;

-- What a syscall blocks on, when it blocks (x86-64 names):
--   io       data or metadata of files, pipes and sockets: what a
--            parakernel moves onto asynchronous queues
--   wait     waiting for events, time or children: epoll, poll, select,
--            io_uring_enter (whose waits are a scheduler's idle), sleeps,
--            signals, wait4
--   sync     synchronisation between threads or processes: futex, flock,
--            semaphores, sched_yield
--   process  processes and memory: clone, execve, exit, mmap and the like
-- Every other syscall is 'other'.
CREATE TABLE trace_syscall_class(
	name  TEXT PRIMARY KEY,
	class TEXT NOT NULL CHECK (class IN ('io', 'wait', 'sync', 'process'))
) WITHOUT ROWID;

INSERT INTO trace_syscall_class(name, class) VALUES
	('read', 'io'), ('write', 'io'), ('pread64', 'io'), ('pwrite64', 'io'),
	('readv', 'io'), ('writev', 'io'), ('preadv', 'io'), ('pwritev', 'io'),
	('preadv2', 'io'), ('pwritev2', 'io'), ('open', 'io'), ('openat', 'io'),
	('openat2', 'io'), ('creat', 'io'), ('close', 'io'), ('fsync', 'io'),
	('fdatasync', 'io'), ('sync', 'io'), ('syncfs', 'io'), ('sync_file_range', 'io'),
	('sendfile', 'io'), ('splice', 'io'), ('tee', 'io'), ('vmsplice', 'io'),
	('copy_file_range', 'io'), ('fallocate', 'io'), ('ftruncate', 'io'), ('truncate', 'io'),
	('stat', 'io'), ('fstat', 'io'), ('lstat', 'io'), ('newfstatat', 'io'),
	('statx', 'io'), ('access', 'io'), ('faccessat', 'io'), ('faccessat2', 'io'),
	('readlink', 'io'), ('readlinkat', 'io'), ('getdents', 'io'), ('getdents64', 'io'),
	('mkdir', 'io'), ('mkdirat', 'io'), ('rmdir', 'io'), ('unlink', 'io'),
	('unlinkat', 'io'), ('rename', 'io'), ('renameat', 'io'), ('renameat2', 'io'),
	('link', 'io'), ('linkat', 'io'), ('symlink', 'io'), ('symlinkat', 'io'),
	('lseek', 'io'), ('recvfrom', 'io'), ('sendto', 'io'), ('recvmsg', 'io'),
	('sendmsg', 'io'), ('recvmmsg', 'io'), ('sendmmsg', 'io'), ('accept', 'io'),
	('accept4', 'io'), ('connect', 'io'), ('shutdown', 'io'), ('io_submit', 'io'),
	('epoll_wait', 'wait'), ('epoll_pwait', 'wait'), ('epoll_pwait2', 'wait'), ('poll', 'wait'),
	('ppoll', 'wait'), ('select', 'wait'), ('pselect6', 'wait'), ('io_uring_enter', 'wait'),
	('io_getevents', 'wait'), ('io_pgetevents', 'wait'), ('nanosleep', 'wait'),
	('clock_nanosleep', 'wait'), ('pause', 'wait'), ('rt_sigsuspend', 'wait'),
	('rt_sigtimedwait', 'wait'), ('wait4', 'wait'), ('waitid', 'wait'),
	('futex', 'sync'), ('futex_waitv', 'sync'), ('futex_wait', 'sync'), ('futex_wake', 'sync'),
	('futex_requeue', 'sync'), ('flock', 'sync'), ('semop', 'sync'), ('semtimedop', 'sync'),
	('sched_yield', 'sync'), ('msgrcv', 'sync'), ('msgsnd', 'sync'),
	('clone', 'process'), ('clone3', 'process'), ('fork', 'process'), ('vfork', 'process'),
	('execve', 'process'), ('execveat', 'process'), ('exit', 'process'), ('exit_group', 'process'),
	('mmap', 'process'), ('munmap', 'process'), ('mremap', 'process'), ('mprotect', 'process'),
	('madvise', 'process'), ('brk', 'process'), ('mlock', 'process'), ('munlock', 'process');

-- The new columns go last: readers that select by name see no change.
DROP VIEW v_trace_runs;
CREATE VIEW v_trace_runs AS
SELECT r.id AS run_id, r.command, r.started, r.duration_ns AS wall_ns,
       (SELECT count(*) FROM trace_process p WHERE p.run_id = r.id) AS processes,
       r.lost_events, r.label, r.work_unit, r.work, r.threads, r.thread_ns
FROM trace_run r;

DROP VIEW v_trace_syscalls;
CREATE VIEW v_trace_syscalls AS
SELECT s.run_id, s.name AS syscall, s.calls, s.errors, s.total_ns, s.max_ns, s.offcpu_ns,
       s.vcsw + s.ivcsw AS ctx_switches, coalesce(c.class, 'other') AS class
FROM trace_syscall s LEFT JOIN trace_syscall_class c ON c.name = s.name;

-- The blocking share, one home for what it means: per run and class, the
-- off-CPU time inside syscalls of the class over the run's thread time
-- (NULL when the run has none recorded). The classes of one run sum to at
-- most 100 %.
CREATE VIEW v_trace_blocking AS
SELECT s.run_id, s.class, sum(s.calls) AS calls, sum(s.offcpu_ns) AS offcpu_ns,
       sum(s.ctx_switches) AS ctx_switches, r.thread_ns,
       CASE WHEN r.thread_ns > 0 THEN 100.0 * sum(s.offcpu_ns) / r.thread_ns END AS share_pct
FROM v_trace_syscalls s JOIN trace_run r ON r.id = s.run_id
GROUP BY s.run_id, s.class;

-- Every trace run and port run has an identity of its own (uid, 128
-- random bits), so that 'parakit db merge' can carry runs from database to
-- database and a run merged twice is stored once. A trigger gives one to
-- each row inserted without it, whoever writes the row; a merge inserts
-- the row with the uid it had.
ALTER TABLE trace_run ADD COLUMN uid TEXT;
UPDATE trace_run SET uid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX trace_run_uid ON trace_run(uid);
CREATE TRIGGER trace_run_uid AFTER INSERT ON trace_run WHEN new.uid IS NULL
BEGIN
	UPDATE trace_run SET uid = lower(hex(randomblob(16))) WHERE id = new.id;
END;

ALTER TABLE port_run ADD COLUMN uid TEXT;
UPDATE port_run SET uid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX port_run_uid ON port_run(uid);
CREATE TRIGGER port_run_uid AFTER INSERT ON port_run WHEN new.uid IS NULL
BEGIN
	UPDATE port_run SET uid = lower(hex(randomblob(16))) WHERE id = new.id;
END;
