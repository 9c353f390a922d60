/*
 * Where a program's POSIX functions are, found as the dynamic linker
 * finds them: the objects it loads (DT_NEEDED, breadth first, searched
 * through DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH, /etc/ld.so.cache and the
 * default directories, $ORIGIN expanded), and the definition each import
 * binds to (first in that order, with its symbol version; an unversioned
 * reference takes the default version, the one exported with "@@").
 *
 * Probes go on every definition of a catalogue function in those
 * libraries, not only the ones the program imports: a library the program
 * dlopens later calls into the same libc, and those calls are the ones
 * scan cannot see. Symbols that share an address (fstat, fstat64,
 * __fstat64) are one probe, named by the catalogue. An IFUNC's symbol is
 * its resolver, which runs once; the probe goes where the resolver points,
 * found by letting our own libc resolve it (dlvsym) when the library is
 * also ours (it always is for libc on the machine that traces). IFUNCs in
 * libraries parakit has not loaded are left out, and counted as such.
 *
 * Everything is read once per file (dev, inode) and kept as plain arrays,
 * so that a process exec'd during a run costs only its new files.
 */
#include "tracer/tracer.h"
#include "analyzer/elf.h"
#include "common/common.h"
#include "db/db.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define LD_CACHE "/etc/ld.so.cache"
#define VERSYM_HIDDEN 0x8000

/* One dynamic symbol, what lookup needs of it. */
struct dsym {
	const char *name;	/* into obj->strtab */
	uint64_t value;
	uint16_t versym;	/* 0 local, 1 global (unversioned), else a version index */
	uint8_t type, defined;
};

/* A loaded object's dynamic symbol table and linkage, read once. */
struct obj {
	char *strtab;
	struct dsym *syms;
	size_t n_syms;
	uint32_t *by_name;	/* indices of defined symbols, sorted by name */
	size_t n_by_name;
	char **vernames;	/* version index -> name (verdef and verneed) */
	size_t n_vernames;
	char **needed;
	size_t n_needed;
	char *rpath, *runpath, *soname;
	GElf_Phdr *load;	/* PT_LOAD headers */
	size_t n_load;
	int machine, class;
};

static void obj_free(struct obj *o)
{
	if (!o)
		return;
	free(o->strtab);
	free(o->syms);
	free(o->by_name);
	for (size_t i = 0; i < o->n_vernames; i++)
		free(o->vernames[i]);
	free(o->vernames);
	for (size_t i = 0; i < o->n_needed; i++)
		free(o->needed[i]);
	free(o->needed);
	free(o->rpath);
	free(o->runpath);
	free(o->soname);
	free(o->load);
	free(o);
}

static const struct obj *sort_obj;

static int cmp_by_name(const void *a, const void *b)
{
	return strcmp(sort_obj->syms[*(const uint32_t *)a].name, sort_obj->syms[*(const uint32_t *)b].name);
}

static void set_vername(struct obj *o, size_t idx, const char *name)
{
	size_t old = o->n_vernames;

	idx &= 0x7fff;
	if (idx >= o->n_vernames) {
		o->vernames = xrealloc(o->vernames, (idx + 1) * sizeof(*o->vernames));
		memset(o->vernames + old, 0, (idx + 1 - old) * sizeof(*o->vernames));
		o->n_vernames = idx + 1;
	}
	if (!o->vernames[idx])
		o->vernames[idx] = xstrdup(name);
}

static int read_dynamic(struct obj *o, Elf *e, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 0; d && i < n; i++) {
		GElf_Dyn dyn;
		const char *s;

		if (!gelf_getdyn(d, i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH &&
		    dyn.d_tag != DT_SONAME)
			continue;
		s = elf_strptr(e, sh->sh_link, dyn.d_un.d_val);
		if (!s)
			continue;
		if (dyn.d_tag == DT_NEEDED) {
			o->needed = xrealloc(o->needed, (o->n_needed + 1) * sizeof(*o->needed));
			o->needed[o->n_needed++] = xstrdup(s);
		} else if (dyn.d_tag == DT_RPATH && !o->rpath) {
			o->rpath = xstrdup(s);
		} else if (dyn.d_tag == DT_RUNPATH && !o->runpath) {
			o->runpath = xstrdup(s);
		} else if (dyn.d_tag == DT_SONAME && !o->soname) {
			o->soname = xstrdup(s);
		}
	}
	return 0;
}

