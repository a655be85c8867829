/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for kernel/frame.c: the bitmap frame allocator and phys_find_space.
 * Every bitmap is a heap block of exactly frame_bitmap_bytes(limit) bytes, so
 * AddressSanitizer reports any access past it. Results are checked against a
 * simple reference model (one bool per frame).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "unit.h"
#include "util.h"

#define KB(x) ((uint64_t)(x) << 10)
#define MB(x) ((uint64_t)(x) << 20)
#define FR(n) ((uint64_t)(n) << PAGE_SHIFT)   /* address of frame n */

static struct frame_alloc fa;
static uint64_t *bitmap;
static size_t bitmap_bytes;

/* A fresh allocator over [0, limit), every frame in use. */
static void setup(uint64_t limit)
{
	free(bitmap);
	bitmap_bytes = frame_bitmap_bytes(limit);
	bitmap = malloc(bitmap_bytes ? bitmap_bytes : 1);
	ck_assert_ptr_nonnull(bitmap);
	memset(bitmap, 0xff, bitmap_bytes);   /* frame_init must clear it */
	frame_init(&fa, bitmap, limit);
}

static void teardown(void)
{
	free(bitmap);
	bitmap = NULL;
}

/* Frames free in the bitmap. */
static uint64_t bitmap_free_count(void)
{
	uint64_t n = 0;

	for (uint64_t f = 0; f < fa.frames; f++)
		n += frame_is_free(&fa, FR(f));
	return n;
}

/* ------------------------------------------------------------ reference model */

/* Frames wholly inside [base, end), never frame 0, below frames. */
static void model_usable(bool *m, uint64_t frames, uint64_t base, uint64_t end)
{
	for (uint64_t f = 1; f < frames; f++)
		if (FR(f) >= base && FR(f) + PAGE_SIZE <= end)
			m[f] = true;
}

/* Frames touching [base, end). */
static void model_reserve(bool *m, uint64_t frames, uint64_t base, uint64_t end)
{
	for (uint64_t f = 0; f < frames; f++)
		if (FR(f) < end && FR(f) + PAGE_SIZE > base)
			m[f] = false;
}

static uint64_t model_count(const bool *m, uint64_t frames)
{
	uint64_t n = 0;

	for (uint64_t f = 0; f < frames; f++)
		n += m[f];
	return n;
}

static void assert_matches_model(const bool *m, const char *what)
{
	for (uint64_t f = 0; f < fa.frames; f++)
		ck_assert_msg(frame_is_free(&fa, FR(f)) == m[f], "%s: frame %#llx is %s, expected %s",
			      what, (unsigned long long)f, m[f] ? "used" : "free",
			      m[f] ? "free" : "used");
	uint64_t n = model_count(m, fa.frames);
	ck_assert_msg(fa.free == n && fa.total == n, "%s: free %llu total %llu, expected %llu", what,
		      (unsigned long long)fa.free, (unsigned long long)fa.total,
		      (unsigned long long)n);
}

/* ------------------------------------------------------------ setup and counting */

START_TEST(test_bitmap_bytes)
{
	ck_assert_uint_eq(frame_bitmap_bytes(0), 0);
	ck_assert_uint_eq(frame_bitmap_bytes(4095), 0);
	ck_assert_uint_eq(frame_bitmap_bytes(4096), 8);
	ck_assert_uint_eq(frame_bitmap_bytes(FR(64)), 8);
	ck_assert_uint_eq(frame_bitmap_bytes(FR(64) + 4095), 8);
	ck_assert_uint_eq(frame_bitmap_bytes(FR(65)), 16);
	ck_assert_uint_eq(frame_bitmap_bytes(1ull << 32), (1ull << 20) / 8);
	ck_assert_uint_eq(frame_bitmap_bytes(1ull << 40), (1ull << 28) / 8);
}
END_TEST

START_TEST(test_init_marks_everything_used)
{
	setup(0x123fff);   /* 0x123 whole frames */
	ck_assert_uint_eq(fa.frames, 0x123);
	ck_assert_uint_eq(fa.free, 0);
	ck_assert_uint_eq(fa.total, 0);
	for (size_t i = 0; i < bitmap_bytes / 8; i++)
		ck_assert_uint_eq(bitmap[i], 0);
	ck_assert_uint_eq(bitmap_free_count(), 0);
	ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_below(&fa, MB(1)), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, PAGE_SIZE), FRAME_NONE);
}
END_TEST

START_TEST(test_add_usable_unaligned_edges)
{
	setup(MB(1));
	frame_add_usable(&fa, 0x1800, 0x5800);   /* whole frames: 2, 3, 4 */
	ck_assert_uint_eq(fa.free, 3);
	ck_assert_uint_eq(fa.total, 3);
	ck_assert(!frame_is_free(&fa, FR(1)));
	ck_assert(frame_is_free(&fa, FR(2)));
	ck_assert(frame_is_free(&fa, FR(3)));
	ck_assert(frame_is_free(&fa, FR(4)));
	ck_assert(!frame_is_free(&fa, FR(5)));
	ck_assert_uint_eq(bitmap_free_count(), 3);

	frame_add_usable(&fa, 0x10000, 0x12001);   /* 0x10, 0x11 */
	frame_add_usable(&fa, 0x20fff, 0x23000);   /* 0x21, 0x22 */
	ck_assert_uint_eq(fa.free, 7);
	ck_assert(frame_is_free(&fa, FR(0x11)));
	ck_assert(!frame_is_free(&fa, FR(0x12)));
	ck_assert(!frame_is_free(&fa, FR(0x20)));
	ck_assert(frame_is_free(&fa, FR(0x21)));
}
END_TEST

START_TEST(test_add_usable_smaller_than_a_frame)
{
	setup(MB(1));
	frame_add_usable(&fa, 0x1001, 0x1fff);
	frame_add_usable(&fa, 0x1800, 0x2800);
	frame_add_usable(&fa, 0x3000, 0x3fff);
	frame_add_usable(&fa, 0x4001, 0x5000);
	ck_assert_uint_eq(fa.free, 0);
	ck_assert_uint_eq(bitmap_free_count(), 0);
	frame_add_usable(&fa, 0x3000, 0x4000);
	ck_assert_uint_eq(fa.free, 1);
	ck_assert(frame_is_free(&fa, FR(3)));
}
END_TEST

START_TEST(test_add_usable_empty_or_inverted)
{
	setup(MB(1));
	frame_add_usable(&fa, 0x5000, 0x5000);
	frame_add_usable(&fa, 0x6000, 0x2000);
	frame_add_usable(&fa, UINT64_MAX, 0);
	ck_assert_uint_eq(fa.free, 0);
	ck_assert_uint_eq(fa.total, 0);
	ck_assert_uint_eq(bitmap_free_count(), 0);
}
END_TEST

START_TEST(test_add_usable_clipped_at_limit)
{
	setup(MB(1));
	frame_add_usable(&fa, 0xfe000, MB(2));   /* frames 0xfe, 0xff; the rest is past limit */
	ck_assert_uint_eq(fa.free, 2);
	frame_add_usable(&fa, MB(1), MB(3));     /* entirely past limit */
	frame_add_usable(&fa, MB(64), UINT64_MAX);
	ck_assert_uint_eq(fa.free, 2);
	ck_assert_uint_eq(fa.total, 2);
	ck_assert(frame_is_free(&fa, FR(0xff)));
	ck_assert(!frame_is_free(&fa, MB(1)));
}
END_TEST

START_TEST(test_add_usable_overlapping_counts_once)
{
	setup(MB(1));
	frame_add_usable(&fa, 0x1000, 0x10000);
	frame_add_usable(&fa, 0x8000, 0x20000);
	frame_add_usable(&fa, 0x2000, 0x3000);
	ck_assert_uint_eq(fa.free, 0x1f);
	ck_assert_uint_eq(fa.total, 0x1f);
	ck_assert_uint_eq(bitmap_free_count(), 0x1f);
}
END_TEST

START_TEST(test_frame_zero_never_usable)
{
	setup(MB(1));
	frame_add_usable(&fa, 0, 0x10000);
	ck_assert_uint_eq(fa.free, 15);
	ck_assert(!frame_is_free(&fa, 0));
	ck_assert(!frame_free(&fa, 0));   /* and cannot be given back either */
	ck_assert(!frame_is_free(&fa, 0));
	ck_assert_uint_eq(fa.free, 15);
}
END_TEST

/* A usable range near the top of the address space lies far past the
 * allocator's limit and must add nothing. Rounding its base up to a frame
 * boundary must not wrap around to frame 0. */
START_TEST(test_add_usable_near_top_of_address_space)
{
	setup(MB(1));
	frame_add_usable(&fa, 0xfffffffffffff000ull, UINT64_MAX);
	ck_assert_uint_eq(fa.free, 0);
	frame_add_usable(&fa, 0xfffffffffffff800ull, UINT64_MAX);
	ck_assert_msg(fa.free == 0 && bitmap_free_count() == 0,
		      "frame_add_usable(0xfffffffffffff800, UINT64_MAX) freed %llu frames below 1 MiB",
		      (unsigned long long)fa.free);
}
END_TEST

START_TEST(test_reserve_takes_every_touched_frame)
{
	setup(MB(1));
	frame_add_usable(&fa, 0x1000, 0x20000);   /* 31 frames */
	frame_reserve(&fa, 0x3800, 0x5001);       /* touches 3, 4, 5 */
	ck_assert_uint_eq(fa.free, 28);
	ck_assert_uint_eq(fa.total, 28);
	ck_assert(frame_is_free(&fa, FR(2)));
	ck_assert(!frame_is_free(&fa, FR(3)));
	ck_assert(!frame_is_free(&fa, FR(4)));
	ck_assert(!frame_is_free(&fa, FR(5)));
	ck_assert(frame_is_free(&fa, FR(6)));
	frame_reserve(&fa, 0x8000, 0x8001);       /* one byte: frame 8 */
	frame_reserve(&fa, 0x9fff, 0xa000);       /* last byte of frame 9 */
	frame_reserve(&fa, 0xb000, 0xb000);       /* empty: nothing */
	ck_assert_uint_eq(fa.free, 26);
	ck_assert(!frame_is_free(&fa, FR(8)));
	ck_assert(!frame_is_free(&fa, FR(9)));
	ck_assert(frame_is_free(&fa, FR(0xa)));
	ck_assert(frame_is_free(&fa, FR(0xb)));
	ck_assert_uint_eq(bitmap_free_count(), 26);
}
END_TEST

START_TEST(test_reserve_counts_only_frames_that_were_free)
{
	setup(MB(1));
	frame_add_usable(&fa, 0x10000, 0x20000);   /* 16 frames */
	frame_reserve(&fa, 0x12000, 0x14000);
	frame_reserve(&fa, 0x12000, 0x14000);      /* again: no change */
	frame_reserve(&fa, 0x11000, 0x13000);      /* half already reserved */
	ck_assert_uint_eq(fa.free, 13);
	ck_assert_uint_eq(fa.total, 13);
	frame_reserve(&fa, 0x1000, 0x10000);       /* never usable */
	frame_reserve(&fa, MB(1), MB(2));          /* past the limit */
	frame_reserve(&fa, 0xfffff000, UINT64_MAX);
	ck_assert_uint_eq(fa.free, 13);
	ck_assert_uint_eq(fa.total, 13);
	ck_assert_uint_eq(bitmap_free_count(), 13);
}
END_TEST

START_TEST(test_reserved_wins_over_usable_all_overlaps)
{
	/* One usable range [U0, U1) and one reserved range, in every relative position. */
	const uint64_t u0 = 0x10000, u1 = 0x30000;
	const struct phys_range res[] = {
		{ 0x14000, 0x18000 },     /* inside */
		{ 0x13800, 0x18800 },     /* inside, unaligned */
		{ 0x8000, 0x12000 },      /* over the start */
		{ 0x8000, 0x10001 },      /* one byte over the start */
		{ 0x2f000, 0x40000 },     /* over the end */
		{ 0x2ffff, 0x40000 },     /* one byte over the end */
		{ 0x10000, 0x30000 },     /* identical */
		{ 0x1000, 0x50000 },      /* covering */
		{ 0x8000, 0x10000 },      /* adjacent before: no overlap */
		{ 0x30000, 0x38000 },     /* adjacent after: no overlap */
		{ 0x50000, 0x60000 },     /* disjoint */
		{ 0x10fff, 0x11000 },     /* last byte of the first frame */
	};
	bool m[256];

	for (unsigned i = 0; i < ARRAY_SIZE(res); i++) {
		setup(MB(1));
		memset(m, 0, sizeof(m));
		frame_add_usable(&fa, u0, u1);
		model_usable(m, fa.frames, u0, u1);
		frame_reserve(&fa, res[i].base, res[i].end);
		model_reserve(m, fa.frames, res[i].base, res[i].end);
		char what[64];
		snprintf(what, sizeof(what), "case %u [%#llx, %#llx)", i,
			 (unsigned long long)res[i].base, (unsigned long long)res[i].end);
		assert_matches_model(m, what);
	}
}
END_TEST

/* An address in [0, max], frame-aligned half of the time. */
static uint64_t rnd_addr(uint64_t max)
{
	uint64_t a = rnd() % (max + 1);

	return rnd() % 2 ? a & ~(PAGE_SIZE - 1) : a;
}

START_TEST(test_random_ranges_match_model)
{
	const uint64_t limit = FR(300) + 0x123;   /* 300 frames, not a multiple of 64 */
	bool m[300];

	rnd_seed(0x1234567887654321ull);
	for (unsigned iter = 0; iter < 300; iter++) {
		setup(limit);
		memset(m, 0, sizeof(m));
		for (unsigned n = rnd() % 6; n; n--) {
			uint64_t a = rnd_addr(limit + FR(8)), b = rnd_addr(limit + FR(8));
			frame_add_usable(&fa, MIN(a, b), MAX(a, b));
			model_usable(m, fa.frames, MIN(a, b), MAX(a, b));
		}
		for (unsigned n = rnd() % 6; n; n--) {
			uint64_t a = rnd_addr(limit + FR(8)), b = rnd_addr(limit + FR(8));
			frame_reserve(&fa, MIN(a, b), MAX(a, b));
			model_reserve(m, fa.frames, MIN(a, b), MAX(a, b));
		}
		char what[32];
		snprintf(what, sizeof(what), "iteration %u", iter);
		assert_matches_model(m, what);
	}
}
END_TEST

/* ------------------------------------------------------------ allocation */

/* usable [0, limit) minus a few reserved holes, as the kernel sets it up. */
static void setup_with_holes(uint64_t limit, bool *m)
{
	static const struct phys_range holes[] = {
		{ 0, 0x100000 }, { 0x123456, 0x130000 }, { 0x13f000, 0x140000 }, { 0x1ff000, 0x200001 },
	};

	setup(limit);
	memset(m, 0, fa.frames);
	frame_add_usable(&fa, 0, limit);
	model_usable(m, fa.frames, 0, limit);
	for (unsigned i = 0; i < ARRAY_SIZE(holes); i++) {
		frame_reserve(&fa, holes[i].base, holes[i].end);
		model_reserve(m, fa.frames, holes[i].base, holes[i].end);
	}
}

START_TEST(test_alloc_everything_exactly_once)
{
	const uint64_t limit = 0x223000;   /* 0x223 frames */
	bool m[0x223], seen[0x223] = { false };

	setup_with_holes(limit, m);
	uint64_t expect = model_count(m, 0x223);
	ck_assert_uint_eq(fa.free, expect);
	ck_assert_uint_gt(expect, 0x100);

	uint64_t got = 0, phys;
	while ((phys = frame_alloc(&fa)) != FRAME_NONE) {
		ck_assert_uint_eq(phys % PAGE_SIZE, 0);
		uint64_t f = phys >> PAGE_SHIFT;
		ck_assert_uint_lt(f, 0x223);
		ck_assert_msg(m[f], "frame %#llx was never free", (unsigned long long)f);
		ck_assert_msg(!seen[f], "frame %#llx handed out twice", (unsigned long long)f);
		ck_assert(!frame_is_free(&fa, phys));
		seen[f] = true;
		got++;
		ck_assert_uint_eq(fa.free, expect - got);
		ck_assert_uint_le(got, expect);
	}
	ck_assert_uint_eq(got, expect);
	ck_assert_uint_eq(fa.free, 0);
	ck_assert_uint_eq(fa.total, expect);
	ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_below(&fa, UINT64_MAX), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, PAGE_SIZE), FRAME_NONE);
	ck_assert_uint_eq(bitmap_free_count(), 0);
}
END_TEST

