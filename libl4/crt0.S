/* SPDX-License-Identifier: BSD-2-Clause */
/* Program entry: RDI = boot information (or 0), RSP = 16-byte aligned stack. */
	.section .text.start, "ax"
	.global _start
_start:
	xorl %ebp, %ebp
	call l4_start
	ud2

/*
 * Threads started by l4_thread_start_in begin here with RSP pointing at
 * { fn, arg }, 16-byte aligned; the TLS base is already set.
 */
	.text
	.global l4_thread_entry
l4_thread_entry:
	popq %rax
	popq %rdi
	xorl %ebp, %ebp
	call *%rax
	movq %rax, %rdi
	call l4_thread_exit
	ud2
