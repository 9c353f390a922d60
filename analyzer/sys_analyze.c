/*
 * One ELF file's code, read for the system calls it can issue (issue 17).
 *
 * The file is read as the dynamic linker and the CPU see it, through the
 * program headers: executable PT_LOAD segments are decoded linearly, the
 * dynamic section gives DT_NEEDED, the symbols, the relocations and the
 * initialisers, so an sstripped file (no section headers) reads as any
 * other. Section headers, when present, add only .symtab's function
 * starts and, in a static binary, the relocations the linker left there
 * (IRELATIVE).
 *
 * Decoding (the per-architecture part, behind struct sys_arch) sweeps
 * the code with a length decoder of our own (sys_x86.c: capstone with
 * operand details reads 4-5 MB/s, a tenth of what xz hands a scan) and
 * turns instructions into a few kinds of events: a syscall site, direct
 * calls and jumps, calls and jumps through a memory slot (the GOT: PLT
 * stubs, -fno-plt calls), indirect ones, and code addresses taken by an
 * instruction. The number of a syscall site (rax; eax for int 0x80 and
 * i386's call *%gs:0x10) and the first argument of a call to libc's
 * syscall() (edi; i386: the word at 0(%esp), the stack's first words
 * being tracked too) come from constant propagation over the function
 * that holds them, decoded again by capstone with details (cp_run(): few
 * functions hold a site): constants loaded (mov $imm, xor of a register
 * with itself) and copied between registers along fallthrough and direct
 * jumps, merged where paths meet; anything else is unknown, never
 * guessed. AArch64 (arm64_decode(), sys_arm64.c) is swept and propagated
 * by bit masks into the same events: svc #0 with x8, bl, b and the
 * conditional branches, blr/br through a GOT slot an adrp+ldr loaded,
 * adr and adrp+add for address-taken code.
 * A dynamically linked executable needs no call graph (its set
 * is its sites and its imports'): only its sites and its calls to
 * syscall() are kept, each read from an instruction boundary of the
 * sweep some way before it (read_from()).
 *
 * The call graph's nodes are functions, as far as the file tells their
 * starts: symbols (.dynsym, .symtab), the entry point, initialisers,
 * direct call targets and address-taken code; a node runs to the next
 * start. A jump or a call out of a node is an edge (tail calls included),
 * a node that runs into the next without a ret, jmp, hlt or ud2 before
 * padding, nor a call to a function that does not return, has an edge to
 * it. Indirect calls, and indirect jumps that are not jump tables, go to
 * one node, INDIRECT, whose edges lead to every function whose address
 * the file's data holds (in a relocation, DT_RELR's included, in an
 * initialiser array, or in a non-PIE file's data) and to the imported
 * functions the file holds a pointer to (GLOB_DAT, R_X86_64_64); code
 * whose address an instruction loads is reached by the function that
 * loads it (see build_graph()), and labels inside a function (FDEs,
 * sys_ehframe.c) by their function only. libc's libio vtable calls go to
 * VTABLE, the code __libc_IO_vtables holds (find_vt_calls()). A jump table is an
 * indirect jmp through a scaled index (non-PIE) or through a register
 * loaded by movslq from a scaled index (PIE): it stays in its function.
 * A function reaches the code whose address it takes (a callback it
 * registers, the signal restorer sigaction hands the kernel, the
 * implementations an IFUNC resolver chooses from).
 * Jumps through the GOT's slot of the dynamic linker's resolver (lazy
 * binding) are the dynamic loader's part, counted with it.
 *
 * The closure (Tarjan's strongly connected components, each component's
 * set the union of its nodes' and its successors') gives what each
 * exported function and the entry point reach, as syscalls plus imported
 * functions, for sys_resolve() to bind.
 */
#include "analyzer/sys.h"
#include "analyzer/scan.h"
#include "analyzer/sys_arm64.h"
#include "analyzer/sys_go.h"
#include "analyzer/sys_int.h"
#include "analyzer/sys_req.h"
#include "analyzer/sys_x86.h"
#include "common/common.h"

#include <capstone/capstone.h>
#include <xxhash.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* EV_SCALL: a call to syscall() (only without the full graph, where calls
 * are not kept: target is where to start reading for its number, as for
 * EV_SYS there). */
enum ev_kind {
	EV_SYS, EV_CALL, EV_JMP, EV_SLOTCALL, EV_SLOTJMP, EV_INDCALL, EV_INDJMP, EV_AT, EV_SCALL, EV_VTCALL, EV_CBCALL
};

/*
 * One event of the code, in 16 bytes (libMLIR has 1.9 million). at: its
 * address less the lowest code address (code spans under 4 GiB). target:
 * what the kind says (a call's target, a slot's address, an indirect
 * call's slot form, where a number is read from). len: to the end of the
 * instruction and any padding that follows it (at most 64 KiB: a shorter
 * end only keeps an edge that falling through would add).
 */
struct ev {
	uint64_t target;
	uint32_t at;
	uint16_t len;
	uint8_t kind : 4;
	uint8_t foreign : 1;	/* EV_SYS of another ABI's numbers (int 0x80 in 64-bit code) */
	uint8_t req : 2;	/* EV_SCALL: 0 syscall(), else 1 + the call of i386's ioctl, fcntl, prctl */
};

/* A slot of the GOT (or any word a relocation fills) and what it holds. */
enum { SLOT_IMPORT, SLOT_CODE, SLOT_RESOLVER };
struct slot {
	uint64_t addr, value;	/* value: the import's index, or a code address */
	int kind;
};

struct range {
	uint64_t lo, hi;	/* [lo, hi) */
};

struct an {
	Elf *e;
	const unsigned char *raw;
	size_t size;
	GElf_Ehdr eh;
	int class64, is_pie_or_lib;
	const struct sys_arch *arch;
	struct sys_info *out;
	int full;	/* the call graph is wanted (else only syscall sites and syscall() calls) */
	const struct sys_hook *hook;	/* reads the sweep too */
	/* The GOT slots of the import syscall (and i386's ioctl, fcntl,
	 * prctl: their kind is 1 + enum sys_req_call, 0 for syscall), and
	 * the PLT stubs that jump through them. */
	uint64_t syscall_slot[8];
	uint8_t syscall_slot_kind[8];
	uint64_t syscall_stub[32];
	uint8_t syscall_stub_kind[32];
	int n_syscall_slot, n_syscall_stub;
	int drop;	/* a large file mapping: drop its pages once read */
	GElf_Phdr *load;
	size_t n_load;
	struct range *exec;
	size_t n_exec;
	uint64_t code_base;	/* the lowest code address: events' origin */
	/* Dynamic section. */
	uint64_t dyn[DT_NUM];
	uint64_t pltgot, init_array, init_arraysz, fini_array, fini_arraysz, preinit, preinitsz;
	/* Dynamic symbols: index -> import (or -1) and defined function address. */
	int32_t *sym_import, *sym_export;
	size_t n_dynsym;
	/* Starts of functions, and what they are. */
	uint64_t *starts;
	size_t n_starts, cap_starts;
	uint64_t *noret;	/* functions that do not return (named in .symtab) */
	size_t n_noret, cap_noret;
	uint64_t *syscall_fns;	/* a local syscall() (static binaries' .symtab) */
	size_t n_syscall_fns, cap_syscall_fns;
	/* Address-taken code, and imports whose address is taken. */
	uint64_t *at;
	size_t n_at, cap_at;
	uint64_t *inits;	/* the initialiser and finaliser arrays' entries */
	size_t n_inits, cap_inits;
	uint32_t *at_imports;
	size_t n_at_imports, cap_at_imports;
	struct slot *slots;
	size_t n_slots, cap_slots;
	struct ev *ev;
	size_t n_ev, cap_ev;
	/* Barriers: [lo, hi]: right after an instruction that does not fall
	 * through, padding included. */
	struct range *bar;
	size_t n_bar, cap_bar;
	/* Version index -> name, in out->strs. */
	uint32_t *vername;
	size_t n_vername;
	/* Exports: dynsym index, address, type. */
	struct { uint32_t sym; uint64_t addr; int func; } *exp;
	size_t cap_exp, cap_imports, cap_needed;
	/* A Go binary (sys_go.c): its functions and syscall stubs. */
	struct sys_go *go;
	struct sys_go_cache go_cache;
	/* Function extents from .eh_frame (sys_ehframe.c), the symbols'
	 * function starts, the FDEs that hold a computed goto. */
	struct sys_fde *fde;
	size_t n_fde;
	uint64_t *syms;
	size_t n_syms, cap_syms;
	uint64_t *labels;	/* address-taken code inside a function */
	size_t n_labels, cap_labels;
	uint8_t *gotos;
	/* libc's __libc_IO_vtables, and the code its jump tables hold. */
	uint64_t vt_lo, vt_hi;
	uint64_t *vt_fns;
	size_t n_vt_fns, cap_vt_fns;
	uint64_t *vt_checks;	/* where code loads the section's bounds */
	size_t n_vt_checks, cap_vt_checks;
	/* libc's 8-byte loads and stores of variables (rip-relative), and
	 * its pointer demanglings (var VAR_DEMANGLE): find_callbacks(). */
	struct var_ref { uint64_t at, var; } *vars;
	size_t n_vars, cap_vars;
};

/* Per architecture: the ABI, capstone's mode, the decoder, the registers
 * that hold a syscall's number and syscall()'s first argument (in
 * constant propagation's numbering: x86's rax 0, rdi 7; AArch64's x8, x0),
 * and how far into a PLT stub its jump through the GOT lies. */
struct sys_arch {
	unsigned em;
	int class64;
	enum sys_abi abi;
	cs_arch cs;
	cs_mode mode;
	int (*decode)(struct an *a);
	int nr_reg, arg_reg;
	unsigned stub_len;
};

static int x86_decode(struct an *a);
static int arm64_decode(struct an *a);

static const struct sys_arch arches[] = {
	{ EM_X86_64, 1, SYS_ABI_X86_64, CS_ARCH_X86, CS_MODE_64, x86_decode, 0, 7, 16 },
	{ EM_386, 0, SYS_ABI_I386, CS_ARCH_X86, CS_MODE_32, x86_decode, 0, 7, 16 },
	/* adrp, ldr, add, br; a bti c before them with -mbranch-protection. */
	{ EM_AARCH64, 1, SYS_ABI_AARCH64, CS_ARCH_ARM64, CS_MODE_ARM, arm64_decode, 8, 0, 20 },
};

enum sys_abi sys_elf_abi(Elf *e)
{
	GElf_Ehdr eh;
	int class64 = gelf_getclass(e) == ELFCLASS64;

	if (!gelf_getehdr(e, &eh))
		return SYS_ABI_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (arches[i].em == eh.e_machine && arches[i].class64 == class64 && arches[i].decode)
			return arches[i].abi;
	return SYS_ABI_NONE;
}

/* ---- small helpers ---- */

static uint32_t str_add(struct sys_info *s, const char *p)
{
	size_t n = strlen(p), off;

	if (!s->strs_len) {
		s->strs = xgrow(s->strs, &s->strs_cap, 1, 1);
		s->strs[0] = 0;
		s->strs_len = 1;
	}
	if (!n)
		return 0;
	s->strs = xgrow(s->strs, &s->strs_cap, s->strs_len + n + 1, 1);
	off = s->strs_len;
	memcpy(s->strs + off, p, n + 1);
	s->strs_len += n + 1;
	return off;
}

static void push_u64(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	*v = xgrow(*v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = x;
}

/* An array grown by doubling, cut to its n elements: of libMLIR's 2 M
 * starts pushed (call targets, with repeats), 194,000 remain. */
static void *shrink(void *p, size_t *cap, size_t n, size_t size)
{
	if (n == *cap || !n)
		return p;
	*cap = n;
	return xrealloc(p, n * size);
}

static size_t sort_unique(uint64_t *v, size_t n)
{
	size_t k = 0;

	sys_sort_u64(v, n);
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

static int has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == x;
}

static int in_exec(const struct an *a, uint64_t addr)
{
	for (size_t i = 0; i < a->n_exec; i++)
		if (addr >= a->exec[i].lo && addr < a->exec[i].hi)
			return 1;
	return 0;
}

/* The file bytes at addr, n of them, or NULL. */
static const unsigned char *at_addr(const struct an *a, uint64_t addr, uint64_t n)
{
	for (size_t i = 0; i < a->n_load; i++) {
		const GElf_Phdr *p = &a->load[i];

		if (addr >= p->p_vaddr && addr - p->p_vaddr < p->p_filesz && n <= p->p_filesz - (addr - p->p_vaddr) &&
		    p->p_offset <= a->size && addr - p->p_vaddr + n <= a->size - p->p_offset)
			return a->raw + p->p_offset + (addr - p->p_vaddr);
	}
	return NULL;
}

static int word_at(const struct an *a, uint64_t addr, uint64_t *v)
{
	int n = a->class64 ? 8 : 4, msb = a->eh.e_ident[EI_DATA] == ELFDATA2MSB;
	const unsigned char *p = at_addr(a, addr, n);

	if (!p)
		return -1;
	*v = 0;
	for (int i = 0; i < n; i++)
		*v |= (uint64_t)p[msb ? i : n - 1 - i] << 8 * (n - 1 - i);
	return 0;
}

static void add_at(struct an *a, uint64_t addr)
{
	if (a->full && in_exec(a, addr))
		push_u64(&a->at, &a->n_at, &a->cap_at, addr);
}

/* ---- the dynamic section, symbols, versions ---- */

static void read_phdrs(struct an *a)
{
	size_t n;

	if (elf_getphdrnum(a->e, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(a->e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		a->load = xrealloc(a->load, (a->n_load + 1) * sizeof(*a->load));
		a->load[a->n_load++] = ph;
		if (ph.p_flags & PF_X) {
			a->exec = xrealloc(a->exec, (a->n_exec + 1) * sizeof(*a->exec));
			a->exec[a->n_exec++] = (struct range){ ph.p_vaddr, ph.p_vaddr + ph.p_filesz };
		}
	}
}

/*
 * Code is what executable sections hold, when the file has section
 * headers: gold and older linkers put the symbol tables, relocations,
 * .rodata and .eh_frame in the one executable segment with .text (a
 * sweep of libLLVM's found 650 "syscall sites" in its data). Without
 * sections, the tables the dynamic section and the program headers place
 * are cut out of the executable segments (cut_tables()); .rodata stays.
 */
static void code_sections(struct an *a)
{
	struct range *v = NULL;
	size_t shnum, n = 0;

	if (elf_getshdrnum(a->e, &shnum) || !shnum)
		return;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(a->e, scn));) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    !(sh.sh_flags & SHF_ALLOC) || !sh.sh_size)
			continue;
		for (size_t i = 0; i < a->n_exec; i++) {
			uint64_t lo = sh.sh_addr > a->exec[i].lo ? sh.sh_addr : a->exec[i].lo;
			uint64_t hi = sh.sh_addr + sh.sh_size < a->exec[i].hi ? sh.sh_addr + sh.sh_size : a->exec[i].hi;

			if (lo < hi) {
				v = xrealloc(v, (n + 1) * sizeof(*v));
				v[n++] = (struct range){ lo, hi };
			}
		}
	}
	if (!n) {
		free(v);
		return;
	}
	free(a->exec);
	a->exec = v;
	a->n_exec = n;
}

/* Takes [lo, hi) out of the code ranges. */
static void exec_cut(struct an *a, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; lo < hi && i < a->n_exec; i++) {
		struct range r = a->exec[i];

		if (hi <= r.lo || lo >= r.hi)
			continue;
		if (lo > r.lo && hi < r.hi) {
			a->exec = xrealloc(a->exec, (a->n_exec + 1) * sizeof(*a->exec));
			memmove(a->exec + i + 2, a->exec + i + 1, (a->n_exec - i - 1) * sizeof(*a->exec));
			a->exec[i] = (struct range){ r.lo, lo };
			a->exec[i + 1] = (struct range){ hi, r.hi };
			a->n_exec++;
			i++;
		} else if (lo <= r.lo && hi >= r.hi) {
			a->exec[i].hi = a->exec[i].lo;	/* empty */
		} else if (lo <= r.lo) {
			a->exec[i].lo = hi;
		} else {
			a->exec[i].hi = lo;
		}
	}
}

