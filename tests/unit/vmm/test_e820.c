/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/loader/e820.c: the guest's PC memory map (sizes below,
 * at and above the 3 GiB MMIO hole), adding reserved ranges (splits,
 * merges, gaps, a full table, refused arguments; random additions against
 * a per-KiB model), the usable-RAM queries and bounded writes the loaders
 * rely on, and the refusal message formatter.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/loader/e820.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KiB 0x400ull
#define MiB 0x100000ull
#define GiB 0x40000000ull

static struct e820_map map;

#define ASSERT_ENTRY(m, i, a, s, t)                                                        \
	do {                                                                               \
		ck_assert_msg((m).entry[i].addr == (a) && (m).entry[i].size == (s) &&      \
				      (m).entry[i].type == (t),                            \
			      "entry %u: %#llx+%#llx type %u, expected %#llx+%#llx type %u", \
			      (unsigned)(i), (unsigned long long)(m).entry[i].addr,        \
			      (unsigned long long)(m).entry[i].size, (m).entry[i].type,    \
			      (unsigned long long)(a), (unsigned long long)(s), (unsigned)(t)); \
	} while (0)

/* Sorted, non-empty, non-overlapping, adjacent entries of different types,
 * rest zero. Plain ifs: Check's assertions cost a system call each. */
static void assert_well_formed(const struct e820_map *m)
{
	if (m->count > E820_MAX_ENTRIES)
		ck_abort_msg("%u entries", m->count);
	for (unsigned i = 0; i < m->count; i++) {
		const struct e820_entry *e = &m->entry[i], *p = i ? &m->entry[i - 1] : NULL;
		if (!e->size || e->type < E820_RAM || e->type > E820_UNUSABLE)
			ck_abort_msg("entry %u: size %#llx type %u", i, (unsigned long long)e->size,
				     e->type);
		if (p && p->addr + p->size > e->addr)
			ck_abort_msg("entries %u, %u overlap", i - 1, i);
		if (p && p->addr + p->size == e->addr && p->type == e->type)
			ck_abort_msg("entries %u, %u not merged", i - 1, i);
	}
	for (unsigned i = m->count; i < E820_MAX_ENTRIES; i++)
		if (m->entry[i].addr || m->entry[i].size || m->entry[i].type)
			ck_abort_msg("unused entry %u not clear", i);
}

/* ------------------------------------------------------------ e820_build */

START_TEST(test_build_small_guest)
{
	memset(&map, 0xab, sizeof(map));
	ck_assert_int_eq(e820_build(&map, 64 * MiB), LOADER_OK);
	ck_assert_uint_eq(map.count, 3);
	ASSERT_ENTRY(map, 0, 0, 0x9fc00, E820_RAM);
	ASSERT_ENTRY(map, 1, 0x9fc00, 0x60400, E820_RESERVED);
	ASSERT_ENTRY(map, 2, MiB, 63 * MiB, E820_RAM);
	assert_well_formed(&map);
}
END_TEST

START_TEST(test_build_one_mib_has_no_extended_memory)
{
	ck_assert_int_eq(e820_build(&map, MiB), LOADER_OK);
	ck_assert_uint_eq(map.count, 2);
	ASSERT_ENTRY(map, 0, 0, 0x9fc00, E820_RAM);
	ASSERT_ENTRY(map, 1, 0x9fc00, MiB - 0x9fc00, E820_RESERVED);
	assert_well_formed(&map);

	ck_assert_int_eq(e820_build(&map, MiB + 0x1000), LOADER_OK);
	ck_assert_uint_eq(map.count, 3);
	ASSERT_ENTRY(map, 2, MiB, 0x1000, E820_RAM);
}
END_TEST

START_TEST(test_build_up_to_the_hole)
{
	ck_assert_int_eq(e820_build(&map, 3 * GiB), LOADER_OK);
	ck_assert_uint_eq(map.count, 3);
	ASSERT_ENTRY(map, 2, MiB, 3 * GiB - MiB, E820_RAM);
	assert_well_formed(&map);
}
END_TEST

START_TEST(test_build_above_the_hole)
{
	/* One page over 3 GiB already goes above 4 GiB: nothing in the hole. */
	ck_assert_int_eq(e820_build(&map, 3 * GiB + 0x1000), LOADER_OK);
	ck_assert_uint_eq(map.count, 4);
	ASSERT_ENTRY(map, 2, MiB, 0xc0000000ull - MiB, E820_RAM);
	ASSERT_ENTRY(map, 3, 4 * GiB, 0x1000, E820_RAM);

	ck_assert_int_eq(e820_build(&map, 8 * GiB), LOADER_OK);
	ck_assert_uint_eq(map.count, 4);
	ASSERT_ENTRY(map, 2, MiB, 3 * GiB - MiB, E820_RAM);
	ASSERT_ENTRY(map, 3, 4 * GiB, 5 * GiB, E820_RAM);
	assert_well_formed(&map);
	/* Total RAM including the reserved low range is what was asked for. */
	uint64_t total = 0;
	for (unsigned i = 0; i < map.count; i++)
		total += map.entry[i].size;
	ck_assert_uint_eq(total, 8 * GiB);

	ck_assert_int_eq(e820_build(&map, E820_RAM_MAX), LOADER_OK);
	ASSERT_ENTRY(map, 3, 4 * GiB, E820_RAM_MAX - 3 * GiB, E820_RAM);
}
END_TEST

START_TEST(test_build_refused_sizes)
{
	static const uint64_t bad[] = { 0, 0x1000, MiB - 0x1000, MiB + 1, MiB + 0x800,
					64 * MiB + 0xfff, E820_RAM_MAX + 0x1000, UINT64_MAX,
					UINT64_MAX - 0xfff };
	struct e820_map before;

	ck_assert_int_eq(e820_build(&map, 16 * MiB), LOADER_OK);
	memcpy(&before, &map, sizeof(map));
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(e820_build(&map, bad[i]) == LOADER_EINVAL, "size %#llx accepted",
			      (unsigned long long)bad[i]);
		ck_assert(memcmp(&map, &before, sizeof(map)) == 0);
	}
	ck_assert_int_eq(e820_build(NULL, 16 * MiB), LOADER_EINVAL);
}
END_TEST

/* ------------------------------------------------------------ e820_add */

START_TEST(test_add_in_the_hole)
{
	ck_assert_int_eq(e820_build(&map, 4 * GiB), LOADER_OK);
	/* IOAPIC and local APIC pages, added out of order. */
	ck_assert_int_eq(e820_add(&map, 0xfee00000, 0x1000, E820_RESERVED), LOADER_OK);
	ck_assert_int_eq(e820_add(&map, 0xfec00000, 0x1000, E820_RESERVED), LOADER_OK);
	ck_assert_uint_eq(map.count, 6);
	ASSERT_ENTRY(map, 2, MiB, 3 * GiB - MiB, E820_RAM);
	ASSERT_ENTRY(map, 3, 0xfec00000, 0x1000, E820_RESERVED);
	ASSERT_ENTRY(map, 4, 0xfee00000, 0x1000, E820_RESERVED);
	ASSERT_ENTRY(map, 5, 4 * GiB, GiB, E820_RAM);
	assert_well_formed(&map);
	/* A range adjacent to one of the same type grows it. */
	ck_assert_int_eq(e820_add(&map, 0xfec01000, 0x1000, E820_RESERVED), LOADER_OK);
	ck_assert_uint_eq(map.count, 6);
	ASSERT_ENTRY(map, 3, 0xfec00000, 0x2000, E820_RESERVED);
	/* Bridging the gap between two reserved entries merges all three. */
	ck_assert_int_eq(e820_add(&map, 0xfec02000, 0xfee00000 - 0xfec02000, E820_RESERVED),
			 LOADER_OK);
	ck_assert_uint_eq(map.count, 5);
	ASSERT_ENTRY(map, 3, 0xfec00000, 0x201000, E820_RESERVED);
	assert_well_formed(&map);
}
END_TEST