START_TEST(test_free_and_reallocate)
{
	const uint64_t limit = 0x223000;
	bool m[0x223];
	uint64_t frames[0x223], n = 0, phys;

	setup_with_holes(limit, m);
	uint64_t expect = fa.free;
	while ((phys = frame_alloc(&fa)) != FRAME_NONE)
		frames[n++] = phys;
	ck_assert_uint_eq(n, expect);
	for (uint64_t i = n; i-- > 0;) {
		ck_assert(frame_free(&fa, frames[i]));
		ck_assert(frame_is_free(&fa, frames[i]));
		ck_assert_uint_eq(fa.free, n - i);
	}
	assert_matches_model(m, "after freeing everything");
	/* A second round hands out the same set again. */
	uint64_t again = 0;
	while ((phys = frame_alloc(&fa)) != FRAME_NONE) {
		ck_assert(m[phys >> PAGE_SHIFT]);
		again++;
	}
	ck_assert_uint_eq(again, expect);
}
END_TEST

START_TEST(test_free_rejects_invalid_frames)
{
	const uint64_t limit = MB(1);

	setup(limit);
	frame_add_usable(&fa, 0x1000, limit);
	uint64_t a = frame_alloc(&fa), b = frame_alloc(&fa);
	ck_assert_uint_ne(a, FRAME_NONE);
	ck_assert_uint_ne(b, FRAME_NONE);

	struct frame_alloc before = fa;
	uint64_t *snap = malloc(bitmap_bytes);
	memcpy(snap, bitmap, bitmap_bytes);

	const uint64_t bad[] = {
		a + 1, a + 0x800, b + 0xfff, /* unaligned */
		0,                            /* frame 0 */
		limit, limit + PAGE_SIZE, MB(64), 0xfffffffffffff000ull, UINT64_MAX,   /* range */
		FR(200),                      /* usable and still free */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(!frame_free(&fa, bad[i]), "frame_free(%#llx) accepted",
			      (unsigned long long)bad[i]);
		ck_assert_mem_eq(&fa, &before, sizeof(fa));
		ck_assert_mem_eq(bitmap, snap, bitmap_bytes);
	}
	/* Double free: the first succeeds, the second changes nothing. */
	ck_assert(frame_free(&fa, a));
	before = fa;
	memcpy(snap, bitmap, bitmap_bytes);
	ck_assert(!frame_free(&fa, a));
	ck_assert_mem_eq(&fa, &before, sizeof(fa));
	ck_assert_mem_eq(bitmap, snap, bitmap_bytes);
	free(snap);
}
END_TEST

START_TEST(test_alloc_below_respects_bound)
{
	bool got[16] = { false };

	setup(MB(1));
	frame_add_usable(&fa, 0x1000, MB(1));   /* 255 frames */
	for (unsigned i = 0; i < 15; i++) {
		uint64_t p = frame_alloc_below(&fa, 0x10000);
		ck_assert_uint_ne(p, FRAME_NONE);
		ck_assert_uint_le(p + PAGE_SIZE, 0x10000);
		ck_assert(!got[p >> PAGE_SHIFT]);
		got[p >> PAGE_SHIFT] = true;
	}
	ck_assert_uint_eq(frame_alloc_below(&fa, 0x10000), FRAME_NONE);
	/* Frame 0x10 starts below 0x10800 but does not end below it. */
	ck_assert_uint_eq(frame_alloc_below(&fa, 0x10800), FRAME_NONE);
	ck_assert_uint_eq(fa.free, 255 - 15);
	ck_assert_uint_eq(frame_alloc_below(&fa, 0x11000), 0x10000);
	uint64_t p = frame_alloc(&fa);
	ck_assert_uint_ge(p, 0x11000);
	ck_assert_uint_eq(fa.free, 255 - 17);
}
END_TEST

START_TEST(test_alloc_below_tiny_and_huge_bounds)
{
	setup(MB(1));
	frame_add_usable(&fa, 0, MB(1));
	ck_assert_uint_eq(frame_alloc_below(&fa, 0), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_below(&fa, 0xfff), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_below(&fa, 0x1000), FRAME_NONE);   /* only frame 0 */
	ck_assert_uint_eq(frame_alloc_below(&fa, 0x1fff), FRAME_NONE);
	ck_assert_uint_eq(fa.free, 255);
	ck_assert_uint_eq(frame_alloc_below(&fa, 0x2000), 0x1000);
	uint64_t p = frame_alloc_below(&fa, UINT64_MAX);
	ck_assert_uint_ne(p, FRAME_NONE);
	ck_assert_uint_ne(p, 0x1000);
	p = frame_alloc_below(&fa, MB(64));   /* above the limit: like frame_alloc */
	ck_assert_uint_ne(p, FRAME_NONE);
	ck_assert_uint_lt(p, MB(1));
	ck_assert_uint_eq(fa.free, 252);
}
END_TEST

