/*
 * parakit shim: from what a binary imports to a preloadable library that
 * routes exactly those of its functions libpk implements through io_uring,
 * and passes the rest to libc.
 *
 * The imports come from the database (tables binary, import, symbol, by the
 * binary's content hash). A binary the database does not hold yet is scanned
 * by running 'parakit scan' as a child process: one code path fills the
 * database whoever asks (package attribution, aliases, errors recorded),
 * and shimgen never reaches into the scanner's internals; the cost is one
 * fork and exec, a few milliseconds.
 *
 * What a preload cannot serve is refused before anything is generated:
 * static binaries (no dynamic linker to interpose with), setuid and setgid
 * binaries (the loader ignores LD_PRELOAD for them) and Go binaries (their
 * runtime makes system calls itself, not through libc).
 *
 * The binary is known by its identity as the scanner records it
 * (elf_identify(), analyzer/elf.h), computed by the scanner's code: a
 * private copy of the hash once made every binary over 1 MiB unknown.
 *
 * --run finds the program as execvp(3) does, builds into a cache keyed by
 * the binary's hash and the templates' hash
 * (${XDG_CACHE_HOME:-~/.cache}/parakit/shims/), then execs the binary
 * with the shim in LD_PRELOAD: its exit status and signals are its own;
 * a shim from the cache has its decisions recorded in the database as a
 * build has (the database may be another one than the build's);
 * parakit's failures follow env(1) (125, 126, 127). A program it cannot
 * shim (a script, a refused binary) is not run unless --or-plain asks for
 * that, and then stderr says so: a program run without its shim would
 * otherwise pass for one run with it.
 */
#include "analyzer/elf.h"
#include "common/common.h"
#include "common/json.h"
#include "common/options.h"
#include "db/db.h"
#include "parakit.h"
#include "shimgen/shim.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

static const char *const synopsis[] = {
	"parakit shim [--db FILE] [-o OUT.so] [--keep-source DIR] [--json] BINARY",
	"parakit shim --run [--or-plain] [--db FILE] -- BINARY [ARGS...]",
	NULL
};

static const struct util_usage usage = {
	.synopsis = synopsis,
	.description =
		"Generates a POSIX compatibility library for one dynamically linked\n"
		"binary: the functions it imports that libpk implements (read, write,\n"
		"open, close, sockets, poll, sleeps...) are routed through io_uring, the\n"
		"rest is left to libc. Prints each decision and the line that runs the\n"
		"binary under the shim; the decisions go to the database (view v_shims).\n"
		"A binary the database does not hold is scanned into it first.\n"
		"\n"
		"--run builds the shim if needed, cached by the binary's hash, and runs\n"
		"BINARY ARGS under it; BINARY is found as execvp(3) finds it. A shim\n"
		"from the cache has its decisions recorded too, when the database lacks them.\n",
	.notes =
		"Refused, with the reason: static binaries, setuid/setgid binaries, Go\n"
		"binaries. Under a shim, PK_SQPOLL=1 (one SQPOLL kernel thread per\n"
		"process) takes the system calls off the data path; no more processes\n"
		"poll at once than there are CPUs to spare (PK_SQPOLL_SLOTS=N sets the\n"
		"number, 0 for no limit). PK_SHIM=off turns the shim into a pass-through.\n",
	.exit_status =
		"0 when the shim was built, 1 when it was refused or failed,\n"
		"2 on bad usage. With --run: the program's status; 125 when parakit\n"
		"failed or no shim can be made (without --or-plain), 126 when BINARY\n"
		"cannot run, 127 when it is not found.\n",
	.examples =
		"parakit shim /usr/bin/cat && LD_PRELOAD=$PWD/cat.pk.so cat big.file\n"
		"parakit shim --run -- cat big.file | parakit shim --run -- tee copy\n",
	.args = UTIL_ARGS_COMMAND,
};

static struct shim_opts {
	const char *db;
	const char *out;
	const char *keep;
	int json, run, or_plain;
} opts;

