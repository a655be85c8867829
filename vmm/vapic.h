/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * APIC virtualization with virtual-interrupt delivery (vmm.vid, where the
 * CPU has it). Off by default: Bochs 2.7 (every VM here) delivers a
 * pending virtual interrupt when a host interrupt comes, whatever the
 * guest's RFLAGS.IF (ktest vmx/self-ipi-with-interrupts-off). Linux sends
 * itself IPIs (irq_work) with interrupts off; taken at once, their handlers
 * deadlocked Linux on locks the interrupted code held (a vCPU spinning with
 * interrupts off for good: 1 run in 3 of a 4-vCPU boot). Without it Linux
 * boots in the same time (0.02% more: an EOI exit per tick). When on: a
 * page of ours is the VM's at the local APIC's address and the kernel's
 * APIC-access page, the CPU delivers the local APIC's interrupts that the
 * reply posts (irq.h), the model keeps accepting them. A guest that moves
 * its APIC, disables it or switches to x2APIC turns it off for its vCPU:
 * the model takes the CPU's interrupt state, and the VM loses the page
 * when no vCPU uses it any more.
 *
 * The helpers here are pure (the host tests drive them); vapic.c has the
 * system calls.
 */
#ifndef VMM_VAPIC_H
#define VMM_VAPIC_H

#include "l4vcpu.h"
#include "dev/lapic.h"

struct vcpu_ctx;

/* The CPU's virtual IRR and ISR (an exit's APIC group) into the model. */
static inline void vapic_state_to_model(struct lapic *l, const struct l4_vcpu_state *s)
{
	uint32_t irr[8], isr[8];

	for (unsigned i = 0; i < 8; i++) {
		irr[i] = (uint32_t)(s->apic[L4_APIC_IRR + i / 2] >> (i % 2 * 32));
		isr[i] = (uint32_t)(s->apic[L4_APIC_ISR + i / 2] >> (i % 2 * 32));
	}
	lapic_vid_state(l, irr, isr);
}

/* Whether the CPU holds a posted interrupt the guest can take now (its
 * priority class above the task priority and above the one in service). */
static inline bool vapic_deliverable(const struct l4_vcpu_state *s, unsigned cr8)
{
	unsigned rvi = L4_APIC_RVI(s->apic[L4_APIC_STATUS]), svi = L4_APIC_SVI(s->apic[L4_APIC_STATUS]);

	return (rvi >> 4) > cr8 && (rvi >> 4) > (svi >> 4);
}

/* Whether the guest keeps its local APIC where the page is: an enabled
 * xAPIC at the default base. */
static inline bool vapic_page_in_place(const struct lapic *l)
{
	return lapic_mmio_enabled(l) && lapic_mmio_base(l) == LAPIC_DEFAULT_BASE;
}

/* At start, before the guest runs: on for every vCPU of vm if wanted and
 * the CPU can (else off for all); says which. Returns whether it is on. */
bool vapic_start(l4_cap_t vm, bool wanted);

/* Off for c's vCPU (the guest left the page: why). */
void vapic_off(struct vcpu_ctx *c, const char *why);

#endif
