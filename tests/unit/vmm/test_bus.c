/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The board's bus (vmm/bus.c): ranges by address in two spaces, the first
 * added winning an overlap, the offset and size a device sees, open bus
 * where nothing decodes, ranges that move or switch off, a full table.
 */
#include "tests/unit/unit.h"
#include "vmm/bus.h"

/* A device that records its last access. */
struct rec {
	unsigned reads, writes;
	uint64_t off, val;
	unsigned size;
	vdev_time_t now;
};

static struct bus bus;
static struct rec a, b, c;

static void rec_read(void *dev, uint64_t off, unsigned size, vdev_time_t now, uint64_t *val)
{
	struct rec *r = dev;

	r->reads++;
	r->off = off;
	r->size = size;
	r->now = now;
	*val = 0x1000 + off;
}

static void rec_write(void *dev, uint64_t off, unsigned size, uint64_t val, vdev_time_t now)
{
	struct rec *r = dev;

	r->writes++;
	r->off = off;
	r->size = size;
	r->val = val;
	r->now = now;
}

/* Adds a recording device's range; bus_add's result. */
static int add(enum bus_space space, uint64_t base, uint64_t length, struct rec *dev, unsigned kind)
{
	struct bus_range r = { .space = space, .base = base, .length = length, .dev = dev, .read = rec_read,
			       .write = rec_write, .kind = kind };

	return bus_add(&bus, &r);
}

static void setup(void)
{
	bus_init(&bus);
	a = b = c = (struct rec){ 0 };
}

START_TEST(test_dispatch_by_space_and_address)
{
	ck_assert_int_eq(bus_add(&bus, &(struct bus_range){ 0 }), 0);   /* (an empty range decodes nothing) */
	ck_assert_int_eq(add(BUS_PIO, 0x3f8, 8, &a, 7), 1);
	ck_assert_int_eq(add(BUS_MMIO, 0x3f8, 8, &b, 8), 2);
	uint64_t v = 0;
	const struct bus_range *r = bus_read(&bus, BUS_PIO, 0x3fd, 1, 42, &v);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->kind, 7);
	ck_assert_uint_eq(v, 0x1005);
	ck_assert_uint_eq(a.reads, 1);
	ck_assert_uint_eq(a.off, 5);
	ck_assert_uint_eq(a.size, 1);
	ck_assert_uint_eq(a.now, 42);
	ck_assert_uint_eq(b.reads, 0);
	/* The same address in the other space is the other device. */
	r = bus_write(&bus, BUS_MMIO, 0x3f8, 4, 0xabcd, 43);
	ck_assert_uint_eq(r->kind, 8);
	ck_assert_uint_eq(b.writes, 1);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(b.val, 0xabcd);
	ck_assert_uint_eq(a.writes, 0);
	/* The edges: the last byte is in, the byte after is not. */
	ck_assert_ptr_eq(bus_find(&bus, BUS_PIO, 0x3ff), &bus.range[1]);
	ck_assert_ptr_null(bus_find(&bus, BUS_PIO, 0x400));
	ck_assert_ptr_null(bus_find(&bus, BUS_PIO, 0x3f7));
	ck_assert_ptr_null(bus_find(&bus, BUS_PIO, 0));
}
END_TEST

START_TEST(test_nothing_there_is_open_bus)
{
	uint64_t v = 0;

	ck_assert_ptr_null(bus_read(&bus, BUS_PIO, 0x1234, 2, 0, &v));
	ck_assert_uint_eq(v, 0xffff);
	ck_assert_ptr_null(bus_read(&bus, BUS_MMIO, 0xfee00000, 8, 0, &v));
	ck_assert_uint_eq(v, ~0ull);
	ck_assert_ptr_null(bus_write(&bus, BUS_MMIO, 0, 4, 1, 0));
	/* A known range without handlers: claimed, all ones, writes dropped. */
	ck_assert_int_eq(bus_add(&bus, &(struct bus_range){ .space = BUS_PIO, .base = 0x80, .length = 1, .kind = 3 }),
			 0);
	v = 0;
	const struct bus_range *r = bus_read(&bus, BUS_PIO, 0x80, 1, 0, &v);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->kind, 3);
	ck_assert_uint_eq(v, 0xff);
	ck_assert_ptr_nonnull(bus_write(&bus, BUS_PIO, 0x80, 1, 0x55, 0));
}
END_TEST

