/* SPDX-License-Identifier: GPL-2.0-only */
/* Physical frame allocator (see frame.h). */
#include "frame.h"

#define BITS 64u

static unsigned popcount64(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((v * 0x0101010101010101ull) >> 56);
}

static bool bit_get(const struct frame_alloc *fa, uint64_t f)
{
	return fa->bitmap[f / BITS] >> (f % BITS) & 1;
}

/* Sets frames [first, last) free or used; returns how many changed. */
static uint64_t set_range(struct frame_alloc *fa, uint64_t first, uint64_t last, bool free)
{
	uint64_t changed = 0;

	if (last > fa->frames)
		last = fa->frames;
	while (first < last) {
		uint64_t w = first / BITS;
		unsigned lo = first % BITS;
		unsigned n = (unsigned)MIN((uint64_t)(BITS - lo), last - first);
		uint64_t mask = (n == BITS ? ~0ull : ((1ull << n) - 1)) << lo;
		uint64_t old = fa->bitmap[w];
		uint64_t new = free ? old | mask : old & ~mask;
		changed += popcount64(old ^ new);
		fa->bitmap[w] = new;
		first += n;
	}
	return changed;
}

size_t frame_bitmap_bytes(uint64_t limit)
{
	uint64_t frames = limit >> PAGE_SHIFT;

	return (size_t)((frames + BITS - 1) / BITS * sizeof(uint64_t));
}

void frame_init(struct frame_alloc *fa, uint64_t *bitmap, uint64_t limit)
{
	size_t words = frame_bitmap_bytes(limit) / sizeof(uint64_t);

	*fa = (struct frame_alloc){ .bitmap = bitmap, .frames = limit >> PAGE_SHIFT };
	for (size_t i = 0; i < words; i++)
		bitmap[i] = 0;
}

void frame_add_usable(struct frame_alloc *fa, uint64_t base, uint64_t end)
{
	if (end <= base)
		return;
	uint64_t first = (base >> PAGE_SHIFT) + ((base & (PAGE_SIZE - 1)) != 0);
	uint64_t last = end >> PAGE_SHIFT;
	if (first == 0)
		first = 1;  /* frame 0 doubles as FRAME_NONE */
	uint64_t n = set_range(fa, first, last, true);
	fa->free += n;
	fa->total += n;
}

void frame_reserve(struct frame_alloc *fa, uint64_t base, uint64_t end)
{
	if (end <= base)
		return;
	uint64_t first = base >> PAGE_SHIFT;
	uint64_t last = (end >> PAGE_SHIFT) + ((end & (PAGE_SIZE - 1)) != 0);
	uint64_t n = set_range(fa, first, last, false);
	fa->free -= n;
	fa->total -= n;
}

uint64_t frame_alloc_below(struct frame_alloc *fa, uint64_t max)
{
	uint64_t limit = MIN(fa->frames, max >> PAGE_SHIFT);
	uint64_t words = (limit + BITS - 1) / BITS;

	for (uint64_t i = 0; i < words; i++) {
		uint64_t w = (fa->hint + i) % words;
		uint64_t bits = fa->bitmap[w];
		if (!bits)
			continue;
		uint64_t f = w * BITS + (uint64_t)__builtin_ctzll(bits);
		if (f >= limit)
			continue;
		fa->bitmap[w] &= ~(1ull << (f % BITS));
		fa->free--;
		fa->hint = w;
		return f << PAGE_SHIFT;
	}
	return FRAME_NONE;
}

uint64_t frame_alloc(struct frame_alloc *fa)
{
	return frame_alloc_below(fa, UINT64_MAX);
}

uint64_t frame_alloc_contig(struct frame_alloc *fa, uint64_t count, uint64_t align)
{
	if (!count || align < PAGE_SIZE || (align & (align - 1)))
		return FRAME_NONE;
	uint64_t step = align >> PAGE_SHIFT;
	if (count > fa->frames)
		return FRAME_NONE;
	for (uint64_t f = step; f <= fa->frames - count; f += step) {
		uint64_t i = 0;
		while (i < count && bit_get(fa, f + i))
			i++;
		if (i == count) {
			set_range(fa, f, f + count, false);
			fa->free -= count;
			return f << PAGE_SHIFT;
		}
	}
	return FRAME_NONE;
}

bool frame_free(struct frame_alloc *fa, uint64_t phys)
{
	uint64_t f = phys >> PAGE_SHIFT;

	if (!f || phys & (PAGE_SIZE - 1) || f >= fa->frames || bit_get(fa, f))
		return false;
	fa->bitmap[f / BITS] |= 1ull << (f % BITS);
	fa->free++;
	return true;
}

bool frame_is_free(const struct frame_alloc *fa, uint64_t phys)
{
	uint64_t f = phys >> PAGE_SHIFT;

	return f < fa->frames && bit_get(fa, f);
}

uint64_t phys_find_space(const struct phys_range *usable, unsigned n_usable,
			 const struct phys_range *reserved, unsigned n_reserved,
			 uint64_t size, uint64_t align, uint64_t min)
{
	if (!size || !align || (align & (align - 1)))
		return FRAME_NONE;
	for (unsigned u = 0; u < n_usable; u++) {
		uint64_t start = MAX(usable[u].base, min);
		if (start > UINT64_MAX - align)
			continue;
		uint64_t cand = ALIGN_UP(start, align);
		if (!cand)
			cand = align;   /* address 0 doubles as FRAME_NONE */
		/* Each pass either succeeds or moves past one reserved range for good. */
		for (unsigned pass = 0; pass <= n_reserved; pass++) {
			if (cand < start || cand > usable[u].end || size > usable[u].end - cand)
				break;
			const struct phys_range *hit = NULL;
			for (unsigned r = 0; r < n_reserved; r++)
				if (cand < reserved[r].end && reserved[r].base < cand + size)
					hit = &reserved[r];
			if (!hit)
				return cand;
			if (hit->end > UINT64_MAX - align)
				break;
			cand = ALIGN_UP(hit->end, align);
		}
	}
	return FRAME_NONE;
}
