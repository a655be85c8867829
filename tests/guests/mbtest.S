/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A multiboot (v1) test guest for the VMM (32-bit protected mode, paging
 * off, as multiboot starts it). It checks the loader's hand-over, prints
 * over the emulated 16550, runs CPUID, takes timer interrupts from the
 * emulated 8254 through the 8259 pair and its own IDT, reads the RTC,
 * runs the local APIC (its timer, a self-IPI, ISR and EOI: with APIC
 * virtualization the CPU delivers them) at 0xfee00000 and again after
 * moving it to 0xfed00000 (the VMM's model alone), writes through the debug
 * console port with REP OUTSB, then turns on paging and runs REP INSB at
 * CPL 3 (the VMM emulates string I/O): into its own page it works, into a
 * supervisor-only page it must be a #PF(P|W|U) at the instruction with CR2,
 * ECX and EDI as they were and the page untouched. It ends through the
 * debug exit port with 0 (all well) or the number of the check that failed.
 * Between the two it raises IRQ 1 (the i8042's output) at the I/O APIC
 * while it has interrupts off, as Linux's request_irq and i8042 driver do:
 * an edge on a masked pin must be lost, not delivered at the unmask (8),
 * and an interrupt raised with interrupts off must come once (9), after
 * they are on again (10), although the host takes its own interrupts
 * meanwhile (Bochs delivers a posted interrupt then, IF or not).
 * First of all, after the hand-over, it checks the multiboot modules (12):
 * none, or exactly the two bochs-vmm-multiboot.cfg gives it, in order,
 * page-aligned after the image, each with its bytes and string exactly:
 * tests/guests/mbmod1.txt (the bytes of mod1 below) as "one first module
 * string", and tests/guests/mbmod2.bin (4100 bytes, byte i = i % 251,
 * made by python3 -c "import sys; sys.stdout.buffer.write(bytes(i % 251
 * for i in range(4100)))") as "two".
 */
#define COM1 0x3f8
#define EXIT_PORT 0x501
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003          /* page-align modules, memory info */
#define MB_BOOT_MAGIC 0x2badb002
#define TICKS 5
#define MSR_APIC_BASE 0x1b
#define APIC_MOVED 0xfed00000
#define CON_PORT 0xe9                    /* reads 0xe9 */
#define SEL_KCODE 0x08                   /* our GDT */
#define SEL_KDATA 0x10
#define SEL_UCODE 0x1b
#define SEL_UDATA 0x23
#define SEL_TSS 0x28
#define PDE_4M_USER 0x87                 /* P RW US PS */
#define PDE_4M_KERNEL 0x83               /* P RW PS: supervisor only */
#define KPAGE 0x400000                   /* in the supervisor-only 4 MiB page */
#define FILL 0x5a5a5a5a
#define PF_USER_WRITE 7                  /* #PF error code: P W U */
#define CR4_PSE 0x10
#define CR0_PG 0x80000000
#define EFLAGS_IOPL3 0x3002              /* IOPL 3, interrupts off */
#define IOAPIC 0xfec00000
#define KBD_VECTOR 0x42              /* IRQ 1 through the I/O APIC */
#define KBD_RTE 0x12                 /* I/O APIC register: pin 1's entry, low dword */
#define RTE_MASKED 0x10000
#define SPIN_TSC 40000000            /* TSC ticks with interrupts off: many host ticks */
#define MOD2_LEN 4100                /* tests/guests/mbmod2.bin */
#define MOD2_MOD 251                 /* its byte i is i % MOD2_MOD */

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
	/* check 12: the multiboot modules, if any */
	movl $12, %edi
	call check_modules
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
	/* An IDT: the 8254's handler at vector 0x20, the local APIC's at 0x40, 0x41. */
	movl $0x20, %ecx
	movl $timer, %eax
	call set_gate
	movl $0x40, %ecx
	movl $apic_timer, %eax
	call set_gate
	movl $0x41, %ecx
	movl $apic_ipi, %eax
	call set_gate
	movl $KBD_VECTOR, %ecx
	movl $kbd_irq, %eax
	call set_gate
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
	/* check 6: the local APIC where it starts */
	movl $6, %edi
	call apic_checks
	leal apic_msg, %esi
	call puts
	/* check 8 (with the APIC page, before 7 moves it): pin 1 masked, an
	 * edge (the i8042's self-test answer, read at once), then unmasked
	 * with interrupts off: the edge is lost (82093AA), nothing comes. */
	movl $8, %edi
	movb $0xff, %al                  /* the 8259 silent, as Linux keeps it: */
	outb %al, $0x21                  /* (the VMM asks for no window for it) */
	movl $KBD_RTE + 1, %ecx          /* destination APIC 0 */
	xorl %eax, %eax
	call ioapic_write
	movl $KBD_RTE, %ecx              /* masked, edge, fixed */
	movl $RTE_MASKED | KBD_VECTOR, %eax
	call ioapic_write
	movb $0xaa, %al
	outb %al, $0x64
	inb $0x60, %al
	cli
	movl $KBD_RTE, %ecx
	movl $KBD_VECTOR, %eax
	call ioapic_write
	call spin_irqs_off
	cmpl $0, kbd_irqs
	jne fail
	leal masked_msg, %esi
	call puts
	/* check 9: IRQ 1 raised with interrupts off comes, once */
	movl $9, %edi
	cli
	movb $0xaa, %al
	outb %al, $0x64
	call spin_irqs_off
	cmpl $1, kbd_irqs
	jne fail
	movl $10, %edi                   /* check 10: and not while they were off */
	cmpl $0, kbd_irqs_off
	jne fail
	movl $KBD_RTE, %ecx
	movl $RTE_MASKED | KBD_VECTOR, %eax
	call ioapic_write
	movb $0xfe, %al                  /* the 8254's IRQ 0 again */
	outb %al, $0x21
	leal irq_off_msg, %esi
	call puts
	/* check 7: moved (IA32_APIC_BASE), the same again */
	movl $7, %edi
	movl $MSR_APIC_BASE, %ecx
	rdmsr
	andl $0xfff, %eax
	orl $APIC_MOVED, %eax
	wrmsr
	movl $APIC_MOVED, apic_base
	call apic_checks
	leal apic_moved_msg, %esi
	call puts
	/* A string write through the debug console port: REP OUTSB. */
	leal e9_msg, %esi
	movl $e9_len, %ecx
	movw $0xe9, %dx
	cld
	rep outsb
	/* check 11: REP INSB at CPL 3 (IOPL 3): into a supervisor-only page it
	 * faults, with CR2, at the instruction, and writes nothing */
	movl $11, %edi
	call ring3_insb
	leal ring3_msg, %esi
	call puts
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

