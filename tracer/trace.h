/*
 * Structures shared by the BPF program (trace.bpf.c) and user space
 * (trace.c): the per-syscall aggregates, the per-task state user space
 * writes when it attaches to a process, process records and events.
 *
 * Fixed-width __u64-style types only: the same layout is compiled by
 * clang -target bpf and by the host compiler.
 */
#ifndef TRACER_TRACE_H
#define TRACER_TRACE_H

/* Syscall numbers index an array; the last slot collects numbers beyond. */
#define TRACE_MAX_SYSCALLS 1024
/* log2 latency buckets: bucket b holds [2^b, 2^(b+1)) ns, 0 holds [0, 2). */
#define TRACE_HIST_BUCKETS 40
/* io_uring opcodes (IORING_OP_LAST is 58 on Linux 6.18). */
#define TRACE_MAX_UOPS 64
#define TRACE_COMM_LEN 16
#define TRACE_PATH_LEN 256

/* trace_task.state */
#define TRACE_ARMED 1	/* launcher child: counting starts at its execve */
#define TRACE_ACTIVE 2

struct trace_sys_stat {
	__u64 calls;
	__u64 errors;
	__u64 total_ns;
	__u64 max_ns;
	__u64 offcpu_ns;
	__u64 vcsw;	/* voluntary context switches inside the call */
	__u64 ivcsw;	/* involuntary (preempted) */
	__u64 hist[TRACE_HIST_BUCKETS];
};

struct trace_errno_key {
	__u32 nr;
	__u32 err;
};

/* --functions: catalogue functions, probe sites, binaries (exe files). */
#define TRACE_MAX_FUNCS 2048
#define TRACE_MAX_SITES 16384
#define TRACE_MAX_BINS 4096
/* Nested calls timed at once per thread (--latency). */
#define TRACE_FN_DEPTH 16

/* A probe site, found by the uprobe's cookie (its index). */
/* trace_fn_site_info.flags */
#define TRACE_FN_UNTIMED 1	/* no return probe (--latency): counted, not timed */

struct trace_fn_site_info {
	__u32 fn;
	__u32 flags;
	__u64 vaddr;		/* of the probe in its file */
	__u64 text_lo, text_hi;	/* the file's executable segments, same base */
	__u64 skip;		/* the probe's distance past the function's entry */
};

/* Calls of a function by the processes running one binary. */
struct trace_fn_key {
	__u32 bin;	/* index + 1 of the traced binary; 0: not known yet */
	__u32 fn;
};

struct trace_fn_stat {
	__u64 calls;	/* from outside the library that defines it */
	__u64 from_exe;	/* of those, from the main executable (what ltrace sees) */
	__u64 internal;	/* from inside that library (not counted in calls) */
	__u64 total_ns;	/* --latency: time in the calls counted */
	__u64 max_ns;
};

/* An executable file, as the exec hook identifies it (kernel dev_t). */
struct trace_fn_file {
	__u64 dev;
	__u64 ino;
};

/* trace_fn_notice.kind */
#define TRACE_FN_EXEC 1	/* it executed a file: stopped until its files are linked */
#define TRACE_FN_FORK 2	/* a new process: stopped until it has links of its own */
#define TRACE_FN_EXIT 3	/* gone: its links can go (not stopped) */

/* Told to user space about a traced process: uprobe links filter by
 * process, so each one needs its own, made before it runs on. */
struct trace_fn_notice {
	__u32 pid;
	__u32 kind;
	__u32 ppid;	/* TRACE_FN_FORK: the parent */
	__u32 relink;	/* TRACE_FN_EXEC by a thread other than the leader: its links follow the old leader, gone */
	struct trace_fn_file file;	/* TRACE_FN_EXEC: the file it runs */
};

/* fn_linked's key: the process has links on every probed file the
 * binary (trace_fn_key.bin) loads, so executing it need not stop. */
struct trace_fn_linked {
	__u32 pid;
	__u32 bin;
};

struct trace_fn_frame {
	__u64 start_ns;
	__u64 sp;	/* at entry: the return's is 8 more */
	__u32 fn;
	__u32 counted;
};

/* Per-task (thread) state, in task local storage. */
struct trace_task {
	__u64 enter_ns;
	__u64 offcpu_start;	/* when it left the CPU inside a call, or 0 */
	__u64 offcpu_ns;
	__u64 born_ns;	/* traced since (fork, the command's execve, attach); 0: not counted */
	__u64 args[3];
	__u32 nr;
	__u32 vcsw;
	__u32 ivcsw;
	__u8 state;
	__u8 in_sys;
	__u8 launching;	/* in the launcher's execve: counted only if it succeeds */
	__u8 fresh;	/* exit-only counting: a new task, whose first exit is clone's return */
	__u8 fn_depth;	/* --functions --latency: frames in use */
	__u32 fn_bin;	/* --functions: trace_fn_key.bin of the file it runs; 0: look it up */
	struct trace_fn_frame fn_stack[TRACE_FN_DEPTH];
};

/* trace_proc.flags */
#define TRACE_PROC_EXITED 1
#define TRACE_PROC_ATTACHED 2	/* found running (-p, --cgroup), not forked */

struct trace_proc {
	__u32 pid;	/* as parakit sees it */
	__u32 ns_pid;	/* as the process sees itself (its pid namespace) */
	__u32 ppid;
	__s32 exit_code;	/* wait status, valid with TRACE_PROC_EXITED */
	__u64 start_ns;	/* CLOCK_MONOTONIC */
	__u64 exit_ns;
	__u32 execs;
	__u32 flags;
	char comm[TRACE_COMM_LEN];
	char exe[TRACE_PATH_LEN];
};

struct trace_call {
	__u64 ts_ns;	/* entry, CLOCK_MONOTONIC */
	__u64 dur_ns;
	__s64 ret;
	__u64 args[3];
	__u32 pid;
	__u32 tid;
	__u32 nr;
	__u32 cpu;
};

struct trace_uring_stat {
	__u64 submitted;
	__u64 completed;
	__u64 errors;
	__u64 punted;	/* queued to an io-wq worker: it would have blocked */
};

#endif