START_TEST(test_alloc_below_after_search_hint_moved_up)
{
	setup(MB(4));
	frame_add_usable(&fa, 0x1000, MB(4));
	uint64_t n = fa.free, last = 0, p;
	while ((p = frame_alloc(&fa)) != FRAME_NONE)
		last = p;
	ck_assert_uint_eq(last, MB(4) - PAGE_SIZE);   /* the hint now sits in the last word */
	ck_assert(frame_free(&fa, 0x5000));
	ck_assert(frame_free(&fa, 0x300000));
	ck_assert_uint_eq(frame_alloc_below(&fa, MB(1)), 0x5000);
	ck_assert_uint_eq(frame_alloc_below(&fa, MB(1)), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc(&fa), 0x300000);
	ck_assert_uint_eq(frame_alloc(&fa), FRAME_NONE);
	ck_assert_uint_eq(fa.free, 0);
	ck_assert_uint_eq(fa.total, n);
}
END_TEST

/* ------------------------------------------------------------ contiguous allocation */

START_TEST(test_contig_alignment)
{
	static const struct {
		uint64_t count, align;
	} req[] = {
		{ 1, KB(4) }, { 3, KB(8) }, { 16, KB(64) }, { 2, MB(2) }, { 5, KB(4) }, { 1, MB(2) },
		{ 512, MB(2) }, { 7, KB(32) },
	};
	uint64_t got[ARRAY_SIZE(req)];

	setup(MB(16));
	frame_add_usable(&fa, 0x1000, MB(16));
	for (unsigned i = 0; i < ARRAY_SIZE(req); i++) {
		uint64_t before = fa.free;
		got[i] = frame_alloc_contig(&fa, req[i].count, req[i].align);
		ck_assert_msg(got[i] != FRAME_NONE, "request %u failed", i);
		ck_assert_msg(got[i] % req[i].align == 0, "request %u: %#llx not aligned to %#llx", i,
			      (unsigned long long)got[i], (unsigned long long)req[i].align);
		ck_assert_uint_eq(fa.free, before - req[i].count);
		for (uint64_t f = 0; f < req[i].count; f++)
			ck_assert(!frame_is_free(&fa, got[i] + FR(f)));
		for (unsigned j = 0; j < i; j++)   /* no overlap with earlier runs */
			ck_assert(got[i] + FR(req[i].count) <= got[j] ||
				  got[j] + FR(req[j].count) <= got[i]);
	}
	/* First fit: the lowest aligned run that is free. */
	ck_assert_uint_eq(got[0], 0x1000);
	ck_assert_uint_eq(got[1], 0x2000);
	ck_assert_uint_eq(got[2], 0x10000);
	ck_assert_uint_eq(got[3], MB(2));
	ck_assert_uint_eq(got[4], 0x5000);
	ck_assert_uint_eq(got[5], MB(4));
	ck_assert_uint_eq(got[6], MB(6));
	ck_assert_uint_eq(got[7], 0x20000);
	ck_assert_uint_eq(bitmap_free_count(), fa.free);
}
END_TEST

START_TEST(test_contig_never_starts_at_frame_zero)
{
	setup(MB(4));
	frame_add_usable(&fa, 0, MB(4));
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, MB(2)), MB(2));
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, MB(4)), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, MB(2)), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1023, KB(4)), FRAME_NONE);   /* frame 0x200 is gone */
	ck_assert_uint_eq(frame_alloc_contig(&fa, 511, KB(4)), 0x1000);
	ck_assert(!frame_is_free(&fa, 0));
}
END_TEST

START_TEST(test_contig_exhaustion_and_fragmentation)
{
	setup(MB(1));
	frame_add_usable(&fa, 0x1000, 0x41000);   /* frames 1..64 */
	ck_assert_uint_eq(frame_alloc_contig(&fa, 65, KB(4)), FRAME_NONE);
	ck_assert_uint_eq(fa.free, 64);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 64, KB(4)), 0x1000);
	ck_assert_uint_eq(fa.free, 0);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, KB(4)), FRAME_NONE);

	/* Give back every other frame: free runs of length one. */
	for (uint64_t f = 1; f <= 64; f += 2)
		ck_assert(frame_free(&fa, FR(f)));
	ck_assert_uint_eq(fa.free, 32);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 2, KB(4)), FRAME_NONE);
	ck_assert_uint_eq(fa.free, 32);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, KB(8)), FRAME_NONE);   /* odd frames only */
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, KB(4)), FR(1));
	ck_assert_uint_eq(fa.free, 31);
	ck_assert_uint_eq(bitmap_free_count(), 31);
}
END_TEST

START_TEST(test_contig_invalid_arguments)
{
	static const struct {
		uint64_t count, align;
	} bad[] = {
		{ 0, KB(4) }, { 1, 0 }, { 1, 1 }, { 1, 2048 }, { 1, 4095 }, { 1, 12288 }, { 1, 0x3000 },
		{ 1, KB(4) + KB(8) }, { 2, UINT64_MAX },
	};

	setup(MB(1));
	frame_add_usable(&fa, 0, MB(1));
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(frame_alloc_contig(&fa, bad[i].count, bad[i].align) == FRAME_NONE,
			      "count %llu align %#llx", (unsigned long long)bad[i].count,
			      (unsigned long long)bad[i].align);
		ck_assert_uint_eq(fa.free, 255);
	}
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, 1ull << 63), FRAME_NONE);   /* past limit */
	ck_assert_uint_eq(fa.free, 255);
	ck_assert_uint_eq(bitmap_free_count(), 255);
}
END_TEST

