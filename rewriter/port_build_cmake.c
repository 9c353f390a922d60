/*
 * CMake: the top CMakeLists.txt asks pkg-config for libpk right after
 * project() has run (find_package(PkgConfig), pkg_check_modules(LIBPK
 * REQUIRED IMPORTED_TARGET libpk); after the block, when project() sits in
 * one), and each target whose sources changed links
 * the imported target PkgConfig::LIBPK, which carries the include
 * directories and the link flags, rpath included. The line goes right
 * after the target's add_executable/add_library, in the same file, so a
 * name written as ${PROJECT_NAME} means the same there. CMake refuses to
 * mix target_link_libraries' plain and keyword signatures on one target:
 * a target the tree links the plain way gets the plain form.
 *
 * When a changed file belongs to no target found (a header, or sources
 * built by means not read here), link_libraries(PkgConfig::LIBPK) in the
 * top file gives libpk to every target defined after it, which is all of
 * them.
 *
 * The files are read as CMake reads them: commands name(args), with
 * quoted, bracket and unquoted arguments and # and #[[ ]] comments. Source
 * arguments are relative to their file's directory; ${VAR} of set(),
 * list(APPEND) and file(GLOB[_RECURSE]) (matched against the tree's
 * files) and the source-directory variables are expanded.
 */
#include "rewriter/port_build.h"
#include "common/common.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cm_arg {
	size_t off, len;	/* inside the quotes for a quoted one */
};

struct cm_cmd {
	size_t name, name_len, close;	/* offsets of the name and of ')' */
	struct cm_arg *args;
	size_t n_args, cap_args;
};

struct cm_file {
	size_t fi;		/* index into t->files */
	char *dir;
	struct cm_cmd *cmds;
	size_t n, cap;
};

struct cm_var {
	char *name;
	char **words;		/* as written */
	char **dirs;		/* the directory each word is relative to */
	size_t n, cap;
};

struct cm_target {
	size_t file, cmd;
	char *name;		/* as written */
	int changed, plain, linked;
};

struct cm {
	struct port_tree *t;
	struct cm_file *files;
	size_t n_files, cap_files;
	struct cm_var *vars;
	size_t n_vars, cap_vars;
	struct cm_target *targets;
	size_t n_targets, cap_targets;
};

/* Skips a bracket [=*[ ... ]=*] at i; returns its end, or i when none starts there. */
static size_t skip_bracket(const char *s, size_t n, size_t i, size_t *in_off, size_t *in_len)
{
	size_t eq = 0, j = i + 1;

	while (j < n && s[j] == '=')
		eq++, j++;
	if (j >= n || s[j] != '[')
		return i;
	for (size_t k = j + 1; k < n; k++) {
		size_t e = 0;

		if (s[k] != ']')
			continue;
		while (k + 1 + e < n && s[k + 1 + e] == '=')
			e++;
		if (e == eq && k + 1 + e < n && s[k + 1 + e] == ']') {
			if (in_off) {
				*in_off = j + 1;
				*in_len = k - j - 1;
			}
			return k + 2 + e;
		}
	}
	return n;
}

static size_t skip_comment(const char *s, size_t n, size_t i)
{
	size_t e;

	if (i + 1 < n && s[i + 1] == '[' && (e = skip_bracket(s, n, i + 1, NULL, NULL)) != i + 1)
		return e;
	while (i < n && s[i] != '\n')
		i++;
	return i;
}

static void arg_add(struct cm_cmd *c, size_t off, size_t len)
{
	c->args = xgrow(c->args, &c->cap_args, c->n_args + 1, sizeof(*c->args));
	c->args[c->n_args++] = (struct cm_arg){ off, len };
}

/* Reads the arguments after '(' at i into c; returns the offset after ')'. */
static size_t parse_args(const char *s, size_t n, size_t i, struct cm_cmd *c)
{
	int depth = 1;

	i++;
	while (i < n) {
		size_t b = i, e, len;

		if (isspace((unsigned char)s[i])) {
			i++;
		} else if (s[i] == '#') {
			i = skip_comment(s, n, i);
		} else if (s[i] == '(') {
			depth++, i++;
		} else if (s[i] == ')') {
			if (!--depth) {
				c->close = i;
				return i + 1;
			}
			i++;
		} else if (s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			arg_add(c, b + 1, (i < n ? i : n) - b - 1);
			i = i < n ? i + 1 : n;
		} else if (s[i] == '[' && (e = skip_bracket(s, n, i, &b, &len)) != i) {
			arg_add(c, b, len);
			i = e;
		} else {
			while (i < n && !isspace((unsigned char)s[i]) && s[i] != '(' && s[i] != ')' && s[i] != '"')
				i++;
			arg_add(c, b, i - b);
		}
	}
	c->close = n;
	return n;
}

