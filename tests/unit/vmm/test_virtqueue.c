/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The split virtqueue (vmm/dev/virtqueue.c) against well-formed and
 * malformed rings in a fake guest RAM: chains, indirect tables, the event
 * index, and every way a driver can lie (loops in chains, indexes and
 * addresses out of range, zero-length and huge descriptors, indirect tables
 * out of range, nested or too long, the avail index running ahead). The
 * guest RAM is an exact-size heap buffer: an access past it is an
 * AddressSanitizer error, and the map callback counts every refusal.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/virtqueue.h"

#define RAM_BASE 0x100000ull
#define RAM_SIZE 0x20000u
#define DESC  (RAM_BASE + 0x0000)     /* 256 descriptors: 4 KiB */
#define AVAIL (RAM_BASE + 0x1000)
#define USED  (RAM_BASE + 0x2000)
#define TABLE (RAM_BASE + 0x4000)     /* indirect tables */
#define DATA  (RAM_BASE + 0x8000)     /* buffers to the end of RAM */
#define ALL_RING_FEATURES ((1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX))

static uint8_t *ram;
static unsigned refusals, maps;
static struct vdev_ram gram;
static struct virtq q;
static struct virtq_chain chain;
static uint16_t avail_idx;            /* the driver's */

static uint8_t *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	maps++;
	if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE)) {
		refusals++;
		return NULL;
	}
	return ram + (gpa - RAM_BASE);
}

static uint8_t *gp(uint64_t gpa)
{
	EXPECT(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);   /* (cheap: the random test's hot loop) */
	return ram + (gpa - RAM_BASE);
}

static uint16_t rd16(uint64_t gpa)
{
	return (uint16_t)(gp(gpa)[0] | gp(gpa)[1] << 8);
}

static void setup(void)
{
	ram = alloc_exact(RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	refusals = 0;
	avail_idx = 0;
	gram = (struct vdev_ram){ .map = ram_map };
	memset(&q, 0, sizeof(q));
	memset(&chain, 0xa5, sizeof(chain));
}

static void teardown(void)
{
	free(ram);
	ram = NULL;
}

/* A queue of size entries at DESC/AVAIL/USED, started with features. */
static void start(uint32_t size, uint64_t features)
{
	virtq_reset(&q);
	memset(gp(AVAIL), 0, 0x2000);                       /* fresh avail and used rings */
	avail_idx = 0;
	q.size = size;
	q.desc = DESC;
	q.avail = AVAIL;
	q.used = USED;
	ck_assert_msg(virtq_start(&q, &gram, features, VIRTQ_MAX_SIZE), "%s", q.error);
}

static void put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = gp(table + 16ull * i);

	put64(p, addr);
	put32(p + 8, len);
	put16(p + 12, flags);
	put16(p + 14, next);
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(DESC, i, addr, len, flags, next);
}

/* The driver makes head available. */
static void post(uint16_t head)
{
	put16(gp(AVAIL + 4 + 2ull * (avail_idx % q.size)), head);
	avail_idx++;
	put16(gp(AVAIL + 2), avail_idx);
}

/* A malformed chain: VIRTQ_BAD with a reason, and nothing consumed. */
static void expect_bad(void)
{
	uint16_t last = q.last_avail;

	q.error = NULL;
	ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_BAD);
	ck_assert_ptr_nonnull(q.error);
	ck_assert_uint_eq(q.last_avail, last);
	ck_assert_uint_eq(rd16(USED + 2), q.used_idx);
	/* Asked again, the same answer: the chain stays where it was. */
	ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_BAD);
	ck_assert_uint_eq(q.last_avail, last);
}

static void expect_chain(uint16_t head, unsigned nseg)
{
	int r = virtq_pop(&q, &chain);

	ck_assert_msg(r == VIRTQ_CHAIN, "pop: %d (%s)", r, q.error ? q.error : "-");
	ck_assert_uint_eq(chain.head, head);
	ck_assert_uint_eq(chain.nseg, nseg);
}

static void expect_seg(unsigned i, uint64_t gpa, uint32_t len, bool writable)
{
	ck_assert_uint_eq(chain.seg[i].gpa, gpa);
	ck_assert_uint_eq(chain.seg[i].len, len);
	ck_assert_int_eq(chain.seg[i].writable, writable);
}

/* ------------------------------------------------------------ well-formed */

