/*
 * libFuzzer harness: the escapers every name from a binary goes through on
 * its way into a report (reports/report_escape.c, common/json.c), checked
 * by their stated rules (report_escape.h, json.h) rather than against a
 * second copy of the code:
 *
 * - util_utf8_len() agrees at every offset with a validator written from
 *   the Unicode standard's table of well-formed sequences (Table 3-7).
 * - HTML: the text is valid UTF-8 with no raw < > " ' or control
 *   character, every & starts one of the five entities written, and
 *   (when the input holds no backslash, which \xHH would make ambiguous)
 *   undoing the entities and \xHH gives the input back.
 * - CSV: the cell, put between two others in a row, reads back with an
 *   RFC 4180 reader as exactly three cells, the middle one the input, or
 *   the input behind a ' when it starts as a formula would (= + - @ TAB
 *   CR), and what a spreadsheet reads never starts as a formula.
 * - JSON: one RFC 8259 string, valid UTF-8, that decodes (\udcHH as the
 *   byte HH: surrogateescape) to exactly the input's bytes.
 */
#include "fuzz/fuzz.h"
#include "common/json.h"
#include "reports/report_escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text {
	char *s;
	size_t len, cap;
};

/* The length of the well-formed UTF-8 sequence at s (Unicode 15, Table
 * 3-7), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 1;
	else if (c == 0xe0)
		k = 2, lo = 0xa0;
	else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		k = 2;
	else if (c == 0xed)
		k = 2, hi = 0x9f;
	else if (c == 0xf0)
		k = 3, lo = 0x90;
	else if (c >= 0xf1 && c <= 0xf3)
		k = 3;
	else if (c == 0xf4)
		k = 3, hi = 0x8f;
	else
		return 0;
	if (n <= k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t j = 2; j <= k; j++)
		if ((s[j] & 0xc0) != 0x80)
			return 0;
	return k + 1;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = utf8_seq(s + i, n - i)))
			return 0;
	return 1;
}

static void put(struct text *t, const void *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = 2 * (t->len + n + 1);
		t->s = realloc(t->s, t->cap);
		FUZZ_ASSERT(t->s);
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
}

static int equal(const struct text *t, const uint8_t *data, size_t size)
{
	return t->len == size && (!size || !memcmp(t->s, data, size));
}

/* What writer(f, s, len) writes. */
static struct text capture(void (*writer)(FILE *, const char *, size_t), const char *s, size_t len)
{
	struct text t = { 0 };
	FILE *f = open_memstream(&t.s, &t.len);

	FUZZ_ASSERT(f);
	writer(f, s, len);
	FUZZ_ASSERT(!fclose(f));
	return t;
}

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void check_html(const uint8_t *data, size_t size)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	static const char raw[] = "&<>\"'";
	struct text t = capture(report_html_esc, (const char *)data, size), back = { 0 };
	const unsigned char *s = (const unsigned char *)t.s;

	FUZZ_ASSERT(utf8_valid(s, t.len));
	for (size_t i = 0; i < t.len;) {
		size_t e = 0;

		FUZZ_ASSERT(s[i] >= 0x20 && s[i] != 0x7f && s[i] != '<' && s[i] != '>' &&
			    s[i] != '"' && s[i] != '\'');
		if (s[i] == '&') {
			while (e < 5 && strncmp(t.s + i, ents[e], strlen(ents[e])))
				e++;
			FUZZ_ASSERT(e < 5);
			put(&back, &raw[e], 1);
			i += strlen(ents[e]);
		} else if (s[i] == '\\' && i + 3 < t.len && s[i + 1] == 'x' &&
			   hex_digit(s[i + 2]) >= 0 && hex_digit(s[i + 3]) >= 0) {
			unsigned char c = hex_digit(s[i + 2]) << 4 | hex_digit(s[i + 3]);

			put(&back, &c, 1);
			i += 4;
		} else {
			put(&back, s + i, 1);
			i++;
		}
	}
	if (!memchr(data, '\\', size))
		FUZZ_ASSERT(equal(&back, data, size));
	free(t.s);
	free(back.s);
}

/* One RFC 4180 record from s[0..n): its cells into cells[0..max), their
 * number returned; -1 when it is not one well-formed record ending in CRLF. */
static int csv_record(const char *s, size_t n, struct text *cells, int max)
{
	size_t i = 0;
	int k = 0;

	for (;;) {
		struct text *c;

		if (k == max)
			return -1;
		c = &cells[k++];
		put(c, "", 0);
		if (i < n && s[i] == '"') {
			for (i++;; i++) {
				if (i == n)
					return -1;
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"')
						i++;
					else
						break;
				}
				put(c, s + i, 1);
			}
			i++;
		} else {
			for (; i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n'; i++) {
				if (s[i] == '"')
					return -1;
				put(c, s + i, 1);
			}
		}
		if (i < n && s[i] == ',') {
			i++;
			continue;
		}
		return i + 2 == n && s[i] == '\r' && s[i + 1] == '\n' ? k : -1;
	}
}

