/*
 * Request codes and pseudo-files of one ELF file (issue 17, sys_req.h).
 *
 * Pseudo-files: every NUL-terminated printable string that starts with
 * /proc/, /sys/ or /dev/ (after a NUL or at the start of its bytes: a
 * string of its own, not the middle of a longer one) in the file's
 * read-only data: its allocated, read-only, non-code sections when it has
 * section headers (.rodata and its merged-string parts), else (sstripped)
 * its read-only PT_LOAD segments. Kept as written.
 *
 * Request codes (x86-64): a site is a call to ioctl, fcntl or prctl (a
 * call or tail jump to the import's PLT stub or through its GOT slot, or
 * to the function of that name the file defines: static binaries, libc), a
 * call to syscall() whose first argument is ioctl's, fcntl's or prctl's
 * number, or a syscall instruction whose rax is one of those numbers.
 * Under scan the code is decoded once: the pass reads sys_analyze()'s
 * sweep (sys_req_begin(), struct sys_hook), and meets the sites as the
 * sweep does. A binary keeps only what lies within 4 KiB before them
 * (keep(), the windows): jumps and calls into that range, barriers,
 * entry markers. As a window is known only once the sweep reaches its
 * site, what it needs is held as the sweep goes (struct code: sets of
 * call targets and far targets, a ring of near jumps and barriers). A
 * file with nothing to call has only syscall instructions for sites: the
 * sweep notes them and nothing else, and they are read only when one of
 * their numbers (sys_analyze()'s) may be ioctl's, fcntl's, prctl's or
 * unknown (then the pass sweeps the windows itself, as it does for a
 * file whose sweep it could not read: candidates(), from the bytes).
 * The code is the constant in rsi (ioctl, fcntl; rdx through syscall())
 * or rdi (prctl; rsi through syscall()), found by constant propagation
 * over the code before the site, decoded by capstone with details, as
 * sys_analyze.c finds syscall numbers: from the start of the function
 * that holds it (or its last barrier when that is more than 4 KiB back),
 * mov $imm, xor/sub of a register with itself and register copies along
 * fallthrough and jumps inside that range, merged where paths meet; a
 * call clobbers the caller-saved registers; anything else, a jump from
 * outside the range, a call target, an endbr64 or address-taken code
 * makes a register unknown. A code that is not constant is 'unknown',
 * never guessed. A register still holding its value from the function's
 * entry makes the function a wrapper (glibc's internal
 * __fcntl64_nocancel, a stripped static binary's ioctl): its direct
 * callers become sites (a binary is swept again, at most three times, for
 * their windows), and 'unknown' is added when others may call it (an
 * export, address-taken code). Inside ioctl(), fcntl() and prctl()
 * themselves only constants count (the rest is their caller's code).
 * Read elsewhere, with the numbers, and added by sys_req_end() as
 * 'direct' (sys_info's req_sites): Go's stubs take the code as an
 * argument (sys_go.c); i386 passes arguments on the stack, which
 * sys_analyze.c's propagation follows (calls of the imports ioctl, fcntl,
 * fcntl64, prctl and of syscall() in a dynamically linked i386 binary;
 * not a static one's, nor through i386 libraries).
 *
 * Through libraries: a library of this machine that the dynamic linker
 * would load (DT_NEEDED, breadth first; RUNPATH, else RPATH, with
 * $ORIGIN, then the default directories; not ld.so.cache's extra ones nor
 * LD_LIBRARY_PATH) is read the same way, and its sites are carried to its
 * exported functions and initialisers over its call graph: nodes are the
 * function starts it tells (symbols, initialisers, call targets), edges
 * its direct calls and jumps (through its own PLT too), and indirect
 * calls reach every address-taken function (sysfilter's policy, as the
 * syscall sets). A library of more than 8 MiB of code (libLLVM) has no
 * graph: each export gets all its codes. A library sys_resolve.c reads
 * for its syscall map is read in the same sweep (sys_req_lib_begin()); a
 * library with no wrapper to call has only syscall instructions for
 * sites, and without one no graph is built. An import of the binary is
 * bound to the first library in load order that exports its name, and
 * brings that function's codes; a library's initialisers (DT_INIT,
 * DT_INIT_ARRAY) bring theirs under the library's name. Not followed:
 * calls from one library into another (a library function that calls
 * libc's isatty() brings no TCGETS of its own; the binary's import of
 * isatty does).
 *
 * A large file's pages are dropped behind each pass, as sys_analyze.c's
 * are, so that two workers on chromium stay small.
 */
#include "analyzer/sys_int.h"
#include "analyzer/sys_req.h"
#include "analyzer/scan.h"
#include "analyzer/sys_x86.h"
#include "common/common.h"

#include <capstone/capstone.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* x86-64's numbers of the three system calls. */
static const unsigned call_nr[SYS_REQ_NCALLS] = { 16, 72, 157 };
static const char *const call_names[SYS_REQ_NCALLS] = { "ioctl", "fcntl", "prctl" };

const char *sys_req_call_name(int call)
{
	return call >= 0 && call < SYS_REQ_NCALLS ? call_names[call] : "unknown";
}

/* ---- pseudo-files ---- */

static void add_path(struct sys_req *r, const char *p, size_t n)
{
	for (size_t i = 0; i < r->n_paths; i++)
		if (strlen(r->paths[i]) == n && !memcmp(r->paths[i], p, n))
			return;
	r->paths = xgrow(r->paths, &r->cap_paths, r->n_paths + 1, sizeof(*r->paths));
	r->paths[r->n_paths] = xmalloc(n + 1);
	memcpy(r->paths[r->n_paths], p, n);
	r->paths[r->n_paths++][n] = 0;
}

static void strings_in(struct sys_req *r, const unsigned char *p, size_t n)
{
	static const char *const pre[] = { "/proc/", "/sys/", "/dev/" };
	const unsigned char *q = p, *end = p + n;

	while ((q = memchr(q, '/', end - q))) {
		const unsigned char *s = q, *z;

		q++;
		if (s > p && s[-1])
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(pre); k++) {
			size_t l = strlen(pre[k]);

			if ((size_t)(end - s) <= l || memcmp(s, pre[k], l))
				continue;
			if (!(z = memchr(s, 0, end - s)) || z - s > 4096)
				break;
			for (const unsigned char *c = s; c < z; c++)
				if (*c < 0x20 || *c >= 0x7f)
					goto next;
			add_path(r, (const char *)s, z - s);
			q = z;
			break;
		}
next:;
	}
}

static void pseudo_files(Elf *e, const unsigned char *raw, size_t size, struct sys_req *r)
{
	Elf_Scn *scn = NULL;
	size_t phnum;
	int sections = 0;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		sections = 1;
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_ALLOC) ||
		    sh.sh_flags & (SHF_WRITE | SHF_EXECINSTR) || sh.sh_offset > size ||
		    sh.sh_size > size - sh.sh_offset)
			continue;
		strings_in(r, raw + sh.sh_offset, sh.sh_size);
	}
	if (sections || elf_getphdrnum(e, &phnum))
		return;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD || ph.p_flags & PF_W ||
		    ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
			continue;
		strings_in(r, raw + ph.p_offset, ph.p_filesz);
	}
}

/* ---- the file's code ---- */

/* Kinds of callee: one of the calls, syscall(), or (K_OWN) a function of
 * the file itself reached through its own PLT (a library calling its
 * exported function: the graph follows it). */
enum { K_NONE = -1, K_SCALL = SYS_REQ_NCALLS, K_OWN };
enum { S_WRAP, S_RAW, S_SCALL };		/* sites */

/* reg: where a wrapper found in the file's code takes the code (-1: the
 * call's own register). */
struct site {
	uint64_t addr;
	uint8_t len, type, kind;
	int8_t reg;
};

struct edge {
	uint64_t to, from;
};

struct fnsym {
	uint64_t addr, size;
	int kind;
	const char *name;	/* in the file's bytes */
	int exported;
};

struct code {
	const unsigned char *raw;
	size_t size;
	GElf_Phdr load[32];
	size_t n_load;
	struct slot { uint64_t addr, target; int kind; } *slots, *stubs;	/* target: K_OWN's */
	size_t n_slots, cap_slots, n_stubs, cap_stubs;
	struct slot *wraps;	/* the wrappers' addresses, sorted (stub_kind()) */
	size_t n_wraps, cap_wraps;
	struct fnsym *fns;
	size_t n_fns, cap_fns;
	uint64_t init[64];
	size_t n_init;
	struct site *sites;
	size_t n_sites, cap_sites;
	/* Second sweep, when there are sites. */
	int collect;
	struct edge *jumps, *calls;	/* jumps and calls: by target once sorted */
	size_t n_jumps, cap_jumps, n_calls, cap_calls;
	uint64_t *entries, *bars;	/* endbr64, lea'd code; ends of barriers */
	size_t n_entries, cap_entries, n_bars, cap_bars;
	uint64_t *taken, *indirect;	/* address-taken code; indirect calls and jumps */
	size_t n_taken, cap_taken, n_indirect, cap_indirect;
	uint64_t movsxd4;		/* the last movslq from a scaled index (jump tables) */
	int windowed;			/* keep() */
	int adding;			/* the sweep adds the sites it meets */
	uint64_t code_size;		/* the executable segments' bytes */
	int drop;			/* sys_drop_upto() */
	uint64_t rel_off[2], rel_sz[2];	/* DT_JMPREL's and DT_RELA's relocations in the file */
	csh cs;				/* capstone with details, opened at the first site */
	uint64_t *anchors;		/* sorted: the sites the windows are kept for */
	size_t n_anchors, cap_anchors;
	uint64_t *taken_relocs;		/* the relocations' part of taken */
	size_t n_taken_relocs;
	int want_graph;			/* a library's map: indirect calls matter */
	/* The syscall instructions sys_analyze()'s sweep found (sorted), when
	 * it ran: the only 0f 05 that can be sites. */
	const uint64_t *sys_addrs;
	size_t n_sys_addrs;
	int sys_known;
	/*
	 * Streaming (sys_req_begin()): the sweep is sys_analyze()'s, and a
	 * site's window is known only when the sweep meets the site. The
	 * targets of calls, and those of lea, endbr64 and jumps of more than
	 * FAR bytes (in a window, a far jump's target can only be reached
	 * from outside it), go to two sets (offsets from bm_lo: the sets
	 * hold what a code's size in bits would, in a fraction of the
	 * space). Near jumps and barriers wait in a ring until the sweep is
	 * FAR bytes past every site whose window they may fall in
	 * (claim()). Calls so found have no 'from' (approx): a wrapper's
	 * callers take the pass's own sweep.
	 */
	uint64_t plt[8][2];		/* where the PLT stubs are (find_stubs()) */
	int n_plt;			/* -1: anywhere */
	int streaming, swept, approx, disorder;	/* disorder: ranges out of order */
	int streamed;			/* stream_done() ran */
	uint64_t cur;			/* the instruction the sweep is at */
	uint64_t bm_lo, bm_n;
	struct tset { uint32_t *v; size_t n, cap; } calls_to, seeds;
	struct near { uint64_t to, from; uint8_t what, kept; } *ring;
	size_t ring_head, ring_n, ring_cap;
	size_t n_claimed;		/* anchors whose windows took from the ring */
};

