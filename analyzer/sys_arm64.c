/*
 * AArch64's instructions, read for the system call analysis (issue 17):
 * the sweep's classification (a64_decode()) and the constant propagation
 * that finds the numbers in x8 at svc #0 and in x0 at a call to syscall()
 * (a64_cp_value()).
 *
 * Bit masks, not capstone. A64 is fixed-width and regular: the few
 * encodings the call graph needs (branches, svc, adr/adrp, add and ldr of
 * an immediate, the moves of constants) are a mask and a compare each,
 * and a word that is data (a literal pool in .text) decodes as some
 * instruction or none without a decoder's state to lose (no
 * resynchronisation, unlike x86). Reading with capstone's details costs
 * what it costs on x86 (a tenth of the sweep's speed), and its AArch64
 * register and instruction names moved between capstone 4 and 5
 * (ARM64_* to AARCH64_*); the masks are the Arm ARM's.
 *
 * What an instruction writes is over-approximated (a64_writes()): a write
 * missed would keep a stale constant and guess a number; a write assumed
 * only makes a number unknown.
 */
#include "analyzer/sys_arm64.h"
#include "common/common.h"

#include <stdlib.h>
#include <string.h>

enum { R_NONE, R_ADDR, R_SLOT, R_TABLE };

/* How far, in bytes, a register's address is trusted after it was set:
 * an adrp and its ldr or add are adjacent or nearly (a branch into the
 * gap from elsewhere could bring another value). */
#define A64_NEAR 256

/* Calls clobber x0-x18 (AAPCS64's caller-saved and the platform
 * register) and x30 (the link register). */
#define CALL_CLOBBER 0x4007ffffu

