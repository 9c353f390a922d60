/*
 * Package and tar archives, streamed member by member through libarchive,
 * never extracted to disk: a .deb is an ar container whose control.tar.*
 * and data.tar.* are read as nested archives straight from the ar stream;
 * an Alpine .apk is concatenated gzip'd tar segments (.PKGINFO in the
 * second); an Android .apk is a zip with native code under lib/; tarballs
 * are any compression libarchive knows.
 *
 * A member is only as good as the stream that holds it: tar and cpio
 * streams are decoded beneath libarchive's format readers and read to
 * their end, where their checks are (pkg_unpack.c), and an RPM is checked
 * against its digests first (pkg_rpm.c). An archive that fails as a whole
 * is marked broken, and the writer keeps nothing of it but its errors; a
 * member that fails alone (a damaged header, a corrupt ELF, one too
 * large) is an error of its own, and the others are kept.
 *
 * Only ELF members are kept, and only as long as elf_read() needs them:
 * up to SPILL_AT bytes in a per-thread buffer, larger ones (libLLVM is over
 * 100 MB) in an unlinked temporary file that libelf maps, so memory stays
 * bounded whatever the archive holds. Disk too: a member over --max-member
 * (4 GiB by default; Debian's largest ELF files are a few hundred MB) or,
 * when it must be spilled, over the free space of the spill directory less
 * SPILL_MARGIN, is an error, found from the size its header declares before
 * a byte is written, or as it grows past the bound when the header gives
 * none: a 33 kB .tar.zst holding a 1 GiB "ELF" filled a 300 MB TMPDIR.
 */
#include "analyzer/scan.h"
#include "common/common.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define SPILL_AT (8u << 20)
#define SPILL_MARGIN (64ull << 20)
#define CHUNK (64u << 10)
#define FD_CHUNK (1u << 20)

static __thread char *member_buf;
static __thread size_t member_cap;

void pkg_archive_thread_release(void)
{
	free(member_buf);
	member_buf = NULL;
	member_cap = 0;
}

static const char *spill_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : "/var/tmp";
}

