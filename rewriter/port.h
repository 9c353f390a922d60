/*
 * parakit port, inside rewriter/: the call sites come from parakit src's
 * libclang walk (analyzer/src_tree.h) and are gathered over the tree
 * (port_gather.c), each rewrite decides per site in its own file
 * (port_compat.c: POSIX calls to their pk_ twins; port_fibers.c: threads,
 * locks and main onto fibers), and the edits are byte ranges of the
 * tree's files, turned into a unified diff or applied (port_edit.c,
 * port_out.c). Files are read once and tokenised by a small C lexer
 * (port_lex.c): libclang gives positions, the lexer finds argument lists,
 * macro bodies and #include lines around them. The command (cmd_port.c)
 * calls these phases in turn.
 */
#ifndef REWRITER_PORT_H
#define REWRITER_PORT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>

struct src_run;
struct port_outcome;

enum port_level { PORT_COMPAT, PORT_FIBERS };

/* The fiber level's groups of pthread (and sem_) functions: each group's
 * calls share types, and move onto libpk together or not at all; signal
 * and sigaction share none, and each moves on its own. */
enum port_group {
	PORT_G_NONE, PORT_G_THREAD, PORT_G_KEY, PORT_G_SYNC, PORT_G_RWLOCK, PORT_G_SEM, PORT_G_ONCE,
	PORT_G_SPIN, PORT_G_BARRIER, PORT_G_SIGNAL, PORT_GROUPS
};

enum port_tok_kind { PORT_TOK_IDENT, PORT_TOK_PUNCT, PORT_TOK_OTHER };

/* A token of a tree file: outside comments; string and character literals
 * are one PORT_TOK_OTHER token. directive: index+1 of the preprocessor
 * line it belongs to (0: ordinary code). depth: brace depth before it. */
struct port_tok {
	enum port_tok_kind kind;
	size_t off, len;
	unsigned line;
	unsigned directive;
	int depth;
};

/* A #define of the tree: the tokens of its body. */
struct port_macro {
	size_t file;		/* index into port_tree.files */
	char *name;
	size_t body, end;	/* token indexes [body, end) in that file */
};

struct port_edit {
	size_t off, len;	/* replaced bytes of the original */
	char *text;		/* malloc'ed */
};

struct port_file {
	char *rel;		/* path under the root */
	char *text;		/* original contents, NUL-terminated */
	size_t len;
	size_t *line_off;	/* line_off[i]: offset of line i+1 */
	unsigned n_lines;
	struct port_tok *toks;
	size_t n_toks;
	struct port_edit *edits;
	size_t n_edits, cap_edits;
	unsigned *skip_first, *skip_last;	/* #if branches not compiled */
	size_t n_skips, cap_skips;
	int changed;		/* holds a rewrite (gets #include <pk.h>) */
};

/* One decision, a row of v_port_sites. Strings are malloc'ed. */
struct port_site {
	size_t file;
	unsigned line, col;
	char *caller, *callee;
	const char *posix;	/* static */
	const char *action;	/* "rewritten" or "left" (static) */
	const char *reason;	/* static, or NULL */
	int blocking;
};

/* What the rewrites see of one src site. */
struct port_call {
	size_t file;
	unsigned line, col;
	const char *caller, *callee, *posix, *macro;
	int address;		/* a function's address, not a call */
	int in_macro, macro_arg, ret_used, errno_after;
};

struct port_tree {
	char *root;
	enum port_level level;
	char **only;		/* --only: POSIX names, NULL-terminated; NULL: all */
	struct port_file *files;
	size_t n_files, cap_files;
	struct port_macro *macros;
	size_t n_macros, cap_macros;
	struct port_site *sites;
	size_t n_sites, cap_sites;
	char **handlers;	/* functions installed as signal handlers */
	size_t n_handlers, cap_handlers;
	char **blocking;	/* sorted catalogue names that block */
	size_t n_blocking;
	/* Fiber level, per group of calls that share types (port_fibers.c):
	 * why the group stays on pthreads (a call in it cannot move, so its
	 * types must stay pthread's), NULL: none; and whether a call moved. */
	const char *conflict[PORT_GROUPS];
	int moved[PORT_GROUPS];
};

