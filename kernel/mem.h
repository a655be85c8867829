/* SPDX-License-Identifier: GPL-2.0-only */
/* Physical memory: the frame allocator built from the boot memory map. */
#ifndef KERNEL_MEM_H
#define KERNEL_MEM_H

#include "frame.h"
#include "mb2.h"

#define MEM_MAX_RESERVED (MB2_MAX_MODULES + 8)
#define MEM_MAX_SIGMA0 64

struct mem_state {
	struct frame_alloc frames;
	uint64_t phys_limit;                  /* end of the highest usable byte */
	struct phys_range reserved[MEM_MAX_RESERVED];  /* kernel, boot info, modules, bitmap */
	unsigned reserved_count;
	struct phys_range sigma0[MEM_MAX_SIGMA0];     /* memory sigma0 owns (1:1) */
	unsigned sigma0_count;
	struct phys_range ram[MB2_MAX_REGIONS];       /* RAM: the map's available regions */
	unsigned ram_count;
};

extern struct mem_state mem;

/* Builds the allocator. info_phys/info_size: where the boot information lies. */
void mem_init(const struct mb2_info *mb, uint64_t info_phys);

/*
 * Keeps about kernel_bytes of free memory for the kernel's own objects
 * and gives every other free frame to sigma0 (taken out of the kernel's
 * allocator, recorded in mem.sigma0), and the boot modules' pages too,
 * so that the root task can have them. Returns the free bytes given away.
 */
uint64_t mem_split(const struct mb2_info *mb, uint64_t kernel_bytes);

/* True if the page at pa belongs to sigma0. */
bool mem_sigma0_owns(uint64_t pa);
/* Whether [pa, pa + size) lies in one of sigma0's ranges. */
bool mem_sigma0_owns_range(uint64_t pa, uint64_t size);

/* True if pa is RAM (an available region of the boot memory map), which
 * is write-back everywhere: it is never mapped uncached or write-through. */
bool mem_is_ram(uint64_t pa);

/* A zeroed frame below max (its direct-map address must work at once),
 * or FRAME_NONE. */
uint64_t mem_zeroed_frame_below(uint64_t max);

#endif
