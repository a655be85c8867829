/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interrupt delivery to a vCPU at the end of each exit: what the reply
 * injects (an NMI, an interrupt) or asks for (an NMI or interrupt window,
 * a posted vector), and the task priority back to CR8. Pure (over the
 * board); the handler calls it under the VMM lock.
 *
 * The local APIC's interrupts are posted to the CPU when APIC
 * virtualization is on for the vCPU (vapic), one per reply (a window exit
 * brings the next), and only while the guest has interrupts on
 * (RFLAGS.IF): Bochs 2.7 delivers a posted vector that IF holds back when
 * the guest has written IF since its VM entry and an interrupt of the
 * host comes (InterruptAcknowledge asks whether the virtual interrupt is
 * pending, not whether it is unmasked); Linux took IRQ 1 so inside
 * request_irq and spun on the descriptor lock it held. Otherwise the
 * window exit brings it. All other interrupts are injected at an
 * interrupt-window exit (the hardware says when the guest can take one).
 * An NMI from another vCPU goes first, at an NMI window (the guest in no
 * NMI handler).
 *
 * The task priority: if a TPR write changed it, or the threshold below
 * which the guest lowering CR8 must exit changed, both go in the CR group;
 * an exit without that group asks for an interrupt window, whose exit has
 * it.
 */
#ifndef VMM_IRQ_H
#define VMM_IRQ_H

#include "board.h"
#include "l4vcpu.h"
#include "stats.h"

#define RFLAGS_IF (1u << 9)             /* the guest takes interrupts */

/* A vCPU's interrupt state that its handler keeps. */
struct irq_vcpu {
	bool vapic;                     /* its local APIC interrupts are posted (VID) */
	volatile bool nmi_pending;      /* an NMI (an IPI) to inject at its NMI window */
	unsigned tpr_threshold;         /* the TPR threshold we last gave it */
};

/*
 * The end of an exit of vCPU cpu (reason, e; s holds the reply's state):
 * event is what the exit's work injects already (0: none); returns the
 * event to inject, adds to *requests and *groups, counts what it gives in
 * st. Runs the board's timers up to now first.
 */
l4_word_t irq_deliver(struct board *b, unsigned cpu, struct irq_vcpu *v, unsigned reason,
		      const struct l4_vcpu_exit *e, struct l4_vcpu_state *s, unsigned *groups, unsigned *requests,
		      l4_word_t event, vdev_time_t now, struct vmm_stats *st);

/* Whether an interrupt (or an NMI) waits for vCPU cpu (for HLT). */
bool irq_waiting(struct board *b, unsigned cpu, const struct irq_vcpu *v);

#endif
