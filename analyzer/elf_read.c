/*
 * One ELF file's dynamic linkage, through libelf: type, machine,
 * interpreter, SONAME, DT_NEEDED, and the dynamic symbol table split into
 * imports (undefined) and exports (defined), each with its symbol version
 * from .gnu.version and .gnu.version_r/.gnu.version_d.
 *
 * libelf translates 32/64-bit and both byte orders, and checks that the
 * section table and each section's data lie inside the image, and
 * elf_strptr() that a string ends inside its table; what it leaves to us
 * (version chains that loop or run off their section, the interpreter's
 * bounds) is checked here, since every input may be hostile.
 *
 * A file stripped of its section headers (sstrip) still links: the
 * dynamic linker finds its tables through PT_DYNAMIC, by address, and so
 * do we (elf_dyn_tables()). Only the number of symbols is nowhere but in
 * a hash table: DT_HASH's nchain, or one past the last chain of
 * DT_GNU_HASH. Each table is checked to lie inside one PT_LOAD segment's
 * bytes in the file, and each string to end inside DT_STRSZ.
 */
#include "analyzer/elf.h"
#include "analyzer/scan.h"
#include "common/common.h"

#include <errno.h>
#include <libelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;

static void init_libelf(void)
{
	elf_version(EV_CURRENT);
}

Elf *elf_open_fd(int fd)
{
	pthread_once(&libelf_once, init_libelf);
	return elf_begin(fd, ELF_C_READ_MMAP, NULL);
}

static const char *type_name(unsigned t)
{
	switch (t) {
	case ET_NONE: return "NONE";
	case ET_REL: return "REL";
	case ET_EXEC: return "EXEC";
	case ET_DYN: return "DYN";
	case ET_CORE: return "CORE";
	}
	return "OTHER";
}

static void machine_name(unsigned m, char *buf, size_t size)
{
	static const struct { unsigned em; const char *name; } names[] = {
		{ EM_386, "i386" }, { EM_68K, "m68k" }, { EM_AARCH64, "aarch64" },
		{ EM_ALPHA, "alpha" }, { EM_ARM, "arm" }, { EM_BPF, "bpf" },
		{ EM_IA_64, "ia64" }, { EM_MIPS, "mips" }, { EM_PARISC, "parisc" },
		{ EM_PPC, "ppc" }, { EM_PPC64, "ppc64" }, { EM_RISCV, "riscv" },
		{ EM_S390, "s390" }, { EM_SH, "sh" }, { EM_SPARC, "sparc" },
		{ EM_SPARCV9, "sparcv9" }, { EM_X86_64, "x86-64" }, { 258, "loongarch" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].em == m) {
			snprintf(buf, size, "%s", names[i].name);
			return;
		}
	snprintf(buf, size, "EM_%u", m);
}

struct reader {
	struct scan_result *r;
	Elf *e;
	struct elf_info info;
	size_t cap_needed, cap_imports, cap_exports;
	size_t *vername;	/* version index -> strpool offset (0: unknown) */
	size_t n_vername;
	const char *why;	/* set on a corrupt file */
};

/*
 * Why a name from the file cannot be a linker's: control characters (no
 * toolchain emits them; they would reach terminals and reports) or a length
 * past NAME_MAX_LEN (the longest C++ names in a distribution are a few
 * kB). NULL when it is fine; *len gets its length.
 */
#define NAME_MAX_LEN (1u << 20)

static const char *bad_name(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "name with control characters";
	*len = p - (const unsigned char *)s;
	return *len > NAME_MAX_LEN ? "name longer than 1 MiB" : NULL;
}

/* The dynamic string table: a section read through elf_strptr(), or, in
 * a file without section headers, the bytes DT_STRTAB and DT_STRSZ say. */
struct strtab {
	size_t strndx;
	const char *raw;	/* NULL: the section strndx */
	size_t len;
};

static const char *str_at(struct reader *rd, const struct strtab *st, size_t off)
{
	if (!st->raw)
		return elf_strptr(rd->e, st->strndx, off);
	if (off >= st->len || !memchr(st->raw + off, 0, st->len - off))
		return NULL;
	return st->raw + off;
}

/* A string of st, copied into the pool; 0 and r->why set when the offset
 * lies outside the table, the string does not end in it, or it is no name
 * (bad_name). */
static size_t pool_str(struct reader *rd, const struct strtab *st, size_t off)
{
	const char *s = str_at(rd, st, off);
	size_t len;

	if (!s) {
		rd->why = "string offset outside its string table";
		return 0;
	}
	if ((rd->why = bad_name(s, &len)))
		return 0;
	return strpool_add(&rd->r->pool, s, len);
}

/* A section's data; NULL and r->why set when libelf refuses it (its offset
 * or size lies outside the file): a table we cannot read must not pass for
 * an empty one. */
static Elf_Data *section_data(struct reader *rd, Elf_Scn *scn)
{
	Elf_Data *d = elf_getdata(scn, NULL);

	if (!d && !rd->why) {
		rd->why = elf_errmsg(-1);
		if (!rd->why)
			rd->why = "section data outside the file";
	}
	return d;
}

static void set_vername(struct reader *rd, unsigned idx, size_t name)
{
	idx &= 0x7fff;
	if (idx >= rd->n_vername) {
		size_t n = rd->n_vername;

		rd->n_vername = idx + 1;
		rd->vername = xrealloc(rd->vername, rd->n_vername * sizeof(*rd->vername));
		memset(rd->vername + n, 0, (rd->n_vername - n) * sizeof(*rd->vername));
	}
	rd->vername[idx] = name;
}

static size_t vername(struct reader *rd, GElf_Versym v)
{
	v &= 0x7fff;
	return v >= 2 && v < rd->n_vername ? rd->vername[v] : 0;
}

