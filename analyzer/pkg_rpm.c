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
 *
 * libarchive checks neither digest an RPM carries, so a damaged copy
 * (rpm -K: "DIGESTS NOT OK") was read as the package: the main header is
 * checked against signature tag 273 (SHA256; 269, SHA1, before rpm 4.14),
 * and the compressed payload against header tag 5092 (its algorithm in
 * 5093), or, in a package older than those, header and payload against
 * signature tag 1004 (MD5). The payload is hashed before it is unpacked,
 * in one more read of a file scan has just read whole to identify it:
 * a digest that fails says why the package cannot be read better than
 * anything the decompressor meets on the way.
 */
#include "analyzer/scan.h"
#include "common/common.h"

#include <errno.h>
#include <nettle/md5.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEAD_SIZE 96
#define MAX_ENTRIES 65535u
#define MAX_STORE (256u << 20)

enum { TAG_NAME = 1000, TAG_VERSION = 1001, TAG_RELEASE = 1002, TAG_EPOCH = 1003,
       TAG_ARCH = 1022, TAG_REQUIREFLAGS = 1048, TAG_REQUIRENAME = 1049, TAG_REQUIREVERSION = 1050 };
enum { SENSE_LESS = 2, SENSE_GREATER = 4, SENSE_EQUAL = 8 };
enum { SIG_SHA1 = 269, SIG_SHA256 = 273, SIG_MD5 = 1004, TAG_PAYLOADDIGEST = 5092,
       TAG_PAYLOADDIGESTALGO = 5093 };
enum { TYPE_INT32 = 4, TYPE_STRING = 6, TYPE_BIN = 7, TYPE_STRING_ARRAY = 8, TYPE_I18NSTRING = 9 };

#define CHUNK (1u << 20)

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
	unsigned char intro[16];	/* magic, reserved, n, store_len */
	unsigned char *index;	/* n entries of 16 bytes, then the store */
	uint32_t n, store_len;
	const char *store;
};

/* Reads the header at off; returns its size on disk, or 0 (reason set). */
static size_t read_header(int fd, off_t off, struct header *h, const char **why)
{
	unsigned char *intro = h->intro;
	struct stat st;
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
	/* A header that claims more than the file holds is cut off: said before allocating what it claims. */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size - off < (off_t)(16 + size)) {
		*why = "RPM header cut off";
		return 0;
	}
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

union hash_ctx {
	struct md5_ctx md5;
	struct sha1_ctx sha1;
	struct sha256_ctx sha256;
	struct sha512_ctx sha512;
};

