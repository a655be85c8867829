/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Typed input on its way to the guest (the program has `input`): the
 * timer thread fetches it from the console server into this ring, the
 * exit handlers hand it to the guest's console device as far as the
 * device takes it (board_input), the rest waits in order. One producer
 * (the timer thread, without the VMM lock) and consumers under the lock:
 * the head is published after the byte, the tail only by consumers.
 * Pure.
 */
#ifndef VMM_INPUT_H
#define VMM_INPUT_H

#include <stddef.h>
#include <stdint.h>

#define INPUT_RING 256u                 /* bytes held; a power of two */

struct input_ring {
	uint8_t buf[INPUT_RING];
	volatile unsigned head, tail;   /* free-running: head - tail bytes held */
};

/* Bytes the ring can take now. */
unsigned input_room(const struct input_ring *r);

/* The producer: appends n bytes (at most input_room). */
void input_put(struct input_ring *r, const uint8_t *bytes, unsigned n);

/* A consumer: offers what the ring holds to take(ctx, buf, n), which
 * returns how many of the n bytes it took, in order; stops when it takes
 * fewer. Returns the bytes taken. (Every exit asks: the empty ring's
 * answer is inline.) */
size_t input_feed_some(struct input_ring *r, size_t (*take)(void *ctx, const uint8_t *buf, size_t n), void *ctx);
static inline size_t input_feed(struct input_ring *r, size_t (*take)(void *ctx, const uint8_t *buf, size_t n),
				void *ctx)
{
	return r->tail == r->head ? 0 : input_feed_some(r, take, ctx);
}

#endif
