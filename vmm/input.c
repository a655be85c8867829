/* SPDX-License-Identifier: BSD-2-Clause */
/* Typed input on its way to the guest: see input.h. */
#include "input.h"

unsigned input_room(const struct input_ring *r)
{
	return INPUT_RING - (r->head - r->tail);
}

void input_put(struct input_ring *r, const uint8_t *bytes, unsigned n)
{
	unsigned room = input_room(r);

	for (unsigned i = 0; i < n && i < room; i++) {
		r->buf[r->head % INPUT_RING] = bytes[i];
		__atomic_thread_fence(__ATOMIC_RELEASE);    /* the byte before the head */
		r->head = r->head + 1;
	}
}

size_t input_feed_some(struct input_ring *r, size_t (*take)(void *ctx, const uint8_t *buf, size_t n), void *ctx)
{
	size_t total = 0;

	/* At most two passes: up to the ring's end, then from its start. */
	for (unsigned pass = 0; pass < 2 && r->tail != r->head; pass++) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);    /* the bytes the head published */
		unsigned at = r->tail % INPUT_RING, n = r->head - r->tail;
		if (n > INPUT_RING - at)
			n = INPUT_RING - at;
		size_t took = take(ctx, &r->buf[at], n);
		if (took > n)
			took = n;
		r->tail = r->tail + (unsigned)took;
		total += took;
		if (took < n)
			break;
	}
	return total;
}
