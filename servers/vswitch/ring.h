/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A frame ring in memory shared between the virtual switch and one of its
 * clients (issue 19): one producer, one consumer, L4_NET_RING_SLOTS slots
 * of a length and a frame each, and two free-running 32-bit indices: the
 * producer's (the slots it has filled) and the consumer's (the slots it
 * has taken). Each port has two: the client produces into its tx ring and
 * the switch consumes; the switch produces into the rx ring and the client
 * consumes.
 *
 * The switch trusts nothing the other side writes. What it reads of a
 * client's ring (the producer index of a tx ring, the consumer index of an
 * rx ring, a slot's length, the frame) it reads once, into its own copy,
 * and checks there: an index that claims more than the ring holds, or
 * moves backwards, is a broken ring (RING_BAD: the switch stops serving
 * the port's ring until the client attaches again); a length of 0 or
 * above L4_NET_FRAME_MAX is a bad frame (taken and dropped, counted).
 * Nothing the client writes can make the switch read or write outside the
 * ring's memory, or loop: each call looks at most at one slot.
 *
 * Pure C (no system calls), so the host unit tests drive it. The memory
 * barriers are the caller's business (x86: stores are not reordered with
 * stores, nor loads with loads; a compiler barrier suffices, ring.c has
 * them).
 *
 * (The switch's first piece: the switch server and its protocol,
 * include/l4/net.h, are to come; this layout is what they will share.)
 */
#ifndef VSWITCH_RING_H
#define VSWITCH_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_SLOTS 64                    /* a power of two */
#define RING_FRAME_MAX 1514              /* an Ethernet frame without its FCS */
#define RING_SLOT_SIZE 2048              /* le16 length, then the frame */

/* The layout in shared memory: the indices each in its own cache line,
 * then the slots (RING_BYTES in all). */
struct ring_shared {
	volatile uint32_t prod;
	uint8_t pad0[60];
	volatile uint32_t cons;
	uint8_t pad1[60];
	uint8_t slot[RING_SLOTS][RING_SLOT_SIZE];
};
#define RING_BYTES sizeof(struct ring_shared)

/* Our side of one ring. */
struct ring {
	struct ring_shared *sh;
	uint32_t prod, cons;             /* our copies: what we know of both indices */
	bool bad;                        /* the other side broke it */
	unsigned long long frames, bytes, dropped, bad_frames;
};

enum { RING_BAD = -1, RING_EMPTY = 0, RING_FRAME = 1, RING_FULL = 2 };

/* Starts our side of a fresh ring at sh: both indices 0 (the switch owns
 * the memory and sets it up before the client sees it). */
void ring_attach(struct ring *r, struct ring_shared *sh);

/*
 * Consumer: the next frame into buf (RING_FRAME_MAX bytes), its length
 * in *len: RING_FRAME, RING_EMPTY, or RING_BAD (an index out of bounds:
 * the ring is dead until ring_attach). Slots with a bad length are taken
 * and counted in bad_frames on the way (at most a ring's worth per call).
 */
int ring_take(struct ring *r, uint8_t *buf, unsigned *len);

/*
 * Producer: puts a frame of len bytes (1..RING_FRAME_MAX) into the ring:
 * RING_FRAME, RING_FULL (the consumer is behind, or the length is bad: the
 * frame is dropped and counted), or RING_BAD (the consumer's index is out
 * of bounds: the ring is dead until ring_attach).
 */
int ring_put(struct ring *r, const uint8_t *frame, unsigned len);

#endif