/* Our GDT and TSS, paging (0-4 MiB user, 4-8 MiB supervisor only, 4 MiB
 * pages), then REP INSB at CPL 3 into its own page and into KPAGE; the #PF
 * handler comes back to pf_back on a fresh kernel stack. Fails with EDI. */
ring3_insb:
	movl $tss, %eax                  /* the TSS descriptor's base */
	movw %ax, gdt + SEL_TSS + 2
	shrl $16, %eax
	movb %al, gdt + SEL_TSS + 4
	movb %ah, gdt + SEL_TSS + 7
	movl $exc_stack_top, tss + 4     /* ESP0 */
	movl $SEL_KDATA, tss + 8         /* SS0 */
	movw $104, tss + 102             /* no I/O bitmap: IOPL 3 allows the ports */
	lgdt gdt_ptr
	ljmp $SEL_KCODE, $1f
1:	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movw $SEL_TSS, %ax
	ltr %ax
	movl $14, %ecx
	movl $pf_handler, %eax
	call set_gate
	movl $PDE_4M_USER, page_dir
	movl $KPAGE | PDE_4M_KERNEL, page_dir + 4
	movl %cr4, %eax
	orl $CR4_PSE, %eax
	movl %eax, %cr4
	movl $page_dir, %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	movl $FILL, KPAGE
	movl $FILL, KPAGE + 4
	movl $FILL, KPAGE + 8
	movl $FILL, KPAGE + 12
	movl $FILL, KPAGE + 16
	movl %esp, saved_esp
	pushl $SEL_UDATA                 /* to CPL 3 */
	pushl $user_stack_top
	pushl $EFLAGS_IOPL3
	pushl $SEL_UCODE
	pushl $user_code
	iret
pf_back:
	cmpl $PF_USER_WRITE, pf_error
	jne fail
	cmpl $KPAGE, pf_cr2
	jne fail
	cmpl $user_insb, pf_eip          /* the fault is the INSB's, nothing done */
	jne fail
	cmpl $16, pf_ecx
	jne fail
	cmpl $KPAGE, pf_edi
	jne fail
	cmpl $FILL, KPAGE
	jne fail
	cmpl $FILL, KPAGE + 12
	jne fail
	cmpl $FILL, KPAGE + 16
	jne fail
	cmpl $0xe9e9e9e9, user_buf       /* the first INSB, into its own page */
	jne fail
	ret

user_code:                               /* CPL 3 */
	movl $SEL_UDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movw $CON_PORT, %dx
	cld
	movl $user_buf, %edi
	movl $4, %ecx
	rep insb
	movl $KPAGE, %edi
	movl $16, %ecx
user_insb:
	rep insb
	movb $0, KPAGE                   /* not reached; else a #PF at another EIP */
