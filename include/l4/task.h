/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Task protocol: L4_SYS_CALL on a task capability (WRITE to change the
 * task, READ to query). Capability operations work on the slots of the
 * invoked task's table (a task manages its own through L4_CAP_TASK).
 *
 * label                 arguments (MRs)                           result
 * L4_TASK_CAP_COPY      MR0 source, MR1 destination, MR2 rights mask  -
 * L4_TASK_CAP_MINT      MR0 source, MR1 destination, MR2 rights mask,
 *                       MR3 badge (endpoints and notifications whose
 *                       source capability is unbadged)                 -
 * L4_TASK_CAP_MOVE      MR0 source, MR1 destination                    -
 * L4_TASK_CAP_DELETE    MR0 slot (deleting an object's original
 *                       capability destroys the object)                -
 * L4_TASK_CAP_REVOKE    MR0 slot: delete everything derived from it
 *                       (a factory's original: and destroy every object
 *                       the factory made, factory.h)                   -
 * L4_TASK_CAP_INFO      MR0 slot        MR0 type, MR1 rights, MR2 badge,
 *                                       MR3 1 if it is the object's original
 * L4_TASK_MAP           MR0-MR1 a typed item (msg.h) naming resources of
 *                       the caller; they go to the invoked task at the
 *                       item's send base (capabilities: to that slot)  -
 * L4_TASK_SET_NAME      MR0-MR1 up to 15 characters                    -
 * L4_TASK_CANCEL_BADGED MR0 slot of a badged endpoint capability: every
 *                       sender queued on the endpoint with that badge
 *                       wakes with L4_ECANCELED (after revoking a client's
 *                       capabilities, no message of its can still arrive) -
 * L4_TASK_UNMAP         MR0 a memory flexpage of the invoked task,
 *                       MR1 flags (L4_UNMAP_SELF): removes every mapping
 *                       derived from those pages, in every task, and with
 *                       L4_UNMAP_SELF the task's own mappings too      -
 *
 * Memory map items (msg.h) name pages of the sender's address space that
 * it may map: pages it got from sigma0 or from another task, or its own
 * boot image. Each mapping is recorded in the kernel's mapping database:
 * the receiver's copy derives from the sender's, and unmap is recursive.
 * A map item covers at most 1 GiB (order 30), and one above 4 MiB only
 * large pages (msg.h, "Large pages").
 */
#ifndef L4_TASK_H
#define L4_TASK_H

#include "msg.h"

enum l4_task_op {
	L4_TASK_CAP_COPY = 1,
	L4_TASK_CAP_MINT = 2,
	L4_TASK_CAP_MOVE = 3,
	L4_TASK_CAP_DELETE = 4,
	L4_TASK_CAP_REVOKE = 5,
	L4_TASK_CAP_INFO = 6,
	L4_TASK_MAP = 7,
	L4_TASK_SET_NAME = 8,
	L4_TASK_UNMAP = 9,
	L4_TASK_CANCEL_BADGED = 10,
};

#define L4_UNMAP_SELF 1u

#endif
