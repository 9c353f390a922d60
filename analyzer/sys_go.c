/*
 * Go binaries in the system call footprint (issue 17).
 *
 * Go does not call libc: its runtime and its syscall packages trap into
 * the kernel themselves, and most of that goes through a few stubs whose
 * number is an argument (runtime/internal/syscall.Syscall6, syscall's
 * Syscall, RawSyscall, rawVforkSyscall..., golang.org/x/sys/unix's), so
 * the syscall instruction in the stub has no constant number and the
 * binary's set was 'unknown'. The number is a constant at each call site
 * of a stub: this file finds the stubs and reads it there.
 *
 * A Go binary is known by its pclntab (.gopclntab, or found by its magic
 * in a stripped file: Debian's Go packages are built without .symtab but
 * keep it, since the runtime needs it for tracebacks) and its build info
 * (the "\xff Go buildinf:" block, which gives the Go version). The pclntab
 * names every function and gives its entry: the call graph gets exact
 * function starts and names where .symtab is gone. Layouts read: Go
 * 1.2-1.15 (magic 0xfffffffb), 1.16-1.17 (0xfffffffa), 1.18-1.19
 * (0xfffffff0) and 1.20 onwards (0xfffffff1), which differ only in where
 * the tables start and how wide an entry is.
 *
 * Stubs are found by name (the base name, without the ".abi0" that names
 * the assembly entry, or the wrapper, of the stack-based ABI): their
 * calling convention decides where the number is at a call site. Go's
 * register ABI (ABIInternal, Go 1.17 onwards on amd64) passes the first
 * integer argument in AX; the stack-based ABI0 passes it at 0(SP) (Go
 * 1.19's syscall package calls its assembly rawSyscallNoError.abi0 that
 * way, with "MOVQ $0x6e, 0(SP)"). The value is found by constant
 * propagation over the caller, with capstone: constants loaded into
 * registers or stored at 0(SP), copied between them, merged where paths
 * meet, forgotten by anything else that writes them (a call forgets all:
 * Go's ABI has no callee-saved registers). Not a constant: unknown, never
 * guessed. Calls from one stub to another (syscall.Syscall to
 * RawSyscall6 to Syscall6) pass the number on and are not sites.
 *
 * Request codes ride on the same propagation: at a call of a stub whose
 * number is ioctl's, fcntl's or prctl's, the request argument is read
 * where the convention puts it (BX, CX... or 8(SP), 16(SP)...), and the
 * stack words a function addresses from SP are values too (spill slots,
 * ABI0's outgoing arguments). A register that still holds its entry
 * value there makes the function a wrapper (x/sys's ioctlPtr): its
 * direct callers, found by a sweep of the functions with the length
 * decoder, are read in turn.
 *
 * NEEDSWORK: a number held in a variable stays unknown (Go 1.19's
 * internal/syscall/unix.FcntlSyscall, x/sys's fcntl64Syscall: vars that
 * hold SYS_FCNTL, which only a proof that nothing stores to them would
 * make constants); gccgo's binaries call libc and have no pclntab.
 */
#include "analyzer/sys_go.h"
#include "analyzer/sys_int.h"
#include "analyzer/sys_req.h"
#include "analyzer/sys_x86.h"
#include "common/common.h"

#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading the file by address ---- */

static const unsigned char *go_at(const struct sys_go *g, uint64_t addr, uint64_t n)
{
	for (size_t i = 0; i < g->n_load; i++) {
		const struct sys_go_load *l = &g->load[i];

		if (addr >= l->vaddr && addr - l->vaddr < l->filesz && n <= l->filesz - (addr - l->vaddr) &&
		    l->offset <= g->size && addr - l->vaddr + n <= g->size - l->offset)
			return g->raw + l->offset + (addr - l->vaddr);
	}
	return NULL;
}

