/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/pic8259.c: Linux's probe and init_8259A sequence, the
 * INTA cycle with priorities, masks, EOIs, the cascade, spurious IRQ 7 and
 * 15 as Linux's i8259 code detects them, ELCR level triggering, automatic
 * EOI, poll and rotation.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/pic8259.h"

#define VEC0 0x30   /* Linux x86-64: ISA_IRQ_VECTOR(0) */
#define VEC8 0x38


static struct pic pic;

static uint8_t in(unsigned chip, unsigned offset)
{
	return (uint8_t)pic_read(&pic, chip, offset, 1, 0);
}

static void out(unsigned chip, unsigned offset, uint8_t v)
{
	pic_write(&pic, chip, offset, 1, v, 0);
}

static void irq(unsigned line, int level)
{
	pic_set_irq(&pic, line, level);
}

/* An edge as a device model sends it: 1 then 0. */
static void pulse(unsigned line)
{
	irq(line, 1);
	irq(line, 0);
}

static uint8_t read_isr(unsigned chip)
{
	uint8_t v;

	out(chip, PIC_CMD, 0x0b);
	v = in(chip, PIC_CMD);
	out(chip, PIC_CMD, 0x0a);
	return v;
}

static uint8_t read_irr(unsigned chip)
{
	out(chip, PIC_CMD, 0x0a);
	return in(chip, PIC_CMD);
}

/* Linux's i8259 mask_and_ack: specific EOIs, slave first. */
static void linux_eoi(unsigned line)
{
	if (line & 8) {
		out(PIC_SLAVE, PIC_CMD, (uint8_t)(0x60 + (line & 7)));
		out(PIC_MASTER, PIC_CMD, 0x60 + PIC_CASCADE_IR);
	} else {
		out(PIC_MASTER, PIC_CMD, (uint8_t)(0x60 + line));
	}
}

/* probe_8259A and init_8259A(auto_eoi) of Linux, then unmask the given IRQs. */
static void linux_init(bool auto_eoi, uint16_t unmasked)
{
	out(PIC_SLAVE, PIC_DATA, 0xff);
	out(PIC_MASTER, PIC_DATA, 0xfb);
	ck_assert_int_eq(in(PIC_MASTER, PIC_DATA), 0xfb);

	out(PIC_MASTER, PIC_DATA, 0xff);
	out(PIC_MASTER, PIC_CMD, 0x11);
	out(PIC_MASTER, PIC_DATA, VEC0);
	out(PIC_MASTER, PIC_DATA, 1u << PIC_CASCADE_IR);
	out(PIC_MASTER, PIC_DATA, auto_eoi ? 0x03 : 0x01);
	out(PIC_SLAVE, PIC_CMD, 0x11);
	out(PIC_SLAVE, PIC_DATA, VEC8);
	out(PIC_SLAVE, PIC_DATA, PIC_CASCADE_IR);
	out(PIC_SLAVE, PIC_DATA, 0x01);
	out(PIC_MASTER, PIC_DATA, (uint8_t)~(unmasked | (unmasked >> 8 ? 1u << PIC_CASCADE_IR : 0)));
	out(PIC_SLAVE, PIC_DATA, (uint8_t)~(unmasked >> 8));
}

static void setup(void)
{
	pic_init(&pic);
}

START_TEST(test_linux_init_and_irq0_cycle)
{
	linux_init(false, 0x0001);
	ck_assert_int_eq(in(PIC_MASTER, PIC_DATA), 0xfe);
	ck_assert_int_eq(in(PIC_SLAVE, PIC_DATA), 0xff);
	ck_assert_int_eq(read_irr(PIC_MASTER), 0);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);

	pulse(0);
	ck_assert_int_eq(read_irr(PIC_MASTER), 0x01);
	ck_assert_int_eq(pic_pending_vector(&pic), VEC0);
	ck_assert_int_eq(pic_ack(&pic), VEC0);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0x01);
	ck_assert_int_eq(read_irr(PIC_MASTER), 0);
	/* The next tick arrives while IRQ 0 is in service: held until EOI. */
	pulse(0);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	linux_eoi(0);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	ck_assert_int_eq(pic_pending_vector(&pic), VEC0);
	ck_assert_int_eq(pic_ack(&pic), VEC0);
	out(PIC_MASTER, PIC_CMD, 0x20);   /* non-specific EOI */
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
}
END_TEST

START_TEST(test_priority_and_nesting)
{
	linux_init(false, 0x00ff);
	pulse(3);
	pulse(1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);
	pulse(4);                                        /* lower than 1: waits */
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	pulse(0);                                        /* higher than 1: nests */
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 0);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0x03);
	out(PIC_MASTER, PIC_CMD, 0x20);                  /* clears the highest: IRQ 0 */
	ck_assert_int_eq(read_isr(PIC_MASTER), 0x02);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	out(PIC_MASTER, PIC_CMD, 0x20);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 3);
	linux_eoi(3);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 4);
	linux_eoi(4);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
}
END_TEST

START_TEST(test_masked_request_waits_in_irr)
{
	linux_init(false, 0x0000);
	pulse(6);
	ck_assert_int_eq(read_irr(PIC_MASTER), 0x40);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	out(PIC_MASTER, PIC_DATA, 0xbf);
	ck_assert_int_eq(pic_pending_vector(&pic), VEC0 + 6);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 6);
	linux_eoi(6);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
}
END_TEST

START_TEST(test_cascade_through_ir2)
{
	linux_init(false, 0xffff);
	pulse(12);
	ck_assert_int_eq(read_irr(PIC_MASTER), 0x04);
	ck_assert_int_eq(pic_pending_vector(&pic), VEC8 + 4);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 4);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0x04);
	ck_assert_int_eq(read_isr(PIC_SLAVE), 0x10);
	/* Master IRQ 1 outranks the whole slave, IRQ 3 ranks below it. */
	pulse(3);
	pulse(8);
	pulse(1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);
	linux_eoi(1);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);  /* IR2 still in service */
	linux_eoi(12);
	ck_assert_int_eq(read_isr(PIC_SLAVE), 0);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 0);
	linux_eoi(8);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 3);
	linux_eoi(3);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	/* Two slave requests: the second follows after the EOIs. */
	pulse(15);
	pulse(9);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 1);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	linux_eoi(9);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 7);
	ck_assert_int_eq(read_isr(PIC_SLAVE), 0x80);   /* a real IRQ 15, in service */
	linux_eoi(15);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	/* The slave's IMR masks its own inputs. */
	out(PIC_SLAVE, PIC_DATA, 0xfe);
	pulse(10);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	ck_assert_int_eq(read_irr(PIC_SLAVE), 0x04);
}
END_TEST

/* A slave still requesting after INTA (automatic EOI) makes a new edge on IR2. */
START_TEST(test_cascade_with_slave_auto_eoi)
{
	linux_init(false, 0xffff);
	out(PIC_SLAVE, PIC_CMD, 0x11);
	out(PIC_SLAVE, PIC_DATA, VEC8);
	out(PIC_SLAVE, PIC_DATA, PIC_CASCADE_IR);
	out(PIC_SLAVE, PIC_DATA, 0x03);                  /* 8086 mode, AEOI */
	pulse(9);
	pulse(10);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 1);
	ck_assert_int_eq(read_isr(PIC_SLAVE), 0);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);  /* the master's IR2 is in service */
	out(PIC_MASTER, PIC_CMD, 0x60 + PIC_CASCADE_IR);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 2);
	out(PIC_MASTER, PIC_CMD, 0x60 + PIC_CASCADE_IR);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
}
END_TEST

START_TEST(test_spurious_irq7)
{
	linux_init(false, 0x00ff);
	pic_elcr_write(&pic, 0, 1, 0x20, 0);             /* IRQ 5 level triggered */
	irq(5, 1);
	ck_assert_int_eq(pic_pending_vector(&pic), VEC0 + 5);
	irq(5, 0);                                       /* gone before INTA */
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 7);
	/* Linux's i8259A_irq_real(7): ISR bit 7 is clear, so it is spurious. */
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	/* An edge request masked between INTR and INTA is spurious too. */
	pulse(4);
	ck_assert_int_eq(pic_pending_vector(&pic), VEC0 + 4);
	out(PIC_MASTER, PIC_DATA, 0xff);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 7);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	ck_assert_int_eq(read_irr(PIC_MASTER), 0x10);   /* still latched for later */
	/* A real IRQ 7 sets ISR bit 7. */
	out(PIC_MASTER, PIC_DATA, 0x7f);
	pulse(7);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 7);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0x80);
}
END_TEST

START_TEST(test_spurious_irq15)
{
	linux_init(false, 0xffff);
	pic_elcr_write(&pic, 1, 1, 0x04, 0);             /* IRQ 10 level triggered */
	irq(10, 1);
	ck_assert_int_eq(pic_pending_vector(&pic), VEC8 + 2);
	irq(10, 0);
	/* The master latched the slave's edge on IR2; the slave has nothing. */
	ck_assert_int_eq(pic_pending_vector(&pic), VEC8 + 7);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 7);
	ck_assert_int_eq(read_isr(PIC_SLAVE), 0);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0x04);   /* the master did not know */
	out(PIC_MASTER, PIC_CMD, 0x60 + PIC_CASCADE_IR);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
}
END_TEST

