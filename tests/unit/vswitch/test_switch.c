/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for servers/vswitch/switch.c, the virtual switch's core: its
 * arguments, learning and forwarding between the ports' rings in plain
 * memory (each test plays the clients with libl4's own ring code),
 * segments that never see each other, a full rx ring that drops, storm
 * control, round robin between a flooding port and a quiet one, broken
 * rings, a port that goes away, and partial checksums completed for the
 * ports that take none.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servers/vswitch/switch.h"
#include "l4inet.h"
#include "tests/unit/unit.h"
#include "tests/unit/util.h"

static struct sw s;
static uint8_t *mem;
static struct l4_netring ctx[L4_NET_MAX_PORTS], crx[L4_NET_MAX_PORTS];   /* the clients' sides */
static uint8_t f[L4_NET_FRAME_MAX], got[L4_NET_FRAME_MAX];
static uint64_t now = 1000000000ull;

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void mac(uint8_t m[6], unsigned port)
{
	const uint8_t b[6] = { 0x02, 0, 0, 0, 0, (uint8_t)(port + 1) };
	memcpy(m, b, 6);
}

static bool config(const char *const *args, unsigned n)
{
	return sw_config(&s, n, args, mem);
}

static void attach(unsigned i, bool partial)
{
	s.port[i].badge = i + 1;
	sw_attach(&s, &s.port[i], partial);
	l4_netring_init(&ctx[i], &s.port[i].mem->tx);
	l4_netring_init(&crx[i], &s.port[i].mem->rx);
}

static void setup(void)
{
	static const char *const args[] = { "port:a=lan", "port:b=lan", "port:c=lan", "port:d=dmz" };

	mem = (uint8_t *)aligned_alloc(L4_NET_PORT_SIZE, L4_NET_MAX_PORTS * L4_NET_PORT_SIZE);
	ck_assert_ptr_nonnull(mem);
	ck_assert(config(args, 4));
	for (unsigned i = 0; i < 4; i++)
		attach(i, false);
}

static void teardown(void)
{
	free(mem);
}

/* A frame from port `from` to dst, len bytes, tagged with seq. */
static void send(unsigned from, const uint8_t dst[6], unsigned len, unsigned seq)
{
	memcpy(f, dst, 6);
	mac(f + 6, from);
	f[12] = 0x88, f[13] = 0xb5;
	for (unsigned i = 14; i < len; i++)
		f[i] = (uint8_t)(seq + i);
	ck_assert_int_eq(l4_netring_put(&ctx[from], f, len, NULL), L4_NETRING_FRAME);
}

static unsigned received(unsigned port)
{
	unsigned n = 0, len;

	while (l4_netring_take(&crx[port], got, &len, NULL) == L4_NETRING_FRAME)
		n++;
	return n;
}

static uint32_t forward(void)
{
	bool more;

	now += 1000;
	return sw_forward(&s, now, &more);
}

START_TEST(test_config)
{
	static const char *const dup[] = { "port:a=lan", "port:a=dmz" };
	static const char *const bad_name[] = { "port:A=lan" };
	static const char *const no_seg[] = { "port:a" };
	static const char *const empty_seg[] = { "port:a=" };
	static const char *const long_name[] = { "port:abcdefghijklmnop=lan" };
	static const char *const other[] = { "vol:x=y" };
	static const char *const nine[] = { "port:a=x", "port:b=x", "port:c=x", "port:d=x", "port:e=x",
					    "port:f=x", "port:g=x", "port:h=x", "port:i=x" };

	ck_assert_uint_eq(s.port_count, 4);
	ck_assert_uint_eq(s.segment_count, 2);
	ck_assert_uint_eq(s.port[3].segment, 1);
	ck_assert_str_eq(s.segment[1], "dmz");
	ck_assert_ptr_eq(s.port[2].mem, (struct l4_net_port *)(mem + 2 * L4_NET_PORT_SIZE));
	ck_assert(!config(dup, 2));
	ck_assert_ptr_nonnull(strstr(s.error, "has a port already"));
	ck_assert(!config(bad_name, 1));
	ck_assert(!config(no_seg, 1));
	ck_assert(!config(empty_seg, 1));
	ck_assert(!config(long_name, 1));
	ck_assert(!config(other, 1));
	ck_assert(!config(nine, 9));
	ck_assert_ptr_nonnull(strstr(s.error, "more ports"));
	ck_assert(config(nine, 8));
}
END_TEST

START_TEST(test_broadcast_then_learned_unicast)
{
	uint8_t b[6], a[6];

	mac(a, 0);
	mac(b, 1);
	send(0, BCAST, 60, 1);
	ck_assert_uint_eq(forward(), 0x6);                      /* b and c, not a itself, not d */
	ck_assert_uint_eq(received(1), 1);
	ck_assert_uint_eq(received(2), 1);
	ck_assert_uint_eq(received(3), 0);                      /* another segment */
	/* b unknown: flooded; then b answers, and a is known. */
	send(0, b, 100, 2);
	forward();
	ck_assert_uint_eq(received(2), 1);
	ck_assert_uint_eq(l4_netring_take(&crx[1], got, &(unsigned){ 0 }, NULL), L4_NETRING_FRAME);
	ck_assert_mem_eq(got, f, 100);
	send(1, a, 200, 3);
	ck_assert_uint_eq(forward(), 0x1);
	ck_assert_uint_eq(received(0), 1);
	ck_assert_uint_eq(received(2), 0);                      /* learned: not flooded */
	send(0, b, 300, 4);
	ck_assert_uint_eq(forward(), 0x2);
	ck_assert_uint_eq(received(1), 1);
	ck_assert_uint_eq(received(2), 0);
	ck_assert_uint_eq(s.port[0].tx_frames, 3);
	ck_assert_uint_eq(s.port[1].rx_frames, 3);
}
END_TEST

START_TEST(test_segments_never_meet)
{
	uint8_t a[6];

	mac(a, 0);
	send(0, BCAST, 60, 1);                                  /* a is learned on lan */
	forward();
	/* d (dmz) sends to a's address: unknown on dmz, flooded on dmz only. */
	send(3, a, 60, 2);
	ck_assert_uint_eq(forward(), 0);
	ck_assert_uint_eq(received(0), 0);
	ck_assert_uint_eq(s.port[3].tx_frames, 1);
	ck_assert_uint_eq(s.port[0].rx_frames, 0);
}
END_TEST

START_TEST(test_full_rx_drops_and_the_others_go_on)
{
	uint8_t c[6];

	mac(c, 2);
	send(2, BCAST, 60, 0);                                  /* c is learned */
	forward();
	received(1);
	/* b never reads: after 64 frames its ring is full, the rest drop. */
	for (unsigned n = 0; n < 100; n++) {
		send(0, BCAST, 60, n);
		forward();
		ck_assert_uint_eq(received(2), 1);
	}
	ck_assert_uint_eq(s.port[1].rx_frames, 1 + 64);        /* (c's first, read) */
	ck_assert_uint_eq(s.port[1].rx_dropped, 36);
	ck_assert_uint_eq(s.port[2].rx_dropped, 0);
}
END_TEST

START_TEST(test_storm_control)
{
	unsigned flooded = 0;

	/* A burst's worth goes at once; then about L4_NET_FLOOD_RATE a second. */
	for (unsigned n = 0; n < 1000; n++) {
		send(0, BCAST, 60, n);
		forward();
		flooded += received(2);
		received(1);
	}
	ck_assert_uint_le(flooded, L4_NET_FLOOD_BURST + 1);
	ck_assert_uint_ge(flooded, L4_NET_FLOOD_BURST);
	ck_assert_uint_eq(s.port[0].tx_dropped, 1000 - flooded);
	/* A simulated second at 10,000 frames a second: the rate's worth. */
	flooded = 0;
	for (unsigned n = 0; n < 10000; n++) {
		send(0, BCAST, 60, n);
		now += 99000;                                   /* (forward adds 1 us) */
		forward();
		flooded += received(2);
		received(1);
	}
	ck_assert_uint_ge(flooded, L4_NET_FLOOD_RATE - 1);
	ck_assert_uint_le(flooded, L4_NET_FLOOD_RATE + 1);
	/* Unicast to a learned station is not limited. */
	uint8_t b[6];
	mac(b, 1);
	send(1, BCAST, 60, 0);
	forward();
	received(0);
	for (unsigned n = 0; n < 1000; n++) {
		send(0, b, 60, n);
		forward();
		ck_assert_uint_eq(received(1), 1);
	}
}
END_TEST

START_TEST(test_round_robin_between_a_flood_and_a_quiet_port)
{
	uint8_t b[6], c[6];
	bool more;

	mac(b, 1);
	mac(c, 2);
	send(1, BCAST, 60, 0);
	send(2, BCAST, 60, 0);
	forward();
	received(0), received(1), received(2);
	/* a fills its tx ring with unicast to b; c has one frame for b. */
	for (unsigned n = 0; n < L4_NET_RING_SLOTS; n++)
		send(0, b, 60, n);
	send(2, b, 61, 99);
	now += 1000;
	uint32_t sig = sw_forward(&s, now, &more);
	ck_assert(sig & 0x1);                                   /* a's full ring got room */
	ck_assert(sig & 0x2);
	unsigned len, from_c = 0, total = 0;
	while (l4_netring_take(&crx[1], got, &len, NULL) == L4_NETRING_FRAME) {
		total++;
		from_c += len == 61;
	}
	/* b's ring holds 64: c's frame got in among a's, not behind all of them. */
	ck_assert_uint_eq(from_c, 1);
	ck_assert_uint_eq(total, L4_NET_RING_SLOTS);
	ck_assert_uint_eq(s.port[1].rx_dropped, 1);
}
END_TEST

START_TEST(test_broken_rings_and_bad_frames)
{
	struct l4_net_ring *tx = &s.port[0].mem->tx;

	tx->slot[0].len = 0;
	tx->slot[1].len = 9;                                    /* shorter than a header */
	tx->slot[2].len = 60;
	memcpy(tx->slot[2].frame, BCAST, 6);
	memcpy(tx->slot[2].frame + 6, BCAST, 6);                /* a group source */
	tx->prod = 3;
	forward();
	ck_assert_uint_eq(s.port[0].bad, 3);
	ck_assert_uint_eq(received(1), 0);
	tx->prod = 3 + L4_NET_RING_SLOTS + 1;                   /* past the ring: broken */
	forward();
	ck_assert_uint_eq(s.port[0].bad, 4);
	forward();
	ck_assert_uint_eq(s.port[0].bad, 4);                    /* counted once */
	/* The others go on. */
	send(1, BCAST, 60, 1);
	forward();
	ck_assert_uint_eq(received(2), 1);
	/* A client that breaks its rx ring. */
	s.port[2].mem->rx.cons = 1000;
	send(1, BCAST, 60, 2);
	forward();
	ck_assert_uint_eq(s.port[2].bad, 1);
	ck_assert_uint_eq(received(0), 2);                      /* (a's rx is whole: b's two frames) */
	/* ATTACH again: both work. */
	attach(0, false);
	attach(2, false);
	send(0, BCAST, 60, 3);
	forward();
	ck_assert_uint_eq(received(2), 1);
}
END_TEST

START_TEST(test_detach_forgets)
{
	uint8_t b[6];

	mac(b, 1);
	send(1, BCAST, 60, 0);
	forward();
	received(0), received(2);
	sw_detach(&s, &s.port[1]);
	ck_assert(!s.port[1].attached);
	ck_assert_ptr_null(sw_port_of(&s, 0));
	ck_assert_ptr_eq(sw_port_of(&s, 1), &s.port[0]);
	/* b is forgotten: a frame to it floods to the ports still there. */
	send(0, b, 60, 1);
	ck_assert_uint_eq(forward(), 0x4);
	ck_assert_uint_eq(s.port[1].rx_frames, 0);
	ck_assert_uint_eq(s.port[1].tx_frames, 1);              /* (counters stay) */
}
END_TEST

/* A UDP/IPv4 frame of `payload` bytes with a partial checksum: the
 * pseudo-header's sum in the field, as virtio-net hands it over. */
static unsigned udp_partial(struct l4_net_meta *m, unsigned payload)
{
	unsigned len = 14 + 20 + 8 + payload;

	memset(f, 0, sizeof(f));
	memcpy(f, BCAST, 6);
	mac(f + 6, 0);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((len - 14) >> 8), f[17] = (uint8_t)(len - 14);
	f[22] = 64, f[23] = 17;
	const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
	memcpy(f + 26, src, 4);
	memcpy(f + 30, dst, 4);
	f[35] = 7, f[37] = 7;
	f[38] = (uint8_t)((8 + payload) >> 8), f[39] = (uint8_t)(8 + payload);
	for (unsigned i = 0; i < payload; i++)
		f[42 + i] = (uint8_t)(i * 13 + 1);
	uint8_t pseudo[12] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 17, (uint8_t)((8 + payload) >> 8), (uint8_t)(8 + payload) };
	uint16_t ps = (uint16_t)~l4_inet_fold(l4_inet_sum(pseudo, 12, 0));
	f[40] = (uint8_t)(ps >> 8), f[41] = (uint8_t)ps;
	*m = (struct l4_net_meta){ .flags = L4_NET_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6 };
	return len;
}

