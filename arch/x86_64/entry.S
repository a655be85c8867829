/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt and exception entry. One 16-byte stub per vector pushes a
 * zero error code where the CPU pushes none, then the vector, so that
 * trap_common always sees the same frame (struct trap_frame in trap.h).
 * idt_init computes stub addresses as trap_stubs + 16 * vector.
 */
	.text

/* Vectors for which the CPU pushes an error code (SDM vol. 3, table 6-1). */
.macro TRAP_STUB v
	.balign 16
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
.endm

	.balign 16
	.global trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	TRAP_STUB vec
	.set vec, vec + 1
	.endr

/* The stack is 16-byte aligned here: CPU frame (5) + error + vector + 15 registers = 22 words. */
trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq
