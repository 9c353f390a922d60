/*
 * parakit scan: what ELF files and package archives import, mapped to the
 * POSIX catalogue, into the database.
 *
 * Inputs are read by --jobs worker threads, each taking the next input of
 * the sorted list; a worker builds a whole result for its input without
 * locks and hands it to the writer. Before any parsing an input is hashed:
 * one that the database already holds at the same path with the same
 * content is skipped, so a re-run only does new work and adds no rows.
 */
#include "analyzer/scan.h"
#include "common/common.h"
#include "common/json.h"
#include "common/options.h"
#include "common/strmap.h"
#include "db/db.h"
#include "parakit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const synopsis[] = {
	"parakit scan [--db FILE] [--jobs N] [--shard K/N] [--json] [--files-from LIST]"
	" [--max-member SIZE] [--syscalls] PATH...",
	NULL
};

static const struct util_usage usage = {
	.synopsis = synopsis,
	.description =
		"Reads ELF files, directories (walked, symbolic links not followed) and\n"
		"package archives (.deb, .rpm, Alpine and Android .apk, .tar[.gz|.xz|.zst])\n"
		"and records what each binary imports and exports, mapped to POSIX.\n"
		"\n"
		"An ELF member of an archive larger than --max-member is an error, not\n"
		"written anywhere; one that must be spilled to TMPDIR is also bounded by\n"
		"TMPDIR's free space less 64M.\n"
		"\n"
		"Shards (--shard K/N) of one set of inputs are cut alike on every machine\n"
		"that sees the same files, and merged with 'parakit db merge', which checks\n"
		"that the set is complete. On a cluster, the recipes in contrib/ run the\n"
		"shards and then the merge (LIST: the files to scan, one a line; README.md,\n"
		"'Beyond one machine'):\n"
		"  contrib/slurm/parakit-slurm -n 64 LIST DIR        # a Slurm job array\n"
		"  contrib/parallel/parakit-parallel -n 64 -S nodes LIST DIR  # GNU parallel, ssh\n",
	.exit_status =
		"0 when every input was read, 1 when some were recorded as\n"
		"errors (see the view v_scan_errors), 2 on bad usage or a fatal failure\n"
		"(no usable database, a full disk: the run stored nothing more).\n",
	.examples =
		"parakit scan /usr/bin                      # loose binaries\n"
		"parakit scan --jobs 2 /var/cache/apt/archives\n"
		"parakit scan --shard 3/8 --db s3.db pool/  # one of eight machines\n",
	.args = UTIL_ARGS_FILES,
};

static struct scan_opts {
	const char *db, *files_from;
	int jobs;
	unsigned shard_k, shard_n;
	char shard_set[33];	/* scan_inputs_set_id(), when shard_n */
	uint64_t max_member;
	int json;
	int syscalls;
} opts;

struct scan_ctx {
	struct scan_inputs inputs;
	struct strmap known;	/* "path\nhash" of inputs already read */
	struct scan_writer *writer;
	struct progress progress;
	atomic_size_t next;
	atomic_size_t n_inputs, n_unchanged, n_skipped, n_elfs, n_imports, n_errors;
	atomic_ullong bytes;
	atomic_int failed;
};

static int load_known(sqlite3 *db, struct strmap *known)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT path || char(10) || hash FROM artifact WHERE errors = 0");

	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		strmap_put(known, (const char *)sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0), 1);
	sqlite3_finalize(st);
	return 0;
}

static int is_known(struct scan_ctx *c, const char *path, const char *hash)
{
	char key[4200];
	int n = snprintf(key, sizeof(key), "%s\n%s", path, hash);

	return n < (int)sizeof(key) && strmap_get(&c->known, key, n);
}

#define READ_MAX (8u << 20)

static __thread char *hash_buf, *elf_buf;
static __thread size_t elf_cap;

