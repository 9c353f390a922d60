/*
 * Why a syscall is in an exported function's set (issue 17's debugging
 * aid): PARAKIT_SYS_WHY=FUNCTION:SYSCALL makes sys_analyze() print the
 * shortest path of the call graph from FUNCTION to code that issues
 * SYSCALL, so that the edges that widen the sets (an indirect call, a
 * node that runs over several functions) can be found and judged. It
 * costs nothing when the variable is not set.
 */
#include "analyzer/sys_int.h"
#include "common/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sys_why_wanted(void)
{
	const char *w = getenv("PARAKIT_SYS_WHY");

	return w && strchr(w, ':') ? w : NULL;
}

static void node_name(const struct sys_why_graph *g, uint32_t v, char *buf, size_t len)
{
	const struct sys_info *s = g->info;
	uint64_t at, best = 0;
	const char *name = "?";

	if (v >= g->n_starts) {
		snprintf(buf, len, "%s", v == g->n_starts ? "<indirect call>" : "<libio vtable call>");
		return;
	}
	at = g->starts[v];
	for (size_t i = 0; i < s->n_exports; i++)
		if (g->exp_addr[i] && g->exp_addr[i] <= at && g->exp_addr[i] >= best) {
			best = g->exp_addr[i];
			name = sys_str(s, s->exports[i].name);
		}
	snprintf(buf, len, "%#llx (%s+%#llx)", (unsigned long long)at, name, (unsigned long long)(at - best));
}

/* Node v issues system call nr itself (its facts' low halves: a number,
 * or SYS_MAX + an import). */
static int issues(const struct sys_why_graph *g, uint32_t v, unsigned nr)
{
	for (uint32_t k = g->own_first[v]; k < g->own_first[v + 1]; k++)
		if ((uint32_t)g->own[k] == nr)
			return 1;
	return 0;
}

void sys_why_print(const struct sys_why_graph *g)
{
	const char *w = sys_why_wanted(), *colon;
	uint32_t *prev, *queue, head = 0, tail = 0, start = UINT32_MAX, hit = UINT32_MAX;
	unsigned nr = SYS_MAX;
	char fn[256], buf[300];

	if (!w)
		return;
	colon = strchr(w, ':');
	snprintf(fn, sizeof(fn), "%.*s", (int)(colon - w), w);
	for (unsigned k = 0; k < SYS_MAX && nr == SYS_MAX; k++)
		if (!strcmp(sys_name(g->info->abi, k), colon + 1))
			nr = k;
	/* "indirect": the path to the indirect-call node. */
	if (nr == SYS_MAX && strcmp(colon + 1, "indirect"))
		return;
	for (size_t i = 0; i < g->info->n_exports && start == UINT32_MAX; i++) {
		if (!g->exp_addr[i] || strcmp(sys_str(g->info, g->info->exports[i].name), fn))
			continue;
		for (size_t k = 0; k < g->n_starts; k++)
			if (g->starts[k] <= g->exp_addr[i] && (k + 1 == g->n_starts || g->starts[k + 1] > g->exp_addr[i]))
				start = k;
	}
	if (start == UINT32_MAX)
		return;
	prev = xmalloc(g->n * sizeof(*prev));
	queue = xmalloc(g->n * sizeof(*queue));
	for (size_t i = 0; i < g->n; i++)
		prev[i] = UINT32_MAX;
	prev[start] = start;
	queue[tail++] = start;
	while (head < tail && hit == UINT32_MAX) {
		uint32_t v = queue[head++];

		if (nr == SYS_MAX ? v == g->n_starts : issues(g, v, nr)) {
			hit = v;
			break;
		}
		for (uint32_t k = g->first[v]; k < g->first[v + 1]; k++) {
			uint32_t t = (uint32_t)g->edges[k];

			if (prev[t] == UINT32_MAX) {
				prev[t] = v;
				queue[tail++] = t;
			}
		}
	}
	fprintf(stderr, "parakit: why %s reaches %s in %s (%zu nodes reached):\n", fn, colon + 1,
		g->info->soname ? sys_str(g->info, g->info->soname) : "?", (size_t)tail);
	if (hit == UINT32_MAX) {
		fprintf(stderr, "  not within the library (through its imports, if at all)\n");
	} else {
		/* The path backwards, printed from the issuing code up. */
		for (uint32_t v = hit;; v = prev[v]) {
			node_name(g, v, buf, sizeof(buf));
			fprintf(stderr, "  %s %s\n", v == hit ? "issued in" : "called by", buf);
			if (v == start)
				break;
		}
	}
	free(prev);
	free(queue);
}
