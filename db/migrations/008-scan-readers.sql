-- What other parts read of the scanner's tables, as stable views (shim
-- looks a binary up by the identity scan records; report counts the
-- corpus), so that no part reads another's raw tables.

-- One row per binary, known by its identity (analyzer/elf.h elf_identify).
-- binary_id is the key other parts' tables refer to (shim_build).
CREATE VIEW v_binaries AS
SELECT id AS binary_id, hash, size, class, endian, elf_type, machine,
       static, interp, soname
FROM binary;

-- What each binary imports, by its identity, whatever package holds it.
CREATE VIEW v_binary_imports AS
SELECT DISTINCT b.hash AS hash, s.name AS symbol, s.posix_name AS posix_name
FROM binary b
JOIN import i ON i.binary_id = b.id
JOIN symbol s ON s.id = i.symbol_id;

-- Per package: its binaries (package_id orders them as they were scanned).
CREATE VIEW v_package_binaries AS
SELECT p.id AS package_id, p.name AS package, p.version AS version,
       count(DISTINCT f.binary_id) AS binaries
FROM package p JOIN file f ON f.package_id = p.id
GROUP BY p.id;

-- Per package, each catalogue function one of its binaries imports.
CREATE VIEW v_package_functions AS
SELECT DISTINCT f.package_id AS package_id, s.posix_name AS function
FROM file f
JOIN import i ON i.binary_id = f.binary_id
JOIN symbol s ON s.id = i.symbol_id
WHERE s.posix_name IS NOT NULL;

-- The corpus in three numbers.
CREATE VIEW v_corpus AS
SELECT (SELECT count(*) FROM package) AS packages,
       (SELECT count(*) FROM binary) AS binaries,
       (SELECT count(*) FROM import) AS imports;

-- Every package, and its dependencies as its metadata states them (report's
-- PageRank weights walk them).
CREATE VIEW v_packages AS
SELECT id AS package_id, name AS package, version, arch, format FROM package;

CREATE VIEW v_package_deps AS
SELECT package_id, kind, alt, name, version FROM package_dep;

-- Imported symbols that map to no POSIX function, with how widely they are
-- linked; origin 'glibc' when bound to a GLIBC_* version.
CREATE VIEW v_nonposix_usage AS
SELECT s.name AS symbol,
       CASE WHEN max(v.name GLOB 'GLIBC_*') THEN 'glibc' ELSE coalesce(max(v.name), 'unversioned') END AS origin,
       count(DISTINCT f.package_id) AS packages,
       count(DISTINCT f.binary_id) AS binaries
FROM import i
JOIN symbol s ON s.id = i.symbol_id
JOIN file f ON f.binary_id = i.binary_id
LEFT JOIN symver v ON v.id = i.symver_id
WHERE s.posix_name IS NULL
GROUP BY s.id;
