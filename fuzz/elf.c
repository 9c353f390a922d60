/*
 * libFuzzer harness: elf_read() of an ELF image in memory, the way every
 * archive member under 8 MB is read (pkg_archive.c). The bytes are copied
 * into a buffer of exactly their size, so ASan sees a read one byte past
 * the image; libelf itself is not instrumented, so what it reads out of
 * bounds is caught only where it goes through memcpy and friends.
 *
 * The syscall footprint is made as scan makes it (its x86 decoder and
 * constant propagation read the hostile code too).
 *
 * Beyond sanitizer reports, the result must satisfy fuzz_check_result(),
 * and elf_read() must either store the ELF or record why not, never both
 * and never neither.
 */
#include "fuzz/fuzz.h"
#include "analyzer/scan.h"
#include "common/common.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Diagnostics name the command, as parakit's would. */
	util_cmd_name = "scan";
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_result r;
	char *image = xmalloc(size);
	int ret;

	memcpy(image, data, size);
	scan_result_init(&r, "fuzz.elf");
	r.kind = "elf";
	r.want_sys = 1;	/* the syscall footprint's decoder reads the code as scan does */
	ret = elf_read(&r, "/usr/bin/fuzz", image, size, -1);
	fuzz_check_result(&r, 0, ret);
	FUZZ_ASSERT(ret ? !r.n_elfs && r.n_errors == 1 : r.n_elfs == 1 && !r.n_errors);
	FUZZ_ASSERT(ret || r.elfs[0].size == size);
	scan_result_release(&r);
	free(image);
	return 0;
}
