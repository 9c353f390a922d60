/*
 * libFuzzer harness: pkg_rpm_header(), the hand-written parser of an RPM's
 * lead, signature header and main header (libarchive gives only the
 * payload; fuzz/archive.c reads that). Every count and offset in a header
 * comes from the file: the parser must stay inside the store it read, and
 * either name a package or record why it could not.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_result r;
	uint64_t payload;
	int ret;

	scan_result_init(&r, "fuzz.rpm");
	r.kind = "rpm";
	ret = pkg_rpm_header(&r, fuzz_memfd(data, size), &payload);
	fuzz_check_result(&r, 0, ret);
	/* A header that was read names its package. */
	FUZZ_ASSERT(ret || (r.pkg_key && *strpool_get(&r.pool, r.pkg_name) &&
			    !strcmp(r.pkg_format, "rpm")));
	scan_result_release(&r);
	return 0;
}
