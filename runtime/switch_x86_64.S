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
 * void *pk_ctx_init(void *top, void (*fn)(void *), void *arg)
 *
 * Builds below @top the frame pk_ctx_switch pops (control words, r15, r14,
 * r13 = fn, r12 = arg, rbx, rbp, return address), so that the first switch
 * to the returned stack pointer calls fn(arg) through pk_ctx_entry, with
 * the caller's MXCSR and x87 control word. fn must not return.
 */
	.globl	pk_ctx_init
	.hidden	pk_ctx_init
	.type	pk_ctx_init, @function
	.p2align 4
pk_ctx_init:
	.cfi_startproc
	andq	$-16, %rdi
	leaq	-64(%rdi), %rax
	movq	$0, (%rax)
	stmxcsr	(%rax)
	fnstcw	4(%rax)
	movq	$0, 8(%rax)
	movq	$0, 16(%rax)
	movq	%rsi, 24(%rax)
	movq	%rdx, 32(%rax)
	movq	$0, 40(%rax)
	movq	$0, 48(%rax)
	leaq	pk_ctx_entry(%rip), %rcx
	movq	%rcx, 56(%rax)
	ret
	.cfi_endproc
	.size	pk_ctx_init, .-pk_ctx_init

/*
 * First return target of a new fiber: r12 holds the argument, r13 the C
 * entry point (pk_ctx_init). The ret that lands here leaves rsp 16-byte
 * aligned, as a call requires. The entry never returns.
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
