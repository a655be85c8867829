/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Typed input on its way to the guest (vmm/input.c): the ring's room, the
 * order of bytes across its end, a device that takes only part.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/input.h"

static struct input_ring r;
static uint8_t got[1024];
static size_t ngot, limit, calls;

/* A device with room for limit bytes per call. */
static size_t take(void *ctx, const uint8_t *buf, size_t n)
{
	ck_assert_ptr_eq(ctx, &r);
	calls++;
	if (n > limit)
		n = limit;
	memcpy(got + ngot, buf, n);
	ngot += n;
	return n;
}

static void setup(void)
{
	memset(&r, 0, sizeof(r));
	ngot = calls = 0;
	limit = ~(size_t)0;
}

START_TEST(test_in_order_across_the_end)
{
	uint8_t bytes[INPUT_RING];

	for (unsigned i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)i;
	ck_assert_uint_eq(input_room(&r), INPUT_RING);
	input_put(&r, bytes, 200);
	ck_assert_uint_eq(input_room(&r), INPUT_RING - 200);
	ck_assert_uint_eq(input_feed(&r, take, &r), 200);
	/* Now 200 bytes that wrap: two pieces, in order. */
	input_put(&r, bytes + 56, 200);
	ck_assert_uint_eq(input_feed(&r, take, &r), 200);
	ck_assert_uint_eq(ngot, 400);
	ck_assert_mem_eq(got, bytes, 200);
	ck_assert_mem_eq(got + 200, bytes + 56, 200);
	ck_assert_uint_eq(input_room(&r), INPUT_RING);
	ck_assert_uint_eq(input_feed(&r, take, &r), 0);     /* empty: the device is not asked */
	ck_assert_uint_eq(calls, 3);
}
END_TEST

START_TEST(test_full_ring_keeps_the_rest_out)
{
	uint8_t bytes[INPUT_RING + 10];

	memset(bytes, 'a', sizeof(bytes));
	input_put(&r, bytes, INPUT_RING - 1);
	ck_assert_uint_eq(input_room(&r), 1);
	input_put(&r, (const uint8_t *)"bc", 2);            /* only b fits */
	ck_assert_uint_eq(input_room(&r), 0);
	ck_assert_uint_eq(input_feed(&r, take, &r), INPUT_RING);
	ck_assert_int_eq(got[INPUT_RING - 1], 'b');
}
END_TEST

START_TEST(test_a_device_that_takes_part)
{
	input_put(&r, (const uint8_t *)"date\r", 5);
	limit = 4;                                          /* one receive buffer of 4 */
	ck_assert_uint_eq(input_feed(&r, take, &r), 4);
	ck_assert_uint_eq(input_room(&r), INPUT_RING - 1);
	limit = 0;                                          /* no buffer: the rest waits */
	ck_assert_uint_eq(input_feed(&r, take, &r), 0);
	limit = 8;
	input_put(&r, (const uint8_t *)"ls\r", 3);
	ck_assert_uint_eq(input_feed(&r, take, &r), 4);
	ck_assert_mem_eq(got, "date\rls\r", 8);
}
END_TEST

START_TEST(test_free_running_indices_wrap)
{
	r.head = r.tail = 0xfffffff0u;                      /* near the unsigned wrap */
	uint8_t bytes[40];
	for (unsigned i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(100 + i);
	input_put(&r, bytes, 40);
	ck_assert_uint_eq(input_room(&r), INPUT_RING - 40);
	ck_assert_uint_eq(input_feed(&r, take, &r), 40);
	ck_assert_mem_eq(got, bytes, 40);
	ck_assert_uint_eq(r.head, 0x18);
}
END_TEST

Suite *vmm_input_suite(void)
{
	Suite *s = suite_create("vmm_input");
	TCase *tc = tcase_create("ring");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_in_order_across_the_end);
	tcase_add_test(tc, test_full_ring_keeps_the_rest_out);
	tcase_add_test(tc, test_a_device_that_takes_part);
	tcase_add_test(tc, test_free_running_indices_wrap);
	suite_add_tcase(s, tc);
	return s;
}
