/*
 * What the libFuzzer harnesses (fuzz/<name>.c) share. A property that does
 * not hold stops the fuzzer on the spot: libFuzzer reports __builtin_trap()
 * as a crash and keeps the input, as it does a sanitizer's report.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_ASSERT(cond) do { if (!(cond)) __builtin_trap(); } while (0)

struct scan_result;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A memfd holding exactly data[0..size), positioned at 0, for the readers
 * that take a descriptor (pkg_archive_scan, pkg_rpm_header). One file per
 * process, rewritten for each input; stays open (the caller never closes
 * it).
 */
int fuzz_memfd(const uint8_t *data, size_t size);

/*
 * Traps unless @r is what scan_writer.c may rely on: every string offset
 * inside the pool and at the start of a string, every symbol name and
 * DT_NEEDED free of control characters, every stored ELF with a 32-digit
 * hex identity, arrays present where counts say so, each link naming a
 * stored ELF. @n_errors_before is r->n_errors before the reader ran and
 * @ret what it returned: a failure (-1) must have recorded an error
 * (inputs are never dropped silently).
 */
void fuzz_check_result(const struct scan_result *r, size_t n_errors_before, int ret);

#endif
