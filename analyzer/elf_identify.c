/*
 * A binary's identity, XXH3-128: the key the database stores a binary
 * under, computed here for scan (elf_read.c) and for shim, which looks the
 * binary up by it.
 *
 * A file up to HASH_WHOLE_MAX is hashed whole. A larger one is hashed by
 * its size, its first and last HASH_EDGE bytes (the ELF and program
 * headers, .interp, and the section table) and every byte the linkage is
 * read from (.dynamic, .dynsym and their string tables, the version
 * sections; in a file without section headers, the tables PT_DYNAMIC
 * leads to, elf_dyn_tables()): reading all of a 500 MB library only to name
 * it would cost more than everything else a scan of /usr does, and two
 * files that agree on all of that are, for all the database records, the
 * same binary.
 * Loose files and archive members are identified alike, so a file seen
 * both ways is stored once.
 */
#include "analyzer/elf.h"
#include "analyzer/scan.h"

#include <gelf.h>
#include <xxhash.h>

#define HASH_WHOLE_MAX (1u << 20)
#define HASH_EDGE (512u << 10)
#define MAX_RANGES 24

struct range {
	uint64_t off, len;
};

static int is_linkage(GElf_Word type)
{
	switch (type) {
	case SHT_DYNAMIC:
	case SHT_DYNSYM:
	case SHT_GNU_verdef:
	case SHT_GNU_verneed:
	case SHT_GNU_versym:
		return 1;
	}
	return 0;
}

static void add_range(struct range *r, int *n, uint64_t off, uint64_t len)
{
	if (*n < MAX_RANGES)
		r[(*n)++] = (struct range){ off, len };
}

/* A file without section headers: the tables its PT_DYNAMIC leads to,
 * none when it has none or they lie outside it (elf_read() says so). */
static int unsectioned_ranges(Elf *e, struct range *r)
{
	struct elf_dyn_tables t;
	const char *why;
	int n = 0;

	if (elf_dyn_tables(e, &t, &why))
		return 0;
	add_range(r, &n, t.dyn_off, t.dyn_size);
	add_range(r, &n, t.str_off, t.str_size);
	add_range(r, &n, t.sym_off, t.sym_size);
	add_range(r, &n, t.versym_off, t.versym_size);
	add_range(r, &n, t.verneed_off, t.verneed_size);
	add_range(r, &n, t.verdef_off, t.verdef_size);
	return n;
}

/*
 * The linkage sections, and the string table each links to, in section
 * order (the order they are hashed in). Returns their number, or -1 with
 * *why set when a section header cannot be read.
 */
static int linkage_ranges(Elf *e, struct range *r, const char **why)
{
	Elf_Scn *scn = NULL;
	size_t shnum;
	int n = 0;

	if (!elf_getshdrnum(e, &shnum) && !shnum)
		return unsectioned_ranges(e, r);

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Scn *str;
		GElf_Shdr sh, ss;

		if (!gelf_getshdr(scn, &sh)) {
			*why = elf_errmsg(-1);
			return -1;
		}
		if (!is_linkage(sh.sh_type))
			continue;
		if (sh.sh_type != SHT_NOBITS)
			add_range(r, &n, sh.sh_offset, sh.sh_size);
		str = elf_getscn(e, sh.sh_link);
		if (str && gelf_getshdr(str, &ss) && ss.sh_type == SHT_STRTAB)
			add_range(r, &n, ss.sh_offset, ss.sh_size);
	}
	return n;
}

static int hash_large(const char *raw, uint64_t size, const struct range *r, int n,
		      char hash[33], const char **why)
{
	XXH3_state_t *st = XXH3_createState();

	if (!st) {
		*why = "out of memory";
		return -1;
	}
	XXH3_128bits_reset(st);
	XXH3_128bits_update(st, &size, sizeof(size));
	XXH3_128bits_update(st, raw, HASH_EDGE);
	XXH3_128bits_update(st, raw + size - HASH_EDGE, HASH_EDGE);
	/* A range outside the file is left out, not refused: the file is
	 * still this file (elf_read() says what is wrong with it). */
	for (int i = 0; i < n; i++)
		if (r[i].off < size && r[i].len <= size - r[i].off)
			XXH3_128bits_update(st, raw + r[i].off, r[i].len);
	scan_hash_hex(XXH3_128bits_digest(st), hash);
	XXH3_freeState(st);
	return 0;
}

int elf_identify(Elf *e, char hash[33], const char **why)
{
	struct range r[MAX_RANGES];
	const char *raw;
	size_t size;
	int n;

	if (elf_kind(e) != ELF_K_ELF) {
		*why = "not an ELF file";
		return -1;
	}
	raw = elf_rawfile(e, &size);
	if (!raw) {
		*why = elf_errmsg(-1);
		return -1;
	}
	if (size <= HASH_WHOLE_MAX) {
		scan_hash_hex(XXH3_128bits(raw, size), hash);
		return 0;
	}
	n = linkage_ranges(e, r, why);
	if (n < 0)
		return -1;
	return hash_large(raw, size, r, n, hash, why);
}
