/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupts as messages (protocol in include/l4/irq.h): Irq objects,
 * one per interrupt line, each bound to at most one notification.
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include "acpi.h"
#include "kobj.h"

#define IRQ_MAX_LINES 64

struct notification;
struct thread;
struct cap;

struct irq {
	struct kobj obj;
	unsigned gsi;
	unsigned flags;               /* L4_IRQ_LEVEL | L4_IRQ_LOW */
	struct notification *notif;   /* bound notification, or NULL */
	uint64_t bits;                /* what an interrupt signals */
	uint64_t count;               /* interrupts so far */
	unsigned cpu;                 /* the CPU the line interrupts (its binder's) */
};

/* Routes the interrupt lines (from the ACPI information); returns the
 * IrqControl singleton for the root task. */
struct kobj *irq_init(const struct acpi_irq_info *acpi);

/* An interrupt arrived on line gsi (from the architecture's handler). */
void irq_raise(unsigned gsi);

void irq_control_invoke(struct thread *cur, struct cap *c, uint64_t tag);
void irq_invoke(struct thread *cur, struct cap *c, uint64_t tag);
void irq_destroy(struct irq *irq);

/* A notification is going away: unbind the lines bound to it. */
void irq_notification_gone(struct notification *n);

#endif
