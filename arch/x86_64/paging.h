/* SPDX-License-Identifier: GPL-2.0-only */
/* x86-64 page table entries. */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include "types.h"

#define PTE_P    (1ull << 0)    /* present */
#define PTE_W    (1ull << 1)    /* writable */
#define PTE_U    (1ull << 2)    /* user accessible */
#define PTE_PWT  (1ull << 3)    /* write-through */
#define PTE_PCD  (1ull << 4)    /* cache disable */
#define PTE_A    (1ull << 5)    /* accessed */
#define PTE_D    (1ull << 6)    /* dirty */
#define PTE_PS   (1ull << 7)    /* large page (in PDPT/PD entries) */
#define PTE_G    (1ull << 8)    /* global: kept in the TLB across CR3 writes */
#define PTE_NX   (1ull << 63)   /* no execute (EFER.NXE) */
#define PTE_ADDR 0x000ffffffffff000ull

typedef uint64_t (*pt_alloc_fn)(void *ctx);   /* a zeroed table frame, or 0 */

unsigned pt_index(uintptr_t va, unsigned level);

/*
 * The entry for va at level leaf (1: 4 KiB page, 2: 2 MiB, 3: 1 GiB) under
 * root, creating missing tables with alloc (entries get table_flags).
 * NULL if a table is missing and alloc is NULL or fails, or a large page
 * is in the way.
 */
uint64_t *pt_walk(uint64_t *root, uintptr_t va, unsigned leaf, uint64_t table_flags,
		  pt_alloc_fn alloc, void *ctx);

/* Like paging_lookup, in any tables; U is the AND over all levels too. */
uint64_t pt_lookup(const uint64_t *root, uintptr_t va, unsigned *order);

/* The kernel's PML4 (its upper half is shared by every address space). */
uint64_t *paging_kernel_root(void);

/* The leaf entry mapping va in the kernel's tables, with W the AND and NX
 * the OR over all levels (the effective rights); 0 if unmapped. */
uint64_t paging_lookup(uintptr_t va);

/* Maps device memory uncached into the MMIO window; returns its address. */
void *arch_map_mmio(uint64_t phys, size_t size);

#endif
