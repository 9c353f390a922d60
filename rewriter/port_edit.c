/*
 * Edits as byte ranges of the original files, and what they become: the
 * new text, or a unified diff that patch -p1 applies at the tree's root.
 *
 * Edits touch only the tokens that change, so the diff is computed line by
 * line from them, not by a general diff: an original line holding an edit
 * is replaced by the lines its new text spans, every other line is
 * context. Hunks gather the changed lines with three lines of context, as
 * diff -u does. A header that several TUs include is seen once per TU:
 * edits of the same range are kept once.
 */
#include "rewriter/port.h"
#include "common/common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT 3

void port_edit_add(struct port_file *f, size_t off, size_t len, const char *text)
{
	for (size_t i = 0; i < f->n_edits; i++) {
		const struct port_edit *e = &f->edits[i];

		/* The same edit again, or one that overlaps: the first wins. */
		if (off < e->off + e->len + (e->len == 0) && e->off < off + len + (len == 0))
			return;
	}
	f->edits = xgrow(f->edits, &f->cap_edits, f->n_edits + 1, sizeof(*f->edits));
	f->edits[f->n_edits++] = (struct port_edit){ off, len, xstrdup(text) };
	f->changed = 1;
}

static int cmp_edit(const void *a, const void *b)
{
	const struct port_edit *x = a, *y = b;

	return (x->off > y->off) - (x->off < y->off);
}

char *port_file_result(const struct port_file *f, size_t *len)
{
	size_t n = f->len, pos = 0, o = 0;
	char *out;

	qsort(f->edits, f->n_edits, sizeof(*f->edits), cmp_edit);
	for (size_t i = 0; i < f->n_edits; i++)
		n += strlen(f->edits[i].text);
	out = xmalloc(n + 1);
	for (size_t i = 0; i < f->n_edits; i++) {
		const struct port_edit *e = &f->edits[i];
		size_t k = strlen(e->text);

		memcpy(out + o, f->text + pos, e->off - pos);
		o += e->off - pos;
		memcpy(out + o, e->text, k);
		o += k;
		pos = e->off + e->len;
	}
	memcpy(out + o, f->text + pos, f->len - pos);
	o += f->len - pos;
	out[o] = 0;
	*len = o;
	return out;
}

/*
 * Line i (0-based) of the original and the text it becomes. An edit that
 * spans lines belongs to the line it starts on; the lines it covers become
 * empty replacements. new_of[i] is the start of line i's new text in the
 * result, new_end[i] its end: every edit lies within its first line's
 * span, so old line i maps to [new_of[i], new_of[i+1]).
 */
struct line_map {
	size_t *new_of;		/* n_lines + 1 entries */
	unsigned char *changed;
};

static void map_lines(const struct port_file *f, struct line_map *m)
{
	size_t delta = 0, e = 0;

	m->new_of = xcalloc(f->n_lines + 1, sizeof(size_t));
	m->changed = xcalloc(f->n_lines + 1, 1);
	for (unsigned i = 0; i < f->n_lines; i++) {
		size_t end = i + 1 < f->n_lines ? f->line_off[i + 1] : f->len;

		m->new_of[i] = f->line_off[i] + delta;
		/* Edits that start in this line (or at its end: insertions). */
		while (e < f->n_edits && f->edits[e].off < end + (i + 1 == f->n_lines)) {
			const struct port_edit *ed = &f->edits[e];

			delta += strlen(ed->text) - ed->len;
			m->changed[i] = 1;
			/* Lines the edit covers are part of this one. */
			while (i + 1 < f->n_lines && ed->off + ed->len > f->line_off[i + 1]) {
				i++;
				m->new_of[i] = (size_t)-1;
				m->changed[i] = 1;
			}
			e++;
		}
	}
	m->new_of[f->n_lines] = f->len + delta;
}

/* Prints text's lines with prefix c; counts them. */
static unsigned put_lines(FILE *out, char c, const char *s, size_t n, int *no_eol)
{
	unsigned k = 0;
	size_t i = 0;

	*no_eol = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t l = nl ? (size_t)(nl - (s + i)) : n - i;

		fputc(c, out);
		fwrite(s + i, 1, l, out);
		fputc('\n', out);
		k++;
		i += l + (nl != NULL);
		if (!nl)
			*no_eol = 1;
	}
	return k;
}

