/*
 * parakit trace --functions, the tracer's side: the probes of a function
 * set attached, the binaries it resolved told to the BPF side, exec
 * notices handled (a traced process that executes a new file waits,
 * stopped, while its functions are resolved and attached), the counts
 * read back.
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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
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

static int handle_exec(void *ctx, void *data, size_t size);

int trace_fn_loaded(struct tracer *t)
{
	t->fn_rb = ring_buffer__new(bpf_map__fd(t->skel->maps.fn_execs), handle_exec, t, NULL);
	if (!t->fn_rb) {
		util_err("cannot map the exec notice buffer: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* One multi-uprobe link on path for the sites idx[0..n). */
static int link_multi(struct tracer *t, const char *path, const uint64_t *offsets, const uint64_t *cookies,
		      size_t n, int ret)
{
	const struct bpf_program *p = ret ? t->skel->progs.fn_return_multi : t->skel->progs.fn_entry_multi;
	union pk_link_create_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = bpf_program__fd(p);
	a.attach_type = PK_BPF_TRACE_UPROBE_MULTI;
	a.uprobe_multi.path = (uintptr_t)path;
	a.uprobe_multi.offsets = (uintptr_t)offsets;
	a.uprobe_multi.cookies = (uintptr_t)cookies;
	a.uprobe_multi.cnt = n;
	a.uprobe_multi.flags = ret ? PK_BPF_F_UPROBE_MULTI_RETURN : 0;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	if (fd < 0)
		return -errno;
	t->fn_links = xgrow(t->fn_links, &t->cap_fn_links, t->n_fn_links + 1, sizeof(*t->fn_links));
	t->fn_links[t->n_fn_links++] = fd;
	return 0;
}

static int link_one(struct tracer *t, const char *path, uint64_t offset, uint64_t cookie, int ret)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie, .retprobe = ret);
	const struct bpf_program *p = ret ? t->skel->progs.fn_return : t->skel->progs.fn_entry;
	struct bpf_link *l = bpf_program__attach_uprobe_opts(p, -1, path, offset, &uo);

	if (!l)
		return -errno;
	t->fn_plinks = xgrow(t->fn_plinks, &t->cap_fn_plinks, t->n_fn_plinks + 1, sizeof(*t->fn_plinks));
	t->fn_plinks[t->n_fn_plinks++] = l;
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
 * Links the sites cookies[0..n) of path, all in one link where the kernel
 * has multi-uprobe links, else one each. One offset the kernel refuses
 * fails a whole multi link: the batch is halved until the refused ones are
 * found, and they are marked (attached -1) and left out, not fatal.
 */
static int attach_batch(struct tracer *t, struct trace_fn_set *s, const char *path, uint64_t *offsets,
			uint64_t *cookies, size_t n, int ret)
{
	int err;

	if (!t->fn_multi) {
		for (size_t k = 0; k < n; k++) {
			err = link_one(t, path, offsets[k], cookies[k], ret);
			if (err && !refused(err))
				return err;
			if (err)
				refuse(s, cookies[k], err);
		}
		return 0;
	}
	err = link_multi(t, path, offsets, cookies, n, ret);
	if (!err || !refused(err))
		return err;
	if (n == 1) {
		refuse(s, cookies[0], err);
		return 0;
	}
	err = attach_batch(t, s, path, offsets, cookies, n / 2, ret);
	if (!err)
		err = attach_batch(t, s, path, offsets + n / 2, cookies + n / 2, n - n / 2, ret);
	return err;
}

/* Attaches the unattached sites of library lib. Returns how many, or -errno. */
static int attach_lib(struct tracer *t, struct trace_fn_set *s, uint32_t lib)
{
	const char *path = s->libs[lib].path;
	uint64_t *offsets = xcalloc(s->n_sites + 1, sizeof(*offsets));
	uint64_t *cookies = xcalloc(s->n_sites + 1, sizeof(*cookies));
	int fd = bpf_map__fd(t->skel->maps.fn_sites), err = 0;
	size_t n = 0;

	for (size_t i = 0; i < s->n_sites; i++) {
		struct trace_fn_site *site = &s->sites[i];
		struct trace_fn_site_info si = {
			.fn = site->fn,
			.vaddr = site->vaddr,
			.text_lo = s->libs[lib].text_lo,
			.text_hi = s->libs[lib].text_hi,
		};
		__u32 key = i;

		if (site->lib != lib || site->attached)
			continue;
		if (i >= TRACE_MAX_SITES || site->fn >= TRACE_MAX_FUNCS) {
			err = -E2BIG;
			util_err("more than %d probe sites: '%s' and those after it are not traced", TRACE_MAX_SITES,
			         path);
			goto out;
		}
		if (bpf_map_update_elem(fd, &key, &si, BPF_ANY)) {
			err = -errno;
			util_err("cannot write the probe sites: %s", strerror(errno));
			goto out;
		}
		offsets[n] = site->offset;
		cookies[n++] = i;
	}
	for (int ret = 0; ret <= !!t->o.fn_latency && n; ret++) {
		size_t m = 0;

		err = attach_batch(t, s, path, offsets, cookies, n, ret);
		if (err) {
			util_err("cannot attach %zu uprobes to '%s': %s", n, path, strerror(-err));
			goto out;
		}
		/* Return probes go where entry probes went. */
		for (size_t k = 0; k < n; k++)
			if (s->sites[cookies[k]].attached >= 0) {
				offsets[m] = offsets[k];
				cookies[m++] = cookies[k];
			}
		n = m;
	}
	for (size_t k = 0; k < n; k++)
		s->sites[cookies[k]].attached = 1;
	err = n;
out:
	free(offsets);
	free(cookies);
	return err;
}

