/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/ioapic.c: the indirect register interface as Linux's
 * io_apic.c uses it, edge and level delivery, remote IRR and EOI (through a
 * LAPIC EOI and the version 0x20 EOI register), masking, and a random run.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/ioapic.h"

/* ------------------------------------------------------------ fixture */

#define MAX_RECORDS 64

struct message {
	uint32_t dest;
	unsigned dest_mode, delivery_mode;
	uint8_t vector;
	bool level;
};

static struct {
	unsigned count;
	struct message msg[MAX_RECORDS];
	struct ioapic *io;        /* for callbacks that check or call back */
	unsigned eoi_in_deliver;  /* EOIs the callback issues itself (re-entrancy test) */
	bool refuse;              /* no local APIC accepts the messages */
} rec;

static bool record(void *ctx, uint32_t dest, unsigned dest_mode, unsigned delivery_mode,
		   uint8_t vector, bool level)
{
	ck_assert_ptr_eq(ctx, &rec);
	if (rec.count < MAX_RECORDS)
		rec.msg[rec.count] = (struct message){ dest, dest_mode, delivery_mode, vector, level };
	rec.count++;
	if (rec.eoi_in_deliver) {
		rec.eoi_in_deliver--;
		ioapic_eoi(rec.io, vector);
	}
	return !rec.refuse;
}

static void setup(struct ioapic *io)
{
	memset(&rec, 0, sizeof(rec));
	rec.io = io;
	ioapic_init(io, record, &rec);
}

/* Linux's io_apic_read / io_apic_write: index to IOREGSEL, data through IOWIN. */
static uint32_t reg_rd(struct ioapic *io, unsigned reg)
{
	ioapic_mmio_write(io, IOAPIC_IOREGSEL, 4, reg, 0);
	return (uint32_t)ioapic_mmio_read(io, IOAPIC_IOWIN, 4, 0);
}

static void reg_wr(struct ioapic *io, unsigned reg, uint32_t val)
{
	ioapic_mmio_write(io, IOAPIC_IOREGSEL, 4, reg, 0);
	ioapic_mmio_write(io, IOAPIC_IOWIN, 4, val, 0);
}

/* ioapic_write_entry: the high dword first, then the low one (which may unmask). */
static void set_entry(struct ioapic *io, unsigned pin, uint64_t rte)
{
	reg_wr(io, IOAPIC_REG_REDIR + 2 * pin + 1, (uint32_t)(rte >> 32));
	reg_wr(io, IOAPIC_REG_REDIR + 2 * pin, (uint32_t)rte);
}

static uint64_t get_entry(struct ioapic *io, unsigned pin)
{
	return (uint64_t)reg_rd(io, IOAPIC_REG_REDIR + 2 * pin + 1) << 32 |
	       reg_rd(io, IOAPIC_REG_REDIR + 2 * pin);
}

static void check_message(unsigned i, uint32_t dest, unsigned dest_mode, unsigned dm,
			  uint8_t vector, bool level)
{
	ck_assert_uint_gt(rec.count, i);
	ck_assert_uint_eq(rec.msg[i].dest, dest);
	ck_assert_uint_eq(rec.msg[i].dest_mode, dest_mode);
	ck_assert_uint_eq(rec.msg[i].delivery_mode, dm);
	ck_assert_uint_eq(rec.msg[i].vector, vector);
	ck_assert_int_eq(rec.msg[i].level, level);
}

#define DEST(id) ((uint64_t)(id) << IOAPIC_RTE_DEST_SHIFT)

/* ------------------------------------------------------------ registers */

START_TEST(test_id_version_arbitration)
{
	struct ioapic io;

	setup(&io);
	/* Linux: version 0x20, 24 entries (max redirection entry 23). */
	uint32_t ver = reg_rd(&io, IOAPIC_REG_VER);
	ck_assert_uint_eq(ver, 0x00170020);
	ck_assert_uint_eq(((ver >> 16) & 0xFF) + 1, 24);
	reg_wr(&io, IOAPIC_REG_VER, 0);
	ck_assert_uint_eq(reg_rd(&io, IOAPIC_REG_VER), 0x00170020);
	ck_assert_uint_eq(reg_rd(&io, IOAPIC_REG_ID), 0);
	reg_wr(&io, IOAPIC_REG_ID, 0xFFFFFFFF);   /* only the 4-bit ID is writable */
	ck_assert_uint_eq(reg_rd(&io, IOAPIC_REG_ID), 0x0F000000);
	reg_wr(&io, IOAPIC_REG_ID, 0x02000000);
	ck_assert_uint_eq(reg_rd(&io, IOAPIC_REG_ID), 0x02000000);
	ck_assert_uint_eq(reg_rd(&io, IOAPIC_REG_ARB), 0x02000000);
	reg_wr(&io, IOAPIC_REG_ARB, 0x05000000);
	ck_assert_uint_eq(reg_rd(&io, IOAPIC_REG_ARB), 0x02000000);
	/* Reserved indexes read 0 and ignore writes. */
	reg_wr(&io, 0x03, 0x12345678);
	ck_assert_uint_eq(reg_rd(&io, 0x03), 0);
	ck_assert_uint_eq(reg_rd(&io, 0x0F), 0);
	ck_assert_uint_eq(reg_rd(&io, 0x40), 0);   /* just past entry 23 */
	ck_assert_uint_eq(reg_rd(&io, 0xFF), 0);
	/* IOREGSEL reads back its 8 bits. */
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, 0x12345611, 0);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4, 0), 0x11);
}
END_TEST

START_TEST(test_redirection_entry_bits)
{
	struct ioapic io;

	setup(&io);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		ck_assert_uint_eq(get_entry(&io, pin), IOAPIC_RTE_MASKED);   /* reset: masked */
	/* Writable: vector, delivery mode, dest mode, polarity, trigger, mask, destination. */
	set_entry(&io, 5, ~0ull);
	ck_assert_uint_eq(get_entry(&io, 5), 0xFF0000000001AFFFull);
	set_entry(&io, 5, 0);
	ck_assert_uint_eq(get_entry(&io, 5), 0);
	ck_assert_uint_eq(rec.count, 0);   /* nothing asserted: nothing delivered */
	set_entry(&io, 23, DEST(3) | IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY | 0x7B);
	ck_assert_uint_eq(get_entry(&io, 23), DEST(3) | 0xA07B);
	ck_assert_uint_eq(get_entry(&io, 22), IOAPIC_RTE_MASKED);
}
END_TEST

START_TEST(test_mmio_access_sizes)
{
	struct ioapic io;

	setup(&io);
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 1, IOAPIC_REG_VER, 0);   /* byte index write */
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4, 0), 0x00170020);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN, 1, 0), 0x20);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN + 2, 1, 0), 0x17);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN + 2, 2, 0), 0x0017);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN + 3, 2, 0), 0);   /* crosses */
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN, 8, 0), 0);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 1, 0), IOAPIC_REG_VER);
	ck_assert_uint_eq(ioapic_mmio_read(&io, 0x20, 4, 0), 0);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_EOIR, 4, 0), 0);        /* write only */
	ck_assert_uint_eq(ioapic_mmio_read(&io, 0xFFFFFFFFFFull, 4, 0), 0);
	/* IOWIN writes must be dwords. */
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, IOAPIC_REG_ID, 0);
	ioapic_mmio_write(&io, IOAPIC_IOWIN, 2, 0x0F000000, 0);
	ioapic_mmio_write(&io, IOAPIC_IOWIN + 3, 1, 0x0F, 0);
	ioapic_mmio_write(&io, IOAPIC_IOWIN, 8, 0x0F000000, 0);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4, 0), 0);
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 8, IOAPIC_REG_VER, 0);         /* ignored */
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4, 0), IOAPIC_REG_ID);
	ioapic_mmio_write(&io, 0x04, 4, IOAPIC_REG_VER, 0);                    /* not IOREGSEL */
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4, 0), IOAPIC_REG_ID);
}
END_TEST

/* ------------------------------------------------------------ delivery */

START_TEST(test_edge_delivers_on_rising_edge)
{
	struct ioapic io;

	setup(&io);
	set_entry(&io, 4, DEST(1) | 0x34);   /* edge, fixed, physical, unmasked */
	ck_assert_uint_eq(rec.count, 0);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_uint_eq(rec.count, 1);
	check_message(0, 1, 0, 0, 0x34, false);
	ioapic_set_irq(&io, 4, 1);   /* still high: no edge */
	ioapic_set_irq(&io, 4, 0);
	ck_assert_uint_eq(rec.count, 1);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_uint_eq(rec.count, 2);
	ck_assert_uint_eq(get_entry(&io, 4) & (IOAPIC_RTE_REMOTE_IRR | IOAPIC_RTE_DS), 0);
	ioapic_eoi(&io, 0x34);       /* edge entries ignore EOIs */
	ck_assert_uint_eq(rec.count, 2);
	/* Pins past 23 do not exist. */
	ioapic_set_irq(&io, 24, 1);
	ioapic_set_irq(&io, 1000, 1);
	ck_assert_uint_eq(rec.count, 2);
}
END_TEST

/*
 * An edge on a masked pin is not held (82093AA: "Edge-sensitive interrupts
 * signaled on a masked interrupt pin are ignored (i.e., not delivered or
 * held pending)"). Held, the edge of an i8042 answer in Linux's probe
 * (pin 1 still masked) came when Linux's request_irq(1) wrote pin 1's
 * entry, unmasked, inside the interrupt's descriptor lock with interrupts
 * off; under Bochs the guest took it there and spun on that lock (make run
 * hung after "i8042: Probing ports directly.", see vmm/irq.h).
 */
START_TEST(test_edge_while_masked_is_ignored)
{
	struct ioapic io;

	setup(&io);
	set_entry(&io, 1, DEST(0) | IOAPIC_RTE_MASKED | 0x31);
	ioapic_set_irq(&io, 1, 1);
	ioapic_set_irq(&io, 1, 0);
	ioapic_set_irq(&io, 1, 1);
	ck_assert_uint_eq(rec.count, 0);
	set_entry(&io, 1, DEST(0) | 0x31);   /* unmasked, the line still high: nothing */
	ck_assert_uint_eq(rec.count, 0);
	ck_assert_uint_eq(io.irr, 0);
	set_entry(&io, 1, DEST(0) | 0x31);
	ck_assert_uint_eq(rec.count, 0);
	ioapic_set_irq(&io, 1, 0);           /* the next edge, unmasked, interrupts */
	ioapic_set_irq(&io, 1, 1);
	ck_assert_uint_eq(rec.count, 1);
	check_message(0, 0, 0, 0, 0x31, false);
	/* Linux's request_irq: the entry is written masked, then unmasked. */
	set_entry(&io, 12, DEST(0) | IOAPIC_RTE_MASKED | 0x22);
	ioapic_set_irq(&io, 12, 1);
	ioapic_set_irq(&io, 12, 0);
	set_entry(&io, 12, DEST(0) | IOAPIC_RTE_MASKED | 0x22);
	set_entry(&io, 12, DEST(0) | 0x22);
	ck_assert_uint_eq(rec.count, 1);
}
END_TEST

START_TEST(test_level_remote_irr_and_eoi)
{
	struct ioapic io;

	setup(&io);
	set_entry(&io, 10, DEST(2) | IOAPIC_RTE_LEVEL | 0x5A);
	ioapic_set_irq(&io, 10, 1);
	ck_assert_uint_eq(rec.count, 1);
	check_message(0, 2, 0, 0, 0x5A, true);
	ck_assert(get_entry(&io, 10) & IOAPIC_RTE_REMOTE_IRR);
	/* While remote IRR is set the asserted line does not interrupt again. */
	ioapic_set_irq(&io, 10, 1);
	ck_assert_uint_eq(rec.count, 1);
	/* Remote IRR is read only: a write neither sets nor clears it. */
	set_entry(&io, 10, DEST(2) | IOAPIC_RTE_LEVEL | 0x5A);
	ck_assert(get_entry(&io, 10) & IOAPIC_RTE_REMOTE_IRR);
	ck_assert_uint_eq(rec.count, 1);
	/* EOI of another vector: no effect. */
	ioapic_eoi(&io, 0x5B);
	ck_assert(get_entry(&io, 10) & IOAPIC_RTE_REMOTE_IRR);
	/* EOI with the line still asserted: remote IRR cleared, delivered again. */
	ioapic_eoi(&io, 0x5A);
	ck_assert_uint_eq(rec.count, 2);
	check_message(1, 2, 0, 0, 0x5A, true);
	ck_assert(get_entry(&io, 10) & IOAPIC_RTE_REMOTE_IRR);
	/* The device deasserts, then the EOI: nothing more. */
	ioapic_set_irq(&io, 10, 0);
	ioapic_eoi(&io, 0x5A);
	ck_assert_uint_eq(rec.count, 2);
	ck_assert_uint_eq(get_entry(&io, 10) & IOAPIC_RTE_REMOTE_IRR, 0);
	ioapic_set_irq(&io, 10, 1);
	ck_assert_uint_eq(rec.count, 3);
}
END_TEST

/* A level message no local APIC accepted (its destination has none)
 * leaves remote IRR clear: no EOI could ever come for it. It goes again
 * when the entry is written (pointed at an APIC that is there). */
START_TEST(test_level_not_accepted_keeps_remote_irr_clear)
{
	struct ioapic io;

	setup(&io);
	rec.refuse = true;
	set_entry(&io, 9, DEST(7) | IOAPIC_RTE_LEVEL | 0x59);
	ioapic_set_irq(&io, 9, 1);
	ck_assert_uint_eq(rec.count, 1);
	ck_assert_uint_eq(get_entry(&io, 9) & IOAPIC_RTE_REMOTE_IRR, 0);
	rec.refuse = false;
	set_entry(&io, 9, DEST(0) | IOAPIC_RTE_LEVEL | 0x59);
	ck_assert_uint_eq(rec.count, 2);
	check_message(1, 0, 0, 0, 0x59, true);
	ck_assert(get_entry(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	/* An edge message nobody took is gone. */
	rec.refuse = true;
	set_entry(&io, 8, DEST(7) | 0x58);
	ioapic_set_irq(&io, 8, 1);
	ck_assert_uint_eq(rec.count, 3);
	rec.refuse = false;
	set_entry(&io, 8, DEST(0) | 0x58);
	ck_assert_uint_eq(rec.count, 3);
}
END_TEST

START_TEST(test_eoi_register)
{
	struct ioapic io;

	setup(&io);
	set_entry(&io, 11, DEST(0) | IOAPIC_RTE_LEVEL | 0x61);
	set_entry(&io, 12, DEST(0) | IOAPIC_RTE_LEVEL | 0x61);   /* shared vector */
	ioapic_set_irq(&io, 11, 1);
	ioapic_set_irq(&io, 12, 1);
	ck_assert_uint_eq(rec.count, 2);
	ioapic_set_irq(&io, 11, 0);
	ioapic_set_irq(&io, 12, 0);
	ioapic_mmio_write(&io, IOAPIC_EOIR, 2, 0x61, 0);   /* dword only */
	ck_assert(get_entry(&io, 11) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_mmio_write(&io, IOAPIC_EOIR, 4, 0xFFFFFF61, 0);   /* vector in bits 7:0 */
	ck_assert_uint_eq(get_entry(&io, 11) & IOAPIC_RTE_REMOTE_IRR, 0);
	ck_assert_uint_eq(get_entry(&io, 12) & IOAPIC_RTE_REMOTE_IRR, 0);
	ck_assert_uint_eq(rec.count, 2);
}
END_TEST

START_TEST(test_level_masked_then_unmasked)
{
	struct ioapic io;

	setup(&io);
	set_entry(&io, 16, DEST(0) | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED | 0x70);
	ioapic_set_irq(&io, 16, 1);
	ck_assert_uint_eq(rec.count, 0);
	ck_assert_uint_eq(get_entry(&io, 16) & IOAPIC_RTE_REMOTE_IRR, 0);
	set_entry(&io, 16, DEST(0) | IOAPIC_RTE_LEVEL | 0x70);   /* still asserted: delivers */
	ck_assert_uint_eq(rec.count, 1);
	check_message(0, 0, 0, 0, 0x70, true);
	/* Masking after delivery changes nothing about the accepted interrupt. */
	set_entry(&io, 16, DEST(0) | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED | 0x70);
	ck_assert(get_entry(&io, 16) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_eoi(&io, 0x70);
	ck_assert_uint_eq(rec.count, 1);   /* masked: waits */
	/* Deasserted while masked: unmasking delivers nothing. */
	ioapic_set_irq(&io, 16, 0);
	set_entry(&io, 16, DEST(0) | IOAPIC_RTE_LEVEL | 0x70);
	ck_assert_uint_eq(rec.count, 1);
	/* An asserted line switched from edge to level is pending at once. */
	set_entry(&io, 17, DEST(0) | 0x71);
	ioapic_set_irq(&io, 17, 1);
	ck_assert_uint_eq(rec.count, 2);
	set_entry(&io, 17, DEST(0) | IOAPIC_RTE_LEVEL | 0x71);
	ck_assert_uint_eq(rec.count, 3);
	check_message(2, 0, 0, 0, 0x71, true);
}
END_TEST

START_TEST(test_edge_mode_clears_remote_irr)
{
	struct ioapic io;

	setup(&io);
	set_entry(&io, 9, DEST(0) | IOAPIC_RTE_LEVEL | 0x41);
	ioapic_set_irq(&io, 9, 1);
	ioapic_set_irq(&io, 9, 0);
	ck_assert(get_entry(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	/* Linux's clear_IO_APIC_pin fallback: remote IRR has no meaning for edge entries. */
	set_entry(&io, 9, DEST(0) | IOAPIC_RTE_MASKED | 0x41);
	ck_assert_uint_eq(get_entry(&io, 9), DEST(0) | IOAPIC_RTE_MASKED | 0x41);
	set_entry(&io, 9, DEST(0) | IOAPIC_RTE_LEVEL | 0x41);
	ck_assert_uint_eq(get_entry(&io, 9) & IOAPIC_RTE_REMOTE_IRR, 0);
	ioapic_set_irq(&io, 9, 1);
	ck_assert_uint_eq(rec.count, 2);
}
END_TEST

START_TEST(test_message_fields)
{
	struct ioapic io;

	setup(&io);
	/* Logical destination 0x0F, lowest priority (as Linux used in flat mode). */
	set_entry(&io, 3, DEST(0x0F) | IOAPIC_RTE_LOGICAL | 1ull << IOAPIC_RTE_DM_SHIFT | 0x23);
	/* NMI delivery and ExtINT (virtual wire through the IOAPIC). */
	set_entry(&io, 6, DEST(0xFF) | 4ull << IOAPIC_RTE_DM_SHIFT);
	set_entry(&io, 0, DEST(0) | 7ull << IOAPIC_RTE_DM_SHIFT);
	ioapic_set_irq(&io, 3, 1);
	ioapic_set_irq(&io, 6, 1);
	ioapic_set_irq(&io, 0, 1);
	ck_assert_uint_eq(rec.count, 3);
	check_message(0, 0x0F, 1, 1, 0x23, false);
	check_message(1, 0xFF, 0, 4, 0x00, false);
	check_message(2, 0x00, 0, 7, 0x00, false);
}
END_TEST

START_TEST(test_vdev_irq_target)
{
	struct ioapic io;
	struct vdev_irq irq;

	setup(&io);
	irq = ioapic_vdev_irq(&io);
	set_entry(&io, 8, DEST(0) | 0x28);
	vdev_irq_set(&irq, 8, 1);   /* an edge as the device models raise it */
	vdev_irq_set(&irq, 8, 0);
	ck_assert_uint_eq(rec.count, 1);
	check_message(0, 0, 0, 0, 0x28, false);
	vdev_irq_set(&irq, 99, 1);
	ck_assert_uint_eq(rec.count, 1);
}
END_TEST

START_TEST(test_eoi_inside_delivery_is_bounded)
{
	struct ioapic io;

	setup(&io);
	/* A board that ends every interrupt at once, with the line stuck high. */
	rec.eoi_in_deliver = 1000;
	set_entry(&io, 2, DEST(0) | IOAPIC_RTE_LEVEL | 0x22);
	ioapic_set_irq(&io, 2, 1);
	unsigned first = rec.count;
	ck_assert_uint_ge(first, 1);
	ck_assert_uint_le(first, 8);   /* bounded, no recursion */
	ioapic_set_irq(&io, 2, 1);     /* the next event picks up where it stopped */
	ck_assert_uint_gt(rec.count, first);
	/* Once the board stops, the entry settles with remote IRR set. */
	rec.eoi_in_deliver = 0;
	ioapic_set_irq(&io, 2, 1);
	ck_assert(get_entry(&io, 2) & IOAPIC_RTE_REMOTE_IRR);
	unsigned settled = rec.count;
	ioapic_set_irq(&io, 2, 1);
	ck_assert_uint_eq(rec.count, settled);
}
END_TEST

/* ------------------------------------------------------------ random */

/*
 * An assertion for the random runs' inner loops: Check's ck_assert reports
 * every passed check to the runner, which costs more than the model does.
 */
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			ck_abort_msg("step %u: %s", step, #cond);            \
	} while (0)

/* In the callback: the message comes from an unmasked entry with these fields. */
static bool check_delivery(void *ctx, uint32_t dest, unsigned dest_mode, unsigned dm,
			   uint8_t vector, bool level)
{
	struct ioapic *io = ctx;
	bool found = false;

	for (unsigned pin = 0; pin < IOAPIC_PINS && !found; pin++) {
		uint64_t rte = io->redir[pin];

		found = !(rte & IOAPIC_RTE_MASKED) && (rte & IOAPIC_RTE_VECTOR) == vector &&
			rte >> IOAPIC_RTE_DEST_SHIFT == dest &&
			((rte & IOAPIC_RTE_LOGICAL) != 0) == (dest_mode != 0) &&
			((rte & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT) == dm &&
			((rte & IOAPIC_RTE_LEVEL) != 0) == level;
	}
	if (!found)
		ck_abort_msg("message from no unmasked entry: vector 0x%x", vector);
	rec.count++;
	return true;
}

START_TEST(test_random_accesses)
{
	struct ioapic io;
	static const uint64_t values[] = { 0, 0x10000, 0x8000, 0x18000, 0x4000, 0x1000,
					   0xFFFFFFFF, 0x0F000000, 0x30, 0xFF000000 };

	rnd_seed(0x10A91Cull);
	memset(&rec, 0, sizeof(rec));
	ioapic_init(&io, check_delivery, &io);
	for (unsigned step = 0; step < 100000; step++) {
		switch (rnd() % 8) {
		case 0:
			ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, rnd() % 0x50, 0);
			break;
		case 1:
		case 2:
			ioapic_mmio_write(&io, IOAPIC_IOWIN, 4,
					  interesting(rnd(), values, 10, 2, 32), 0);
			break;
		case 3:
			ioapic_mmio_write(&io, rnd() % 0x50, (unsigned)(rnd() % 9), rnd(), 0);
			ioapic_mmio_read(&io, rnd() % 0x50, (unsigned)(rnd() % 9), 0);
			break;
		case 4:
		case 5:
			ioapic_set_irq(&io, (unsigned)(rnd() % 26), (int)(rnd() % 2));
			break;
		case 6:
			ioapic_eoi(&io, (uint8_t)(rnd() % 4 ? 0x30 + rnd() % 4 : rnd()));
			break;
		default:
			ioapic_mmio_write(&io, IOAPIC_EOIR, 4, 0x30 + rnd() % 4, 0);
			break;
		}
		/* Invariants: fixed registers, reserved bits zero, remote IRR only on level. */
		CHECK((io.id & ~IOAPIC_ID_MASK) == 0);
		CHECK(!io.in_service);
		for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
			uint64_t rte = io.redir[pin];

			CHECK((rte & ~(IOAPIC_RTE_WMASK | IOAPIC_RTE_REMOTE_IRR)) == 0);
			if (!(rte & IOAPIC_RTE_LEVEL))
				CHECK(!(rte & IOAPIC_RTE_REMOTE_IRR));
		}
	}
	ck_assert_uint_gt(rec.count, 100);   /* the run did deliver */
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, IOAPIC_REG_VER, 0);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4, 0), 0x00170020);
}
END_TEST

Suite *ioapic_suite(void)
{
	Suite *s = suite_create("ioapic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_id_version_arbitration);
	tcase_add_test(tc, test_redirection_entry_bits);
	tcase_add_test(tc, test_mmio_access_sizes);
	tcase_add_test(tc, test_edge_delivers_on_rising_edge);
	tcase_add_test(tc, test_edge_while_masked_is_ignored);
	tcase_add_test(tc, test_level_remote_irr_and_eoi);
	tcase_add_test(tc, test_level_not_accepted_keeps_remote_irr_clear);
	tcase_add_test(tc, test_eoi_register);
	tcase_add_test(tc, test_level_masked_then_unmasked);
	tcase_add_test(tc, test_edge_mode_clears_remote_irr);
	tcase_add_test(tc, test_message_fields);
	tcase_add_test(tc, test_vdev_irq_target);
	tcase_add_test(tc, test_eoi_inside_delivery_is_bounded);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", NULL, NULL, test_random_accesses);
	return s;
}
