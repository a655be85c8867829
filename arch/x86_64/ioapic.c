/* SPDX-License-Identifier: GPL-2.0-only */
/* The I/O APIC: routes device interrupt lines (GSIs) to vectors. */
#include "apic.h"
#include "console.h"
#include "irq.h"
#include "paging.h"
#include "percpu.h"
#include "trap.h"
#include "x86.h"

#define IOAPIC_DEFAULT_PHYS 0xfec00000ull
#define IOREGSEL 0                   /* index register (dword offset) */
#define IOWIN 4                      /* data register (dword offset 0x10) */
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL 0x10           /* two registers per line */
#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_LOW (1u << 13)

static volatile uint32_t *ioapic;
static unsigned lines;
static uint32_t rte_low[IRQ_MAX_LINES];   /* the low word of each line's entry */

static uint32_t read_reg(unsigned reg)
{
	ioapic[IOREGSEL] = reg;
	return ioapic[IOWIN];
}

static void write_reg(unsigned reg, uint32_t v)
{
	ioapic[IOREGSEL] = reg;
	ioapic[IOWIN] = v;
}

static void write_rte(unsigned gsi)
{
	write_reg(IOAPIC_REDTBL + 2 * gsi, rte_low[gsi]);
}

static void ioapic_irq(unsigned vector)
{
	unsigned gsi = vector - VEC_IRQ_BASE;

	lapic_eoi();
	irq_raise(gsi);
}

unsigned arch_irq_init(uint64_t phys, uint32_t gsi_base)
{
	if (!phys)
		phys = IOAPIC_DEFAULT_PHYS;
	if (gsi_base) {
		klog(LOG_WARN, "ioapic: GSI base %u unsupported; no device interrupts\n", gsi_base);
		return 0;
	}
	ioapic = arch_map_mmio(phys, PAGE_SIZE);
	lines = ((read_reg(IOAPIC_VER) >> 16) & 0xff) + 1;
	if (lines > IRQ_MAX_LINES)
		lines = IRQ_MAX_LINES;
	for (unsigned gsi = 0; gsi < lines; gsi++) {
		rte_low[gsi] = RTE_MASKED | (VEC_IRQ_BASE + gsi);
		write_rte(gsi);
		write_reg(IOAPIC_REDTBL + 2 * gsi + 1, (uint32_t)lapic_id() << 24);
		trap_set_handler(VEC_IRQ_BASE + gsi, ioapic_irq);
	}
	klog(LOG_INFO, "ioapic: at %#llx, %u lines, vectors %#x-%#x\n", (unsigned long long)phys,
	     lines, VEC_IRQ_BASE, VEC_IRQ_BASE + lines - 1);
	return lines;
}

void arch_irq_configure(unsigned gsi, bool level, bool low)
{
	if (gsi >= lines)
		return;
	rte_low[gsi] = (rte_low[gsi] & RTE_MASKED) | (level ? RTE_LEVEL : 0) | (low ? RTE_LOW : 0) |
		       (VEC_IRQ_BASE + gsi);
	write_rte(gsi);
}

void arch_irq_route(unsigned gsi, unsigned cpu)
{
	if (gsi >= lines)
		return;
	write_reg(IOAPIC_REDTBL + 2 * gsi + 1, cpus[cpu].arch.apic_id << 24);   /* physical mode */
}

void arch_irq_mask(unsigned gsi, bool masked)
{
	if (gsi >= lines)
		return;
	rte_low[gsi] = masked ? rte_low[gsi] | RTE_MASKED : rte_low[gsi] & ~RTE_MASKED;
	write_rte(gsi);
}
