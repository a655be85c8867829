/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How the kernel starts the first tasks (sigma0 and the root task).
 *
 * The kernel keeps part of free memory for its own objects (the kmem=
 * option, default a quarter of memory, at least 32 MiB): that is the
 * root task's factory quota. sigma0 owns all other free memory, the boot
 * modules' pages and all I/O ports; it runs at priority 255 and serves
 * the protocol of sigma0.h. The root task's pager is sigma0.
 *
 * The kernel loads each from the boot module of that name (an ELF64
 * executable for x86-64, statically linked, all segments in the lower
 * half), creates its task with the capability layout of caps.h, maps
 * a stack, the UTCB and a read-only boot information page, and starts
 * its first thread at the ELF entry point with:
 *   RSP  L4_BOOT_STACK_TOP (16-byte aligned)
 *   RDI  L4_BOOT_INFO_ADDR (struct l4_boot_info)
 * All other registers are zero.
 */
#ifndef L4_BOOT_H
#define L4_BOOT_H

#include "types.h"

#define L4_BOOT_UTCB_ADDR   0x00007fffffff0000ull   /* the first thread's UTCB */
#define L4_BOOT_INFO_ADDR   0x00007ffffffe0000ull   /* struct l4_boot_info, read-only */
#define L4_BOOT_STACK_TOP   0x00007fffffe00000ull
#define L4_BOOT_STACK_SIZE  (64 * 1024)

#define L4_BOOT_INFO_MAGIC  0x4c34626f6f74ull        /* "L4boot" */
#define L4_BOOT_MAX_MODULES 32
#define L4_BOOT_NAME_LEN    64

struct l4_boot_module {
	l4_word_t phys;                 /* physical address of the module's first byte */
	l4_word_t size;                 /* bytes */
	char name[L4_BOOT_NAME_LEN];    /* the module's command line, NUL-terminated */
};

#define L4_BOOT_MAX_REGIONS 64

/* Physical memory that sigma0 owns: it maps these pages 1:1 (virtual =
 * physical) in its own address space on first touch, and hands them out.
 * Module pages are among them. */
struct l4_boot_region {
	l4_word_t phys;
	l4_word_t size;
};

struct l4_boot_info {
	l4_word_t magic;                /* L4_BOOT_INFO_MAGIC */
	l4_word_t tsc_khz;              /* TSC rate */
	l4_word_t kernel_quota;         /* bytes in the task's factory (L4_CAP_FACTORY) */
	l4_word_t module_count;
	struct l4_boot_module modules[L4_BOOT_MAX_MODULES];
	l4_word_t region_count;
	struct l4_boot_region regions[L4_BOOT_MAX_REGIONS];
	char cmdline[256];              /* the kernel command line */
	/* The page sizes mappings can have (bit n: 2^n bytes; 4 KiB, 2 MiB,
	 * and 1 GiB where the CPU has them): in a task, and in a VM's guest-
	 * physical space (its EPT). A map item puts a large page only where
	 * the receiver takes its size (msg.h, "Large pages"). */
	l4_word_t page_sizes;
	l4_word_t vm_page_sizes;
};

#endif
