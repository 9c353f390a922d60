/*
 * An x86 instruction length decoder for the system call footprint (issue
 * 17): prefixes, REX, VEX, EVEX and XOP, the opcode maps, ModRM, SIB,
 * displacement and immediate, and nothing else; no mnemonics, no operand
 * lists. It exists for speed: capstone with operand details decodes 4 to
 * 5 MB of code a second on these machines (libc's 1.8 MB of code took
 * 0.4 s), ten times slower than xz hands a scan its bytes, while the call
 * graph needs only each instruction's length and, for a few kinds (calls,
 * jumps, returns, lea, syscall), a target. capstone still decodes, with
 * details, the few functions that hold a syscall site, to find the number
 * (sys_analyze.c). Displacements and immediates are located, not read:
 * the few instructions that need them read them (xd_disp(), xd_imm()).
 *
 * The tables follow the Intel SDM's opcode maps (volume 2, appendix A).
 */
#include "analyzer/sys_x86.h"

#include <pthread.h>
#include <string.h>

/* Per one-byte opcode: what follows it. */
enum {
	F_MODRM = 1,
	F_IMM8 = 2,
	F_IMMZ = 4,	/* 16 or 32 bits by operand size */
	F_IMM16 = 8,
	F_SPECIAL = 16,	/* b8-bf, a0-a3, c8, 9a, ea, f6, f7: see imm_special() */
	F_PREFIX = 32,
	F_BAD64 = 64,	/* invalid in 64-bit mode */
};