START_TEST(test_an_access_belongs_to_its_first_byte)
{
	uint64_t v;

	add(BUS_PIO, 0x40, 4, &a, 0);
	add(BUS_PIO, 0x44, 4, &b, 0);
	/* A dword at the last port of a: a's, offset 3, size 4 (the model copes). */
	bus_read(&bus, BUS_PIO, 0x43, 4, 0, &v);
	ck_assert_uint_eq(a.reads, 1);
	ck_assert_uint_eq(a.off, 3);
	ck_assert_uint_eq(a.size, 4);
	ck_assert_uint_eq(b.reads, 0);
}
END_TEST

START_TEST(test_first_added_wins_an_overlap)
{
	uint64_t v;

	add(BUS_MMIO, 0xfec00000, 0x4000, &a, 1);      /* a BAR placed over ... */
	add(BUS_MMIO, 0xfec00000, 0x1000, &b, 2);      /* ... the I/O APIC */
	bus_read(&bus, BUS_MMIO, 0xfec00010, 4, 0, &v);
	ck_assert_uint_eq(a.reads, 1);
	ck_assert_uint_eq(b.reads, 0);
	/* Moved away, the one behind it decodes again. */
	ck_assert(bus_move(&bus, 0, 0xfe000000, 0x4000));
	bus_read(&bus, BUS_MMIO, 0xfec00010, 4, 0, &v);
	ck_assert_uint_eq(b.reads, 1);
	ck_assert_uint_eq(b.off, 0x10);
	bus_read(&bus, BUS_MMIO, 0xfe003ffc, 4, 0, &v);
	ck_assert_uint_eq(a.reads, 2);
	ck_assert_uint_eq(a.off, 0x3ffc);
}
END_TEST

START_TEST(test_moves_and_switching_off)
{
	uint64_t v;
	int id = add(BUS_MMIO, 0xfe000000, 0x4000, &a, 0);

	ck_assert_int_ge(id, 0);
	/* Off: length 0 decodes nothing, wherever its base. */
	ck_assert(bus_move(&bus, id, 0xfe000000, 0));
	ck_assert_ptr_null(bus_read(&bus, BUS_MMIO, 0xfe000000, 4, 0, &v));
	ck_assert(bus_move(&bus, id, 0, 0));
	ck_assert_ptr_null(bus_read(&bus, BUS_MMIO, 0, 4, 0, &v));
	ck_assert_uint_eq(a.reads, 0);
	/* Moves that would wrap, and bad ids, change nothing. */
	ck_assert(bus_move(&bus, id, 0xd0000000, 0x4000));
	ck_assert(!bus_move(&bus, id, ~0ull - 0xfff, 0x4000));
	ck_assert(!bus_move(&bus, id + 1, 0, 1));
	ck_assert(!bus_move(&bus, -1, 0, 1));
	ck_assert_ptr_nonnull(bus_find(&bus, BUS_MMIO, 0xd0003fff));
	/* The top of the address space, exactly. */
	ck_assert(bus_move(&bus, id, ~0ull - 0xfff, 0x1000));
	ck_assert_ptr_nonnull(bus_find(&bus, BUS_MMIO, ~0ull));
	ck_assert_ptr_null(bus_find(&bus, BUS_MMIO, ~0ull - 0x1000));
}
END_TEST

START_TEST(test_full_table_and_wrapping_ranges)
{
	ck_assert_int_eq(add(BUS_PIO, ~0ull, 2, &a, 0), -1);
	for (unsigned i = 0; i < BUS_MAX_RANGES; i++)
		ck_assert_int_eq(add(BUS_PIO, 0x100 + 2 * i, 2, &c, i), (int)i);
	ck_assert_int_eq(add(BUS_PIO, 0x900, 2, &a, 0), -1);
	ck_assert_uint_eq(bus.n, BUS_MAX_RANGES);
	ck_assert_ptr_null(bus_find(&bus, BUS_PIO, 0x900));
	ck_assert_uint_eq(bus_find(&bus, BUS_PIO, 0x100 + 2 * (BUS_MAX_RANGES - 1) + 1)->kind, BUS_MAX_RANGES - 1);
}
END_TEST

Suite *bus_suite(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("bus");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_dispatch_by_space_and_address);
	tcase_add_test(tc, test_nothing_there_is_open_bus);
	tcase_add_test(tc, test_an_access_belongs_to_its_first_byte);
	tcase_add_test(tc, test_first_added_wins_an_overlap);
	tcase_add_test(tc, test_moves_and_switching_off);
	tcase_add_test(tc, test_full_table_and_wrapping_ranges);
	suite_add_tcase(s, tc);
	return s;
}
