/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A multiboot (v1) test guest with several vCPUs (tests/boot/bochs-vmm-smp.cfg,
 * `cpus 4`). The BSP starts each application processor (APIC IDs 1..3) as
 * an OS does: INIT, start-up IPI with vector 8 (real mode at 0x8000), and a
 * second start-up IPI that must be ignored (the AP runs by then). Each AP
 * reads its APIC ID with CPUID (leaf 1, EBX[31:24]), marks itself started,
 * turns its local APIC on in x2APIC mode (real mode cannot reach the xAPIC
 * page; a software-disabled local APIC takes no fixed interrupts), and
 * waits with interrupts on at HLT. Then a fixed IPI to each AP by its APIC
 * ID (vector 0x40), and one to all but itself (vector 0x50); the APs'
 * handlers count them and EOI (x2APIC MSR). It ends through the debug exit
 * port with 0 (all well) or the number of the check that failed.
 */
#define COM1 0x3f8
#define EXIT_PORT 0x501
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003
#define APIC 0xfee00000
#define ICR_LO 0x300
#define ICR_HI 0x310
#define ICR_PENDING (1 << 12)
#define APS 3
#define TRAMPOLINE 0x8000            /* start-up IPI vector 8 */
#define STARTED 0x7f00               /* + APIC ID: set by the AP */
#define STARTS 0x7f10                /* + APIC ID: how often it started */
#define IPIS40 0x7f20                /* + APIC ID: vector 0x40 taken */
#define IPIS50 0x7f30                /* + APIC ID: vector 0x50 taken */
#define WAIT_TSC 2000000000          /* a generous bound for every wait */

	.code32
	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.global _start
_start:
	movl $stack_top, %esp
	leal hello, %esi
	call puts
	/* The trampoline to 0x8000, its handlers into the real-mode IVT. */
	cld
	leal ap_start, %esi
	movl $TRAMPOLINE, %edi
	movl $(ap_end - ap_start), %ecx
	rep movsb
	movl $(TRAMPOLINE + (ap_int40 - ap_start)), 0x40 * 4   /* segment 0: offset = address */
	movl $(TRAMPOLINE + (ap_int50 - ap_start)), 0x50 * 4
	xorl %eax, %eax
	movl %eax, STARTED
	movl %eax, STARTED + 4
	movl %eax, STARTS
	movl %eax, STARTS + 4
	movl %eax, IPIS40
	movl %eax, IPIS40 + 4
	movl %eax, IPIS50
	movl %eax, IPIS50 + 4

	/* check 1: INIT, start-up IPI: each AP starts */
	movl $1, %edi
	movl $1, %ebx
1:	movl %ebx, %eax
	shll $24, %eax
	movl $0x4500, %edx               /* INIT, level assert */
	call send_ipi
	movl %ebx, %eax
	shll $24, %eax
	movl $0x4608, %edx               /* start-up, vector 8 */
	call send_ipi
	leal STARTED(%ebx), %esi
	movb $1, %cl
	call wait_byte
	/* check 2: a second start-up IPI to a running AP is ignored */
	movl $2, %edi
	movl %ebx, %eax
	shll $24, %eax
	movl $0x4608, %edx
	call send_ipi
	movl $1, %edi
	incl %ebx
	cmpl $APS, %ebx
	jbe 1b
	call settle
	movl $2, %edi
	movl $1, %ebx
2:	cmpb $1, STARTS(%ebx)
	jne fail
	incl %ebx
	cmpl $APS, %ebx
	jbe 2b
	leal started_msg, %esi
	call puts

	/* check 3: a fixed IPI to each AP by its APIC ID */
	movl $3, %edi
	movl $1, %ebx
3:	movl %ebx, %eax
	shll $24, %eax
	movl $0x4040, %edx               /* fixed, vector 0x40, physical */
	call send_ipi
	leal IPIS40(%ebx), %esi
	movb $1, %cl
	call wait_byte
	incl %ebx
	cmpl $APS, %ebx
	jbe 3b
	leal fixed_msg, %esi
	call puts

	/* check 4: one IPI to all but ourselves reaches every AP once */
	movl $4, %edi
	xorl %eax, %eax
	movl $0xc4050, %edx              /* all excluding self, fixed, vector 0x50 */
	call send_ipi
	movl $1, %ebx
