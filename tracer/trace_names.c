/*
 * Names: syscalls for the running architecture from libseccomp (no table
 * typed by hand; numbers it does not know, such as those newer than
 * libseccomp 2.5.4's 456, become syscall_NNN), io_uring opcodes from the
 * kernel's own BTF (enum io_uring_op), errnos from glibc.
 */
#include "tracer/tracer.h"
#include "common/common.h"

#include <bpf/btf.h>
#include <ctype.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

static char *sys_names[TRACE_MAX_SYSCALLS];
static char *uop_names[TRACE_MAX_UOPS];
static int uop_loaded;

const char *trace_syscall_name(unsigned nr)
{
	char buf[32];

	if (nr >= TRACE_MAX_SYSCALLS)
		nr = TRACE_MAX_SYSCALLS - 1;
	if (sys_names[nr])
		return sys_names[nr];
	if (nr < TRACE_MAX_SYSCALLS - 1) {
		char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (s) {
			sys_names[nr] = xstrdup(s);
			free(s);
			return sys_names[nr];
		}
		snprintf(buf, sizeof(buf), "syscall_%u", nr);
	} else {
		/* The BPF side folds every larger number into the last slot. */
		snprintf(buf, sizeof(buf), "syscall_%u_and_above", nr);
	}
	sys_names[nr] = xstrdup(buf);
	return sys_names[nr];
}

int trace_syscall_number(const char *name)
{
	char *end;
	long v;
	int nr;

	if (!strncmp(name, "syscall_", 8))
		name += 8;
	v = strtol(name, &end, 10);
	if (end != name && !*end)
		return v >= 0 && v < TRACE_MAX_SYSCALLS - 1 ? (int)v : -1;
	nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
	return nr >= 0 && nr < TRACE_MAX_SYSCALLS - 1 ? nr : -1;
}

static void load_uops(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	const struct btf_enum *e;
	int id;

	uop_loaded = 1;
	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, "io_uring_op", BTF_KIND_ENUM);
	if (id > 0) {
		t = btf__type_by_id(btf, id);
		e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++) {
			const char *n = btf__name_by_offset(btf, e->name_off);
			char *s;

			if (e->val < 0 || e->val >= TRACE_MAX_UOPS || !n || strncmp(n, "IORING_OP_", 10))
				continue;
			s = xstrdup(n + 10);
			for (char *c = s; *c; c++)
				*c = tolower((unsigned char)*c);
			free(uop_names[e->val]);
			uop_names[e->val] = s;
		}
	}
	btf__free(btf);
}

const char *trace_uring_op_name(unsigned op)
{
	char buf[32];

	if (op >= TRACE_MAX_UOPS)
		op = TRACE_MAX_UOPS - 1;
	if (!uop_loaded)
		load_uops();
	if (!uop_names[op]) {
		snprintf(buf, sizeof(buf), "op_%u", op);
		uop_names[op] = xstrdup(buf);
	}
	return uop_names[op];
}

const char *trace_errno_name(int err)
{
	static char buf[32];
	const char *s = strerrorname_np(err);

	if (s)
		return s;
	/* The kernel's restart codes never reach user space as such. */
	switch (err) {
	case 512: return "ERESTARTSYS";
	case 513: return "ERESTARTNOINTR";
	case 514: return "ERESTARTNOHAND";
	case 516: return "ERESTART_RESTARTBLOCK";
	}
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}
