/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The little of ACPI the kernel needs: from the RSDP (which the boot
 * loader copies into the Multiboot2 information) to the MADT, for the
 * I/O APIC's address and the ISA interrupt overrides, and for the list of
 * processors and the local APIC's address. Every table's signature, length
 * and checksum is checked before it is used.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include "types.h"

#define ACPI_ISA_IRQS 16
#define ACPI_MAX_CPUS 64

struct acpi_irq_info {
	bool found;                        /* a MADT with an I/O APIC was found */
	uint64_t ioapic_phys;
	uint32_t ioapic_gsi_base;
	uint32_t isa_gsi[ACPI_ISA_IRQS];   /* ISA IRQ n arrives at this GSI */
	bool isa_level[ACPI_ISA_IRQS];     /* level-triggered (else edge) */
	bool isa_low[ACPI_ISA_IRQS];       /* active low (else high) */
};

struct acpi_cpu_info {
	unsigned count;                    /* usable processors listed (enabled or online-capable) */
	uint32_t apic_id[ACPI_MAX_CPUS];   /* their local APIC (or x2APIC) IDs, in MADT order */
	bool enabled[ACPI_MAX_CPUS];       /* running now (else online-capable: may be added later) */
	unsigned ignored;                  /* listed beyond ACPI_MAX_CPUS, or duplicates */
	uint64_t lapic_phys;               /* local APIC address (MADT header, or the type-5 override) */
};

/* Maps len bytes of physical memory for reading (provided by the caller). */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len);

/* Fills info from the RSDP copy (rsdp_len bytes); returns NULL or why not.
 * Without a MADT, ISA IRQ n is GSI n, edge-triggered, active high. */
const char *acpi_irq_info(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
			  struct acpi_irq_info *info);

/*
 * Fills info with the processors the MADT lists (Processor Local APIC and
 * Processor Local x2APIC entries) and the local APIC's address; returns NULL
 * or why not. A processor neither enabled nor online-capable is left out, as
 * is one with the broadcast ID (0xff, 0xffffffff); a second entry for an ID
 * already listed and entries beyond ACPI_MAX_CPUS are counted in ignored.
 * An entry shorter than its type's structure, or running past the table's
 * end, is refused (a longer one is accepted: later ACPI revisions may add
 * fields). On failure info is all zero: run on the boot processor alone.
 */
const char *acpi_cpu_info(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
			  struct acpi_cpu_info *info);

#endif
