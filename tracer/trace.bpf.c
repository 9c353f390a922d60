// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel half of parakit trace: per-syscall aggregates for a set of
 * tasks, kept in per-CPU maps so the hot path takes no shared lock.
 *
 * Only tracepoints, in their BTF form (tp_btf): kprobes and fentry are not
 * available on the target kernels, and tp_btf needs no tracefs. Membership
 * is a task local storage entry: untraced tasks cost one storage lookup per
 * hook (no hash of pids), traced ones find their in-flight call in the same
 * entry. Entries are created by user space (the launcher child, -p), by the
 * fork hook for children and threads, and on the first call of a task in
 * the traced cgroup.
 *
 * Per-CPU counters are plain additions: tracepoint programs run with
 * preemption disabled (the kernel skips, and counts as a recursion miss, a
 * program already running on the CPU), so no two updates of one CPU's slot
 * interleave; a lock prefix per counter measurably costs on a hot path of
 * a few hundred nanoseconds. Only the shared globals are atomic.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tracer/trace.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_EXIT 60
#define NR_EXIT_GROUP 231
#define NR_EXECVE 59
#define NR_EXECVEAT 322
#define MAX_ERRNO 4095

const volatile __u8 cfg_latency = 1;	/* entry/exit times, histogram */
const volatile __u8 cfg_exit_only = 0;	/* count mode on sys_exit alone (see count_at_exit) */
const volatile __u8 cfg_offcpu = 1;	/* sched_switch accounting */
const volatile __u8 cfg_events = 0;	/* one ring buffer record per call */
const volatile __u8 cfg_filter = 0;	/* only the syscalls set in want */
const volatile __u8 cfg_follow = 1;	/* new processes of traced ones */
const volatile __u8 cfg_cgroup = 0;
const volatile __u64 cfg_cgroup_id = 0;
const volatile __u32 cfg_cgroup_level = 0;
const volatile __u8 cfg_functions = 0;	/* --functions: uprobes, no syscalls */
const volatile __u8 cfg_fn_latency = 0;

/* Traced processes alive; user space ends -p runs when it drops to 0. */
__s64 live = 0;
__u64 procs_dropped = 0;
__u64 errnos_dropped = 0;
__u64 fn_dropped = 0;		/* calls with no room in fn_stats */
__u64 fn_deep = 0;		/* --latency: calls nested too deep to time */
__u64 fn_exec_lost = 0;		/* fork and exec notices lost: those processes ran on unlinked */
__u64 fn_stops = 0;		/* processes stopped for user space to link them */
/* Set by user space when the trace ends: no more stops (none would be let go). */
__u8 fn_release = 0;

/*
 * Thread time: the sum over traced threads of the time each was traced,
 * from its fork (or the command's execve, or the attach) to its exit or
 * the run's end, so that blocking can be given per thread-second. Three
 * sums, so that no thread needs visiting at the end: the threads still
 * running add live * end - born_sum. Touched at thread birth and exit
 * only, so shared atomics cost nothing on the syscall path.
 */
__s64 threads_live = 0;
__u64 threads_born_sum = 0;
__u64 threads_gone_ns = 0;
__u64 threads_seen = 0;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct trace_task);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct trace_sys_stat);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct trace_errno_key);
	__type(value, __u64);
} errnos SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct trace_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRACE_MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, __u8);
} want SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);	/* resized by user space */
} events SEC(".maps");

