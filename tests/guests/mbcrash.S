/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A multiboot test guest that crashes on purpose: it says so on the UART,
 * loads an empty IDT and executes INT3, so the CPU triple-faults. The VMM
 * must stop this guest alone.
 */
#define COM1 0x3f8
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003

	.code32
	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.global _start
_start:
	movl $msg, %esi
1:	movb (%esi), %al
	testb %al, %al
	jz 2f
	movw $COM1, %dx
	outb %al, %dx
	incl %esi
	jmp 1b
2:	lidt empty_idt
	int3
	hlt

	.data
msg:	.asciz "mbcrash: about to triple-fault\n"
	.align 8
empty_idt:
	.word 0
	.long 0
