/*
 * JSON strings for every command's --json and the report's JSON files; the
 * rules are stated in json.h.
 */
#include "common/json.h"

#include <string.h>

size_t util_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void util_json_str(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	putc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n;

		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if (!(n = util_utf8_len(s + i, len - i))) {
			fprintf(f, "\\udc%02x", c);
			i++;
		} else {
			fwrite(s + i, 1, n, f);
			i += n;
		}
	}
	putc('"', f);
}

void util_json_s(FILE *f, const char *s)
{
	if (s)
		util_json_str(f, s, strlen(s));
	else
		fputs("null", f);
}