/* Events the ring buffer had no room for, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_MAX_UOPS);
	__type(key, __u32);
	__type(value, struct trace_uring_stat);
} uring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRACE_MAX_SITES);
	__type(key, __u32);
	__type(value, struct trace_fn_site_info);
} fn_sites SEC(".maps");

/* Shared, not per-CPU: keyed by binary and function, a per-CPU copy of
 * every pair would cost memory on many-CPU machines for nothing; the
 * atomic adds are small next to the uprobe's trap. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct trace_fn_key);
	__type(value, struct trace_fn_stat);
} fn_stats SEC(".maps");

/* Executable files user space has resolved: their trace_fn_key.bin. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_MAX_BINS);
	__type(key, struct trace_fn_file);
	__type(value, __u32);
} fn_bins SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} fn_notices SEC(".maps");

/* The binaries whose files a process has links on, written by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct trace_fn_linked);
	__type(value, __u8);
} fn_linked SEC(".maps");

/* Linux 6.13: signals a task other than the current one (a new child, from
 * the fork hook, which runs in its parent). Only fn_fork calls it, loaded
 * with --functions alone: weak, so that the other modes load without it. */
extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type, __u64 value) __ksym __weak;

/* Kernels before 6.13 kept the submitter in io_kiocb.task. */
struct io_kiocb___old {
	struct task_struct *task;
} __attribute__((preserve_access_index));

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r < TRACE_HIST_BUCKETS ? r : TRACE_HIST_BUCKETS - 1;
}

static __always_inline __u32 slot(__u32 nr)
{
	return nr < TRACE_MAX_SYSCALLS ? nr : TRACE_MAX_SYSCALLS - 1;
}

static __always_inline __u32 ns_pid(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct upid up = {};

	bpf_core_read(&up, sizeof(up), &p->numbers[level & 31]);
	return up.nr;
}

/* Creates the record of a process seen for the first time. */
static __always_inline void proc_new(struct task_struct *t, __u32 flags)
{
	struct trace_proc *p, zero = {};
	__u32 pid = BPF_CORE_READ(t, tgid);

	if (bpf_map_update_elem(&procs, &pid, &zero, BPF_NOEXIST)) {
		if (!bpf_map_lookup_elem(&procs, &pid))
			__sync_fetch_and_add(&procs_dropped, 1);
		return;
	}
	p = bpf_map_lookup_elem(&procs, &pid);
	if (!p)
		return;
	p->pid = pid;
	p->ns_pid = ns_pid(t);
	p->ppid = BPF_CORE_READ(t, real_parent, tgid);
	p->start_ns = bpf_ktime_get_ns();
	p->flags = flags;
	bpf_probe_read_kernel_str(p->comm, sizeof(p->comm), t->comm);
	__sync_fetch_and_add(&live, 1);
}

static __always_inline void thread_born(struct trace_task *t)
{
	__u64 now;

	if (t->born_ns)
		return;
	now = bpf_ktime_get_ns();
	t->born_ns = now;
	__sync_fetch_and_add(&threads_live, 1);
	__sync_fetch_and_add(&threads_born_sum, now);
	__sync_fetch_and_add(&threads_seen, 1);
}

/* The launcher's execve failed: it was not the command's thread yet. */
static __always_inline void thread_unborn(struct trace_task *t)
{
	__u64 born = t->born_ns;

	if (!born)
		return;
	t->born_ns = 0;
	__sync_fetch_and_add(&threads_live, -1);
	__sync_fetch_and_add(&threads_born_sum, -born);
	__sync_fetch_and_add(&threads_seen, -1);
}

static __always_inline void thread_gone(struct trace_task *t)
{
	__u64 born = t->born_ns;

	if (!born)
		return;
	t->born_ns = 0;
	__sync_fetch_and_add(&threads_gone_ns, bpf_ktime_get_ns() - born);
	__sync_fetch_and_add(&threads_live, -1);
	__sync_fetch_and_add(&threads_born_sum, -born);
}

static __always_inline int in_cgroup(void)
{
	return bpf_get_current_ancestor_cgroup_id(cfg_cgroup_level) == cfg_cgroup_id;
}

static __always_inline void count_errno(__u32 nr, long ret)
{
	struct trace_errno_key k = { .nr = nr, .err = -ret };
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&errnos, &k);
	if (v) {
		(*v)++;
		return;
	}
	if (!bpf_map_update_elem(&errnos, &k, &one, BPF_NOEXIST))
		return;
	v = bpf_map_lookup_elem(&errnos, &k);
	if (v)
		(*v)++;
	else
		__sync_fetch_and_add(&errnos_dropped, 1);
}

