/*
 * An x86 instruction length decoder for the system call footprint (issue
 * 17): prefixes, REX, VEX, EVEX and XOP, the opcode maps, ModRM, SIB,
 * displacement and immediate, and nothing else; no mnemonics, no operand
 * lists. It exists for speed: capstone with operand details decodes 4 to
 * 5 MB of code a second on these machines (libc's 1.8 MB of code took
 * 0.4 s), ten times slower than xz hands a scan its bytes, while the
 * call graph needs only each instruction's length and, for a few kinds
 * (calls, jumps, returns, lea, syscall), its target. capstone still
 * decodes, with details, the few functions that hold a syscall site, to
 * find the number (sys_analyze.c).
 *
 * The tables follow the Intel SDM's opcode maps (volume 2, appendix A).
 */
#include "analyzer/sys_x86.h"

#include <string.h>

/* One-byte opcodes with a ModRM byte. */
static const uint8_t modrm0[256 / 8] = {
	/* 00-3f: the ALU groups, xx0-xx3 of each 8 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
	/* 40-7f: 62 63 69 6b */
	0x00, 0x00, 0x00, 0x00, 0x0c, 0x0a, 0x00, 0x00,
	/* 80-bf: 80-8f */
	0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* c0-ff: c0 c1 c4 c5 c6 c7, d0-d3, d8-df, f6 f7, fe ff */
	0xf3, 0x00, 0x0f, 0xff, 0x00, 0x00, 0xc0, 0xc0,
};

/* Two-byte (0f xx) opcodes without a ModRM byte. */
static int no_modrm1(uint8_t op)
{
	switch (op) {
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0b: case 0x0e:
	case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x37:
	case 0x77: case 0xa0: case 0xa1: case 0xa2: case 0xa8: case 0xa9: case 0xaa:
		return 1;
	}
	return (op >= 0x80 && op <= 0x8f) || (op >= 0xc8 && op <= 0xcf);
}

static int bit(const uint8_t *t, uint8_t op)
{
	return t[op / 8] >> (op % 8) & 1;
}

/* The immediate's size of a one-byte opcode; z: 2 or 4 by operand size. */
static int imm0(uint8_t op, int z, int mode64, int rexw, int p67, uint8_t reg)
{
	if (op < 0x40 && (op & 7) == 4)
		return 1;
	if (op < 0x40 && (op & 7) == 5)
		return z;
	if (op >= 0x70 && op <= 0x7f)
		return 1;
	if (op >= 0xb0 && op <= 0xb7)
		return 1;
	if (op >= 0xb8 && op <= 0xbf)
		return rexw ? 8 : z;
	if (op >= 0xe0 && op <= 0xe7)
		return 1;
	switch (op) {
	case 0x6a: case 0x6b: case 0x80: case 0x82: case 0x83: case 0xa8: case 0xc0: case 0xc1:
	case 0xc6: case 0xcd: case 0xd4: case 0xd5: case 0xeb:
		return 1;
	case 0x68: case 0x69: case 0x81: case 0xa9: case 0xc7: case 0xe8: case 0xe9:
		return z;
	case 0xc2: case 0xca:
		return 2;
	case 0xc8:
		return 3;
	case 0x9a: case 0xea:
		return mode64 ? -1 : z + 2;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return mode64 ? (p67 ? 4 : 8) : (p67 ? 2 : 4);
	case 0xf6:
		return reg < 2 ? 1 : 0;
	case 0xf7:
		return reg < 2 ? z : 0;
	}
	return 0;
}

static int imm1(uint8_t op, int z)
{
	if (op >= 0x80 && op <= 0x8f)
		return z;
	switch (op) {
	case 0x70: case 0x71: case 0x72: case 0x73: case 0xa4: case 0xac: case 0xba:
	case 0xc2: case 0xc4: case 0xc5: case 0xc6: case 0x0f:
		return 1;
	}
	return 0;
}

