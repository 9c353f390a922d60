/*
 * The tracer's lifecycle in user space: load the BPF skeleton with the
 * run's configuration, attach it, name the tasks to trace, drain the event
 * ring buffer, and read the per-CPU aggregates back.
 *
 * Tasks are marked by writing their task local storage through a pidfd
 * (the map's key from user space): the launcher child before it executes
 * the command, every thread of a -p process (PIDFD_THREAD, Linux 6.9) and
 * of the descendants it has, found in /proc. Everything forked after that
 * is marked by the BPF fork hook.
 *
 * The run loop polls: the command's pidfd when there is one, else a timer
 * (100 ms; 20 ms with --events, whose ring buffer is drained here and asks
 * for no wakeups). Signals only set a flag the loop reads.
 */
#include "tracer/tracer.h"
#include "tracer/trace_int.h"
#include "common/common.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif


static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* The verifier's log is for developers: PARAKIT_BPF_DEBUG=1 shows it. */
	if (level == LIBBPF_DEBUG || !getenv("PARAKIT_BPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	struct trace_call e;

	/* Copy: records in the ring buffer are only 8-byte aligned. */
	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	return t->sink ? t->sink(t->sink_ctx, &e) : 0;
}

void trace_set_sink(struct tracer *t, int (*fn)(void *ctx, const struct trace_call *e), void *ctx)
{
	t->sink = fn;
	t->sink_ctx = ctx;
}

static int kernel_has(const char *typedef_name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF);
	btf__free(btf);
	return id > 0;
}

static void explain_load_error(int err)
{
	if (err == -EPERM || err == -EACCES)
		util_err("cannot load the BPF program: %s (tracing needs root, or CAP_BPF and CAP_PERFMON%s)",
		         strerror(-err), geteuid() ? "; run it with sudo" : "; is BPF disabled by a lockdown or sysctl?");
	else if (err == -ENOENT || err == -ESRCH)
		util_err("cannot load the BPF program: %s (does the kernel have BTF, /sys/kernel/btf/vmlinux?)",
		         strerror(-err));
	else
		util_err("cannot load the BPF program: %s (PARAKIT_BPF_DEBUG=1 shows libbpf's log)", strerror(-err));
}

#define EXIT_EVENT "/sys/kernel/tracing/events/syscalls/sys_enter_exit/id"
#define EXIT_GROUP_EVENT "/sys/kernel/tracing/events/syscalls/sys_enter_exit_group/id"

int trace_open(struct tracer **out, const struct trace_opts *o)
{
	struct tracer *t = xcalloc(1, sizeof(*t));
	int err;

	*out = NULL;
	t->o = *o;
	libbpf_set_print(libbpf_print);
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		util_err("cannot count the CPUs: %s", strerror(-t->ncpus));
		err = t->ncpus;
		goto fail;
	}
	t->skel = trace_bpf__open();
	if (!t->skel) {
		err = -errno;
		util_err("cannot open the BPF program: %s", strerror(errno));
		goto fail;
	}
	t->skel->rodata->cfg_latency = !o->count_only;
	t->skel->rodata->cfg_offcpu = o->offcpu && !o->count_only;
	t->skel->rodata->cfg_events = o->events && !o->count_only;
	t->skel->rodata->cfg_filter = o->want != NULL;
	t->skel->rodata->cfg_follow = o->follow;
	t->skel->rodata->cfg_cgroup = o->cgroup_id != 0;
	t->skel->rodata->cfg_cgroup_id = o->cgroup_id;
	t->skel->rodata->cfg_cgroup_level = o->cgroup_level;
	if (o->events && (err = bpf_map__set_max_entries(t->skel->maps.events, o->buffer))) {
		util_err("cannot size the event buffer to %zu bytes: %s", o->buffer, strerror(-err));
		goto fail;
	}
	/*
	 * Counting alone takes one program per call, at sys_exit, where the
	 * per-syscall tracepoints of exit and exit_group (tracefs) exist;
	 * otherwise sys_enter counts as the other modes do.
	 */
	t->skel->rodata->cfg_exit_only = o->count_only && !access(EXIT_GROUP_EVENT, F_OK) &&
					 !access(EXIT_EVENT, F_OK);
	if (t->skel->rodata->cfg_exit_only) {
		bpf_program__set_autoload(t->skel->progs.sys_enter, false);
	} else {
		bpf_program__set_autoload(t->skel->progs.sys_enter_exit, false);
		bpf_program__set_autoload(t->skel->progs.sys_enter_exit_group, false);
	}
	if (!t->skel->rodata->cfg_offcpu)
		bpf_program__set_autoload(t->skel->progs.sched_switch, false);
	if (o->functions) {
		t->skel->rodata->cfg_functions = 1;
		t->skel->rodata->cfg_fn_latency = o->fn_latency;
		t->skel->rodata->cfg_offcpu = 0;
		t->skel->rodata->cfg_exit_only = 0;
		bpf_program__set_autoload(t->skel->progs.sys_enter, false);
		bpf_program__set_autoload(t->skel->progs.sys_exit, false);
		bpf_program__set_autoload(t->skel->progs.sys_enter_exit, false);
		bpf_program__set_autoload(t->skel->progs.sys_enter_exit_group, false);
		bpf_program__set_autoload(t->skel->progs.sched_switch, false);
		bpf_program__set_autoload(t->skel->progs.uring_submit, false);
		bpf_program__set_autoload(t->skel->progs.uring_complete, false);
		bpf_program__set_autoload(t->skel->progs.uring_punt, false);
		trace_fn_prepare(t);
	} else {
		bpf_program__set_autoload(t->skel->progs.fn_entry, false);
		bpf_program__set_autoload(t->skel->progs.fn_return, false);
		bpf_program__set_autoload(t->skel->progs.fn_entry_multi, false);
		bpf_program__set_autoload(t->skel->progs.fn_return_multi, false);
		bpf_program__set_autoload(t->skel->progs.fn_fork, false);
	}
	/* Kernels without io_uring (or its tracepoints) still get syscalls. */
	if (o->functions) {
		/* none */
	} else if (!kernel_has("btf_trace_io_uring_submit_req") || !kernel_has("btf_trace_io_uring_complete")) {
		bpf_program__set_autoload(t->skel->progs.uring_submit, false);
		bpf_program__set_autoload(t->skel->progs.uring_complete, false);
	}
	if (!o->functions && !kernel_has("btf_trace_io_uring_queue_async_work"))
		bpf_program__set_autoload(t->skel->progs.uring_punt, false);
	err = trace_bpf__load(t->skel);
	if (err) {
		explain_load_error(err);
		goto fail;
	}
	if (o->want) {
		int fd = bpf_map__fd(t->skel->maps.want);

		for (__u32 nr = 0; nr < TRACE_MAX_SYSCALLS; nr++) {
			__u8 v = o->want[nr];

			if (v && bpf_map_update_elem(fd, &nr, &v, BPF_ANY)) {
				err = -errno;
				util_err("cannot set the syscall filter: %s", strerror(errno));
				goto fail;
			}
		}
	}
	err = trace_bpf__attach(t->skel);
	if (err) {
		util_err("cannot attach to the tracepoints: %s", strerror(-err));
		goto fail;
	}
	if (o->functions && (err = trace_fn_loaded(t)))
		goto fail;
	if (o->events) {
		t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), handle_event, t, NULL);
		if (!t->rb) {
			err = -errno;
			util_err("cannot map the event buffer: %s", strerror(errno));
			goto fail;
		}
	}
	*out = t;
	return 0;
fail:
	trace_free(t);
	return err ? err : -EINVAL;
}

void trace_free(struct tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	trace_fn_free(t);
	trace_bpf__destroy(t->skel);
	free(t);
}