static void parse_file(struct cm_file *cf, const struct port_file *f)
{
	const char *s = f->text;
	size_t n = f->len, i = 0;

	while (i < n) {
		size_t b = i, j;

		if (s[i] == '#') {
			i = skip_comment(s, n, i);
			continue;
		}
		if (!(isalpha((unsigned char)s[i]) || s[i] == '_')) {
			i++;
			continue;
		}
		while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
			i++;
		for (j = i; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		if (j >= n || s[j] != '(')
			continue;
		cf->cmds = xgrow(cf->cmds, &cf->cap, cf->n + 1, sizeof(*cf->cmds));
		cf->cmds[cf->n] = (struct cm_cmd){ .name = b, .name_len = i - b };
		i = parse_args(s, n, j, &cf->cmds[cf->n]);
		cf->n++;
	}
}

static int cmd_is(const struct port_file *f, const struct cm_cmd *c, const char *name)
{
	return c->name_len == strlen(name) && !strncasecmp(f->text + c->name, name, c->name_len);
}

static char *arg_str(const struct port_file *f, const struct cm_cmd *c, size_t k)
{
	return xstrndup(f->text + c->args[k].off, c->args[k].len);
}

static int arg_is(const struct port_file *f, const struct cm_cmd *c, size_t k, const char *s)
{
	return k < c->n_args && c->args[k].len == strlen(s) && !memcmp(f->text + c->args[k].off, s, c->args[k].len);
}

static struct cm_var *var_get(struct cm *m, const char *name, int create)
{
	for (size_t i = 0; i < m->n_vars; i++)
		if (!strcmp(m->vars[i].name, name))
			return &m->vars[i];
	if (!create)
		return NULL;
	m->vars = xgrow(m->vars, &m->cap_vars, m->n_vars + 1, sizeof(*m->vars));
	m->vars[m->n_vars] = (struct cm_var){ .name = xstrdup(name) };
	return &m->vars[m->n_vars++];
}

static void var_add(struct cm_var *v, const char *word, const char *dir)
{
	size_t cap = v->cap;

	v->words = xgrow(v->words, &cap, v->n + 1, sizeof(char *));
	v->dirs = xgrow(v->dirs, &v->cap, v->n + 1, sizeof(char *));
	v->words[v->n] = xstrdup(word);
	v->dirs[v->n++] = xstrdup(dir);
}

static void var_clear(struct cm_var *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->words[i]);
		free(v->dirs[i]);
	}
	v->n = 0;
}

/* word with the source-directory variables replaced, relative to dir: a tree path, or NULL. */
static char *resolve(const char *dir, const char *word)
{
	static const char *const here[] = { "${CMAKE_CURRENT_SOURCE_DIR}", "${CMAKE_CURRENT_LIST_DIR}" };
	static const char *const top[] = { "${CMAKE_SOURCE_DIR}", "${PROJECT_SOURCE_DIR}", "${CMAKE_HOME_DIRECTORY}" };

	for (size_t i = 0; i < ARRAY_SIZE(here); i++)
		if (!strncmp(word, here[i], strlen(here[i])))
			return word[strlen(here[i])] == '/' ? resolve(dir, word + strlen(here[i]) + 1) : NULL;
	for (size_t i = 0; i < ARRAY_SIZE(top); i++)
		if (!strncmp(word, top[i], strlen(top[i])))
			return word[strlen(top[i])] == '/' ? resolve("", word + strlen(top[i]) + 1) : NULL;
	if (strstr(word, "${") || strstr(word, "$<"))
		return NULL;
	return port_build_path(dir, word);
}

/* file(GLOB[_RECURSE] VAR [options] patterns...): the tree's files that match, as ${CMAKE_SOURCE_DIR}/path. */
static void glob(struct cm *m, const struct port_file *f, const struct cm_cmd *c, const char *dir)
{
	int recurse = arg_is(f, c, 0, "GLOB_RECURSE");
	char *name = arg_str(f, c, 1);
	struct cm_var *v = var_get(m, name, 1);

	free(name);
	var_clear(v);
	for (size_t k = 2; k < c->n_args; k++) {
		char *pat = arg_str(f, c, k), *path;

		if (arg_is(f, c, k, "LIST_DIRECTORIES") || arg_is(f, c, k, "RELATIVE")) {
			free(pat);
			k++;
			continue;
		}
		if ((path = resolve(dir, pat))) {
			for (size_t i = 0; i < m->t->n_files; i++) {
				char *word;

				if (fnmatch(path, m->t->files[i].rel, recurse ? 0 : FNM_PATHNAME))
					continue;
				if (asprintf(&word, "${CMAKE_SOURCE_DIR}/%s", m->t->files[i].rel) >= 0) {
					var_add(v, word, "");
					free(word);
				}
			}
		}
		free(path);
		free(pat);
	}
}