4:	leal IPIS50(%ebx), %esi
	movb $1, %cl
	call wait_byte
	incl %ebx
	cmpl $APS, %ebx
	jbe 4b
	call settle
	movl $1, %ebx
5:	cmpb $1, IPIS50(%ebx)
	jne fail
	cmpb $1, IPIS40(%ebx)
	jne fail
	incl %ebx
	cmpl $APS, %ebx
	jbe 5b
	cmpb $0, IPIS50                  /* (not ourselves) */
	jne fail
	leal broadcast_msg, %esi
	call puts

	leal bye, %esi
	call puts
	xorl %eax, %eax
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

/* The IPI eax (ICR high: destination) | edx (ICR low), after the last one left. */
send_ipi:
	pushl %ecx
	movl %eax, APIC + ICR_HI
	movl %edx, APIC + ICR_LO
	movl $100000, %ecx
1:	testl $ICR_PENDING, APIC + ICR_LO
	jz 2f
	loop 1b
2:	popl %ecx
	ret

/* Waits until the byte at esi is cl; fails check edi after WAIT_TSC ticks. */
wait_byte:
	pushl %eax
	pushl %edx
	pushl %ebp
	rdtsc
	movl %eax, %ebp
1:	cmpb %cl, (%esi)
	je 2f
	pause
	rdtsc
	subl %ebp, %eax
	cmpl $WAIT_TSC, %eax
	jb 1b
	jmp fail
2:	popl %ebp
	popl %edx
	popl %eax
	ret

/* A while for whatever should not happen to happen. */
settle:
	pushl %eax
	pushl %edx
	pushl %ecx
	rdtsc
	movl %eax, %ecx
1:	pause
	rdtsc
	subl %ecx, %eax
	cmpl $20000000, %eax
	jb 1b
	popl %ecx
	popl %edx
	popl %eax
	ret

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

/* The APs' code, copied to 0x8000: real mode, CS = 0x800, IP = 0. */
	.code16
ap_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %ss
	movl $1, %eax
	cpuid
	shrl $24, %ebx                   /* our APIC ID */
	movw %bx, %sp
	shlw $8, %sp
	negw %sp
	addw $0x7000, %sp                /* a stack of our own below 0x7000 */
	lock incb STARTS(%bx)
	movw %bx, %si
	movl $0x1b, %ecx                 /* IA32_APIC_BASE: enabled, x2APIC */
	rdmsr
	orl $0xc00, %eax
	wrmsr
	movl $0x80f, %ecx                /* SVR: on, spurious vector 0xff */
	movl $0x1ff, %eax
	xorl %edx, %edx
	wrmsr
	movb $1, STARTED(%si)
	sti
1:	hlt
	jmp 1b
/* A handler: counts the vector for this AP (by its APIC ID), EOI. */
.macro ap_handler counts
	pushl %eax
	pushl %ebx
	pushl %ecx
	pushl %edx
	movl $1, %eax
	cpuid
	shrl $24, %ebx
	lock incb \counts(%bx)
	movl $0x80b, %ecx                /* EOI */
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	popl %edx
	popl %ecx
	popl %ebx
	popl %eax
	iret
.endm
ap_int40:
	ap_handler IPIS40
ap_int50:
	ap_handler IPIS50
ap_end:
	.code32

	.data
hello:		.asciz "mbsmp: BSP up, starting 3 APs\n"
started_msg:	.asciz "mbsmp: 3 APs started by INIT and start-up IPIs, each once\n"
fixed_msg:	.asciz "mbsmp: a fixed IPI reached each AP\n"
broadcast_msg:	.asciz "mbsmp: an IPI to all but the BSP reached each AP once\n"
bye:		.asciz "mbsmp: all checks passed\n"
failed:		.asciz "mbsmp: a check FAILED\n"

	.bss
	.align 16
	.space 4096
stack_top:
