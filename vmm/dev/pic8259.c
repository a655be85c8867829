/* SPDX-License-Identifier: BSD-2-Clause */
/* 8259A interrupt controller pair: see pic8259.h. */
#include "pic8259.h"

#define PIC_ICW1          0x10  /* command port write with bit 4 set: ICW1 */
#define PIC_ICW1_IC4      0x01  /* ICW4 follows */
#define PIC_ICW1_SNGL     0x02  /* single controller: no ICW3 */
#define PIC_OCW_KIND      0x18  /* bits 4:3 of a command write: 00 OCW2, 01 OCW3 */
#define PIC_OCW3          0x08
#define PIC_OCW3_RIS      0x01  /* read ISR instead of IRR ... */
#define PIC_OCW3_RR       0x02  /* ... when this bit is set */
#define PIC_OCW3_POLL     0x04  /* next command port read is a poll */
#define PIC_OCW3_SMM      0x20  /* special mask mode on/off ... */
#define PIC_OCW3_ESMM     0x40  /* ... when this bit is set */
#define PIC_ICW4_AEOI     0x02  /* automatic end of interrupt */
#define PIC_VECTOR_MASK   0xF8  /* ICW2 supplies vector bits 7:3 */
#define PIC_POLL_INT      0x80  /* poll word: an interrupt was pending */
#define PIC_SPURIOUS_IR   7     /* the level an INTA without a request reports */