/* One binary to shim and what was found out about it. */
struct target {
	const char *given;	/* as on the command line */
	char exec[PATH_MAX];	/* the file execvp(3) would run for it */
	char path[PATH_MAX];	/* that file, absolute, symbolic links followed */
	char hash[33];
	char why[PATH_MAX + 128];	/* why it is no ELF file we can read */
	const char *refused;	/* static storage, or NULL */
	struct decision {
		char *symbol;
		const struct shim_rule *rule;	/* in the table, or NULL: own */
		struct shim_rule own;
	} *d;
	size_t n, cap;
	size_t counts[3];
};

static const struct shim_rule *rule_of(const struct decision *d)
{
	return d->rule ? d->rule : &d->own;
}

static void target_release(struct target *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->d[i].symbol);
	free(t->d);
	t->d = NULL;
	t->n = t->cap = 0;
}

/*
 * What execve(2) would say of running @path, without running it: 0, or
 * -errno (EACCES for a directory, a file we may not execute or one on a
 * noexec mount).
 */
static int exec_check(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) ? -errno : 0;
}

/*
 * Finds @name as execvp(3) does (glibc's __execvpe), into @found: a name
 * with a slash is a path; otherwise each PATH entry in turn, an empty entry
 * being the current directory and PATH unset confstr's _CS_PATH. A
 * candidate that is missing, or that execve would refuse with EACCES, is
 * skipped and the EACCES remembered; any other error ends the search, as
 * it ends execvp's. Returns 0, or -errno: -EACCES when a candidate was
 * refused, else the last candidate's error (-ENOENT when none was found).
 */
static int resolve(const char *name, char found[PATH_MAX])
{
	const char *path = getenv("PATH"), *p, *end;
	char defpath[64];
	int r, last = -ENOENT, eacces = 0;

	if (!*name)
		return -ENOENT;
	if (strchr(name, '/'))
		return shim_pathf(found, PATH_MAX, "%s", name) ? -ENAMETOOLONG : exec_check(found);
	if (strnlen(name, NAME_MAX) + 1 > NAME_MAX)
		return -ENAMETOOLONG;
	if (!path) {
		confstr(_CS_PATH, defpath, sizeof(defpath));
		path = defpath;
	}
	for (p = path; ; p = end + 1) {
		end = strchrnul(p, ':');
		/* As glibc builds it: "dir/name", or "name" for an empty
		 * entry; an entry too long to be a path is skipped. */
		if (!shim_pathf(found, PATH_MAX, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", name)) {
			r = exec_check(found);
			switch (-r) {
			case 0:
				return 0;
			case EACCES:
				eacces = 1;
				/* fall through */
			case ENOENT:
			case ESTALE:
			case ENOTDIR:
			case ENODEV:
			case ETIMEDOUT:
				last = r;
				break;
			default:
				return r;
			}
		}
		if (!*end)
			break;
	}
	return eacces ? -EACCES : last;
}

/*
 * Sets t->exec and t->path for t->given. To run it, it is found as execvp
 * finds a program; to shim it, a name with a slash is any file (a binary
 * to read, not to run) and one without is found as to run it.
 */
static int locate(struct target *t, int to_run)
{
	int r;

	if (!to_run && strchr(t->given, '/'))
		r = shim_pathf(t->exec, sizeof(t->exec), "%s", t->given) ? -ENAMETOOLONG : 0;
	else
		r = resolve(t->given, t->exec);
	if (!r && !realpath(t->exec, t->path))
		r = -errno;
	return r;
}

/*
 * Whether the file on @fd is a script, saying so in t->why: no preload
 * reaches the program that runs it. Its #! line is quoted up to the first
 * byte that is not printable ASCII, so a hostile file cannot write to the
 * terminal.
 */
static int is_script(struct target *t, int fd)
{
	unsigned char head[80];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	int len = 2;

	if (n < 2 || head[0] != '#' || head[1] != '!')
		return 0;
	while (len < n && head[len] >= 0x20 && head[len] < 0x7f)
		len++;
	snprintf(t->why, sizeof(t->why), "'%s' is a script (%.*s%s): shim its interpreter",
		 t->path, len, (const char *)head, len == (int)sizeof(head) ? "..." : "");
	return 1;
}

/*
 * Whether @e, whose headers were checked (elf_check_headers()), asks for a
 * dynamic loader (*interp) and carries Go's sections (*go). Returns 0, or
 * -1 when its program headers cannot be read (elf_errmsg(-1) says why): a
 * file we cannot read must not pass for a static one.
 */
static int read_facts(Elf *e, int *interp, int *go)
{
	Elf_Scn *scn = NULL;
	size_t nph, shstrndx;

	if (elf_getphdrnum(e, &nph))
		return -1;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph))
			return -1;
		if (ph.p_type == PT_INTERP)
			*interp = 1;
	}
	/* No section names (a stripped section table): no Go sections. */
	if (elf_getshdrstrndx(e, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".go.buildinfo") || !strcmp(name, ".note.go.buildid") ||
		    !strcmp(name, ".gopclntab"))
			*go = 1;
	}
	return 0;
}