static int spill_file(void)
{
	const char *dir = spill_dir();
	char path[4096];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || errno != EOPNOTSUPP)
		return fd;
	snprintf(path, sizeof(path), "%s/parakit-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* The most a spilled member may take: the free space of the spill
 * directory less SPILL_MARGIN (left to the database and everyone else),
 * and never over max. Workers spilling at once may still fill it
 * together: their writes then fail, each an error of its member. */
static uint64_t spill_limit(uint64_t max)
{
	struct statvfs st;
	uint64_t avail;

	if (statvfs(spill_dir(), &st))
		return max;	/* the spill file will not open either */
	avail = (uint64_t)st.f_bavail * st.f_frsize;
	avail = avail > SPILL_MARGIN ? avail - SPILL_MARGIN : 0;
	return avail < max ? avail : max;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* "./usr/bin/ls", "usr/bin/ls" and "/usr/bin/ls" are all "/usr/bin/ls". */
static const char *member_path(const char *name, char *buf, size_t size)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (*name == '/')
		name++;
	snprintf(buf, size, "/%s", name);
	return buf;
}

/* One archive being walked, and the decoder beneath it, if ours. */
struct walk {
	struct scan_result *r;
	struct archive *a;
	struct pkg_unpack *u;	/* NULL: libarchive reads the file itself */
	uint64_t max_member;	/* --max-member */
};

/*
 * The archive broke at member path. A format reader fed damaged bytes
 * often gives no reason of its own (an RPM payload was "archive cut off or
 * corrupt: (null)"): the stream's, when it has one, is the real one.
 */
static void archive_broke(struct walk *w, const char *path)
{
	const char *why = NULL;

	if (!w->u || !pkg_unpack_finish(w->u, &why))
		why = archive_error_string(w->a);
	scan_result_error(w->r, path, "archive cut off or corrupt: %s", why ? why : "libarchive gave no reason");
}

/* Passes over the rest of a member not kept: 0, or -1 when the archive
 * broke on the way. */
static int skip_rest(struct walk *w, const char *path)
{
	if (archive_read_data_skip(w->a) == ARCHIVE_OK)
		return 0;
	archive_broke(w, path);
	return -1;
}

/*
 * An ELF member past a bound: size is what its header declares, or (at
 * least) what was read of it when it declares none. Its rest is skipped:
 * 0, or -1 when the archive broke on the way.
 */
static int too_large(struct walk *w, const char *path, int64_t declared, uint64_t read, uint64_t limit,
		     int spill)
{
	char size[64];

	if (declared >= 0)
		snprintf(size, sizeof(size), "%lld bytes", (long long)declared);
	else
		snprintf(size, sizeof(size), "over %llu bytes", (unsigned long long)read);
	if (spill && limit < w->max_member)
		scan_result_error(w->r, path, "member of %s not read: the free space of TMPDIR ('%s') less %llu MiB"
				  " is %llu bytes", size, spill_dir(), SPILL_MARGIN >> 20,
				  (unsigned long long)limit);
	else
		scan_result_error(w->r, path, "member of %s not read: over --max-member (%llu bytes)", size,
				  (unsigned long long)limit);
	return skip_rest(w, path);
}

/*
 * Reads the current entry e (returns -1 when the archive broke: the caller
 * stops). ELF members go to elf_read(); small metadata members the caller
 * named (want != NULL) are returned whole in *meta (the caller frees).
 */
static int read_member(struct walk *w, struct archive_entry *e, const char *path, int want_meta, char **meta,
		       size_t *meta_len)
{
	struct scan_result *r = w->r;
	struct archive *a = w->a;
	int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
	uint64_t limit = w->max_member;
	size_t len = 0;
	int fd = -1, ret = 0, elf = 0;

	for (;;) {
		la_ssize_t n;

		if (fd < 0) {
			member_buf = xgrow(member_buf, &member_cap, len + CHUNK, 1);
			n = archive_read_data(a, member_buf + len, CHUNK);
		} else {
			n = archive_read_data(a, member_buf, CHUNK);
		}
		if (n < 0) {
			archive_broke(w, path);
			ret = -1;
			goto out;
		}
		if (n == 0)
			break;
		if (!elf && !want_meta) {
			/* Decide on the first bytes: most members are not ELF. */
			if (len + n < 4 && n > 0) {
				len += n;
				continue;
			}
			if (memcmp(member_buf, ELFMAG, SELFMAG)) {
				r->n_skipped_members++;
				ret = skip_rest(w, path);
				goto out;
			}
			elf = 1;
			if (declared >= 0 && (uint64_t)declared > limit) {
				ret = too_large(w, path, declared, len + n, limit, 0);
				goto out;
			}
		}
		if (fd < 0 && len + n > SPILL_AT && !want_meta) {
			limit = spill_limit(w->max_member);
			if ((declared >= 0 && (uint64_t)declared > limit) || len + n > limit) {
				ret = too_large(w, path, declared, len + n, limit, 1);
				goto out;
			}
			fd = spill_file();
			if (fd < 0 || write_all(fd, member_buf, len + n)) {
				scan_result_error(r, path, "cannot spill a large member to a temporary file: %s",
						  strerror(errno));
				ret = skip_rest(w, path);
				goto out;
			}
		} else if (elf && len + n > limit) {
			ret = too_large(w, path, declared, len + n, limit, fd >= 0);
			goto out;
		} else if (fd >= 0 && write_all(fd, member_buf, n)) {
			scan_result_error(r, path, "cannot spill a large member to a temporary file: %s",
					  strerror(errno));
			ret = skip_rest(w, path);
			goto out;
		}
		len += n;
		if (want_meta && len > SPILL_AT) {
			scan_result_error(r, path, "metadata member larger than %u bytes", SPILL_AT);
			ret = skip_rest(w, path);
			goto out;
		}
	}
	if (want_meta) {
		*meta = xstrndup(member_buf, len);
		*meta_len = len;
	} else if (elf) {
		elf_read(r, path, fd < 0 ? member_buf : NULL, len, fd);
	} else if (len) {
		r->n_skipped_members++;	/* under four bytes: not an ELF */
	}
out:
	if (fd >= 0)
		close(fd);
	/* Keep the buffer for the next member, but not a spilled giant's. */
	if (member_cap > SPILL_AT + CHUNK) {
		free(member_buf);
		member_buf = NULL;
		member_cap = 0;
	}
	return ret;
}

static void parse_control(struct scan_result *r, const char *c, size_t len)
{
	const char *name, *ver, *arch, *v;
	size_t nl = 0, vl = 0, al = 0, l;
	char *n, *vv, *aa;

	name = pkg_field(c, len, "Package", &nl);
	ver = pkg_field(c, len, "Version", &vl);
	arch = pkg_field(c, len, "Architecture", &al);
	if (!name || !nl) {
		scan_result_error(r, "/control", "control file without a Package field");
		return;
	}
	n = xstrndup(name, nl);
	vv = xstrndup(ver ? ver : "", vl);
	aa = xstrndup(arch ? arch : "", al);
	scan_result_package(r, "deb", n, vv, aa);
	free(n);
	free(vv);
	free(aa);
	if ((v = pkg_field(c, len, "Pre-Depends", &l)))
		scan_result_deb_deps(r, "Pre-Depends", v, l);
	if ((v = pkg_field(c, len, "Depends", &l)))
		scan_result_deb_deps(r, "Depends", v, l);
}

/* Alpine's .PKGINFO: "key = value" lines, "depend" repeated. */
static void parse_pkginfo(struct scan_result *r, const char *c, size_t len)
{
	char *name = NULL, *ver = NULL, *arch = NULL, *text = xstrndup(c, len), *save = NULL;
	int alt = 0;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(l, " = ");

		if (*l == '#' || !eq)
			continue;
		*eq = 0;
		eq += 3;
		if (!strcmp(l, "pkgname"))
			name = eq;
		else if (!strcmp(l, "pkgver"))
			ver = eq;
		else if (!strcmp(l, "arch"))
			arch = eq;
	}
	if (name)
		scan_result_package(r, "apk", name, ver, arch);
	else
		scan_result_error(r, "/.PKGINFO", ".PKGINFO without pkgname");
	free(text);
	/* Second pass for the dependencies, now that the package is known. */
	text = xstrndup(c, len);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "depend = ", 9))
			scan_result_dep(r, "Depends", alt++, l + 9, strlen(l + 9), NULL, 0);
	free(text);
}

