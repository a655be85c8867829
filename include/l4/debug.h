/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel debug capability (L4_OBJ_DEBUG): the kernel's own console,
 * ending the machine, and the kernel's self-check. Only holders of this
 * capability may write the kernel console or end the machine: the kernel
 * gives it to sigma0 and the root task (slot L4_CAP_DEBUG), and the root
 * task gives it on only to programs whose configuration says `debug`
 * (tests, benchmarks; docs/config.md). Everything else prints through a
 * console server, or through the root task (libl4 does either).
 *
 * L4_SYS_CALL on the capability, label = operation (PUTC, PUTS and EXIT
 * need the WRITE right, TSC_KHZ and CHECK the READ right: a read-only copy
 * lets a test's workers run the self-check and nothing else):
 *
 * label              arguments (MRs)                       result
 * L4_DEBUG_PUTC      MR0 a character                        -
 * L4_DEBUG_PUTS      MR0 bytes (at most L4_DEBUG_PUTS_MAX),
 *                    MR1.. the bytes, 8 to a word, first byte lowest -
 * L4_DEBUG_EXIT      MR0 status (0 success, 1 failure; at most 127):
 *                    ends the machine (QEMU's exit status, Bochs stops)
 * L4_DEBUG_TSC_KHZ   -                                      MR0 the TSC rate in kHz
 * L4_DEBUG_CHECK     -                                      MR0 invariants found
 *                    broken (0: none), MR1 the first one's L4_CHECK_* code,
 *                    MR2 objects and MR3 mappings looked at, MR4 the
 *                    deepest the kernel stack has been since boot, in
 *                    bytes (of its 16 KiB), MR5 the kernel's free page
 *                    frames. The kernel
 *                    walks all its objects and tables with interrupts off
 *                    (milliseconds with thousands of objects) and prints a
 *                    line for each broken invariant.
 */
#ifndef L4_DEBUG_H
#define L4_DEBUG_H

#include "msg.h"

enum l4_debug_op {
	L4_DEBUG_PUTC = 1,
	L4_DEBUG_PUTS = 2,
	L4_DEBUG_EXIT = 3,
	L4_DEBUG_TSC_KHZ = 4,
	L4_DEBUG_CHECK = 5,
};

#define L4_DEBUG_PUTS_MAX (8 * (L4_MR_COUNT - 1))

/* What L4_DEBUG_CHECK verifies, by code. */
enum l4_check {
	L4_CHECK_OBJECTS = 1,   /* every object in its factory's list, with its root capability */
	L4_CHECK_CAPS = 2,      /* derivation trees: links, one object per tree, its root */
	L4_CHECK_TAGS = 3,      /* no two live address spaces share a TLB tag (PCID) */
	L4_CHECK_MAPPINGS = 4,  /* every mapping-database node mapped where it says, live task */
	L4_CHECK_QUOTA = 5,     /* each factory's use equals what its objects are charged */
	L4_CHECK_THREADS = 6,   /* thread states match the queues and partners they name */
	L4_CHECK_QUEUES = 7,    /* wait, ready and timeout queues hold live, matching threads */
	L4_CHECK_STACK = 8,     /* the kernel stack never came within 1 KiB of its end */
};

#endif
