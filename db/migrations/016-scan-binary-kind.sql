-- parakit scan --syscalls: what kind of binary each analysed one is, so
-- that the report can count static, Go and stripped binaries (issue 17).
-- Rows a scan before this migration wrote have NULL in both.

-- go: '' not a Go binary; else its Go version from the build info
-- ('go1.19.8'), or 'go' when the file does not say (no build info, an old
-- Go). stripped: 1 when the file has no .symtab (stripped, or sstripped:
-- no section headers at all), 0 when it has one.
ALTER TABLE binary_sys ADD COLUMN go TEXT;
ALTER TABLE binary_sys ADD COLUMN stripped INTEGER;

-- A row per analysed binary per version of its package (as v_syscalls):
-- its ABI, whether it was analysed, static (binary.static), go, stripped,
-- its syscall sites and those of no constant number, and the size of its
-- set (syscalls: the system calls it can issue, 'unknown' not counted).
CREATE VIEW v_syscall_binaries AS
SELECT p.name AS package, p.version AS version, f.path AS member_path,
       s.abi AS abi, s.status AS status, b.static AS static, s.go AS go, s.stripped AS stripped,
       s.sites AS sites, s.unknown_sites AS unknown_sites,
       (SELECT count(*) FROM binary_syscall c WHERE c.binary_id = s.binary_id AND c.syscall <> 'unknown')
           AS syscalls
FROM binary_sys s
JOIN binary b ON b.id = s.binary_id
JOIN file f ON f.binary_id = s.binary_id
JOIN package p ON p.id = f.package_id;
