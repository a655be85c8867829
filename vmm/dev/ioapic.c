/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * I/O APIC model: see ioapic.h. Every change that can make an interrupt
 * deliverable (an input, an entry write, an EOI) ends in service(), which
 * delivers what is pending; nothing else calls deliver.
 */
#include "ioapic.h"

#define REGSEL_MASK 0xFFu   /* IOREGSEL is 8 bits wide */

static uint32_t pin_bit(unsigned pin)
{
	return 1u << pin;
}

static bool rte_level(uint64_t rte)
{
	return rte & IOAPIC_RTE_LEVEL;
}

/* Passes over the pins per service() call: bounds a board that calls back from deliver. */
#define SERVICE_PASSES 4u

/* Delivers the pending interrupt of one pin, if its entry lets it through. */
static void service_pin(struct ioapic *io, unsigned pin)
{
	uint64_t rte = io->redir[pin];

	if (!(io->irr & pin_bit(pin)) || (rte & IOAPIC_RTE_MASKED))
		return;
	if (rte_level(rte)) {
		if (rte & IOAPIC_RTE_REMOTE_IRR)
			return;
		io->redir[pin] |= IOAPIC_RTE_REMOTE_IRR;   /* until the EOI */
	} else {
		io->irr &= ~pin_bit(pin);                  /* one message per edge */
	}
	/* (Remote IRR is set before the message goes, for an EOI that comes
	 * back from within deliver; taken back if no local APIC accepted it.) */
	if (io->deliver &&
	    !io->deliver(io->ctx, (uint32_t)(rte >> IOAPIC_RTE_DEST_SHIFT),
			 (rte & IOAPIC_RTE_LOGICAL) ? 1 : 0,
			 (unsigned)((rte & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT),
			 (uint8_t)(rte & IOAPIC_RTE_VECTOR), rte_level(rte)) &&
	    rte_level(rte))
		io->redir[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
}

/*
 * Delivers what is pending on the pins in want. deliver may call back into
 * the model (an EOI, an input change): such calls only add to rescan, and
 * the outer call goes over the pins again, a bounded number of times, so
 * the model never recurses. Pins left over are taken up by the next call.
 */
static void service(struct ioapic *io, uint32_t want)
{
	io->rescan |= want;
	if (io->in_service)
		return;
	io->in_service = true;
	for (unsigned pass = 0; pass < SERVICE_PASSES && io->rescan; pass++) {
		uint32_t pins = io->rescan;

		io->rescan = 0;
		for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
			if (pins & pin_bit(pin))
				service_pin(io, pin);
	}
	io->in_service = false;
}

void ioapic_init(struct ioapic *io, ioapic_deliver_fn deliver, void *ctx)
{
	__builtin_memset(io, 0, sizeof(*io));
	io->deliver = deliver;
	io->ctx = ctx;
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		io->redir[pin] = IOAPIC_RTE_MASKED;
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, int level)
{
	uint32_t bit;

	if (pin >= IOAPIC_PINS)
		return;
	bit = pin_bit(pin);
	if (level) {
		bool rising = !(io->lines & bit);

		io->lines |= bit;
		if (rte_level(io->redir[pin]))
			io->irr |= bit;
		else if (rising && !(io->redir[pin] & IOAPIC_RTE_MASKED))
			io->irr |= bit;    /* an edge on a masked pin is lost (82093AA) */
	} else {
		io->lines &= ~bit;
		if (rte_level(io->redir[pin]))
			io->irr &= ~bit;   /* a level request lasts as long as the line */
	}
	service(io, bit);
}

void ioapic_irq_input(void *ctx, unsigned pin, int level)
{
	ioapic_set_irq(ctx, pin, level);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	uint32_t again = 0;

	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = io->redir[pin];

		if ((rte & IOAPIC_RTE_VECTOR) != vector || !(rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->redir[pin] = rte & ~IOAPIC_RTE_REMOTE_IRR;
		again |= pin_bit(pin);
	}
	service(io, again);   /* a line still asserted interrupts again */
}

static uint32_t reg_read(const struct ioapic *io, unsigned reg)
{
	if (reg >= IOAPIC_REG_REDIR && reg < IOAPIC_REG_REDIR + 2 * IOAPIC_PINS) {
		uint64_t rte = io->redir[(reg - IOAPIC_REG_REDIR) / 2];

		return (uint32_t)(reg & 1 ? rte >> 32 : rte);
	}
	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->id;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION | (IOAPIC_PINS - 1) << IOAPIC_VER_MAXREDIR_SHIFT;
	default:
		return 0;   /* reserved */
	}
}

/* An entry write keeps the read-only bits; edge entries have no remote IRR,
 * and a masked edge entry holds no interrupt (unmasking delivers nothing). */
static void write_redir(struct ioapic *io, unsigned pin, uint64_t val)
{
	uint64_t rte = (io->redir[pin] & ~IOAPIC_RTE_WMASK) | (val & IOAPIC_RTE_WMASK);

	if (!rte_level(rte)) {
		rte &= ~IOAPIC_RTE_REMOTE_IRR;
		if (rte & IOAPIC_RTE_MASKED)
			io->irr &= ~pin_bit(pin);
	} else if (io->lines & pin_bit(pin))
		io->irr |= pin_bit(pin);   /* now level triggered with the line up: pending */
	io->redir[pin] = rte;
	service(io, pin_bit(pin));   /* unmasking delivers what waited */
}

static void reg_write(struct ioapic *io, unsigned reg, uint32_t val)
{
	if (reg >= IOAPIC_REG_REDIR && reg < IOAPIC_REG_REDIR + 2 * IOAPIC_PINS) {
		unsigned pin = (reg - IOAPIC_REG_REDIR) / 2;
		uint64_t rte = io->redir[pin];

		if (reg & 1)
			rte = (rte & 0xFFFFFFFFull) | (uint64_t)val << 32;
		else
			rte = (rte & ~0xFFFFFFFFull) | val;
		write_redir(io, pin, rte);
		return;
	}
	if (reg == IOAPIC_REG_ID)
		io->id = val & IOAPIC_ID_MASK;
	/* VER and ARB are read only; the rest is reserved. */
}

uint64_t ioapic_mmio_read(struct ioapic *io, uint64_t offset, unsigned size, vdev_time_t now)
{
	uint64_t dword = offset & ~3ull;
	unsigned shift = (unsigned)(offset & 3) * 8;
	uint32_t val;

	(void)now;
	if ((size != 1 && size != 2 && size != 4) || (offset & 3) + size > 4)
		return 0;
	if (dword == IOAPIC_IOREGSEL)
		val = io->regsel;
	else if (dword == IOAPIC_IOWIN)
		val = reg_read(io, io->regsel);
	else
		return 0;   /* EOI is write only; the rest of the window is reserved */
	val >>= shift;
	return size == 4 ? val : val & ((1u << size * 8) - 1);
}

void ioapic_mmio_write(struct ioapic *io, uint64_t offset, unsigned size, uint64_t val,
		       vdev_time_t now)
{
	(void)now;
	if (offset == IOAPIC_IOREGSEL && size >= 1 && size <= 4)
		io->regsel = (uint8_t)(val & REGSEL_MASK);
	else if (offset == IOAPIC_IOWIN && size == 4)
		reg_write(io, io->regsel, (uint32_t)val);
	else if (offset == IOAPIC_EOIR && size == 4)
		ioapic_eoi(io, (uint8_t)val);
}