static void read_verdef(struct obj *o, Elf *e, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0;

	for (size_t i = 0; d && i < sh->sh_info; i++) {
		GElf_Verdef vd;
		GElf_Verdaux va;
		const char *name;

		if (!gelf_getverdef(d, off, &vd) || !gelf_getverdaux(d, off + vd.vd_aux, &va))
			break;
		name = elf_strptr(e, sh->sh_link, va.vda_name);
		if (name && !(vd.vd_flags & VER_FLG_BASE))
			set_vername(o, vd.vd_ndx, name);
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
	}
}

static void read_verneed(struct obj *o, Elf *e, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0;

	for (size_t i = 0; d && i < sh->sh_info; i++) {
		GElf_Verneed vn;
		size_t aoff;

		if (!gelf_getverneed(d, off, &vn))
			break;
		aoff = off + vn.vn_aux;
		for (size_t j = 0; j < vn.vn_cnt; j++) {
			GElf_Vernaux va;
			const char *name;

			if (!gelf_getvernaux(d, aoff, &va))
				break;
			name = elf_strptr(e, sh->sh_link, va.vna_name);
			if (name)
				set_vername(o, va.vna_other, name);
			if (!va.vna_next)
				break;
			aoff += va.vna_next;
		}
		if (!vn.vn_next)
			break;
		off += vn.vn_next;
	}
}

static int read_dynsym(struct obj *o, Elf *e, Elf_Scn *scn, GElf_Shdr *sh, Elf_Data *versym)
{
	Elf_Data *d = elf_getdata(scn, NULL), *strd;
	Elf_Scn *strscn = elf_getscn(e, sh->sh_link);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	if (!d || !strscn || !(strd = elf_getdata(strscn, NULL)) || !strd->d_size)
		return -1;
	o->strtab = xmalloc(strd->d_size + 1);
	memcpy(o->strtab, strd->d_buf, strd->d_size);
	o->strtab[strd->d_size] = 0;
	o->syms = xcalloc(n ? n : 1, sizeof(*o->syms));
	for (size_t i = 0; i < n; i++) {
		struct dsym *s = &o->syms[o->n_syms];
		GElf_Sym sym;
		GElf_Versym vs = 1;

		if (!gelf_getsym(d, i, &sym) || sym.st_name >= strd->d_size)
			continue;
		if (versym && !gelf_getversym(versym, i, &vs))
			vs = 1;
		s->name = o->strtab + sym.st_name;
		s->value = sym.st_value;
		s->type = GELF_ST_TYPE(sym.st_info);
		s->versym = vs;
		s->defined = sym.st_shndx != SHN_UNDEF && GELF_ST_BIND(sym.st_info) != STB_LOCAL &&
			     GELF_ST_VISIBILITY(sym.st_other) != STV_HIDDEN && *s->name;
		o->n_syms++;
	}
	o->by_name = xcalloc(o->n_syms ? o->n_syms : 1, sizeof(*o->by_name));
	for (size_t i = 0; i < o->n_syms; i++)
		if (o->syms[i].defined)
			o->by_name[o->n_by_name++] = i;
	sort_obj = o;
	qsort(o->by_name, o->n_by_name, sizeof(*o->by_name), cmp_by_name);
	return 0;
}

/* Reads what lookup needs of the ELF file on fd. NULL with *why on failure. */
static struct obj *obj_read(int fd, const char **why)
{
	struct obj *o = xcalloc(1, sizeof(*o));
	Elf *e = elf_open_fd(fd);
	Elf_Scn *scn = NULL, *dynsym = NULL;
	Elf_Data *versym = NULL;
	GElf_Shdr dynsym_sh;
	GElf_Ehdr eh;
	size_t nph;

