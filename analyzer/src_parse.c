/*
 * One translation unit through libclang: its call sites, the functions
 * whose address it takes, its errno uses, the #if branches it skipped and
 * its diagnostics.
 *
 * The AST is walked by hand (a visitor that recurses itself) so that each
 * node knows its ancestors: whether a call's value is used depends on its
 * parent, and whether a DeclRefExpr names the callee of a call or takes a
 * function's address depends on the path up to the CallExpr. The callee is
 * found by walking down the call's first child through implicit casts and
 * parentheses to the DeclRefExpr, as clang_getCursorReferenced() on a call
 * through a function-like macro gives the macro's extent and (read)(...)
 * is no DeclRefExpr at all. Top-level declarations from system headers are
 * not entered: most of a TU is libc's headers.
 *
 * Positions: the callee's name is located twice. Its expansion location
 * is where the outermost macro was invoked; its file location is where
 * the tree's file spells it: the argument's text inside a macro argument,
 * the macro's invocation for a macro body. The identifier found at the
 * file location tells a body (a macro's name, not the callee's) from the
 * rest; file != expansion then tells a macro argument. Both need only the
 * file's buffer, no detailed preprocessing record. glibc's fortify macros
 * (printf expanding to __printf_chk under clang with _FORTIFY_SOURCE) are
 * macros named after the function they call: those calls count as written
 * directly, at the macro's name.
 *
 * errno is glibc's macro (*__errno_location ()): a call to it is an errno
 * use, linked to the POSIX call before it in the same function. Calls are
 * recorded after their arguments are visited (post-order), so in
 * f(errno) the errno read comes before f.
 */
#include "analyzer/src_tree.h"
#include "common/common.h"

#include <clang-c/Index.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DIAGS 50	/* kept per TU; the rest are counted */

struct src_parser {
	CXIndex index;
	char *root;
};

struct src_parser *src_parser_new(const char *root)
{
	struct src_parser *p = xcalloc(1, sizeof(*p));

	p->root = xstrdup(root);
	p->index = clang_createIndex(0, 0);
	if (!p->index) {
		free(p->root);
		free(p);
		return NULL;
	}
	return p;
}

void src_parser_free(struct src_parser *p)
{
	if (!p)
		return;
	clang_disposeIndex(p->index);
	free(p->root);
	free(p);
}

void src_result_release(struct src_result *r)
{
	free(r->sites);
	free(r->errnos);
	free(r->diags);
	free(r->skips);
	strpool_release(&r->pool);
	memset(r, 0, sizeof(*r));
}

/* What a CXFile of the TU is to us: the path under the root, or nothing. */
struct file_ent {
	CXFile file;
	size_t rel;	/* strpool offset; 0: not the tree's */
};

struct visit {
	struct src_result *r;
	CXTranslationUnit tu;
	const char *root;
	size_t rootlen;
	struct file_ent *files;
	size_t n_files, cap_files;
	size_t caller;		/* strpool offset of the enclosing function */
	long last_posix;	/* site index of the last POSIX call in it */
};

/* An AST node on the path being visited. */
struct frame {
	struct visit *v;
	struct frame *up;
	CXCursor cursor;
	enum CXCursorKind kind;
	unsigned index;		/* among its parent's children */
	unsigned n_children;
	CXCursor callee;	/* CallExpr: the DeclRefExpr naming the callee */
	int has_callee;
};

static size_t pool_add(struct visit *v, const char *s)
{
	return strpool_add(&v->r->pool, s, strlen(s));
}

/* The tree-relative path of file, 0 when it is outside the root. */
static size_t file_rel(struct visit *v, CXFile file)
{
	char buf[PATH_MAX];
	const char *path;
	CXString s;
	size_t rel = 0;

	if (!file)
		return 0;
	for (size_t i = 0; i < v->n_files; i++)
		if (v->files[i].file == file)
			return v->files[i].rel;
	s = clang_File_tryGetRealPathName(file);
	path = clang_getCString(s);
	if (!path || !*path) {
		clang_disposeString(s);
		s = clang_getFileName(file);
		path = realpath(clang_getCString(s), buf) ? buf : clang_getCString(s);
	}
	if (path && !strncmp(path, v->root, v->rootlen) &&
	    (path[v->rootlen] == '/' || (v->rootlen == 1 && v->root[0] == '/')))
		rel = pool_add(v, path + v->rootlen + (path[v->rootlen] == '/'));
	clang_disposeString(s);
	v->files = xgrow(v->files, &v->cap_files, v->n_files + 1, sizeof(*v->files));
	v->files[v->n_files++] = (struct file_ent){ file, rel };
	return rel;
}

