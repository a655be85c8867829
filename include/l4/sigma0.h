/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sigma0 protocol. sigma0 is the first task: it owns all free physical
 * memory and the boot modules' pages (include/l4/boot.h) and hands them
 * out, identifying clients by the badge of the capability they call
 * through (the root task's L4_CAP_PAGER has badge 1).
 *
 * Requests are calls on that capability. The reply's label is an error
 * code (errno.h; 0 = success).
 *
 * label                  arguments                  reply
 * L4_LABEL_PAGE_FAULT    (a client thread's page fault, with sigma0 as pager)
 *                        maps the physical page at the fault address 1:1
 * L4_SIGMA0_ALLOC        MR0 physical address or    MR0 physical address,
 *                        L4_SIGMA0_ANY, MR1 order   one map item (RWX) of the
 *                        (12..22; 21..30 with       2^order bytes; it lands in
 *                        L4_SIGMA0_LARGE or'd in    the client's receive window
 *                        for large pages)           (BR0) at offset 0
 * L4_SIGMA0_FREE         MR0 physical address,      -  (sigma0 revokes every
 *                        MR1 order                     mapping of the pages)
 * L4_SIGMA0_IO           MR0 first port, MR1 order  one map item of the 2^order
 *                        (0..16)                    ports; the client accepts
 *                                                   them with an I/O window in BR2
 * L4_SIGMA0_INFO         -                          MR0 pages sigma0 owns,
 *                                                   MR1 pages not given out,
 *                                                   MR2 pages the caller holds
 *
 * L4_SIGMA0_LARGE (order 21 to 30): the memory comes in the largest
 * pages that fit and that the client's space takes (msg.h, "Large pages";
 * L4_ITEM_LARGE): 1 GiB pages where the order is 30 and the CPU has them
 * (l4_boot_info.page_sizes), else 2 MiB ones. One mapping node per page
 * in the kernel instead of one per 4 KiB and page tables, and a VM's
 * guest RAM mapped with large EPT pages. What the client maps on from
 * such memory must take whole pages; for memory it hands out in 4 KiB
 * pieces, leave the flag out. A physical address given (not
 * L4_SIGMA0_ANY) must be aligned to 2^order. A 2 MiB piece that was handed
 * out as small pages before goes out again as small pages (in a request
 * above 4 MiB, which the kernel carries out in large pages only, up to two
 * such pieces are made large again; more are refused with L4_EINVAL).
 *
 * Giving a page or port twice to the same client is fine (idempotent); one
 * another client holds is refused with L4_EBUSY, memory sigma0 does not
 * own with L4_EINVAL, and no free run of the size with L4_ENOMEM.
 */
#ifndef L4_SIGMA0_H
#define L4_SIGMA0_H

#include "types.h"

enum l4_sigma0_op {
	L4_SIGMA0_ALLOC = 1,
	L4_SIGMA0_FREE = 2,
	L4_SIGMA0_INFO = 3,
	L4_SIGMA0_IO = 4,
};

#define L4_SIGMA0_ANY (~0ull)
#define L4_SIGMA0_MAX_ORDER 30         /* with L4_SIGMA0_LARGE */
#define L4_SIGMA0_SMALL_MAX_ORDER 22   /* without */
#define L4_SIGMA0_LARGE 0x100u     /* in MR1 of L4_SIGMA0_ALLOC */
#define L4_SIGMA0_IO_MAX_ORDER 16

#endif
