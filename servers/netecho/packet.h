/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The network endpoint's packets (servers/netecho): what it answers of a
 * frame from the virtual switch, and the reply.
 *
 * It answers ARP requests for its IPv4 address (RFC 826), ICMP echo
 * requests (RFC 792) and UDP datagrams to the echo port (RFC 862), and
 * takes datagrams to the discard port (RFC 863). Everything else is
 * ignored and counted by its reason (enum echo_reason): the first check
 * a frame fails names it. It asks for its counters to be shown
 * (echo.report) when a datagram to the discard port says "stats", and
 * when the frames it ignored reach ECHO_REPORT_EVERY, twice that, four
 * times that and so on: frames that keep going wrong show, in a line per
 * doubling (a segment's broadcasts for others are many).
 *
 * What it accepts: Ethernet II frames to its address or broadcast, from
 * a unicast address. IPv4: version 4, a header of 5 to 15 words (options
 * skipped) inside the frame, a total length from the header to the end
 * of the frame (what lies past it is Ethernet padding), a correct header
 * checksum, to its address (not a broadcast one), from a unicast one, and
 * not a fragment. ICMP and UDP checksums are verified (UDP's only when
 * the sender gave one, as RFC 768 lets it). Nothing is read past the
 * frame's length, whatever the lengths in its headers say.
 *
 * A reply goes back to the sender's Ethernet address, with a fresh IPv4
 * header (no options, TTL 64, DF, an id from a counter) and correct
 * checksums, padded to Ethernet's minimum; it is never longer than the
 * frame it answers.
 *
 * Pure C (no system calls), so the host unit tests drive it
 * (tests/unit/vswitch/test_echo.c).
 */
#ifndef NETECHO_PACKET_H
#define NETECHO_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#define ECHO_PORT 7               /* RFC 862: what comes is sent back */
#define ECHO_DISCARD_PORT 9       /* RFC 863: what comes is dropped */
#define ECHO_STATS "stats"        /* to the discard port: show the counters */
#define ECHO_REPORT_EVERY 64      /* and at 64, 128, 256, ... frames ignored */

/* Why a frame was ignored. */
enum echo_reason {
	ECHO_NOT_OURS,            /* to another Ethernet or IPv4 address; ARP for another */
	ECHO_TOO_LONG,            /* longer than L4_NET_FRAME_MAX */
	ECHO_SHORT,               /* ends inside a header */
	ECHO_ETHERTYPE,           /* neither IPv4 nor ARP (802.3 lengths, VLAN tags, IPv6) */
	ECHO_BAD_SOURCE,          /* from a group address, an IPv4 address that is not a
				     host's, or UDP port 0: nowhere to answer */
	ECHO_ARP_BAD,             /* ARP for other than Ethernet and IPv4 */
	ECHO_ARP_OP,              /* ARP, but not a request */
	ECHO_IP_VERSION,
	ECHO_IP_IHL,              /* a header shorter than 5 words or past the frame */
	ECHO_IP_LENGTH,           /* a total length below the header or past the frame */
	ECHO_IP_CSUM,
	ECHO_FRAGMENT,            /* more fragments, or an offset */
	ECHO_PROTOCOL,            /* neither ICMP nor UDP */
	ECHO_ICMP_CSUM,
	ECHO_ICMP_TYPE,           /* not an echo request */
	ECHO_UDP_LENGTH,          /* below its header or past the IPv4 datagram */
	ECHO_UDP_CSUM,
	ECHO_UDP_PORT,            /* to a port we do not serve */
	ECHO_REASONS
};

/* Each reason's name, for the counters' line ("ip-csum"). */
extern const char *const echo_reason_name[ECHO_REASONS];

struct echo {
	uint8_t mac[6];                            /* ours */
	uint8_t ip[4];                             /* ours, as on the wire */
	uint16_t ip_id;                            /* the next reply's IPv4 id */
	bool report;                               /* show the counters (the caller clears it) */
	unsigned long long arp, icmp, udp;         /* answered */
	unsigned long long discarded;              /* datagrams to the discard port */
	unsigned long long ignored[ECHO_REASONS];
	unsigned long long ignored_all;            /* their sum */
};

/* A fresh endpoint with these addresses, every counter 0. */
void echo_init(struct echo *e, const uint8_t mac[6], const uint8_t ip[4]);

/*
 * Answers the len bytes at in (an Ethernet frame from its destination
 * address on, without the FCS): the reply's length, its frame at out
 * (room for L4_NET_FRAME_MAX bytes, not overlapping in), or 0: no reply
 * (the frame was taken by the discard port, or ignored and counted).
 */
unsigned echo_answer(struct echo *e, const uint8_t *in, unsigned len, uint8_t *out);

/* Parses "A.B.C.D" (decimal, 0-255 each) into ip: false if it is not one,
 * or not an address a host may have (0.0.0.0/8, 127.0.0.0/8, multicast,
 * reserved, broadcast). */
bool echo_ip_parse(const char *s, uint8_t ip[4]);

#endif