START_TEST(test_chain_segments_and_used_ring)
{
	start(8, 0);
	ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_EMPTY);
	/* Two readable, then two writable pieces in scattered order: 5 -> 2 -> 7 -> 0. */
	set_desc(5, DATA + 0x100, 10, VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, DATA, 3, VIRTQ_DESC_F_NEXT, 7);
	set_desc(7, DATA + 0x200, 100, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	set_desc(0, DATA + 0x400, 1, VIRTQ_DESC_F_WRITE, 3);          /* (next ignored without NEXT) */
	post(5);
	expect_chain(5, 4);
	expect_seg(0, DATA + 0x100, 10, false);
	expect_seg(1, DATA, 3, false);
	expect_seg(2, DATA + 0x200, 100, true);
	expect_seg(3, DATA + 0x400, 1, true);
	ck_assert_uint_eq(chain.readable, 13);
	ck_assert_uint_eq(chain.writable, 101);
	ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_EMPTY);
	ck_assert_int_eq(virtq_push(&q, 5, 42), 0);
	ck_assert_uint_eq(rd16(USED + 2), 1);
	ck_assert_uint_eq(get32(gp(USED + 4)), 5);
	ck_assert_uint_eq(get32(gp(USED + 8)), 42);
	ck_assert_int_eq(virtq_notify(&q), 1);
	ck_assert_int_eq(virtq_notify(&q), 0);                   /* nothing new since */
	ck_assert_uint_eq(refusals, 0);
}
END_TEST

/* Copies at byte offsets of a chain's readable and writable parts, across
 * its segments; a copy past a part's end fails. */
START_TEST(test_chain_copies)
{
	uint8_t buf[16];

	start(8, 0);
	memcpy(gp(DATA), "abc", 3);
	memcpy(gp(DATA + 0x100), "defghij", 7);
	set_desc(0, DATA, 3, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA + 0x100, 7, VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, DATA + 0x200, 2, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
	set_desc(3, DATA + 0x300, 5, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	expect_chain(0, 4);
	ck_assert_int_eq(virtq_chain_read(&gram, &chain, 2, buf, 6), 0);
	ck_assert_mem_eq(buf, "cdefgh", 6);
	ck_assert_int_eq(virtq_chain_read(&gram, &chain, 0, buf, 10), 0);
	ck_assert_mem_eq(buf, "abcdefghij", 10);
	ck_assert_int_eq(virtq_chain_read(&gram, &chain, 5, buf, 6), -1);
	/* Writes skip the readable part: offset 1 is the first writable segment's second byte. */
	ck_assert_int_eq(virtq_chain_write(&gram, &chain, 1, "XYZ", 3), 0);
	ck_assert_mem_eq(gp(DATA + 0x201), "X", 1);
	ck_assert_mem_eq(gp(DATA + 0x300), "YZ", 2);
	ck_assert_int_eq(virtq_chain_write(&gram, &chain, 0, "1234567", 8), -1);
	ck_assert_int_eq(virtq_chain_read(&gram, &chain, 10, buf, 0), 0);    /* (nothing, at the end) */
	ck_assert_mem_eq(gp(DATA + 0x100), "defghij", 7);       /* (the readable part untouched) */
}
END_TEST

/* Chains given back come again, as the driver has them by then; the
 * avail event stays past them (a new buffer is notified). */
START_TEST(test_unpop)
{
	start(8, ALL_RING_FEATURES);
	set_desc(0, DATA, 10, VIRTQ_DESC_F_WRITE, 0);
	set_desc(1, DATA + 0x100, 20, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	post(1);
	expect_chain(0, 1);
	expect_chain(1, 1);
	ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_EMPTY);
	ck_assert_uint_eq(rd16(USED + 4 + 8 * 8), 2);            /* avail_event */
	virtq_unpop(&q, 2);
	ck_assert_uint_eq(q.last_avail, 0);
	ck_assert_uint_eq(rd16(USED + 4 + 8 * 8), 2);
	set_desc(1, DATA + 0x200, 30, VIRTQ_DESC_F_WRITE, 0);     /* changed meanwhile */
	expect_chain(0, 1);
	expect_chain(1, 1);
	expect_seg(0, DATA + 0x200, 30, true);
	ck_assert_uint_eq(rd16(USED + 2), 0);                    /* nothing was used */
}
END_TEST

/* Several chains returned at once: in order across the ring's end, the
 * index moved once past all of them. */
START_TEST(test_push_all)
{
	const struct virtq_used used[3] = { { 7, 100 }, { 2, 0 }, { 5, 1514 } };

	start(4, 0);
	q.used_idx = 3;
	ck_assert_int_eq(virtq_push_all(&q, used, 3), 0);
	ck_assert_uint_eq(rd16(USED + 2), 6);
	ck_assert_uint_eq(q.used_idx, 6);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(get32(gp(USED + 4 + 8 * ((3 + i) % 4))), used[i].head);
		ck_assert_uint_eq(get32(gp(USED + 8 + 8 * ((3 + i) % 4))), used[i].len);
	}
	ck_assert_int_eq(virtq_notify(&q), 1);
	q.used = RAM_BASE + RAM_SIZE;                            /* a used ring that is not RAM */
	ck_assert_int_eq(virtq_push_all(&q, used, 1), -1);
	ck_assert_uint_eq(q.used_idx, 6);
}
END_TEST

START_TEST(test_indices_wrap_at_2_16)
{
	start(4, 0);
	q.last_avail = q.used_idx = q.signalled = 0xfffe;
	avail_idx = 0xfffe;
	for (unsigned i = 0; i < 6; i++) {
		set_desc(i % 4, DATA + i, 1, 0, 0);
		post((uint16_t)(i % 4));
		expect_chain((uint16_t)(i % 4), 1);
		ck_assert_int_eq(virtq_push(&q, chain.head, 0), 0);
		/* Entry (0xfffe + i) % 4 of the used ring. */
		ck_assert_uint_eq(get32(gp(USED + 4 + 8 * ((0xfffe + i) % 4))), i % 4);
	}
	ck_assert_uint_eq(q.used_idx, 4);
	ck_assert_uint_eq(rd16(USED + 2), 4);
}
END_TEST

START_TEST(test_longest_legal_chain)
{
	start(256, 0);
	for (unsigned i = 0; i < 256; i++)
		set_desc(i, DATA + i, 1, i < 255 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	post(0);
	expect_chain(0, 256);
	expect_seg(255, DATA + 255, 1, false);
}
END_TEST

START_TEST(test_zero_length_descriptors_are_not_accessed)
{
	start(8, 0);
	/* A zero-length descriptor anywhere, even at no address, is no segment. */
	set_desc(0, 0, 0, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA, 4, VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, ~0ull, 0, 0, 0);
	post(0);
	expect_chain(0, 1);
	expect_seg(0, DATA, 4, false);
	set_desc(3, 0xdead0000, 0, 0, 0);
	post(3);
	expect_chain(3, 0);
	ck_assert_uint_eq(refusals, 0);
}
END_TEST

START_TEST(test_indirect_table)
{
	start(8, ALL_RING_FEATURES);
	/* A direct header, then an indirect table of three (it starts at its
	 * entry 0, 2.6.5.3.1): 0 -> 1 -> 2. */
	set_desc(4, DATA, 16, VIRTQ_DESC_F_NEXT, 6);
	set_desc(6, TABLE, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);   /* (WRITE ignored) */
	put_desc(TABLE, 0, DATA + 0x100, 8, VIRTQ_DESC_F_NEXT, 1);
	put_desc(TABLE, 1, DATA + 0x200, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	put_desc(TABLE, 2, DATA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	post(4);
	expect_chain(4, 4);
	expect_seg(0, DATA, 16, false);
	expect_seg(1, DATA + 0x100, 8, false);
	expect_seg(2, DATA + 0x200, 512, true);
	expect_seg(3, DATA + 0x400, 1, true);
	/* The head alone an indirect descriptor, as Linux builds them. */
	set_desc(1, TABLE + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE + 0x100, 0, DATA + 0x800, 64, 0, 0);
	post(1);
	expect_chain(1, 1);
	expect_seg(0, DATA + 0x800, 64, false);
}
END_TEST

START_TEST(test_event_index)
{
	start(8, 1ull << VIRTIO_F_EVENT_IDX);
	for (unsigned i = 0; i < 3; i++) {
		set_desc(i, DATA + i, 1, 0, 0);
		post((uint16_t)i);
	}
	/* avail_event (after the used ring): the entry after the last taken. */
	expect_chain(0, 1);
	ck_assert_uint_eq(rd16(USED + 4 + 8 * 8), 1);
	expect_chain(1, 1);
	expect_chain(2, 1);
	ck_assert_uint_eq(rd16(USED + 4 + 8 * 8), 3);
	/* used_event (after the avail ring) 1: interrupt when used passes 1. */
	put16(gp(AVAIL + 4 + 2 * 8), 1);
	ck_assert_int_eq(virtq_push(&q, 0, 0), 0);
	ck_assert_int_eq(virtq_notify(&q), 0);                   /* used 0 -> 1: not past 1 */
	ck_assert_int_eq(virtq_push(&q, 1, 0), 0);
	ck_assert_int_eq(virtq_notify(&q), 1);                   /* 1 -> 2: past 1 */
	/* used_event behind: one interrupt for the batch that steps over it, none after. */
	put16(gp(AVAIL + 4 + 2 * 8), 2);
	ck_assert_int_eq(virtq_push(&q, 2, 0), 0);
	ck_assert_int_eq(virtq_notify(&q), 1);                   /* 2 -> 3: past 2 */
	set_desc(3, DATA, 1, 0, 0);
	post(3);
	expect_chain(3, 1);
	ck_assert_int_eq(virtq_push(&q, 3, 0), 0);
	ck_assert_int_eq(virtq_notify(&q), 0);                   /* 3 -> 4: event 2 long passed */
	/* The NO_INTERRUPT flag means nothing with the event index. */
	put16(gp(AVAIL), VIRTQ_AVAIL_F_NO_INTERRUPT);
	put16(gp(AVAIL + 4 + 2 * 8), 4);
	set_desc(4, DATA, 1, 0, 0);
	post(4);
	expect_chain(4, 1);
	ck_assert_int_eq(virtq_push(&q, 4, 0), 0);
	ck_assert_int_eq(virtq_notify(&q), 1);
}
END_TEST

START_TEST(test_no_interrupt_flag_without_event_index)
{
	start(8, 0);
	put16(gp(AVAIL), VIRTQ_AVAIL_F_NO_INTERRUPT);
	set_desc(0, DATA, 1, 0, 0);
	post(0);
	expect_chain(0, 1);
	ck_assert_int_eq(virtq_push(&q, 0, 0), 0);
	ck_assert_int_eq(virtq_notify(&q), 0);
	/* Without the event index the device writes no avail_event. */
	ck_assert_uint_eq(rd16(USED + 4 + 8 * 8), 0);
	put16(gp(AVAIL), 0);
	post(0);
	expect_chain(0, 1);
	ck_assert_int_eq(virtq_push(&q, 0, 0), 0);
	ck_assert_int_eq(virtq_notify(&q), 1);
}
END_TEST

/* ------------------------------------------------------------ layouts */

START_TEST(test_bad_layouts_refused)
{
	static const struct {
		uint32_t size, max;
		uint64_t desc, avail, used;
	} bad[] = {
		{ 0, 256, DESC, AVAIL, USED },                 /* size 0 */
		{ 3, 256, DESC, AVAIL, USED },                 /* not a power of two */
		{ 512, 256, DESC, AVAIL, USED },               /* above the device's maximum */
		{ 512, 1024, DESC, AVAIL, USED },              /* above VIRTQ_MAX_SIZE whatever the device says */
		{ 16, 8, DESC, AVAIL, USED },                  /* above this device's maximum */
		{ 0x10008, 256, DESC, AVAIL, USED },           /* 8 in 16 bits: still too large */
		{ 8, 256, DESC + 8, AVAIL, USED },             /* desc not 16-aligned */
		{ 8, 256, DESC, AVAIL + 1, USED },             /* avail not 2-aligned */
		{ 8, 256, DESC, AVAIL, USED + 2 },             /* used not 4-aligned */
		{ 8, 256, ~0ull - 15, AVAIL, USED },           /* desc wraps past 2^64 */
		{ 8, 256, DESC, ~0ull - 1, USED },             /* avail wraps */
		{ 8, 256, DESC, AVAIL, ~0ull - 3 },            /* used wraps */
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		virtq_reset(&q);
		q.size = bad[i].size;
		q.desc = bad[i].desc;
		q.avail = bad[i].avail;
		q.used = bad[i].used;
		ck_assert_msg(!virtq_start(&q, &gram, 0, bad[i].max), "layout %u accepted", i);
		ck_assert(!q.ready);
		ck_assert_ptr_nonnull(q.error);
		/* A queue that did not start is empty, not a way into memory. */
		ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_EMPTY);
	}
	ck_assert_uint_eq(refusals, 0);
}
END_TEST

START_TEST(test_rings_outside_ram)
{
	/* The descriptor table. */
	start(8, 0);
	q.desc = RAM_BASE + RAM_SIZE - 16 * 4;              /* the table's last half is not RAM */
	post(5);
	expect_bad();
	/* The avail ring. */
	start(8, 0);
	q.avail = 0x1000;
	expect_bad();
	/* The used ring: the push fails, and with the event index the pop too. */
	start(8, 0);
	q.used = RAM_BASE + RAM_SIZE - 8;                   /* idx is RAM, ring[0] not */
	set_desc(0, DATA, 1, 0, 0);
	post(0);
	expect_chain(0, 1);
	ck_assert_int_eq(virtq_push(&q, 0, 0), -1);
	ck_assert_uint_eq(q.used_idx, 0);
	start(8, 1ull << VIRTIO_F_EVENT_IDX);
	q.used = RAM_BASE + RAM_SIZE - 64;                  /* ring is RAM, avail_event not */
	avail_idx = 0;
	post(0);
	expect_bad();
	/* The notify decision reads the avail ring. */
	start(8, 0);
	post(0);
	expect_chain(0, 1);
	ck_assert_int_eq(virtq_push(&q, 0, 0), 0);
	q.avail = RAM_BASE + RAM_SIZE;
	ck_assert_int_eq(virtq_notify(&q), -1);
}
END_TEST

/* ------------------------------------------------------------ malformed chains */

/* A looping chain is found within the queue size's descriptor reads (plus
 * the avail index and entry, and a map per segment). */
static void expect_loop(void)
{
	maps = 0;
	ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_BAD);
	ck_assert_msg(maps <= 2 + 2 * q.size + 1, "%u guest memory accesses for a queue of %u", maps, q.size);
	expect_bad();
}

START_TEST(test_loops_in_chains)
{
	/* A descriptor that points to itself. */
	start(8, 0);
	set_desc(4, DATA, 1, VIRTQ_DESC_F_NEXT, 4);
	post(4);
	expect_loop();
	/* Two that point to each other. */
	start(8, 0);
	avail_idx = 0;
	set_desc(0, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA, 1, VIRTQ_DESC_F_NEXT, 0);
	post(0);
	expect_loop();
	/* A loop after a long tail: 0 .. 255, then back to 128. */
	start(256, 0);
	avail_idx = 0;
	for (unsigned i = 0; i < 255; i++)
		set_desc(i, DATA, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, (uint16_t)(i + 1));
	set_desc(255, DATA, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 128);
	post(0);
	expect_loop();
	/* Zero-length descriptors in a loop are still a loop (no segments to count). */
	start(8, 0);
	set_desc(2, 0, 0, VIRTQ_DESC_F_NEXT, 3);
	set_desc(3, 0, 0, VIRTQ_DESC_F_NEXT, 2);
	post(2);
	expect_loop();
	/* And in an indirect table, within the table's length. */
	start(8, ALL_RING_FEATURES);
	set_desc(0, TABLE, 4 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE, 0, 0, 0, VIRTQ_DESC_F_NEXT, 1);
	put_desc(TABLE, 1, 0, 0, VIRTQ_DESC_F_NEXT, 0);
	post(0);
	expect_loop();
}
END_TEST

START_TEST(test_indexes_out_of_range)
{
	/* A head one past the table. */
	start(8, 0);
	set_desc(0, DATA, 1, 0, 0);
	post(8);
	expect_bad();
	/* A next beyond the table, at the end of a good start. */
	start(8, 0);
	avail_idx = 0;
	set_desc(0, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA, 1, VIRTQ_DESC_F_NEXT, 0xffff);
	post(0);
	expect_bad();
	/* Heads the full 16 bits. */
	start(8, 0);
	avail_idx = 0;
	post(0x8000);
	expect_bad();
}
END_TEST

START_TEST(test_avail_index_runs_ahead)
{
	/* The driver claims 9 new buffers in a ring of 8. */
	start(8, 0);
	for (unsigned i = 0; i < 8; i++)
		set_desc(i, DATA + i, 1, 0, 0);
	put16(gp(AVAIL + 2), 9);
	expect_bad();
	/* 0xffff ahead: an index that ran backwards. */
	put16(gp(AVAIL + 2), 0xffff);
	expect_bad();
	/* Exactly the queue size is fine: all eight come, then nothing. */
	start(8, 0);
	avail_idx = 0;
	for (unsigned i = 0; i < 8; i++)
		post((uint16_t)i);
	for (unsigned i = 0; i < 8; i++)
		expect_chain((uint16_t)i, 1);
	ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_EMPTY);
	/* Then the index jumps by more than the queue size from there. */
	put16(gp(AVAIL + 2), (uint16_t)(8 + 9));
	expect_bad();
}
END_TEST

START_TEST(test_buffers_outside_ram)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ RAM_BASE + RAM_SIZE - 4, 5 },           /* runs off the end */
		{ RAM_BASE + RAM_SIZE, 1 },               /* just past the end */
		{ RAM_BASE - 1, 2 },                      /* starts below */
		{ 0, 16 },                                /* not RAM at all */
		{ ~0ull - 3, 8 },                         /* wraps past 2^64 */
		{ DATA, 0xffffffffu },                    /* huge: 4 GiB from a RAM address */
		{ RAM_BASE, RAM_SIZE + 1 },               /* all of RAM and a byte */
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (unsigned w = 0; w < 2; w++) {
			start(8, 0);
			avail_idx = 0;
			/* A good segment first: the bad one must not come out either. */
			set_desc(0, DATA, 4, VIRTQ_DESC_F_NEXT | (w ? VIRTQ_DESC_F_WRITE : 0), 1);
			set_desc(1, bad[i].addr, bad[i].len, w ? VIRTQ_DESC_F_WRITE : 0, 0);
			post(0);
			expect_bad();
		}
	}
	/* The largest buffer that is RAM: all of it. */
	start(8, 0);
	avail_idx = 0;
	set_desc(0, RAM_BASE, RAM_SIZE, VIRTQ_DESC_F_WRITE, 0);
	post(0);
	expect_chain(0, 1);
	ck_assert_uint_eq(chain.writable, RAM_SIZE);
}
END_TEST

