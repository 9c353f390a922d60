-- parakit scan: packages, the files they hold, the ELF binaries among them
-- (identified by content hash, so a binary seen twice is stored once), and
-- what each binary imports and exports. Imported names and versions are
-- interned: a distribution's imports repeat the same few thousand names.
CREATE TABLE scan_run(
	id              INTEGER PRIMARY KEY,
	command_line    TEXT NOT NULL,
	parakit_version TEXT NOT NULL,
	started         TEXT NOT NULL,
	finished        TEXT,            -- NULL: interrupted
	inputs          INTEGER NOT NULL DEFAULT 0,
	skipped         INTEGER NOT NULL DEFAULT 0,
	errors          INTEGER NOT NULL DEFAULT 0
);

-- key: 'deb:NAME:VERSION:ARCH', 'rpm:...', 'apk:...', 'android:FILE',
-- 'file:/PATH' for a loose file no package owns. The same package seen
-- installed (dpkg) and as an archive has one key, hence one row.
CREATE TABLE package(
	id      INTEGER PRIMARY KEY,
	key     TEXT NOT NULL UNIQUE,
	name    TEXT NOT NULL,
	version TEXT NOT NULL,
	arch    TEXT NOT NULL,
	format  TEXT NOT NULL            -- deb rpm apk android tar file
);

-- Depends/Pre-Depends/Requires: alt numbers the alternatives of one field
-- entry ('a | b' gives two rows with the same alt).
CREATE TABLE package_dep(
	package_id INTEGER NOT NULL REFERENCES package(id),
	kind       TEXT NOT NULL,
	alt        INTEGER NOT NULL,
	name       TEXT NOT NULL,
	version    TEXT,
	PRIMARY KEY(package_id, kind, alt, name)
) WITHOUT ROWID;

-- An input file (archive or loose file) that was read to the end.
CREATE TABLE artifact(
	id         INTEGER PRIMARY KEY,
	path       TEXT NOT NULL,
	kind       TEXT NOT NULL,        -- elf deb rpm apk android tar
	size       INTEGER NOT NULL,
	hash       TEXT NOT NULL,        -- XXH3-128 (for binaries: elf_identify(), analyzer/elf.h)
	package_id INTEGER REFERENCES package(id),
	run_id     INTEGER REFERENCES scan_run(id),
	errors     INTEGER NOT NULL DEFAULT 0,
	UNIQUE(path, hash)
);
CREATE INDEX artifact_hash ON artifact(hash);

CREATE TABLE binary(
	id       INTEGER PRIMARY KEY,
	hash     TEXT NOT NULL UNIQUE,   -- XXH3-128 identity: whole up to 1 MiB, else linkage bytes
	size     INTEGER NOT NULL,
	class    INTEGER NOT NULL,       -- 32 or 64
	endian   TEXT NOT NULL,          -- 'le' or 'be'
	elf_type TEXT NOT NULL,          -- EXEC DYN REL CORE ...
	machine  TEXT NOT NULL,
	static   INTEGER NOT NULL,
	interp   TEXT,
	soname   TEXT
);

-- Where a binary sits: in a package, at a path (absolute, as installed).
CREATE TABLE file(
	package_id  INTEGER NOT NULL REFERENCES package(id),
	path        TEXT NOT NULL,
	binary_id   INTEGER NOT NULL REFERENCES binary(id),
	artifact_id INTEGER NOT NULL,
	PRIMARY KEY(package_id, path)
) WITHOUT ROWID;
CREATE INDEX file_binary ON file(binary_id);

CREATE TABLE needed(
	binary_id INTEGER NOT NULL REFERENCES binary(id),
	seq       INTEGER NOT NULL,
	lib       TEXT NOT NULL,
	PRIMARY KEY(binary_id, seq)
) WITHOUT ROWID;

CREATE TABLE symbol(
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	posix_name TEXT                  -- catalogue name after undoing glibc's renames
);
CREATE INDEX symbol_posix ON symbol(posix_name) WHERE posix_name IS NOT NULL;

CREATE TABLE symver(
	id   INTEGER PRIMARY KEY,        -- 0 is reserved for 'no version'
	name TEXT NOT NULL UNIQUE
);

CREATE TABLE import(
	binary_id INTEGER NOT NULL REFERENCES binary(id),
	symbol_id INTEGER NOT NULL REFERENCES symbol(id),
	symver_id INTEGER NOT NULL,      -- 0: unversioned
	weak      INTEGER NOT NULL,
	PRIMARY KEY(binary_id, symbol_id, symver_id)
) WITHOUT ROWID;
CREATE INDEX import_symbol ON import(symbol_id);

-- Exports are not interned: most are names unique to their library (a C++
-- library exports tens of thousands), for which a global name index would
-- cost more than it saves; stored by binary, their inserts are appends.
CREATE TABLE export(
	binary_id  INTEGER NOT NULL REFERENCES binary(id),
	name       TEXT NOT NULL,
	symver_id  INTEGER NOT NULL,
	is_default INTEGER NOT NULL,     -- name@@VER (1) or name@VER (0)
	PRIMARY KEY(binary_id, name, symver_id)
) WITHOUT ROWID;

-- What could not be read, with the library's reason. member_path is ''
-- when the whole input failed.
CREATE TABLE scan_error(
	id          INTEGER PRIMARY KEY,
	run_id      INTEGER REFERENCES scan_run(id),
	input       TEXT NOT NULL,
	package     TEXT NOT NULL,
	member_path TEXT NOT NULL,
	reason      TEXT NOT NULL,
	UNIQUE(input, member_path, reason)
);

CREATE VIEW v_imports AS
SELECT p.name AS package, p.version AS version, f.path AS member_path,
       s.name AS symbol, v.name AS symbol_version, s.posix_name AS posix_name
FROM file f
JOIN package p ON p.id = f.package_id
JOIN import i ON i.binary_id = f.binary_id
JOIN symbol s ON s.id = i.symbol_id
LEFT JOIN symver v ON v.id = i.symver_id;

CREATE VIEW v_exports AS
SELECT p.name AS package, p.version AS version, f.path AS member_path,
       e.name AS symbol, v.name AS symbol_version, e.is_default AS is_default
FROM file f
JOIN package p ON p.id = f.package_id
JOIN export e ON e.binary_id = f.binary_id
LEFT JOIN symver v ON v.id = e.symver_id;

CREATE VIEW v_function_usage AS
SELECT c.name AS function, c.category AS category,
       count(DISTINCT f.package_id) AS packages,
       count(DISTINCT f.binary_id) AS binaries
FROM catalog_function c
LEFT JOIN symbol s ON s.posix_name = c.name
LEFT JOIN import i ON i.symbol_id = s.id
LEFT JOIN file f ON f.binary_id = i.binary_id
GROUP BY c.name;

CREATE VIEW v_scan_errors AS
SELECT package, member_path, reason FROM scan_error;

CREATE VIEW v_scan_runs AS
SELECT id AS run_id, command_line, parakit_version, started, finished,
       inputs, skipped, errors
FROM scan_run;