static int64_t sx(const uint8_t *p, int n)
{
	switch (n) {
	case 1: return (int8_t)p[0];
	case 2: return (int16_t)(p[0] | p[1] << 8);
	case 4: return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
	case 8: {
		uint64_t v = 0;

		for (int i = 7; i >= 0; i--)
			v = v << 8 | p[i];
		return (int64_t)v;
	}
	}
	return 0;
}

/* ModRM, SIB and displacement from p (at most n bytes); returns the bytes
 * used, or -1. */
static int modrm(const uint8_t *p, size_t n, struct xd_insn *d, int mode64, int addr16)
{
	size_t k = 1;
	uint8_t m;

	if (n < 1)
		return -1;
	m = p[0];
	d->has_modrm = 1;
	d->mod = m >> 6;
	d->reg = (m >> 3 & 7) | (d->rex & 4 ? 8 : 0);
	d->rm = (m & 7) | (d->rex & 1 ? 8 : 0);
	if (d->mod == 3)
		return 1;
	if (addr16) {
		if (d->mod == 0 && (m & 7) == 6)
			d->disp_size = 2;
		else if (d->mod == 1)
			d->disp_size = 1;
		else if (d->mod == 2)
			d->disp_size = 2;
	} else {
		if ((m & 7) == 4) {
			if (n < 2)
				return -1;
			d->has_sib = 1;
			d->scale = 1 << (p[1] >> 6);
			d->index = (p[1] >> 3 & 7) | (d->rex & 2 ? 8 : 0);
			d->base = (p[1] & 7) | (d->rex & 1 ? 8 : 0);
			k = 2;
			if (d->mod == 0 && (p[1] & 7) == 5) {
				d->disp_size = 4;
				d->base = XD_NONE;
			}
			if (d->index == 4)
				d->index = XD_NONE;
		} else if (d->mod == 0 && (m & 7) == 5) {
			d->disp_size = 4;
			d->rip_rel = mode64;
			d->base = XD_NONE;
		}
		if (d->mod == 1)
			d->disp_size = 1;
		else if (d->mod == 2)
			d->disp_size = 4;
		if (!d->has_sib && !(d->mod == 0 && (m & 7) == 5))
			d->base = d->rm;
	}
	if (n < k + d->disp_size)
		return -1;
	d->disp = sx(p + k, d->disp_size);
	return k + d->disp_size;
}