/* The identifier at offset off of file, into buf. */
static const char *ident_at(struct visit *v, CXFile file, unsigned off, char *buf, size_t size)
{
	size_t len = 0, n;
	const char *text = clang_getFileContents(v->tu, file, &n);

	if (!text)
		return NULL;
	while (off + len < n && len + 1 < size &&
	       (text[off + len] == '_' || (text[off + len] >= 'a' && text[off + len] <= 'z') ||
		(text[off + len] >= 'A' && text[off + len] <= 'Z') ||
		(len && text[off + len] >= '0' && text[off + len] <= '9')))
		len++;
	if (!len)
		return NULL;
	memcpy(buf, text + off, len);
	buf[len] = 0;
	return buf;
}

/* Where a name is written: see the file header. */
struct where {
	size_t file;
	unsigned line, col;
	int in_macro, macro_arg;
	char macro[128];
};

/*
 * Fills w for loc, the position of a callee's name; returns 0 when loc is
 * the tree's, -1 otherwise. libclang 14's clang_getSpellingLocation()
 * gives the expansion point for a macro body's tokens, so a body is told
 * by the text instead: the identifier at the file location is the callee's
 * own name when it is written there, a macro's name when a macro body
 * wrote the call.
 */
static int locate(struct visit *v, CXSourceLocation loc, const char *callee, struct where *w)
{
	CXFile ef, ff;
	unsigned el, ec, eo, fo;
	char here[128];

	if (clang_Location_isInSystemHeader(loc))
		return -1;
	clang_getExpansionLocation(loc, &ef, &el, &ec, &eo);
	clang_getFileLocation(loc, &ff, &w->line, &w->col, &fo);
	if (!(w->file = file_rel(v, ff)))
		return -1;
	if (!ident_at(v, ff, fo, here, sizeof(here)))
		here[0] = 0;
	w->macro[0] = 0;
	if (strcmp(here, callee)) {
		/* From the body of the macro named here. */
		w->in_macro = 1;
		w->macro_arg = 0;
		memcpy(w->macro, here, sizeof(here));
	} else {
		/* Written here: inside the arguments of the macro at the
		 * expansion point when that is elsewhere. */
		w->in_macro = w->macro_arg = !(ff == ef && fo == eo);
		if (w->in_macro && !ident_at(v, ef, eo, w->macro, sizeof(w->macro)))
			w->macro[0] = 0;
	}
	return 0;
}

static int is_errno_function(const char *name)
{
	/* glibc, musl, the BSDs and macOS. */
	return !strcmp(name, "__errno_location") || !strcmp(name, "___errno_location") ||
	       !strcmp(name, "__error") || !strcmp(name, "__errno");
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData data);

static void descend(struct frame *f)
{
	clang_visitChildren(f->cursor, visit, f);
}

static enum CXChildVisitResult first_child(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	*(CXCursor *)data = c;
	return CXChildVisit_Break;
}

/* The DeclRefExpr naming a call's callee when it is a function: down the
 * first child through implicit casts and parentheses. */
static int find_callee(CXCursor call, CXCursor *out)
{
	CXCursor c = call;

	for (int depth = 0; depth < 64; depth++) {
		CXCursor next = clang_getNullCursor();
		enum CXCursorKind k;

		clang_visitChildren(c, first_child, &next);
		if (clang_Cursor_isNull(next))
			return 0;
		k = clang_getCursorKind(next);
		if (k == CXCursor_DeclRefExpr) {
			CXCursor ref = clang_getCursorReferenced(next);

			if (clang_getCursorKind(ref) != CXCursor_FunctionDecl)
				return 0;
			*out = next;
			return 1;
		}
		if (k != CXCursor_UnexposedExpr && k != CXCursor_ParenExpr)
			return 0;
		c = next;
	}
	return 0;
}

/* The offsets of the two ';' of a for statement's header, by tokens. */
static int for_semicolons(struct visit *v, CXCursor stmt, unsigned semi[2])
{
	CXToken *toks = NULL;
	unsigned n = 0, found = 0;
	int depth = 0;

	clang_tokenize(v->tu, clang_getCursorExtent(stmt), &toks, &n);
	for (unsigned i = 0; i < n && found < 2; i++) {
		CXString s;
		const char *t;

		if (clang_getTokenKind(toks[i]) != CXToken_Punctuation)
			continue;
		s = clang_getTokenSpelling(v->tu, toks[i]);
		t = clang_getCString(s);
		if (!strcmp(t, "("))
			depth++;
		else if (!strcmp(t, ")"))
			depth--;
		else if (!strcmp(t, ";") && depth == 1)
			clang_getExpansionLocation(clang_getTokenLocation(v->tu, toks[i]), NULL, NULL, NULL,
						   &semi[found++]);
		clang_disposeString(s);
	}
	clang_disposeTokens(v->tu, toks, n);
	return found == 2 ? 0 : -1;
}

