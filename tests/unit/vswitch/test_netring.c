/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for libl4/netring.c, the frame rings the switch shares with
 * its clients (both sides use it): frames in and out in order across the 32-bit index wrap, a
 * full ring drops and counts, and a malicious other side (indices that
 * jump, go backwards or past what was produced; slots with lengths of 0 or
 * too long) breaks only its own ring, never makes the switch read past the
 * ring or loop; a random test against a model queue.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libl4/l4netring.h"
#include "tests/unit/unit.h"
#include "tests/unit/util.h"

static struct l4_net_ring *sh;
static struct l4_netring prod, cons;          /* the two sides of one ring */
static uint8_t buf[L4_NET_FRAME_MAX], frame[L4_NET_FRAME_MAX];

static void setup(void)
{
	sh = (struct l4_net_ring *)alloc_exact(sizeof(struct l4_net_ring));
	memset(sh, 0xa5, sizeof(struct l4_net_ring));
	l4_netring_reset(&prod, sh);
	l4_netring_init(&cons, sh);
}

static void teardown(void)
{
	free(sh);
}

static void fill(uint8_t *f, unsigned len, unsigned seed)
{
	for (unsigned i = 0; i < len; i++)
		f[i] = (uint8_t)(seed * 31 + i);
}

START_TEST(test_frames_in_order_across_the_wrap)
{
	unsigned len;

	/* Both sides just below 2^32. */
	prod.prod = prod.cons = cons.prod = cons.cons = 0xfffffff0u;
	sh->prod = sh->cons = 0xfffffff0u;
	for (unsigned n = 0; n < 200; n++) {
		unsigned l = 1 + n * 7 % L4_NET_FRAME_MAX;
		fill(frame, l, n);
		ck_assert_int_eq(l4_netring_put(&prod, frame, l, NULL), L4_NETRING_FRAME);
		ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_FRAME);
		ck_assert_uint_eq(len, l);
		ck_assert_mem_eq(buf, frame, l);
	}
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_EMPTY);
	ck_assert_uint_eq(cons.frames, 200);
	ck_assert_uint_lt(sh->prod, 200);                        /* (it wrapped) */
}
END_TEST

START_TEST(test_full_ring_drops)
{
	unsigned len;

	fill(frame, 60, 1);
	for (unsigned n = 0; n < L4_NET_RING_SLOTS; n++)
		ck_assert_int_eq(l4_netring_put(&prod, frame, 60, NULL), L4_NETRING_FRAME);
	ck_assert_int_eq(l4_netring_put(&prod, frame, 60, NULL), L4_NETRING_FULL);
	ck_assert_uint_eq(prod.dropped, 1);
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_FRAME);
	ck_assert_int_eq(l4_netring_put(&prod, frame, 60, NULL), L4_NETRING_FRAME);
	/* Bad lengths are dropped, not written. */
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_FRAME);
	ck_assert_int_eq(l4_netring_put(&prod, frame, 0, NULL), L4_NETRING_FULL);
	ck_assert_int_eq(l4_netring_put(&prod, frame, L4_NET_FRAME_MAX + 1, NULL), L4_NETRING_FULL);
	ck_assert_uint_eq(prod.dropped, 3);
}
END_TEST