static uint64_t rd(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---- the build info: the Go version ---- */

#define BUILDINFO_MAGIC "\xff Go buildinf:"
#define BUILDINFO_MAGIC_LEN 14

/*
 * The version string of the build info at p (n bytes left in the file):
 * Go 1.18 onwards inlines it (flags bit 2) as a varint-prefixed string at
 * offset 32; older ones point to a Go string header, read through the
 * segments.
 */
static void buildinfo_version(struct sys_go *g, const unsigned char *p, size_t n)
{
	const unsigned char *s = NULL;
	uint64_t len = 0;

	if (n < 32)
		return;
	if (p[15] & 2) {
		size_t i = 32;
		int shift = 0;

		while (i < n && shift < 35) {
			len |= (uint64_t)(p[i] & 0x7f) << shift;
			shift += 7;
			if (!(p[i++] & 0x80))
				break;
		}
		if (len <= n - i)
			s = p + i;
	} else {
		int ps = p[14];
		const unsigned char *hdr;

		if ((ps != 4 && ps != 8) || n < 16 + 2u * ps)
			return;
		hdr = go_at(g, rd(p + 16, ps), 2 * ps);
		if (hdr) {
			len = rd(hdr + ps, ps);
			s = len < sizeof(g->version) ? go_at(g, rd(hdr, ps), len) : NULL;
		}
	}
	if (!s || !len || len >= sizeof(g->version) || memcmp(s, "go", 2))
		return;
	memcpy(g->version, s, len);
	g->version[len] = 0;
}

/* The build info, 16-byte aligned in a writable segment (its section,
 * .go.buildinfo, may be gone). */
static void find_buildinfo(struct sys_go *g)
{
	for (size_t i = 0; i < g->n_load; i++) {
		const struct sys_go_load *l = &g->load[i];
		const unsigned char *p;
		uint64_t n;

		if (!(l->flags & PF_W) || l->offset > g->size)
			continue;
		n = l->filesz < g->size - l->offset ? l->filesz : g->size - l->offset;
		p = g->raw + l->offset;
		for (uint64_t o = (16 - l->vaddr % 16) % 16; o + 32 <= n; o += 16)
			if (p[o] == 0xff && !memcmp(p + o, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN)) {
				g->is_go = 1;
				buildinfo_version(g, p + o, n - o);
				return;
			}
	}
}

/* ---- the pclntab: function entries and names ---- */

enum { PCLN_12 = 0xfffffffb, PCLN_116 = 0xfffffffa, PCLN_118 = 0xfffffff0, PCLN_120 = 0xfffffff1 };

static int pcln_magic(const unsigned char *p, size_t n)
{
	uint32_t m;

	if (n < 16 || p[4] || p[5] || (p[6] != 1 && p[6] != 2 && p[6] != 4) || (p[7] != 4 && p[7] != 8))
		return 0;
	m = rd(p, 4);
	return m == PCLN_12 || m == PCLN_116 || m == PCLN_118 || m == PCLN_120;
}

/* A NUL-terminated name at off in tab[0..n), or NULL. */
static const char *name_at(const unsigned char *tab, size_t n, uint64_t off)
{
	if (off >= n || !memchr(tab + off, 0, n - off))
		return NULL;
	return (const char *)tab + off;
}

static void add_fn(struct sys_go *g, uint64_t entry, const char *name, uint32_t args, size_t *cap)
{
	g->fn = xgrow(g->fn, cap, g->n_fn + 1, sizeof(*g->fn));
	g->fn[g->n_fn].entry = entry;
	g->fn[g->n_fn].name = name;
	g->fn[g->n_fn].kind = 0;
	g->fn[g->n_fn].taken = 0;
	g->fn[g->n_fn].conv = 0;
	g->fn[g->n_fn].args = args;
	g->n_fn++;
}

/*
 * Reads the function table of the pclntab at p (n bytes to the end of
 * its segment). textStart (Go 1.18 onwards) is read from the header; in
 * a PIE file a relocation fills it and the word may be 0: the text
 * section's address stands in, else the functions are left unread.
 * Returns 0 when the table was read.
 */
static int read_pclntab(struct sys_go *g, const unsigned char *p, size_t n, uint64_t text)
{
	uint32_t magic = rd(p, 4);
	int ps = p[7];
	uint64_t nfunc, fnames = 0, ftab, text_start = 0, ent, fo;
	size_t cap = 0, w;

	if (magic == PCLN_12) {
		nfunc = rd(p + 8, ps);
		ftab = 8 + ps;
		w = 2 * ps;
	} else if (magic == PCLN_116) {
		if (n < 8 + 7u * ps)
			return -1;
		nfunc = rd(p + 8, ps);
		fnames = rd(p + 8 + 2 * ps, ps);
		ftab = rd(p + 8 + 6 * ps, ps);
		w = 2 * ps;
	} else {
		if (n < 8 + 8u * ps)
			return -1;
		nfunc = rd(p + 8, ps);
		text_start = rd(p + 8 + 2 * ps, ps);
		fnames = rd(p + 8 + 3 * ps, ps);
		ftab = rd(p + 8 + 7 * ps, ps);
		w = 8;
		if (!text_start)
			text_start = text;
		if (!text_start)
			return -1;
	}
	/* The table, and the entry after the last that closes it. */
	if (!nfunc || ftab > n || nfunc >= (n - ftab) / w)
		return -1;
	for (uint64_t i = 0; i <= nfunc; i++) {
		const unsigned char *f = p + ftab + i * w, *fn;
		const char *name = NULL;
		uint64_t base = magic == PCLN_12 ? 0 : ftab;	/* where funcoff counts from */
		uint32_t args;

		if (magic == PCLN_118 || magic == PCLN_120) {
			ent = text_start + rd(f, 4);
			fo = rd(f + 4, 4);
		} else {
			ent = rd(f, ps);
			fo = rd(f + ps, ps);
		}
		/* The entry after the last: the end of the text. */
		if (i == nfunc) {
			g->text_end = ent;
			break;
		}
		if (fo > n - base || n - base - fo < 8u + ps)
			continue;
		fn = p + base + fo;
		/* _func: entry (an offset from Go 1.18, a pointer before),
		 * then the name's offset (int32), then the size of the
		 * arguments and results on the stack (int32). */
		{
			int w4 = magic == PCLN_118 || magic == PCLN_120;
			uint64_t noff = rd(fn + (w4 ? 4 : ps), 4);

			args = rd(fn + (w4 ? 8 : ps + 4), 4);

			if (magic == PCLN_12)
				name = name_at(p, n, noff);
			else if (fnames <= n)
				name = name_at(p + fnames, n - fnames, noff);
		}
		add_fn(g, ent, name ? name : "", args < (1u << 20) ? args : UINT32_MAX, &cap);
	}
	return 0;
}

static int cmp_fn(const void *x, const void *y)
{
	const struct sys_go_fn *a = x, *b = y;

	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* ---- stubs ---- */

/* Base names (".abi0" cut) of functions whose first argument is a system
 * call number: the stubs. */
static const char *const stub_names[] = {
	"runtime/internal/syscall.Syscall6", "internal/runtime/syscall.Syscall6",
	"syscall.Syscall", "syscall.Syscall6", "syscall.Syscall9", "syscall.RawSyscall", "syscall.RawSyscall6",
	"syscall.rawSyscallNoError", "syscall.rawVforkSyscall",
	"syscall.AllThreadsSyscall", "syscall.AllThreadsSyscall6", "syscall.runtime_doAllThreadsSyscall",
	"runtime.syscall_runtime_doAllThreadsSyscall",
};

/* Packages whose stubs are these (x/sys/unix, vendored or not). */
static const char *const unix_stubs[] = {
	"Syscall", "Syscall6", "RawSyscall", "RawSyscall6", "SyscallNoError", "RawSyscallNoError",
};

/* Functions that call stubs with a number a stub's caller gave (the
 * all-threads syscall of setuid and friends, run on every thread). */
static const char *const relays[] = {
	"runtime.runPerThreadSyscall",
};

static int in_list(const char *s, size_t n, const char *const *v, size_t nv)
{
	for (size_t i = 0; i < nv; i++)
		if (strlen(v[i]) == n && !memcmp(s, v[i], n))
			return 1;
	return 0;
}

static int stub_kind(const char *name)
{
	size_t n = strlen(name);
	const char *u;

	if (n > 5 && !strcmp(name + n - 5, ".abi0"))
		n -= 5;
	if (in_list(name, n, relays, ARRAY_SIZE(relays)))
		return SYS_GO_RELAY;
	if (!in_list(name, n, stub_names, ARRAY_SIZE(stub_names))) {
		/* golang.org/x/sys/unix.X, or vendor/golang.org/x/sys/unix.X */
		if (!(u = memmem(name, n, "golang.org/x/sys/unix.", 22)) || (u != name && u[-1] != '/'))
			return 0;
		u += 22;
		if (!in_list(u, n - (u - name), unix_stubs, ARRAY_SIZE(unix_stubs)))
			return 0;
	}
	return SYS_GO_STUB_AX;	/* a stub; its convention comes from its code */
}

static __thread csh go_cs[2];

static csh cs_handle(int class64)
{
	csh h = go_cs[class64];

	if (!h) {
		if (cs_open(CS_ARCH_X86, class64 ? CS_MODE_64 : CS_MODE_32, &h) != CS_ERR_OK)
			return 0;
		cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
		go_cs[class64] = h;
	}
	return h;
}

static int is_ax(unsigned r)
{
	return r == X86_REG_RAX || r == X86_REG_EAX || r == X86_REG_AX || r == X86_REG_AL || r == X86_REG_AH;
}

/*
 * A stub's calling convention, from its code: the pclntab names the
 * assembly function of the stack ABI0 and the wrapper of the register
 * ABI alike (Go 1.18's syscall.Syscall is both), so the stub's first use
 * of AX tells: read first (spilled, or in the syscall itself), the number
 * came in AX; loaded first from the stack, at 0(SP) of the caller (8(SP)
 * on entry, past the return address, and past the frame the stub made:
 * Go 1.19's ABI0 wrapper of syscall.Syscall, "sub $0x28,%rsp" then
 * "mov 0x30(%rsp),%rax"). A jump to
 * another stub first (x/sys/unix's to syscall's) is that stub's. Anything
 * else: not a stub we can read (0), whose own site stays unknown.
 */
static int stub_conv(const struct sys_go *g, const struct sys_go_fn *f, int depth)
{
	csh h = cs_handle(g->class64);
	uint64_t hi = f + 1 < g->fn + g->n_fn ? f[1].entry : g->text_end, addr = f->entry;
	size_t left = hi > addr && hi - addr < 512 ? hi - addr : 512;
	const unsigned char *code = go_at(g, addr, left);
	int conv = 0, word = g->class64 ? 8 : 4;
	int64_t frame = 0;	/* how far the stack pointer moved down */
	cs_insn *insn;

	if (!h || !code)
		return 0;
	insn = cs_malloc(h);
	for (int k = 0; k < 64 && cs_disasm_iter(h, &code, &left, &addr, insn); k++) {
		const cs_x86 *x = &insn->detail->x86;
		cs_regs rd_, wr;
		uint8_t n_rd = 0, n_wr = 0;
		int r = 0, w = 0;

		if (insn->id == X86_INS_SYSCALL || insn->id == X86_INS_INT) {
			conv = SYS_GO_STUB_AX;
			break;
		}
		if ((insn->id == X86_INS_JMP || insn->id == X86_INS_CALL) && x->op_count == 1 &&
		    x->operands[0].type == X86_OP_IMM) {
			const struct sys_go_fn *t = sys_go_fn_at(g, x->operands[0].imm);

			/* Passed on, AX untouched so far, to another stub. */
			if (t && t != f && t->entry == (uint64_t)x->operands[0].imm && t->kind == SYS_GO_STUB_AX) {
				conv = depth < 4 ? stub_conv(g, t, depth + 1) : 0;
				if (insn->id == X86_INS_CALL && conv != SYS_GO_STUB_AX)
					conv = 0;
				break;
			}
			if (insn->id == X86_INS_CALL)
				continue;
			break;
		}
		if (cs_insn_group(h, insn, CS_GRP_CALL))
			continue;
		if (cs_insn_group(h, insn, CS_GRP_JUMP) || cs_insn_group(h, insn, CS_GRP_RET))
			break;
		if (cs_regs_access(h, insn, rd_, &n_rd, wr, &n_wr) != CS_ERR_OK)
			break;
		for (int i = 0; i < n_rd; i++)
			r |= is_ax(rd_[i]);
		for (int i = 0; i < n_wr; i++)
			w |= is_ax(wr[i]);
		if (r) {
			conv = SYS_GO_STUB_AX;
			break;
		}
		if (w) {
			if (insn->id == X86_INS_MOV && x->op_count == 2 && x->operands[1].type == X86_OP_MEM &&
			    (x->operands[1].mem.base == X86_REG_RSP || x->operands[1].mem.base == X86_REG_ESP) &&
			    x->operands[1].mem.index == X86_REG_INVALID && x->operands[1].mem.disp == frame + word)
				conv = SYS_GO_STUB_STACK;
			break;
		}
		/* The frame: sub/add of a constant, push, pop; any other
		 * write of the stack pointer loses it. */
		for (int i = 0; i < n_wr; i++)
			w |= wr[i] == X86_REG_RSP || wr[i] == X86_REG_ESP;
		if (!w)
			continue;
		if ((insn->id == X86_INS_SUB || insn->id == X86_INS_ADD) && x->op_count == 2 &&
		    x->operands[0].type == X86_OP_REG && x->operands[1].type == X86_OP_IMM)
			frame += insn->id == X86_INS_SUB ? x->operands[1].imm : -x->operands[1].imm;
		else if (insn->id == X86_INS_PUSH)
			frame += word;
		else if (insn->id == X86_INS_POP)
			frame -= word;
		else
			break;
	}
	cs_free(insn, 1);
	return conv;
}

/*
 * Stubs whose entry is a word of the data outside the pclntab (whose
 * tables held absolute entries before Go 1.18): a function value (a
 * funcval, syscall.Syscall·f) that an indirect call may reach. Such a
 * stub keeps its own site as unknown, for whatever calls it that way.
 */
/*
 * Calls fn with each aligned word of the data outside the pclntab (pcln,
 * pcln_n), until it returns nonzero; returns that, or 0.
 */
static int data_words(const struct sys_go *g, const unsigned char *pcln, size_t pcln_n,
		      int (*fn)(uint64_t v, void *ctx), void *ctx)
{
	int w = g->class64 ? 8 : 4, r;

	for (size_t i = 0; i < g->n_load; i++) {
		const struct sys_go_load *l = &g->load[i];
		const unsigned char *p;
		uint64_t n;

		if ((l->flags & PF_X) || l->offset > g->size)
			continue;
		n = l->filesz < g->size - l->offset ? l->filesz : g->size - l->offset;
		p = g->raw + l->offset;
		for (uint64_t o = (w - l->vaddr % w) % w; o + w <= n; o += w)
			if (!(pcln && p + o >= pcln && p + o < pcln + pcln_n) && (r = fn(rd(p + o, w), ctx)))
				return r;
	}
	return 0;
}

struct stubs {
	struct sys_go *g;
	uint64_t v[32];
	size_t n;
};

static int mark_taken(uint64_t v, void *ctx)
{
	struct stubs *s = ctx;

	for (size_t k = 0; k < s->n; k++)
		if (v == s->v[k])
			((struct sys_go_fn *)sys_go_fn_at(s->g, v))->taken = 1;
	return 0;
}

static void find_taken(struct sys_go *g, const unsigned char *pcln, size_t pcln_n)
{
	struct stubs s = { .g = g };

	for (size_t i = 0; i < g->n_fn && s.n < ARRAY_SIZE(s.v); i++)
		if (g->fn[i].kind == SYS_GO_STUB_AX || g->fn[i].kind == SYS_GO_STUB_STACK)
			s.v[s.n++] = g->fn[i].entry;
	if (s.n)
		data_words(g, pcln, pcln_n, mark_taken, &s);
}

int sys_go_read(Elf *e, const unsigned char *raw, size_t size, struct sys_go *g)
{
	GElf_Ehdr eh;
	size_t phnum, shnum, shstrndx;
	const unsigned char *pcln = NULL;
	size_t pcln_n = 0;
	uint64_t text = 0;
	int class64;

	memset(g, 0, sizeof(*g));
	g->raw = raw;
	g->size = size;
	if (!gelf_getehdr(e, &eh) || elf_getphdrnum(e, &phnum))
		return 0;
	class64 = gelf_getclass(e) == ELFCLASS64;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		g->load = xrealloc(g->load, (g->n_load + 1) * sizeof(*g->load));
		g->load[g->n_load++] = (struct sys_go_load){ ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_flags };
	}
	/* Sections, when there are: .gopclntab, .symtab (a stripped file
	 * has none), .text. */
	g->stripped = 1;
	if (!elf_getshdrnum(e, &shnum) && shnum && !elf_getshdrstrndx(e, &shstrndx))
		for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
			GElf_Shdr sh;
			const char *name;

			if (!gelf_getshdr(scn, &sh))
				continue;
			if (sh.sh_type == SHT_SYMTAB)
				g->stripped = 0;
			if (!(name = elf_strptr(e, shstrndx, sh.sh_name)))
				continue;
			if (!strcmp(name, ".text"))
				text = sh.sh_addr;
			if ((!strcmp(name, ".gopclntab") || !strcmp(name, ".data.rel.ro.gopclntab")) &&
			    sh.sh_type != SHT_NOBITS && sh.sh_offset < size && sh.sh_size <= size - sh.sh_offset &&
			    pcln_magic(raw + sh.sh_offset, sh.sh_size)) {
				pcln = raw + sh.sh_offset;
				pcln_n = sh.sh_size;
			}
			if (!strcmp(name, ".note.go.buildid") || !strcmp(name, ".go.buildinfo"))
				g->is_go = 1;
		}
	find_buildinfo(g);
	/* Without its section the pclntab is found by its header in a
	 * segment of data (read-only, or RELRO in a PIE file:
	 * .data.rel.ro.gopclntab), and only in a file that is Go by its
	 * build info (a random match in another file's data is no Go
	 * binary). */
	for (size_t i = 0; !pcln && g->is_go && i < g->n_load; i++) {
		const struct sys_go_load *l = &g->load[i];
		const unsigned char *p;
		uint64_t n;

		if ((l->flags & PF_X) || l->offset > size)
			continue;
		n = l->filesz < size - l->offset ? l->filesz : size - l->offset;
		p = raw + l->offset;
		for (uint64_t o = 0; o + 16 <= n && !pcln; o += 4) {
			if (p[o + 1] != 0xff || p[o + 2] != 0xff || p[o + 3] != 0xff || !pcln_magic(p + o, n - o))
				continue;
			pcln = p + o;
			pcln_n = n - o;
		}
	}
	if (pcln)
		g->is_go = 1;
	g->pcln = pcln;
	g->pcln_n = pcln_n;
	if (!g->is_go)
		return 0;
	if (pcln && (eh.e_machine == EM_X86_64 || eh.e_machine == EM_386))
		read_pclntab(g, pcln, pcln_n, text);
	if (g->n_fn)
		qsort(g->fn, g->n_fn, sizeof(*g->fn), cmp_fn);
	g->class64 = class64;
	for (size_t i = 0; i < g->n_fn; i++)
		g->fn[i].kind = stub_kind(g->fn[i].name);
	for (size_t i = 0; i < g->n_fn; i++)
		if (g->fn[i].kind == SYS_GO_STUB_AX)
			g->fn[i].conv = stub_conv(g, &g->fn[i], 0);
	for (size_t i = 0; i < g->n_fn; i++)
		if (g->fn[i].kind == SYS_GO_STUB_AX)
			g->fn[i].kind = g->fn[i].conv;
	find_taken(g, pcln, pcln_n);
	return 1;
}