enum meta { META_NONE, META_CONTROL, META_PKGINFO };

/* A hard link names an earlier member: when that was an ELF file, the
 * link installs the same binary at path (as tar -x and dpkg do). */
static void add_link(struct scan_result *r, const char *path, const char *target)
{
	char tpath[4096];

	member_path(target, tpath, sizeof(tpath));
	for (size_t i = r->n_elfs; i-- > 0;) {
		if (strcmp(strpool_get(&r->pool, r->elfs[i].path), tpath))
			continue;
		r->links = xgrow(r->links, &r->cap_links, r->n_links + 1, sizeof(*r->links));
		r->links[r->n_links].path = strpool_add(&r->pool, path, strlen(path));
		r->links[r->n_links].elf = i;
		r->n_links++;
		return;
	}
}

/*
 * A member header that failed its checksum: libarchive's tar reader skips
 * one block and retries on the next (ARCHIVE_RETRY), so the member, and
 * any whose headers the search runs past, are lost. Recorded once per run
 * of damaged blocks (a member's data is many); the members after it are
 * still read.
 */
static void damaged_header(struct scan_result *r, struct archive *a, const char *last, int again)
{
	const char *why = archive_error_string(a);

	if (again)
		return;
	if (*last)
		scan_result_error(r, "", "damaged member header after '%s', members lost: %s", last,
				  why ? why : "bad header");
	else
		scan_result_error(r, "", "damaged member header at the start, members lost: %s",
				  why ? why : "bad header");
}

/* Every regular member of w->a, through read_member(). */
static int scan_members(struct walk *w, enum meta meta_kind)
{
	struct scan_result *r = w->r;
	struct archive *a = w->a;
	struct archive_entry *e;
	char path[4096] = "", last[4096] = "";
	int damaged = 0;

	for (;;) {
		int rc = archive_read_next_header(a, &e);
		const char *name;
		char *meta = NULL;
		size_t meta_len = 0;
		enum meta m = META_NONE;

		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc == ARCHIVE_RETRY) {
			damaged_header(r, a, last, damaged++);
			continue;
		}
		damaged = 0;
		if (rc == ARCHIVE_FATAL) {
			archive_broke(w, "");
			return -1;
		}
		name = archive_entry_pathname(e);
		member_path(name ? name : "?", path, sizeof(path));
		memcpy(last, path, sizeof(last));
		if (archive_entry_hardlink(e)) {
			add_link(r, path, archive_entry_hardlink(e));
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (meta_kind == META_CONTROL && !strcmp(path, "/control"))
			m = META_CONTROL;
		else if (meta_kind == META_PKGINFO && !strcmp(path, "/.PKGINFO"))
			m = META_PKGINFO;
		if (read_member(w, e, path, m != META_NONE, &meta, &meta_len))
			return -1;
		if (m == META_CONTROL && meta)
			parse_control(r, meta, meta_len);
		else if (m == META_PKGINFO && meta)
			parse_pkginfo(r, meta, meta_len);
		free(meta);
	}
}

/*
 * The members of fmt (a tar or cpio reader), over what src gives decoded
 * (pkg_unpack.c), then the stream read to its end: a member is only as
 * good as the checks at the end of the stream that holds it. name is the
 * stream's for errors ("" for the input itself). Frees fmt.
 */
static int scan_stream(struct scan_result *r, uint64_t max_member, struct archive *fmt, pkg_source_fn *src,
		       void *ctx, enum meta m, const char *name)
{
	struct walk w = { .r = r, .a = fmt, .max_member = max_member };
	const char *why;
	int ret = -1;

	w.u = pkg_unpack_open(fmt, src, ctx, &why);
	if (why)
		scan_result_error(r, name, "cannot read %s: %s", *name ? name : "archive", why);
	else if (!scan_members(&w, m) && !pkg_unpack_finish(w.u, &why))
		ret = 0;
	else if (why)
		scan_result_error(r, name, "archive corrupt: %s", why);
	archive_read_free(fmt);
	pkg_unpack_free(w.u);
	return ret;
}

/* The bytes of the input file from an offset. */
struct fd_source {
	int fd;
	uint64_t off;
	char *buf;
	struct scan_result *r;
};

static ssize_t fd_read(void *ctx, const void **buf, const char **why)
{
	struct fd_source *s = ctx;
	ssize_t n;

	do
		n = pread(s->fd, s->buf, FD_CHUNK, s->off);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		*why = strerror(errno);
		return -1;
	}
	s->off += n;
	*buf = s->buf;
	scan_result_read(s->r, n);
	return n;
}

/* A .deb's control.tar.* or data.tar.*: the bytes of its ar member. */
struct ar_member {
	struct archive *outer;
	struct scan_result *r;
};

static ssize_t ar_member_read(void *ctx, const void **buf, const char **why)
{
	struct ar_member *m = ctx;
	struct archive *outer = m->outer;
	la_int64_t off;
	size_t size;
	int rc = archive_read_data_block(outer, buf, &size, &off);

	if (rc == ARCHIVE_EOF)
		return 0;
	if (rc < ARCHIVE_WARN) {
		*why = archive_error_string(outer);
		if (!*why)
			*why = "ar member cut off";
		return -1;
	}
	scan_result_read(m->r, size);
	return size;
}

static struct archive *new_reader(int (*format)(struct archive *))
{
	struct archive *a = archive_read_new();

	format(a);
	return a;
}

static int scan_deb(struct scan_result *r, uint64_t max_member, struct archive *a)
{
	struct ar_member member = { .outer = a, .r = r };
	struct archive_entry *e;
	int seen_data = 0, seen_control = 0, damaged = 0, rc;

	while ((rc = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		const char *name = archive_entry_pathname(e);
		struct archive *tar;

		if (rc == ARCHIVE_RETRY) {
			damaged_header(r, a, "", damaged++);
			continue;
		}
		damaged = 0;
		if (rc == ARCHIVE_FATAL) {
			scan_result_error(r, "", "not a Debian package or cut off: %s", archive_error_string(a));
			return -1;
		}
		if (!name)
			continue;
		if (!strncmp(name, "control.tar", 11)) {
			seen_control = 1;
			tar = new_reader(archive_read_support_format_tar);
			if (scan_stream(r, max_member, tar, ar_member_read, &member, META_CONTROL, name))
				return -1;
		} else if (!strncmp(name, "data.tar", 8)) {
			seen_data = 1;
			tar = new_reader(archive_read_support_format_tar);
			if (scan_stream(r, max_member, tar, ar_member_read, &member, META_NONE, name))
				return -1;
		}
	}
	if (!seen_control || !seen_data) {
		scan_result_error(r, "", "not a Debian package: no %s member",
				  seen_control ? "data.tar" : "control.tar");
		return -1;
	}
	return 0;
}

/* The file name without its directory and archive suffixes. */
static char *file_stem(const char *path)
{
	static const char *const suffixes[] = {
		".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tar.lz4", ".tgz", ".txz", ".tar", ".apk", ".zip",
	};
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t m = strlen(suffixes[i]);

		if (n > m && !strcasecmp(base + n - m, suffixes[i])) {
			n -= m;
			break;
		}
	}
	return xstrndup(base, n);
}

/* A .deb (ar of tars) or an Android .apk (zip), which libarchive reads
 * from fd itself: neither has a compressed stream around its members. */
static int scan_container(struct scan_result *r, int fd, uint64_t max_member)
{
	struct archive *a = archive_read_new();
	struct walk w = { .r = r, .a = a, .max_member = max_member };
	int ret = -1;

	if (!strcmp(r->kind, "deb"))
		archive_read_support_format_ar(a);
	else
		archive_read_support_format_zip(a);
	if (archive_read_open_fd(a, fd, FD_CHUNK) != ARCHIVE_OK)
		scan_result_error(r, "", "cannot read archive: %s", archive_error_string(a));
	else if (!strcmp(r->kind, "deb"))
		ret = scan_deb(r, max_member, a);
	else
		ret = scan_members(&w, META_NONE);
	archive_read_free(a);
	return ret;
}

int pkg_archive_scan(struct scan_result *r, int fd, uint64_t max_member)
{
	struct fd_source src = { .fd = fd, .r = r };
	enum meta m = META_NONE;
	struct archive *a;
	int ret = -1;

	if (!strcmp(r->kind, "deb") || !strcmp(r->kind, "android")) {
		ret = scan_container(r, fd, max_member);
	} else if (!strcmp(r->kind, "rpm")) {
		if (!pkg_rpm_header(r, fd, &src.off)) {
			src.buf = xmalloc(FD_CHUNK);
			a = new_reader(archive_read_support_format_cpio);
			ret = scan_stream(r, max_member, a, fd_read, &src, META_NONE, "");
		}
	} else {
		if (!strcmp(r->kind, "apk"))
			m = META_PKGINFO;
		src.buf = xmalloc(FD_CHUNK);
		a = new_reader(archive_read_support_format_tar);
		ret = scan_stream(r, max_member, a, fd_read, &src, m, "");
	}
	free(src.buf);
	if (!r->pkg_key && (!strcmp(r->kind, "android") || !strcmp(r->kind, "tar"))) {
		/* Android apps and tarballs carry no package metadata we read:
		 * the file name names them. */
		char *stem = file_stem(r->input);

		scan_result_package(r, r->kind, stem, "", "");
		free(stem);
	}
	if (ret)
		r->broken = 1;
	return ret;
}
