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

const struct bus_range *bus_find(const struct bus *bus, enum bus_space space, uint64_t addr)
{
	for (unsigned i = 0; i < bus->n; i++) {
		const struct bus_range *r = &bus->range[i];

		if (r->space == space && addr - r->base < r->length)
			return r;
	}
	return NULL;
}

const struct bus_range *bus_read(const struct bus *bus, enum bus_space space, uint64_t addr, unsigned size,
				 vdev_time_t now, uint64_t *val)
{
	const struct bus_range *r = bus_find(bus, space, addr);

	*val = vdev_open_bus(size);
	if (r && r->read)
		r->read(r->dev, addr - r->base, size, now, val);
	return r;
}

const struct bus_range *bus_write(const struct bus *bus, enum bus_space space, uint64_t addr, unsigned size,
				  uint64_t val, vdev_time_t now)
{
	const struct bus_range *r = bus_find(bus, space, addr);

	if (r && r->write)
		r->write(r->dev, addr - r->base, size, val, now);
	return r;
}