/* Length of the first line of s (with its newline). */
static size_t line_len(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);

	return nl ? (size_t)(nl - s) + 1 : n;
}

/*
 * Old lines o become new lines w: the lines both begin and end with are
 * context, the rest '-' then '+', so an insertion shows as added lines
 * only. Only whole lines ending in a newline count as common.
 */
static void put_change(FILE *out, const char *o, size_t on, const char *w, size_t wn, int *no_eol)
{
	size_t pre = 0, suf = 0;

	for (;;) {
		size_t l = line_len(o + pre, on - pre);

		if (pre + l > on || pre + l > wn || !l || o[pre + l - 1] != '\n' || memcmp(o + pre, w + pre, l))
			break;
		pre += l;
	}
	for (;;) {
		size_t l = 0;

		/* The last complete line of what is left of both. */
		if (on - suf <= pre || wn - suf <= pre || o[on - suf - 1] != '\n' || w[wn - suf - 1] != '\n')
			break;
		while (on - suf - l - 1 > pre && o[on - suf - l - 2] != '\n')
			l++;
		l++;
		if (wn - suf < pre + l || memcmp(o + on - suf - l, w + wn - suf - l, l) ||
		    (wn - suf - l > pre && w[wn - suf - l - 1] != '\n'))
			break;
		suf += l;
	}
	put_lines(out, ' ', o, pre, no_eol);
	put_lines(out, '-', o + pre, on - pre - suf, no_eol);
	if (*no_eol)
		fputs("\\ No newline at end of file\n", out);
	put_lines(out, '+', w + pre, wn - pre - suf, no_eol);
	if (*no_eol && suf)
		fputs("\\ No newline at end of file\n", out);
	put_lines(out, ' ', o + on - suf, suf, no_eol);
}

static unsigned count_lines(const char *s, size_t n)
{
	unsigned k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k + (n && s[n - 1] != '\n');
}

/* A byte of a file name that a quoted name writes as a C escape. */
static int name_escaped(unsigned char c)
{
	return c < ' ' || c == '"' || c == '\\' || c == 0x7f;
}

/*
 * Writes marker ("--- " or "+++ ") and dir/rel. patch ends a bare name at
 * its first blank, so a name with a blank or a byte name_escaped() is
 * written as GNU diff writes it: in double quotes with C escapes, which
 * patch reads back.
 */
