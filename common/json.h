/*
 * JSON strings (RFC 8259) for everything parakit prints or writes as JSON.
 * The strings come from untrusted binaries, archives and source trees
 * (symbol names, paths, package names), so they are escaped the one way:
 * " \ and control characters escaped; a byte that is not part of valid
 * UTF-8 written as the lone surrogate \udcHH (HH the byte), Python's
 * "surrogateescape" (PEP 383), so the exact bytes can be recovered:
 * json.loads(s) then .encode('utf-8', 'surrogateescape').
 */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stddef.h>
#include <stdio.h>

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0 when
 * the byte at s does not start one (overlong forms, surrogates and code
 * points past U+10FFFF are invalid). */
size_t util_utf8_len(const unsigned char *s, size_t n);

/* Writes s (len bytes) as a quoted JSON string. */
void util_json_str(FILE *f, const char *s, size_t len);
/* The same for a NUL-terminated s; NULL is written as null. */
void util_json_s(FILE *f, const char *s);

#endif
