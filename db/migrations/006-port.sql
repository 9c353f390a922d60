-- parakit port: what the rewrite onto libpk did with each call site of a
-- tree (the trees and call sites are parakit src's, written by the same
-- run). A run replaces the tree's port_site rows; port_run keeps every run.
CREATE TABLE port_run(
	id              INTEGER PRIMARY KEY,
	tree_id         INTEGER NOT NULL REFERENCES source_tree(id),
	level           TEXT NOT NULL,   -- 'compat' or 'fibers'
	command_line    TEXT NOT NULL,
	parakit_version TEXT NOT NULL,
	started         TEXT NOT NULL,
	seconds         REAL NOT NULL,
	sites           INTEGER NOT NULL,
	rewritten       INTEGER NOT NULL,
	files_changed   INTEGER NOT NULL,
	applied         INTEGER NOT NULL -- 1: --apply, 0: a diff
);

-- action 'rewritten' or 'left'; reason says why a site was left (NULL
-- when rewritten). Positions as in call_site: where the tree's file
-- spells the callee (a macro's use for a call its body makes); calls in
-- #if branches not compiled are found in the text and always left.
-- blocking: the catalogue's (close, socket, fcntl move with the blocking
-- calls without blocking themselves).
CREATE TABLE port_site(
	tree_id    INTEGER NOT NULL REFERENCES source_tree(id),
	file       TEXT NOT NULL,
	line       INTEGER NOT NULL,
	col        INTEGER NOT NULL,
	caller     TEXT,
	callee     TEXT NOT NULL,
	posix_name TEXT,
	blocking   INTEGER NOT NULL,
	action     TEXT NOT NULL,
	reason     TEXT
);
CREATE INDEX port_site_tree ON port_site(tree_id, file, line);

CREATE VIEW v_port_sites AS
SELECT t.root AS tree, p.file, p.line, p.col, p.caller, p.callee, p.action, p.reason
FROM port_site p JOIN source_tree t ON t.id = p.tree_id;

CREATE VIEW v_port_runs AS
SELECT r.id AS run_id, t.root AS tree, r.level, r.command_line, r.started, r.seconds, r.sites,
       r.rewritten, r.files_changed, r.applied
FROM port_run r JOIN source_tree t ON t.id = r.tree_id;
