/* SPDX-License-Identifier: GPL-2.0-only */
/* Physical memory: the frame allocator built from the boot memory map. */
#ifndef KERNEL_MEM_H
#define KERNEL_MEM_H

#include "frame.h"
#include "mb2.h"

#define MEM_MAX_RESERVED (MB2_MAX_MODULES + 8)

struct mem_state {
	struct frame_alloc frames;
	uint64_t phys_limit;                  /* end of the highest usable byte */
	struct phys_range reserved[MEM_MAX_RESERVED];  /* kernel, boot info, modules, bitmap */
	unsigned reserved_count;
};

extern struct mem_state mem;

/* Builds the allocator. info_phys/info_size: where the boot information lies. */
void mem_init(const struct mb2_info *mb, uint64_t info_phys);

/* A zeroed frame below max (its direct-map address must work at once),
 * or FRAME_NONE. */
uint64_t mem_zeroed_frame_below(uint64_t max);

#endif