static uint8_t op0[256], op1[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void set(uint8_t *t, int lo, int hi, uint8_t f)
{
	for (int i = lo; i <= hi; i++)
		t[i] |= f;
}

static void init_tables(void)
{
	for (int b = 0; b < 0x40; b += 8) {
		set(op0, b, b + 3, F_MODRM);
		op0[b + 4] |= F_IMM8;
		op0[b + 5] |= F_IMMZ;
	}
	set(op0, 0x62, 0x63, F_MODRM);
	op0[0x69] |= F_MODRM | F_IMMZ;
	op0[0x6b] |= F_MODRM | F_IMM8;
	op0[0x68] |= F_IMMZ;
	op0[0x6a] |= F_IMM8;
	set(op0, 0x70, 0x7f, F_IMM8);
	set(op0, 0x80, 0x8f, F_MODRM);
	op0[0x80] |= F_IMM8;
	op0[0x81] |= F_IMMZ;
	op0[0x82] |= F_IMM8;
	op0[0x83] |= F_IMM8;
	set(op0, 0xa0, 0xa3, F_SPECIAL);
	op0[0xa8] |= F_IMM8;
	op0[0xa9] |= F_IMMZ;
	set(op0, 0xb0, 0xb7, F_IMM8);
	set(op0, 0xb8, 0xbf, F_SPECIAL);
	op0[0xc0] |= F_MODRM | F_IMM8;
	op0[0xc1] |= F_MODRM | F_IMM8;
	op0[0xc2] |= F_IMM16;
	set(op0, 0xc4, 0xc5, F_MODRM);
	op0[0xc6] |= F_MODRM | F_IMM8;
	op0[0xc7] |= F_MODRM | F_IMMZ;
	op0[0xc8] |= F_SPECIAL;
	op0[0xca] |= F_IMM16;
	op0[0xcd] |= F_IMM8;
	set(op0, 0xd0, 0xd3, F_MODRM);
	op0[0xd4] |= F_IMM8;
	op0[0xd5] |= F_IMM8;
	set(op0, 0xd8, 0xdf, F_MODRM);
	set(op0, 0xe0, 0xe7, F_IMM8);
	op0[0xe8] |= F_IMMZ;
	op0[0xe9] |= F_IMMZ;
	op0[0x9a] |= F_SPECIAL;
	op0[0xea] |= F_SPECIAL;
	op0[0xeb] |= F_IMM8;
	op0[0xf6] |= F_MODRM | F_SPECIAL;
	op0[0xf7] |= F_MODRM | F_SPECIAL;
	set(op0, 0xfe, 0xff, F_MODRM);
	for (int b = 0x26; b <= 0x3e; b += 8)
		op0[b] |= F_PREFIX;
	op0[0x64] |= F_PREFIX;
	op0[0x65] |= F_PREFIX;
	op0[0x66] |= F_PREFIX;
	op0[0x67] |= F_PREFIX;
	op0[0xf0] |= F_PREFIX;
	op0[0xf2] |= F_PREFIX;
	op0[0xf3] |= F_PREFIX;
	{
		static const uint8_t bad[] = { 0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f,
					       0x60, 0x61, 0xce, 0xd4, 0xd5, 0xd6, 0x9a, 0xea };

		for (size_t i = 0; i < sizeof(bad); i++)
			op0[bad[i]] |= F_BAD64;
	}

	set(op1, 0x00, 0xff, F_MODRM);
	{
		static const uint8_t none[] = { 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0e, 0x30, 0x31, 0x32, 0x33,
						0x34, 0x35, 0x37, 0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa };

		for (size_t i = 0; i < sizeof(none); i++)
			op1[none[i]] &= ~F_MODRM;
	}
	for (int b = 0x80; b <= 0x8f; b++)
		op1[b] = F_IMMZ;
	for (int b = 0xc8; b <= 0xcf; b++)
		op1[b] = 0;
	{
		static const uint8_t imm8[] = { 0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6, 0x0f };

		for (size_t i = 0; i < sizeof(imm8); i++)
			op1[imm8[i]] |= F_IMM8;
	}
}

void xd_init(void)
{
	pthread_once(&tables_once, init_tables);
}

static int64_t sx(const uint8_t *p, int n)
{
	switch (n) {
	case 1: return (int8_t)p[0];
	case 2: { int16_t v; memcpy(&v, p, 2); return v; }
	case 4: { int32_t v; memcpy(&v, p, 4); return v; }
	case 8: { int64_t v; memcpy(&v, p, 8); return v; }
	}
	return 0;
}

int64_t xd_disp(const uint8_t *p, const struct xd_insn *d)
{
	return sx(p + d->disp_off, d->disp_size);
}

int64_t xd_imm(const uint8_t *p, const struct xd_insn *d)
{
	return sx(p + d->imm_off, d->imm_size);
}

/* ModRM, SIB and displacement at p[i], at most max; returns the index
 * after them, or 0. */
static inline size_t modrm(const uint8_t *p, size_t i, size_t max, struct xd_insn *d, int mode64, int addr16)
{
	uint8_t m, rmb;

	if (i >= max)
		return 0;
	m = p[i++];
	d->mod = m >> 6;
	d->reg = (m >> 3 & 7) | (d->rex & 4 ? 8 : 0);
	rmb = m & 7;
	d->rm = rmb | (d->rex & 1 ? 8 : 0);
	if (d->mod == 3)
		return i;
	if (addr16) {
		d->disp_size = d->mod == 1 ? 1 : (d->mod == 2 || (d->mod == 0 && rmb == 6)) ? 2 : 0;
		d->base = d->rm;
	} else if (rmb == 4) {
		uint8_t sib;

		if (i >= max)
			return 0;
		sib = p[i++];
		d->has_sib = 1;
		d->scale = 1 << (sib >> 6);
		d->index = (sib >> 3 & 7) | (d->rex & 2 ? 8 : 0);
		if (d->index == 4)
			d->index = XD_NONE;
		if (d->mod == 0 && (sib & 7) == 5) {
			d->base = XD_NONE;
			d->disp_size = 4;
		} else {
			d->base = (sib & 7) | (d->rex & 1 ? 8 : 0);
		}
	} else if (d->mod == 0 && rmb == 5) {
		d->disp_size = 4;
		d->rip_rel = mode64;
		d->base = XD_NONE;
	} else {
		d->base = d->rm;
	}
	if (d->mod == 1)
		d->disp_size = 1;
	else if (d->mod == 2)
		d->disp_size = 4;
	d->disp_off = i;
	i += d->disp_size;
	return i <= max ? i : 0;
}

/* VEX, EVEX, XOP: from the prefix byte at p[i]. */
static int vex(const uint8_t *p, size_t i, size_t max, int mode64, struct xd_insn *d)
{
	uint8_t b = p[i];
	int imm = 0;

	if (b == 0xc5) {
		if (i + 2 >= max)
			return 0;
		d->rex = p[i + 1] & 0x80 ? 0 : 4;
		d->map = 1;
		i += 2;
	} else {
		size_t k = b == 0x62 ? 4 : 3;

		if (i + k >= max)
			return 0;
		d->rex = (p[i + 1] & 0x80 ? 0 : 4) | (p[i + 1] & 0x40 ? 0 : 2) | (p[i + 1] & 0x20 ? 0 : 1) |
			 (p[i + 2] & 0x80 ? 8 : 0);
		d->map = b == 0x62 ? (p[i + 1] & 7) : (p[i + 1] & 0x1f) + (b == 0x8f ? 0x20 : 0);
		i += k;
	}
	if (!mode64)
		d->rex = 0;
	d->vex = 1;
	d->op = p[i++];
	/* vzeroupper and vzeroall are the only ones without ModRM. */
	if (!(d->map == 1 && d->op == 0x77) && !(i = modrm(p, i, max, d, mode64, 0)))
		return 0;
	if (d->map == 3 || d->map == 0x28 ||
	    (d->map == 1 && ((d->op >= 0x70 && d->op <= 0x73) || d->op == 0xc2 || (d->op >= 0xc4 && d->op <= 0xc6))))
		imm = 1;
	else if (d->map == 0x2a)
		imm = 4;
	d->imm_off = i;
	d->imm_size = imm;
	if (i + imm > max)
		return 0;
	return d->len = i + imm;
}

int xd_decode(const uint8_t *p, size_t n, int mode64, struct xd_insn *d)
{
	size_t i = 0, max = n < 15 ? n : 15;
	int z, imm = 0;
	uint8_t f, op;

	d->map = d->vex = d->rex = d->p66 = d->p67 = d->rep = d->seg = 0;
	d->mod = 3;
	d->has_sib = d->rip_rel = d->disp_size = d->imm_size = 0;
	d->index = d->base = XD_NONE;
	while (i < max && op0[p[i]] & F_PREFIX) {
		switch (p[i]) {
		case 0x66: d->p66 = 1; break;
		case 0x67: d->p67 = 1; break;
		case 0xf0: break;
		case 0xf2: case 0xf3: d->rep = p[i]; break;
		default: d->seg = p[i]; break;
		}
		i++;
	}
	if (i >= max)
		return 0;
	if (mode64 && (p[i] & 0xf0) == 0x40) {
		d->rex = p[i++];
		if (i >= max)
			return 0;
	}
	op = p[i];
	/* VEX, EVEX and XOP: in 32-bit code only when the next byte could
	 * not be a ModRM of les, lds, bound or pop (mod 3). */
	if ((op == 0xc4 || op == 0xc5 || op == 0x62 || op == 0x8f) && i + 1 < max &&
	    (mode64 || (p[i + 1] & 0xc0) == 0xc0) && !(op == 0x8f && (p[i + 1] & 0x1f) < 8))
		return vex(p, i, max, mode64, d);
	z = d->p66 ? 2 : 4;
	if (op == 0x0f) {
		if (++i >= max)
			return 0;
		if (p[i] == 0x38 || p[i] == 0x3a) {
			d->map = p[i] == 0x38 ? 2 : 3;
			if (++i >= max)
				return 0;
			d->op = p[i++];
			if (!(i = modrm(p, i, max, d, mode64, !mode64 && d->p67)))
				return 0;
			imm = d->map == 3;
		} else {
			d->map = 1;
			d->op = p[i++];
			f = op1[d->op];
			if (f & F_MODRM && !(i = modrm(p, i, max, d, mode64, !mode64 && d->p67)))
				return 0;
			imm = f & F_IMM8 ? 1 : f & F_IMMZ ? (mode64 ? 4 : z) : 0;
		}
	} else {
		d->op = op;
		f = op0[op];
		i++;
		if (mode64 && f & F_BAD64)
			return 0;
		if (f & F_MODRM && !(i = modrm(p, i, max, d, mode64, !mode64 && d->p67)))
			return 0;
		if (f & F_IMM8)
			imm = 1;
		else if (f & F_IMMZ)
			/* In 64-bit code near branches and push imm take 32
			 * bits whatever 66 says. */
			imm = mode64 && (op == 0xe8 || op == 0xe9 || op == 0x68) ? 4 : z;
		else if (f & F_IMM16)
			imm = 2;
		else if (f & F_SPECIAL) {
			if (op >= 0xb8 && op <= 0xbf)
				imm = d->rex & 8 ? 8 : z;
			else if (op >= 0xa0 && op <= 0xa3)
				imm = mode64 ? (d->p67 ? 4 : 8) : (d->p67 ? 2 : 4);
			else if (op == 0xc8)
				imm = 3;
			else if (op == 0x9a || op == 0xea)
				imm = z + 2;
			else if (op == 0xf6)
				imm = (d->reg & 7) < 2 ? 1 : 0;
			else if (op == 0xf7)
				imm = (d->reg & 7) < 2 ? z : 0;
		}
	}
	d->imm_off = i;
	d->imm_size = imm;
	if (i + imm > max)
		return 0;
	return d->len = i + imm;
}