void sys_go_release(struct sys_go *g)
{
	if (!g)
		return;
	free(g->fn);
	free(g->load);
	free(g->wrappers);
	memset(g, 0, sizeof(*g));
}

/* The function holding addr, or NULL. */
const struct sys_go_fn *sys_go_fn_at(const struct sys_go *g, uint64_t addr)
{
	size_t lo = 0, hi = g ? g->n_fn : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (g->fn[mid].entry <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &g->fn[lo - 1] : NULL;
}

int sys_go_is_entry(const struct sys_go *g, uint64_t addr)
{
	const struct sys_go_fn *f = sys_go_fn_at(g, addr);

	return f && f->entry == addr;
}

int sys_go_stub(const struct sys_go *g, uint64_t addr)
{
	const struct sys_go_fn *f = sys_go_fn_at(g, addr);

	return f && f->entry == addr && (f->kind == SYS_GO_STUB_AX || f->kind == SYS_GO_STUB_STACK) ? f->kind : 0;
}

int sys_go_taken(const struct sys_go *g, uint64_t addr)
{
	const struct sys_go_fn *f = sys_go_fn_at(g, addr);

	return f && f->taken;
}

int sys_go_passes(const struct sys_go *g, uint64_t addr)
{
	const struct sys_go_fn *f = sys_go_fn_at(g, addr);

	return f && f->kind != 0;
}

/* ---- values at a call site ---- */

/*
 * The tracked values: the 16 registers, then up to MAX_KEYS words of the
 * stack at fixed offsets from the stack pointer (the "keys" of the
 * function: 0(SP) where ABI0 takes the number, the next words where it
 * takes the arguments, and the spill slots where the register ABI keeps
 * an argument across a call: x/sys's IoctlGetTermios spills its request
 * around runtime.newobject before it calls ioctlPtr). A Go function sets
 * its frame once (SUBQ $N, SP) and addresses every slot from SP, so an
 * offset names one slot between the prologue and the epilogue; any other
 * write of SP forgets them all.
 */
#define MAX_KEYS 32
#define GO_NVAL (16 + MAX_KEYS)
#define NO_KEY INT32_MIN
#define V_NONE INT64_MIN	/* not reached */
#define V_UNK (-1)
/* The value register r had when the function was entered (r < 16). */
#define V_ENTRY(r) (-2 - (int64_t)(r))
#define IS_ENTRY(v) ((v) <= -2 && (v) >= -17)

/* What one instruction does to the tracked values. */
struct go_insn {
	uint64_t addr, target;
	uint8_t fall, jump, call, restart;	/* restart: morestack's jump back to the entry */
	int8_t dst, src;	/* registers, or -1 */
	int32_t dst_mem, src_mem;	/* a word at that offset from SP, or NO_KEY */
	int8_t has_imm;
	int64_t imm;		/* a constant, as a value (const_value()) */
	uint32_t clobber;	/* registers otherwise written */
	int32_t wr_lo, wr_hi;	/* bytes of the stack written otherwise, [lo, hi) */
	uint8_t wr_other, sp_write;	/* a write through another pointer; SP itself written */
	uint32_t call_args;	/* the callee's argument area, UINT32_MAX when not known */
};

/* A constant as a value: 32 bits and less as unsigned, sign-extended
 * 32-bit immediates as their low 32 bits (the request of an ioctl is an
 * unsigned int); anything wider is unknown. Numbers are below 4096: no
 * constant of 2^31 or more can pass for one. */
static int64_t const_value(int64_t v)
{
	if (v >= 0 && v <= (int64_t)UINT32_MAX)
		return v;
	if (v < 0 && v >= INT32_MIN)
		return (uint32_t)v;
	return V_UNK;
}

/* The offset from SP of a memory operand (base SP, no index), or NO_KEY. */
static int32_t sp_off(const cs_x86_op *o)
{
	if (o->type != X86_OP_MEM || (o->mem.base != X86_REG_RSP && o->mem.base != X86_REG_ESP) ||
	    o->mem.index != X86_REG_INVALID || o->mem.segment != X86_REG_INVALID ||
	    o->mem.disp < -(1 << 20) || o->mem.disp > (1 << 20))
		return NO_KEY;
	return (int32_t)o->mem.disp;
}

static void summarise(const struct sys_go *g, csh h, const cs_insn *insn, struct go_insn *c, int word)
{
	const cs_x86 *x = &insn->detail->x86;
	cs_regs rd_, wr;
	uint8_t n_rd = 0, n_wr = 0;

	memset(c, 0, sizeof(*c));
	c->addr = insn->address;
	c->dst = c->src = -1;
	c->dst_mem = c->src_mem = NO_KEY;
	c->fall = 1;
	c->jump = cs_insn_group(h, insn, CS_GRP_JUMP);
	c->call = cs_insn_group(h, insn, CS_GRP_CALL);
	if (c->jump) {
		if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
			c->target = x->operands[0].imm;
		if (insn->id == X86_INS_JMP || insn->id == X86_INS_LJMP)
			c->fall = 0;
		return;
	}
	if (cs_insn_group(h, insn, CS_GRP_RET) || insn->id == X86_INS_HLT || insn->id == X86_INS_UD2 ||
	    insn->id == X86_INS_INT3) {
		c->fall = 0;
		return;
	}
	if (c->call) {
		const struct sys_go_fn *f;

		c->clobber = ~0u & ~(1u << 4);	/* Go's ABI saves no register */
		c->call_args = UINT32_MAX;
		if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM &&
		    (f = sys_go_fn_at(g, x->operands[0].imm)) && f->entry == (uint64_t)x->operands[0].imm) {
			c->target = f->entry;
			c->call_args = f->args;
		}
		return;
	}
	if (x->op_count == 2 && (insn->id == X86_INS_MOV || insn->id == X86_INS_XOR || insn->id == X86_INS_SUB)) {
		const cs_x86_op *d = &x->operands[0], *s = &x->operands[1];

		if (d->type == X86_OP_REG && sys_cs_gpr_whole(d->reg) >= 0) {
			c->dst = sys_cs_gpr(d->reg);
			if (insn->id == X86_INS_MOV && s->type == X86_OP_IMM) {
				c->has_imm = 1;
				c->imm = d->size == 4 ? (int64_t)(uint32_t)s->imm : const_value(s->imm);
				return;
			}
			if (insn->id != X86_INS_MOV && s->type == X86_OP_REG && s->reg == d->reg) {
				c->has_imm = 1;
				c->imm = 0;
				return;
			}
			if (insn->id == X86_INS_MOV && s->type == X86_OP_REG && sys_cs_gpr_whole(s->reg) >= 0 &&
			    s->size == d->size) {
				c->src = sys_cs_gpr(s->reg);
				return;
			}
			if (insn->id == X86_INS_MOV && s->size == word && (c->src_mem = sp_off(s)) != NO_KEY)
				return;
			c->dst = -1;
		} else if (insn->id == X86_INS_MOV && d->size == word && (c->dst_mem = sp_off(d)) != NO_KEY) {
			if (s->type == X86_OP_IMM) {
				c->has_imm = 1;
				c->imm = const_value(s->imm);
				return;
			}
			if (s->type == X86_OP_REG && sys_cs_gpr_whole(s->reg) >= 0 && s->size == word) {
				c->src = sys_cs_gpr(s->reg);
				return;
			}
			c->dst_mem = NO_KEY;
		}
	}
	/* Anything else: what it writes is unknown; a write to the stack
	 * loses the words it covers (all of them when its extent is not
	 * known), a write through another pointer those whose address the
	 * function has taken, a write to SP every one. */
	c->wr_lo = c->wr_hi = 0;
	for (int i = 0; i < x->op_count; i++) {
		const cs_x86_op *o = &x->operands[i];
		int32_t off;

		if (o->type != X86_OP_MEM || !(o->access & CS_AC_WRITE))
			continue;
		if ((off = sp_off(o)) == NO_KEY) {
			if (o->mem.base == X86_REG_RSP || o->mem.base == X86_REG_ESP)
				c->sp_write = 1;
			else
				c->wr_other = 1;
			continue;
		}
		c->wr_lo = off;
		c->wr_hi = off + (o->size ? o->size : 64);
	}
	/* String stores, pushes and the like write memory they do not name. */
	if (insn->id == X86_INS_STOSB || insn->id == X86_INS_STOSW || insn->id == X86_INS_STOSD ||
	    insn->id == X86_INS_STOSQ || insn->id == X86_INS_MOVSB || insn->id == X86_INS_MOVSW ||
	    insn->id == X86_INS_MOVSD || insn->id == X86_INS_MOVSQ)
		c->wr_other = 1;
	if (cs_regs_access(h, insn, rd_, &n_rd, wr, &n_wr) != CS_ERR_OK) {
		c->clobber = ~0u;
		c->sp_write = 1;
		return;
	}
	for (int i = 0; i < n_wr; i++) {
		int r = sys_cs_gpr(wr[i]);

		if (r >= 0)
			c->clobber |= 1u << r;
		if (r == 4)
			c->sp_write = 1;
	}
}

static long find_insn(const struct go_insn *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].addr == addr ? (long)lo : -1;
}

static int merge(int64_t *dst, const int64_t *src)
{
	int changed = 0;

	for (int r = 0; r < GO_NVAL; r++) {
		int64_t v = dst[r] == V_NONE ? src[r] : dst[r] == src[r] ? dst[r] : V_UNK;

		if (v != dst[r]) {
			dst[r] = v;
			changed = 1;
		}
	}
	return changed;
}

void sys_go_cache_release(struct sys_go_cache *c)
{
	free(c->insn);
	free(c->in);
	memset(c, 0, sizeof(*c));
}

/* The key of offset off (a word at off(SP)), or -1. */
static int key_of(const struct sys_go_cache *c, int32_t off)
{
	for (int k = 0; k < c->n_keys; k++)
		if (c->keys[k] == off)
			return k;
	return -1;
}

static void add_key(struct sys_go_cache *c, int32_t off)
{
	if (off != NO_KEY && off >= 0 && key_of(c, off) < 0 && c->n_keys < MAX_KEYS)
		c->keys[c->n_keys++] = off;
}

/*
 * The jumps back to the entry after a call to runtime.morestack: Go's
 * prologue grows the stack there with the arguments spilled and reloaded
 * around the call, so the registers are the entry's again, and a merge
 * would lose them.
 */
