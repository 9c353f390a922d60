-- parakit scan: the system calls each binary can issue (issue 17), found
-- statically in its code and through the libraries it links
-- (analyzer/sys_*.c says how).

-- The system call names of each ABI scan met, from libseccomp (filled by
-- scan; meta 'syscall_abi' names the ABI of the machine it ran on). nr
-- 511 is 'unknown': a number that is not a constant where it is used.
CREATE TABLE syscall_name(
	abi  TEXT NOT NULL,              -- x86_64 i386 aarch64
	nr   INTEGER NOT NULL,
	name TEXT NOT NULL,
	PRIMARY KEY(abi, nr)
) WITHOUT ROWID;

-- The catalogue: the io_uring operation that does a system call's work
-- asynchronously (kernel 6.18's opcodes; a syscall without one has no row).
CREATE TABLE catalog_io_uring(
	syscall     TEXT PRIMARY KEY,
	io_uring_op TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO catalog_io_uring(syscall, io_uring_op) VALUES
	('read', 'IORING_OP_READ'), ('pread64', 'IORING_OP_READ'),
	('readv', 'IORING_OP_READV'), ('preadv', 'IORING_OP_READV'), ('preadv2', 'IORING_OP_READV'),
	('write', 'IORING_OP_WRITE'), ('pwrite64', 'IORING_OP_WRITE'),
	('writev', 'IORING_OP_WRITEV'), ('pwritev', 'IORING_OP_WRITEV'), ('pwritev2', 'IORING_OP_WRITEV'),
	('fsync', 'IORING_OP_FSYNC'), ('fdatasync', 'IORING_OP_FSYNC'),
	('sync_file_range', 'IORING_OP_SYNC_FILE_RANGE'),
	('poll', 'IORING_OP_POLL_ADD'), ('ppoll', 'IORING_OP_POLL_ADD'),
	('epoll_ctl', 'IORING_OP_EPOLL_CTL'),
	('epoll_wait', 'IORING_OP_EPOLL_WAIT'), ('epoll_pwait', 'IORING_OP_EPOLL_WAIT'),
	('epoll_pwait2', 'IORING_OP_EPOLL_WAIT'),
	('sendmsg', 'IORING_OP_SENDMSG'), ('recvmsg', 'IORING_OP_RECVMSG'),
	('sendto', 'IORING_OP_SEND'), ('recvfrom', 'IORING_OP_RECV'),
	('accept', 'IORING_OP_ACCEPT'), ('accept4', 'IORING_OP_ACCEPT'),
	('connect', 'IORING_OP_CONNECT'), ('socket', 'IORING_OP_SOCKET'),
	('bind', 'IORING_OP_BIND'), ('listen', 'IORING_OP_LISTEN'),
	('shutdown', 'IORING_OP_SHUTDOWN'),
	('getsockopt', 'IORING_OP_URING_CMD'), ('setsockopt', 'IORING_OP_URING_CMD'),
	('nanosleep', 'IORING_OP_TIMEOUT'), ('clock_nanosleep', 'IORING_OP_TIMEOUT'),
	('open', 'IORING_OP_OPENAT'), ('openat', 'IORING_OP_OPENAT'), ('creat', 'IORING_OP_OPENAT'),
	('openat2', 'IORING_OP_OPENAT2'),
	('close', 'IORING_OP_CLOSE'),
	('stat', 'IORING_OP_STATX'), ('lstat', 'IORING_OP_STATX'), ('fstat', 'IORING_OP_STATX'),
	('newfstatat', 'IORING_OP_STATX'), ('statx', 'IORING_OP_STATX'),
	('fallocate', 'IORING_OP_FALLOCATE'), ('fadvise64', 'IORING_OP_FADVISE'),
	('madvise', 'IORING_OP_MADVISE'),
	('splice', 'IORING_OP_SPLICE'), ('tee', 'IORING_OP_TEE'), ('sendfile', 'IORING_OP_SPLICE'),
	('rename', 'IORING_OP_RENAMEAT'), ('renameat', 'IORING_OP_RENAMEAT'), ('renameat2', 'IORING_OP_RENAMEAT'),
	('unlink', 'IORING_OP_UNLINKAT'), ('unlinkat', 'IORING_OP_UNLINKAT'), ('rmdir', 'IORING_OP_UNLINKAT'),
	('mkdir', 'IORING_OP_MKDIRAT'), ('mkdirat', 'IORING_OP_MKDIRAT'),
	('symlink', 'IORING_OP_SYMLINKAT'), ('symlinkat', 'IORING_OP_SYMLINKAT'),
	('link', 'IORING_OP_LINKAT'), ('linkat', 'IORING_OP_LINKAT'),
	('getxattr', 'IORING_OP_GETXATTR'), ('fgetxattr', 'IORING_OP_FGETXATTR'),
	('setxattr', 'IORING_OP_SETXATTR'), ('fsetxattr', 'IORING_OP_FSETXATTR'),
	('futex', 'IORING_OP_FUTEX_WAIT'), ('futex_waitv', 'IORING_OP_FUTEX_WAITV'),
	('waitid', 'IORING_OP_WAITID'), ('ftruncate', 'IORING_OP_FTRUNCATE'),
	('pipe', 'IORING_OP_PIPE'), ('pipe2', 'IORING_OP_PIPE');

-- What the analysis made of each binary: its ABI, whether it was analysed
-- (status 'ok', or why not: a machine without a decoder yet), how many
-- syscall sites its code holds and how many of those have no constant
-- number.
CREATE TABLE binary_sys(
	binary_id     INTEGER PRIMARY KEY REFERENCES binary(id),
	abi           TEXT NOT NULL,
	status        TEXT NOT NULL,
	sites         INTEGER NOT NULL,
	unknown_sites INTEGER NOT NULL
);

-- A binary's set: one row per system call it can issue, and how: 'direct'
-- (its own code; for a static binary, all it can reach from its entry
-- point), an imported function that reaches it, a library whose
-- initialisers or finalisers reach it (its name), or the dynamic loader's
-- path (what ld.so itself issues). 'unknown' stands for numbers that are
-- not constant, or imports no library defines.
CREATE TABLE binary_syscall(
	binary_id INTEGER NOT NULL REFERENCES binary(id),
	syscall   TEXT NOT NULL,
	via       TEXT NOT NULL,
	PRIMARY KEY(binary_id, syscall)
) WITHOUT ROWID;
CREATE INDEX binary_syscall_name ON binary_syscall(syscall);

-- The cache of library maps, by the library's content identity (the hash
-- binary.hash would have): each exported symbol and the set it reaches,
-- its imports bound; name '' is its initialisers and finalisers. Read back by scan so that a library is analysed once
-- per database. Sets are interned: bits is the little-endian bitmap of
-- syscall numbers (bit 511: unknown), trailing zero bytes cut.
CREATE TABLE syscall_set(
	id   INTEGER PRIMARY KEY,
	bits BLOB NOT NULL UNIQUE
);
CREATE TABLE syscall_lib(
	id           INTEGER PRIMARY KEY,
	hash         TEXT NOT NULL UNIQUE,
	abi          TEXT NOT NULL,
	soname       TEXT,
	rpath        TEXT,
	runpath      TEXT,
	needed       TEXT NOT NULL,      -- DT_NEEDED, newline-separated
	entry_set_id INTEGER REFERENCES syscall_set(id)  -- what its entry point reaches (ld.so)
);
CREATE TABLE syscall_lib_fn(
	lib_id     INTEGER NOT NULL REFERENCES syscall_lib(id),
	name       TEXT NOT NULL,
	version    TEXT NOT NULL,        -- '' : none
	is_default INTEGER NOT NULL,
	set_id     INTEGER NOT NULL REFERENCES syscall_set(id),
	PRIMARY KEY(lib_id, name, version)
) WITHOUT ROWID;

-- A row per binary per system call, per version of its package (as
-- v_imports).
CREATE VIEW v_syscalls AS
SELECT p.name AS package, p.version AS version, f.path AS member_path, bs.syscall AS syscall, bs.via AS via
FROM binary_syscall bs
JOIN file f ON f.binary_id = bs.binary_id
JOIN package p ON p.id = f.package_id;

-- Every system call of the ABI scan ran on, 0 included, with the packages
-- (counted once across versions, as v_function_usage) and binaries whose
-- set holds it, and its io_uring operation ('' where none).
CREATE VIEW v_syscall_usage AS
SELECT n.name AS syscall,
       count(DISTINCT pv.package_id) AS packages,
       count(DISTINCT f.binary_id) AS binaries,
       coalesce(u.io_uring_op, '') AS io_uring_op
FROM syscall_name n
LEFT JOIN binary_syscall bs ON bs.syscall = n.name
LEFT JOIN file f ON f.binary_id = bs.binary_id
LEFT JOIN v_package_versions pv ON pv.version_id = f.package_id
LEFT JOIN catalog_io_uring u ON u.syscall = n.name
WHERE n.abi = (SELECT value FROM meta WHERE key = 'syscall_abi')
GROUP BY n.name;
