/* SPDX-License-Identifier: BSD-2-Clause */
/* A frame ring in shared memory: see ring.h. */
#include "ring.h"

#define barrier() __asm__ volatile("" ::: "memory")

void ring_attach(struct ring *r, struct ring_shared *sh)
{
	*r = (struct ring){ .sh = sh };
	sh->prod = 0;
	sh->cons = 0;
}

int ring_take(struct ring *r, uint8_t *buf, unsigned *len)
{
	if (r->bad)
		return RING_BAD;
	uint32_t prod = r->sh->prod;       /* (once: the other side may change it) */
	barrier();
	/* Backwards, or more than the ring holds: broken. */
	if ((int32_t)(prod - r->prod) < 0 || prod - r->cons > RING_SLOTS) {
		r->bad = true;
		return RING_BAD;
	}
	r->prod = prod;
	while (r->cons != r->prod) {
		const uint8_t *slot = r->sh->slot[r->cons % RING_SLOTS];
		unsigned l = (unsigned)slot[0] | (unsigned)slot[1] << 8;
		barrier();
		bool ok = l >= 1 && l <= RING_FRAME_MAX;
		if (ok)
			__builtin_memcpy(buf, slot + 2, l);
		barrier();
		r->sh->cons = ++r->cons;
		if (ok) {
			*len = l;
			r->frames++;
			r->bytes += l;
			return RING_FRAME;
		}
		r->bad_frames++;
	}
	return RING_EMPTY;
}

int ring_put(struct ring *r, const uint8_t *frame, unsigned len)
{
	if (r->bad)
		return RING_BAD;
	uint32_t cons = r->sh->cons;
	barrier();
	/* Backwards, or past what we produced: broken. */
	if ((int32_t)(cons - r->cons) < 0 || (int32_t)(r->prod - cons) < 0) {
		r->bad = true;
		return RING_BAD;
	}
	r->cons = cons;
	if (r->prod - cons == RING_SLOTS || len < 1 || len > RING_FRAME_MAX) {
		r->dropped++;
		return RING_FULL;
	}
	uint8_t *slot = r->sh->slot[r->prod % RING_SLOTS];
	slot[0] = (uint8_t)len;
	slot[1] = (uint8_t)(len >> 8);
	__builtin_memcpy(slot + 2, frame, len);
	barrier();
	r->sh->prod = ++r->prod;
	r->frames++;
	r->bytes += len;
	return RING_FRAME;
}