START_TEST(test_add_splits_ram)
{
	ck_assert_int_eq(e820_build(&map, 64 * MiB), LOADER_OK);
	/* ACPI tables at the top of RAM: the RAM entry shrinks. */
	ck_assert_int_eq(e820_add(&map, 64 * MiB - 0x10000, 0x10000, E820_ACPI), LOADER_OK);
	ck_assert_uint_eq(map.count, 4);
	ASSERT_ENTRY(map, 2, MiB, 63 * MiB - 0x10000, E820_RAM);
	ASSERT_ENTRY(map, 3, 64 * MiB - 0x10000, 0x10000, E820_ACPI);
	/* A hole in the middle of RAM: one entry becomes three. */
	ck_assert_int_eq(e820_add(&map, 32 * MiB, 0x1000, E820_NVS), LOADER_OK);
	ck_assert_uint_eq(map.count, 6);
	ASSERT_ENTRY(map, 2, MiB, 31 * MiB, E820_RAM);
	ASSERT_ENTRY(map, 3, 32 * MiB, 0x1000, E820_NVS);
	ASSERT_ENTRY(map, 4, 32 * MiB + 0x1000, 32 * MiB - 0x11000, E820_RAM);
	ASSERT_ENTRY(map, 5, 64 * MiB - 0x10000, 0x10000, E820_ACPI);
	/* At the very start of RAM. */
	ck_assert_int_eq(e820_add(&map, 0, 0x1000, E820_UNUSABLE), LOADER_OK);
	ASSERT_ENTRY(map, 0, 0, 0x1000, E820_UNUSABLE);
	ASSERT_ENTRY(map, 1, 0x1000, 0x9fc00 - 0x1000, E820_RAM);
	ck_assert_uint_eq(map.count, 7);
	assert_well_formed(&map);
}
END_TEST

START_TEST(test_add_across_entries_merges)
{
	ck_assert_int_eq(e820_build(&map, 64 * MiB), LOADER_OK);
	/* Overlaps the end of low RAM, all of the reserved block, the start of
	 * extended RAM: trims both, joins the reserved block. */
	ck_assert_int_eq(e820_add(&map, 0x9f000, 0x101000 - 0x9f000, E820_RESERVED), LOADER_OK);
	ck_assert_uint_eq(map.count, 3);
	ASSERT_ENTRY(map, 0, 0, 0x9f000, E820_RAM);
	ASSERT_ENTRY(map, 1, 0x9f000, 0x101000 - 0x9f000, E820_RESERVED);
	ASSERT_ENTRY(map, 2, 0x101000, 64 * MiB - 0x101000, E820_RAM);
	/* RAM over the reserved block: everything becomes one entry. */
	ck_assert_int_eq(e820_add(&map, 0x9f000, 0x62000, E820_RAM), LOADER_OK);
	ck_assert_uint_eq(map.count, 1);
	ASSERT_ENTRY(map, 0, 0, 64 * MiB, E820_RAM);
	/* A range covering everything and more replaces it. */
	ck_assert_int_eq(e820_add(&map, 0, 1ull << 40, E820_RESERVED), LOADER_OK);
	ck_assert_uint_eq(map.count, 1);
	ASSERT_ENTRY(map, 0, 0, 1ull << 40, E820_RESERVED);
	/* Beyond the last entry: appended. */
	ck_assert_int_eq(e820_add(&map, 1ull << 41, 0x1000, E820_RAM), LOADER_OK);
	ck_assert_uint_eq(map.count, 2);
	ASSERT_ENTRY(map, 1, 1ull << 41, 0x1000, E820_RAM);
	/* The same type over part of itself changes nothing. */
	ck_assert_int_eq(e820_add(&map, 0x5000, 0x1000, E820_RESERVED), LOADER_OK);
	ck_assert_uint_eq(map.count, 2);
	ASSERT_ENTRY(map, 0, 0, 1ull << 40, E820_RESERVED);
	/* Up to the last byte of the address space. */
	ck_assert_int_eq(e820_add(&map, UINT64_MAX - 0xfff, 0xfff, E820_RESERVED), LOADER_OK);
	ASSERT_ENTRY(map, 2, UINT64_MAX - 0xfff, 0xfff, E820_RESERVED);
	assert_well_formed(&map);
}
END_TEST

START_TEST(test_add_refused_arguments)
{
	static const struct {
		uint64_t addr, size;
		uint32_t type;
	} bad[] = {
		{ MiB, 0, E820_RESERVED },                       /* empty */
		{ UINT64_MAX - 10, 20, E820_RESERVED },          /* wraps */
		{ UINT64_MAX - 0xfff, 0x1000, E820_RESERVED },   /* ends at 2^64 */
		{ 1, UINT64_MAX, E820_RESERVED },
		{ MiB, 0x1000, 0 },                              /* unknown types */
		{ MiB, 0x1000, 6 },
		{ MiB, 0x1000, 0xffffffff },
	};
	struct e820_map before;

	ck_assert_int_eq(e820_build(&map, 64 * MiB), LOADER_OK);
	memcpy(&before, &map, sizeof(map));
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(e820_add(&map, bad[i].addr, bad[i].size, bad[i].type) == LOADER_EINVAL,
			      "case %u accepted", i);
		ck_assert(memcmp(&map, &before, sizeof(map)) == 0);
	}
	ck_assert_int_eq(e820_add(NULL, MiB, 0x1000, E820_RESERVED), LOADER_EINVAL);
	map.count = E820_MAX_ENTRIES + 1;   /* a corrupt map is not touched */
	ck_assert_int_eq(e820_add(&map, MiB, 0x1000, E820_RESERVED), LOADER_EINVAL);
}
END_TEST

