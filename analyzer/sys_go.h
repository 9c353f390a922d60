/*
 * Go binaries in the system call footprint (issue 17, sys_go.c): what the
 * pclntab and the build info tell, and the number at a call site of a Go
 * syscall stub.
 */
#ifndef ANALYZER_SYS_GO_H
#define ANALYZER_SYS_GO_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

/* What a function is: nothing special, a stub whose number is its first
 * argument (in AX, Go's register ABI; or at 0(SP) at the call, the stack
 * ABI0), or a relay (it calls stubs with a number its own caller gave). */
enum { SYS_GO_STUB_AX = 1, SYS_GO_STUB_STACK, SYS_GO_RELAY };

struct sys_go_fn {
	uint64_t entry;
	const char *name;	/* in the file's bytes; "" when unreadable */
	int kind;
	int conv;	/* a stub's convention, from its code (0: unreadable) */
	int taken;	/* a stub whose entry is a word of the data (a function value) */
	uint32_t args;	/* its arguments' and results' area on the stack (UINT32_MAX: not known) */
};

/* A function that passes its own argument arg (0: the first, register
 * ABI) on as the request of call (enum sys_req_call): x/sys's ioctlPtr. */
struct sys_go_wrapper {
	uint64_t entry;
	int call, arg;
};

struct sys_go_load {
	uint64_t vaddr, offset, filesz;
	uint32_t flags;
};

struct sys_go {
	int is_go, stripped, class64;
	char version[48];	/* "go1.19.8"; "" when the file does not say */
	struct sys_go_fn *fn;	/* sorted by entry */
	size_t n_fn;
	uint64_t text_end;	/* the end of the last function */
	const unsigned char *raw;
	size_t size;
	struct sys_go_load *load;
	size_t n_load;
	const unsigned char *pcln;	/* the pclntab, pcln_n bytes (NULL: none) */
	size_t pcln_n;
	struct sys_go_wrapper *wrappers;	/* found by sys_go_request() */
	size_t n_wrappers, cap_wrappers;
};

/*
 * Reads the ELF file e (bytes raw[0..size), which must outlive g): whether
 * it is stripped (no .symtab), whether it is a Go binary, its version and
 * its functions. Returns 1 for a Go binary, 0 otherwise (g->stripped is
 * set either way). Release g with sys_go_release().
 */
int sys_go_read(Elf *e, const unsigned char *raw, size_t size, struct sys_go *g);
void sys_go_release(struct sys_go *g);

/* The function holding addr (NULL: none); whether addr is a function's
 * entry; the stub kind of the function entered at addr (0: no stub);
 * whether addr lies in a stub or a relay, where a number that is no
 * constant is the caller's, counted at its call. g may be NULL. */
const struct sys_go_fn *sys_go_fn_at(const struct sys_go *g, uint64_t addr);
int sys_go_is_entry(const struct sys_go *g, uint64_t addr);
int sys_go_stub(const struct sys_go *g, uint64_t addr);
int sys_go_passes(const struct sys_go *g, uint64_t addr);
/* Whether the stub holding addr is taken as a function value. */
int sys_go_taken(const struct sys_go *g, uint64_t addr);

/* The last function decoded, kept between calls of sys_go_number():
 * the values before each instruction, 16 registers and the words of the
 * stack at keys[] (offsets from SP). */
struct sys_go_cache {
	uint64_t lo, hi;
	struct go_insn *insn;
	size_t n;
	int64_t (*in)[16 + 32];
	int32_t keys[32];
	int n_keys, word;
	int32_t lea_lo;		/* the lowest stack offset whose address is taken */
};
void sys_go_cache_release(struct sys_go_cache *c);

/*
 * The constant system call number passed at the call (or tail jump) at
 * addr to a stub of the given kind, or -1 when it is not a constant.
 */
int32_t sys_go_number(const struct sys_go *g, uint64_t call, int kind, struct sys_go_cache *c);

/*
 * Request codes (issue 17): at the call at addr to a stub of the given
 * kind whose number is nr (ioctl's, fcntl's or prctl's for the file's
 * ABI; others are ignored), the request argument (after the fd for ioctl
 * and fcntl, the first for prctl) is added to out->req_sites: a constant,
 * or unknown; an argument the caller passes on from its own caller makes
 * the caller a wrapper, whose callers sys_go_requests_done() reads once
 * every stub's call has been seen.
 */
struct sys_info;
void sys_go_request(struct sys_go *g, uint64_t call, int kind, int nr, struct sys_go_cache *c,
		    struct sys_info *out);
void sys_go_requests_done(struct sys_go *g, struct sys_go_cache *c, struct sys_info *out);

/* Frees the calling thread's decoder. */
void sys_go_thread_release(void);

#endif
