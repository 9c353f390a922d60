/*
 * Internal to the system call analysis (sys_*.c): what sys_analyze.c
 * asks of its helpers that read other parts of an ELF file, and the
 * debugging aid that says why a syscall is in an export's set.
 */
#ifndef ANALYZER_SYS_INT_H
#define ANALYZER_SYS_INT_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/sys.h"

/*
 * A large file's pages are dropped as a sweep leaves them (two workers on
 * 250 MB binaries stay small; the few ranges read again fault back in):
 * sys_may_drop() says whether raw[0..size) is large and a private file
 * mapping (on anonymous memory MADV_DONTNEED would zero it);
 * sys_drop_upto() drops the whole chunks of PAGEOUT_CHUNK in [*done, p)
 * when drop is set and moves *done on; sys_drop_all() drops every whole
 * page of raw[0..size).
 */
#define PAGEOUT_CHUNK (8u << 20)
int sys_may_drop(const unsigned char *raw, size_t size);
void sys_drop_upto(int drop, const unsigned char **done, const unsigned char *p);
void sys_drop_all(const unsigned char *raw, size_t size);

/*
 * capstone's x86 registers by family: the index (0-15, rax rcx rdx rbx
 * rsp rbp rsi rdi r8-r15) of r's 64-bit register, whatever its width, or
 * -1; sys_cs_gpr_whole() the same for a register of 32 or 64 bits alone
 * (a write to it defines all of it), -1 for the narrower ones.
 */
int sys_cs_gpr(unsigned r);
int sys_cs_gpr_whole(unsigned r);

/* A function's extent, [lo, hi), as an FDE of .eh_frame gives it. */
struct sys_fde {
	uint64_t lo, hi;
};

/*
 * The FDEs of e (raw[0..size)), found through PT_GNU_EH_FRAME's search
 * table (.eh_frame_hdr), so that a stripped or sstripped file still tells
 * where its functions start and end. Returns their number and *out
 * (malloc'd, sorted by lo, the caller frees), 0 and NULL when the file has
 * no usable table.
 */
size_t sys_eh_frame_fdes(Elf *e, const unsigned char *raw, size_t size, struct sys_fde **out);

/* The FDE that holds addr, or NULL (fde sorted, as above). */
const struct sys_fde *sys_fde_of(const struct sys_fde *fde, size_t n, uint64_t addr);

/*
 * glibc's libio vtables: the section __libc_IO_vtables (glibc >= 2.24
 * puts every FILE jump table there, and IO_validate_vtable refuses, via
 * _IO_vtable_check, a vtable pointer outside it). Sets [*lo, *hi) from
 * the section headers; 0 on success, -1 when the file has no such
 * section (any other library, or an sstripped libc: no narrowing).
 */
int sys_libio_vtables(Elf *e, uint64_t *lo, uint64_t *hi);

/*
 * Where a file's PLT stubs are: its executable sections named .plt* or
 * .iplt* as address ranges [out[i][0], out[i][1]), at most max; returns
 * their number, or -1 when the file has no section headers (sstripped) or
 * more such sections: then the stubs may be anywhere in its code.
 */
int sys_plt_ranges(Elf *e, uint64_t (*out)[2], int max);

/* Sorts v[0..n) ascending (a radix sort: the sets of addresses are
 * large, and qsort's calls per comparison showed). */
void sys_sort_u64(uint64_t *v, size_t n);

/* Calls fn(ctx, addr) for each address the DT_RELR table p[0..size)
 * relocates (sys_ehframe.c). */
void sys_relr_each(const unsigned char *p, size_t size, int class64, int msb, void (*fn)(void *, uint64_t),
		   void *ctx);

/*
 * The debugging aid: with PARAKIT_SYS_WHY=FUNCTION:SYSCALL in the
 * environment, sys_analyze() prints to stderr, for each library it builds
 * a graph for that exports FUNCTION, the shortest path of functions from
 * it to code that issues SYSCALL (a name, "unknown", or "indirect": to
 * the indirect-call node) within the library, or to an import that may (the imports are bound later:
 * sys_resolve.c). A node is printed as its start and the nearest export
 * at or before it.
 */
struct sys_why_graph {
	size_t n;			/* nodes; the last ones are the indirect-call nodes */
	const uint64_t *starts;		/* n_starts of them */
	size_t n_starts;
	const uint32_t *first;		/* CSR: node i's edges are edges[k], */
	const uint64_t *edges;		/* from << 32 | to, k in first[i]..first[i+1) */
	const uint32_t *own_first;	/* CSR: node i's own facts are */
	const uint64_t *own;		/* own[own_first[i]..own_first[i+1]) */
	const struct sys_info *info;
	const uint64_t *exp_addr;	/* per export, 0 when not a function */
};
const char *sys_why_wanted(void);
void sys_why_print(const struct sys_why_graph *g);

/* Adds a request code the analysis read itself to out->req_sites, once
 * (call: enum sys_req_call; known 0: not a constant). */
void sys_req_site_add(struct sys_info *out, int call, int known, uint64_t req);

#endif
