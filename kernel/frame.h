/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical frame allocator: one bit per 4 KiB frame (1 = free) over
 * [0, limit). The caller supplies the bitmap's storage. Usable memory is
 * added first, reserved ranges (kernel, modules, boot info, firmware)
 * are then taken out, so a reserved range always wins over an
 * overlapping usable one.
 * Pure code: also compiled into the host unit tests.
 */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include "types.h"

#define FRAME_NONE 0ull   /* frame 0 is never handed out */

struct phys_range {
	uint64_t base;    /* first byte */
	uint64_t end;     /* one past the last byte */
};

struct frame_alloc {
	uint64_t *bitmap;
	uint64_t frames;      /* frames covered by the bitmap */
	uint64_t free;        /* frames currently free */
	uint64_t total;       /* frames ever added as usable and not reserved */
	uint64_t hint;        /* word index where the next search starts */
};

/* Bytes of bitmap needed to cover physical memory up to limit. */
size_t frame_bitmap_bytes(uint64_t limit);

/* Starts with every frame in use; bitmap must hold frame_bitmap_bytes(limit). */
void frame_init(struct frame_alloc *fa, uint64_t *bitmap, uint64_t limit);

/* Marks the whole frames inside [base, end) free. */
void frame_add_usable(struct frame_alloc *fa, uint64_t base, uint64_t end);

/* Marks every frame touching [base, end) in use. */
void frame_reserve(struct frame_alloc *fa, uint64_t base, uint64_t end);

/* One frame (physical address), or FRAME_NONE when memory is exhausted. */
uint64_t frame_alloc(struct frame_alloc *fa);

/* One frame below max (exclusive), or FRAME_NONE. */
uint64_t frame_alloc_below(struct frame_alloc *fa, uint64_t max);

/* count contiguous frames aligned to align bytes (a power of two >= 4 KiB). */
uint64_t frame_alloc_contig(struct frame_alloc *fa, uint64_t count, uint64_t align);

/* Returns a frame; false (and nothing changes) if it is not a frame the
 * allocator handed out: out of range, unaligned or already free. */
bool frame_free(struct frame_alloc *fa, uint64_t phys);

bool frame_is_free(const struct frame_alloc *fa, uint64_t phys);

/*
 * Finds size bytes, aligned to align, inside one of the usable ranges
 * and outside all reserved ranges, at or above min. Returns the address,
 * or FRAME_NONE. Used to place the bitmap itself before the allocator exists.
 */
uint64_t phys_find_space(const struct phys_range *usable, unsigned n_usable,
			 const struct phys_range *reserved, unsigned n_reserved,
			 uint64_t size, uint64_t align, uint64_t min);

#endif
