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

/* The leaf entry mapping va in the kernel's tables, with W the AND and NX
 * the OR over all levels (the effective rights); 0 if unmapped. */
uint64_t paging_lookup(uintptr_t va);

/* Maps device memory uncached into the MMIO window; returns its address. */
void *arch_map_mmio(uint64_t phys, size_t size);

#endif
