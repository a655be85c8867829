/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capabilities: object types, rights, and the initial capability layout.
 *
 * Each task has a flat capability table; a capability is named by its
 * slot index. A capability carries rights and, for endpoints and
 * notifications, a badge chosen by whoever minted it:
 *   - an endpoint badge is delivered to the receiver with every message
 *     sent through that capability (RDX after a receive);
 *   - a notification badge is the bit set OR-ed into the notification's
 *     word when the capability is used to signal it.
 * Capabilities are copied (and minted: fewer rights, a new badge), moved,
 * deleted and revoked through the owning task's capability (task.h).
 * Revoking a capability deletes every capability derived from it, in
 * every task. An object lives until its original capability (the one its
 * factory made) is deleted, and no longer than its factory (factory.h);
 * threads blocked on a dying endpoint or partner wake with L4_ECANCELED.
 */
#ifndef L4_CAPS_H
#define L4_CAPS_H

#include "types.h"

enum l4_obj_type {
	L4_OBJ_NONE = 0,         /* empty slot */
	L4_OBJ_TASK = 1,         /* address space + capability table (task.h) */
	L4_OBJ_THREAD = 2,       /* thread (thread.h) */
	L4_OBJ_ENDPOINT = 3,     /* synchronous IPC rendezvous */
	L4_OBJ_NOTIFICATION = 4, /* asynchronous signal word (notification.h) */
	L4_OBJ_FACTORY = 5,      /* creates objects within a memory quota (factory.h) */
	L4_OBJ_IRQ = 6,          /* an interrupt line bound to a notification (irq.h) */
	L4_OBJ_IRQ_CONTROL = 7,  /* creates Irq objects (root task only) */
	L4_OBJ_DEBUG = 8,        /* the kernel console, machine exit, self-check (debug.h) */
	L4_OBJ_TYPE_COUNT
};

/* Rights. */
#define L4_CAP_RIGHT_READ  1u   /* endpoints: receive; others: query */
#define L4_CAP_RIGHT_WRITE 2u   /* endpoints, notifications: send/signal; others: modify */
#define L4_CAP_RIGHT_GRANT 4u   /* messages through it may carry capabilities and grants */
#define L4_CAP_RIGHTS_ALL  7u

/*
 * Initial capability layout of every task the kernel starts (sigma0 and
 * the root task). Slots from L4_CAP_FIRST_FREE on are empty.
 */
#define L4_CAP_TASK        0   /* the task itself */
#define L4_CAP_THREAD      1   /* its first thread */
#define L4_CAP_FACTORY     2   /* a factory holding the task's kernel memory quota */
#define L4_CAP_PAGER       3   /* root task: endpoint to sigma0 (its pager); sigma0: empty */
#define L4_CAP_IRQ_CONTROL 4   /* root task: creates Irq objects; sigma0: empty */
#define L4_CAP_DEBUG       5   /* the kernel debug capability (debug.h) */
#define L4_CAP_FIRST_FREE  8

#endif
