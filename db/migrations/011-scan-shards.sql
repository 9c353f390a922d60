-- Sharded scans at scale (issue 19). A run made with --shard K/N records
-- which slice of which input list it read: shard_set is the identity of
-- the set of N slices (scan_inputs_set_id(): N and every input's path and
-- size), so 'parakit db merge' can count the shards of a set, name those
-- it lacks or that did not finish (finished NULL), and refuse to merge an
-- incomplete set. Every run gets an identity of its own (uid, 128 random
-- bits), so a run merged twice is stored once.
ALTER TABLE scan_run ADD COLUMN uid TEXT;
UPDATE scan_run SET uid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX scan_run_uid ON scan_run(uid);
ALTER TABLE scan_run ADD COLUMN shard_set TEXT;
ALTER TABLE scan_run ADD COLUMN shard_k INTEGER;
ALTER TABLE scan_run ADD COLUMN shard_n INTEGER;
-- A merge told to go on without some shards (--partial) records itself as
-- a run of that set with no inputs, missing listing the shards it lacked
-- ('2/4 4/4'); a later merge that completes the set removes the record.
ALTER TABLE scan_run ADD COLUMN missing TEXT;

DROP VIEW v_scan_runs;
CREATE VIEW v_scan_runs AS
SELECT id AS run_id, command_line, parakit_version, started, finished,
       inputs, skipped, errors,
       shard_k || '/' || shard_n AS shard, shard_set, missing AS missing_shards
FROM scan_run;
