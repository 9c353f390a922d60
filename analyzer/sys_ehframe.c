/*
 * Function extents from .eh_frame, and glibc's libio vtable section, for
 * the call graph of sys_analyze.c (issue 17).
 *
 * A stripped library's .dynsym names its exported functions only: the
 * rest of its code (static functions, the implementations an IFUNC
 * resolver picks) has no start the file tells, and a node then ran from
 * one known start to the next over several functions, so that a call
 * into one reached what all of them reach (libc's strlen implementations
 * ran into __stack_chk_fail's neighbours). Every function the compiler
 * emits, and glibc's assembly (its ENTRY/END macros emit CFI), has an FDE
 * for the unwinder: its start and length. They are read through
 * PT_GNU_EH_FRAME (.eh_frame_hdr's binary search table, which the linker
 * makes for every FDE), so a file without section headers reads the same.
 *
 * The FDE's own encoding of pc_begin and pc_range is its CIE's ('R' in
 * the augmentation string); the encodings compilers emit (absolute,
 * pc-relative or data-relative, 2, 4 or 8 bytes) are read, any other FDE
 * is passed over (a missing start only makes a node larger: less
 * precise, never unsound).
 */
#include "analyzer/sys_int.h"
#include "common/common.h"

#include <stdlib.h>
#include <string.h>

#define PE_OMIT 0xff

/* Maps addresses to file bytes through the PT_LOAD headers. */
struct img {
	const unsigned char *raw;
	size_t size;
	GElf_Phdr *load;
	size_t n_load;
	int class64, msb;
};

static const unsigned char *img_at(const struct img *m, uint64_t addr, uint64_t n)
{
	for (size_t i = 0; i < m->n_load; i++) {
		const GElf_Phdr *p = &m->load[i];

		if (addr >= p->p_vaddr && addr - p->p_vaddr < p->p_filesz && n <= p->p_filesz - (addr - p->p_vaddr) &&
		    p->p_offset <= m->size && addr - p->p_vaddr + n <= m->size - p->p_offset)
			return m->raw + p->p_offset + (addr - p->p_vaddr);
	}
	return NULL;
}

static uint64_t rd(const struct img *m, const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[m->msb ? i : n - 1 - i] << 8 * (n - 1 - i);
	return v;
}

/* A cursor over the bytes at addr (the address matters for pc-relative
 * encodings). */
struct cur {
	const struct img *m;
	uint64_t addr, end;
	int bad;
};

static const unsigned char *take(struct cur *c, uint64_t n)
{
	const unsigned char *p;

	if (c->bad || n > c->end - c->addr || !(p = img_at(c->m, c->addr, n))) {
		c->bad = 1;
		return NULL;
	}
	c->addr += n;
	return p;
}

static uint64_t u8(struct cur *c)
{
	const unsigned char *p = take(c, 1);

	return p ? *p : 0;
}

static uint64_t uleb(struct cur *c)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint64_t b = u8(c);

		v |= (b & 0x7f) << shift;
		if (!(b & 0x80) || c->bad)
			return v;
	}
	c->bad = 1;
	return 0;
}

/* A value in encoding enc; datarel is relative to base. With range set,
 * only the size and sign matter (pc_range is never relative). */
static uint64_t encoded(struct cur *c, unsigned enc, uint64_t base, int range)
{
	uint64_t at = c->addr, v;
	const unsigned char *p;
	int n, sign = 0;

	switch (enc & 0x0f) {
	case 0x00: n = c->m->class64 ? 8 : 4; break;	/* absptr */
	case 0x02: n = 2; break;
	case 0x03: n = 4; break;
	case 0x04: n = 8; break;
	case 0x0a: n = 2; sign = 1; break;
	case 0x0b: n = 4; sign = 1; break;
	case 0x0c: n = 8; sign = 1; break;
	default: c->bad = 1; return 0;
	}
	if (!(p = take(c, n)))
		return 0;
	v = rd(c->m, p, n);
	if (sign && n < 8 && (v >> (8 * n - 1) & 1))
		v |= ~0ull << 8 * n;
	if (range)
		return v;
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += at; break;	/* pcrel */
	case 0x30: v += base; break;	/* datarel */
	default: c->bad = 1; return 0;
	}
	if (!c->m->class64)
		v &= 0xffffffffull;
	return v;
}

