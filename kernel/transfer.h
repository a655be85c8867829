/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Message transfer between UTCBs: untyped words are copied; typed items
 * (capabilities now; memory and I/O flexpages with the mapping database)
 * are carried out into the receiver's windows and rewritten to say what
 * arrived. Both UTCBs are reached through the kernel's direct map.
 */
#ifndef KERNEL_TRANSFER_H
#define KERNEL_TRANSFER_H

#include "types.h"

struct thread;

/* Copies sender's message (tag) to receiver; *rtag is the tag the receiver
 * sees. Returns an error code for the sender (items that failed arrive
 * as empty items). Kernel messages (faults) are composed instead. */
int transfer_message(struct thread *sender, struct thread *receiver, uint64_t tag,
		     uint64_t *rtag);

#endif
