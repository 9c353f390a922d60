-- parakit report: the views its system call sections read (issue 17).
-- Views only: the tables are 014's.

-- A row per package (counted once across versions, as
-- v_package_functions) per system call a binary of it can issue, with
-- that call's io_uring operation ('' where none). 'unknown' is kept: the
-- report says how many packages have numbers it could not resolve.
CREATE VIEW v_package_syscalls AS
SELECT DISTINCT pv.package_id AS package_id, bs.syscall AS syscall,
       coalesce(u.io_uring_op, '') AS io_uring_op
FROM binary_syscall bs
JOIN file f ON f.binary_id = bs.binary_id
JOIN v_package_versions pv ON pv.version_id = f.package_id
LEFT JOIN catalog_io_uring u ON u.syscall = bs.syscall;

-- A row per package per distinct binary it holds, with what the system
-- call analysis made of the binary (executable: an EXEC or DYN file with
-- no soname, as bench/syscall-footprint.sh counts them): abi and status are NULL when it was
-- scanned without --syscalls, status is 'ok' when its set was found, else
-- why not; syscalls is the size of its set ('unknown' counted as one, as
-- bench/syscall-footprint.sh counts), unknown 1 when the set holds it;
-- go and stripped as binary_sys has them (016: the Go version or '';
-- 1 when the file has no .symtab).
CREATE VIEW v_syscall_analysis AS
SELECT DISTINCT pv.package_id AS package_id, b.id AS binary_id, b.static AS static,
       b.elf_type IN ('EXEC', 'DYN') AND b.soname IS NULL AS executable, s.abi AS abi, s.status AS status,
       s.sites AS sites, s.unknown_sites AS unknown_sites, s.go AS go, s.stripped AS stripped,
       (SELECT count(*) FROM binary_syscall x WHERE x.binary_id = b.id) AS syscalls,
       EXISTS (SELECT 1 FROM binary_syscall x WHERE x.binary_id = b.id AND x.syscall = 'unknown') AS unknown
FROM file f
JOIN binary b ON b.id = f.binary_id
JOIN v_package_versions pv ON pv.version_id = f.package_id
LEFT JOIN binary_sys s ON s.binary_id = b.id;
