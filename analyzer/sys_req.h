/*
 * Request codes and pseudo-files (issue 17, sys_requests.c): the constant
 * ioctl, fcntl and prctl requests a binary passes at its call sites, and
 * the /proc, /sys and /dev paths its read-only data holds, as Tsai et al.
 * (EuroSys '16) counted them beside system calls. Recorded by scan
 * --syscalls beside the binary's syscall set.
 */
#ifndef ANALYZER_SYS_REQ_H
#define ANALYZER_SYS_REQ_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

enum sys_req_call { SYS_REQ_IOCTL, SYS_REQ_FCNTL, SYS_REQ_PRCTL, SYS_REQ_NCALLS };

/* The catalogue of request names, generated at build time from this
 * machine's kernel headers (analyzer/gen_requests.sh): the first name of
 * a value is the one to keep. */
struct sys_req_name {
	int call;		/* enum sys_req_call */
	long long request;
	const char *name;
};
extern const struct sys_req_name sys_req_names[];
extern const size_t sys_req_n_names;

/* One row of a binary's requests: known 0 is a code that is not a
 * constant where it is passed ('unknown'). via: "direct", an imported
 * function, or a library whose initialisers pass it. */
struct sys_req_row {
	uint8_t call, known;
	int64_t request;
	char *via;
};

struct sys_req {
	struct sys_req_row *v;
	size_t n, cap;
	char **paths;		/* pseudo-file paths, as written, no repeats */
	size_t n_paths, cap_paths;
	/* Until sys_req_resolve(): the imported functions and DT_NEEDED. */
	char **imports;
	size_t n_imports, cap_imports;
	char **needed;
	size_t n_needed, cap_needed;
	char *runpath;		/* DT_RUNPATH, else DT_RPATH; NULL: none */
	int class64;
	size_t n_sites;		/* call sites found (for the tests) */
};

/* "ioctl", "fcntl", "prctl". */
const char *sys_req_call_name(int call);

/*
 * Reads the ELF file @e (bytes raw[0..size)) into *out (zeroed by the
 * caller): its pseudo-file strings (any machine) and, for x86-64, its own
 * request sites ('direct' rows) and what it imports, for
 * sys_req_resolve(). In three steps, so that the code is decoded once:
 * sys_req_begin() reads what comes before the code, sys_req_hook() is
 * handed to sys_analyze_hooked() to read its sweep (NULL when the file
 * has no code to read), and sys_req_end() finds the codes at the sites
 * the sweep met; @sys is what sys_analyze() found (NULL: nothing, it did
 * not run, and the pass sweeps the code itself). Never fails: what
 * cannot be read adds nothing.
 */
struct sys_req_pass;
struct sys_hook;
struct sys_info;
struct sys_req_pass *sys_req_begin(Elf *e, const unsigned char *raw, size_t size, struct sys_req *out);
const struct sys_hook *sys_req_hook(struct sys_req_pass *p);
void sys_req_end(struct sys_req_pass *p, const struct sys_info *sys);

/*
 * A library of this machine that sys_resolve.c reads for its map is read
 * for its request codes in the same sweep: sys_req_lib_begin() (NULL
 * when its codes are known already, or it is no x86-64 file), the hook
 * for sys_analyze_hooked(), and sys_req_lib_end() (swept 0 when the
 * analysis failed: the pass reads the file alone), which keeps the map
 * for sys_req_resolve().
 */
struct sys_req_lib;
struct sys_req_lib *sys_req_lib_begin(const char *path, int fd, Elf *e, const unsigned char *raw, size_t size);
const struct sys_hook *sys_req_lib_hook(struct sys_req_lib *l);
void sys_req_lib_end(struct sys_req_lib *l, int swept);

/*
 * Adds to @r the requests its imports pass inside the libraries the
 * dynamic linker would load on this machine for the file at @path (its
 * $ORIGIN), each library read once per process (thread-safe), and the ones
 * their initialisers pass.
 */
void sys_req_resolve(struct sys_req *r, const char *path);

void sys_req_release(struct sys_req *r);

#endif
