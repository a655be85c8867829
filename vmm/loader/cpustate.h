/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The initial state of a vCPU, as a guest kernel loader (linux.c,
 * multiboot.c) leaves it: everything the VMM writes into the vCPU before
 * its first entry. Segment registers are in the VMCS form (SDM Vol. 3C
 * 24.4.1): the hidden part (base, byte limit, access rights) that the CPU
 * would have loaded from the descriptor, so the guest runs without ever
 * loading a selector itself.
 *
 * Also here: the flat boot GDT both loaders put into guest memory, so the
 * selectors in this state name real descriptors a guest may reload.
 */
#ifndef VMM_LOADER_CPUSTATE_H
#define VMM_LOADER_CPUSTATE_H

#include <stdint.h>

/* VMX segment access rights (SDM Vol. 3C, 24.4.1, Table 24-2). */
#define CPU_AR_TYPE_MASK     0x000fu      /* bits 3:0: segment type */
#define CPU_AR_TYPE_DATA_RWA 0x3u         /* data, read/write, accessed */
#define CPU_AR_TYPE_CODE_RXA 0xbu         /* code, execute/read, accessed */
#define CPU_AR_TYPE_TSS_BUSY 0xbu         /* system: 32/64-bit busy TSS */
#define CPU_AR_TYPE_LDT      0x2u         /* system: LDT */
#define CPU_AR_S             (1u << 4)    /* 1: code or data, 0: system segment */
#define CPU_AR_DPL_SHIFT     5            /* bits 6:5: descriptor privilege level */
#define CPU_AR_P             (1u << 7)    /* present */
#define CPU_AR_AVL           (1u << 12)   /* available to system software */
#define CPU_AR_L             (1u << 13)   /* 64-bit code segment */
#define CPU_AR_DB            (1u << 14)   /* default operation size 32 bit */
#define CPU_AR_G             (1u << 15)   /* granularity: limit counts 4 KiB units */
#define CPU_AR_UNUSABLE      (1u << 16)   /* segment unusable (VMX only) */

/* Control register and flag bits (SDM Vol. 3A, 2.5 and 2.2.1; Vol. 1, 3.4.3). */
#define CPU_CR0_PE   (1ull << 0)     /* protected mode */
#define CPU_CR0_ET   (1ull << 4)     /* extension type: fixed 1 since the i486 */
#define CPU_CR0_NE   (1ull << 5)     /* native x87 errors; VMX operation needs it */
#define CPU_CR0_PG   (1ull << 31)    /* paging */
#define CPU_CR4_PAE  (1ull << 5)     /* physical address extension (4-level paging) */
#define CPU_EFER_LME (1ull << 8)     /* IA32_EFER: long mode enable */
#define CPU_EFER_LMA (1ull << 10)    /* IA32_EFER: long mode active */
#define CPU_RFLAGS_FIXED (1ull << 1) /* RFLAGS bit 1 reads as 1 */
#define CPU_RFLAGS_IF    (1ull << 9) /* interrupts enabled */

/* A segment register: selector and the hidden part (VMCS guest-state form). */
struct cpu_segment {
	uint16_t selector;   /* the visible selector (index << 3 | TI << 2 | RPL) */
	uint32_t ar;         /* access rights, CPU_AR_* (0x10000 alone: unusable) */
	uint32_t limit;      /* limit in bytes (granularity already applied) */
	uint64_t base;       /* linear base address */
};

/* GDTR or IDTR. */
struct cpu_dtable {
	uint64_t base;       /* linear address of the table */
	uint16_t limit;      /* size in bytes minus one */
};

struct cpustate {
	/* General registers. */
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip;        /* first instruction (linear = physical: paging identity or off) */
	uint64_t rflags;     /* CPU_RFLAGS_FIXED, interrupts off */
	uint64_t cr0;        /* CPU_CR0_* */
	uint64_t cr3;        /* PML4 address when CR0.PG is set, else 0 */
	uint64_t cr4;        /* CPU_CR4_* */
	uint64_t efer;       /* IA32_EFER: CPU_EFER_* (LMA set means IA-32e mode guest) */
	struct cpu_segment es, cs, ss, ds, fs, gs;
	struct cpu_segment ldtr;   /* unusable: no LDT */
	struct cpu_segment tr;     /* a busy TSS at 0: VM entry needs a usable TR */
	struct cpu_dtable gdtr;    /* the boot GDT below */
	struct cpu_dtable idtr;    /* empty: the guest runs with interrupts off */
};