/* The switch consumes a client's ring the client writes as it likes. */
START_TEST(test_consumer_against_a_malicious_producer)
{
	unsigned len;

	/* Bad lengths are skipped and counted; the good frame after them comes. */
	sh->slot[0].len = 0;
	sh->slot[1].len = 1515;
	sh->slot[2].len = 65535;
	sh->slot[3].len = 4;
	memcpy(sh->slot[3].frame, "good", 4);
	sh->prod = 4;
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_FRAME);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(buf, "good", 4);
	ck_assert_uint_eq(cons.bad_frames, 3);
	ck_assert_uint_eq(sh->cons, 4);
	/* A whole ring of bad slots: one call, bounded, then empty. */
	for (unsigned i = 0; i < L4_NET_RING_SLOTS; i++)
		sh->slot[i].len = 0xffff;
	sh->prod = 4 + L4_NET_RING_SLOTS;
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_EMPTY);
	ck_assert_uint_eq(cons.bad_frames, 3 + L4_NET_RING_SLOTS);
	/* An index that claims more than the ring holds: broken for good. */
	sh->prod = cons.cons + L4_NET_RING_SLOTS + 1;
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_BAD);
	sh->prod = cons.cons;
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_BAD);
	/* Backwards: broken too. */
	l4_netring_reset(&prod, sh);
	l4_netring_init(&cons, sh);
	fill(frame, 10, 2);
	l4_netring_put(&prod, frame, 10, NULL);
	l4_netring_put(&prod, frame, 10, NULL);
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_FRAME);
	sh->prod = 0;
	ck_assert_int_eq(l4_netring_take(&cons, buf, &len, NULL), L4_NETRING_BAD);
}
END_TEST

/* The switch produces into a client's rx ring whose consumer index the
 * client writes as it likes. */
START_TEST(test_producer_against_a_malicious_consumer)
{
	fill(frame, 100, 3);
	for (unsigned n = 0; n < 5; n++)
		l4_netring_put(&prod, frame, 100, NULL);
	sh->cons = 3;
	ck_assert_int_eq(l4_netring_put(&prod, frame, 100, NULL), L4_NETRING_FRAME);
	sh->cons = 2;                                             /* backwards */
	ck_assert_int_eq(l4_netring_put(&prod, frame, 100, NULL), L4_NETRING_BAD);
	l4_netring_reset(&prod, sh);
	l4_netring_put(&prod, frame, 100, NULL);
	sh->cons = 7;                                             /* past what was produced */
	ck_assert_int_eq(l4_netring_put(&prod, frame, 100, NULL), L4_NETRING_BAD);
	ck_assert_int_eq(l4_netring_put(&prod, frame, 100, NULL), L4_NETRING_BAD);  /* (stays broken) */
}
END_TEST

/* Random puts and takes against a model queue. */
START_TEST(test_random_against_model)
{
	static unsigned model_len[4096], model_seed[4096];
	unsigned head = 0, tail = 0, len;

	rnd_seed(0x7124);
	for (unsigned step = 0; step < 20000; step++) {
		if (rnd() % 2) {
			unsigned l = 1 + (unsigned)(rnd() % L4_NET_FRAME_MAX), seed = (unsigned)rnd();
			fill(frame, l, seed);
			int r = l4_netring_put(&prod, frame, l, NULL);
			ck_assert_int_eq(r, tail - head < L4_NET_RING_SLOTS ? L4_NETRING_FRAME : L4_NETRING_FULL);
			if (r == L4_NETRING_FRAME) {
				model_len[tail % 4096] = l;
				model_seed[tail % 4096] = seed;
				tail++;
			}
		} else {
			int r = l4_netring_take(&cons, buf, &len, NULL);
			ck_assert_int_eq(r, head != tail ? L4_NETRING_FRAME : L4_NETRING_EMPTY);
			if (r == L4_NETRING_FRAME) {
				ck_assert_uint_eq(len, model_len[head % 4096]);
				fill(frame, len, model_seed[head % 4096]);
				ck_assert_mem_eq(buf, frame, len);
				head++;
			}
		}
	}
	ck_assert(!prod.bad && !cons.bad);
}
END_TEST

Suite *netring_suite(void)
{
	Suite *s = suite_create("netring");
	TCase *tc = tcase_create("ring");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_frames_in_order_across_the_wrap);
	tcase_add_test(tc, test_full_ring_drops);
	tcase_add_test(tc, test_consumer_against_a_malicious_producer);
	tcase_add_test(tc, test_producer_against_a_malicious_consumer);
	tcase_add_test(tc, test_random_against_model);
	suite_add_tcase(s, tc);
	return s;
}
