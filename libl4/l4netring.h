/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One side of a frame ring of the virtual switch (layout and rules:
 * include/l4/net.h), for the switch and its clients alike: the producer
 * puts frames in, the consumer takes them out.
 *
 * Neither side trusts the other. What it reads of the other side's
 * writing (the producer's index when it consumes, the consumer's index
 * when it produces, a slot's header) it reads once, into its own copy,
 * and checks there: an index that claims more than the ring holds, or
 * moves backwards, is a broken ring (L4_NETRING_BAD: this side stops
 * using the ring until it is set up afresh); a length of 0 or above
 * L4_NET_FRAME_MAX is a bad frame (taken and dropped, counted). Nothing
 * the other side writes can make this side read or write outside the
 * ring, or loop: each call takes at most a ring's worth of slots.
 *
 * Pure C (no system calls), so the host unit tests drive it
 * (tests/unit/vswitch/test_netring.c). The memory barriers are compiler
 * barriers: x86 orders stores with stores and loads with loads.
 */
#ifndef L4NETRING_H
#define L4NETRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <l4/net.h>

/* A frame's flags and partial checksum (net.h, L4_NET_F_*). */
struct l4_net_meta {
	uint8_t flags;
	uint16_t csum_start, csum_offset;
};

/* Our side of one ring. */
struct l4_netring {
	struct l4_net_ring *sh;
	uint32_t prod, cons;          /* our copies: what we know of both indices */
	bool bad;                     /* the other side broke it */
	unsigned long long frames, bytes, dropped, bad_frames;
};

enum { L4_NETRING_BAD = -1, L4_NETRING_EMPTY = 0, L4_NETRING_FRAME = 1, L4_NETRING_FULL = 2 };

/* Our side of the ring at sh, both indices 0, as a fresh ring has them.
 * l4_netring_reset also writes them (the owner of the memory does, before
 * the other side sees it). */
void l4_netring_init(struct l4_netring *r, struct l4_net_ring *sh);
void l4_netring_reset(struct l4_netring *r, struct l4_net_ring *sh);

/*
 * Consumer: the next frame into buf (L4_NET_FRAME_MAX bytes), its length
 * in *len and its flags in *meta (may be NULL): L4_NETRING_FRAME,
 * L4_NETRING_EMPTY, or L4_NETRING_BAD. Slots with a bad length are taken
 * and counted in bad_frames on the way.
 */
int l4_netring_take(struct l4_netring *r, uint8_t *buf, unsigned *len, struct l4_net_meta *meta);

/* Consumer: frames waiting (0 when the ring is broken). */
unsigned l4_netring_pending(struct l4_netring *r);

/*
 * Producer: puts a frame of len bytes (1..L4_NET_FRAME_MAX) with meta
 * (NULL: no flags): L4_NETRING_FRAME, L4_NETRING_FULL (the consumer is
 * behind, or the length is bad: the frame is dropped and counted in
 * dropped), or L4_NETRING_BAD.
 */
int l4_netring_put(struct l4_netring *r, const uint8_t *frame, unsigned len, const struct l4_net_meta *meta);

/* Producer, without a copy of the frame: the next free slot (NULL when
 * the ring is full or broken; not counted as a drop), to fill and then
 * hand over with l4_netring_commit (len 1..L4_NET_FRAME_MAX). */
struct l4_net_slot *l4_netring_reserve(struct l4_netring *r);
void l4_netring_commit(struct l4_netring *r, unsigned len, const struct l4_net_meta *meta);

#endif
