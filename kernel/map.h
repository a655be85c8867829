/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory mapping between tasks: map and grant of memory flexpages, and
 * unmap, on top of the mapping database (mapdb.h).
 */
#ifndef KERNEL_MAP_H
#define KERNEL_MAP_H

#include "types.h"

struct task;

/*
 * Carries out a map/grant item (two words, msg.h) of memory or I/O ports
 * from `from` into `to`: into the receive window fpage `window` (memory:
 * BR0, I/O: BR2), or, if whole_space, at the item's send base (memory) or
 * the same ports. Error code.
 */
int map_item(struct task *from, const uint64_t item[2], struct task *to, uint64_t window,
	     bool whole_space);

/* Removes every mapping derived from t's pages or ports in flexpage fp (and t's own
 * if self). Error code. */
int unmap_fpage(struct task *t, uint64_t fp, bool self);

#endif