/* @task's record, made here for a task of the traced cgroup; NULL when it is not traced. */
static __always_inline struct trace_task *task_of(struct task_struct *task)
{
	struct trace_task *t = bpf_task_storage_get(&tasks, task, 0, 0);

	if (t || !cfg_cgroup || !in_cgroup())
		return t;
	t = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return NULL;
	t->state = TRACE_ACTIVE;
	thread_born(t);
	proc_new(task, TRACE_PROC_ATTACHED);
	return t;
}

static __always_inline int wanted(__u32 nr)
{
	__u8 *w;

	if (!cfg_filter)
		return 1;
	w = bpf_map_lookup_elem(&want, &nr);
	return w && *w;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct trace_task *t = task_of(task);
	struct trace_sys_stat *s;
	__u32 nr = id;

	if (!t)
		return 0;
	if (t->state != TRACE_ACTIVE) {
		/* The launcher's own calls are not the command's. Its execve
		 * is, if it succeeds: sys_exit decides, and the process is
		 * recorded at sched_process_exec. */
		if (t->state != TRACE_ARMED || (nr != NR_EXECVE && nr != NR_EXECVEAT))
			return 0;
		t->state = TRACE_ACTIVE;
		t->launching = 1;
		/* Its time counts from here, as its calls do: the execve
		 * itself can be off the CPU for milliseconds. */
		thread_born(t);
	}
	if (!wanted(nr))
		return 0;
	/* exit and exit_group never return: count them here. The count-only
	 * mode counts every call here and only errors at exit. */
	if (nr == NR_EXIT || nr == NR_EXIT_GROUP || !cfg_latency) {
		__u32 k = slot(nr);

		s = bpf_map_lookup_elem(&stats, &k);
		if (s && !t->launching)
			s->calls++;
		if (!cfg_latency) {
			t->nr = nr;
			t->in_sys = 1;
		}
		return 0;
	}
	/* The off-CPU fields are zero here: sys_exit resets them after use. */
	t->nr = nr;
	t->in_sys = 1;
	if (cfg_events) {
		t->args[0] = regs->di;
		t->args[1] = regs->si;
		t->args[2] = regs->dx;
	}
	t->enter_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * The count mode's one program per call (cfg_exit_only): it counts at
 * sys_exit alone, as syscount does, the number read back from the
 * registers, so that a call costs one program run, not two. exit and
 * exit_group, which never return, are counted by their own syscall
 * tracepoints, which run for those two calls only. The launcher's execve
 * made the task active in sched_process_exec (only a successful one gets
 * there), so its exit counts it; a new task's first exit is its return
 * from clone, not a call.
 */
static __always_inline int count_at_exit(struct pt_regs *regs, long ret)
{
	struct trace_task *t = task_of(bpf_get_current_task_btf());
	struct trace_sys_stat *s;
	__u32 nr = regs->orig_ax, k = slot(nr);

	if (!t || t->state != TRACE_ACTIVE)
		return 0;
	if (t->fresh) {
		t->fresh = 0;
		return 0;
	}
	if (!wanted(nr) || !(s = bpf_map_lookup_elem(&stats, &k)))
		return 0;
	s->calls++;
	if (ret < 0 && ret >= -MAX_ERRNO) {
		s->errors++;
		count_errno(nr, ret);
	}
	return 0;
}

static __always_inline int count_no_return(__u32 nr)
{
	struct trace_task *t = task_of(bpf_get_current_task_btf());
	struct trace_sys_stat *s;
	__u32 k = slot(nr);

	if (t && t->state == TRACE_ACTIVE && wanted(nr) && (s = bpf_map_lookup_elem(&stats, &k)))
		s->calls++;
	return 0;
}

SEC("tp/syscalls/sys_enter_exit")
int sys_enter_exit(void *ctx)
{
	return count_no_return(NR_EXIT);
}

SEC("tp/syscalls/sys_enter_exit_group")
int sys_enter_exit_group(void *ctx)
{
	return count_no_return(NR_EXIT_GROUP);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct trace_task *t;
	struct trace_sys_stat *s;
	struct trace_call *e;
	__u64 now, dur;
	__u32 k, nr;
	int launched = 0;

	if (cfg_exit_only)
		return count_at_exit(regs, ret);
	t = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	if (!t)
		return 0;
	if (t->launching) {
		t->launching = 0;
		/* The launcher's execve failed: a script without "#!" that
		 * /bin/sh runs next (as execvp does), or a command that cannot
		 * run. Neither the call nor what the launcher does until its
		 * next execve is the command's. */
		if (ret < 0) {
			t->state = TRACE_ARMED;
			thread_unborn(t);
			t->in_sys = 0;
			t->offcpu_start = 0;
			t->offcpu_ns = 0;
			t->vcsw = 0;
			t->ivcsw = 0;
			return 0;
		}
		launched = 1;
	}
	/* A new child's return from clone has no entry: not a call. */
	if (!t->in_sys)
		return 0;
	t->in_sys = 0;
	nr = t->nr;
	k = slot(nr);
	s = bpf_map_lookup_elem(&stats, &k);
	if (!s)
		return 0;
	if (!cfg_latency) {
		/* Counted here, not at entry, where it might have failed. */
		if (launched)
			s->calls++;
		if (ret < 0 && ret >= -MAX_ERRNO) {
			s->errors++;
			count_errno(nr, ret);
		}
		return 0;
	}
	now = bpf_ktime_get_ns();
	dur = now - t->enter_ns;
	s->calls++;
	s->total_ns += dur;
	if (dur > s->max_ns)
		s->max_ns = dur;
	s->hist[log2_bucket(dur)]++;
	if (ret < 0 && ret >= -MAX_ERRNO) {
		s->errors++;
		count_errno(nr, ret);
	}
	if (cfg_offcpu && (t->vcsw | t->ivcsw)) {
		s->offcpu_ns += t->offcpu_ns;
		s->vcsw += t->vcsw;
		s->ivcsw += t->ivcsw;
		t->offcpu_ns = 0;
		t->vcsw = 0;
		t->ivcsw = 0;
	}
	if (!cfg_events)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *l = bpf_map_lookup_elem(&lost, &zero);

		if (l)
			(*l)++;
		return 0;
	}
	e->ts_ns = t->enter_ns;
	e->dur_ns = dur;
	e->ret = ret;
	e->args[0] = t->args[0];
	e->args[1] = t->args[1];
	e->args[2] = t->args[2];
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->nr = nr;
	e->cpu = bpf_get_smp_processor_id();
	/* User space drains the buffer on a timer: a wakeup per call would
	 * cost more than the call. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/*
 * --functions. One program for every probe site, told which by the
 * uprobe's cookie. A call counts when it comes from outside the library
 * that defines the function: glibc's printf reaching its own strlen is
 * not the program calling strlen. The return address, on top of the stack
 * at entry, tells: the library's load bias is the probed address minus
 * the function's address in the file, and its code lies in
 * [text_lo, text_hi) past that bias. Calls from the main executable are
 * counted apart (the mm's code range), as ltrace would see them.
 */
static __always_inline struct trace_fn_file exe_file(struct task_struct *task)
{
	struct file *f = BPF_CORE_READ(task, mm, exe_file);
	struct trace_fn_file k = {
		.dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev),
		.ino = BPF_CORE_READ(f, f_inode, i_ino),
	};

	return k;
}

