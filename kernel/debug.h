/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel debug object (protocol in include/l4/debug.h). */
#ifndef KERNEL_DEBUG_H
#define KERNEL_DEBUG_H

#include "kobj.h"

struct thread;
struct cap;

/* The one debug object, for the boot tasks' capabilities. */
struct kobj *debug_object(void);

/* Runs an invocation (L4_SYS_CALL on the debug capability) for cur. */
void debug_invoke(struct thread *cur, struct cap *c, uint64_t tag);

#endif