static int hash_fd(int fd, char out[33])
{
	XXH3_state_t *st = XXH3_createState();
	char *buf;
	ssize_t n;

	if (!hash_buf)
		hash_buf = xmalloc(1 << 20);
	buf = hash_buf;
	XXH3_128bits_reset(st);
	while ((n = read(fd, buf, 1 << 20)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			XXH3_freeState(st);
			return -1;
		}
		XXH3_128bits_update(st, buf, n);
	}
	scan_hash_hex(XXH3_128bits_digest(st), out);
	XXH3_freeState(st);
	return lseek(fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

/*
 * A loose ELF file: attributed to the installed package that lists it, and
 * identified by elf_read() (which reads only part of a large file), so the
 * known-input check comes after the parse. Returns 1 when r is to be
 * written, 0 when the database already holds it.
 */
static int scan_loose_elf(struct scan_ctx *c, struct scan_result *r, void *map, size_t size)
{
	struct pkg_dpkg_owner o;
	const char *member = r->input;
	int want_sys;
	Elf *e;

	if (!pkg_dpkg_owner(r->input, &o)) {
		scan_result_package(r, "deb", o.name, o.version, o.arch);
		if (o.pre_depends)
			scan_result_deb_deps(r, "Pre-Depends", o.pre_depends, strlen(o.pre_depends));
		if (o.depends)
			scan_result_deb_deps(r, "Depends", o.depends, strlen(o.depends));
		member = o.listed_path;
	}
	/* The code is read only when the file is new to the database. */
	want_sys = r->want_sys;
	r->want_sys = 0;
	if (elf_read(r, member, map, size, -1)) {
		/* Corrupt: the error's artifact is named by the whole content. */
		scan_hash_hex(XXH3_128bits(map, size), r->hash);
		return 1;
	}
	r->want_sys = want_sys;
	memcpy(r->hash, r->elfs[0].hash, sizeof(r->hash));
	if (is_known(c, r->input, r->hash)) {
		atomic_fetch_add(&c->n_unchanged, 1);
		return 0;
	}
	if (want_sys && (e = elf_memory(map, size))) {
		scan_sys_analyze(r, &r->elfs[0], e);
		elf_end(e);
	}
	atomic_fetch_add(&c->bytes, size);
	return 1;
}

/*
 * A loose ELF file's bytes: read into the thread's buffer when small, since
 * on a virtual machine unmapping a file costs a TLB shootdown per file;
 * mapped when large, since then only the parts elf_read() needs are read.
 */
static int scan_elf_fd(struct scan_ctx *c, struct scan_result *r, int fd, size_t size)
{
	void *map;
	int ret;

	if (size <= READ_MAX) {
		size_t got = 0;

		elf_buf = xgrow(elf_buf, &elf_cap, size, 1);
		while (got < size) {
			ssize_t n = pread(fd, elf_buf + got, size - got, got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				scan_result_error(r, "", "cannot read: %s", n ? strerror(errno) : "file shrank");
				return 1;
			}
			got += n;
		}
		return scan_loose_elf(c, r, elf_buf, size);
	}
	/* Private and writable: libelf may convert in place. */
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		scan_result_error(r, "", "cannot map: %s", strerror(errno));
		return 1;
	}
	ret = scan_loose_elf(c, r, map, size);
	munmap(map, size);
	return ret;
}

/*
 * Reads one input into r. Returns 1 when it was read, 0 when it is not an
 * input or already in the database (nothing to write).
 */
static int scan_one(struct scan_ctx *c, struct scan_input *in, struct scan_result *r)
{
	const char *by_name = scan_kind_by_name(in->path);
	unsigned char head[32];
	struct stat st;
	int fd, ret = 1;
	ssize_t n;

	if (in->error) {
		scan_result_error(r, "", "%s", in->error);
		return 1;
	}
	/* Too short to be an ELF file, and not named as an archive. */
	if (!in->named && !by_name && in->size < 4)
		return 0;
	fd = open(in->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		scan_result_error(r, "", "cannot open: %s", strerror(errno));
		return 1;
	}
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0) {
		scan_result_error(r, "", "cannot read: %s", strerror(errno));
		goto out;
	}
	r->kind = scan_classify(by_name, head, n);
	if (!r->kind) {
		if (in->named)
			scan_result_error(r, "", "not an ELF file or a package archive");
		ret = in->named;
		goto out;
	}
	if (fstat(fd, &st)) {
		scan_result_error(r, "", "cannot stat: %s", strerror(errno));
		goto out;
	}
	r->size = st.st_size;
	if (!strcmp(r->kind, "elf")) {
		ret = scan_elf_fd(c, r, fd, st.st_size);
		goto out;
	}
	if (hash_fd(fd, r->hash)) {
		scan_result_error(r, "", "cannot read: %s", strerror(errno));
		goto out;
	}
	if (is_known(c, in->path, r->hash)) {
		atomic_fetch_add(&c->n_unchanged, 1);
		ret = 0;
		goto out;
	}
	atomic_fetch_add(&c->bytes, st.st_size);
	pkg_archive_scan(r, fd, opts.max_member);
out:
	close(fd);
	return ret;
}

