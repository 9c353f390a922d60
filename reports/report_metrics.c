/*
 * The metrics of Tsai et al. (EuroSys '16) over the corpus.
 *
 * Importance of function f: with installation probabilities (popcon),
 * I(f) = 1 - prod over packages p using f of (1 - P(p)); with relative
 * weights (equal, PageRank: they sum to 1), the weighted share of packages
 * using f, which under equal weights is Atlidakis et al.'s package share.
 *
 * Weighted completeness of a set S: W(S) = sum of w(p) over packages whose
 * POSIX imports all lie in S, over the sum of all w(p). A package with no
 * POSIX import is complete from the start, so W of the empty set is the
 * weight of those packages.
 *
 * Two plans, each an order of the functions some package uses:
 *   tsai:    by importance (Tsai et al.'s curve);
 *   parakit: greedy; at each step the function with the largest sum over
 *            incomplete packages p using it of w(p) / missing(p)^2, where
 *            missing(p) counts p's functions not yet chosen. A package
 *            that misses one function gives that function its whole
 *            weight, so functions that finish packages go first, and the
 *            square makes nearly complete packages count more than many
 *            far-off ones. Ties go to importance. Each choice changes the
 *            scores of the functions of the packages it touches only, so
 *            the cost is the sum over packages of (functions used)^2.
 */
#include "common/common.h"
#include "reports/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct report_corpus *sort_corpus;

