/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot2 entry. GRUB enters _start in 32-bit protected mode, paging off,
 * EAX = magic, EBX = physical address of the boot information. This file
 * does only what C cannot: build the early page tables, enter long mode
 * and jump to the higher half. The early tables map the first 4 GiB three
 * times with 2 MiB pages: identity (to survive turning paging on), the
 * direct map at DIRECT_MAP_BASE, and the kernel at KERNEL_VIRT_BASE.
 * paging_init replaces them all.
 */
#include "layout.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386    0
#define MB2_HEADER_LEN   (mb2_header_end - mb2_header)

#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80           /* 2 MiB page in a page directory */
#define CR0_PE  (1 << 0)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define CPUID_EXT_LM (1 << 29) /* CPUID 0x80000001 EDX: long mode */
#define COM1 0x3f8

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long MB2_HEADER_LEN
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + MB2_HEADER_LEN)
	.word 0, 0             /* end tag: type 0, flags 0, size 8 */
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.global _start
_start:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %eax, boot_magic
	movl %ebx, boot_info

	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_EXT_LM, %edx
	jz no_long_mode

	/* 2048 page-directory entries of 2 MiB: physical 0 to 4 GiB. */
	movl $boot_pd, %edi
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	xorl %ecx, %ecx
1:	movl %eax, (%edi, %ecx, 8)
	movl $0, 4(%edi, %ecx, 8)
	addl $0x200000, %eax
	incl %ecx
	cmpl $2048, %ecx
	jb 1b

	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $8, $boot_long_mode

	/* No long mode: say so on COM1 (as GRUB left it) and stop. */
no_long_mode:
	movl $no_lm_msg, %esi
2:	movb (%esi), %al
	testb %al, %al
	jz 3f
	movw $COM1, %dx
	outb %al, %dx
	incl %esi
	jmp 2b
3:	hlt
	jmp 3b

	.code64
boot_long_mode:
	movl $0x10, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movabsq $(cpu_stacks + STACK_GUARD + KSTACK_SIZE), %rsp   /* CPU 0's kernel stack */
	movabsq $kernel_entry64, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 4096
boot_pml4:
	.quad boot_pdpt_low + PTE_P + PTE_W     /* identity */
	.fill 255, 8, 0
	.quad boot_pdpt_low + PTE_P + PTE_W     /* DIRECT_MAP_BASE */
	.fill 254, 8, 0
	.quad boot_pdpt_high + PTE_P + PTE_W    /* KERNEL_VIRT_BASE */
boot_pdpt_low:
	.quad boot_pd + 0x0000 + PTE_P + PTE_W
	.quad boot_pd + 0x1000 + PTE_P + PTE_W
	.quad boot_pd + 0x2000 + PTE_P + PTE_W
	.quad boot_pd + 0x3000 + PTE_P + PTE_W
	.fill 508, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad boot_pd + PTE_P + PTE_W           /* 0xffffffff80000000: first GiB */
	.quad 0
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff                /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff                /* 0x10: data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
boot_magic:
	.long 0
boot_info:
	.long 0
no_lm_msg:
	.asciz "l4: this CPU has no long mode (x86-64); stopping\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pd:
	.skip 4 * 4096
boot_stack:
	.skip 1024
boot_stack_top:

	/* Higher half from here on. */
	.section .text.entry, "ax"
	.code64
kernel_entry64:
	xorl %ebp, %ebp
	movl boot_magic, %edi
	movl boot_info, %esi
	call kmain
	ud2