static __always_inline struct trace_fn_stat *fn_stat(__u32 bin, __u32 fn)
{
	struct trace_fn_key k = { .bin = bin, .fn = fn };
	struct trace_fn_stat zero = {}, *s;

	s = bpf_map_lookup_elem(&fn_stats, &k);
	if (s)
		return s;
	bpf_map_update_elem(&fn_stats, &k, &zero, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&fn_stats, &k);
	if (!s)
		__sync_fetch_and_add(&fn_dropped, 1);
	return s;
}

/*
 * Whether the call that returns to ret went to the function at ip, or to
 * another function that jumped to it (glibc's stat and fstat end in a jump
 * to fstatat, reallocarray to realloc, realloc(NULL) to malloc: the
 * return address is the caller's in both cases). Decodes the call before
 * ret: `call rel32` to a PLT stub (`jmp *GOT`, after an endbr64 and a bnd
 * prefix where present) or `call *GOT(%rip)` (-fno-plt), and compares the
 * GOT slot, bound by now (lazy binding fills it before it jumps), with the
 * function's entry (the probe may sit past leading VEX instructions).
 * Returns 0 only when the slot names another function; 1 for anything it
 * cannot decode (a call through a register, a direct call, a local
 * function that jumps on: ltrace counts those too).
 */
