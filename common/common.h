/*
 * Helpers shared by every part: diagnostics in the project's one format
 * ("parakit <cmd>: <what failed> '<input>': <reason>"), allocation that
 * cannot fail silently, time, and the progress bar long commands draw on
 * stderr when it is a terminal. Their prefix is util_ (x* for the
 * allocators, as git's); pk_ is libpk's alone.
 */
#ifndef COMMON_COMMON_H
#define COMMON_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The running command's name ("scan"), used as the prefix of diagnostics. */
extern const char *util_cmd_name;

/* Prints "parakit <cmd>: <fmt>\n" to stderr; thread-safe, one write. */
void util_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Allocation failure is the one error a bulk run cannot record and go on
 * from: these print and exit(125) on it. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *p (of *cap elements of size sz) to hold at least n elements. */
void *xgrow(void *p, size_t *cap, size_t n, size_t sz);

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t util_now_ns(void);
/* UTC "YYYY-MM-DDTHH:MM:SSZ" of now into buf (at least 21 bytes). */
const char *util_utc_now(char *buf, size_t size);

/* Joins argv into one shell-readable line (args quoted where needed).
 * The caller frees the result. */
char *util_join_argv(int argc, char **argv);

/*
 * Progress on stderr as pv and dpkg show it, for work counted both in
 * bytes to read and in items (inputs, files):
 *
 *   812 MiB / 2.1 GiB  38 MiB/s  ETA 0:34  (412/1409 inputs)
 *
 * The rate is the average since progress_init(); the time left counts an
 * item's fixed cost besides its bytes (common.c). Drawn only when stderr
 * is a terminal, from one second on (PARAKIT_PROGRESS_DELAY), at most five
 * times a second, cut to the terminal's width; util_err() clears it before
 * a message and the next progress_add() draws it again. progress_add() is
 * thread-safe and cheap enough to call for every block read.
 */
struct progress {
	const char *unit;		/* the items' name: "inputs", borrowed */
	uint64_t total_bytes, total_items;
	_Atomic uint64_t bytes, items, next_ns;
	uint64_t start_ns;
	unsigned columns;
	int tty, drawn;
};
void progress_init(struct progress *p, const char *unit, uint64_t total_items, uint64_t total_bytes);
/* Counts bytes read and items finished; p may be NULL (nothing counted). */
void progress_add(struct progress *p, uint64_t bytes, uint64_t items);
/* Erases the line, if one was drawn. */
void progress_release(struct progress *p);

/* Splits argv at its first "--": returns how many arguments come before it
 * (the option parser must neither see nor move what follows) and points
 * *rest and *n_rest at what follows (NULL and 0 without a "--"). */
int util_split_dashdash(int argc, char **argv, char ***rest, int *n_rest);

/* Runs fn(arg) on n threads, the caller's among them (so n = 1 starts
 * none), and returns when all have returned. A thread that cannot start is
 * reported and its share done by the others. */
void util_run_threads(unsigned n, void *(*fn)(void *), void *arg);

/* Reads a whole small file into a NUL-terminated buffer the caller frees;
 * NULL with errno set on failure. *len gets its length when not NULL. */
char *util_read_file(const char *path, size_t *len);

/*
 * The prefix 'make install' put this parakit in, found from the running
 * executable (/proc/self/exe), so that an installed toolchain needs no
 * environment and no path of the tree it was built in: parakit in
 * <prefix>/bin, libpk.a, libpk.so.0 and pkgconfig/libpk.pc in
 * <prefix>/lib, pk.h in <prefix>/include (the Makefile's INSTALLED).
 * Returns <prefix> when <prefix>/lib/libpk.a and <prefix>/include/pk.h
 * are there, NULL otherwise (a build tree, or parakit copied alone).
 * The string is static: valid until exit, computed once (thread-safe).
 */
const char *util_install_prefix(void);

#endif