static int pidfd_open(pid_t pid, unsigned flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

/* Sets a task's state; with BPF_NOEXIST, -EEXIST when it has one (the fork
 * hook's: rewriting it would lose the call in flight). */
static int mark(struct tracer *t, int pidfd, __u8 state, __u64 flags)
{
	struct trace_task v = { .state = state };

	/* An active task is counted in thread time from now (trace.bpf.c). */
	if (state == TRACE_ACTIVE)
		v.born_ns = util_now_ns();
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.tasks), &pidfd, &v, flags))
		return -errno;
	if (v.born_ns) {
		__atomic_fetch_add(&t->skel->bss->threads_live, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&t->skel->bss->threads_born_sum, v.born_ns, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&t->skel->bss->threads_seen, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

int trace_arm(struct tracer *t, pid_t pid)
{
	int fd = pidfd_open(pid, 0), err;

	if (fd < 0) {
		err = -errno;
		util_err("cannot open process %d: %s", (int)pid, strerror(errno));
		return err;
	}
	err = mark(t, fd, TRACE_ARMED, BPF_ANY);
	close(fd);
	if (err)
		util_err("cannot mark process %d: %s", (int)pid, strerror(-err));
	return err;
}

/* The record of a process found running, from /proc. */
static int proc_record(struct tracer *t, pid_t pid)
{
	struct trace_proc p = { .pid = pid, .ns_pid = pid, .flags = TRACE_PROC_ATTACHED };
	char path[64], *s, *l;
	ssize_t n;

	p.start_ns = util_now_ns();
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	s = util_read_file(path, NULL);
	if (!s)
		return -errno;
	if ((l = strstr(s, "\nPPid:")))
		p.ppid = strtoul(l + 6, NULL, 10);
	if ((l = strstr(s, "\nNSpid:"))) {
		char *end = strchrnul(l + 1, '\n'), *q = l + 7, *next;

		/* The last field is the pid in the process's own namespace. */
		while ((q += strspn(q, " \t")) < end) {
			unsigned long v = strtoul(q, &next, 10);

			if (next == q)
				break;
			p.ns_pid = v;
			q = next;
		}
	}
	if ((l = strstr(s, "Name:"))) {
		l += 5 + strspn(l + 5, " \t");
		snprintf(p.comm, sizeof(p.comm), "%.*s", (int)strcspn(l, "\n"), l);
	}
	free(s);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, p.exe, sizeof(p.exe) - 1);
	p.exe[n > 0 ? n : 0] = 0;
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.procs), &p.pid, &p, BPF_NOEXIST))
		return errno == EEXIST ? 0 : -errno;
	__atomic_fetch_add(&t->skel->bss->live, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* Marks the threads of a process that are not marked yet. Returns 0,
 * -ESRCH when the process is gone, or -errno (printed). */
static int mark_threads(struct tracer *t, pid_t pid)
{
	char path[64];
	int err, added, thread_fds = 1;
	size_t cap = 0, n = 0;
	pid_t *done = NULL;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	/* Threads started while we mark are picked up by the next pass (or,
	 * when started by a marked thread, by the fork hook). */
	do {
		DIR *d = opendir(path);
		struct dirent *de;

		added = 0;
		if (!d) {
			err = errno == ENOENT ? -ESRCH : -errno;
			if (err != -ESRCH)
				util_err("cannot list the threads of %d: %s", (int)pid, strerror(errno));
			goto out;
		}
		while ((de = readdir(d))) {
			pid_t tid = atoi(de->d_name);
			size_t i;
			int fd;

			if (tid <= 0)
				continue;
			for (i = 0; i < n && done[i] != tid; i++)
				;
			if (i < n)
				continue;
			if (!thread_fds && tid != pid)
				continue;
			fd = pidfd_open(tid, tid == pid ? 0 : PIDFD_THREAD);
			if (fd < 0 && errno == EINVAL && tid != pid) {
				util_err("warning: this kernel cannot open threads by pidfd: the threads of %d are not traced",
				         (int)pid);
				thread_fds = 0;
				continue;
			}
			if (fd < 0) {
				if (errno == ESRCH)
					continue;	/* the thread ended */
				err = -errno;
				util_err("cannot open thread %d of %d: %s", (int)tid, (int)pid, strerror(errno));
				closedir(d);
				goto out;
			}
			err = mark(t, fd, TRACE_ACTIVE, BPF_NOEXIST);
			close(fd);
			if (err && err != -EEXIST) {
				util_err("cannot mark thread %d of %d: %s", (int)tid, (int)pid, strerror(-err));
				closedir(d);
				goto out;
			}
			done = xgrow(done, &cap, n + 1, sizeof(*done));
			done[n++] = tid;
			added++;
		}
		closedir(d);
	} while (added);
	err = 0;
out:
	free(done);
	return err;
}

/*
 * A process that ended while it was being attached may have passed the
 * exit hook before it was marked: nothing would ever count it out of
 * 'live', and the run would not end. Its pidfd is readable once all its
 * threads are through the hook: a record the hook did not close is
 * forgotten (the process made no traced call to speak of). Returns -ESRCH
 * when it was.
 */
static int forget_if_gone(struct tracer *t, int pidfd, pid_t pid)
{
	int fd = bpf_map__fd(t->skel->maps.procs);
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	struct trace_proc p;
	__u32 key = pid;

	if (poll(&pfd, 1, 0) != 1)
		return 0;
	if (!bpf_map_lookup_elem(fd, &key, &p) && (p.flags & TRACE_PROC_EXITED))
		return 0;
	if (!bpf_map_delete_elem(fd, &key))
		__atomic_fetch_sub(&t->skel->bss->live, 1, __ATOMIC_SEQ_CST);
	return -ESRCH;
}

/*
 * Traces a running process: marks it, records it (procs, 'live') and marks
 * its threads. The main thread is marked first, and only if it has no
 * state yet: one the fork hook marked is traced already, its record made.
 * Returns 1 when it was, 0 when it is now, -ESRCH when the process is gone
 * (not printed), another -errno otherwise (printed).
 */
static int attach_process(struct tracer *t, pid_t pid)
{
	int fd = pidfd_open(pid, 0), err;

	if (fd < 0) {
		err = -errno;
		if (err != -ESRCH)
			util_err("cannot open process %d: %s", (int)pid, strerror(-err));
		return err;
	}
	err = mark(t, fd, TRACE_ACTIVE, BPF_NOEXIST);
	if (err == -EEXIST) {
		err = 1;
		goto out;
	}
	if (err) {
		util_err("cannot mark process %d: %s", (int)pid, strerror(-err));
		goto out;
	}
	err = proc_record(t, pid);
	if (err == -ENOENT)
		err = -ESRCH;
	else if (err)
		util_err("cannot read the record of process %d: %s", (int)pid, strerror(-err));
	if (!err)
		err = mark_threads(t, pid);
	if (!err || err == -ESRCH)
		err = forget_if_gone(t, fd, pid);
out:
	close(fd);
	return err;
}

struct pid_set {
	pid_t *v;
	size_t n, cap;
};

static int pid_set_has(const struct pid_set *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == pid)
			return 1;
	return 0;
}