static __always_inline int fn_called_here(__u64 ret, __u64 entry)
{
	__u8 c[6], p[11];
	__u64 got = 0, slot = 0;
	__s32 d;

	if (bpf_probe_read_user(c, sizeof(c), (void *)(ret - 6)))
		return 1;
	if (c[1] == 0xe8) {
		__u64 t;

		__builtin_memcpy(&d, &c[2], 4);
		t = ret + (__s64)d;
		if (t == entry)
			return 1;
		if (bpf_probe_read_user(p, sizeof(p), (void *)t))
			return 1;
		/* ltrace's breakpoint (int3) over a stub's first byte. */
		if ((p[0] == 0xff || p[0] == 0xcc) && p[1] == 0x25) {
			__builtin_memcpy(&d, &p[2], 4);
			got = t + 6 + (__s64)d;
		} else if (p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa) {
			if (p[4] == 0xf2 && p[5] == 0xff && p[6] == 0x25) {
				__builtin_memcpy(&d, &p[7], 4);
				got = t + 11 + (__s64)d;
			} else if (p[4] == 0xff && p[5] == 0x25) {
				__builtin_memcpy(&d, &p[6], 4);
				got = t + 10 + (__s64)d;
			}
		}
	} else if (c[0] == 0xff && c[1] == 0x15) {
		__builtin_memcpy(&d, &c[2], 4);
		got = ret + (__s64)d;
	}
	if (!got || bpf_probe_read_user(&slot, sizeof(slot), (void *)got))
		return 1;
	return slot == entry;
}

static __always_inline int fn_enter(struct pt_regs *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct trace_task *t = task_of(task);
	struct trace_fn_site_info *si;
	struct trace_fn_stat *s;
	__u64 ip, sp, ret = 0, bias;
	__u32 site, counted = 0;

	if (!t || t->state != TRACE_ACTIVE)
		return 0;
	site = bpf_get_attach_cookie(ctx);
	si = bpf_map_lookup_elem(&fn_sites, &site);
	if (!si)
		return 0;
	if (!t->fn_bin) {
		struct trace_fn_file f = exe_file(task);
		__u32 *b = bpf_map_lookup_elem(&fn_bins, &f);

		if (b)
			t->fn_bin = *b;
	}
	ip = PT_REGS_IP(ctx);
	sp = PT_REGS_SP(ctx);
	bpf_probe_read_user(&ret, sizeof(ret), (void *)sp);
	bias = ip - si->vaddr;
	s = fn_stat(t->fn_bin, si->fn);
	if (!s)
		return 0;
	if ((ret - bias >= si->text_lo && ret - bias < si->text_hi) || !fn_called_here(ret, ip - si->skip)) {
		__sync_fetch_and_add(&s->internal, 1);
	} else {
		__sync_fetch_and_add(&s->calls, 1);
		if (ret >= BPF_CORE_READ(task, mm, start_code) && ret < BPF_CORE_READ(task, mm, end_code))
			__sync_fetch_and_add(&s->from_exe, 1);
		counted = 1;
	}
	/* A function without a return probe would leave its frame behind. */
	if (cfg_fn_latency && !(si->flags & TRACE_FN_UNTIMED)) {
		__u32 d = t->fn_depth;

		if (d >= TRACE_FN_DEPTH) {
			__sync_fetch_and_add(&fn_deep, 1);
			return 0;
		}
		t->fn_stack[d].start_ns = bpf_ktime_get_ns();
		t->fn_stack[d].sp = sp;
		t->fn_stack[d].fn = si->fn;
		t->fn_stack[d].counted = counted;
		t->fn_depth = d + 1;
	}
	return 0;
}

