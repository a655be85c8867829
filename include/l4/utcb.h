/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User thread control block: one 4 KiB page per thread, allocated by the
 * kernel when the thread is created and mapped read/write into the
 * thread's task at the address given then. The kernel reads and writes
 * it only through its own mapping, never through a user pointer, so a
 * thread cannot make the kernel touch memory it should not.
 */
#ifndef L4_UTCB_H
#define L4_UTCB_H

#include "msg.h"

#define L4_BR_COUNT 8
#define L4_UTCB_SIZE 4096

/* Buffer registers: what a receiver accepts. */
#define L4_BR_MEM_WINDOW 0   /* memory flexpage receive window (0: none) */
#define L4_BR_CAP_WINDOW 1   /* capability flexpage: slots for received capabilities (0: none) */
#define L4_BR_IO_WINDOW  2   /* I/O flexpage: ports the receiver accepts (0: none) */

struct l4_utcb {
	l4_word_t mr[L4_MR_COUNT];     /* message registers */
	l4_word_t br[L4_BR_COUNT];     /* buffer registers */
	l4_word_t user[8];             /* free for the thread's own use (e.g. TLS) */
};

_Static_assert(sizeof(struct l4_utcb) <= L4_UTCB_SIZE, "UTCB must fit in its page");

#endif