static void *worker(void *arg)
{
	struct scan_ctx *c = arg;
	size_t i;

	while (!c->failed && (i = atomic_fetch_add(&c->next, 1)) < c->inputs.n) {
		struct scan_input *in = &c->inputs.v[i];
		struct scan_result r;

		scan_result_init(&r, in->path);
		r.progress = &c->progress;
		r.want_sys = opts.syscalls;
		if (scan_one(c, in, &r)) {
			if (!r.broken)
				scan_sys_resolve(&r);
			atomic_fetch_add(&c->n_inputs, 1);
			if (scan_writer_put(c->writer, &r, NULL))
				c->failed = 1;
			/* A broken input's members were not stored. */
			for (size_t j = 0; j < r.n_elfs && !r.broken; j++) {
				atomic_fetch_add(&c->n_elfs, 1);
				atomic_fetch_add(&c->n_imports, r.elfs[j].n_imports);
			}
			atomic_fetch_add(&c->n_errors, r.n_errors);
		} else if (!r.kind) {
			atomic_fetch_add(&c->n_skipped, 1);
		}
		/* The bytes no archive reader counted: headers, ELF files,
		 * inputs known or not read. */
		progress_add(&c->progress, in->size > r.bytes_read ? in->size - r.bytes_read : 0, 1);
		scan_result_release(&r);
	}
	free(hash_buf);
	free(elf_buf);
	hash_buf = elf_buf = NULL;
	elf_cap = 0;
	pkg_archive_thread_release();
	sys_thread_release();
	return NULL;
}

/* --files-from: one PATH per line ('-': standard input), for lists too
 * long for a command line. */
static int read_files_from(struct scan_inputs *in, const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char *line = NULL, **paths = NULL;
	size_t cap = 0, n = 0, pcap = 0;
	ssize_t len;

	if (!f) {
		util_err("cannot open '%s': %s", file, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (!len)
			continue;
		paths = xgrow(paths, &pcap, n + 1, sizeof(*paths));
		paths[n++] = xstrdup(line);
	}
	if (f != stdin)
		fclose(f);
	free(line);
	scan_inputs_collect(in, paths, n);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return 0;
}

#define SHARDS_MAX (1u << 20)

static int parse_shard(const char *s)
{
	unsigned long k, n;
	char *end;

	if (*s < '1' || *s > '9')
		return -1;
	k = strtoul(s, &end, 10);
	if (*end != '/' || end[1] < '1' || end[1] > '9')
		return -1;
	n = strtoul(end + 1, &end, 10);
	if (*end || k > n || n > SHARDS_MAX)
		return -1;
	opts.shard_k = k;
	opts.shard_n = n;
	return 0;
}

static int opt_shard(const struct util_option *opt, const char *arg)
{
	(void)opt;
	if (parse_shard(arg)) {
		util_err("--shard wants K/N with 1 <= K <= N <= %u, not '%s'", SHARDS_MAX, arg);
		return -1;
	}
	return 0;
}

/* "4G", "100M", "512k", "123": bytes, in powers of 1024. */
static int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	const char *u;
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	if (*end) {
		if (end[1] || !(u = strchr(units, end[0] | 0x20)))
			return -1;
		for (int i = 0; i <= u - units; i++) {
			if (v > UINT64_MAX / 1024)
				return -1;
			v *= 1024;
		}
	}
	*out = v;
	return 0;
}

