/*
 * The system call footprint inside a scan (issue 17): each ELF file of an
 * input is analysed while its bytes are at hand (an archive member's only
 * as long as elf_read() holds them), and bound once the input is read
 * whole, so that a package's binaries find the package's own libraries
 * (at the paths the dynamic linker would look) before this machine's.
 */
#include "analyzer/scan.h"
#include "analyzer/sys.h"
#include "common/common.h"
#include "common/strmap.h"

#include <stdlib.h>
#include <string.h>

void scan_sys_analyze(struct scan_result *r, struct elf_info *ei, Elf *e)
{
	const unsigned char *raw;
	const char *why = NULL;
	size_t size;

	if (!r->want_sys)
		return;
	raw = (const unsigned char *)elf_rawfile(e, &size);
	ei->sys = xcalloc(1, sizeof(*ei->sys));
	if (!raw || sys_analyze(e, raw, size, ei->sys, &why)) {
		sys_info_free(ei->sys);
		free(ei->sys);
		ei->sys = NULL;
		ei->sys_status = why ? why : "cannot read the file";
		return;
	}
	ei->sys_status = "ok";
	ei->sys_abi = ei->sys->abi;
	ei->sys_sites = ei->sys->n_sites;
	ei->sys_unknown_sites = ei->sys->n_unknown_sites;
}

struct members {
	struct scan_result *r;
	struct strmap by_path;	/* install path -> index in r->elfs */
};

static const struct sys_info *member(void *ctx, const char *path, const char **hash)
{
	struct members *m = ctx;
	int64_t *i = strmap_get(&m->by_path, path, strlen(path));

	if (!i || !m->r->elfs[*i].sys)
		return NULL;
	*hash = m->r->elfs[*i].hash;
	return m->r->elfs[*i].sys;
}

void scan_sys_resolve(struct scan_result *r)
{
	struct members mb = { .r = r };
	struct sys_members m = { member, &mb };
	int loose = r->kind && !strcmp(r->kind, "elf");

	for (size_t i = 0; i < r->n_elfs; i++) {
		const char *p = strpool_get(&r->pool, r->elfs[i].path);

		strmap_put(&mb.by_path, p, strlen(p), i);
	}
	for (size_t i = 0; i < r->n_links; i++) {
		const char *p = strpool_get(&r->pool, r->links[i].path);

		strmap_put(&mb.by_path, p, strlen(p), r->links[i].elf);
	}
	for (size_t i = 0; i < r->n_elfs; i++) {
		struct elf_info *ei = &r->elfs[i];

		if (!ei->sys)
			continue;
		/* A loose file's $ORIGIN is where it is, not where dpkg
		 * lists it. */
		sys_resolve(ei->sys, loose ? r->input : strpool_get(&r->pool, ei->path), ei->hash,
			    loose ? NULL : &m, &ei->sys_rows, NULL, &r->sys_used);
	}
	for (size_t i = 0; i < r->n_elfs; i++) {
		sys_info_free(r->elfs[i].sys);
		free(r->elfs[i].sys);
		r->elfs[i].sys = NULL;
	}
	strmap_release(&mb.by_path);
}
