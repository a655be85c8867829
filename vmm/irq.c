/* SPDX-License-Identifier: BSD-2-Clause */
/* Interrupt delivery to a vCPU: see irq.h. */
#include "irq.h"

#define NMI_VECTOR 2

bool irq_waiting(struct board *b, unsigned cpu, const struct irq_vcpu *v)
{
	return v->nmi_pending || board_pending(b, cpu) >= 0 ||
	       (v->vapic && lapic_requested_vector(board_lapic(b, cpu)) >= 0);
}

l4_word_t irq_deliver(struct board *b, unsigned cpu, struct irq_vcpu *v, unsigned reason,
		      const struct l4_vcpu_exit *e, struct l4_vcpu_state *s, unsigned *groups, unsigned *requests,
		      l4_word_t event, vdev_time_t now, struct vmm_stats *st)
{
	/* An NMI from another vCPU: at an NMI window, before any interrupt. */
	if (v->nmi_pending && !event) {
		if (reason == L4_VMEXIT_NMI_WINDOW) {
			event = L4_EVENT_VALID | L4_EVENT_NMI | NMI_VECTOR;
			v->nmi_pending = false;
		} else {
			*requests |= L4_VCPU_REQ_NMI_WINDOW;
		}
	}
	board_advance(b, cpu, now);
	/* The local APIC's: posted while the guest has interrupts on. */
	if (v->vapic) {
		struct lapic *l = board_lapic(b, cpu);
		bool level, guest_if = s->gpr[L4_REG_RFLAGS] & RFLAGS_IF;
		int pv = guest_if ? lapic_post(l, &level) : -1;
		if (pv >= 0) {
			*requests |= (unsigned)L4_VCPU_POST(pv, level);
			st->injected[pv]++;
			st->posted++;
		}
		if (lapic_requested_vector(l) >= 0)
			*requests |= L4_VCPU_REQ_IRQ_WINDOW;
	}
	/* The others: injected at an interrupt window. */
	if (!event && board_pending(b, cpu) >= 0) {
		if (reason == L4_VMEXIT_IRQ_WINDOW) {
			int vec = board_ack(b, cpu);
			if (vec >= 0) {
				event = l4_event_interrupt((unsigned)vec);
				st->injected[vec & 0xff]++;
			}
		} else {
			*requests |= L4_VCPU_REQ_IRQ_WINDOW;
		}
	}
	/* The task priority back to CR8, and the threshold. */
	l4_word_t tpr = L4_TPR(board_cr8(b, cpu), board_tpr_threshold(b, cpu));
	if (tpr != L4_TPR(e->cr8, v->tpr_threshold)) {
		if (e->groups & L4_VCPU_CR) {
			s->cr[L4_CR_TPR] = tpr;
			v->tpr_threshold = L4_TPR_THRESHOLD(tpr);
			*groups |= L4_VCPU_CR;
		} else {
			*requests |= L4_VCPU_REQ_IRQ_WINDOW;
		}
	}
	return event;
}
