/* SPDX-License-Identifier: BSD-2-Clause */
/* The VMM's statistics: see stats.h. */
#include "stats.h"
#include "board.h"

#define TOP_VECTORS 3                           /* the vectors the interrupt line names */

void stats_top_vectors(const struct vmm_stats *st, int *top, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		top[k] = -1;
	for (int v = 0; v < 256; v++) {
		if (!st->injected[v])
			continue;
		for (unsigned k = 0; k < n; k++) {
			if (top[k] < 0 || st->injected[v] > st->injected[top[k]]) {
				for (unsigned j = n - 1; j > k; j--)
					top[j] = top[j - 1];
				top[k] = v;
				break;
			}
		}
	}
}

void stats_print(const struct vmm_stats *st, const uint64_t *ports,
		 int (*print)(const char *fmt, ...) __attribute__((format(printf, 1, 2))))
{
	const unsigned long long *e = st->exits;
	unsigned long long total = 0, all = 0;
	int top[TOP_VECTORS];

	for (unsigned i = 0; i < L4_VMEXIT_REASONS; i++)
		total += e[i];
	print("vmm: exits: %llu: io %llu, mmio %llu, msr %llu, cpuid %llu, hlt %llu, window %llu, "
	      "cr %llu, dr %llu, xsetbv %llu, apic %llu, eoi %llu, apic-write %llu\n", total,
	      e[L4_VMEXIT_IO], e[L4_VMEXIT_EPT_VIOLATION], e[L4_VMEXIT_RDMSR] + e[L4_VMEXIT_WRMSR],
	      e[L4_VMEXIT_CPUID], e[L4_VMEXIT_HLT], e[L4_VMEXIT_IRQ_WINDOW], e[L4_VMEXIT_CR], e[L4_VMEXIT_DR],
	      e[L4_VMEXIT_XSETBV], e[L4_VMEXIT_APIC_ACCESS], e[L4_VMEXIT_EOI], e[L4_VMEXIT_APIC_WRITE]);
	print("vmm: handling them took %llu TSC ticks here (%llu per exit)\n", st->ticks,
	      total ? st->ticks / total : 0);
	print("vmm: port I/O: uart %llu, pic %llu, pit %llu, rtc %llu, pci %llu, other %llu\n",
	      (unsigned long long)ports[BOARD_PORT_UART], (unsigned long long)ports[BOARD_PORT_PIC],
	      (unsigned long long)ports[BOARD_PORT_PIT], (unsigned long long)ports[BOARD_PORT_RTC],
	      (unsigned long long)ports[BOARD_PORT_PCI],
	      (unsigned long long)(ports[BOARD_PORT_OTHER] + ports[BOARD_PORT_NONE]));
	for (int v = 0; v < 256; v++)
		all += st->injected[v];
	stats_top_vectors(st, top, TOP_VECTORS);
	print("vmm: interrupts: %llu (%llu posted, %llu injected)", all, st->posted, all - st->posted);
	for (unsigned k = 0; k < TOP_VECTORS && top[k] >= 0; k++)
		print("%s vector %#x %llu", k ? "," : ":", top[k], st->injected[top[k]]);
	print("\n");
}