/* set(), list(APPEND), file(GLOB): the variables sources may come from. */
static void note_vars(struct cm *m, const struct port_file *f, const struct cm_cmd *c, const char *dir)
{
	size_t first;
	struct cm_var *v;
	char *name;

	if (cmd_is(f, c, "set") && c->n_args >= 1)
		first = 1;
	else if (cmd_is(f, c, "list") && c->n_args >= 2 && arg_is(f, c, 0, "APPEND"))
		first = 2;
	else if (cmd_is(f, c, "file") && c->n_args >= 2 && (arg_is(f, c, 0, "GLOB") || arg_is(f, c, 0, "GLOB_RECURSE"))) {
		glob(m, f, c, dir);
		return;
	} else
		return;
	name = arg_str(f, c, first - 1);
	v = var_get(m, name, 1);
	free(name);
	if (first == 1)
		var_clear(v);
	for (size_t k = first; k < c->n_args; k++) {
		char *w;

		if (arg_is(f, c, k, "CACHE") || arg_is(f, c, k, "PARENT_SCOPE"))
			break;
		w = arg_str(f, c, k);
		var_add(v, w, dir);
		free(w);
	}
}

/* Whether the source word (relative to dir) names a changed file; claims it. */
static int source_changed(struct cm *m, struct port_changes *ch, const char *dir, const char *word, int depth)
{
	size_t len = strlen(word);
	int hit = 0;

	if (len > 3 && word[0] == '$' && word[1] == '{' && word[len - 1] == '}' && !strchr(word + 2, '$')) {
		char *name = xstrndup(word + 2, len - 3);
		struct cm_var *v = var_get(m, name, 0);

		free(name);
		if (v && depth < 8) {
			/* A list of words: one may be a list itself (a;b). */
			for (size_t i = 0; i < v->n; i++)
				hit |= source_changed(m, ch, v->dirs[i], v->words[i], depth + 1);
			return hit;
		}
	}
	if (strchr(word, ';')) {
		char *copy = xstrdup(word), *save = NULL;

		for (char *w = strtok_r(copy, ";", &save); w; w = strtok_r(NULL, ";", &save))
			hit |= source_changed(m, ch, dir, w, depth + 1);
		free(copy);
		return hit;
	}
	{
		char *path = resolve(dir, word);
		long k = path ? port_changes_find(ch, path) : -1;

		free(path);
		if (k < 0)
			return 0;
		ch->claimed[k] = 1;
		return 1;
	}
}

static int is_keyword(const struct port_file *f, const struct cm_cmd *c, size_t k)
{
	static const char *const kw[] = { "WIN32", "MACOSX_BUNDLE", "EXCLUDE_FROM_ALL", "STATIC", "SHARED",
					  "MODULE", "OBJECT", "PRIVATE", "PUBLIC", "INTERFACE" };

	for (size_t i = 0; i < ARRAY_SIZE(kw); i++)
		if (arg_is(f, c, k, kw[i]))
			return 1;
	return 0;
}

static struct cm_target *target_named(struct cm *m, const char *name)
{
	for (size_t i = 0; i < m->n_targets; i++)
		if (!strcmp(m->targets[i].name, name))
			return &m->targets[i];
	return NULL;
}

/* The sources of c from argument first on: whether one changed. */
static int sources_changed(struct cm *m, struct port_changes *ch, const struct port_file *f, const struct cm_cmd *c,
			   size_t first, const char *dir)
{
	int hit = 0;

	for (size_t k = first; k < c->n_args; k++) {
		char *w;

		if (is_keyword(f, c, k))
			continue;
		w = arg_str(f, c, k);
		hit |= source_changed(m, ch, dir, w, 0);
		free(w);
	}
	return hit;
}

