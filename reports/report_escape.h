/*
 * Escaping for the three output formats. Every string that reaches a
 * report came from an untrusted binary or archive (symbol names, paths,
 * package names), so every writer goes through these.
 *
 * HTML: & < > " ' become entities; control characters and bytes that are
 *   not valid UTF-8 become the visible text \xHH (never raw).
 * CSV (RFC 4180): a cell is quoted when it holds , " CR or LF, with "
 *   doubled; a text cell starting with = + - @ TAB or CR gets a leading '
 *   so spreadsheets read it as text, not as a formula (OWASP's advice).
 *   Bytes are written as they are.
 * JSON (RFC 8259): " \ and control characters are escaped; a byte that is
 *   not part of valid UTF-8 is written as the lone surrogate \udcHH (HH the
 *   byte), Python's "surrogateescape" (PEP 383), so the exact bytes can be
 *   recovered: json.loads(s) then .encode('utf-8', 'surrogateescape').
 */
#ifndef REPORTS_REPORT_ESCAPE_H
#define REPORTS_REPORT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0 when
 * the byte at s does not start one (overlong forms, surrogates and code
 * points past U+10FFFF are invalid). */
size_t report_utf8_len(const unsigned char *s, size_t n);

void report_html_esc(FILE *f, const char *s, size_t len);
void report_csv_text(FILE *f, const char *s, size_t len);
void report_json_str(FILE *f, const char *s, size_t len);

/* NUL-terminated conveniences (s may be NULL: written as empty / null). */
void report_html_s(FILE *f, const char *s);
void report_json_s(FILE *f, const char *s);

#endif