START_TEST(test_add_full_table)
{
	struct e820_map before;

	/* 2 entries, then alternating types in 1 KiB steps up to 128 entries. */
	ck_assert_int_eq(e820_build(&map, MiB), LOADER_OK);
	for (unsigned i = 0; map.count < E820_MAX_ENTRIES; i++) {
		ck_assert_uint_lt(i, 200);
		ck_assert_int_eq(e820_add(&map, MiB + i * KiB, KiB, i % 2 ? E820_ACPI : E820_NVS),
				 LOADER_OK);
	}
	ck_assert_uint_eq(map.count, E820_MAX_ENTRIES);
	assert_well_formed(&map);
	uint64_t end = map.entry[E820_MAX_ENTRIES - 1].addr + map.entry[E820_MAX_ENTRIES - 1].size;
	uint32_t last = map.entry[E820_MAX_ENTRIES - 1].type;
	memcpy(&before, &map, sizeof(map));

	/* A new entry does not fit; nothing changes. */
	ck_assert_int_eq(e820_add(&map, 2 * end, KiB, E820_RAM), LOADER_ENOSPACE);
	ck_assert(memcmp(&map, &before, sizeof(map)) == 0);
	/* Nor does splitting one entry into three. */
	ck_assert_int_eq(e820_add(&map, 0x1000, 0x1000, E820_UNUSABLE), LOADER_ENOSPACE);
	ck_assert(memcmp(&map, &before, sizeof(map)) == 0);
	/* Growing the last entry needs no new one. */
	ck_assert_int_eq(e820_add(&map, end, KiB, last), LOADER_OK);
	ck_assert_uint_eq(map.count, E820_MAX_ENTRIES);
	ck_assert_uint_eq(map.entry[E820_MAX_ENTRIES - 1].size, 2 * KiB);
	/* Retyping one entry to its neighbours' type frees two. */
	ck_assert_int_eq(e820_add(&map, MiB + KiB, KiB, E820_NVS), LOADER_OK);
	ck_assert_uint_eq(map.count, E820_MAX_ENTRIES - 2);
	ASSERT_ENTRY(map, 2, MiB, 3 * KiB, E820_NVS);
	assert_well_formed(&map);
}
END_TEST

/* Random additions checked against a model: one type per KiB of the first 4 MiB. */
#define MODEL_UNITS 4096u

static void model_check(const struct e820_map *m, const uint8_t *model, unsigned iter)
{
	uint8_t got[MODEL_UNITS] = { 0 };

	assert_well_formed(m);
	for (unsigned i = 0; i < m->count; i++) {
		const struct e820_entry *e = &m->entry[i];
		if (e->addr % KiB || e->size % KiB || e->addr + e->size > MODEL_UNITS * KiB)
			ck_abort_msg("iteration %u: entry %u off the model's grid", iter, i);
		for (uint64_t u = e->addr / KiB; u < (e->addr + e->size) / KiB; u++)
			got[u] = (uint8_t)e->type;
	}
	if (memcmp(got, model, MODEL_UNITS))
		ck_abort_msg("iteration %u: map differs from model", iter);
}