static void pid_set_add(struct pid_set *s, pid_t pid)
{
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = pid;
}

/* The parent of a process, from /proc/PID/stat; 0 when it is gone. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, ppid = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return ppid;
}

/*
 * Attaches to the descendants the traced processes (set) have now, and
 * adds them to set; *found counts them. Parents come from /proc/PID/stat
 * (/proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN, which these
 * kernels lack). A process is marked before its children are looked for:
 * a child it forks after that is the fork hook's, one forked before is in
 * /proc at the next pass. Passes repeat until one attaches nothing new.
 * That ends: the processes there before the attach are finitely many, and
 * those the fork hook has traced (forked during the walk) are counted but
 * ask for no pass, since their own children are the hook's too.
 */
static int attach_descendants(struct tracer *t, struct pid_set *set, size_t *found)
{
	pid_t self = getpid();
	int err = 0, added;

	do {
		DIR *d = opendir("/proc");
		struct dirent *de;

		if (!d) {
			err = -errno;
			util_err("cannot list the processes in /proc: %s", strerror(errno));
			break;
		}
		added = 0;
		while ((de = readdir(d))) {
			pid_t pid = atoi(de->d_name);

			/* Not parakit, when it is a descendant itself. */
			if (pid <= 0 || pid == self || pid_set_has(set, pid) || !pid_set_has(set, parent_of(pid)))
				continue;
			err = attach_process(t, pid);
			if (err == -ESRCH) {
				err = 0;
				continue;
			}
			if (err < 0)
				break;
			pid_set_add(set, pid);
			++*found;
			added += !err;
			err = 0;
		}
		closedir(d);
	} while (!err && added);
	return err;
}

int trace_attach_pids(struct tracer *t, const pid_t *pids, size_t n, size_t *descendants)
{
	struct pid_set set = { 0 };
	int err = 0;

	*descendants = 0;
	for (size_t i = 0; i < n; i++) {
		if (pid_set_has(&set, pids[i]))
			continue;
		err = attach_process(t, pids[i]);
		if (err == -ESRCH)
			util_err("cannot attach to process %d: %s", (int)pids[i], strerror(ESRCH));
		if (err < 0)
			goto out;
		pid_set_add(&set, pids[i]);
	}
	err = t->o.follow ? attach_descendants(t, &set, descendants) : 0;
out:
	free(set.v);
	return err < 0 ? err : 0;
}

int trace_drain(struct tracer *t)
{
	return t->rb ? ring_buffer__consume(t->rb) : 0;
}

long long trace_live(struct tracer *t)
{
	return __atomic_load_n(&t->skel->bss->live, __ATOMIC_SEQ_CST);
}

void trace_result_release(struct trace_result *r)
{
	free(r->errnos);
	free(r->procs);
	free(r->lost_per_cpu);
	free(r->fn);
	memset(r, 0, sizeof(*r));
}

static int read_stats(struct tracer *t, struct trace_result *r)
{
	int fd = bpf_map__fd(t->skel->maps.stats);
	struct trace_sys_stat *v = xcalloc(t->ncpus, sizeof(*v));
	int err = 0;

	for (__u32 nr = 0; nr < TRACE_MAX_SYSCALLS; nr++) {
		struct trace_sys_stat *s = &r->sys[nr];

		if (bpf_map_lookup_elem(fd, &nr, v)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < t->ncpus; c++) {
			s->calls += v[c].calls;
			s->errors += v[c].errors;
			s->total_ns += v[c].total_ns;
			if (v[c].max_ns > s->max_ns)
				s->max_ns = v[c].max_ns;
			s->offcpu_ns += v[c].offcpu_ns;
			s->vcsw += v[c].vcsw;
			s->ivcsw += v[c].ivcsw;
			for (int b = 0; b < TRACE_HIST_BUCKETS; b++)
				s->hist[b] += v[c].hist[b];
		}
	}
	free(v);
	return err;
}

static int read_errnos(struct tracer *t, struct trace_result *r)
{
	int fd = bpf_map__fd(t->skel->maps.errnos);
	struct trace_errno_key k, *prev = NULL;
	__u64 *v = xcalloc(t->ncpus, sizeof(*v));
	size_t cap = 0;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		struct trace_errno_count *e;

		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		r->errnos = xgrow(r->errnos, &cap, r->n_errnos + 1, sizeof(*r->errnos));
		e = &r->errnos[r->n_errnos++];
		e->nr = k.nr;
		e->err = k.err;
		e->count = 0;
		for (int c = 0; c < t->ncpus; c++)
			e->count += v[c];
	}
	free(v);
	return 0;
}

static int read_procs(struct tracer *t, struct trace_result *r)
{
	int fd = bpf_map__fd(t->skel->maps.procs);
	__u32 k, *prev = NULL;
	size_t cap = 0;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		r->procs = xgrow(r->procs, &cap, r->n_procs + 1, sizeof(*r->procs));
		if (!bpf_map_lookup_elem(fd, &k, &r->procs[r->n_procs]))
			r->n_procs++;
	}
	return 0;
}

static int read_uring_and_lost(struct tracer *t, struct trace_result *r)
{
	struct trace_uring_stat *u = xcalloc(t->ncpus, sizeof(*u));
	int fd = bpf_map__fd(t->skel->maps.uring);
	__u32 zero = 0;

	for (__u32 op = 0; op < TRACE_MAX_UOPS; op++) {
		if (bpf_map_lookup_elem(fd, &op, u))
			continue;
		for (int c = 0; c < t->ncpus; c++) {
			r->uring[op].submitted += u[c].submitted;
			r->uring[op].completed += u[c].completed;
			r->uring[op].errors += u[c].errors;
			r->uring[op].punted += u[c].punted;
		}
	}
	free(u);
	r->ncpus = t->ncpus;
	r->lost_per_cpu = xcalloc(t->ncpus, sizeof(*r->lost_per_cpu));
	bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost), &zero, r->lost_per_cpu);
	for (int c = 0; c < t->ncpus; c++)
		r->lost_events += r->lost_per_cpu[c];
	return 0;
}