/*
 * The return of a timed call: the frame whose entry stack pointer is 8
 * below the one now (the return address was popped). Frames above it were
 * left by longjmp, or by calls too deep to time: dropped.
 */
static __always_inline int fn_exit(struct pt_regs *ctx)
{
	struct trace_task *t = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	__u64 sp = PT_REGS_SP(ctx) - 8, now;
	struct trace_fn_stat *s;
	struct trace_fn_frame *f;
	__u32 d;

	if (!t || !t->fn_depth)
		return 0;
	for (int i = 0; i < TRACE_FN_DEPTH; i++) {
		d = t->fn_depth - 1;
		if (d >= TRACE_FN_DEPTH)
			return 0;
		f = &t->fn_stack[d];
		if (f->sp > sp)
			return 0;	/* a call not timed (too deep) returns */
		t->fn_depth = d;
		if (f->sp == sp)
			break;
		if (!d)
			return 0;
	}
	if (!f->counted)
		return 0;
	now = bpf_ktime_get_ns() - f->start_ns;
	s = fn_stat(t->fn_bin, f->fn);
	if (!s)
		return 0;
	__sync_fetch_and_add(&s->total_ns, now);
	/* Racy maximum: good enough for a figure, never over the truth by more than a race. */
	if (now > s->max_ns)
		s->max_ns = now;
	return 0;
}

/* Attached one site per link (perf_event), where multi-uprobe links are missing. */
SEC("uprobe")
int fn_entry(struct pt_regs *ctx)
{
	return fn_enter(ctx);
}

SEC("uretprobe")
int fn_return(struct pt_regs *ctx)
{
	return fn_exit(ctx);
}

/* The same, loaded for BPF_TRACE_UPROBE_MULTI links (trace_fn.c sets the attach type). */
SEC("uprobe")
int fn_entry_multi(struct pt_regs *ctx)
{
	return fn_enter(ctx);
}

SEC("uretprobe")
int fn_return_multi(struct pt_regs *ctx)
{
	return fn_exit(ctx);
}

#define SIGSTOP 19

/*
 * Tells user space about process pid (a notice of kind) and, for a fork or
 * an exec, stops it (SIGSTOP, taken on its way back to user space, before
 * it runs an instruction of its own) until user space has made its links
 * and lets it go on (SIGCONT). task is the process to stop, NULL: the
 * current one; other is a fork's parent, or the thread that executed. Uprobe links filter by process: without the stop, what it
 * does before user space gets to it would not be counted. A notice that
 * does not fit is counted and the process is not stopped, since no one
 * would let it go.
 */
static __always_inline void fn_notice(struct task_struct *task, __u32 pid, __u32 kind, __u32 other,
				      struct trace_fn_file *f)
{
	struct trace_fn_notice *e;
	long err;

