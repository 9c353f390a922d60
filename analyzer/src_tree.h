/*
 * parakit src, inside analyzer/: the translation units of a C tree are
 * listed (src_inputs.c: from compile_commands.json, or every .c file with
 * the flags given), each is parsed by a worker with libclang into a struct
 * src_result (src_parse.c), and the results of the whole run are written
 * in one transaction (src_writer.c), replacing what the database held for
 * the tree: a re-run gives the same rows, a killed run leaves the old ones.
 */
#ifndef ANALYZER_SRC_TREE_H
#define ANALYZER_SRC_TREE_H

#include "analyzer/scan.h"	/* strpool */
#include "db/db.h"	/* db_posix_name */

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* One translation unit: the file and the compiler command that builds it. */
struct src_tu {
	char *file;		/* absolute */
	char *directory;	/* the compilation's working directory, absolute */
	char **argv;		/* argv[0] is the compiler; NULL-terminated */
	int argc;
	size_t seq;		/* order in the input, for ties */
};

struct src_tus {
	struct src_tu *v;
	size_t n, cap;
};

/*
 * Lists the compile commands of the compile_commands.json in dir into tus
 * (one per file: the first command wins), sorted by file. Returns the
 * count, or -1 when dir holds no readable database (nothing printed).
 */
int src_tus_from_compdb(struct src_tus *tus, const char *dir);
/*
 * Lists every .c file under root (hidden directories and symbolic links not
 * followed) with argv "clang CFLAGS... -I DIR... FILE": the DIRs are the
 * root and the tree's directories that hold .h files. Returns the count
 * or -errno.
 */
int src_tus_from_tree(struct src_tus *tus, const char *root, char **cflags, int n_cflags);
void src_tus_release(struct src_tus *tus);
/* The longest directory that holds every TU's file, malloc'ed. */
char *src_tus_common_dir(const struct src_tus *tus);
/*
 * The translation units of a run (src and port alike): those of the
 * compile_commands.json in @build_dir, or in @tree when it holds one, with
 * cflags appended to each command; else every .c file under @tree with
 * cflags and the tree's header directories. *root and *build get their
 * real paths (malloc'ed, the caller frees them; *build also when found in
 * the tree); a NULL @tree makes *root the TUs' common directory.
 * *flags_from says where the flags came from. Prints why and returns -1
 * on failure.
 */
int src_tus_resolve(struct src_tus *tus, const char *tree, const char *build_dir, char **root,
		    char **build, char **cflags, int n_cflags, const char **flags_from);

enum src_kind { SRC_CALL, SRC_ADDRESS };

/*
 * A call (or a function's address taken) written in the tree. Positions
 * are those of the callee's name as the tree's file spells it: inside a
 * macro argument, where the argument is written; inside a macro's body,
 * where the macro is expanded.
 * Strings are strpool offsets of the result.
 */
struct src_site {
	size_t file;		/* relative to the tree's root */
	unsigned line, col;
	size_t caller;		/* enclosing function; 0: file scope */
	size_t callee;		/* as clang resolved it: __printf_chk */
	const char *posix_name;	/* the catalogue's (static), or NULL */
	size_t macro;		/* the macro whose body wrote the call, or, in
				 * a macro argument, the outermost one; or 0 */
	unsigned seq;		/* among calls of callee at the same position */
	enum src_kind kind;
	unsigned in_macro : 1;
	unsigned macro_arg : 1;	/* spelled in the macro's arguments */
	unsigned errno_after : 1;
	signed char ret_used;	/* 1, 0, or -1: void callee or an address */
};

/* A read or write of errno; after: the site index of the POSIX call before
 * it in the same function, or -1. */
struct src_errno {
	size_t file;
	unsigned line, col;
	size_t caller;
	long after;
};

struct src_diag {
	size_t file;		/* as clang names it; 0: none */
	unsigned line, col;
	const char *severity;	/* "error", "fatal" (static) */
	size_t message;
};

/* An #if branch the preprocessor skipped in a tree file: lines first..last. */
struct src_skip {
	size_t file;
	unsigned first, last;
};

enum src_status { SRC_CLEAN, SRC_ERRORS, SRC_FAILED };

/* What one TU yields. */
struct src_result {
	const struct src_tu *tu;
	enum src_status status;
	struct src_site *sites;
	size_t n_sites, cap_sites;
	struct src_errno *errnos;
	size_t n_errnos, cap_errnos;
	struct src_diag *diags;
	size_t n_diags, cap_diags;
	size_t n_diags_dropped;	/* beyond the cap kept per TU */
	struct src_skip *skips;
	size_t n_skips, cap_skips;
	struct strpool pool;
	double seconds;
};

void src_result_release(struct src_result *r);

/*
 * A libclang parser: one CXIndex, reused for every TU a worker parses, and
 * the tree's root (absolute, without a final '/'; copied). Not thread-safe:
 * one per worker. NULL when libclang fails. src_parser_free() accepts NULL.
 */
struct src_parser;
struct src_parser *src_parser_new(const char *root);
void src_parser_free(struct src_parser *p);
/*
 * Parses tu into r (initialised here; the caller releases it). Calls made
 * from files outside root or from system headers are not the tree's and
 * are left out. A TU that does not parse cleanly has status SRC_ERRORS
 * (sites are still those clang found) or SRC_FAILED, and its diagnostics.
 */
void src_parse(struct src_parser *p, const struct src_tu *tu, struct src_result *r);

/* Writing a run: see src_writer.c. */
struct src_run_info {
	const char *root;
	const char *command_line;
	const char *flags_from;	/* "compile_commands.json" or "command line" */
	const char *started;	/* UTC, util_utc_now() */
	double seconds;
};
/* Writes every result under one transaction. Returns the run id or -1. */
long long src_write(sqlite3 *db, const struct src_run_info *info, struct src_result *results, size_t n);

/*
 * The whole pipeline, as `src` and `port` run it (src_run.c). The caller
 * fills the first fields; src_run_release() frees what the run made.
 */
struct src_run {
	const char *tree, *build_dir;	/* either may be NULL, not both */
	char **cflags;			/* after '--': added to every TU */
	int n_cflags;
	unsigned jobs;			/* parser threads (at least one is used) */
	/* Set by src_run_resolve() and src_run_parse() */
	char *root, *build;		/* absolute */
	const char *flags_from;		/* static */
	struct src_tus tus;
	struct src_result *results;	/* one per TU */
	char started[32];
	uint64_t t0;
	double seconds;
};
/* Lists the TUs. Returns 0 (none found is said, not an error) or -1 (printed). */
int src_run_resolve(struct src_run *r);
/* Parses them, each unit that does not parse cleanly reported as it is. Returns 0 or -1 (no libclang). */
int src_run_parse(struct src_run *r);
/* Writes the results; returns the run id or -1. */
long long src_run_write(sqlite3 *db, struct src_run *r, const char *command_line);
void src_run_release(struct src_run *r);

#endif
