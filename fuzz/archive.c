/*
 * libFuzzer harness: pkg_archive_scan() over a memfd holding the bytes, as
 * scan reads a file it has opened. The kind is decided as cmd_scan.c
 * decides it for a file named *.apk: the magic makes it a .deb (ar), an
 * .rpm (lead and headers by hand, then the cpio payload) or an Android
 * .apk (zip), and anything else is read as an Alpine .apk, libarchive's
 * tar with every filter (gzip, xz, zstd...) plus the .PKGINFO parser. So
 * one corpus covers the ar, cpio, zip and tar readers, the nested
 * control/data tarballs of a .deb, and elf_read() on every ELF member.
 *
 * The per-thread member buffer is freed after each input, so a stale
 * pointer into it is a use after free ASan reports.
 */
#include "fuzz/fuzz.h"
#include "analyzer/scan.h"
#include "common/common.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	util_cmd_name = "scan";
	return 0;
}

/* deb or rpm by their magic; the rest as a file named *.apk: Android's
 * (zip) or Alpine's (tar); NULL for an ELF file (fuzz/elf.c's). */
static const char *kind_of(const uint8_t *data, size_t size)
{
	const char *kind = scan_classify(NULL, data, size);

	if (kind)
		return strcmp(kind, "elf") ? kind : NULL;
	return scan_classify("apk", data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_result r;
	int ret;

	scan_result_init(&r, "fuzz.apk");
	r.kind = kind_of(data, size);
	if (!r.kind)
		return 0;
	ret = pkg_archive_scan(&r, fuzz_memfd(data, size), 64u << 20);	/* members above 64 MiB: refused */
	fuzz_check_result(&r, 0, ret);
	scan_result_release(&r);
	pkg_archive_thread_release();
	return 0;
}