int trace_collect(struct tracer *t, struct trace_result *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	err = read_stats(t, r);
	if (!err)
		err = read_errnos(t, r);
	if (!err)
		err = read_procs(t, r);
	if (!err)
		err = read_uring_and_lost(t, r);
	if (!err && t->o.functions)
		err = trace_fn_collect(t, r);
	r->procs_dropped = t->skel->bss->procs_dropped;
	r->errnos_dropped = t->skel->bss->errnos_dropped;
	r->threads = __atomic_load_n(&t->skel->bss->threads_seen, __ATOMIC_SEQ_CST);
	r->thread_ns = __atomic_load_n(&t->skel->bss->threads_gone_ns, __ATOMIC_SEQ_CST) +
		       __atomic_load_n(&t->skel->bss->threads_live, __ATOMIC_SEQ_CST) * util_now_ns() -
		       __atomic_load_n(&t->skel->bss->threads_born_sum, __ATOMIC_SEQ_CST);
	if (err)
		util_err("cannot read the BPF maps: %s", strerror(-err));
	return err;
}

static volatile sig_atomic_t got_signal, n_signals;

static void on_signal(int sig)
{
	got_signal = sig;
	n_signals++;
}

void trace_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int status_of(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 125;
}

/* Whether the command has ended (and sets l->status). */
static int command_ended(struct trace_loop *l)
{
	pid_t pid = l->cmd->pid;
	int ws;

	if (waitpid(pid, &ws, WNOHANG) != pid)
		return 0;
	l->status = status_of(ws);
	l->cmd->pid = 0;
	return 1;
}

/* Whether a signal ends the run now. */
static int signal_ends(struct trace_loop *l)
{
	int sig = got_signal;
	pid_t pid = l->cmd ? l->cmd->pid : 0;

	if (!sig)
		return 0;
	got_signal = 0;
	/* Ctrl-C reaches the command too: wait for it to end, unless it is
	 * pressed again. Other signals are passed on. */
	if (pid <= 0 || n_signals > 1)
		return 1;
	if (sig != SIGINT)
		kill(pid, sig);
	return 0;
}

int trace_run(struct tracer *t, struct trace_loop *l)
{
	struct trace_result res = { 0 }, prev = { 0 };
	uint64_t step = l->interval * 1e9, next_interval = step ? util_now_ns() + step : 0;
	int fd = l->cmd ? l->cmd->pidfd : -1, err = 0;

	l->status = -1;
	for (;;) {
		struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
		int n = fd >= 0 ? 1 : 0;
		uint64_t now;

		/* An exec notice keeps a process stopped until it is handled. */
		if (t->fn_rb)
			pfd[n++] = (struct pollfd){ .fd = ring_buffer__epoll_fd(t->fn_rb), .events = POLLIN };
		if (poll(pfd, n, t->o.events ? 20 : 100) < 0 && errno != EINTR) {
			err = -errno;
			util_err("poll: %s", strerror(errno));
			break;
		}
		if (t->fn_rb && (err = trace_fn_poll(t)) < 0)
			break;
		err = 0;
		if (t->o.events && trace_drain(t) < 0)
			util_err("warning: cannot read the event buffer");
		if (l->cmd && l->cmd->pid > 0) {
			if (command_ended(l))
				break;
		} else if (l->until_gone && trace_live(t) <= 0) {
			break;
		}
		if (signal_ends(l))
			break;
		now = util_now_ns();
		if (l->deadline && now >= l->deadline)
			break;
		if (next_interval && now >= next_interval) {
			if ((err = trace_collect(t, &res)))
				break;
			trace_print_interval(l->live, &res, &prev, l->interval);
			trace_result_release(&prev);
			prev = res;
			memset(&res, 0, sizeof(res));
			next_interval += step;
		}
	}
	/* The events of the last moments too. */
	if (!err && t->o.events)
		trace_drain(t);
	if (!err && t->fn_rb)
		err = trace_fn_poll(t);
	trace_result_release(&res);
	trace_result_release(&prev);
	return err;
}
