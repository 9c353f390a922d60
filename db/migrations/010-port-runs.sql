-- Every port run keeps its call sites (issue 14), so that two ports of one
-- tree (compat and fibers, or before and after a change) can be compared:
-- a run no longer replaces the tree's earlier rows. A site belongs to the
-- run that wrote it; rows written before this migration belong to their
-- tree's last run, the only one whose sites were kept.
ALTER TABLE port_site ADD COLUMN run_id INTEGER REFERENCES port_run(id);
UPDATE port_site SET run_id = (SELECT max(r.id) FROM port_run r WHERE r.tree_id = port_site.tree_id);
CREATE INDEX port_site_run ON port_site(run_id);

-- v_port_sites keeps its columns and adds the run's id and level last: a
-- reader of one run selects it by run_id (v_port_runs has each run's).
DROP VIEW v_port_sites;
CREATE VIEW v_port_sites AS
SELECT t.root AS tree, p.file, p.line, p.col, p.caller, p.callee, p.action, p.reason,
       p.run_id, r.level
FROM port_site p JOIN source_tree t ON t.id = p.tree_id JOIN port_run r ON r.id = p.run_id;
