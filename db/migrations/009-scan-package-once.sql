-- A package counts once, whatever number of its versions the corpus holds
-- (issue 21): the apt cache held nginx, bpftool and apache2-utils in two
-- versions each, and v_function_usage counted package rows, so memcpy was
-- in 725 packages where v_imports names 722, and the report's shares and
-- Figure 1 were off by as much.
--
-- The rule: a package is its name within its format (deb, rpm, apk,
-- android, tar: two architectures of one name are one package too); a
-- loose file no package owns (format 'file') is its own package, by its
-- path, whatever its name. A package holds the binaries of all its
-- versions, so it uses a function when a binary of any of its versions
-- imports it. Versions are not ranked: SQLite has no dpkg (nor rpm, apk)
-- version order, and the rule by name needs none; it is also the paper's
-- count (packages, one release). A package's package_id is that of its
-- first version scanned (the smallest package.id). Every view that counts
-- or lists packages below follows the rule; v_imports and v_exports still
-- give a row per version.

CREATE INDEX package_name ON package(name, format);

-- Each version of a package (a package row: version_id) and the package it
-- counts as (package_id).
CREATE VIEW v_package_versions AS
SELECT min(id) OVER (PARTITION BY format, CASE format WHEN 'file' THEN key ELSE name END) AS package_id,
       id AS version_id, name AS package, version, arch, format
FROM package;

-- A row per package: its versions and architectures, comma-separated in
-- the order they were scanned.
DROP VIEW v_packages;
CREATE VIEW v_packages AS
SELECT package_id, package, group_concat(DISTINCT version) AS version,
       group_concat(DISTINCT arch) AS arch, format
FROM (SELECT * FROM v_package_versions ORDER BY package_id, version_id)
GROUP BY package_id;

-- The dependencies any version states; a group of alternatives keeps its
-- position (alt), so versions with the same dependencies give them once;
-- version: the constraints the versions put on that name, comma-separated.
DROP VIEW v_package_deps;
CREATE VIEW v_package_deps AS
SELECT pv.package_id AS package_id, d.kind AS kind, d.alt AS alt, d.name AS name,
       group_concat(DISTINCT d.version) AS version
FROM package_dep d JOIN v_package_versions pv ON pv.version_id = d.package_id
GROUP BY pv.package_id, d.kind, d.alt, d.name;

DROP VIEW v_function_usage;
CREATE VIEW v_function_usage AS
SELECT c.name AS function, c.category AS category,
       count(DISTINCT pv.package_id) AS packages,
       count(DISTINCT f.binary_id) AS binaries
FROM catalog_function c
LEFT JOIN symbol s ON s.posix_name = c.name
LEFT JOIN import i ON i.symbol_id = s.id
LEFT JOIN file f ON f.binary_id = i.binary_id
LEFT JOIN v_package_versions pv ON pv.version_id = f.package_id
GROUP BY c.name;

DROP VIEW v_package_binaries;
CREATE VIEW v_package_binaries AS
SELECT p.package_id AS package_id, p.package AS package, p.version AS version,
       count(DISTINCT f.binary_id) AS binaries
FROM v_packages p
JOIN v_package_versions pv ON pv.package_id = p.package_id
JOIN file f ON f.package_id = pv.version_id
GROUP BY p.package_id;

DROP VIEW v_package_functions;
CREATE VIEW v_package_functions AS
SELECT DISTINCT pv.package_id AS package_id, s.posix_name AS function
FROM file f
JOIN v_package_versions pv ON pv.version_id = f.package_id
JOIN import i ON i.binary_id = f.binary_id
JOIN symbol s ON s.id = i.symbol_id
WHERE s.posix_name IS NOT NULL;

DROP VIEW v_corpus;
CREATE VIEW v_corpus AS
SELECT (SELECT count(DISTINCT package_id) FROM v_package_versions) AS packages,
       (SELECT count(*) FROM binary) AS binaries,
       (SELECT count(*) FROM import) AS imports;

DROP VIEW v_nonposix_usage;
CREATE VIEW v_nonposix_usage AS
SELECT s.name AS symbol,
       CASE WHEN max(v.name GLOB 'GLIBC_*') THEN 'glibc' ELSE coalesce(max(v.name), 'unversioned') END AS origin,
       count(DISTINCT pv.package_id) AS packages,
       count(DISTINCT f.binary_id) AS binaries
FROM import i
JOIN symbol s ON s.id = i.symbol_id
JOIN file f ON f.binary_id = i.binary_id
JOIN v_package_versions pv ON pv.version_id = f.package_id
LEFT JOIN symver v ON v.id = i.symver_id
WHERE s.posix_name IS NULL
GROUP BY s.id;