	if (fn_release)
		return;
	e = bpf_ringbuf_reserve(&fn_notices, sizeof(*e), 0);
	if (!e) {
		if (kind != TRACE_FN_EXIT)
			__sync_fetch_and_add(&fn_exec_lost, 1);
		return;
	}
	e->pid = pid;
	e->kind = kind;
	/* other: a fork's parent, or the thread that executed (its old tid). */
	e->ppid = kind == TRACE_FN_FORK ? other : 0;
	e->relink = kind == TRACE_FN_EXEC && other != pid;
	e->file.dev = f ? f->dev : 0;
	e->file.ino = f ? f->ino : 0;
	if (kind == TRACE_FN_EXIT) {
		/* Nothing waits on it: read at the next poll. */
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
		return;
	}
	__sync_fetch_and_add(&fn_stops, 1);
	/* A wakeup even when exit notices wait unread before it (the ring
	 * buffer wakes the reader only for the record it waits at). */
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	err = task ? bpf_send_signal_task(task, SIGSTOP, PIDTYPE_TGID, 0) : bpf_send_signal(SIGSTOP);
	/* Not stopped: it runs on until user space gets to it. */
	if (err)
		__sync_fetch_and_add(&fn_exec_lost, 1);
}

/*
 * A traced process executes a file: it runs as the binary known for that
 * file, and goes on at once when it has links on all that binary's files;
 * otherwise user space resolves the file and links it first.
 */
static __always_inline void fn_exec(struct task_struct *p, struct trace_task *t, pid_t old_pid)
{
	struct trace_fn_file f = exe_file(p);
	struct trace_fn_linked k = { .pid = p->tgid };
	__u32 *b = bpf_map_lookup_elem(&fn_bins, &f);

	t->fn_depth = 0;
	t->fn_bin = b ? *b : 0;
	k.bin = t->fn_bin;
	/* A thread other than the leader that executes takes the leader's
	 * place; the links filter by the old leader's memory, gone now. */
	if (b && old_pid == p->tgid && bpf_map_lookup_elem(&fn_linked, &k))
		return;
	fn_notice(NULL, p->tgid, TRACE_FN_EXEC, old_pid, &f);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct trace_task *t;
	__u64 now = 0;

	t = bpf_task_storage_get(&tasks, prev, 0, 0);
	if (t && t->in_sys) {
		now = bpf_ktime_get_ns();
		t->offcpu_start = now;
		if (preempt || !prev_state)
			t->ivcsw++;
		else
			t->vcsw++;
	}
	t = bpf_task_storage_get(&tasks, next, 0, 0);
	if (t && t->offcpu_start) {
		if (!now)
			now = bpf_ktime_get_ns();
		t->offcpu_ns += now - t->offcpu_start;
		t->offcpu_start = 0;
	}
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct trace_task *pt, *ct;
	int thread;

	/* A process of the traced cgroup that made no traced call yet is
	 * marked here (--functions marks no one before the first probe). */
	pt = cfg_functions ? task_of(parent) : bpf_task_storage_get(&tasks, parent, 0, 0);
	if (!pt || pt->state != TRACE_ACTIVE)
		return 0;
	thread = child->pid != child->tgid;
	if (!thread && !cfg_follow)
		return 0;
	ct = bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ct)
		return 0;
	ct->state = TRACE_ACTIVE;
	ct->fresh = 1;
	thread_born(ct);
	ct->fn_bin = pt->fn_bin;
	if (!thread) {
		struct trace_proc *pp, *cp;
		__u32 pid = parent->tgid;

		proc_new(child, 0);
		/* Until it executes something, a child runs its parent's file. */
		pp = bpf_map_lookup_elem(&procs, &pid);
		pid = child->tgid;
		cp = bpf_map_lookup_elem(&procs, &pid);
		if (pp && cp)
			__builtin_memcpy(cp->exe, pp->exe, sizeof(cp->exe));
	}
	return 0;
}