int xd_decode(const uint8_t *p, size_t n, int mode64, struct xd_insn *d)
{
	size_t i = 0, max = n < 15 ? n : 15;
	int z, vex = 0, rexw = 0, m, imm;

	memset(d, 0, sizeof(*d));
	d->index = d->base = XD_NONE;
	for (; i < max; i++) {
		switch (p[i]) {
		case 0x66: d->p66 = 1; continue;
		case 0x67: d->p67 = 1; continue;
		case 0xf0: continue;
		case 0xf2: case 0xf3: d->rep = p[i]; continue;
		case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65: d->seg = p[i]; continue;
		}
		break;
	}
	if (i >= max)
		return 0;
	if (mode64 && (p[i] & 0xf0) == 0x40) {
		d->rex = p[i++];
		rexw = d->rex & 8;
		if (i >= max)
			return 0;
	}
	/* VEX, EVEX and XOP: in 32-bit code only when the next byte could
	 * not be a ModRM of les, lds, bound or pop (mod 3). */
	if ((p[i] == 0xc4 || p[i] == 0xc5 || p[i] == 0x62 || p[i] == 0x8f) && i + 1 < max &&
	    (mode64 || (p[i + 1] & 0xc0) == 0xc0) && !(p[i] == 0x8f && (p[i + 1] & 0x1f) < 8)) {
		uint8_t b = p[i];

		if (b == 0xc5) {
			if (i + 2 >= max)
				return 0;
			d->rex = (p[i + 1] & 0x80 ? 0 : 4);
			d->map = 1;
			i += 2;
		} else if (b == 0xc4 || b == 0x8f) {
			if (i + 3 >= max)
				return 0;
			d->rex = (p[i + 1] & 0x80 ? 0 : 4) | (p[i + 1] & 0x40 ? 0 : 2) | (p[i + 1] & 0x20 ? 0 : 1) |
				 (p[i + 2] & 0x80 ? 8 : 0);
			d->map = p[i + 1] & 0x1f;
			if (b == 0x8f)
				d->map += 0x20;	/* XOP maps 8, 9, 10 */
			i += 3;
		} else {
			if (i + 4 >= max)
				return 0;
			d->rex = (p[i + 1] & 0x80 ? 0 : 4) | (p[i + 1] & 0x40 ? 0 : 2) | (p[i + 1] & 0x20 ? 0 : 1) |
				 (p[i + 2] & 0x80 ? 8 : 0);
			d->map = p[i + 1] & 0x07;
			i += 4;
		}
		vex = 1;
		d->op = p[i++];
		if (!mode64)
			d->rex = 0;
		m = modrm(p + i, max - i, d, mode64, 0);
		if (m < 0)
			return 0;
		i += m;
		imm = 0;
		if (d->map == 3 || d->map == 0x28 ||
		    (d->map == 1 && ((d->op >= 0x70 && d->op <= 0x73) || d->op == 0xc2 || (d->op >= 0xc4 && d->op <= 0xc6))))
			imm = 1;
		else if (d->map == 0x2a)
			imm = 4;
		if (i + imm > max)
			return 0;
		d->imm = sx(p + i, imm);
		d->imm_size = imm;
		d->vex = vex;
		d->len = i + imm;
		return d->len;
	}
	z = (d->p66 ? 2 : 4);
	if (p[i] == 0x0f) {
		if (++i >= max)
			return 0;
		if (p[i] == 0x38 || p[i] == 0x3a) {
			d->map = p[i] == 0x38 ? 2 : 3;
			if (++i >= max)
				return 0;
			d->op = p[i++];
			m = modrm(p + i, max - i, d, mode64, !mode64 && d->p67);
			if (m < 0)
				return 0;
			i += m;
			imm = d->map == 3 ? 1 : 0;
		} else {
			d->map = 1;
			d->op = p[i++];
			if (!no_modrm1(d->op)) {
				m = modrm(p + i, max - i, d, mode64, !mode64 && d->p67);
				if (m < 0)
					return 0;
				i += m;
			}
			imm = imm1(d->op, mode64 && d->op >= 0x80 && d->op <= 0x8f ? 4 : z);
		}
	} else {
		d->op = p[i++];
		if (bit(modrm0, d->op) && !(mode64 && (d->op == 0x62 || d->op == 0xc4 || d->op == 0xc5))) {
			m = modrm(p + i, max - i, d, mode64, !mode64 && d->p67);
			if (m < 0)
				return 0;
			i += m;
		}
		/* In 64-bit code near branches take 32 bits whatever 66 says
		 * (Intel), and push imm too. */
		imm = imm0(d->op, (mode64 && (d->op == 0xe8 || d->op == 0xe9 || d->op == 0x68)) ? 4 : z, mode64,
			   rexw, d->p67, d->reg & 7);
		if (imm < 0)
			return 0;
		if (mode64 && (d->op == 0x06 || d->op == 0x07 || d->op == 0x0e || d->op == 0x16 || d->op == 0x17 ||
			       d->op == 0x1e || d->op == 0x1f || d->op == 0x27 || d->op == 0x2f || d->op == 0x37 ||
			       d->op == 0x3f || d->op == 0x60 || d->op == 0x61 || d->op == 0xce || d->op == 0xd4 ||
			       d->op == 0xd5 || d->op == 0xd6))
			return 0;	/* invalid in 64-bit mode */
	}
	if (i + imm > max)
		return 0;
	d->imm = sx(p + i, imm);
	d->imm_size = imm;
	d->len = i + imm;
	return d->len;
}
