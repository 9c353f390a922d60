/*
 * Escaping for HTML and CSV (JSON: common/json.c); the rules are stated in
 * report_escape.h. One pass per string, written straight into the
 * (buffered) output stream.
 */
#include "reports/report_escape.h"
#include "common/json.h"

#include <string.h>

void report_html_esc(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n;

		switch (c) {
		case '&': fputs("&amp;", f); i++; continue;
		case '<': fputs("&lt;", f); i++; continue;
		case '>': fputs("&gt;", f); i++; continue;
		case '"': fputs("&quot;", f); i++; continue;
		case '\'': fputs("&#39;", f); i++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\x%02x", c);
			i++;
		} else if (!(n = util_utf8_len(s + i, len - i))) {
			fprintf(f, "\\x%02x", c);
			i++;
		} else {
			fwrite(s + i, 1, n, f);
			i += n;
		}
	}
}

void report_csv_text(FILE *f, const char *s, size_t len)
{
	int quote = len && s[0] && strchr("=+-@\t\r", s[0]);

	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		fwrite(s, 1, len, f);
		return;
	}
	putc('"', f);
	if (s[0] && strchr("=+-@\t\r", s[0]))
		putc('\'', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

void report_html_s(FILE *f, const char *s)
{
	if (s)
		report_html_esc(f, s, strlen(s));
}
