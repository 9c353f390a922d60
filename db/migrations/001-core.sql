-- The core: key/value facts about the database, and the POSIX catalogue
-- (shared/data/posix-functions.tsv, loaded by db.c; later parts enrich it).
CREATE TABLE meta(
	key   TEXT PRIMARY KEY,
	value TEXT
) WITHOUT ROWID;

CREATE TABLE catalog_function(
	name          TEXT PRIMARY KEY,
	header        TEXT,
	status        TEXT NOT NULL,     -- 'posix2008' or 'legacy'
	category      TEXT,              -- one of Atlidakis et al.'s 14, or NULL
	blocking      INTEGER,           -- 1: may block the caller (set by later parts)
	syscalls      TEXT,
	pk_equivalent TEXT
) WITHOUT ROWID;