START_TEST(test_contig_run_across_bitmap_words)
{
	setup(MB(1));
	frame_add_usable(&fa, FR(62), FR(67));   /* frames 62..66: bits 62, 63 | 0, 1, 2 */
	ck_assert_uint_eq(frame_alloc_contig(&fa, 6, KB(4)), FRAME_NONE);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 5, KB(4)), FR(62));
	ck_assert_uint_eq(fa.free, 0);
	ck_assert_uint_eq(bitmap[0], 0);
	ck_assert_uint_eq(bitmap[1], 0);
	for (uint64_t f = 62; f < 67; f++)
		ck_assert(frame_free(&fa, FR(f)));
	ck_assert_uint_eq(bitmap[0], 3ull << 62);
	ck_assert_uint_eq(bitmap[1], 7);
	ck_assert_uint_eq(frame_alloc_contig(&fa, 2, KB(8)), FR(62));
	ck_assert_uint_eq(frame_alloc_contig(&fa, 2, KB(8)), FR(64));
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, KB(8)), FR(66));
	ck_assert_uint_eq(frame_alloc_contig(&fa, 1, KB(4)), FRAME_NONE);
	ck_assert_uint_eq(fa.free, 0);
}
END_TEST

/*
 * A count so large that frame + count wraps around must fail cleanly. The
 * bitmap below is exactly 2 words (128 frames) on the heap and frames
 * 1..127 are free, so a scan that runs past frame 127 reads past it.
 */
START_TEST(test_contig_huge_count_fails_without_overrun)
{
	static const uint64_t counts[] = { UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 126, 1ull << 63,
					   129, 128 };

	setup(FR(128));
	frame_add_usable(&fa, 0, FR(128));
	ck_assert_uint_eq(fa.free, 127);
	for (unsigned i = 0; i < ARRAY_SIZE(counts); i++) {
		ck_assert_msg(frame_alloc_contig(&fa, counts[i], KB(4)) == FRAME_NONE, "count %#llx",
			      (unsigned long long)counts[i]);
		ck_assert_uint_eq(fa.free, 127);
	}
	ck_assert_uint_eq(frame_alloc_contig(&fa, 127, KB(4)), FR(1));
	ck_assert_uint_eq(fa.free, 0);
}
END_TEST

START_TEST(test_is_free_out_of_range)
{
	setup(MB(1));
	frame_add_usable(&fa, 0, MB(1));
	ck_assert(frame_is_free(&fa, MB(1) - PAGE_SIZE));
	ck_assert(!frame_is_free(&fa, MB(1)));
	ck_assert(!frame_is_free(&fa, MB(1) + PAGE_SIZE * 64));
	ck_assert(!frame_is_free(&fa, UINT64_MAX & ~(PAGE_SIZE - 1)));
	ck_assert(!frame_is_free(&fa, UINT64_MAX));
}
END_TEST

/* ------------------------------------------------------------ phys_find_space */

#define FIND(u, r, size, align, min) \
	phys_find_space((u), ARRAY_SIZE(u), (r), ARRAY_SIZE(r), (size), (align), (min))

static const struct phys_range no_reserved[1] = { { 0, 0 } };

START_TEST(test_find_space_first_fit_without_reserved)
{
	const struct phys_range u[] = { { 0x1000, 0x100000 } };

	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x3000, 0x1000, 0), 0x1000);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x3000, 0x1000, 0x5000), 0x5000);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x3000, 0x1000, 0x5001), 0x6000);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0xff000, 0x1000, 0), 0x1000);   /* all */
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0xff001, 0x1000, 0), FRAME_NONE);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0x1000, 0xff000), 0xff000);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0x1000, 0xff001), FRAME_NONE);
	/* An empty reserved range [0, 0) at address 0 blocks nothing. */
	ck_assert_uint_eq(FIND(u, no_reserved, 0x1000, 0x1000, 0), 0x1000);
}
END_TEST

START_TEST(test_find_space_reserved_at_start_of_usable)
{
	const struct phys_range u[] = { { 0x1000, 0x100000 } };
	const struct phys_range r[] = { { 0x1000, 0x4000 } };
	const struct phys_range r2[] = { { 0x0, 0x4800 } };   /* unaligned end */

	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0), 0x4000);
	ck_assert_uint_eq(FIND(u, r2, 0x1000, 0x1000, 0), 0x5000);
	ck_assert_uint_eq(FIND(u, r2, 0x10, 0x10, 0), 0x4800);
}
END_TEST

START_TEST(test_find_space_adjacent_reserved_do_not_block)
{
	const struct phys_range u[] = { { 0x1000, 0x100000 } };
	const struct phys_range r[] = { { 0x0, 0x1000 }, { 0x4000, 0x5000 } };
	const struct phys_range r_short[] = { { 0x0, 0x1000 }, { 0x3fff, 0x5000 } };

	/* [0x1000, 0x4000) touches both reserved ranges and overlaps neither. */
	ck_assert_uint_eq(FIND(u, r, 0x3000, 0x1000, 0), 0x1000);
	/* One byte short of fitting: the next fit is after the second range. */
	ck_assert_uint_eq(FIND(u, r_short, 0x3000, 0x1000, 0), 0x5000);
	ck_assert_uint_eq(FIND(u, r, 0x3001, 0x1000, 0), 0x5000);
}
END_TEST

