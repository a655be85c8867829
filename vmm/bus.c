/* SPDX-License-Identifier: BSD-2-Clause */
/* The board's bus: see bus.h. */
#include "bus.h"

static bool wraps(uint64_t base, uint64_t length)
{
	return length && base + (length - 1) < base;
}

void bus_init(struct bus *bus)
{
	__builtin_memset(bus, 0, sizeof(*bus));
}

int bus_add(struct bus *bus, const struct bus_range *r)
{
	if (bus->n == BUS_MAX_RANGES || wraps(r->base, r->length))
		return -1;
	bus->range[bus->n] = *r;
	return (int)bus->n++;
}

bool bus_move(struct bus *bus, int id, uint64_t base, uint64_t length)
{
	if (id < 0 || (unsigned)id >= bus->n || wraps(base, length))
		return false;
	bus->range[id].base = base;
	bus->range[id].length = length;
	return true;
}