/* What the sweep collects for the windows: a jump, a call (from, to), a
 * barrier's end or an entry (to). */
enum { C_JUMP, C_CALL, C_BAR, C_ENTRY };

static void add_u64(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	*v = xgrow(*v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = x;
}

/* qsort(), which must not be handed NULL even for no elements. */
static int cmp_u64(const void *x, const void *y);

static void sort_v(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (cmp == cmp_u64) {
		sys_sort_u64(v, n);
		return;
	}
	if (n)
		qsort(v, n, size, cmp);
}


static const unsigned char *at(const struct code *c, uint64_t addr, uint64_t n)
{
	for (size_t i = 0; i < c->n_load; i++) {
		const GElf_Phdr *p = &c->load[i];

		uint64_t d = addr - p->p_vaddr;

		/* Each sum checked apart: a hostile p_offset near 2^64 wraps. */
		if (addr >= p->p_vaddr && d < p->p_filesz && n <= p->p_filesz - d && p->p_offset <= c->size &&
		    d <= c->size - p->p_offset && n <= c->size - p->p_offset - d)
			return c->raw + p->p_offset + d;
	}
	return NULL;
}

static int in_exec(const struct code *c, uint64_t a)
{
	for (size_t i = 0; i < c->n_load; i++)
		if (c->load[i].p_flags & PF_X && a >= c->load[i].p_vaddr && a - c->load[i].p_vaddr < c->load[i].p_filesz)
			return 1;
	return 0;
}

static int kind_of_name(const char *n)
{
	static const struct { const char *name; int kind; } w[] = {
		{ "ioctl", SYS_REQ_IOCTL }, { "__ioctl", SYS_REQ_IOCTL }, { "__ioctl_time64", SYS_REQ_IOCTL },
		{ "fcntl", SYS_REQ_FCNTL }, { "fcntl64", SYS_REQ_FCNTL }, { "__fcntl", SYS_REQ_FCNTL },
		{ "__fcntl64", SYS_REQ_FCNTL }, { "__libc_fcntl", SYS_REQ_FCNTL }, { "__libc_fcntl64", SYS_REQ_FCNTL },
		{ "prctl", SYS_REQ_PRCTL }, { "__prctl", SYS_REQ_PRCTL }, { "syscall", K_SCALL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(w); i++)
		if (!strcmp(n, w[i].name))
			return w[i].kind;
	return K_NONE;
}

static void add_fn(struct code *c, uint64_t addr, uint64_t size, const char *name, int exported)
{
	c->fns = xgrow(c->fns, &c->cap_fns, c->n_fns + 1, sizeof(*c->fns));
	c->fns[c->n_fns++] = (struct fnsym){ addr, size, kind_of_name(name), name, exported };
}

static const char *str_at(const struct code *c, uint64_t off, uint64_t str_off, uint64_t str_size)
{
	if (off >= str_size || !memchr(c->raw + str_off + off, 0, str_size - off))
		return NULL;
	return (const char *)c->raw + str_off + off;
}

static uint64_t file_of(const struct code *c, uint64_t vaddr, uint64_t n)
{
	const unsigned char *p = at(c, vaddr, n);

	return p ? (uint64_t)(p - c->raw) : 0;
}

static void read_relas(struct code *c, uint64_t off, uint64_t sz, const struct elf_dyn_tables *t,
		       uint64_t init_array, uint64_t init_sz)
{
	for (uint64_t k = 0; off && k + sizeof(Elf64_Rela) <= sz; k += sizeof(Elf64_Rela)) {
		Elf64_Rela rl;
		Elf64_Sym sym;
		const char *n;
		int kind;

		memcpy(&rl, c->raw + off + k, sizeof(rl));
		if (ELF64_R_TYPE(rl.r_info) == R_X86_64_RELATIVE && rl.r_offset >= init_array &&
		    rl.r_offset < init_array + init_sz && c->n_init < ARRAY_SIZE(c->init)) {
			c->init[c->n_init++] = rl.r_addend;
			continue;
		}
		/* Code pointers in data: a map's indirect calls reach them. A
		 * binary asks only of its wrappers (is_taken()): chromium
		 * has a million of them. */
		if (ELF64_R_TYPE(rl.r_info) == R_X86_64_RELATIVE || ELF64_R_TYPE(rl.r_info) == R_X86_64_IRELATIVE) {
			if (c->want_graph)
				add_u64(&c->taken, &c->n_taken, &c->cap_taken, rl.r_addend);
			continue;
		}
		if (ELF64_R_TYPE(rl.r_info) != R_X86_64_JUMP_SLOT && ELF64_R_TYPE(rl.r_info) != R_X86_64_GLOB_DAT &&
		    ELF64_R_TYPE(rl.r_info) != R_X86_64_64)
			continue;
		if (ELF64_R_SYM(rl.r_info) >= t->sym_size / sizeof(Elf64_Sym))
			continue;
		memcpy(&sym, c->raw + t->sym_off + ELF64_R_SYM(rl.r_info) * sizeof(sym), sizeof(sym));
		/* An initialiser named by its (exported) symbol: libcap's. */
		if (rl.r_offset >= init_array && rl.r_offset < init_array + init_sz && sym.st_shndx != SHN_UNDEF &&
		    c->n_init < ARRAY_SIZE(c->init)) {
			c->init[c->n_init++] = sym.st_value + rl.r_addend;
			continue;
		}
		if (!(n = str_at(c, sym.st_name, t->str_off, t->str_size)))
			continue;
		kind = sym.st_shndx != SHN_UNDEF ? (ELF64_ST_TYPE(sym.st_info) == STT_FUNC ? K_OWN : K_NONE) :
		       kind_of_name(n);
		if (kind == K_OWN)
			add_u64(&c->taken, &c->n_taken, &c->cap_taken, sym.st_value);
		if (kind != K_NONE) {
			c->slots = xgrow(c->slots, &c->cap_slots, c->n_slots + 1, sizeof(*c->slots));
			c->slots[c->n_slots++] = (struct slot){ rl.r_offset, sym.st_value, kind };
		}
	}
}

static void push(char ***v, size_t *n, size_t *cap, const char *s)
{
	*v = xgrow(*v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

/* The dynamic section: DT_NEEDED, the import slots, the initialisers, the
 * dynamic symbols (imports for r, functions for the graph). */
static void read_dynamic(Elf *e, struct code *c, struct sys_req *r)
{
	struct elf_dyn_tables t;
	const char *why, *n;
	uint64_t jmprel = 0, pltsz = 0, rela = 0, relasz = 0, init = 0, init_array = 0, init_sz = 0;
	uint64_t runpath = 0, rpath = 0;

	if (elf_dyn_tables(e, &t, &why))
		return;
	for (uint64_t k = 0; k + sizeof(Elf64_Dyn) <= t.dyn_size; k += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;

		memcpy(&d, c->raw + t.dyn_off + k, sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		switch (d.d_tag) {
		case DT_NEEDED:
			if (r && (n = str_at(c, d.d_un.d_val, t.str_off, t.str_size)))
				push(&r->needed, &r->n_needed, &r->cap_needed, n);
			break;
		case DT_JMPREL: jmprel = d.d_un.d_ptr; break;
		case DT_PLTRELSZ: pltsz = d.d_un.d_val; break;
		case DT_RELA: rela = d.d_un.d_ptr; break;
		case DT_RELASZ: relasz = d.d_un.d_val; break;
		case DT_INIT: init = d.d_un.d_ptr; break;
		case DT_INIT_ARRAY: init_array = d.d_un.d_ptr; break;
		case DT_INIT_ARRAYSZ: init_sz = d.d_un.d_val; break;
		case DT_RUNPATH: runpath = d.d_un.d_val + 1; break;
		case DT_RPATH: rpath = d.d_un.d_val + 1; break;
		}
	}
	if (r && (runpath || rpath) && (n = str_at(c, (runpath ? runpath : rpath) - 1, t.str_off, t.str_size)))
		r->runpath = xstrdup(n);
	if (init)
		c->init[c->n_init++] = init;
	for (uint64_t k = 0; init_array && k + 8 <= init_sz && c->n_init < ARRAY_SIZE(c->init); k += 8) {
		const unsigned char *p = at(c, init_array + k, 8);
		uint64_t v;

		if (!p)
			break;	/* the array ends where the file does (a hostile DT_INIT_ARRAYSZ) */
		memcpy(&v, p, 8);
		if (v)
			c->init[c->n_init++] = v;
	}
	c->rel_off[0] = file_of(c, jmprel, pltsz);
	c->rel_sz[0] = pltsz;
	c->rel_off[1] = file_of(c, rela, relasz);
	c->rel_sz[1] = relasz;
	for (int i = 0; i < 2; i++)
		read_relas(c, c->rel_off[i], c->rel_sz[i], &t, init_array, init_sz);
	for (uint64_t i = 1; i < t.sym_size / sizeof(Elf64_Sym); i++) {
		Elf64_Sym s;

		memcpy(&s, c->raw + t.sym_off + i * sizeof(s), sizeof(s));
		if (!(n = str_at(c, s.st_name, t.str_off, t.str_size)) || !*n)
			continue;
		if (s.st_shndx == SHN_UNDEF && r &&
		    (ELF64_ST_TYPE(s.st_info) == STT_FUNC || ELF64_ST_TYPE(s.st_info) == STT_NOTYPE))
			push(&r->imports, &r->n_imports, &r->cap_imports, n);
		else if (s.st_shndx != SHN_UNDEF && (ELF64_ST_TYPE(s.st_info) == STT_FUNC ||
						     ELF64_ST_TYPE(s.st_info) == STT_GNU_IFUNC))
			add_fn(c, s.st_value, s.st_size, n, 1);
	}
}

/* .symtab's functions, when the file has one (static binaries). */
static void read_symtab(Elf *e, struct code *c)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 1; i < sh.sh_size / sizeof(Elf64_Sym); i++) {
			GElf_Sym s;
			const char *n;

			if (!gelf_getsym(d, i, &s) || ELF64_ST_TYPE(s.st_info) != STT_FUNC || !s.st_value ||
			    !(n = elf_strptr(e, sh.sh_link, s.st_name)))
				continue;
			add_fn(c, s.st_value, s.st_size, n, 0);
		}
	}
}

/* v sorted by address (sort_slots()). */
static const struct slot *find_slot(const struct slot *v, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (v[m].addr < a)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < n && v[lo].addr == a ? &v[lo] : NULL;
}

static int cmp_slot(const void *x, const void *y)
{
	const struct slot *a = x, *b = y;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* What a call to t calls: one of the wrappers (their PLT stubs, or the
 * file's own functions of those names), or K_NONE. */
static int stub_kind(const struct code *c, uint64_t t)
{
	const struct slot *w = find_slot(c->wraps, c->n_wraps, t);

	return w ? w->kind : K_NONE;
}

static int slot_kind(const struct code *c, uint64_t s)
{
	const struct slot *sl = find_slot(c->slots, c->n_slots, s);

	return sl && sl->kind != K_OWN ? sl->kind : K_NONE;
}

/* Where a call to t goes in the file's own code: t, or the function its
 * own PLT stub leads to. */
static uint64_t own_target(const struct code *c, uint64_t t)
{
	const struct slot *sl = find_slot(c->stubs, c->n_stubs, t);

	return sl && sl->kind == K_OWN ? sl->target : t;
}

static void add_stub(struct code *c, uint64_t a, const struct slot *sl)
{
	c->stubs = xgrow(c->stubs, &c->cap_stubs, c->n_stubs + 1, sizeof(*c->stubs));
	c->stubs[c->n_stubs++] = (struct slot){ a, sl->target, sl->kind };
}

/* The stubs in segment ph: within its r'th PLT section when the file
 * tells them (sys_plt_ranges()), else anywhere in it. Outside them, a
 * jmp through a wrapper's slot is a tail call, a site (librsvg's Rust
 * code passes PR_SET_NAME so), not a stub. */
static void stubs_in(struct code *c, const GElf_Phdr *ph, int r)
{
	const unsigned char *p = at(c, ph->p_vaddr, ph->p_filesz), *q, *done, *end;
	uint64_t lo = ph->p_vaddr, hi = ph->p_vaddr + ph->p_filesz;

	if (!(ph->p_flags & PF_X) || !p)
		return;
	if (c->n_plt >= 0) {
		lo = c->plt[r][0] > lo ? c->plt[r][0] : lo;
		hi = c->plt[r][1] < hi ? c->plt[r][1] : hi;
		if (lo >= hi)
			return;
	}
	done = q = p + (lo - ph->p_vaddr);
	end = p + (hi - ph->p_vaddr);
	for (; (q = memchr(q, 0xff, end - q)) && q + 6 <= end; q++) {
		uint64_t a = ph->p_vaddr + (q - p);
		const struct slot *sl;
		int32_t disp;

		sys_drop_upto(c->drop, &done, q);
		if (q[1] != 0x25)
			continue;
		memcpy(&disp, q + 2, 4);
		if (!(sl = find_slot(c->slots, c->n_slots, a + 6 + disp)))
			continue;
		add_stub(c, a, sl);
		if (q > p && q[-1] == 0xf2)
			add_stub(c, --a, sl);
		if (a - ph->p_vaddr >= 4 && !memcmp(p + (a - ph->p_vaddr) - 4, "\xf3\x0f\x1e\xfa", 4))
			add_stub(c, a - 4, sl);
	}
}

/* The PLT stubs that jump through the wrappers' slots (jmp *slot(%rip),
 * after a bnd prefix or an endbr64). */
static void find_stubs(struct code *c)
{
	sort_v(c->slots, c->n_slots, sizeof(*c->slots), cmp_slot);
	for (size_t s = 0; s < c->n_load && c->n_slots; s++)
		for (int r = 0; r < (c->n_plt < 0 ? 1 : c->n_plt); r++)
			stubs_in(c, &c->load[s], r);
	sort_v(c->stubs, c->n_stubs, sizeof(*c->stubs), cmp_slot);
	for (size_t i = 0; i < c->n_stubs + c->n_fns; i++) {
		const struct slot *st = i < c->n_stubs ? &c->stubs[i] : NULL;
		const struct fnsym *f = st ? NULL : &c->fns[i - c->n_stubs];
		int kind = st ? st->kind : f->kind;

		if (kind == K_NONE || kind == K_OWN)
			continue;
		c->wraps = xgrow(c->wraps, &c->cap_wraps, c->n_wraps + 1, sizeof(*c->wraps));
		c->wraps[c->n_wraps++] = (struct slot){ st ? st->addr : f->addr, 0, kind };
	}
	sort_v(c->wraps, c->n_wraps, sizeof(*c->wraps), cmp_slot);
}


static void add_edge(struct edge **v, size_t *n, size_t *cap, uint64_t from, uint64_t to)
{
	*v = xgrow(*v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = (struct edge){ to, from };
}

static int cmp_edge(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;

	return a->to < b->to ? -1 : a->to > b->to ? 1 : a->from < b->from ? -1 : a->from > b->from;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* The first index of v[0..n) at or after x. */
static size_t lower_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (v[m] < x)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

static int has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t i = lower_u64(v, n, x);

	return i < n && v[i] == x;
}

static size_t lower_edge(const struct edge *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (v[m].to < x)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

/*
 * What the second sweep keeps. A library's map needs the whole graph; a
 * binary's sites need only what lies near them (windowed): the jumps and
 * calls into, the barriers and the entries of the WINDOW bytes before each
 * site (a site's range starts at most 16 KiB before it), so that a large
 * binary with a few sites does not hold every jump it has (a random 0f 05
 * is a candidate every 64 KiB: small windows keep that small).
 */
#define REGION 4096
#define BIG_LIB (8u << 20)	/* a library map without a graph; no second rounds */
#define WINDOW (REGION + 64)

static int keep(const struct code *c, uint64_t a)
{
	size_t i;

	if (!c->windowed)
		return 1;
	i = lower_u64(c->anchors, c->n_anchors, a >= 16 ? a - 16 : 0);
	return i < c->n_anchors && c->anchors[i] <= a + WINDOW;
}

static void take(struct code *c, int what, uint64_t from, uint64_t to)
{
	switch (what) {
	case C_JUMP:
		add_edge(&c->jumps, &c->n_jumps, &c->cap_jumps, from, to);
		break;
	case C_CALL:
		add_edge(&c->calls, &c->n_calls, &c->cap_calls, from, to);
		break;
	case C_BAR:
		add_u64(&c->bars, &c->n_bars, &c->cap_bars, to);
		break;
	case C_ENTRY:
		add_u64(&c->entries, &c->n_entries, &c->cap_entries, to);
		add_u64(&c->taken, &c->n_taken, &c->cap_taken, to);
		break;
	}
}

/* Jumps farther than FAR leave any window they land in (a site's range
 * is at most REGION + 15 bytes); the ring holds what a site not yet
 * claimed may want. */
#define FAR (WINDOW + 32)
#define RING_SPAN (2 * FAR + WINDOW + 64)

/* A set of code offsets (below 2^30), open addressing: 0 is empty, an
 * offset is stored plus one. */
static size_t tset_slot(const struct tset *t, uint32_t k)
{
	/* Fibonacci hashing: the product's high bits (code offsets share
	 * their low ones). */
	size_t i = (size_t)(((uint64_t)k * 0x9e3779b97f4a7c15ull) >> 32) & (t->cap - 1);

	while (t->v[i] && t->v[i] != k)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static void tset_add(struct tset *t, uint32_t off)
{
	uint32_t k = off + 1;
	size_t i;

	if (2 * (t->n + 1) > t->cap) {
		struct tset o = *t;

		t->cap = o.cap ? 2 * o.cap : 1024;
		t->v = xcalloc(t->cap, sizeof(*t->v));
		for (size_t j = 0; j < o.cap; j++)
			if (o.v[j])
				t->v[tset_slot(t, o.v[j])] = o.v[j];
		free(o.v);
	}
	i = tset_slot(t, k);
	if (!t->v[i]) {
		t->v[i] = k;
		t->n++;
	}
}

static int tset_has(const struct tset *t, uint32_t off)
{
	return t->n && t->v[tset_slot(t, off + 1)];
}

static void bm_set(struct code *c, struct tset *t, uint64_t a)
{
	if (a - c->bm_lo < c->bm_n)
		tset_add(t, (uint32_t)(a - c->bm_lo));
}

/* The ring's entries in [lo, hi], taken once each. */
static void ring_claim(struct code *c, uint64_t lo, uint64_t hi)
{
	for (size_t i = c->ring_head; i < c->ring_n; i++)
		if (c->ring[i].to >= lo && c->ring[i].to <= hi && !c->ring[i].kept) {
			take(c, c->ring[i].what, c->ring[i].from, c->ring[i].to);
			c->ring[i].kept = 1;
		}
}

static uint64_t window_lo(uint64_t x)
{
	return x >= WINDOW ? x - WINDOW : 0;
}

/* The windows of the anchors the sweep is FAR bytes past (all of them
 * when all), from the ring. */
static void claim(struct code *c, int all)
{
	for (; c->n_claimed < c->n_anchors; c->n_claimed++) {
		uint64_t x = c->anchors[c->n_claimed];

		if (!all && c->cur - x <= FAR + 16)
			break;
		ring_claim(c, window_lo(x), x + 16);
	}
}

static void ring_push(struct code *c, int what, uint64_t from, uint64_t to)
{
	while (c->ring_head < c->ring_n && c->cur - c->ring[c->ring_head].from > RING_SPAN)
		c->ring_head++;
	if (c->ring_head > c->ring_n / 2) {
		memmove(c->ring, c->ring + c->ring_head, (c->ring_n - c->ring_head) * sizeof(*c->ring));
		c->ring_n -= c->ring_head;
		c->ring_head = 0;
	}
	c->ring = xgrow(c->ring, &c->ring_cap, c->ring_n + 1, sizeof(*c->ring));
	c->ring[c->ring_n++] = (struct near){ to, from, what, 0 };
}

/* What the sweep meets that a window may need: kept when it falls in
 * one; streaming, marked or held (above). */
static void col(struct code *c, int what, uint64_t from, uint64_t to)
{
	if (c->streaming) {
		if (what == C_CALL)
			bm_set(c, &c->calls_to, to);
		else if (what == C_ENTRY || (what == C_JUMP && (to > from ? to - from : from - to) > FAR))
			bm_set(c, &c->seeds, to);
		else
			ring_push(c, what, from, to);
		return;
	}
	if (keep(c, to))
		take(c, what, from, to);
}

/* Once streamed: the windows' calls and entries from the sets (as
 * offsets from bm_lo, which cannot wrap: the extent was checked). */
static void stream_done(struct code *c)
{
	uint64_t done = 0;

	if (c->streamed)
		return;
	c->streamed = 1;
	claim(c, 1);
	for (size_t i = 0; i < c->n_anchors; i++) {
		uint64_t x = c->anchors[i] - c->bm_lo, o, hi;

		if (x >= c->bm_n)
			continue;
		o = x >= WINDOW ? x - WINDOW : 0;
		hi = x + 16 < c->bm_n ? x + 16 : c->bm_n - 1;
		for (o = o > done ? o : done; o <= hi; o++) {
			if (tset_has(&c->calls_to, o))
				take(c, C_CALL, 0, c->bm_lo + o);
			if (tset_has(&c->seeds, o))
				take(c, C_ENTRY, c->bm_lo + o, c->bm_lo + o);
		}
		done = o;
	}
	c->approx = c->n_anchors > 0;
	free(c->ring);
	free(c->calls_to.v);
	free(c->seeds.v);
	c->ring = NULL;
	c->ring_head = c->ring_n = c->ring_cap = 0;
	memset(&c->calls_to, 0, sizeof(c->calls_to));
	memset(&c->seeds, 0, sizeof(c->seeds));
}

static void col_jump(struct code *c, uint64_t from, uint64_t to)
{
	col(c, C_JUMP, from, to);
}

static void col_call(struct code *c, uint64_t from, uint64_t to)
{
	col(c, C_CALL, from, to);
}

static void col_bar(struct code *c, uint64_t a)
{
	col(c, C_BAR, a, a);
}

/* endbr64, or code whose address an instruction takes. */
static void col_entry(struct code *c, uint64_t a)
{
	col(c, C_ENTRY, a, a);
}

static void add_site(struct code *c, uint64_t a, int len, int type, int kind)
{
	if (!c->adding)
		return;
	c->sites = xgrow(c->sites, &c->cap_sites, c->n_sites + 1, sizeof(*c->sites));
	c->sites[c->n_sites++] = (struct site){ a, len, type, kind, -1 };
	if (!c->streaming || !c->collect)
		return;
	/* In order, as the sweep goes (claim()). */
	if (!c->n_anchors || c->anchors[c->n_anchors - 1] < a)
		add_u64(&c->anchors, &c->n_anchors, &c->cap_anchors, a);
}

/* One instruction of the sweep. */
static void one(struct code *c, const unsigned char *p, const struct xd_insn *d, uint64_t a)
{
	uint64_t end = a + d->len, t;
	int k;

	if (d->map == 1) {
		if (d->op == 0x05 && (!c->sys_known || has_u64(c->sys_addrs, c->n_sys_addrs, a)))
			add_site(c, a, d->len, S_RAW, 0);
		else if (d->op >= 0x80 && d->op <= 0x8f && c->collect)
			col_jump(c, a, end + xd_imm(p, d));
		else if (d->op == 0x0b && c->collect)
			col_bar(c, end);
		else if (d->op == 0x1e && d->rep == 0xf3 && d->mod == 3 && c->collect) {
			col_entry(c, a);
		}
		return;
	}
	if (d->map != 0)
		return;
	switch (d->op) {
	case 0xe8:
	case 0xe9:
	case 0xeb:
		t = end + xd_imm(p, d);
		if ((k = stub_kind(c, t)) != K_NONE)
			add_site(c, a, d->len, k == K_SCALL ? S_SCALL : S_WRAP, k);
		if (!c->collect)
			return;
		t = own_target(c, t);
		if (d->op == 0xe8) {
			col_call(c, a, t);
		} else {
			col_jump(c, a, t);
			col_bar(c, end);
		}
		return;
	case 0x70 ... 0x7f:
	case 0xe0 ... 0xe3:
		if (c->collect)
			col_jump(c, a, end + xd_imm(p, d));
		return;
	case 0xc2: case 0xc3: case 0xf4:
		if (c->collect)
			col_bar(c, end);
		return;
	case 0x8d:
		if (c->collect && d->rip_rel) {
			col_entry(c, end + xd_disp(p, d));
		}
		return;
	case 0x63:
		if (d->rex & 8 && d->has_sib && d->scale == 4)
			c->movsxd4 = a;
		return;
	case 0xff:
		break;
	default:
		return;
	}
	if ((d->reg & 7) != 2 && (d->reg & 7) != 4)
		return;
	/* The PLT stub's own jmp is no site: its callers are. */
	if (d->mod != 3 && d->rip_rel && (k = slot_kind(c, end + xd_disp(p, d))) != K_NONE &&
	    stub_kind(c, a) == K_NONE)
		add_site(c, a, d->len, k == K_SCALL ? S_SCALL : S_WRAP, k);
	/* A call through the GOT to the file's own function (-fno-plt). */
	if (d->mod != 3 && d->rip_rel && c->collect && !find_slot(c->stubs, c->n_stubs, a)) {
		const struct slot *sl = find_slot(c->slots, c->n_slots, end + xd_disp(p, d));

		if (sl && sl->kind == K_OWN)
			((d->reg & 7) == 2 ? col_call : col_jump)(c, a, sl->target);
	}
	if ((d->reg & 7) == 4 && c->collect)
		col_bar(c, end);
	/* Indirect calls, and indirect jumps that are no jump table (as
	 * sys_analyze.c tells them) nor a slot of the GOT. */
	if (c->collect && c->want_graph && !(d->mod != 3 && d->rip_rel && find_slot(c->slots, c->n_slots, end + xd_disp(p, d)))) {
		int table = (d->reg & 7) == 4 &&
			    ((d->mod != 3 && d->index != XD_NONE && d->base == XD_NONE && d->scale == 8) ||
			     (d->mod == 3 && c->movsxd4 && a - c->movsxd4 < 32) || d->seg == 0x3e);

		if (!table)
			add_u64(&c->indirect, &c->n_indirect, &c->cap_indirect, a);
	}
}

static void sweep(struct code *c)
{
	for (size_t s = 0; s < c->n_load; s++) {
		const GElf_Phdr *ph = &c->load[s];
		const unsigned char *p = at(c, ph->p_vaddr, ph->p_filesz), *done = p;
		uint64_t a = ph->p_vaddr;
		size_t left = ph->p_filesz;

		if (!(ph->p_flags & PF_X) || !p)
			continue;
		if (c->collect)
			col_bar(c, a);
		while (left) {
			struct xd_insn d;
			int n = xd_decode(p, left, 1, &d);

			if (n > 0)
				one(c, p, &d, a);
			else
				n = 1;
			p += n, left -= n, a += n;
			if (((uintptr_t)p & (PAGEOUT_CHUNK - 1)) < 16)
				sys_drop_upto(c->drop, &done, p);
		}
	}
}

/* ---- constant propagation before a site ---- */

#define NREG 16
/* V_ENTRY: the value register v had when the function was entered. */
enum { V_NONE, V_CONST, V_UNK, V_ENTRY };
struct val {
	uint8_t k;
	uint64_t v;
};

struct cpi {
	uint64_t addr, target;
	uint8_t fall, jump, seed;
	int8_t dst, src;	/* dst <- src, or dst <- imm when src < 0 */
	uint8_t narrow;		/* a 32-bit destination: the value is zero-extended */
	uint64_t imm;
	uint32_t clobber;
};

static int reg_of(unsigned r, int *narrow)
{
	static const unsigned q[NREG] = {
		X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP, X86_REG_RBP, X86_REG_RSI,
		X86_REG_RDI, X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11, X86_REG_R12, X86_REG_R13,
		X86_REG_R14, X86_REG_R15,
	};
	static const unsigned dw[NREG] = {
		X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX, X86_REG_ESP, X86_REG_EBP, X86_REG_ESI,
		X86_REG_EDI, X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D, X86_REG_R12D, X86_REG_R13D,
		X86_REG_R14D, X86_REG_R15D,
	};

	for (int i = 0; i < NREG; i++) {
		if (q[i] == r) {
			*narrow = 0;
			return i;
		}
		if (dw[i] == r) {
			*narrow = 1;
			return i;
		}
	}
	return -1;
}

/* Any register, whole or part, to its family (for clobbers). */
static int family(csh h, unsigned r)
{
	static const char *const names[NREG] = { "a", "c", "d", "b", "sp", "bp", "si", "di", "r8", "r9", "r10",
						 "r11", "r12", "r13", "r14", "r15" };
	const char *n = cs_reg_name(h, r);
	int narrow;

	if (reg_of(r, &narrow) >= 0)
		return reg_of(r, &narrow);
	if (!n)
		return -1;
	for (int i = 8; i < NREG; i++)
		if (!strncmp(n, names[i], strlen(names[i])) && (!n[strlen(names[i])] || strchr("dwb", n[strlen(names[i])])))
			return i;
	if (n[0] == 'r' || n[0] == 'e')
		n++;
	for (int i = 0; i < 8; i++) {
		size_t l = strlen(names[i]);

		if (!strncmp(n, names[i], l) && (!n[l] || strchr("xlhw", n[l]) || (i >= 4 && n[l] == 'l')))
			return i;
	}
	return -1;
}

static void summarise(csh h, const cs_insn *in, struct cpi *c)
{
	const cs_x86 *x = &in->detail->x86;
	cs_regs rd, wr;
	uint8_t n_rd = 0, n_wr = 0;
	int narrow, narrow2, r;

	memset(c, 0, sizeof(*c));
	c->addr = in->address;
	c->dst = c->src = -1;
	c->fall = 1;
	if (cs_insn_group(h, in, CS_GRP_JUMP)) {
		c->jump = 1;
		if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
			c->target = x->operands[0].imm;
		if (in->id == X86_INS_JMP || in->id == X86_INS_LJMP)
			c->fall = 0;
		return;
	}
	if (cs_insn_group(h, in, CS_GRP_RET) || in->id == X86_INS_HLT || in->id == X86_INS_UD2) {
		c->fall = 0;
		return;
	}
	if (cs_insn_group(h, in, CS_GRP_CALL)) {
		c->clobber = 0x0fc7;	/* rax rcx rdx rsi rdi r8-r11 */
		return;
	}
	if (x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
	    (r = reg_of(x->operands[0].reg, &narrow)) >= 0) {
		if (in->id == X86_INS_MOV && x->operands[1].type == X86_OP_IMM) {
			c->dst = r;
			c->imm = narrow ? (uint32_t)x->operands[1].imm : (uint64_t)x->operands[1].imm;
			return;
		}
		if ((in->id == X86_INS_XOR || in->id == X86_INS_SUB) && x->operands[1].type == X86_OP_REG &&
		    x->operands[1].reg == x->operands[0].reg) {
			c->dst = r;
			c->imm = 0;
			return;
		}
		if (in->id == X86_INS_MOV && x->operands[1].type == X86_OP_REG &&
		    reg_of(x->operands[1].reg, &narrow2) >= 0 && narrow2 == narrow) {
			c->dst = r;
			c->src = reg_of(x->operands[1].reg, &narrow2);
			c->narrow = narrow;
			return;
		}
	}
	if (cs_regs_access(h, in, rd, &n_rd, wr, &n_wr) != CS_ERR_OK) {
		c->clobber = 0xffff;
		return;
	}
	for (int i = 0; i < n_wr; i++)
		if ((r = family(h, wr[i])) >= 0)
			c->clobber |= 1u << r;
}

static int merge(struct val *dst, const struct val *src)
{
	int changed = 0;

	for (int r = 0; r < NREG; r++) {
		struct val v = dst[r];

		if (src[r].k == V_NONE)
			continue;
		if (v.k == V_NONE)
			v = src[r];
		else if (v.k != src[r].k || v.v != src[r].v)
			v.k = V_UNK;
		if (v.k != dst[r].k || v.v != dst[r].v) {
			dst[r] = v;
			changed = 1;
		}
	}
	return changed;
}


/* The index of the instruction at addr in v[0..n) (sorted), or -1. */
static long insn_at(const struct cpi *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (v[m].addr < addr)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < n && v[lo].addr == addr ? (long)lo : -1;
}

/* Whether addr is a call target, an entry marker or a symbol's start. */
static int is_entry(const struct code *c, uint64_t addr)
{
	size_t i = lower_edge(c->calls, c->n_calls, addr);

	if (i < c->n_calls && c->calls[i].to == addr)
		return 1;
	i = lower_u64(c->entries, c->n_entries, addr);
	return i < c->n_entries && c->entries[i] == addr;
}

/* The state of the registers before the site at s->addr, read from lo;
 * from_entry: lo is the start of a function, whose registers are its
 * caller's (V_ENTRY). */
static int propagate(struct code *c, uint64_t lo, int from_entry, const struct site *s, struct val out[NREG])
{
	uint64_t hi = s->addr + s->len, addr = lo;
	const unsigned char *code = at(c, lo, hi - lo);
	size_t left = hi - lo, n = 0, cap = 0, *work, n_work = 0;
	struct cpi *v = NULL;
	struct val (*in)[NREG], all_unk[NREG];
	uint8_t *queued;
	cs_insn *insn;
	long site = -1;

	if (!code)
		return -1;
	if (!c->cs) {
		if (cs_open(CS_ARCH_X86, CS_MODE_64, &c->cs) != CS_ERR_OK)
			return -1;
		cs_option(c->cs, CS_OPT_DETAIL, CS_OPT_ON);
	}
	insn = cs_malloc(c->cs);
	while (left) {
		if (!cs_disasm_iter(c->cs, &code, &left, &addr, insn)) {
			code++, left--, addr++;
			if (n)
				v[n - 1].fall = 0;
			continue;
		}
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		summarise(c->cs, insn, &v[n++]);
	}
	cs_free(insn, 1);
	for (size_t i = 0; i < n; i++)
		if (v[i].addr == s->addr)
			site = i;
	if (site < 0) {
		free(v);
		return -1;
	}
	for (int r = 0; r < NREG; r++)
		all_unk[r] = (struct val){ V_UNK, 0 };
	in = xcalloc(n, sizeof(*in));
	work = xmalloc((n + 1) * sizeof(*work));
	queued = xcalloc(n + 1, 1);
	/* Seeds: the start, and every instruction another way reaches:
	 * a jump from outside [lo, hi), a call, an indirect branch. */
	for (size_t i = 0; i < n; i++) {
		size_t j = lower_edge(c->jumps, c->n_jumps, v[i].addr);

		if (i == 0 && from_entry) {
			/* Whoever calls or jumps here passes its registers. */
			for (int r = 0; r < NREG; r++)
				in[0][r] = (struct val){ V_ENTRY, r };
			queued[0] = 1;
			work[n_work++] = 0;
			continue;
		}
		v[i].seed = i == 0 || is_entry(c, v[i].addr);
		for (; !v[i].seed && j < c->n_jumps && c->jumps[j].to == v[i].addr; j++)
			if (c->jumps[j].from < lo || c->jumps[j].from >= hi)
				v[i].seed = 1;
		if (v[i].seed) {
			merge(in[i], all_unk);
			queued[i] = 1;
			work[n_work++] = i;
		}
	}
	/* Bounded: each state only falls (none, constant, unknown). Code no
	 * path reaches (after a barrier: a jump table's target) starts with
	 * every register unknown, once the rest is done, as in cp_run(). */
	for (size_t steps = 0, seed = 1; steps < 64 * (n + 1); steps++) {
		size_t i;
		const struct cpi *ci;
		struct val o[NREG];
		long t = -1;

		if (!n_work) {
			for (; seed < n && (in[seed][0].k != V_NONE || v[seed - 1].fall); seed++)
				;
			if (seed >= n)
				break;
			merge(in[seed], all_unk);
			queued[seed] = 1;
			work[n_work++] = seed;
		}
		i = work[--n_work];
		queued[i] = 0;
		ci = &v[i];

		memcpy(o, in[i], sizeof(o));
		for (int r = 0; r < NREG; r++)
			if (ci->clobber >> r & 1)
				o[r] = (struct val){ V_UNK, 0 };
		if (ci->dst >= 0) {
			if (ci->src < 0)
				o[ci->dst] = (struct val){ V_CONST, ci->imm };
			else if (o[ci->src].k == V_ENTRY && ci->narrow)
				o[ci->dst] = o[ci->src];	/* the callee reads 32 bits of it */
			else
				o[ci->dst] = (struct val){ o[ci->src].k,
							   ci->narrow ? (uint32_t)o[ci->src].v : o[ci->src].v };
		}
		if (ci->fall && i + 1 < n && merge(in[i + 1], o) && !queued[i + 1]) {
			queued[i + 1] = 1;
			work[n_work++] = i + 1;
		}
		if (ci->jump && ci->target)
			t = insn_at(v, n, ci->target);
		if (t >= 0 && merge(in[t], o) && !queued[t]) {
			queued[t] = 1;
			work[n_work++] = t;
		}
		if (!n_work && seed >= n)
			break;
	}
	/* Unfinished (the bound): unknown, never a guess. */
	memcpy(out, n_work || in[site][0].k == V_NONE ? all_unk : in[site], sizeof(struct val) * NREG);
	free(queued);
	free(work);
	free(in);
	free(v);
	return 0;
}

/* Where to start reading for a site: the function that holds it, or its
 * last barrier when the function starts more than REGION bytes before. */
static uint64_t region_start(const struct code *c, uint64_t addr, const uint64_t *starts, size_t n_starts,
			     int *from_entry)
{
	size_t i = lower_u64(starts, n_starts, addr + 1), b = lower_u64(c->bars, c->n_bars, addr + 1);
	uint64_t fn = i ? starts[i - 1] : 0, bar = b ? c->bars[b - 1] : addr;

	*from_entry = fn && addr - fn <= REGION;
	if (*from_entry)
		return fn;
	/* Not further back than the window: what lies beyond is not kept.
	 * Nothing near: the site alone, whose registers are unknown. */
	return bar > fn && addr - bar <= REGION ? bar : addr;
}

static void add_row(struct sys_req *r, int call, int known, uint64_t req, const char *via)
{
	int64_t q = call == SYS_REQ_IOCTL ? (int64_t)(uint32_t)req : (int64_t)(int32_t)req;

	if (!known)
		q = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].call == call && r->v[i].known == known && r->v[i].request == q)
			return;
	r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof(*r->v));
	r->v[r->n++] = (struct sys_req_row){ call, known, q, xstrdup(via) };
}

/* A site's call and code: 0 when it is no site of the three (a syscall
 * whose number is another one, or unknown: the syscall set says so). */
static int site_code(const struct site *s, const struct val st[NREG], int *call, int *reg)
{
	if (s->type == S_WRAP) {
		*call = s->kind;
	} else {
		const struct val *nr = &st[s->type == S_RAW ? 0 : 7];

		if (nr->k != V_CONST)
			return 0;
		for (*call = 0; *call < SYS_REQ_NCALLS && call_nr[*call] != nr->v; ++*call)
			;
		if (*call == SYS_REQ_NCALLS)
			return 0;
	}
	if (s->reg >= 0)
		*reg = s->reg;
	else if (s->type == S_SCALL)
		*reg = *call == SYS_REQ_PRCTL ? 6 : 2;
	else
		*reg = *call == SYS_REQ_PRCTL ? 7 : 6;
	return 1;
}

/* Whether code at a has its address taken: by an instruction, or by a
 * relocation (searched here for a binary, which does not keep them). */
static int is_taken(const struct code *c, uint64_t a)
{
	if (has_u64(c->taken, c->n_taken, a))
		return 1;
	for (int i = 0; i < 2 && !c->want_graph; i++)
		for (uint64_t k = 0; c->rel_off[i] && k + sizeof(Elf64_Rela) <= c->rel_sz[i]; k += sizeof(Elf64_Rela)) {
			Elf64_Rela rl;

			memcpy(&rl, c->raw + c->rel_off[i] + k, sizeof(rl));
			if ((ELF64_R_TYPE(rl.r_info) == R_X86_64_RELATIVE || ELF64_R_TYPE(rl.r_info) == R_X86_64_IRELATIVE) &&
			    (uint64_t)rl.r_addend == a)
				return 1;
		}
	return 0;
}

static int is_exported(const struct code *c, uint64_t a)
{
	for (size_t i = 0; i < c->n_fns; i++)
		if (c->fns[i].addr == a && c->fns[i].exported)
			return 1;
	return 0;
}

/* The function at fn passes its caller's register reg as call's code:
 * each direct call or jump to it is a site. Returns how many. */
static size_t add_callers(struct code *c, uint64_t fn, int call, int reg)
{
	const struct edge *lists[2] = { c->calls, c->jumps };
	size_t ns[2] = { c->n_calls, c->n_jumps }, added = 0;

	for (int l = 0; l < 2; l++)
		for (size_t j = lower_edge(lists[l], ns[l], fn); j < ns[l] && lists[l][j].to == fn; j++) {
			const unsigned char *p = at(c, lists[l][j].from, 1);
			struct xd_insn d;
			int len;

			if (!p || (len = xd_decode(p, c->raw + c->size - p, 1, &d)) <= 0)
				continue;
			c->sites = xgrow(c->sites, &c->cap_sites, c->n_sites + 1, sizeof(*c->sites));
			c->sites[c->n_sites++] = (struct site){ lists[l][j].from, len, S_WRAP, call, reg };
			added++;
		}
	return added;
}

/* Whether a syscall instruction lies inside a wrapper the file defines
 * (its callers are the sites). */
static int in_wrapper(const struct code *c, uint64_t a)
{
	for (size_t i = 0; i < c->n_fns; i++)
		if (c->fns[i].kind >= 0 && c->fns[i].kind < SYS_REQ_NCALLS && a >= c->fns[i].addr &&
		    a < c->fns[i].addr + (c->fns[i].size ? c->fns[i].size : 64))
			return 1;
	return 0;
}

/* A site's code, attached: 'direct' rows for a binary; per function for
 * a library's map. */
struct found {
	uint64_t addr;
	uint8_t call, known;
	uint64_t req;
};

/* Whether the file calls a wrapper: its PLT stub or its own function
 * (c->wraps), or through a GOT slot (-fno-plt). */
static int has_wrapper(const struct code *c)
{
	if (c->n_wraps)
		return 1;
	for (size_t i = 0; i < c->n_slots; i++)
		if (c->slots[i].kind != K_OWN && c->slots[i].kind != K_NONE)
			return 1;
	return 0;
}

/* Whether the sweep meets a syscall instruction (the only sites of a
 * file without wrappers): a sweep that collects nothing, cheaper than
 * the one that builds a library's graph, and most libraries have none. */
static int has_raw_sites(struct code *c)
{
	size_t n;

	c->adding = 1;
	c->collect = 0;
	sweep(c);
	n = c->n_sites;
	c->n_sites = 0;
	c->adding = 0;
	c->movsxd4 = 0;
	return n > 0;
}

/*
 * Where sites may be, from the bytes alone, before anything is decoded:
 * a syscall (0f 05), a call or jump whose target is a wrapper (e8, e9,
 * eb), a call or jump through a wrapper's slot (ff 15, ff 25). Every site
 * has its bytes (a superset: most are inside other instructions), so a
 * file without any is done without a sweep, and a binary's sweep keeps
 * only the windows around them.
 */
static void candidates(struct code *c)
{
	/* sys_analyze()'s sweep has found the syscall instructions (in
	 * code sections only, at its instruction boundaries): only calls
	 * remain to be looked for, and none without a wrapper. */
	if (c->sys_known) {
		for (size_t i = 0; i < c->n_sys_addrs; i++) {
			const unsigned char *p = at(c, c->sys_addrs[i], 2);

			if (p && p[0] == 0x0f && p[1] == 0x05 && in_exec(c, c->sys_addrs[i]))
				add_u64(&c->anchors, &c->n_anchors, &c->cap_anchors, c->sys_addrs[i]);
		}
		if (!has_wrapper(c))
			return;
	}
	for (size_t s = 0; s < c->n_load; s++) {
		const GElf_Phdr *ph = &c->load[s];
		const unsigned char *p = at(c, ph->p_vaddr, ph->p_filesz);
		uint64_t n = ph->p_filesz, va = ph->p_vaddr;

		const unsigned char *done = p;

		if (!(ph->p_flags & PF_X) || !p)
			continue;
		for (uint64_t i = 0; i + 1 < n; i++) {
			int32_t rel;
			int hit = 0;

			if (!((uintptr_t)(p + i) & (PAGEOUT_CHUNK - 1)))
				sys_drop_upto(c->drop, &done, p + i);
			switch (p[i]) {
			case 0x0f:
				hit = !c->sys_known && p[i + 1] == 0x05;
				break;
			case 0xe8:
			case 0xe9:
				if (c->n_wraps && i + 5 <= n) {
					memcpy(&rel, p + i + 1, 4);
					hit = stub_kind(c, va + i + 5 + rel) != K_NONE;
				}
				break;
			case 0xeb:
				hit = c->n_wraps && stub_kind(c, va + i + 2 + (int8_t)p[i + 1]) != K_NONE;
				break;
			case 0xff:
				if (c->n_slots && (p[i + 1] == 0x15 || p[i + 1] == 0x25) && i + 6 <= n) {
					memcpy(&rel, p + i + 2, 4);
					hit = slot_kind(c, va + i + 6 + rel) != K_NONE;
				}
				break;
			}
			if (hit)
				add_u64(&c->anchors, &c->n_anchors, &c->cap_anchors, va + i);
		}
	}
	/* Segments in address order keep them sorted; sort anyway. */
	sort_v(c->anchors, c->n_anchors, sizeof(*c->anchors), cmp_u64);
}

/* Before a sweep that collects: what it fills starts empty, but for the
 * relocations' part of taken. */
static void gather_reset(struct code *c)
{
	c->n_jumps = c->n_calls = c->n_bars = c->n_entries = c->n_indirect = 0;
	c->n_taken = 0;
	for (size_t i = 0; i < c->n_taken_relocs; i++)
		add_u64(&c->taken, &c->n_taken, &c->cap_taken, c->taken_relocs[i]);
}

/* After it: sorted for searching; starts are the function starts the
 * file knows (symbols, initialisers, call targets). */
static void gather_done(struct code *c, uint64_t **starts, size_t *n_starts, size_t *cap)
{
	*n_starts = 0;
	sort_v(c->jumps, c->n_jumps, sizeof(*c->jumps), cmp_edge);
	sort_v(c->calls, c->n_calls, sizeof(*c->calls), cmp_edge);
	sort_v(c->bars, c->n_bars, sizeof(*c->bars), cmp_u64);
	for (size_t i = 0; i < c->n_fns; i++) {
		add_u64(starts, n_starts, cap, c->fns[i].addr);
		add_u64(&c->entries, &c->n_entries, &c->cap_entries, c->fns[i].addr);
	}
	for (size_t i = 0; i < c->n_init; i++)
		add_u64(starts, n_starts, cap, c->init[i]);
	for (size_t i = 0; i < c->n_calls; i++)
		if (!i || c->calls[i].to != c->calls[i - 1].to)
			add_u64(starts, n_starts, cap, c->calls[i].to);
	sort_v(*starts, *n_starts, sizeof(**starts), cmp_u64);
	sort_v(c->entries, c->n_entries, sizeof(*c->entries), cmp_u64);
	sort_v(c->taken, c->n_taken, sizeof(*c->taken), cmp_u64);
}

/* The pass's own sweep that finds the sites (first 0) and what they
 * need, or again for the sites from the first'th on (windowed: their
 * windows are added). */
static void gather(struct code *c, size_t first, uint64_t **starts, size_t *n_starts, size_t *cap)
{
	if (first) {
		for (size_t i = first; i < c->n_sites; i++)
			add_u64(&c->anchors, &c->n_anchors, &c->cap_anchors, c->sites[i].addr);
		sort_v(c->anchors, c->n_anchors, sizeof(*c->anchors), cmp_u64);
	}
	/* The first sweep finds the sites (about the candidates); later
	 * ones only widen the windows for the callers of wrappers. */
	c->adding = !first;
	gather_reset(c);
	c->collect = 1;
	sweep(c);
	gather_done(c, starts, n_starts, cap);
}

static void save_taken_relocs(struct code *c)
{
	c->n_taken_relocs = c->n_taken;
	c->taken_relocs = xmalloc((c->n_taken + 1) * sizeof(*c->taken_relocs));
	if (c->n_taken)
		memcpy(c->taken_relocs, c->taken, c->n_taken * sizeof(*c->taken));
}

/* The codes at the sites: swept, the sites and their windows are
 * collected already (streaming), else the pass sweeps for them. */
static size_t find_codes(struct code *c, int swept, uint64_t **starts_out, size_t *n_starts_out,
			 struct found **out)
{
	struct wrapper { uint64_t fn; int call, reg; } *wr = NULL;
	uint64_t *starts = NULL;
	size_t n_starts = 0, cap = 0, n = 0, capf = 0, n_wr = 0, cap_wr = 0;
	struct found *f = NULL;

	int rounds = 0;

	if (swept) {
		gather_done(c, &starts, &n_starts, &cap);
	} else {
		if (!c->taken_relocs)
			save_taken_relocs(c);
		gather(c, 0, &starts, &n_starts, &cap);
	}
	/* Sites found on the way (the callers of a wrapper) join the list:
	 * bounded, as wrappers of wrappers nest a few deep. */
	for (size_t i = 0; i < c->n_sites && i < 65536; i++) {
		struct site s;
		struct val st[NREG], *v;
		uint64_t lo;
		int call, reg, from_entry, unread = 0;

		/* A caller found outside the windows: sweep again with
		 * windows for it and the others found so far. */
		if (c->windowed && !keep(c, c->sites[i].addr)) {
			/* Each round sweeps the file again: not for a large
			 * one (its wrappers' codes are unknown). */
			if (rounds++ < (c->code_size > BIG_LIB ? 0 : 3))
				gather(c, i, &starts, &n_starts, &cap);
			unread = !keep(c, c->sites[i].addr);
		}
		s = c->sites[i];
		lo = region_start(c, s.addr, starts, n_starts, &from_entry);
		if (unread || propagate(c, lo, from_entry, &s, st))
			for (int r = 0; r < NREG; r++)
				st[r] = (struct val){ V_UNK, 0 };
		if (!site_code(&s, st, &call, &reg))
			continue;
		v = &st[reg];
		/* Inside ioctl(), fcntl() or prctl() itself, only a constant
		 * is its own (glibc's fcntl turns F_GETOWN into F_GETOWN_EX):
		 * the rest is its caller's code, spilled and reloaded or
		 * passed on, and its callers are the sites. */
		if (v->k != V_CONST && in_wrapper(c, s.addr))
			continue;
		if (v->k == V_ENTRY && c->approx) {
			/* Its callers are wanted, which the streamed calls
			 * do not tell: the pass's own sweep of the windows,
			 * and the sites read again. */
			c->approx = 0;
			gather(c, c->n_sites, &starts, &n_starts, &cap);
			n = n_wr = 0;
			i = (size_t)-1;
			continue;
		}
		if (v->k == V_ENTRY) {
			/* A wrapper of the file's own (glibc's internal
			 * __fcntl64_nocancel): its callers pass the code.
			 * Unknown too when others may call it (an export,
			 * address-taken code) or no call to it is seen. */
			size_t k;

			for (k = 0; k < n_wr && (wr[k].fn != lo || wr[k].call != call || wr[k].reg != (int)v->v); k++)
				;
			if (k < n_wr)
				continue;
			wr = xgrow(wr, &cap_wr, n_wr + 1, sizeof(*wr));
			wr[n_wr++] = (struct wrapper){ lo, call, v->v };
			if (!add_callers(c, lo, call, v->v) || is_exported(c, lo) || is_taken(c, lo))
				v->k = V_UNK;
			if (v->k == V_ENTRY)
				continue;
		}
		f = xgrow(f, &capf, n + 1, sizeof(*f));
		f[n++] = (struct found){ s.addr, call, v->k == V_CONST, v->v };
	}
	free(wr);
	*starts_out = starts;
	*n_starts_out = n_starts;
	*out = f;
	return n;
}

static int open_code(Elf *e, const unsigned char *raw, size_t size, struct code *c)
{
	GElf_Ehdr eh;
	size_t phnum;

	memset(c, 0, sizeof(*c));
	c->raw = raw;
	c->size = size;
	if (!gelf_getehdr(e, &eh) || eh.e_machine != EM_X86_64 || gelf_getclass(e) != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || elf_getphdrnum(e, &phnum))
		return -1;
	for (size_t i = 0; i < phnum && c->n_load < ARRAY_SIZE(c->load); i++) {
		GElf_Phdr *ph = &c->load[c->n_load];

		if (!gelf_getphdr(e, i, ph) || ph->p_type != PT_LOAD)
			continue;
		if (ph->p_flags & PF_X)
			c->code_size += ph->p_filesz;
		c->n_load++;
	}
	c->drop = sys_may_drop(raw, size);
	c->n_plt = sys_plt_ranges(e, c->plt, ARRAY_SIZE(c->plt));
	xd_init();
	return 0;
}

static void code_release(struct code *c)
{
	if (c->cs)
		cs_close(&c->cs);
	free(c->slots);
	free(c->stubs);
	free(c->wraps);
	free(c->fns);
	free(c->sites);
	free(c->jumps);
	free(c->calls);
	free(c->entries);
	free(c->bars);
	free(c->taken);
	free(c->indirect);
	free(c->anchors);
	free(c->taken_relocs);
	free(c->ring);
	free(c->calls_to.v);
	free(c->seeds.v);
}

/* ---- a binary's own sites ---- */

struct sys_req_pass {
	struct code c;
	struct sys_hook hook;
	struct sys_req *out;
	const unsigned char *raw;
	size_t size;
	int has_code, shared, drop;
	uint64_t *raw_sites;
};

/* The executable segments' extent, [*lo, *lo + *n): 0 when it is more
 * than 1 GiB (a hostile file: offsets of 30 bits, tset). */
static int code_extent(const struct code *c, uint64_t *lo, uint64_t *n)
{
	uint64_t l = UINT64_MAX, h = 0;

	for (size_t i = 0; i < c->n_load; i++)
		if (c->load[i].p_flags & PF_X && c->load[i].p_filesz) {
			uint64_t end = c->load[i].p_vaddr + c->load[i].p_filesz;

			if (end < c->load[i].p_vaddr)
				return 0;
			l = c->load[i].p_vaddr < l ? c->load[i].p_vaddr : l;
			h = end > h ? end : h;
		}
	if (h <= l || h - l > (1ull << 30))
		return 0;
	*lo = l;
	*n = h - l;
	return 1;
}

static void hook_range(void *ctx, uint64_t lo)
{
	struct code *c = ctx;

	if (c->swept && lo < c->cur)
		c->disorder = 1;
	c->swept = 1;
	c->cur = lo;
	if (c->collect)
		col_bar(c, lo);
}

/* A stream not to be read (none, or out of order): the pass starts
 * afresh with its own sweeps. */
static int stream_unread(struct code *c)
{
	if (c->swept && !c->disorder)
		return 0;
	c->n_sites = c->n_anchors = c->n_claimed = 0;
	c->streaming = c->collect = c->approx = 0;
	gather_reset(c);
	return 1;
}

static void hook_insn(void *ctx, const unsigned char *p, const struct xd_insn *d, uint64_t a)
{
	struct code *c = ctx;

	c->cur = a;
	if (c->n_claimed < c->n_anchors)
		claim(c, 0);
	one(c, p, d, a);
}

/* The sweep is over: the windows take what they need, and the sets and
 * the ring go before sys_analyze() builds its graph. */
static void hook_done(void *ctx)
{
	struct code *c = ctx;

	if (c->collect && c->streaming && c->swept && !c->disorder)
		stream_done(c);
}

struct sys_req_pass *sys_req_begin(Elf *e, const unsigned char *raw, size_t size, struct sys_req *out)
{
	struct sys_req_pass *p = xcalloc(1, sizeof(*p));
	struct code *c = &p->c;

	p->out = out;
	p->raw = raw;
	p->size = size;
	p->drop = sys_may_drop(raw, size);
	pseudo_files(e, raw, size, out);
	if (p->drop)
		sys_drop_all(raw, size);
	if (open_code(e, raw, size, c))
		return p;
	p->has_code = 1;
	out->class64 = 1;
	read_dynamic(e, c, out);
	read_symtab(e, c);
	find_stubs(c);
	save_taken_relocs(c);
	/* Without a wrapper to call, the only sites are syscall
	 * instructions: the sweep notes them and keeps nothing else. */
	c->streaming = c->adding = c->windowed = 1;
	c->collect = has_wrapper(c);
	if (c->collect && !code_extent(c, &c->bm_lo, &c->bm_n)) {
		/* No sweep to share: the pass's own (sys_req_end()). */
		return p;
	}
	p->shared = 1;
	p->hook = (struct sys_hook){ hook_range, hook_insn, hook_done, c, !c->collect };
	return p;
}

const struct sys_hook *sys_req_hook(struct sys_req_pass *p)
{
	return p && p->shared ? &p->hook : NULL;
}

/* Whether a syscall instruction of the file may be one of the three:
 * its number ioctl's, fcntl's, prctl's or not a constant. */
static int may_request(const struct sys_info *sys)
{
	if (!sys)
		return 1;
	for (int i = 0; i < SYS_REQ_NCALLS; i++)
		if (sys_set_has(&sys->direct, call_nr[i]))
			return 1;
	return sys_set_has(&sys->direct, SYS_UNKNOWN);
}

void sys_req_end(struct sys_req_pass *p, const struct sys_info *sys)
{
	struct code *c;
	struct found *f = NULL;
	uint64_t *starts = NULL;
	size_t n_starts, n = 0;

	if (!p)
		return;
	c = &p->c;
	/* What the analysis read itself: Go's stubs' requests. */
	for (size_t i = 0; sys && i < sys->n_req_sites; i++)
		add_row(p->out, sys->req_sites[i].call, sys->req_sites[i].known, sys->req_sites[i].req, "direct");
	if (!p->has_code)
		goto out;
	c->streaming = 0;
	if (stream_unread(c)) {
		/* No sweep of sys_analyze()'s to read: the pass's own. */
		candidates(c);
		if (c->n_anchors)
			n = find_codes(c, 0, &starts, &n_starts, &f);
	} else if (c->collect) {
		c->streaming = 1;
		stream_done(c);
		c->streaming = 0;
		if (c->n_sites)
			n = find_codes(c, 1, &starts, &n_starts, &f);
	} else if (c->n_sites && may_request(sys)) {
		/* Syscall instructions alone, and one of them may be a
		 * site: a sweep of the windows before them. */
		p->raw_sites = xmalloc(c->n_sites * sizeof(*p->raw_sites));
		for (size_t i = 0; i < c->n_sites; i++)
			p->raw_sites[i] = c->sites[i].addr;
		sort_v(p->raw_sites, c->n_sites, sizeof(*p->raw_sites), cmp_u64);
		c->sys_addrs = p->raw_sites;
		c->n_sys_addrs = c->n_sites;
		c->sys_known = 1;
		c->n_anchors = 0;
		for (size_t i = 0; i < c->n_sites; i++)
			add_u64(&c->anchors, &c->n_anchors, &c->cap_anchors, p->raw_sites[i]);
		c->n_sites = 0;
		n = find_codes(c, 0, &starts, &n_starts, &f);
	}
	for (size_t i = 0; i < n; i++)
		add_row(p->out, f[i].call, f[i].known, f[i].req, "direct");
	p->out->n_sites = c->n_sites;
	free(f);
	free(starts);
	free(p->raw_sites);
	code_release(c);
	if (p->drop)
		sys_drop_all(p->raw, p->size);
out:
	free(p);
}

/* ---- library maps ---- */


struct lib_fn {
	const char *name;
	struct found *codes;	/* shared with the map's list */
	size_t n;
};

struct lib_map {
	char *path;
	dev_t dev;
	ino_t ino;		/* 0: not known */
	char *strs;		/* the names */
	struct lib_fn *fn;	/* sorted by name */
	size_t n_fn;
	struct found *init;
	size_t n_init;
	char **needed;
	size_t n_needed;
	char *runpath;
	struct found **lists;
	size_t n_lists;
};

static int cmp_fn(const void *x, const void *y)
{
	return strcmp(((const struct lib_fn *)x)->name, ((const struct lib_fn *)y)->name);
}

static long node_of(const uint64_t *starts, size_t n, uint64_t a)
{
	size_t i = lower_u64(starts, n, a + 1);

	return i ? (long)i - 1 : -1;
}

static int cmp_found(const void *x, const void *y)
{
	const struct found *a = x, *b = y;

	if (a->call != b->call)
		return a->call - b->call;
	if (a->known != b->known)
		return a->known - b->known;
	return a->req < b->req ? -1 : a->req > b->req;
}

/* Gives each wanted node (an export's, an initialiser's) the codes of
 * the nodes it reaches: one reverse search per distinct code, from the
 * nodes that hold its sites, over the direct calls and jumps between
 * nodes and the indirect ones. f is sorted by code on return. */
static void carry(const struct code *c, const uint64_t *starts, size_t n_starts, struct found *f,
		  size_t n_f, const uint8_t *wanted, struct found ***codes, size_t **n_codes)
{
	struct edge *rev = NULL;
	size_t n_rev = 0, cap = 0, *stack = xmalloc((n_starts + 1) * sizeof(*stack));
	uint8_t *seen = xmalloc(n_starts + 1);
	const struct edge *lists[2] = { c->calls, c->jumps };
	size_t ns[2] = { c->n_calls, c->n_jumps };

	*codes = xcalloc(n_starts + 1, sizeof(**codes));
	*n_codes = xcalloc(n_starts + 1, sizeof(**n_codes));
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < ns[l]; i++) {
			long a = node_of(starts, n_starts, lists[l][i].from), b = node_of(starts, n_starts, lists[l][i].to);

			if (a >= 0 && b >= 0 && a != b)
				add_edge(&rev, &n_rev, &cap, a, b);	/* to: callee, from: caller */
		}
	/* Indirect calls lead to every address-taken function (sysfilter's
	 * policy, as sys_analyze.c's): through one node, n_starts. */
	for (size_t i = 0; i < c->n_indirect; i++) {
		long a = node_of(starts, n_starts, c->indirect[i]);

		if (a >= 0)
			add_edge(&rev, &n_rev, &cap, a, n_starts);
	}
	for (size_t i = 0; i < c->n_taken; i++) {
		long b = node_of(starts, n_starts, c->taken[i]);

		if (b >= 0 && in_exec(c, c->taken[i]) && (!i || c->taken[i] != c->taken[i - 1]))
			add_edge(&rev, &n_rev, &cap, n_starts, b);
	}
	sort_v(rev, n_rev, sizeof(*rev), cmp_edge);
	sort_v(f, n_f, sizeof(*f), cmp_found);
	for (size_t k = 0, g; k < n_f; k = g) {
		size_t sp = 0;

		memset(seen, 0, n_starts + 1);
		for (g = k; g < n_f && !cmp_found(&f[g], &f[k]); g++) {
			long s = node_of(starts, n_starts, f[g].addr);

			if (s >= 0 && !seen[s]) {
				seen[s] = 1;
				stack[sp++] = s;
			}
		}
		while (sp) {
			size_t nd = stack[--sp];

			if (wanted[nd]) {
				(*codes)[nd] = xrealloc((*codes)[nd], ((*n_codes)[nd] + 1) * sizeof(***codes));
				(*codes)[nd][(*n_codes)[nd]++] = f[k];
			}
			for (size_t j = lower_edge(rev, n_rev, nd); j < n_rev && rev[j].to == nd; j++)
				if (!seen[rev[j].from]) {
					seen[rev[j].from] = 1;
					stack[sp++] = rev[j].from;
				}
		}
	}
	free(rev);
	free(stack);
	free(seen);
}

static int cmp_list(const void *x, const void *y, void *arg)
{
	struct found **codes = ((void **)arg)[0];
	size_t *n = ((void **)arg)[1], a = *(const size_t *)x, b = *(const size_t *)y;

	if (n[a] != n[b])
		return n[a] < n[b] ? -1 : 1;
	for (size_t i = 0; i < n[a]; i++) {
		int d = cmp_found(&codes[a][i], &codes[b][i]);

		if (d)
			return d;
	}
	return 0;
}

/* Equal lists, one copy: most exports of a library reach the same codes
 * (everything its indirect calls reach), and a map lives as long as the
 * process. */
static void share_lists(struct found **codes, size_t *n, size_t count)
{
	size_t *ord = xmalloc((count + 1) * sizeof(*ord)), k = 0;
	void *arg[2] = { codes, n };

	for (size_t i = 0; i < count; i++)
		if (n[i])
			ord[k++] = i;
	qsort_r(ord, k, sizeof(*ord), cmp_list, arg);
	for (size_t i = 1; i < k; i++)
		if (!cmp_list(&ord[i - 1], &ord[i], arg)) {
			free(codes[ord[i]]);
			codes[ord[i]] = codes[ord[i - 1]];
		}
	free(ord);
}

/* A map's reading of its file: what comes before the code. */
static void map_begin(struct lib_map *m, Elf *e, struct code *c)
{
	struct sys_req r = { 0 };

	/* A library of more code than BIG_LIB gives each export all the
	 * codes it holds: no graph, which would hold hundreds of MB for
	 * libLLVM (a coarse answer, not a wrong one). */
	c->want_graph = c->code_size <= BIG_LIB;
	c->windowed = !c->want_graph;
	read_dynamic(e, c, &r);
	read_symtab(e, c);
	find_stubs(c);
	save_taken_relocs(c);
	m->needed = r.needed;
	m->n_needed = r.n_needed;
	m->runpath = r.runpath;
	r.needed = NULL;
	r.n_needed = 0;
	r.runpath = NULL;
	sys_req_release(&r);
}

/* The codes at the sites, carried to the exports and initialisers: the
 * sites and what they need collected already (swept), else found by the
 * pass's own sweeps. */
static void map_finish(struct lib_map *m, struct code *c, int swept)
{
	struct found *f = NULL, **codes = NULL;
	uint64_t *starts = NULL;
	size_t n_starts = 0, n_f = 0, *n_codes = NULL, strs_len = 0;
	uint8_t *wanted;

	n_f = find_codes(c, swept, &starts, &n_starts, &f);
	if (!c->want_graph || !n_starts) {
		/* One node: every address is in it. */
		free(starts);
		starts = xcalloc(1, sizeof(*starts));
		n_starts = 1;
	}
	wanted = xcalloc(n_starts + 1, 1);
	for (size_t i = 0; i < c->n_fns + c->n_init; i++) {
		long nd = node_of(starts, n_starts, i < c->n_fns ? c->fns[i].addr : c->init[i - c->n_fns]);

		if (nd >= 0 && (i >= c->n_fns || c->fns[i].exported))
			wanted[nd] = 1;
	}
	carry(c, starts, n_starts, f, n_f, wanted, &codes, &n_codes);
	free(wanted);
	share_lists(codes, n_codes, n_starts + 1);
	for (size_t i = 0; i < c->n_fns; i++)
		if (c->fns[i].exported)
			strs_len += strlen(c->fns[i].name) + 1;
	m->strs = xmalloc(strs_len + 1);
	m->fn = xcalloc(c->n_fns + 1, sizeof(*m->fn));
	strs_len = 0;
	for (size_t i = 0; i < c->n_fns; i++) {
		long nd = node_of(starts, n_starts, c->fns[i].addr);

		if (!c->fns[i].exported || nd < 0 || !n_codes[nd])
			continue;
		m->fn[m->n_fn].name = strcpy(m->strs + strs_len, c->fns[i].name);
		strs_len += strlen(c->fns[i].name) + 1;
		m->fn[m->n_fn].codes = codes[nd];
		m->fn[m->n_fn++].n = n_codes[nd];
	}
	sort_v(m->fn, m->n_fn, sizeof(*m->fn), cmp_fn);
	for (size_t i = 0; i < c->n_init; i++) {
		long nd = node_of(starts, n_starts, c->init[i]);

		for (size_t k = 0; nd >= 0 && k < n_codes[nd]; k++) {
			m->init = xrealloc(m->init, (m->n_init + 1) * sizeof(*m->init));
			m->init[m->n_init++] = codes[nd][k];
		}
	}
	m->lists = codes;
	m->n_lists = n_starts + 1;
	free(n_codes);
	free(f);
	free(starts);
}

/* Without a wrapper to call, a library's sites can only be syscall
 * instructions (random 0f 05 bytes make nearly every library a
 * candidate): none, no sites, and no graph to build. */
static void map_alone(struct lib_map *m, struct code *c)
{
	if (has_wrapper(c) || has_raw_sites(c))
		candidates(c);
	if (c->n_anchors)
		map_finish(m, c, 0);
}

static struct lib_map *map_file(const char *path)
{
	struct lib_map *m = xcalloc(1, sizeof(*m));
	struct code c;
	struct stat st;
	void *raw = MAP_FAILED;
	Elf *e = NULL;
	int fd;

	m->path = xstrdup(path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return m;
	if (fstat(fd, &st) || st.st_size < 64 ||
	    (raw = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED ||
	    !(e = elf_memory(raw, st.st_size)) || open_code(e, raw, st.st_size, &c))
		goto out;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	map_begin(m, e, &c);
	map_alone(m, &c);
	code_release(&c);
out:
	if (e)
		elf_end(e);
	if (raw != MAP_FAILED)
		munmap(raw, st.st_size);
	close(fd);
	return m;
}

/* The process's maps, by path and by file: made once, never freed (as
 * sys_resolve.c's cache). */
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lib_map **maps;
static size_t n_maps, cap_maps;

static struct lib_map *find_map(const char *path, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < n_maps; i++)
		if ((path && !strcmp(maps[i]->path, path)) || (ino && maps[i]->ino == ino && maps[i]->dev == dev))
			return maps[i];
	return NULL;
}

static void add_map(struct lib_map *m)
{
	pthread_mutex_lock(&maps_lock);
	maps = xgrow(maps, &cap_maps, n_maps + 1, sizeof(*maps));
	maps[n_maps++] = m;
	pthread_mutex_unlock(&maps_lock);
}

static const struct lib_map *map_of(const char *path)
{
	struct lib_map *m;
	struct stat st;
	int known = !stat(path, &st);

	pthread_mutex_lock(&maps_lock);
	m = find_map(path, known ? st.st_dev : 0, known ? st.st_ino : 0);
	pthread_mutex_unlock(&maps_lock);
	if (m)
		return m;
	/* Made outside the lock (two threads may both make it: one is kept). */
	m = map_file(path);
	add_map(m);
	return m;
}

/* ---- a library's map beside sys_resolve.c's ---- */

struct sys_req_lib {
	struct lib_map *m;
	struct code c;
	struct sys_hook hook;
};

static void lib_hook_range(void *ctx, uint64_t lo)
{
	hook_range(&((struct sys_req_lib *)ctx)->c, lo);
}

static void lib_hook_insn(void *ctx, const unsigned char *p, const struct xd_insn *d, uint64_t a)
{
	hook_insn(&((struct sys_req_lib *)ctx)->c, p, d, a);
}

static void lib_hook_done(void *ctx)
{
	hook_done(&((struct sys_req_lib *)ctx)->c);
}

struct sys_req_lib *sys_req_lib_begin(const char *path, int fd, Elf *e, const unsigned char *raw, size_t size)
{
	struct sys_req_lib *l;
	struct code *c;
	struct stat st;
	int have;

	if (fstat(fd, &st))
		return NULL;
	pthread_mutex_lock(&maps_lock);
	have = find_map(NULL, st.st_dev, st.st_ino) != NULL;
	pthread_mutex_unlock(&maps_lock);
	if (have)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	c = &l->c;
	if (open_code(e, raw, size, c)) {
		free(l);
		return NULL;
	}
	l->m = xcalloc(1, sizeof(*l->m));
	l->m->path = xstrdup(path);
	l->m->dev = st.st_dev;
	l->m->ino = st.st_ino;
	map_begin(l->m, e, c);
	c->adding = 1;
	/* With a wrapper the sweep collects (a large library's windows
	 * stream, as a binary's); without one it notes syscalls alone. */
	c->collect = has_wrapper(c);
	if (c->collect && c->windowed) {
		if (!code_extent(c, &c->bm_lo, &c->bm_n)) {
			c->collect = 0;
			l->hook.insn = NULL;
			return l;
		}
		c->streaming = 1;
	}
	l->hook = (struct sys_hook){ lib_hook_range, lib_hook_insn, lib_hook_done, l, !c->collect };
	return l;
}

const struct sys_hook *sys_req_lib_hook(struct sys_req_lib *l)
{
	return l && l->hook.insn ? &l->hook : NULL;
}

void sys_req_lib_end(struct sys_req_lib *l, int swept)
{
	struct code *c;

	if (!l)
		return;
	c = &l->c;
	if (!swept || !l->hook.insn)
		c->swept = 0;	/* the analysis failed, or the pass had no hook to give */
	if (stream_unread(c)) {
		/* Not read beside: alone, from the start. */
		map_alone(l->m, c);
	} else if (c->collect) {
		if (c->streaming)
			stream_done(c);
		c->streaming = 0;
		if (c->n_sites)
			map_finish(l->m, c, 1);
	} else if (c->n_sites) {
		/* Syscall instructions alone: they are the candidates. */
		c->n_anchors = 0;
		for (size_t i = 0; i < c->n_sites; i++)
			add_u64(&c->anchors, &c->n_anchors, &c->cap_anchors, c->sites[i].addr);
		sort_v(c->anchors, c->n_anchors, sizeof(*c->anchors), cmp_u64);
		c->sys_addrs = c->anchors;
		c->n_sys_addrs = c->n_anchors;
		c->sys_known = 1;
		c->n_sites = 0;
		map_finish(l->m, c, 0);
	}
	code_release(c);
	add_map(l->m);
	free(l);
}

/* The library the dynamic linker would find for a DT_NEEDED name, in the
 * default directories of x86-64 Debian (no RPATH, RUNPATH, ld.so.cache
 * extras). */
static int is_file(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* In the directories of a RUNPATH, $ORIGIN the directory of from. */
static int in_runpath(const char *name, const char *runpath, const char *from, char *out, size_t size)
{
	const char *slash = from ? strrchr(from, '/') : NULL;
	int olen = slash ? (int)(slash - from) : 1;
	const char *origin = slash ? from : ".";

	for (const char *p = runpath; p && *p;) {
		const char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char dir[4096];

		if (l >= 7 && !strncmp(p, "$ORIGIN", 7))
			snprintf(dir, sizeof(dir), "%.*s%.*s", olen, origin, (int)(l - 7), p + 7);
		else if (l >= 9 && !strncmp(p, "${ORIGIN}", 9))
			snprintf(dir, sizeof(dir), "%.*s%.*s", olen, origin, (int)(l - 9), p + 9);
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)l, p);
		l = snprintf(out, size, "%s/%s", dir, name);
		if (l < size && is_file(out))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int find_lib(const char *name, const char *runpath, const char *from, char *out, size_t size)
{
	static const char *const dirs[] = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
					    "/usr/lib64", "/lib", "/usr/lib" };

	if (strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		return is_file(out);
	}
	if (in_runpath(name, runpath, from, out, size))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(out, size, "%s/%s", dirs[i], name);
		if (is_file(out))
			return 1;
	}
	return 0;
}

void sys_req_resolve(struct sys_req *r, const char *from)
{
	const struct lib_map *load[256];
	const char *names[256];
	size_t n_load = 0;
	char path[4096];

	if (!r->class64)
		return;
	/* Breadth first, as ld.so loads them. */
	for (size_t i = 0; i < r->n_needed && n_load < ARRAY_SIZE(load); i++) {
		names[n_load] = r->needed[i];
		if (find_lib(r->needed[i], r->runpath, from, path, sizeof(path)))
			load[n_load++] = map_of(path);
	}
	for (size_t k = 0; k < n_load; k++)
		for (size_t i = 0; i < load[k]->n_needed && n_load < ARRAY_SIZE(load); i++) {
			const char *nm = load[k]->needed[i];
			const struct lib_map *m;
			size_t j;

			if (!find_lib(nm, load[k]->runpath, load[k]->path, path, sizeof(path)))
				continue;
			m = map_of(path);
			for (j = 0; j < n_load && load[j] != m; j++)
				;
			if (j == n_load) {
				names[n_load] = nm;
				load[n_load++] = m;
			}
		}
	for (size_t i = 0; i < r->n_imports; i++)
		for (size_t k = 0; k < n_load; k++) {
			struct lib_fn key = { .name = r->imports[i] };
			const struct lib_fn *fn = load[k]->n_fn ?
				bsearch(&key, load[k]->fn, load[k]->n_fn, sizeof(key), cmp_fn) : NULL;

			if (!fn)
				continue;
			for (size_t q = 0; q < fn->n; q++)
				add_row(r, fn->codes[q].call, fn->codes[q].known, fn->codes[q].req, r->imports[i]);
			break;
		}
	for (size_t k = 0; k < n_load; k++)
		for (size_t q = 0; q < load[k]->n_init; q++)
			add_row(r, load[k]->init[q].call, load[k]->init[q].known, load[k]->init[q].req, names[k]);
}

void sys_req_release(struct sys_req *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].via);
	for (size_t i = 0; i < r->n_paths; i++)
		free(r->paths[i]);
	for (size_t i = 0; i < r->n_imports; i++)
		free(r->imports[i]);
	for (size_t i = 0; i < r->n_needed; i++)
		free(r->needed[i]);
	free(r->runpath);
	free(r->v);
	free(r->paths);
	free(r->imports);
	free(r->needed);
	memset(r, 0, sizeof(*r));
}
