/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Memory server protocol (servers/mem): the endpoint "mem" (`use mem`).
 * A program that uses it has the memory server as its threads' pager
 * (the root task sets that up; exceptions still go to the root task):
 * regions it allocates get their pages on first touch, within the
 * program's `memory` quota from the boot configuration. Calls; the
 * reply's label is the error code.
 *
 * label            arguments               result
 * L4_MEM_ALLOC     MR0 bytes (rounded up    MR0 address of the new region
 *                  to pages)                  in the caller's address space
 * L4_MEM_FREE      MR0 a region's address   -   (its pages go back)
 * L4_MEM_INFO      -                        MR0 quota, MR1 bytes in pages
 *                                             touched, MR2 bytes in regions
 * Errors: L4_EMSG (missing words), L4_EINVAL (size 0 or above the quota),
 * L4_ENOMEM (regions would exceed L4_MEM_SPACE or L4_MEM_REGIONS),
 * L4_ENOENT (no region there), L4_ENOSYS (unknown label).
 * A page fault outside the caller's regions, or one that would take it
 * over its quota, ends the program (the server reports it to the root
 * task). Everything a program had goes back when it ends.
 */
#ifndef L4_MEM_H
#define L4_MEM_H

#define L4_MEM_BASE    0x0000200000000000ull   /* where regions are placed */
#define L4_MEM_SPACE   (1ull << 40)            /* how far they reach */
#define L4_MEM_REGIONS 64                      /* per program */

enum l4_mem_op {
	L4_MEM_ALLOC = 1,
	L4_MEM_FREE = 2,
	L4_MEM_INFO = 3,
};

#endif
