/* SPDX-License-Identifier: GPL-2.0-only */
/* Trap frames, descriptor tables and interrupt handler registration. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include "types.h"

/* Segment selectors (GDT layout in gdt.c; the user pair is ordered for sysret). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA (0x18 | 3)
#define SEL_UCODE (0x20 | 3)
#define SEL_TSS   0x28

/* Interrupt stack table slots (TSS.IST1..4): known-good stacks for
 * faults that may arrive with a broken RSP. #DB: a SYSCALL made with the
 * trap flag set single-steps into syscall_entry, in ring 0 on the user's RSP. */
#define IST_DF  1
#define IST_NMI 2
#define IST_MC  3
#define IST_DB  4

/* Pushed by entry.S: general registers, vector, error code, then the CPU's frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* An interrupt handler: told only its vector (the frame may be a thread's
 * that another CPU preempted meanwhile, sched_stall). */
typedef void (*trap_handler)(unsigned vector);

/* 64-bit TSS (SDM vol. 3, figure 8-11), followed by the I/O permission
 * bitmap and the byte of all ones the CPU needs after it. */
#define IO_BITMAP_BYTES 8192        /* one bit per port, 1 = denied */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct tss_io {
	struct tss tss;
	uint8_t bitmap[IO_BITMAP_BYTES];
	uint8_t end;
} __attribute__((packed));

#define IOMAP_NONE 0xffff           /* an I/O map base beyond the TSS limit: every port denied */

/* The I/O map of generation gen (bitmap pages, bytes used), or for gen 0
 * none: every port denied. A generation names one content of one bitmap,
 * never reused (space.c), so the TSS's copy is current if gen matches. */
void tss_set_io_bitmap(uint64_t gen, const uint8_t *const pages[2], uint32_t len);


/* This CPU's GDT, TSS and IST stacks (its struct percpu and stacks). */
void gdt_init(void);
void idt_init(void);
void idt_reload(void);
void trap_dispatch(struct trap_frame *tf);

/* Installs the handler for an interrupt vector (>= 32). */
void trap_set_handler(unsigned vector, trap_handler h);

/*
 * Exception fixups: an instruction listed in the __fixup section that
 * faults in kernel mode resumes at its landing address with RAX = 1,
 * instead of panicking. Used for probing memory (and later, user memory).
 */
struct fixup {
	uint64_t insn;
	uint64_t landing;
};
#define FIXUP_ENTRY(insn, landing) \
	".pushsection __fixup, \"a\"\n.balign 8\n.quad " insn ", " landing "\n.popsection\n"

#endif