static int64_t sext(uint64_t v, int bits)
{
	return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static uint32_t bit(unsigned r)
{
	return r < 31 ? 1u << r : 0;
}

/* Loads and stores (op0 x1x0): Rt, Rt2 and Rs when loaded or written
 * back, Rn when written back. */
static uint32_t ls_writes(uint32_t w)
{
	uint32_t rt = bit(w & 31), rn = bit(w >> 5 & 31), rt2 = bit(w >> 10 & 31), rs = bit(w >> 16 & 31);
	int simd = w >> 26 & 1;

	if ((w & 0x38000000) == 0x38000000) {
		/* Single register, immediate or register offset. */
		int store = (w >> 22 & 3) == 0, wb = 0;

		if (w >> 24 & 1)
			;	/* unsigned offset */
		else if (!(w >> 21 & 1))
			wb = (w >> 10 & 1);	/* imm9: post- or pre-index */
		else if ((w >> 10 & 3) != 2)
			return rt | rn | rs;	/* atomics, ldraa: loads, some write back */
		return (wb ? rn : 0) | (!simd && !store ? rt : 0);
	}
	if ((w & 0x38000000) == 0x28000000) {
		/* Pairs: L is bit 22, modes 01 (post) and 11 (pre) write back. */
		int wb = (w >> 23 & 1) == 1, load = w >> 22 & 1;

		return (wb ? rn : 0) | (!simd && load ? rt | rt2 : 0);
	}
	if ((w & 0x3b000000) == 0x18000000)
		return simd ? 0 : rt;	/* ldr (literal) */
	/* Exclusives, ordered, SIMD structures, tags: any of them. */
	return rt | rt2 | rs | rn;
}

uint32_t a64_writes(uint32_t w)
{
	uint32_t rd = bit(w & 31);

	if ((w & 0x1c000000) == 0x14000000) {
		/* Branches, exceptions, system. */
		if ((w & 0x7c000000) == 0x14000000 && w >> 31)
			return CALL_CLOBBER;	/* bl */
		if ((w & 0xfe1f0000) == 0xd61f0000 && (w >> 21 & 7) == 1)
			return CALL_CLOBBER;	/* blr, blraa... */
		if ((w & 0xffe0001f) == 0xd4000001)
			return 1;		/* svc: the kernel returns in x0 */
		if ((w & 0xffd00000) == 0xd5100000 || (w & 0xfff80000) == 0xd5280000)
			return (w >> 21 & 1) ? rd : 0;	/* mrs, sysl write Rt; msr, sys do not */
		return 0;
	}
	if ((w & 0x0a000000) == 0x08000000)
		return ls_writes(w);
	/* Data processing (immediate, register), SIMD and FP (some move to
	 * a general register), SVE and the rest: Rd. */
	return rd;
}

void a64_regs_reset(struct a64_regs *r)
{
	memset(r->kind, 0, sizeof(r->kind));
}

static void forget(struct a64_regs *r, uint32_t mask)
{
	for (; mask; mask &= mask - 1)
		r->kind[__builtin_ctz(mask)] = R_NONE;
}

static void set(struct a64_regs *r, unsigned rd, int kind, uint64_t val, uint64_t addr)
{
	if (rd >= 31)
		return;
	r->kind[rd] = kind;
	r->val[rd] = val;
	r->at[rd] = addr;
}

static int holds(const struct a64_regs *r, unsigned rn, int kind, uint64_t addr)
{
	return rn < 31 && r->kind[rn] == kind && addr - r->at[rn] < A64_NEAR;
}

/* Branches through a register: br (0, 8), blr (1, 9), ret (2), eret (4),
 * drps (5), by opc; -1 when w is none. */
static int branch_reg_opc(uint32_t w)
{
	return (w & 0xfe1f0000) == 0xd61f0000 ? (int)(w >> 21 & 15) : -1;
}

void a64_decode(uint32_t w, uint64_t addr, struct a64_regs *r, struct a64_insn *d)
{
	unsigned rd = w & 31, rn = w >> 5 & 31;
	int opc;

	d->kind = A64_OTHER;
	d->target = 0;
	if (w == 0xd503201f) {
		d->kind = A64_NOP;
		return;
	}
	if ((w & 0x7c000000) == 0x14000000) {
		d->target = addr + (uint64_t)(sext(w & 0x3ffffff, 26) * 4);
		d->kind = w >> 31 ? A64_CALL : A64_JMP;
		if (w >> 31)
			forget(r, CALL_CLOBBER);
		return;
	}
	if ((w & 0xff000000) == 0x54000000 || (w & 0x7c000000) == 0x34000000) {
		/* b.cond; cbz/cbnz (011010x), tbz/tbnz (011011x). */
		d->target = (w & 0x7e000000) == 0x36000000 ? addr + (uint64_t)(sext(w >> 5 & 0x3fff, 14) * 4)
							     : addr + (uint64_t)(sext(w >> 5 & 0x7ffff, 19) * 4);
		d->kind = A64_COND;
		return;
	}
	if ((opc = branch_reg_opc(w)) >= 0) {
		switch (opc) {
		case 0: case 8:
			d->kind = holds(r, rn, R_TABLE, addr) ? A64_TABLE : A64_JMPR;
			break;
		case 1: case 9:
			d->kind = A64_CALLR;
			break;
		case 2: case 4: case 5:
			d->kind = A64_RET;
			return;
		default:
			return;
		}
		if (holds(r, rn, R_SLOT, addr))
			d->target = r->val[rn];
		if (d->kind == A64_CALLR)
			forget(r, CALL_CLOBBER);
		return;
	}
	if ((w & 0xffe0001f) == 0xd4000001) {
		/* Linux ignores svc's immediate; #0 is what code uses, and
		 * asking for it keeps data words out. */
		if (!(w >> 5 & 0xffff))
			d->kind = A64_SVC;
		forget(r, 1);
		return;
	}
	if ((w & 0xffe0001f) == 0xd4200000 || (w & 0xffe0001f) == 0xd4400000 || (w & 0xffff0000) == 0) {
		d->kind = A64_TRAP;	/* brk, hlt, udf */
		return;
	}
	if ((w & 0x9f000000) == 0x10000000) {
		/* adr */
		d->target = addr + (uint64_t)sext((w >> 5 & 0x7ffff) << 2 | (w >> 29 & 3), 21);
		d->kind = A64_ADDR;
		set(r, rd, R_ADDR, d->target, addr);
		return;
	}
	if ((w & 0x9f000000) == 0x90000000) {
		/* adrp */
		set(r, rd, R_ADDR, (addr & ~0xfffull) + (uint64_t)(sext((w >> 5 & 0x7ffff) << 2 | (w >> 29 & 3), 21) * 4096),
		    addr);
		return;
	}
	if ((w & 0xff800000) == 0x91000000 && holds(r, rn, R_ADDR, addr)) {
		/* add xd, xn, #imm{, lsl 12} */
		d->target = r->val[rn] + ((uint64_t)(w >> 10 & 0xfff) << (w >> 22 & 1 ? 12 : 0));
		d->kind = A64_ADDR;
		set(r, rd, R_ADDR, d->target, addr);
		return;
	}
	if ((w & 0xffc00000) == 0xf9400000 && holds(r, rn, R_ADDR, addr)) {
		/* ldr xt, [xn, #imm] */
		set(r, rd, R_SLOT, r->val[rn] + (uint64_t)(w >> 10 & 0xfff) * 8, addr);
		return;
	}
	if ((w & 0xff000000) == 0x58000000) {
		/* ldr xt, literal */
		set(r, rd, R_SLOT, addr + (uint64_t)(sext(w >> 5 & 0x7ffff, 19) * 4), addr);
		return;
	}
	if (((w & 0xffe00000) == 0x8b200000 && (w >> 10 & 7) == 2) ||
	    ((w & 0xffe00000) == 0x8b000000 && (w >> 10 & 0x3f) == 2)) {
		/* add xd, xn, wm, sxtb #2 (gcc) or add xd, xn, xm, lsl #2
		 * (clang): a jump table's entry scaled to instructions. */
		set(r, rd, R_TABLE, 0, addr);
		return;
	}
	forget(r, a64_writes(w));
}

uint64_t a64_plt_slot(const unsigned char *p, size_t n, uint64_t addr)
{
	uint32_t w0, w1;
	uint64_t page;

	if (n < 8)
		return 0;
	w0 = a64_word(p);
	w1 = a64_word(p + 4);
	if ((w0 & 0x9f000000) != 0x90000000 || (w1 & 0xffc00000) != 0xf9400000 || (w1 >> 5 & 31) != (w0 & 31))
		return 0;
	page = (addr & ~0xfffull) + (uint64_t)(sext((w0 >> 5 & 0x7ffff) << 2 | (w0 >> 29 & 3), 21) * 4096);
	return page + (uint64_t)(w1 >> 10 & 0xfff) * 8;
}

/* ---- constant propagation ---- */

#define V_UNK INT64_MIN		/* not a constant */
#define V_NONE (INT64_MIN + 1)	/* not reached (yet) */
/* A function of more instructions is not propagated (its numbers are
 * unknown): 248 bytes of state per instruction. */
#define CP_MAX_INSNS (1u << 16)

void a64_cp_release(struct a64_cp *f)
{
	free(f->in);
	memset(f, 0, sizeof(*f));
}

/* The successors of w at addr: falls through, and a direct branch's
 * target (0: none). */
static void flow(uint32_t w, uint64_t addr, int *fall, uint64_t *target)
{
	struct a64_regs r;
	struct a64_insn d;

	a64_regs_reset(&r);
	a64_decode(w, addr, &r, &d);
	*fall = !(d.kind == A64_JMP || d.kind == A64_JMPR || d.kind == A64_TABLE || d.kind == A64_RET ||
		  d.kind == A64_TRAP);
	*target = d.kind == A64_JMP || d.kind == A64_COND ? d.target : 0;
}

/* The state after w, from in to out. */
static void transfer(uint32_t w, const int64_t *in, int64_t *out)
{
	unsigned rd = w & 31, rn = w >> 5 & 31, sh = (w >> 21 & 3) * 16;
	int w32 = !(w >> 31);
	uint64_t imm = (uint64_t)(w >> 5 & 0xffff) << sh, m = w32 ? 0xffffffffull : ~0ull;
	int64_t v = V_UNK;
	uint32_t clob;

	memcpy(out, in, 31 * sizeof(*out));
	if ((w & 0x7f800000) == 0x52800000) {
		v = (int64_t)(imm & m);					/* movz */
	} else if ((w & 0x7f800000) == 0x12800000) {
		v = (int64_t)(~imm & m);				/* movn */
	} else if ((w & 0x7f800000) == 0x72800000) {
		if (rd < 31 && in[rd] != V_UNK)				/* movk */
			v = (int64_t)((((uint64_t)in[rd] & ~(0xffffull << sh)) | imm) & m);
	} else if ((w & 0x7fe0ffe0) == 0x2a0003e0) {
		unsigned rm = w >> 16 & 31;				/* mov (orr rd, zr, rm) */

		v = rm == 31 ? 0 : in[rm] == V_UNK ? V_UNK : (int64_t)((uint64_t)in[rm] & m);
	} else if ((w & 0x7f000000) == 0x11000000 || (w & 0x7f000000) == 0x51000000) {
		/* add, sub #imm{, lsl 12} (not adds/subs; rn 31 is sp) */
		uint64_t k = (uint64_t)(w >> 10 & 0xfff) << (w >> 22 & 1 ? 12 : 0);

		if (w >> 23 & 1)
			v = V_UNK;	/* addg, subg */
		else if (rn < 31 && in[rn] != V_UNK)
			v = (int64_t)(((w >> 30 & 1) ? (uint64_t)in[rn] - k : (uint64_t)in[rn] + k) & m);
	} else {
		clob = a64_writes(w);
		for (; clob; clob &= clob - 1)
			out[__builtin_ctz(clob)] = V_UNK;
		return;
	}
	if (rd < 31)
		out[rd] = v == V_NONE ? V_UNK : v;
}

static int merge(int64_t *dst, const int64_t *src)
{
	int changed = 0;

	for (int r = 0; r < 31; r++) {
		int64_t v = dst[r] == V_NONE ? src[r] : dst[r] == src[r] ? dst[r] : V_UNK;

		if (v != dst[r]) {
			dst[r] = v;
			changed = 1;
		}
	}
	return changed;
}

static void cp_run(struct a64_cp *f, const unsigned char *code)
{
	size_t n = f->n, *work, n_work = 0;

	f->in = xmalloc((n + 1) * sizeof(*f->in));
	for (size_t i = 0; i < n; i++)
		for (int r = 0; r < 31; r++)
			f->in[i][r] = V_NONE;
	work = xmalloc((4 * n + 1) * sizeof(*work));
	if (n) {
		for (int r = 0; r < 31; r++)
			f->in[0][r] = V_UNK;
		work[n_work++] = 0;
	}
	/* Bounded: a state only falls (none, constant, unknown). Code no
	 * path reaches (after a b or br: a jump table's target) starts with
	 * every register unknown once the rest is done. */
	for (size_t steps = 0, seed = 1; steps < 64 * (n + 1); steps++) {
		int64_t out[31];
		uint64_t target;
		uint32_t w;
		size_t i;
		int fall;

		if (!n_work) {
			for (; seed < n; seed++) {
				flow(a64_word(code + 4 * (seed - 1)), f->lo + 4 * (seed - 1), &fall, &target);
				if (f->in[seed][0] == V_NONE && !fall)
					break;
			}
			if (seed >= n)
				break;
			for (int r = 0; r < 31; r++)
				f->in[seed][r] = V_UNK;
			work[n_work++] = seed;
		}
		i = work[--n_work];
		w = a64_word(code + 4 * i);
		transfer(w, f->in[i], out);
		flow(w, f->lo + 4 * i, &fall, &target);
		if (fall && i + 1 < n && merge(f->in[i + 1], out) && n_work < 4 * n)
			work[n_work++] = i + 1;
		if (target >= f->lo && target < f->lo + 4 * n && !(target & 3) &&
		    merge(f->in[(target - f->lo) / 4], out) && n_work < 4 * n)
			work[n_work++] = (target - f->lo) / 4;
	}
	free(work);
}

int32_t a64_cp_value(struct a64_cp *f, const unsigned char *code, uint64_t lo, uint64_t hi, uint64_t addr,
		     int reg, int32_t max)
{
	int64_t v;

	if (f->lo != lo || f->hi != hi || !f->in) {
		a64_cp_release(f);
		f->lo = lo;
		f->hi = hi;
		f->n = hi > lo ? (hi - lo) / 4 : 0;
		f->failed = !code || lo & 3 || f->n > CP_MAX_INSNS;
		if (f->failed)
			f->n = 0;
		cp_run(f, code);
	}
	if (f->failed || reg < 0 || reg > 30 || addr < lo || addr >= lo + 4 * f->n || (addr - lo) & 3)
		return -1;
	v = f->in[(addr - lo) / 4][reg];
	return v >= 0 && v < max ? (int32_t)v : -1;
}
