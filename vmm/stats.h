/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VMM's statistics: exits by reason, the TSC ticks spent handling
 * them, port I/O by device (the board counts those), the interrupts posted
 * and injected by vector. Printed at the test initramfs's marker and when
 * the guest ends (`make bench` reads them). Pure: the lines go out
 * through print.
 */
#ifndef VMM_STATS_H
#define VMM_STATS_H

#include "l4vcpu.h"

struct vmm_stats {
	unsigned long long exits[L4_VMEXIT_REASONS];
	unsigned long long ticks;               /* TSC ticks handling exits (HLT waits not) */
	unsigned long long injected[256];       /* interrupts given the guest, by vector ... */
	unsigned long long posted;              /* ... of them posted (the rest injected) */
};

/* The most frequent vectors, most first (a vector counts only if it came; -1 fills). */
void stats_top_vectors(const struct vmm_stats *st, int *top, unsigned n);

/* Four lines: exits, their cost, port I/O (ports[] by enum board_port_kind), interrupts. */
void stats_print(const struct vmm_stats *st, const uint64_t *ports,
		 int (*print)(const char *fmt, ...) __attribute__((format(printf, 1, 2))));

#endif
