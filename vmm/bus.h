/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The board's bus: one table of address ranges, port I/O and MMIO alike,
 * each with its device and the common handlers (dev, offset, size, now),
 * as Firecracker's Bus of BusDevices. The board registers its devices at
 * power-up (board.c) and dispatches every port and MMIO access through
 * bus_read / bus_write; a PCI BAR's range follows the guest's programming
 * (bus_move).
 *
 * An access belongs to the range that holds its first byte, and the
 * device gets the offset of that byte in its range and the access's size
 * (every model handles sizes and the odd access across its end itself, as
 * the models did under the board's switch before). Where ranges overlap
 * (a guest can place a BAR anywhere), the one added first decodes.
 *
 * Lookup is a linear scan of a small table (some 15 ranges; BUS_MAX_RANGES):
 * the order of addition is the priority, so overlaps need no rule of
 * their own and a moved BAR needs no re-sorting, and the board adds the
 * busiest device first (the UART: nine port exits in ten of a Linux boot),
 * which a scan finds at once. A sorted array with binary search would
 * cost more at every move and save nothing measurable at this size:
 * a VM exit costs thousands of instructions, the scan tens.
 */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include "dev/dev.h"

enum bus_space { BUS_PIO, BUS_MMIO };

typedef void bus_read_fn(void *dev, uint64_t offset, unsigned size, vdev_time_t now, uint64_t *val);
typedef void bus_write_fn(void *dev, uint64_t offset, unsigned size, uint64_t val, vdev_time_t now);

struct bus_range {
	enum bus_space space;
	uint64_t base, length;          /* length 0: decodes nothing (a BAR switched off) */
	void *dev;
	bus_read_fn *read;              /* NULL: reads as open bus */
	bus_write_fn *write;            /* NULL: writes are ignored */
	unsigned kind;                  /* the owner's label (the board's statistics) */
};

#define BUS_MAX_RANGES 24

struct bus {
	unsigned n;
	struct bus_range range[BUS_MAX_RANGES];
};

void bus_init(struct bus *bus);

/* Adds r behind every range added before; its index (for bus_move), or
 * -1 if the table is full or [base, base + length) wraps. */
int bus_add(struct bus *bus, const struct bus_range *r);

/* Range id now decodes [base, base + length) (length 0: nothing); false
 * (and no change) for a bad id or a range that wraps. */
bool bus_move(struct bus *bus, int id, uint64_t base, uint64_t length);

/* The range that decodes addr in space, or NULL. (Inline, as the two
 * below: they are on the path of every port and MMIO exit.) */
static inline const struct bus_range *bus_find(const struct bus *bus, enum bus_space space, uint64_t addr)
{
	for (unsigned i = 0; i < bus->n; i++) {
		const struct bus_range *r = &bus->range[i];

		if (addr - r->base < r->length && r->space == space)
			return r;
	}
	return NULL;
}

/*
 * An access of size bytes at addr: the decoding range's handler, and that
 * range (NULL if none: a read gives all ones, a write does nothing).
 */
static inline const struct bus_range *bus_read(const struct bus *bus, enum bus_space space, uint64_t addr,
					       unsigned size, vdev_time_t now, uint64_t *val)
{
	const struct bus_range *r = bus_find(bus, space, addr);

	if (r && r->read)
		r->read(r->dev, addr - r->base, size, now, val);
	else
		*val = vdev_open_bus(size);
	return r;
}

static inline const struct bus_range *bus_write(const struct bus *bus, enum bus_space space, uint64_t addr,
						unsigned size, uint64_t val, vdev_time_t now)
{
	const struct bus_range *r = bus_find(bus, space, addr);

	if (r && r->write)
		r->write(r->dev, addr - r->base, size, val, now);
	return r;
}

#endif