1:	jmp 1b

/* #PF from CPL 3: records the error code, EIP, CR2, ECX and EDI, then
 * continues at pf_back in the kernel. */
pf_handler:
	movl %ecx, pf_ecx
	movl %edi, pf_edi
	popl pf_error
	popl pf_eip
	movl %cr2, %eax
	movl %eax, pf_cr2
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl saved_esp, %esp             /* ring3_insb's stack again */
	movl $8, %edi
	jmp pf_back

/* The multiboot modules (EBX the info): none, or exactly the two of
 * bochs-vmm-multiboot.cfg, in order after the image, page-aligned (header
 * flags bit 0), each with its bytes and string exactly. Returns in ESI
 * what to print; fails with EDI. */
check_modules:
	pushl %ebx
	leal no_mods_msg, %esi
	testl $8, (%ebx)                 /* info flags bit 3: mods_count, mods_addr valid */
	jz 9f
	movl 20(%ebx), %ecx              /* mods_count */
	testl %ecx, %ecx
	jz 9f
	cmpl $2, %ecx
	jne fail
	movl 24(%ebx), %ebx              /* mods_addr: mod_start, mod_end, string, 0 each */
	movl (%ebx), %esi                /* module 0: mod1's bytes, "one first module string" */
	cmpl $stack_top, %esi            /* (the image's end) */
	jb fail
	testl $0xfff, %esi
	jnz fail
	movl 4(%ebx), %ecx
	subl %esi, %ecx
	cmpl $mod1_len, %ecx
	jne fail
	leal mod1, %edx
	call bytes_eq
	jne fail
	movl 8(%ebx), %esi
	leal mod1_string, %edx
	movl $mod1_string_len, %ecx      /* (with its NUL) */
	call bytes_eq
	jne fail
	cmpl $0, 12(%ebx)
	jne fail
	movl 16(%ebx), %esi              /* module 1: byte i = i % MOD2_MOD, "two" */
	cmpl 4(%ebx), %esi
	jb fail
	testl $0xfff, %esi
	jnz fail
	movl 20(%ebx), %ecx
	subl %esi, %ecx
	cmpl $MOD2_LEN, %ecx
	jne fail
	xorl %eax, %eax
1:	cmpb (%esi), %al
	jne fail
	incl %esi
	incb %al
	cmpb $MOD2_MOD, %al
	jne 2f
	xorb %al, %al
2:	loop 1b
	movl 24(%ebx), %esi
	leal mod2_string, %edx
	movl $mod2_string_len, %ecx
	call bytes_eq
	jne fail
	cmpl $0, 28(%ebx)
	jne fail
	leal mods_msg, %esi
9:	popl %ebx
	ret

/* ZF set if the ECX bytes at ESI and at EDX are equal; clobbers EAX, ECX,
 * ESI and EDX. */
bytes_eq:
	testl %ecx, %ecx
	jz 2f
	movb (%esi), %al
	cmpb (%edx), %al
	jne 2f
	incl %esi
	incl %edx
	decl %ecx
	jmp bytes_eq
2:	ret

/* IDT gate ECX -> handler EAX (32-bit interrupt gate). */
set_gate:
	movw %ax, idt(,%ecx,8)
	movw %cs, idt + 2(,%ecx,8)
	movw $0x8e00, idt + 4(,%ecx,8)
	shrl $16, %eax
	movw %ax, idt + 6(,%ecx,8)
	ret

/* The local APIC at apic_base: version, 3 periodic timer interrupts
 * (vector 0x40), then a self-IPI (vector 0x41) in service while its
 * handler runs; each handler ends with an EOI. Fails with EDI. */
apic_checks:
	movl apic_base, %ebx
	movl 0x30(%ebx), %eax            /* version: integrated, 6 LVT entries */
	cmpl $0x50014, %eax
	jne fail
	movl $0x1ff, 0xf0(%ebx)          /* SVR: enabled, spurious vector 0xff */
	movl $0xb, 0x3e0(%ebx)           /* divide by 1 */
	movl $0, apic_ticks
	movl $0x20040, 0x320(%ebx)       /* LVT timer: periodic, vector 0x40 */
	movl $200000, 0x380(%ebx)        /* 2 ms */
1:	sti
	hlt
	cli
	cmpl $3, apic_ticks
	jb 1b
	movl $0x10000, 0x320(%ebx)       /* timer masked */
	movl $0, ipi_isr
	movl $0x40041, 0x300(%ebx)       /* ICR: fixed, to self, vector 0x41 */
2:	sti
	nop
	cli
	cmpl $0, ipi_isr
	jne 3f
	sti
	hlt
	cli
	jmp 2b
