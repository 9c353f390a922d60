/*
 * The fiber context switch for AArch64 (AAPCS64), the twin of
 * switch_x86_64.S.
 *
 * Only what the ABI says a callee must preserve is saved: x19-x28, the
 * frame pointer x29, the link register x30 (where we return to), the low
 * halves d8-d15 of v8-v15, and FPCR (rounding mode and trap enables; FPSR
 * holds only sticky flags, which follow the thread). The saved context is
 * the stack itself, 176 bytes keeping sp 16-byte aligned as AArch64
 * requires; a fiber is its stack pointer.
 *
 * void pk_ctx_switch(void **save_sp, void *load_sp)
 */
	.text
	.globl	pk_ctx_switch
	.hidden	pk_ctx_switch
	.type	pk_ctx_switch, %function
	.p2align 4
pk_ctx_switch:
	.cfi_startproc
	sub	sp, sp, #176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]
	mov	x10, sp
	str	x10, [x0]
	mov	sp, x1
	ldr	x9, [sp, #160]
	msr	fpcr, x9
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #176
	ret
	.cfi_endproc
	.size	pk_ctx_switch, .-pk_ctx_switch

/*
 * void *pk_ctx_init(void *top, void (*fn)(void *), void *arg)
 *
 * Builds below @top the frame pk_ctx_switch pops, so that the first switch
 * to the returned stack pointer calls fn(arg) through pk_ctx_entry, with
 * the caller's FPCR. fn must not return.
 */
	.globl	pk_ctx_init
	.hidden	pk_ctx_init
	.type	pk_ctx_init, %function
	.p2align 4
pk_ctx_init:
	.cfi_startproc
	and	x9, x0, #0xfffffffffffffff0
	sub	x9, x9, #176
	stp	x1, x2, [x9, #0]		/* x19 = fn, x20 = arg */
	stp	xzr, xzr, [x9, #16]
	stp	xzr, xzr, [x9, #32]
	stp	xzr, xzr, [x9, #48]
	stp	xzr, xzr, [x9, #64]
	adr	x10, pk_ctx_entry
	stp	xzr, x10, [x9, #80]		/* x29 = 0, x30 = pk_ctx_entry */
	stp	xzr, xzr, [x9, #96]
	stp	xzr, xzr, [x9, #112]
	stp	xzr, xzr, [x9, #128]
	stp	xzr, xzr, [x9, #144]
	mrs	x10, fpcr
	stp	x10, xzr, [x9, #160]
	mov	x0, x9
	ret
	.cfi_endproc
	.size	pk_ctx_init, .-pk_ctx_init

/* First return target of a new fiber: x19 holds the C entry point, x20 its argument. */
	.globl	pk_ctx_entry
	.hidden	pk_ctx_entry
	.type	pk_ctx_entry, %function
	.p2align 4
pk_ctx_entry:
	.cfi_startproc
	.cfi_undefined x30
	mov	x29, #0
	mov	x0, x20
	blr	x19
	brk	#0
	.cfi_endproc
	.size	pk_ctx_entry, .-pk_ctx_entry

	.section .note.GNU-stack,"",%progbits