static int cmp_importance(const void *a, const void *b)
{
	const struct report_func *x = &sort_corpus->funcs[*(const int *)a];
	const struct report_func *y = &sort_corpus->funcs[*(const int *)b];

	if (x->importance != y->importance)
		return x->importance < y->importance ? 1 : -1;
	if (x->packages != y->packages)
		return x->packages < y->packages ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Fills w[0..len] from the order: a package is complete after the step of
 * its last function; records that step in the package. */
static void curve(struct report_corpus *c, const int *order, size_t len, double *w, int tsai)
{
	int *step = xmalloc(c->nfuncs * sizeof(*step));
	double total = 0;

	for (size_t i = 0; i < c->nfuncs; i++)
		step[i] = (int)len + 1;
	for (size_t k = 0; k < len; k++)
		step[order[k]] = (int)k + 1;
	memset(w, 0, (len + 1) * sizeof(*w));
	for (size_t i = 0; i < c->npkgs; i++) {
		struct report_pkg *p = &c->pkgs[i];
		int last = 0;

		for (size_t j = 0; j < p->nfuncs; j++)
			if (step[p->funcs[j]] > last)
				last = step[p->funcs[j]];
		if (tsai)
			p->tsai_step = last;
		else
			p->plan_step = last;
		if (last <= (int)len)
			w[last] += p->w;
		total += p->w;
	}
	for (size_t k = 1; k <= len; k++)
		w[k] += w[k - 1];
	for (size_t k = 0; k <= len && total > 0; k++)
		w[k] /= total;
	free(step);
}

/* Function -> packages using it, as one CSR array. */
static void invert(const struct report_corpus *c, size_t **start, int **pk)
{
	size_t *s = xcalloc(c->nfuncs + 1, sizeof(*s));
	size_t *fill;
	int *p;

	for (size_t i = 0; i < c->npkgs; i++)
		for (size_t j = 0; j < c->pkgs[i].nfuncs; j++)
			s[c->pkgs[i].funcs[j] + 1]++;
	for (size_t f = 0; f < c->nfuncs; f++)
		s[f + 1] += s[f];
	p = xmalloc((s[c->nfuncs] + 1) * sizeof(*p));
	fill = xmalloc(c->nfuncs * sizeof(*fill));
	memcpy(fill, s, c->nfuncs * sizeof(*fill));
	for (size_t i = 0; i < c->npkgs; i++)
		for (size_t j = 0; j < c->pkgs[i].nfuncs; j++)
			p[fill[c->pkgs[i].funcs[j]]++] = (int)i;
	free(fill);
	*start = s;
	*pk = p;
}

static double contrib(double w, int missing)
{
	return missing > 0 ? w / ((double)missing * missing) : 0;
}

static void greedy(struct report_corpus *c, size_t len)
{
	double *score = xcalloc(c->nfuncs, sizeof(*score));
	int *missing = xmalloc((c->npkgs + 1) * sizeof(*missing));
	char *chosen = xcalloc(c->nfuncs, 1);
	size_t *start;
	int *pk;

	invert(c, &start, &pk);
	for (size_t i = 0; i < c->npkgs; i++) {
		struct report_pkg *p = &c->pkgs[i];

		missing[i] = (int)p->nfuncs;
		for (size_t j = 0; j < p->nfuncs; j++)
			score[p->funcs[j]] += contrib(p->w, missing[i]);
	}
	for (size_t k = 0; k < len; k++) {
		int best = -1;

		for (size_t f = 0; f < c->nfuncs; f++) {
			int fi = (int)f;

			if (chosen[f] || !c->funcs[f].packages)
				continue;
			if (best < 0 || score[f] > score[best] * (1 + 1e-12) ||
			    (score[f] >= score[best] * (1 - 1e-12) &&
			     cmp_importance(&fi, &best) < 0))
				best = fi;
		}
		if (best < 0)
			break;
		chosen[best] = 1;
		c->plan_order[k] = best;
		for (size_t j = start[best]; j < start[best + 1]; j++) {
			struct report_pkg *p = &c->pkgs[pk[j]];
			int m = missing[pk[j]];
			double delta = contrib(p->w, m - 1) - contrib(p->w, m);

			for (size_t q = 0; q < p->nfuncs; q++)
				if (!chosen[p->funcs[q]])
					score[p->funcs[q]] += delta;
			missing[pk[j]] = m - 1;
		}
		score[best] = 0;
	}
	free(score);
	free(missing);
	free(chosen);
	free(start);
	free(pk);
}

void report_metrics(struct report_corpus *c)
{
	size_t len = 0;
	int pop = c->weighting == REPORT_W_POPCON;
	double total = 0;

	for (size_t i = 0; i < c->npkgs; i++)
		total += c->pkgs[i].w;
	for (size_t f = 0; f < c->nfuncs; f++)
		c->funcs[f].importance = pop ? 1 : 0;
	for (size_t i = 0; i < c->npkgs; i++)
		for (size_t j = 0; j < c->pkgs[i].nfuncs; j++) {
			struct report_func *f = &c->funcs[c->pkgs[i].funcs[j]];

			if (pop)
				f->importance *= 1 - c->pkgs[i].w;
			else
				f->importance += total > 0 ? c->pkgs[i].w / total : 0;
		}
	for (size_t f = 0; f < c->nfuncs; f++) {
		if (pop)
			c->funcs[f].importance = 1 - c->funcs[f].importance;
		len += c->funcs[f].packages > 0;
	}
	c->plan_len = len;
	c->tsai_order = xmalloc((len + 1) * sizeof(int));
	c->plan_order = xmalloc((len + 1) * sizeof(int));
	c->tsai_w = xmalloc((len + 1) * sizeof(double));
	c->plan_w = xmalloc((len + 1) * sizeof(double));
	for (size_t f = 0, k = 0; f < c->nfuncs; f++)
		if (c->funcs[f].packages > 0)
			c->tsai_order[k++] = (int)f;
	sort_corpus = c;
	qsort(c->tsai_order, len, sizeof(int), cmp_importance);
	greedy(c, len);
	for (size_t k = 0; k < len; k++) {
		c->funcs[c->tsai_order[k]].tsai_step = (int)k + 1;
		c->funcs[c->plan_order[k]].plan_step = (int)k + 1;
	}
	curve(c, c->tsai_order, len, c->tsai_w, 1);
	curve(c, c->plan_order, len, c->plan_w, 0);
}
