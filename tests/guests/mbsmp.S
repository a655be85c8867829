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
 * handlers count them and EOI (x2APIC MSR); an NMI IPI to AP 2 (its IVT
 * entry 2 counts it). Then it measures the cost of
 * an IPI (vector 0x60) from the BSP to an AP, from the TSC before the ICR
 * write to the TSC at the AP's handler, 32 times each: to AP 1 waiting at
 * HLT, to AP 1 running (spinning with interrupts on, in vector 0x70's
 * handler), and to AP 2 at HLT; it prints the minimum, median and maximum.
 * It ends through the debug exit port with 0 (all well) or the number of
 * the check that failed.
 *
 * Its multiboot command line picks other runs (tests/boot/bochs-vmm-smp.cfg):
 * - "crash": AP 1 starts and triple-faults at once (an empty real-mode
 *   IDT, INT3); the BSP computes on. The VMM must stop the whole VM.
 * - "storm": the APs start, then the BSP storms in alternate periods of
 *   2^25 TSC ticks (even periods; it computes through the odd ones), until
 *   the VM ends: an IPI to all but itself and a start-up IPI to every
 *   running AP (to be ignored) per round, while AP 3 sends INIT to itself
 *   whenever an interrupt wakes it, to be started again by the next
 *   round's start-up IPI. After each storm period it reports the rounds and AP 3's starts.
 *   tests/programs/neighbour.c measures native IPC beside it, by the same
 *   periods of the TSC (the guest's TSC is the host's).
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
#define LAT_COUNT 0x7f40             /* dword: vector 0x60 taken (by any AP) */
#define LAT_T1 0x7f44                /* dword: the TSC (low half) at its handler */
#define SPIN 0x7f48                  /* + APIC ID: vector 0x70's handler spins while set */
#define STORM 0x7f4c                 /* byte: a storm period (AP 3 INITs itself at start) */
#define CRASH 0x7f4d                 /* byte: an AP triple-faults at start */
#define RESTARTS 0x7f50              /* dword: AP 3's starts */
#define NMIS 0x7f58                  /* + APIC ID: NMIs taken */
#define WAIT_TSC 2000000000          /* a generous bound for every wait */
#define ROUNDS 32                    /* IPIs per latency figure */
#define STORM_SHIFT 25               /* storm periods: 2^25 TSC ticks */

	.code32
	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.global _start
_start:
	movl $stack_top, %esp
	testl $4, (%ebx)                 /* a command line: its first letter is the mode */
	jz 1f
	movl 16(%ebx), %esi
	movb (%esi), %al
	movb %al, mode
1:	leal hello, %esi
	call puts
	/* The trampoline to 0x8000, its handlers into the real-mode IVT. */
	cld
	leal ap_start, %esi
	movl $TRAMPOLINE, %edi
	movl $(ap_end - ap_start), %ecx
	rep movsb
	movl $(TRAMPOLINE + (ap_int40 - ap_start)), 0x40 * 4   /* segment 0: offset = address */
	movl $(TRAMPOLINE + (ap_int50 - ap_start)), 0x50 * 4
	movl $(TRAMPOLINE + (ap_int60 - ap_start)), 0x60 * 4
	movl $(TRAMPOLINE + (ap_int70 - ap_start)), 0x70 * 4
	movl $(TRAMPOLINE + (ap_nmi - ap_start)), 2 * 4
	xorl %eax, %eax
	movl %eax, LAT_COUNT
	movl %eax, SPIN
	movl %eax, STORM                 /* (and CRASH) */
	movl %eax, RESTARTS
	movl %eax, NMIS
	movl %eax, STARTED
	movl %eax, STARTED + 4
	movl %eax, STARTS
	movl %eax, STARTS + 4
	movl %eax, IPIS40
	movl %eax, IPIS40 + 4
	movl %eax, IPIS50
	movl %eax, IPIS50 + 4

	cmpb $'c', mode
	jne 1f
	/* crash: AP 1 triple-faults as it starts; we compute on */
	leal crash_msg, %esi
	call puts
	movb $1, CRASH
	movl $1 << 24, %eax
	movl $0x4500, %edx
	call send_ipi
	movl $1 << 24, %eax
	movl $0x4608, %edx
	call send_ipi
2:	pause
	jmp 2b