	if (!e || elf_kind(e) != ELF_K_ELF) {
		*why = e ? "not an ELF file" : elf_errmsg(-1);
		goto fail;
	}
	if (elf_check_headers(e, &eh, why))
		goto fail;
	o->machine = eh.e_machine;
	o->class = eh.e_ident[EI_CLASS];
	if (elf_getphdrnum(e, &nph))
		nph = 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_LOAD) {
			o->load = xrealloc(o->load, (o->n_load + 1) * sizeof(*o->load));
			o->load[o->n_load++] = ph;
		}
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		switch (sh.sh_type) {
		case SHT_DYNAMIC: read_dynamic(o, e, scn, &sh); break;
		case SHT_GNU_verdef: read_verdef(o, e, scn, &sh); break;
		case SHT_GNU_verneed: read_verneed(o, e, scn, &sh); break;
		case SHT_GNU_versym: versym = elf_getdata(scn, NULL); break;
		case SHT_DYNSYM: dynsym = scn; dynsym_sh = sh; break;
		}
	}
	/* A static binary: no imports, nothing to bind, still a binary. */
	if (!dynsym) {
		o->by_name = xcalloc(1, sizeof(*o->by_name));
		elf_end(e);
		return o;
	}
	if (read_dynsym(o, e, dynsym, &dynsym_sh, versym)) {
		*why = "unreadable dynamic symbol table";
		goto fail;
	}
	elf_end(e);
	return o;
fail:
	elf_end(e);
	obj_free(o);
	return NULL;
}

static const char *vername(const struct obj *o, uint16_t versym)
{
	size_t i = versym & 0x7fff;

	return i >= 2 && i < o->n_vernames ? o->vernames[i] : NULL;
}

/*
 * The definition of name in o that a reference with version ver (NULL:
 * unversioned) binds to, as glibc's check_match decides: a versioned
 * reference wants that version, hidden or not (an object without versions
 * satisfies any); an unversioned one takes an unversioned definition, else
 * the default version, never a hidden one. Returns the symbol's index, or -1.
 */
static long obj_lookup(const struct obj *o, const char *name, const char *ver)
{
	size_t lo = 0, hi = o->n_by_name;
	long found = -1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(o->syms[o->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < o->n_by_name && !strcmp(o->syms[o->by_name[lo]].name, name); lo++) {
		uint32_t i = o->by_name[lo];
		uint16_t vs = o->syms[i].versym;
		const char *v = vername(o, vs);

		if (ver) {
			if (!o->n_vernames || (v && !strcmp(v, ver)))
				return i;
			continue;
		}
		if ((vs & 0x7fff) < 2)
			return i;
		if (!(vs & VERSYM_HIDDEN) && found < 0)
			found = i;
	}
	return found;
}

/* The file offset of vaddr in o, or -1 when no segment maps it from the file. */
static int64_t obj_offset(const struct obj *o, uint64_t vaddr)
{
	for (size_t i = 0; i < o->n_load; i++) {
		const GElf_Phdr *p = &o->load[i];

		if (vaddr >= p->p_vaddr && vaddr < p->p_vaddr + p->p_filesz)
			return vaddr - p->p_vaddr + p->p_offset;
	}
	return -1;
}

/* What the set keeps beyond its public arrays. */
struct trace_fn_set_int {
	struct obj **objs;	/* parallel to set->libs */
	size_t cap_libs, cap_objs, cap_sites, cap_bins, cap_fns;
	char *cache;	/* /etc/ld.so.cache, or NULL */
	size_t cache_len;
};

static struct trace_fn_set_int *in(struct trace_fn_set *s)
{
	if (!s->priv) {
		s->priv = xcalloc(1, sizeof(struct trace_fn_set_int));
		db_alias_init();
	}
	return s->priv;
}

/* The function's index in s->functions, added when new. */
static uint32_t fn_index(struct trace_fn_set *s, const char *function)
{
	struct trace_fn_set_int *p = in(s);

	/* Names come from db_posix_name: one pointer per name. */
	for (size_t i = 0; i < s->n_functions; i++)
		if (s->functions[i] == function)
			return i;
	s->functions = xgrow(s->functions, &p->cap_fns, s->n_functions + 1, sizeof(*s->functions));
	s->functions[s->n_functions] = function;
	return s->n_functions++;
}

/*
 * Where an IFUNC resolves, as a vaddr in its file: our own libc resolves it
 * (the same file, on the same CPU, picks the same implementation). Returns
 * 0, or -1 when the library is not loaded here.
 */
static int ifunc_target(const char *path, const char *sym, const char *ver, uint64_t *vaddr)
{
	void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD), *addr;
	struct link_map *lm = NULL;
	int ret = -1;

	if (!h)
		return -1;
	addr = ver ? dlvsym(h, sym, ver) : dlsym(h, sym);
	if (addr && !dlinfo(h, RTLD_DI_LINKMAP, &lm) && lm) {
		*vaddr = (uintptr_t)addr - lm->l_addr;
		ret = 0;
	}
	dlclose(h);
	return ret;
}

/*
 * Bytes to skip at a function's entry for a uprobe to take it, or -1.
 * Checked before attaching: one offset the kernel refuses fails a whole
 * multi-uprobe link, and every try registers the probes in every process
 * that maps the file. x86's uprobes refuse lock-prefixed instructions
 * (pthread_spin_lock's lock decl) and VEX-encoded ones (-ENOTSUPP); glibc's
 * AVX2 string functions, where IFUNCs lead, often open with one
 * (memset's vmovd %esi,%xmm0). The probe goes on the first instruction
 * after them when they are register-to-register (ModRM mod 3: no memory
 * operand, no stack pointer moved): the return address is still on top
 * of the stack there, and every call passes through it.
 */
static int vex_skip(const unsigned char *b, size_t n)
{
	size_t at = 0;

	for (int k = 0; k < 4; k++) {
		size_t len, opc_at;
		unsigned map = 1, op, modrm;

		if (at + 5 > n)
			return -1;
		if (b[at] == 0xc5) {
			opc_at = at + 2;
		} else if (b[at] == 0xc4) {
			map = b[at + 1] & 0x1f;
			opc_at = at + 3;
		} else if (b[at] == 0x62 || b[at] == 0x8f) {
			return -1;	/* EVEX, XOP: not decoded here */
		} else if (b[at] == 0xf0) {
			return -1;	/* a lock prefix, which uprobes refuse too */
		} else {
			return at;
		}
		if (opc_at + 1 >= n)
			return -1;
		op = b[opc_at];
		modrm = b[opc_at + 1];
		if (modrm >> 6 != 3 || map < 1 || map > 3)
			return -1;
		len = opc_at + 2 - at;
		/* An immediate byte: map 0F3A always; in map 0F the shifts by
		 * immediate, compares and shuffles. */
		if (map == 3 || (map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6))))
			len++;
		at += len;
	}
	return -1;
}

/* The site at (lib, vaddr), or -1. */
static long site_at(const struct trace_fn_set *s, uint32_t lib, uint64_t vaddr)
{
	for (size_t i = 0; i < s->n_sites; i++)
		if (s->sites[i].lib == lib && s->sites[i].vaddr == vaddr)
			return i;
	return -1;
}

/*
 * The site of symbol i of lib, added when new. A symbol whose own name is
 * the catalogue's names a shared site (fstat over __fstat64). Returns the
 * site's index, or -1 when it cannot be probed (an IFUNC not resolvable
 * here, an address outside the file).
 */
static int wanted(const struct trace_fn_set *s, const char *function)
{
	if (!s->only)
		return 1;
	for (size_t i = 0; i < s->n_only; i++)
		if (s->only[i] == function)
			return 1;
	return 0;
}

static long add_site(struct trace_fn_set *s, uint32_t lib, size_t i, const char *function)
{
	const struct obj *o = in(s)->objs[lib];
	const struct dsym *d = &o->syms[i];
	uint64_t vaddr = d->value;
	struct trace_fn_site *site;
	int64_t off;
	uint32_t entry_skip = 0;
	long at;

	if (!wanted(s, function))
		return -1;
	if (d->type == STT_GNU_IFUNC &&
	    ifunc_target(s->libs[lib].path, d->name, vername(o, d->versym), &vaddr)) {
		s->unresolved_ifuncs++;
		return -1;
	}
	off = obj_offset(o, vaddr);
	if (off < 0)
		return -1;
	{
		unsigned char code[32];
		int fd = open(s->libs[lib].path, O_RDONLY | O_CLOEXEC), skip = -1;
		ssize_t got = fd >= 0 ? pread(fd, code, sizeof(code), off) : -1;

		if (got > 0)
			skip = vex_skip(code, got);
		if (fd >= 0)
			close(fd);
		if (skip < 0) {
			s->unprobeable++;
			return -1;
		}
		vaddr += skip;
		off += skip;
		entry_skip = skip;
	}
	at = site_at(s, lib, vaddr);
	if (at >= 0) {
		site = &s->sites[at];
		/* An alias named as the catalogue names it takes over from one
		 * that is not (fstat over __fstat64); two catalogue names on one
		 * address (memcpy and memmove, one IFUNC implementation) count
		 * under the first. */
		if (!strcmp(d->name, function) && strcmp(site->symbol, site->function)) {
			const char *v = vername(o, d->versym);

			site->function = function;
			site->fn = fn_index(s, function);
			free(site->symbol);
			site->symbol = xstrdup(d->name);
			free(site->version);
			site->version = v ? xstrdup(v) : NULL;
		}
		return at;
	}
	s->sites = xgrow(s->sites, &in(s)->cap_sites, s->n_sites + 1, sizeof(*s->sites));
	site = &s->sites[s->n_sites];
	memset(site, 0, sizeof(*site));
	site->function = function;
	site->fn = fn_index(s, function);
	site->symbol = xstrdup(d->name);
	site->version = vername(o, d->versym) ? xstrdup(vername(o, d->versym)) : NULL;
	site->lib = lib;
	site->vaddr = vaddr;
	site->offset = off;
	site->skip = entry_skip;
	site->ifunc = d->type == STT_GNU_IFUNC;
	return s->n_sites++;
}

/* Every catalogue function lib defines becomes a site. */
static void add_library_sites(struct trace_fn_set *s, uint32_t lib)
{
	struct obj *o = in(s)->objs[lib];

	for (size_t k = 0; k < o->n_by_name; k++) {
		const struct dsym *d = &o->syms[o->by_name[k]];
		const char *f;

		if (d->type != STT_FUNC && d->type != STT_GNU_IFUNC)
			continue;
		if ((f = db_posix_name(d->name)))
			add_site(s, lib, o->by_name[k], f);
	}
}

/* The executable segments' range, where a call from the library returns to. */
static void text_range(struct trace_fn_lib *l, const struct obj *o)
{
	l->text_lo = UINT64_MAX;
	l->text_hi = 0;
	for (size_t i = 0; i < o->n_load; i++) {
		if (!(o->load[i].p_flags & PF_X))
			continue;
		if (o->load[i].p_vaddr < l->text_lo)
			l->text_lo = o->load[i].p_vaddr;
		if (o->load[i].p_vaddr + o->load[i].p_memsz > l->text_hi)
			l->text_hi = o->load[i].p_vaddr + o->load[i].p_memsz;
	}
	if (l->text_lo > l->text_hi)
		l->text_lo = l->text_hi = 0;
}

/*
 * Opens path as an object of the same machine and class as like (NULL: any
 * ELF), known already or read now. Returns its index, -1 when it is no
 * such object (errno: ENOENT for a missing file; *why says why otherwise).
 */
static long lib_open(struct trace_fn_set *s, const char *path, const struct obj *like, const char **why)
{
	struct trace_fn_set_int *p = in(s);
	struct trace_fn_lib *l;
	char real[PATH_MAX];
	struct stat st;
	struct obj *o;
	Elf *e;
	int fd;

	*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < s->n_libs; i++) {
		if (s->libs[i].dev == st.st_dev && s->libs[i].ino == st.st_ino) {
			close(fd);
			o = p->objs[i];
			if (like && (o->machine != like->machine || o->class != like->class))
				return -1;
			return i;
		}
	}
	o = obj_read(fd, why);
	if (!o || (like && (o->machine != like->machine || o->class != like->class))) {
		if (o && !*why)
			*why = "another machine's ELF file";
		obj_free(o);
		close(fd);
		return -1;
	}
	p->objs = xgrow(p->objs, &p->cap_objs, s->n_libs + 1, sizeof(*p->objs));
	p->objs[s->n_libs] = o;
	s->libs = xgrow(s->libs, &p->cap_libs, s->n_libs + 1, sizeof(*s->libs));
	l = &s->libs[s->n_libs];
	memset(l, 0, sizeof(*l));
	l->path = xstrdup(realpath(path, real) ? real : path);
	l->soname = o->soname;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	text_range(l, o);
	/* The identity scan records the file under, to join with its imports. */
	e = elf_open_fd(fd);
	if (!e || elf_identify(e, l->hash, why))
		l->hash[0] = 0;
	*why = NULL;
	elf_end(e);
	close(fd);
	return s->n_libs++;
}

