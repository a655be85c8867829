/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The application processors' way from the start-up IPI to the kernel.
 * smp.c copies this code to a page below 1 MiB (SIPI vector = its page
 * number) and fills the parameter block at its end; an AP starts here in
 * real mode at CS:IP = page:0, goes through protected mode to long mode on
 * the parameter block's page tables (the kernel's, plus an identity map
 * of the low 2 MiB for this page), and jumps to ap_entry64 in the higher
 * half on its own kernel stack. Position-independent: EBX holds the
 * page's physical address throughout.
 */
#define T(x) ((x) - trampoline_start)

#define CR0_PE  (1 << 0)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080

	.section .rodata
	.balign 16
	.global trampoline_start, trampoline_end, trampoline_params
	.code16
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movzwl %ax, %ebx
	shll $4, %ebx                      /* EBX: the page's physical address */
	lgdtl T(tramp_gdt_ptr)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *T(tramp_far32)

	.code32
tramp_32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl T(p_cr3)(%ebx), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl T(p_efer)(%ebx), %eax
	xorl %edx, %edx
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmpl *T(tramp_far64)(%ebx)

	.code64
tramp_64:
	movl %ebx, %ebx                    /* upper halves are undefined after the mode switch */
	movq T(p_stack)(%rbx), %rsp
	movl T(p_cpu)(%rbx), %edi
	movq T(p_entry)(%rbx), %rax
	jmp *%rax

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff           /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff           /* 0x10: data */
	.quad 0x00af9a000000ffff           /* 0x18: 64-bit code */
tramp_gdt_ptr:
	.word tramp_gdt_ptr - tramp_gdt - 1
	.long 0                            /* + page: T(tramp_gdt) (smp.c) */
	.balign 8
tramp_far32:
	.long 0                            /* + page: T(tramp_32) */
	.word 0x08
	.balign 8
tramp_far64:
	.long 0                            /* + page: T(tramp_64) */
	.word 0x18

	/* The parameter block (struct trampoline_params in smp.c). */
	.balign 8
trampoline_params:
p_cr3:	.quad 0      /* page tables: below 4 GiB */
p_efer:	.quad 0      /* EFER's low word: LME, NXE */
p_stack: .quad 0     /* the AP's kernel stack top */
p_entry: .quad 0     /* ap_entry64 */
p_cpu:	.quad 0      /* the AP's index in cpus[] */
p_gdt_base: .quad T(tramp_gdt_ptr) + 2
p_far32: .quad T(tramp_far32)
p_far64: .quad T(tramp_far64)
p_off_gdt: .quad T(tramp_gdt)
p_off_32: .quad T(tramp_32)
p_off_64: .quad T(tramp_64)
trampoline_end:

	.text
	.global ap_entry64
ap_entry64:                            /* RSP: the AP's kernel stack, EDI: its index */
	xorl %ebp, %ebp
	call ap_main
	ud2
