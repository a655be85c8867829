/* SPDX-License-Identifier: GPL-2.0-only */
/* Entry of the kernel test root task, and of the threads it starts. */
	.section .text.start, "ax"
	.global _start
_start:
	/* RDI = boot information, RSP = 16-byte aligned stack top. */
	xorl %ebp, %ebp
	call ktest_main
	ud2

/*
 * Threads started by ktest_thread_start begin here with RSP pointing at
 * { fn, arg, utcb } (16-byte aligned below); they call fn(arg, utcb) and
 * then ktest_thread_exit.
 */
	.global ktest_thread_entry
ktest_thread_entry:
	popq %rax
	popq %rdi
	popq %rsi
	popq %rcx               /* padding word: keeps RSP 16-byte aligned for the call */
	xorl %ebp, %ebp
	call *%rax
	movq %rax, %rdi
	call ktest_thread_exit
	ud2
