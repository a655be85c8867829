/* SPDX-License-Identifier: GPL-2.0-only */
/* Global descriptor table and task state segment. */
#include "percpu.h"
#include "trap.h"
#include "x86.h"

/* Code/data descriptors: flat, 64-bit code has L=1. */
#define DESC_KCODE 0x00af9a000000ffffull   /* present, DPL0, execute/read, L */
#define DESC_KDATA 0x00cf92000000ffffull   /* present, DPL0, read/write */
#define DESC_UDATA 0x00cff2000000ffffull   /* present, DPL3, read/write */
#define DESC_UCODE 0x00affa000000ffffull   /* present, DPL3, execute/read, L */
#define DESC_TSS_TYPE 0x89ull             /* present, 64-bit available TSS */

/* Each CPU's TSS (with its I/O permission bitmap and the byte of all ones
 * the CPU needs after it) and GDT are in its struct percpu. */
#define io_map (this_arch->tss_io)
#define tss (this_arch->tss_io.tss)
#define gdt (cpu_self()->arch.gdt)
#define io_loaded_gen (this_arch->io_loaded_gen)
#define io_loaded_len (this_arch->io_loaded_len)

struct cpu_stacks cpu_stacks[MAX_CPUS] __attribute__((aligned(PAGE_SIZE), section(".bss.stacks")));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void tss_set_io_bitmap(uint64_t gen, const uint8_t *const pages[2], uint32_t len)
{
	if (!gen) {
		tss.iomap_base = IOMAP_NONE;
		return;
	}
	tss.iomap_base = sizeof(tss);
	if (gen == io_loaded_gen)
		return;
	/* Copy only the bytes the new owner uses; deny what the old one used beyond. */
	for (uint32_t i = 0; i < len; i++)
		io_map.bitmap[i] = pages[i / PAGE_SIZE][i % PAGE_SIZE];
	for (uint32_t i = len; i < io_loaded_len; i++)
		io_map.bitmap[i] = 0xff;
	io_loaded_gen = gen;
	io_loaded_len = len;
}

/* A VM exit leaves the GDTR and IDTR limits at 0xffff and the TR limit at
 * 0x67: reload all three (TR needs its busy bit cleared first). */
void desc_tables_reload(void)
{
	struct desc_ptr gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };

	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	idt_reload();
	gdt[SEL_TSS >> 3] &= ~(2ull << 40);      /* busy TSS (type 0xb) back to available (0x9) */
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS));
}

void gdt_init(void)
{
	struct percpu *c = cpu_self();
	struct cpu_stacks *st = &cpu_stacks[c->id];
	uint64_t base = (uintptr_t)&c->arch.tss_io, limit = sizeof(c->arch.tss_io) - 1;

	gdt[0] = 0;
	gdt[SEL_KCODE >> 3] = DESC_KCODE;
	gdt[SEL_KDATA >> 3] = DESC_KDATA;
	gdt[SEL_UDATA >> 3] = DESC_UDATA;
	gdt[SEL_UCODE >> 3] = DESC_UCODE;
	/* A system descriptor takes two slots in long mode. */
	gdt[SEL_TSS >> 3] = (limit & 0xffff) | (base & 0xffffff) << 16 | DESC_TSS_TYPE << 40 |
			    ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt[(SEL_TSS >> 3) + 1] = base >> 32;

	for (unsigned i = 0; i < IST_STACKS; i++)          /* IST_DF .. IST_DB: 1 .. 4 */
		tss.ist[i] = (uintptr_t)st->ist[i].stack + IST_STACK_SIZE;
	c->arch.kstack_top = (uintptr_t)st->kstack + KSTACK_SIZE;
	for (unsigned i = 0; i < IO_BITMAP_BYTES; i++)
		io_map.bitmap[i] = 0xff;
	io_map.end = 0xff;
	tss.iomap_base = IOMAP_NONE;     /* until a task with I/O ports runs */

	struct desc_ptr gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };
	__asm__ volatile(
		"lgdt %0\n"
		"pushq %1\n"
		"leaq 1f(%%rip), %%rax\n"
		"pushq %%rax\n"
		"lretq\n"
		"1: movl %2, %%eax\n"
		"movw %%ax, %%ds\n"
		"movw %%ax, %%es\n"
		"movw %%ax, %%ss\n"
		"xorl %%eax, %%eax\n"
		"movw %%ax, %%fs\n"
		"ltr %w3\n"
		: : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"((uint16_t)SEL_TSS)
		: "rax", "memory");
}

const char *stack_guard_hit(uint64_t addr, unsigned *cpu)
{
	static const char *const names[IST_STACKS] = { "double-fault", "NMI", "machine-check", "debug" };
	uint64_t first = (uintptr_t)cpu_stacks, off = addr - first;

	if (addr < first || off >= sizeof(cpu_stacks))
		return NULL;
	const struct cpu_stacks *st = &cpu_stacks[off / sizeof(struct cpu_stacks)];
	*cpu = (unsigned)(off / sizeof(struct cpu_stacks));
	if (addr - (uintptr_t)st->guard < STACK_GUARD)
		return "kernel";
	for (unsigned i = 0; i < IST_STACKS; i++)
		if (addr - (uintptr_t)st->ist[i].guard < STACK_GUARD)
			return names[i];
	return NULL;
}