1:	/* check 1: INIT, start-up IPI: each AP starts */
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
	cmpb $'s', mode
	je storm

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

	/* check 6: an NMI IPI reaches AP 2 at its HLT, once */
	movl $6, %edi
	movl $2 << 24, %eax
	movl $0x4400, %edx               /* NMI, physical */
	call send_ipi
	leal NMIS + 2, %esi
	movb $1, %cl
	call wait_byte
	call settle
	cmpb $1, NMIS + 2
	jne fail
	cmpb $0, NMIS + 1
	jne fail
	leal nmi_msg, %esi
	call puts

	/* check 5: IPIs for the latency figures arrive */
	movl $5, %edi
	movl $1, %ebx
	xorl %ecx, %ecx
	call latency                     /* AP 1 at HLT */
	movl $1, %ecx
	call latency                     /* AP 1 running */
	movl $2, %ebx
	xorl %ecx, %ecx
	call latency                     /* AP 2 at HLT */

done:
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

/* The storm (see the top), for as long as the VM runs: each even period a
 * storm, each odd one calm; at the start of a calm period, a line on the
 * storm before it. */
storm:
	leal storm_msg, %esi
	call puts
	xorl %ebp, %ebp                  /* rounds in this storm period */
1:	rdtsc
	shrdl $STORM_SHIFT, %edx, %eax   /* the period we are in */
	testl $1, %eax
	jnz 2f
	movb $1, STORM
	xorl %eax, %eax
	movl $0xc4050, %edx              /* fixed, vector 0x50, to all but ourselves */
	call send_ipi
	xorl %eax, %eax
	movl $0xc4608, %edx              /* start-up (vector 8) to all but ourselves */
	call send_ipi
	incl %ebp
	jmp 1b
2:	movb $0, STORM                   /* a calm period: we compute */
	testl %ebp, %ebp
	jz 3f
	xorl %eax, %eax
	movl $0xc4608, %edx              /* (AP 3 may wait for one more) */
	call send_ipi
	leal storm_done_msg, %esi
	call puts
	movl %ebp, %eax
	call print_dec
	leal storm_restarts_msg, %esi
	call puts
	movl RESTARTS, %eax
	call print_dec
	leal storm_times, %esi
	call puts
	xorl %ebp, %ebp
3:	pause
	jmp 1b

/* The IPI latency to AP ebx, running (ecx 1: spinning in vector 0x70's
 * handler) or at HLT (ecx 0): ROUNDS IPIs, printed as min, median, max. */
latency:
	pushal
	movl %ecx, lat_running
	testl %ecx, %ecx
	jz 1f
	movb $1, SPIN(%ebx)
	movl %ebx, %eax
	shll $24, %eax
	movl $0x4070, %edx
	call send_ipi
	call gap
1:	xorl %esi, %esi
2:	movl LAT_COUNT, %ecx
	rdtsc
	movl %eax, lat_t0
	movl %ebx, %eax
	shll $24, %eax
	movl $0x4060, %edx               /* fixed, vector 0x60 */
	call send_ipi
	rdtsc
	movl %eax, %ebp
3:	cmpl LAT_COUNT, %ecx
	jne 4f
	pause
	rdtsc
	subl %ebp, %eax
	cmpl $WAIT_TSC, %eax
	jb 3b
	jmp fail
4:	movl LAT_T1, %eax
	subl lat_t0, %eax
	movl %eax, samples(, %esi, 4)
	call gap
	incl %esi
	cmpl $ROUNDS, %esi
	jb 2b
	movb $0, SPIN(%ebx)
	/* insertion sort */
	movl $1, %ecx
5:	movl samples(, %ecx, 4), %eax
	movl %ecx, %edx
6:	testl %edx, %edx
	jz 7f
	movl samples - 4(, %edx, 4), %ebp
	cmpl %eax, %ebp
	jbe 7f
	movl %ebp, samples(, %edx, 4)
	decl %edx
	jmp 6b
7:	movl %eax, samples(, %edx, 4)
	incl %ecx
	cmpl $ROUNDS, %ecx
	jb 5b
	leal lat_msg, %esi
	call puts
	movl %ebx, %eax
	call print_dec
	leal lat_halted, %esi
	cmpl $0, lat_running
	je 8f
	leal lat_running_msg, %esi
8:	call puts
	movl samples, %eax
	call print_dec
	leal lat_median, %esi
	call puts
	movl samples + 4 * (ROUNDS / 2), %eax
	call print_dec
	leal lat_max, %esi
	call puts
	movl samples + 4 * (ROUNDS - 1), %eax
	call print_dec
	leal lat_end, %esi
	call puts
	call gap
	popal
	ret

/* eax in decimal on the UART. */
print_dec:
	pushal
	movl $10, %ecx
	leal decbuf_end, %edi