/*
 * --functions: a traced process's new child maps what its parent maps, but
 * the parent's links count the parent alone: it waits for links of its own.
 * A program of its own (after or before sched_process_fork, which marks
 * the child), so that the other modes need no bpf_send_signal_task.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(fn_fork, struct task_struct *parent, struct task_struct *child)
{
	struct trace_task *pt = task_of(parent);

	if (!pt || pt->state != TRACE_ACTIVE || child->pid != child->tgid || !cfg_follow)
		return 0;
	fn_notice(child, child->tgid, TRACE_FN_FORK, parent->tgid, NULL);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct trace_task *t = cfg_functions ? task_of(p) : bpf_task_storage_get(&tasks, p, 0, 0);
	struct trace_proc *pr;
	__u32 pid;

	if (!t)
		return 0;
	if ((cfg_exit_only || cfg_functions) && t->state == TRACE_ARMED) {
		/* The launcher's execve succeeded: the command starts here. */
		t->state = TRACE_ACTIVE;
		thread_born(t);
		proc_new(p, 0);
	} else if (t->state != TRACE_ACTIVE) {
		return 0;
	} else if (t->launching) {
		thread_born(t);
		proc_new(p, 0);
	}
	pid = p->tgid;
	pr = bpf_map_lookup_elem(&procs, &pid);
	if (!pr)
		return 0;
	pr->execs++;
	bpf_probe_read_kernel_str(pr->exe, sizeof(pr->exe), BPF_CORE_READ(bprm, filename));
	bpf_probe_read_kernel_str(pr->comm, sizeof(pr->comm), p->comm);
	if (cfg_functions)
		fn_exec(p, t, old_pid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	struct trace_task *t = bpf_task_storage_get(&tasks, p, 0, 0);
	struct trace_proc *pr;
	__u32 pid;

	if (!t || t->state != TRACE_ACTIVE)
		return 0;
	thread_gone(t);
	/* The process is gone with its last thread. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	pid = p->tgid;
	pr = bpf_map_lookup_elem(&procs, &pid);
	if (!pr || (pr->flags & TRACE_PROC_EXITED))
		return 0;
	pr->flags |= TRACE_PROC_EXITED;
	pr->exit_ns = bpf_ktime_get_ns();
	pr->exit_code = BPF_CORE_READ(p, signal, group_exit_code);
	if (!pr->exit_code)
		pr->exit_code = p->exit_code;
	__sync_fetch_and_add(&live, -1);
	if (cfg_functions)
		fn_notice(NULL, pid, TRACE_FN_EXIT, 0, NULL);
	return 0;
}

static __always_inline int uring_traced(void *req, __u32 *op)
{
	struct task_struct *task;
	__u32 pid;

	if (!req)
		return 0;
	if (bpf_core_field_exists(((struct io_kiocb *)req)->tctx))
		task = BPF_CORE_READ((struct io_kiocb *)req, tctx, task);
	else
		task = BPF_CORE_READ((struct io_kiocb___old *)req, task);
	pid = BPF_CORE_READ(task, tgid);
	if (!bpf_map_lookup_elem(&procs, &pid))
		return 0;
	*op = BPF_CORE_READ((struct io_kiocb *)req, opcode);
	return *op < TRACE_MAX_UOPS;
}

/* The counters of @req's opcode, when its task is traced; NULL otherwise. */
static __always_inline struct trace_uring_stat *uring_stat(void *req)
{
	__u32 op;

	return uring_traced(req, &op) ? bpf_map_lookup_elem(&uring, &op) : NULL;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(uring_submit, struct io_kiocb *req)
{
	struct trace_uring_stat *u = uring_stat(req);

	if (u)
		u->submitted++;
	return 0;
}

/* An operation the kernel could not start without blocking: handed to an io-wq worker thread. */
SEC("tp_btf/io_uring_queue_async_work")
int BPF_PROG(uring_punt, struct io_kiocb *req, int rw)
{
	struct trace_uring_stat *u = uring_stat(req);

	if (u)
		u->punted++;
	return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(uring_complete, struct io_ring_ctx *uctx, void *req, struct io_uring_cqe *cqe)
{
	struct trace_uring_stat *u = uring_stat(req);

	if (!u)
		return 0;
	u->completed++;
	if (BPF_CORE_READ(cqe, res) < 0)
		u->errors++;
	return 0;
}

