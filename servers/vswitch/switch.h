/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtual switch's core (issue 19; protocol and rules:
 * include/l4/net.h): its configuration (ports per program and segment)
 * and the forwarding of frames between the ports' rings. Pure C (no
 * system calls: main.c does those), so the host unit tests
 * (tests/unit/vswitch/test_switch.c) drive it with rings in plain memory
 * and clients that misbehave.
 *
 * sw_forward takes frames from the ports' tx rings, a port at a time and
 * at most L4_NET_BATCH from each before the next (round robin: a
 * flooding port gets its share and no more), for at most SW_ROUNDS
 * rounds, and puts each into the rx ring of the port its destination was
 * learned on, or of every other port of its segment (broadcast,
 * multicast, unknown: at most L4_NET_FLOOD_RATE per second and port,
 * storm control). A full rx ring drops the frame (counted for that
 * port); the switch never waits. It returns which ports to signal: those
 * whose rx got frames, and those whose full tx ring got room.
 */
#ifndef VSWITCH_SWITCH_H
#define VSWITCH_SWITCH_H

#include <stdbool.h>
#include <stdint.h>
#include "fdb.h"
#include "l4netring.h"

#define SW_NAME_MAX 15
#define SW_BATCH 16                      /* frames per port per round */
#define SW_ROUNDS 8                      /* rounds per sw_forward */

_Static_assert(L4_NET_MAX_PORTS <= 32, "ports are bits of a word");

struct sw_port {
	char program[SW_NAME_MAX + 1];   /* who may attach (configuration) */
	uint8_t segment;                 /* its segment's number */
	uint64_t badge;                  /* the program's number; 0: not running */
	bool attached;
	bool partial_ok;                 /* takes frames with partial checksums */
	struct l4_net_port *mem;         /* the port's memory (the switch's) */
	struct l4_netring tx, rx;        /* our sides: we consume tx, produce rx */
	/* Counters (STATS), from attach to attach and beyond. */
	unsigned long long tx_frames, tx_bytes, rx_frames, rx_bytes, rx_dropped, bad, tx_dropped;
	/* Storm control: a token bucket of frames it may flood. */
	uint64_t flood_tokens, flood_at;           /* tokens in 1/1e9 frames; when last filled (ns) */
};

struct sw {
	unsigned port_count, segment_count;
	struct sw_port port[L4_NET_MAX_PORTS];
	char segment[L4_NET_MAX_PORTS][SW_NAME_MAX + 1];
	struct fdb fdb;
	uint8_t frame[L4_NET_FRAME_MAX];
	char error[160];                 /* why the configuration was refused */
};

/* Parses the arguments args[0..count-1] (port:PROGRAM=SEGMENT, net.h)
 * into s's ports; port i's memory is at mem + i * L4_NET_PORT_SIZE
 * (aligned to that size: it is mapped as one flexpage). False at the
 * first bad one (a name that is not 1-15 of [a-z0-9_-], a program named
 * twice, more than L4_NET_MAX_PORTS ports), with s->error saying why. */
bool sw_config(struct sw *s, unsigned count, const char *const *args, uint8_t *mem);

/* The port of the client with that badge, or NULL. */
struct sw_port *sw_port_of(struct sw *s, uint64_t badge);

/* A client attaches (again): its port's rings start empty (the memory is
 * zeroed: nothing of an earlier client is left for it to see). */
void sw_attach(struct sw *s, struct sw_port *p, bool partial_ok);

/* Its client went away: the port is detached and forgotten by the
 * forwarding table; its counters stay. */
void sw_detach(struct sw *s, struct sw_port *p);

/* Forwards what the tx rings hold (above); now in ns, for the table's
 * ageing. Returns the ports to signal, bit i for port i. *more: frames
 * were left (the rounds ran out). */
uint32_t sw_forward(struct sw *s, uint64_t now, bool *more);

/* The port's counters as STATS answers them. */
void sw_stats(const struct sw *s, const struct sw_port *p, uint64_t out[9]);

#endif
