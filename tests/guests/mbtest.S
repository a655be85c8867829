/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A multiboot (v1) test guest for the VMM (32-bit protected mode, paging
 * off, as multiboot starts it). It checks the loader's hand-over, prints
 * over the emulated 16550, runs CPUID, takes timer interrupts from the
 * emulated 8254 through the 8259 pair and its own IDT, reads the RTC,
 * and ends through the debug exit port with 0 (all well) or the number of
 * the check that failed.
 */
#define COM1 0x3f8
#define EXIT_PORT 0x501
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003          /* page-align modules, memory info */
#define MB_BOOT_MAGIC 0x2badb002
#define TICKS 5

	.code32
	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.global _start
_start:
	movl $stack_top, %esp
	movl $1, %edi                    /* check 1: the multiboot hand-over */
	cmpl $MB_BOOT_MAGIC, %eax
	jne fail
	movl $2, %edi                    /* check 2: the info says memory (flag 0) */
	testl $1, (%ebx)
	jz fail
	movl 8(%ebx), %eax               /* mem_upper in KiB */
	movl %eax, mem_upper
	leal hello, %esi
	call puts
	/* check 3: CPUID leaf 0 gives a vendor */
	movl $3, %edi
	xorl %eax, %eax
	cpuid
	testl %ebx, %ebx
	jz fail
	movl %ebx, vendor
	movl %edx, vendor + 4
	movl %ecx, vendor + 8
	leal vendor_msg, %esi
	call puts
	leal vendor, %esi
	call puts
	leal newline, %esi
	call puts
	/* An IDT with the timer handler at vector 0x20. */
	movl $timer, %eax
	movw %ax, idt + 0x20 * 8
	movw %cs, idt + 0x20 * 8 + 2
	movw $0x8e00, idt + 0x20 * 8 + 4
	shrl $16, %eax
	movw %ax, idt + 0x20 * 8 + 6
	lidt idt_ptr
	/* 8259: ICW1-4, vectors 0x20/0x28, then only IRQ 0 unmasked. */
	movb $0x11, %al
	outb %al, $0x20
	outb %al, $0xa0
	movb $0x20, %al
	outb %al, $0x21
	movb $0x28, %al
	outb %al, $0xa1
	movb $4, %al
	outb %al, $0x21
	movb $2, %al
	outb %al, $0xa1
	movb $1, %al
	outb %al, $0x21
	outb %al, $0xa1
	movb $0xfe, %al
	outb %al, $0x21
	movb $0xff, %al
	outb %al, $0xa1
	/* 8254 channel 0, mode 2, 100 Hz (11932). */
	movb $0x34, %al
	outb %al, $0x43
	movw $11932, %ax
	outb %al, $0x40
	movb %ah, %al
	outb %al, $0x40
	/* check 4: TICKS timer interrupts arrive while we halt */
	movl $4, %edi
	sti
1:	hlt
	cmpl $TICKS, ticks
	jb 1b
	cli
	leal ticks_msg, %esi
	call puts
	/* check 5: the RTC's seconds register reads as BCD 00-59 */
	movl $5, %edi
	movb $0x00, %al
	outb %al, $0x70
	inb $0x71, %al
	cmpb $0x59, %al
	ja fail
	/* A string write through the debug console port: REP OUTSB. */
	leal e9_msg, %esi
	movl $e9_len, %ecx
	movw $0xe9, %dx
	cld
	rep outsb
	leal bye, %esi
	call puts
	xorl %eax, %eax                  /* exit 0: all checks passed */
	movw $EXIT_PORT, %dx
	outb %al, %dx
	hlt

fail:
	leal failed, %esi
	call puts
	movl %edi, %eax
	movw $EXIT_PORT, %dx
	outb %al, %dx
	hlt

timer:
	pushl %eax
	incl ticks
	movb $0x20, %al                  /* EOI */
	outb %al, $0x20
	popl %eax
	iret

/* Prints the NUL-terminated string at ESI on COM1, polling LSR.THRE. */
puts:
	pushl %eax
	pushl %edx
2:	movb (%esi), %al
	testb %al, %al
	jz 4f
	movw $COM1 + 5, %dx
	movb %al, %ah
3:	inb %dx, %al
	testb $0x20, %al
	jz 3b
	movb %ah, %al
	movw $COM1, %dx
	outb %al, %dx
	incl %esi
	jmp 2b
4:	popl %edx
	popl %eax
	ret

	.data
hello:      .asciz "mbtest: multiboot hand-over ok\n"
vendor_msg: .asciz "mbtest: cpu vendor "
newline:    .asciz "\n"
ticks_msg:  .asciz "mbtest: 5 timer interrupts through the 8259 and the IDT\n"
bye:        .asciz "mbtest: rtc ok; all checks passed\n"
failed:     .asciz "mbtest: a check FAILED\n"
e9_msg:     .ascii "mbtest: rep outsb through port 0xe9\n"
e9_len = . - e9_msg
	.align 8
idt_ptr:
	.word 0x30 * 8 - 1
	.long idt
	.align 4
ticks:      .long 0
mem_upper:  .long 0
vendor:     .space 16

	.bss
	.align 16
idt:        .space 0x30 * 8
	.space 4096
stack_top:
