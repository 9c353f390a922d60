/*
 * parakit trace --functions, the tracer's side: the probes of a function
 * set linked for each traced process, the binaries it resolved told to the
 * BPF side, fork, exec and exit notices handled, the counts read back.
 *
 * Links filter by process, never system-wide: a uprobe with no filter
 * puts a breakpoint in every process that maps the library, and a return
 * probe rewrites the return address of every call in all of them, which
 * the kernel cannot always undo (a function that returns twice, setjmp,
 * makes it send SIGILL). A multi-uprobe link's pid (its thread group) and
 * a perf_event uprobe's pid restrict both to one process, through exec
 * too (the kernel compares that task's mm at each mapping). So each traced
 * process gets its own links, one per probed file it maps: the command's
 * launcher before it executes the command, the processes running at -p or
 * --cgroup as they are found, and every new one as it appears: the BPF
 * side stops a traced process's new child at its fork, and a process that
 * executes a file with files it has no links on, until they are made here.
 * Links of a process go when it exits.
 *
 * Attaching is the start-up cost: a uprobe per function through
 * perf_event_open is a perf event, a BPF link and an uprobe registration
 * each, hundreds of system calls for a large binary. Linux 6.6's
 * multi-uprobe link (BPF_TRACE_UPROBE_MULTI) takes every offset of one
 * file in one bpf(BPF_LINK_CREATE). libbpf 1.1 (Debian 12) has neither the
 * attach type nor a wrapper, and Debian 12's <linux/bpf.h> (Linux 6.1)
 * lacks the attr fields: they are declared here, as the kernel's uapi
 * lays them out, and the call made directly. Where the kernel refuses the
 * attach type, one link per probe (libbpf's perf_event uprobes) does.
 */
#include "tracer/trace_int.h"
#include "common/common.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* include/uapi/linux/bpf.h, Linux 6.6: enum bpf_attach_type and the
 * link_create union's uprobe_multi member. */
#define PK_BPF_TRACE_UPROBE_MULTI 48
#define PK_BPF_F_UPROBE_MULTI_RETURN 1U

union pk_link_create_attr {
	struct {
		__u32 prog_fd;
		__u32 target_fd;
		__u32 attach_type;
		__u32 flags;
		struct {
			__aligned_u64 path;
			__aligned_u64 offsets;
			__aligned_u64 ref_ctr_offsets;
			__aligned_u64 cookies;
			__u32 cnt;
			__u32 flags;
			__u32 pid;
		} uprobe_multi;
	};
	/* The kernel checks that what it does not know of is zero: pass as
	 * much as bpf.h's union bpf_attr, all zero beyond our fields. */
	char size[sizeof(union bpf_attr)];
};

/* Whether the kernel's enum bpf_attach_type has name. */
static int kernel_has_attach_type(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id, found = 0;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, "bpf_attach_type", BTF_KIND_ENUM);
	if (id > 0) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e = btf_enum(t);

		for (int i = 0; i < btf_vlen(t) && !found; i++)
			found = !strcmp(btf__name_by_offset(btf, e[i].name_off), name) &&
				e[i].val == PK_BPF_TRACE_UPROBE_MULTI;
	}
	btf__free(btf);
	return found;
}

void trace_fn_prepare(struct tracer *t)
{
	struct trace_bpf *sk = t->skel;

	t->fn_multi = !t->o.fn_one_by_one && kernel_has_attach_type("BPF_TRACE_UPROBE_MULTI");
	if (t->fn_multi) {
		bpf_program__set_expected_attach_type(sk->progs.fn_entry_multi, PK_BPF_TRACE_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(sk->progs.fn_return_multi, PK_BPF_TRACE_UPROBE_MULTI);
		bpf_program__set_autoload(sk->progs.fn_entry, false);
		bpf_program__set_autoload(sk->progs.fn_return, false);
	} else {
		bpf_program__set_autoload(sk->progs.fn_entry_multi, false);
		bpf_program__set_autoload(sk->progs.fn_return_multi, false);
	}
	if (!t->o.fn_latency) {
		bpf_program__set_autoload(sk->progs.fn_return, false);
		bpf_program__set_autoload(sk->progs.fn_return_multi, false);
	}
}

static int handle_notice(void *ctx, void *data, size_t size);

int trace_fn_loaded(struct tracer *t)
{
	t->fn_rb = ring_buffer__new(bpf_map__fd(t->skel->maps.fn_notices), handle_notice, t, NULL);
	if (!t->fn_rb) {
		util_err("cannot map the process notice buffer: %s", strerror(errno));
		return -errno;
	}
	return 0;
}


/*
 * A traced process's links. upto[lib] is how many sites the set had when
 * the process's links on lib were made: a site of lib from that index on
 * (a definition in a binary resolved later) needs another link.
 */
struct trace_fn_proc {
	pid_t pid;
	int dead;		/* it exited: its links go at the next sweep */
	uint32_t *upto;		/* per index in the set's libs; 0: none linked */
	size_t n_upto, cap_upto;
	int *fds;		/* multi-uprobe links */
	size_t n_fds, cap_fds;
	struct bpf_link **plinks;	/* one-site links (perf_event) */
	size_t n_plinks, cap_plinks;
};

static struct trace_fn_proc *proc_find(struct tracer *t, pid_t pid)
{
	for (size_t i = 0; i < t->n_fn_procs; i++)
		if (t->fn_procs[i].pid == pid)
			return &t->fn_procs[i];
	return NULL;
}

static struct trace_fn_proc *proc_new(struct tracer *t, pid_t pid)
{
	struct trace_fn_proc *p;

	t->fn_procs = xgrow(t->fn_procs, &t->cap_fn_procs, t->n_fn_procs + 1, sizeof(*t->fn_procs));
	p = &t->fn_procs[t->n_fn_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	t->fn_procs_linked++;
	return p;
}

/*
 * Links on their way out. Closing a uprobe link unregisters each of its
 * probes and waits for grace periods: 40 ms for libc's here, 15 of them
 * CPU time. Threads close them beside the run loop, which must not keep a
 * new process stopped meanwhile, and the waits of several overlap.
 */
#define CLOSERS 4

struct trace_fn_closer {
	pthread_mutex_t lock;
	pthread_cond_t more;
	int *fds;
	size_t n_fds, cap_fds;
	struct bpf_link **links;
	size_t n_links, cap_links;
	int done;
	pthread_t th[CLOSERS];
	int n_th;
};

static void *closer_run(void *arg)
{
	struct trace_fn_closer *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		if (c->n_fds) {
			int fd = c->fds[--c->n_fds];

			pthread_mutex_unlock(&c->lock);
			close(fd);
			pthread_mutex_lock(&c->lock);
		} else if (c->n_links) {
			struct bpf_link *l = c->links[--c->n_links];

			pthread_mutex_unlock(&c->lock);
			bpf_link__destroy(l);
			pthread_mutex_lock(&c->lock);
		} else if (c->done) {
			break;
		} else {
			pthread_cond_wait(&c->more, &c->lock);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Started at the first link to close (after the command's launcher is
 * forked: it leaves threads out of that fork). Signals stay the main
 * thread's. Without threads, links are closed on the spot. */
static struct trace_fn_closer *closer(struct tracer *t)
{
	struct trace_fn_closer *c = t->fn_closer;
	sigset_t all, old;

	if (c)
		return c->n_th ? c : NULL;
	c = t->fn_closer = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->more, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (c->n_th < CLOSERS && !pthread_create(&c->th[c->n_th], NULL, closer_run, c))
		c->n_th++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return c->n_th ? c : NULL;
}

/* Waits for every link handed to the closers to be closed. */
static void closer_free(struct tracer *t)
{
	struct trace_fn_closer *c = t->fn_closer;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->done = 1;
	pthread_cond_broadcast(&c->more);
	pthread_mutex_unlock(&c->lock);
	for (int i = 0; i < c->n_th; i++)
		pthread_join(c->th[i], NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->more);
	free(c->fds);
	free(c->links);
	free(c);
	t->fn_closer = NULL;
}

/* Closes a process's links and forgets it (and which binaries it had links for). */
static void proc_drop(struct tracer *t, struct trace_fn_proc *p)
{
	struct trace_fn_closer *c = closer(t);
	int fd = bpf_map__fd(t->skel->maps.fn_linked);

	if (c) {
		pthread_mutex_lock(&c->lock);
		for (size_t i = 0; i < p->n_fds; i++) {
			c->fds = xgrow(c->fds, &c->cap_fds, c->n_fds + 1, sizeof(*c->fds));
			c->fds[c->n_fds++] = p->fds[i];
		}
		for (size_t i = 0; i < p->n_plinks; i++) {
			c->links = xgrow(c->links, &c->cap_links, c->n_links + 1, sizeof(*c->links));
			c->links[c->n_links++] = p->plinks[i];
		}
		pthread_cond_broadcast(&c->more);
		pthread_mutex_unlock(&c->lock);
	} else {
		for (size_t i = 0; i < p->n_fds; i++)
			close(p->fds[i]);
		for (size_t i = 0; i < p->n_plinks; i++)
			bpf_link__destroy(p->plinks[i]);
	}
	for (size_t b = 0; !t->fn_closing && t->fns && b < t->fns->n_binaries; b++) {
		struct trace_fn_linked k = { .pid = p->pid, .bin = b + 1 };

		bpf_map_delete_elem(fd, &k);
	}
	free(p->fds);
	free(p->plinks);
	free(p->upto);
	*p = t->fn_procs[--t->n_fn_procs];
}

/* Closes the links of the processes that exited. */
static void sweep(struct tracer *t)
{
	for (size_t i = 0; i < t->n_fn_procs;) {
		if (t->fn_procs[i].dead)
			proc_drop(t, &t->fn_procs[i]);
		else
			i++;
	}
}

/* One multi-uprobe link on path for process p's sites cookies[0..n). */
static int link_multi(struct tracer *t, struct trace_fn_proc *p, const char *path, const uint64_t *offsets,
		      const uint64_t *cookies, size_t n, int ret)
{
	const struct bpf_program *prog = ret ? t->skel->progs.fn_return_multi : t->skel->progs.fn_entry_multi;
	union pk_link_create_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = bpf_program__fd(prog);
	a.attach_type = PK_BPF_TRACE_UPROBE_MULTI;
	a.uprobe_multi.path = (uintptr_t)path;
	a.uprobe_multi.offsets = (uintptr_t)offsets;
	a.uprobe_multi.cookies = (uintptr_t)cookies;
	a.uprobe_multi.cnt = n;
	a.uprobe_multi.flags = ret ? PK_BPF_F_UPROBE_MULTI_RETURN : 0;
	/* Its thread group only: never 0, which is every process. */
	a.uprobe_multi.pid = p->pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	if (fd < 0)
		return -errno;
	p->fds = xgrow(p->fds, &p->cap_fds, p->n_fds + 1, sizeof(*p->fds));
	p->fds[p->n_fds++] = fd;
	t->fn_links_made++;
	return 0;
}

static int link_one(struct tracer *t, struct trace_fn_proc *p, const char *path, uint64_t offset,
		    uint64_t cookie, int ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie, .retprobe = ret);
	const struct bpf_program *prog = ret ? t->skel->progs.fn_return : t->skel->progs.fn_entry;
	/* The process's, never -1 (every process). */
	struct bpf_link *l = bpf_program__attach_uprobe_opts(prog, p->pid, path, offset, &uo);

	if (!l)
		return -errno;
	p->plinks = xgrow(p->plinks, &p->cap_plinks, p->n_plinks + 1, sizeof(*p->plinks));
	p->plinks[p->n_plinks++] = l;
	t->fn_links_made++;
	return 0;
}

/* What the kernel answers for an offset it cannot probe (an instruction
 * uprobes cannot step over): ENOTSUPP, the kernel's 524. */
static int refused(int err)
{
	return err == -524 || err == -EINVAL || err == -EILSEQ;
}

static void refuse(struct trace_fn_set *s, size_t site, int err)
{
	struct trace_fn_site *p = &s->sites[site];

	p->attached = -1;
	util_err("warning: %s is not traced: the kernel refuses a uprobe on %s at %s+0x%llx: %s", p->function,
	         p->symbol, s->libs[p->lib].path, (unsigned long long)p->offset, strerror(-err));
}

/*
 * Links the sites cookies[0..n) of path for process p, all in one link
 * where the kernel has multi-uprobe links, else one each. One offset the
 * kernel refuses fails a whole multi link: the batch is halved until the
 * refused ones are found, and they are marked (attached -1) and left out,
 * for every process, not fatal.
 */
static int attach_batch(struct tracer *t, struct trace_fn_set *s, struct trace_fn_proc *p, const char *path,
			uint64_t *offsets, uint64_t *cookies, size_t n, int ret)
{
	int err;

	if (!t->fn_multi) {
		for (size_t k = 0; k < n; k++) {
			err = link_one(t, p, path, offsets[k], cookies[k], ret);
			if (err && !refused(err))
				return err;
			if (err)
				refuse(s, cookies[k], err);
		}
		return 0;
	}
	err = link_multi(t, p, path, offsets, cookies, n, ret);
	if (!err || !refused(err))
		return err;
	if (n == 1) {
		refuse(s, cookies[0], err);
		return 0;
	}
	err = attach_batch(t, s, p, path, offsets, cookies, n / 2, ret);
	if (!err)
		err = attach_batch(t, s, p, path, offsets + n / 2, cookies + n / 2, n - n / 2, ret);
	return err;
}

/*
 * Functions that get no return probe. A return probe replaces the return
 * address on the stack when the function is entered; setjmp saves that
 * replaced address, and the second return, through longjmp, comes back
 * to it after the first one has used up the kernel's record: the kernel
 * kills the process with SIGILL (bash longjmps on every error, threads as
 * they exit). Those that never return would leave a record behind.
 */
static const char *const no_return_probe[] = {
	"setjmp", "_setjmp", "sigsetjmp",	/* return twice */
	"longjmp", "_longjmp", "siglongjmp", "exit", "_exit", "_Exit", "abort", "pthread_exit",
};

static int return_probed(const char *function)
{
	for (size_t i = 0; i < sizeof(no_return_probe) / sizeof(*no_return_probe); i++)
		if (!strcmp(function, no_return_probe[i]))
			return 0;
	return 1;
}

/* Links process p on the sites of library lib it has no links for. Returns 0 or -errno. */
static int link_lib(struct tracer *t, struct trace_fn_set *s, struct trace_fn_proc *p, uint32_t lib)
{
	const char *path = s->libs[lib].path;
	size_t from = lib < p->n_upto ? p->upto[lib] : 0, n = 0, m = 0;
	uint64_t *offsets = xcalloc(s->n_sites + 1, sizeof(*offsets));
	uint64_t *cookies = xcalloc(s->n_sites + 1, sizeof(*cookies));
	int fd = bpf_map__fd(t->skel->maps.fn_sites), err = 0;
	size_t too_many = 0;

	for (size_t i = from; i < s->n_sites; i++) {
		struct trace_fn_site *site = &s->sites[i];
		struct trace_fn_site_info si = {
			.fn = site->fn,
			.flags = return_probed(site->function) ? 0 : TRACE_FN_UNTIMED,
			.vaddr = site->vaddr,
			.text_lo = s->libs[lib].text_lo,
			.text_hi = s->libs[lib].text_hi,
			.skip = site->skip,
		};
		__u32 key = i;

		if (site->lib != lib || site->attached < 0)
			continue;
		if (i >= TRACE_MAX_SITES || site->fn >= TRACE_MAX_FUNCS) {
			site->attached = -1;
			too_many++;
			continue;
		}
		/* Written once, before the first link that reaches it. */
		if (!site->attached && bpf_map_update_elem(fd, &key, &si, BPF_ANY)) {
			err = -errno;
			util_err("cannot write the probe sites: %s", strerror(errno));
			goto out;
		}
		offsets[n] = site->offset;
		cookies[n++] = i;
	}
	if (too_many)
		util_err("warning: %zu functions of '%s' are not traced: more than %d probe sites", too_many, path,
		         TRACE_MAX_SITES);
	if (n && (err = attach_batch(t, s, p, path, offsets, cookies, n, 0)))
		goto out;
	for (size_t k = 0; k < n; k++) {
		struct trace_fn_site *site = &s->sites[cookies[k]];

		if (site->attached < 0)
			continue;
		site->attached = 1;
		/* Return probes go where entry probes went, on functions that return once. */
		if (return_probed(site->function)) {
			offsets[m] = offsets[k];
			cookies[m++] = cookies[k];
		}
	}
	if (t->o.fn_latency && m && (err = attach_batch(t, s, p, path, offsets, cookies, m, 1)))
		goto out;
	if (lib >= p->n_upto) {
		p->upto = xgrow(p->upto, &p->cap_upto, lib + 1, sizeof(*p->upto));
		memset(p->upto + p->n_upto, 0, (lib + 1 - p->n_upto) * sizeof(*p->upto));
		p->n_upto = lib + 1;
	}
	p->upto[lib] = s->n_sites;
out:
	if (err && err != -ESRCH)
		util_err("cannot attach %zu uprobes to '%s' for process %d: %s", n, path, (int)p->pid,
		         strerror(-err));
	free(offsets);
	free(cookies);
	return err;
}

/* The kernel's dev_t (MKDEV: 12 bits of major, 20 of minor) from stat's. */
static uint64_t kernel_dev(dev_t d)
{
	return ((uint64_t)major(d) << 20) | minor(d);
}

/* Tells the BPF side the binaries resolved since the last call. */
static int write_bins(struct tracer *t, struct trace_fn_set *s)
{
	int fd = bpf_map__fd(t->skel->maps.fn_bins);

	for (; t->fn_bins_known < s->n_binaries; t->fn_bins_known++) {
		const struct trace_fn_lib *l = &s->libs[s->binaries[t->fn_bins_known].lib];
		struct trace_fn_file f = { .dev = kernel_dev(l->dev), .ino = l->ino };
		__u32 bin = t->fn_bins_known + 1;

		if (bpf_map_update_elem(fd, &f, &bin, BPF_ANY)) {
			util_err("cannot record binary '%s': %s", l->path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/*
 * Tells the BPF side which binaries process p may execute without a stop:
 * those all of whose probed files it has links on.
 */
static int mark_linked(struct tracer *t, struct trace_fn_set *s, struct trace_fn_proc *p)
{
	unsigned char *pending = xcalloc(s->n_libs + 1, 1);
	int fd = bpf_map__fd(t->skel->maps.fn_linked), err = 0;
	__u8 one = 1;

	for (size_t i = 0; i < s->n_sites; i++) {
		uint32_t lib = s->sites[i].lib;

		if (s->sites[i].attached >= 0 && (lib >= p->n_upto || i >= p->upto[lib]))
			pending[lib] = 1;
	}
	for (size_t b = 0; b < s->n_binaries && !err; b++) {
		const struct trace_fn_binary *bin = &s->binaries[b];
		struct trace_fn_linked k = { .pid = p->pid, .bin = b + 1 };
		size_t j;

		for (j = 0; j < bin->n_scope && !pending[bin->scope[j]]; j++)
			;
		if (j == bin->n_scope && bpf_map_update_elem(fd, &k, &one, BPF_ANY)) {
			err = -errno;
			util_err("cannot record the links of process %d: %s", (int)p->pid, strerror(errno));
		}
	}
	free(pending);
	return err;
}

/* Links process pid on the files libs[0..n) (those it has none on). */
static int link_process(struct tracer *t, struct trace_fn_set *s, pid_t pid, const uint32_t *libs, size_t n)
{
	uint64_t start = util_now_ns();
	struct trace_fn_proc *p;
	int err;

	/* 0 or -1 would be every process (or parakit itself): never. */
	if (pid <= 0)
		return -EINVAL;
	if ((err = write_bins(t, s)))
		return err;
	if (!(p = proc_find(t, pid)))
		p = proc_new(t, pid);
	for (size_t k = 0; k < n && !err; k++)
		err = link_lib(t, s, p, libs[k]);
	if (!err)
		err = mark_linked(t, s, p);
	t->fn_attach_ns += util_now_ns() - start;
	return err;
}

int trace_fn_attach(struct tracer *t, struct trace_fn_set *s)
{
	t->fns = s;
	return write_bins(t, s);
}

int trace_fn_attach_pid(struct tracer *t, struct trace_fn_set *s, pid_t pid)
{
	uint32_t *libs = xcalloc(s->n_libs + 1, sizeof(*libs));
	int err;

	for (size_t i = 0; i < s->n_libs; i++)
		libs[i] = i;
	t->fns = s;
	err = link_process(t, s, pid, libs, s->n_libs);
	if (err)
		util_err("cannot attach to process %d", (int)pid);
	free(libs);
	return err;
}

/*
 * Links process pid, found running or stopped at its fork or exec, on the
 * files it runs and maps. Returns 0, -ESRCH when it is gone, or -errno;
 * a process that could not be linked is said and counted (its calls are
 * not).
 */
static int attach_found(struct tracer *t, struct trace_fn_set *s, pid_t pid)
{
	uint32_t *libs;
	size_t n;
	int err = trace_fn_add_process(s, pid, &libs, &n);

	if (!err)
		err = link_process(t, s, pid, libs, n);
	free(libs);
	if (err && err != -ESRCH) {
		t->fn_unattached++;
		util_err("warning: process %d is not traced: cannot attach to it: %s", (int)pid, strerror(-err));
	}
	return err;
}

/*
 * A notice from the BPF side. A new process (fork) starts with links of
 * its own; one that executed a file gets links on the files it needs; both
 * wait, stopped, meanwhile. An exited one's links go at the next sweep.
 */
static int handle_notice(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	struct trace_fn_notice e;
	struct trace_fn_proc *p;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	p = proc_find(t, e.pid);
	if (e.kind == TRACE_FN_EXIT) {
		if (p)
			p->dead = 1;
		return 0;
	}
	/* A fork's pid is new: a record under it is a process gone before.
	 * After an exec by a thread other than the leader, the links follow
	 * the old leader, gone: they are made again. */
	if (p && (p->dead || e.kind == TRACE_FN_FORK || e.relink))
		proc_drop(t, p);
	if (!t->fn_closing && t->fns) {
		/* A process that came into the traced cgroup from outside
		 * is known from its first fork: from then on, it too. */
		if (e.kind == TRACE_FN_FORK && !proc_find(t, e.ppid))
			attach_found(t, t->fns, e.ppid);
		attach_found(t, t->fns, e.pid);
	}
	kill(e.pid, SIGCONT);
	t->fn_conts++;
	return 0;
}

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static void pid_list_add(struct pid_list *l, pid_t pid)
{
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = pid;
}

/* The processes of a cgroup and its descendants. */
static void cgroup_pids(struct pid_list *l, const char *dir, int depth)
{
	char path[PATH_MAX], *procs, *line, *save = NULL;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	procs = util_read_file(path, NULL);
	for (line = procs ? strtok_r(procs, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		if (atoi(line) > 0)
			pid_list_add(l, atoi(line));
	free(procs);
	if (depth > 64 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		cgroup_pids(l, path, depth + 1);
	}
	closedir(d);
}

int trace_fn_attach_running(struct tracer *t, struct trace_fn_set *s, const char *cgroup_dir, size_t *failed)
{
	int fd = bpf_map__fd(t->skel->maps.procs), n = 0;
	struct pid_list l = { 0 };
	__u32 k, *prev = NULL;

	*failed = 0;
	t->fns = s;
	if (cgroup_dir) {
		cgroup_pids(&l, cgroup_dir, 0);
	} else {
		while (!bpf_map_get_next_key(fd, prev, &k)) {
			prev = &k;
			pid_list_add(&l, k);
		}
	}
	for (size_t i = 0; i < l.n; i++) {
		int err = attach_found(t, s, l.v[i]);

		n += !err;
		*failed += err && err != -ESRCH;
	}
	free(l.v);
	return n;
}

int trace_fn_poll(struct tracer *t)
{
	/* Polled, to clear epoll's readiness (else the run loop's poll
	 * would return at once forever), then consumed: epoll reports the
	 * buffer only after a wakeup, and exit notices come without one. */
	int n = ring_buffer__poll(t->fn_rb, 0);

	if (n >= 0)
		n = ring_buffer__consume(t->fn_rb);

	if (n < 0 && n != -EINTR) {
		util_err("cannot read the process notices: %s", strerror(-n));
		return n;
	}
	sweep(t);
	return 0;
}

int trace_fn_collect(struct tracer *t, struct trace_result *r)
{
	int fd = bpf_map__fd(t->skel->maps.fn_stats);
	struct trace_fn_key k, *prev = NULL;
	size_t cap = 0;

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		struct trace_fn_count *c;

		prev = &k;
		r->fn = xgrow(r->fn, &cap, r->n_fn + 1, sizeof(*r->fn));
		c = &r->fn[r->n_fn];
		c->bin = k.bin;
		c->fn = k.fn;
		if (!bpf_map_lookup_elem(fd, &k, &c->s))
			r->n_fn++;
	}
	r->fns = t->fns;
	r->fn_dropped = t->skel->bss->fn_dropped;
	r->fn_deep = t->skel->bss->fn_deep;
	r->fn_exec_lost = t->skel->bss->fn_exec_lost;
	r->fn_unattached = t->fn_unattached;
	r->fn_procs = t->fn_procs_linked;
	r->fn_links = t->fn_links_made;
	r->fn_attach_ns = t->fn_attach_ns;
	r->fn_multi = t->fn_multi;
	for (size_t i = 0; t->fns && i < t->fns->n_sites; i++) {
		r->fn_sites += t->fns->sites[i].attached > 0;
		r->fn_refused += t->fns->sites[i].attached < 0;
	}
	return 0;
}

/*
 * The trace is over: no process is stopped from now on, and every one
 * stopped so far is let go (the BPF side counts its stops; a program that
 * read the flag before it was set finishes within microseconds: it runs
 * with preemption off).
 */
static void release_all(struct tracer *t)
{
	uint64_t deadline = util_now_ns() + 2000000000ULL;
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	if (!t->skel->bss || !t->fn_rb)
		return;
	__atomic_store_n(&t->skel->bss->fn_release, 1, __ATOMIC_SEQ_CST);
	t->fn_closing = 1;
	nanosleep(&pause, NULL);
	pause.tv_nsec = 1000 * 1000;
	while (ring_buffer__consume(t->fn_rb) >= 0 &&
	       t->fn_conts < __atomic_load_n(&t->skel->bss->fn_stops, __ATOMIC_SEQ_CST) && util_now_ns() < deadline)
		nanosleep(&pause, NULL);
}

void trace_fn_free(struct tracer *t)
{
	if (t->skel && t->o.functions)
		release_all(t);
	ring_buffer__free(t->fn_rb);
	while (t->n_fn_procs)
		proc_drop(t, &t->fn_procs[t->n_fn_procs - 1]);
	closer_free(t);
	free(t->fn_procs);
}
