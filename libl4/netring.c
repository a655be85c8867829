/* SPDX-License-Identifier: BSD-2-Clause */
/* One side of a frame ring of the virtual switch: see l4netring.h. */
#include "l4netring.h"

#define barrier() __asm__ volatile("" ::: "memory")

void l4_netring_init(struct l4_netring *r, struct l4_net_ring *sh)
{
	*r = (struct l4_netring){ .sh = sh };
}

void l4_netring_reset(struct l4_netring *r, struct l4_net_ring *sh)
{
	l4_netring_init(r, sh);
	sh->prod = 0;
	sh->cons = 0;
}

/* Consumer: reads the producer's index (once); false when it broke the ring. */
static bool see_prod(struct l4_netring *r)
{
	if (r->bad)
		return false;
	uint32_t prod = r->sh->prod;
	barrier();
	/* Backwards, or more than the ring holds: broken. */
	if ((int32_t)(prod - r->prod) < 0 || prod - r->cons > L4_NET_RING_SLOTS) {
		r->bad = true;
		return false;
	}
	r->prod = prod;
	return true;
}

unsigned l4_netring_pending(struct l4_netring *r)
{
	return see_prod(r) ? r->prod - r->cons : 0;
}

int l4_netring_take(struct l4_netring *r, uint8_t *buf, unsigned *len, struct l4_net_meta *meta)
{
	if (!see_prod(r))
		return L4_NETRING_BAD;
	while (r->cons != r->prod) {
		const struct l4_net_slot *slot = &r->sh->slot[r->cons % L4_NET_RING_SLOTS];
		struct l4_net_slot head;
		__builtin_memcpy(&head, slot, 8);            /* the header, once */
		barrier();
		bool ok = head.len >= 1 && head.len <= L4_NET_FRAME_MAX;
		if (ok)
			__builtin_memcpy(buf, slot->frame, head.len);
		barrier();
		r->sh->cons = ++r->cons;
		if (ok) {
			*len = head.len;
			if (meta)
				*meta = (struct l4_net_meta){ .flags = head.flags & (L4_NET_F_NEEDS_CSUM | L4_NET_F_DATA_VALID),
							      .csum_start = head.csum_start,
							      .csum_offset = head.csum_offset };
			r->frames++;
			r->bytes += head.len;
			return L4_NETRING_FRAME;
		}
		r->bad_frames++;
	}
	return L4_NETRING_EMPTY;
}

/* Producer: reads the consumer's index (once); false when it broke the ring. */
static bool see_cons(struct l4_netring *r)
{
	if (r->bad)
		return false;
	uint32_t cons = r->sh->cons;
	barrier();
	/* Backwards, or past what we produced: broken. */
	if ((int32_t)(cons - r->cons) < 0 || (int32_t)(r->prod - cons) < 0) {
		r->bad = true;
		return false;
	}
	r->cons = cons;
	return true;
}

struct l4_net_slot *l4_netring_reserve(struct l4_netring *r)
{
	if (!see_cons(r) || r->prod - r->cons == L4_NET_RING_SLOTS)
		return NULL;
	return &r->sh->slot[r->prod % L4_NET_RING_SLOTS];
}

void l4_netring_commit(struct l4_netring *r, unsigned len, const struct l4_net_meta *meta)
{
	struct l4_net_slot *slot = &r->sh->slot[r->prod % L4_NET_RING_SLOTS];

	slot->len = (uint16_t)len;
	slot->flags = meta ? meta->flags : 0;
	slot->reserved = 0;
	slot->csum_start = meta ? meta->csum_start : 0;
	slot->csum_offset = meta ? meta->csum_offset : 0;
	barrier();
	r->sh->prod = ++r->prod;
	r->frames++;
	r->bytes += len;
}

int l4_netring_put(struct l4_netring *r, const uint8_t *frame, unsigned len, const struct l4_net_meta *meta)
{
	struct l4_net_slot *slot = l4_netring_reserve(r);

	if (r->bad)
		return L4_NETRING_BAD;
	if (!slot || len < 1 || len > L4_NET_FRAME_MAX) {
		r->dropped++;
		return L4_NETRING_FULL;
	}
	__builtin_memcpy(slot->frame, frame, len);
	l4_netring_commit(r, len, meta);
	return L4_NETRING_FRAME;
}
