/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory mapping between tasks: map and grant of memory flexpages.
 */
#ifndef KERNEL_MAP_H
#define KERNEL_MAP_H

#include "types.h"

struct task;

/*
 * Carries out a memory map/grant item (two words, msg.h) from `from` into
 * `to`: into the receive window fpage `window`, or, if whole_space, at
 * the item's send base. Error code.
 */
int map_item(struct task *from, const uint64_t item[2], struct task *to, uint64_t window,
	     bool whole_space);

#endif