3:	testl $2, ipi_isr                /* ISR bit 0x41 (word 2, bit 1) while in service */
	jz fail
	movl 0x120(%ebx), %eax           /* and no longer after the EOI */
	testl $2, %eax
	jnz fail
	ret

apic_timer:
	pushl %eax
	incl apic_ticks
	movl apic_base, %eax
	movl $0, 0xb0(%eax)              /* EOI */
	popl %eax
	iret

apic_ipi:
	pushl %eax
	movl apic_base, %eax
	movl 0x120(%eax), %eax           /* ISR, vectors 0x40-0x5f */
	orl $0x80000000, %eax            /* (seen) */
	movl %eax, ipi_isr
	movl apic_base, %eax
	movl $0, 0xb0(%eax)              /* EOI */
	popl %eax
	iret

/* IRQ 1: counted, and counted apart if it came with interrupts off (the
 * interrupted EFLAGS); reads the i8042's byte (the line drops), EOI. */
kbd_irq:
	pushl %eax
	incl kbd_irqs
	testl $0x200, 12(%esp)           /* EAX, EIP, CS, then EFLAGS */
	jnz 1f
	incl kbd_irqs_off
1:	inb $0x60, %al
	movl apic_base, %eax
	movl $0, 0xb0(%eax)              /* EOI */
	popl %eax
	iret

/* The I/O APIC's register ECX := EAX. */
ioapic_write:
	movl %ecx, IOAPIC
	movl %eax, IOAPIC + 0x10
	ret

/* SPIN_TSC ticks with interrupts off (the host's interrupts meanwhile
 * make VM exits), then as long with them on or until IRQ 1 came. The CLI
 * first, as a nested spin_lock_irqsave does: Bochs looks at its pending
 * interrupts anew when IF is written, and then, if the host's interrupt
 * comes, delivers a posted one although IF is clear. */
spin_irqs_off:
	pushl %ebx
	pushl %edx
	cli
	rdtsc
	movl %eax, %ebx
1:	pause
	rdtsc
	subl %ebx, %eax
	cmpl $SPIN_TSC, %eax
	jb 1b
	sti
	rdtsc
	movl %eax, %ebx
2:	cmpl $0, kbd_irqs
	jne 3f
	pause
	rdtsc
	subl %ebx, %eax
	cmpl $SPIN_TSC, %eax
	jb 2b
3:	cli
	popl %edx
	popl %ebx
	ret

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
apic_msg:   .asciz "mbtest: local APIC timer, self-IPI, ISR and EOI at 0xfee00000\n"
apic_moved_msg: .asciz "mbtest: the same with the local APIC moved to 0xfed00000\n"
masked_msg: .asciz "mbtest: an edge on a masked I/O APIC pin is lost\n"
irq_off_msg: .asciz "mbtest: IRQ 1 raised with interrupts off waits for them\n"
e9_msg:     .ascii "mbtest: rep outsb through port 0xe9\n"
e9_len = . - e9_msg
ring3_msg:  .asciz "mbtest: ring-3 rep insb into a supervisor page: #PF, page untouched\n"
mods_msg:   .asciz "mbtest: 2 multiboot modules, contents and strings ok\n"
no_mods_msg: .asciz "mbtest: no multiboot modules\n"
mod1:       .ascii "mbtest module one\n"    /* tests/guests/mbmod1.txt */
mod1_len = . - mod1
mod1_string: .asciz "one first module string"
mod1_string_len = . - mod1_string
mod2_string: .asciz "two"
mod2_string_len = . - mod2_string
	.align 8
idt_ptr:
	.word 0x48 * 8 - 1
	.long idt
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff         /* SEL_KCODE: flat 32-bit code, DPL 0 */
	.quad 0x00cf92000000ffff         /* SEL_KDATA */
	.quad 0x00cffa000000ffff         /* SEL_UCODE: DPL 3 */
	.quad 0x00cff2000000ffff         /* SEL_UDATA */
	.quad 0x0000890000000067         /* SEL_TSS: 32-bit TSS, 104 bytes (base at run time) */
gdt_end:
	.align 2
	.word 0
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
	.align 4
ticks:      .long 0
apic_base:  .long 0xfee00000
apic_ticks: .long 0
ipi_isr:    .long 0
kbd_irqs:   .long 0
kbd_irqs_off: .long 0
mem_upper:  .long 0
pf_error:   .long 0
pf_eip:     .long 0
pf_cr2:     .long 0
pf_ecx:     .long 0
pf_edi:     .long 0
saved_esp:  .long 0
user_buf:   .long 0
vendor:     .space 16

	.bss
	.align 4096
page_dir:   .space 4096
	.align 16
idt:        .space 0x48 * 8
tss:        .space 104
	.align 16
	.space 1024
user_stack_top:
	.space 1024
exc_stack_top:
	.space 4096
stack_top:
