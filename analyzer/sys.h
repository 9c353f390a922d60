/*
 * The system call footprint of a binary (issue 17), inside analyzer/: what
 * scan records of the system calls a binary can issue.
 *
 * Two steps. sys_analyze() reads one ELF file's code (capstone, the ELF
 * machine choosing the decoder, sys_arch.c) into a struct sys_info: the
 * syscall instructions it holds and, for a library, a static binary or a
 * dynamic loader, a call graph closed over (sys_graph.c) into the system
 * calls and the imported functions each exported function (and the entry
 * point) can reach. sys_resolve() then binds imports as the dynamic linker
 * would, to the maps of the libraries it would load (sys_resolve.c), and
 * gives the binary's set: a row per system call with the way it comes
 * (directly, through an imported function, through the dynamic loader).
 *
 * Numbers are those of the binary's ABI; names come from libseccomp.
 */
#ifndef ANALYZER_SYS_H
#define ANALYZER_SYS_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

/* A set of system call numbers; bit SYS_UNKNOWN stands for a number that
 * is not a constant where it is used (never guessed). x86-64's numbers
 * stop below 512 (x32's carry bit 30 and are not counted), i386's and
 * AArch64's too. */
#define SYS_MAX 512
#define SYS_UNKNOWN (SYS_MAX - 1)
struct sys_set {
	uint64_t w[SYS_MAX / 64];
};

static inline void sys_set_add(struct sys_set *s, unsigned nr)
{
	if (nr >= SYS_MAX)
		nr = SYS_UNKNOWN;
	s->w[nr / 64] |= 1ull << (nr % 64);
}

static inline int sys_set_has(const struct sys_set *s, unsigned nr)
{
	return nr < SYS_MAX && (s->w[nr / 64] >> (nr % 64) & 1);
}

static inline void sys_set_or(struct sys_set *d, const struct sys_set *s)
{
	for (int i = 0; i < SYS_MAX / 64; i++)
		d->w[i] |= s->w[i];
}

int sys_set_count(const struct sys_set *s);

/* ABIs: the numbering a set is in. */
enum sys_abi { SYS_ABI_NONE, SYS_ABI_X86_64, SYS_ABI_I386, SYS_ABI_AARCH64 };

/* The name of nr in abi ("read"; "unknown" for SYS_UNKNOWN; "syscall_NNN"
 * past libseccomp's table). Static storage, thread-safe. */
const char *sys_name(enum sys_abi abi, unsigned nr);
/* The ABI of the machine parakit runs on, and its name ("x86_64"). */
enum sys_abi sys_native_abi(void);
const char *sys_abi_name(enum sys_abi abi);
/* The ABI of an ELF file's code, from its machine and class (e_machine
 * EM_AARCH64 and ELFCLASS64: SYS_ABI_AARCH64), SYS_ABI_NONE for a machine
 * without a decoder. */
enum sys_abi sys_elf_abi(Elf *e);
/* The number of the largest system call of abi that libseccomp names. */
unsigned sys_abi_max(enum sys_abi abi);

/* One exported (defined, global) dynamic symbol of a library, with what
 * it reaches before its imports are bound: syscalls, and imported
 * functions (indices into sys_info.imports). Objects reach nothing. */
struct sys_export {
	uint32_t name, version;	/* in the sys_info's strings; version 0: none */
	unsigned is_default : 1;
	struct sys_set set;
	const uint32_t *imports;	/* one of sys_info.lists, shared */
	uint32_t n_imports;
	uint32_t list;			/* its index in sys_info.lists + 1, 0: none */
};

struct sys_list {
	uint32_t *v;
	uint32_t n;
};

struct sys_import {
	uint32_t name, version;	/* version 0: unversioned */
	unsigned weak : 1;
	unsigned reached : 1;	/* some code calls or takes it (else only a data reference) */
};

/* A request code the analysis read itself (Go's stubs, sys_go.c):
 * call is an enum sys_req_call (sys_req.h); known 0: not a constant. */
struct sys_req_site {
	uint8_t call, known;
	uint64_t req;
};

/*
 * What sys_analyze() finds in one ELF file, self-contained (its own
 * strings), so that a library read from the machine outlives the result
 * it was read for.
 */
struct sys_info {
	enum sys_abi abi;
	int is_static, is_exec;
	int no_map;	/* SYS_NO_MAP: exports carry no sets */
	char *strs;		/* NUL-separated; offset 0 is "" */
	size_t strs_len, strs_cap;
	uint32_t soname, rpath, runpath, interp;
	uint32_t *needed;
	size_t n_needed;
	/* Every syscall site of the file (for a dynamically linked binary,
	 * its direct syscalls), calls to syscall() with a constant first
	 * argument included. */
	struct sys_set direct;
	/* A static binary, or a library with an entry point (the dynamic
	 * loader): what the entry point and the initialisers reach. */
	int has_entry;
	struct sys_set entry;
	uint32_t *entry_imports;
	uint32_t n_entry_imports;
	/* A library's initialisers and finalisers (DT_INIT, DT_INIT_ARRAY,
	 * DT_FINI, DT_FINI_ARRAY): what runs when it is loaded or unloaded,
	 * whatever the program calls (libselinux's statfs in ls). */
	struct sys_set init;
	uint32_t *init_imports;
	uint32_t n_init_imports;
	struct sys_import *imports;
	size_t n_imports;
	struct sys_export *exports;
	size_t n_exports;
	struct sys_list *lists;		/* the exports' import lists, each once */
	size_t n_lists;
	/* The binary's kind (sys_go.c): stripped of .symtab, and Go (its
	 * version, "" when the file does not say). */
	int stripped, is_go;
	char go_version[48];
	/* Request codes read with the numbers (sys_requests.c adds them as
	 * the binary's own). */
	struct sys_req_site *req_sites;
	size_t n_req_sites, cap_req_sites;
	/* Figures for the curious (and the tests). */
	size_t n_insns, n_nodes, n_sites, n_unknown_sites;
};

static inline const char *sys_str(const struct sys_info *s, uint32_t off)
{
	return off ? s->strs + off : "";
}

/*
 * Analyses the ELF file @e (whose bytes are raw[0..size)) into *out, which
 * the caller frees with sys_info_free(). With SYS_NO_MAP, a library is
 * read as an executable is (its syscall sites, no call graph) and marked
 * no_map: its map is made from the identical file of this machine, when
 * a binary needs it (sys_resolve.c). Returns 0; -1 when the machine
 * has no decoder yet (RISC-V, s390x among them: *why says so) or the file's
 * code cannot be read, with *why set (static storage).
 */
#define SYS_NO_MAP 1	/* a library whose map is to come from this machine's copy */
int sys_analyze(Elf *e, const unsigned char *raw, size_t size, int flags, struct sys_info *out,
		const char **why);
void sys_info_free(struct sys_info *s);

/*
 * A second reader of sys_analyze()'s sweep (the request codes,
 * sys_requests.c), so that a file's code is decoded once: range() at the
 * start of each stretch of code the sweep reads, insn() for each
 * instruction it decodes there (sys_x86.h), in address order, that
 * may branch or end a path (jumps, calls, returns, hlt, ud2), enter the
 * kernel (syscall), mark an entry (endbr64), take an address (lea) or
 * index a jump table (movslq); with syscalls_only, for syscall alone;
 * done() once the sweep is over, so that what the reader held for it can
 * go before the call graph takes its memory. x86 only.
 */
struct xd_insn;
struct sys_hook {
	void (*range)(void *ctx, uint64_t lo);
	void (*insn)(void *ctx, const unsigned char *p, const struct xd_insn *d, uint64_t addr);
	void (*done)(void *ctx);	/* the sweep is over (before the graph is built) */
	void *ctx;
	int syscalls_only;
};

/* sys_analyze(), with hook (NULL: none) reading its sweep. */
int sys_analyze_hooked(Elf *e, const unsigned char *raw, size_t size, int flags, struct sys_info *out,
		       const char **why, const struct sys_hook *hook);

/*
 * A library's map after binding: each exported symbol's final set, sorted
 * by name; fn[0..n) and, when has_entry, what its entry point reaches.
 * Immutable once made; owned by the process-wide cache (sys_resolve.c).
 */
struct sys_fn {
	const char *name, *version;	/* version NULL: none */
	unsigned is_default : 1;
	const struct sys_set *set;	/* interned: many functions share one */
};
/* A map's initialisers are the function named "" (no symbol has that
 * name), so that they are cached with the rest. */
#define SYS_INIT_FN ""

/* A map's key: its library's identity (elf_identify()) and the stamp of
 * the analysis that made it (sys_resolve.c), "<32 hex>.m<N>". */
#define SYS_MAP_KEY 48
struct sys_map {
	char hash[SYS_MAP_KEY];
	enum sys_abi abi;
	const char *soname, *rpath, *runpath;	/* NULL: none */
	const char **needed;
	size_t n_needed;
	struct sys_fn *fn;
	size_t n;
	int has_entry;
	const struct sys_set *entry;
	char *strs;
	int versioned;	/* some symbol has a version */
	int stored;	/* the database holds it (set by the writer, under its lock) */
};

/* Interns a set for the process (thread-safe): equal sets, one pointer. */
const struct sys_set *sys_set_intern(const struct sys_set *s);

/* A binary's set, one row per system call: via is "direct", an imported
 * function's name, or the dynamic loader's path. */
struct sys_row {
	const char *syscall;	/* sys_name(): static storage */
	char *via;
};
struct sys_rows {
	struct sys_row *v;
	size_t n, cap;
};
void sys_rows_release(struct sys_rows *r);

/*
 * Where a binary's libraries come from: a path the dynamic linker would
 * open, looked up first among the members of the archive being scanned
 * (lookup returns the member's sys_info and hash, or NULL), then on this
 * machine.
 */
struct sys_members {
	const struct sys_info *(*lookup)(void *ctx, const char *path, const char **hash);
	void *ctx;
};

/* The database's cache of library maps (by content hash): get returns a
 * map made by sys_map_from_rows(), or NULL; the writer stores new ones. */
struct sys_db_cache {
	struct sys_map *(*get)(void *ctx, const char *hash);
	void *ctx;
};
void sys_set_db_cache(const struct sys_db_cache *c);

/*
 * Binds the imports of @s (the file at @path, identified by @hash) and
 * fills @rows with its set. For a library, also makes its map (returned
 * borrowed through *map when map is not NULL, NULL otherwise). @used, when
 * not NULL, receives every library map the binding used or made (borrowed
 * from the cache, for the writer to store), without repeats.
 */
struct sys_used {
	const struct sys_map **v;
	size_t n, cap;
};
void sys_resolve(const struct sys_info *s, const char *path, const char *hash, const struct sys_members *m,
		 struct sys_rows *rows, const struct sys_map **map, struct sys_used *used);

/* A library's linkage, as a map keeps it (strings NULL when absent). */
struct sys_link {
	const char *soname, *rpath, *runpath;
	const char *const *needed;
	size_t n_needed;
};

/* A map from the database's rows: fns[i] named names[i]@versions[i]
 * (NULL: none) with sets[i]; entry may be NULL. Takes copies. Free it with
 * sys_map_free() unless the cache took it. */
struct sys_map *sys_map_new(const char *hash, enum sys_abi abi, const struct sys_link *link, size_t n,
			    const char *const *names, const char *const *versions, const int *is_default,
			    const struct sys_set *sets, const struct sys_set *entry);
void sys_map_free(struct sys_map *m);
/* The ABI named name ("x86_64"), SYS_ABI_NONE when unknown. */
enum sys_abi sys_abi_by_name(const char *name);
/* Frees the calling thread's decoders (a worker calls it on exit). */
void sys_thread_release(void);

#endif