/* Tries dir/name. */
static long try_dir(struct trace_fn_set *s, const char *dir, size_t dlen, const char *name, const char *origin,
		    const struct obj *like)
{
	char path[PATH_MAX];
	const char *why;
	int n;

	if (dlen >= 7 && (!strncmp(dir, "$ORIGIN", 7) || !strncmp(dir, "${ORIGIN}", 9))) {
		size_t skip = dir[1] == '{' ? 9 : 7;

		n = snprintf(path, sizeof(path), "%s%.*s/%s", origin, (int)(dlen - skip), dir + skip, name);
	} else {
		n = snprintf(path, sizeof(path), "%.*s/%s", (int)dlen, dir, name);
	}
	if (n <= 0 || (size_t)n >= sizeof(path))
		return -1;
	return lib_open(s, path, like, &why);
}

/* Tries each directory of a colon-separated list. */
static long try_path(struct trace_fn_set *s, const char *list, const char *name, const char *origin,
		     const struct obj *like)
{
	while (list && *list) {
		size_t len = strcspn(list, ":;");
		long i = len ? try_dir(s, list, len, name, origin, like) : -1;

		if (i >= 0)
			return i;
		list += len + (list[len] != 0);
	}
	return -1;
}

/*
 * /etc/ld.so.cache, glibc's "new" format (glibc-ld.so.cache1.1, the only
 * one glibc >= 2.32 writes): a 48-byte header, nlibs entries of 24 bytes
 * (flags, key, value, osversion, hwcap), string offsets from the file's
 * start. Entries are tried in order, as ld.so does, each checked for the
 * machine.
 */
static long try_cache(struct trace_fn_set *s, const char *name, const struct obj *like)
{
	struct trace_fn_set_int *p = in(s);
	uint32_t nlibs;

	if (!p->cache && !(p->cache = util_read_file(LD_CACHE, &p->cache_len)))
		p->cache_len = 0;
	if (p->cache_len < 48 || memcmp(p->cache, "glibc-ld.so.cache1.1", 20))
		return -1;
	memcpy(&nlibs, p->cache + 20, 4);
	if (nlibs > (p->cache_len - 48) / 24)
		return -1;
	for (uint32_t i = 0; i < nlibs; i++) {
		const char *e = p->cache + 48 + (size_t)i * 24;
		uint32_t key, value;
		const char *why;
		long l;

		memcpy(&key, e + 4, 4);
		memcpy(&value, e + 8, 4);
		if (key >= p->cache_len || value >= p->cache_len || !memchr(p->cache + key, 0, p->cache_len - key) ||
		    !memchr(p->cache + value, 0, p->cache_len - value) || strcmp(p->cache + key, name))
			continue;
		if ((l = lib_open(s, p->cache + value, like, &why)) >= 0)
			return l;
	}
	return -1;
}

static const char default_dirs[] =
#if defined(__x86_64__)
	"/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:"
#elif defined(__aarch64__)
	"/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:"
#endif
	"/lib:/usr/lib";

/* Finds needed, asked for by object from (whose file is in origin_of). */
static long find_needed(struct trace_fn_set *s, const char *needed, uint32_t from, uint32_t exe)
{
	const struct obj *o = in(s)->objs[from], *x = in(s)->objs[exe];
	char origin[PATH_MAX], xorigin[PATH_MAX], *slash;
	const char *why;
	long i;

	if (strchr(needed, '/'))
		return lib_open(s, needed, o, &why);
	snprintf(origin, sizeof(origin), "%s", s->libs[from].path);
	if ((slash = strrchr(origin, '/')))
		*slash = 0;
	snprintf(xorigin, sizeof(xorigin), "%s", s->libs[exe].path);
	if ((slash = strrchr(xorigin, '/')))
		*slash = 0;
	/* DT_RPATH counts only where there is no DT_RUNPATH. */
	if (!o->runpath && o->rpath && (i = try_path(s, o->rpath, needed, origin, o)) >= 0)
		return i;
	if (!o->runpath && from != exe && !x->runpath && x->rpath &&
	    (i = try_path(s, x->rpath, needed, xorigin, o)) >= 0)
		return i;
	if ((i = try_path(s, getenv("LD_LIBRARY_PATH"), needed, origin, o)) >= 0)
		return i;
	if (o->runpath && (i = try_path(s, o->runpath, needed, origin, o)) >= 0)
		return i;
	if ((i = try_cache(s, needed, o)) >= 0)
		return i;
	return try_path(s, default_dirs, needed, origin, o);
}