static void read_dynamic(struct reader *rd, Elf_Data *d, const struct strtab *st, unsigned *flags_1)
{
	size_t n = d ? d->d_size / gelf_fsize(rd->e, ELF_T_DYN, 1, EV_CURRENT) : 0;

	for (size_t i = 0; i < n && !rd->why; i++) {
		GElf_Dyn dyn;

		if (!gelf_getdyn(d, i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag == DT_NEEDED) {
			rd->info.needed = xgrow(rd->info.needed, &rd->cap_needed, rd->info.n_needed + 1,
						sizeof(*rd->info.needed));
			rd->info.needed[rd->info.n_needed++] = pool_str(rd, st, dyn.d_un.d_val);
		} else if (dyn.d_tag == DT_SONAME) {
			rd->info.soname = pool_str(rd, st, dyn.d_un.d_val);
		} else if (dyn.d_tag == DT_FLAGS_1) {
			*flags_1 = dyn.d_un.d_val;
		}
	}
}

/* .gnu.version_d: each definition's index and first name. A chain is
 * followed at most as many steps as the section could hold entries, so a
 * loop or an offset past the end stops it. */
static void read_verdef(struct reader *rd, Elf_Data *d, const struct strtab *st)
{
	size_t off = 0, steps = d ? d->d_size / sizeof(GElf_Verdef) + 1 : 0;

	while (d && steps-- && off < d->d_size && !rd->why) {
		GElf_Verdef vd;
		GElf_Verdaux va;

		if (!gelf_getverdef(d, off, &vd))
			break;
		if (vd.vd_cnt && vd.vd_aux <= d->d_size - off && gelf_getverdaux(d, off + vd.vd_aux, &va))
			set_vername(rd, vd.vd_ndx, pool_str(rd, st, va.vda_name));
		if (!vd.vd_next || vd.vd_next > d->d_size - off)
			break;
		off += vd.vd_next;
	}
}

/* .gnu.version_r: the versions this file needs, by index. */
static void read_verneed(struct reader *rd, Elf_Data *d, const struct strtab *st)
{
	size_t off = 0, steps = d ? d->d_size / sizeof(GElf_Vernaux) + 1 : 0;

	while (d && steps && off < d->d_size && !rd->why) {
		GElf_Verneed vn;
		size_t aux;

		steps--;
		if (!gelf_getverneed(d, off, &vn) || vn.vn_aux > d->d_size - off)
			break;
		aux = off + vn.vn_aux;
		for (unsigned j = 0; j < vn.vn_cnt && steps && !rd->why; j++, steps--) {
			GElf_Vernaux va;

			if (!gelf_getvernaux(d, aux, &va))
				break;
			set_vername(rd, va.vna_other, pool_str(rd, st, va.vna_name));
			if (!va.vna_next || va.vna_next > d->d_size - aux)
				break;
			aux += va.vna_next;
		}
		if (!vn.vn_next || vn.vn_next > d->d_size - off)
			break;
		off += vn.vn_next;
	}
}

static void read_dynsym(struct reader *rd, Elf_Data *d, const struct strtab *st, Elf_Data *vd)
{
	size_t n = d ? d->d_size / gelf_fsize(rd->e, ELF_T_SYM, 1, EV_CURRENT) : 0;

	for (size_t i = 1; i < n && !rd->why; i++) {
		GElf_Versym v = 0;
		struct elf_sym s = { 0 };
		const char *name;
		size_t len;
		GElf_Sym sym;

		if (!gelf_getsym(d, i, &sym))
			break;
		name = str_at(rd, st, sym.st_name);
		if (!name) {
			rd->why = "symbol name outside the dynamic string table";
			break;
		}
		if (!*name)
			continue;
		if ((rd->why = bad_name(name, &len)))
			break;
		if (vd)
			gelf_getversym(vd, i, &v);
		s.weak = GELF_ST_BIND(sym.st_info) == STB_WEAK;
		s.version = vername(rd, v);
		if (sym.st_shndx == SHN_UNDEF) {
			s.name = strpool_add(&rd->r->pool, name, len);
			rd->info.imports = xgrow(rd->info.imports, &rd->cap_imports, rd->info.n_imports + 1,
						 sizeof(s));
			rd->info.imports[rd->info.n_imports++] = s;
		} else if (GELF_ST_BIND(sym.st_info) != STB_LOCAL && GELF_ST_TYPE(sym.st_info) != STT_SECTION) {
			s.name = strpool_add(&rd->r->pool, name, len);
			s.is_default = !(v & 0x8000);
			rd->info.exports = xgrow(rd->info.exports, &rd->cap_exports, rd->info.n_exports + 1,
						 sizeof(s));
			rd->info.exports[rd->info.n_exports++] = s;
		}
	}
}

static void read_phdrs(struct reader *rd, int *has_interp, int *has_dynamic)
{
	size_t phnum, fsize;
	char *raw = elf_rawfile(rd->e, &fsize);

	if (elf_getphdrnum(rd->e, &phnum)) {
		rd->why = elf_errmsg(-1);
		return;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(rd->e, i, &ph)) {
			rd->why = elf_errmsg(-1);
			return;
		}
		if (ph.p_type == PT_DYNAMIC)
			*has_dynamic = 1;
		if (ph.p_type != PT_INTERP)
			continue;
		*has_interp = 1;
		if (!raw || ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset) {
			rd->why = "PT_INTERP lies outside the file";
			return;
		}
		rd->info.interp = strpool_add(&rd->r->pool, raw + ph.p_offset,
					      strnlen(raw + ph.p_offset, ph.p_filesz));
	}
}

static int table_outside(uint64_t off, uint64_t n, uint64_t entsize, uint64_t fsize)
{
	return off > fsize || n * entsize > fsize - off;
}

int elf_check_headers(Elf *e, GElf_Ehdr *eh, const char **why)
{
	size_t shnum, fsize;

	if (elf_kind(e) != ELF_K_ELF) {
		*why = "not an ELF file";
		return -1;
	}
	if (!gelf_getehdr(e, eh) || elf_getshdrnum(e, &shnum)) {
		*why = elf_errmsg(-1);
		return -1;
	}
	/* libelf quietly counts no sections (or program headers) when their
	 * table does not fit in the file: a truncated file would pass for one
	 * that imports nothing. An extended count (0, PN_XNUM) needs entry 0. */
	if (!elf_rawfile(e, &fsize) ||
	    (eh->e_shoff && table_outside(eh->e_shoff, eh->e_shnum ? eh->e_shnum : 1, eh->e_shentsize, fsize))) {
		*why = "section header table outside the file";
		return -1;
	}
	if (eh->e_phnum && table_outside(eh->e_phoff, eh->e_phnum == PN_XNUM ? 1 : eh->e_phnum,
					 eh->e_phentsize, fsize)) {
		*why = "program header table outside the file";
		return -1;
	}
	/* libelf reads the tables with its own entry sizes whatever the
	 * header says; readelf refuses them, and so do we. */
	if ((shnum && eh->e_shentsize != gelf_fsize(e, ELF_T_SHDR, 1, EV_CURRENT)) ||
	    (eh->e_phnum && eh->e_phentsize != gelf_fsize(e, ELF_T_PHDR, 1, EV_CURRENT))) {
		*why = "section or program header size does not match the ELF class";
		return -1;
	}
	return 0;
}

/* Version tables have no size in PT_DYNAMIC: their chains are read from
 * their start to the end of their segment, at most this much (glibc's
 * are some kB). */
#define VER_MAX (1u << 20)

struct image {
	Elf *e;
	const unsigned char *raw;
	uint64_t fsize;
	size_t phnum;
	int msb, class64, hash_word;
};

/* Where address addr lies in the file: in *off, with *avail bytes of its
 * PT_LOAD segment from there on (within the file). -1 when no segment
 * holds it in the file. */
static int addr_to_off(const struct image *im, uint64_t addr, uint64_t *off, uint64_t *avail)
{
	for (size_t i = 0; i < im->phnum; i++) {
		GElf_Phdr ph;
		uint64_t in;

		if (!gelf_getphdr(im->e, i, &ph) || ph.p_type != PT_LOAD || addr < ph.p_vaddr ||
		    addr - ph.p_vaddr >= ph.p_filesz || ph.p_offset > im->fsize)
			continue;
		in = addr - ph.p_vaddr;
		if (in >= im->fsize - ph.p_offset)
			continue;
		*off = ph.p_offset + in;
		*avail = ph.p_filesz - in;
		if (*avail > im->fsize - *off)
			*avail = im->fsize - *off;
		return 0;
	}
	return -1;
}

/* A size-byte word of the file's byte order at p. */
static uint64_t word(const struct image *im, const unsigned char *p, int size)
{
	uint64_t v = 0;

	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[im->msb ? i : size - 1 - i] << 8 * (size - 1 - i);
	return v;
}

/* The number of dynamic symbols from DT_HASH: its nchain. Entries are 4
 * bytes but on 64-bit s390 and Alpha. */
static int hash_nsyms(const struct image *im, uint64_t off, uint64_t avail, uint64_t *n)
{
	if (avail < 2 * (uint64_t)im->hash_word)
		return -1;
	*n = word(im, im->raw + off + im->hash_word, im->hash_word);
	return 0;
}

/*
 * The number of dynamic symbols from DT_GNU_HASH: symbols from symoffset
 * on are hashed, chained bucket by bucket, a chain's last entry with its
 * low bit set; so the count is one past the end of the chain of the
 * highest bucket (symoffset when no bucket is used). The walk stops at
 * the end of the segment.
 */
static int gnu_hash_nsyms(const struct image *im, uint64_t off, uint64_t avail, uint64_t *n)
{
	const unsigned char *p = im->raw + off;
	uint64_t nbuckets, symoffset, bloom, left, max = 0, chain_n;
	const unsigned char *buckets, *chain;

	if (avail < 16)
		return -1;
	nbuckets = word(im, p, 4);
	symoffset = word(im, p + 4, 4);
	bloom = word(im, p + 8, 4) * (im->class64 ? 8 : 4);
	left = avail - 16;
	if (bloom > left || nbuckets > (left - bloom) / 4)
		return -1;
	buckets = p + 16 + bloom;
	chain = buckets + 4 * nbuckets;
	chain_n = (left - bloom - 4 * nbuckets) / 4;
	for (uint64_t i = 0; i < nbuckets; i++) {
		uint64_t b = word(im, buckets + 4 * i, 4);

		if (b > max)
			max = b;
	}
	if (!max) {
		*n = symoffset;
		return 0;
	}
	if (max < symoffset)
		return -1;
	for (uint64_t i = max - symoffset;; i++) {
		if (i >= chain_n)
			return -1;
		if (word(im, chain + 4 * i, 4) & 1) {
			*n = symoffset + i + 1;
			return 0;
		}
	}
}

/* A table at address addr of size bytes (0: to the end of its segment, at
 * most VER_MAX): its place in the file, or -1. */
static int table(const struct image *im, uint64_t addr, uint64_t size, uint64_t *off, uint64_t *len)
{
	uint64_t avail;

	if (addr_to_off(im, addr, off, &avail))
		return -1;
	if (!size)
		size = avail < VER_MAX ? avail : VER_MAX;
	if (size > avail)
		return -1;
	*len = size;
	return 0;
}

int elf_dyn_tables(Elf *e, struct elf_dyn_tables *t, const char **why)
{
	struct image im = { .e = e };
	uint64_t v[DT_NUM] = { 0 }, gnu_hash = 0, versym = 0, verneed = 0, verdef = 0, nsyms, off, avail;
	size_t syment = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT), fsize, n;
	GElf_Ehdr eh;
	GElf_Phdr ph = { 0 };
	Elf_Data *d;

	memset(t, 0, sizeof(*t));
	im.raw = (const unsigned char *)elf_rawfile(e, &fsize);
	if (!im.raw || !gelf_getehdr(e, &eh) || elf_getphdrnum(e, &im.phnum)) {
		*why = elf_errmsg(-1);
		return -1;
	}
	im.fsize = fsize;
	im.msb = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	im.class64 = gelf_getclass(e) == ELFCLASS64;
	im.hash_word = im.class64 && (eh.e_machine == EM_S390 || eh.e_machine == EM_ALPHA) ? 8 : 4;
	for (size_t i = 0; i < im.phnum && ph.p_type != PT_DYNAMIC; i++)
		if (!gelf_getphdr(e, i, &ph))
			ph.p_type = PT_NULL;
	if (ph.p_type != PT_DYNAMIC) {
		*why = "no PT_DYNAMIC";
		return -1;
	}
	if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset) {
		*why = "PT_DYNAMIC lies outside the file";
		return -1;
	}
	t->dyn_off = ph.p_offset;
	t->dyn_size = ph.p_filesz;
	if (!(d = elf_getdata_rawchunk(e, t->dyn_off, t->dyn_size, ELF_T_DYN))) {
		*why = elf_errmsg(-1);
		return -1;
	}
	n = d->d_size / gelf_fsize(e, ELF_T_DYN, 1, EV_CURRENT);
	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dyn;

		if (!gelf_getdyn(d, i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag >= 0 && dyn.d_tag < DT_NUM)
			v[dyn.d_tag] = dyn.d_un.d_val;
		else if (dyn.d_tag == DT_GNU_HASH)
			gnu_hash = dyn.d_un.d_ptr;
		else if (dyn.d_tag == DT_VERSYM)
			versym = dyn.d_un.d_ptr;
		else if (dyn.d_tag == DT_VERNEED)
			verneed = dyn.d_un.d_ptr;
		else if (dyn.d_tag == DT_VERDEF)
			verdef = dyn.d_un.d_ptr;
	}
	if (!v[DT_STRTAB] || !v[DT_SYMTAB]) {
		*why = "PT_DYNAMIC without DT_STRTAB or DT_SYMTAB";
		return -1;
	}
	if (!v[DT_STRSZ] || table(&im, v[DT_STRTAB], v[DT_STRSZ], &t->str_off, &t->str_size)) {
		*why = "DT_STRTAB and DT_STRSZ lie outside the file's segments";
		return -1;
	}
	if (v[DT_SYMENT] && v[DT_SYMENT] != syment) {
		*why = "DT_SYMENT does not match the ELF class";
		return -1;
	}
	if (gnu_hash ? addr_to_off(&im, gnu_hash, &off, &avail) || gnu_hash_nsyms(&im, off, avail, &nsyms)
		     : !v[DT_HASH] || addr_to_off(&im, v[DT_HASH], &off, &avail) || hash_nsyms(&im, off, avail, &nsyms)) {
		*why = "no DT_GNU_HASH or DT_HASH inside the file: the number of dynamic symbols is unknown";
		return -1;
	}
	/* A DT_GNU_HASH that hashes no symbol tells only symoffset, which
	 * binutils sets to 1 in an executable that exports nothing and has
	 * DT_HASH too (--hash-style=both: clang's default for AArch64,
	 * Free Pascal's x86-64 programs), whatever its imports: DT_HASH's
	 * nchain counts every symbol. */
	{
		uint64_t hn;

		if (gnu_hash && v[DT_HASH] && !addr_to_off(&im, v[DT_HASH], &off, &avail) &&
		    !hash_nsyms(&im, off, avail, &hn) && hn > nsyms && hn <= fsize / syment)
			nsyms = hn;
	}
	if (nsyms > fsize / syment || table(&im, v[DT_SYMTAB], nsyms * syment, &t->sym_off, &t->sym_size)) {
		*why = "DT_SYMTAB lies outside the file's segments";
		return -1;
	}
	if (versym && table(&im, versym, nsyms * 2, &t->versym_off, &t->versym_size)) {
		*why = "DT_VERSYM lies outside the file's segments";
		return -1;
	}
	if ((verneed && table(&im, verneed, 0, &t->verneed_off, &t->verneed_size)) ||
	    (verdef && table(&im, verdef, 0, &t->verdef_off, &t->verdef_size))) {
		*why = "DT_VERNEED or DT_VERDEF lies outside the file's segments";
		return -1;
	}
	return 0;
}

/* A table of the file as libelf data of type; NULL (none) when size is 0,
 * and r->why set when libelf refuses it. */
static Elf_Data *chunk(struct reader *rd, uint64_t off, uint64_t size, Elf_Type type)
{
	Elf_Data *d;

	if (!size || rd->why)
		return NULL;
	if (!(d = elf_getdata_rawchunk(rd->e, off, size, type)))
		rd->why = elf_errmsg(-1);
	return d;
}

/* The dynamic linkage of a file without section headers (see above). */
static void read_unsectioned(struct reader *rd, unsigned *flags_1)
{
	struct elf_dyn_tables t;
	struct strtab st = { 0 };
	Elf_Data *dyn, *verdef, *verneed, *sym, *versym;
	size_t fsize;

	if (elf_dyn_tables(rd->e, &t, &rd->why))
		return;
	st.raw = elf_rawfile(rd->e, &fsize) + t.str_off;
	st.len = t.str_size;
	dyn = chunk(rd, t.dyn_off, t.dyn_size, ELF_T_DYN);
	verdef = chunk(rd, t.verdef_off, t.verdef_size, ELF_T_VDEF);
	verneed = chunk(rd, t.verneed_off, t.verneed_size, ELF_T_VNEED);
	sym = chunk(rd, t.sym_off, t.sym_size, ELF_T_SYM);
	versym = chunk(rd, t.versym_off, t.versym_size, ELF_T_HALF);
	if (rd->why)
		return;
	read_dynamic(rd, dyn, &st, flags_1);
	read_verdef(rd, verdef, &st);
	read_verneed(rd, verneed, &st);
	read_dynsym(rd, sym, &st, versym);
}