START_TEST(test_partial_checksums)
{
	struct l4_net_meta m, rm;
	unsigned len = udp_partial(&m, 333), rl;

	attach(1, true);                                        /* b takes partial checksums, c does not */
	ck_assert_int_eq(l4_netring_put(&ctx[0], f, len, &m), L4_NETRING_FRAME);
	forward();
	/* b: as sent, still partial. */
	ck_assert_int_eq(l4_netring_take(&crx[1], got, &rl, &rm), L4_NETRING_FRAME);
	ck_assert_uint_eq(rm.flags, L4_NET_F_NEEDS_CSUM);
	ck_assert_uint_eq(rm.csum_start, 34);
	ck_assert_mem_eq(got, f, len);
	/* c: completed. The UDP checksum over pseudo-header, header and data is right. */
	ck_assert_int_eq(l4_netring_take(&crx[2], got, &rl, &rm), L4_NETRING_FRAME);
	ck_assert_uint_eq(rm.flags & L4_NET_F_NEEDS_CSUM, 0);
	uint8_t pseudo[12] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 17, (uint8_t)((8 + 333) >> 8), (uint8_t)(8 + 333) };
	ck_assert_uint_eq(l4_inet_fold(l4_inet_sum(got + 34, len - 34, l4_inet_sum(pseudo, 12, 0))), 0);
	ck_assert(got[40] || got[41]);
	/* Bounds the client lies about: the frame is bad, for everyone. */
	m.csum_start = (uint16_t)(len - 1);
	ck_assert_int_eq(l4_netring_put(&ctx[0], f, len, &m), L4_NETRING_FRAME);
	m.csum_start = 34, m.csum_offset = 0xffff;
	ck_assert_int_eq(l4_netring_put(&ctx[0], f, len, &m), L4_NETRING_FRAME);
	forward();
	ck_assert_uint_eq(s.port[0].bad, 2);
	ck_assert_uint_eq(received(1) + received(2), 0);
}
END_TEST

Suite *switch_suite(void)
{
	Suite *su = suite_create("vswitch");
	TCase *tc = tcase_create("switch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_broadcast_then_learned_unicast);
	tcase_add_test(tc, test_segments_never_meet);
	tcase_add_test(tc, test_full_rx_drops_and_the_others_go_on);
	tcase_add_test(tc, test_storm_control);
	tcase_add_test(tc, test_round_robin_between_a_flood_and_a_quiet_port);
	tcase_add_test(tc, test_broken_rings_and_bad_frames);
	tcase_add_test(tc, test_detach_forgets);
	tcase_add_test(tc, test_partial_checksums);
	suite_add_tcase(su, tc);
	return su;
}