static int formula_start(const char *s, size_t n)
{
	return n && s[0] && strchr("=+-@\t\r", s[0]);
}

static void check_csv(const uint8_t *data, size_t size)
{
	struct text cell = capture(report_csv_text, (const char *)data, size);
	struct text row = { 0 }, cells[4] = { { 0 } }, want = { 0 };
	int n;

	put(&row, "a,", 2);
	put(&row, cell.s, cell.len);
	put(&row, ",b\r\n", 4);
	n = csv_record(row.s, row.len, cells, 4);
	FUZZ_ASSERT(n == 3);
	FUZZ_ASSERT(equal(&cells[0], (const uint8_t *)"a", 1) && equal(&cells[2], (const uint8_t *)"b", 1));
	if (formula_start((const char *)data, size))
		put(&want, "'", 1);
	put(&want, data, size);
	FUZZ_ASSERT(equal(&cells[1], (const uint8_t *)want.s, want.len));
	FUZZ_ASSERT(!formula_start(cells[1].s, cells[1].len));
	for (int i = 0; i < 4; i++)
		free(cells[i].s);
	free(cell.s);
	free(row.s);
	free(want.s);
}

static void put_utf8(struct text *t, unsigned cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80)
		b[0] = cp, n = 1;
	else if (cp < 0x800)
		b[0] = 0xc0 | cp >> 6, b[1] = 0x80 | (cp & 0x3f), n = 2;
	else if (cp < 0x10000)
		b[0] = 0xe0 | cp >> 12, b[1] = 0x80 | (cp >> 6 & 0x3f), b[2] = 0x80 | (cp & 0x3f), n = 3;
	else
		b[0] = 0xf0 | cp >> 18, b[1] = 0x80 | (cp >> 12 & 0x3f), b[2] = 0x80 | (cp >> 6 & 0x3f),
		b[3] = 0x80 | (cp & 0x3f), n = 4;
	put(t, b, n);
}

/* \uXXXX at s[i] (i at the backslash); -1 when it is not one. */
static long json_u(const char *s, size_t n, size_t i)
{
	long v = 0;

	if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u')
		return -1;
	for (size_t j = i + 2; j < i + 6; j++) {
		int d = hex_digit(s[j]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The bytes the JSON string s[0..n) stands for, surrogateescape undone as
 * Python's .encode('utf-8', 'surrogateescape') does; -1 when s is not one
 * JSON string, or holds a lone surrogate no byte escapes to. */
static int json_decode(const char *s, size_t n, struct text *out)
{
	put(out, "", 0);
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return -1;
	for (size_t i = 1; i < n - 1;) {
		unsigned char c = s[i];
		long cp, lo;

		if (c == '"' || c < 0x20)
			return -1;
		if (c != '\\') {
			put(out, &c, 1);
			i++;
			continue;
		}
		if (i + 1 >= n - 1)
			return -1;
		switch (s[i + 1]) {
		case '"': case '\\': case '/':
			put(out, s + i + 1, 1);
			i += 2;
			continue;
		case 'b': put(out, "\b", 1); i += 2; continue;
		case 'f': put(out, "\f", 1); i += 2; continue;
		case 'n': put(out, "\n", 1); i += 2; continue;
		case 'r': put(out, "\r", 1); i += 2; continue;
		case 't': put(out, "\t", 1); i += 2; continue;
		case 'u':
			break;
		default:
			return -1;
		}
		if ((cp = json_u(s, n - 1, i)) < 0)
			return -1;
		i += 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if ((lo = json_u(s, n - 1, i)) < 0xdc00 || lo > 0xdfff)
				return -1;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		} else if (cp >= 0xdc80 && cp <= 0xdcff) {
			unsigned char b = cp & 0xff;

			put(out, &b, 1);
			continue;
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			return -1;
		}
		put_utf8(out, cp);
	}
	return 0;
}

static void check_json(const uint8_t *data, size_t size)
{
	struct text t = capture(util_json_str, (const char *)data, size), back = { 0 };

	FUZZ_ASSERT(utf8_valid((const unsigned char *)t.s, t.len));
	FUZZ_ASSERT(!json_decode(t.s, t.len, &back));
	FUZZ_ASSERT(equal(&back, data, size));
	free(t.s);
	free(back.s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The input alone in its allocation: a read past it is seen. */
	uint8_t *s = malloc(size ? size : 1);

	FUZZ_ASSERT(s);
	memcpy(s, data, size);
	for (size_t i = 0; i < size; i++)
		FUZZ_ASSERT(util_utf8_len(s + i, size - i) == utf8_seq(s + i, size - i));
	check_html(s, size);
	check_csv(s, size);
	check_json(s, size);
	free(s);
	return 0;
}