START_TEST(test_level_and_edge_triggering)
{
	linux_init(false, 0xffff);
	/* Reserved ELCR bits (IRQ 0-2, 8, 13) stay edge. */
	pic_elcr_write(&pic, 0, 1, 0xff, 0);
	pic_elcr_write(&pic, 1, 1, 0xff, 0);
	ck_assert_uint_eq(pic_elcr_read(&pic, 0, 1, 0), 0xf8);
	ck_assert_uint_eq(pic_elcr_read(&pic, 1, 1, 0), 0xde);
	ck_assert_uint_eq(pic_elcr_read(&pic, 2, 1, 0), 0xff);
	ck_assert_uint_eq(pic_elcr_read(&pic, 1, 2, 0), 0xffde);

	/* Level: a line still high after EOI requests again. */
	irq(11, 1);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 3);
	linux_eoi(11);
	ck_assert_int_eq(pic_ack(&pic), VEC8 + 3);
	irq(11, 0);
	linux_eoi(11);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);

	/* Edge: a line held high requests once. */
	irq(1, 1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);
	linux_eoi(1);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	irq(1, 1);                                       /* no new edge */
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	irq(1, 0);
	irq(1, 1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);
	linux_eoi(1);

	/* Switching a high line to level makes it request; lines 2 and > 15 do not exist. */
	pic_elcr_write(&pic, 0, 1, 0x00, 0);
	irq(6, 1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 6);
	linux_eoi(6);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	pic_elcr_write(&pic, 0, 1, 0x40, 0);
	ck_assert_int_eq(pic_pending_vector(&pic), VEC0 + 6);
	irq(6, 0);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	irq(2, 1);
	irq(16, 1);
	irq(0xffffffffu, 1);
	ck_assert_int_eq(read_irr(PIC_MASTER), 0);
}
END_TEST

START_TEST(test_auto_eoi)
{
	linux_init(true, 0x0003);
	pulse(1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	pulse(1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);     /* no EOI needed */
	pulse(1);
	pulse(0);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 0);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
}
END_TEST

START_TEST(test_poll_and_register_reads)
{
	linux_init(false, 0x0000);
	pulse(5);
	out(PIC_MASTER, PIC_CMD, 0x0c);                  /* OCW3 poll */
	ck_assert_int_eq(in(PIC_MASTER, PIC_CMD), 0);    /* masked requests are not polled */
	out(PIC_MASTER, PIC_DATA, 0x00);
	out(PIC_MASTER, PIC_CMD, 0x0c);
	ck_assert_int_eq(in(PIC_MASTER, PIC_CMD), 0x85);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0x20);
	ck_assert_int_eq(in(PIC_MASTER, PIC_CMD), 0x00); /* back to reading IRR */
	/* OCW3 without RR keeps the register selection. */
	out(PIC_MASTER, PIC_CMD, 0x0b);
	out(PIC_MASTER, PIC_CMD, 0x08);
	ck_assert_int_eq(in(PIC_MASTER, PIC_CMD), 0x20);
	/* Wide and stray accesses. */
	ck_assert_uint_eq(pic_read(&pic, PIC_MASTER, PIC_DATA, 2, 0), 0xff00);
	ck_assert_uint_eq(pic_read(&pic, 2, 0, 1, 0), 0xff);
	ck_assert_uint_eq(pic_read(&pic, 0, 2, 1, 0), 0xff);
	pic_write(&pic, 0, 5, 1, 0x11, 0);
	ck_assert_int_eq(in(PIC_MASTER, PIC_DATA), 0x00);
}
END_TEST

START_TEST(test_rotation_commands)
{
	linux_init(false, 0x00ff);
	pulse(0);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 0);
	out(PIC_MASTER, PIC_CMD, 0xa0);                  /* rotate on non-specific EOI */
	pulse(0);
	pulse(5);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 5);       /* IRQ 0 is now the lowest */
	out(PIC_MASTER, PIC_CMD, 0xe5);                  /* rotate on specific EOI 5 */
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 0);       /* 6 highest ... 5 lowest */
	out(PIC_MASTER, PIC_CMD, 0x20);
	out(PIC_MASTER, PIC_CMD, 0xc3);                  /* set priority: 3 lowest */
	pulse(3);
	pulse(1);
	pulse(4);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 4);
	linux_eoi(4);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);
	linux_eoi(1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 3);
	linux_eoi(3);
	out(PIC_MASTER, PIC_CMD, 0x40);                  /* no operation */
	out(PIC_MASTER, PIC_CMD, 0xc7);                  /* back to fixed priorities */
	pulse(7);
	pulse(1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 1);
	linux_eoi(1);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 7);
}
END_TEST

START_TEST(test_icw1_resets_state)
{
	linux_init(false, 0x00ff);
	irq(3, 1);
	pulse(4);
	ck_assert_int_eq(pic_ack(&pic), VEC0 + 3);
	out(PIC_MASTER, PIC_CMD, 0x11);
	ck_assert_int_eq(read_isr(PIC_MASTER), 0);
	ck_assert_int_eq(read_irr(PIC_MASTER), 0);       /* the pending edge is dropped */
	out(PIC_MASTER, PIC_DATA, 0x20);                 /* ICW2 */
	out(PIC_MASTER, PIC_DATA, 0x04);                 /* ICW3 */
	out(PIC_MASTER, PIC_DATA, 0x01);                 /* ICW4 */
	ck_assert_int_eq(in(PIC_MASTER, PIC_DATA), 0x00);   /* IMR cleared */
	irq(3, 1);                                       /* still high: not an edge */
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	irq(3, 0);
	pulse(3);
	ck_assert_int_eq(pic_ack(&pic), 0x23);
	/* A single-chip init without ICW4 skips ICW3 and ICW4. */
	out(PIC_MASTER, PIC_CMD, 0x12);
	out(PIC_MASTER, PIC_DATA, 0x48);
	out(PIC_MASTER, PIC_DATA, 0x01);                 /* OCW1 already */
	ck_assert_int_eq(in(PIC_MASTER, PIC_DATA), 0x01);
	pulse(0);
	ck_assert_int_eq(pic_pending_vector(&pic), -1);
	pulse(2);                                        /* ignored input line */
	out(PIC_SLAVE, PIC_DATA, 0xef);
	pulse(12);                                       /* slave INT: IR2 is not a cascade now */
	out(PIC_MASTER, PIC_DATA, 0xfb);
	ck_assert_int_eq(pic_ack(&pic), 0x4a);
}
END_TEST

START_TEST(test_random_accesses_keep_invariants)
{
	static const unsigned sizes[] = { 0, 1, 2, 4, 8, 9 };

	rnd_seed(0x8259);
	linux_init(false, 0xffff);
	for (int i = 0; i < 100000; i++) {
		unsigned chip = rnd() % 3, offset = rnd() % 3, size = sizes[rnd() % 6];
		uint64_t value = rnd();
		int pending, vector;

		switch (rnd() % 6) {
		case 0:
			pic_read(&pic, chip, offset, size, 0);
			break;
		case 1:
			/* Mostly OCW2/OCW3 and masks; ICW1 now and then. */
			if ((value & 0x10) && rnd() % 8)
				value &= ~0x10ull;
			pic_write(&pic, chip, offset, size, value, 0);
			break;
		case 2:
			pic_elcr_write(&pic, offset, size, value, 0);
			break;
		case 3:
		case 4:
			irq((unsigned)(rnd() % 18), (int)(rnd() % 2));
			break;
		default:
			pending = pic_pending_vector(&pic);
			vector = pic_ack(&pic);
			EXPECT(vector >= 0);
			EXPECT(vector <= 255);
			if (pending >= 0)
				EXPECT(vector == pending);
			else
				EXPECT(vector == (pic.chip[PIC_MASTER].base | 7));
			break;
		}
		EXPECT(pic.chip[PIC_MASTER].lowest <= 7);
		EXPECT(pic.chip[PIC_SLAVE].lowest <= 7);
		EXPECT((pic.chip[PIC_MASTER].elcr & 0x07) == 0);
		EXPECT((pic.chip[PIC_SLAVE].elcr & 0x21) == 0);
		EXPECT(pic.chip[PIC_MASTER].init_next <= 4);
		pending = pic_pending_vector(&pic);
		if (pending >= 0)
			EXPECT((pending & 0xf8) == pic.chip[PIC_MASTER].base ||
			       (pending & 0xf8) == pic.chip[PIC_SLAVE].base);
	}
}
END_TEST

Suite *pic8259_suite(void)
{
	Suite *s = suite_create("pic8259");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_linux_init_and_irq0_cycle);
	tcase_add_test(tc, test_priority_and_nesting);
	tcase_add_test(tc, test_masked_request_waits_in_irr);
	tcase_add_test(tc, test_cascade_through_ir2);
	tcase_add_test(tc, test_cascade_with_slave_auto_eoi);
	tcase_add_test(tc, test_spurious_irq7);
	tcase_add_test(tc, test_spurious_irq15);
	tcase_add_test(tc, test_level_and_edge_triggering);
	tcase_add_test(tc, test_auto_eoi);
	tcase_add_test(tc, test_poll_and_register_reads);
	tcase_add_test(tc, test_rotation_commands);
	tcase_add_test(tc, test_icw1_resets_state);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", setup, NULL, test_random_accesses_keep_invariants);
	return s;
}
