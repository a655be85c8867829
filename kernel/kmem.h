/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel memory for objects, charged to quotas.
 *
 * Every byte the kernel allocates on a task's behalf (objects, capability
 * tables, page tables, UTCBs) is charged to a quota, held by a factory.
 * Running out of quota or of physical memory is an error code (L4_ENOMEM)
 * for the caller, never a panic. Small objects come from per-size slabs;
 * the charge is the size class, so what a quota admits is what it costs.
 * Slab pages whose objects are all freed go back to the frame allocator
 * (kmem.c), so freed objects' memory can become pages again.
 */
#ifndef KERNEL_KMEM_H
#define KERNEL_KMEM_H

#include "types.h"

struct quota {
	uint64_t limit;   /* bytes */
	uint64_t used;    /* bytes */
};

/* Sets up the slabs' page counts for memory up to phys_limit. */
void kmem_init(uint64_t phys_limit);

bool quota_charge(struct quota *q, uint64_t bytes);
void quota_release(struct quota *q, uint64_t bytes);

/* What kmem_alloc(size) charges: the size class. */
size_t kmem_size(size_t size);

/* A zeroed block of at least size bytes (<= PAGE_SIZE), or NULL. */
void *kmem_alloc(struct quota *q, size_t size);
void kmem_free(struct quota *q, void *p, size_t size);

/* A zeroed page frame (physical address), or 0. */
uint64_t kmem_page_alloc(struct quota *q);
void kmem_page_free(struct quota *q, uint64_t phys);

#endif
