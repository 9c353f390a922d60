/*
 * The scan pipeline, inside analyzer/: inputs are classified and sharded
 * (scan_inputs.c), each is read by a worker into a struct scan_result
 * (elf_read.c for ELF, pkg_archive.c and pkg_rpm.c for packages, pkg_dpkg.c
 * to attribute loose files), and the result of one input is written to the
 * database in one go (scan_writer.c), so a killed run never leaves half an
 * input behind.
 */
#ifndef ANALYZER_SCAN_H
#define ANALYZER_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <gelf.h>
#include <sys/types.h>
#include <xxhash.h>

#include "analyzer/sys.h"

/* A growable arena of NUL-terminated strings addressed by offset, so it may
 * move. Offset 0 is the empty string. */
struct strpool {
	char *buf;
	size_t len, cap;
};
size_t strpool_add(struct strpool *p, const char *s, size_t n);
static inline const char *strpool_get(const struct strpool *p, size_t off)
{
	return off ? p->buf + off : "";
}
void strpool_release(struct strpool *p);

struct elf_sym {
	size_t name, version;	/* in the owner's strpool; version 0: none */
	unsigned weak : 1;
	unsigned is_default : 1;	/* exports: name@@VER rather than name@VER */
};

/* One ELF file's facts. Strings live in the strpool of the scan_result the
 * ELF belongs to. */
struct elf_info {
	char hash[33];		/* XXH3-128 identity, hex */
	size_t path;		/* as installed: "/usr/bin/ls" */
	uint64_t size;
	int class;		/* 32 or 64 */
	int msb;		/* big-endian */
	const char *type;	/* "EXEC", "DYN", ... (static storage) */
	char machine[24];
	int is_static;
	size_t interp, soname;
	size_t *needed;
	size_t n_needed;
	struct elf_sym *imports, *exports;
	size_t n_imports, n_exports;
	/* The system call footprint (issue 17, analyzer/sys.h): the
	 * analysis until the input is read whole, then the binary's set. */
	struct sys_info *sys;
	const char *sys_status;		/* "ok", or why not analysed (static storage) */
	int sys_abi;			/* enum sys_abi */
	size_t sys_sites, sys_unknown_sites;
	struct sys_rows sys_rows;
	/* Its kind (analysed binaries only): sys_stripped 1 or 0, -1 when
	 * unknown; sys_go "" or its Go version ("go" when it does not say). */
	int sys_stripped;
	char sys_go[48];
	struct sys_req *req;		/* request codes and pseudo-files (sys_req.h) */
};

struct pkg_dep {
	size_t kind, name, version;	/* strpool offsets */
	int alt;
};

struct scan_error {
	size_t member, reason;
};

/* A hard link inside an archive: the same binary at another path. */
struct scan_link {
	size_t path;	/* strpool offset */
	size_t elf;	/* index in elfs */
};

/* Everything one input yields, written in one transaction. */
struct scan_result {
	const char *input;	/* the path given or found, borrowed */
	const char *kind;	/* elf deb rpm apk android tar */
	uint64_t size;
	char hash[33];
	/* The package: key 0 means "a loose file no package owns". */
	size_t pkg_key, pkg_name, pkg_version, pkg_arch;
	const char *pkg_format;
	struct pkg_dep *deps;
	size_t n_deps, cap_deps;
	struct elf_info *elfs;
	size_t n_elfs, cap_elfs;
	struct scan_error *errors;
	size_t n_errors, cap_errors;
	struct scan_link *links;
	size_t n_links, cap_links;
	size_t n_skipped_members;
	/* The input as a whole could not be read or verified (cut off,
	 * corrupt, failing a checksum or a digest): only its errors are
	 * written, not what was read of it, and the rows an earlier sound
	 * copy at the same path left stay. */
	int broken;
	struct strpool pool;
	/* Where the input's bytes are counted as the archive readers consume
	 * them (NULL: nowhere), and how many they consumed. */
	struct progress *progress;
	uint64_t bytes_read;
	/* Analyse each ELF's system calls (scan_sys.c), and the library
	 * maps the binding used, for the writer to cache. */
	int want_sys;
	struct sys_used sys_used;
};