/*
 * Whether the value of the call at f is used: not when it stands as a
 * statement (in a block, as the body of if/while/for/do/switch/label, as
 * for's init or increment) or is cast to void.
 * NEEDSWORK: the left operand of a comma operator counts as used.
 */
static int value_used(struct frame *f)
{
	struct frame *p = f->up;
	unsigned idx = f->index;

	while (p && p->kind == CXCursor_ParenExpr) {
		idx = p->index;
		p = p->up;
	}
	if (!p)
		return 1;
	switch (p->kind) {
	case CXCursor_CompoundStmt:
	case CXCursor_LabelStmt:
	case CXCursor_DefaultStmt:
		return 0;
	case CXCursor_CaseStmt:
		return idx == 0;
	case CXCursor_CStyleCastExpr:
		return clang_getCursorType(p->cursor).kind != CXType_Void;
	case CXCursor_IfStmt:
	case CXCursor_WhileStmt:
	case CXCursor_SwitchStmt:
		return idx == 0;
	case CXCursor_DoStmt:
		return idx == 1;
	case CXCursor_ForStmt: {
		unsigned semi[2], off;

		if (for_semicolons(f->v, p->cursor, semi))
			return 1;
		clang_getExpansionLocation(clang_getRangeStart(clang_getCursorExtent(f->cursor)), NULL, NULL,
					   NULL, &off);
		return off > semi[0] && off < semi[1];
	}
	default:
		return 1;
	}
}

/* scan's glibc normalisation, and clang's builtins: glibc's fortify
 * macros call __builtin___snprintf_chk, code may call __builtin_memcpy. */
static const char *posix_name(const char *callee)
{
	if (!strncmp(callee, "__builtin_", 10))
		callee += 10;
	return db_posix_name(callee);
}

static struct src_site *site_add(struct visit *v)
{
	struct src_result *r = v->r;

	r->sites = xgrow(r->sites, &r->cap_sites, r->n_sites + 1, sizeof(*r->sites));
	memset(&r->sites[r->n_sites], 0, sizeof(r->sites[0]));
	return &r->sites[r->n_sites++];
}

static void record(struct frame *f, CXCursor ref_expr, enum src_kind kind)
{
	struct visit *v = f->v;
	CXCursor fn = clang_getCursorReferenced(ref_expr);
	CXString name = clang_getCursorSpelling(fn);
	const char *callee = clang_getCString(name), *posix;
	struct where w;
	struct src_site *s;

	if (locate(v, clang_getCursorLocation(ref_expr), callee, &w))
		goto out;
	if (kind == SRC_CALL && is_errno_function(callee)) {
		struct src_errno *e;

		v->r->errnos = xgrow(v->r->errnos, &v->r->cap_errnos, v->r->n_errnos + 1, sizeof(*e));
		e = &v->r->errnos[v->r->n_errnos++];
		*e = (struct src_errno){ w.file, w.line, w.col, v->caller, v->last_posix };
		if (v->last_posix >= 0)
			v->r->sites[v->last_posix].errno_after = 1;
		goto out;
	}
	posix = posix_name(callee);
	/* Compiler builtins that stand for no library function
	 * (__builtin_object_size, __builtin_expect) are no calls. */
	if (!posix && !strncmp(callee, "__builtin_", 10))
		goto out;
	/* A fortify macro named after its function is a direct call. */
	if (w.in_macro && !w.macro_arg && posix && !strcmp(w.macro, posix)) {
		w.in_macro = 0;
		w.macro[0] = 0;
	}
	s = site_add(v);
	s->file = w.file;
	s->line = w.line;
	s->col = w.col;
	s->caller = v->caller;
	s->callee = pool_add(v, callee);
	s->posix_name = posix;
	s->kind = kind;
	s->in_macro = w.in_macro;
	s->macro_arg = w.macro_arg;
	s->macro = w.macro[0] ? pool_add(v, w.macro) : 0;
	/* Calls from one macro body share a position: number them, so that
	 * a header's calls, seen again by every TU, keep their identity. */
	for (size_t i = v->r->n_sites - 1; i-- > 0 && v->r->n_sites - i < 64;) {
		const struct src_site *o = &v->r->sites[i];

		if (o->line == s->line && o->col == s->col && o->file == s->file && o->kind == s->kind &&
		    !strcmp(strpool_get(&v->r->pool, o->callee), callee)) {
			s->seq = o->seq + 1;
			break;
		}
	}
	if (kind == SRC_ADDRESS || clang_getCursorType(f->cursor).kind == CXType_Void)
		s->ret_used = -1;
	else
		s->ret_used = value_used(f);
	if (kind == SRC_CALL && posix)
		v->last_posix = v->r->n_sites - 1;
out:
	clang_disposeString(name);
}

