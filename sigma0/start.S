/* SPDX-License-Identifier: BSD-2-Clause */
/* sigma0's entry: RDI = boot information, RSP = stack top (include/l4/boot.h). */
	.section .text.start, "ax"
	.global _start
_start:
	xorl %ebp, %ebp
	movabsq $sigma0_main, %rax
	call *%rax
	ud2
