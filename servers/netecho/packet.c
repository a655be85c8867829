/* SPDX-License-Identifier: BSD-2-Clause */
/* The network endpoint's packets: see packet.h. */
#include <stddef.h>
#include <l4/net.h>
#include "l4inet.h"
#include "packet.h"

/* Headers as they are on the wire: bytes only, so any address will do
 * and nothing is padded; multi-byte fields big-endian. */
struct eth_hdr {
	uint8_t dst[6], src[6], type[2];
};

struct arp_pkt {                   /* Ethernet and IPv4 (RFC 826) */
	uint8_t htype[2], ptype[2], hlen, plen, op[2];
	uint8_t sha[6], spa[4];    /* sender's addresses */
	uint8_t tha[6], tpa[4];    /* target's */
};

struct ip_hdr {                    /* RFC 791, without options */
	uint8_t ver_ihl, tos, len[2], id[2], frag[2], ttl, proto, csum[2];
	uint8_t src[4], dst[4];
};

struct icmp_echo {                 /* RFC 792: echo request and reply */
	uint8_t type, code, csum[2], id[2], seq[2];
};

struct udp_hdr {                   /* RFC 768 */
	uint8_t sport[2], dport[2], len[2], csum[2];
};

_Static_assert(sizeof(struct eth_hdr) == 14 && sizeof(struct arp_pkt) == 28 && sizeof(struct ip_hdr) == 20 &&
	       sizeof(struct icmp_echo) == 8 && sizeof(struct udp_hdr) == 8, "headers as on the wire");

#define ETH_ZLEN 60                /* the shortest frame without its FCS (IEEE 802.3) */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ARP_HTYPE_ETHERNET 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define IP_VERSION 4               /* ver_ihl's high nibble */
#define IP_IHL 0x0f                /* ver_ihl's low nibble: the header's 32-bit words */
#define IP_IHL_MIN 5               /* ... without options */
#define IP_FLAG_DF 0x4000          /* don't fragment */
#define IP_FLAG_MF 0x2000          /* more fragments */
#define IP_OFFSET 0x1fff           /* the fragment's offset */
#define IP_TTL 64                  /* RFC 1700's default */
#define IP_PROTO_ICMP 1
#define IP_PROTO_UDP 17
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

const char *const echo_reason_name[ECHO_REASONS] = {
	[ECHO_NOT_OURS] = "not-ours", [ECHO_TOO_LONG] = "too-long", [ECHO_SHORT] = "short",
	[ECHO_ETHERTYPE] = "ethertype", [ECHO_BAD_SOURCE] = "bad-source", [ECHO_ARP_BAD] = "arp-bad",
	[ECHO_ARP_OP] = "arp-op", [ECHO_IP_VERSION] = "ip-version", [ECHO_IP_IHL] = "ip-ihl",
	[ECHO_IP_LENGTH] = "ip-length", [ECHO_IP_CSUM] = "ip-csum", [ECHO_FRAGMENT] = "fragment",
	[ECHO_PROTOCOL] = "protocol", [ECHO_ICMP_CSUM] = "icmp-csum", [ECHO_ICMP_TYPE] = "icmp-type",
	[ECHO_UDP_LENGTH] = "udp-length", [ECHO_UDP_CSUM] = "udp-csum", [ECHO_UDP_PORT] = "udp-port",
};

/* The IPv4 datagram being answered. */
struct request {
	const struct eth_hdr *eth;
	const struct ip_hdr *ip;
	const uint8_t *data;           /* its payload (options skipped) */
	unsigned len;                  /* bytes of payload, by its total length */
};

static uint16_t get16(const uint8_t p[2])
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t p[2], uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static bool same(const void *a, const void *b, size_t n)
{
	return !__builtin_memcmp(a, b, n);
}

static bool is_group(const uint8_t mac[6])
{
	return mac[0] & 1;
}

/* An address a host may have: not in 0/8 ("this network"), 127/8
 * (loopback) or 224/3 (multicast, reserved, broadcast). */
static bool ip_is_host(const uint8_t ip[4])
{
	return ip[0] != 0 && ip[0] != 127 && ip[0] < 224;
}

static unsigned ignore(struct echo *e, enum echo_reason why)
{
	e->ignored[why]++;
	++e->ignored_all;
	if (e->ignored_all >= ECHO_REPORT_EVERY && !(e->ignored_all & (e->ignored_all - 1)))
		e->report = true;                       /* at 64, 128, 256, ... */
	return 0;
}

void echo_init(struct echo *e, const uint8_t mac[6], const uint8_t ip[4])
{
	*e = (struct echo){ 0 };
	__builtin_memcpy(e->mac, mac, sizeof(e->mac));
	__builtin_memcpy(e->ip, ip, sizeof(e->ip));
}

/* ---- replies */

static void eth_header(const struct echo *e, uint8_t *out, const uint8_t dst[6], uint16_t type)
{
	struct eth_hdr *h = (struct eth_hdr *)out;

	__builtin_memcpy(h->dst, dst, 6);
	__builtin_memcpy(h->src, e->mac, 6);
	put16(h->type, type);
}

/* The reply's length, padded with zeroes to Ethernet's minimum. */
static unsigned padded(uint8_t *out, unsigned len)
{
	if (len >= ETH_ZLEN)
		return len;
	__builtin_memset(out + len, 0, ETH_ZLEN - len);
	return ETH_ZLEN;
}

/* The Ethernet and IPv4 headers of the answer to q, carrying len bytes
 * of proto: where its payload goes. */
static uint8_t *ip_reply(struct echo *e, const struct request *q, uint8_t proto, unsigned len, uint8_t *out)
{
	struct ip_hdr *ip = (struct ip_hdr *)(out + sizeof(struct eth_hdr));

	eth_header(e, out, q->eth->src, ETH_TYPE_IPV4);
	*ip = (struct ip_hdr){ .ver_ihl = IP_VERSION << 4 | IP_IHL_MIN, .ttl = IP_TTL, .proto = proto };
	put16(ip->len, (uint16_t)(sizeof(*ip) + len));
	put16(ip->id, e->ip_id++);
	put16(ip->frag, IP_FLAG_DF);
	__builtin_memcpy(ip->src, e->ip, 4);
	__builtin_memcpy(ip->dst, q->ip->src, 4);
	put16(ip->csum, l4_inet_fold(l4_inet_sum(ip, sizeof(*ip), 0)));
	return (uint8_t *)(ip + 1);
}

/* The sum of UDP's pseudo-header (RFC 768): the addresses, the protocol
 * and the UDP length. */
static uint32_t pseudo_sum(const uint8_t src[4], const uint8_t dst[4], unsigned udp_len)
{
	uint8_t ph[12] = { [9] = IP_PROTO_UDP };

	__builtin_memcpy(ph, src, 4);
	__builtin_memcpy(ph + 4, dst, 4);
	put16(ph + 10, (uint16_t)udp_len);
	return l4_inet_sum(ph, sizeof(ph), 0);
}

/* ---- what comes */

static unsigned arp_answer(struct echo *e, const uint8_t *p, unsigned len, uint8_t *out)
{
	const struct arp_pkt *a = (const struct arp_pkt *)p;

	if (len < sizeof(*a))
		return ignore(e, ECHO_SHORT);
	if (get16(a->htype) != ARP_HTYPE_ETHERNET || get16(a->ptype) != ETH_TYPE_IPV4 || a->hlen != 6 || a->plen != 4)
		return ignore(e, ECHO_ARP_BAD);
	if (get16(a->op) != ARP_OP_REQUEST)
		return ignore(e, ECHO_ARP_OP);
	if (is_group(a->sha))
		return ignore(e, ECHO_BAD_SOURCE);
	if (!same(a->tpa, e->ip, 4))
		return ignore(e, ECHO_NOT_OURS);
	/* The sender's address may be 0.0.0.0 (a probe, RFC 5227): the
	 * reply then tells it the address is taken. */
	struct arp_pkt *r = (struct arp_pkt *)(out + sizeof(struct eth_hdr));
	eth_header(e, out, a->sha, ETH_TYPE_ARP);
	*r = (struct arp_pkt){ .hlen = 6, .plen = 4 };
	put16(r->htype, ARP_HTYPE_ETHERNET);
	put16(r->ptype, ETH_TYPE_IPV4);
	put16(r->op, ARP_OP_REPLY);
	__builtin_memcpy(r->sha, e->mac, 6);
	__builtin_memcpy(r->spa, e->ip, 4);
	__builtin_memcpy(r->tha, a->sha, 6);
	__builtin_memcpy(r->tpa, a->spa, 4);
	e->arp++;
	return padded(out, sizeof(struct eth_hdr) + sizeof(*r));
}

static unsigned icmp_answer(struct echo *e, const struct request *q, uint8_t *out)
{
	const struct icmp_echo *m = (const struct icmp_echo *)q->data;

	if (q->len < sizeof(*m))
		return ignore(e, ECHO_SHORT);
	if (l4_inet_fold(l4_inet_sum(q->data, q->len, 0)))
		return ignore(e, ECHO_ICMP_CSUM);
	if (m->type != ICMP_ECHO_REQUEST || m->code)
		return ignore(e, ECHO_ICMP_TYPE);
	/* The same id, sequence and data back; the new checksum. */
	struct icmp_echo *r = (struct icmp_echo *)ip_reply(e, q, IP_PROTO_ICMP, q->len, out);
	__builtin_memcpy(r, m, q->len);
	r->type = ICMP_ECHO_REPLY;
	put16(r->csum, 0);
	put16(r->csum, l4_inet_fold(l4_inet_sum(r, q->len, 0)));
	e->icmp++;
	return padded(out, (unsigned)((uint8_t *)r - out) + q->len);
}

/* A datagram to the discard port: only "stats" (with a line end, as
 * `echo stats | nc -u` sends it, or without) does something. */
static void discard(struct echo *e, const uint8_t *data, unsigned len)
{
	unsigned n = sizeof(ECHO_STATS) - 1;

	if ((len == n || (len == n + 1 && data[n] == '\n')) && same(data, ECHO_STATS, n))
		e->report = true;
	e->discarded++;
}

