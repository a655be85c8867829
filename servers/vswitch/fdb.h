/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtual switch's forwarding database (issue 19): which port each
 * Ethernet address was last seen on, learned from the source addresses of
 * the frames the switch forwards, per segment (ports on different segments
 * never see each other's frames or addresses).
 *
 * A fixed table of FDB_ENTRIES entries, open addressing with linear
 * probing over a hash of (segment, address): no allocation, and bounded
 * work per frame (at most FDB_PROBE slots looked at). An entry ages out
 * FDB_AGE_NS after it was last refreshed. When the probe window is full of
 * live entries, the oldest of them is replaced: a client that floods the
 * switch with made-up source addresses evicts entries but never makes the
 * switch do more work per frame, and the addresses it cannot learn are
 * flooded, as on a real switch. Multicast and broadcast sources are never
 * learned (they are not stations). A port that goes away is forgotten
 * (fdb_forget_port).
 *
 * Pure C (no system calls), so the host unit tests (tests/unit/vswitch/)
 * drive it.
 */
#ifndef VSWITCH_FDB_H
#define VSWITCH_FDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDB_ENTRIES 1024                       /* a power of two */
#define FDB_PROBE 16                           /* slots looked at per lookup or learn */
#define FDB_AGE_NS (300ull * 1000000000ull)    /* 300 s, as IEEE 802.1D's default */
#define FDB_NONE (-1)                          /* lookup: unknown, flood */

struct fdb_entry {
	uint8_t mac[6];
	uint8_t segment;
	bool used;
	int16_t port;
	uint64_t seen;                         /* when it was last refreshed (ns) */
};

struct fdb {
	struct fdb_entry e[FDB_ENTRIES];
	unsigned long long learned, moved, evicted;   /* statistics */
};

void fdb_init(struct fdb *f);

/* Whether mac is a group (multicast or broadcast) address. */
static inline bool fdb_is_group(const uint8_t mac[6])
{
	return mac[0] & 1;
}

/* A frame from mac came in on port of segment at time now: learn or
 * refresh it (a station that moved to another port follows). */
void fdb_learn(struct fdb *f, uint8_t segment, const uint8_t mac[6], int port, uint64_t now);

/* The port mac was seen on in segment (and not aged out by now), or
 * FDB_NONE: flood. A group address is always FDB_NONE. */
int fdb_lookup(const struct fdb *f, uint8_t segment, const uint8_t mac[6], uint64_t now);

/* Every entry of port goes (the port's client went away). */
void fdb_forget_port(struct fdb *f, int port);

#endif