START_TEST(test_add_random_against_model)
{
	static uint8_t model[MODEL_UNITS];
	struct e820_map before;

	rnd_seed(0x6a09e667f3bcc909ull);
	for (unsigned iter = 0; iter < 20000; iter++) {
		if (iter % 2000 == 0) {
			ck_assert_int_eq(e820_build(&map, MiB), LOADER_OK);
			memset(model, 0, sizeof(model));
			memset(model, E820_RAM, 0x9fc00 / KiB);   /* 0x9fc00 is a whole KiB */
			memset(model + 0x9fc00 / KiB, E820_RESERVED, (MiB - 0x9fc00) / KiB);
			memset(model + 0x400, 0, MODEL_UNITS - 0x400);
		}
		uint64_t u = rnd() % MODEL_UNITS;
		uint64_t n = 1 + rnd() % (rnd() % 4 ? 8 : MODEL_UNITS - u);
		if (u + n > MODEL_UNITS)
			n = MODEL_UNITS - u;
		uint32_t type = (uint32_t)(1 + rnd() % 5);
		memcpy(&before, &map, sizeof(map));
		int r = e820_add(&map, u * KiB, n * KiB, type);
		if (r == LOADER_OK)
			memset(model + u, (int)type, n);
		else if (r != LOADER_ENOSPACE || memcmp(&map, &before, sizeof(map)))
			ck_abort_msg("iteration %u: status %d, or the map changed", iter, r);
		model_check(&map, model, iter);
	}
}
END_TEST

/* ------------------------------------------------------------ queries and guest RAM */

START_TEST(test_ram_extent)
{
	ck_assert_int_eq(e820_build(&map, 4 * GiB), LOADER_OK);
	ck_assert_uint_eq(e820_ram_extent(&map, 0), 0x9fc00);
	ck_assert_uint_eq(e820_ram_extent(&map, 0x9fbff), 1);
	ck_assert_uint_eq(e820_ram_extent(&map, 0x9fc00), 0);       /* reserved */
	ck_assert_uint_eq(e820_ram_extent(&map, 0xfffff), 0);
	ck_assert_uint_eq(e820_ram_extent(&map, MiB), 3 * GiB - MiB);
	ck_assert_uint_eq(e820_ram_extent(&map, 3 * GiB - 1), 1);
	ck_assert_uint_eq(e820_ram_extent(&map, 3 * GiB), 0);       /* the hole */
	ck_assert_uint_eq(e820_ram_extent(&map, 4 * GiB + 5), GiB - 5);
	ck_assert_uint_eq(e820_ram_extent(&map, 5 * GiB), 0);
	ck_assert_uint_eq(e820_ram_extent(&map, UINT64_MAX), 0);
	ck_assert_uint_eq(e820_ram_extent(NULL, 0), 0);
}
END_TEST

/* Guest RAM above the hole resumes at 4 GiB, byte for byte as the map says. */
START_TEST(test_ram_gpa_and_offset)
{
	uint64_t size = 5 * GiB;

	ck_assert_int_eq(e820_build(&map, size), LOADER_OK);
	ck_assert_uint_eq(e820_ram_gpa(0), 0);
	ck_assert_uint_eq(e820_ram_gpa(3 * GiB - 1), 3 * GiB - 1);
	ck_assert_uint_eq(e820_ram_gpa(3 * GiB), 4 * GiB);
	ck_assert_uint_eq(e820_ram_gpa(5 * GiB - 1), 6 * GiB - 1);
	ck_assert_uint_eq(e820_ram_offset(size, 0, 1), 0);
	ck_assert_uint_eq(e820_ram_offset(size, 3 * GiB - 4, 4), 3 * GiB - 4);
	ck_assert_uint_eq(e820_ram_offset(size, 3 * GiB - 4, 5), E820_NOT_RAM);   /* into the hole */
	ck_assert_uint_eq(e820_ram_offset(size, 3 * GiB, 1), E820_NOT_RAM);
	ck_assert_uint_eq(e820_ram_offset(size, 0xfee00000ull, 4), E820_NOT_RAM); /* the local APIC */
	ck_assert_uint_eq(e820_ram_offset(size, 4 * GiB - 1, 2), E820_NOT_RAM);
	ck_assert_uint_eq(e820_ram_offset(size, 4 * GiB, 8), 3 * GiB);
	ck_assert_uint_eq(e820_ram_offset(size, 6 * GiB - 8, 8), 5 * GiB - 8);
	ck_assert_uint_eq(e820_ram_offset(size, 6 * GiB - 8, 9), E820_NOT_RAM);   /* past the end */
	ck_assert_uint_eq(e820_ram_offset(size, 6 * GiB, 1), E820_NOT_RAM);
	ck_assert_uint_eq(e820_ram_offset(size, 4 * GiB, 0), E820_NOT_RAM);
	ck_assert_uint_eq(e820_ram_offset(size, UINT64_MAX, 1), E820_NOT_RAM);
	ck_assert_uint_eq(e820_ram_offset(size, 4 * GiB, UINT64_MAX), E820_NOT_RAM);
	/* Every offset maps to a usable address of the map and back. */
	for (uint64_t off = 0; off < size; off += 256 * MiB + 4096) {
		uint64_t gpa = e820_ram_gpa(off);
		ck_assert_uint_eq(e820_ram_offset(size, gpa, 1), off);
		ck_assert(off >= 0x9fc00 && off < MiB ? e820_ram_extent(&map, gpa) == 0 : e820_ram_extent(&map, gpa) > 0);
	}
	/* Below the hole: as it is, and nothing at 4 GiB. */
	ck_assert_uint_eq(e820_ram_offset(2 * GiB, 2 * GiB - 1, 1), 2 * GiB - 1);
	ck_assert_uint_eq(e820_ram_offset(2 * GiB, 2 * GiB, 1), E820_NOT_RAM);
	ck_assert_uint_eq(e820_ram_offset(2 * GiB, 4 * GiB, 1), E820_NOT_RAM);
}
END_TEST