/* The 'R' encoding of the CIE at addr, or PE_OMIT when unreadable. */
static unsigned cie_encoding(const struct img *m, uint64_t addr)
{
	struct cur c = { m, addr, ~0ull, 0 };
	uint64_t len = rd(m, take(&c, 4) ?: (const unsigned char *)"\0\0\0\0", 4), id;
	char aug[16];
	unsigned version, enc = 0;	/* absptr when there is no 'R' */
	size_t k = 0;

	if (c.bad || len == 0xffffffff || len < 8)
		return PE_OMIT;
	c.end = c.addr + len;
	id = rd(m, take(&c, 4) ?: (const unsigned char *)"\1\1\1\1", 4);
	if (c.bad || id != 0)
		return PE_OMIT;
	version = u8(&c);
	do
		aug[k] = u8(&c);
	while (!c.bad && aug[k] && ++k < sizeof(aug));
	if (c.bad || k >= sizeof(aug) || (version != 1 && version != 3))
		return PE_OMIT;
	uleb(&c);		/* code alignment */
	uleb(&c);		/* data alignment (sleb, skipped alike) */
	if (version == 1)
		u8(&c);
	else
		uleb(&c);	/* return address register */
	if (aug[0] != 'z')
		return aug[0] ? PE_OMIT : enc;
	uleb(&c);		/* augmentation data length */
	for (size_t i = 1; aug[i] && !c.bad; i++) {
		switch (aug[i]) {
		case 'L':
			u8(&c);
			break;
		case 'R':
			enc = u8(&c);
			break;
		case 'P': {
			unsigned pe = u8(&c);

			encoded(&c, pe & 0x7f, 0, 0);
			break;
		}
		case 'S':
		case 'B':
			break;
		default:
			return PE_OMIT;
		}
	}
	return c.bad ? PE_OMIT : enc;
}

/* The extent of the FDE at addr, 0 on success. */
static int fde_extent(const struct img *m, uint64_t addr, uint64_t *lo, uint64_t *hi, uint64_t *cie_at,
		      unsigned *cie_enc)
{
	struct cur c = { m, addr, ~0ull, 0 };
	const unsigned char *p = take(&c, 4);
	uint64_t len, cie, range;
	unsigned enc;

	if (!p || (len = rd(m, p, 4)) == 0xffffffff || len < 8)
		return -1;
	c.end = c.addr + len;
	if (!(p = take(&c, 4)) || !(cie = rd(m, p, 4)))
		return -1;
	cie = addr + 4 - cie;	/* relative to the CIE pointer's own place */
	if (cie != *cie_at) {
		*cie_at = cie;
		*cie_enc = cie_encoding(m, cie);
	}
	if ((enc = *cie_enc) == PE_OMIT)
		return -1;
	*lo = encoded(&c, enc, 0, 0);
	range = encoded(&c, enc, 0, 1);
	if (c.bad || !range || range > (1ull << 32))
		return -1;
	*hi = *lo + range;
	return 0;
}

static int cmp_fde(const void *x, const void *y)
{
	const struct sys_fde *p = x, *q = y;

	return p->lo < q->lo ? -1 : p->lo > q->lo;
}

size_t sys_eh_frame_fdes(Elf *e, const unsigned char *raw, size_t size, struct sys_fde **out)
{
	struct img m = { .raw = raw, .size = size };
	uint64_t hdr = 0, hdr_size = 0, count, cie_at = 0;
	unsigned cie_enc = PE_OMIT, ptr_enc, count_enc, table_enc;
	struct sys_fde *v = NULL;
	size_t phnum, n = 0;
	GElf_Ehdr eh;
	struct cur c;

	*out = NULL;
	if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &phnum))
		return 0;
	m.class64 = gelf_getclass(e) == ELFCLASS64;
	m.msb = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, i, &ph))
			continue;
		if (ph.p_type == PT_LOAD) {
			m.load = xrealloc(m.load, (m.n_load + 1) * sizeof(*m.load));
			m.load[m.n_load++] = ph;
		} else if (ph.p_type == PT_GNU_EH_FRAME) {
			hdr = ph.p_vaddr;
			hdr_size = ph.p_memsz;
		}
	}
	if (!hdr || hdr_size < 4)
		goto out;
	c = (struct cur){ &m, hdr, hdr + hdr_size, 0 };
	if (u8(&c) != 1)
		goto out;
	ptr_enc = u8(&c);
	count_enc = u8(&c);
	table_enc = u8(&c);
	if (c.bad || count_enc == PE_OMIT || table_enc == PE_OMIT)
		goto out;
	if (ptr_enc != PE_OMIT)
		encoded(&c, ptr_enc, hdr, 0);	/* .eh_frame itself: not needed */
	count = encoded(&c, count_enc, hdr, 0);
	if (c.bad || count > hdr_size)	/* each entry takes bytes of the table */
		goto out;
	v = xcalloc(count ? count : 1, sizeof(*v));
	for (uint64_t i = 0; i < count && !c.bad; i++) {
		uint64_t loc, fde, lo, hi;

		loc = encoded(&c, table_enc, hdr, 0);
		fde = encoded(&c, table_enc, hdr, 0);
		if (c.bad)
			break;
		if (!fde_extent(&m, fde, &lo, &hi, &cie_at, &cie_enc) && lo == loc)
			v[n++] = (struct sys_fde){ lo, hi };
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_fde);
out:
	free(m.load);
	if (!n) {
		free(v);
		v = NULL;
	}
	*out = v;
	return n;
}