/* port_lex.c */
/* Reads rel under the tree's root into the tree (once) and tokenises it.
 * Returns its index, or -1 when it cannot be read (errno set). */
long port_file_get(struct port_tree *t, const char *rel);
/* Offset of line:col (1-based, bytes) in f, or (size_t)-1. */
size_t port_file_offset(const struct port_file *f, unsigned line, unsigned col);
/* The token starting at off, or -1. */
long port_tok_at(const struct port_file *f, size_t off);
int port_tok_is(const struct port_file *f, size_t i, const char *s);
/* Whether line is in an #if branch not compiled. */
int port_file_skipped(const struct port_file *f, unsigned line);
/* Lists the #define's of every file read so far (call once they all are). */
void port_macros_index(struct port_tree *t);
/* The tree's definitions of name: count, and the first in *out. */
size_t port_macro_find(const struct port_tree *t, const char *name, const struct port_macro **out);
/*
 * From the token of a callee's name at i, the argument list: *open is the
 * '(' token, args[k] the first token of argument k, *close the ')'. Returns
 * the argument count (max n_args kept) or -1 when no list follows.
 */
int port_args(const struct port_file *f, size_t i, size_t *open, size_t *args, int n_args, size_t *close);

/* port_edit.c */
/* Adds an edit of f: replace [off, off+len) with text (copied). An edit
 * at the same range as one there is dropped (TUs sharing a header). */
void port_edit_add(struct port_file *f, size_t off, size_t len, const char *text);
/* f's text with its edits; malloc'ed, *len set. */
char *port_file_result(const struct port_file *f, size_t *len);
/* Writes the unified diff of f (a/REL, b/REL) to out. Returns 0 or -errno. */
int port_file_diff(const struct port_file *f, const char *newtext, size_t newlen, FILE *out);
/* Adds #include <pk.h> to each changed file that lacks it. */
void port_add_includes(struct port_tree *t);

/* port_build*.c: the build system of the tree, found at its root. */
enum port_build_kind {
	PORT_BUILD_NONE,
	PORT_BUILD_MAKE,	/* Makefiles */
	PORT_BUILD_CONFIGURE,	/* a configure script and Makefile.in, no Makefile.am */
	PORT_BUILD_AUTOTOOLS,	/* configure.ac and Makefile.am */
	PORT_BUILD_CMAKE,
	PORT_BUILD_MESON,
};

struct port_build {
	enum port_build_kind kind;
	int regenerate;		/* configure.ac or a Makefile.am edited: autoreconf -fi */
};

/*
 * Edits the build files the tree's build reads (added to t as files with
 * edits) so that the targets compiling a changed file find pk.h and link
 * libpk through pkg-config; b gets the build system. Returns 1 when it
 * edited them, 0 when the build needs nothing (no rewrite, or the lines
 * are there), -1 when it cannot (printed to msg: what to add).
 */
int port_adapt_build(struct port_tree *t, struct port_build *b, FILE *msg);
/* "make", "configure", "autotools", "cmake", "meson"; NULL for none. */
const char *port_build_name(enum port_build_kind kind);
/*
 * The shell command that builds the tree at its root as its user would
 * (autotools: autoreconf -fi when b->regenerate, ./configure, make), with
 * out a directory for the out-of-tree builds (CMake, Meson) and jobs
 * parallel jobs. malloc'ed; NULL for PORT_BUILD_NONE.
 */
char *port_build_command(const struct port_build *b, const char *out, unsigned jobs);

/* port_verify.c */
/*
 * --verify: builds a copy of t's tree with its edits in a temporary
 * directory, with the build's own command and PKG_CONFIG_PATH pointing at
 * this build's libpk when pkg-config knows no libpk. Returns 0 when the
 * build succeeded, 1 when it failed (*log: the log's last lines,
 * malloc'ed, the caller frees it), -1 when the copy could not be made
 * (printed).
 */
