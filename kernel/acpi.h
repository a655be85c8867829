/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The little of ACPI the kernel needs: from the RSDP (which the boot
 * loader copies into the Multiboot2 information) to the MADT, for the
 * I/O APIC's address and the ISA interrupt overrides. Every table's
 * signature, length and checksum is checked before it is used.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include "types.h"

#define ACPI_ISA_IRQS 16

struct acpi_irq_info {
	bool found;                        /* a MADT with an I/O APIC was found */
	uint64_t ioapic_phys;
	uint32_t ioapic_gsi_base;
	uint32_t isa_gsi[ACPI_ISA_IRQS];   /* ISA IRQ n arrives at this GSI */
	bool isa_level[ACPI_ISA_IRQS];     /* level-triggered (else edge) */
	bool isa_low[ACPI_ISA_IRQS];       /* active low (else high) */
};

/* Maps len bytes of physical memory for reading (provided by the caller). */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len);

/* Fills info from the RSDP copy (rsdp_len bytes); returns NULL or why not.
 * Without a MADT, ISA IRQ n is GSI n, edge-triggered, active high. */
const char *acpi_irq_info(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
			  struct acpi_irq_info *info);

#endif
