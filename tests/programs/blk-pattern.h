/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The known content of the block server's test images: byte i of sector
 * s of an image made with `seed` (tools/mkdisk.c writes it; the test
 * programs, tests/programs/blk-*.c, check it and write their own patterns
 * the same way with other seeds). Every sector differs from every other,
 * and from the same sector of an image with another seed, so a misplaced
 * or mixed-up sector shows.
 */
#ifndef TESTS_PROGRAMS_BLK_PATTERN_H
#define TESTS_PROGRAMS_BLK_PATTERN_H

#include <stdint.h>

static inline uint8_t blk_pattern(uint64_t seed, uint64_t sector, unsigned i)
{
	/* A 64-bit mix (splitmix64's finaliser) per 8-byte group. */
	uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ sector * 0xbf58476d1ce4e5b9ull ^
		     (uint64_t)(i / 8 + 1) * 0x94d049bb133111ebull;

	x ^= x >> 31;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return (uint8_t)(x >> (8 * (i % 8)));
}

#endif