static void mark_restarts(const struct sys_go *g, struct go_insn *v, size_t n, uint64_t lo)
{
	for (size_t i = 0; i < n; i++) {
		const struct sys_go_fn *f;

		if (!v[i].jump || v[i].fall || v[i].target != lo)
			continue;
		for (size_t k = i; k-- > 0 && i - k < 16 && v[k].fall && !v[k].jump;)
			if (v[k].call) {
				f = v[k].target ? sys_go_fn_at(g, v[k].target) : NULL;
				v[i].restart = f && !strncmp(f->name, "runtime.morestack", 17);
				break;
			}
	}
}

/* What the instruction ci does to the values in o (in place). */
static void transfer(const struct sys_go_cache *c, const struct go_insn *ci, int64_t *o)
{
	int64_t src = V_UNK;
	int k;

	if (ci->has_imm)
		src = ci->imm;
	else if (ci->src >= 0)
		src = o[ci->src];
	else if (ci->src_mem != NO_KEY && (k = key_of(c, ci->src_mem)) >= 0)
		src = o[16 + k];
	for (int r = 0; r < 16; r++)
		if (ci->clobber >> r & 1)
			o[r] = V_UNK;
	for (k = 0; k < c->n_keys; k++) {
		int32_t off = c->keys[k];

		/* A call: its argument area (ABI0's arguments and results,
		 * the register ABI's spill space) is the callee's, and so is
		 * anything whose address was taken. */
		if ((ci->call && ((uint64_t)off < (uint64_t)ci->call_args || off == 0 || off >= c->lea_lo)) ||
		    ci->sp_write || (ci->wr_other && off >= c->lea_lo) ||
		    (ci->wr_hi > ci->wr_lo && off < ci->wr_hi && off + c->word > ci->wr_lo))
			o[16 + k] = V_UNK;
	}
	if (ci->dst >= 0)
		o[ci->dst] = src;
	else if (ci->dst_mem != NO_KEY && (k = key_of(c, ci->dst_mem)) >= 0)
		o[16 + k] = src;
	else if (ci->dst_mem != NO_KEY)
		for (k = 0; k < c->n_keys; k++)
			if (c->keys[k] < ci->dst_mem + c->word && c->keys[k] + c->word > ci->dst_mem)
				o[16 + k] = V_UNK;
}