static int opt_max_member(const struct util_option *opt, const char *arg)
{
	if (parse_size(arg, opt->value)) {
		util_err("--max-member wants a size in bytes (K, M, G suffixes), not '%s'", arg);
		return -1;
	}
	return 0;
}

static int opt_admindir(const struct util_option *opt, const char *arg)
{
	(void)opt;
	pkg_dpkg_load(arg);
	return 0;
}

static void print_summary(struct scan_ctx *c, sqlite3 *db, long long run_id, double secs)
{
	size_t pkgs = scan_writer_packages(c->writer);
	double mb = c->bytes / 1e6;

	if (opts.json) {
		printf("{\"db\":");
		util_json_s(stdout, sqlite3_db_filename(db, "main"));
		printf(",\"run_id\":%lld,\"inputs\":%zu,\"unchanged\":%zu,\"skipped\":%zu,"
		       "\"packages\":%zu,\"elf_files\":%zu,\"imports\":%zu,\"errors\":%zu,"
		       "\"bytes\":%llu,\"seconds\":%.3f",
		       run_id, (size_t)c->n_inputs, (size_t)c->n_unchanged,
		       (size_t)c->n_skipped, pkgs, (size_t)c->n_elfs, (size_t)c->n_imports,
		       (size_t)c->n_errors, (unsigned long long)c->bytes, secs);
		if (opts.shard_n)
			printf(",\"shard\":\"%u/%u\",\"shard_set\":\"%s\"", opts.shard_k, opts.shard_n,
			       opts.shard_set);
		printf("}\n");
		return;
	}
	fprintf(stderr,
		"scanned %zu inputs (%zu already in the database, %zu other files skipped)\n"
		"  packages  %zu\n  ELF files %zu\n  imports   %zu\n  errors    %zu%s\n"
		"  time      %.2f s (%.0f inputs/s, %.1f MB/s)\n",
		(size_t)c->n_inputs + (size_t)c->n_unchanged, (size_t)c->n_unchanged, (size_t)c->n_skipped,
		pkgs, (size_t)c->n_elfs, (size_t)c->n_imports, (size_t)c->n_errors,
		c->n_errors ? " (see v_scan_errors)" : "", secs,
		secs > 0 ? (c->n_inputs + c->n_unchanged) / secs : 0.0, secs > 0 ? mb / secs : 0.0);
	if (opts.shard_n)
		fprintf(stderr, "  shard     %u/%u of set %s\n", opts.shard_k, opts.shard_n, opts.shard_set);
}

