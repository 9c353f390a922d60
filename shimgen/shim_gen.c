/*
 * From decisions to a built shim: the C source is assembled from the
 * embedded templates (one file per function family, split into sections by
 * "//@ " lines: the family's common part, one "fn" block per routed
 * function with every glibc name of it, and "always" blocks the shim needs
 * whatever the binary imports), then compiled with the system compiler
 * against libpk's static library, so the shim is one self-contained .so
 * whose only exports are the names it replaces.
 *
 * libpk is looked for, in order: $PARAKIT_LIBPK_DIR (libpk.a and pk.h in
 * one directory), the build tree parakit runs from (<exe dir>/runtime/:
 * the build puts pk.h beside libpk.a), the prefix it is installed in
 * (util_install_prefix(): <prefix>/lib/libpk.a, <prefix>/include/pk.h),
 * then pkg-config's libpk. No path of the source tree is compiled in, so
 * an installed parakit works with that tree gone. The shim needs only
 * libpk's public header, pk.h: fork, SQPOLL and libpk's own descriptors
 * are libpk's business, so every shim behaves alike wherever its libpk
 * was found.
 */
#include "shimgen/shim.h"
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

void shim_buf_add(struct shim_buf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void shim_buf_addf(struct shim_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b->s = xgrow(b->s, &b->cap, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int shim_pathf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

void shim_buf_release(struct shim_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* One "//@ " section of a template. */
struct section {
	const char *head, *body;	/* head: after "//@ ", up to the newline */
	size_t head_len, body_len;
};

/* The next section of t at *pos, or 0 at the end. */
static int next_section(const struct shim_template *t, size_t *pos, struct section *s)
{
	const char *p = t->data + *pos, *end = t->data + t->len, *nl, *next;

	while (p < end && strncmp(p, "//@ ", 4)) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	if (p >= end)
		return 0;
	s->head = p + 4;
	nl = memchr(p, '\n', (size_t)(end - p));
	s->head_len = (size_t)((nl ? nl : end) - s->head);
	s->body = nl ? nl + 1 : end;
	for (next = s->body; next < end && strncmp(next, "//@ ", 4);) {
		nl = memchr(next, '\n', (size_t)(end - next));
		next = nl ? nl + 1 : end;
	}
	s->body_len = (size_t)(next - s->body);
	*pos = (size_t)(next - t->data);
	return 1;
}

static int head_is(const struct section *s, const char *kind)
{
	size_t n = strlen(kind);

	return s->head_len >= n && !strncmp(s->head, kind, n) &&
	       (s->head_len == n || s->head[n] == ' ' || s->head[n] == ':');
}

/* "fn read: read __read_chk": is the block named @name? */
static int fn_named(const struct section *s, const char *name)
{
	size_t n = strlen(name);

	return head_is(s, "fn") && s->head_len > 3 + n && !strncmp(s->head + 3, name, n) &&
	       s->head[3 + n] == ':';
}

static int wanted(const struct section *s, const char **blocks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fn_named(s, blocks[i]))
			return 1;
	return 0;
}

/* Adds the names after the ':' of the section head to the version script. */
static size_t add_exports(const struct section *s, struct shim_buf *map)
{
	const char *p = memchr(s->head, ':', s->head_len), *end = s->head + s->head_len;
	size_t n = 0;

	if (!p)
		return 0;
	for (p++; p < end;) {
		const char *q;

		while (p < end && *p == ' ')
			p++;
		for (q = p; q < end && *q != ' '; q++)
			;
		if (q > p) {
			shim_buf_addf(map, "\t\t%.*s;\n", (int)(q - p), p);
			n++;
		}
		p = q;
	}
	return n;
}

static void add_body(struct shim_buf *src, const struct shim_template *t, const struct section *s)
{
	shim_buf_addf(src, "\n/* from %s: %.*s */\n", t->name, (int)s->head_len, s->head);
	shim_buf_add(src, s->body, s->body_len);
}

static int is_rt(const struct shim_template *t)
{
	size_t n = strlen(t->name);

	return n >= 5 && !strcmp(t->name + n - 5, "/rt.c");
}

size_t shim_generate(const char **blocks, size_t n, const char *banner,
		     struct shim_buf *src, struct shim_buf *map)
{
	struct section s;
	size_t nexp = 0, pos;

	struct shim_buf names = { 0 };

	shim_buf_addf(src, "/*\n%s */\n", banner);
	for (const struct shim_template *t = shim_templates; t->name; t++) {
		if (!is_rt(t))
			continue;
		for (pos = 0; next_section(t, &pos, &s);)
			if (head_is(&s, "common"))
				add_body(src, t, &s);
	}
	for (const struct shim_template *t = shim_templates; t->name; t++) {
		int used = 0;

		if (is_rt(t))
			continue;
		for (pos = 0; next_section(t, &pos, &s);)
			if ((head_is(&s, "fn") && wanted(&s, blocks, n)) || (n && head_is(&s, "always")))
				used = 1;
		if (!used)
			continue;
		for (pos = 0; next_section(t, &pos, &s);) {
			if (head_is(&s, "common") ||
			    (head_is(&s, "fn") && wanted(&s, blocks, n)) ||
			    head_is(&s, "always")) {
				add_body(src, t, &s);
				nexp += add_exports(&s, &names);
			}
		}
	}
	/* ld refuses an empty "global:": a shim that routes nothing exports nothing. */
	shim_buf_addf(map, "/* Anonymous version node: a named one would not interpose glibc's versioned names. */\n{\n");
	if (nexp)
		shim_buf_addf(map, "\tglobal:\n%s", names.s);
	shim_buf_addf(map, "\tlocal: *;\n};\n");
	shim_buf_release(&names);
	return nexp;
}

unsigned long long shim_templates_hash(void)
{
	XXH64_state_t *st = XXH64_createState();
	unsigned long long h;

	XXH64_reset(st, 0);
	for (const struct shim_template *t = shim_templates; t->name; t++)
		XXH64_update(st, t->data, t->len);
	XXH64_update(st, PARAKIT_VERSION, sizeof(PARAKIT_VERSION));
	h = XXH64_digest(st);
	XXH64_freeState(st);
	return h;
}

/* --- Finding libpk and the compiler -------------------------------------- */

struct libpk {
	char lib[PATH_MAX];	/* libpk.a */
	char inc[PATH_MAX];	/* holds pk.h */
};

static int is_file(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* The first line a command prints, or "" (popen: no shell input involved). */
static void first_line(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)size, f))
		out[strcspn(out, "\n")] = '\0';
	pclose(f);
}

static int find_libpk(struct libpk *l)
{
	const char *env = getenv("PARAKIT_LIBPK_DIR"), *prefix;
	char exe[PATH_MAX], path[PATH_MAX + 32], dir[PATH_MAX];
	ssize_t n;

	memset(l, 0, sizeof(*l));
	if (env && *env) {
		snprintf(l->lib, sizeof(l->lib), "%s/libpk.a", env);
		snprintf(l->inc, sizeof(l->inc), "%s", env);
		return is_file(l->lib) ? 0 : -1;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(path, sizeof(path), "%s/runtime/pk.h", exe);
		if (is_file(path)) {
			shim_pathf(l->lib, sizeof(l->lib), "%s/runtime/libpk.a", exe);
			shim_pathf(l->inc, sizeof(l->inc), "%s/runtime", exe);
			if (is_file(l->lib))
				return 0;
		}
	}
	prefix = util_install_prefix();
	if (prefix) {
		shim_pathf(l->lib, sizeof(l->lib), "%s/lib/libpk.a", prefix);
		shim_pathf(l->inc, sizeof(l->inc), "%s/include", prefix);
		return 0;
	}
	first_line("pkg-config --variable=libdir libpk 2>/dev/null", dir, sizeof(dir));
	if (*dir) {
		shim_pathf(l->lib, sizeof(l->lib), "%s/libpk.a", dir);
		first_line("pkg-config --variable=includedir libpk 2>/dev/null", l->inc, sizeof(l->inc));
		if (is_file(l->lib))
			return 0;
	}
	return -1;
}

const char *shim_libpk_path(void)
{
	static struct libpk l;

	return find_libpk(&l) ? NULL : l.lib;
}

static int write_file(const char *path, const struct shim_buf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		goto fail;
	while (off < b->len) {
		n = write(fd, b->s + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			goto fail;
		}
		off += (size_t)n;
	}
	if (close(fd))
		goto fail;
	return 0;
fail:
	util_err("cannot write '%s': %s", path, strerror(errno));
	return -1;
}

/* Runs argv with stdout and stderr into @log; returns its exit status or -1. */
static int run_logged(char **argv, const char *log)
{
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int shim_build(const char *dir, const struct shim_buf *src, const struct shim_buf *map,
	       const char *out)
{
	char c_path[PATH_MAX + 16], map_path[PATH_MAX + 16], log[PATH_MAX + 16];
	char tmp[PATH_MAX + 16], inc[PATH_MAX + 4], vs[PATH_MAX + 48];
	const char *cc = getenv("CC");
	struct libpk l;
	char *argv[40];
	int argc = 0, r;

	if (find_libpk(&l)) {
		util_err("cannot find libpk: not beside parakit (make, make install) nor known to pkg-config; "
		         "set PARAKIT_LIBPK_DIR");
		return -1;
	}
	snprintf(c_path, sizeof(c_path), "%s/shim.c", dir);
	snprintf(map_path, sizeof(map_path), "%s/shim.map", dir);
	snprintf(log, sizeof(log), "%s/cc.log", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	if (write_file(c_path, src) || write_file(map_path, map))
		return -1;
	snprintf(inc, sizeof(inc), "-I%s", l.inc);
	snprintf(vs, sizeof(vs), "-Wl,--version-script=%s", map_path);
	argv[argc++] = (char *)(cc && *cc ? cc : "cc");
	/* No sanitizer: the shim is loaded into programs that have no ASan runtime. */
	argv[argc++] = "-std=gnu11";
	argv[argc++] = "-O2";
	argv[argc++] = "-g";
	argv[argc++] = "-fPIC";
	argv[argc++] = "-shared";
	argv[argc++] = "-fvisibility=hidden";
	argv[argc++] = "-fno-sanitize=all";
	argv[argc++] = "-fno-strict-aliasing";
	argv[argc++] = "-Wall";
	argv[argc++] = "-D_GNU_SOURCE";
	argv[argc++] = inc;
	argv[argc++] = vs;
	argv[argc++] = "-Wl,-z,defs";
	argv[argc++] = "-o";
	argv[argc++] = tmp;
	argv[argc++] = c_path;
	argv[argc++] = l.lib;
	argv[argc++] = "-l:liburing.a";
	argv[argc++] = "-ldl";
	argv[argc++] = "-lpthread";
	argv[argc] = NULL;
	r = run_logged(argv, log);
	if (r != 0) {
		size_t len = 0;
		char *text = util_read_file(log, &len);

		util_err("cannot build '%s': the compiler failed (status %d)", out, r);
		if (text)
			fputs(text, stderr);
		free(text);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, out)) {
		util_err("cannot write '%s': %s", out, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
