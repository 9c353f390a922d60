/*
 * The build adapters of parakit port, one file per build system
 * (port_build_make.c, port_build_autotools.c, port_build_cmake.c,
 * port_build_meson.c), and what they share (port_build.c). An adapter
 * edits the files the tree's own build reads so the targets that compile
 * a changed file find pk.h and link libpk through pkg-config, as any
 * pkg-config dependency of the tree would. Private to rewriter/.
 */
#ifndef REWRITER_PORT_BUILD_H
#define REWRITER_PORT_BUILD_H

#include "rewriter/port.h"

/*
 * The tree's changed sources (files that hold a rewrite): rel[i] is
 * borrowed from the tree's files. An adapter sets claimed[i] when a target
 * of the build lists the file; a changed file no target claims (a header
 * most often: builds seldom list them) makes the adapter give libpk to
 * every target of the tree, the one way to be sure its includers see it.
 */
struct port_changes {
	const char **rel;
	unsigned char *claimed;
	size_t n;
};

/* The comment that heads every block an adapter adds (without '#'). */
#define PORT_BUILD_WHY "parakit port: the pk_ calls come from libpk"

/* port_build.c */
/* Index of rel among the changes, or -1. */
long port_changes_find(const struct port_changes *c, const char *rel);
/* Whether every change is claimed. */
int port_changes_all_claimed(const struct port_changes *c);
/*
 * The files called name under the tree's root (hidden directories skipped,
 * symbolic links not followed), read into the tree: their indexes into
 * t->files in path order, malloc'ed; *n gets the count.
 */
size_t *port_build_find(struct port_tree *t, const char *name, size_t *n);
/* The directory of rel, malloc'ed: "" at the root, else without a final '/'. */
char *port_build_dir(const char *rel);
/*
 * The tree path of path as a build file in dir wrote it (dir "" at the
 * root): "./" and "../" resolved. malloc'ed; NULL when it leaves the tree
 * or is absolute.
 */
char *port_build_path(const char *dir, const char *path);
/* "../" once per level of dir (dir "" gives "."), malloc'ed: the root seen from dir. */
char *port_build_up(const char *dir);
/* Edits a build file: inserts text at off (a build file gets no #include). */
void port_build_insert(struct port_file *f, size_t off, const char *text);
/* Appends text at the end of f, after a newline if its last line lacks one. */
void port_build_append(struct port_file *f, const char *text);
/*
 * The pkgconfig directory of the prefix parakit is installed in, into
 * dir, when pkg-config does not search it ($HOME/.local): returns 1; else
 * 0 (the build tree's parakit, or a prefix pkg-config searches). A prefix
 * a Makefile could not quote (make and shell syntax, or ':' that splits
 * PKG_CONFIG_PATH) is not given: the builder is told (msg) and 0 returned.
 */
int port_build_prefix_pc(char *dir, size_t size, FILE *msg);
/* Offset of the start of the line after the one off is in (f->len at the end). */
size_t port_build_next_line(const struct port_file *f, size_t off);
/* The blanks that start the line off is in, malloc'ed. */
char *port_build_indent(const struct port_file *f, size_t off);

/*
 * The adapters. Each returns 1 when it edited the build, 0 when the build
 * already finds libpk, -1 when the user must (printed to msg).
 */
int port_build_make(struct port_tree *t, struct port_build *b, struct port_changes *c, FILE *msg);
int port_build_autotools(struct port_tree *t, struct port_build *b, struct port_changes *c, FILE *msg);
int port_build_cmake(struct port_tree *t, struct port_build *b, struct port_changes *c, FILE *msg);
int port_build_meson(struct port_tree *t, struct port_build *b, struct port_changes *c, FILE *msg);

#endif