static unsigned udp_answer(struct echo *e, const struct request *q, uint8_t *out)
{
	const struct udp_hdr *u = (const struct udp_hdr *)q->data;

	if (q->len < sizeof(*u))
		return ignore(e, ECHO_SHORT);
	/* Shorter than the IPv4 payload is allowed: the rest is not UDP's. */
	unsigned len = get16(u->len);
	if (len < sizeof(*u) || len > q->len)
		return ignore(e, ECHO_UDP_LENGTH);
	if (get16(u->csum) && l4_inet_fold(l4_inet_sum(u, len, pseudo_sum(q->ip->src, q->ip->dst, len))))
		return ignore(e, ECHO_UDP_CSUM);
	if (get16(u->dport) == ECHO_DISCARD_PORT) {
		discard(e, (const uint8_t *)(u + 1), len - (unsigned)sizeof(*u));
		return 0;
	}
	if (get16(u->dport) != ECHO_PORT)
		return ignore(e, ECHO_UDP_PORT);
	if (!get16(u->sport))
		return ignore(e, ECHO_BAD_SOURCE);     /* port 0: the sender wants no answer */
	struct udp_hdr *r = (struct udp_hdr *)ip_reply(e, q, IP_PROTO_UDP, len, out);
	__builtin_memcpy(r, u, len);
	__builtin_memcpy(r->sport, u->dport, 2);
	__builtin_memcpy(r->dport, u->sport, 2);
	put16(r->csum, 0);
	uint16_t c = l4_inet_fold(l4_inet_sum(r, len, pseudo_sum(e->ip, q->ip->src, len)));
	put16(r->csum, c ? c : 0xffff);                /* 0 would say: no checksum */
	e->udp++;
	return padded(out, (unsigned)((uint8_t *)r - out) + len);
}

static unsigned ip_answer(struct echo *e, const struct eth_hdr *eth, const uint8_t *p, unsigned len, uint8_t *out)
{
	const struct ip_hdr *ip = (const struct ip_hdr *)p;

	if (len < sizeof(*ip))
		return ignore(e, ECHO_SHORT);
	if (ip->ver_ihl >> 4 != IP_VERSION)
		return ignore(e, ECHO_IP_VERSION);
	unsigned hlen = (ip->ver_ihl & IP_IHL) * 4u;
	if (hlen < sizeof(*ip) || hlen > len)
		return ignore(e, ECHO_IP_IHL);
	unsigned total = get16(ip->len);
	if (total < hlen || total > len)
		return ignore(e, ECHO_IP_LENGTH);
	if (l4_inet_fold(l4_inet_sum(ip, hlen, 0)))
		return ignore(e, ECHO_IP_CSUM);
	if (!same(ip->dst, e->ip, 4))
		return ignore(e, ECHO_NOT_OURS);
	if (!ip_is_host(ip->src))
		return ignore(e, ECHO_BAD_SOURCE);
	if (get16(ip->frag) & (IP_FLAG_MF | IP_OFFSET))
		return ignore(e, ECHO_FRAGMENT);
	struct request q = { .eth = eth, .ip = ip, .data = p + hlen, .len = total - hlen };
	switch (ip->proto) {
	case IP_PROTO_ICMP:
		return icmp_answer(e, &q, out);
	case IP_PROTO_UDP:
		return udp_answer(e, &q, out);
	default:
		return ignore(e, ECHO_PROTOCOL);
	}
}

unsigned echo_answer(struct echo *e, const uint8_t *in, unsigned len, uint8_t *out)
{
	const struct eth_hdr *eth = (const struct eth_hdr *)in;

	/* (A reply is never longer than what it answers, or than a frame
	 * of Ethernet's minimum: so within L4_NET_FRAME_MAX.) */
	if (len > L4_NET_FRAME_MAX)
		return ignore(e, ECHO_TOO_LONG);
	if (len < sizeof(*eth))
		return ignore(e, ECHO_SHORT);
	if (!same(eth->dst, e->mac, 6) && !same(eth->dst, broadcast, 6))
		return ignore(e, ECHO_NOT_OURS);
	if (is_group(eth->src))
		return ignore(e, ECHO_BAD_SOURCE);
	switch (get16(eth->type)) {
	case ETH_TYPE_ARP:
		return arp_answer(e, in + sizeof(*eth), len - (unsigned)sizeof(*eth), out);
	case ETH_TYPE_IPV4:
		return ip_answer(e, eth, in + sizeof(*eth), len - (unsigned)sizeof(*eth), out);
	default:
		return ignore(e, ECHO_ETHERTYPE);
	}
}

bool echo_ip_parse(const char *s, uint8_t ip[4])
{
	for (unsigned i = 0; i < 4; i++) {
		unsigned v = 0, digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			v = v * 10 + (unsigned)(*s - '0');
		if (!digits || v > 255 || *s != (i < 3 ? '.' : 0))
			return false;
		ip[i] = (uint8_t)v;
		s += i < 3;
	}
	return ip_is_host(ip);
}
