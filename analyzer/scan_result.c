/*
 * struct scan_result and its string pool: what one input yields, built by a
 * worker without locks and handed whole to the writer.
 */
#include "analyzer/scan.h"
#include "analyzer/sys_req.h"
#include "common/common.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t strpool_add(struct strpool *p, const char *s, size_t n)
{
	size_t off;

	if (!p->len) {
		/* Offset 0 is reserved for the empty string. */
		p->buf = xgrow(p->buf, &p->cap, 1, 1);
		p->buf[0] = 0;
		p->len = 1;
	}
	if (!n)
		return 0;
	p->buf = xgrow(p->buf, &p->cap, p->len + n + 1, 1);
	off = p->len;
	memcpy(p->buf + off, s, n);
	p->buf[off + n] = 0;
	p->len += n + 1;
	return off;
}

void strpool_release(struct strpool *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

void scan_result_init(struct scan_result *r, const char *input)
{
	memset(r, 0, sizeof(*r));
	r->input = input;
}

void scan_result_read(struct scan_result *r, uint64_t n)
{
	r->bytes_read += n;
	progress_add(r->progress, n, 0);
}

void scan_result_release(struct scan_result *r)
{
	for (size_t i = 0; i < r->n_elfs; i++) {
		free(r->elfs[i].needed);
		free(r->elfs[i].imports);
		free(r->elfs[i].exports);
		sys_info_free(r->elfs[i].sys);
		free(r->elfs[i].sys);
		sys_rows_release(&r->elfs[i].sys_rows);
		if (r->elfs[i].req)
			sys_req_release(r->elfs[i].req);
		free(r->elfs[i].req);
	}
	free(r->elfs);
	free(r->sys_used.v);
	free(r->links);
	free(r->deps);
	free(r->errors);
	strpool_release(&r->pool);
	memset(r, 0, sizeof(*r));
}

void scan_result_error(struct scan_result *r, const char *member, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (member && *member && strcmp(member, r->input))
		util_err("'%s' member '%s': %s", r->input, member, reason);
	else
		util_err("'%s': %s", r->input, reason);
	r->errors = xgrow(r->errors, &r->cap_errors, r->n_errors + 1, sizeof(*r->errors));
	r->errors[r->n_errors].member = member ? strpool_add(&r->pool, member, strlen(member)) : 0;
	r->errors[r->n_errors].reason = strpool_add(&r->pool, reason, strlen(reason));
	r->n_errors++;
}

static size_t add(struct scan_result *r, const char *s)
{
	return s ? strpool_add(&r->pool, s, strlen(s)) : 0;
}

void scan_result_package(struct scan_result *r, const char *format, const char *name,
			 const char *version, const char *arch)
{
	char *key;

	if (asprintf(&key, "%s:%s:%s:%s", format, name ? name : "", version ? version : "",
		     arch ? arch : "") < 0)
		key = NULL;
	r->pkg_format = format;
	r->pkg_key = add(r, key);
	r->pkg_name = add(r, name);
	r->pkg_version = add(r, version);
	r->pkg_arch = add(r, arch);
	free(key);
}

void scan_result_dep(struct scan_result *r, const char *kind, int alt, const char *name,
		     size_t name_len, const char *version, size_t version_len)
{
	struct pkg_dep *d;

	if (!name_len)
		return;
	r->deps = xgrow(r->deps, &r->cap_deps, r->n_deps + 1, sizeof(*r->deps));
	d = &r->deps[r->n_deps++];
	d->kind = add(r, kind);
	d->alt = alt;
	d->name = strpool_add(&r->pool, name, name_len);
	d->version = version ? strpool_add(&r->pool, version, version_len) : 0;
}

/* "libc6 (>= 2.34), libfoo | libbar:any (<< 2)": entries split on ',',
 * alternatives on '|'; a name ends at space, '(' or ':' (an arch
 * qualifier); the version is what the parentheses hold. */
void scan_result_deb_deps(struct scan_result *r, const char *kind, const char *field, size_t len)
{
	const char *p = field, *end = field + len;
	int alt = 0;

	while (p < end) {
		const char *name, *ver = NULL;
		size_t nlen, vlen = 0;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '|' || *p == ','))
			if (*p++ == ',')
				alt++;
		name = p;
		while (p < end && !strchr(" \t\n(:,|", *p))
			p++;
		nlen = p - name;
		while (p < end && *p != ',' && *p != '|' && *p != '(')
			p++;
		if (p < end && *p == '(') {
			ver = ++p;
			while (p < end && *p != ')')
				p++;
			vlen = p - ver;
			while (vlen && *ver == ' ')
				ver++, vlen--;
		}
		while (p < end && *p != ',' && *p != '|')
			p++;
		scan_result_dep(r, kind, alt, name, nlen, ver, vlen);
	}
}

void scan_hash_hex(XXH128_hash_t h, char out[33])
{
	XXH128_canonical_t c;
	static const char hex[] = "0123456789abcdef";

	XXH128_canonicalFromHash(&c, h);
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[c.digest[i] >> 4];
		out[2 * i + 1] = hex[c.digest[i] & 15];
	}
	out[32] = 0;
}

const char *pkg_field(const char *text, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > n && !strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;

			/* Continuation lines start with a space or a tab. */
			while (eol + 1 < end && (eol[1] == ' ' || eol[1] == '\t'))
				if (!(eol = memchr(eol + 1, '\n', end - eol - 1)))
					eol = end;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*vlen = eol - v;
			while (*vlen && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\r'))
				(*vlen)--;
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}
