/*
 * What other parts need of the scanner's ELF reading: opening a file as
 * the scanner does, the scanner's checks of its headers, and a binary's
 * identity, the hash the database records it under (binary.hash). shim
 * looks a binary up by that hash, so it must compute it here and nowhere
 * else: a second copy once identified every binary over 1 MiB differently,
 * and none of them could be shimmed.
 */
#ifndef ANALYZER_ELF_H
#define ANALYZER_ELF_H

#include <gelf.h>

/*
 * Opens the file on @fd for reading (ELF_C_READ_MMAP: mapped read-only,
 * what libelf converts is copied), libelf initialised once per process.
 * Any file opens; elf_kind() tells an ELF file from the rest. Returns NULL
 * when libelf refuses it, elf_errmsg(-1) saying why. The caller keeps @fd
 * open while it uses the result, and frees the result with elf_end().
 */
Elf *elf_open_fd(int fd);

/*
 * Checks what libelf leaves unchecked in the file @e before it is read:
 * that it is an ELF file whose section and program header tables lie
 * inside it, with the entry size of its class (libelf would quietly count
 * no sections or program headers, and a truncated file pass for one that
 * has none). Fills *eh. Returns 0, or -1 with *why set (static storage, or
 * libelf's message, valid until the thread's next libelf call).
 */
int elf_check_headers(Elf *e, GElf_Ehdr *eh, const char **why);

/*
 * The identity of the ELF file @e, as scan records it: XXH3-128 of the
 * whole file up to 1 MiB; above that, of its size, its first and last
 * 512 KiB and every range its dynamic linkage is read from. Writes 32 hex
 * digits and a NUL into @hash and returns 0; returns -1 with *why set when
 * @e is no ELF file or its section headers cannot be read (static storage,
 * or libelf's message, valid until the thread's next libelf call). Prints
 * nothing.
 */
int elf_identify(Elf *e, char hash[33], const char **why);

#endif
