/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for servers/netecho/packet.c, the network endpoint's packets:
 * real frames (ARP requests and probes, pings small and as large as a
 * frame holds, UDP echo with and without a checksum, IPv4 options,
 * Ethernet padding, the discard port's "stats") answered byte for byte
 * as a frame built here says, checksums checked with l4_inet_sum; every
 * malformed frame (truncated at every length, bad header lengths,
 * checksums, fragments, addresses, types) unanswered and counted under
 * its reason and no other; every frame given in a heap buffer of exactly
 * its length, so that AddressSanitizer sees any read past it; and random
 * frames, from garbage to valid ones with one field changed and their
 * checksums made right again, each counted once, each answer well
 * formed and carrying what was asked.
 */
#include <stdlib.h>
#include <string.h>

#include <l4/net.h>
#include "libl4/l4inet.h"
#include "servers/netecho/packet.h"
#include "tests/unit/unit.h"
#include "tests/unit/util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Wire values, written out here rather than taken from packet.c. */
#define ETH_HLEN 14
#define ETH_ZLEN 60
#define IP_HLEN 20
#define T_IPV4 0x0800
#define T_ARP 0x0806
#define DF 0x4000
#define MF 0x2000
#define P_ICMP 1
#define P_UDP 17

static const uint8_t our_mac[6] = { 0x02, 0x4c, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t our_ip[4] = { 10, 0, 0, 10 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_ip[4] = { 10, 0, 0, 2 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t group_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t zero_mac[6];                      /* an ARP request's target */

static struct echo e;
static uint8_t *out;                  /* exactly L4_NET_FRAME_MAX bytes */
static uint8_t f[2048], want[2048];   /* frames being built */

static void setup(void)
{
	echo_init(&e, our_mac, our_ip);
	out = alloc_exact(L4_NET_FRAME_MAX);
}

static void teardown(void)
{
	free(out);
}

/* ------------------------------------------------------------ building frames */

static void be16_put(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned be16_get(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The checksum over len bytes (with a running sum): 0 when it is right. */
static unsigned csum_of(const uint8_t *p, unsigned len, uint32_t sum)
{
	return l4_inet_fold(l4_inet_sum(p, len, sum));
}

static unsigned eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], unsigned type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	be16_put(p + 12, type);
	return ETH_HLEN;
}

/* An ARP frame (Ethernet, IPv4) from src to dst. */
static unsigned arp(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], unsigned op, const uint8_t sha[6],
		    const uint8_t spa[4], const uint8_t tha[6], const uint8_t tpa[4])
{
	uint8_t *a = p + eth(p, dst, src, T_ARP);

	be16_put(a, 1);
	be16_put(a + 2, T_IPV4);
	a[4] = 6;
	a[5] = 4;
	be16_put(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	return ETH_HLEN + 28;
}

/* The peer's ARP request for tpa, broadcast. */
static unsigned who_has(uint8_t *p, const uint8_t tpa[4])
{
	return arp(p, bcast_mac, peer_mac, 1, peer_mac, peer_ip, zero_mac, tpa);
}

/* An IPv4 datagram's header, as the fields say. */
struct ipv4 {
	const uint8_t *dmac, *smac, *src, *dst;
	uint8_t proto, ttl;
	unsigned id, frag;
	const uint8_t *opt;            /* options, optlen bytes (a multiple of 4) */
	unsigned optlen;
};

static struct ipv4 to_us(uint8_t proto)
{
	return (struct ipv4){ .dmac = our_mac, .smac = peer_mac, .src = peer_ip, .dst = our_ip, .proto = proto,
			      .ttl = 33, .id = 0x4242 };
}

/* What we must answer to an IPv4 datagram of the peer's: the id is the
 * reply's counter, which starts at 0. */
static struct ipv4 from_us(uint8_t proto, unsigned id)
{
	return (struct ipv4){ .dmac = peer_mac, .smac = our_mac, .src = our_ip, .dst = peer_ip, .proto = proto,
			      .ttl = 64, .id = id, .frag = DF };
}

/* The frame at p: Ethernet, the IPv4 header (checksum right), and the
 * len bytes of payload already at p + ETH_HLEN + IP_HLEN + h->optlen. */
static unsigned ipv4(uint8_t *p, const struct ipv4 *h, unsigned len)
{
	uint8_t *ip = p + eth(p, h->dmac, h->smac, T_IPV4);
	unsigned hlen = IP_HLEN + h->optlen;

	memset(ip, 0, IP_HLEN);
	ip[0] = (uint8_t)(0x40 | hlen / 4);
	be16_put(ip + 2, hlen + len);
	be16_put(ip + 4, h->id);
	be16_put(ip + 6, h->frag);
	ip[8] = h->ttl;
	ip[9] = h->proto;
	memcpy(ip + 12, h->src, 4);
	memcpy(ip + 16, h->dst, 4);
	if (h->optlen)
		memcpy(ip + IP_HLEN, h->opt, h->optlen);
	be16_put(ip + 10, csum_of(ip, hlen, 0));
	return ETH_HLEN + hlen + len;
}

static uint8_t *payload(uint8_t *p, const struct ipv4 *h)
{
	return p + ETH_HLEN + IP_HLEN + h->optlen;
}

static void fill(uint8_t *p, unsigned len, unsigned seed)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* An ICMP echo message at p: its length. */
static unsigned icmp(uint8_t *p, unsigned type, unsigned id, unsigned seq, unsigned data_len, unsigned seed)
{
	p[0] = (uint8_t)type;
	p[1] = 0;
	be16_put(p + 2, 0);
	be16_put(p + 4, id);
	be16_put(p + 6, seq);
	fill(p + 8, data_len, seed);
	be16_put(p + 2, csum_of(p, 8 + data_len, 0));
	return 8 + data_len;
}

/* The sum of UDP's pseudo-header. */
static uint32_t pseudo(const uint8_t src[4], const uint8_t dst[4], unsigned len)
{
	uint8_t ph[12] = { 0 };

	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[9] = P_UDP;
	be16_put(ph + 10, len);
	return l4_inet_sum(ph, 12, 0);
}

/* A UDP datagram at p with data_len bytes of data already at p + 8,
 * with its checksum or none (0): its length. */
static unsigned udp(uint8_t *p, const struct ipv4 *h, unsigned sport, unsigned dport, unsigned data_len,
		    bool with_csum)
{
	unsigned len = 8 + data_len;

	be16_put(p, sport);
	be16_put(p + 2, dport);
	be16_put(p + 4, len);
	be16_put(p + 6, 0);
	if (with_csum) {
		unsigned c = csum_of(p, len, pseudo(h->src, h->dst, len));
		be16_put(p + 6, c ? c : 0xffff);
	}
	return len;
}

static unsigned pad(uint8_t *p, unsigned len)
{
	if (len >= ETH_ZLEN)
		return len;
	memset(p + len, 0, ETH_ZLEN - len);
	return ETH_ZLEN;
}

/* Standard frames: an ICMP echo message of type with data_len bytes of
 * data (8: a ping; 0: its answer), a UDP datagram to port with data_len
 * bytes. */
static unsigned ping(uint8_t *p, const struct ipv4 *h, unsigned type, unsigned data_len)
{
	return ipv4(p, h, icmp(payload(p, h), type, 0x77, 3, data_len, 5));
}

static unsigned udp_to(uint8_t *p, const struct ipv4 *h, unsigned sport, unsigned dport, unsigned data_len,
		       bool with_csum)
{
	fill(payload(p, h) + 8, data_len, 9);
	return ipv4(p, h, udp(payload(p, h), h, sport, dport, data_len, with_csum));
}

/* ------------------------------------------------------------ answering */

/* echo_answer on an exact heap copy of the len bytes at p. */
static unsigned answer(const uint8_t *p, unsigned len)
{
	uint8_t *copy = alloc_copy(p, len);
	unsigned n = echo_answer(&e, copy, len, out);

	free(copy);
	ck_assert_uint_le(n, L4_NET_FRAME_MAX);
	return n;
}

static unsigned long long counted(const struct echo *x)
{
	unsigned long long n = x->arp + x->icmp + x->udp + x->discarded;

	for (unsigned i = 0; i < ECHO_REASONS; i++)
		n += x->ignored[i];
	EXPECT(n - (x->arp + x->icmp + x->udp + x->discarded) == x->ignored_all);
	return n;
}

/* The frame is answered with exactly the want_len bytes at want. */
static void answered(const uint8_t *p, unsigned len, unsigned want_len)
{
	unsigned n = answer(p, len);

	ck_assert_uint_eq(n, want_len);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(out[i] == want[i], "byte %u of the reply is %#x, expected %#x", i, out[i], want[i]);
}

/* The frame is not answered, and counted under why and nothing else. */
static void ignored(const uint8_t *p, unsigned len, enum echo_reason why)
{
	struct echo before = e;

	ck_assert_msg(!answer(p, len), "answered, expected ignored as %s", echo_reason_name[why]);
	for (unsigned i = 0; i < ECHO_REASONS; i++)
		ck_assert_msg(e.ignored[i] == before.ignored[i] + (i == why),
			      "%s: %llu, expected %llu (the frame is %s)", echo_reason_name[i], e.ignored[i],
			      before.ignored[i] + (i == why), echo_reason_name[why]);
	ck_assert_uint_eq(counted(&e), counted(&before) + 1);
	ck_assert_uint_eq(e.ip_id, before.ip_id);
	ck_assert_uint_eq(e.ignored_all, before.ignored_all + 1);
	ck_assert(e.report == (e.ignored_all >= ECHO_REPORT_EVERY && !(e.ignored_all & (e.ignored_all - 1))));
	e.report = false;
}

/* The checksums of an IPv4 reply at out, summed here. */
static void reply_checksums_right(unsigned n)
{
	const uint8_t *ip = out + ETH_HLEN;
	unsigned total = be16_get(ip + 2);

	ck_assert_uint_le(ETH_HLEN + total, n);
	ck_assert_uint_eq(csum_of(ip, IP_HLEN, 0), 0);
	if (ip[9] == P_ICMP)
		ck_assert_uint_eq(csum_of(ip + IP_HLEN, total - IP_HLEN, 0), 0);
	if (ip[9] == P_UDP) {
		ck_assert_uint_ne(be16_get(ip + IP_HLEN + 6), 0);
		ck_assert_uint_eq(csum_of(ip + IP_HLEN, total - IP_HLEN, pseudo(ip + 12, ip + 16, total - IP_HLEN)), 0);
	}
}

/* ------------------------------------------------------------ what is answered */

START_TEST(test_arp_request_answered)
{
	static const uint8_t probe_ip[4];
	unsigned len = pad(f, who_has(f, our_ip));
	unsigned want_len = pad(want, arp(want, peer_mac, our_mac, 2, our_mac, our_ip, peer_mac, peer_ip));

	/* Broadcast, padded as on the wire, and unpadded (42 bytes). */
	ck_assert_uint_eq(want_len, ETH_ZLEN);
	answered(f, len, want_len);
	answered(f, ETH_HLEN + 28, want_len);
	/* Unicast to us, as a refresh. */
	eth(f, our_mac, peer_mac, T_ARP);
	answered(f, len, want_len);
	/* A probe (RFC 5227): from 0.0.0.0, answered to 0.0.0.0. */
	arp(f, our_mac, peer_mac, 1, peer_mac, probe_ip, zero_mac, our_ip);
	arp(want, peer_mac, our_mac, 2, our_mac, our_ip, peer_mac, probe_ip);
	answered(f, len, want_len);
	ck_assert_uint_eq(e.arp, 4);
	ck_assert_uint_eq(counted(&e), 4);
	ck_assert_uint_eq(e.ip_id, 0);                     /* ARP has none */
}
END_TEST

START_TEST(test_ping_answered)
{
	static const unsigned sizes[] = { 0, 1, 56, 57, L4_NET_FRAME_MAX - ETH_HLEN - IP_HLEN - 8 };

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct ipv4 h = to_us(P_ICMP), r = from_us(P_ICMP, i);
		unsigned len = ipv4(f, &h, icmp(payload(f, &h), 8, 0x1234 + i, 77 + i, sizes[i], i));
		unsigned want_len = pad(want, ipv4(want, &r, icmp(payload(want, &r), 0, 0x1234 + i, 77 + i, sizes[i], i)));
		answered(f, len, want_len);
		reply_checksums_right(want_len);
	}
	ck_assert_uint_eq(e.icmp, ARRAY_SIZE(sizes));
	ck_assert_uint_eq(e.ip_id, ARRAY_SIZE(sizes));
	/* (The largest ping's answer fills a frame, exactly.) */
	ck_assert_uint_eq(ETH_HLEN + be16_get(out + ETH_HLEN + 2), L4_NET_FRAME_MAX);
	/* To our address, but to Ethernet broadcast: answered to the sender. */
	struct ipv4 h = to_us(P_ICMP), r = from_us(P_ICMP, e.ip_id);
	h.dmac = bcast_mac;
	answered(f, ping(f, &h, 8, 20), pad(want, ping(want, &r, 0, 20)));
}
END_TEST

START_TEST(test_udp_echo_answered)
{
	static const unsigned sizes[] = { 0, 5, 64, L4_NET_FRAME_MAX - ETH_HLEN - IP_HLEN - 8 };

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++)
		for (unsigned with_csum = 0; with_csum < 2; with_csum++) {
			struct ipv4 h = to_us(P_UDP), r = from_us(P_UDP, e.ip_id);
			unsigned len = udp_to(f, &h, 40000 + i, 7, sizes[i], with_csum);
			unsigned want_len = pad(want, udp_to(want, &r, 7, 40000 + i, sizes[i], true));
			answered(f, len, want_len);
			reply_checksums_right(want_len);
		}
	ck_assert_uint_eq(e.udp, 2 * ARRAY_SIZE(sizes));
}
END_TEST

/* A reply whose UDP checksum comes to 0 says 0xffff (0: none). */
START_TEST(test_udp_reply_checksum_never_zero)
{
	struct ipv4 h = to_us(P_UDP), r = from_us(P_UDP, 0);
	uint8_t *d = payload(want, &r), *q = payload(f, &h);

	/* The reply with data 0000 first, to find the data that makes its
	 * checksum 0. */
	memset(d + 8, 0, 2);
	udp(d, &r, 7, 40000, 2, false);
	unsigned w = 0xffff - l4_inet_sum(d, 10, pseudo(r.src, r.dst, 10));
	be16_put(d + 8, w);
	ck_assert_uint_eq(csum_of(d, 10, pseudo(r.src, r.dst, 10)), 0);
	be16_put(d + 6, 0xffff);
	unsigned want_len = pad(want, ipv4(want, &r, 10));
	be16_put(q + 8, w);
	answered(f, ipv4(f, &h, udp(q, &h, 40000, 7, 2, false)), want_len);
	reply_checksums_right(want_len);
}
END_TEST

START_TEST(test_ip_options_skipped)
{
	static const uint8_t opt[40] = { 0x01, 0x01, 0x01, 0x00 };   /* NOP NOP NOP, end */
	static const unsigned optlen[] = { 4, 40 };

	for (unsigned i = 0; i < ARRAY_SIZE(optlen); i++) {
		struct ipv4 h = to_us(P_ICMP), r = from_us(P_ICMP, e.ip_id);
		h.opt = opt;
		h.optlen = optlen[i];
		answered(f, ping(f, &h, 8, 30), pad(want, ping(want, &r, 0, 30)));
		h.proto = r.proto = P_UDP;
		r.id = e.ip_id;
		answered(f, udp_to(f, &h, 1234, 7, 30, true), pad(want, udp_to(want, &r, 7, 1234, 30, true)));
	}
	ck_assert_uint_eq(e.icmp + e.udp, 4);
}
END_TEST

/* What lies past the IPv4 datagram (Ethernet padding), or past the UDP
 * length inside it, is not echoed. */
START_TEST(test_trailing_bytes_ignored)
{
	struct ipv4 h = to_us(P_ICMP), r = from_us(P_ICMP, 0);
	unsigned len = ping(f, &h, 8, 0);

	memset(f + len, 0xee, ETH_ZLEN - len);
	answered(f, ETH_ZLEN, pad(want, ping(want, &r, 0, 0)));
	h.proto = r.proto = P_UDP;
	r.id = 1;
	uint8_t *u = payload(f, &h);
	fill(u + 8, 10, 9);
	udp(u, &h, 5555, 7, 4, true);
	answered(f, ipv4(f, &h, 18), pad(want, udp_to(want, &r, 7, 5555, 4, true)));
}
END_TEST

START_TEST(test_discard_port_and_stats)
{
	static const char *const said[] = { "stats", "stats\n", "stat", "statsx", "stats\n\n", "STATS", "" };
	static const bool asks[] = { true, true, false, false, false, false, false };

	for (unsigned i = 0; i < ARRAY_SIZE(said); i++) {
		struct ipv4 h = to_us(P_UDP);
		unsigned n = (unsigned)strlen(said[i]);
		memcpy(payload(f, &h) + 8, said[i], n);
		ck_assert_uint_eq(answer(f, ipv4(f, &h, udp(payload(f, &h), &h, 40000, 9, n, i % 2))), 0);
		ck_assert_msg(e.report == asks[i], "\"%s\": report %d", said[i], e.report);
		e.report = false;
	}
	ck_assert_uint_eq(e.discarded, ARRAY_SIZE(said));
	ck_assert_uint_eq(counted(&e), ARRAY_SIZE(said));
	/* With a bad checksum it is not taken at all. */
	struct ipv4 h = to_us(P_UDP);
	memcpy(payload(f, &h) + 8, "stats", 5);
	unsigned len = ipv4(f, &h, udp(payload(f, &h), &h, 40000, 9, 5, true));
	f[len - 1] ^= 1;
	ignored(f, len, ECHO_UDP_CSUM);
}
END_TEST

/* Frames ignored ask for the counters at ECHO_REPORT_EVERY, twice that,
 * four times that...; answered ones do not count. */
START_TEST(test_report_every_so_many_ignored)
{
	struct ipv4 h = to_us(P_ICMP);
	unsigned len = ping(f, &h, 8, 8), reports = 0;

	for (unsigned n = 1; n <= 8 * ECHO_REPORT_EVERY; n++) {
		ck_assert_uint_ne(answer(f, len), 0);
		ck_assert(!e.report);
		ck_assert_uint_eq(answer(f, ETH_HLEN - 1), 0);
		bool due = n == ECHO_REPORT_EVERY || n == 2 * ECHO_REPORT_EVERY || n == 4 * ECHO_REPORT_EVERY ||
			   n == 8 * ECHO_REPORT_EVERY;
		ck_assert_msg(e.report == due, "after %u ignored: report %d", n, e.report);
		reports += e.report;
		e.report = false;
	}
	ck_assert_uint_eq(reports, 4);
	ck_assert_uint_eq(e.ignored[ECHO_SHORT], 8 * ECHO_REPORT_EVERY);
}
END_TEST

/* ------------------------------------------------------------ what is not */

/* The IPv4 header checksum made right again after a change. */
static void fix_ip_csum(uint8_t *p)
{
	uint8_t *ip = p + ETH_HLEN;

	be16_put(ip + 10, 0);
	be16_put(ip + 10, csum_of(ip, (ip[0] & 0xfu) * 4, 0));
}

/* Why a frame cut short at len is ignored. */
static enum echo_reason cut_reason(const uint8_t *p, unsigned len)
{
	if (len < ETH_HLEN + IP_HLEN || be16_get(p + 12) == T_ARP)
		return ECHO_SHORT;
	if (len < ETH_HLEN + (p[ETH_HLEN] & 0xfu) * 4)
		return ECHO_IP_IHL;
	return ECHO_IP_LENGTH;
}

START_TEST(test_truncated_at_every_length)
{
	static const uint8_t opt[8] = { 0x01, 0x01, 0x01, 0x00 };
	uint8_t frames[5][256];
	unsigned len[5];
	struct ipv4 h = to_us(P_ICMP);

	len[0] = who_has(frames[0], our_ip);
	len[1] = ping(frames[1], &h, 8, 56);
	h.opt = opt;
	h.optlen = 8;
	len[2] = ping(frames[2], &h, 8, 3);
	h.proto = P_UDP;
	len[3] = udp_to(frames[3], &h, 999, 7, 17, true);
	h.optlen = 0;
	len[4] = udp_to(frames[4], &h, 999, 7, 0, false);
	for (unsigned k = 0; k < ARRAY_SIZE(len); k++) {
		for (unsigned n = 0; n < len[k]; n++)
			ignored(frames[k], n, cut_reason(frames[k], n));
		ck_assert_msg(answer(frames[k], len[k]), "frame %u whole: not answered", k);
	}
}
END_TEST

START_TEST(test_bad_version_and_header_length)
{
	struct ipv4 h = to_us(P_ICMP);
	unsigned len = ping(f, &h, 8, 0);                  /* 28 bytes of IPv4 */

	for (unsigned v = 0; v < 16; v++) {
		f[ETH_HLEN] = (uint8_t)(v << 4 | 5);
		fix_ip_csum(f);
		if (v != 4)
			ignored(f, len, ECHO_IP_VERSION);
	}
	/* Below 5 words, and past the frame (8 words are 32 bytes). */
	for (unsigned ihl = 0; ihl < 16; ihl++) {
		f[ETH_HLEN] = (uint8_t)(0x40 | ihl);
		if (ihl < 5 || ihl > 7)
			ignored(f, len, ECHO_IP_IHL);
	}
	/* 7 words: the header ends where the datagram does, no room for ICMP. */
	f[ETH_HLEN] = 0x47;
	be16_put(f + ETH_HLEN + 2, 28);
	fix_ip_csum(f);
	ignored(f, len, ECHO_SHORT);
}
END_TEST

START_TEST(test_bad_total_length)
{
	static const unsigned lengths[] = { 0, 1, 19, 0x55, 0xffff };   /* 0x55: one past the frame */
	struct ipv4 h = to_us(P_ICMP);
	unsigned len = ping(f, &h, 8, 56);                 /* 84 bytes of IPv4 */

	for (unsigned i = 0; i < ARRAY_SIZE(lengths); i++) {
		be16_put(f + ETH_HLEN + 2, lengths[i]);
		fix_ip_csum(f);
		ignored(f, len, ECHO_IP_LENGTH);
	}
	/* Shorter than ICMP's or UDP's header, inside the frame. */
	for (unsigned t = 20; t < 28; t++) {
		be16_put(f + ETH_HLEN + 2, t);
		f[ETH_HLEN + 9] = t % 2 ? P_ICMP : P_UDP;
		fix_ip_csum(f);
		ignored(f, len, ECHO_SHORT);
	}
}
END_TEST

START_TEST(test_bad_checksums)
{
	static const uint8_t opt[4] = { 0x01, 0x01, 0x01, 0x00 };
	struct ipv4 h = to_us(P_ICMP);
	unsigned len = ping(f, &h, 8, 57);

	f[ETH_HLEN + 10] ^= 0x10;
	ignored(f, len, ECHO_IP_CSUM);
	/* An option changed: the checksum covers them too. */
	h.opt = opt;
	h.optlen = 4;
	len = ping(f, &h, 8, 57);
	f[ETH_HLEN + IP_HLEN] = 0x00;
	ignored(f, len, ECHO_IP_CSUM);
	/* ICMP: a byte of the data, the odd last one. */
	h.optlen = 0;
	len = ping(f, &h, 8, 57);
	f[len - 1] ^= 0x80;
	ignored(f, len, ECHO_ICMP_CSUM);
	/* UDP: a byte of the data; a pseudo-header for another source. */
	h.proto = P_UDP;
	len = udp_to(f, &h, 1000, 7, 9, true);
	f[len - 1] ^= 0x80;
	ignored(f, len, ECHO_UDP_CSUM);
	len = udp_to(f, &h, 1000, 7, 9, true);
	f[ETH_HLEN + 12 + 3] = 3;                           /* from 10.0.0.3 */
	fix_ip_csum(f);
	ignored(f, len, ECHO_UDP_CSUM);
	/* Without a checksum, any data goes. */
	len = udp_to(f, &h, 1000, 7, 9, false);
	f[len - 1] ^= 0x80;
	ck_assert_uint_ne(answer(f, len), 0);
}
END_TEST

START_TEST(test_fragments_ignored)
{
	static const unsigned frag[] = { MF, 1, 0x1fff, MF | DF, MF | 100 };
	struct ipv4 h = to_us(P_ICMP);

	for (unsigned i = 0; i < ARRAY_SIZE(frag); i++) {
		h.frag = frag[i];
		ignored(f, ping(f, &h, 8, 8), ECHO_FRAGMENT);
	}
	h.frag = DF;
	ck_assert_uint_ne(answer(f, ping(f, &h, 8, 8)), 0);
}
END_TEST

START_TEST(test_bad_udp_length)
{
	static const unsigned ulen[] = { 0, 7, 8 + 10 + 1, 0xffff };
	struct ipv4 h = to_us(P_UDP);

	for (unsigned i = 0; i < ARRAY_SIZE(ulen); i++) {
		unsigned len = udp_to(f, &h, 1000, 7, 10, false);
		be16_put(payload(f, &h) + 4, ulen[i]);
		ignored(f, len, ECHO_UDP_LENGTH);
	}
}
END_TEST

START_TEST(test_not_ours)
{
	static const uint8_t other_mac[6] = { 0x02, 0x4c, 0x00, 0x00, 0x00, 0x0b };
	static const uint8_t other_ip[][4] = { { 10, 0, 0, 11 }, { 10, 0, 0, 255 }, { 255, 255, 255, 255 } };
	struct ipv4 h = to_us(P_ICMP);

	h.dmac = other_mac;
	ignored(f, ping(f, &h, 8, 8), ECHO_NOT_OURS);
	h.dmac = group_mac;
	ignored(f, ping(f, &h, 8, 8), ECHO_NOT_OURS);
	h.dmac = our_mac;
	for (unsigned i = 0; i < ARRAY_SIZE(other_ip); i++) {
		h.dst = other_ip[i];
		ignored(f, ping(f, &h, 8, 8), ECHO_NOT_OURS);
		ignored(f, who_has(f, other_ip[i]), ECHO_NOT_OURS);
	}
}
END_TEST

START_TEST(test_unknown_types)
{
	static const unsigned ethertypes[] = { 0x86dd, 0x8100, 0x0801, 0x05dc, 0x0000, 0x8035 };
	static const unsigned protocols[] = { 0, 2, 6, 58, 255 };
	static const unsigned ports[] = { 0, 8, 53, 0xffff };
	struct ipv4 h = to_us(P_ICMP);
	unsigned len;

	for (unsigned i = 0; i < ARRAY_SIZE(ethertypes); i++) {
		len = ping(f, &h, 8, 8);
		be16_put(f + 12, ethertypes[i]);
		ignored(f, len, ECHO_ETHERTYPE);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(protocols); i++) {
		h.proto = (uint8_t)protocols[i];
		ignored(f, ping(f, &h, 8, 8), ECHO_PROTOCOL);
	}
	/* ICMP other than an echo request: a reply, a timestamp, code 1. */
	h.proto = P_ICMP;
	ignored(f, ping(f, &h, 0, 8), ECHO_ICMP_TYPE);
	ignored(f, ping(f, &h, 13, 8), ECHO_ICMP_TYPE);
	len = ping(f, &h, 8, 8);
	payload(f, &h)[1] = 1;
	payload(f, &h)[3] -= 1;                             /* (the checksum, still right) */
	ignored(f, len, ECHO_ICMP_TYPE);
	h.proto = P_UDP;
	for (unsigned i = 0; i < ARRAY_SIZE(ports); i++)
		ignored(f, udp_to(f, &h, 1000, ports[i], 4, true), ECHO_UDP_PORT);
	/* ARP: not a request; not Ethernet and IPv4. */
	static const unsigned ops[] = { 0, 2, 3, 4 };
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++)
		ignored(f, arp(f, bcast_mac, peer_mac, ops[i], peer_mac, peer_ip, zero_mac, our_ip),
			ECHO_ARP_OP);
	static const struct { unsigned at, value; } arp_bad[] = { { 1, 6 }, { 2, 0x86 }, { 4, 8 }, { 5, 16 } };
	for (unsigned i = 0; i < ARRAY_SIZE(arp_bad); i++) {
		len = who_has(f, our_ip);
		f[ETH_HLEN + arp_bad[i].at] = (uint8_t)arp_bad[i].value;
		ignored(f, len, ECHO_ARP_BAD);
	}
}
END_TEST

START_TEST(test_bad_sources)
{
	static const uint8_t not_hosts[][4] = { { 0, 0, 0, 0 }, { 0, 1, 2, 3 }, { 127, 0, 0, 1 }, { 224, 0, 0, 1 },
						{ 240, 0, 0, 1 }, { 255, 255, 255, 255 } };
	struct ipv4 h = to_us(P_ICMP);

	h.smac = group_mac;
	ignored(f, ping(f, &h, 8, 8), ECHO_BAD_SOURCE);
	h.smac = bcast_mac;
	ignored(f, ping(f, &h, 8, 8), ECHO_BAD_SOURCE);
	ignored(f, arp(f, bcast_mac, peer_mac, 1, group_mac, peer_ip, zero_mac, our_ip), ECHO_BAD_SOURCE);
	h.smac = peer_mac;
	for (unsigned i = 0; i < ARRAY_SIZE(not_hosts); i++) {
		h.src = not_hosts[i];
		ignored(f, ping(f, &h, 8, 8), ECHO_BAD_SOURCE);
	}
	/* UDP from port 0: the sender wants no answer. */
	h.src = peer_ip;
	h.proto = P_UDP;
	ignored(f, udp_to(f, &h, 0, 7, 4, true), ECHO_BAD_SOURCE);
}
END_TEST

START_TEST(test_too_long)
{
	struct ipv4 h = to_us(P_ICMP);
	static uint8_t big[0x10000];

	/* A ping that fills a frame, and one byte of padding more. */
	unsigned len = ping(big, &h, 8, L4_NET_FRAME_MAX - ETH_HLEN - IP_HLEN - 8);
	ck_assert_uint_eq(len, L4_NET_FRAME_MAX);
	ignored(big, len + 1, ECHO_TOO_LONG);
	ignored(big, sizeof(big), ECHO_TOO_LONG);
	ck_assert_uint_eq(answer(big, len), L4_NET_FRAME_MAX);
}
END_TEST

START_TEST(test_reason_names)
{
	for (unsigned i = 0; i < ECHO_REASONS; i++) {
		ck_assert_msg(echo_reason_name[i] && *echo_reason_name[i], "reason %u has no name", i);
		for (unsigned k = 0; k < i; k++)
			ck_assert_str_ne(echo_reason_name[i], echo_reason_name[k]);
	}
}
END_TEST

START_TEST(test_ip_parse)
{
	static const struct { const char *s; uint8_t ip[4]; } good[] = {
		{ "10.0.0.10", { 10, 0, 0, 10 } }, { "192.168.255.254", { 192, 168, 255, 254 } },
		{ "1.2.3.4", { 1, 2, 3, 4 } }, { "223.255.255.255", { 223, 255, 255, 255 } },
		{ "010.0.0.1", { 10, 0, 0, 1 } },
	};
	static const char *const bad[] = {
		"", "10", "10.0.0", "10.0.0.", "10.0.0.10.", "10.0.0.10.1", "10.0.0.256", "10..0.1", ".10.0.0.1",
		"a.b.c.d", "10.0.0.1x", " 10.0.0.1", "10.0.0.-1", "1234.1.1.1", "0001.1.1.1", "0.0.0.0", "0.1.2.3",
		"127.0.0.1", "224.0.0.1", "240.1.2.3", "255.255.255.255",
	};
	uint8_t ip[4];

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(echo_ip_parse(good[i].s, ip), "\"%s\" refused", good[i].s);
		ck_assert_mem_eq(ip, good[i].ip, 4);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(!echo_ip_parse(bad[i], ip), "\"%s\" accepted", bad[i]);
}
END_TEST

/* ------------------------------------------------------------ random frames */

/* A valid frame of a random kind into p: its length. */
static unsigned random_valid(uint8_t *p)
{
	static const uint8_t opt[40] = { 0x01, 0x01, 0x01, 0x00 };
	struct ipv4 h = to_us(P_ICMP);
	unsigned data = (unsigned)(rnd() % 1400);

	h.optlen = rnd() % 4 ? 0 : 4 * (unsigned)(rnd() % 11);
	h.opt = opt;
	if (rnd() % 4 == 0)
		h.dmac = bcast_mac;
	switch (rnd() % 4) {
	case 0:
		return pad(p, who_has(p, our_ip));
	case 1:
		return ping(p, &h, 8, data);
	default:
		h.proto = P_UDP;
		return udp_to(p, &h, 1 + (unsigned)(rnd() % 0xffff), rnd() % 8 ? 7 : 9, data, rnd() % 2);
	}
}

/* A field of a valid IPv4 frame at p changed, and its checksums made
 * right again where the frame holds what they cover. */
static void change_field(uint8_t *p, unsigned len)
{
	static const uint64_t lengths[] = { 0, 1, 7, 8, 19, 20, 21, 28, 0xffff };
	uint8_t *ip = p + ETH_HLEN;
	unsigned hlen = (ip[0] & 0xfu) * 4, at = rnd() % 2 ? 2 : 4;
	uint8_t *l4 = ip + hlen;

	switch (rnd() % 6) {
	case 0:                                               /* version and IHL */
		ip[0] = (uint8_t)interesting(ip[0], (const uint64_t[]){ 0x45, 0x44, 0x4f, 0x65, 0x46 }, 5, 2, 8);
		break;
	case 1:                                               /* total length */
		be16_put(ip + 2, (unsigned)interesting(be16_get(ip + 2), lengths, ARRAY_SIZE(lengths), 2, 16) & 0xffff);
		break;
	case 2:                                               /* fragment, protocol */
		be16_put(ip + 6, rnd() % 2 ? DF : (unsigned)rnd() & 0xffff);
		ip[9] = rnd() % 2 ? ip[9] : (uint8_t)rnd();
		break;
	case 3:                                               /* ICMP type and code, UDP ports */
		l4[rnd() % 4] = (uint8_t)(rnd() % 3 ? rnd() % 10 : rnd());
		break;
	case 4:                                               /* UDP length, or ICMP id */
		be16_put(l4 + at, (unsigned)interesting(be16_get(l4 + at), lengths, ARRAY_SIZE(lengths), 2, 16) & 0xffff);
		break;
	default:                                              /* addresses */
		ip[12 + rnd() % 8] = (uint8_t)rnd();
		break;
	}
	hlen = (ip[0] & 0xfu) * 4;
	unsigned total = be16_get(ip + 2);
	if (hlen < IP_HLEN || ETH_HLEN + hlen > len)
		return;
	fix_ip_csum(p);
	if (total < hlen + 8 || ETH_HLEN + total > len)
		return;
	l4 = ip + hlen;
	if (ip[9] == P_ICMP) {
		be16_put(l4 + 2, 0);
		be16_put(l4 + 2, csum_of(l4, total - hlen, 0));
	} else if (ip[9] == P_UDP && be16_get(l4 + 6) && be16_get(l4 + 4) <= total - hlen) {
		unsigned ulen = be16_get(l4 + 4);
		be16_put(l4 + 6, 0);
		unsigned c = csum_of(l4, ulen, pseudo(ip + 12, ip + 16, ulen));
		be16_put(l4 + 6, c ? c : 0xffff);
	}
}

/* A random frame into p: garbage, a valid frame with bytes changed or
 * cut, or one with a field changed and its checksums right. */
static unsigned random_frame(uint8_t *p)
{
	unsigned len;

	switch (rnd() % 4) {
	case 0:
		len = (unsigned)(rnd() % (L4_NET_FRAME_MAX + 20));
		for (unsigned i = 0; i < len; i++)
			p[i] = (uint8_t)rnd();
		if (len >= ETH_HLEN && rnd() % 2) {
			eth(p, our_mac, peer_mac, rnd() % 2 ? T_IPV4 : T_ARP);
			p[ETH_HLEN] = rnd() % 2 ? 0x45 : p[ETH_HLEN];
		}
		return len;
	case 1:
		len = random_valid(p);
		for (unsigned n = 1 + (unsigned)(rnd() % 3); n--;)
			if (rnd() % 2)
				flip_bit(p, len);
			else
				replace_byte(p, len);
		return len;
	case 2:
		len = random_valid(p);
		return rnd() % 2 ? (unsigned)(rnd() % len) : len + (unsigned)(rnd() % 64);
	default:
		len = random_valid(p);
		if (be16_get(p + 12) == T_IPV4)
			change_field(p, len);
		return len;
	}
}

/* A reply at out, n bytes, to the request of len bytes at q: well formed
 * and carrying what was asked. */
static void reply_well_formed(const uint8_t *q, unsigned len, unsigned n)
{
	EXPECT(n >= ETH_ZLEN && n <= L4_NET_FRAME_MAX && (n <= len || n == ETH_ZLEN));
	EXPECT(!memcmp(out + 6, our_mac, 6) && !(out[0] & 1));
	EXPECT(be16_get(out + 12) == be16_get(q + 12));
	if (be16_get(out + 12) == T_ARP) {
		const uint8_t *a = out + ETH_HLEN, *r = q + ETH_HLEN;
		EXPECT(!memcmp(out, r + 8, 6));                    /* to the sender's address in ARP */
		EXPECT(be16_get(a) == 1 && be16_get(a + 2) == T_IPV4 && a[4] == 6 && a[5] == 4 && be16_get(a + 6) == 2);
		EXPECT(!memcmp(a + 8, our_mac, 6) && !memcmp(a + 14, our_ip, 4));
		EXPECT(!memcmp(a + 18, r + 8, 10) && !memcmp(r + 24, our_ip, 4));
		for (unsigned i = ETH_HLEN + 28; i < n; i++)
			EXPECT(out[i] == 0);
		return;
	}
	const uint8_t *ip = out + ETH_HLEN, *rq = q + ETH_HLEN;
	const uint8_t *l4 = ip + IP_HLEN, *rl4 = rq + (rq[0] & 0xfu) * 4;
	unsigned total = be16_get(ip + 2), plen = total - IP_HLEN;
	EXPECT(!memcmp(out, q + 6, 6));
	EXPECT(ip[0] == 0x45 && ip[8] == 64 && be16_get(ip + 6) == DF);
	EXPECT(!memcmp(ip + 12, our_ip, 4) && !memcmp(ip + 16, rq + 12, 4) && !memcmp(rq + 16, our_ip, 4));
	EXPECT(total >= IP_HLEN + 8 && ETH_HLEN + total <= n && (ETH_HLEN + total == n || n == ETH_ZLEN));
	for (unsigned i = ETH_HLEN + total; i < n; i++)
		EXPECT(out[i] == 0);
	reply_checksums_right(n);
	if (ip[9] == P_ICMP) {
		EXPECT(l4[0] == 0 && l4[1] == 0 && rl4[0] == 8);
		EXPECT(!memcmp(l4 + 4, rl4 + 4, plen - 4));
	} else {
		EXPECT(ip[9] == P_UDP);
		EXPECT(be16_get(l4) == 7 && be16_get(l4 + 2) == be16_get(rl4) && be16_get(rl4 + 2) == 7);
		EXPECT(be16_get(l4 + 4) == plen && be16_get(rl4 + 4) == plen);
		EXPECT(!memcmp(l4 + 8, rl4 + 8, plen - 8));
	}
}

START_TEST(test_random_frames)
{
	unsigned replies = 0;

	rnd_seed(0xec40);
	for (unsigned step = 0; step < 40000; step++) {
		unsigned len = random_frame(f);
		unsigned long long before = counted(&e);
		uint8_t *copy = alloc_copy(f, len);
		unsigned n = echo_answer(&e, copy, len, out);
		free(copy);
		EXPECT(counted(&e) == before + 1);
		if (n) {
			reply_well_formed(f, len, n);
			replies++;
		}
	}
	ck_assert_uint_gt(replies, 5000);
	ck_assert_uint_gt(e.ignored[ECHO_IP_LENGTH] + e.ignored[ECHO_IP_IHL] + e.ignored[ECHO_UDP_LENGTH], 100);
}
END_TEST

Suite *echo_suite(void)
{
	Suite *s = suite_create("echo");
	TCase *tc = tcase_create("answers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_arp_request_answered);
	tcase_add_test(tc, test_ping_answered);
	tcase_add_test(tc, test_udp_echo_answered);
	tcase_add_test(tc, test_udp_reply_checksum_never_zero);
	tcase_add_test(tc, test_ip_options_skipped);
	tcase_add_test(tc, test_trailing_bytes_ignored);
	tcase_add_test(tc, test_discard_port_and_stats);
	tcase_add_test(tc, test_report_every_so_many_ignored);
	tcase_add_test(tc, test_ip_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_truncated_at_every_length);
	tcase_add_test(tc, test_bad_version_and_header_length);
	tcase_add_test(tc, test_bad_total_length);
	tcase_add_test(tc, test_bad_checksums);
	tcase_add_test(tc, test_fragments_ignored);
	tcase_add_test(tc, test_bad_udp_length);
	tcase_add_test(tc, test_not_ours);
	tcase_add_test(tc, test_unknown_types);
	tcase_add_test(tc, test_bad_sources);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_reason_names);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", setup, teardown, test_random_frames);
	return s;
}