START_TEST(test_guest_ram_bounds)
{
	/* RAM of 2 MiB, while the map claims 64 MiB: RAM decides too. */
	uint8_t *ram = alloc_exact(2 * MiB);
	struct guest_ram m = { ram, 2 * MiB, &map };

	ck_assert_int_eq(e820_build(&map, 64 * MiB), LOADER_OK);
	ck_assert(guest_ram_usable(&m, 0, 0x9fc00));
	ck_assert(!guest_ram_usable(&m, 0, 0x9fc01));             /* into the reserved block */
	ck_assert(!guest_ram_usable(&m, 0x9f000, 0x1000));
	ck_assert(guest_ram_usable(&m, 2 * MiB - 0x1000, 0x1000));
	ck_assert(!guest_ram_usable(&m, 2 * MiB - 0x1000, 0x1001)); /* past RAM */
	ck_assert(!guest_ram_usable(&m, MiB, 0));                  /* empty */
	ck_assert(!guest_ram_usable(&m, UINT64_MAX, 2));           /* wraps */
	ck_assert(!guest_ram_usable(&m, 0x1000, UINT64_MAX));
	ck_assert(guest_ram_inside(&m, 2 * MiB, 0));
	ck_assert(!guest_ram_inside(&m, 2 * MiB + 1, 0));
	ck_assert(!guest_ram_inside(NULL, 0, 0));

	memset(ram, 0xee, 2 * MiB);
	ck_assert(guest_ram_put16(&m, 0x101, 0x1234));
	ck_assert(guest_ram_put32(&m, 0x201, 0x89abcdef));
	ck_assert(guest_ram_put64(&m, 2 * MiB - 8, 0x0123456789abcdefull));
	static const uint8_t want16[] = { 0x34, 0x12, 0xee };
	static const uint8_t want32[] = { 0xef, 0xcd, 0xab, 0x89, 0xee };
	static const uint8_t want64[] = { 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 };
	ck_assert(memcmp(ram + 0x101, want16, 3) == 0);
	ck_assert(memcmp(ram + 0x201, want32, 5) == 0);
	ck_assert(memcmp(ram + 2 * MiB - 8, want64, 8) == 0);

	/* Writes that do not fit write nothing (ASan would see a single byte). */
	ck_assert(!guest_ram_put16(&m, 2 * MiB - 1, 0));
	ck_assert(!guest_ram_put32(&m, 2 * MiB - 3, 0));
	ck_assert(!guest_ram_put64(&m, 2 * MiB - 7, 0));
	ck_assert(!guest_ram_put64(&m, UINT64_MAX - 3, 0));
	ck_assert(!guest_ram_fill(&m, 2 * MiB - 4, 0, 5));
	ck_assert(!guest_ram_write(&m, 2 * MiB - 4, "12345", 5));
	ck_assert(!guest_ram_write(&m, 0, NULL, 1));
	ck_assert_uint_eq(ram[2 * MiB - 1], 0x01);
	ck_assert_uint_eq(ram[2 * MiB - 4], 0x67);
	ck_assert(guest_ram_write(&m, 2 * MiB - 5, "12345", 5));
	ck_assert(memcmp(ram + 2 * MiB - 5, "12345", 5) == 0);
	ck_assert(guest_ram_fill(&m, 0x300, 0x5a, 3));
	ck_assert(ram[0x2ff] == 0xee && ram[0x300] == 0x5a && ram[0x302] == 0x5a && ram[0x303] == 0xee);
	ck_assert(guest_ram_write(&m, 2 * MiB, NULL, 0));
	free(ram);
}
END_TEST

