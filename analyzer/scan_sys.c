/*
 * The system call footprint inside a scan (issue 17): each ELF file of an
 * input is analysed while its bytes are at hand (an archive member's only
 * as long as elf_read() holds them), and bound once the input is read
 * whole, so that a package's binaries find the package's own libraries
 * (at the paths the dynamic linker would look) before this machine's.
 */
#include "analyzer/elf.h"
#include "analyzer/scan.h"
#include "analyzer/sys.h"
#include "analyzer/sys_req.h"
#include "common/common.h"
#include "common/strmap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Whether this machine holds the library member at path (or its /usr-merge
 * twin) with the same identity: then its map, if a binary needs it, is
 * made from that file (once per process, and cached by the same hash), and
 * the member need not be read for it. An apt cache holds mostly what is
 * installed, and most of its libraries are nobody's import in a run.
 */
static int on_machine(const char *path, const char *hash)
{
	char alt[4096], got[33];
	const char *why;
	struct stat st;
	int fd, ret = 0;
	void *map;
	Elf *e;

	if (!strncmp(path, "/usr/", 5))
		snprintf(alt, sizeof(alt), "%s", path);
	else
		snprintf(alt, sizeof(alt), "/usr%s", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && (fd = open(alt, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 64)
		goto out;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		goto out;
	if ((e = elf_memory(map, st.st_size))) {
		ret = !elf_identify(e, got, &why) && !strcmp(got, hash);
		elf_end(e);
	}
	munmap(map, st.st_size);
out:
	close(fd);
	return ret;
}

void scan_sys_analyze(struct scan_result *r, struct elf_info *ei, Elf *e)
{
	const unsigned char *raw;
	struct sys_req_pass *rp = NULL;
	const char *why = NULL;
	int flags = 0;
	size_t size;

	if (!r->want_sys)
		return;
	raw = (const unsigned char *)elf_rawfile(e, &size);
	ei->sys = xcalloc(1, sizeof(*ei->sys));
	ei->sys_stripped = -1;
	if (ei->soname && strcmp(r->kind, "elf") && on_machine(strpool_get(&r->pool, ei->path), ei->hash))
		flags |= SYS_NO_MAP;
	/* The request codes read the footprint's sweep: one decoding. */
	if (raw) {
		ei->req = xcalloc(1, sizeof(*ei->req));
		rp = sys_req_begin(e, raw, size, ei->req);
	}
	if (!raw || sys_analyze_hooked(e, raw, size, flags, ei->sys, &why, sys_req_hook(rp))) {
		sys_req_end(rp, NULL);
		sys_info_free(ei->sys);
		free(ei->sys);
		ei->sys = NULL;
		ei->sys_status = why ? why : "cannot read the file";
		return;
	}
	sys_req_end(rp, ei->sys);
	ei->sys_status = "ok";
	ei->sys_abi = ei->sys->abi;
	ei->sys_sites = ei->sys->n_sites;
	ei->sys_unknown_sites = ei->sys->n_unknown_sites;
	ei->sys_stripped = ei->sys->stripped;
	snprintf(ei->sys_go, sizeof(ei->sys_go), "%s",
		 !ei->sys->is_go ? "" : *ei->sys->go_version ? ei->sys->go_version : "go");
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
		sys_req_resolve(ei->req, loose ? r->input : strpool_get(&r->pool, ei->path));
	}
	for (size_t i = 0; i < r->n_elfs; i++) {
		sys_info_free(r->elfs[i].sys);
		free(r->elfs[i].sys);
		r->elfs[i].sys = NULL;
	}
	strmap_release(&mb.by_path);
}