void scan_result_init(struct scan_result *r, const char *input);
void scan_result_release(struct scan_result *r);
/* Counts n bytes of the input consumed (r->bytes_read, r->progress). */
void scan_result_read(struct scan_result *r, uint64_t n);
/* Records an error (and prints it once, in the project's format). */
void scan_result_error(struct scan_result *r, const char *member, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sets the package; any string may be NULL (empty). */
void scan_result_package(struct scan_result *r, const char *format, const char *name,
			 const char *version, const char *arch);
void scan_result_dep(struct scan_result *r, const char *kind, int alt, const char *name,
		     size_t name_len, const char *version, size_t version_len);
/* Parses a Debian relationship field ("a (>= 1) | b, c") into deps. */
void scan_result_deb_deps(struct scan_result *r, const char *kind, const char *field, size_t len);

/*
 * Reads the ELF at image[0..size) (elf_memory) or open fd (when image is
 * NULL: read through mmap, for members spilled to a temporary file) into
 * a new elf_info appended to r, identified by its hash (elf_identify(),
 * analyzer/elf.h). On a corrupt file records the reason as an error of
 * member and returns -1.
 */
int elf_read(struct scan_result *r, const char *member, void *image, size_t size, int fd);

/*
 * The dynamic linkage tables of an ELF file found as the dynamic linker
 * finds them, through PT_DYNAMIC (for a file stripped of its section
 * headers): file offsets and sizes, each inside one PT_LOAD segment's
 * bytes in the file; size 0 when absent. The version chains have no size
 * there: theirs runs to the end of their segment, at most 1 MiB.
 */
struct elf_dyn_tables {
	uint64_t dyn_off, dyn_size;
	uint64_t str_off, str_size;
	uint64_t sym_off, sym_size;	/* the number of symbols from the hash table */
	uint64_t versym_off, versym_size;
	uint64_t verneed_off, verneed_size;
	uint64_t verdef_off, verdef_size;
};
/* Returns 0, or -1 with *why set (static storage or libelf's message). */
int elf_dyn_tables(Elf *e, struct elf_dyn_tables *t, const char **why);

/* A file to read, or a path that could not be walked (error set). */
struct scan_input {
	char *path;
	char *error;
	uint64_t size;
	int named;	/* given on the command line: must be an input */
};
struct scan_inputs {
	struct scan_input *v;
	size_t n, cap;
};
/* Walks paths into in, sorted by path. */
void scan_inputs_collect(struct scan_inputs *in, char **paths, int n);
/*
 * Keeps the k-th (1-based) of n slices of about the same size: largest
 * first, each input is dealt to the slice with the fewest bytes so far (the
 * lowest on a tie), since scan time follows bytes and a corpus's sizes span
 * five orders of magnitude (dealt by position, one of four slices of an apt
 * cache had 1.24 times the mean; dealt by size, 1.00). Machines that see
 * the same files take the same slices. Reorders in.
 */
void scan_inputs_shard(struct scan_inputs *in, unsigned k, unsigned n);
/*
 * The identity of the set of n shards of in (sorted by path, before
 * scan_inputs_shard): XXH3-128 of n and every path and size, the facts the
 * slices are cut from. Shards of the same identity are slices of one list;
 * 'db merge' counts them against n.
 */
void scan_inputs_set_id(const struct scan_inputs *in, unsigned n, char out[33]);
/* Orders the work largest first, so that with several workers the last
 * input to finish is a small one (longest-processing-time scheduling). */
void scan_inputs_largest_first(struct scan_inputs *in);
void scan_input_release(struct scan_input *i);
void scan_inputs_release(struct scan_inputs *in);
/* The kind a file's name promises ("deb", "rpm", "apk", "tar"), or NULL. */
const char *scan_kind_by_name(const char *path);
/* The kind from the name's promise and the first n bytes; "apk" resolves
 * to "apk" (Alpine) or "android" (zip). NULL: not an input. */
const char *scan_classify(const char *by_name, const unsigned char *head, size_t n);

/* The hash's 32 hex digits and a NUL. */
void scan_hash_hex(XXH128_hash_t h, char out[33]);
/* The value of field name ("Package") in an RFC 822 paragraph, with its
 * continuation lines; NULL when absent. Borrowed from text. */
const char *pkg_field(const char *text, size_t len, const char *name, size_t *vlen);


/* Streams a package or tar archive's members through elf_read. fd is open
 * on input and positioned at 0. An ELF member over max_member bytes (or,
 * spilled to TMPDIR, over its free space less a margin) is an error, not
 * read. Returns 0, or -1 when the archive failed (recorded in r, and
 * r->broken set). */
#define PKG_MAX_MEMBER (4ull << 30)
int pkg_archive_scan(struct scan_result *r, int fd, uint64_t max_member);
/* Frees the calling thread's member buffer (a worker calls it on exit). */
void pkg_archive_thread_release(void);

/* Reads the RPM lead and headers from fd (name, version, release, arch,
 * requires) into r and checks what rpm -K checks: the main header against
 * the signature header's SHA256 (or SHA1) digest, the payload against the
 * header's payload digest (or, in an older package, header and payload
 * against the signature's MD5). Sets *payload to the payload's offset.
 * Returns 0, or -1 (recorded in r). pkg_archive_scan() reads the payload. */
int pkg_rpm_header(struct scan_result *r, int fd, uint64_t *payload);

/*
 * The decompression beneath a tar or cpio reader (pkg_unpack.c). A source
 * gives the next bytes of the compressed stream in *buf (borrowed until
 * its next call) and returns their number, 0 at the end, or -1 with *why
 * set (borrowed until its next call).
 */
typedef ssize_t pkg_source_fn(void *ctx, const void **buf, const char **why);
struct archive;
struct pkg_unpack;
/* Opens fmt (a format reader with no filter of its own) over the decoded
 * bytes of src. Sets *why (NULL: opened; else borrowed from the result)
 * and returns a struct pkg_unpack in both cases, for the caller to free
 * with pkg_unpack_free() after archive_read_free(fmt). */
struct pkg_unpack *pkg_unpack_open(struct archive *fmt, pkg_source_fn *src, void *ctx, const char **why);
/* Reads the decoded stream and the source to their end, where the checks
 * of a compressed stream are made. Returns 0, or -1 with *why set (the
 * first failure, also what fmt was told; borrowed from u). */
int pkg_unpack_finish(struct pkg_unpack *u, const char **why);
void pkg_unpack_free(struct pkg_unpack *u);

/* The installed Debian package that owns path (dpkg's file lists, with
 * /usr-merge aliases tried), or -1. Thread-safe after pkg_dpkg_load(). */
struct pkg_dpkg_owner {
	const char *name, *version, *arch;
	const char *depends, *pre_depends;	/* raw fields, may be NULL */
	const char *listed_path;		/* the path as dpkg lists it */
};
int pkg_dpkg_owner(const char *path, struct pkg_dpkg_owner *out);
void pkg_dpkg_load(const char *admindir);

/*
 * The system call footprint of r's ELF files (scan_sys.c): analyse() reads
 * the code of the file e is open on into ei (when r->want_sys); resolve()
 * binds every analysed file of r once r is read whole, the archive's own
 * members first, and frees the analyses.
 */
void scan_sys_analyze(struct scan_result *r, struct elf_info *ei, Elf *e);
void scan_sys_resolve(struct scan_result *r);

/* Writes results to the database: see scan_writer.c. */
struct scan_writer;
struct scan_writer *scan_writer_new(sqlite3 *db, long long run_id);
/* Returns 0 or -1 (database failure: fatal to the run). Thread-safe. */
int scan_writer_put(struct scan_writer *w, struct scan_result *r, int *is_new_package);
int scan_writer_finish(struct scan_writer *w);
/* The library map the database caches under hash, or NULL (for
 * sys_resolve.c: struct sys_db_cache). Thread-safe. */
struct sys_map *scan_writer_sys_map(void *w, const char *hash);
/* Distinct packages written so far by this writer. */
size_t scan_writer_packages(struct scan_writer *w);
void scan_writer_free(struct scan_writer *w);
/* Its part for request codes and pseudo-files (scan_writer_req.c): rows
 * counts the rows written. Returns 0 or -1 (the error printed). */
struct scan_req_writer;
struct sys_req;
struct scan_req_writer *scan_req_writer_new(sqlite3 *db);
void scan_req_writer_free(struct scan_req_writer *w);
int scan_req_writer_put(struct scan_req_writer *w, long long bin, const struct sys_req *r, size_t *rows);

#endif
