-- parakit scan --syscalls: the constant request codes of ioctl, fcntl and
-- prctl at their call sites, and the pseudo-file paths (/proc, /sys, /dev)
-- a binary's read-only data holds, as Tsai et al. (EuroSys '16) counted
-- them beside system calls (issue 17; analyzer/sys_requests.c says how).

-- The catalogue of request names, made at build time from this machine's
-- kernel headers (linux-libc-dev: analyzer/gen_requests.sh names the
-- headers) and filled by scan: one name per (syscall, request), the first
-- the headers define for it.
CREATE TABLE catalog_request(
	syscall TEXT NOT NULL,          -- ioctl fcntl prctl
	request INTEGER NOT NULL,
	name    TEXT NOT NULL,
	PRIMARY KEY(syscall, request)
) WITHOUT ROWID;

-- A binary's request codes: one row per (syscall, request) with the way
-- it comes, as binary_syscall's via ('direct': its own call sites; else
-- the imported function, or the library whose initialisers, reach it).
-- request NULL: a site whose code is not a constant there (never guessed).
CREATE TABLE binary_request(
	binary_id INTEGER NOT NULL REFERENCES binary(id),
	syscall   TEXT NOT NULL,
	request   INTEGER,
	via       TEXT NOT NULL,
	UNIQUE(binary_id, syscall, request)
);
CREATE INDEX binary_request_code ON binary_request(syscall, request);

-- The pseudo-file paths a binary holds as string constants, as written
-- ("/proc/%d/stat" stays a format).
CREATE TABLE binary_pseudo_file(
	binary_id INTEGER NOT NULL REFERENCES binary(id),
	path      TEXT NOT NULL,
	PRIMARY KEY(binary_id, path)
) WITHOUT ROWID;
CREATE INDEX binary_pseudo_file_path ON binary_pseudo_file(path);

-- A row per binary per request code, per version of its package (as
-- v_syscalls); request is 'unknown' where the code is not a constant.
CREATE VIEW v_syscall_requests AS
SELECT p.name AS package, p.version AS version, f.path AS member_path, r.syscall AS syscall,
       coalesce(r.request, 'unknown') AS request, r.via AS via
FROM binary_request r
JOIN file f ON f.binary_id = r.binary_id
JOIN package p ON p.id = f.package_id;

-- Every request code of the catalogue (0 included) and every other one a
-- binary uses, with its name ('' where the catalogue has none, 'unknown'
-- for codes that are not constant), and the packages (counted once across
-- versions, as v_syscall_usage) and binaries that use it.
CREATE VIEW v_request_usage AS
WITH codes(syscall, request) AS (
	SELECT syscall, request FROM catalog_request
	UNION SELECT DISTINCT syscall, request FROM binary_request
)
SELECT c.syscall AS syscall, coalesce(c.request, 'unknown') AS request,
       CASE WHEN c.request IS NULL THEN 'unknown' ELSE coalesce(n.name, '') END AS name,
       count(DISTINCT pv.package_id) AS packages,
       count(DISTINCT f.binary_id) AS binaries
FROM codes c
LEFT JOIN catalog_request n ON n.syscall = c.syscall AND n.request = c.request
LEFT JOIN binary_request r ON r.syscall = c.syscall AND r.request IS c.request
LEFT JOIN file f ON f.binary_id = r.binary_id
LEFT JOIN v_package_versions pv ON pv.version_id = f.package_id
GROUP BY c.syscall, c.request;

CREATE VIEW v_pseudo_files AS
SELECT p.name AS package, p.version AS version, f.path AS member_path, q.path AS path
FROM binary_pseudo_file q
JOIN file f ON f.binary_id = q.binary_id
JOIN package p ON p.id = f.package_id;

CREATE VIEW v_pseudo_file_usage AS
SELECT q.path AS path,
       count(DISTINCT pv.package_id) AS packages,
       count(DISTINCT f.binary_id) AS binaries
FROM binary_pseudo_file q
LEFT JOIN file f ON f.binary_id = q.binary_id
LEFT JOIN v_package_versions pv ON pv.version_id = f.package_id
GROUP BY q.path;
