/*
 * The fiber context switch for x86-64 System V.
 *
 * Only what the ABI says a callee must preserve is saved: rbx, rbp, r12-r15,
 * the MXCSR control bits and the x87 control word. Everything else is
 * caller-saved, so the compiler has already spilled it around the call.
 * The saved context is the stack itself; a fiber is its stack pointer.
 *
 * void pk_ctx_switch(void **save_sp, void *load_sp)
 */
	.text
	.globl	pk_ctx_switch
	.hidden	pk_ctx_switch
	.type	pk_ctx_switch, @function
	.p2align 4
pk_ctx_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	pk_ctx_switch, .-pk_ctx_switch

/*
 * First return target of a new fiber: r12 holds the fiber, r13 the C entry
 * point, set up by pk_fiber_alloc(). The ret that lands here leaves rsp
 * 16-byte aligned, as a call requires. The entry never returns.
 */
	.globl	pk_ctx_entry
	.hidden	pk_ctx_entry
	.type	pk_ctx_entry, @function
	.p2align 4
pk_ctx_entry:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r12, %rdi
	call	*%r13
	ud2
	.cfi_endproc
	.size	pk_ctx_entry, .-pk_ctx_entry

	.section .note.GNU-stack,"",@progbits