static void read_elf(struct reader *rd)
{
	Elf_Scn *scn = NULL, *dynsym = NULL, *versym = NULL;
	struct strtab dynstr = { 0 };
	unsigned flags_1 = 0;
	int has_interp = 0, has_dynamic = 0;
	GElf_Ehdr eh;
	size_t shnum;

	if (elf_check_headers(rd->e, &eh, &rd->why))
		return;
	elf_getshdrnum(rd->e, &shnum);	/* cannot fail: it was just checked */
	rd->info.class = gelf_getclass(rd->e) == ELFCLASS64 ? 64 : 32;
	rd->info.msb = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	rd->info.type = type_name(eh.e_type);
	machine_name(eh.e_machine, rd->info.machine, sizeof(rd->info.machine));
	read_phdrs(rd, &has_interp, &has_dynamic);

	/* Versions first: symbols refer to them by index. */
	while (!rd->why && (scn = elf_nextscn(rd->e, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh)) {
			rd->why = elf_errmsg(-1);
			break;
		}
		struct strtab st = { .strndx = sh.sh_link };

		switch (sh.sh_type) {
		case SHT_DYNAMIC:
			read_dynamic(rd, section_data(rd, scn), &st, &flags_1);
			break;
		case SHT_GNU_verdef:
			read_verdef(rd, section_data(rd, scn), &st);
			break;
		case SHT_GNU_verneed:
			read_verneed(rd, section_data(rd, scn), &st);
			break;
		case SHT_GNU_versym:
			versym = versym ? versym : scn;
			break;
		case SHT_DYNSYM:
			if (!dynsym) {
				dynsym = scn;
				dynstr = st;
			}
			break;
		}
	}
	if (rd->why)
		return;
	if (dynsym)
		read_dynsym(rd, section_data(rd, dynsym), &dynstr, versym ? section_data(rd, versym) : NULL);
	else if (has_dynamic && !shnum)
		read_unsectioned(rd, &flags_1);
	rd->info.is_static = !has_interp && !rd->info.n_needed &&
			     (eh.e_type == ET_EXEC || (flags_1 & DF_1_PIE));
}

int elf_read(struct scan_result *r, const char *member, void *image, size_t size, int fd)
{
	struct reader rd = { .r = r };
	int ret = 0;

	if (image) {
		pthread_once(&libelf_once, init_libelf);
		rd.e = elf_memory(image, size);
	} else {
		rd.e = elf_open_fd(fd);
	}
	if (!rd.e) {
		scan_result_error(r, member, "cannot read ELF: %s", elf_errmsg(-1));
		return -1;
	}
	rd.info.path = strpool_add(&r->pool, member, strlen(member));
	read_elf(&rd);
	if (!rd.why && !elf_rawfile(rd.e, &size))
		rd.why = elf_errmsg(-1);
	if (!rd.why && !elf_identify(rd.e, rd.info.hash, &rd.why))
		rd.info.size = size;
	if (rd.why) {
		scan_result_error(r, member, "cannot read ELF: %s", rd.why);
		free(rd.info.needed);
		free(rd.info.imports);
		free(rd.info.exports);
		ret = -1;
	} else {
		r->elfs = xgrow(r->elfs, &r->cap_elfs, r->n_elfs + 1, sizeof(*r->elfs));
		r->elfs[r->n_elfs++] = rd.info;
		scan_sys_analyze(r, &r->elfs[r->n_elfs - 1], rd.e);
	}
	free(rd.vername);
	elf_end(rd.e);
	return ret;
}
