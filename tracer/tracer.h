/*
 * parakit trace, user space: the tracer's lifecycle and its run loop
 * (trace.c), the command a run starts (trace_launch.c), syscall and
 * io_uring names (trace_names.c), output (trace_out.c) and the database
 * writer (trace_db.c). cmd_trace.c drives them.
 */
#ifndef TRACER_TRACER_H
#define TRACER_TRACER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/types.h>
#include "tracer/trace.h"

struct trace_opts {
	int count_only;		/* calls and errors only: no times */
	int offcpu;		/* sched_switch accounting */
	int events;		/* one record per call */
	int follow;		/* new processes of -p targets */
	size_t buffer;		/* ring buffer bytes (power of two) */
	const unsigned char *want;	/* TRACE_MAX_SYSCALLS flags, or NULL: all */
	uint64_t cgroup_id;	/* 0: no cgroup scope */
	unsigned cgroup_level;
	int functions;		/* catalogue functions by uprobes, not syscalls */
	int fn_latency;		/* and their time (return probes) */
	int fn_one_by_one;	/* one link per probe even where multi-uprobe links exist */
};

/* A function's calls by the processes of one binary (--functions). */
struct trace_fn_count {
	uint32_t bin;	/* index + 1 in the set's binaries; 0: unknown */
	uint32_t fn;	/* index in the set's functions */
	struct trace_fn_stat s;
};

struct trace_errno_count {
	uint32_t nr, err;
	uint64_t count;
};

/* What a run measured, summed over CPUs. */
struct trace_result {
	struct trace_sys_stat sys[TRACE_MAX_SYSCALLS];
	struct trace_errno_count *errnos;
	size_t n_errnos;
	struct trace_proc *procs;
	size_t n_procs;
	struct trace_uring_stat uring[TRACE_MAX_UOPS];
	uint64_t *lost_per_cpu;		/* events the ring buffer dropped */
	int ncpus;
	uint64_t lost_events;
	uint64_t procs_dropped;
	uint64_t errnos_dropped;
	uint64_t threads;		/* threads traced */
	uint64_t thread_ns;		/* the sum of their traced lifetimes (trace.bpf.c) */
	/* --functions */
	const struct trace_fn_set *fns;	/* names: borrowed from the caller */
	struct trace_fn_count *fn;
	size_t n_fn;
	uint64_t fn_dropped, fn_deep;
	uint64_t fn_exec_lost;	/* fork and exec notices lost: those processes ran on unlinked */
	uint64_t fn_unattached;	/* processes that could not be linked (their calls are not counted) */
	size_t fn_procs;	/* processes linked */
	size_t fn_sites, fn_links;	/* probes attached, through that many links in all */
	size_t fn_refused;	/* probes the kernel refused */
	uint64_t fn_attach_ns;
	int fn_multi;
};

struct tracer;

/* Loads and attaches the BPF program. Prints why and returns -errno on
 * failure (-EPERM: not root / no CAP_BPF). */
int trace_open(struct tracer **out, const struct trace_opts *o);
/* Where trace_drain() sends events (called once per event). */
void trace_set_sink(struct tracer *t, int (*fn)(void *ctx, const struct trace_call *e), void *ctx);
/* Starts counting at the next execve of pid (a launcher child that waits). */
int trace_arm(struct tracer *t, pid_t pid);
/* Traces running processes: all their threads and, with o->follow, the
 * descendants they have now (their future children are followed in the
 * kernel). *descendants gets how many were found beyond pids (a pid given
 * twice, or one that descends from another, counts once, as given).
 * Returns 0 or -errno (printed). */
int trace_attach_pids(struct tracer *t, const pid_t *pids, size_t n, size_t *descendants);
/* Drains the event ring buffer through on_event. Returns events or -errno. */
int trace_drain(struct tracer *t);
/* Traced processes still alive. */
long long trace_live(struct tracer *t);
/* Reads the aggregates so far into r (released with trace_result_release). */
int trace_collect(struct tracer *t, struct trace_result *r);
void trace_result_release(struct trace_result *r);
/* Detaches and frees; accepts NULL. */
void trace_free(struct tracer *t);

/* The command of a run, from fork to exec (trace_launch.c). */
struct trace_launch {
	pid_t pid;	/* the launcher child, then the command; 0: none */
	int pidfd;	/* the child's pidfd (to poll for its end), or -1 */
	int go, err;	/* our ends of its pipes, -1 once closed */
};
#define TRACE_LAUNCH_INIT { .pid = 0, .pidfd = -1, .go = -1, .err = -1 }

/* The file execve will run: argv0 itself when it has a slash, else the
 * first executable match on PATH (what execvp would pick, without trying
 * them one by one under the tracer). Returns 0 with *out the caller's to
 * free, or 126/127 (printed). */
int trace_launch_find(const char *argv0, char **out);
/* Forks the launcher child, which waits until trace_launch_go(). Call it
 * before trace_catch_signals(): the command gets the signal dispositions
 * parakit was started with. Returns 0 or -1 (printed). */
int trace_launch_start(struct trace_launch *l, const char *file, char **argv);
/* Lets the child execute the command. Returns 0, or env(1)'s 125/126/127
 * when it could not (printed; the child is reaped). */
int trace_launch_go(struct trace_launch *l, const char *file);
/* Closes what is left, and kills and reaps a child still there: set
 * l->pid to 0 first to leave the command running. */
void trace_launch_release(struct trace_launch *l);

/* SIGINT, SIGTERM and SIGHUP end trace_run() from now on; SIGPIPE is
 * ignored (a dead reader is a write error). */
void trace_catch_signals(void);

/* How trace_run() ends, and what it does meanwhile. */
struct trace_loop {
	struct trace_launch *cmd;	/* wait for its end, or NULL */
	int until_gone;		/* end when the traced processes have exited (-p) */
	uint64_t deadline;	/* CLOCK_MONOTONIC ns; 0: none */
	double interval;	/* seconds between live views; 0: none */
	FILE *live;		/* where they go */
	int status;		/* out: the command's status, env(1)'s way, or -1 */
};
/* Traces until the command ends (cmd->pid is 0 then), the processes are
 * gone (until_gone), the deadline passes or a signal says to stop: the
 * first Ctrl-C reaches the command too and the run waits for it to end,
 * a second one stops the trace; other signals are passed on to it. Drains
 * the events meanwhile. Returns 0 or -errno (printed). */
int trace_run(struct tracer *t, struct trace_loop *l);

/* Syscall name for the running architecture (libseccomp), or
 * "syscall_NNN"; borrowed until exit. */
const char *trace_syscall_name(unsigned nr);
/* Syscall number of name, or -1. */
int trace_syscall_number(const char *name);
/* io_uring opcode name from the kernel's BTF ("READV"), or "op_NN". */
const char *trace_uring_op_name(unsigned op);
/* "ENOENT", or "E123". Borrowed until the next call. */
const char *trace_errno_name(int err);

struct trace_run_info {
	const char *command;
	const char *target;	/* "command", "pid 12,13", "cgroup /x" */
	const char *mode;	/* "count", "latency", "full", "+events" */
	const char *label;	/* --label, or NULL */
	const char *work_unit;	/* --work UNIT=N: "requests", or NULL */
	long long work;		/* N */
	char started[32];	/* UTC */
	uint64_t start_ns, end_ns;	/* CLOCK_MONOTONIC */
	int exit_status;	/* -1 when not a command run */
	long long run_id;	/* 0 when not stored */
};

void trace_print_table(FILE *f, const struct trace_result *r, const struct trace_run_info *ri);
void trace_print_json(FILE *f, const struct trace_result *r, const struct trace_run_info *ri);
/* The live view: the calls of the last interval (now minus prev). */
void trace_print_interval(FILE *f, const struct trace_result *now, const struct trace_result *prev,
			  double secs);

/*
 * The POSIX functions of traced binaries, where the dynamic linker finds
 * them (trace_ldso.c): the files it loads, a probe site per definition of
 * a catalogue function in them, and how each binary's imports bind.
 */
struct trace_fn_lib {
	char *path;		/* resolved */
	const char *soname;	/* or NULL; borrowed from the set */
	dev_t dev;
	ino_t ino;
	uint64_t text_lo, text_hi;	/* vaddrs of its executable segments */
	char hash[33];		/* elf_identify()'s, as scan records it; "" if unknown */
	int probed;		/* its catalogue functions are sites */
};

struct trace_fn_site {
	const char *function;	/* the catalogue's name; borrowed (db_posix_name) */
	char *symbol;		/* as the library names it: "__printf_chk" */
	char *version;		/* "GLIBC_2.3.4", or NULL */
	uint32_t lib;		/* index in libs */
	uint32_t fn;		/* index in functions */
	uint64_t vaddr, offset;	/* of the probe in the file (past leading VEX instructions) */
	uint32_t skip;		/* the VEX instructions skipped: vaddr - the entry */
	int ifunc;		/* an IFUNC: the implementation our libc picked */
	int attached;		/* set by the tracer: 1, or -1 when the kernel refused it */
};

struct trace_fn_import {
	const char *symbol, *version;	/* borrowed from the set */
	const char *function;
	long lib;	/* the object it binds to, -1: unresolved */
	long site;	/* its probe, -1: none (unresolved, or an IFUNC out of reach) */
};

struct trace_fn_binary {
	uint32_t lib;	/* the binary's own entry in libs */
	uint32_t *scope;	/* the objects ld.so loads for it, itself first (indices in libs) */
	size_t n_scope;
	struct trace_fn_import *imports;
	size_t n_imports, cap_imports;
	size_t missing;	/* DT_NEEDED entries not found */
};

struct trace_fn_set {
	struct trace_fn_lib *libs;
	size_t n_libs;
	struct trace_fn_site *sites;
	size_t n_sites;
	const char **functions;	/* distinct catalogue names of the sites */
	size_t n_functions;
	struct trace_fn_binary *binaries;
	size_t n_binaries;
	size_t unresolved_ifuncs;	/* IFUNCs in libraries parakit has not loaded */
	size_t unprobeable;	/* functions whose first instructions uprobes refuse */
	const char **only;	/* trace_fn_set_only()'s, or NULL: all */
	size_t n_only;
	void *priv;
};
#define TRACE_FN_SET_INIT { .libs = NULL }

/* Adds the ELF executable (or library) at path: the objects ld.so would
 * load for it, their catalogue functions as sites, its imports bound.
 * Returns the number of new sites (0 for a binary known already), or
 * -errno (printed). */
int trace_fn_add_binary(struct trace_fn_set *s, const char *path);
/* The same for the file a command's execve runs: file itself, a script's
 * interpreter, or /bin/sh for a file that is neither. */
int trace_fn_add_command(struct trace_fn_set *s, const char *file);
/* A process (running, or stopped at its fork or exec): the file it runs,
 * the objects ld.so loads for that file and every file it has mapped
 * (dlopen'd libraries too). *libs gets their indices in s->libs (the
 * caller frees it). Returns 0, -ESRCH when it is gone, or -errno. */
int trace_fn_add_process(struct trace_fn_set *s, pid_t pid, uint32_t **libs, size_t *n_libs);
/* Probes only these functions (comma-separated names, folded as scan
 * folds them), from now on. Returns 0, or -EINVAL for a name that is not
 * in the catalogue (printed). */
int trace_fn_set_only(struct trace_fn_set *s, const char *list);
void trace_fn_set_release(struct trace_fn_set *s);

/*
 * Uprobe links filter by process (never system-wide): each traced process
 * gets its own, one multi-uprobe link per probed file where the kernel has
 * them (two with --latency), one link per probe otherwise. A process that
 * forks, or executes a file whose files it has no links on, is stopped
 * until it has them (trace.bpf.c).
 *
 * trace_fn_attach tells the BPF side which binaries of s are resolved. The
 * set stays the caller's and must outlive the tracer and its results;
 * fork and exec notices add to it. Returns 0 or -errno (printed).
 */
int trace_fn_attach(struct tracer *t, struct trace_fn_set *s);
/* Links process pid on every probed file of s: the launcher child, before
 * it executes the command s was made for. Returns 0 or -errno (printed). */
int trace_fn_attach_pid(struct tracer *t, struct trace_fn_set *s, pid_t pid);
/* Links the processes traced now (-p and their descendants, or those of
 * the cgroup directory cgroup_dir and below). Returns the processes
 * linked, or -errno (printed); *failed counts those that could not be. */
int trace_fn_attach_running(struct tracer *t, struct trace_fn_set *s, const char *cgroup_dir, size_t *failed);

/* trace_fn_out.c */
void trace_fn_print_table(FILE *f, const struct trace_result *r, const struct trace_run_info *ri, int latency);
void trace_fn_print_json(FILE *f, const struct trace_result *r, const struct trace_run_info *ri);
/* Tab-separated: each binary's imports (function, symbol, version, the
 * library it binds to, the probe's file offset), then every probe site. */
void trace_fn_print_list(FILE *f, const struct trace_fn_set *s);

struct trace_db;
/* Opens the database and records the start of a run (sets ri->run_id). */
int trace_db_open(struct trace_db **out, const char *path, struct trace_run_info *ri);
/* The CLOCK_MONOTONIC time event and process times are relative to. */
void trace_db_set_start(struct trace_db *d, uint64_t start_ns);
/* Queues one event; written in batches. */
int trace_db_event(void *db, const struct trace_call *e);
/* Writes the aggregates and closes the run. */
int trace_db_finish(struct trace_db *d, const struct trace_result *r, const struct trace_run_info *ri);
void trace_db_close(struct trace_db *d);

#endif
