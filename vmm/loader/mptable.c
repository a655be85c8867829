/* SPDX-License-Identifier: BSD-2-Clause */
/* MP tables for the board (see mptable.h; MP specification 1.4, chapter 4). */
#include "mptable.h"

#include <stdbool.h>

#define FLOATING_LEN 16
#define HEADER_LEN   44
#define BUS_PCI 0
#define BUS_ISA 1
#define ISA_IRQS 16
#define INT_FLAGS_PCI 0x0f           /* level triggered, active low */
#define LAPIC_VERSION 0x14
#define MAX_CPUS 255                 /* APIC IDs below 0xff (the broadcast ID) */
#define CPU_ENTRY_LEN 20
#define CPU_ENABLED   0x01           /* processor entry flags: usable */
#define CPU_BSP       0x02           /* ... the bootstrap processor */
#define CPU_SIGNATURE 0x600          /* family 6 */
#define CPU_FEATURES  ((1u << 9) | 1u)   /* CPUID.1:EDX: an APIC, an FPU */

enum { ENTRY_CPU, ENTRY_BUS, ENTRY_IOAPIC, ENTRY_IOINT, ENTRY_LINT };
enum { INT_INT = 0, INT_NMI = 1, INT_EXTINT = 3 };

struct writer {
	uint8_t *p, *end;
	unsigned entries;
};

static bool put(struct writer *w, const void *src, size_t n)
{
	if ((size_t)(w->end - w->p) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		w->p[i] = ((const uint8_t *)src)[i];
	w->p += n;
	return true;
}

static void le(uint8_t *at, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		at[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* An 8-byte interrupt assignment entry (type 3: to an I/O APIC pin; type 4:
 * to a local APIC LINT input, dest 0xff = every local APIC). */
static bool interrupt(struct writer *w, unsigned type, unsigned kind, unsigned flags, unsigned bus,
		      unsigned irq, unsigned dest, unsigned pin)
{
	uint8_t e[8] = { (uint8_t)type, (uint8_t)kind, (uint8_t)flags, (uint8_t)(flags >> 8), (uint8_t)bus,
			 (uint8_t)irq, (uint8_t)dest, (uint8_t)pin };
	w->entries++;
	return put(w, e, sizeof(e));
}

size_t mptable_write(uint8_t *dst, size_t room, uint64_t gpa, const struct mptable_config *c)
{
	if ((gpa & 15) || gpa + room > 0x100000000ull || c->cpus < 1 || c->cpus > MAX_CPUS ||
	    c->ioapic_id < c->cpus || c->ioapic_pins < ISA_IRQS || c->ioapic_pins > 256 ||
	    c->pci_count > MPTABLE_MAX_PCI)
		return 0;
	for (unsigned i = 0; i < c->pci_count; i++) {
		if (!c->pci[i].slot || c->pci[i].slot > 31 || c->pci[i].pin >= c->ioapic_pins)
			return 0;
		for (unsigned k = 0; k < i; k++)
			if (c->pci[k].slot == c->pci[i].slot || c->pci[k].pin == c->pci[i].pin)
				return 0;
	}
	struct writer w = { .p = dst, .end = dst + room };
	uint8_t header[HEADER_LEN] = "PCMP";
	if (!put(&w, (uint8_t[FLOATING_LEN]){ 0 }, FLOATING_LEN) || !put(&w, header, HEADER_LEN))
		return 0;

	/* The processors: enabled, the first the bootstrap processor; family 6,
	 * an APIC and an FPU. */
	bool ok = true;
	for (unsigned i = 0; i < c->cpus && ok; i++) {
		uint8_t cpu[CPU_ENTRY_LEN] = { ENTRY_CPU, (uint8_t)i, LAPIC_VERSION,
					       (uint8_t)(CPU_ENABLED | (i == 0 ? CPU_BSP : 0)) };
		le(cpu + 4, CPU_SIGNATURE, 4);
		le(cpu + 8, CPU_FEATURES, 4);
		w.entries++;
		ok = put(&w, cpu, sizeof(cpu));
	}
	uint8_t pci[8] = { ENTRY_BUS, BUS_PCI, 'P', 'C', 'I', ' ', ' ', ' ' };
	uint8_t isa[8] = { ENTRY_BUS, BUS_ISA, 'I', 'S', 'A', ' ', ' ', ' ' };
	uint8_t ioapic[8] = { ENTRY_IOAPIC, c->ioapic_id, c->ioapic_version, 0x01 };
	le(ioapic + 4, c->ioapic_base, 4);
	w.entries += 3;
	ok = ok && put(&w, pci, 8) && put(&w, isa, 8) && put(&w, ioapic, 8);
	/* The PIT on pin 2, the other ISA IRQs identity (flags 0: as the ISA
	 * bus has them, edge and active high). The 8259s reach the CPU through
	 * LINT0 only (virtual wire), not through pin 0. */
	for (unsigned irq = 0; irq < ISA_IRQS && ok; irq++) {
		unsigned pin = irq == 0 ? 2 : irq;
		bool pci_pin = false;
		for (unsigned i = 0; i < c->pci_count; i++)
			pci_pin |= pin == c->pci[i].pin;
		if (irq == 2 || pci_pin)
			continue;
		ok = interrupt(&w, ENTRY_IOINT, INT_INT, 0, BUS_ISA, irq, c->ioapic_id, pin);
	}
	/* PCI: source IRQ = device << 2 | INTx# (0: INTA#). */
	for (unsigned i = 0; i < c->pci_count; i++)
		ok = ok && interrupt(&w, ENTRY_IOINT, INT_INT, INT_FLAGS_PCI, BUS_PCI, c->pci[i].slot << 2,
				     c->ioapic_id, c->pci[i].pin);
	ok = ok && interrupt(&w, ENTRY_LINT, INT_EXTINT, 0, BUS_ISA, 0, 0xff, 0) &&
	     interrupt(&w, ENTRY_LINT, INT_NMI, 0, BUS_ISA, 0, 0xff, 1);
	if (!ok)
		return 0;

	uint8_t *table = dst + FLOATING_LEN;
	size_t table_len = (size_t)(w.p - table);
	le(table + 4, table_len, 2);
	table[6] = 4;                                    /* specification 1.4 */
	for (unsigned i = 0; i < 20; i++)
		table[8 + i] = (uint8_t)"L4HV    L4 VMM      "[i];
	le(table + 34, w.entries, 2);
	le(table + 36, c->lapic_base, 4);
	table[7] = checksum(table, table_len);

	dst[0] = '_', dst[1] = 'M', dst[2] = 'P', dst[3] = '_';
	le(dst + 4, gpa + FLOATING_LEN, 4);
	dst[8] = 1;                                      /* 16 bytes */
	dst[9] = 4;
	dst[10] = checksum(dst, FLOATING_LEN);
	return (size_t)(w.p - dst);
}
