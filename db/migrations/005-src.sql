-- parakit src: the call sites of C source trees, found with libclang. A
-- tree is known by its root; each run replaces the tree's rows in one
-- transaction, so a re-run over the same sources gives the same rows.
-- Paths of the tree's files are relative to its root; positions (line,
-- col, from 1) are those of the callee's name as the tree's file spells it
-- (inside a macro argument, where the argument is written; inside a macro
-- body, where the macro is expanded).
CREATE TABLE source_tree(
	id     INTEGER PRIMARY KEY,
	root   TEXT NOT NULL UNIQUE,     -- absolute
	run_id INTEGER                   -- the run that wrote its rows
);

CREATE TABLE src_run(
	id              INTEGER PRIMARY KEY,
	tree_id         INTEGER NOT NULL REFERENCES source_tree(id),
	command_line    TEXT NOT NULL,
	parakit_version TEXT NOT NULL,
	started         TEXT NOT NULL,
	seconds         REAL NOT NULL,
	flags_from      TEXT NOT NULL,   -- 'compile_commands.json' or 'command line'
	tus             INTEGER NOT NULL,
	tus_clean       INTEGER NOT NULL,
	tus_failed      INTEGER NOT NULL -- no AST at all (the rest had errors)
);

-- Translation units: status 'clean', 'errors' (diagnostics of error
-- severity; what clang could still parse is recorded) or 'failed'.
CREATE TABLE src_tu(
	tree_id    INTEGER NOT NULL REFERENCES source_tree(id),
	file       TEXT NOT NULL,
	directory  TEXT NOT NULL,
	arguments  TEXT NOT NULL,        -- the command, shell-quoted
	status     TEXT NOT NULL,
	errors     INTEGER NOT NULL,
	seconds    REAL NOT NULL,
	PRIMARY KEY(tree_id, file)
) WITHOUT ROWID;

-- kind 'call': a call whose callee resolves to a function; 'address': a
-- function named other than as a callee (f = read, a table of handlers).
-- callee is the function clang resolved (__printf_chk for a fortified
-- printf), posix_name the catalogue's after glibc's renames are undone.
-- in_macro: written inside a macro expansion; macro_arg: in a macro's
-- arguments (macro: the outermost macro invoked), else in a macro's body
-- (macro: that one). A fortify macro named after the function it calls
-- (printf expanding to __printf_chk) is no macro here: a direct call.
-- seq numbers the calls of one callee at one position (one macro body
-- may make several).
-- ret_used: NULL for void callees and addresses. errno_after: errno is
-- used after this call, before the next POSIX call of the function.
-- A header's call sites are stored once, whichever TUs include it.
CREATE TABLE call_site(
	id          INTEGER PRIMARY KEY,
	tree_id     INTEGER NOT NULL REFERENCES source_tree(id),
	file        TEXT NOT NULL,
	line        INTEGER NOT NULL,
	col         INTEGER NOT NULL,
	caller      TEXT,                -- NULL: at file scope
	callee      TEXT NOT NULL,
	posix_name  TEXT,
	kind        TEXT NOT NULL,
	in_macro    INTEGER NOT NULL,
	macro       TEXT,
	macro_arg   INTEGER NOT NULL,
	seq         INTEGER NOT NULL DEFAULT 0,
	ret_used    INTEGER,
	errno_after INTEGER NOT NULL,
	UNIQUE(tree_id, file, line, col, callee, kind, seq)
);
CREATE INDEX call_site_posix ON call_site(posix_name) WHERE posix_name IS NOT NULL;

-- errno read or written; after_*: the POSIX call before it in the same
-- function (NULL when none), which a rewrite must keep errno-exact.
CREATE TABLE src_errno_use(
	tree_id    INTEGER NOT NULL REFERENCES source_tree(id),
	file       TEXT NOT NULL,
	line       INTEGER NOT NULL,
	col        INTEGER NOT NULL,
	caller     TEXT,
	after_line INTEGER,
	after_col  INTEGER,
	after_posix_name TEXT,
	PRIMARY KEY(tree_id, file, line, col)
) WITHOUT ROWID;

-- #if branches the preprocessor skipped: not analysed.
CREATE TABLE src_skipped(
	tree_id    INTEGER NOT NULL REFERENCES source_tree(id),
	file       TEXT NOT NULL,
	first_line INTEGER NOT NULL,
	last_line  INTEGER NOT NULL,
	PRIMARY KEY(tree_id, file, first_line)
) WITHOUT ROWID;

-- Diagnostics of error severity of TUs that did not parse cleanly (at most
-- 50 per TU); file is tree-relative when the tree's, else as clang said.
CREATE TABLE src_error(
	id       INTEGER PRIMARY KEY,
	tree_id  INTEGER NOT NULL REFERENCES source_tree(id),
	tu       TEXT NOT NULL,
	severity TEXT NOT NULL,          -- 'error' or 'fatal'
	file     TEXT,
	line     INTEGER,
	col      INTEGER,
	message  TEXT NOT NULL
);
CREATE INDEX src_error_tree ON src_error(tree_id, tu);

CREATE VIEW v_call_sites AS
SELECT t.root AS tree, s.file, s.line, s.col, s.caller, s.callee, s.posix_name,
       coalesce(c.blocking, 0) AS blocking, s.in_macro
FROM call_site s
JOIN source_tree t ON t.id = s.tree_id
LEFT JOIN catalog_function c ON c.name = s.posix_name
WHERE s.kind = 'call';

CREATE VIEW v_src_address_taken AS
SELECT t.root AS tree, s.file, s.line, s.col, s.caller, s.callee, s.posix_name
FROM call_site s JOIN source_tree t ON t.id = s.tree_id
WHERE s.kind = 'address';

CREATE VIEW v_src_errno_uses AS
SELECT t.root AS tree, e.file, e.line, e.col, e.caller, e.after_line, e.after_col,
       e.after_posix_name
FROM src_errno_use e JOIN source_tree t ON t.id = e.tree_id;

CREATE VIEW v_src_errors AS
SELECT t.root AS tree, e.tu, e.severity, e.file, e.line, e.col, e.message
FROM src_error e JOIN source_tree t ON t.id = e.tree_id;

CREATE VIEW v_src_runs AS
SELECT r.id AS run_id, t.root AS tree, r.command_line, r.started, r.seconds, r.flags_from,
       r.tus, r.tus_clean, r.tus_failed
FROM src_run r JOIN source_tree t ON t.id = r.tree_id;