static void cut_tables(struct an *a, const struct elf_dyn_tables *t)
{
	size_t shnum, n;
	const struct { uint64_t addr, size; } tabs[] = {
		{ a->dyn[DT_SYMTAB], t->sym_size }, { a->dyn[DT_STRTAB], a->dyn[DT_STRSZ] },
		{ a->dyn[DT_RELA], a->dyn[DT_RELASZ] }, { a->dyn[DT_REL], a->dyn[DT_RELSZ] },
		{ a->dyn[DT_JMPREL], a->dyn[DT_PLTRELSZ] },
	};

	if (!elf_getshdrnum(a->e, &shnum) && shnum)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(tabs); i++)
		if (tabs[i].addr && tabs[i].size)
			exec_cut(a, tabs[i].addr, tabs[i].addr + tabs[i].size);
	if (elf_getphdrnum(a->e, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(a->e, i, &ph) && (ph.p_type == PT_GNU_EH_FRAME || ph.p_type == PT_NOTE ||
						   ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC))
			exec_cut(a, ph.p_vaddr, ph.p_vaddr + ph.p_memsz);
	}
}

static void set_vername(struct an *a, unsigned idx, uint32_t name)
{
	idx &= 0x7fff;
	if (idx >= a->n_vername) {
		a->vername = xrealloc(a->vername, (idx + 1) * sizeof(*a->vername));
		memset(a->vername + a->n_vername, 0, (idx + 1 - a->n_vername) * sizeof(*a->vername));
		a->n_vername = idx + 1;
	}
	a->vername[idx] = name;
}

static const char *dstr(const struct elf_dyn_tables *t, const struct an *a, uint64_t off)
{
	const char *s = (const char *)a->raw + t->str_off;

	if (off >= t->str_size || !memchr(s + off, 0, t->str_size - off))
		return NULL;
	return s + off;
}

static void read_versions(struct an *a, const struct elf_dyn_tables *t)
{
	Elf_Data *d;
	size_t off = 0, steps;

	if (t->verdef_size && (d = elf_getdata_rawchunk(a->e, t->verdef_off, t->verdef_size, ELF_T_VDEF)))
		for (steps = d->d_size / sizeof(GElf_Verdef) + 1; steps-- && off < d->d_size;) {
			GElf_Verdef vd;
			GElf_Verdaux va;
			const char *n;

			if (!gelf_getverdef(d, off, &vd))
				break;
			if (vd.vd_cnt && vd.vd_aux <= d->d_size - off && gelf_getverdaux(d, off + vd.vd_aux, &va) &&
			    (n = dstr(t, a, va.vda_name)))
				set_vername(a, vd.vd_ndx, str_add(a->out, n));
			if (!vd.vd_next || vd.vd_next > d->d_size - off)
				break;
			off += vd.vd_next;
		}
	off = 0;
	if (t->verneed_size && (d = elf_getdata_rawchunk(a->e, t->verneed_off, t->verneed_size, ELF_T_VNEED)))
		for (steps = d->d_size / sizeof(GElf_Vernaux) + 1; steps && off < d->d_size; steps--) {
			GElf_Verneed vn;
			size_t aux;

			if (!gelf_getverneed(d, off, &vn) || vn.vn_aux > d->d_size - off)
				break;
			aux = off + vn.vn_aux;
			for (unsigned j = 0; j < vn.vn_cnt && steps; j++, steps--) {
				GElf_Vernaux va;
				const char *n;

				if (!gelf_getvernaux(d, aux, &va))
					break;
				if ((n = dstr(t, a, va.vna_name)))
					set_vername(a, va.vna_other, str_add(a->out, n));
				if (!va.vna_next || va.vna_next > d->d_size - aux)
					break;
				aux += va.vna_next;
			}
			if (!vn.vn_next || vn.vn_next > d->d_size - off)
				break;
			off += vn.vn_next;
		}
}

static void read_dynamic(struct an *a, const struct elf_dyn_tables *t)
{
	Elf_Data *d = elf_getdata_rawchunk(a->e, t->dyn_off, t->dyn_size, ELF_T_DYN);
	size_t n = d ? d->d_size / gelf_fsize(a->e, ELF_T_DYN, 1, EV_CURRENT) : 0;
	struct sys_info *s = a->out;

	for (size_t i = 0; i < n; i++) {
		GElf_Dyn dyn;
		const char *str;

		if (!gelf_getdyn(d, i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag >= 0 && dyn.d_tag < DT_NUM)
			a->dyn[dyn.d_tag] = dyn.d_un.d_val;
		switch (dyn.d_tag) {
		case DT_NEEDED:
		case DT_SONAME:
		case DT_RPATH:
		case DT_RUNPATH:
			if (!(str = dstr(t, a, dyn.d_un.d_val)))
				break;
			if (dyn.d_tag == DT_NEEDED) {
				s->needed = xgrow(s->needed, &a->cap_needed, s->n_needed + 1, sizeof(*s->needed));
				s->needed[s->n_needed++] = str_add(s, str);
			} else if (dyn.d_tag == DT_SONAME) {
				s->soname = str_add(s, str);
			} else if (dyn.d_tag == DT_RPATH) {
				s->rpath = str_add(s, str);
			} else {
				s->runpath = str_add(s, str);
			}
			break;
		case DT_PLTGOT: a->pltgot = dyn.d_un.d_ptr; break;
		case DT_INIT_ARRAY: a->init_array = dyn.d_un.d_ptr; break;
		case DT_INIT_ARRAYSZ: a->init_arraysz = dyn.d_un.d_val; break;
		case DT_FINI_ARRAY: a->fini_array = dyn.d_un.d_ptr; break;
		case DT_FINI_ARRAYSZ: a->fini_arraysz = dyn.d_un.d_val; break;
		case DT_PREINIT_ARRAY: a->preinit = dyn.d_un.d_ptr; break;
		case DT_PREINIT_ARRAYSZ: a->preinitsz = dyn.d_un.d_val; break;
		}
	}
}

static int is_noreturn(const char *n);

static void read_dynsym(struct an *a, const struct elf_dyn_tables *t)
{
	size_t syment = gelf_fsize(a->e, ELF_T_SYM, 1, EV_CURRENT);
	Elf_Data *d = t->sym_size ? elf_getdata_rawchunk(a->e, t->sym_off, t->sym_size, ELF_T_SYM) : NULL;
	Elf_Data *vd = t->versym_size ? elf_getdata_rawchunk(a->e, t->versym_off, t->versym_size, ELF_T_HALF) : NULL;
	struct sys_info *s = a->out;
	size_t n = d ? d->d_size / syment : 0;

	a->n_dynsym = n;
	a->sym_import = xcalloc(n ? n : 1, sizeof(*a->sym_import));
	a->sym_export = xcalloc(n ? n : 1, sizeof(*a->sym_export));
	for (size_t i = 0; i < n; i++) {
		GElf_Versym v = 0;
		GElf_Sym sym;
		const char *name;
		unsigned type, bind;

		a->sym_import[i] = a->sym_export[i] = -1;
		if (!gelf_getsym(d, i, &sym) || !(name = dstr(t, a, sym.st_name)) || !*name)
			continue;
		if (vd)
			gelf_getversym(vd, i, &v);
		type = GELF_ST_TYPE(sym.st_info);
		bind = GELF_ST_BIND(sym.st_info);
		if (sym.st_shndx == SHN_UNDEF) {
			struct sys_import *im;

			s->imports = xgrow(s->imports, &a->cap_imports, s->n_imports + 1, sizeof(*s->imports));
			im = &s->imports[s->n_imports];
			memset(im, 0, sizeof(*im));
			im->name = str_add(s, name);
			im->version = (v & 0x7fff) >= 2 && (v & 0x7fff) < a->n_vername ? a->vername[v & 0x7fff] : 0;
			im->weak = bind == STB_WEAK;
			a->sym_import[i] = s->n_imports++;
			continue;
		}
		if (bind == STB_LOCAL || type == STT_SECTION || type == STT_FILE || type == STT_TLS)
			continue;
		{
			struct sys_export *x;
			int func = type == STT_FUNC || type == STT_GNU_IFUNC;

			s->exports = xgrow(s->exports, &a->cap_exp, s->n_exports + 1, sizeof(*s->exports));
			a->exp = xrealloc(a->exp, a->cap_exp * sizeof(*a->exp));
			x = &s->exports[s->n_exports];
			memset(x, 0, sizeof(*x));
			x->name = str_add(s, name);
			x->version = (v & 0x7fff) >= 2 && (v & 0x7fff) < a->n_vername ? a->vername[v & 0x7fff] : 0;
			x->is_default = !(v & 0x8000);
			a->exp[s->n_exports].sym = i;
			a->exp[s->n_exports].addr = sym.st_value;
			a->exp[s->n_exports].func = func && in_exec(a, sym.st_value);
			a->sym_export[i] = s->n_exports++;
			if (func && in_exec(a, sym.st_value)) {
				push_u64(&a->starts, &a->n_starts, &a->cap_starts, sym.st_value);
				/* A stripped libc still names __fortify_fail. */
				if (is_noreturn(name))
					push_u64(&a->noret, &a->n_noret, &a->cap_noret, sym.st_value);
			}
		}
	}
}

/* Functions that never return, by name: a call to one ends its function
 * (else the next function would be taken as its continuation). */
static int is_noreturn(const char *n)
{
	static const char *const names[] = {
		"__stack_chk_fail", "abort", "exit", "_exit", "_Exit", "__assert_fail", "__chk_fail",
		"__fortify_fail", "err", "errx", "verr", "verrx", "longjmp", "siglongjmp", "_longjmp",
		"__longjmp_chk", "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume", "pthread_exit",
		"__libc_fatal", "quick_exit", "__cxa_bad_cast", "__cxa_bad_typeid", "__cxa_throw_bad_array_new_length",
		"_ZSt9terminatev", "__stack_chk_fail_local", "__assert_perror_fail", "error_exit",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(n, names[i]))
			return 1;
	return 0;
}

/* .symtab's functions, when the file still has one. */
static void read_symtab(struct an *a)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(a->e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		if (!(d = elf_getdata(scn, NULL)))
			continue;
		n = d->d_size / sh.sh_entsize;
		for (size_t i = 1; i < n; i++) {
			GElf_Sym sym;
			unsigned type;
			const char *name;

			if (!gelf_getsym(d, i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			type = GELF_ST_TYPE(sym.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !in_exec(a, sym.st_value))
				continue;
			push_u64(&a->starts, &a->n_starts, &a->cap_starts, sym.st_value);
			push_u64(&a->syms, &a->n_syms, &a->cap_syms, sym.st_value);
			name = elf_strptr(a->e, sh.sh_link, sym.st_name);
			if (!name)
				continue;
			if (is_noreturn(name))
				push_u64(&a->noret, &a->n_noret, &a->cap_noret, sym.st_value);
			if (!strcmp(name, "syscall"))
				push_u64(&a->syscall_fns, &a->n_syscall_fns, &a->cap_syscall_fns, sym.st_value);
		}
	}
}

/* ---- relocations ---- */

static void add_slot(struct an *a, uint64_t addr, int kind, uint64_t value)
{
	a->slots = xgrow(a->slots, &a->cap_slots, a->n_slots + 1, sizeof(*a->slots));
	a->slots[a->n_slots++] = (struct slot){ addr, value, kind };
}

/* Relocation types by meaning, for x86-64 and i386 (the same numbers but
 * IRELATIVE's); AArch64's are read as x86-64's (reloc_type()). */
static void one_reloc(struct an *a, uint64_t off, unsigned type, uint64_t sym, int64_t addend, int is_rela)
{
	int irel = a->eh.e_machine == EM_386 ? 42 : 37;
	uint64_t v;

	if (!is_rela && (type == 8 || type == (unsigned)irel) && !word_at(a, off, &v))
		addend = (int64_t)v;
	switch (type) {
	case 8:	/* RELATIVE: a pointer to code is address-taken code */
		add_at(a, addend);
		if (off >= a->vt_lo && off < a->vt_hi && in_exec(a, addend))
			push_u64(&a->vt_fns, &a->n_vt_fns, &a->cap_vt_fns, addend);
		return;
	case 1:	/* R_X86_64_64, R_386_32 */
	case 6:	/* GLOB_DAT */
	case 7:	/* JUMP_SLOT */
		if (sym >= a->n_dynsym)
			return;
		if (a->sym_import[sym] >= 0) {
			int32_t im = a->sym_import[sym];

			add_slot(a, off, SLOT_IMPORT, im);
			if (type != 7) {
				a->at_imports = xgrow(a->at_imports, &a->cap_at_imports, a->n_at_imports + 1,
						      sizeof(*a->at_imports));
				a->at_imports[a->n_at_imports++] = im;
			}
			return;
		}
		if (a->sym_export[sym] >= 0 && a->exp[a->sym_export[sym]].func) {
			uint64_t addr = a->exp[a->sym_export[sym]].addr;

			add_slot(a, off, SLOT_CODE, addr + (type == 1 ? addend : 0));
			if (type != 7)
				add_at(a, addr);
		}
		return;
	default:
		if (type == (unsigned)irel) {
			add_slot(a, off, SLOT_RESOLVER, addend);
			push_u64(&a->starts, &a->n_starts, &a->cap_starts, addend);
		}
	}
}

/* A relocation type as one_reloc() reads it: x86's as they are,
 * AArch64's as the x86-64 type of the same meaning, 0 (NONE) for the
 * others (TLS, TLSDESC, COPY). */
static unsigned reloc_type(const struct an *a, unsigned type)
{
	if (a->eh.e_machine != EM_AARCH64)
		return type;
	switch (type) {
	case R_AARCH64_ABS64: return 1;
	case R_AARCH64_GLOB_DAT: return 6;
	case R_AARCH64_JUMP_SLOT: return 7;
	case R_AARCH64_RELATIVE: return 8;
	case R_AARCH64_IRELATIVE: return 37;
	}
	return 0;
}

static void read_rel_chunk(struct an *a, uint64_t off, uint64_t size, int is_rela)
{
	Elf_Data *d;
	size_t ent = gelf_fsize(a->e, is_rela ? ELF_T_RELA : ELF_T_REL, 1, EV_CURRENT), n;

	if (!size || !ent || off > a->size || size > a->size - off)
		return;
	if (!(d = elf_getdata_rawchunk(a->e, off, size, is_rela ? ELF_T_RELA : ELF_T_REL)))
		return;
	n = d->d_size / ent;
	/* gelf_getrel() widens an ELF32 r_info to GElf's (64-bit) form:
	 * GELF_R_SYM and GELF_R_TYPE read both classes. */
	for (size_t i = 0; i < n; i++) {
		if (is_rela) {
			GElf_Rela r;

			if (gelf_getrela(d, i, &r))
				one_reloc(a, r.r_offset, reloc_type(a, GELF_R_TYPE(r.r_info)), GELF_R_SYM(r.r_info),
					  r.r_addend, 1);
		} else {
			GElf_Rel r;

			if (gelf_getrel(d, i, &r))
				one_reloc(a, r.r_offset, reloc_type(a, GELF_R_TYPE(r.r_info)), GELF_R_SYM(r.r_info), 0, 0);
		}
	}
}

/* A table at an address of the dynamic section, as file offset and size. */
static int dyn_table(const struct an *a, uint64_t addr, uint64_t size, uint64_t *off)
{
	const unsigned char *p = size ? at_addr(a, addr, size) : NULL;

	if (!p)
		return -1;
	*off = p - a->raw;
	return 0;
}

static void relr_one(void *ctx, uint64_t off)
{
	one_reloc(ctx, off, 8, 0, 0, 0);
}

static void read_relocs(struct an *a, int has_dynamic)
{
	uint64_t off;

	if (has_dynamic) {
		if (!dyn_table(a, a->dyn[DT_RELA], a->dyn[DT_RELASZ], &off))
			read_rel_chunk(a, off, a->dyn[DT_RELASZ], 1);
		if (!dyn_table(a, a->dyn[DT_REL], a->dyn[DT_RELSZ], &off))
			read_rel_chunk(a, off, a->dyn[DT_RELSZ], 0);
		if (!dyn_table(a, a->dyn[DT_JMPREL], a->dyn[DT_PLTRELSZ], &off))
			read_rel_chunk(a, off, a->dyn[DT_PLTRELSZ], a->dyn[DT_PLTREL] != DT_REL);
		/* Debian 12's glibc is linked with DT_RELR. */
		if (!dyn_table(a, a->dyn[DT_RELR], a->dyn[DT_RELRSZ], &off))
			sys_relr_each(a->raw + off, a->dyn[DT_RELRSZ], a->class64,
				      a->eh.e_ident[EI_DATA] == ELFDATA2MSB, relr_one, a);
		return;
	}
	/* A static binary: its IRELATIVE relocations sit in sections. */
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(a->e, scn));) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_RELA || sh.sh_type == SHT_REL) &&
		    (sh.sh_flags & SHF_ALLOC))
			read_rel_chunk(a, sh.sh_offset, sh.sh_size, sh.sh_type == SHT_RELA);
	}
}

static int cmp_slot(const void *x, const void *y)
{
	const struct slot *p = x, *q = y;

	return p->addr < q->addr ? -1 : p->addr > q->addr;
}

static const struct slot *find_slot(const struct an *a, uint64_t addr)
{
	size_t lo = 0, hi = a->n_slots;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a->slots[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->n_slots && a->slots[lo].addr == addr ? &a->slots[lo] : NULL;
}

/* Code pointers elsewhere: initialiser arrays, and the words of a non-PIE
 * file's data (no relocation says which are pointers there). */
static void read_code_pointers(struct an *a)
{
	const struct { uint64_t addr, size; } arrays[] = {
		{ a->init_array, a->init_arraysz }, { a->fini_array, a->fini_arraysz }, { a->preinit, a->preinitsz },
	};
	int w = a->class64 ? 8 : 4;

	for (size_t i = 0; i < ARRAY_SIZE(arrays); i++)
		for (uint64_t o = 0; arrays[i].addr && o + w <= arrays[i].size && o < (1u << 20); o += w) {
			uint64_t v;

			if (!word_at(a, arrays[i].addr + o, &v) && in_exec(a, v)) {
				add_at(a, v);
				push_u64(&a->starts, &a->n_starts, &a->cap_starts, v);
				push_u64(&a->inits, &a->n_inits, &a->cap_inits, v);
			}
		}
	if (a->dyn[DT_INIT] && in_exec(a, a->dyn[DT_INIT]))
		push_u64(&a->starts, &a->n_starts, &a->cap_starts, a->dyn[DT_INIT]);
	if (a->dyn[DT_FINI] && in_exec(a, a->dyn[DT_FINI]))
		push_u64(&a->starts, &a->n_starts, &a->cap_starts, a->dyn[DT_FINI]);
	if (a->is_pie_or_lib || !a->full)
		return;
	for (size_t i = 0; i < a->n_load; i++) {
		const GElf_Phdr *p = &a->load[i];

		if (p->p_flags & PF_X || p->p_offset > a->size)
			continue;
		for (uint64_t o = (w - p->p_vaddr % w) % w; o + w <= p->p_filesz && p->p_offset + o + w <= a->size;
		     o += w) {
			uint64_t v;

			if (!word_at(a, p->p_vaddr + o, &v))
				add_at(a, v);
		}
	}
}

/* ---- x86 ---- */

static int reg_is(unsigned r, unsigned fam)
{
	switch (fam) {
	case X86_REG_RAX:
		return r == X86_REG_RAX || r == X86_REG_EAX || r == X86_REG_AX || r == X86_REG_AL || r == X86_REG_AH;
	case X86_REG_RDI:
		return r == X86_REG_RDI || r == X86_REG_EDI || r == X86_REG_DI || r == X86_REG_DIL;
	}
	return 0;
}

/* Whether insn loads a constant into register family fam (mov $imm to
 * the 32- or 64-bit register, xor or sub of it with itself): 1 with *v. */
static int x86_const(const cs_insn *insn, unsigned fam, int64_t *v)
{
	const cs_x86 *x = &insn->detail->x86;
	unsigned r;

	if (x->op_count != 2 || x->operands[0].type != X86_OP_REG || !reg_is(x->operands[0].reg, fam))
		return 0;
	r = x->operands[0].reg;
	if (r != X86_REG_EAX && r != X86_REG_RAX && r != X86_REG_EDI && r != X86_REG_RDI)
		return 0;
	if (insn->id == X86_INS_MOV && x->operands[1].type == X86_OP_IMM) {
		*v = x->operands[1].imm;
		return 1;
	}
	if ((insn->id == X86_INS_XOR || insn->id == X86_INS_SUB) && x->operands[1].type == X86_OP_REG &&
	    x->operands[1].reg == r) {
		*v = 0;
		return 1;
	}
	return 0;
}

struct x86_state {
	uint64_t seg_lo;	/* the segment's start */
	uint64_t bars[8];	/* the ends of the last barriers, a ring */
	unsigned n_bars;
	uint64_t movsxd4;	/* where the last movslq from a scaled index was, 0: none */
	/* Per register, the last mov disp(%reg), %r in libc: where, and
	 * its slot_form(). */
	uint64_t ld_at[16], ld_form[16];
	uint8_t wide[16];	/* holds a FILE's _wide_data->_wide_vtable */
	int in_pad;		/* after a barrier, only padding so far */
	long pad;		/* the event or barrier padding extends, -1: none */
	int pad_is_bar;
};

static uint64_t ev_addr(const struct an *a, const struct ev *e)
{
	return a->code_base + e->at;
}

static uint64_t ev_end(const struct an *a, const struct ev *e)
{
	return ev_addr(a, e) + e->len;
}

static void ev_pad_to(const struct an *a, struct ev *e, uint64_t end)
{
	uint64_t len = end - ev_addr(a, e);

	e->len = len > UINT16_MAX ? UINT16_MAX : len;
}

static struct ev *add_ev(struct an *a, int kind, uint64_t addr, uint64_t end, uint64_t target)
{
	struct ev *e;

	a->ev = xgrow(a->ev, &a->cap_ev, a->n_ev + 1, sizeof(*a->ev));
	e = &a->ev[a->n_ev++];
	*e = (struct ev){ .target = target, .at = addr - a->code_base, .kind = kind, .len = end - addr };
	return e;
}

static void add_bar(struct an *a, uint64_t at)
{
	a->bar = xgrow(a->bar, &a->cap_bar, a->n_bar + 1, sizeof(*a->bar));
	a->bar[a->n_bar++] = (struct range){ at, at };
}

/* Padding after the barrier or event st->pad (>= 0) runs to end. */
static void pad_to(struct an *a, const struct x86_state *st, uint64_t end)
{
	if (st->pad_is_bar)
		a->bar[st->pad].hi = end;
	else
		ev_pad_to(a, &a->ev[st->pad], end);
}

/* The slot a memory operand reads: rip-relative, absolute, or (i386 PIC)
 * relative to the GOT in ebx. 0 when it is none of those. */
static uint64_t x86_slot(const struct an *a, const unsigned char *p, const struct xd_insn *d, uint64_t end)
{
	if (d->index != XD_NONE)
		return 0;
	if (d->rip_rel)
		return end + xd_disp(p, d);
	if (d->base == XD_NONE)
		return (uint64_t)xd_disp(p, d) & (a->class64 ? ~0ull : 0xffffffffull);
	if (!a->class64 && d->base == 3 && a->pltgot)
		return a->pltgot + xd_disp(p, d);
	return 0;
}

static void bar_after(struct an *a, uint64_t end, struct x86_state *st)
{
	st->in_pad = 1;
	st->bars[st->n_bars++ % ARRAY_SIZE(st->bars)] = end;
	st->movsxd4 = 0;
	memset(st->ld_form, 0, sizeof(st->ld_form));
	memset(st->wide, 0, sizeof(st->wide));
	if (!a->full)
		return;
	add_bar(a, end);
	st->pad = a->n_bar - 1;
	st->pad_is_bar = 1;
}

/*
 * Without the graph, a site's number is read from a barrier some way
 * before it (an instruction boundary of this sweep): the newest at least
 * READ_BACK bytes back, or the oldest the ring holds, or the segment's
 * start.
 */
#define READ_BACK 256

static uint64_t read_from(const struct x86_state *st, uint64_t addr)
{
	uint64_t best = st->seg_lo;
	unsigned n = st->n_bars < ARRAY_SIZE(st->bars) ? st->n_bars : ARRAY_SIZE(st->bars);

	for (unsigned i = 0; i < n; i++) {
		uint64_t b = st->bars[(st->n_bars - 1 - i) % ARRAY_SIZE(st->bars)];

		if (b + READ_BACK <= addr)
			return b > best ? b : best;
		if (b <= addr)
			best = b;
	}
	return best;
}

/* The request call (enum sys_req_call) of import im, or -1. */
static int req_import(const struct an *a, long im)
{
	static const char *const names[] = { "ioctl", "fcntl", "fcntl64", "prctl" };
	static const int calls[] = { SYS_REQ_IOCTL, SYS_REQ_FCNTL, SYS_REQ_FCNTL, SYS_REQ_PRCTL };

	for (size_t i = 0; im >= 0 && i < ARRAY_SIZE(names); i++)
		if (!strcmp(sys_str(a->out, a->out->imports[im].name), names[i]))
			return calls[i];
	return -1;
}

/* 1 + the slot's or the stub's kind (above), 0 when it is none. */
static int is_syscall_slot(const struct an *a, uint64_t slot)
{
	for (int i = 0; i < a->n_syscall_slot; i++)
		if (a->syscall_slot[i] == slot)
			return 1 + a->syscall_slot_kind[i];
	return 0;
}

static int is_syscall_stub(const struct an *a, uint64_t addr)
{
	for (int i = 0; i < a->n_syscall_stub; i++)
		if (a->syscall_stub[i] == addr)
			return 1 + a->syscall_stub_kind[i];
	return 0;
}

#define VAR_DEMANGLE (~0ull)

static void add_var(struct an *a, uint64_t at, uint64_t var)
{
	a->vars = xgrow(a->vars, &a->cap_vars, a->n_vars + 1, sizeof(*a->vars));
	a->vars[a->n_vars++] = (struct var_ref){ at, var };
}

/* An indirect call's target field: 1 + the displacement of a call
 * through a register plus a small one (a jump table's slot: find_vt_calls()),
 * else 0. */
#define WIDE_VTABLE 0xe0	/* offsetof(struct _IO_wide_data, _wide_vtable), x86-64 */
#define FORM_WIDE 0x10000	/* through a wide vtable */

static uint64_t slot_form(const unsigned char *p, const struct xd_insn *d)
{
	int64_t disp = d->mod != 3 && d->base != XD_NONE && d->index == XD_NONE && !d->rip_rel ? xd_disp(p, d) : -1;

	return disp >= 0 && disp < 0x100 ? (uint64_t)disp + 1 : 0;
}

/* The slot_form() of a call through a register: that of the load into
 * it just before (mov 0x28(%rbp), %rax; ... jmp *%rax). */
static uint64_t reg_slot_form(const struct xd_insn *d, uint64_t addr, const struct x86_state *st)
{
	return st->ld_form[d->rm & 15] && addr - st->ld_at[d->rm & 15] < 32 ? st->ld_form[d->rm & 15] : 0;
}

/* The slot_form() of a call through memory, FORM_WIDE when its base
 * register holds a wide vtable. */
static uint64_t mem_slot_form(const unsigned char *p, const struct xd_insn *d, const struct x86_state *st)
{
	uint64_t form = slot_form(p, d);

	return form && st->wide[d->base & 15] ? form | FORM_WIDE : form;
}

/* What one decoded instruction adds: events, barriers, padding. */
static void x86_one(struct an *a, const unsigned char *p, const struct xd_insn *d, uint64_t addr, struct x86_state *st)
{
	uint64_t mask = a->class64 ? ~0ull : 0xffffffffull, end = addr + d->len, t;
	int k, pad = (d->map == 0 && (d->op == 0x90 || d->op == 0xcc)) || (d->map == 1 && d->op == 0x1f);
	struct ev *e;

	a->out->n_insns++;
	if (pad && st->pad >= 0) {
		pad_to(a, st, end);
		return;
	}
	st->pad = -1;
	if (d->map == 1) {
		if (d->op == 0x05 || d->op == 0x34) {
			e = add_ev(a, EV_SYS, addr, end, a->full ? 0 : read_from(st, addr));
			e->foreign = a->class64 && d->op == 0x34;
		} else if (d->op >= 0x80 && d->op <= 0x8f) {
			if (a->full)
				add_ev(a, EV_JMP, addr, end, (end + xd_imm(p, d)) & mask);
		} else if (d->op == 0x0b) {
			bar_after(a, end, st);
		}
		return;
	}
	if (d->map != 0)
		return;
	switch (d->op) {
	case 0xe8:
		st->movsxd4 = 0;
		t = (end + xd_imm(p, d)) & mask;
		if (!a->full) {
			if ((k = is_syscall_stub(a, t)))
				add_ev(a, EV_SCALL, addr, end, read_from(st, addr))->req = k - 1;
			return;
		}
		e = add_ev(a, EV_CALL, addr, end, t);
		st->pad = e - a->ev;
		st->pad_is_bar = 0;
		return;
	case 0xe9:
	case 0xeb:
		if (a->full)
			add_ev(a, EV_JMP, addr, end, (end + xd_imm(p, d)) & mask);
		bar_after(a, end, st);
		return;
	case 0x70 ... 0x7f:
	case 0xe0 ... 0xe3:
		if (a->full)
			add_ev(a, EV_JMP, addr, end, (end + xd_imm(p, d)) & mask);
		return;
	case 0xc2: case 0xc3: case 0xca: case 0xcb: case 0xf4: case 0xcf:
		bar_after(a, end, st);
		return;
	case 0xcd:
		if ((xd_imm(p, d) & 0xff) == 0x80) {
			e = add_ev(a, EV_SYS, addr, end, a->full ? 0 : read_from(st, addr));
			/* int 0x80 in 64-bit code is the i386 ABI: its numbers
			 * are not this file's; unknown rather than misnamed. */
			e->foreign = a->class64;
		}
		return;
	case 0x8d:
		if (a->full && d->rip_rel && in_exec(a, end + xd_disp(p, d)))
			add_ev(a, EV_AT, addr, end, end + xd_disp(p, d));
		if (a->vt_hi && d->rip_rel && (end + xd_disp(p, d) == a->vt_lo || end + xd_disp(p, d) == a->vt_hi))
			push_u64(&a->vt_checks, &a->n_vt_checks, &a->cap_vt_checks, addr);
		return;
	case 0x63:
		if (d->rex & 8 && d->has_sib && d->scale == 4)
			st->movsxd4 = addr;
		return;
	case 0x8b:
		if (a->vt_hi && d->rex & 8) {
			uint64_t form = slot_form(p, d);
			int w = form && st->wide[d->base & 15];

			st->ld_form[d->reg & 15] = form | (w ? FORM_WIDE : 0);
			st->ld_at[d->reg & 15] = addr;
			st->wide[d->reg & 15] = form == WIDE_VTABLE + 1;
		}
		/* fall through */
	case 0x89:
		if (a->vt_hi && d->rex & 8 && d->rip_rel)
			add_var(a, addr, end + xd_disp(p, d));
		return;
	case 0x33:
		/* xor %fs:0x30, %reg: PTR_DEMANGLE */
		if (a->vt_hi && d->seg == 0x64 && d->mod == 0 && d->base == XD_NONE && d->index == XD_NONE &&
		    xd_disp(p, d) == 0x30)
			add_var(a, addr, VAR_DEMANGLE);
		return;
	case 0x68: case 0xb8 ... 0xbf: case 0xc7:
		/* Immediates of a non-PIE file may be code addresses. */
		if (a->full && !a->is_pie_or_lib && (d->op != 0xc7 || d->mod == 3) && in_exec(a, xd_imm(p, d) & mask))
			add_ev(a, EV_AT, addr, end, xd_imm(p, d) & mask);
		return;
	case 0xff:
		break;
	default:
		return;
	}
	/* ff /2 /3: call; /4 /5: jmp, through a register or memory. */
	switch (d->reg & 7) {
	case 2: case 3:
		if (!a->class64 && d->seg == 0x65 && d->mod == 0 && d->base == XD_NONE && xd_disp(p, d) == 0x10) {
			/* i386 glibc enters the kernel through the vDSO. */
			add_ev(a, EV_SYS, addr, end, a->full ? 0 : read_from(st, addr));
			return;
		}
		t = d->mod != 3 ? x86_slot(a, p, d, end) : 0;
		st->movsxd4 = 0;
		if (!a->full) {
			if (t && (k = is_syscall_slot(a, t)))
				add_ev(a, EV_SCALL, addr, end, read_from(st, addr))->req = k - 1;
			return;
		}
		e = add_ev(a, t ? EV_SLOTCALL : EV_INDCALL, addr, end,
			   t ? t : d->mod != 3 ? mem_slot_form(p, d, st) : reg_slot_form(d, addr, st));
		st->pad = e - a->ev;
		st->pad_is_bar = 0;
		return;
	case 4: case 5:
		t = d->mod != 3 ? x86_slot(a, p, d, end) : 0;
		if (t && a->full) {
			add_ev(a, EV_SLOTJMP, addr, end, t);
		} else if (!t && a->full) {
			/* Jump tables stay in their function. */
			int table = (d->mod != 3 && d->index != XD_NONE && d->base == XD_NONE &&
				     d->scale == (a->class64 ? 8 : 4)) ||
				    (d->mod == 3 && st->movsxd4 && addr - st->movsxd4 < 32) || d->seg == 0x3e;

			if (!table)
				add_ev(a, EV_INDJMP, addr, end,
				       d->mod != 3 ? mem_slot_form(p, d, st) : reg_slot_form(d, addr, st));
		}
		bar_after(a, end, st);
		return;
	}
}

static __thread csh x86_handle[2];

/* Whether addr lies in a private mapping of a file, whose clean pages
 * MADV_DONTNEED drops and a later read faults back in (on anonymous
 * memory it would zero them). */
static int file_backed(const void *addr)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int ret = 0;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, ino = 0;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &ino) == 4 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			ret = ino != 0 && perms[3] == 'p';
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

int sys_may_drop(const unsigned char *raw, size_t size)
{
	return size >= 4 * PAGEOUT_CHUNK && file_backed(raw);
}

void sys_drop_upto(int drop, const unsigned char **done, const unsigned char *p)
{
	uintptr_t from = ((uintptr_t)*done + PAGEOUT_CHUNK - 1) & ~(uintptr_t)(PAGEOUT_CHUNK - 1);
	uintptr_t to = (uintptr_t)p & ~(uintptr_t)(PAGEOUT_CHUNK - 1);

	if (!drop || to <= from)
		return;
	madvise((void *)from, to - from, MADV_DONTNEED);
	*done = (const unsigned char *)to;
}

void sys_drop_all(const unsigned char *raw, size_t size)
{
	uintptr_t from = ((uintptr_t)raw + 4095) & ~(uintptr_t)4095, to = ((uintptr_t)raw + size) & ~(uintptr_t)4095;

	if (to > from)
		madvise((void *)from, to - from, MADV_DONTNEED);
}

static void add_stub(struct an *a, uint64_t addr, int kind)
{
	if (a->n_syscall_stub < (int)ARRAY_SIZE(a->syscall_stub)) {
		a->syscall_stub_kind[a->n_syscall_stub] = kind;
		a->syscall_stub[a->n_syscall_stub++] = addr;
	}
}

/*
 * The PLT stubs of syscall(), found before the sweep (lld puts .plt after
 * .text): jmp *slot(%rip) (ff 25), i386's jmp *slot (ff 25, absolute) or
 * jmp *off(%ebx) (ff a3), with a bnd prefix or an endbr64 before them.
 */
static void syscall_stubs_in(struct an *a, uint64_t lo, uint64_t n)
{
	const unsigned char *p = at_addr(a, lo, n), *q, *done = p;

	for (q = p; p && (q = memchr(q, 0xff, n - (q - p))) && q + 6 <= p + n; q++) {
		uint64_t at = lo + (q - p), slot;
		int32_t disp;
		int kind;

		sys_drop_upto(a->drop, &done, q);
		if (q[1] != 0x25 && !(q[1] == 0xa3 && !a->class64))
			continue;
		memcpy(&disp, q + 2, 4);
		slot = q[1] == 0xa3 ? a->pltgot + disp : a->class64 ? at + 6 + disp : (uint32_t)disp;
		if (!(kind = is_syscall_slot(a, slot)))
			continue;
		add_stub(a, at, --kind);
		if (q > p && q[-1] == 0xf2)
			add_stub(a, --at, kind);
		if (at - lo >= 4 && !memcmp(p + (at - lo) - 4, "\xf3\x0f\x1e\xfa", 4))
			add_stub(a, at - 4, kind);
	}
}

static void find_syscall_stubs(struct an *a)
{
	uint64_t plt[8][2];
	int n_plt = a->n_syscall_slot ? sys_plt_ranges(a->e, plt, ARRAY_SIZE(plt)) : 0;

	for (size_t s = 0; s < a->n_exec && a->n_syscall_slot; s++)
		for (int r = 0; r < (n_plt < 0 ? 1 : n_plt); r++) {
			uint64_t lo = a->exec[s].lo, hi = a->exec[s].hi;

			/* Within the PLT sections when the file tells them. */
			if (n_plt >= 0) {
				lo = plt[r][0] > lo ? plt[r][0] : lo;
				hi = plt[r][1] < hi ? plt[r][1] : hi;
			}
			if (lo < hi)
				syscall_stubs_in(a, lo, hi - lo);
		}
}

/* Whether the hook reads d (sys.h says which). */
static int hook_wants(const struct sys_hook *h, const struct xd_insn *d)
{
	if (d->map == 1)
		return d->op == 0x05 || (!h->syscalls_only && ((d->op >= 0x80 && d->op <= 0x8f) || d->op == 0x0b ||
							       d->op == 0x1e));
	if (d->map || h->syscalls_only)
		return 0;
	switch (d->op) {
	case 0x70 ... 0x7f: case 0xe0 ... 0xe3: case 0xe8: case 0xe9: case 0xeb:
	case 0xc2: case 0xc3: case 0xf4: case 0x8d: case 0x63: case 0xff:
		return 1;
	}
	return 0;
}

static int x86_decode(struct an *a)
{
	struct xd_insn d;

	uint64_t *sync = xmalloc((a->n_starts + 1) * sizeof(*sync));
	size_t n_sync, k = 0;

	xd_init();
	a->drop = sys_may_drop(a->raw, a->size);
	if (!a->full)
		find_syscall_stubs(a);
	/* The starts known before the sweep (symbols, the entry point,
	 * initialisers) keep it in step. */
	if (a->n_starts)
		memcpy(sync, a->starts, a->n_starts * sizeof(*sync));
	n_sync = sort_unique(sync, a->n_starts);

	for (size_t s = 0; s < a->n_exec; s++) {
		uint64_t addr = a->exec[s].lo;
		const unsigned char *code = at_addr(a, addr, a->exec[s].hi - addr);
		size_t left = a->exec[s].hi - addr;
		struct x86_state st = { .seg_lo = addr, .pad = -1 };
		const unsigned char *done = code;

		if (!code)
			continue;
		if (a->hook)
			a->hook->range(a->hook->ctx, addr);
		while (left) {
			int n;

			/* Zeros after a ret or jmp are padding (lld pads
			 * with them): decoded, a pair would be an add that
			 * swallows the next function's first byte. */
			if (st.in_pad && !*code) {
				code++, left--, addr++;
				if (st.pad >= 0)
					pad_to(a, &st, addr);
				continue;
			}
			n = xd_decode(code, left, a->class64, &d);
			/* A known function start inside an instruction: the
			 * sweep was out of step; it starts again there. */
			while (k < n_sync && sync[k] <= addr)
				k++;
			if (n > 0 && k < n_sync && sync[k] < addr + n)
				n = -(int)(sync[k] - addr);

			/* The code of a large binary is read once: its pages
			 * are dropped as the sweep leaves them, so that two
			 * workers on 300 MB binaries stay small (the few
			 * functions read again fault back in). */
			if (((uintptr_t)code & (PAGEOUT_CHUNK - 1)) < 16)
				sys_drop_upto(a->drop, &done, code);

			if (n > 0) {
				st.in_pad &= (d.map == 0 && (d.op == 0x90 || d.op == 0xcc)) || (d.map == 1 && d.op == 0x1f);
				x86_one(a, code, &d, addr, &st);
				if (a->hook && hook_wants(a->hook, &d))
					a->hook->insn(a->hook->ctx, code, &d, addr);
			} else {
				/* Not an instruction: step over a byte, or to the
				 * start. */
				n = n < 0 ? -n : 1;
				st.pad = -1;
				st.in_pad = 0;
			}
			code += n;
			left -= n;
			addr += n;
		}
	}
	free(sync);
	return 0;
}

/* ---- AArch64 ---- */

/*
 * The PLT stubs of syscall() (adrp; ldr through its slot; add; br),
 * found before the sweep, as x86's: within the PLT sections when the file
 * tells them, else anywhere in its code (4-aligned).
 */
static void arm64_syscall_stubs(struct an *a)
{
	uint64_t plt[8][2];
	int n_plt = a->n_syscall_slot ? sys_plt_ranges(a->e, plt, ARRAY_SIZE(plt)) : 0;

	for (size_t s = 0; s < a->n_exec && a->n_syscall_slot; s++)
		for (int r = 0; r < (n_plt < 0 ? 1 : n_plt); r++) {
			uint64_t lo = (a->exec[s].lo + 3) & ~3ull, hi = a->exec[s].hi;
			const unsigned char *p;

			if (n_plt >= 0) {
				lo = plt[r][0] > lo ? (plt[r][0] + 3) & ~3ull : lo;
				hi = plt[r][1] < hi ? plt[r][1] : hi;
			}
			if (lo + 8 > hi || !(p = at_addr(a, lo, hi - lo)))
				continue;
			for (uint64_t o = 0; o + 8 <= hi - lo; o += 4) {
				int kind = is_syscall_slot(a, a64_plt_slot(p + o, hi - lo - o, lo + o));

				if (!kind--)
					continue;
				add_stub(a, lo + o, kind);
				/* bti c */
				if (o >= 4 && a64_word(p + o - 4) == 0xd503245f)
					add_stub(a, lo + o - 4, kind);
			}
		}
}

/* What one instruction adds: events, barriers, padding (x86_one()'s
 * rules; the sweep's state is x86's, its x86 fields unused). */
static void arm64_one(struct an *a, uint32_t w, const struct a64_insn *d, uint64_t addr, struct x86_state *st)
{
	uint64_t end = addr + 4, t = d->target;
	struct ev *e;

	a->out->n_insns++;
	/* nop pads functions (GNU as); zeros after a barrier pad too
	 * (udf #0: lld, and literal pools' alignment). */
	if ((d->kind == A64_NOP || (st->in_pad && !w)) && st->pad >= 0) {
		pad_to(a, st, end);
		return;
	}
	st->pad = -1;
	switch (d->kind) {
	case A64_SVC:
		add_ev(a, EV_SYS, addr, end, a->full ? 0 : read_from(st, addr));
		return;
	case A64_CALL:
	case A64_CALLR:
		if (!a->full) {
			int k = d->kind == A64_CALL ? is_syscall_stub(a, t) : t ? is_syscall_slot(a, t) : 0;

			/* A 64-bit file's stubs are syscall()'s alone (kind 0). */
			if (k)
				add_ev(a, EV_SCALL, addr, end, read_from(st, addr))->req = k - 1;
			return;
		}
		e = add_ev(a, d->kind == A64_CALL ? EV_CALL : t ? EV_SLOTCALL : EV_INDCALL, addr, end, t);
		st->pad = e - a->ev;
		st->pad_is_bar = 0;
		return;
	case A64_JMP:
	case A64_COND:
		if (a->full)
			add_ev(a, EV_JMP, addr, end, t);
		if (d->kind == A64_JMP)
			bar_after(a, end, st);
		return;
	case A64_JMPR:
		/* A jump table (A64_TABLE) stays in its function. */
		if (a->full)
			add_ev(a, t ? EV_SLOTJMP : EV_INDJMP, addr, end, t);
		/* fall through */
	case A64_TABLE:
	case A64_RET:
	case A64_TRAP:
		bar_after(a, end, st);
		return;
	case A64_ADDR:
		if (a->full && in_exec(a, t))
			add_ev(a, EV_AT, addr, end, t);
		return;
	}
}

/*
 * The AArch64 sweep: every aligned word of the code, read by bit masks
 * (sys_arm64.c). A word of data in the code (a literal pool) reads as
 * some instruction: at worst an edge or a site too many, never a lost
 * instruction boundary (A64 has no lengths to fall out of step with).
 * The request-code pass (the hook) reads x86 only.
 */
static int arm64_decode(struct an *a)
{
	a->drop = sys_may_drop(a->raw, a->size);
	if (!a->full)
		arm64_syscall_stubs(a);
	for (size_t s = 0; s < a->n_exec; s++) {
		uint64_t addr = (a->exec[s].lo + 3) & ~3ull, hi = a->exec[s].hi;
		const unsigned char *code = addr + 4 <= hi ? at_addr(a, addr, hi - addr) : NULL, *done = code;
		struct x86_state st = { .seg_lo = addr, .pad = -1 };
		struct a64_regs r;

		if (!code)
			continue;
		a64_regs_reset(&r);
		for (; addr + 4 <= hi; addr += 4, code += 4) {
			uint32_t w = a64_word(code);
			struct a64_insn d;

			if (((uintptr_t)code & (PAGEOUT_CHUNK - 1)) < 4)
				sys_drop_upto(a->drop, &done, code);
			a64_decode(w, addr, &r, &d);
			st.in_pad &= d.kind == A64_NOP || !w;
			arm64_one(a, w, &d, addr, &st);
			if (st.in_pad)
				a64_regs_reset(&r);
		}
	}
	return 0;
}

/* Frees the calling thread's decoders (a worker calls it on exit). */
void sys_thread_release(void)
{
	sys_go_thread_release();
	for (int i = 0; i < 2; i++)
		if (x86_handle[i]) {
			cs_close(&x86_handle[i]);
			x86_handle[i] = 0;
		}
}

/*
 * Constant propagation over one function, for the sites the straight-line
 * rule leaves unknown (glibc's _exit loads exit_group's number into r8d
 * before a branch and moves it to eax after). The function's instructions
 * are decoded again, each register's value (a constant or unknown) is
 * propagated along fallthrough and direct jumps inside the function and
 * merged where paths meet (equal constants stay, others become unknown);
 * mov $imm and xor/sub of a register with itself load constants, a mov
 * between registers copies them, a call keeps only the callee-saved
 * registers (SysV ABI), any other write makes a register unknown. An
 * instruction no path reaches (a jump table's target) is unknown.
 */
#define GPR_N 16
#define V_NONE INT32_MIN	/* not reached (yet) */
/*
 * i386 passes arguments on the stack: the words at 0, 4, 8 and 12(%esp)
 * are values after the registers (SLOT0...), tracked relative to the
 * stack pointer: a push shifts them up, a pop or add $N down, sub $N up;
 * a store to one sets it; a call, any other write of esp, and a store
 * through another pointer (but a local of the frame, below ebp) forget
 * them. Their constants are 32 bits wide (a request code: 0x80045430),
 * -1 and 0x80000000 excepted; a number read there is one only below
 * SYS_UNKNOWN. x86-64's code never sets them.
 */
#define SLOT0 GPR_N
#define N_SLOTS 4
#define CP_N (GPR_N + N_SLOTS)
enum { ST_NONE, ST_PUSH, ST_POP, ST_ADJ, ST_STORE, ST_LOST };

int sys_cs_gpr(unsigned r)
{
	static const unsigned fam[GPR_N][5] = {
		{ X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
		{ X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
		{ X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
		{ X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
		{ X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, X86_REG_SPL },
		{ X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, X86_REG_BPL },
		{ X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, X86_REG_SIL },
		{ X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, X86_REG_DIL },
		{ X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, X86_REG_R8B },
		{ X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, X86_REG_R9B },
		{ X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, X86_REG_R10B },
		{ X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, X86_REG_R11B },
		{ X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, X86_REG_R12B },
		{ X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, X86_REG_R13B },
		{ X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, X86_REG_R14B },
		{ X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, X86_REG_R15B },
	};

	for (int i = 0; i < GPR_N; i++)
		for (int k = 0; k < 5; k++)
			if (fam[i][k] == r)
				return i;
	return -1;
}

int sys_cs_gpr_whole(unsigned r)
{
	int g = sys_cs_gpr(r);

	if (g < 0)
		return -1;
	return (r == X86_REG_RAX || r == X86_REG_EAX || r == X86_REG_RCX || r == X86_REG_ECX ||
		r == X86_REG_RDX || r == X86_REG_EDX || r == X86_REG_RBX || r == X86_REG_EBX ||
		r == X86_REG_RSI || r == X86_REG_ESI || r == X86_REG_RDI || r == X86_REG_EDI ||
		r == X86_REG_RBP || r == X86_REG_EBP || (r >= X86_REG_R8 && r <= X86_REG_R15) ||
		(r >= X86_REG_R8D && r <= X86_REG_R15D)) ? g : -1;
}

struct cp_insn {
	uint64_t addr, target;
	int succ_fall, is_jump, is_call, is_sys;
	int8_t dst, src;	/* const load or copy: dst <- src (-1: constant imm) */
	int32_t imm;
	uint32_t clobber;	/* registers otherwise written */
	/* i386's stack slots: what st does, with register st_reg (-1: the
	 * constant st_imm, or unknown when !st_known), st_adj bytes down
	 * (ST_ADJ), slot st_slot (ST_STORE), the slots st_clob otherwise
	 * overwritten. */
	uint8_t st, st_known, st_clob;
	int8_t st_reg, st_slot;
	int16_t st_adj;
	int32_t st_imm;
};

struct cp_fn {
	uint64_t lo, hi;
	struct cp_insn *v;
	size_t n;
	int32_t (*in)[CP_N];
	struct a64_cp a64;	/* AArch64's (sys_arm64.c) */
};

static void cp_release(struct cp_fn *f)
{
	free(f->v);
	free(f->in);
	a64_cp_release(&f->a64);
	memset(f, 0, sizeof(*f));
}

/* A constant as a slot's value: 32 bits, -1 and INT32_MIN unknown. */
static int32_t slot_const(int64_t v)
{
	int32_t w = (int32_t)(uint32_t)v;

	return (v < INT32_MIN || v > (int64_t)UINT32_MAX || w == V_NONE) ? -1 : w;
}

/* The value a push or a store puts in a slot: a constant, a whole
 * register's, or (left as it is) unknown. */
static void st_value(struct cp_insn *c, const cs_x86_op *v)
{
	if (v->type == X86_OP_IMM) {
		c->st_known = 1;
		c->st_imm = slot_const(v->imm);
	} else if (v->type == X86_OP_REG && sys_cs_gpr_whole(v->reg) >= 0) {
		c->st_known = 1;
		c->st_reg = sys_cs_gpr(v->reg);
	}
}

/* An i386 instruction's effect on the stack slots (struct cp_insn). */
static void cp_stack(csh h, const cs_insn *insn, struct cp_insn *c)
{
	const cs_x86 *x = &insn->detail->x86;
	cs_regs rd, wr;
	uint8_t n_rd = 0, n_wr = 0;
	const cs_x86_op *o = x->op_count ? &x->operands[0] : NULL;

	c->st_reg = -1;
	if (c->is_call) {
		c->st = ST_LOST;
		return;
	}
	if (insn->id == X86_INS_PUSH && o) {
		c->st = ST_PUSH;
		st_value(c, o);
		return;
	}
	if (insn->id == X86_INS_POP && o) {
		c->st = ST_POP;
		if (o->type == X86_OP_REG && sys_cs_gpr_whole(o->reg) >= 0)
			c->st_reg = sys_cs_gpr(o->reg);
		return;
	}
	if ((insn->id == X86_INS_SUB || insn->id == X86_INS_ADD) && x->op_count == 2 && o->type == X86_OP_REG &&
	    o->reg == X86_REG_ESP && x->operands[1].type == X86_OP_IMM) {
		int64_t n = insn->id == X86_INS_SUB ? x->operands[1].imm : -x->operands[1].imm;

		c->st = n % 4 || n > 4096 || n < -4096 ? ST_LOST : ST_ADJ;
		c->st_adj = (int16_t)n;
		return;
	}
	for (int i = 0; i < x->op_count; i++) {
		const cs_x86_op *m = &x->operands[i];

		if (m->type != X86_OP_MEM || !(m->access & CS_AC_WRITE))
			continue;
		if (m->mem.base == X86_REG_ESP && m->mem.index == X86_REG_INVALID) {
			int64_t lo = m->mem.disp, hi = lo + (m->size ? m->size : 4);

			if (insn->id == X86_INS_MOV && m->size == 4 && lo >= 0 && lo < 4 * N_SLOTS && lo % 4 == 0 &&
			    i == 0 && x->op_count == 2) {
				const cs_x86_op *v = &x->operands[1];

				c->st = ST_STORE;
				c->st_slot = (int8_t)(lo / 4);
				st_value(c, v);
				continue;
			}
			for (int k = 0; k < N_SLOTS; k++)
				if (lo < 4 * (k + 1) && hi > 4 * k)
					c->st_clob |= 1u << k;
		} else if (!(m->mem.base == X86_REG_EBP && m->mem.index == X86_REG_INVALID && m->mem.disp < 0)) {
			/* Through another pointer: it may be the stack's.
			 * A local below the frame pointer is not an
			 * argument being passed. */
			c->st = ST_LOST;
			return;
		}
	}
	if (cs_regs_access(h, insn, rd, &n_rd, wr, &n_wr) != CS_ERR_OK) {
		c->st = ST_LOST;
		return;
	}
	for (int i = 0; i < n_wr; i++)
		if (sys_cs_gpr(wr[i]) == 4)
			c->st = ST_LOST;
	/* String stores write where edi points. */
	if (insn->id == X86_INS_STOSB || insn->id == X86_INS_STOSW || insn->id == X86_INS_STOSD ||
	    insn->id == X86_INS_MOVSB || insn->id == X86_INS_MOVSW || insn->id == X86_INS_MOVSD)
		c->st = ST_LOST;
}

/*
 * i386 PIC code calls __x86.get_pc_thunk.REG (mov (%esp), %REG; ret)
 * between loading a number and using it (glibc's syscall templates:
 * "mov $0xac, %eax; call __x86.get_pc_thunk.bp"): such a call writes REG
 * alone.
 */
static void pc_thunk(struct an *a, const cs_insn *insn, struct cp_insn *c)
{
	const cs_x86 *x = &insn->detail->x86;
	const unsigned char *p;

	if (!c->is_call || x->op_count != 1 || x->operands[0].type != X86_OP_IMM ||
	    !(p = at_addr(a, (uint32_t)x->operands[0].imm, 4)))
		return;
	if (p[0] == 0x8b && (p[1] & 0xc7) == 0x04 && p[2] == 0x24 && p[3] == 0xc3) {
		c->clobber = 1u << ((p[1] >> 3) & 7);
		c->st = ST_NONE;	/* the return address it pushed is gone */
	}
}

/* What c does to the slots of out, from the values before it (in). */
static void cp_stack_step(const struct cp_insn *c, const int32_t *in, int32_t *out)
{
	int32_t *sl = out + SLOT0, v = !c->st_known ? -1 : c->st_reg >= 0 ? in[c->st_reg] : c->st_imm;
	int k, n;

	for (k = 0; k < N_SLOTS; k++)
		if (c->st_clob >> k & 1)
			sl[k] = -1;
	switch (c->st) {
	case ST_PUSH:
		memmove(sl + 1, sl, (N_SLOTS - 1) * sizeof(*sl));
		sl[0] = v;
		break;
	case ST_POP:
		if (c->st_reg >= 0)
			out[c->st_reg] = in[SLOT0];
		memmove(sl, sl + 1, (N_SLOTS - 1) * sizeof(*sl));
		sl[N_SLOTS - 1] = -1;
		break;
	case ST_ADJ:
		n = c->st_adj / 4;
		if (n > 0) {
			for (k = N_SLOTS - 1; k >= 0; k--)
				sl[k] = k - n >= 0 ? sl[k - n] : -1;
		} else {
			for (k = 0; k < N_SLOTS; k++)
				sl[k] = k - n < N_SLOTS ? sl[k - n] : -1;
		}
		break;
	case ST_STORE:
		sl[c->st_slot] = v;
		break;
	case ST_LOST:
		for (k = 0; k < N_SLOTS; k++)
			sl[k] = -1;
		break;
	}
}

static void cp_summarise(csh h, const cs_insn *insn, struct cp_insn *c, int class64)
{
	const cs_x86 *x = &insn->detail->x86;
	cs_regs rd, wr;
	uint8_t n_rd = 0, n_wr = 0;
	int64_t v;

	memset(c, 0, sizeof(*c));
	c->addr = insn->address;
	c->dst = c->src = -1;
	c->succ_fall = 1;
	c->is_jump = cs_insn_group(h, insn, CS_GRP_JUMP);
	c->is_call = cs_insn_group(h, insn, CS_GRP_CALL);
	c->is_sys = insn->id == X86_INS_SYSCALL || insn->id == X86_INS_INT || insn->id == X86_INS_SYSENTER;
	if (c->is_jump) {
		if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
			c->target = x->operands[0].imm;
		if (insn->id == X86_INS_JMP || insn->id == X86_INS_LJMP)
			c->succ_fall = 0;
		return;
	}
	if (cs_insn_group(h, insn, CS_GRP_RET) || insn->id == X86_INS_HLT || insn->id == X86_INS_UD2) {
		c->succ_fall = 0;
		return;
	}
	if (c->is_call) {
		/* Caller-saved: rax rcx rdx rsi rdi r8-r11 (i386: eax ecx edx). */
		c->clobber = class64 ? 0x0fc7 : 0x0007;
		return;
	}
	if (x86_const(insn, X86_REG_RAX, &v) || x86_const(insn, X86_REG_RDI, &v) ||
	    (x->op_count == 2 && x->operands[0].type == X86_OP_REG && sys_cs_gpr_whole(x->operands[0].reg) >= 0 &&
	     ((insn->id == X86_INS_MOV && x->operands[1].type == X86_OP_IMM && (v = x->operands[1].imm, 1)) ||
	      ((insn->id == X86_INS_XOR || insn->id == X86_INS_SUB) && x->operands[1].type == X86_OP_REG &&
	       x->operands[1].reg == x->operands[0].reg && (v = 0, 1))))) {
		c->dst = sys_cs_gpr(x->operands[0].reg);
		c->imm = v >= 0 && v < SYS_UNKNOWN ? (int32_t)v : -1;
		return;
	}
	if (insn->id == X86_INS_MOV && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
	    x->operands[1].type == X86_OP_REG && sys_cs_gpr_whole(x->operands[0].reg) >= 0 &&
	    sys_cs_gpr_whole(x->operands[1].reg) >= 0) {
		c->dst = sys_cs_gpr(x->operands[0].reg);
		c->src = sys_cs_gpr(x->operands[1].reg);
		return;
	}
	if (cs_regs_access(h, insn, rd, &n_rd, wr, &n_wr) != CS_ERR_OK) {
		c->clobber = 0xffff;
		return;
	}
	for (int i = 0; i < n_wr; i++)
		if (sys_cs_gpr(wr[i]) >= 0)
			c->clobber |= 1u << sys_cs_gpr(wr[i]);
}

static long cp_index(const struct cp_fn *f, uint64_t addr)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (f->v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < f->n && f->v[lo].addr == addr ? (long)lo : -1;
}

static int cp_merge(int32_t *dst, const int32_t *src)
{
	int changed = 0;

	for (int r = 0; r < CP_N; r++) {
		int32_t v = dst[r] == V_NONE ? src[r] : dst[r] == src[r] ? dst[r] : -1;

		if (v != dst[r]) {
			dst[r] = v;
			changed = 1;
		}
	}
	return changed;
}

/* Decodes [lo, hi) and propagates; f holds the state before each insn. */
static int cp_run(struct an *a, uint64_t lo, uint64_t hi, struct cp_fn *f)
{
	csh h = x86_handle[a->class64 ? 1 : 0];
	const unsigned char *code = at_addr(a, lo, hi - lo);
	size_t left = hi - lo, cap = 0, *work = NULL, n_work = 0;
	uint64_t addr = lo;
	cs_insn *insn;

	memset(f, 0, sizeof(*f));
	f->lo = lo;
	f->hi = hi;
	if (!h) {
		if (cs_open(CS_ARCH_X86, a->class64 ? CS_MODE_64 : CS_MODE_32, &h) != CS_ERR_OK)
			return -1;
		cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
		x86_handle[a->class64 ? 1 : 0] = h;
	}
	if (!code || hi - lo > (16u << 20))
		return -1;
	insn = cs_malloc(h);
	while (left) {
		if (!cs_disasm_iter(h, &code, &left, &addr, insn)) {
			/* Not an instruction: what follows starts afresh. */
			code++, left--, addr++;
			if (f->n)
				f->v[f->n - 1].succ_fall = 0;
			continue;
		}
		f->v = xgrow(f->v, &cap, f->n + 1, sizeof(*f->v));
		cp_summarise(h, insn, &f->v[f->n], a->class64);
		if (!a->class64) {
			cp_stack(h, insn, &f->v[f->n]);
			pc_thunk(a, insn, &f->v[f->n]);
		}
		f->n++;
	}
	cs_free(insn, 1);
	f->in = xmalloc((f->n + 1) * sizeof(*f->in));
	for (size_t i = 0; i < f->n; i++)
		for (int r = 0; r < CP_N; r++)
			f->in[i][r] = V_NONE;
	work = xmalloc((f->n + 1) * sizeof(*work) * 4);
	if (f->n) {
		for (int r = 0; r < CP_N; r++)
			f->in[0][r] = -1;
		work[n_work++] = 0;
	}
	/* Bounded: each state only falls (none, constant, unknown). Code
	 * no path reaches from the start (after a jmp: a jump table's
	 * target, or the rest of a function a start split) starts with
	 * every register unknown, once the rest is done. */
	for (size_t steps = 0, seed = 1; steps < 64 * (f->n + 1); steps++) {
		if (!n_work) {
			for (; seed < f->n && (f->in[seed][0] != V_NONE || f->v[seed - 1].succ_fall); seed++)
				;
			if (seed >= f->n)
				break;
			for (int r = 0; r < CP_N; r++)
				f->in[seed][r] = -1;
			work[n_work++] = seed;
		}
		{
		size_t i = work[--n_work];
		const struct cp_insn *c = &f->v[i];
		int32_t out[CP_N];
		long t;

		memcpy(out, f->in[i], sizeof(out));
		for (int r = 0; r < GPR_N; r++)
			if (c->clobber >> r & 1)
				out[r] = -1;
		if (c->is_sys)
			out[0] = -1;
		if (c->dst >= 0)
			out[c->dst] = c->src >= 0 ? out[c->src] : c->imm;
		if (c->st)
			cp_stack_step(c, f->in[i], out);
		if (c->succ_fall && i + 1 < f->n && cp_merge(f->in[i + 1], out) && n_work < 4 * f->n)
			work[n_work++] = i + 1;
		if (c->is_jump && c->target && (t = cp_index(f, c->target)) >= 0 && cp_merge(f->in[t], out) &&
		    n_work < 4 * f->n)
			work[n_work++] = t;
		}
	}
	free(work);
	return 0;
}

/* A value as a system call number: -1 unless below SYS_UNKNOWN (a
 * register's constants are, a stack slot's may not be). */
static int32_t cp_nr(int32_t v)
{
	return v >= 0 && v < SYS_UNKNOWN ? v : -1;
}

/* The constant in register reg (0: rax, 7: rdi; SLOT0...: i386's stack)
 * before the instruction at addr in node n, or -1; f caches the last
 * function run. */
static int32_t cp_range(struct an *a, uint64_t lo, uint64_t hi, uint64_t addr, int reg, struct cp_fn *f)
{
	long i;

	if (a->eh.e_machine == EM_AARCH64)
		return hi > lo ? a64_cp_value(&f->a64, at_addr(a, lo, hi - lo), lo, hi, addr, reg, SYS_UNKNOWN) : -1;
	if (f->lo != lo || f->hi != hi) {
		cp_release(f);
		if (cp_run(a, lo, hi, f))
			return -1;
	}
	i = cp_index(f, addr);
	if (i < 0 || f->in[i][reg] == V_NONE)
		return -1;
	return f->in[i][reg];
}

static int32_t cp_value(struct an *a, long n, uint64_t addr, int reg, struct cp_fn *f)
{
	uint64_t hi;
	long i;

	if (n < 0 || (a->eh.e_machine != EM_X86_64 && a->eh.e_machine != EM_386 && a->eh.e_machine != EM_AARCH64))
		return -1;
	hi = (size_t)n + 1 < a->n_starts ? a->starts[n + 1] : 0;
	for (size_t k = 0; k < a->n_exec; k++)
		if (a->starts[n] >= a->exec[k].lo && a->starts[n] < a->exec[k].hi && (!hi || hi > a->exec[k].hi))
			hi = a->exec[k].hi;
	if (a->eh.e_machine == EM_AARCH64)
		return cp_range(a, a->starts[n], hi, addr, reg, f);
	if (f->lo != a->starts[n] || f->hi != hi) {
		cp_release(f);
		if (cp_run(a, a->starts[n], hi, f))
			return -1;
	}
	i = cp_index(f, addr);
	if (i < 0 || f->in[i][reg] == V_NONE)
		return -1;
	return f->in[i][reg];
}

/*
 * A Go binary (sys_go.c): the binary's kind, the pclntab's functions as
 * starts, and the call graph, which the stubs' call sites need.
 */
static void sys_go_hook(struct an *a, struct sys_go *go)
{
	int is_go = sys_go_read(a->e, a->raw, a->size, go);

	a->out->stripped = go->stripped;
	if (!is_go)
		return;
	a->out->is_go = 1;
	snprintf(a->out->go_version, sizeof(a->out->go_version), "%s", go->version);
	a->go = go;
	a->full = 1;
	for (size_t i = 0; i < go->n_fn; i++)
		if (in_exec(a, go->fn[i].entry))
			push_u64(&a->starts, &a->n_starts, &a->cap_starts, go->fn[i].entry);
}

/* ---- function extents ---- */

/* Every FDE starts a function: a stripped library's static functions
 * get nodes of their own (sys_ehframe.c). */
static void add_fde_starts(struct an *a)
{
	a->n_fde = sys_eh_frame_fdes(a->e, a->raw, a->size, &a->fde);
	for (size_t i = 0; i < a->n_fde; i++)
		if (in_exec(a, a->fde[i].lo))
			push_u64(&a->starts, &a->n_starts, &a->cap_starts, a->fde[i].lo);
	for (size_t i = 0; i < a->out->n_exports; i++)
		if (a->exp[i].func)
			push_u64(&a->syms, &a->n_syms, &a->cap_syms, a->exp[i].addr);
	a->n_syms = sort_unique(a->syms, a->n_syms);
}

/*
 * What an indirect call may reach: a function start. Code whose address
 * is taken but that lies inside a function (an FDE) other than at its
 * start and at no symbol is a label, not a function: the targets of a
 * computed goto (glibc's memmove-ssse3 jumps into 64-byte blocks of its
 * own code, vfprintf through tables of label addresses), a non-PIE jump
 * table's entries, a return address pushed by hand, the signal restorer
 * whose FDE starts at the nop before it. A label is reached from its
 * function's start and from the function's computed gotos (below), and
 * by whoever takes its address (EV_AT), not by every indirect call. Code
 * no FDE covers keeps the address-taken policy.
 */
static const struct sys_fde *label_fde(const struct an *a, uint64_t addr)
{
	const struct sys_fde *f = sys_fde_of(a->fde, a->n_fde, addr);

	return f && f->lo != addr && !has_u64(a->syms, a->n_syms, addr) ? f : NULL;
}

/*
 * Calls through glibc's libio vtables. IO_validate_vtable, inlined before
 * each of them, loads __libc_IO_vtables' bounds (lea) and calls
 * _IO_vtable_check when the FILE's vtable pointer lies outside, which
 * aborts unless foreign vtables were allowed (old binaries' own, outside
 * libc); a loop checks once and calls many times. In a function that
 * loads those bounds, a call (or tail jmp) through a register plus a
 * displacement that is a jump table's slot (8-aligned, below 0x100) is
 * taken for a vtable call: it reaches the code the section's tables hold
 * (VTABLE), not every indirect target. The other such calls of those
 * functions go through the wide-character vtables, which sit in the same
 * section; glibc 2.36 does not check those, but every FILE libc makes
 * gets one of its own tables there (_IO_wfile_jumps...): a call through
 * a register loaded from a FILE's _wide_data->_wide_vtable (offset 0xe0,
 * then the slot) is a vtable call too, wherever it is (FORM_WIDE).
 */
static void find_vt_calls(struct an *a)
{
	const struct sys_fde *f;
	uint8_t *checks;

	if (!a->n_vt_checks || !a->n_fde)
		return;
	checks = xcalloc(a->n_fde, 1);
	for (size_t i = 0; i < a->n_vt_checks; i++)
		if ((f = sys_fde_of(a->fde, a->n_fde, a->vt_checks[i])))
			checks[f - a->fde] = 1;
	for (size_t i = 0; i < a->n_ev; i++) {
		struct ev *e = &a->ev[i];

		if ((e->kind == EV_INDCALL || e->kind == EV_INDJMP) && e->target && (e->target - 1) % 8 == 0 &&
		    (e->target & FORM_WIDE || ((f = sys_fde_of(a->fde, a->n_fde, ev_addr(a, e))) && checks[f - a->fde])))
			e->kind = EV_VTCALL;
	}
	free(checks);
}

/*
 * A call that ends its function's FDE does not return: a compiler ends a
 * function with a call only to a function that does not return (else an
 * epilogue or a ret follows), and glibc's assembly does not either
 * (its functions that run into the next end with a jump). __chk_fail ends
 * with its call to __fortify_fail, and the next function opens a FILE.
 */
static int call_ends_fde(const struct an *a, const struct ev *e)
{
	const struct sys_fde *f = sys_fde_of(a->fde, a->n_fde, ev_addr(a, e));

	return f && f->hi <= ev_end(a, e);
}

/*
 * Calls of the caller's callbacks in libc. An indirect call reaches the
 * caller's code when its pointer can only have come from a caller:
 * - printf's handler tables, which only register_printf_specifier,
 *   register_printf_function, register_printf_modifier and
 *   register_printf_type fill, from their arguments (libc registers no
 *   handler of its own): a call within 96 bytes after a load of a
 *   variable those functions load or store (8 bytes, rip-relative), no
 *   barrier between;
 * - fopencookie's functions, which libio's cookie functions (code
 *   __libc_IO_vtables holds) call through a demangled pointer
 *   (xor %fs:0x30 within 32 bytes before; libc opens no cookie FILE of
 *   its own).
 * The caller's code is the caller's business: its own sites, or the code
 * whose address it takes (build_graph()). Such a call (EV_CBCALL) has no
 * edge in libc's graph.
 */
static int near_before(const struct an *a, uint64_t from, uint64_t to)
{
	/* No barrier (ret, jmp) in [from, to). */
	size_t lo = 0, hi = a->n_bar;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a->bar[mid].lo <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo >= a->n_bar || a->bar[lo].lo > to;
}

static int cmp_var(const void *x, const void *y)
{
	const struct var_ref *p = x, *q = y;

	return p->at < q->at ? -1 : p->at > q->at;
}

static void find_callbacks(struct an *a)
{
	static const char *const reg[] = {
		"register_printf_specifier", "register_printf_function", "register_printf_modifier",
		"register_printf_type",
	};
	uint64_t *tabs = NULL;
	size_t n_tabs = 0, cap_tabs = 0, v = 0;

	if (!a->n_vars || !a->n_fde)
		return;
	qsort(a->vars, a->n_vars, sizeof(*a->vars), cmp_var);
	a->n_vt_fns = sort_unique(a->vt_fns, a->n_vt_fns);
	for (size_t i = 0; i < a->out->n_exports; i++) {
		const struct sys_fde *f;
		const char *name = sys_str(a->out, a->out->exports[i].name);
		int hit = 0;

		for (size_t k = 0; k < ARRAY_SIZE(reg) && !hit; k++)
			hit = !strcmp(name, reg[k]);
		if (!hit || !a->exp[i].func || !(f = sys_fde_of(a->fde, a->n_fde, a->exp[i].addr)))
			continue;
		for (size_t k = 0; k < a->n_vars; k++)
			if (a->vars[k].at >= f->lo && a->vars[k].at < f->hi && a->vars[k].var != VAR_DEMANGLE)
				push_u64(&tabs, &n_tabs, &cap_tabs, a->vars[k].var);
	}
	n_tabs = sort_unique(tabs, n_tabs);
	for (size_t i = 0; i < a->n_ev; i++) {
		struct ev *e = &a->ev[i];
		const struct sys_fde *f;

		if (e->kind != EV_INDCALL && e->kind != EV_INDJMP)
			continue;
		while (v < a->n_vars && a->vars[v].at < ev_addr(a, e))
			v++;
		/* The loads before it, nearest first. */
		for (size_t k = v; k-- > 0 && ev_addr(a, e) - a->vars[k].at < 96;) {
			const struct var_ref *r = &a->vars[k];

			if (!near_before(a, r->at, ev_addr(a, e)))
				break;
			if (r->var == VAR_DEMANGLE ? ev_addr(a, e) - r->at < 32 && (f = sys_fde_of(a->fde, a->n_fde, ev_addr(a, e))) &&
						     has_u64(a->vt_fns, a->n_vt_fns, f->lo)
						   : has_u64(tabs, n_tabs, r->var)) {
				e->kind = EV_CBCALL;
				break;
			}
		}
	}
	free(tabs);
}

static int indirect_target(const struct an *a, uint64_t addr)
{
	return !label_fde(a, addr);
}

/*
 * An indirect jmp in a function that holds labels is a computed goto
 * among them (or a jump table): it stays in its function, as a jump
 * table does. (Compilers do not mix computed gotos with indirect tail
 * calls in one function; an indirect call is never taken for one.)
 */
static void find_gotos(struct an *a)
{
	const struct sys_fde *f;

	a->gotos = xcalloc(a->n_fde + 1, 1);
	for (size_t i = 0; i < a->n_ev + a->n_at; i++) {
		uint64_t t = i < a->n_ev ? a->ev[i].target : a->at[i - a->n_ev];

		if ((i >= a->n_ev || a->ev[i].kind == EV_AT) && (f = label_fde(a, t))) {
			a->gotos[f - a->fde] = 1;
			push_u64(&a->labels, &a->n_labels, &a->cap_labels, t);
		}
	}
	a->n_labels = sort_unique(a->labels, a->n_labels);
}

static const struct sys_fde *goto_fde(const struct an *a, uint64_t addr)
{
	const struct sys_fde *f = sys_fde_of(a->fde, a->n_fde, addr);

	return f && a->gotos && a->gotos[f - a->fde] ? f : NULL;
}

/* ---- the graph ---- */

static long node_of(const struct an *a, uint64_t addr)
{
	size_t lo = 0, hi = a->n_starts;

	if (!a->n_starts || addr < a->starts[0] || !in_exec(a, addr))
		return -1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a->starts[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

/* node_of() of an event's address (in the code: no range to check), for
 * events met in address order: from *hint, the last answer, on. */
static long node_near(const struct an *a, uint64_t addr, long *hint)
{
	size_t i = *hint >= 0 ? (size_t)*hint : 0;

	if (i < a->n_starts && a->starts[i] <= addr) {
		for (int k = 0; k < 4 && i + 1 < a->n_starts && a->starts[i + 1] <= addr; k++)
			i++;
		if (i + 1 == a->n_starts || addr < a->starts[i + 1])
			return *hint = (long)i;
	}
	return *hint = node_of(a, addr);
}

/*
 * What a node does itself, as keys node << 32 | fact: a fact below SYS_MAX
 * is a system call's number, SYS_MAX + i a call to import i. A list, not a
 * set per node: libMLIR's 194,000 nodes do some 40,000 things, and a set
 * of its 1,154 imports per node took 30 MB.
 */
#define FACT_IMPORT SYS_MAX

struct graph {
	size_t n;		/* nodes, INDIRECT included (the last) */
	uint64_t *own;		/* sorted, unique */
	size_t n_own, cap_own;
	uint32_t *own_first;	/* CSR: node i's facts are own[own_first[i]..own_first[i+1]) */
	size_t iw;		/* words of a set of imports */
	uint64_t *e;		/* from << 32 | to, sorted */
	size_t n_e, cap_e;
	uint32_t *first;	/* CSR: edges of node i are e[first[i]..first[i+1]) */
};

static uint32_t edge_to(uint64_t e)
{
	return (uint32_t)e;
}

static void edge(struct graph *g, long from, long to)
{
	if (from < 0 || to < 0 || from == to)
		return;
	g->e = xgrow(g->e, &g->cap_e, g->n_e + 1, sizeof(*g->e));
	g->e[g->n_e++] = (uint64_t)from << 32 | (uint64_t)to;
}

static void own(struct graph *g, long node, uint32_t fact)
{
	if (node < 0)
		return;
	g->own = xgrow(g->own, &g->cap_own, g->n_own + 1, sizeof(*g->own));
	g->own[g->n_own++] = (uint64_t)node << 32 | fact;
}

/* nr < 0: a number not known. */
static void own_syscall(struct graph *g, long node, int nr)
{
	own(g, node, nr < 0 || nr >= SYS_MAX ? SYS_UNKNOWN : (unsigned)nr);
}

/* The import a node is a stub for (a PLT entry: its first event jumps
 * through an import's slot), or -1. */
static long *stub_imports(const struct an *a)
{
	long *st = xmalloc((a->n_starts + 1) * sizeof(*st));
	long last = -2, hint = -1;

	for (size_t i = 0; i <= a->n_starts; i++)
		st[i] = -1;
	for (size_t i = 0; i < a->n_ev; i++) {
		const struct ev *e = &a->ev[i];
		long n = node_near(a, ev_addr(a, e), &hint);
		const struct slot *s;

		if (n < 0 || n == last || e->kind == EV_AT || e->kind == EV_CBCALL)
			continue;
		last = n;
		if (e->kind == EV_SLOTJMP && (s = find_slot(a, e->target)) && s->kind == SLOT_IMPORT &&
		    ev_addr(a, e) - a->starts[n] < a->arch->stub_len)
			st[n] = s->value;
	}
	return st;
}

static int is_syscall_import(const struct an *a, long im)
{
	return im >= 0 && !strcmp(sys_str(a->out, a->out->imports[im].name), "syscall");
}

/* A request code read from i386's stack (-1: not a constant). */
static void sys_req_site_read(struct sys_info *out, int call, int32_t v)
{
	sys_req_site_add(out, call, v != -1 && v != V_NONE, (uint32_t)v);
}

/* syscall(nr, a1, a2) on i386: ioctl's and fcntl's code is a2, prctl's a1. */
static void i386_syscall_req(struct an *a, int32_t nr, int32_t a1, int32_t a2)
{
	if (nr == 54)
		sys_req_site_read(a->out, SYS_REQ_IOCTL, a2);
	else if (nr == 55 || nr == 221)
		sys_req_site_read(a->out, SYS_REQ_FCNTL, a2);
	else if (nr == 172)
		sys_req_site_read(a->out, SYS_REQ_PRCTL, a1);
}

/* A computed goto at node from, in function f, reaches f's labels. */
static void label_edges(const struct an *a, struct graph *g, long from, const struct sys_fde *f)
{
	size_t lo = 0, hi = a->n_labels;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a->labels[mid] < f->lo)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < a->n_labels && a->labels[lo] < f->hi; lo++)
		edge(g, from, node_of(a, a->labels[lo]));
}

static void build_graph(struct an *a, struct graph *g)
{
	long *stub = stub_imports(a);
	long ind = a->n_starts, hint = -1;
	const struct sys_fde *fde;
	struct cp_fn cp = { 0 };

	g->n = a->n_starts + 2;	/* INDIRECT, then VTABLE */
	g->iw = (a->out->n_imports + 63) / 64;

	for (size_t i = 0; i < a->n_ev; i++) {
		struct ev *e = &a->ev[i];
		long from = node_near(a, ev_addr(a, e), &hint), to = -1, im = -1;
		const struct slot *s;
		int32_t arg;

		switch (e->kind) {
		case EV_SYS:
			arg = e->foreign ? -1
				: a->full ? cp_value(a, from, ev_addr(a, e), a->arch->nr_reg, &cp)
					  : cp_range(a, e->target, ev_end(a, e), ev_addr(a, e), a->arch->nr_reg, &cp);
			if (arg < 0 && a->full && sys_go_passes(a->go, ev_addr(a, e))) {
				/* A Go stub's number: counted at its callers'
				 * (calls are events only with the graph). */
				if (sys_go_taken(a->go, ev_addr(a, e)))
					own_syscall(g, from, -1);
				continue;
			}
			goto counted;
		case EV_CALL:
		case EV_JMP:
			to = node_of(a, e->target);
			if (to < 0)
				continue;
			if (e->kind == EV_JMP && to == from)
				continue;
			if (sys_go_stub(a->go, e->target)) {
				arg = sys_go_number(a->go, ev_addr(a, e), sys_go_stub(a->go, e->target), &a->go_cache);
				if (arg >= 0)
					sys_go_request(a->go, ev_addr(a, e), sys_go_stub(a->go, e->target), arg,
						       &a->go_cache, a->out);
				/* A stub calling another passes its caller's
				 * number on. */
				if (arg < 0 && sys_go_passes(a->go, ev_addr(a, e)))
					continue;
				goto counted;
			}
			im = stub[to];
			if (is_syscall_import(a, im) || has_u64(a->syscall_fns, a->n_syscall_fns, e->target))
				goto syscall_call;
			if (a->full)
				edge(g, from, to);
			continue;
		case EV_SLOTCALL:
		case EV_SLOTJMP:
			s = find_slot(a, e->target);
			if (!s) {
				/* The dynamic linker's resolver (lazy binding): its part. */
				if (a->pltgot && (e->target == a->pltgot + 2 * (a->class64 ? 8 : 4)))
					continue;
				if (a->full)
					edge(g, from, ind);
				continue;
			}
			if (s->kind == SLOT_IMPORT) {
				im = s->value;
				if (is_syscall_import(a, im) && stub[from] != im)
					goto syscall_call;
				own(g, from, FACT_IMPORT + im);
				a->out->imports[im].reached = 1;
				continue;
			}
			if (a->full)
				edge(g, from, node_of(a, s->value));
			continue;
		case EV_VTCALL:
			if (a->full)
				edge(g, from, ind + 1);
			continue;
		case EV_CBCALL:
			continue;
		case EV_INDCALL:
		case EV_INDJMP:
			if (a->full && e->kind == EV_INDJMP && (fde = goto_fde(a, ev_addr(a, e)))) {
				label_edges(a, g, from, fde);
				continue;
			}
			if (a->full)
				edge(g, from, ind);
			continue;
		case EV_SCALL:
			if (e->req) {
				/* i386's ioctl(fd, req), fcntl(fd, cmd), prctl(option). */
				sys_req_site_read(a->out, e->req - 1, cp_range(a, e->target, ev_end(a, e), ev_addr(a, e),
					SLOT0 + (e->req - 1 != SYS_REQ_PRCTL), &cp));
				continue;
			}
			arg = cp_nr(cp_range(a, e->target, ev_end(a, e), ev_addr(a, e), a->class64 ? a->arch->arg_reg : SLOT0, &cp));
			if (!a->class64)
				i386_syscall_req(a, arg, cp_range(a, e->target, ev_end(a, e), ev_addr(a, e), SLOT0 + 1, &cp),
						 cp_range(a, e->target, ev_end(a, e), ev_addr(a, e), SLOT0 + 2, &cp));
			goto counted;
		case EV_AT:
			/* Code whose address a function takes is code it
			 * may have called: the callback it registers
			 * (qsort, pthread_create, the signal restorer
			 * sigaction hands the kernel), the implementation
			 * an IFUNC resolver picks. */
			if (a->full)
				edge(g, from, node_of(a, e->target));
			continue;
		}
		continue;
syscall_call:
		/* syscall(SYS_x, ...): the number is the first argument
		 * (i386: on the stack, at 0(%esp)). */
		arg = cp_nr(cp_value(a, from, ev_addr(a, e), a->class64 ? a->arch->arg_reg : SLOT0, &cp));
		if (!a->class64)
			i386_syscall_req(a, arg, cp_value(a, from, ev_addr(a, e), SLOT0 + 1, &cp),
					 cp_value(a, from, ev_addr(a, e), SLOT0 + 2, &cp));
counted:
		a->out->n_sites++;
		a->out->n_unknown_sites += arg < 0;
		own_syscall(g, from, arg);
		sys_set_add(&a->out->direct, arg < 0 ? SYS_UNKNOWN : (unsigned)arg);
		if (im >= 0)
			a->out->imports[im].reached = 1;
	}
	cp_release(&cp);
	if (a->go)
		sys_go_requests_done(a->go, &a->go_cache, a->out);
	if (!a->full)
		goto out;

	/*
	 * INDIRECT leads to every function whose address the file's data
	 * holds (relocations, initialiser arrays, a non-PIE file's words)
	 * and every import it holds a pointer to. Code whose address an
	 * instruction loads (lea, a non-PIE immediate) is reached by the
	 * function that loads it (EV_AT), not by every indirect call: the
	 * pointer exists only once that function ran, and a binary's set is
	 * the union over all it may run (its imports, the initialisers, the
	 * loader), so the function, and through it the code, is in it. This
	 * is narrower than sysfilter's policy (every address-taken function)
	 * and as sound for a binary's set; an export's own set, and so the
	 * via column, may leave out what another export's callback issues.
	 */
	for (size_t i = 0; i < a->n_at; i++)
		if (indirect_target(a, a->at[i]))
			edge(g, ind, node_of(a, a->at[i]));
	/* VTABLE leads to the code libio's jump tables hold. */
	for (size_t i = 0; i < a->n_vt_fns; i++)
		edge(g, ind + 1, node_of(a, a->vt_fns[i]));
	/* A function reaches its labels. */
	for (size_t i = 0; i < a->n_labels; i++)
		edge(g, node_of(a, sys_fde_of(a->fde, a->n_fde, a->labels[i])->lo), node_of(a, a->labels[i]));
	for (size_t i = 0; i < a->n_at_imports; i++) {
		own(g, ind, FACT_IMPORT + a->at_imports[i]);
		a->out->imports[a->at_imports[i]].reached = 1;
	}

	/* Falling through into the next start. */
	{
		size_t b = 0, c = 0;
		const struct ev **calls = NULL;
		size_t n_calls = 0, cap_calls = 0;

		for (size_t i = 0; i < a->n_ev; i++)
			if (a->ev[i].kind == EV_CALL || a->ev[i].kind == EV_SLOTCALL) {
				calls = xgrow(calls, &cap_calls, n_calls + 1, sizeof(*calls));
				calls[n_calls++] = &a->ev[i];
			}
		for (size_t i = 1; i < a->n_starts; i++) {
			uint64_t s = a->starts[i];
			int stops = 0;

			while (b < a->n_bar && a->bar[b].hi < s)
				b++;
			for (size_t k = b; k < a->n_bar && a->bar[k].lo <= s && !stops; k++)
				stops = a->bar[k].hi >= s;
			while (c < n_calls && ev_end(a, calls[c]) < s)
				c++;
			for (size_t k = c; k < n_calls && ev_addr(a, calls[k]) < s && !stops; k++) {
				const struct ev *e = calls[k];
				long t;

				if (ev_end(a, e) < s)
					continue;
				if (e->kind == EV_CALL) {
					t = node_of(a, e->target);
					stops = has_u64(a->noret, a->n_noret, e->target) ||
						(t >= 0 && stub[t] >= 0 &&
						 is_noreturn(sys_str(a->out, a->out->imports[stub[t]].name)));
				} else {
					const struct slot *sl = find_slot(a, e->target);

					stops = sl && sl->kind == SLOT_IMPORT &&
						is_noreturn(sys_str(a->out, a->out->imports[sl->value].name));
				}
				stops = stops || call_ends_fde(a, e);
			}
			/* A PLT stub's lazy-binding tail (push; jmp PLT0) is
			 * not taken once bound. */
			if (!stops && stub[i - 1] < 0 && !sys_go_is_entry(a->go, s))
				edge(g, i - 1, i);
		}
		free(calls);
	}
out:
	free(stub);
	g->e = shrink(g->e, &g->cap_e, g->n_e, sizeof(*g->e));
	sys_sort_u64(g->e, g->n_e);
	g->first = xcalloc(g->n + 1, sizeof(*g->first));
	for (size_t i = 0; i < g->n_e; i++)
		g->first[(g->e[i] >> 32) + 1]++;
	for (size_t i = 0; i < g->n; i++)
		g->first[i + 1] += g->first[i];
	g->n_own = sort_unique(g->own, g->n_own);
	g->own_first = xcalloc(g->n + 1, sizeof(*g->own_first));
	for (size_t i = 0; i < g->n_own; i++)
		g->own_first[(g->own[i] >> 32) + 1]++;
	for (size_t i = 0; i < g->n; i++)
		g->own_first[i + 1] += g->own_first[i];
}

/*
 * What a component reaches: a set of system calls, then a set of imports,
 * in one value of SW + iw words. Each distinct value is kept once: with
 * indirect calls over-approximated most of a large library's components
 * reach one of a few thousand values, and a value per component took
 * libMLIR 40 MB.
 */
#define SW (SYS_MAX / 64)

struct values {
	uint64_t *v;		/* n values of w words; value 0 is empty */
	size_t n, cap, w;
	uint32_t *slot;		/* open addressing: index + 1, 0 free */
	size_t cap_slot;
};

static void values_rehash(struct values *t)
{
	t->cap_slot = t->cap_slot ? 2 * t->cap_slot : 1024;
	free(t->slot);
	t->slot = xcalloc(t->cap_slot, sizeof(*t->slot));
	for (size_t k = 0; k < t->n; k++) {
		size_t i = XXH3_64bits(&t->v[k * t->w], t->w * 8) & (t->cap_slot - 1);

		while (t->slot[i])
			i = (i + 1) & (t->cap_slot - 1);
		t->slot[i] = k + 1;
	}
}

static uint32_t value_id(struct values *t, const uint64_t *v)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap_slot)
		values_rehash(t);
	for (i = XXH3_64bits(v, t->w * 8) & (t->cap_slot - 1); t->slot[i]; i = (i + 1) & (t->cap_slot - 1))
		if (!memcmp(&t->v[(t->slot[i] - 1) * t->w], v, t->w * 8))
			return t->slot[i] - 1;
	t->v = xgrow(t->v, &t->cap, (t->n + 1) * t->w, sizeof(*t->v));
	memcpy(&t->v[t->n * t->w], v, t->w * 8);
	t->slot[i] = ++t->n;
	return t->n - 1;
}

/*
 * Tarjan's strongly connected components, iteratively: each component is
 * complete when its root is popped, after every component it reaches, so
 * its value (its nodes' own facts, and its successors' values) is final
 * then.
 */
struct closure {
	uint32_t *comp;		/* node -> component */
	uint32_t *val;		/* component -> value */
	struct values vals;
};

static const uint64_t *value_of(const struct closure *c, long node)
{
	return &c->vals.v[c->val[c->comp[node]] * c->vals.w];
}

/* Component k's value: what its nodes do, and what the components they
 * call reach (all complete); one successor's value alone is taken as it
 * is, without hashing. */
static uint32_t fold(const struct graph *g, struct closure *c, uint32_t k, const uint32_t *nodes, size_t n,
		     const uint8_t *on, uint64_t *acc)
{
	uint32_t last = UINT32_MAX;
	size_t w = c->vals.w, distinct = 0, facts = 0;

	memset(acc, 0, w * sizeof(*acc));
	for (size_t j = 0; j < n; j++) {
		uint32_t v = nodes[j];

		for (uint32_t x = g->own_first[v]; x < g->own_first[v + 1]; x++, facts++) {
			uint32_t f = (uint32_t)g->own[x];

			acc[f / 64] |= 1ull << (f % 64);
		}
		for (uint32_t x = g->first[v]; x < g->first[v + 1]; x++) {
			uint32_t t = c->comp[edge_to(g->e[x])], id;
			const uint64_t *sv;

			if (t == k || on[edge_to(g->e[x])] || (id = c->val[t]) == last || !id)
				continue;
			last = id;
			distinct++;
			sv = &c->vals.v[id * w];
			for (size_t q = 0; q < w; q++)
				acc[q] |= sv[q];
		}
	}
	if (!facts && distinct <= 1)
		return distinct ? last : 0;
	return value_id(&c->vals, acc);
}

static void close_graph(const struct graph *g, struct closure *c)
{
	size_t n = g->n, sp = 0, csp = 0, idx = 0, n_comp = 0;
	uint32_t *index = xmalloc(n * sizeof(*index)), *low = xmalloc(n * sizeof(*low));
	uint32_t *stack = xmalloc(n * sizeof(*stack)), *cstack = xmalloc(n * sizeof(*cstack));
	uint32_t *it = xmalloc(n * sizeof(*it));
	uint8_t *on = xcalloc(n, 1);
	uint64_t *acc;

	memset(c, 0, sizeof(*c));
	c->vals.w = SW + g->iw;
	acc = xcalloc(c->vals.w, sizeof(*acc));
	value_id(&c->vals, acc);	/* 0: nothing */
	c->comp = xmalloc(n * sizeof(*c->comp));
	c->val = xmalloc(n * sizeof(*c->val));
	for (size_t i = 0; i < n; i++)
		index[i] = UINT32_MAX;
	for (size_t root = 0; root < n; root++) {
		if (index[root] != UINT32_MAX)
			continue;
		cstack[csp++] = root;
		index[root] = low[root] = idx++;
		it[root] = g->first[root];
		stack[sp++] = root;
		on[root] = 1;
		while (csp) {
			uint32_t v = cstack[csp - 1], k;
			size_t top = sp;

			if (it[v] < g->first[v + 1]) {
				uint32_t w = edge_to(g->e[it[v]++]);

				if (index[w] == UINT32_MAX) {
					index[w] = low[w] = idx++;
					it[w] = g->first[w];
					stack[sp++] = w;
					on[w] = 1;
					cstack[csp++] = w;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			csp--;
			if (csp && low[v] < low[cstack[csp - 1]])
				low[cstack[csp - 1]] = low[v];
			if (low[v] != index[v])
				continue;
			/* v roots a component: pop it, then fold. */
			k = n_comp++;
			do {
				uint32_t w = stack[--sp];

				on[w] = 0;
				c->comp[w] = k;
			} while (stack[sp] != v);
			c->val[k] = fold(g, c, k, &stack[sp], top - sp, on, acc);
		}
	}
	free(acc);
	free(index);
	free(low);
	free(stack);
	free(cstack);
	free(it);
	free(on);
}

static void value_or(uint64_t *acc, const struct closure *c, long node)
{
	const uint64_t *v = value_of(c, node);

	for (size_t q = 0; q < c->vals.w; q++)
		acc[q] |= v[q];
}

static void closure_release(struct closure *c)
{
	free(c->comp);
	free(c->val);
	free(c->vals.v);
	free(c->vals.slot);
}

static void imports_of(const uint64_t *bits, size_t iw, uint32_t **out, uint32_t *n)
{
	size_t cnt = 0;

	for (size_t q = 0; q < iw; q++)
		cnt += __builtin_popcountll(bits[q]);
	*n = cnt;
	*out = cnt ? xmalloc(cnt * sizeof(**out)) : NULL;
	cnt = 0;
	for (size_t q = 0; q < iw; q++)
		for (uint64_t b = bits[q]; b; b &= b - 1)
			(*out)[cnt++] = q * 64 + __builtin_ctzll(b);
}

/*
 * The imports an export reaches, as a list shared with every export that
 * reaches the same ones (owned by s->lists): with indirect calls
 * over-approximated most of a large library's exports reach the same few
 * hundred, and libLLVM's 52,000 exports held 100 MB of copies.
 */
struct list_table {
	uint32_t *slot;		/* index + 1 into s->lists, 0: free */
	size_t cap;
};

/* The list in s->lists of the imports bits holds, as index + 1; 0: none. */
static uint32_t share_imports(struct sys_info *s, const uint64_t *bits, size_t iw, struct list_table *t)
{
	uint32_t *v, n;
	uint64_t h;
	size_t i;

	imports_of(bits, iw, &v, &n);
	if (!n)
		return 0;
	if (2 * (s->n_lists + 1) > t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		free(t->slot);
		t->slot = xcalloc(t->cap, sizeof(*t->slot));
		for (size_t k = 0; k < s->n_lists; k++) {
			uint64_t hk = XXH3_64bits(s->lists[k].v, s->lists[k].n * sizeof(uint32_t));

			for (i = hk & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
				;
			t->slot[i] = k + 1;
		}
	}
	h = XXH3_64bits(v, n * sizeof(*v));
	for (i = h & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1)) {
		const struct sys_list *l = &s->lists[t->slot[i] - 1];

		if (l->n == n && !memcmp(l->v, v, n * sizeof(*v))) {
			free(v);
			return t->slot[i];
		}
	}
	s->lists = xrealloc(s->lists, (s->n_lists + 1) * sizeof(*s->lists));
	s->lists[s->n_lists] = (struct sys_list){ v, n };
	t->slot[i] = ++s->n_lists;
	return s->n_lists;
}

static uint64_t early_init(const struct an *a)
{
	for (size_t i = 0; i < a->out->n_exports; i++)
		if (a->exp[i].func && !strcmp(sys_str(a->out, a->out->exports[i].name), "__libc_early_init"))
			return a->exp[i].addr;
	return 0;
}

static void reach(struct an *a, struct graph *g)
{
	struct list_table lists = { 0 };
	struct closure c;
	struct sys_info *s = a->out;
	uint32_t *list;		/* per value: its imports' list + 1, 0 not yet */
	long n;

	close_graph(g, &c);
	list = xcalloc(c.vals.n, sizeof(*list));
	for (size_t i = 0; i < s->n_exports; i++) {
		struct sys_export *x = &s->exports[i];
		uint32_t id, l;

		if (!a->exp[i].func || (n = node_of(a, a->exp[i].addr)) < 0)
			continue;
		id = c.val[c.comp[n]];
		memcpy(&x->set, value_of(&c, n), sizeof(x->set));
		if (!list[id])
			list[id] = share_imports(s, value_of(&c, n) + SW, g->iw, &lists) + 1;
		l = list[id] - 1;
		x->imports = l ? s->lists[l - 1].v : NULL;
		x->n_imports = l ? s->lists[l - 1].n : 0;
		x->list = l;
	}
	free(list);
	free(lists.slot);
	{
		uint64_t *acc = xcalloc(c.vals.w, sizeof(*acc));
		/* glibc's loader calls libc's __libc_early_init at every
		 * start, as it runs an initialiser. */
		uint64_t roots[3] = { a->dyn[DT_INIT], a->dyn[DT_FINI], early_init(a) };

		for (size_t i = 0; i < ARRAY_SIZE(roots) + a->n_inits; i++) {
			uint64_t r = i < ARRAY_SIZE(roots) ? roots[i] : a->inits[i - ARRAY_SIZE(roots)];

			if (r && (n = node_of(a, r)) >= 0)
				value_or(acc, &c, n);
		}
		memcpy(&s->init, acc, sizeof(s->init));
		imports_of(acc + SW, g->iw, &s->init_imports, &s->n_init_imports);
		free(acc);
	}
	if (s->has_entry) {
		uint64_t *acc = xcalloc(c.vals.w, sizeof(*acc));
		uint64_t roots[4] = { a->eh.e_entry, a->dyn[DT_INIT], a->dyn[DT_FINI], 0 };

		for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
			if (roots[i] && (n = node_of(a, roots[i])) >= 0)
				value_or(acc, &c, n);
		/* The initialiser arrays are address-taken: INDIRECT reaches
		 * them, and the startup code calls through it. */
		if (a->init_arraysz || a->preinitsz)
			value_or(acc, &c, a->n_starts);
		memcpy(&s->entry, acc, sizeof(s->entry));
		imports_of(acc + SW, g->iw, &s->entry_imports, &s->n_entry_imports);
		free(acc);
	}
	closure_release(&c);
}

static void graph_release(struct graph *g)
{
	free(g->own);
	free(g->own_first);
	free(g->e);
	free(g->first);
}

static void an_release(struct an *a)
{
	free(a->load);
	free(a->exec);
	free(a->sym_import);
	free(a->sym_export);
	free(a->starts);
	free(a->noret);
	free(a->syscall_fns);
	free(a->at);
	free(a->inits);
	free(a->at_imports);
	free(a->slots);
	free(a->ev);
	free(a->bar);
	free(a->vername);
	free(a->exp);
	free(a->fde);
	free(a->syms);
	free(a->labels);
	free(a->gotos);
	free(a->vt_fns);
	free(a->vt_checks);
	free(a->vars);
}

/* PARAKIT_SYS_WHY (sys_why.c). */
static void print_why(const struct an *a, const struct graph *g)
{
	uint64_t *exp_addr = xcalloc(a->out->n_exports + 1, sizeof(*exp_addr));
	struct sys_why_graph w = {
		.n = g->n, .starts = a->starts, .n_starts = a->n_starts, .first = g->first,
		.edges = g->e, .own = g->own, .own_first = g->own_first,
		.info = a->out, .exp_addr = exp_addr,
	};

	for (size_t i = 0; i < a->out->n_exports; i++)
		exp_addr[i] = a->exp[i].func ? a->exp[i].addr : 0;
	sys_why_print(&w);
	free(exp_addr);
}

#define BIG_CODE (16u << 20)
static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;

int sys_analyze(Elf *e, const unsigned char *raw, size_t size, int flags, struct sys_info *out, const char **why)
{
	return sys_analyze_hooked(e, raw, size, flags, out, why, NULL);
}

int sys_analyze_hooked(Elf *e, const unsigned char *raw, size_t size, int flags, struct sys_info *out,
		       const char **why, const struct sys_hook *hook)
{
	uint64_t code = 0;
	int big;
	struct an a = { .e = e, .raw = raw, .size = size, .out = out, .hook = hook };
	struct elf_dyn_tables t;
	struct graph g = { 0 };
	struct sys_go go;
	int has_dynamic, has_interp = 0;
	size_t phnum;

	memset(out, 0, sizeof(*out));
	str_add(out, "");
	if (!gelf_getehdr(e, &a.eh)) {
		*why = "no ELF header";
		sys_info_free(out);
		return -1;
	}
	a.class64 = gelf_getclass(e) == ELFCLASS64;
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (arches[i].em == a.eh.e_machine && arches[i].class64 == a.class64)
			a.arch = &arches[i];
	if (!a.arch || !a.arch->decode) {
		*why = "no decoder for this machine yet";
		sys_info_free(out);
		return -1;
	}
	out->abi = a.arch->abi;
	read_phdrs(&a);
	code_sections(&a);
	if (!elf_getphdrnum(e, &phnum))
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_INTERP && ph.p_offset < size)
				has_interp = 1;
			if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_INTERP && ph.p_offset < size &&
			    ph.p_filesz <= size - ph.p_offset) {
				char *p = xstrndup((const char *)raw + ph.p_offset, ph.p_filesz);

				out->interp = str_add(out, p);
				free(p);
			}
		}
	has_dynamic = !elf_dyn_tables(e, &t, why);
	*why = NULL;
	if (has_dynamic) {
		read_dynamic(&a, &t);
		cut_tables(&a, &t);
		read_versions(&a, &t);
		read_dynsym(&a, &t);
	}
	a.is_pie_or_lib = a.eh.e_type == ET_DYN;
	out->is_exec = has_interp || a.eh.e_type == ET_EXEC;
	out->is_static = !has_interp && !out->n_needed && (a.eh.e_type == ET_EXEC || a.eh.e_type == ET_DYN) &&
			 !out->soname;
	/* The dynamic loader and libc (runnable libraries), and static
	 * binaries: what runs from the entry point. */
	out->has_entry = a.eh.e_entry && (out->is_static || out->soname);
	/* Export maps for libraries (a PIE executable's exports are nobody's
	 * imports) and what runs from the entry point: only these need the
	 * call graph; a dynamically linked executable needs its syscall
	 * sites, its calls to syscall() and the function starts around them. */
	a.full = out->has_entry || (out->n_exports && (out->soname || !out->is_exec));
	sys_go_hook(&a, &go);
	if (a.full && !out->is_static && (flags & SYS_NO_MAP)) {
		a.full = out->has_entry = 0;
		out->no_map = 1;
	}
	read_symtab(&a);
	if (a.full)
		sys_libio_vtables(e, &a.vt_lo, &a.vt_hi);
	read_relocs(&a, has_dynamic);
	if (a.n_slots)
		qsort(a.slots, a.n_slots, sizeof(*a.slots), cmp_slot);
	for (size_t i = 0; i < a.n_slots; i++)
		if (a.slots[i].kind == SLOT_IMPORT && a.n_syscall_slot < (int)ARRAY_SIZE(a.syscall_slot) &&
		    (is_syscall_import(&a, a.slots[i].value) ||
		     (!a.class64 && req_import(&a, a.slots[i].value) >= 0))) {
			a.syscall_slot_kind[a.n_syscall_slot] = 1 + req_import(&a, a.slots[i].value);
			a.syscall_slot[a.n_syscall_slot++] = a.slots[i].addr;
		}
	read_code_pointers(&a);
	if (a.full)
		add_fde_starts(&a);
	if (a.eh.e_entry && in_exec(&a, a.eh.e_entry))
		push_u64(&a.starts, &a.n_starts, &a.cap_starts, a.eh.e_entry);
	for (size_t i = 0; i < a.n_exec; i++)
		push_u64(&a.starts, &a.n_starts, &a.cap_starts, a.exec[i].lo);
	/* One worker at a time builds the graph of a very large library
	 * (libLLVM's 58 MB of code take some 200 MB of events and nodes,
	 * Vulkan's validation layer's 16 MB some 60): the peak stays one
	 * such graph whatever --jobs says. */
	for (size_t i = 0; i < a.n_exec; i++) {
		code += a.exec[i].hi - a.exec[i].lo;
		if (!i || a.exec[i].lo < a.code_base)
			a.code_base = a.exec[i].lo;
	}
	for (size_t i = 0; i < a.n_exec; i++)
		if (a.exec[i].hi - a.code_base > UINT32_MAX) {
			*why = "code spans over 4 GiB of addresses";
			an_release(&a);
			sys_go_release(&go);
			sys_info_free(out);
			return -1;
		}
	if ((big = a.full && code > BIG_CODE))
		pthread_mutex_lock(&big_lock);
	if (a.arch->decode(&a)) {
		if (big)
			pthread_mutex_unlock(&big_lock);
		*why = "cannot start the disassembler";
		an_release(&a);
		sys_go_release(&go);
		sys_info_free(out);
		return -1;
	}
	if (hook && hook->done)
		hook->done(hook->ctx);
	/* Call targets and address-taken code start functions too. */
	for (size_t i = 0; i < a.n_ev; i++)
		if ((a.ev[i].kind == EV_CALL || a.ev[i].kind == EV_AT) && in_exec(&a, a.ev[i].target))
			push_u64(&a.starts, &a.n_starts, &a.cap_starts, a.ev[i].target);
	for (size_t i = 0; i < a.n_at; i++)
		push_u64(&a.starts, &a.n_starts, &a.cap_starts, a.at[i]);
	a.n_starts = sort_unique(a.starts, a.n_starts);
	a.starts = shrink(a.starts, &a.cap_starts, a.n_starts, sizeof(*a.starts));
	a.n_noret = sort_unique(a.noret, a.n_noret);
	a.n_syscall_fns = sort_unique(a.syscall_fns, a.n_syscall_fns);
	out->n_nodes = a.n_starts;
	if (a.full) {
		find_gotos(&a);
		find_vt_calls(&a);
		find_callbacks(&a);
	}
	build_graph(&a, &g);
	if (a.full && sys_why_wanted())
		print_why(&a, &g);
	if (a.full)
		reach(&a, &g);
	graph_release(&g);
	an_release(&a);
	sys_go_cache_release(&a.go_cache);
	sys_go_release(&go);
	if (big)
		pthread_mutex_unlock(&big_lock);
	return 0;
}

void sys_info_free(struct sys_info *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_lists; i++)
		free(s->lists[i].v);
	free(s->lists);
	free(s->exports);
	free(s->imports);
	free(s->needed);
	free(s->entry_imports);
	free(s->init_imports);
	free(s->strs);
	free(s->req_sites);
	memset(s, 0, sizeof(*s));
}
