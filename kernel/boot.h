/* SPDX-License-Identifier: GPL-2.0-only */
/* Starting the first user tasks from the boot modules (include/l4/boot.h). */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include "mb2.h"

struct thread;
struct kobj;

/* Creates sigma0 and the root task from the "sigma0" and "roottask"
 * modules; kmem: bytes the kernel keeps for objects (0: the default);
 * irq_control goes to the root task. False if there is nothing to run
 * (the reason is printed). */
bool boot_start_tasks(const struct mb2_info *mb, uint64_t kmem, struct kobj *irq_control);

struct task;
/* True for sigma0's task (it owns every I/O port). */
bool boot_is_sigma0(const struct task *t);

/* sigma0's own page faults on memory it owns are mapped 1:1 by the
 * kernel: true if t is sigma0 and addr such a page (now mapped). */
bool boot_sigma0_fault(struct thread *t, uint64_t addr);

#endif