const struct sys_fde *sys_fde_of(const struct sys_fde *fde, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (fde[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* FDEs do not overlap; the last one starting at or before addr. */
	return lo && addr < fde[lo - 1].hi ? &fde[lo - 1] : NULL;
}

int sys_libio_vtables(Elf *e, uint64_t *lo, uint64_t *hi)
{
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return -1;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    strcmp(name, "__libc_IO_vtables") || !sh.sh_size || !(sh.sh_flags & SHF_ALLOC))
			continue;
		*lo = sh.sh_addr;
		*hi = sh.sh_addr + sh.sh_size;
		return 0;
	}
	return -1;
}

/*
 * DT_RELR (packed relative relocations, `-z pack-relative-relocs`, which
 * Debian's glibc 2.36 is linked with): an even entry is an address to
 * relocate, and the next word after it is where a bitmap entry (odd)
 * starts; each bit i >= 1 of a bitmap relocates the (i - 1)th word from
 * there, and the bitmap moves that place on by 63 (31) words. fn gets
 * each relocated address.
 */
void sys_relr_each(const unsigned char *p, size_t size, int class64, int msb, void (*fn)(void *, uint64_t),
		   void *ctx)
{
	struct img m = { .class64 = class64, .msb = msb };
	int w = class64 ? 8 : 4, bits = 8 * w - 1;
	uint64_t next = 0;

	for (size_t o = 0; o + w <= size; o += w) {
		uint64_t v = rd(&m, p + o, w);

		if (!(v & 1)) {
			fn(ctx, v);
			next = v + w;
			continue;
		}
		for (int i = 1; i <= bits; i++)
			if (v >> i & 1)
				fn(ctx, next + (uint64_t)(i - 1) * w);
		next += (uint64_t)bits * w;
	}
}

int sys_plt_ranges(Elf *e, uint64_t (*out)[2], int max)
{
	size_t shstrndx, shnum;
	int n = 0;

	if (elf_getshdrnum(e, &shnum) || !shnum || elf_getshdrstrndx(e, &shstrndx))
		return -1;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)) ||
		    (strncmp(name, ".plt", 4) && strncmp(name, ".iplt", 5)) || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !sh.sh_size)
			continue;
		if (n == max)
			return -1;
		out[n][0] = sh.sh_addr;
		out[n][1] = sh.sh_addr + sh.sh_size < sh.sh_addr ? UINT64_MAX : sh.sh_addr + sh.sh_size;
		n++;
	}
	return n;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

void sys_sort_u64(uint64_t *v, size_t n)
{
	size_t count[8][256] = { { 0 } };
	uint64_t *tmp, *src = v, *dst;

	if (n < 256) {
		if (n > 1)
			qsort(v, n, sizeof(*v), cmp_u64);
		return;
	}
	/* LSD radix, a byte at a time; a byte all keys share is skipped
	 * (addresses differ in their low four or five bytes only). */
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			count[b][v[i] >> (8 * b) & 0xff]++;
	tmp = xmalloc(n * sizeof(*tmp));
	dst = tmp;
	for (int b = 0; b < 8; b++) {
		size_t pos = 0;

		if (count[b][src[0] >> (8 * b) & 0xff] == n)
			continue;
		for (int d = 0; d < 256; d++) {
			size_t c = count[b][d];

			count[b][d] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[b][src[i] >> (8 * b) & 0xff]++] = src[i];
		dst = src;
		src = src == v ? tmp : v;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
}
