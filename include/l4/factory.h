/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Factory protocol: L4_SYS_CALL on a factory capability (needs WRITE to
 * create, READ to query). Every object is charged to the factory's
 * quota, in bytes of kernel memory; exhausting it gives L4_ENOMEM. A new
 * factory's quota is carved out of its parent's.
 *
 * label                     arguments (MRs)                      result
 * L4_FACTORY_ENDPOINT       MR0 destination slot                  -
 * L4_FACTORY_NOTIFICATION   MR0 destination slot                  -
 * L4_FACTORY_TASK           MR0 slot, MR1 capability slots        -
 * L4_FACTORY_THREAD         MR0 slot, MR1 task slot,              -
 *                           MR2 UTCB address in that task; the thread is
 *                           stopped, at priority 100 or the creating
 *                           thread's MCP if that is lower (so are vCPUs)
 * L4_FACTORY_FACTORY        MR0 slot, MR1 quota in bytes          -
 * L4_FACTORY_INFO           -                                     MR0 quota, MR1 used
 * L4_FACTORY_VM             MR0 slot, MR1 capability slots        -
 *                           a VM task: its address space is guest-physical
 *                           (an EPT); the VMM maps its own pages into it with
 *                           L4_TASK_MAP, send base = guest-physical address
 * L4_FACTORY_VCPU           MR0 slot, MR1 VM task slot            -
 *                           a virtual CPU of that VM (vcpu.h); L4_ENOSYS
 *                           where the CPU offers no VT-x
 *
 * Destination slots are in the caller's own table and must be empty.
 * A new capability has all rights; mint a reduced copy to give away.
 *
 * Objects live no longer than their factory: deleting a factory's
 * original capability destroys every object it made (and, through its
 * child factories, everything they made), wherever the objects'
 * capabilities went, and gives the whole quota back to the parent.
 * L4_TASK_CAP_REVOKE on the original does the same but keeps the
 * factory, empty. So whoever holds a program's factory can end all of
 * it, even what the program hid in its own children's tables.
 */
#ifndef L4_FACTORY_H
#define L4_FACTORY_H

#include "msg.h"
#include "syscall.h"
#include "utcb.h"

enum l4_factory_op {
	L4_FACTORY_ENDPOINT = 1,
	L4_FACTORY_NOTIFICATION = 2,
	L4_FACTORY_TASK = 3,
	L4_FACTORY_THREAD = 4,
	L4_FACTORY_FACTORY = 5,
	L4_FACTORY_INFO = 6,
	L4_FACTORY_VM = 7,
	L4_FACTORY_VCPU = 8,
};

#define L4_TASK_MAX_CAP_SLOTS 65536   /* the largest capability table a task may have */

#endif
