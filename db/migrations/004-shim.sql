-- parakit shim: per binary (by content hash), the decision taken for each
-- function it imports, and where the built library went. A binary shimmed
-- again replaces its previous decisions (the newest build wins).
CREATE TABLE shim_build(
	id         INTEGER PRIMARY KEY,
	hash       TEXT NOT NULL UNIQUE,   -- XXH3-128 of the binary, as binary.hash
	binary_id  INTEGER REFERENCES binary(id),
	path       TEXT NOT NULL,          -- the binary as given, made absolute
	output     TEXT,                   -- the .so; NULL when refused
	refused    TEXT,                   -- why no shim can serve it, or NULL
	routed     INTEGER NOT NULL DEFAULT 0,
	passed     INTEGER NOT NULL DEFAULT 0,
	unsafe     INTEGER NOT NULL DEFAULT 0,
	built      TEXT NOT NULL,          -- UTC
	parakit_version TEXT NOT NULL
);

-- decision: 'routed' (libpk implements it), 'passed' (left to libc),
-- 'unsafe' (would break the program under a shim). function is the symbol
-- as imported (read, __read_chk, open64...).
CREATE TABLE shim_decision(
	build_id INTEGER NOT NULL REFERENCES shim_build(id) ON DELETE CASCADE,
	function TEXT NOT NULL,
	decision TEXT NOT NULL CHECK (decision IN ('routed', 'passed', 'unsafe')),
	reason   TEXT NOT NULL,
	PRIMARY KEY(build_id, function)
) WITHOUT ROWID;

-- A refused binary has one row: function NULL, decision 'refused'.
CREATE VIEW v_shims AS
SELECT b.path AS binary, d.function AS function, d.decision AS decision, d.reason AS reason
FROM shim_build b JOIN shim_decision d ON d.build_id = b.id
UNION ALL
SELECT b.path, NULL, 'refused', b.refused FROM shim_build b WHERE b.refused IS NOT NULL;