/* Decodes the function [lo, hi) and propagates; c keeps the state
 * before each instruction. */
static int run(const struct sys_go *g, uint64_t lo, uint64_t hi, struct sys_go_cache *c)
{
	csh h = cs_handle(g->class64);
	const unsigned char *code = go_at(g, lo, hi - lo);
	size_t left = hi - lo, cap = 0, *work, n_work = 0;
	struct go_insn *v = NULL;
	uint64_t addr = lo;
	cs_insn *insn;
	size_t n = 0;

	sys_go_cache_release(c);
	c->lo = lo;
	c->hi = hi;
	c->word = g->class64 ? 8 : 4;
	c->lea_lo = INT32_MAX;
	if (!code || !h || hi - lo > (4u << 20))
		return -1;
	/* ABI0's number and arguments first: a large frame has more
	 * slots than are kept. */
	for (int k = 0; k < 4; k++)
		add_key(c, k * c->word);
	insn = cs_malloc(h);
	while (left) {
		const cs_x86 *x;

		if (!cs_disasm_iter(h, &code, &left, &addr, insn)) {
			code++, left--, addr++;
			if (n)
				v[n - 1].fall = 0;
			continue;
		}
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		summarise(g, h, insn, &v[n], c->word);
		add_key(c, v[n].dst_mem);
		add_key(c, v[n].src_mem);
		/* Stack whose address the function takes: a callee or a
		 * store through a pointer may write it (below SP is no
		 * frame: the prologue's LEAQ -N(SP) checks the stack's
		 * bound). */
		x = &insn->detail->x86;
		if (insn->id == X86_INS_LEA && x->op_count == 2 && sp_off(&x->operands[1]) != NO_KEY &&
		    sp_off(&x->operands[1]) >= 0 && sp_off(&x->operands[1]) < c->lea_lo)
			c->lea_lo = sp_off(&x->operands[1]);
		n++;
	}
	cs_free(insn, 1);
	mark_restarts(g, v, n, lo);
	c->insn = v;
	c->n = n;
	c->in = xmalloc((n + 1) * sizeof(*c->in));
	for (size_t i = 0; i < n; i++)
		for (int r = 0; r < GO_NVAL; r++)
			c->in[i][r] = V_NONE;
	if (!n)
		return 0;
	work = xmalloc(4 * (n + 1) * sizeof(*work));
	for (int r = 0; r < GO_NVAL; r++)
		c->in[0][r] = r < 16 && r != 4 ? V_ENTRY(r) : V_UNK;
	work[n_work++] = 0;
	/* Each state only falls (none, constant or entry, unknown):
	 * bounded. Code no path from the entry reaches starts with
	 * everything unknown. */
	for (size_t steps = 0, seed = 1; steps < 64 * (n + 1); steps++) {
		int64_t out[GO_NVAL];
		const struct go_insn *ci;
		size_t i;
		long t;

		if (!n_work) {
			for (; seed < n && (c->in[seed][0] != V_NONE || v[seed - 1].fall); seed++)
				;
			if (seed >= n)
				break;
			for (int r = 0; r < GO_NVAL; r++)
				c->in[seed][r] = V_UNK;
			work[n_work++] = seed;
		}
		i = work[--n_work];
		ci = &v[i];
		memcpy(out, c->in[i], sizeof(out));
		transfer(c, ci, out);
		if (ci->fall && i + 1 < n && merge(c->in[i + 1], out) && n_work < 4 * n)
			work[n_work++] = i + 1;
		if (ci->jump && ci->target && !ci->restart && (t = find_insn(v, n, ci->target)) >= 0 &&
		    merge(c->in[t], out) && n_work < 4 * n)
			work[n_work++] = t;
	}
	free(work);
	return 0;
}