static void put_name(FILE *out, const char *marker, const char *dir, const char *rel)
{
	const unsigned char *s = (const unsigned char *)rel;
	int quote = 0;

	for (const unsigned char *p = s; *p; p++)
		quote |= *p == ' ' || name_escaped(*p);
	fprintf(out, "%s%s%s", marker, quote ? "\"" : "", dir);
	for (; *s; s++) {
		if (!quote || !name_escaped(*s))
			fputc(*s, out);
		else if (*s == '\t')
			fputs("\\t", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else
			fprintf(out, "\\%03o", *s);
	}
	fputs(quote ? "\"\n" : "\n", out);
}

int port_file_diff(const struct port_file *f, const char *nt, size_t nlen, FILE *out)
{
	struct line_map m;
	unsigned n = f->n_lines;
	unsigned i = 0;

	/* A file ending with a newline has an empty last "line". */
	if (n > 1 && f->line_off[n - 1] == f->len)
		n--;
	map_lines(f, &m);
	m.new_of[n] = nlen;
	if (n < f->n_lines && m.changed[n])
		m.changed[n - 1] = 1;
	put_name(out, "--- ", "a/", f->rel);
	put_name(out, "+++ ", "b/", f->rel);
	while (i < n) {
		unsigned first, last, old_start, old_n = 0, new_n = 0;
		size_t ns, ne;

		while (i < n && !m.changed[i])
			i++;
		if (i >= n)
			break;
		first = i >= CONTEXT ? i - CONTEXT : 0;
		last = i;
		/* Extend while the next change is within two contexts. */
		for (unsigned j = i; j < n; j++)
			if (m.changed[j]) {
				if (j > last + 2 * CONTEXT)
					break;
				last = j;
			}
		last = last + CONTEXT < n ? last + CONTEXT : n - 1;
		old_start = first + 1;
		/* Counts first, then the lines. */
		for (unsigned j = first; j <= last; j++) {
			size_t oe = j + 1 < f->n_lines ? f->line_off[j + 1] : f->len;

			old_n += count_lines(f->text + f->line_off[j], oe - f->line_off[j]);
		}
		ns = m.new_of[first];
		{
			unsigned k = last + 1;

			while (k < n && m.new_of[k] == (size_t)-1)
				k++;
			ne = k <= n ? m.new_of[k] : nlen;
		}
		new_n = count_lines(nt + ns, ne - ns);
		fprintf(out, "@@ -%u,%u +%u,%u @@\n", old_start, old_n,
			(unsigned)(count_lines(nt, ns) + (ns && nt[ns - 1] != '\n' ? 0 : 1)) - 0, new_n);
		for (unsigned j = first; j <= last;) {
			size_t oe, a, b;
			unsigned k = j + 1;
			int no_eol;

			while (k <= last && m.new_of[k] == (size_t)-1)
				k++;
			oe = k < f->n_lines ? f->line_off[k] : f->len;
			a = m.new_of[j];
			b = k < n ? m.new_of[k] : (k == n ? nlen : m.new_of[k]);
			if (!m.changed[j])
				put_lines(out, ' ', f->text + f->line_off[j], oe - f->line_off[j], &no_eol);
			else
				put_change(out, f->text + f->line_off[j], oe - f->line_off[j], nt + a, b - a, &no_eol);
			if (no_eol)
				fputs("\\ No newline at end of file\n", out);
			j = k;
		}
		i = last + 1;
	}
	free(m.new_of);
	free(m.changed);
	return ferror(out) ? -EIO : 0;
}

void port_add_includes(struct port_tree *t)
{
	for (size_t fi = 0; fi < t->n_files; fi++) {
		struct port_file *f = &t->files[fi];
		size_t first = (size_t)-1, after = 0, depth = 0, guard = (size_t)-1;
		int found = 0;

		if (f->changed != 1)
			continue;
		for (size_t i = 0; i < f->n_edits; i++)
			if (f->edits[i].off < first)
				first = f->edits[i].off;
		/* After the last #include outside #if blocks before the first
		 * edit; at the top when there is none. A header's include
		 * guard (#ifndef X first, #define X next) is no #if block. */
		if (f->n_toks > 6 && port_tok_is(f, 0, "#") && port_tok_is(f, 1, "ifndef") && port_tok_is(f, 3, "#") &&
		    port_tok_is(f, 4, "define") && f->toks[2].len == f->toks[5].len &&
		    !memcmp(f->text + f->toks[2].off, f->text + f->toks[5].off, f->toks[2].len))
			guard = 0;
		for (size_t i = 0; i + 1 < f->n_toks && f->toks[i].off < first; i++) {
			if (!f->toks[i].directive || !port_tok_is(f, i, "#"))
				continue;
			if (i == guard)
				continue;
			if (port_tok_is(f, i + 1, "if") || port_tok_is(f, i + 1, "ifdef") ||
			    port_tok_is(f, i + 1, "ifndef"))
				depth++;
			else if (port_tok_is(f, i + 1, "endif") && depth)
				depth--;
			else if (port_tok_is(f, i + 1, "include")) {
				size_t j = i + 2;

				if (j + 2 < f->n_toks && port_tok_is(f, j, "<") && port_tok_is(f, j + 1, "pk") &&
				    port_tok_is(f, j + 2, "."))
					found = 1;
				if (depth == 0 || (depth == 1 && found))
					after = f->toks[i].line;
			}
		}
		if (found)
			continue;
		{
			size_t off = after ? (after < f->n_lines ? f->line_off[after] : f->len) : 0;
			const char *inc = after && off == f->len && f->len && f->text[f->len - 1] != '\n' ?
						  "\n#include <pk.h>\n" : "#include <pk.h>\n";

			port_edit_add(f, off, 0, inc);
		}
	}
}