/* ------------------------------------------------------------ messages */

START_TEST(test_message_format)
{
	char buf[128];
	struct loader_msg m = { buf, sizeof(buf) };

	ck_assert_int_eq(loader_refuse(&m, LOADER_EFORMAT, "a %u b 0x%x c %u%%", 1234567890123ull,
				       0xdeadbeefcafeull, 0),
			 LOADER_EFORMAT);
	ck_assert_str_eq(buf, "a 1234567890123 b 0xdeadbeefcafe c 0%");
	loader_refuse(&m, LOADER_OK, "%u %x", UINT64_MAX, UINT64_MAX, 0);
	ck_assert_str_eq(buf, "18446744073709551615 ffffffffffffffff");
	/* A fourth conversion, an unknown one and a trailing '%'. */
	loader_refuse(&m, LOADER_OK, "%u%u%u%u %d %", 1, 2, 3);
	ck_assert_str_eq(buf, "123? ? %");
	/* Notes append. */
	loader_refuse(&m, LOADER_OK, "first", 0, 0, 0);
	loader_note(&m, "; second %u", 2, 0, 0);
	ck_assert_str_eq(buf, "first; second 2");
}
END_TEST

START_TEST(test_message_truncated)
{
	char buf[8];
	struct loader_msg m = { buf, sizeof(buf) };

	memset(buf, 'z', sizeof(buf));
	ck_assert_int_eq(loader_refuse(&m, LOADER_ENOSPACE, "value %u too big", 123456, 0, 0),
			 LOADER_ENOSPACE);
	ck_assert_str_eq(buf, "value 1");
	loader_note(&m, "more", 0, 0, 0);
	ck_assert_str_eq(buf, "value 1");
	/* A buffer without a NUL yet: the note keeps inside it. */
	memset(buf, 'z', sizeof(buf));
	loader_note(&m, "x", 0, 0, 0);
	ck_assert_uint_eq(buf[7], '\0');

	char one[1] = { 'q' };
	struct loader_msg m1 = { one, 1 };
	loader_refuse(&m1, LOADER_OK, "abc", 0, 0, 0);
	ck_assert_uint_eq(one[0], '\0');
	struct loader_msg none = { NULL, 100 }, zero = { buf, 0 };
	memset(buf, 'z', sizeof(buf));
	ck_assert_int_eq(loader_refuse(&none, LOADER_EINVAL, "x %u", 1, 0, 0), LOADER_EINVAL);
	ck_assert_int_eq(loader_refuse(&zero, LOADER_EINVAL, "x %u", 1, 0, 0), LOADER_EINVAL);
	loader_note(&none, "x", 0, 0, 0);
	loader_note(&zero, "x", 0, 0, 0);
	ck_assert_int_eq(loader_refuse(NULL, LOADER_EINVAL, "x", 0, 0, 0), LOADER_EINVAL);
	ck_assert_uint_eq(buf[0], 'z');
}
END_TEST

Suite *e820_suite(void)
{
	Suite *s = suite_create("e820");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, test_build_small_guest);
	tcase_add_test(tc, test_build_one_mib_has_no_extended_memory);
	tcase_add_test(tc, test_build_up_to_the_hole);
	tcase_add_test(tc, test_build_above_the_hole);
	tcase_add_test(tc, test_build_refused_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("add");
	tcase_add_test(tc, test_add_in_the_hole);
	tcase_add_test(tc, test_add_splits_ram);
	tcase_add_test(tc, test_add_across_entries_merges);
	tcase_add_test(tc, test_add_refused_arguments);
	tcase_add_test(tc, test_add_full_table);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "add-random", NULL, NULL, test_add_random_against_model);

	tc = tcase_create("guest-ram");
	tcase_add_test(tc, test_ram_extent);
	tcase_add_test(tc, test_ram_gpa_and_offset);
	tcase_add_test(tc, test_guest_ram_bounds);
	tcase_add_test(tc, test_message_format);
	tcase_add_test(tc, test_message_truncated);
	suite_add_tcase(s, tc);
	return s;
}
