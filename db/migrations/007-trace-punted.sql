-- io_uring operations the kernel handed to an io-wq worker thread
-- (tracepoint io_uring_queue_async_work): it could not start them without
-- blocking, so a kernel thread blocks instead. Shows where "asynchronous"
-- I/O still blocks (small buffered writes that extend a file, for one).
ALTER TABLE trace_uring ADD COLUMN punted INTEGER NOT NULL DEFAULT 0;

DROP VIEW v_trace_uring;
CREATE VIEW v_trace_uring AS
SELECT run_id, name AS opcode, submitted, completed, errors, punted FROM trace_uring;
