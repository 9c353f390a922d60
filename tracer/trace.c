/*
 * The tracer's lifecycle in user space: load the BPF skeleton with the
 * run's configuration, attach it, name the tasks to trace, drain the event
 * ring buffer, and read the per-CPU aggregates back.
 *
 * Tasks are marked by writing their task local storage through a pidfd
 * (the map's key from user space): the launcher child before it executes
 * the command, every thread of a -p process (PIDFD_THREAD, Linux 6.9).
 * Everything forked after that is marked by the BPF fork hook.
 *
 * The run loop polls: the command's pidfd when there is one, else a timer
 * (100 ms; 20 ms with --events, whose ring buffer is drained here and asks
 * for no wakeups). Signals only set a flag the loop reads.
 */
#include "tracer/tracer.h"
#include "tracer/trace.skel.h"
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

struct tracer {
	struct trace_bpf *skel;
	struct ring_buffer *rb;
	struct trace_opts o;
	int (*sink)(void *ctx, const struct trace_call *e);
	void *sink_ctx;
	int ncpus;
};

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
		pk_err("cannot load the BPF program: %s (tracing needs root, or CAP_BPF and CAP_PERFMON%s)",
		       strerror(-err), geteuid() ? "; run it with sudo" : "; is BPF disabled by a lockdown or sysctl?");
	else if (err == -ENOENT || err == -ESRCH)
		pk_err("cannot load the BPF program: %s (does the kernel have BTF, /sys/kernel/btf/vmlinux?)",
		       strerror(-err));
	else
		pk_err("cannot load the BPF program: %s (PARAKIT_BPF_DEBUG=1 shows libbpf's log)", strerror(-err));
}

int trace_open(struct tracer **out, const struct trace_opts *o)
{
	struct tracer *t = xcalloc(1, sizeof(*t));
	int err;

	*out = NULL;
	t->o = *o;
	libbpf_set_print(libbpf_print);
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		pk_err("cannot count the CPUs: %s", strerror(-t->ncpus));
		err = t->ncpus;
		goto fail;
	}
	t->skel = trace_bpf__open();
	if (!t->skel) {
		err = -errno;
		pk_err("cannot open the BPF program: %s", strerror(errno));
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
		pk_err("cannot size the event buffer to %zu bytes: %s", o->buffer, strerror(-err));
		goto fail;
	}
	if (!t->skel->rodata->cfg_offcpu)
		bpf_program__set_autoload(t->skel->progs.sched_switch, false);
	/* Kernels without io_uring (or its tracepoints) still get syscalls. */
	if (!kernel_has("btf_trace_io_uring_submit_req") || !kernel_has("btf_trace_io_uring_complete")) {
		bpf_program__set_autoload(t->skel->progs.uring_submit, false);
		bpf_program__set_autoload(t->skel->progs.uring_complete, false);
	}
	if (!kernel_has("btf_trace_io_uring_queue_async_work"))
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
				pk_err("cannot set the syscall filter: %s", strerror(errno));
				goto fail;
			}
		}
	}
	err = trace_bpf__attach(t->skel);
	if (err) {
		pk_err("cannot attach to the tracepoints: %s", strerror(-err));
		goto fail;
	}
	if (o->events) {
		t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), handle_event, t, NULL);
		if (!t->rb) {
			err = -errno;
			pk_err("cannot map the event buffer: %s", strerror(errno));
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
	trace_bpf__destroy(t->skel);
	free(t);
}

static int pidfd_open(pid_t pid, unsigned flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

static int mark(struct tracer *t, int pidfd, __u8 state)
{
	struct trace_task v = { .state = state };

	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.tasks), &pidfd, &v, BPF_ANY))
		return -errno;
	return 0;
}

int trace_arm(struct tracer *t, pid_t pid)
{
	int fd = pidfd_open(pid, 0), err;

	if (fd < 0) {
		err = -errno;
		pk_err("cannot open process %d: %s", (int)pid, strerror(errno));
		return err;
	}
	err = mark(t, fd, TRACE_ARMED);
	close(fd);
	if (err)
		pk_err("cannot mark process %d: %s", (int)pid, strerror(-err));
	return err;
}

/* The record of a process found running, from /proc. */
static int proc_record(struct tracer *t, pid_t pid)
{
	struct trace_proc p = { .pid = pid, .ns_pid = pid, .flags = TRACE_PROC_ATTACHED };
	char path[64], *s, *l;
	ssize_t n;

	p.start_ns = pk_now_ns();
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	s = pk_read_file(path, NULL);
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

int trace_attach_pid(struct tracer *t, pid_t pid)
{
	char path[64];
	int err, added, thread_fds = 1;
	size_t cap = 0, n = 0;
	pid_t *done = NULL;

	err = proc_record(t, pid);
	if (err) {
		pk_err("cannot attach to process %d: %s", (int)pid, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	/* Threads started while we mark are picked up by the next pass (or,
	 * when started by a marked thread, by the fork hook). */
	do {
		DIR *d = opendir(path);
		struct dirent *de;

		added = 0;
		if (!d) {
			err = -errno;
			pk_err("cannot list the threads of %d: %s", (int)pid, strerror(errno));
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
				pk_err("warning: this kernel cannot open threads by pidfd: the threads of %d are not traced",
				       (int)pid);
				thread_fds = 0;
				continue;
			}
			if (fd < 0) {
				if (errno == ESRCH)
					continue;	/* the thread ended */
				err = -errno;
				pk_err("cannot open thread %d of %d: %s", (int)tid, (int)pid, strerror(errno));
				closedir(d);
				goto out;
			}
			err = mark(t, fd, TRACE_ACTIVE);
			close(fd);
			if (err) {
				pk_err("cannot mark thread %d of %d: %s", (int)tid, (int)pid, strerror(-err));
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
	r->procs_dropped = t->skel->bss->procs_dropped;
	r->errnos_dropped = t->skel->bss->errnos_dropped;
	if (err)
		pk_err("cannot read the BPF maps: %s", strerror(-err));
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
	uint64_t step = l->interval * 1e9, next_interval = step ? pk_now_ns() + step : 0;
	int fd = l->cmd ? l->cmd->pidfd : -1, err = 0;

	l->status = -1;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now;

		if (poll(&pfd, fd >= 0, t->o.events ? 20 : 100) < 0 && errno != EINTR) {
			err = -errno;
			pk_err("poll: %s", strerror(errno));
			break;
		}
		if (t->o.events && trace_drain(t) < 0)
			pk_err("warning: cannot read the event buffer");
		if (l->cmd && l->cmd->pid > 0) {
			if (command_ended(l))
				break;
		} else if (l->until_gone && trace_live(t) <= 0) {
			break;
		}
		if (signal_ends(l))
			break;
		now = pk_now_ns();
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
	trace_result_release(&res);
	trace_result_release(&prev);
	return err;
}