/* OCW2 commands (bits 7:5). */
enum {
	OCW2_ROTATE_AEOI_CLEAR = 0,
	OCW2_EOI = 1,
	OCW2_NOP = 2,
	OCW2_SPECIFIC_EOI = 3,
	OCW2_ROTATE_AEOI_SET = 4,
	OCW2_ROTATE_EOI = 5,
	OCW2_SET_PRIORITY = 6,
	OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* ELCR bits that exist: IRQ 0, 1, 2, 8 and 13 are always edge (PIIX/ICH). */
static const uint8_t elcr_writable[2] = { 0xF8, 0xDE };

/* Priority rank of an input, 0 the highest: rotation moves `lowest`. */
static unsigned rank(const struct pic_chip *c, unsigned line)
{
	return (line - c->lowest - 1u) & 7;
}

/* The highest-priority input set in bits, or -1. */
static int highest(const struct pic_chip *c, uint8_t bits)
{
	for (unsigned i = 1; i <= 8; i++) {
		unsigned line = (c->lowest + i) & 7;

		if (bits & (1u << line))
			return (int)line;
	}
	return -1;
}

/*
 * The request this chip would present on INT, or -1: the highest unmasked
 * request that outranks everything in service (fully nested mode; in
 * special mask mode masked in-service levels do not block).
 */
static int chip_pending(const struct pic_chip *c)
{
	uint8_t in_service = c->special_mask ? c->isr & ~c->imr : c->isr;
	int req = highest(c, c->irr & ~c->imr);
	int cur = highest(c, in_service);

	if (req < 0 || (cur >= 0 && rank(c, (unsigned)req) >= rank(c, (unsigned)cur)))
		return -1;
	return req;
}

/* Edge inputs latch a rising edge in IRR; level inputs' IRR follows the line. */
static void chip_input(struct pic_chip *c, unsigned line, bool level)
{
	uint8_t mask = (uint8_t)(1u << line);

	if (c->elcr & mask) {
		if (level)
			c->irr |= mask;
		else
			c->irr &= ~mask;
	} else if (level && !(c->lines & mask)) {
		c->irr |= mask;
	}
	if (level)
		c->lines |= mask;
	else
		c->lines &= ~mask;
}

static bool cascade_enabled(const struct pic *pic)
{
	const struct pic_chip *m = &pic->chip[PIC_MASTER];

	return !m->single && (m->icw3 & (1u << PIC_CASCADE_IR));
}

/* The slave's INT output drives the master's IR2. */
static void cascade_update(struct pic *pic)
{
	chip_input(&pic->chip[PIC_MASTER], PIC_CASCADE_IR, chip_pending(&pic->chip[PIC_SLAVE]) >= 0);
}

/* One chip's part of INTA (or of a poll). */
static void chip_ack(struct pic_chip *c, unsigned line)
{
	uint8_t mask = (uint8_t)(1u << line);

	if (!c->auto_eoi)
		c->isr |= mask;
	else if (c->rotate_aeoi)
		c->lowest = (uint8_t)line;
	/* A level input keeps requesting while its line is high. */
	if (!(c->elcr & mask))
		c->irr &= ~mask;
}

static void chip_reset(struct pic_chip *c, uint8_t base, uint8_t icw3)
{
	__builtin_memset(c, 0, sizeof(*c));
	c->base = base;
	c->icw3 = icw3;
	c->imr = 0xFF;   /* all inputs masked */
	c->lowest = 7;
}

void pic_init(struct pic *pic)
{
	chip_reset(&pic->chip[PIC_MASTER], 0x08, 1u << PIC_CASCADE_IR);   /* BIOS: IRQ0 at 0x08 */
	chip_reset(&pic->chip[PIC_SLAVE], 0x70, PIC_CASCADE_IR);          /* BIOS: IRQ8 at 0x70 */
}

static void write_icw1(struct pic_chip *c, uint8_t value)
{
	c->icw4_wanted = value & PIC_ICW1_IC4;
	c->single = value & PIC_ICW1_SNGL;
	c->init_next = 2;
	c->imr = 0;
	c->isr = 0;
	/*
	 * The edge sense latch is reset: pending edges are dropped, and a line
	 * that is high must go low and high again (c->lines keeps its level).
	 */
	c->irr &= c->elcr;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->auto_eoi = false;
	c->rotate_aeoi = false;
}

static void write_ocw2(struct pic_chip *c, uint8_t value)
{
	unsigned level = value & 7;
	int line;

	switch (value >> 5) {
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_aeoi = false;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_aeoi = true;
		break;
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		line = highest(c, c->isr);
		if (line >= 0) {
			c->isr &= (uint8_t)~(1u << line);
			if (value >> 5 == OCW2_ROTATE_EOI)
				c->lowest = (uint8_t)line;
		}
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= (uint8_t)~(1u << level);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= (uint8_t)~(1u << level);
		c->lowest = (uint8_t)level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = (uint8_t)level;
		break;
	default:   /* OCW2_NOP */
		break;
	}
}

static void write_ocw3(struct pic_chip *c, uint8_t value)
{
	if (value & PIC_OCW3_POLL)
		c->poll = true;
	if (value & PIC_OCW3_RR)
		c->read_isr = value & PIC_OCW3_RIS;
	if (value & PIC_OCW3_ESMM)
		c->special_mask = value & PIC_OCW3_SMM;
}

static void write_data(struct pic_chip *c, uint8_t value)
{
	switch (c->init_next) {
	case 2:
		c->base = value & PIC_VECTOR_MASK;
		c->init_next = c->single ? (c->icw4_wanted ? 4 : 0) : 3;
		break;
	case 3:
		c->icw3 = value;
		c->init_next = c->icw4_wanted ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = value & PIC_ICW4_AEOI;
		c->init_next = 0;
		break;
	default:
		c->imr = value;   /* OCW1 */
		break;
	}
}

/* A poll acts as INTA on this chip alone and returns the poll word. */
static uint8_t poll(struct pic_chip *c)
{
	int line = chip_pending(c);

	c->poll = false;
	if (line < 0)
		return 0;
	chip_ack(c, (unsigned)line);
	return PIC_POLL_INT | (uint8_t)line;
}

uint64_t pic_read(struct pic *pic, unsigned chip, unsigned offset, unsigned size, vdev_time_t now)
{
	struct pic_chip *c;
	uint8_t v;

	(void)now;
	if (chip > PIC_SLAVE || offset > PIC_DATA || size == 0 || size > 8)
		return vdev_open_bus(size);
	c = &pic->chip[chip];
	if (offset == PIC_DATA)
		v = c->imr;
	else if (c->poll)
		v = poll(c);
	else
		v = c->read_isr ? c->isr : c->irr;
	cascade_update(pic);
	return (vdev_open_bus(size) & ~0xffull) | v;
}

void pic_write(struct pic *pic, unsigned chip, unsigned offset, unsigned size, uint64_t value,
	       vdev_time_t now)
{
	struct pic_chip *c;
	uint8_t v = (uint8_t)value;

	(void)now;
	if (chip > PIC_SLAVE || offset > PIC_DATA || size == 0 || size > 8)
		return;
	c = &pic->chip[chip];
	if (offset == PIC_DATA)
		write_data(c, v);
	else if (v & PIC_ICW1)
		write_icw1(c, v);
	else if ((v & PIC_OCW_KIND) == PIC_OCW3)
		write_ocw3(c, v);
	else
		write_ocw2(c, v);
	cascade_update(pic);
}

uint64_t pic_elcr_read(struct pic *pic, unsigned offset, unsigned size, vdev_time_t now)
{
	(void)now;
	if (offset > PIC_SLAVE || size == 0 || size > 8)
		return vdev_open_bus(size);
	return (vdev_open_bus(size) & ~0xffull) | pic->chip[offset].elcr;
}

void pic_elcr_write(struct pic *pic, unsigned offset, unsigned size, uint64_t value, vdev_time_t now)
{
	struct pic_chip *c;
	uint8_t to_level;

	(void)now;
	if (offset > PIC_SLAVE || size == 0 || size > 8)
		return;
	c = &pic->chip[offset];
	to_level = (uint8_t)value & elcr_writable[offset] & ~c->elcr;
	c->elcr = (uint8_t)value & elcr_writable[offset];
	/* A line that becomes level triggered requests exactly while it is high. */
	c->irr = (uint8_t)((c->irr & ~to_level) | (c->lines & to_level));
	cascade_update(pic);
}

void pic_set_irq(void *opaque, unsigned line, int level)
{
	struct pic *pic = opaque;

	if (line >= PIC_NR_LINES || line == PIC_CASCADE_IR)
		return;
	chip_input(&pic->chip[line / PIC_CHIP_LINES], line % PIC_CHIP_LINES, level != 0);
	cascade_update(pic);
}

int pic_pending_vector(const struct pic *pic)
{
	const struct pic_chip *m = &pic->chip[PIC_MASTER], *s = &pic->chip[PIC_SLAVE];
	int line = chip_pending(m), sline;

	if (line < 0)
		return -1;
	if (line != PIC_CASCADE_IR || !cascade_enabled(pic))
		return m->base | line;
	sline = chip_pending(s);
	return s->base | (sline < 0 ? PIC_SPURIOUS_IR : sline);
}

int pic_ack(struct pic *pic)
{
	struct pic_chip *m = &pic->chip[PIC_MASTER], *s = &pic->chip[PIC_SLAVE];
	int line = chip_pending(m), sline, vector;

	if (line < 0)
		return m->base | PIC_SPURIOUS_IR;
	chip_ack(m, (unsigned)line);
	if (line != PIC_CASCADE_IR || !cascade_enabled(pic))
		return m->base | line;
	sline = chip_pending(s);
	if (sline < 0) {
		vector = s->base | PIC_SPURIOUS_IR;
	} else {
		chip_ack(s, (unsigned)sline);
		vector = s->base | sline;
	}
	/*
	 * The slave drops INT during INTA: a request it still presents after
	 * this acknowledge is a new edge on the master's IR2.
	 */
	m->lines &= (uint8_t)~(1u << PIC_CASCADE_IR);
	cascade_update(pic);
	return vector;
}
