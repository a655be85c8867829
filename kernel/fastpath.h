/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The IPC fast path: call and reply-and-wait with an untyped message of
 * up to 64 words, no timeout, where the partner is already waiting and
 * may run at once (nothing ready outranks it). It either completes the
 * system call and leaves the kernel to the partner (never returning), or
 * returns having changed nothing, and the general path (ipc.c) handles
 * the call; both give the same result. fastpath=off on the command line
 * turns it off (the test suite runs both ways).
 */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

#include "thread.h"

extern bool fastpath_enabled;

/* Called by the syscall entry for L4_SYS_CALL and L4_SYS_REPLY_WAIT, before
 * the general path; r is the current thread's saved registers. One copy
 * for one CPU, one for several (fastpath_smp chooses it, at start). */
extern void (*fastpath_syscall_fn)(arch_regs *r);
void fastpath_smp(void);

/* A vCPU's VM exit whose message (tag) goes to handler: straight to a
 * waiting VMM if it can run now; returns otherwise. */
void fastpath_vmexit(struct thread *vcpu, uint64_t tag, const struct cap *handler);

#endif
