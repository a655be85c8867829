/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interrupts as messages: an Irq object stands for one interrupt line;
 * bound to a notification, each interrupt ORs bits into it (the badge of
 * the notification capability used to bind, or bit 0 if unbadged), and a
 * driver thread waits for them with l4_recv on the notification.
 *
 * IrqControl (the root task's L4_CAP_IRQ_CONTROL), L4_SYS_CALL:
 * label                  arguments                              result
 * L4_IRQ_CONTROL_ISA     MR0 destination slot, MR1 ISA IRQ 0..15  -
 *                        (routed as the firmware's ACPI tables say)
 * L4_IRQ_CONTROL_GSI     MR0 slot, MR1 global system interrupt,  -
 *                        MR2 L4_IRQ_LEVEL | L4_IRQ_LOW (trigger, polarity)
 * A line has at most one Irq object: a second one is L4_EBUSY; deleting
 * the Irq object frees the line.
 *
 * Irq object, L4_SYS_CALL:
 * L4_IRQ_BIND            MR0 notification slot (WRITE right)    -
 *                        (the line is routed to the CPU the calling
 *                        thread is bound to: bind from the thread that
 *                        waits, and again after moving it)
 * L4_IRQ_UNBIND          -                                      -
 * L4_IRQ_ACK             -  (level-triggered lines stay masked from the
 *                        interrupt until the driver acknowledges it,
 *                        having served the device)            -
 * L4_IRQ_INFO            -                                      MR0 GSI, MR1 flags,
 *                                                               MR2 interrupts so far,
 *                                                               MR3 the CPU it interrupts
 */
#ifndef L4_IRQ_H
#define L4_IRQ_H

#include "types.h"

enum l4_irq_op {
	L4_IRQ_CONTROL_ISA = 1,
	L4_IRQ_CONTROL_GSI = 2,
	L4_IRQ_BIND = 3,
	L4_IRQ_UNBIND = 4,
	L4_IRQ_ACK = 5,
	L4_IRQ_INFO = 6,
};

#define L4_IRQ_LEVEL 1u   /* level-triggered (else edge) */
#define L4_IRQ_LOW   2u   /* active low (else high) */

#endif
