/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * I/O APIC model: an ICH-style I/O (x) APIC, version 0x20, 24 pins (Intel
 * 82093AA datasheet for the registers, ICH datasheets for the version 0x20
 * EOI register). MMIO at 0xFEC00000: IOREGSEL at 0x00 selects the register
 * that IOWIN at 0x10 reads and writes; writing a vector to EOI at 0x40 ends
 * level-triggered interrupts as an EOI message from a local APIC does.
 *
 * Pin inputs are logical: level 1 means asserted, whatever the polarity bit
 * says (the board's MADT and the wiring agree on what asserted means).
 */
#ifndef VMM_DEV_IOAPIC_H
#define VMM_DEV_IOAPIC_H

#include "dev.h"

#define IOAPIC_DEFAULT_BASE 0xFEC00000ull   /* conventional PC location */
#define IOAPIC_MMIO_SIZE    0x1000u         /* the window the board maps */
#define IOAPIC_PINS         24u             /* redirection entries 0..23 */

/* MMIO offsets. */
#define IOAPIC_IOREGSEL 0x00u   /* register select (index), bits 7:0 */
#define IOAPIC_IOWIN    0x10u   /* register window (data), 32 bits */
#define IOAPIC_EOIR     0x40u   /* EOI register (version 0x20 and later), vector in bits 7:0 */

/* Registers behind IOREGSEL. */
#define IOAPIC_REG_ID    0x00u   /* ID in bits 27:24 */
#define IOAPIC_REG_VER   0x01u   /* version and maximum redirection entry */
#define IOAPIC_REG_ARB   0x02u   /* arbitration ID in bits 27:24 */
#define IOAPIC_REG_REDIR 0x10u   /* entry n: low dword at 0x10 + 2n, high dword at 0x11 + 2n */

#define IOAPIC_VERSION      0x20u   /* ICH I/O APIC: has the EOI register */
#define IOAPIC_VER_MAXREDIR_SHIFT 16 /* bits 23:16: number of entries minus one */
#define IOAPIC_ID_SHIFT     24
#define IOAPIC_ID_MASK      (0xFu << IOAPIC_ID_SHIFT)   /* 4-bit APIC ID */

/* Redirection entry fields. */
#define IOAPIC_RTE_VECTOR     0xFFull          /* bits 7:0: vector */
#define IOAPIC_RTE_DM_SHIFT   8                /* bits 10:8: delivery mode */
#define IOAPIC_RTE_DM_MASK    (7ull << 8)
#define IOAPIC_RTE_LOGICAL    (1ull << 11)     /* destination mode logical */
#define IOAPIC_RTE_DS         (1ull << 12)     /* delivery status, read only */
#define IOAPIC_RTE_POLARITY   (1ull << 13)     /* input active low */
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)     /* level interrupt accepted, EOI pending; RO */
#define IOAPIC_RTE_LEVEL      (1ull << 15)     /* trigger mode level */
#define IOAPIC_RTE_MASKED     (1ull << 16)     /* interrupt mask */
#define IOAPIC_RTE_DEST_SHIFT 56               /* bits 63:56: destination */
#define IOAPIC_RTE_DEST_MASK  (0xFFull << 56)
/* The bits software can write (the rest is read-only or reserved and reads 0). */
#define IOAPIC_RTE_WMASK (IOAPIC_RTE_VECTOR | IOAPIC_RTE_DM_MASK | IOAPIC_RTE_LOGICAL | \
			  IOAPIC_RTE_POLARITY | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED |  \
			  IOAPIC_RTE_DEST_MASK)

/*
 * An interrupt message to the local APICs: destination (APIC ID, or
 * logical with dest_mode 1), delivery mode (IOAPIC_RTE_DM_* >> 8: 0 fixed,
 * 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT), vector, and level
 * when the entry is level triggered (the LAPIC then sets TMR and its EOI
 * comes back through ioapic_eoi). Returns whether a local APIC accepted
 * it: a level-triggered message nobody took (a destination with no APIC,
 * APICs disabled) leaves remote IRR clear, so the pin is not held up
 * waiting for an EOI that cannot come; it is sent again at the pin's next
 * change, entry write or EOI while the line stays asserted.
 */
typedef bool (*ioapic_deliver_fn)(void *ctx, uint32_t dest, unsigned dest_mode,
				  unsigned delivery_mode, uint8_t vector, bool level);

struct ioapic {
	ioapic_deliver_fn deliver;
	void *ctx;
	uint32_t id;                     /* ID register (bits 27:24) */
	uint8_t regsel;                  /* IOREGSEL */
	uint32_t lines;                  /* input levels, bit n = pin n asserted */
	uint32_t irr;                    /* pins with an interrupt waiting to be delivered */
	uint32_t rescan;                 /* pins to look at again (see service()) */
	bool in_service;                 /* delivering: calls back into the model only note pins */
	uint64_t redir[IOAPIC_PINS];
};

/* Reset state: ID 0, every entry masked, all inputs low. */
void ioapic_init(struct ioapic *io, ioapic_deliver_fn deliver, void *ctx);

/*
 * MMIO window (offsets from the base). Reads of 1, 2 or 4 bytes within
 * IOREGSEL or IOWIN return those bytes; other reads return 0. IOREGSEL
 * takes writes of any size 1-4 (its low byte), IOWIN and EOI only 4-byte
 * writes; others are ignored.
 */
uint64_t ioapic_mmio_read(struct ioapic *io, uint64_t offset, unsigned size, vdev_time_t now);
void ioapic_mmio_write(struct ioapic *io, uint64_t offset, unsigned size, uint64_t val,
		       vdev_time_t now);

/*
 * Input pin (>= IOAPIC_PINS ignored), level 1 asserted. Edge-triggered
 * entries deliver on a rising edge; one that arrives while the entry is
 * masked is ignored, not held pending (82093AA datasheet, "Interrupt
 * Mask"): unmasking delivers nothing, and a guest that masked a line
 * catches up on what it missed itself (Linux resends in software). A held
 * edge would interrupt the guest at its unmask, where Linux holds the
 * interrupt's descriptor lock (request_irq). Level-triggered entries
 * deliver while asserted, unmasked and remote IRR is clear.
 */
void ioapic_set_irq(struct ioapic *io, unsigned pin, int level);

/* The same, in the form of struct vdev_irq's set (ctx is the struct ioapic). */
void ioapic_irq_input(void *ctx, unsigned pin, int level);

static inline struct vdev_irq ioapic_vdev_irq(struct ioapic *io)
{
	return (struct vdev_irq){ .set = ioapic_irq_input, .ctx = io };
}

/* A local APIC's EOI for vector: clears remote IRR of the level entries with it, redelivers. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif
