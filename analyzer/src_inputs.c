/*
 * The translation units of a tree. With a compile_commands.json, libclang's
 * own reader (CXCompilationDatabase) gives each file the command it was
 * built with, so no JSON parser of ours sits between the build and the
 * parse. Without one, every .c file gets the same flags; the tree's own
 * headers are found by a simple search: the root and every directory
 * holding .h files go after the flags given, as -I, since projects reach
 * their own headers with <> as often as with "" (-I inc, -I lib).
 * NEEDSWORK: a tree header named like a system one (lib/string.h) then
 * shadows it, as it does in the builds that use -I lib.
 */
#include "analyzer/src_tree.h"
#include "common/common.h"

#include <clang-c/CXCompilationDatabase.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* By file, then in the database's order (qsort is not stable). */
static int cmp_tu(const void *a, const void *b)
{
	const struct src_tu *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *path_join(const char *dir, const char *name)
{
	char *s;

	if (name[0] == '/')
		return xstrdup(name);
	if (asprintf(&s, "%s/%s", dir, name) < 0)
		s = NULL;
	if (!s) {
		util_err("out of memory");
		exit(125);
	}
	return s;
}

/* path without . and .. (and links) when it exists; takes path. */
static char *canonical(char *path)
{
	char *real = realpath(path, NULL);

	if (!real)
		return path;
	free(path);
	return real;
}

static struct src_tu *tu_add(struct src_tus *tus)
{
	tus->v = xgrow(tus->v, &tus->cap, tus->n + 1, sizeof(*tus->v));
	memset(&tus->v[tus->n], 0, sizeof(tus->v[0]));
	return &tus->v[tus->n++];
}

static void tu_release(struct src_tu *tu)
{
	for (int i = 0; i < tu->argc; i++)
		free(tu->argv[i]);
	free(tu->argv);
	free(tu->file);
	free(tu->directory);
}

/* Keeps the first TU of each file, in file order. */
static void sort_unique(struct src_tus *tus)
{
	size_t j = 0;

	if (!tus->n)
		return;
	for (size_t i = 0; i < tus->n; i++)
		tus->v[i].seq = i;
	qsort(tus->v, tus->n, sizeof(*tus->v), cmp_tu);
	for (size_t i = 1; i < tus->n; i++) {
		if (!strcmp(tus->v[i].file, tus->v[j].file))
			tu_release(&tus->v[i]);
		else
			tus->v[++j] = tus->v[i];
	}
	tus->n = j + 1;
}

int src_tus_from_compdb(struct src_tus *tus, const char *dir)
{
	CXCompilationDatabase_Error err;
	CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(dir, &err);
	CXCompileCommands cmds;
	unsigned n;

	if (err != CXCompilationDatabase_NoError || !db) {
		clang_CompilationDatabase_dispose(db);
		return -1;
	}
	cmds = clang_CompilationDatabase_getAllCompileCommands(db);
	n = clang_CompileCommands_getSize(cmds);
	for (unsigned i = 0; i < n; i++) {
		CXCompileCommand cmd = clang_CompileCommands_getCommand(cmds, i);
		CXString d = clang_CompileCommand_getDirectory(cmd);
		CXString f = clang_CompileCommand_getFilename(cmd);
		unsigned argc = clang_CompileCommand_getNumArgs(cmd);
		struct src_tu *tu;

		if (!argc) {
			clang_disposeString(d);
			clang_disposeString(f);
			continue;
		}
		tu = tu_add(tus);
		tu->directory = canonical(path_join(dir, clang_getCString(d)));
		tu->file = canonical(path_join(tu->directory, clang_getCString(f)));
		tu->argv = xcalloc(argc + 1, sizeof(char *));
		for (unsigned k = 0; k < argc; k++) {
			CXString a = clang_CompileCommand_getArg(cmd, k);

			tu->argv[tu->argc++] = xstrdup(clang_getCString(a));
			clang_disposeString(a);
		}
		clang_disposeString(d);
		clang_disposeString(f);
	}
	clang_CompileCommands_dispose(cmds);
	clang_CompilationDatabase_dispose(db);
	sort_unique(tus);
	return tus->n;
}

struct walk {
	char **c_files;
	size_t n_c, cap_c;
	char **h_dirs;
	size_t n_h, cap_h;
};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int walk_dir(struct walk *w, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int has_h = 0, ret = 0;

	if (!d) {
		util_err("cannot read directory '%s': %s", dir, strerror(errno));
		return -errno;
	}
	while ((e = readdir(d))) {
		char *path;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		path = path_join(dir, e->d_name);
		if (lstat(path, &st)) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			walk_dir(w, path);
			free(path);
		} else if (S_ISREG(st.st_mode) && ends_with(e->d_name, ".c")) {
			w->c_files = xgrow(w->c_files, &w->cap_c, w->n_c + 1, sizeof(char *));
			w->c_files[w->n_c++] = path;
		} else {
			has_h |= S_ISREG(st.st_mode) && ends_with(e->d_name, ".h");
			free(path);
		}
	}
	closedir(d);
	if (has_h) {
		w->h_dirs = xgrow(w->h_dirs, &w->cap_h, w->n_h + 1, sizeof(char *));
		w->h_dirs[w->n_h++] = xstrdup(dir);
	}
	return ret;
}