/*
 * Opens t->path as the scanner does, checks its headers and computes its
 * identity as the scanner does (t->hash), and looks at what makes a preload useless
 * (t->refused): set-id bits, Go's sections, no PT_INTERP (static).
 * Returns 0, or -1 with t->why saying why it is no ELF file that can be
 * read. Prints nothing.
 */
static int inspect(struct target *t)
{
	int fd, r = -1, interp = 0, go = 0;
	const char *why = NULL;
	struct stat st;
	GElf_Ehdr eh;
	Elf *e = NULL;

	/* O_NONBLOCK: a FIFO given as the binary must not hang us. */
	fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(t->why, sizeof(t->why), "cannot read '%s': %s", t->path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
		goto out;
	}
	if (is_script(t, fd))
		goto out;
	e = elf_open_fd(fd);
	if (!e) {
		why = elf_errmsg(-1);
		goto out;
	}
	if (elf_check_headers(e, &eh, &why) || elf_identify(e, t->hash, &why))
		goto out;
	if (read_facts(e, &interp, &go)) {
		why = elf_errmsg(-1);
		goto out;
	}
	r = 0;
	if (st.st_mode & (S_ISUID | S_ISGID))
		t->refused = "setuid or setgid binary: the dynamic loader ignores LD_PRELOAD for it";
	else if (go)
		t->refused = "Go binary: its runtime makes system calls itself, not through libc";
	else if (!interp)
		t->refused = "static binary (no dynamic loader): nothing can be preloaded into it";
out:
	if (why)
		snprintf(t->why, sizeof(t->why), "%s", why);
	elf_end(e);
	if (fd >= 0)
		close(fd);
	return r;
}

static long long binary_id(sqlite3 *db, const char *hash)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT binary_id FROM v_binaries WHERE hash = ?");
	long long id = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* Runs 'parakit scan --db DB PATH' (this very executable). Returns its status. */
static int scan_child(const char *dbpath, const char *path)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int status, fd;
	pid_t pid;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			/* Its summary is not ours to print; its errors are in v_scan_errors. */
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(exe, "parakit", "scan", "--db", dbpath, "--jobs", "1", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void add_decision(struct target *t, const char *symbol, const char *posix)
{
	struct decision *d;

	t->d = xgrow(t->d, &t->cap, t->n + 1, sizeof(*t->d));
	d = &t->d[t->n++];
	d->symbol = xstrdup(symbol);
	d->rule = shim_rule_find(d->symbol, posix, &d->own);
	if (d->rule == &d->own)
		d->rule = NULL;	/* the array may move: see rule_of() */
	t->counts[rule_of(d)->decision]++;
}

/* Reads the binary's imports from the database, scanning it first if needed. */
static int load_imports(sqlite3 *db, struct target *t)
{
	sqlite3_stmt *st;
	long long id = binary_id(db, t->hash);
	int r;

	if (id == 0) {
		r = scan_child(opts.db, t->path);
		if (r != 0 && r != 1) {
			util_err("cannot scan '%s': parakit scan failed (status %d)", t->given, r);
			return -1;
		}
		id = binary_id(db, t->hash);
		if (id <= 0) {
			util_err("cannot shim '%s': the scan recorded no imports for it (see v_scan_errors)",
			         t->given);
			return -1;
		}
	}
	if (id < 0)
		return -1;
	if (!t->refused) {
		sqlite3_stmt *s2 = db_prepare(db, "SELECT static FROM v_binaries WHERE binary_id = ?");

		if (!s2)
			return -1;
		sqlite3_bind_int64(s2, 1, id);
		if (sqlite3_step(s2) == SQLITE_ROW && sqlite3_column_int(s2, 0))
			t->refused = "static binary (no dynamic loader): nothing can be preloaded into it";
		sqlite3_finalize(s2);
	}
	st = db_prepare(db,
		"SELECT symbol, posix_name FROM v_binary_imports WHERE hash = ? ORDER BY symbol");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, t->hash, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		add_decision(t, (const char *)sqlite3_column_text(st, 0),
			     (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

/* Replaces the binary's previous decisions by these. */
static int record(sqlite3 *db, struct target *t, const char *out)
{
	sqlite3_stmt *st = NULL;
	long long build;
	char now[32];
	int r = -1;

	if (db_exec(db, "BEGIN IMMEDIATE"))
		return -1;
	st = db_prepare(db, "DELETE FROM shim_build WHERE hash = ?");
	if (!st)
		goto out;
	sqlite3_bind_text(st, 1, t->hash, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	st = db_prepare(db,
		"INSERT INTO shim_build(hash, binary_id, path, output, refused, routed, passed, unsafe, "
		"built, parakit_version) VALUES (?, (SELECT binary_id FROM v_binaries WHERE hash = ?), ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		goto out;
	sqlite3_bind_text(st, 1, t->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->path, -1, SQLITE_STATIC);
	if (out)
		sqlite3_bind_text(st, 4, out, -1, SQLITE_STATIC);
	if (t->refused)
		sqlite3_bind_text(st, 5, t->refused, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (long long)t->counts[SHIM_ROUTED]);
	sqlite3_bind_int64(st, 7, (long long)t->counts[SHIM_PASSED]);
	sqlite3_bind_int64(st, 8, (long long)t->counts[SHIM_UNSAFE]);
	sqlite3_bind_text(st, 9, util_utc_now(now, sizeof(now)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, PARAKIT_VERSION, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		util_err("database '%s': %s", opts.db, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_finalize(st);
	build = sqlite3_last_insert_rowid(db);
	st = db_prepare(db, "INSERT OR IGNORE INTO shim_decision(build_id, function, decision, reason) "
			    "VALUES (?, ?, ?, ?)");
	if (!st)
		goto out;
	for (size_t i = 0; i < t->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, build);
		sqlite3_bind_text(st, 2, t->d[i].symbol, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, shim_decision_name(rule_of(&t->d[i])->decision), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rule_of(&t->d[i])->reason, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			util_err("database '%s': %s", opts.db, sqlite3_errmsg(db));
			goto out;
		}
	}
	r = 0;
out:
	sqlite3_finalize(st);
	db_exec(db, r ? "ROLLBACK" : "COMMIT");
	return r;
}

/* The distinct template blocks the routed decisions need. */
static size_t routed_blocks(const struct target *t, const char **blocks)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const char *b = rule_of(&t->d[i])->block;
		size_t j;

		if (rule_of(&t->d[i])->decision != SHIM_ROUTED || !b)
			continue;
		for (j = 0; j < n && strcmp(blocks[j], b); j++)
			;
		if (j == n)
			blocks[n++] = b;
	}
	return n;
}

static int generate_and_build(const struct target *t, const char *out)
{
	struct shim_buf src = { 0 }, map = { 0 }, banner = { 0 };
	const char **blocks = xcalloc(t->n + 1, sizeof(*blocks));
	char tmpdir[] = "/tmp/parakit-shim.XXXXXX";
	const char *dir = opts.keep;
	size_t n = routed_blocks(t, blocks);
	int r = -1;

	shim_buf_addf(&banner,
		" * Generated by parakit shim %s for %s\n"
		" * (XXH3-128 %s) from shimgen/templates/; edit and rebuild with the\n"
		" * command in the file next to this one if you keep it.\n"
		" * Routed: %zu imported names; passed to libc: %zu; unsafe: %zu.\n",
		PARAKIT_VERSION, t->path, t->hash, t->counts[SHIM_ROUTED],
		t->counts[SHIM_PASSED], t->counts[SHIM_UNSAFE]);
	shim_generate(blocks, n, banner.s, &src, &map);
	if (!dir) {
		if (!mkdtemp(tmpdir)) {
			util_err("cannot create a directory in /tmp: %s", strerror(errno));
			goto out;
		}
		dir = tmpdir;
	} else if (mkdir(dir, 0755) && errno != EEXIST) {
		util_err("cannot create '%s': %s", dir, strerror(errno));
		goto out;
	}
	r = shim_build(dir, &src, &map, out);
	if (!opts.keep) {
		char p[sizeof(tmpdir) + 16];

		for (const char *f = "shim.c\0shim.map\0cc.log\0"; *f; f += strlen(f) + 1) {
			snprintf(p, sizeof(p), "%s/%s", tmpdir, f);
			unlink(p);
		}
		rmdir(tmpdir);
	}
out:
	free(blocks);
	shim_buf_release(&src);
	shim_buf_release(&map);
	shim_buf_release(&banner);
	return r;
}

static void print_result(const struct target *t, const char *out)
{
	size_t others = 0;

	if (opts.json) {
		printf("{\"binary\":");
		util_json_s(stdout, t->path);
		printf(",\"hash\":\"%s\",\"refused\":", t->hash);
		if (t->refused)
			util_json_s(stdout, t->refused);
		else
			printf("null");
		printf(",\"output\":");
		if (out)
			util_json_s(stdout, out);
		else
			printf("null");
		printf(",\"routed\":%zu,\"passed\":%zu,\"unsafe\":%zu,\"functions\":[",
		       t->counts[SHIM_ROUTED], t->counts[SHIM_PASSED], t->counts[SHIM_UNSAFE]);
		for (size_t i = 0; i < t->n; i++) {
			printf("%s{\"function\":", i ? "," : "");
			util_json_s(stdout, t->d[i].symbol);
			printf(",\"decision\":\"%s\",\"reason\":", shim_decision_name(rule_of(&t->d[i])->decision));
			util_json_s(stdout, rule_of(&t->d[i])->reason);
			printf("}");
		}
		printf("]}\n");
		return;
	}
	if (t->refused) {
		printf("%s: refused: %s\n", t->path, t->refused);
		return;
	}
	printf("%-20s %-7s %s\n", "function", "decision", "reason");
	for (size_t i = 0; i < t->n; i++) {
		const struct shim_rule *r = rule_of(&t->d[i]);

		if (r->decision == SHIM_PASSED && !r->family && !strncmp(r->reason, "libc: ", 6)) {
			others++;
			continue;
		}
		printf("%-20s %-7s %s\n", t->d[i].symbol, shim_decision_name(r->decision), r->reason);
	}
	printf("(%zu more passed to libc: no I/O)\n", others);
	printf("%zu routed, %zu passed, %zu unsafe\n", t->counts[SHIM_ROUTED],
	       t->counts[SHIM_PASSED], t->counts[SHIM_UNSAFE]);
	printf("LD_PRELOAD=%s %s\n", out, t->path);
}

/*
 * Decides, generates, builds into @out and records; @t has been inspected.
 * Returns 0, 1 when the binary was refused, -1 on failure (printed).
 */
static int shim_one(struct target *t, const char *out, int quiet)
{
	sqlite3 *db = NULL;
	int r = -1;

	if (db_open(opts.db, &db))
		return -1;
	if (!t->refused && load_imports(db, t))
		goto out;
	if (t->refused) {
		if (!record(db, t, NULL) && !quiet)
			print_result(t, NULL);
		util_err("cannot shim '%s': %s", t->given, t->refused);
		r = 1;
		goto out;
	}
	if (t->counts[SHIM_UNSAFE])
		for (size_t i = 0; i < t->n; i++)
			if (rule_of(&t->d[i])->decision == SHIM_UNSAFE)
				util_err("warning: '%s' imports %s: %s", t->given, t->d[i].symbol,
				         rule_of(&t->d[i])->reason);
	if (generate_and_build(t, out))
		goto out;
	if (record(db, t, out))
		goto out;
	if (!quiet)
		print_result(t, out);
	r = 0;
out:
	db_close(db);
	return r;
}

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

/* The cache file for the target: <cache>/<binary hash>-<templates+libpk key>.so */
static int cache_path(const struct target *t, char *out, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *lib = shim_libpk_path();
	unsigned long long key = shim_templates_hash();
	char dir[PATH_MAX];
	struct stat st;

	if (lib && !stat(lib, &st))
		key ^= XXH64(&st.st_mtim, sizeof(st.st_mtim), (unsigned long long)st.st_size);
	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/parakit/shims", xdg);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.cache/parakit/shims", home);
	else
		snprintf(dir, sizeof(dir), "/tmp/parakit-shims-%u", (unsigned)getuid());
	if (mkdirs(dir)) {
		util_err("cannot create '%s': %s", dir, strerror(errno));
		return -1;
	}
	snprintf(out, size, "%s/%s-%016llx.so", dir, t->hash, key);
	return 0;
}

/* The status of a failed exec, as env(1) gives it. */
static int exec_failed(const char *name)
{
	int err = errno;

	util_err("cannot run '%s': %s", name, strerror(err));
	return err == ENOENT ? 127 : 126;
}

/*
 * No shim for argv[0], because of @why (NULL: already said): 125, or with
 * --or-plain the program run as it is, saying so first, since a program
 * that runs without its shim looks like one that runs with it.
 */
static int run_plain(char **argv, const char *why)
{
	if (!opts.or_plain) {
		if (why)
			util_err("cannot shim '%s': %s", argv[0], why);
		return 125;
	}
	util_err("running '%s' without a shim: %s", argv[0], why ? why : "no shim could be made (above)");
	fflush(NULL);
	/* execvp, not execv: a file without #! runs under /bin/sh, as
	 * env(1) would run it. */
	execvp(argv[0], argv);
	return exec_failed(argv[0]);
}

static int run_shimmed(const struct target *t, char **argv, const char *so)
{
	const char *old = getenv("LD_PRELOAD");
	char *pre;

	if (old && *old) {
		size_t n = strlen(so) + strlen(old) + 2;

		pre = xmalloc(n);
		snprintf(pre, n, "%s:%s", so, old);
	} else {
		pre = xstrdup(so);
	}
	setenv("LD_PRELOAD", pre, 1);
	free(pre);
	fflush(NULL);
	/* The file execvp would run, by that name: a symbolic link keeps
	 * its name in the process (comm, AT_EXECFN). */
	execv(t->exec, argv);
	return exec_failed(argv[0]);
}

/*
 * Whether db holds the decisions of the shim built at @so for the binary:
 * its newest build there (shim_build is one row per binary) is that file.
 */
static int recorded(sqlite3 *db, const struct target *t, const char *so)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM shim_build WHERE hash = ?1 AND output = ?2");
	int yes;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, t->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, so, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/*
 * A run of a shim from the cache records the shim's decisions in the
 * database too, unless they are there already, so that every shimmed run
 * has them beside it (v_shims, the report's before and after): the cache
 * outlives databases. The decisions are made again, as the build made
 * them (the cache key holds the templates' hash). A failure is said and
 * the program runs all the same: its shim is built.
 */
static void record_cached(struct target *t, const char *so)
{
	sqlite3 *db = NULL;

	if (db_open(opts.db, &db))
		goto fail;
	if (recorded(db, t, so))
		goto out;
	if (load_imports(db, t) || record(db, t, so))
		goto fail;
	goto out;
fail:
	util_err("warning: the decisions of the shim of '%s' are not recorded in '%s'", t->given, opts.db);
out:
	db_close(db);
	target_release(t);
}

static int run(char **argv)
{
	struct target t = { .given = argv[0] };
	char so[PATH_MAX + 64];
	struct stat st;
	int r;

	r = locate(&t, 1);
	if (r) {
		util_err("cannot run '%s': %s", argv[0], strerror(-r));
		return r == -ENOENT ? 127 : 126;
	}
	if (inspect(&t))
		return run_plain(argv, t.why);
	if (t.refused)
		return run_plain(argv, t.refused);
	if (cache_path(&t, so, sizeof(so)))
		return run_plain(argv, NULL);
	if (stat(so, &st)) {
		r = shim_one(&t, so, 1);
		target_release(&t);
		if (r)
			return run_plain(argv, NULL);
	} else {
		record_cached(&t, so);
	}
	return run_shimmed(&t, argv, so);
}

int cmd_shim(int argc, char **argv)
{
	const struct util_option options[] = {
		UTIL_OPT_DB(&opts.db),
		UTIL_OPT_FILENAME('o', "output", &opts.out, "FILE", "the shim (default: ./<binary>.pk.so)"),
		UTIL_OPT_DIRNAME('k', "keep-source", &opts.keep, "DIR", "keep the generated shim.c and shim.map in DIR"),
		UTIL_OPT_JSON(&opts.json),
		UTIL_OPT_FLAG(0, "run", &opts.run, "build the shim if needed and run BINARY ARGS under it"),
		UTIL_OPT_FLAG(0, "or-plain", &opts.or_plain,
			      "with --run: when no shim can be made (a script, a refused binary...), run BINARY"
			      " without one and say so"),
		UTIL_OPT_END()
	};
	struct target t = { 0 };
	char out[PATH_MAX];
	const char *base;
	int first, r;

	assert(shim_rules_sorted() && !shim_rules_untwinned());
	opts.db = DB_DEFAULT;
	/* The first argument ends the options, so --run's ARGS stay the program's. */
	if ((first = util_parse_options(argc, argv, options, &usage, UTIL_OPT_STOP_AT_ARG)) < 0)
		return first == UTIL_OPT_HELP ? 0 : opts.run ? 125 : 2;
	if (opts.or_plain && !opts.run) {
		util_err("--or-plain goes with --run");
		util_opt_usage(stderr, options, &usage);
		return 2;
	}
	if (opts.run) {
		if (first >= argc) {
			util_opt_usage(stderr, options, &usage);
			return 125;
		}
		return run(argv + first);
	}
	if (first != argc - 1) {
		util_opt_usage(stderr, options, &usage);
		return 2;
	}
	t.given = argv[first];
	r = locate(&t, 0);
	if (r) {
		util_err("cannot open '%s': %s", t.given, strerror(-r));
		return 1;
	}
	if (inspect(&t)) {
		util_err("cannot shim '%s': %s", t.given, t.why);
		return 1;
	}
	if (opts.out) {
		snprintf(out, sizeof(out), "%s", opts.out);
	} else {
		base = strrchr(t.path, '/');
		shim_pathf(out, sizeof(out), "%s.pk.so", base ? base + 1 : t.path);
	}
	if (out[0] != '/') {
		char cwd[PATH_MAX], abs[PATH_MAX * 2 + 2];

		if (getcwd(cwd, sizeof(cwd))) {
			snprintf(abs, sizeof(abs), "%s/%s", cwd, out);
			shim_pathf(out, sizeof(out), "%s", abs);
		}
	}
	r = shim_one(&t, out, 0);
	target_release(&t);
	return r ? 1 : 0;
}