/* The kernel's dev_t (MKDEV: 12 bits of major, 20 of minor) from stat's. */
static uint64_t kernel_dev(dev_t d)
{
	return ((uint64_t)major(d) << 20) | minor(d);
}

int trace_fn_attach(struct tracer *t, struct trace_fn_set *s)
{
	uint64_t start = util_now_ns();
	int fd = bpf_map__fd(t->skel->maps.fn_bins), total = 0;

	t->fns = s;
	for (uint32_t lib = 0; lib < s->n_libs; lib++) {
		int n = attach_lib(t, s, lib);

		if (n < 0)
			return n;
		total += n;
	}
	for (; t->fn_bins_known < s->n_binaries; t->fn_bins_known++) {
		const struct trace_fn_lib *l = &s->libs[s->binaries[t->fn_bins_known].lib];
		struct trace_fn_file f = { .dev = kernel_dev(l->dev), .ino = l->ino };
		__u32 bin = t->fn_bins_known + 1;

		if (bpf_map_update_elem(fd, &f, &bin, BPF_ANY)) {
			util_err("cannot record binary '%s': %s", l->path, strerror(errno));
			return -errno;
		}
	}
	t->fn_attach_ns += util_now_ns() - start;
	return total;
}

/*
 * A traced process executed a file not resolved yet and is stopped: its
 * file (read through /proc while it cannot exec again) is resolved and
 * attached, then it goes on. A file that cannot be resolved (a static
 * binary) is recorded all the same, so that the next exec of it runs on.
 */
static int handle_exec(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	struct trace_fn_exec e;
	char path[64];
	int err;

	if (size < sizeof(e) || !t->fns)
		return 0;
	memcpy(&e, data, sizeof(e));
	snprintf(path, sizeof(path), "/proc/%u/exe", e.pid);
	err = trace_fn_add_binary(t->fns, path);
	if (err >= 0)
		err = trace_fn_attach(t, t->fns);
	/* Printed; the run counts it with the notices lost (its calls go
	 * uncounted where its libraries are not probed already). */
	if (err < 0)
		t->fn_exec_failed++;
	kill(e.pid, SIGCONT);
	return 0;
}

/* The processes of a cgroup and its descendants, into s. */
static int add_cgroup(struct trace_fn_set *s, const char *dir, int depth)
{
	char path[PATH_MAX], *procs, *line, *save = NULL;
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	procs = util_read_file(path, NULL);
	for (line = procs ? strtok_r(procs, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		n += trace_fn_add_process(s, atoi(line)) == 0;
	free(procs);
	if (depth > 64 || !(d = opendir(dir)))
		return n;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n += add_cgroup(s, path, depth + 1);
	}
	closedir(d);
	return n;
}

int trace_fn_attach_running(struct tracer *t, struct trace_fn_set *s, const char *cgroup_dir)
{
	int fd = bpf_map__fd(t->skel->maps.procs), n = 0, err;
	__u32 k, *prev = NULL;

	if (cgroup_dir) {
		n = add_cgroup(s, cgroup_dir, 0);
	} else {
		while (!bpf_map_get_next_key(fd, prev, &k)) {
			prev = &k;
			n += trace_fn_add_process(s, k) == 0;
		}
	}
	err = trace_fn_attach(t, s);
	return err < 0 ? err : n;
}

int trace_fn_poll(struct tracer *t, int timeout_ms)
{
	int n = ring_buffer__poll(t->fn_rb, timeout_ms);

	if (n < 0 && n != -EINTR) {
		util_err("cannot read the exec notices: %s", strerror(-n));
		return n;
	}
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
	r->fn_exec_lost = t->skel->bss->fn_exec_lost + t->fn_exec_failed;
	r->fn_links = t->n_fn_links + t->n_fn_plinks;
	r->fn_attach_ns = t->fn_attach_ns;
	r->fn_multi = t->fn_multi;
	for (size_t i = 0; t->fns && i < t->fns->n_sites; i++) {
		r->fn_sites += t->fns->sites[i].attached > 0;
		r->fn_refused += t->fns->sites[i].attached < 0;
	}
	return 0;
}

void trace_fn_free(struct tracer *t)
{
	ring_buffer__free(t->fn_rb);
	for (size_t i = 0; i < t->n_fn_links; i++)
		close(t->fn_links[i]);
	free(t->fn_links);
	for (size_t i = 0; i < t->n_fn_plinks; i++)
		bpf_link__destroy(t->fn_plinks[i]);
	free(t->fn_plinks);
}