int port_verify(struct port_tree *t, const struct port_build *b, unsigned jobs, char **log);
/*
 * What is said of the build (o->build_state) after port_adapt_build()
 * returned adapted: "adapted" only once --verify (verify) built the copy,
 * "adapted, not verified" without it, "failed" when the build failed,
 * "manual" when it was not recognised, "unchanged" when it needs nothing.
 * Returns -1 when the build failed (printed), else 0.
 */
int port_verify_state(struct port_tree *t, struct port_outcome *o, int adapted, int verify, unsigned jobs);

/* port_compat.c, port_fibers.c: decide on one site. Return 1 when the
 * site was theirs (decided and recorded), 0 when not. */
int port_compat_site(struct port_tree *t, const struct port_call *c);
int port_fibers_site(struct port_tree *t, const struct port_call *c);
/* Fiber level, before the sites: which pthread groups can move at all. */
void port_fibers_plan(struct port_tree *t, const struct port_call *calls, size_t n);
/* Whether posix is a name some rewrite handles (for #if branches). */
int port_compat_has_twin(const char *posix);
int port_fibers_has_twin(const char *posix);
/* The fiber level's group of posix, PORT_G_NONE when the fiber level
 * leaves it to compat: compat does not rename what the fiber level owns. */
enum port_group port_fibers_group(const char *posix);
/* Fiber level, after the sites: types, initializers and main. */
void port_fibers_finish(struct port_tree *t);

/* port_gather.c */
/*
 * Reads every .c and .h file of t's tree, gathers the call sites of run's
 * units (which must outlive this call) and decides each through the
 * rewrites, then the fiber level's types and main, and the #include
 * lines. t holds its root, level, selection and blocking calls.
 */
void port_decide(struct port_tree *t, const struct src_run *run);
/* Frees what t holds, not t. */
void port_tree_release(struct port_tree *t);

/* port_out.c: what a run writes and says. */
struct port_outcome {
	const char *diff;		/* --diff FILE, or NULL */
	int apply;			/* --apply: the files are edited in place */
	size_t tus, tus_bad;		/* units, and those that did not parse cleanly */
	size_t files_changed;
	struct port_build build;
	const char *build_state;	/* "adapted", "adapted, not verified", "failed", "manual", "unchanged" */
	char *build_log;		/* the failed build's log tail, malloc'ed, or NULL */
	double seconds;
	long long run_id;		/* the port_run row, once recorded */
};
/* 1 when root is in a git work tree with uncommitted changes. */
int port_git_dirty(const char *root);
/*
 * Writes each changed file of t in place (o->apply), or its diff to patch
 * (NULL: neither), and counts them in o->files_changed. Returns 0, or -1
 * when a file or the diff could not be written (printed).
 */
int port_write_changes(const struct port_tree *t, struct port_outcome *o, FILE *patch);
/* Records the run (o->run_id gets its row) and its sites (earlier runs
 * keep theirs); a unit of run that did not parse gets a row that says so.
 * Returns 0 or -1 (printed). */
int port_db_write(sqlite3 *db, const struct port_tree *t, struct port_outcome *o, const char *cmdline,
		  const char *started, const struct src_run *run);
/* The summary, with the sites left counted by reason. */
void port_print_summary(FILE *out, const struct port_tree *t, const struct port_outcome *o);
/* --json: the summary's facts and every site, one object on stdout. */
void port_print_json(sqlite3 *db, const struct port_tree *t, const struct port_outcome *o);

/* port_sites.c: what the rewrites share. */
struct port_site *port_record(struct port_tree *t, const struct port_call *c, const char *action,
			      const char *reason);
/* --only's comma-separated names as port_tree.only (the caller frees
 * the array and its first element). */
char **port_only_split(const char *s);
int port_selected(const struct port_tree *t, const char *posix);
int port_is_blocking(const struct port_tree *t, const char *posix);
/* Loads the catalogue's blocking functions into t. Returns 0 or -1 (printed). */
int port_load_blocking(struct port_tree *t, sqlite3 *db);
int port_is_handler(const struct port_tree *t, const char *caller);
/*
 * Rewrites the callee's name of c into to: at the name itself, or inside
 * the tree's macro whose body writes the call. Returns NULL on success, or
 * the reason the site is left.
 */
const char *port_rename(struct port_tree *t, const struct port_call *c, const char *to);

#endif