/* The set's binary record for lib index exe, or NULL. */
static struct trace_fn_binary *binary_of(struct trace_fn_set *s, uint32_t exe)
{
	for (size_t i = 0; i < s->n_binaries; i++)
		if (s->binaries[i].lib == exe)
			return &s->binaries[i];
	return NULL;
}

/* Whether a binary of the set imports function. */
static int imported(const struct trace_fn_set *s, const char *function)
{
	for (size_t b = 0; b < s->n_binaries; b++)
		for (size_t i = 0; i < s->binaries[b].n_imports; i++)
			if (s->binaries[b].imports[i].function == function)
				return 1;
	return 0;
}

/*
 * Two catalogue functions on one address (strtol and strtoimax, one
 * implementation) count under one name: the one a binary imports, when
 * the other is imported by none and the probe is not attached yet.
 */
static void prefer_import(struct trace_fn_set *s, struct trace_fn_site *site, const char *function)
{
	if (site->function == function || site->attached || imported(s, site->function))
		return;
	site->function = function;
	site->fn = fn_index(s, function);
}

int trace_fn_add_binary(struct trace_fn_set *s, const char *path)
{
	struct trace_fn_set_int *p = in(s);
	size_t scope_cap = 0, n_scope = 0, sites_before = s->n_sites;
	struct trace_fn_binary *b;
	uint32_t *scope = NULL;
	const char *why = NULL;
	long exe;

	exe = lib_open(s, path, NULL, &why);
	if (exe < 0) {
		int err = why ? ENOEXEC : errno;

		util_err("cannot read '%s': %s", path, why ? why : strerror(err));
		return -err;
	}
	if (binary_of(s, exe))
		return 0;
	s->binaries = xgrow(s->binaries, &p->cap_bins, s->n_binaries + 1, sizeof(*s->binaries));
	b = &s->binaries[s->n_binaries++];
	memset(b, 0, sizeof(*b));
	b->lib = exe;
	/* The link map's order: the binary, then breadth first. */
	scope = xgrow(scope, &scope_cap, 1, sizeof(*scope));
	scope[n_scope++] = exe;
	for (size_t k = 0; k < n_scope; k++) {
		const struct obj *o = p->objs[scope[k]];

		for (size_t j = 0; j < o->n_needed; j++) {
			long i = find_needed(s, o->needed[j], scope[k], exe);
			size_t m;

			if (i < 0) {
				util_err("warning: '%s' needs '%s', which ld.so would not find either", path, o->needed[j]);
				b->missing++;
				continue;
			}
			for (m = 0; m < n_scope && scope[m] != (uint32_t)i; m++)
				;
			if (m == n_scope) {
				scope = xgrow(scope, &scope_cap, n_scope + 1, sizeof(*scope));
				scope[n_scope++] = i;
			}
		}
	}
	b->scope = scope;
	b->n_scope = n_scope;
	for (size_t k = 1; k < n_scope; k++)
		if (!s->libs[scope[k]].probed) {
			add_library_sites(s, scope[k]);
			s->libs[scope[k]].probed = 1;
		}
	/* Each catalogue import, bound as ld.so binds it. */
	{
		const struct obj *x = p->objs[exe];

		for (size_t i = 0; i < x->n_syms; i++) {
			const struct dsym *d = &x->syms[i];
			const char *f, *ver;
			struct trace_fn_import *im;

			if (d->defined || !*d->name || !(f = db_posix_name(d->name)))
				continue;
			b->imports = xgrow(b->imports, &b->cap_imports, b->n_imports + 1, sizeof(*b->imports));
			im = &b->imports[b->n_imports++];
			memset(im, 0, sizeof(*im));
			ver = vername(x, d->versym);
			im->symbol = d->name;
			im->version = ver;
			im->function = f;
			im->site = -1;
			im->lib = -1;
			for (size_t k = 0; k < n_scope; k++) {
				long j = obj_lookup(p->objs[scope[k]], d->name, ver);

				if (j < 0)
					continue;
				im->lib = scope[k];
				/* A definition in the binary itself (interposed) is probed there. */
				im->site = add_site(s, scope[k], j, f);
				if (im->site >= 0)
					prefer_import(s, &s->sites[im->site], f);
				break;
			}
		}
	}
	return s->n_sites - sites_before;
}

