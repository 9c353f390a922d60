/*
 * AArch64 (A64) for the system call analysis (issue 17): what
 * sys_analyze.c's sweep and constant propagation ask of an instruction,
 * read by bit masks (sys_arm64.c). A64 instructions are 4 bytes, aligned,
 * little-endian whatever the data's order.
 */
#ifndef ANALYZER_SYS_ARM64_H
#define ANALYZER_SYS_ARM64_H

#include <stddef.h>
#include <stdint.h>

/* The kinds of instruction the sweep tells apart. */
enum a64_kind {
	A64_OTHER,
	A64_NOP,	/* nop: padding between functions */
	A64_SVC,	/* svc #0: enters the kernel, number in x8 */
	A64_CALL,	/* bl: target */
	A64_JMP,	/* b: target; does not fall through */
	A64_COND,	/* b.cond, cbz/cbnz, tbz/tbnz: target; falls through */
	A64_CALLR,	/* blr (and its pointer-authenticated forms) */
	A64_JMPR,	/* br (...): does not fall through */
	A64_TABLE,	/* br through a jump table's computed address: stays in its function */
	A64_RET,	/* ret, eret: does not fall through */
	A64_TRAP,	/* brk, hlt, udf: does not fall through */
	A64_ADDR,	/* adr, or an add to an address adrp made: target */
};

/*
 * What the sweep knows of each register since the last barrier: an
 * address it holds (adr, adrp, adrp + add), the word of memory it was
 * loaded from at a known address (ldr after adrp: a GOT slot), or that it
 * holds a jump table's computed target. Whatever else writes a register
 * forgets it (a64_writes()).
 */
struct a64_regs {
	uint64_t val[32];
	uint64_t at[32];	/* where it was set */
	uint8_t kind[32];
};

struct a64_insn {
	uint8_t kind;		/* enum a64_kind */
	/* A64_CALL, A64_JMP, A64_COND: the target; A64_ADDR: the address;
	 * A64_CALLR, A64_JMPR: the slot the register was loaded from, 0 when
	 * not known. */
	uint64_t target;
};

void a64_regs_reset(struct a64_regs *r);
/* Reads instruction w at addr into *d, updating *r. */
void a64_decode(uint32_t w, uint64_t addr, struct a64_regs *r, struct a64_insn *d);
/* The general registers (bit n: xn, n < 31) w may write, a superset. */
uint32_t a64_writes(uint32_t w);
/* Little-endian word at p. */
static inline uint32_t a64_word(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The slot a PLT entry at addr (p: its bytes, n of them) jumps through:
 * adrp xN, page; ldr xM, [xN, #off] (then add and br, which are not
 * read), or 0 when p holds no such pair.
 */
uint64_t a64_plt_slot(const unsigned char *p, size_t n, uint64_t addr);

/*
 * Constant propagation over one function's code, [lo, hi) at code: each
 * register's value is a constant or unknown, propagated along fallthrough
 * and direct branches inside the function and merged where paths meet
 * (equal constants stay, others become unknown). movz, movn, movk, mov
 * between registers (orr with the zero register) and add/sub of an
 * immediate to a constant make constants; a call makes x0-x18 and x30
 * unknown, svc x0, any other write its registers (a64_writes()). A
 * struct a64_cp caches the last function run; release it with
 * a64_cp_release().
 */
struct a64_cp {
	uint64_t lo, hi;
	size_t n;
	int64_t (*in)[31];	/* the state before each instruction */
	int failed;
};
void a64_cp_release(struct a64_cp *f);
/* The constant in register reg (0-30) before the instruction at addr, when
 * it lies in [0, max), else -1. */
int32_t a64_cp_value(struct a64_cp *f, const unsigned char *code, uint64_t lo, uint64_t hi, uint64_t addr,
		     int reg, int32_t max);

#endif