1:	xorl %edx, %edx
	divl %ecx
	addb $'0', %dl
	decl %edi
	movb %dl, (%edi)
	testl %eax, %eax
	jnz 1b
	movl %edi, %esi
	call puts
	popal
	ret

/* A pause between IPIs (2^20 TSC ticks): the AP back at HLT. */
gap:
	pushal
	rdtsc
	movl %eax, %ecx
1:	pause
	rdtsc
	subl %ecx, %eax
	cmpl $0x100000, %eax
	jb 1b
	popal
	ret

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
	cmpb $0, CRASH
	je 1f
	lidt TRAMPOLINE + (ap_no_idt - ap_start)
	int3                             /* beyond the IDT's limit: #GP, #DF, shutdown */
1:	movw %bx, %si
	movl $0x1b, %ecx                 /* IA32_APIC_BASE: enabled, x2APIC */
	rdmsr
	orl $0xc00, %eax
	wrmsr
	movl $0x80f, %ecx                /* SVR: on, spurious vector 0xff */
	movl $0x1ff, %eax
	xorl %edx, %edx
	wrmsr
	cmpw $3, %si
	jne 2f
	lock incl RESTARTS
2:	movb $1, STARTED(%si)
	sti
1:	hlt
	cmpb $0, STORM                   /* woken in a storm: AP 3 INITs itself */
	je 1b
	cmpw $3, %si
	jne 1b
	movl $0x830, %ecx                /* x2APIC ICR: INIT, to APIC ID 3 */
	movl $0x4500, %eax
	movl $3, %edx
	wrmsr
	jmp 1b
ap_no_idt:
	.word 0
	.long 0
/* A handler: counts the vector for this AP (by its APIC ID), then EOI
 * (not for an NMI). */
.macro ap_handler counts, eoi=1
	pushl %eax
	pushl %ebx
	pushl %ecx
	pushl %edx
	movl $1, %eax
	cpuid
	shrl $24, %ebx
	lock incb \counts(%bx)
.if \eoi
	movl $0x80b, %ecx                /* EOI */
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
.endif
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
ap_nmi:
	ap_handler NMIS, 0
/* Vector 0x60, the latency IPI: the TSC now, counted, EOI. */
ap_int60:
	pushl %eax
	pushl %ecx
	pushl %edx
	rdtsc
	movl %eax, LAT_T1
	lock incl LAT_COUNT
	movl $0x80b, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	popl %edx
	popl %ecx
	popl %eax
	iret
/* Vector 0x70: EOI, then spin with interrupts on while SPIN + our APIC ID is set. */
ap_int70:
	pushl %eax
	pushl %ebx
	pushl %ecx
	pushl %edx
	movl $0x80b, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	movl $1, %eax
	cpuid
	shrl $24, %ebx
	sti
1:	pause
	cmpb $0, SPIN(%bx)
	jne 1b
	popl %edx
	popl %ecx
	popl %ebx
	popl %eax
	iret
ap_end:
	.code32

	.data
hello:		.asciz "mbsmp: BSP up, starting 3 APs\n"
started_msg:	.asciz "mbsmp: 3 APs started by INIT and start-up IPIs, each once\n"
fixed_msg:	.asciz "mbsmp: a fixed IPI reached each AP\n"
broadcast_msg:	.asciz "mbsmp: an IPI to all but the BSP reached each AP once\n"
bye:		.asciz "mbsmp: all checks passed\n"
failed:		.asciz "mbsmp: a check FAILED\n"
nmi_msg:	.asciz "mbsmp: an NMI IPI reached AP 2 once\n"
crash_msg:	.asciz "mbsmp: starting AP 1, which triple-faults\n"
storm_msg:	.asciz "mbsmp: storming in alternate periods of 2^25 TSC ticks\n"
storm_done_msg:	.asciz "mbsmp: a storm period: "
storm_restarts_msg: .asciz " rounds; AP 3 started "
storm_times:	.asciz " times in all\n"
lat_msg:	.asciz "mbsmp: IPI to vCPU "
lat_halted:	.asciz " at HLT: min "
lat_running_msg: .asciz " running: min "
lat_median:	.asciz " median "
lat_max:	.asciz " max "
lat_end:	.asciz " TSC ticks from the ICR write to its handler\n"
mode:		.byte 0
		.align 4
lat_running:	.long 0
lat_t0:		.long 0
		.space 12
decbuf_end:	.byte 0

	.bss
	.align 16
samples:	.space 4 * ROUNDS
	.space 4096
stack_top:
