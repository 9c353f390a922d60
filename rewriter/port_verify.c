/*
 * port --verify: "adapted" is said of a build only once it built. The tree
 * is copied into a temporary directory (cp -a: what its build may read,
 * .git included), the ported files are written over their originals, and
 * the build's own command runs there (port_build_command()), its output
 * in a log whose tail is the report when it fails. Out-of-tree builds
 * (CMake, Meson) go to a sibling directory of the copy.
 *
 * libpk is found as the tree's users will find it, through pkg-config:
 * when pkg-config knows no libpk, PKG_CONFIG_PATH gets the pkgconfig
 * directory of the prefix this parakit is installed in (where pkg-config
 * does not look, as port told the user to), or, not installed, its build
 * directory, whose libpk-uninstalled.pc points into it
 * (runtime/runtime.mk). The make variables of a make that runs parakit
 * (MAKEFLAGS and its kin: a jobserver's descriptors, the outer make's
 * CFLAGS=... overrides) are not the tree's and are dropped.
 *
 * What a run says of the build (port_verify_state()) is decided here too,
 * since only a build that was verified is said to be adapted.
 */
#include "rewriter/port.h"
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Lines of the log a failure reports. */
#define TAIL_LINES 20

/* Runs argv in cwd (NULL: here) with envp, stdout and stderr to fd (-1:
 * /dev/null); returns its exit status, or -1 when it could not run or died. */
static int spawn_wait(char *const argv[], const char *cwd, char *const envp[], int fd)
{
	posix_spawn_file_actions_t fa;
	int status, r;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, fd, 1);
		posix_spawn_file_actions_adddup2(&fa, fd, 2);
	} else {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	}
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Where this parakit's libpk.pc is (see above), malloc'ed; NULL if nowhere. */
static char *own_pc_dir(void)
{
	char exe[PATH_MAX], *dir, *slash, *pc;
	const char *prefix = util_install_prefix();
	ssize_t n;

	if (prefix)
		return asprintf(&dir, "%s/lib/pkgconfig", prefix) < 0 ? NULL : dir;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return NULL;
	exe[n] = 0;
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = 0;
	if (asprintf(&dir, "%s/runtime", exe) < 0)
		return NULL;
	if (asprintf(&pc, "%s/libpk-uninstalled.pc", dir) < 0 || access(pc, R_OK)) {
		free(dir);
		dir = NULL;
	}
	free(pc);
	return dir;
}

/* The build's environment: environ less make's variables, PKG_CONFIG_PATH
 * led by pc_dir when not NULL. The strings are environ's or malloc'ed
 * (the last: *own); the array is malloc'ed. */
static char **build_env(const char *pc_dir, char **own)
{
	static const char *const drop[] = { "MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=", "MAKEOVERRIDES=", "GNUMAKEFLAGS=" };
	const char *old = getenv("PKG_CONFIG_PATH");
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + 2, sizeof(char *));
	*own = NULL;
	for (size_t i = 0; i < n; i++) {
		int keep = !(pc_dir && !strncmp(environ[i], "PKG_CONFIG_PATH=", 16));

		for (size_t d = 0; d < ARRAY_SIZE(drop) && keep; d++)
			keep = strncmp(environ[i], drop[d], strlen(drop[d]));
		if (keep)
			env[k++] = environ[i];
	}
	if (pc_dir && asprintf(own, "PKG_CONFIG_PATH=%s%s%s", pc_dir, old && *old ? ":" : "", old ? old : "") >= 0)
		env[k++] = *own;
	return env;
}

static int libpk_known(void)
{
	char *argv[] = { "pkg-config", "--exists", "libpk", NULL };

	return spawn_wait(argv, NULL, environ, -1) == 0;
}

static int write_edits(struct port_tree *t, const char *dst)
{
	for (size_t i = 0; i < t->n_files; i++) {
		struct port_file *f = &t->files[i];
		char path[2 * PATH_MAX];
		size_t len;
		char *text;
		FILE *out;
		int err;

		if (!f->n_edits)
			continue;
		text = port_file_result(f, &len);
		snprintf(path, sizeof(path), "%s/%s", dst, f->rel);
		/* Replaced, not rewritten: cp -a kept hard links. */
		unlink(path);
		err = !(out = fopen(path, "w")) || fwrite(text, 1, len, out) != len;
		if (out && fclose(out))
			err = 1;
		free(text);
		if (err) {
			util_err("cannot write '%s': %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The last TAIL_LINES lines of the file at path, malloc'ed. */
static char *log_tail(const char *path)
{
	size_t len, b;
	char *text = util_read_file(path, &len), *tail;
	int lines = 0;

	if (!text)
		return xstrdup("(no log)\n");
	b = len;
	if (b && text[b - 1] == '\n')
		b--;
	while (b && !(text[b - 1] == '\n' && ++lines == TAIL_LINES))
		b--;
	tail = xstrdup(text + b);
	free(text);
	return tail;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

int port_verify(struct port_tree *t, const struct port_build *b, unsigned jobs, char **log)
{
	char base[PATH_MAX], tree[PATH_MAX + 8], out[PATH_MAX + 8], logpath[PATH_MAX + 16];
	char *pc_dir = NULL, *own = NULL, *cmd = NULL, **env = NULL;
	const char *tmpdir = getenv("TMPDIR");
	int ret = -1, fd = -1;

	*log = NULL;
	if (!tmpdir || !*tmpdir || strlen(tmpdir) > PATH_MAX - 64)
		tmpdir = "/tmp";
	snprintf(base, sizeof(base), "%s/parakit-verify.XXXXXX", tmpdir);
	if (!mkdtemp(base)) {
		util_err("cannot create a directory in '%s' for --verify: %s", tmpdir, strerror(errno));
		return -1;
	}
	snprintf(tree, sizeof(tree), "%s/tree", base);
	snprintf(out, sizeof(out), "%s/build", base);
	snprintf(logpath, sizeof(logpath), "%s/build.log", base);
	{
		char from[PATH_MAX + 8];
		char *cp[] = { "cp", "-a", from, tree, NULL };

		snprintf(from, sizeof(from), "%s/.", t->root);
		if (mkdir(tree, 0700) || spawn_wait(cp, NULL, environ, -1)) {
			util_err("cannot copy '%s' to verify its build", t->root);
			goto out;
		}
	}
	if (write_edits(t, tree))
		goto out;
	if (!(cmd = port_build_command(b, out, jobs)))
		goto out;
	if (!libpk_known())
		pc_dir = own_pc_dir();
	env = build_env(pc_dir, &own);
	if ((fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		util_err("cannot write '%s': %s", logpath, strerror(errno));
		goto out;
	}
	{
		char *sh[] = { "sh", "-c", cmd, NULL };

		ret = spawn_wait(sh, tree, env, fd) == 0 ? 0 : 1;
	}
	if (ret)
		*log = log_tail(logpath);
out:
	if (fd >= 0)
		close(fd);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(pc_dir);
	free(own);
	free(env);
	free(cmd);
	return ret;
}

int port_verify_state(struct port_tree *t, struct port_outcome *o, int adapted, int verify, unsigned jobs)
{
	int r;

	if (adapted < 0) {
		o->build_state = "manual";
		if (verify)
			util_err("--verify: the build of '%s' was not recognised, nothing was built", t->root);
		return 0;
	}
	if (!verify || (!adapted && !o->files_changed)) {
		o->build_state = adapted > 0 ? "adapted, not verified" : "unchanged";
		return 0;
	}
	if (isatty(2))
		fprintf(stderr, "parakit port: --verify: building a copy of the ported tree (%s)...\n",
			port_build_name(o->build.kind));
	if (!(r = port_verify(t, &o->build, jobs, &o->build_log))) {
		o->build_state = adapted > 0 ? "adapted" : "unchanged";
		return 0;
	}
	o->build_state = "failed";
	if (r > 0) {
		/* The log's own lines, as the build wrote them. */
		util_err("--verify: the ported tree does not build (%s); its log ends with:",
			 port_build_name(o->build.kind));
		fputs(o->build_log, stderr);
	}
	return -1;
}