static long long start_run(sqlite3 *db, int argc, char **argv)
{
	/* uid: the run's identity across databases ('db merge' adds a run
	 * once); the shard columns: which slice of which list it reads. */
	sqlite3_stmt *st = db_prepare(db, "INSERT INTO scan_run(command_line, parakit_version, started, uid,"
					  " shard_set, shard_k, shard_n)"
					  " VALUES(?1, ?2, ?3, lower(hex(randomblob(16))), ?4, ?5, ?6)");
	char *line = util_join_argv(argc, argv), *cmd;
	char now[32];
	long long id = -1;

	if (asprintf(&cmd, "parakit %s", line) < 0)
		cmd = NULL;
	if (st && cmd) {
		sqlite3_bind_text(st, 1, cmd, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, PARAKIT_VERSION, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, util_utc_now(now, sizeof(now)), -1, SQLITE_STATIC);
		if (opts.shard_n) {
			sqlite3_bind_text(st, 4, opts.shard_set, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 5, opts.shard_k);
			sqlite3_bind_int(st, 6, opts.shard_n);
		}
		if (sqlite3_step(st) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(db);
		else
			util_err("database: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	free(line);
	free(cmd);
	return id;
}

static int finish_run(sqlite3 *db, long long id, struct scan_ctx *c)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE scan_run SET finished = ?1, inputs = ?2, skipped = ?3,"
					  " errors = ?4 WHERE id = ?5");
	char now[32];
	int ret = 0;

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, util_utc_now(now, sizeof(now)), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->n_inputs + c->n_unchanged);
	sqlite3_bind_int64(st, 3, c->n_skipped + c->n_unchanged);
	sqlite3_bind_int64(st, 4, c->n_errors);
	sqlite3_bind_int64(st, 5, id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		util_err("database '%s': %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

int cmd_scan(int argc, char **argv)
{
	const struct util_option options[] = {
		UTIL_OPT_DB(&opts.db),
		UTIL_OPT_JOBS(&opts.jobs),
		UTIL_OPT_CALLBACK('s', "shard", NULL, "K/N", opt_shard,
				  "scan only the K-th of N slices of the inputs"),
		UTIL_OPT_JSON(&opts.json),
		{ .kind = UTIL_OPT_STRING, .long_name = "files-from", .value = &opts.files_from, .argh = "LIST",
		  .help = "read more PATHs from LIST, one per line ('-': stdin)", .flags = UTIL_OPT_FILE },
		{ .kind = UTIL_OPT_CALLBACK, .long_name = "admindir", .argh = "DIR", .cb = opt_admindir,
		  .help = "dpkg's database, to attribute loose files to installed packages"
			  " (default: /var/lib/dpkg)", .flags = UTIL_OPT_DIR },
		UTIL_OPT_CALLBACK(0, "max-member", &opts.max_member, "SIZE", opt_max_member,
				  "the largest ELF member of an archive to read (K, M, G suffixes; default 4G)"),
		UTIL_OPT_FLAG(0, "syscalls", &opts.syscalls,
			      "also record each binary's system call footprint (its code is read: about"
			      " 1.5x the time)"),
		UTIL_OPT_END()
	};
	struct scan_ctx *c;
	sqlite3 *db = NULL;
	long long run_id;
	uint64_t t0, bytes = 0;
	/* Until the run is recorded, a failure is fatal: nothing usable was
	 * stored, which 1 ("some inputs were errors") would hide. */
	int first, ret = 2;

	opts = (struct scan_opts){ .db = DB_DEFAULT, .jobs = util_jobs_default(), .max_member = PKG_MAX_MEMBER };
	if ((first = util_parse_options(argc, argv, options, &usage, 0)) < 0)
		return first == UTIL_OPT_HELP ? 0 : 2;
	if (first >= argc && !opts.files_from) {
		util_err("no PATH to scan");
		util_opt_usage(stderr, options, &usage);
		return 2;
	}

	if (db_open(opts.db, &db))
		return 2;
	db_alias_init();
	c = xcalloc(1, sizeof(*c));
	t0 = util_now_ns();
	scan_inputs_collect(&c->inputs, argv + first, argc - first);
	if (opts.files_from && read_files_from(&c->inputs, opts.files_from))
		goto out;
	if (opts.shard_n) {
		scan_inputs_set_id(&c->inputs, opts.shard_n, opts.shard_set);
		scan_inputs_shard(&c->inputs, opts.shard_k, opts.shard_n);
	}
	scan_inputs_largest_first(&c->inputs);
	if ((run_id = start_run(db, argc, argv)) < 0 || load_known(db, &c->known))
		goto out;
	if (!(c->writer = scan_writer_new(db, run_id)))
		goto out;
	sys_set_db_cache(&(struct sys_db_cache){ scan_writer_sys_map, c->writer });
	for (size_t i = 0; i < c->inputs.n; i++)
		bytes += c->inputs.v[i].size;
	progress_init(&c->progress, "inputs", c->inputs.n, bytes);

	util_run_threads(opts.jobs, worker, c);
	progress_release(&c->progress);

	if (scan_writer_finish(c->writer) || c->failed) {
		util_err("database '%s': the run stopped; what was committed is consistent, a re-run completes it",
		         opts.db);
		goto out;
	}
	if (finish_run(db, run_id, c))
		goto out;
	print_summary(c, db, run_id, (util_now_ns() - t0) / 1e9);
	ret = c->n_errors ? 1 : 0;
out:
	sys_set_db_cache(NULL);
	scan_writer_free(c->writer);
	scan_inputs_release(&c->inputs);
	strmap_release(&c->known);
	free(c);
	db_close(db);
	return ret;
}
