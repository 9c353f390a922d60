/*
 * The scan harnesses' shared parts: the memfd that stands for an input
 * file, and the invariants of a struct scan_result that the writer
 * (scan_writer.c) takes on trust. Checking them after every input turns a
 * reader that leaves a dangling offset or a silent failure into a crash the
 * fuzzer keeps, not a corrupt row found months later.
 */
#include "fuzz/fuzz.h"
#include "analyzer/scan.h"

#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

int fuzz_memfd(const uint8_t *data, size_t size)
{
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create("parakit-fuzz", MFD_CLOEXEC);
	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(!ftruncate(fd, 0));
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(fd, data + done, size - done, done);

		FUZZ_ASSERT(n > 0);
		done += n;
	}
	FUZZ_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* An offset into the pool: 0 (the empty string) or the start of a string. */
static const char *pool_str(const struct scan_result *r, size_t off)
{
	FUZZ_ASSERT(off == 0 || (off < r->pool.len && r->pool.buf[off - 1] == 0));
	return strpool_get(&r->pool, off);
}

static void check_name(const struct scan_result *r, size_t off)
{
	for (const unsigned char *p = (const unsigned char *)pool_str(r, off); *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f);
}

static void check_syms(const struct scan_result *r, const struct elf_sym *s, size_t n)
{
	FUZZ_ASSERT(!n || s);
	for (size_t i = 0; i < n; i++) {
		FUZZ_ASSERT(s[i].name);
		check_name(r, s[i].name);
		check_name(r, s[i].version);
	}
}

static void check_elf(const struct scan_result *r, const struct elf_info *e)
{
	for (int i = 0; i < 32; i++)
		FUZZ_ASSERT(strchr("0123456789abcdef", e->hash[i]) && e->hash[i]);
	FUZZ_ASSERT(!e->hash[32]);
	FUZZ_ASSERT(e->class == 32 || e->class == 64);
	FUZZ_ASSERT(e->type && memchr(e->machine, 0, sizeof(e->machine)));
	pool_str(r, e->path);
	pool_str(r, e->interp);
	check_name(r, e->soname);
	FUZZ_ASSERT(!e->n_needed || e->needed);
	for (size_t i = 0; i < e->n_needed; i++)
		check_name(r, e->needed[i]);
	check_syms(r, e->imports, e->n_imports);
	check_syms(r, e->exports, e->n_exports);
}

void fuzz_check_result(const struct scan_result *r, size_t n_errors_before, int ret)
{
	FUZZ_ASSERT(ret == 0 || ret == -1);
	FUZZ_ASSERT(ret == 0 || r->n_errors > n_errors_before);
	FUZZ_ASSERT(!r->n_elfs || r->elfs);
	for (size_t i = 0; i < r->n_elfs; i++)
		check_elf(r, &r->elfs[i]);
	FUZZ_ASSERT(!r->n_errors || r->errors);
	for (size_t i = 0; i < r->n_errors; i++) {
		pool_str(r, r->errors[i].member);
		FUZZ_ASSERT(*pool_str(r, r->errors[i].reason));
	}
	FUZZ_ASSERT(!r->n_links || r->links);
	for (size_t i = 0; i < r->n_links; i++) {
		pool_str(r, r->links[i].path);
		FUZZ_ASSERT(r->links[i].elf < r->n_elfs);
	}
	FUZZ_ASSERT(!r->n_deps || r->deps);
	for (size_t i = 0; i < r->n_deps; i++) {
		pool_str(r, r->deps[i].kind);
		FUZZ_ASSERT(*pool_str(r, r->deps[i].name));
		pool_str(r, r->deps[i].version);
	}
	pool_str(r, r->pkg_key);
	pool_str(r, r->pkg_name);
	pool_str(r, r->pkg_version);
	pool_str(r, r->pkg_arch);
	FUZZ_ASSERT(!r->pkg_key || r->pkg_format);
}
