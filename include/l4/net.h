/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtual switch's protocol (servers/vswitch): Ethernet ports for
 * native programs and VMs, on the endpoint the switch `serve`s (by
 * convention "net"; a client gets it with `use net`). Calls; the reply's
 * label is the error code.
 *
 * Ports come from the switch's own configuration, its `args` (README,
 * "Networking"):
 *   port:PROGRAM=SEGMENT   the program PROGRAM has a port on the segment
 *                          SEGMENT (1-15 of [a-z0-9_-]). Frames go only
 *                          between ports of one segment: a port on a
 *                          segment of its own sees nothing of the others.
 * A client is known by the badge of its capability to the endpoint (the
 * root task badges every `use` with the program's number, env.h); a
 * program without a port gets L4_ERIGHTS.
 *
 * The port's memory. Each port has two frame rings (struct l4_net_port),
 * in memory that belongs to the switch, which ATTACH maps into the client
 * (as the block server's buffers, blk.h: a client can only lose its own
 * view). tx carries the client's frames to the switch, rx the switch's to
 * the client. A ring has one producer and one consumer and two
 * free-running 32-bit indices, each written by one side only: prod (slots
 * filled) and cons (slots taken); slot i % L4_NET_RING_SLOTS holds frame
 * i. The producer fills a slot, then (a store barrier) advances prod; the
 * consumer reads the slot, then advances cons. libl4's l4netring.h does
 * this and checks what the other side wrote.
 *
 * Each slot has a length (1..L4_NET_FRAME_MAX: an Ethernet frame from the
 * destination address on, without its FCS), flags and the frame:
 *   L4_NET_F_NEEDS_CSUM  the frame's TCP or UDP checksum is partial, as
 *                        virtio-net's: the 16-bit one's complement sum of
 *                        the bytes from csum_start to the end, folded,
 *                        goes at csum_start + csum_offset (the field holds
 *                        the pseudo-header's sum). Only a client that
 *                        said L4_NET_ACCEPT_PARTIAL at ATTACH gets such
 *                        frames; for the others the switch completes the
 *                        checksum (and drops a frame whose csum_start or
 *                        csum_offset lies outside it).
 *   L4_NET_F_DATA_VALID  the sender vouches for the frame's checksums
 *                        (a receiver may skip checking them).
 * Other flags are 0.
 *
 * Notifications. The switch sleeps on a doorbell: ATTACH gives the client
 * a capability to signal it (WRITE right only, badged with its port), and
 * the client signals it (l4_send on it) after it has put frames into tx.
 * The client hands the switch a notification of its own at ATTACH, which
 * the switch signals after it has put frames into the client's rx, and
 * after it has taken frames from a tx ring that was full.
 *
 * What a client cannot do to the switch or the other ports. The switch
 * reads each index and slot header once and checks them: an index that
 * goes backwards or claims more than the ring holds breaks that ring (the
 * switch stops serving the port until the client attaches again; the
 * other ports go on); a bad length is a bad frame, dropped and counted.
 * The switch takes at most L4_NET_BATCH frames from one port before it
 * looks at the next: a client that floods its tx ring gets its share and
 * no more. A client that does not empty its rx ring (slow, stopped,
 * gone) only loses frames: the switch never waits for space, it drops the
 * frame and counts it. Frames to an address the switch has not learned,
 * and broadcast and multicast frames, go to every other port of the
 * segment; the switch learns where each source address is from the frames
 * it forwards (never group addresses; 1024 entries; an entry ages out
 * after 300 s, and a port that goes away is forgotten at once). Storm
 * control: the frames a port sends that go to every other port are
 * limited to L4_NET_FLOOD_RATE per second (bursts of L4_NET_FLOOD_BURST);
 * beyond that they are dropped and counted (tx_dropped), so a client
 * that floods broadcasts cannot fill every other port's rx ring.
 *
 * label            arguments                       result
 * L4_NET_ATTACH    MR0 flags (L4_NET_ACCEPT_       MR0 the port's number, MR1
 *                  PARTIAL), one capability item     L4_NET_PORT_SIZE, then
 *                  (the client's notification,       a map item of the port's
 *                  WRITE right); BR0 a memory        memory (read-write, both
 *                  window of L4_NET_PORT_SIZE,       rings empty) and a
 *                  aligned to its size; BR1 a        capability item: the
 *                  capability window of a slot       doorbell
 * L4_NET_STATS     MR0 a port number, or            MR0-MR8 the port's
 *                  L4_NET_MY_PORT                    counters (struct
 *                                                    l4_net_stats, in order)
 * ATTACH again (after a broken ring, or to start afresh) empties both
 * rings and takes the new notification; the doorbell stays the same.
 *
 * Errors: L4_EMSG too few words, or ATTACH without exactly one
 * capability item of a notification with the WRITE right (and a reply
 * whose items the client's windows do not take arrives as L4_EMSG too);
 * L4_ERIGHTS no port for this client; L4_ENOENT STATS of a port that
 * does not exist; L4_EINVAL unknown flags; L4_ENOSYS unknown label. When a client ends (the root task's
 * L4_SERVER_CLIENT_GONE), its port is detached and forgotten by the
 * forwarding table; its counters stay.
 */
#ifndef L4_NET_H
#define L4_NET_H

#include "types.h"

enum l4_net_op {
	L4_NET_ATTACH = 1,
	L4_NET_STATS = 2,
};

#define L4_NET_ACCEPT_PARTIAL 1u        /* ATTACH: frames with L4_NET_F_NEEDS_CSUM welcome */
#define L4_NET_MY_PORT (~0ull)          /* STATS: the caller's own port */

#define L4_NET_FRAME_MIN 14             /* an Ethernet header */
#define L4_NET_FRAME_MAX 1514           /* MTU 1500, no FCS */
#define L4_NET_RING_SLOTS 64            /* a power of two */
#define L4_NET_SLOT_SIZE 1536            /* a header of 8 bytes and the frame */
#define L4_NET_MAX_PORTS 8               /* per switch (its memory: 256 KiB each) */

#define L4_NET_FLOOD_RATE 2000          /* flooded frames per second and port */
#define L4_NET_FLOOD_BURST 200

#define L4_NET_F_NEEDS_CSUM 1u
#define L4_NET_F_DATA_VALID 2u

struct l4_net_slot {
	uint16_t len;
	uint8_t flags;
	uint8_t reserved;
	uint16_t csum_start, csum_offset;   /* with L4_NET_F_NEEDS_CSUM; from the frame's start */
	uint8_t frame[L4_NET_SLOT_SIZE - 8];
};

struct l4_net_ring {
	volatile uint32_t prod;
	uint8_t pad0[60];
	volatile uint32_t cons;
	uint8_t pad1[60];
	struct l4_net_slot slot[L4_NET_RING_SLOTS];
};

struct l4_net_port {
	struct l4_net_ring tx;              /* client -> switch */
	struct l4_net_ring rx;              /* switch -> client */
};

#define L4_NET_PORT_ORDER 18            /* the port's memory: 256 KiB */
#define L4_NET_PORT_SIZE (1ull << L4_NET_PORT_ORDER)
_Static_assert(sizeof(struct l4_net_port) <= L4_NET_PORT_SIZE, "a port fits its memory");

/* Where clients usually put the port's window (any free, aligned address
 * will do). */
#define L4_NET_PORT_ADDR 0x0000410000000000ull

/* STATS: a port's counters, from the switch's side. */
struct l4_net_stats {
	l4_word_t segment;       /* the segment's number (the order of the args) */
	l4_word_t attached;      /* 1: a client is attached */
	l4_word_t tx_frames;     /* taken from the client's tx */
	l4_word_t tx_bytes;
	l4_word_t rx_frames;     /* put into the client's rx */
	l4_word_t rx_bytes;
	l4_word_t rx_dropped;    /* for the client, but its rx was full */
	l4_word_t bad;           /* bad frames and broken rings of the client */
	l4_word_t tx_dropped;    /* from the client, dropped by storm control */
};

#endif