/* Whether the DeclRefExpr at f is the callee of the call it sits in. */
static int is_callee(struct frame *f)
{
	struct frame *p = f->up;

	while (p && (p->kind == CXCursor_UnexposedExpr || p->kind == CXCursor_ParenExpr))
		p = p->up;
	return p && p->kind == CXCursor_CallExpr && p->has_callee && clang_equalCursors(p->callee, f->cursor);
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData data)
{
	struct frame *up = data;
	struct visit *v = up->v;
	struct frame f = { .v = v, .up = up, .cursor = c, .kind = clang_getCursorKind(c),
			   .index = up->n_children++ };

	(void)parent;
	switch (f.kind) {
	case CXCursor_FunctionDecl:
		if (clang_isCursorDefinition(c)) {
			size_t caller = v->caller;
			long last = v->last_posix;
			CXString name = clang_getCursorSpelling(c);

			v->caller = pool_add(v, clang_getCString(name));
			v->last_posix = -1;
			clang_disposeString(name);
			descend(&f);
			v->caller = caller;
			v->last_posix = last;
		}
		break;
	case CXCursor_CallExpr:
		f.has_callee = find_callee(c, &f.callee);
		descend(&f);
		if (f.has_callee)
			record(&f, f.callee, SRC_CALL);
		break;
	case CXCursor_DeclRefExpr:
		if (clang_getCursorKind(clang_getCursorReferenced(c)) == CXCursor_FunctionDecl && !is_callee(&f))
			record(&f, c, SRC_ADDRESS);
		break;
	default:
		descend(&f);
	}
	return CXChildVisit_Continue;
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent, CXClientData data)
{
	enum CXCursorKind k = clang_getCursorKind(c);

	if (clang_isPreprocessing(k) || clang_Location_isInSystemHeader(clang_getCursorLocation(c)))
		return CXChildVisit_Continue;
	return visit(c, parent, data);
}

static void diag_add(struct visit *v, CXDiagnostic d)
{
	enum CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);
	struct src_result *r = v->r;
	struct src_diag *e;
	CXString msg, fname;
	CXFile file;
	unsigned line, col;

	if (sev < CXDiagnostic_Error)
		return;
	r->status = SRC_ERRORS;
	if (r->n_diags >= MAX_DIAGS) {
		r->n_diags_dropped++;
		return;
	}
	r->diags = xgrow(r->diags, &r->cap_diags, r->n_diags + 1, sizeof(*e));
	e = &r->diags[r->n_diags++];
	clang_getExpansionLocation(clang_getDiagnosticLocation(d), &file, &line, &col, NULL);
	msg = clang_getDiagnosticSpelling(d);
	fname = clang_getFileName(file);
	e->file = file ? (file_rel(v, file) ? file_rel(v, file) : pool_add(v, clang_getCString(fname))) : 0;
	e->line = line;
	e->col = col;
	e->severity = sev == CXDiagnostic_Fatal ? "fatal" : "error";
	e->message = pool_add(v, clang_getCString(msg));
	clang_disposeString(msg);
	clang_disposeString(fname);
}

static void skipped_ranges(struct visit *v)
{
	CXSourceRangeList *l = clang_getAllSkippedRanges(v->tu);

	for (unsigned i = 0; l && i < l->count; i++) {
		CXSourceLocation a = clang_getRangeStart(l->ranges[i]), b = clang_getRangeEnd(l->ranges[i]);
		struct src_skip *s;
		CXFile f;
		unsigned first, last;
		size_t rel;

		if (clang_Location_isInSystemHeader(a))
			continue;
		clang_getFileLocation(a, &f, &first, NULL, NULL);
		clang_getFileLocation(b, NULL, &last, NULL, NULL);
		if (!(rel = file_rel(v, f)))
			continue;
		v->r->skips = xgrow(v->r->skips, &v->r->cap_skips, v->r->n_skips + 1, sizeof(*s));
		s = &v->r->skips[v->r->n_skips++];
		*s = (struct src_skip){ rel, first, last };
	}
	clang_disposeSourceRangeList(l);
}

static const char *cx_error(enum CXErrorCode e)
{
	switch (e) {
	case CXError_Crashed:
		return "libclang crashed while parsing it";
	case CXError_InvalidArguments:
		return "libclang rejected the arguments";
	case CXError_ASTReadError:
		return "libclang could not read the AST";
	default:
		return "libclang could not parse it";
	}
}

/*
 * libclang's -working-directory changes the working directory of the whole
 * process (LLVM's real file system is process-wide), so workers parsing
 * translation units of different directories would move it under each
 * other, and a relative -I would find the other's headers. A worker holds
 * the directory while it parses and walks a TU: TUs of one directory (most
 * builds have a single one) run side by side, another directory waits
 * until they are done. The last one out goes back to where it started.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;
	const char *dir;	/* the one in use, by @users parses */
	int users;
	int home;		/* the starting directory (O_PATH), or -1 */
	int home_known;
} cwd = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, -1, 0 };

static void cwd_hold(const char *dir)
{
	pthread_mutex_lock(&cwd.lock);
	while (cwd.users && strcmp(cwd.dir, dir))
		pthread_cond_wait(&cwd.idle, &cwd.lock);
	if (!cwd.home_known) {
		cwd.home = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		cwd.home_known = 1;
	}
	cwd.dir = dir;
	cwd.users++;
	pthread_mutex_unlock(&cwd.lock);
}

static void cwd_release(void)
{
	pthread_mutex_lock(&cwd.lock);
	if (--cwd.users == 0) {
		if (cwd.home >= 0 && fchdir(cwd.home))
			util_err("warning: cannot return to the starting directory: %s", strerror(errno));
		pthread_cond_broadcast(&cwd.idle);
	}
	pthread_mutex_unlock(&cwd.lock);
}

void src_parse(struct src_parser *p, const struct src_tu *tu, struct src_result *r)
{
	static const char *const extra[] = { "-working-directory" };
	struct visit v = { .r = r, .last_posix = -1 };
	struct frame top = { .v = &v };
	const char **argv;
	enum CXErrorCode err;
	uint64_t t0 = util_now_ns();
	unsigned opts = CXTranslationUnit_KeepGoing | CXTranslationUnit_DetailedPreprocessingRecord;
	int argc = 0;

	memset(r, 0, sizeof(*r));
	r->tu = tu;
	v.root = p->root;
	v.rootlen = strlen(p->root);
	/* The TU's directory goes in its argv; libclang moves there (cwd_hold). */
	argv = xcalloc(tu->argc + 3, sizeof(*argv));
	argv[argc++] = tu->argv[0];
	argv[argc++] = extra[0];
	argv[argc++] = tu->directory;
	for (int i = 1; i < tu->argc; i++)
		argv[argc++] = tu->argv[i];
	cwd_hold(tu->directory);
	err = clang_parseTranslationUnit2FullArgv(p->index, NULL, argv, argc, NULL, 0, opts, &v.tu);
	free(argv);
	if (err != CXError_Success || !v.tu) {
		struct src_diag *e;

		r->status = SRC_FAILED;
		r->diags = xgrow(r->diags, &r->cap_diags, 1, sizeof(*e));
		e = &r->diags[r->n_diags++];
		if (access(tu->file, R_OK)) {
			char msg[256];

			snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
			*e = (struct src_diag){ 0, 0, 0, "fatal", pool_add(&v, msg) };
		} else {
			*e = (struct src_diag){ 0, 0, 0, "fatal", pool_add(&v, cx_error(err)) };
		}
		goto out;
	}
	for (unsigned i = 0, n = clang_getNumDiagnostics(v.tu); i < n; i++) {
		CXDiagnostic d = clang_getDiagnostic(v.tu, i);

		diag_add(&v, d);
		clang_disposeDiagnostic(d);
	}
	top.cursor = clang_getTranslationUnitCursor(v.tu);
	top.kind = CXCursor_TranslationUnit;
	clang_visitChildren(top.cursor, visit_top, &top);
	skipped_ranges(&v);
out:
	clang_disposeTranslationUnit(v.tu);
	cwd_release();
	free(v.files);
	r->seconds = (util_now_ns() - t0) / 1e9;
}