START_TEST(test_find_space_overlapping_unsorted_reserved)
{
	const struct phys_range u[] = { { 0x1000, 0x100000 } };
	const struct phys_range r[] = {
		{ 0x8000, 0x9000 }, { 0x1000, 0x3000 }, { 0x2000, 0x8800 }, { 0x9000, 0xa000 },
		{ 0xc000, 0xd000 },
	};

	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0), 0xa000);
	ck_assert_uint_eq(FIND(u, r, 0x2000, 0x1000, 0), 0xa000);
	ck_assert_uint_eq(FIND(u, r, 0x2001, 0x1000, 0), 0xd000);
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0x8000), 0xa000);   /* min inside a range */
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0xa001), 0xb000);
}
END_TEST

START_TEST(test_find_space_reserved_at_end_of_usable)
{
	const struct phys_range u[] = { { 0x1000, 0x10000 } };
	const struct phys_range r[] = { { 0xc000, 0x10000 } };
	const struct phys_range r_beyond[] = { { 0xc000, 0x20000 } };

	ck_assert_uint_eq(FIND(u, r, 0xb000, 0x1000, 0), 0x1000);
	ck_assert_uint_eq(FIND(u, r, 0xb001, 0x1000, 0), FRAME_NONE);
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0xb000), 0xb000);
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0xb001), FRAME_NONE);
	ck_assert_uint_eq(FIND(u, r_beyond, 0x1000, 0x1000, 0xb800), FRAME_NONE);
}
END_TEST

START_TEST(test_find_space_nothing_fits)
{
	const struct phys_range u[] = { { 0x1000, 0x5000 }, { 0x10000, 0x14000 } };
	const struct phys_range r[] = { { 0x2000, 0x3000 }, { 0x12000, 0x12001 } };
	const struct phys_range all[] = { { 0, 0x100000 } };

	ck_assert_uint_eq(FIND(u, r, 0x3000, 0x1000, 0), FRAME_NONE);
	ck_assert_uint_eq(FIND(u, r, 0x2000, 0x1000, 0), 0x3000);
	ck_assert_uint_eq(FIND(u, all, 0x1000, 0x1000, 0), FRAME_NONE);
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0x20000), FRAME_NONE);   /* min past all */
	ck_assert_uint_eq(phys_find_space(u, 0, NULL, 0, 0x1000, 0x1000, 0), FRAME_NONE);
}
END_TEST

START_TEST(test_find_space_alignment)
{
	const struct phys_range u[] = { { 0x1008, 0x1000000 } };
	const struct phys_range r[] = { { 0x200000, 0x200001 } };

	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0x200000, 0), 0x200000);
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x200000, 0), 0x400000);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x10, 0x10, 0), 0x1010);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x10, 0x8, 0), 0x1008);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x10, 1, 0x1009), 0x1009);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0x1000000, 0), FRAME_NONE);
	ck_assert_uint_eq(FIND(u, r, 0x100, 0x100, 0x1fff01), 0x200100);
}
END_TEST

START_TEST(test_find_space_invalid_arguments)
{
	const struct phys_range u[] = { { 0x1000, 0x100000 } };

	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0, 0x1000, 0), FRAME_NONE);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0, 0), FRAME_NONE);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0x3000, 0), FRAME_NONE);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0x1001, 0), FRAME_NONE);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, UINT64_MAX, 0x1000, 0), FRAME_NONE);
}
END_TEST

START_TEST(test_find_space_never_returns_zero)
{
	const struct phys_range u[] = { { 0, 0x10000 } };

	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0x1000, 0), 0x1000);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1, 1, 0), 1);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x10000, 0x1000, 0), FRAME_NONE);
}
END_TEST

START_TEST(test_find_space_later_usable_range)
{
	const struct phys_range u[] = { { 0x1000, 0x3000 }, { 0x5000, 0x8000 }, { 0x10000, 0x20000 } };
	const struct phys_range r[] = { { 0x6000, 0x7000 } };

	ck_assert_uint_eq(FIND(u, r, 0x2000, 0x1000, 0), 0x1000);
	ck_assert_uint_eq(FIND(u, r, 0x3000, 0x1000, 0), 0x10000);
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0x3000), 0x5000);
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0x5800), 0x7000);
	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0x7001), 0x10000);
}
END_TEST

START_TEST(test_find_space_top_of_address_space)
{
	const struct phys_range u[] = { { 0xfffffffffff00000ull, UINT64_MAX } };
	const struct phys_range r[] = { { 0xfffffffffff00000ull, 0xffffffffffffe000ull } };
	const struct phys_range r_to_top[] = { { 0xfffffffffff80000ull, UINT64_MAX } };

	ck_assert_uint_eq(FIND(u, r, 0x1000, 0x1000, 0), 0xffffffffffffe000ull);
	ck_assert_uint_eq(FIND(u, r, 0x2000, 0x1000, 0), FRAME_NONE);   /* would need 2^64 */
	ck_assert_uint_eq(FIND(u, r_to_top, 0x1000, 0x1000, 0), 0xfffffffffff00000ull);
	ck_assert_uint_eq(FIND(u, r_to_top, 0x81000, 0x1000, 0), FRAME_NONE);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 0x1000, UINT64_MAX), FRAME_NONE);
	ck_assert_uint_eq(phys_find_space(u, 1, NULL, 0, 0x1000, 1ull << 63, 0), FRAME_NONE);
}
END_TEST

/* The lowest aligned candidate of each usable range in turn, tried one by one. */
static uint64_t find_space_reference(const struct phys_range *u, unsigned nu,
				     const struct phys_range *r, unsigned nr, uint64_t size,
				     uint64_t align, uint64_t min)
{
	for (unsigned i = 0; i < nu; i++) {
		uint64_t start = MAX(u[i].base, min);
		for (uint64_t c = ALIGN_UP(start, align); c < u[i].end && u[i].end - c >= size;
		     c += align) {
			if (!c)
				continue;
			bool hit = false;
			for (unsigned j = 0; j < nr; j++)
				if (c < r[j].end && r[j].base < c + size)
					hit = true;
			if (!hit)
				return c;
		}
	}
	return FRAME_NONE;
}

START_TEST(test_find_space_matches_brute_force)
{
	struct phys_range u[4], r[8];
	unsigned found = 0;

	rnd_seed(0xfeedfacecafebeefull);
	for (unsigned iter = 0; iter < 3000; iter++) {
		unsigned nu = 1 + rnd() % 4, nr = rnd() % 9;
		for (unsigned i = 0; i < nu; i++) {
			uint64_t a = rnd() % 0x10000, b = rnd() % 0x10000;
			u[i] = (struct phys_range){ MIN(a, b), MAX(a, b) };
		}
		for (unsigned i = 0; i < nr; i++) {
			uint64_t a = rnd() % 0x10000, len = 1 + rnd() % 0x2000;
			r[i] = (struct phys_range){ a, a + len };
		}
		uint64_t size = 1 + rnd() % 0x1800;
		uint64_t align = 1ull << (rnd() % 13);
		uint64_t min = rnd() % 2 ? 0 : rnd() % 0x10000;
		uint64_t want = find_space_reference(u, nu, r, nr, size, align, min);
		uint64_t got = phys_find_space(u, nu, r, nr, size, align, min);
		ck_assert_msg(got == want,
			      "iteration %u: size %#llx align %#llx min %#llx: got %#llx, expected %#llx",
			      iter, (unsigned long long)size, (unsigned long long)align,
			      (unsigned long long)min, (unsigned long long)got,
			      (unsigned long long)want);
		found += got != FRAME_NONE;
	}
	ck_assert_uint_ge(found, 500);    /* both outcomes are common */
	ck_assert_uint_le(found, 2500);
}
END_TEST

Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("ranges");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_bitmap_bytes);
	tcase_add_test(tc, test_init_marks_everything_used);
	tcase_add_test(tc, test_add_usable_unaligned_edges);
	tcase_add_test(tc, test_add_usable_smaller_than_a_frame);
	tcase_add_test(tc, test_add_usable_empty_or_inverted);
	tcase_add_test(tc, test_add_usable_clipped_at_limit);
	tcase_add_test(tc, test_add_usable_overlapping_counts_once);
	tcase_add_test(tc, test_frame_zero_never_usable);
	tcase_add_test(tc, test_add_usable_near_top_of_address_space);
	tcase_add_test(tc, test_reserve_takes_every_touched_frame);
	tcase_add_test(tc, test_reserve_counts_only_frames_that_were_free);
	tcase_add_test(tc, test_reserved_wins_over_usable_all_overlaps);
	tcase_add_test(tc, test_random_ranges_match_model);
	suite_add_tcase(s, tc);

	tc = tcase_create("alloc");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_alloc_everything_exactly_once);
	tcase_add_test(tc, test_free_and_reallocate);
	tcase_add_test(tc, test_free_rejects_invalid_frames);
	tcase_add_test(tc, test_alloc_below_respects_bound);
	tcase_add_test(tc, test_alloc_below_tiny_and_huge_bounds);
	tcase_add_test(tc, test_alloc_below_after_search_hint_moved_up);
	tcase_add_test(tc, test_contig_alignment);
	tcase_add_test(tc, test_contig_never_starts_at_frame_zero);
	tcase_add_test(tc, test_contig_exhaustion_and_fragmentation);
	tcase_add_test(tc, test_contig_invalid_arguments);
	tcase_add_test(tc, test_contig_run_across_bitmap_words);
	tcase_add_test(tc, test_contig_huge_count_fails_without_overrun);
	tcase_add_test(tc, test_is_free_out_of_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("find_space");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_find_space_first_fit_without_reserved);
	tcase_add_test(tc, test_find_space_reserved_at_start_of_usable);
	tcase_add_test(tc, test_find_space_adjacent_reserved_do_not_block);
	tcase_add_test(tc, test_find_space_overlapping_unsorted_reserved);
	tcase_add_test(tc, test_find_space_reserved_at_end_of_usable);
	tcase_add_test(tc, test_find_space_nothing_fits);
	tcase_add_test(tc, test_find_space_alignment);
	tcase_add_test(tc, test_find_space_invalid_arguments);
	tcase_add_test(tc, test_find_space_never_returns_zero);
	tcase_add_test(tc, test_find_space_later_usable_range);
	tcase_add_test(tc, test_find_space_top_of_address_space);
	tcase_add_test(tc, test_find_space_matches_brute_force);
	suite_add_tcase(s, tc);
	return s;
}