int src_tus_from_tree(struct src_tus *tus, const char *root, char **cflags, int n_cflags)
{
	struct walk w = { 0 };
	int ret;

	if ((ret = walk_dir(&w, root)) < 0)
		goto out;
	if (w.n_c)
		qsort(w.c_files, w.n_c, sizeof(char *), cmp_str);
	if (w.n_h)
		qsort(w.h_dirs, w.n_h, sizeof(char *), cmp_str);
	for (size_t i = 0; i < w.n_c; i++) {
		struct src_tu *tu = tu_add(tus);
		int argc = 0;

		tu->argv = xcalloc(1 + n_cflags + 2 * (w.n_h + 1) + 2, sizeof(char *));
		tu->argv[argc++] = xstrdup("clang");
		for (int k = 0; k < n_cflags; k++)
			tu->argv[argc++] = xstrdup(cflags[k]);
		if (!w.n_h || strcmp(w.h_dirs[0], root)) {
			tu->argv[argc++] = xstrdup("-I");
			tu->argv[argc++] = xstrdup(root);
		}
		for (size_t k = 0; k < w.n_h; k++) {
			tu->argv[argc++] = xstrdup("-I");
			tu->argv[argc++] = xstrdup(w.h_dirs[k]);
		}
		tu->argv[argc++] = xstrdup(w.c_files[i]);
		tu->argc = argc;
		tu->file = w.c_files[i];
		tu->directory = xstrdup(root);
		w.c_files[i] = NULL;
	}
	ret = tus->n;
out:
	for (size_t i = 0; i < w.n_c; i++)
		free(w.c_files[i]);
	for (size_t i = 0; i < w.n_h; i++)
		free(w.h_dirs[i]);
	free(w.c_files);
	free(w.h_dirs);
	return ret;
}

void src_tus_release(struct src_tus *tus)
{
	for (size_t i = 0; i < tus->n; i++)
		tu_release(&tus->v[i]);
	free(tus->v);
	memset(tus, 0, sizeof(*tus));
}

char *src_tus_common_dir(const struct src_tus *tus)
{
	size_t len;
	char *dir, *slash;

	if (!tus->n)
		return xstrdup("/");
	len = strlen(tus->v[0].file);
	for (size_t i = 1; i < tus->n; i++) {
		size_t k = 0;

		while (k < len && tus->v[i].file[k] == tus->v[0].file[k])
			k++;
		len = k;
	}
	dir = xstrndup(tus->v[0].file, len);
	/* Cut back to a whole directory name: "/a/b/c" of /a/b/c1.c and
	 * /a/b/c2.c is /a/b. */
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	return dir;
}

/* 1 when dir holds a compile_commands.json. */
static int src_has_compdb(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/compile_commands.json", dir);
	return !stat(path, &st);
}

int src_tus_resolve(struct src_tus *tus, const char *tree, const char *build_dir, char **root,
		    char **build, char **cflags, int n_cflags, const char **flags_from)
{
	*root = *build = NULL;
	if (tree && !(*root = realpath(tree, NULL))) {
		util_err("cannot open tree '%s': %s", tree, strerror(errno));
		return -1;
	}
	if (build_dir && !(*build = realpath(build_dir, NULL))) {
		util_err("cannot open build directory '%s': %s", build_dir, strerror(errno));
		return -1;
	}
	if (!*build && *root && src_has_compdb(*root))
		*build = xstrdup(*root);
	if (!*build) {
		*flags_from = "the command line and the tree's header directories";
		return src_tus_from_tree(tus, *root, cflags, n_cflags) < 0 ? -1 : 0;
	}
	if (src_tus_from_compdb(tus, *build) < 0) {
		util_err("cannot read '%s/compile_commands.json'", *build);
		return -1;
	}
	for (size_t i = 0; i < tus->n && n_cflags; i++) {
		struct src_tu *tu = &tus->v[i];

		tu->argv = xrealloc(tu->argv, (tu->argc + n_cflags + 1) * sizeof(char *));
		for (int k = 0; k < n_cflags; k++)
			tu->argv[tu->argc++] = xstrdup(cflags[k]);
		tu->argv[tu->argc] = NULL;
	}
	*flags_from = "compile_commands.json";
	if (!*root)
		*root = src_tus_common_dir(tus);
	return 0;
}