START_TEST(test_readable_after_writable)
{
	start(8, ALL_RING_FEATURES);
	set_desc(0, DATA, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA + 4, 4, 0, 0);
	post(0);
	expect_bad();
	/* Also across a direct descriptor and an indirect table. */
	start(8, ALL_RING_FEATURES);
	avail_idx = 0;
	set_desc(0, DATA, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE, 0, DATA + 4, 4, 0, 0);
	post(0);
	expect_bad();
}
END_TEST

START_TEST(test_indirect_refused)
{
	/* Not negotiated. */
	start(8, 1ull << VIRTIO_F_EVENT_IDX);
	set_desc(0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE, 0, DATA, 4, 0, 0);
	post(0);
	expect_bad();

	static const struct {
		uint64_t addr;
		uint32_t len;
		uint16_t flags;
	} bad[] = {
		{ RAM_BASE + RAM_SIZE - 16, 32, 0 },                 /* runs off the end of RAM */
		{ RAM_BASE + RAM_SIZE, 16, 0 },                      /* beyond RAM */
		{ 0, 16, 0 },                                        /* not RAM */
		{ ~0ull - 15, 32, 0 },                               /* wraps */
		{ TABLE, 0, 0 },                                     /* empty */
		{ TABLE, 24, 0 },                                    /* not a whole number of descriptors */
		{ TABLE, 16 * (VIRTQ_MAX_CHAIN + 1), 0 },            /* too long */
		{ TABLE, 0xfffffff0u, 0 },                           /* far too long */
		{ TABLE, 16, VIRTQ_DESC_F_NEXT },                    /* with NEXT */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(8, ALL_RING_FEATURES);
		avail_idx = 0;
		memset(gp(TABLE), 0, 0x4000);
		for (unsigned j = 0; j < 0x4000 / 16; j++)
			put_desc(TABLE, j, DATA, 1, 0, 0);
		set_desc(0, bad[i].addr, bad[i].len, VIRTQ_DESC_F_INDIRECT | bad[i].flags, 1);
		set_desc(1, DATA, 1, 0, 0);
		post(0);
		expect_bad();
	}
	/* The longest table that is taken: VIRTQ_MAX_CHAIN entries. */
	start(8, ALL_RING_FEATURES);
	avail_idx = 0;
	for (unsigned j = 0; j < VIRTQ_MAX_CHAIN; j++)
		put_desc(TABLE, j, DATA + j, 1, j + 1 < VIRTQ_MAX_CHAIN ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(j + 1));
	set_desc(0, TABLE, 16 * VIRTQ_MAX_CHAIN, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_chain(0, VIRTQ_MAX_CHAIN);
}
END_TEST

START_TEST(test_nested_indirect)
{
	start(8, ALL_RING_FEATURES);
	set_desc(0, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE, 0, DATA, 4, VIRTQ_DESC_F_NEXT, 1);
	put_desc(TABLE, 1, TABLE + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE + 0x100, 0, DATA + 8, 4, 0, 0);
	post(0);
	expect_bad();
	/* A table that points back at itself is nested too. */
	start(8, ALL_RING_FEATURES);
	avail_idx = 0;
	set_desc(0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE, 0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
	post(0);
	expect_bad();
}
END_TEST

START_TEST(test_loops_and_indexes_in_indirect_tables)
{
	/* A loop inside the table. */
	start(8, ALL_RING_FEATURES);
	set_desc(0, TABLE, 4 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE, 0, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
	put_desc(TABLE, 1, DATA, 1, VIRTQ_DESC_F_NEXT, 2);
	put_desc(TABLE, 2, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
	post(0);
	expect_bad();
	/* A next beyond the table (but inside the queue's size). */
	start(8, ALL_RING_FEATURES);
	avail_idx = 0;
	set_desc(0, TABLE, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(TABLE, 0, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
	put_desc(TABLE, 1, DATA, 1, VIRTQ_DESC_F_NEXT, 2);
	put_desc(TABLE, 2, DATA, 1, 0, 0);                      /* RAM, but not the table's */
	post(0);
	expect_bad();
}
END_TEST

START_TEST(test_chain_longer_than_the_device_takes)
{
	/* 200 direct descriptors, then a table of 100: 300 segments > VIRTQ_MAX_CHAIN. */
	start(256, ALL_RING_FEATURES);
	for (unsigned i = 0; i < 200; i++)
		set_desc(i, DATA + i, 1, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(200, TABLE, 100 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	for (unsigned j = 0; j < 100; j++)
		put_desc(TABLE, j, DATA + j, 1, j < 99 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(j + 1));
	post(0);
	expect_bad();
	/* 156 direct and 100 indirect, 256 in all, are taken. */
	start(256, ALL_RING_FEATURES);
	avail_idx = 0;
	set_desc(155, DATA, 1, VIRTQ_DESC_F_NEXT, 200);
	post(0);
	expect_chain(0, 256);
}
END_TEST

START_TEST(test_not_ready_queue_is_empty)
{
	virtq_reset(&q);
	put16(gp(AVAIL + 2), 5);
	ck_assert_int_eq(virtq_pop(&q, &chain), VIRTQ_EMPTY);
	ck_assert_int_eq(virtq_notify(&q), 0);
	ck_assert_uint_eq(refusals, 0);
}
END_TEST

/* ------------------------------------------------------------ random */

/*
 * Random rings, descriptors and tables, mostly plausible: whatever pop
 * returns, every segment it hands out lies in RAM, the chain is within
 * its bounds, and a bad chain consumes nothing.
 */
START_TEST(test_random_rings)
{
	unsigned chains = 0, bads = 0, indirects = 0;

	rnd_seed(0x7669727471ull);
	for (int round = 0; round < 1000; round++) {
		uint32_t size = 1u << (rnd() % 9);
		start(size, rnd() % 4 ? ALL_RING_FEATURES : 0);
		avail_idx = 0;
		for (unsigned i = 0; i < 0x8000; i += 8)
			put64(gp(RAM_BASE + i), rnd());             /* rings and tables: noise */
		for (unsigned i = 0; i < 0x4000 / 16; i++) {            /* tables: mostly plausible */
			uint16_t flags = rnd() % 16 ? (uint16_t)(rnd() % 4) : (uint16_t)rnd();
			put_desc(TABLE, i, RAM_BASE + rnd() % RAM_SIZE, (uint32_t)(rnd() % 64), flags,
				 (uint16_t)(rnd() % 4 ? i + 1 : rnd() % 300));
		}
		for (unsigned i = 0; i < size + 8 && i < 256; i++) {
			uint64_t table = rnd() % 4 ? DESC : TABLE;
			uint64_t addr = rnd() % 8 ? RAM_BASE + rnd() % (RAM_SIZE + 64) : rnd();
			uint32_t len = rnd() % 4 ? (uint32_t)(rnd() % 600) : (uint32_t)rnd();
			uint16_t flags = (uint16_t)(rnd() % 8 ? rnd() % 8 : rnd());
			uint16_t next = (uint16_t)(rnd() % 8 ? rnd() % (size + 2) : rnd());
			if (flags & VIRTQ_DESC_F_INDIRECT && rnd() % 2) {
				addr = TABLE + 16 * (rnd() % 64);
				len = 16 * (uint32_t)(rnd() % 20);
			}
			put_desc(table, table == DESC ? i % size : i, addr, len, flags, next);
		}
		for (unsigned i = 0; i < size; i++)
			put16(gp(AVAIL + 4 + 2 * i), (uint16_t)(rnd() % 8 ? rnd() % size : rnd()));
		put16(gp(AVAIL + 2), (uint16_t)(rnd() % 4 ? rnd() % (size + 1) : rnd()));
		for (unsigned n = 0; n < 2 * size + 2; n++) {
			uint16_t last = q.last_avail;
			int r = virtq_pop(&q, &chain);
			if (r == VIRTQ_EMPTY)
				break;
			if (r == VIRTQ_BAD) {
				EXPECT(q.last_avail == last);
				EXPECT(q.error != NULL);
				bads++;
				break;
			}
			EXPECT(r == VIRTQ_CHAIN);
			EXPECT(q.last_avail == (uint16_t)(last + 1));
			EXPECT(chain.head < size);
			EXPECT(chain.nseg <= VIRTQ_MAX_CHAIN);
			uint64_t rd = 0, wr = 0;
			bool writable = false;
			for (unsigned s = 0; s < chain.nseg; s++) {
				const struct virtq_seg *g = &chain.seg[s];
				EXPECT(g->len > 0);
				EXPECT(g->gpa >= RAM_BASE && g->gpa - RAM_BASE + g->len <= RAM_SIZE);
				EXPECT(!writable || g->writable);
				writable = g->writable;
				*(g->writable ? &wr : &rd) += g->len;
				gp(g->gpa)[0] ^= 0;                  /* (ASan: inside the buffer) */
				gp(g->gpa + g->len - 1)[0] ^= 0;
			}
			EXPECT(rd == chain.readable && wr == chain.writable);
			indirects += !!(rd16(DESC + 16 * chain.head + 12) & VIRTQ_DESC_F_INDIRECT);
			EXPECT(virtq_push(&q, chain.head, (uint32_t)wr) == 0);
			chains++;
		}
	}
	/* The run reached the interesting outcomes. */
	ck_assert_msg(chains > 100 && bads > 100 && indirects > 0, "%u chains, %u bad, %u indirect", chains, bads,
		      indirects);
	EXPECT(chains > 100);
	EXPECT(bads > 100);
	EXPECT(indirects > 0);
}
END_TEST

Suite *virtqueue_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("split");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_chain_segments_and_used_ring);
	tcase_add_test(tc, test_chain_copies);
	tcase_add_test(tc, test_unpop);
	tcase_add_test(tc, test_push_all);
	tcase_add_test(tc, test_indices_wrap_at_2_16);
	tcase_add_test(tc, test_longest_legal_chain);
	tcase_add_test(tc, test_zero_length_descriptors_are_not_accessed);
	tcase_add_test(tc, test_indirect_table);
	tcase_add_test(tc, test_event_index);
	tcase_add_test(tc, test_no_interrupt_flag_without_event_index);
	tcase_add_test(tc, test_bad_layouts_refused);
	tcase_add_test(tc, test_rings_outside_ram);
	tcase_add_test(tc, test_loops_in_chains);
	tcase_add_test(tc, test_indexes_out_of_range);
	tcase_add_test(tc, test_avail_index_runs_ahead);
	tcase_add_test(tc, test_buffers_outside_ram);
	tcase_add_test(tc, test_readable_after_writable);
	tcase_add_test(tc, test_indirect_refused);
	tcase_add_test(tc, test_nested_indirect);
	tcase_add_test(tc, test_loops_and_indexes_in_indirect_tables);
	tcase_add_test(tc, test_chain_longer_than_the_device_takes);
	tcase_add_test(tc, test_not_ready_queue_is_empty);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", setup, teardown, test_random_rings);
	return s;
}