static void note_target(struct cm *m, struct port_changes *ch, size_t fidx, size_t ci)
{
	const struct cm_file *cf = &m->files[fidx];
	const struct port_file *f = &m->t->files[cf->fi];
	const struct cm_cmd *c = &cf->cmds[ci];
	int lib = cmd_is(f, c, "add_library");

	if (!lib && !cmd_is(f, c, "add_executable"))
		return;
	if (c->n_args < 1 || arg_is(f, c, 1, "IMPORTED") || arg_is(f, c, 1, "ALIAS") ||
	    (lib && arg_is(f, c, 1, "INTERFACE")))
		return;
	m->targets = xgrow(m->targets, &m->cap_targets, m->n_targets + 1, sizeof(*m->targets));
	m->targets[m->n_targets++] = (struct cm_target){ .file = fidx, .cmd = ci, .name = arg_str(f, c, 0),
							 .changed = sources_changed(m, ch, f, c, 1, cf->dir) };
}

/* target_sources() and target_link_libraries() of the targets found. */
static void note_uses(struct cm *m, struct port_changes *ch, size_t fidx, size_t ci)
{
	const struct cm_file *cf = &m->files[fidx];
	const struct port_file *f = &m->t->files[cf->fi];
	const struct cm_cmd *c = &cf->cmds[ci];
	struct cm_target *tg;
	char *name;

	if (c->n_args < 2 || !(cmd_is(f, c, "target_sources") || cmd_is(f, c, "target_link_libraries")))
		return;
	name = arg_str(f, c, 0);
	tg = target_named(m, name);
	free(name);
	if (!tg)
		return;
	if (cmd_is(f, c, "target_sources")) {
		tg->changed |= sources_changed(m, ch, f, c, 1, cf->dir);
		return;
	}
	if (!is_keyword(f, c, 1) && !arg_is(f, c, 1, "LINK_PRIVATE") && !arg_is(f, c, 1, "LINK_PUBLIC") &&
	    !arg_is(f, c, 1, "LINK_INTERFACE_LIBRARIES"))
		tg->plain = 1;
	for (size_t k = 1; k < c->n_args; k++)
		if (arg_is(f, c, k, "PkgConfig::LIBPK"))
			tg->linked = 1;
}

/* Inserts text on the line after the one off is in, with that line's indentation. */
static void insert_after(struct port_file *f, size_t off, const char *text)
{
	size_t at = port_build_next_line(f, off);
	char *indent = port_build_indent(f, off), *buf;

	if (asprintf(&buf, "%s%s%s", at == f->len && f->len && f->text[f->len - 1] != '\n' ? "\n" : "", indent,
		     text) >= 0) {
		port_build_insert(f, at, buf);
		free(buf);
	}
	free(indent);
}

/* +1 when c opens a block (if, foreach, while, function, macro, block), -1 when it ends one, else 0. */
static int block_step(const struct port_file *f, const struct cm_cmd *c)
{
	static const char *const open[] = { "if", "foreach", "while", "function", "macro", "block" };
	static const char *const end[] = { "endif", "endforeach", "endwhile", "endfunction", "endmacro", "endblock" };

	for (size_t i = 0; i < ARRAY_SIZE(open); i++) {
		if (cmd_is(f, c, open[i]))
			return 1;
		if (cmd_is(f, c, end[i]))
			return -1;
	}
	return 0;
}

/*
 * Where the top file has run project(): the offset of the ')' after which
 * the lines go, 0 for the file's start. A project() inside a block (json-c
 * calls it in both branches of if (CMAKE_VERSION VERSION_LESS 3.0)) has
 * run once the outermost block that holds it ends: a line put next to it
 * would run in that branch alone. One inside a function or macro runs
 * only when called, so it does not count. Without project(), the lines
 * follow cmake_minimum_required().
 */
static size_t after_project(const struct cm_file *cf, const struct port_file *f)
{
	size_t after = 0;
	int depth = 0, defs = 0, pending = 0;

	for (size_t i = 0; i < cf->n; i++) {
		const struct cm_cmd *c = &cf->cmds[i];
		int step = block_step(f, c);

		if (step < 0) {
			depth -= depth > 0;
			defs -= defs > 0 && (cmd_is(f, c, "endfunction") || cmd_is(f, c, "endmacro"));
			if (!depth && pending)
				return c->close;
			continue;
		}
		if (cmd_is(f, c, "project") && !defs) {
			if (!depth)
				return c->close;
			pending = 1;
		} else if (cmd_is(f, c, "cmake_minimum_required") && !depth && !pending) {
			after = c->close;
		}
		depth += step;
		defs += cmd_is(f, c, "function") || cmd_is(f, c, "macro");
	}
	return after;
}

