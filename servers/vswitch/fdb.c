/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtual switch's forwarding database: see fdb.h. */
#include "fdb.h"

void fdb_init(struct fdb *f)
{
	__builtin_memset(f, 0, sizeof(*f));
}

/* FNV-1a over the segment and the address: the first slot to probe. */
static unsigned slot_of(uint8_t segment, const uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	h = (h ^ segment) * 16777619u;
	for (unsigned i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h & (FDB_ENTRIES - 1);
}

static bool live(const struct fdb_entry *e, uint64_t now)
{
	return e->used && now - e->seen < FDB_AGE_NS;
}

static bool same(const struct fdb_entry *e, uint8_t segment, const uint8_t mac[6])
{
	return e->used && e->segment == segment && __builtin_memcmp(e->mac, mac, 6) == 0;
}

void fdb_learn(struct fdb *f, uint8_t segment, const uint8_t mac[6], int port, uint64_t now)
{
	unsigned first = slot_of(segment, mac);
	struct fdb_entry *free = NULL, *oldest = NULL;

	if (fdb_is_group(mac))
		return;
	for (unsigned i = 0; i < FDB_PROBE; i++) {
		struct fdb_entry *e = &f->e[(first + i) & (FDB_ENTRIES - 1)];
		if (same(e, segment, mac)) {
			f->moved += e->port != port;
			e->port = (int16_t)port;
			e->seen = now;
			return;
		}
		if (!live(e, now)) {
			if (!free)
				free = e;
		} else if (!oldest || e->seen < oldest->seen) {
			oldest = e;
		}
	}
	struct fdb_entry *to = free ? free : oldest;
	f->evicted += !free;
	f->learned++;
	*to = (struct fdb_entry){ .segment = segment, .used = true, .port = (int16_t)port, .seen = now };
	__builtin_memcpy(to->mac, mac, 6);
}

int fdb_lookup(const struct fdb *f, uint8_t segment, const uint8_t mac[6], uint64_t now)
{
	unsigned first = slot_of(segment, mac);

	if (fdb_is_group(mac))
		return FDB_NONE;
	for (unsigned i = 0; i < FDB_PROBE; i++) {
		const struct fdb_entry *e = &f->e[(first + i) & (FDB_ENTRIES - 1)];
		if (same(e, segment, mac))
			return live(e, now) ? e->port : FDB_NONE;
	}
	return FDB_NONE;
}

void fdb_forget_port(struct fdb *f, int port)
{
	for (unsigned i = 0; i < FDB_ENTRIES; i++)
		if (f->e[i].used && f->e[i].port == port)
			f->e[i].used = false;
}