/* A digest to check: the algorithm, the value wanted, and what to call it. */
struct digest {
	const struct nettle_hash *algo;
	const char *name, *of;	/* "SHA256", "payload" */
	union hash_ctx ctx;
	uint8_t want[SHA512_DIGEST_SIZE];
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Starts d over algo with the wanted value from hex; -1 when hex is not
 * a digest of that size. */
static int digest_start(struct digest *d, const struct nettle_hash *algo, const char *name,
			const char *hex, size_t len)
{
	if (len != 2 * (size_t)algo->digest_size)
		return -1;
	for (size_t i = 0; i < algo->digest_size; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		d->want[i] = hi << 4 | lo;
	}
	d->algo = algo;
	d->name = name;
	algo->init(&d->ctx);
	return 0;
}

static void digest_header(struct digest *d, const struct header *h)
{
	d->algo->update(&d->ctx, sizeof(h->intro), h->intro);
	d->algo->update(&d->ctx, (size_t)h->n * 16 + h->store_len, h->index);
}

static int digest_matches(struct digest *d)
{
	uint8_t got[SHA512_DIGEST_SIZE];

	d->algo->digest(&d->ctx, d->algo->digest_size, got);
	return !memcmp(got, d->want, d->algo->digest_size);
}

/* The main header h against the signature header's digest of it. A
 * package with neither tag is read unchecked, as rpm -K reads it. */
static int check_header(struct scan_result *r, const struct header *sig, const struct header *h)
{
	static const struct { uint32_t tag; const struct nettle_hash *algo; const char *name; } tags[] = {
		{ SIG_SHA256, &nettle_sha256, "SHA256" }, { SIG_SHA1, &nettle_sha1, "SHA1" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
		struct digest d;
		size_t len;
		const char *hex = string_at(sig, tags[i].tag, 0, &len);

		if (!hex)
			continue;
		if (digest_start(&d, tags[i].algo, tags[i].name, hex, len)) {
			scan_result_error(r, "", "RPM header %s digest malformed: the package is corrupt",
					  tags[i].name);
			return -1;
		}
		digest_header(&d, h);
		if (!digest_matches(&d)) {
			scan_result_error(r, "", "RPM header %s digest mismatch: the package is corrupt", d.name);
			return -1;
		}
		return 0;
	}
	return 0;
}

/* rpm's names for its digest algorithms: OpenPGP's numbers (RFC 4880, 9.4). */
static const struct nettle_hash *pgp_hash(uint32_t algo, const char **name)
{
	static const struct { uint32_t id; const struct nettle_hash *algo; const char *name; } algos[] = {
		{ 1, &nettle_md5, "MD5" }, { 2, &nettle_sha1, "SHA1" }, { 8, &nettle_sha256, "SHA256" },
		{ 9, &nettle_sha384, "SHA384" }, { 10, &nettle_sha512, "SHA512" }, { 11, &nettle_sha224, "SHA224" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(algos); i++)
		if (algos[i].id == algo) {
			*name = algos[i].name;
			return algos[i].algo;
		}
	return NULL;
}

/*
 * What the bytes from the payload's start must hash to: the payload
 * digest, or MD5 over header and payload; d->algo stays NULL when the
 * package has neither (or names an algorithm nettle lacks). Returns -1
 * when the digest tag is malformed.
 */
static int payload_digest(const struct header *sig, const struct header *h, struct digest *d)
{
	uint32_t type, count, algo = 0;
	size_t len, avail;
	const struct nettle_hash *hash;
	const char *hex = string_at(h, TAG_PAYLOADDIGEST, 0, &len), *name, *p;

	d->algo = NULL;
	if (hex) {
		p = find(h, TAG_PAYLOADDIGESTALGO, &type, &count, &avail);
		if (p && type == TYPE_INT32 && count && avail >= 4)
			algo = be32((const unsigned char *)p);
		if (!(hash = pgp_hash(algo, &name)))
			return 0;
		d->of = "payload";
		return digest_start(d, hash, name, hex, len);
	}
	p = find(sig, SIG_MD5, &type, &count, &avail);
	if (!p || type != TYPE_BIN || count != MD5_DIGEST_SIZE || avail < MD5_DIGEST_SIZE)
		return 0;
	d->algo = &nettle_md5;
	d->name = "MD5";
	d->of = "header and payload";
	memcpy(d->want, p, MD5_DIGEST_SIZE);
	nettle_md5.init(&d->ctx);
	digest_header(d, h);
	return 0;
}

/* The bytes from off to the end of the file against d. */
static int check_payload(struct scan_result *r, int fd, uint64_t off, struct digest *d)
{
	char *buf = xmalloc(CHUNK);
	int ret = 0;

	for (;;) {
		ssize_t n = pread(fd, buf, CHUNK, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			scan_result_error(r, "", "cannot read: %s", strerror(errno));
			ret = -1;
			goto out;
		}
		if (!n)
			break;
		d->algo->update(&d->ctx, n, (const uint8_t *)buf);
		off += n;
	}
	if (!digest_matches(d)) {
		scan_result_error(r, "", "RPM %s %s digest mismatch: the package is corrupt or cut off", d->of,
				  d->name);
		ret = -1;
	}
out:
	free(buf);
	return ret;
}

int pkg_rpm_header(struct scan_result *r, int fd, uint64_t *payload)
{
	unsigned char lead[LEAD_SIZE];
	struct header sig = { 0 }, h = { 0 };
	struct digest d;
	const char *why = NULL;
	char *name = NULL, *ver = NULL, *rel = NULL, *arch = NULL, *full = NULL;
	uint32_t type, count;
	size_t sig_size, h_size, avail;
	const char *epoch;
	int ret = -1;

	if (read_at(fd, lead, LEAD_SIZE, 0) || be32(lead) != 0xedabeedb) {
		scan_result_error(r, "", "not an RPM package: bad lead");
		return -1;
	}
	sig_size = read_header(fd, LEAD_SIZE, &sig, &why);
	sig_size = (sig_size + 7) & ~(size_t)7;
	if (!sig_size || !(h_size = read_header(fd, LEAD_SIZE + sig_size, &h, &why))) {
		scan_result_error(r, "", "%s", why);
		goto out;
	}
	*payload = LEAD_SIZE + sig_size + h_size;
	if (check_header(r, &sig, &h))
		goto out;
	name = dup_tag(&h, TAG_NAME);
	ver = dup_tag(&h, TAG_VERSION);
	rel = dup_tag(&h, TAG_RELEASE);
	arch = dup_tag(&h, TAG_ARCH);
	if (!name || !*name || !ver) {
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
	/* After the name: a verified header names the package whose
	 * payload is damaged. */
	ret = -1;
	if (payload_digest(&sig, &h, &d))
		scan_result_error(r, "", "RPM payload digest malformed: the package is corrupt");
	else if (!d.algo || !check_payload(r, fd, *payload, &d))
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
