/*
 * An x86 instruction length decoder, what the call graph needs of each
 * instruction and no more (sys_x86.c).
 */
#ifndef ANALYZER_SYS_X86_H
#define ANALYZER_SYS_X86_H

#include <stddef.h>
#include <stdint.h>

#define XD_NONE 0xff	/* no base or index register */

/* Registers are numbered 0-15: rax rcx rdx rbx rsp rbp rsi rdi r8-r15. */
struct xd_insn {
	uint8_t len;
	uint8_t map;		/* 0: one-byte opcodes, 1: 0f, 2: 0f38, 3: 0f3a; VEX/EVEX: theirs; XOP: 0x28-0x2a */
	uint8_t op;
	uint8_t vex;
	uint8_t rex;		/* W R X B as in REX (from VEX/EVEX too) */
	uint8_t p66, p67, rep, seg;	/* seg: the last segment prefix byte, 0 when none */
	uint8_t mod, reg, rm;	/* mod 3 also when there is no ModRM */
	uint8_t has_sib, scale, index, base;
	uint8_t rip_rel;
	uint8_t disp_off, disp_size, imm_off, imm_size;	/* where in the instruction */
};

/* Builds the opcode tables; call once before xd_decode() (thread-safe). */
void xd_init(void);

/*
 * Decodes the instruction at p (n bytes available) in 64-bit mode or not.
 * Returns its length, or 0 when the bytes are no valid instruction (or
 * run past n).
 */
int xd_decode(const uint8_t *p, size_t n, int mode64, struct xd_insn *d);
/* The displacement and the immediate of the instruction d at p. */
int64_t xd_disp(const uint8_t *p, const struct xd_insn *d);
int64_t xd_imm(const uint8_t *p, const struct xd_insn *d);

#endif
