/*
 * The RPM header, which libarchive skips (it gives only the payload): the
 * 96-byte lead, the signature header padded to 8 bytes, then the main
 * header, each an index of (tag, type, offset, count) entries over a data
 * store, all big-endian. Tags read: 1000 NAME, 1001 VERSION, 1002 RELEASE,
 * 1003 EPOCH, 1022 ARCH, 1048 REQUIREFLAGS, 1049 REQUIRENAME, 1050
 * REQUIREVERSION (the flags give the comparison, kept with the version as
 * Debian's ">= 2.34" is, so that both formats read alike). Every count
 * and offset is checked against the store before it is used: rpm's own
 * limits (65535 entries, 256 MB of data) bound what is read.
 */
#include "analyzer/scan.h"
#include "common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEAD_SIZE 96
#define MAX_ENTRIES 65535u
#define MAX_STORE (256u << 20)

enum { TAG_NAME = 1000, TAG_VERSION = 1001, TAG_RELEASE = 1002, TAG_EPOCH = 1003,
       TAG_ARCH = 1022, TAG_REQUIREFLAGS = 1048, TAG_REQUIRENAME = 1049, TAG_REQUIREVERSION = 1050 };
enum { SENSE_LESS = 2, SENSE_GREATER = 4, SENSE_EQUAL = 8 };
enum { TYPE_INT32 = 4, TYPE_STRING = 6, TYPE_STRING_ARRAY = 8, TYPE_I18NSTRING = 9 };

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int read_at(int fd, void *buf, size_t n, off_t off)
{
	while (n) {
		ssize_t r = pread(fd, buf, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf = (char *)buf + r;
		n -= r;
		off += r;
	}
	return 0;
}

struct header {
	unsigned char *index;	/* n entries of 16 bytes, then the store */
	uint32_t n, store_len;
	const char *store;
};

/* Reads the header at off; returns its size on disk, or 0 (reason set). */
static size_t read_header(int fd, off_t off, struct header *h, const char **why)
{
	unsigned char intro[16];
	size_t size;

	if (read_at(fd, intro, 16, off)) {
		*why = "RPM header cut off";
		return 0;
	}
	if (intro[0] != 0x8e || intro[1] != 0xad || intro[2] != 0xe8) {
		*why = "bad RPM header magic";
		return 0;
	}
	h->n = be32(intro + 8);
	h->store_len = be32(intro + 12);
	if (h->n > MAX_ENTRIES || h->store_len > MAX_STORE) {
		*why = "RPM header larger than rpm allows";
		return 0;
	}
	size = (size_t)h->n * 16 + h->store_len;
	h->index = xmalloc(size + 1);
	if (read_at(fd, h->index, size, off + 16)) {
		free(h->index);
		h->index = NULL;
		*why = "RPM header cut off";
		return 0;
	}
	h->index[size] = 0;	/* so the last string ends */
	h->store = (const char *)h->index + (size_t)h->n * 16;
	return 16 + size;
}

/* The entry for tag: its type, count and the bytes from its offset to the
 * end of the store; NULL when absent or out of bounds. */
static const char *find(const struct header *h, uint32_t tag, uint32_t *type, uint32_t *count,
			size_t *avail)
{
	for (uint32_t i = 0; i < h->n; i++) {
		const unsigned char *e = h->index + 16 * (size_t)i;
		uint32_t off = be32(e + 8);

		if (be32(e) != tag)
			continue;
		if (off >= h->store_len)
			return NULL;
		*type = be32(e + 4);
		*count = be32(e + 12);
		*avail = h->store_len - off;
		return h->store + off;
	}
	return NULL;
}

/* The i-th string of a STRING, I18NSTRING or STRING_ARRAY entry. */
static const char *string_at(const struct header *h, uint32_t tag, uint32_t i, size_t *len)
{
	uint32_t type, count;
	size_t avail;
	const char *s = find(h, tag, &type, &count, &avail);

	if (!s || (type != TYPE_STRING && type != TYPE_STRING_ARRAY && type != TYPE_I18NSTRING) || i >= count)
		return NULL;
	for (;;) {
		size_t n = strnlen(s, avail);

		if (n == avail)
			return NULL;	/* runs off the store */
		if (!i--) {
			*len = n;
			return s;
		}
		s += n + 1;
		avail -= n + 1;
	}
}

/* "<", "<=", "=", ">=", ">" from the i-th REQUIREFLAGS entry; "" when absent. */
static const char *sense_at(const struct header *h, uint32_t i)
{
	static const char *const ops[8] = { "", "<", ">", "", "=", "<=", ">=", "" };
	uint32_t type, count, flags;
	size_t avail;
	const char *p = find(h, TAG_REQUIREFLAGS, &type, &count, &avail);

	if (!p || type != TYPE_INT32 || i >= count || avail / 4 <= i)
		return "";
	flags = be32((const unsigned char *)p + 4 * (size_t)i);
	return ops[(flags & (SENSE_LESS | SENSE_GREATER | SENSE_EQUAL)) >> 1];
}

static char *dup_tag(const struct header *h, uint32_t tag)
{
	size_t n;
	const char *s = string_at(h, tag, 0, &n);

	return s ? xstrndup(s, n) : NULL;
}

int pkg_rpm_header(struct scan_result *r, int fd)
{
	unsigned char lead[LEAD_SIZE];
	struct header sig = { 0 }, h = { 0 };
	const char *why = NULL;
	char *name = NULL, *ver = NULL, *rel = NULL, *arch = NULL, *full = NULL;
	uint32_t type, count;
	size_t sig_size, avail;
	const char *epoch;
	int ret = -1;

	if (read_at(fd, lead, LEAD_SIZE, 0) || be32(lead) != 0xedabeedb) {
		scan_result_error(r, "", "not an RPM package: bad lead");
		return -1;
	}
	sig_size = read_header(fd, LEAD_SIZE, &sig, &why);
	if (!sig_size || !read_header(fd, LEAD_SIZE + ((sig_size + 7) & ~(size_t)7), &h, &why)) {
		scan_result_error(r, "", "%s", why);
		goto out;
	}
	name = dup_tag(&h, TAG_NAME);
	ver = dup_tag(&h, TAG_VERSION);
	rel = dup_tag(&h, TAG_RELEASE);
	arch = dup_tag(&h, TAG_ARCH);
	if (!name || !ver) {
		scan_result_error(r, "", "RPM header without a name or version");
		goto out;
	}
	epoch = find(&h, TAG_EPOCH, &type, &count, &avail);
	if (epoch && type == TYPE_INT32 && count && avail >= 4)
		ret = asprintf(&full, "%u:%s-%s", be32((const unsigned char *)epoch), ver, rel ? rel : "");
	else
		ret = asprintf(&full, "%s-%s", ver, rel ? rel : "");
	if (ret < 0)
		full = NULL;
	scan_result_package(r, "rpm", name, full, arch);
	for (uint32_t i = 0;; i++) {
		size_t n, vn = 0;
		const char *dep = string_at(&h, TAG_REQUIRENAME, i, &n);
		const char *dv = string_at(&h, TAG_REQUIREVERSION, i, &vn);

		if (!dep)
			break;
		/* rpmlib(...) names features of rpm itself, not packages. */
		if (!strncmp(dep, "rpmlib(", 7))
			continue;
		if (dv && vn && *sense_at(&h, i)) {
			char *v = NULL;
			int len = asprintf(&v, "%s %.*s", sense_at(&h, i), (int)vn, dv);

			if (len >= 0)
				scan_result_dep(r, "Requires", i, dep, n, v, len);
			free(v);
		} else {
			scan_result_dep(r, "Requires", i, dep, n, dv && vn ? dv : NULL, vn);
		}
	}
	ret = 0;
out:
	free(sig.index);
	free(h.index);
	free(name);
	free(ver);
	free(rel);
	free(arch);
	free(full);
	return ret;
}
