/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel entry points from user mode (called by the architecture's entry code). */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include "regs.h"

/* A system call of the current thread, whose registers are r. */
NORETURN void syscall_from_user(arch_regs *r);

#endif
