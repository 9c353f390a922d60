/*
 * The decompression beneath a tar or cpio reader: bytes from a source (a
 * file, or a .deb's ar member) are decoded and handed to the format reader
 * through libarchive's client callbacks, and once the format reader is
 * done, read to their very end, so that a damaged copy is told from a
 * sound one before any member of it is kept.
 *
 * Why not libarchive's filters alone: a compressed stream carries its
 * checks at its end (xz's CRC64, zstd's XXH64, bzip2's CRC), and a tar
 * reader stops at its end-of-archive blocks, before them; and libarchive
 * 3.6 never checks gzip's (its gzip filter inflates raw deflate data and
 * reads the trailer with "XXX TODO: Verify the length and CRC"), so a
 * member whose bytes were altered was stored as genuine. gzip, the
 * compression of tarballs, Alpine packages and most RPM payloads, is
 * therefore decoded here with zlib, which checks each gzip member's CRC32
 * and length; every other compression goes through libarchive's filters
 * and its "raw" format, read to the end here.
 */
#include "analyzer/scan.h"
#include "common/common.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#define OUT_SIZE (256u << 10)

struct pkg_unpack {
	pkg_source_fn *src;
	void *ctx;
	const void *head;	/* the first block, read to choose the decoder */
	ssize_t head_len;
	int src_done;
	int end;		/* the decoded stream ended */
	const char *why;	/* the first failure, in why_buf */
	char why_buf[256];
	/* gzip, decoded here */
	z_stream z;
	int z_on, in_member, trailing;
	unsigned char *out;
	/* the rest, through libarchive's filters */
	struct archive *raw;
};

static ssize_t fail(struct pkg_unpack *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keeps the first reason: what followed it is a consequence. */
static ssize_t fail(struct pkg_unpack *u, const char *fmt, ...)
{
	va_list ap;

	if (!u->why) {
		va_start(ap, fmt);
		vsnprintf(u->why_buf, sizeof(u->why_buf), fmt, ap);
		va_end(ap);
		u->why = u->why_buf;
	}
	return -1;
}

static ssize_t src_next(struct pkg_unpack *u, const void **buf)
{
	const char *why = NULL;
	ssize_t n;

	if (u->head) {
		*buf = u->head;
		u->head = NULL;
		return u->head_len;
	}
	if (u->src_done)
		return 0;
	n = u->src(u->ctx, buf, &why);
	if (n < 0)
		return fail(u, "%s", why ? why : "read error");
	if (!n)
		u->src_done = 1;
	return n;
}

/*
 * The next decoded bytes of a gzip stream: members end to end (Alpine's
 * .apk is three) are one stream, as gzip -d reads them; bytes after the
 * last member that start no other (padding) are passed over, as gzip -d
 * does.
 */
static ssize_t gzip_read(struct pkg_unpack *u, const void **buf)
{
	u->z.next_out = u->out;
	u->z.avail_out = OUT_SIZE;
	while (u->z.avail_out == OUT_SIZE && !u->end) {
		int rc;

		if (!u->z.avail_in) {
			const void *in;
			ssize_t n = src_next(u, &in);

			if (n < 0)
				return -1;
			if (!n) {
				if (u->in_member)
					return fail(u, "gzip data cut off");
				u->end = 1;
				break;
			}
			u->z.next_in = (unsigned char *)in;
			u->z.avail_in = n;
		}
		if (u->trailing) {
			u->z.avail_in = 0;
			continue;
		}
		if (!u->in_member) {
			if (u->z.next_in[0] != 0x1f) {
				u->trailing = 1;
				continue;
			}
			inflateReset(&u->z);
			u->in_member = 1;
		}
		rc = inflate(&u->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			u->in_member = 0;
		else if (rc != Z_OK && !(rc == Z_BUF_ERROR && !u->z.avail_in))
			return fail(u, "gzip data corrupt: %s", u->z.msg ? u->z.msg : zError(rc));
	}
	*buf = u->out;
	return OUT_SIZE - u->z.avail_out;
}

static la_ssize_t raw_src(struct archive *a, void *arg, const void **buf)
{
	struct pkg_unpack *u = arg;
	ssize_t n = src_next(u, buf);

	if (n < 0)
		archive_set_error(a, EIO, "%s", u->why);
	return n;
}

static ssize_t raw_read(struct pkg_unpack *u, const void **buf)
{
	la_int64_t off;
	size_t size;
	int rc;

	if (u->end)
		return 0;
	rc = archive_read_data_block(u->raw, buf, &size, &off);
	if (rc == ARCHIVE_EOF) {
		u->end = 1;
		return 0;
	}
	if (rc < ARCHIVE_WARN) {
		const char *why = archive_error_string(u->raw);

		return fail(u, "%s", why ? why : "the decompressor failed and gave no reason");
	}
	return size;
}

static ssize_t decoded(struct pkg_unpack *u, const void **buf)
{
	if (u->why)
		return -1;
	return u->raw ? raw_read(u, buf) : gzip_read(u, buf);
}

static la_ssize_t fmt_read(struct archive *a, void *arg, const void **buf)
{
	struct pkg_unpack *u = arg;
	ssize_t n = decoded(u, buf);

	if (n < 0)
		archive_set_error(a, EIO, "%s", u->why);
	return n;
}

static void open_raw(struct pkg_unpack *u)
{
	struct archive_entry *e;

	u->raw = archive_read_new();
	archive_read_support_filter_all(u->raw);
	archive_read_support_format_raw(u->raw);
	if (archive_read_open(u->raw, u, NULL, raw_src, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(u->raw, &e) != ARCHIVE_OK) {
		const char *why = archive_error_string(u->raw);

		fail(u, "%s", why ? why : "unknown compression");
	}
}

struct pkg_unpack *pkg_unpack_open(struct archive *fmt, pkg_source_fn *src, void *ctx, const char **why)
{
	struct pkg_unpack *u = xcalloc(1, sizeof(*u));
	const unsigned char *h;

	u->src = src;
	u->ctx = ctx;
	u->head_len = src_next(u, &u->head);
	h = u->head;
	if (u->head_len < 0) {
		u->head = NULL;
	} else if (u->head_len >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
		if (inflateInit2(&u->z, 15 + 16) != Z_OK) {
			fail(u, "cannot start zlib: out of memory");
		} else {
			u->z_on = 1;
			u->out = xmalloc(OUT_SIZE);
		}
	} else {
		open_raw(u);
	}
	if (!u->why && archive_read_open(fmt, u, NULL, fmt_read, NULL) != ARCHIVE_OK) {
		const char *w = archive_error_string(fmt);

		fail(u, "%s", w ? w : "not an archive");
	}
	*why = u->why;
	return u;
}

int pkg_unpack_finish(struct pkg_unpack *u, const char **why)
{
	const void *buf;

	while (decoded(u, &buf) > 0)
		;
	/* What no decoder reads (bytes past a compressed stream) still goes
	 * through the source, so that a digest over it sees every byte. */
	while (!u->why && src_next(u, &buf) > 0)
		;
	*why = u->why;
	return u->why ? -1 : 0;
}

void pkg_unpack_free(struct pkg_unpack *u)
{
	if (!u)
		return;
	if (u->z_on)
		inflateEnd(&u->z);
	free(u->out);
	archive_read_free(u->raw);
	free(u);
}
