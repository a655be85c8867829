/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * MP tables (Intel MultiProcessor Specification 1.4) for the VMM's board:
 * how a guest without ACPI learns that there is a local APIC, an I/O APIC
 * and how the ISA and PCI interrupt lines reach it. Linux finds the
 * floating pointer by scanning 0xf0000-0xfffff and then runs its
 * interrupts through the I/O APIC and the local APIC (timer included)
 * instead of the 8259 pair in virtual-wire mode.
 *
 * The tables describe cpus processors (local APIC IDs 0..cpus-1, all
 * enabled, the first the bootstrap processor), bus 0 PCI and bus 1 ISA, one I/O
 * APIC, ISA IRQ n on pin n except IRQ 0 on pin 2 and the cascade IRQ 2
 * not at all, each PCI function's INTA# on its pin (level, active low;
 * that pin's ISA entry is left out), and the local APIC's LINT0 (ExtINT:
 * the 8259s, virtual wire) and LINT1 (NMI), as every local APIC's (an OS
 * uses LINT0 on the bootstrap processor only).
 */
#ifndef VMM_LOADER_MPTABLE_H
#define VMM_LOADER_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#define MPTABLE_MAX_PCI 4

struct mptable_config {
	unsigned cpus;               /* processors, 1..255: local APIC IDs 0..cpus-1, 0 the BSP */
	uint32_t lapic_base;         /* the local APICs' physical address */
	uint8_t ioapic_id;           /* no processor's: at least cpus (the board's: BOARD_IOAPIC_ID) */
	uint8_t ioapic_version;
	uint32_t ioapic_base;
	unsigned ioapic_pins;        /* ISA IRQs on pins below this */
	unsigned pci_count;          /* PCI functions 00:slot.0 with INTA#, 0..MPTABLE_MAX_PCI */
	struct {
		unsigned slot;       /* 1..31 */
		unsigned pin;        /* the I/O APIC pin of its INTA# */
	} pci[MPTABLE_MAX_PCI];
};

/* The floating pointer (16 bytes) and then the configuration table,
 * written to dst, which the guest sees at guest-physical gpa (16-byte
 * aligned). Returns the bytes written, or 0 if room is too small or the
 * configuration is unusable (gpa not aligned, gpa + room above 4 GiB, no
 * processor, the I/O APIC's ID a processor's, pins out of range, two PCI
 * functions on one slot or pin). */
size_t mptable_write(uint8_t *dst, size_t room, uint64_t gpa, const struct mptable_config *c);

#endif
