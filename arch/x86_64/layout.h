/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual memory layout of the kernel (x86-64, 4-level paging):
 *
 *   0x0000000000000000 - 0x00007fffffffffff  user (empty until tasks exist)
 *   0xffff800000000000 - ...                 direct map of physical memory (PML4 256+)
 *   0xffffffff80000000 + phys                the kernel image (PML4 511, PDPT 510)
 *   0xffffffffc0000000 - 0xffffffffffffffff  device MMIO windows, uncached (PDPT 511)
 *
 * The kernel is loaded at physical KERNEL_PHYS_BASE and linked at
 * KERNEL_VIRT_BASE + its physical address, as -mcmodel=kernel requires.
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_PHYS_BASE 0x100000
#define KERNEL_VIRT_BASE 0xffffffff80000000
#define DIRECT_MAP_BASE  0xffff800000000000
#define DIRECT_MAP_MAX   (64ull << 40)   /* 64 TiB of physical memory at most */
#define MMIO_WINDOW_BASE 0xffffffffc0000000
#define MMIO_WINDOW_SIZE (1ull << 30)
#define BOOT_DIRECT_MAP  (4ull << 30)    /* what boot.S maps before paging_init */

/* Every CPU's stacks (struct cpu_stacks, percpu_arch.h): the kernel stack
 * and four IST stacks, each with an unmapped guard page below it. */
#define STACK_GUARD    4096
#define KSTACK_SIZE    16384
#define IST_STACK_SIZE 8192
#define IST_STACKS     4

#ifndef __ASSEMBLY__
#include "types.h"

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)(phys + DIRECT_MAP_BASE);
}

static inline uint64_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;

	return v >= KERNEL_VIRT_BASE ? v - KERNEL_VIRT_BASE : v - DIRECT_MAP_BASE;
}

/* Bounds of the kernel image, from linker/kernel.ld. */
extern char _kernel_phys_start[], _text_start[], _text_end[], _rodata_start[],
	_rodata_end[], _data_start[], _kernel_end[];
#endif

#endif