static int adapt_root(struct cm *m, int global)
{
	const struct cm_file *cf = NULL;
	const struct port_file *f;
	size_t after;

	for (size_t i = 0; i < m->n_files && !cf; i++)
		if (!strcmp(m->t->files[m->files[i].fi].rel, "CMakeLists.txt"))
			cf = &m->files[i];
	if (!cf)
		return -1;
	f = &m->t->files[cf->fi];
	if (strstr(f->text, "pkg_check_modules(LIBPK"))
		return 0;
	after = after_project(cf, f);
	{
		const char *text = global ? "\n# " PORT_BUILD_WHY "; files no target lists (headers)\n"
					    "# may be included from anywhere: every target links it\n"
					    "find_package(PkgConfig REQUIRED)\n"
					    "pkg_check_modules(LIBPK REQUIRED IMPORTED_TARGET libpk)\n"
					    "link_libraries(PkgConfig::LIBPK)\n"
					  : "\n# " PORT_BUILD_WHY "\n"
					    "find_package(PkgConfig REQUIRED)\n"
					    "pkg_check_modules(LIBPK REQUIRED IMPORTED_TARGET libpk)\n";

		if (after)
			insert_after(&m->t->files[cf->fi], after, text);
		else
			port_build_insert(&m->t->files[cf->fi], 0, text + 1);
	}
	return 1;
}

static void cm_release(struct cm *m)
{
	for (size_t i = 0; i < m->n_files; i++) {
		for (size_t k = 0; k < m->files[i].n; k++)
			free(m->files[i].cmds[k].args);
		free(m->files[i].cmds);
		free(m->files[i].dir);
	}
	free(m->files);
	for (size_t i = 0; i < m->n_vars; i++) {
		var_clear(&m->vars[i]);
		free(m->vars[i].words);
		free(m->vars[i].dirs);
		free(m->vars[i].name);
	}
	free(m->vars);
	for (size_t i = 0; i < m->n_targets; i++)
		free(m->targets[i].name);
	free(m->targets);
}

int port_build_cmake(struct port_tree *t, struct port_build *b, struct port_changes *ch, FILE *msg)
{
	struct cm m = { .t = t };
	size_t n, *fis = port_build_find(t, "CMakeLists.txt", &n);
	int ret, global;

	(void)b;
	/* The top file first: its variables are seen below. */
	for (size_t i = 1; i < n; i++)
		if (!strcmp(t->files[fis[i]].rel, "CMakeLists.txt")) {
			size_t top = fis[i];

			memmove(fis + 1, fis, i * sizeof(*fis));
			fis[0] = top;
		}
	for (size_t i = 0; i < n; i++) {
		m.files = xgrow(m.files, &m.cap_files, m.n_files + 1, sizeof(*m.files));
		m.files[m.n_files] = (struct cm_file){ .fi = fis[i], .dir = port_build_dir(t->files[fis[i]].rel) };
		parse_file(&m.files[m.n_files], &t->files[fis[i]]);
		m.n_files++;
	}
	free(fis);
	for (size_t i = 0; i < m.n_files; i++)
		for (size_t k = 0; k < m.files[i].n; k++) {
			note_vars(&m, &t->files[m.files[i].fi], &m.files[i].cmds[k], m.files[i].dir);
			note_target(&m, ch, i, k);
		}
	for (size_t i = 0; i < m.n_files; i++)
		for (size_t k = 0; k < m.files[i].n; k++)
			note_uses(&m, ch, i, k);
	global = !port_changes_all_claimed(ch);
	if ((ret = adapt_root(&m, global)) < 0) {
		fprintf(msg, "parakit port: no CMakeLists.txt at the root: link the targets with "
			     "pkg_check_modules(LIBPK REQUIRED IMPORTED_TARGET libpk)\n");
		goto out;
	}
	for (size_t i = 0; i < m.n_targets; i++) {
		const struct cm_target *tg = &m.targets[i];
		struct port_file *f = &t->files[m.files[tg->file].fi];
		char *line;

		if (!tg->changed || tg->linked || (global && ret > 0))
			continue;
		if (asprintf(&line, "target_link_libraries(%s %sPkgConfig::LIBPK)\n", tg->name,
			     tg->plain ? "" : "PRIVATE ") < 0)
			continue;
		insert_after(f, m.files[tg->file].cmds[tg->cmd].close, line);
		free(line);
		ret = 1;
	}
out:
	cm_release(&m);
	return ret;
}