/* The value of slot (a register, or 16 + the key of a stack offset)
 * before the call at addr, or V_NONE when it cannot be read. */
static int64_t value_at(const struct sys_go *g, uint64_t call, int reg, int32_t off, struct sys_go_cache *c)
{
	const struct sys_go_fn *f = sys_go_fn_at(g, call);
	uint64_t hi;
	long i;
	int k;

	if (!f)
		return V_NONE;
	hi = f + 1 < g->fn + g->n_fn ? f[1].entry : g->text_end;
	if (!hi || hi <= f->entry)
		return V_NONE;
	if ((c->lo != f->entry || c->hi != hi) && run(g, f->entry, hi, c))
		return V_NONE;
	if ((i = find_insn(c->insn, c->n, call)) < 0)
		return V_NONE;
	if (reg >= 0)
		return c->in[i][reg];
	k = key_of(c, off);
	return k < 0 ? V_UNK : c->in[i][16 + k];
}

int32_t sys_go_number(const struct sys_go *g, uint64_t call, int kind, struct sys_go_cache *c)
{
	int64_t v = value_at(g, call, kind == SYS_GO_STUB_STACK ? -1 : 0, 0, c);

	return v == V_NONE || v < 0 || v >= 4096 ? -1 : (int32_t)v;
}

/* ---- request codes at the stubs' call sites ---- */

/* Go's register ABI: the integer arguments' registers, in order (AX, BX,
 * CX, DI, SI, R8, R9, R10, R11). */
static const int8_t arg_regs[] = { 0, 3, 1, 7, 6, 8, 9, 10, 11 };

/* The system calls whose request is read, by ABI: x86-64's, then i386's
 * (fcntl64 is fcntl). */
