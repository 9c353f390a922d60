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
