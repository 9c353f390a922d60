/*
 * Escaping for the report's output formats. Every string that reaches a
 * report came from an untrusted binary or archive (symbol names, paths,
 * package names), so every writer goes through these.
 *
 * HTML: & < > " ' become entities; control characters and bytes that are
 *   not valid UTF-8 become the visible text \xHH (never raw).
 * CSV (RFC 4180): a cell is quoted when it holds , " CR or LF, with "
 *   doubled; a text cell starting with = + - @ TAB or CR gets a leading '
 *   so spreadsheets read it as text, not as a formula (OWASP's advice).
 *   Bytes are written as they are.
 * JSON: common/json.h, shared with every command's --json.
 */
#ifndef REPORTS_REPORT_ESCAPE_H
#define REPORTS_REPORT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

void report_html_esc(FILE *f, const char *s, size_t len);
void report_csv_text(FILE *f, const char *s, size_t len);

/* NUL-terminated convenience (s may be NULL: written as empty). */
void report_html_s(FILE *f, const char *s);

#endif