static const struct { uint16_t nr; uint8_t class64, call, arg; } req_calls[] = {
	{ 16, 1, SYS_REQ_IOCTL, 2 }, { 72, 1, SYS_REQ_FCNTL, 2 }, { 157, 1, SYS_REQ_PRCTL, 1 },
	{ 54, 0, SYS_REQ_IOCTL, 2 }, { 55, 0, SYS_REQ_FCNTL, 2 }, { 221, 0, SYS_REQ_FCNTL, 2 },
	{ 172, 0, SYS_REQ_PRCTL, 1 },
};

/* The value of argument n (0: the first) of a stub or a wrapper of the
 * given convention at the call at addr. */
static int64_t arg_at(const struct sys_go *g, uint64_t call, int conv, int n, struct sys_go_cache *c)
{
	if (conv == SYS_GO_STUB_STACK)
		return value_at(g, call, -1, n * (g->class64 ? 8 : 4), c);
	return (size_t)n < ARRAY_SIZE(arg_regs) ? value_at(g, call, arg_regs[n], 0, c) : V_UNK;
}

void sys_req_site_add(struct sys_info *out, int call, int known, uint64_t req)
{
	for (size_t i = 0; i < out->n_req_sites; i++)
		if (out->req_sites[i].call == call && out->req_sites[i].known == known &&
		    (!known || out->req_sites[i].req == req))
			return;
	out->req_sites = xgrow(out->req_sites, &out->cap_req_sites, out->n_req_sites + 1, sizeof(*out->req_sites));
	out->req_sites[out->n_req_sites++] = (struct sys_req_site){ call, known, known ? req : 0 };
}

/*
 * What the value v passed at the call at addr means: a constant is a
 * request; the entry value of a register makes the caller a wrapper
 * (ioctlPtr), whose own callers pass it (sys_go_requests_done()); the
 * rest is unknown.
 */
static void note(struct sys_go *g, uint64_t call, int req_call, int64_t v, struct sys_info *out)
{
	const struct sys_go_fn *f = sys_go_fn_at(g, call);

	if (v >= 0) {
		sys_req_site_add(out, req_call, 1, (uint64_t)v);
		return;
	}
	if (IS_ENTRY(v) && f && g->class64) {
		int r = (int)(-2 - v), n;

		for (n = 0; n < (int)ARRAY_SIZE(arg_regs) && arg_regs[n] != r; n++)
			;
		if (n < (int)ARRAY_SIZE(arg_regs)) {
			for (size_t i = 0; i < g->n_wrappers; i++)
				if (g->wrappers[i].entry == f->entry && g->wrappers[i].call == req_call &&
				    g->wrappers[i].arg == n)
					return;
			g->wrappers = xgrow(g->wrappers, &g->cap_wrappers, g->n_wrappers + 1, sizeof(*g->wrappers));
			g->wrappers[g->n_wrappers++] = (struct sys_go_wrapper){ f->entry, req_call, n };
			return;
		}
	}
	sys_req_site_add(out, req_call, 0, 0);
}

void sys_go_request(struct sys_go *g, uint64_t call, int kind, int nr, struct sys_go_cache *c,
		    struct sys_info *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(req_calls); i++)
		if (req_calls[i].nr == nr && req_calls[i].class64 == g->class64) {
			note(g, call, req_calls[i].call, arg_at(g, call, kind, req_calls[i].arg, c), out);
			return;
		}
}

static int is_word(uint64_t v, void *ctx)
{
	return v == *(const uint64_t *)ctx;
}

/* Whether a word of the data (outside the pclntab) holds addr: a
 * function value an indirect call may reach. */
static int in_data(const struct sys_go *g, uint64_t addr)
{
	return data_words(g, g->pcln, g->pcln_n, is_word, &addr);
}

/*
 * The wrappers' callers: every direct call or jump to a wrapper's entry
 * (found by a sweep of the functions with the length decoder) passes the
 * request, read there as at a stub's call; a wrapper of a wrapper
 * (IoctlGetTermios of ioctlPtr) is found on the way, and swept for in
 * the next round (at most four). A wrapper no direct call reaches, or
 * whose entry is a function value, adds unknown.
 */
void sys_go_requests_done(struct sys_go *g, struct sys_go_cache *c, struct sys_info *out)
{
	size_t done = 0;
	struct xd_insn d;

	xd_init();
	for (int round = 0; round < 4 && done < g->n_wrappers; round++) {
		size_t from = done, to = g->n_wrappers;
		size_t *callers = xcalloc(to - from, sizeof(*callers));

		for (size_t i = 0; i < g->n_fn; i++) {
			uint64_t lo = g->fn[i].entry, hi = i + 1 < g->n_fn ? g->fn[i + 1].entry : g->text_end;
			const unsigned char *p = hi > lo && hi - lo < (4u << 20) ? go_at(g, lo, hi - lo) : NULL;

			for (uint64_t a = lo; p && a < hi;) {
				int len = xd_decode(p + (a - lo), hi - a, g->class64, &d);
				uint64_t t;

				if (len <= 0) {
					a++;
					continue;
				}
				if (d.map == 0 && (d.op == 0xe8 || d.op == 0xe9 || d.op == 0xeb)) {
					t = (a + len + xd_imm(p + (a - lo), &d)) & (g->class64 ? ~0ull : 0xffffffffull);
					for (size_t w = from; w < to; w++) {
						if (g->wrappers[w].entry != t || t == lo)
							continue;
						callers[w - from]++;
						note(g, a, g->wrappers[w].call,
						     arg_at(g, a, SYS_GO_STUB_AX, g->wrappers[w].arg, c), out);
					}
				}
				a += len;
			}
		}
		for (size_t w = from; w < to; w++)
			if (!callers[w - from] || in_data(g, g->wrappers[w].entry))
				sys_req_site_add(out, g->wrappers[w].call, 0, 0);
		free(callers);
		done = to;
	}
	/* Deeper than four: their callers are not read. */
	for (size_t w = done; w < g->n_wrappers; w++)
		sys_req_site_add(out, g->wrappers[w].call, 0, 0);
}

void sys_go_thread_release(void)
{
	for (int i = 0; i < 2; i++)
		if (go_cs[i]) {
			cs_close(&go_cs[i]);
			go_cs[i] = 0;
		}
}