/* ------------------------------------------------------------ the boot GDT */

/*
 * Four descriptors at BOOT_GDT_ADDR: null, flat 32-bit code (multiboot),
 * flat 64-bit code and flat data, the last two at the selectors the Linux
 * boot protocol requires (__BOOT_CS 0x10, __BOOT_DS 0x18). Every segment
 * has base 0 and limit 4 GiB; accessed bits are preset so the CPU never
 * writes the table.
 */
#define BOOT_GDT_ADDR    0x1000u          /* guest-physical, in low RAM */
#define BOOT_GDT_ENTRIES 4u
#define BOOT_GDT_SIZE    (BOOT_GDT_ENTRIES * 8u)
#define BOOT_SEL_CODE32  0x08u            /* flat 32-bit code */
#define BOOT_SEL_CODE64  0x10u            /* flat 64-bit code: Linux __BOOT_CS */
#define BOOT_SEL_DATA    0x18u            /* flat data: Linux __BOOT_DS */

/* Descriptors (SDM Vol. 3A, 3.4.5): base 0, limit 0xfffff pages, P, DPL 0, S. */
#define BOOT_DESC_CODE32 0x00cf9b000000ffffull   /* G, D, execute/read accessed */
#define BOOT_DESC_CODE64 0x00af9b000000ffffull   /* G, L, execute/read accessed */
#define BOOT_DESC_DATA   0x00cf93000000ffffull   /* G, B, read/write accessed */

/* The descriptor at GDT index i (0 past the table's end). */
static inline uint64_t boot_gdt_desc(unsigned i)
{
	switch (i) {
	case BOOT_SEL_CODE32 >> 3:
		return BOOT_DESC_CODE32;
	case BOOT_SEL_CODE64 >> 3:
		return BOOT_DESC_CODE64;
	case BOOT_SEL_DATA >> 3:
		return BOOT_DESC_DATA;
	default:
		return 0;
	}
}

/* Writes the table, little-endian, to the BOOT_GDT_SIZE bytes at p. */
static inline void boot_gdt_write(uint8_t *p)
{
	for (unsigned i = 0; i < BOOT_GDT_ENTRIES; i++) {
		uint64_t d = boot_gdt_desc(i);
		for (unsigned b = 0; b < 8; b++)
			p[i * 8 + b] = (uint8_t)(d >> (8 * b));
	}
}

/* The segment register state that loading selector sel from the boot GDT gives. */
static inline struct cpu_segment boot_segment(uint16_t sel)
{
	uint64_t d = boot_gdt_desc(sel >> 3);
	uint32_t limit = (uint32_t)(d & 0xffff) | (uint32_t)((d >> 48) & 0xf) << 16;
	uint32_t ar = (uint32_t)((d >> 40) & 0xff) | (uint32_t)((d >> 52) & 0xf) << 12;

	if (ar & CPU_AR_G)
		limit = limit << 12 | 0xfff;
	return (struct cpu_segment){
		.selector = sel,
		.ar = ar,
		.limit = limit,
		.base = (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24,
	};
}

/*
 * Clears c and sets what both loaders share: CS = code_sel, DS = ES = FS =
 * GS = SS = the flat data segment, the boot GDT, no IDT, no LDT, a busy TSS
 * at 0 in TR (VM entry requires a usable TR; the guest loads its own),
 * interrupts off.
 */
static inline void cpustate_boot_flat(struct cpustate *c, uint16_t code_sel)
{
	*c = (struct cpustate){ 0 };
	c->rflags = CPU_RFLAGS_FIXED;
	c->cs = boot_segment(code_sel);
	c->ds = c->es = c->fs = c->gs = c->ss = boot_segment(BOOT_SEL_DATA);
	c->ldtr = (struct cpu_segment){ .ar = CPU_AR_UNUSABLE };
	c->tr = (struct cpu_segment){ .ar = CPU_AR_TYPE_TSS_BUSY | CPU_AR_P, .limit = 0xffff };
	c->gdtr = (struct cpu_dtable){ .base = BOOT_GDT_ADDR, .limit = BOOT_GDT_SIZE - 1 };
	c->idtr = (struct cpu_dtable){ 0 };
}

#endif
