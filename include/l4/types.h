/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Basic types of the L4 user ABI (x86-64).
 *
 * A capability is named by its slot index in the calling task's flat
 * capability table ("capability selector"). Slot numbers are words.
 */
#ifndef L4_TYPES_H
#define L4_TYPES_H

#include <stdint.h>

typedef uint64_t l4_word_t;
typedef uint64_t l4_cap_t;

/* "No capability": where a slot is optional. */
#define L4_CAP_NONE ((l4_cap_t)~0ull)

#endif
