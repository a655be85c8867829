/* SPDX-License-Identifier: GPL-2.0-only */
/* Tasks: an address space and a capability table. */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include "cap.h"
#include "space.h"

#define TASK_NAME_LEN 16

struct thread;

struct task {
	struct kobj obj;
	struct space space;
	struct cap_table caps;
	struct thread *threads;
	char name[TASK_NAME_LEN];
};

/* A task with an empty address space and cap_slots empty slots, charged to f.
 * A VM task's address space is guest-physical (an EPT). */
int task_create(struct factory *f, uint64_t cap_slots, bool vm, struct task **out);
void task_destroy(struct task *t);
void task_set_name(struct task *t, const char *name);

/* Runs an invocation (L4_SYS_CALL on a task capability) for cur. */
void task_invoke(struct thread *cur, struct cap *tcap, uint64_t tag);

#endif