void trace_fn_set_release(struct trace_fn_set *s)
{
	struct trace_fn_set_int *p = s->priv;

	for (size_t i = 0; i < s->n_sites; i++) {
		free(s->sites[i].symbol);
		free(s->sites[i].version);
	}
	free(s->sites);
	for (size_t i = 0; i < s->n_binaries; i++) {
		free(s->binaries[i].imports);
		free(s->binaries[i].scope);
	}
	free(s->binaries);
	free(s->functions);
	free(s->only);
	for (size_t i = 0; i < s->n_libs; i++) {
		free(s->libs[i].path);
		obj_free(p ? p->objs[i] : NULL);
	}
	free(s->libs);
	if (p) {
		free(p->objs);
		free(p->cache);
		free(p);
	}
	memset(s, 0, sizeof(*s));
}

int trace_fn_add_command(struct trace_fn_set *s, const char *file)
{
	char head[256], *interp, *end;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		int err = errno;

		util_err("cannot run '%s': %s", file, strerror(err));
		return -err;
	}
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n >= 4 && !memcmp(head, "\177ELF", 4))
		return trace_fn_add_binary(s, file);
	/* What execve runs: a script's interpreter ("#!", one level), or, as
	 * execvp and env(1) do for a file without it, /bin/sh. */
	if (n < 2 || head[0] != '#' || head[1] != '!')
		return trace_fn_add_binary(s, "/bin/sh");
	head[n] = 0;
	interp = head + 2 + strspn(head + 2, " \t");
	end = interp + strcspn(interp, " \t\n");
	*end = 0;
	return trace_fn_add_binary(s, *interp ? interp : "/bin/sh");
}

int trace_fn_set_only(struct trace_fn_set *s, const char *list)
{
	char *copy = xstrdup(list), *save = NULL, *tok;
	size_t cap = 0;
	int err = 0;

	in(s);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *f = db_posix_name(tok);

		if (!f) {
			util_err("not a POSIX catalogue function: '%s'", tok);
			err = -EINVAL;
			break;
		}
		s->only = xgrow(s->only, &cap, s->n_only + 1, sizeof(*s->only));
		s->only[s->n_only++] = f;
	}
	free(copy);
	return err;
}

/* Adds lib to the list v[0..*n) unless it is there. */
static void lib_list_add(uint32_t **v, size_t *n, size_t *cap, uint32_t lib)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == lib)
			return;
	*v = xgrow(*v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = lib;
}

int trace_fn_add_process(struct trace_fn_set *s, pid_t pid, uint32_t **libs, size_t *n_libs)
{
	char path[64], *maps, *line, *save = NULL;
	const struct trace_fn_binary *b;
	const char *why;
	size_t cap = 0;
	long exe;
	int err;

	*libs = NULL;
	*n_libs = 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	/* Gone (a process may end while it is attached): not worth a message. */
	if (access(path, F_OK) && errno == ENOENT)
		return -ESRCH;
	err = trace_fn_add_binary(s, path);
	if (err < 0)
		return err == -ENOENT ? -ESRCH : err;
	/* The files ld.so loads for it (an exec'd process has mapped none yet). */
	exe = lib_open(s, path, NULL, &why);
	b = exe >= 0 ? binary_of(s, exe) : NULL;
	for (size_t k = 0; b && k < b->n_scope; k++)
		lib_list_add(libs, n_libs, &cap, b->scope[k]);
	/* What it has mapped besides: dlopen'd libraries among them. */
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = util_read_file(path, NULL);
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	for (line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *file = strchr(line, '/');
		long lib;

		/* "start-end r-xp offset dev inode path": executable mappings of files. */
		if (!file || !strstr(line, " r-xp ") || strstr(file, " (deleted)"))
			continue;
		lib = lib_open(s, file, NULL, &why);
		if (lib < 0)
			continue;
		if (!s->libs[lib].probed) {
			add_library_sites(s, lib);
			s->libs[lib].probed = 1;
		}
		lib_list_add(libs, n_libs, &cap, lib);
	}
	free(maps);
	return 0;
}
